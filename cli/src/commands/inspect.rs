//! `cgaws inspect`: show what a token says, and optionally run the relying
//! party's checks 1-7 on it.

use crate::args;
use crate::error::{CliError, CliResult};
use crate::{clock, config, out};
use cgaws_core::token::{inspect, precheck, PrecheckOptions, DEFAULT_AUDIENCE};
use serde_json::{json, Value};

pub const SUMMARY: &str = "show a token's contents as JSON; with --identity, run the issuer's checks on it";

pub const USAGE: &str = "\
cgaws inspect: show a token's contents as JSON (secrets redacted)

Usage: cgaws inspect [BLOB|-] [--identity UIDP [--audience URL] [--now RFC3339]]

Reads the token from the argument, or from stdin when it is `-` or absent.
Prints method, host, headers, signed headers, audience, identity, date and
access key id; the session token and the signature are never shown in full.

With --identity (and --audience), also runs the issuer's checks 1-7 of
PROTOCOL.md section 3 (everything short of calling STS) and reports under
\"precheck\" which check fails; the exit code is then 1.

Options:
  --identity UIDP     the identity the token must name
  --audience URL      the issuer the token must be for [env CHAINGUARD_ISSUER; default https://issuer.enforce.dev]
  --now RFC3339       check the date as of this time instead of now
  --allow-host HOST   accept this STS host too (repeatable; default only sts.amazonaws.com)
  -v, --verbose       step logs on stderr
  -h, --help          this help
";

/// Tokens are a few kilobytes; anything past this is not one.
const MAX_BLOB_BYTES: usize = 64 * 1024;

/// The token to read, shared with `cgaws verify`: the argument, or stdin when it
/// is `-` or absent; surrounding whitespace dropped.
pub(super) fn read_blob(input: Option<&str>) -> CliResult<String> {
    let blob = match input {
        None | Some("-") => out::read_stdin(MAX_BLOB_BYTES)?,
        Some(b) => b.to_string(),
    };
    let blob = blob.trim();
    if blob.is_empty() {
        return Err(CliError::usage("no token given").hint("pass it as an argument or on stdin"));
    }
    Ok(blob.to_string())
}

/// The audience a token is checked against when none is given, shared with
/// `cgaws verify`: CHAINGUARD_ISSUER, the config file's issuer, or the default.
pub(super) fn default_audience() -> String {
    args::env("CHAINGUARD_ISSUER")
        .or_else(|| config::load().ok().and_then(|c| c.issuer))
        .unwrap_or_else(|| DEFAULT_AUDIENCE.into())
}

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut input = None;
    let mut identity = None;
    let mut audience = None;
    let mut now = None;
    let mut hosts = Vec::new();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--identity" => identity = Some(args::nonempty(parser, &flag)?),
            "--audience" => audience = Some(args::nonempty(parser, &flag)?),
            "--now" => now = Some(args::time(parser, &flag)?),
            "--allow-host" => hosts.push(args::nonempty(parser, &flag)?),
            "" if input.is_none() => {
                if let args::Flag::Positional(v) = flag {
                    input = Some(args::positional(v)?);
                }
            }
            _ => args::common(flag, "inspect", USAGE)?,
        }
    }
    if identity.is_none() && (audience.is_some() || now.is_some() || !hosts.is_empty()) {
        return Err(CliError::usage("--audience, --now and --allow-host need --identity (they configure the checks)"));
    }
    let blob = read_blob(input.as_deref())?;
    let inspection = inspect(&blob).map_err(|e| CliError::failure(format!("not a token: {e}")))?;
    let mut report = serde_json::to_value(&inspection).map_err(|e| CliError::failure(e.to_string()))?;
    // Headers as [name, value] pairs are awkward in JSON; keep their order as a list of objects.
    if let Some(Value::Array(pairs)) = report.get_mut("headers") {
        for pair in pairs.iter_mut() {
            if let Value::Array(nv) = pair {
                if let [Value::String(n), Value::String(v)] = nv.as_slice() {
                    *pair = json!({"name": n, "value": v});
                }
            }
        }
    }
    let mut failure = None;
    if let Some(identity) = identity {
        let audience = audience.unwrap_or_else(default_audience);
        let mut options = PrecheckOptions::new(identity, audience, now.unwrap_or_else(clock::now));
        options.allowed_hosts.extend(hosts);
        report["precheck"] = match precheck(&blob, &options) {
            Ok(_) => json!({"ok": true}),
            Err(e) => {
                let verdict = json!({"ok": false, "check": e.check(), "code": e.code(), "error": e.to_string()});
                failure = Some(e);
                verdict
            }
        };
    }
    out::stdout(&out::json(&report))?;
    match failure {
        Some(e) => Err(CliError::failure(format!("check {} fails: {e}", e.check()))),
        None => Ok(()),
    }
}
