//! The credential-chain driver: runs `cgaws_core::provider::CredentialChain`,
//! doing the file reads, HTTP requests, process runs and sleeps it asks for.

use crate::error::{CliError, CliResult};
use crate::log::Timer;
use crate::{clock, http, vlog};
use cgaws_core::provider::{Action, Answer, ChainConfig, CredentialChain, Env, ProcessOutput, ResolvedCredentials};
use std::process::{Command, Stdio};
use std::time::Duration;

/// `--profile` and `--region`, for every verb that needs AWS credentials.
#[derive(Clone, Debug, Default)]
pub struct AwsOpts {
    pub profile: Option<String>,
    pub region: Option<String>,
}

/// The process environment, UTF-8 entries only.
pub fn env_snapshot() -> Env {
    std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect()
}

pub fn chain_config(opts: &AwsOpts) -> ChainConfig {
    let mut config = ChainConfig::new(env_snapshot(), clock::now());
    config.profile = opts.profile.clone();
    config.region = opts.region.clone();
    config.jitter_seed = clock::jitter_seed();
    config
}

/// Resolves AWS credentials the way the AWS CLI does.
pub fn resolve(opts: &AwsOpts) -> CliResult<ResolvedCredentials> {
    let timer = Timer::start();
    let mut chain = CredentialChain::new(chain_config(opts));
    let result = loop {
        match chain.next_action() {
            Action::Done(result) => break result,
            action => {
                let answer = perform(&action);
                chain.feed(answer);
            }
        }
    };
    match result {
        Ok(resolved) => {
            for warning in &resolved.warnings {
                crate::log::stderr(&format!("cgaws: warning: {warning}\n"));
            }
            vlog!(
                "credentials: from {} (access key {}{}) in {timer}",
                resolved.source,
                resolved.credentials.access_key_id(),
                match resolved.credentials.expiry() {
                    Some(t) => format!(", expires {t}"),
                    None => String::new(),
                }
            );
            Ok(resolved)
        }
        Err(e) => {
            for warning in &e.warnings {
                crate::log::stderr(&format!("cgaws: warning: {warning}\n"));
            }
            Err(CliError::failure(e.to_string())
                .hint("run with --verbose to see each request; `aws sts get-caller-identity` should work with the same environment"))
        }
    }
}

/// Does what the chain asked for.
pub fn perform(action: &Action) -> Answer {
    match action {
        Action::ReadFile { path } => {
            vlog!("credentials: reading {path}");
            match std::fs::read(path) {
                Ok(bytes) => Answer::File(Some(bytes)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Answer::File(None),
                Err(e) => Answer::FileError(e.to_string()),
            }
        }
        Action::Http { request, timeout_ms } => {
            Answer::Http(http::send(request, Duration::from_millis((*timeout_ms).max(1))))
        }
        Action::RunProcess { argv } => Answer::Process(run_process(argv)),
        Action::Sleep { millis } => {
            std::thread::sleep(Duration::from_millis(*millis));
            Answer::Slept
        }
        // The caller handles Done; answering it is a no-op.
        Action::Done(_) => Answer::Slept,
    }
}

/// Runs a `credential_process` without a shell, with our environment, working
/// directory and stdin; captures stdout and stderr.
pub fn run_process(argv: &[String]) -> Result<ProcessOutput, String> {
    let (program, args) = argv.split_first().ok_or_else(|| "credential_process is empty".to_string())?;
    let timer = Timer::start();
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| format!("could not run {program:?}: {e}"))?;
    vlog!("credentials: ran {program:?} ({} arguments) -> exit {:?} in {timer}", args.len(), output.status.code());
    Ok(ProcessOutput { exit_code: output.status.code(), stdout: output.stdout, stderr: output.stderr })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_processes_without_a_shell() {
        let out = run_process(&["echo".into(), "$HOME".into(), "a b".into()]).unwrap();
        assert_eq!(out.exit_code, Some(0));
        assert_eq!(out.stdout, b"$HOME a b\n");
        let out = run_process(&["sh".into(), "-c".into(), "echo oops >&2; exit 3".into()]).unwrap();
        assert_eq!((out.exit_code, out.stderr.as_slice()), (Some(3), &b"oops\n"[..]));
        assert!(run_process(&["/nonexistent/program".into()]).unwrap_err().contains("could not run"));
        assert!(run_process(&[]).is_err());
    }

    #[test]
    fn reads_files() {
        let dir = std::env::temp_dir().join(format!("cgaws-creds-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("f");
        std::fs::write(&file, b"x").unwrap();
        assert_eq!(perform(&Action::ReadFile { path: file.display().to_string() }), Answer::File(Some(b"x".to_vec())));
        assert_eq!(perform(&Action::ReadFile { path: dir.join("none").display().to_string() }), Answer::File(None));
        assert!(matches!(perform(&Action::ReadFile { path: dir.display().to_string() }), Answer::FileError(_)));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
