//! `cgaws lint`: find the mistakes in an identity rule before the issuer answers
//! "permission denied".

use crate::args;
use crate::error::{CliError, CliResult};
use crate::out;
use cgaws_core::rules::{lint_json, Severity};
use serde_json::json;

pub const SUMMARY: &str = "check an identity rule (chainctl id.json or Terraform aws_identity as JSON) for mistakes";

pub const USAGE: &str = "\
cgaws lint: check an identity rule for mistakes

Usage: cgaws lint FILE|- [--output text|json]

Reads a rule: chainctl's id.json (awsIdentity/aws_identity, both field
spellings), Terraform's aws_identity field names as JSON (bare, wrapped, or a
*.tf.json chainguard_identity resource), or a claimMatch rule. Reports, each with
a code and a fix: an iam::...:role/ ARN where callers are assumed-role
sessions, unanchored patterns, patterns that accept any account or role, an
account that disagrees with the ARN, a user-id prefix (AROA/AIDA) of the wrong
principal type, invalid account ids, patterns that do not compile, both or
neither of the exact/pattern forms, and more (`--output json` lists codes).

Exit codes: 0 no findings, 1 findings (or an unreadable file), 2 usage error.

Options:
  --output text|json  output format (default text)
  -v, --verbose       step logs on stderr
  -h, --help          this help
";

/// Rule files are small; anything past this is not one.
pub const MAX_RULE_BYTES: usize = 1024 * 1024;

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut json_output = false;
    let mut file = None;
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--output" | "-o" => json_output = output_is_json(parser, &flag)?,
            "" if file.is_none() => {
                if let args::Flag::Positional(v) = flag {
                    file = Some(args::positional(v)?);
                }
            }
            _ => args::common(flag, "lint", USAGE)?,
        }
    }
    let file = file.ok_or_else(|| CliError::usage("no rule file given").hint("cgaws lint id.json (or - for stdin)"))?;
    let text = out::read_input(&file, MAX_RULE_BYTES)?;
    let findings = lint_json(&text);
    let errors = findings.iter().filter(|f| f.severity == Severity::Error).count();
    let warnings = findings.len() - errors;
    let report = if json_output {
        out::json(&json!({"file": file, "errors": errors, "warnings": warnings, "findings": findings}))
    } else if findings.is_empty() {
        format!("{file}: no findings\n")
    } else {
        let mut s = String::new();
        for f in &findings {
            s.push_str(&format!("{file}: {f}\n"));
        }
        s.push_str(&format!("{file}: {errors} error(s), {warnings} warning(s)\n"));
        s
    };
    out::stdout(&report)?;
    if findings.is_empty() {
        Ok(())
    } else {
        Err(CliError::silent(crate::error::EXIT_FAILURE))
    }
}

/// `--output text|json`.
pub fn output_is_json(parser: &mut lexopt::Parser, flag: &args::Flag) -> CliResult<bool> {
    match args::value(parser, flag)?.as_str() {
        "json" => Ok(true),
        "text" => Ok(false),
        other => Err(CliError::usage(format!("--output: {other:?} is not text or json"))),
    }
}
