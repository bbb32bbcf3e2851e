//! Trading a proof for a Chainguard token at `<issuer>/sts/exchange`
//! (PROTOCOL.md §5). The driver sends [`Exchange::request`], hands the answer to
//! [`Exchange::on_response`], and sleeps and resends when told to retry.

use crate::http::{form_urlencode, HttpRequest, HttpResponse, Url};
use crate::identity::{validate_identity_uidp, UidpError};
use crate::json::{self, Value};
use crate::jwt::read_claims;
use crate::quoted::Quoted;
use crate::secret::Secret;
use crate::time::UnixTime;
use core::fmt;

pub const DEFAULT_ISSUER: &str = "https://issuer.enforce.dev";
/// The registry's audience, and the default for the token asked for.
pub const DEFAULT_TOKEN_AUDIENCE: &str = "cgr.dev";
/// Attempts in all, as the Go SDK makes.
pub const MAX_ATTEMPTS: u32 = 3;
/// The wait before another attempt (here and in [`crate::sts::StsCall`]): 100 to
/// 200 ms, spread by `jitter` in `[0, 1)` (the core has no randomness of its own).
pub fn retry_delay_ms(jitter: f64) -> u64 {
    let jitter = if jitter.is_finite() { jitter.clamp(0.0, 1.0) } else { 0.5 };
    100 + (jitter * 100.0) as u64
}
/// Drivers stop reading an answer past this size and report it as too large.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// What to ask the issuer for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExchangeParams {
    /// Issuer base URL, e.g. `https://issuer.enforce.dev`.
    pub issuer: String,
    /// The identity UIDP to assume.
    pub identity: String,
    /// Audiences of the Chainguard token (`aud`, repeatable).
    pub audiences: Vec<String>,
    pub scopes: Vec<String>,
    pub caps: Vec<String>,
}

impl ExchangeParams {
    pub fn new(identity: impl Into<String>) -> Self {
        ExchangeParams {
            issuer: DEFAULT_ISSUER.into(),
            identity: identity.into(),
            audiences: vec![DEFAULT_TOKEN_AUDIENCE.into()],
            scopes: Vec::new(),
            caps: Vec::new(),
        }
    }
}

/// The issuer's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainguardToken {
    pub token: Secret,
    /// From the answer's `expiry`, else from the token's `exp` claim.
    pub expiry: Option<UnixTime>,
    pub refresh_token: Option<Secret>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeError {
    InvalidIssuer(String),
    InvalidIdentity(UidpError),
    /// A parameter value that cannot be sent (empty audience, control characters).
    InvalidParameter(String),
    /// The issuer answered 3xx; the bearer token is never sent on to another URL.
    Redirected {
        status: u16,
        location: Option<String>,
    },
    /// The issuer refused, with its gRPC status when it sent one.
    Rejected {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    MalformedResponse(String),
    ResponseTooLarge,
}

impl ExchangeError {
    /// gRPC `PERMISSION_DENIED` or `UNAUTHENTICATED`, or HTTP 401/403: the caller is
    /// not allowed to assume the identity (usually the identity's AWS rule).
    pub fn is_permission_denied(&self) -> bool {
        matches!(
            self,
            ExchangeError::Rejected { code: Some(7 | 16), .. }
                | ExchangeError::Rejected { status: 401 | 403, code: None, .. }
        )
    }
}

/// The gRPC status code names grpc-gateway error bodies carry as numbers.
pub fn grpc_code_name(code: i64) -> &'static str {
    match code {
        0 => "OK",
        1 => "CANCELLED",
        2 => "UNKNOWN",
        3 => "INVALID_ARGUMENT",
        4 => "DEADLINE_EXCEEDED",
        5 => "NOT_FOUND",
        6 => "ALREADY_EXISTS",
        7 => "PERMISSION_DENIED",
        8 => "RESOURCE_EXHAUSTED",
        9 => "FAILED_PRECONDITION",
        10 => "ABORTED",
        11 => "OUT_OF_RANGE",
        12 => "UNIMPLEMENTED",
        13 => "INTERNAL",
        14 => "UNAVAILABLE",
        15 => "DATA_LOSS",
        16 => "UNAUTHENTICATED",
        _ => "UNKNOWN_CODE",
    }
}

