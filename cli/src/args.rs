//! Argument parsing helpers over `lexopt`: each verb loops over [`next`] and
//! matches [`Flag::key`] against its own flags, handing anything else to
//! [`common`], which knows `--verbose` and `--help`.

use crate::clock::parse_time;
use crate::error::{CliError, CliResult};
use cgaws_core::UnixTime;
use lexopt::Parser;
use std::ffi::OsString;

/// One command-line item, owned so that the parser can be used again while it is matched.
#[derive(Debug)]
pub enum Flag {
    /// `--name` (a `--name=value` value is taken by [`value`]).
    Long(String),
    Short(char),
    /// A positional argument.
    Positional(OsString),
}

impl Flag {
    /// `--name`, `-x`, or the empty string for a positional argument.
    pub fn key(&self) -> String {
        match self {
            Flag::Long(name) => format!("--{name}"),
            Flag::Short(c) => format!("-{c}"),
            Flag::Positional(_) => String::new(),
        }
    }
}

pub fn next(parser: &mut Parser) -> CliResult<Option<Flag>> {
    Ok(parser.next()?.map(|arg| match arg {
        lexopt::Arg::Long(name) => Flag::Long(name.to_string()),
        lexopt::Arg::Short(c) => Flag::Short(c),
        lexopt::Arg::Value(v) => Flag::Positional(v),
    }))
}

/// The value of the flag just read, as UTF-8.
pub fn value(parser: &mut Parser, flag: &Flag) -> CliResult<String> {
    let raw = parser.value().map_err(|_| CliError::usage(format!("{} needs a value", flag.key())))?;
    raw.into_string().map_err(|_| CliError::usage(format!("the value of {} is not valid UTF-8", flag.key())))
}

/// A non-empty value.
pub fn nonempty(parser: &mut Parser, flag: &Flag) -> CliResult<String> {
    let v = value(parser, flag)?;
    if v.trim().is_empty() {
        return Err(CliError::usage(format!("the value of {} is empty", flag.key())));
    }
    Ok(v)
}

pub fn positional(v: OsString) -> CliResult<String> {
    v.into_string().map_err(|_| CliError::usage("an argument is not valid UTF-8"))
}

/// An RFC 3339 time value.
pub fn time(parser: &mut Parser, flag: &Flag) -> CliResult<UnixTime> {
    let v = value(parser, flag)?;
    parse_time(&v).map_err(|e| CliError::usage(format!("{}: {e}", flag.key())))
}

/// `--verbose`/`-v` and `--help`/`-h`, which every verb has; anything else is an
/// unknown flag or an unexpected argument (exit 2).
pub fn common(flag: Flag, verb: &str, usage: &str) -> CliResult<()> {
    match flag.key().as_str() {
        "--verbose" | "-v" => {
            crate::log::set_verbose(true);
            Ok(())
        }
        "--help" | "-h" => Err(CliError::help(usage)),
        "" => {
            let shown = match &flag {
                Flag::Positional(v) => v.to_string_lossy().into_owned(),
                _ => String::new(),
            };
            Err(CliError::usage(format!("unexpected argument {shown:?} for `cgaws {verb}`"))
                .hint(format!("see `cgaws {verb} --help`")))
        }
        key => Err(CliError::usage(format!("unknown option {key} for `cgaws {verb}`"))
            .hint(format!("see `cgaws {verb} --help`"))),
    }
}

/// A non-empty environment variable.
pub fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(args: &[&str]) -> Parser {
        Parser::from_args(args.iter().map(|s| s.to_string()))
    }

    #[test]
    fn reads_flags_and_values() {
        let mut p = parser(&["--identity=abc", "-v", "--audience", "x", "pos"]);
        let f = next(&mut p).unwrap().unwrap();
        assert_eq!(f.key(), "--identity");
        assert_eq!(value(&mut p, &f).unwrap(), "abc");
        assert_eq!(next(&mut p).unwrap().unwrap().key(), "-v");
        let f = next(&mut p).unwrap().unwrap();
        assert_eq!(value(&mut p, &f).unwrap(), "x");
        assert!(matches!(next(&mut p).unwrap(), Some(Flag::Positional(_))));
        assert!(next(&mut p).unwrap().is_none());
    }

    #[test]
    fn usage_errors_exit_2() {
        let mut p = parser(&["--identity"]);
        let f = next(&mut p).unwrap().unwrap();
        let e = value(&mut p, &f).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (2, "--identity needs a value"));
        let e = common(Flag::Long("bogus".into()), "token", "usage").unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("unknown option --bogus"), "{}", e.message);
        let e = common(Flag::Short('h'), "token", "usage text").unwrap_err();
        assert!(e.help && e.code == 0 && e.message == "usage text");
        let mut p = parser(&["--time", "yesterday"]);
        let f = next(&mut p).unwrap().unwrap();
        assert_eq!(time(&mut p, &f).unwrap_err().code, 2);
        let mut p = parser(&["--x", ""]);
        let f = next(&mut p).unwrap().unwrap();
        assert_eq!(nonempty(&mut p, &f).unwrap_err().code, 2);
    }
}
