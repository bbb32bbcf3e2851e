//! The one error type of the CLI: a message, hints, and the exit code.
//!
//! Exit codes: 0 success, 1 any failure, 2 usage errors and invalid argument values.

use std::fmt;

pub const EXIT_FAILURE: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug)]
pub struct CliError {
    pub code: u8,
    pub message: String,
    pub hints: Vec<String>,
    /// `--help`: not an error; `message` is printed to stdout and the exit code is 0.
    pub help: bool,
}

impl CliError {
    /// A failure (exit 1).
    pub fn failure(message: impl Into<String>) -> Self {
        CliError { code: EXIT_FAILURE, message: message.into(), hints: Vec::new(), help: false }
    }

    /// A usage error or invalid argument value (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        CliError { code: EXIT_USAGE, message: message.into(), hints: Vec::new(), help: false }
    }

    /// Prints `text` to stdout and exits 0.
    pub fn help(text: impl Into<String>) -> Self {
        CliError { code: 0, message: text.into(), hints: Vec::new(), help: true }
    }

    /// Exit with `code` and print nothing more (the verb already said what it had to).
    pub fn silent(code: u8) -> Self {
        CliError { code, message: String::new(), hints: Vec::new(), help: false }
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hints.push(hint.into());
        self
    }

    /// The text written to stderr: `cgaws: error: ...` then one line per hint.
    pub fn render(&self, program: &str) -> String {
        let mut out = String::new();
        if self.message.is_empty() && self.hints.is_empty() {
            return out;
        }
        let mut lines = self.message.lines();
        out.push_str(&format!("{program}: error: {}\n", lines.next().unwrap_or_default()));
        for line in lines {
            out.push_str(&format!("  {line}\n"));
        }
        for hint in &self.hints {
            out.push_str(&format!("  hint: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<lexopt::Error> for CliError {
    fn from(e: lexopt::Error) -> Self {
        CliError::usage(e.to_string())
    }
}

pub type CliResult<T = ()> = Result<T, CliError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_message_and_hints() {
        let e = CliError::usage("bad thing\nsecond line").hint("do this");
        assert_eq!(e.code, 2);
        assert_eq!(e.render("cgaws"), "cgaws: error: bad thing\n  second line\n  hint: do this\n");
        assert_eq!(CliError::failure("x").code, 1);
    }
}