impl fmt::Display for ExchangeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExchangeError::InvalidIssuer(why) => write!(f, "invalid issuer URL: {why}"),
            ExchangeError::InvalidIdentity(e) => e.fmt(f),
            ExchangeError::InvalidParameter(why) => write!(f, "invalid exchange parameter: {why}"),
            ExchangeError::Redirected { status, location } => write!(
                f,
                "the issuer answered HTTP {status} redirecting to {}; not following it with the token attached (check the issuer URL)",
                location.as_deref().unwrap_or("nowhere")
            ),
            ExchangeError::Rejected { status, code: Some(code), message } => {
                write!(f, "the issuer refused the exchange: {} (HTTP {status}): {message}", grpc_code_name(*code))
            }
            ExchangeError::Rejected { status, code: None, message } => {
                write!(f, "the issuer refused the exchange: HTTP {status}: {message}")
            }
            ExchangeError::MalformedResponse(why) => write!(f, "the issuer's answer is not understood: {why}"),
            ExchangeError::ResponseTooLarge => {
                write!(f, "the issuer's answer is larger than {MAX_RESPONSE_BYTES} bytes")
            }
        }
    }
}

impl std::error::Error for ExchangeError {}

/// What the driver does after an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ExchangeStep {
    Done(ChainguardToken),
    /// Wait this long, then send [`Exchange::request`] again.
    Retry {
        delay_ms: u64,
    },
    Failed(ExchangeError),
}

/// One exchange, from first attempt to answer.
#[derive(Debug)]
pub struct Exchange {
    request: HttpRequest,
    attempts: u32,
}

impl Exchange {
    /// Checks the parameters and prepares the request carrying `bearer` (a token
    /// blob, or an OIDC token).
    pub fn new(params: &ExchangeParams, bearer: &Secret) -> Result<Exchange, ExchangeError> {
        validate_identity_uidp(&params.identity).map_err(ExchangeError::InvalidIdentity)?;
        let issuer =
            Url::parse(params.issuer.trim_end_matches('/')).map_err(|e| ExchangeError::InvalidIssuer(e.to_string()))?;
        if !issuer.query.is_empty() {
            return Err(ExchangeError::InvalidIssuer(format!("{} has a query string", Quoted(&params.issuer))));
        }
        if params.audiences.is_empty() || params.audiences.iter().any(String::is_empty) {
            return Err(ExchangeError::InvalidParameter("at least one non-empty audience is needed".into()));
        }
        let bearer_ok = !bearer.is_empty() && bearer.expose().bytes().all(|b| b.is_ascii_graphic());
        if !bearer_ok {
            return Err(ExchangeError::InvalidParameter(
                "the token to exchange is empty or has spaces or control characters".into(),
            ));
        }
        let mut pairs: Vec<(&str, &str)> = params.audiences.iter().map(|a| ("aud", a.as_str())).collect();
        pairs.push(("identity", &params.identity));
        pairs.extend(params.scopes.iter().map(|s| ("scope", s.as_str())));
        pairs.extend(params.caps.iter().map(|c| ("cap", c.as_str())));
        let path = format!("{}/sts/exchange", issuer.path.trim_end_matches('/'));
        let request = HttpRequest {
            method: "POST".into(),
            scheme: issuer.scheme,
            authority: issuer.authority,
            path,
            query: String::new(),
            headers: vec![
                ("Authorization".into(), format!("Bearer {}", bearer.expose())),
                ("Content-Type".into(), "application/x-www-form-urlencoded".into()),
                ("Accept".into(), "application/json".into()),
                ("User-Agent".into(), format!("cgaws/{}", crate::VERSION)),
            ],
            body: form_urlencode(&pairs).into_bytes(),
        };
        Ok(Exchange { request, attempts: 0 })
    }

