//! `cgaws token`: print the AWS token blob for an identity.

use crate::args;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::flow::{self, StsOpts};
use crate::{clock, config, out};
use cgaws_core::identity::validate_identity_uidp;
use cgaws_core::token::DEFAULT_AUDIENCE;

pub const SUMMARY: &str = "print the AWS token (signed GetCallerIdentity, base64url) for an identity";

pub const USAGE: &str = "\
cgaws token: print the AWS token blob for a Chainguard identity

Usage: cgaws token [--identity UIDP] [OPTIONS]

Signs an STS GetCallerIdentity request with the ambient AWS credentials (the
AWS CLI's chain: environment, profile, web identity, container, IMDS) and
prints it, base64url-encoded, and a newline. Hand it to the issuer
(`cgaws exchange` does) or to `chainctl auth login --identity-token`.

Options:
  --identity UIDP      identity to assume [env CHAINGUARD_IDENTITY, config \"identity\"]
  --audience URL       the issuer the token is for [env CHAINGUARD_ISSUER; default https://issuer.enforce.dev]
  --sts-region REGION  name the regional STS endpoint (default: global sts.amazonaws.com)
  --fips               name the FIPS STS endpoint
  --time RFC3339       sign as of this time instead of now
  --profile NAME       AWS profile (skips environment credentials, like the AWS CLI)
  --region REGION      AWS region for STS calls made while resolving credentials
  -v, --verbose        step logs on stderr
  -h, --help           this help
";

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut identity = None;
    let mut audience = None;
    let mut sts = StsOpts::default();
    let mut time = None;
    let mut aws = AwsOpts::default();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--identity" => identity = Some(args::nonempty(parser, &flag)?),
            "--audience" => audience = Some(args::nonempty(parser, &flag)?),
            "--sts-region" => sts.region = Some(args::nonempty(parser, &flag)?),
            "--fips" => sts.fips = true,
            "--time" => time = Some(args::time(parser, &flag)?),
            "--profile" => aws.profile = Some(args::nonempty(parser, &flag)?),
            "--region" => aws.region = Some(args::nonempty(parser, &flag)?),
            _ => args::common(flag, "token", USAGE)?,
        }
    }
    let config = config::load()?;
    let identity = identity
        .or_else(|| args::env("CHAINGUARD_IDENTITY"))
        .or_else(|| config.identity.clone())
        .ok_or_else(|| CliError::usage("no identity: give --identity UIDP or set CHAINGUARD_IDENTITY"))?;
    validate_identity_uidp(&identity).map_err(|e| CliError::usage(e.to_string()))?;
    let audience = audience
        .or_else(|| args::env("CHAINGUARD_ISSUER"))
        .or_else(|| config.issuer.clone())
        .unwrap_or_else(|| DEFAULT_AUDIENCE.to_string());
    if sts.region.is_none() {
        sts.region = config.sts_region.clone();
    }
    let endpoint = sts.endpoint()?;
    if aws.profile.is_none() && args::env("AWS_PROFILE").is_none() {
        aws.profile = config.profile.clone();
    }
    let credentials = creds::resolve(&aws)?;
    let blob = flow::make_blob(&credentials, &identity, &audience, &endpoint, time.unwrap_or_else(clock::now))?;
    out::stdout(&format!("{}\n", blob.expose()))
}
