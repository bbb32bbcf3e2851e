//! `method: "oidc"` (feature `oidc`, its own .wasm that the main entry loads on
//! first use): the STS `GetWebIdentityToken` call (AWS outbound identity
//! federation, PROTOCOL.md §7) that JavaScript drives with fetch, as the CLI's
//! `oidc::web_identity_token` drives it with its HTTP client: the request and
//! the reading of the answer are the core's (`sts::web_identity_token`), and so
//! is the attempt policy (`sts::StsCall`: three attempts for transient STS
//! errors, one re-signing with STS's clock when a signature is refused for the
//! time); this maps the outcome to the JS error codes.

use crate::convert::{credentials, request_fields, time, whole_secs};
use crate::errors::ErrorInfo;
use crate::fields::{FieldWriter, Fields};
use crate::slots::Slots;
use cgaws_core::http::Url;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::web_identity_token::{
    web_identity_token_endpoint, AwsWebIdentityToken, SigningAlgorithm, WebIdentityTokenParams,
    WebIdentityTokenRequestError, DEFAULT_DURATION_SECS,
};
use cgaws_core::sts::{SendEndpoint, StsCall, StsCallError, StsResponseError, StsStep};
use cgaws_core::token::endpoint::GLOBAL_REGION;
use cgaws_core::token::{StsEndpoint, DEFAULT_AUDIENCE};
use cgaws_core::{Credentials, HttpRequest, HttpResponse, UnixTime};

/// Where `GetWebIdentityToken` goes: `endpoint_url` (signed for `region`, else
/// us-east-1) as `AWS_ENDPOINT_URL_STS` would; else the regional endpoint of
/// `region`; else us-east-1's (it is not served on the global endpoint).
pub fn endpoint(region: Option<&str>, endpoint_url: Option<&str>) -> Result<SendEndpoint, ErrorInfo> {
    if let Some(url) = endpoint_url {
        let url = Url::parse(url).map_err(ErrorInfo::from)?;
        return Ok(SendEndpoint::custom(url, region.unwrap_or(GLOBAL_REGION)));
    }
    let (sts, chosen_by) = match region {
        Some(region) => (StsEndpoint::regional(region, false).map_err(ErrorInfo::from)?, "regional"),
        None => (StsEndpoint::global(), "global"),
    };
    let url = Url::parse(&sts.url()).map_err(ErrorInfo::from)?;
    Ok(web_identity_token_endpoint(SendEndpoint { url, signing_region: sts.region, chosen_by: chosen_by.into() }))
}

pub fn algorithm(text: Option<&str>) -> Result<SigningAlgorithm, ErrorInfo> {
    match text {
        None => Ok(SigningAlgorithm::default()),
        Some(text) => SigningAlgorithm::parse(text).ok_or_else(|| {
            ErrorInfo::input("invalid_algorithm", &format!("oidcAlgorithm {text:?} is not ES384 or RS256"))
        }),
    }
}

/// One `GetWebIdentityToken` call in progress: the core's [`StsCall`], which
/// decides on retries and on re-signing with STS's clock.
pub struct WebIdentityCall(StsCall<WebIdentityTokenParams>);

/// What the driver does next.
pub enum Step {
    Done(AwsWebIdentityToken),
    /// Send the request again (re-signed) after this many milliseconds.
    Retry(u32),
}

impl WebIdentityCall {
    /// `duration_secs` defaults to 300 and is always sent, as by the CLI, so
    /// that a policy condition on `sts:DurationSeconds` has a value to test.
    pub fn new(
        endpoint: SendEndpoint,
        credentials: Credentials,
        audience: String,
        algorithm: SigningAlgorithm,
        duration_secs: Option<u32>,
    ) -> Self {
        let mut params = WebIdentityTokenParams::new(audience);
        params.algorithm = algorithm;
        params.duration_seconds = Some(duration_secs.unwrap_or(DEFAULT_DURATION_SECS));
        WebIdentityCall(StsCall::new(params, endpoint, credentials))
    }

    /// The signed request, at `now` (corrected by STS's clock when it differed).
    pub fn request(&self, now: UnixTime, cache: &mut SigningKeyCache) -> Result<HttpRequest, ErrorInfo> {
        self.0.request(now, cache).map_err(request_error)
    }

