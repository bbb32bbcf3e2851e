//! The verbs. Each is a module with `SUMMARY` (one line for `cgaws --help`),
//! `USAGE` (its `--help`) and `run(parser)`; the table below is the one place
//! that lists them. Adding a verb: a new file here and one line in `verbs!`.

use crate::error::{CliError, CliResult};
use std::ffi::OsString;

pub struct Verb {
    pub name: &'static str,
    pub summary: &'static str,
    pub usage: &'static str,
    pub run: fn(&mut lexopt::Parser) -> CliResult,
}

macro_rules! verbs {
    ($($module:ident => $name:literal,)*) => {
        $(pub mod $module;)*
        pub const VERBS: &[Verb] = &[
            $(Verb { name: $name, summary: $module::SUMMARY, usage: $module::USAGE, run: $module::run },)*
        ];
    };
}

verbs! {
    token => "token",
    inspect => "inspect",
    sign => "sign",
    whoami => "whoami",
    exchange => "exchange",
    credential_helper => "credential-helper",
    install_helper => "install-helper",
    docker_config => "docker-config",
    lint => "lint",
    spec => "spec",
    check => "check",
    verify => "verify",
}

pub fn find(name: &str) -> Option<&'static Verb> {
    VERBS.iter().find(|v| v.name == name)
}

pub fn top_usage() -> String {
    let mut s = format!(
        "cgaws {}: turn ambient AWS credentials into a Chainguard token\n\n\
         Usage: cgaws <VERB> [OPTIONS]\n       cgaws <VERB> --help\n\nVerbs:\n",
        cgaws_core::VERSION
    );
    for verb in VERBS {
        s.push_str(&format!("  {:<18} {}\n", verb.name, verb.summary));
    }
    s.push_str(
        "\nEvery verb takes -v/--verbose (step logs with timings on stderr, secrets redacted).\n\
         Called as docker-credential-cgaws, the binary is a Docker credential helper.\n\
         Exit codes: 0 success, 1 failure, 2 usage error or invalid argument value.\n",
    );
    s
}

/// Runs `cgaws <args>`.
pub fn dispatch(args: Vec<OsString>) -> CliResult {
    let mut args = args.into_iter().peekable();
    // `cgaws -v VERB ...` as well as `cgaws VERB -v ...`.
    while args.peek().is_some_and(|a| a == "-v" || a == "--verbose") {
        crate::log::set_verbose(true);
        args.next();
    }
    let Some(first) = args.next() else {
        return Err(CliError::usage("no verb given").hint("see `cgaws --help`"));
    };
    let first = first.into_string().map_err(|_| CliError::usage("the verb is not valid UTF-8"))?;
    let name = match first.as_str() {
        "-h" | "--help" => return Err(CliError::help(top_usage())),
        "-V" | "--version" => return Err(CliError::help(format!("cgaws {}\n", cgaws_core::VERSION))),
        "help" => match args.next().and_then(|a| a.into_string().ok()) {
            None => return Err(CliError::help(top_usage())),
            Some(verb) => match find(&verb) {
                Some(v) => return Err(CliError::help(v.usage)),
                None => return Err(unknown(&verb)),
            },
        },
        other => other,
    };
    let verb = find(name).ok_or_else(|| unknown(name))?;
    let mut parser = lexopt::Parser::from_args(args);
    (verb.run)(&mut parser)
}

fn unknown(name: &str) -> CliError {
    CliError::usage(format!("unknown verb {name:?}"))
        .hint(format!("verbs: {}", VERBS.iter().map(|v| v.name).collect::<Vec<_>>().join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> CliResult {
        dispatch(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn every_verb_has_help() {
        for verb in VERBS {
            let e = run(&[verb.name, "--help"]).unwrap_err();
            assert!(e.help, "{}", verb.name);
            assert!(e.message.contains(&format!("cgaws {}", verb.name)) || verb.name == "credential-helper");
            assert!(e.message.ends_with('\n'), "{}", verb.name);
            assert!(!verb.summary.is_empty());
        }
        assert!(run(&["--help"]).unwrap_err().help);
        assert!(run(&["help", "token"]).unwrap_err().help);
    }

    #[test]
    fn usage_errors() {
        assert_eq!(run(&[]).unwrap_err().code, 2);
        assert_eq!(run(&["frobnicate"]).unwrap_err().code, 2);
        for verb in VERBS {
            assert_eq!(run(&[verb.name, "--no-such-flag"]).unwrap_err().code, 2, "{}", verb.name);
        }
        assert_eq!(run(&["token", "--identity", "not-a-uidp"]).unwrap_err().code, 2);
        assert_eq!(run(&["token", "--identity"]).unwrap_err().code, 2);
        assert_eq!(run(&["token", "--time", "noon"]).unwrap_err().code, 2);
        assert_eq!(run(&["sign", "--service", "s"]).unwrap_err().code, 2);
        assert_eq!(run(&["exchange", "--output", "yaml"]).unwrap_err().code, 2);
        assert_eq!(run(&["whoami", "--output", "xml"]).unwrap_err().code, 2);
    }
}
