//! `method: "oidc"`: the STS `GetWebIdentityToken` call (AWS outbound identity
//! federation, PROTOCOL.md §7) that JavaScript drives with fetch, as the CLI's
//! `oidc::web_identity_token` drives it with its HTTP client: the request and
//! the reading of the answer are the core's (`sts::web_identity_token`), and so
//! is the attempt policy (`sts::StsCall`: three attempts for transient STS
//! errors, one re-signing with STS's clock when a signature is refused for the
//! time); this maps the outcome to the JS error codes.

use crate::errors::ErrorInfo;
use cgaws_core::http::Url;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::web_identity_token::{
    web_identity_token_endpoint, AwsWebIdentityToken, SigningAlgorithm, WebIdentityTokenParams,
    WebIdentityTokenRequestError, DEFAULT_DURATION_SECS,
};
use cgaws_core::sts::{SendEndpoint, StsCall, StsCallError, StsResponseError, StsStep};
use cgaws_core::token::endpoint::GLOBAL_REGION;
use cgaws_core::token::StsEndpoint;
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
