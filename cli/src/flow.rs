//! Getting a Chainguard token: from the cache, or by making the AWS proof (the
//! token blob, or with `--method oidc` a JWT from STS GetWebIdentityToken) and
//! exchanging it at the issuer. Shared by `exchange`, `docker-config` and the
//! Docker credential helper.

use crate::args::{self, Flag};
use crate::cache::{CacheKey, TokenCache};
use crate::config::Config;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::log::Timer;
use crate::oidc::{self, Method, OidcOpts};
use crate::{clock, http, vlog};
use cgaws_core::exchange::{Exchange, ExchangeError, ExchangeParams, ExchangeStep, DEFAULT_ISSUER};
use cgaws_core::identity::validate_identity_uidp;
use cgaws_core::jwt::read_claims;
use cgaws_core::provider::ResolvedCredentials;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::web_identity_token::SigningAlgorithm;
use cgaws_core::token::{generate_token, StsEndpoint, TokenParams};
use cgaws_core::{Secret, UnixTime};
use lexopt::Parser;
use std::time::Duration;

/// Per-attempt timeout of the exchange request.
pub const EXCHANGE_TIMEOUT: Duration = Duration::from_secs(15);

/// Which STS endpoint the token blob names (`--sts-region`, `--fips`).
#[derive(Clone, Debug, Default)]
pub struct StsOpts {
    pub region: Option<String>,
    pub fips: bool,
}

impl StsOpts {
    pub fn endpoint(&self) -> CliResult<StsEndpoint> {
        match (&self.region, self.fips) {
            (None, false) => Ok(StsEndpoint::global()),
            (region, fips) => StsEndpoint::regional(region.as_deref().unwrap_or("us-east-1"), fips)
                .map_err(|e| CliError::usage(format!("--sts-region: {e}"))),
        }
    }
}

/// The flags of every verb that gets a Chainguard token.
#[derive(Clone, Debug, Default)]
pub struct TokenArgs {
    pub identity: Option<String>,
    pub issuer: Option<String>,
    pub audiences: Vec<String>,
    pub scopes: Vec<String>,
    pub caps: Vec<String>,
    pub sts: StsOpts,
    pub aws: AwsOpts,
    pub no_cache: bool,
    pub method: Option<Method>,
    pub oidc_algorithm: Option<SigningAlgorithm>,
}

