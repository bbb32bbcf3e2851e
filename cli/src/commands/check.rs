//! `cgaws check`: would this caller be accepted by this identity rule?

use super::lint::{output_is_json, MAX_RULE_BYTES};
use super::spec::{current_caller, OfflineCaller};
use crate::args;
use crate::creds::AwsOpts;
use crate::error::{CliError, CliResult, EXIT_FAILURE};
use crate::out;
use cgaws_core::rules::{parse, AwsCaller, Rule};
use cgaws_core::token::DEFAULT_AUDIENCE;
use serde_json::json;

pub const SUMMARY: &str =
    "would the current AWS caller (or --arn/--user-id) be accepted by an identity rule? Field by field";

pub const USAGE: &str = "\
cgaws check: match a caller against an identity rule, as the issuer does

Usage: cgaws check --rule FILE [--arn ARN --user-id ID [--account ACCOUNT]]
                   [--issuer URL] [--audience URL]... [--output text|json]
                   [--profile NAME] [--region REGION]

Matches the current AWS caller (asked from STS, as `cgaws whoami` does), or
the caller given with --arn/--user-id/--account (offline), against the rule
in FILE (chainctl id.json or Terraform aws_identity fields as JSON), with the
issuer's semantics: aws_account exact; arn/user_id exact or RE2 patterns,
searched, not anchored. Prints a verdict for every field and, for a field
that fails, why (e.g. a rule naming the IAM role while STS reports the
assumed-role session) and what to write instead.

For a claimMatch rule (AWS outbound identity federation), checks the token
the caller would get from STS GetWebIdentityToken instead: its sub is the
role's ARN (arn:aws:iam::ACCOUNT:role/NAME, not the assumed-role session); its
issuer, one per account, is only checked when given with --issuer.

Exit codes: 0 accepted, 1 rejected (or a rule that cannot be read), 2 usage error.

Options:
  --rule FILE         the rule (- for stdin)
  --arn ARN           the caller's Arn, instead of asking STS
  --user-id ID        the caller's UserId, with --arn
  --account ACCOUNT   the caller's Account (default: the one in --arn)
  --issuer URL        claimMatch rules: the account's token issuer (https://ID.tokens.sts.global.api.aws)
  --audience URL      claimMatch rules: the token's audience (repeatable; default https://issuer.enforce.dev)
  --output text|json  output format (default text)
  --profile NAME      AWS profile
  --region REGION     AWS region (chooses the regional STS endpoint)
  -v, --verbose       step logs on stderr
  -h, --help          this help
";

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut rule_file = None;
    let mut json_output = false;
    let mut offline = OfflineCaller::default();
    let mut aws = AwsOpts::default();
    let mut issuer = None;
    let mut audiences = Vec::new();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--rule" => rule_file = Some(args::nonempty(parser, &flag)?),
            "--output" | "-o" => json_output = output_is_json(parser, &flag)?,
            "--issuer" => issuer = Some(args::nonempty(parser, &flag)?),
            "--audience" => audiences.push(args::nonempty(parser, &flag)?),
            "--arn" | "--user-id" | "--account" => offline.set(parser, &flag)?,
            "--profile" => aws.profile = Some(args::nonempty(parser, &flag)?),
            "--region" => aws.region = Some(args::nonempty(parser, &flag)?),
            _ => args::common(flag, "check", USAGE)?,
        }
    }
    let rule_file = rule_file.ok_or_else(|| CliError::usage("--rule FILE is required"))?;
    let text = out::read_input(&rule_file, MAX_RULE_BYTES)?;
    let doc = parse(&text).map_err(|e| {
        let err = CliError::failure(format!("{rule_file}: {e}"));
        match e.fix() {
            Some(fix) => err.hint(fix),
            None => err,
        }
    })?;
    let (account, arn, user_id) = current_caller(offline, &aws)?;
    if audiences.is_empty() {
        audiences.push(DEFAULT_AUDIENCE.to_string());
    }
    let caller = AwsCaller { account: &account, arn: &arn, user_id: &user_id };
    let verdict = match &doc.rule {
        Rule::AwsIdentity(_) => doc.check_aws(&caller),
        Rule::ClaimMatch(rule) => rule.check_outbound(&caller, issuer.as_deref(), &audiences),
    };
    let report = if json_output {
        out::json(&json!({
            "caller": {"Account": account, "Arn": arn, "UserId": user_id},
            "accepted": verdict.accepted,
            "fields": verdict.fields,
        }))
    } else {
        format!("caller  Account {account}, Arn {arn}, UserId {user_id}\n{verdict}")
    };
    out::stdout(&report)?;
    if verdict.accepted {
        Ok(())
    } else {
        Err(CliError::silent(EXIT_FAILURE))
    }
}
