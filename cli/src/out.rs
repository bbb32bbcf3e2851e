//! Writing results: the whole output is built first and written at once, so a
//! failure never leaves half a result on stdout.

use crate::error::{CliError, CliResult};
use std::io::{Read, Write};

/// Writes `text` to stdout in one call and flushes it.
pub fn stdout(text: &str) -> CliResult {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::failure(format!("cannot write to standard output: {e}")))
}

/// All of stdin, at most `limit` bytes, as UTF-8.
pub fn read_stdin(limit: usize) -> CliResult<String> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::failure(format!("cannot read standard input: {e}")))?;
    if bytes.len() > limit {
        return Err(CliError::failure(format!("standard input is larger than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| CliError::failure("standard input is not valid UTF-8"))
}

/// A file's contents, or stdin for `-`.
pub fn read_input(path: &str, limit: usize) -> CliResult<String> {
    if path == "-" {
        return read_stdin(limit);
    }
    let bytes = std::fs::read(path).map_err(|e| CliError::failure(format!("cannot read {path}: {e}")))?;
    if bytes.len() > limit {
        return Err(CliError::failure(format!("{path} is larger than {limit} bytes")));
    }
    String::from_utf8(bytes).map_err(|_| CliError::failure(format!("{path} is not valid UTF-8")))
}

/// Pretty JSON with a final newline.
pub fn json(value: &serde_json::Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}
