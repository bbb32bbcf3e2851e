//! The proof method (`--method gci|oidc`) and the second one's STS call.
//!
//! - `gci` (default): the signed GetCallerIdentity request, base64url (PROTOCOL.md §2).
//! - `oidc`: a JWT that STS `GetWebIdentityToken` mints for the caller (AWS IAM
//!   outbound identity federation, PROTOCOL.md §7), audience the issuer URL; the
//!   Chainguard identity for it has a `claim_match` rule.
//!
//! The method comes from `--method`, else `CGAWS_METHOD`, else the config file's
//! `"method"`, else `gci`.

use crate::args::{self, Flag};
use crate::config::Config;
use crate::creds::AwsOpts;
use crate::error::{CliError, CliResult};
use crate::log::Timer;
use crate::vlog;
use cgaws_core::provider::ResolvedCredentials;
use cgaws_core::sts::web_identity_token::{
    web_identity_token_endpoint, AwsWebIdentityToken, SigningAlgorithm, WebIdentityTokenParams, DEFAULT_DURATION_SECS,
    MAX_DURATION_SECS, MIN_DURATION_SECS,
};
use cgaws_core::sts::StsCall;

/// The environment variable that picks the method when no flag does.
pub const METHOD_ENV: &str = "CGAWS_METHOD";

/// Which AWS proof is handed to the issuer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Method {
    /// The signed STS GetCallerIdentity request (the "token blob").
    #[default]
    Gci,
    /// A JWT from STS GetWebIdentityToken.
    Oidc,
}

impl Method {
    pub fn parse(text: &str) -> Option<Method> {
        match text.trim().to_ascii_lowercase().as_str() {
            "gci" => Some(Method::Gci),
            "oidc" => Some(Method::Oidc),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Gci => "gci",
            Method::Oidc => "oidc",
        }
    }
}

/// `--method gci|oidc` (exit 2 for anything else).
pub fn method_flag(parser: &mut lexopt::Parser, flag: &Flag) -> CliResult<Method> {
    let v = args::value(parser, flag)?;
    Method::parse(&v).ok_or_else(|| CliError::usage(format!("{}: {v:?} is not gci or oidc", flag.key())))
}

/// `--oidc-algorithm ES384|RS256`.
pub fn algorithm_flag(parser: &mut lexopt::Parser, flag: &Flag) -> CliResult<SigningAlgorithm> {
    let v = args::value(parser, flag)?;
    SigningAlgorithm::parse(v.trim())
        .ok_or_else(|| CliError::usage(format!("{}: {v:?} is not ES384 or RS256", flag.key())))
}

/// `--oidc-duration SECONDS`, 60 to 3600.
pub fn duration_flag(parser: &mut lexopt::Parser, flag: &Flag) -> CliResult<u32> {
    let v = args::value(parser, flag)?;
    v.trim().parse::<u32>().ok().filter(|d| (MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(d)).ok_or_else(|| {
        CliError::usage(format!(
            "{}: {v:?} is not a number of seconds from {MIN_DURATION_SECS} to {MAX_DURATION_SECS}",
            flag.key()
        ))
    })
}

/// The method: the flag, else `env` (the value of `CGAWS_METHOD`), else the
/// config file, else `gci`. A bad environment value is a usage error (exit 2);
/// the config file's value was checked when it was read.
pub fn resolve_method_from(flag: Option<Method>, env: Option<String>, config: &Config) -> CliResult<Method> {
    if let Some(m) = flag {
        return Ok(m);
    }
    if let Some(v) = env {
        return Method::parse(&v).ok_or_else(|| CliError::usage(format!("{METHOD_ENV}={v:?} is not gci or oidc")));
    }
    Ok(config.method.unwrap_or_default())
}

pub fn resolve_method(flag: Option<Method>, config: &Config) -> CliResult<Method> {
    resolve_method_from(flag, args::env(METHOD_ENV), config)
}

/// How the JWT is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OidcOpts {
    pub algorithm: SigningAlgorithm,
    pub duration_seconds: u32,
}

impl Default for OidcOpts {
    fn default() -> Self {
        // The duration is always sent, so that a policy condition on
        // sts:DurationSeconds (the minimal policy has one) has a value to test.
        OidcOpts { algorithm: SigningAlgorithm::default(), duration_seconds: DEFAULT_DURATION_SECS }
    }
}

/// A JWT from STS `GetWebIdentityToken` for `audience` (the issuer URL), with the
/// caller's credentials, sent where the AWS SDKs send STS calls (regional).
/// Transient STS errors are retried (3 attempts in all); a signature refused for
/// a skewed clock is re-signed once with STS's time. The two refusals that need
/// an administrator (federation disabled, no permission) say how to fix them.
pub fn web_identity_token(
    credentials: &ResolvedCredentials,
    aws: &AwsOpts,
    audience: &str,
    opts: &OidcOpts,
) -> CliResult<AwsWebIdentityToken> {
    let endpoint = web_identity_token_endpoint(crate::commands::whoami::send_endpoint(credentials, aws)?);
    let mut params = WebIdentityTokenParams::new(audience);
    params.algorithm = opts.algorithm;
    params.duration_seconds = Some(opts.duration_seconds);
    let timer = Timer::start();
    let mut call = StsCall::new(params, endpoint, credentials.credentials.clone());
    let token = crate::commands::whoami::run_sts(&mut call, &credentials.source, |e| {
        CliError::usage(format!("cannot ask STS for a web identity token: {e}"))
    })?;
    let endpoint = call.endpoint();
    let claims = cgaws_core::jwt::read_claims(token.token.expose()).ok();
    vlog!(
        "token: GetWebIdentityToken at {} (signed for {}), audience {audience}, {}, {} s -> iss {}, sub {} in {timer}",
        endpoint.url.authority,
        endpoint.signing_region,
        opts.algorithm.as_str(),
        opts.duration_seconds,
        claims.as_ref().and_then(|c| c.issuer.as_deref()).unwrap_or("?"),
        claims.as_ref().and_then(|c| c.subject.as_deref()).unwrap_or("?"),
    );
    Ok(token)
}