    /// STS's answer, received at `now`; `jitter` in [0, 1) spreads retries.
    pub fn on_response(&mut self, response: &HttpResponse, now: UnixTime, jitter: f64) -> Result<Step, ErrorInfo> {
        let StsCallError { error, fix, .. } = match self.0.on_response(response, now, jitter) {
            StsStep::Done(token) => return Ok(Step::Done(token)),
            StsStep::Retry { delay_ms, .. } => return Ok(Step::Retry(delay_ms.min(u32::MAX.into()) as u32)),
            StsStep::Failed(e) => e,
        };
        Err(match (error, fix) {
            (StsResponseError::Service(e), Some(fix)) => {
                let code = if e.code == "OutboundWebIdentityFederationDisabledException" {
                    "outbound_federation_disabled"
                } else {
                    "access_denied"
                };
                ErrorInfo::new("sts", code, format!("STS refused GetWebIdentityToken: {e}. Fix: {fix}"))
                    .with("status", e.status)
                    .with("stsCode", Some(e.code.clone()))
                    .with("fix", Some(fix))
            }
            (StsResponseError::Service(e), None) => {
                let code = (!e.code.is_empty()).then(|| e.code.clone());
                ErrorInfo::new("sts", "rejected", format!("GetWebIdentityToken failed: {e}"))
                    .with("status", e.status)
                    .with("stsCode", code)
            }
            (StsResponseError::Malformed { status, reason }, _) => ErrorInfo::new(
                "sts",
                "malformed_response",
                format!("GetWebIdentityToken: unreadable answer (HTTP {status}): {reason}"),
            )
            .with("status", status),
        })
    }
}

fn request_error(e: WebIdentityTokenRequestError) -> ErrorInfo {
    let message = e.to_string();
    match e {
        WebIdentityTokenRequestError::Audiences(_) | WebIdentityTokenRequestError::EmptyAudience => {
            ErrorInfo::new("input", "invalid_audience", message)
        }
        WebIdentityTokenRequestError::Duration(_) => ErrorInfo::new("input", "invalid_duration", message),
        WebIdentityTokenRequestError::EmptyTagKey => ErrorInfo::new("input", "invalid_argument", message),
        WebIdentityTokenRequestError::Signing(e) => e.into(),
    }
}

type OpResult = Result<FieldWriter, ErrorInfo>;

/// Fields: access key id, secret access key, session token, audience, issuer,
/// signing algorithm, STS region, STS endpoint URL; `duration_secs` NaN for the
/// default. The JWT's audience is `audience`, else the issuer it is for (as
/// the blob's in `exchange_start`), else the default issuer. The first
/// request is signed here, so that bad input fails before anything is sent.
/// Result: the call's handle.
pub fn start_op(f: &mut Fields, calls: &mut Slots<WebIdentityCall>, duration_secs: f64) -> OpResult {
    let credentials = credentials(f)?;
    let audience = f.str()?;
    let issuer = f.str()?;
    let audience = match (audience, issuer) {
        (Some(audience), _) => audience.to_string(),
        (None, Some(issuer)) => issuer.trim_end_matches('/').to_string(),
        (None, None) => DEFAULT_AUDIENCE.to_string(),
    };
    let algorithm = algorithm(f.str()?)?;
    let endpoint = endpoint(f.str()?, f.str()?)?;
    let duration = match whole_secs(duration_secs, "oidcDuration")? {
        None => None,
        Some(d) => Some(
            u32::try_from(d)
                .map_err(|_| ErrorInfo::input("invalid_duration", "oidcDuration must be 60 to 3600 seconds"))?,
        ),
    };
    let call = WebIdentityCall::new(endpoint, credentials, audience, algorithm, duration);
    call.request(UnixTime::from_secs(0), &mut SigningKeyCache::new())?;
    let mut w = FieldWriter::new();
    w.int(calls.insert(call) as i64);
    Ok(w)
}

fn call_mut(calls: &mut Slots<WebIdentityCall>, handle: u32) -> Result<&mut WebIdentityCall, ErrorInfo> {
    calls.get_mut(handle).ok_or_else(|| ErrorInfo::input("invalid_argument", "no such STS call"))
}

/// Field: RFC 3339 time (else `time_secs`). Result: the signed request:
/// method, URL, body, then header pairs.
pub fn request_op(
    f: &mut Fields,
    calls: &mut Slots<WebIdentityCall>,
    cache: &mut SigningKeyCache,
    handle: u32,
    time_secs: f64,
) -> OpResult {
    let now = time(f.str()?, time_secs)?;
    let request = call_mut(calls, handle)?.request(now, cache)?;
    let mut w = FieldWriter::new();
    request_fields(&mut w, &request);
    Ok(w)
}

/// Fields: the `Date` header, the body. Result: `done`, the JWT, its
/// expiration in seconds; or `retry`, the delay in milliseconds.
pub fn response_op(
    f: &mut Fields,
    calls: &mut Slots<WebIdentityCall>,
    handle: u32,
    status: u32,
    jitter: f64,
    now_secs: f64,
) -> OpResult {
    let date = f.str()?;
    let mut response = HttpResponse::new(status.min(u16::MAX as u32) as u16, f.bytes().unwrap_or_default());
    if let Some(date) = date {
        response.headers.push(("Date".into(), date.into()));
    }
    let now = time(None, now_secs)?;
    let mut w = FieldWriter::new();
    match call_mut(calls, handle)?.on_response(&response, now, jitter)? {
        Step::Done(t) => {
            let expiry = t.expiration.map(|e| e.secs().to_string());
            w.str("done").str(t.token.expose()).opt(expiry.as_deref());
        }
        Step::Retry(delay_ms) => {
            w.str("retry").int(delay_ms.into());
        }
    }
    Ok(w)
}
