//! `credential_process` (§3.6): the command line is split with POSIX shell-word rules
//! and run without a shell; its stdout is a JSON document.

use super::chain::{Cx, Found};
use super::io::{error, Flow};
use crate::credentials::Credentials;
use crate::time::UnixTime;
use core::fmt;

/// A command line that does not split into words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellWordsError(pub &'static str);

impl fmt::Display for ShellWordsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for ShellWordsError {}

/// Splits a command line into words like a POSIX shell (and Python's `shlex.split`),
/// without expansions: whitespace separates words; `'...'` is literal; in `"..."` a
/// backslash escapes only `$`, `` ` ``, `"`, `\` and newline; elsewhere a backslash
/// escapes any character, and backslash-newline disappears. No comments, variables,
/// globs or redirections. (On Windows, write paths with `/` or in single quotes.)
pub fn split_shell_words(line: &str) -> Result<Vec<String>, ShellWordsError> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\n' | '\r' => {
                if in_word {
                    words.push(core::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err(ShellWordsError("unterminated single quote")),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some('\n') => {}
                            Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err(ShellWordsError("unterminated double quote")),
                        },
                        Some(c) => word.push(c),
                        None => return Err(ShellWordsError("unterminated double quote")),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err(ShellWordsError("a backslash at the end of the command")),
            },
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The most of a process's stderr shown in an error.
const STDERR_SHOWN: usize = 2000;

/// Runs `command` and reads its output. `account_id` is the profile's `aws_account_id`,
/// used when the output has no `AccountId`.
pub(crate) fn run(cx: &mut Cx<'_>, command: &str, account_id: Option<String>) -> Flow<Found> {
    let argv = match split_shell_words(command) {
        Ok(argv) if !argv.is_empty() => argv,
        Ok(_) => return error("the command is empty"),
        Err(e) => return error(format!("cannot split the command line: {e}")),
    };
    let program = argv[0].clone();
    let output = match cx.io.run_process(argv)? {
        Ok(output) => output,
        Err(e) => return error(format!("cannot run {program:?}: {e}")),
    };
    if output.exit_code != Some(0) {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let stderr = stderr.trim();
        let shown: String = stderr.chars().take(STDERR_SHOWN).collect();
        let status = match output.exit_code {
            Some(code) => format!("exited with code {code}"),
            None => "was killed by a signal".to_string(),
        };
        return error(if shown.is_empty() {
            format!("{program:?} {status} (no stderr)")
        } else {
            format!("{program:?} {status}: {shown}")
        });
    }
    let (credentials, account) =
        parse_output(&output.stdout).or_else(|e| error(format!("{program:?} printed invalid output: {e}")))?;
    cx.check_fresh(&credentials, &format!("{program:?}"))?;
    Ok(Found { credentials, source: "credential_process".into(), account_id: account.or(account_id) })
}

/// Reads the JSON a `credential_process` prints (§3.6). Errors never quote the output.
pub fn parse_output(stdout: &[u8]) -> Result<(Credentials, Option<String>), String> {
    let value = crate::json::parse(stdout).map_err(|e| format!("stdout is not a JSON object ({e})"))?;
    let object = value.as_object().ok_or("stdout is JSON but not an object")?;
    match object.get("Version") {
        Some(v) if v.as_u64() == Some(1) => {}
        Some(_) => return Err("\"Version\" must be the number 1".into()),
        None => return Err("\"Version\": 1 is missing".into()),
    }
    let text = |key: &str| -> Result<Option<&str>, String> {
        match object.get(key) {
            None | Some(crate::json::Value::Null) => Ok(None),
            Some(crate::json::Value::String(s)) => Ok(Some(s.as_str()).filter(|s| !s.is_empty())),
            Some(_) => Err(format!("{key:?} must be a string")),
        }
    };
    let key_id = text("AccessKeyId")?.ok_or("\"AccessKeyId\" is missing")?;
    let secret = text("SecretAccessKey")?.ok_or("\"SecretAccessKey\" is missing")?;
    let token = text("SessionToken")?;
    let expiry = match text("Expiration")? {
        Some(e) => Some(UnixTime::parse_rfc3339(e).map_err(|e| format!("\"Expiration\": {e}"))?),
        None => None,
    };
    let credentials =
        Credentials::new(key_id, secret, token.map(str::to_string)).map_err(|e| e.to_string())?.with_expiry(expiry);
    Ok((credentials, text("AccountId")?.map(str::to_string)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shell_words() {
        let ok = |s: &str| split_shell_words(s).unwrap();
        assert_eq!(ok("a b  c"), ["a", "b", "c"]);
        assert_eq!(ok(r#"'/opt/my tool' --x "a \"b\" \$c \n" d\ e"#), ["/opt/my tool", "--x", r#"a "b" $c \n"#, "d e"]);
        assert_eq!(ok("a''b \"\""), ["ab", ""]);
        assert_eq!(ok("a \\\nb"), ["a", "b"]);
        assert!(ok("  ").is_empty());
        assert!(split_shell_words("'x").is_err());
        assert!(split_shell_words("\"x").is_err());
        assert!(split_shell_words("x\\").is_err());
    }
}