    /// The request to send now. Never follow redirects when sending it.
    pub fn request(&self) -> &HttpRequest {
        &self.request
    }

    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Reads the issuer's answer. `jitter` in `[0, 1)` spreads retries (the core
    /// has no randomness of its own).
    pub fn on_response(&mut self, response: &HttpResponse, jitter: f64) -> ExchangeStep {
        self.attempts += 1;
        if response.body.len() > MAX_RESPONSE_BYTES {
            return ExchangeStep::Failed(ExchangeError::ResponseTooLarge);
        }
        if (300..400).contains(&response.status) {
            return ExchangeStep::Failed(ExchangeError::Redirected {
                status: response.status,
                location: response.header("location").map(str::to_string),
            });
        }
        if response.status == 200 {
            return match parse_token(&response.body) {
                Ok(token) => ExchangeStep::Done(token),
                Err(e) => ExchangeStep::Failed(e),
            };
        }
        let status_object = parse_status(&response.body);
        let transient = match &status_object {
            Some((code, _)) => *code == 14,
            None => matches!(response.status, 502 | 503),
        };
        if transient && self.attempts < MAX_ATTEMPTS {
            return ExchangeStep::Retry { delay_ms: retry_delay_ms(jitter) };
        }
        let (code, message) = match status_object {
            Some((code, message)) => (Some(code), message),
            None => (None, body_excerpt(&response.body)),
        };
        ExchangeStep::Failed(ExchangeError::Rejected { status: response.status, code, message })
    }
}

fn parse_token(body: &[u8]) -> Result<ChainguardToken, ExchangeError> {
    let malformed = |why: &str| ExchangeError::MalformedResponse(why.to_string());
    let json =
        json::parse(body).map_err(|e| ExchangeError::MalformedResponse(format!("the 200 answer is not JSON: {e}")))?;
    let token = json
        .get("token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| malformed("the 200 answer has no token"))?;
    if !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(malformed("the token has spaces or control characters"));
    }
    let expiry = match json.get("expiry").and_then(Value::as_str) {
        Some(text) => Some(UnixTime::parse_rfc3339(text).map_err(|e| ExchangeError::MalformedResponse(e.to_string()))?),
        None => read_claims(token).ok().and_then(|c| c.expires_at).map(UnixTime::from_secs),
    };
    let refresh_token = json.get("refresh_token").and_then(Value::as_str).filter(|t| !t.is_empty()).map(Secret::new);
    Ok(ChainguardToken { token: Secret::new(token), expiry, refresh_token })
}

/// A grpc-gateway status object: `{"code": N, "message": "..."}`.
fn parse_status(body: &[u8]) -> Option<(i64, String)> {
    let json = json::parse(body).ok()?;
    let code = json.get("code")?.as_i64()?;
    let message = json.get("message").and_then(Value::as_str).unwrap_or_default().to_string();
    Some((code, message))
}