/// `cgaws spec --method oidc`: the `claim_match` rule for the JWT STS mints for the
/// ambient credentials (its `iss` and `sub`), as chainctl flags or Terraform.
pub fn spec(name: Option<String>, format: cgaws_core::rules::SpecFormat, aws: &AwsOpts) -> CliResult {
    use cgaws_core::rules::SpecFormat;
    use cgaws_core::sts::web_identity_token::ClaimMatchSpec;
    let config = crate::config::load()?;
    let audience = args::env("CHAINGUARD_ISSUER")
        .or_else(|| config.issuer.clone())
        .unwrap_or_else(|| cgaws_core::exchange::DEFAULT_ISSUER.to_string());
    let mut aws = aws.clone();
    if aws.profile.is_none() && args::env("AWS_PROFILE").is_none() {
        aws.profile = config.profile.clone();
    }
    if aws.region.is_none() {
        aws.region = config.region.clone();
    }
    let credentials = crate::creds::resolve(&aws)?;
    let jwt = web_identity_token(&credentials, &aws, &audience, &OidcOpts::default())?;
    let rule = ClaimMatchSpec::from_token(jwt.token.expose())
        .map_err(|e| CliError::failure(format!("the token from GetWebIdentityToken: {e}")))?;
    let name = name.unwrap_or_else(|| rule.default_name());
    crate::log::stderr(&format!(
        "cgaws: claim_match rule for AWS tokens issued by {} for {}\n",
        rule.issuer, rule.subject
    ));
    if rule.subject.contains(":role/") {
        crate::log::stderr(
            "cgaws: note: the subject is the role, so every session of it is accepted (the token does not name sessions)\n",
        );
    }
    let text = match format {
        SpecFormat::Chainctl => rule.chainctl_command(&name),
        SpecFormat::Terraform => rule.terraform(&name),
    };
    crate::out::stdout(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(args: &[&str]) -> lexopt::Parser {
        lexopt::Parser::from_args(args.iter().map(|s| s.to_string()))
    }

    fn take<T>(args: &[&str], f: fn(&mut lexopt::Parser, &Flag) -> CliResult<T>) -> CliResult<T> {
        let mut p = parser(args);
        let flag = args::next(&mut p).unwrap().unwrap();
        f(&mut p, &flag)
    }

    #[test]
    fn parses_method_algorithm_and_duration() {
        assert_eq!(take(&["--method", "oidc"], method_flag).unwrap(), Method::Oidc);
        assert_eq!(take(&["--method=GCI"], method_flag).unwrap(), Method::Gci);
        for bad in [&["--method", "blob"][..], &["--method", ""], &["--method"]] {
            assert_eq!(take(bad, method_flag).unwrap_err().code, 2, "{bad:?}");
        }
        assert_eq!(take(&["--oidc-algorithm", "rs256"], algorithm_flag).unwrap(), SigningAlgorithm::Rs256);
        assert_eq!(take(&["--oidc-algorithm=ES384"], algorithm_flag).unwrap(), SigningAlgorithm::Es384);
        assert_eq!(take(&["--oidc-algorithm", "HS256"], algorithm_flag).unwrap_err().code, 2);
        assert_eq!(take(&["--oidc-duration", "60"], duration_flag).unwrap(), 60);
        assert_eq!(take(&["--oidc-duration", "3600"], duration_flag).unwrap(), 3600);
        for bad in ["59", "3601", "5m", "-1", ""] {
            let e = take(&["--oidc-duration", bad], duration_flag).unwrap_err();
            assert_eq!(e.code, 2, "{bad}");
            assert!(e.message.contains("60 to 3600"), "{}", e.message);
        }
        assert_eq!(Method::default(), Method::Gci);
        assert_eq!(OidcOpts::default().duration_seconds, 300);
        assert_eq!(OidcOpts::default().algorithm, SigningAlgorithm::Es384);
    }

    #[test]
    fn flag_beats_environment_beats_config() {
        let none = Config::default();
        let oidc_file = Config { method: Some(Method::Oidc), ..Config::default() };
        assert_eq!(resolve_method_from(None, None, &none).unwrap(), Method::Gci);
        assert_eq!(resolve_method_from(None, None, &oidc_file).unwrap(), Method::Oidc);
        assert_eq!(resolve_method_from(None, Some("gci".into()), &oidc_file).unwrap(), Method::Gci);
        assert_eq!(resolve_method_from(None, Some("OIDC".into()), &none).unwrap(), Method::Oidc);
        assert_eq!(resolve_method_from(Some(Method::Gci), Some("oidc".into()), &oidc_file).unwrap(), Method::Gci);
        assert_eq!(resolve_method_from(Some(Method::Oidc), None, &none).unwrap(), Method::Oidc);
        let e = resolve_method_from(None, Some("jwt".into()), &none).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("CGAWS_METHOD"), "{}", e.message);
        // With a flag, the environment is not looked at.
        assert_eq!(resolve_method_from(Some(Method::Oidc), Some("jwt".into()), &none).unwrap(), Method::Oidc);
    }
}
