//! `cgaws token`: print the AWS token for an identity: the signed GetCallerIdentity
//! blob (`--method gci`, the default) or a JWT from STS GetWebIdentityToken
//! (`--method oidc`).

use crate::args;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::flow::{self, StsOpts};
use crate::oidc::{self, Method, OidcOpts};
use crate::{clock, config, out};
use cgaws_core::identity::validate_identity_uidp;
use cgaws_core::token::DEFAULT_AUDIENCE;
use cgaws_core::UnixTime;

pub const SUMMARY: &str =
    "print the AWS token (signed GetCallerIdentity, base64url; or with --method oidc an STS JWT) for the issuer";

pub const USAGE: &str = "\
cgaws token: print the AWS token for a Chainguard identity

Usage: cgaws token [--identity UIDP] [OPTIONS]
       cgaws token --method oidc [OPTIONS]

--method gci (default): signs an STS GetCallerIdentity request with the ambient
AWS credentials (the AWS CLI's chain: environment, profile, web identity,
container, IMDS) and prints it, base64url-encoded, and a newline. It is bound
to the issuer (--audience) and to the identity.

--method oidc: asks STS GetWebIdentityToken (AWS IAM outbound identity
federation; the account must have enabled it and the caller's policy must allow
sts:GetWebIdentityToken) for a JWT whose audience is the issuer, and prints it.
Its iss is the account's AWS token issuer and its sub the caller's IAM principal
(for a role session, the role ARN): what the identity's claim_match rule names
(`cgaws spec --method oidc`). No identity is needed.

Hand either to the issuer (`cgaws exchange` does) or to
`chainctl auth login --identity-token`.