/// The start of a non-JSON error body, printable characters only.
fn body_excerpt(body: &[u8]) -> String {
    let text = crate::text::from_utf8_lossy(&body[..body.len().min(200)]);
    let cleaned: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed = cleaned.trim();
    if trimmed.is_empty() {
        "(empty body)".into()
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";

    fn exchange() -> Exchange {
        let mut p = ExchangeParams::new(IDENTITY);
        p.issuer = "http://127.0.0.1:8080/".into();
        p.scopes = vec!["registry.pull".into()];
        p.caps = vec!["a b".into()];
        Exchange::new(&p, &Secret::new("BLOB==")).unwrap()
    }

    #[test]
    fn builds_form_request() {
        let e = exchange();
        let r = e.request();
        assert_eq!(r.url(), "http://127.0.0.1:8080/sts/exchange");
        assert_eq!(r.header("authorization"), Some("Bearer BLOB=="));
        assert_eq!(
            String::from_utf8(r.body.clone()).unwrap(),
            format!("aud=cgr.dev&identity={}&scope=registry.pull&cap=a%20b", IDENTITY.replace('/', "%2F"))
        );
    }

    #[test]
    fn retries_only_transient_failures() {
        let mut e = exchange();
        assert_eq!(e.on_response(&HttpResponse::new(503, "busy"), 0.0), ExchangeStep::Retry { delay_ms: 100 });
        assert_eq!(
            e.on_response(&HttpResponse::new(500, r#"{"code":14,"message":"x"}"#), 0.999),
            ExchangeStep::Retry { delay_ms: 199 }
        );
        // The third attempt is the last.
        assert!(matches!(
            e.on_response(&HttpResponse::new(503, "busy"), 0.0),
            ExchangeStep::Failed(ExchangeError::Rejected { status: 503, .. })
        ));
        for (status, body) in [
            (500, "oops"),
            (503, r#"{"code":13,"message":"internal"}"#),
            (400, r#"{"code":3,"message":"bad"}"#),
            (429, "slow"),
        ] {
            let mut e = exchange();
            assert!(
                matches!(e.on_response(&HttpResponse::new(status, body), 0.0), ExchangeStep::Failed(_)),
                "{status}"
            );
        }
    }

    #[test]
    fn refuses_redirects_and_reads_errors() {
        let mut e = exchange();
        let mut r = HttpResponse::new(302, "");
        r.headers.push(("Location".into(), "https://elsewhere/".into()));
        assert_eq!(
            e.on_response(&r, 0.0),
            ExchangeStep::Failed(ExchangeError::Redirected {
                status: 302,
                location: Some("https://elsewhere/".into())
            })
        );
        let mut e = exchange();
        match e.on_response(&HttpResponse::new(403, r#"{"code":7,"message":"no matching rule"}"#), 0.0) {
            ExchangeStep::Failed(err) => {
                assert!(err.is_permission_denied());
                assert!(err.to_string().contains("PERMISSION_DENIED (HTTP 403): no matching rule"), "{err}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_tokens() {
        let mut e = exchange();
        let step = e.on_response(&HttpResponse::new(200, r#"{"token":"a.b.c","expiry":"2026-01-15T09:00:00Z"}"#), 0.0);
        let ExchangeStep::Done(t) = step else { panic!("{step:?}") };
        assert_eq!(t.token.expose(), "a.b.c");
        assert_eq!(t.expiry, Some(UnixTime::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()));
        assert!(!format!("{t:?}").contains("a.b.c"));
        let mut e = exchange();
        assert!(matches!(
            e.on_response(&HttpResponse::new(200, "{}"), 0.0),
            ExchangeStep::Failed(ExchangeError::MalformedResponse(_))
        ));
        let mut e = exchange();
        assert_eq!(
            e.on_response(&HttpResponse::new(200, r#"{"token":"a.b.c",}"#), 0.0),
            ExchangeStep::Failed(ExchangeError::MalformedResponse(
                "the 200 answer is not JSON: expected a string key in an object at byte 17".into()
            ))
        );
        // A token without `expiry` expires when its claims say, a fractional `exp` truncated.
        let e64 = |s: &str| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, s);
        let token = format!("{}.{}.sig", e64("{}"), e64(r#"{"exp":1768467600.75}"#));
        let mut e = exchange();
        let step = e.on_response(&HttpResponse::new(200, format!(r#"{{"token":"{token}"}}"#)), 0.0);
        let ExchangeStep::Done(t) = step else { panic!("{step:?}") };
        assert_eq!(t.expiry, Some(UnixTime::from_secs(1_768_467_600)));
        let mut e = exchange();
        assert_eq!(
            e.on_response(&HttpResponse::new(200, vec![b' '; MAX_RESPONSE_BYTES + 1]), 0.0),
            ExchangeStep::Failed(ExchangeError::ResponseTooLarge)
        );
    }

    #[test]
    fn validates_params() {
        let p = ExchangeParams::new("not-a-uidp");
        assert!(matches!(Exchange::new(&p, &Secret::new("x")), Err(ExchangeError::InvalidIdentity(_))));
        let mut p = ExchangeParams::new(IDENTITY);
        p.issuer = "issuer.enforce.dev".into();
        assert!(matches!(Exchange::new(&p, &Secret::new("x")), Err(ExchangeError::InvalidIssuer(_))));
        let p = ExchangeParams::new(IDENTITY);
        assert!(matches!(Exchange::new(&p, &Secret::new("a\nb")), Err(ExchangeError::InvalidParameter(_))));
    }
}
