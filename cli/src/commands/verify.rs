//! `cgaws verify`: verify a token as the issuer does (PROTOCOL.md §3): checks
//! 1-7, GetCallerIdentity at STS, and the identity's rule.

use super::inspect::{default_audience, read_blob};
use super::lint::{output_is_json, MAX_RULE_BYTES};
use crate::args;
use crate::error::{CliError, CliResult, EXIT_FAILURE};
use crate::{clock, http, out, vlog};
use cgaws_core::rules::parse;
use cgaws_core::verify::{start, VerifyError, VerifyOptions};
use serde_json::json;
use std::time::Duration;

pub const SUMMARY: &str = "verify a token as the issuer does: checks, STS GetCallerIdentity, and the identity's rule";

pub const USAGE: &str = "\
cgaws verify: verify a token as the issuer does

Usage: cgaws verify BLOB|- --identity UIDP [--audience URL]... [--rule FILE]
                    [--sts-host HOST]... [--now RFC3339] [--output text|json]

Runs the relying party's checks (PROTOCOL.md section 3): decoding, single
binding headers, POST, the STS host, signed binding headers, audience and
identity, the date (5 minutes of skew, 15 of age); then forwards the signed
GetCallerIdentity request to STS and reads the caller; with --rule, matches
the caller against the identity's rule, field by field. This is what any
service that accepts these proofs does; it needs no AWS credentials.

The request goes to https://HOST/ for the STS host the token names. With
AWS_ENDPOINT_URL_STS (or AWS_ENDPOINT_URL) set, e.g. an emulator or a VPC
endpoint, it is sent there instead, keeping the signed Host header.

Exit codes: 0 verified, 1 refused (the output says which check and why), 2 usage error.

Options:
  --identity UIDP     the identity the token must name (required)
  --audience URL      an audience to accept (repeatable) [env CHAINGUARD_ISSUER; default https://issuer.enforce.dev]
  --rule FILE         the identity's rule (chainctl id.json or Terraform aws_identity as JSON)
  --sts-host HOST     accept this STS host too (repeatable; default only sts.amazonaws.com)
  --now RFC3339       check the date as of this time instead of now
  --output text|json  output format (default text)
  -v, --verbose       step logs on stderr
  -h, --help          this help
";

const STS_TIMEOUT: Duration = Duration::from_secs(10);

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut input = None;
    let mut identity = None;
    let mut audiences = Vec::new();
    let mut rule_file = None;
    let mut hosts = Vec::new();
    let mut now = None;
    let mut json_output = false;
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--identity" => identity = Some(args::nonempty(parser, &flag)?),
            "--audience" => audiences.push(args::nonempty(parser, &flag)?),
            "--rule" => rule_file = Some(args::nonempty(parser, &flag)?),
            "--sts-host" => hosts.push(args::nonempty(parser, &flag)?.to_ascii_lowercase()),
            "--now" => now = Some(args::time(parser, &flag)?),
            "--output" | "-o" => json_output = output_is_json(parser, &flag)?,
            "" if input.is_none() => {
                if let args::Flag::Positional(v) = flag {
                    input = Some(args::positional(v)?);
                }
            }
            _ => args::common(flag, "verify", USAGE)?,
        }
    }
    let identity = identity.ok_or_else(|| CliError::usage("--identity UIDP is required"))?;
    if audiences.is_empty() {
        audiences.push(default_audience());
    }
    let rule = match &rule_file {
        Some(file) => {
            let text = out::read_input(file, MAX_RULE_BYTES)?;
            Some(parse(&text).map_err(|e| CliError::failure(format!("{file}: {e}")))?)
        }
        None => None,
    };
    let blob = read_blob(input.as_deref())?;

    let mut options = VerifyOptions::new(identity, audiences, now.unwrap_or_else(clock::now));
    options.precheck.allowed_hosts.extend(hosts);
    if let Some(rule) = rule {
        options = options.with_rule(rule);
    }
    let outcome = (|| -> Result<_, Failure> {
        let pending = start(&blob, &options)?;
        let response = send(&pending)?;
        Ok(pending.finish(&response)?)
    })();
    let outcome = match outcome {
        Ok(v) => Ok(v),
        Err(Failure::Verify(e)) => Err(e),
        Err(Failure::Transport(e)) => return Err(e),
    };
    let report = match &outcome {
        Ok(v) if json_output => out::json(&json!({"ok": true, "verified": v})),
        Ok(v) => {
            let mut s = format!(
                "verified: Account {}, Arn {}, UserId {}\nidentity {}, audience {}, signed at {} via {}\n",
                v.caller.account, v.caller.arn, v.caller.user_id, v.identity, v.audience, v.signed_at, v.sts_host
            );
            if let Some(verdict) = &v.verdict {
                s.push_str(&verdict.to_string());
            }
            s
        }
        Err(e) if json_output => {
            let mut report = json!({"ok": false, "check": e.check(), "code": e.code(), "error": e.to_string()});
            if let VerifyError::RuleNotMatched { caller, verdict } = e {
                report["caller"] = json!(caller);
                report["verdict"] = json!(verdict);
            }
            out::json(&report)
        }
        Err(e) => {
            let mut s = format!("refused at check {} ({}): {e}\n", e.check(), e.code());
            if let VerifyError::RuleNotMatched { verdict, .. } = e {
                s.push_str(&verdict.to_string());
            }
            s
        }
    };
    out::stdout(&report)?;
    match outcome {
        Ok(_) => Ok(()),
        Err(_) => Err(CliError::silent(EXIT_FAILURE)),
    }
}

enum Failure {
    Verify(VerifyError),
    /// STS could not be reached: not a verdict on the token.
    Transport(CliError),
}

impl From<VerifyError> for Failure {
    fn from(e: VerifyError) -> Self {
        Failure::Verify(e)
    }
}

/// Sends the GetCallerIdentity request: to the token's STS host, or to
/// AWS_ENDPOINT_URL_STS with the signed Host header kept.
fn send(pending: &cgaws_core::verify::Verification) -> Result<cgaws_core::HttpResponse, Failure> {
    let mut request = pending.request().clone();
    if let Some(url) = args::env("AWS_ENDPOINT_URL_STS").or_else(|| args::env("AWS_ENDPOINT_URL")) {
        let routed = pending
            .request_to(&url)
            .map_err(|e| Failure::Transport(CliError::failure(format!("AWS_ENDPOINT_URL_STS: {e}"))))?;
        // The HTTP driver writes Host from the request's authority, so keep the
        // token's host there and route the connection with CGAWS_CONNECT_TO
        // (the driver's curl-style --connect-to), unless one is already set.
        let port = if routed.scheme == "https" { 443 } else { 80 };
        let rule = format!("{}:{port}={}", request.authority, with_port(&routed.authority, port));
        let spec = match args::env("CGAWS_CONNECT_TO") {
            Some(existing) => format!("{existing},{rule}"),
            None => rule,
        };
        std::env::set_var("CGAWS_CONNECT_TO", spec);
        request.scheme = routed.scheme;
        request.path = routed.path;
        vlog!("verify: sending to {url} with Host {}", request.authority);
    }
    http::send(&request, STS_TIMEOUT)
        .map_err(|e| Failure::Transport(CliError::failure(format!("could not reach STS at {}: {e}", request.url()))))
}

fn with_port(authority: &str, default: u16) -> String {
    let has_port = authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !authority.ends_with(']'));
    if has_port {
        authority.to_string()
    } else {
        format!("{authority}:{default}")
    }
}