Options:
  --method gci|oidc    which AWS token [env CGAWS_METHOD, config \"method\"; default gci]
  --identity UIDP      identity to assume (gci) [env CHAINGUARD_IDENTITY, config \"identity\"]
  --audience URL       the issuer the token is for [env CHAINGUARD_ISSUER, config \"issuer\"; default https://issuer.enforce.dev]
  --sts-region REGION  name the regional STS endpoint (gci; default: global sts.amazonaws.com)
  --fips               name the FIPS STS endpoint (gci)
  --time RFC3339       sign as of this time instead of now (gci)
  --oidc-algorithm ES384|RS256  how STS signs the JWT (oidc; default ES384)
  --oidc-duration SECONDS       how long the JWT is valid, 60 to 3600 (oidc; default 300; a policy
                                with the sts:DurationSeconds condition must allow it)
  --profile NAME       AWS profile (skips environment credentials, like the AWS CLI)
  --region REGION      AWS region for STS calls (oidc: where GetWebIdentityToken is asked)
  -v, --verbose        step logs on stderr
  -h, --help           this help
";

/// The command line of `cgaws token`.
#[derive(Debug, Default)]
struct Options {
    method: Option<Method>,
    identity: Option<String>,
    audience: Option<String>,
    sts: StsOpts,
    time: Option<UnixTime>,
    algorithm: Option<cgaws_core::sts::web_identity_token::SigningAlgorithm>,
    duration: Option<u32>,
    aws: AwsOpts,
}

fn parse(parser: &mut lexopt::Parser) -> CliResult<Options> {
    let mut o = Options::default();
    while let Some(flag) = args::next(parser)? {
        match flag.key().as_str() {
            "--method" => o.method = Some(oidc::method_flag(parser, &flag)?),
            "--identity" => o.identity = Some(args::nonempty(parser, &flag)?),
            "--audience" => o.audience = Some(args::nonempty(parser, &flag)?),
            "--sts-region" => o.sts.region = Some(args::nonempty(parser, &flag)?),
            "--fips" => o.sts.fips = true,
            "--time" => o.time = Some(args::time(parser, &flag)?),
            "--oidc-algorithm" => o.algorithm = Some(oidc::algorithm_flag(parser, &flag)?),
            "--oidc-duration" => o.duration = Some(oidc::duration_flag(parser, &flag)?),
            "--profile" => o.aws.profile = Some(args::nonempty(parser, &flag)?),
            "--region" => o.aws.region = Some(args::nonempty(parser, &flag)?),
            _ => args::common(flag, "token", USAGE)?,
        }
    }
    Ok(o)
}

pub fn run(parser: &mut lexopt::Parser) -> CliResult {
    let mut o = parse(parser)?;
    let config = config::load()?;
    let method = oidc::resolve_method(o.method, &config)?;
    flow::check_method_flags(method, &o.sts, o.algorithm.is_some() || o.duration.is_some())?;
    if method == Method::Oidc && o.time.is_some() {
        return Err(CliError::usage("--time goes with --method gci: STS signs the oidc token at its own time"));
    }
    let audience = o
        .audience
        .or_else(|| args::env("CHAINGUARD_ISSUER"))
        .or_else(|| config.issuer.clone())
        .unwrap_or_else(|| DEFAULT_AUDIENCE.to_string());
    if o.aws.profile.is_none() && args::env("AWS_PROFILE").is_none() {
        o.aws.profile = config.profile.clone();
    }
    if o.aws.region.is_none() {
        o.aws.region = config.region.clone();
    }
    if method == Method::Oidc {
        let mut opts = OidcOpts::default();
        opts.algorithm = o.algorithm.unwrap_or(opts.algorithm);
        opts.duration_seconds = o.duration.unwrap_or(opts.duration_seconds);
        let credentials = creds::resolve(&o.aws)?;
        let jwt = oidc::web_identity_token(&credentials, &o.aws, &audience, &opts)?;
        return out::stdout(&format!("{}\n", jwt.token.expose()));
    }
    let identity = o
        .identity
        .or_else(|| args::env("CHAINGUARD_IDENTITY"))
        .or_else(|| config.identity.clone())
        .ok_or_else(|| CliError::usage("no identity: give --identity UIDP or set CHAINGUARD_IDENTITY"))?;
    validate_identity_uidp(&identity).map_err(|e| CliError::usage(e.to_string()))?;
    if o.sts.region.is_none() {
        o.sts.region = config.sts_region.clone();
    }
    let endpoint = o.sts.endpoint()?;
    let credentials = creds::resolve(&o.aws)?;
    let blob = flow::make_blob(&credentials, &identity, &audience, &endpoint, o.time.unwrap_or_else(clock::now))?;
    out::stdout(&format!("{}\n", blob.expose()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cgaws_core::sts::web_identity_token::SigningAlgorithm;

    fn parsed(a: &[&str]) -> CliResult<Options> {
        parse(&mut lexopt::Parser::from_args(a.iter().map(|s| s.to_string())))
    }

    #[test]
    fn parses_method_flags() {
        let o = parsed(&[
            "--method",
            "oidc",
            "--oidc-algorithm",
            "rs256",
            "--oidc-duration",
            "900",
            "--audience",
            "https://i",
        ])
        .unwrap();
        assert_eq!(o.method, Some(Method::Oidc));
        assert_eq!((o.algorithm, o.duration), (Some(SigningAlgorithm::Rs256), Some(900)));
        assert_eq!(o.audience.as_deref(), Some("https://i"));
        assert_eq!(parsed(&[]).unwrap().method, None);
        for bad in [
            &["--method", "iam"][..],
            &["--method"],
            &["--oidc-algorithm", "none"],
            &["--oidc-duration", "30"],
            &["--oidc-duration", "4000"],
            &["--oidc-duration", "five"],
        ] {
            assert_eq!(parsed(bad).unwrap_err().code, 2, "{bad:?}");
        }
    }

    #[test]
    fn method_mismatches_are_usage_errors() {
        // Checked before any credentials are looked for.
        let run = |a: &[&str]| run(&mut lexopt::Parser::from_args(a.iter().map(|s| s.to_string())));
        for bad in [
            &["--method", "oidc", "--sts-region", "eu-west-1"][..],
            &["--method", "oidc", "--fips"],
            &["--method", "oidc", "--time", "2026-01-01T00:00:00Z"],
            &["--method", "gci", "--oidc-algorithm", "RS256"],
            &["--method", "gci", "--oidc-duration", "600"],
        ] {
            assert_eq!(run(bad).unwrap_err().code, 2, "{bad:?}");
        }
    }
}
