//! `cgaws spec`: write a correct identity rule for the current AWS caller.

use crate::args;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::{log, out};
use cgaws_core::rules::{spec, AwsCaller, SessionMode, SpecFormat, SpecOptions};

pub const SUMMARY: &str = "write a correct identity rule (chainctl id.json or Terraform) for the current AWS caller";

pub const USAGE: &str = "\
cgaws spec: write an identity rule for the current AWS caller

Usage: cgaws spec [--name NAME] [--session any|exact] [--format chainctl|terraform]
                  [--arn ARN --user-id ID [--account ACCOUNT]] [--profile NAME] [--region REGION]

Asks STS who the ambient credentials are (as `cgaws whoami` does) and prints a
rule that accepts that caller: anchored, regex-escaped patterns naming the
assumed-role session (arn:aws:sts::ACCOUNT:assumed-role/ROLE/...), never the
IAM role ARN, with the role's unique id pinned in the user id. Save it and run
`chainctl iam identities create NAME --filename id.json`, or paste the
Terraform resource. Notes about the choice go to stderr.

With --arn and --user-id, writes the rule for that caller instead, offline.

With --method oidc (or CGAWS_METHOD=oidc, config \"method\"), asks STS
GetWebIdentityToken for a JWT instead and prints the claim_match rule for its
iss and sub (the role ARN for a role session): the chainctl command
(`chainctl iam identities create NAME --identity-issuer=ISS --subject=SUB`) or
a Terraform resource with a claim_match block.

Options:
  --method gci|oidc            rule for the GetCallerIdentity token (default) or the STS JWT
  --name NAME                  the identity's name (default: the role or user name)
  --session any|exact          accept any session of the role (default), or only this one
                               (EC2: the instance id; Lambda: the function name)
  --format chainctl|terraform  id.json for chainctl (default), or a chainguard_identity resource
  --arn ARN                    the caller's Arn, instead of asking STS
  --user-id ID                 the caller's UserId, with --arn
  --account ACCOUNT            the caller's Account (default: the one in --arn)
  --profile NAME               AWS profile
  --region REGION              AWS region (chooses the regional STS endpoint)
  -v, --verbose                step logs on stderr
  -h, --help                   this help
";

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut options = SpecOptions::default();
    let mut offline = OfflineCaller::default();
    let mut aws = AwsOpts::default();
    let (mut method, mut session_given) = (None, false);
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--method" => method = Some(crate::oidc::method_flag(parser, &flag)?),
            "--name" => options.name = Some(args::nonempty(parser, &flag)?),
            "--session" => {
                session_given = true;
                options.session = match args::value(parser, &flag)?.as_str() {
                    "any" => SessionMode::Any,
                    "exact" => SessionMode::Exact,
                    other => return Err(CliError::usage(format!("--session: {other:?} is not any or exact"))),
                }
            }
            "--format" => {
                options.format = match args::value(parser, &flag)?.as_str() {
                    "chainctl" | "json" => SpecFormat::Chainctl,
                    "terraform" | "tf" => SpecFormat::Terraform,
                    other => return Err(CliError::usage(format!("--format: {other:?} is not chainctl or terraform"))),
                }
            }
            "--arn" | "--user-id" | "--account" => offline.set(parser, &flag)?,
            "--profile" => aws.profile = Some(args::nonempty(parser, &flag)?),
            "--region" => aws.region = Some(args::nonempty(parser, &flag)?),
            _ => args::common(flag, "spec", USAGE)?,
        }
    }
    if crate::oidc::resolve_method(method, &crate::config::load()?)? == crate::oidc::Method::Oidc {
        if offline.given() || session_given {
            return Err(CliError::usage("--arn, --user-id, --account and --session go with --method gci"));
        }
        return crate::oidc::spec(options.name, options.format, &aws);
    }
    let (account, arn, user_id) = current_caller(offline, &aws)?;
    let caller = AwsCaller { account: &account, arn: &arn, user_id: &user_id };
    let written = spec(&caller, &options).map_err(|e| CliError::failure(e.to_string()))?;
    log::stderr(&format!("cgaws: rule for {}\n", written.principal));
    for note in &written.notes {
        log::stderr(&format!("cgaws: note: {note}\n"));
    }
    out::stdout(&written.text)
}

/// `--arn/--user-id/--account`: a caller given on the command line.
#[derive(Default)]
pub struct OfflineCaller {
    pub arn: Option<String>,
    pub user_id: Option<String>,
    pub account: Option<String>,
}

impl OfflineCaller {
    pub fn set(&mut self, parser: &mut lexopt::Parser, flag: &args::Flag) -> CliResult {
        let v = Some(args::nonempty(parser, flag)?);
        match flag.key().as_str() {
            "--arn" => self.arn = v,
            "--user-id" => self.user_id = v,
            _ => self.account = v,
        }
        Ok(())
    }

    fn given(&self) -> bool {
        self.arn.is_some() || self.user_id.is_some() || self.account.is_some()
    }
}

/// `(Account, Arn, UserId)`: from the flags when given, else from STS.
pub fn current_caller(offline: OfflineCaller, aws: &AwsOpts) -> CliResult<(String, String, String)> {
    if offline.given() {
        let (Some(arn), Some(user_id)) = (offline.arn, offline.user_id) else {
            return Err(CliError::usage("--arn and --user-id go together (--account is optional)"));
        };
        let account = match offline.account {
            Some(a) => a,
            None => cgaws_core::rules::arn::Arn::parse(&arn)
                .map(|a| a.account.to_string())
                .ok_or_else(|| CliError::usage(format!("--arn {arn:?} is not an ARN")))?,
        };
        return Ok((account, arn, user_id));
    }
    let credentials = creds::resolve(aws)?;
    let caller = super::whoami::call(&credentials, aws)?;
    Ok((caller.account, caller.arn, caller.user_id))
}
