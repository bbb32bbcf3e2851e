//! `cgaws`: turn ambient AWS credentials into a Chainguard token.
//!
//! A thin I/O driver over `cgaws-core`: it parses arguments, reads the
//! environment, files and stdin, speaks HTTP and runs processes, and leaves
//! every protocol decision to the core. One module per verb under `commands/`.

mod args;
mod cache;
mod clock;
mod commands;
mod config;
mod creds;
mod error;
mod flow;
mod http;
mod log;
mod oidc;
mod out;

use std::process::ExitCode;

fn main() -> ExitCode {
    log::init();
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let program = std::path::Path::new(&argv0)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "cgaws".into());
    let rest: Vec<_> = argv.collect();
    let (name, result) = if program.starts_with("docker-credential-") {
        (program.clone(), commands::credential_helper::run_as_helper(rest))
    } else {
        ("cgaws".to_string(), commands::dispatch(rest))
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.help => match out::stdout(&e.message) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(error::EXIT_FAILURE),
        },
        Err(e) => {
            log::stderr(&e.render(&name));
            ExitCode::from(e.code)
        }
    }
}