/// Help lines for [`TokenArgs`], as a literal for `concat!`.
#[macro_export]
macro_rules! token_args_help {
    () => {
        "  --identity UIDP      Chainguard identity to assume [env CHAINGUARD_IDENTITY, config \"identity\"]
  --issuer URL         Chainguard issuer [env CHAINGUARD_ISSUER, config \"issuer\"; default https://issuer.enforce.dev]
  --scope S            scope to ask for (repeatable)
  --cap C              capability to ask for (repeatable)
  --method gci|oidc    the AWS proof: a signed GetCallerIdentity request (gci, default), or a JWT
                       from STS GetWebIdentityToken (oidc; needs AWS outbound identity federation
                       and an identity with a claim_match rule) [env CGAWS_METHOD, config \"method\"]
  --oidc-algorithm ES384|RS256  how STS signs the JWT (--method oidc; default ES384)
  --sts-region REGION  name the regional STS endpoint in the AWS token (default: global sts.amazonaws.com; gci)
  --fips               name the FIPS STS endpoint (gci)
  --profile NAME       AWS profile (skips environment credentials, like the AWS CLI)
  --region REGION      AWS region for STS calls made while resolving credentials
  --no-cache           neither read nor write the token cache\n"
    };
}

impl TokenArgs {
    /// Takes `flag` if it is one of ours; `false` otherwise.
    pub fn take(&mut self, flag: &Flag, parser: &mut Parser) -> CliResult<bool> {
        match flag.key().as_str() {
            "--identity" => self.identity = Some(args::nonempty(parser, flag)?),
            "--issuer" => self.issuer = Some(args::nonempty(parser, flag)?),
            "--scope" => self.scopes.push(args::nonempty(parser, flag)?),
            "--cap" => self.caps.push(args::nonempty(parser, flag)?),
            "--sts-region" => self.sts.region = Some(args::nonempty(parser, flag)?),
            "--fips" => self.sts.fips = true,
            "--profile" => self.aws.profile = Some(args::nonempty(parser, flag)?),
            "--region" => self.aws.region = Some(args::nonempty(parser, flag)?),
            "--no-cache" => self.no_cache = true,
            "--method" => self.method = Some(oidc::method_flag(parser, flag)?),
            "--oidc-algorithm" => self.oidc_algorithm = Some(oidc::algorithm_flag(parser, flag)?),
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Fills what the flags left open from the environment and the config file,
    /// and checks the identity (exit 2 when it is missing or malformed).
    pub fn resolve(mut self, config: &Config, default_audience: &str) -> CliResult<Request> {
        let identity = self
            .identity
            .or_else(|| args::env("CHAINGUARD_IDENTITY"))
            .or_else(|| config.identity.clone())
            .ok_or_else(|| {
                CliError::usage("no identity: give --identity UIDP, or set CHAINGUARD_IDENTITY, or \"identity\" in the cgaws config file")
                    .hint(format!(
                        "the config file is {}",
                        crate::config::path().map(|p| p.display().to_string()).unwrap_or("not located (no HOME)".into())
                    ))
            })?;
        validate_identity_uidp(&identity).map_err(|e| CliError::usage(e.to_string()))?;
        let issuer = self
            .issuer
            .or_else(|| args::env("CHAINGUARD_ISSUER"))
            .or_else(|| config.issuer.clone())
            .unwrap_or_else(|| DEFAULT_ISSUER.to_string());
        if self.audiences.is_empty() {
            self.audiences.push(default_audience.to_string());
        }
        let method = oidc::resolve_method(self.method, config)?;
        check_method_flags(method, &self.sts, self.oidc_algorithm.is_some())?;
        let mut oidc_opts = OidcOpts::default();
        if let Some(a) = self.oidc_algorithm {
            oidc_opts.algorithm = a;
        }
        if self.sts.region.is_none() && method == Method::Gci {
            self.sts.region = config.sts_region.clone();
        }
        if self.aws.profile.is_none() && args::env("AWS_PROFILE").is_none() {
            self.aws.profile = config.profile.clone();
        }
        if self.aws.region.is_none() {
            self.aws.region = config.region.clone();
        }
        let endpoint = self.sts.endpoint()?;
        let key =
            CacheKey { issuer, identity, audiences: self.audiences, scopes: self.scopes, caps: self.caps, method };
        // Bad parameter values (issuer URL, audiences) are usage errors, found
        // before any credentials are looked for.
        Exchange::new(&exchange_params(&key), &Secret::new("check")).map_err(|e| CliError::usage(e.to_string()))?;
        Ok(Request { key, endpoint, aws: self.aws, use_cache: !self.no_cache, fresh: false, oidc: oidc_opts })
    }
}

/// Flags that belong to one method are a usage error with the other: they would
/// be silently ignored otherwise.
pub fn check_method_flags(method: Method, sts: &StsOpts, oidc_flags: bool) -> CliResult {
    match method {
        Method::Oidc if sts.region.is_some() || sts.fips => Err(CliError::usage(
            "--sts-region and --fips name the STS host inside the GetCallerIdentity token (--method gci); \
             with --method oidc STS is called where the AWS SDKs call it (AWS_REGION, AWS_ENDPOINT_URL_STS, ...)",
        )),
        Method::Gci if oidc_flags => {
            Err(CliError::usage("--oidc-algorithm and --oidc-duration go with --method oidc (or CGAWS_METHOD=oidc)"))
        }
        _ => Ok(()),
    }
}

/// A fully resolved request for a token.
#[derive(Clone, Debug)]
pub struct Request {
    pub key: CacheKey,
    pub endpoint: StsEndpoint,
    pub aws: AwsOpts,
    pub use_cache: bool,
    /// Skip the cache lookup but still store the new token (`docker-config`:
    /// a pull secret should last as long as possible).
    pub fresh: bool,
    /// How the JWT is asked for (`--method oidc`).
    pub oidc: OidcOpts,
}

#[derive(Debug)]
pub struct Obtained {
    pub token: Secret,
    pub expiry: Option<UnixTime>,
    pub from_cache: bool,
}

/// A token for `request`: a warm cache hit needs no AWS credentials and no network.
pub fn obtain(request: &Request) -> CliResult<Obtained> {
    let cache = if request.use_cache { TokenCache::open_default() } else { None };
    if let Some(cache) = cache.as_ref().filter(|_| !request.fresh) {
        if let Some(hit) = cache.get(&request.key, clock::now()) {
            return Ok(Obtained { token: hit.token, expiry: Some(hit.expiry), from_cache: true });
        }
    }
    let credentials = creds::resolve(&request.aws)?;
    // Both proofs are bound to the issuer URL exactly as given.
    let proof = match request.key.method {
        Method::Gci => {
            make_blob(&credentials, &request.key.identity, &request.key.issuer, &request.endpoint, clock::now())?
        }
        Method::Oidc => oidc::web_identity_token(&credentials, &request.aws, &request.key.issuer, &request.oidc)?.token,
    };
    let token = exchange(request, &proof, &credentials)?;
    let claims_exp = read_claims(token.token.expose()).ok().and_then(|c| c.expires_at).map(UnixTime::from_secs);
    let expiry = match (token.expiry, claims_exp) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    };
    match (&cache, expiry) {
        (Some(cache), Some(expiry)) => cache.put(&request.key, &token.token, expiry),
        (Some(_), None) => vlog!("cache: the token has no known expiry; not caching it"),
        _ => {}
    }
    Ok(Obtained { token: token.token, expiry, from_cache: false })
}

/// The AWS token blob for `identity`, bound to the issuer URL exactly as given.
pub fn make_blob(
    credentials: &ResolvedCredentials,
    identity: &str,
    audience: &str,
    endpoint: &StsEndpoint,
    time: UnixTime,
) -> CliResult<Secret> {
    let timer = Timer::start();
    let params = TokenParams {
        identity: identity.to_string(),
        audience: audience.to_string(),
        endpoint: endpoint.clone(),
        time,
    };
    let signed = generate_token(&credentials.credentials, &params, &mut SigningKeyCache::new())
        .map_err(|e| CliError::usage(e.to_string()))?;
    vlog!(
        "token: signed GetCallerIdentity for {} (region {}), audience {audience}, dated {} in {timer}",
        endpoint.host,
        endpoint.region,
        time.amz_date()
    );
    Ok(Secret::new(signed.blob))
}

fn exchange(
    request: &Request,
    proof: &Secret,
    credentials: &ResolvedCredentials,
) -> CliResult<cgaws_core::exchange::ChainguardToken> {
    let key = &request.key;
    let mut exchange = Exchange::new(&exchange_params(key), proof).map_err(|e| CliError::usage(e.to_string()))?;
    loop {
        let attempt = exchange.attempts() + 1;
        let timer = Timer::start();
        let response = http::send(exchange.request(), EXCHANGE_TIMEOUT).map_err(|e| {
            CliError::failure(format!("could not reach the issuer at {}: {e}", exchange.request().url()))
                .hint("check --issuer / CHAINGUARD_ISSUER and the network (proxies come from HTTPS_PROXY and NO_PROXY)")
        })?;
        match exchange.on_response(&response, clock::jitter()) {
            ExchangeStep::Done(token) => {
                vlog!(
                    "exchange: got a token for {} with the {} proof (attempt {attempt}, {timer})",
                    key.audiences.join(", "),
                    key.method.as_str()
                );
                return Ok(token);
            }
            ExchangeStep::Retry { delay_ms } => {
                vlog!("exchange: HTTP {} is transient; retrying in {delay_ms} ms (attempt {attempt})", response.status);
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            ExchangeStep::Failed(error) => return Err(explain(error, request, proof, credentials)),
        }
    }
}

fn exchange_params(key: &CacheKey) -> ExchangeParams {
    ExchangeParams {
        issuer: key.issuer.clone(),
        identity: key.identity.clone(),
        audiences: key.audiences.clone(),
        scopes: key.scopes.clone(),
        caps: key.caps.clone(),
    }
}

/// Turns the issuer's refusal into an actionable message.
fn explain(error: ExchangeError, request: &Request, proof: &Secret, credentials: &ResolvedCredentials) -> CliError {
    if !error.is_permission_denied() {
        let e = CliError::failure(error.to_string());
        return match error {
            ExchangeError::Rejected { status: 404, .. } => {
                e.hint("is the issuer URL right? the exchange is POST <issuer>/sts/exchange")
            }
            _ => e,
        };
    }
    let mut message = error.to_string();
    message.push_str(&format!("\nidentity: {}", request.key.identity));
    if request.key.method == Method::Oidc {
        let claims = read_claims(proof.expose()).ok();
        let claim = |f: fn(&cgaws_core::jwt::JwtClaims) -> Option<&str>| {
            claims.as_ref().and_then(f).unwrap_or("(none)").to_string()
        };
        let (iss, sub) = (claim(|c| c.issuer.as_deref()), claim(|c| c.subject.as_deref()));
        message.push_str(&format!(
            "\nAWS token (GetWebIdentityToken): iss {iss}, sub {sub}, credentials from {}",
            credentials.source
        ));
        return CliError::failure(message)
            .hint(format!(
                "the identity needs a claim_match rule with issuer {iss:?} and subject {sub:?}; `cgaws spec --method oidc` writes it"
            ))
            .hint("an identity with an awsIdentity rule takes the GetCallerIdentity token: use --method gci (or unset CGAWS_METHOD)");
    }
    match crate::commands::whoami::caller_of(credentials, &request.aws) {
        Some(caller) => message.push_str(&format!(
            "\ncaller: {} (account {}, user id {}), credentials from {}",
            caller.arn, caller.account, caller.user_id, credentials.source
        )),
        None => message.push_str(&format!(
            "\ncaller: unknown (credentials from {}, access key {})",
            credentials.source,
            credentials.credentials.access_key_id()
        )),
    }
    CliError::failure(message)
        .hint("the identity's awsIdentity rule (aws_account, arn/arn_pattern, user_id/user_id_pattern) must match the caller; `cgaws whoami` prints the Arn and UserId STS reports")
        .hint("a role's caller is arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION with UserId AROA...:SESSION, not arn:aws:iam::ACCOUNT:role/ROLE")
        .hint("an identity with a claim_match rule for AWS's token issuer takes --method oidc")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sts_endpoint_options() {
        assert_eq!(StsOpts::default().endpoint().unwrap(), StsEndpoint::global());
        let e = StsOpts { region: Some("eu-west-1".into()), fips: false }.endpoint().unwrap();
        assert_eq!(e.host, "sts.eu-west-1.amazonaws.com");
        let e = StsOpts { region: None, fips: true }.endpoint().unwrap();
        assert_eq!(e.host, "sts-fips.us-east-1.amazonaws.com");
        assert_eq!(StsOpts { region: Some("EU".into()), fips: false }.endpoint().unwrap_err().code, 2);
    }

    #[test]
    fn identity_is_required_and_checked() {
        let config = Config::default();
        let mut a = TokenArgs { identity: Some("sample-id".into()), ..TokenArgs::default() };
        assert_eq!(a.clone().resolve(&config, "cgr.dev").unwrap_err().code, 2);
        a.identity = Some("66fe8510254166621680aeb498b0249b66900d34/335917336625376d".into());
        a.issuer = Some("http://127.0.0.1:1".into());
        let r = a.resolve(&config, "cgr.dev").unwrap();
        assert_eq!(r.key.audiences, ["cgr.dev"]);
        assert_eq!(r.key.issuer, "http://127.0.0.1:1");
        assert!(r.use_cache);
        let bad = TokenArgs {
            identity: Some("66fe8510254166621680aeb498b0249b66900d34/335917336625376d".into()),
            issuer: Some("issuer.enforce.dev".into()),
            ..TokenArgs::default()
        };
        assert_eq!(bad.resolve(&config, "cgr.dev").unwrap_err().code, 2);
    }

    fn parse(args: &[&str]) -> CliResult<TokenArgs> {
        let mut parser = Parser::from_args(args.iter().map(|s| s.to_string()));
        let mut t = TokenArgs::default();
        while let Some(flag) = args::next(&mut parser)? {
            assert!(t.take(&flag, &mut parser)?, "{}", flag.key());
        }
        Ok(t)
    }

    #[test]
    fn method_flags() {
        let identity = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
        let t = parse(&["--method", "oidc", "--oidc-algorithm", "RS256", "--identity", identity]).unwrap();
        assert_eq!((t.method, t.oidc_algorithm), (Some(Method::Oidc), Some(SigningAlgorithm::Rs256)));
        let r = t.resolve(&Config::default(), "cgr.dev").unwrap();
        assert_eq!(r.key.method, Method::Oidc);
        assert_eq!(r.oidc.algorithm, SigningAlgorithm::Rs256);
        assert_eq!(r.oidc.duration_seconds, 300);
        assert_eq!(parse(&["--method", "jwt"]).unwrap_err().code, 2);
        assert_eq!(parse(&["--oidc-algorithm", "PS256"]).unwrap_err().code, 2);
        // A flag of the other method is a usage error, not silently ignored.
        for args in [&["--method", "oidc", "--sts-region", "eu-west-1"][..], &["--method", "oidc", "--fips"]] {
            let mut t = parse(args).unwrap();
            t.identity = Some(identity.into());
            assert_eq!(t.resolve(&Config::default(), "cgr.dev").unwrap_err().code, 2, "{args:?}");
        }
        let mut t = parse(&["--method", "gci", "--oidc-algorithm", "ES384"]).unwrap();
        t.identity = Some(identity.into());
        assert_eq!(t.resolve(&Config::default(), "cgr.dev").unwrap_err().code, 2);
        // The config file's method applies without a flag; its sts_region only to gci.
        let config = Config {
            method: Some(Method::Oidc),
            sts_region: Some("eu-west-1".into()),
            identity: Some(identity.into()),
            ..Config::default()
        };
        let r = TokenArgs { method: Some(Method::Oidc), ..TokenArgs::default() }.resolve(&config, "cgr.dev").unwrap();
        assert_eq!((r.key.method, r.endpoint.clone()), (Method::Oidc, StsEndpoint::global()));
        let r = TokenArgs { method: Some(Method::Gci), ..TokenArgs::default() }.resolve(&config, "cgr.dev").unwrap();
        assert_eq!(r.endpoint.host, "sts.eu-west-1.amazonaws.com");
    }
}
