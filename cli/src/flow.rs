//! Getting a Chainguard token: from the cache, or by making the AWS token blob
//! and exchanging it at the issuer. Shared by `exchange`, `docker-config` and
//! the Docker credential helper.

use crate::args::{self, Flag};
use crate::cache::{CacheKey, TokenCache};
use crate::config::Config;
use crate::creds::{self, AwsOpts};
use crate::error::{CliError, CliResult};
use crate::log::Timer;
use crate::{clock, http, vlog};
use cgaws_core::exchange::{Exchange, ExchangeError, ExchangeParams, ExchangeStep, DEFAULT_ISSUER};
use cgaws_core::identity::validate_identity_uidp;
use cgaws_core::jwt::read_claims;
use cgaws_core::provider::ResolvedCredentials;
use cgaws_core::sigv4::SigningKeyCache;
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
}

/// Help lines for [`TokenArgs`], as a literal for `concat!`.
#[macro_export]
macro_rules! token_args_help {
    () => {
        "  --identity UIDP      Chainguard identity to assume [env CHAINGUARD_IDENTITY, config \"identity\"]
  --issuer URL         Chainguard issuer [env CHAINGUARD_ISSUER, config \"issuer\"; default https://issuer.enforce.dev]
  --scope S            scope to ask for (repeatable)
  --cap C              capability to ask for (repeatable)
  --sts-region REGION  name the regional STS endpoint in the AWS token (default: global sts.amazonaws.com)
  --fips               name the FIPS STS endpoint
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
        if self.sts.region.is_none() {
            self.sts.region = config.sts_region.clone();
        }
        if self.aws.profile.is_none() && args::env("AWS_PROFILE").is_none() {
            self.aws.profile = config.profile.clone();
        }
        if self.aws.region.is_none() {
            self.aws.region = config.region.clone();
        }
        let endpoint = self.sts.endpoint()?;
        let key = CacheKey { issuer, identity, audiences: self.audiences, scopes: self.scopes, caps: self.caps };
        // Bad parameter values (issuer URL, audiences) are usage errors, found
        // before any credentials are looked for.
        Exchange::new(&exchange_params(&key), &Secret::new("check")).map_err(|e| CliError::usage(e.to_string()))?;
        Ok(Request { key, endpoint, aws: self.aws, use_cache: !self.no_cache, fresh: false })
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
    let blob = make_blob(&credentials, &request.key.identity, &request.key.issuer, &request.endpoint, clock::now())?;
    let token = exchange(request, &blob, &credentials)?;
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
    blob: &Secret,
    credentials: &ResolvedCredentials,
) -> CliResult<cgaws_core::exchange::ChainguardToken> {
    let key = &request.key;
    let mut exchange = Exchange::new(&exchange_params(key), blob).map_err(|e| CliError::usage(e.to_string()))?;
    loop {
        let attempt = exchange.attempts() + 1;
        let timer = Timer::start();
        let response = http::send(exchange.request(), EXCHANGE_TIMEOUT).map_err(|e| {
            CliError::failure(format!("could not reach the issuer at {}: {e}", exchange.request().url()))
                .hint("check --issuer / CHAINGUARD_ISSUER and the network (proxies come from HTTPS_PROXY and NO_PROXY)")
        })?;
        match exchange.on_response(&response, clock::jitter()) {
            ExchangeStep::Done(token) => {
                vlog!("exchange: got a token for {} (attempt {attempt}, {timer})", key.audiences.join(", "));
                return Ok(token);
            }
            ExchangeStep::Retry { delay_ms } => {
                vlog!("exchange: HTTP {} is transient; retrying in {delay_ms} ms (attempt {attempt})", response.status);
                std::thread::sleep(Duration::from_millis(delay_ms));
            }
            ExchangeStep::Failed(error) => return Err(explain(error, request, credentials)),
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
fn explain(error: ExchangeError, request: &Request, credentials: &ResolvedCredentials) -> CliError {
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
}
