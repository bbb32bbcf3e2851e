//! AWS STS messages, sans-I/O: building `GetCallerIdentity`, `AssumeRole` and
//! `AssumeRoleWithWebIdentity` requests (query protocol, form-encoded POST,
//! `Version=2011-06-15`), and reading their answers.
//!
//! STS answers XML by default and the same tree as JSON to `Accept: application/json`
//! (with `Expiration` as epoch seconds); both are parsed, whichever arrives. Errors
//! (`<ErrorResponse><Error><Type/><Code/><Message/></Error>` or the JSON form) become
//! [`StsError`].

pub mod call;
pub mod web_identity_token;
pub mod xml;

pub use call::{GetCallerIdentity, RetryReason, StsAction, StsCall, StsCallError, StsStep};

use crate::credentials::Credentials;
use crate::http::{form_urlencode, HttpRequest, HttpResponse, Url};
use crate::json;
use crate::secret::Secret;
use crate::sigv4::{self, SigningError, SigningKeyCache, SigningParams, SigningSettings};
use crate::text;
use crate::time::UnixTime;
use core::fmt;

pub const API_VERSION: &str = "2011-06-15";
pub const FORM_CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// Where STS requests are sent, and the region they are signed for. This is only
/// about sending: it never changes the host a Chainguard token names
/// ([`crate::token::StsEndpoint`]). Made by [`crate::provider::sts_send_endpoint`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SendEndpoint {
    pub url: Url,
    pub signing_region: String,
    /// Which setting chose it, for `--verbose`: `AWS_ENDPOINT_URL_STS`,
    /// `AWS_ENDPOINT_URL`, `profile services sts endpoint_url`, `profile endpoint_url`,
    /// `regional`, `fips`, `dualstack`, `global`.
    pub chosen_by: String,
}

impl SendEndpoint {
    /// A fixed URL signed for `signing_region` (tests, emulators).
    pub fn custom(url: Url, signing_region: impl Into<String>) -> Self {
        SendEndpoint { url, signing_region: signing_region.into(), chosen_by: "custom".into() }
    }
}

/// `AssumeRole` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleParams {
    pub role_arn: String,
    pub role_session_name: String,
    pub external_id: Option<String>,
    pub duration_seconds: Option<u32>,
}

/// `AssumeRoleWithWebIdentity` parameters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityParams {
    pub role_arn: String,
    pub role_session_name: String,
    /// The OIDC token (a JWT), sent as `WebIdentityToken`.
    pub token: Secret,
    pub duration_seconds: Option<u32>,
}

fn form_post(endpoint: &SendEndpoint, pairs: &[(&str, &str)]) -> HttpRequest {
    let url = &endpoint.url;
    HttpRequest {
        method: "POST".into(),
        scheme: url.scheme.clone(),
        authority: url.authority.clone(),
        path: url.path.clone(),
        query: url.query.clone(),
        headers: vec![("Content-Type".into(), FORM_CONTENT_TYPE.into())],
        body: form_urlencode(pairs).into_bytes(),
    }
}

fn sign_sts(
    mut request: HttpRequest,
    endpoint: &SendEndpoint,
    credentials: &Credentials,
    time: UnixTime,
    cache: &mut SigningKeyCache,
) -> Result<HttpRequest, SigningError> {
    let params = SigningParams {
        credentials,
        region: &endpoint.signing_region,
        service: "sts",
        time,
        settings: SigningSettings::default(),
    };
    sigv4::sign(&mut request, &params, cache)?;
    Ok(request)
}

/// A signed `POST` with body `Action=GetCallerIdentity&Version=2011-06-15`. With
/// `accept_json`, asks for the JSON form of the answer (`Accept: application/json`).
pub fn get_caller_identity(
    endpoint: &SendEndpoint,
    credentials: &Credentials,
    time: UnixTime,
    cache: &mut SigningKeyCache,
    accept_json: bool,
) -> Result<HttpRequest, SigningError> {
    let mut request = form_post(endpoint, &[("Action", "GetCallerIdentity"), ("Version", API_VERSION)]);
    if accept_json {
        request.headers.push(("Accept".into(), "application/json".into()));
    }
    sign_sts(request, endpoint, credentials, time, cache)
}

/// A signed `AssumeRole` `POST` (signed headers: content-type, host, x-amz-date, and
/// x-amz-security-token when `credentials` carry a session token).
pub fn assume_role(
    endpoint: &SendEndpoint,
    credentials: &Credentials,
    params: &AssumeRoleParams,
    time: UnixTime,
    cache: &mut SigningKeyCache,
) -> Result<HttpRequest, SigningError> {
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut pairs = vec![
        ("Action", "AssumeRole"),
        ("Version", API_VERSION),
        ("RoleArn", params.role_arn.as_str()),
        ("RoleSessionName", params.role_session_name.as_str()),
    ];
    if let Some(id) = &params.external_id {
        pairs.push(("ExternalId", id));
    }
    if let Some(d) = &duration {
        pairs.push(("DurationSeconds", d));
    }
    sign_sts(form_post(endpoint, &pairs), endpoint, credentials, time, cache)
}

/// An **unsigned** `AssumeRoleWithWebIdentity` `POST`: no `Authorization`, no `X-Amz-*`.
pub fn assume_role_with_web_identity(endpoint: &SendEndpoint, params: &WebIdentityParams) -> HttpRequest {
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut pairs = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", API_VERSION),
        ("RoleArn", params.role_arn.as_str()),
        ("RoleSessionName", params.role_session_name.as_str()),
        ("WebIdentityToken", params.token.expose()),
    ];
    if let Some(d) = &duration {
        pairs.push(("DurationSeconds", d));
    }
    form_post(endpoint, &pairs)
}

/// Who the credentials belong to.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// The result of `AssumeRole` / `AssumeRoleWithWebIdentity`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumedRole {
    /// With `expiry` set from `Expiration`.
    pub credentials: Credentials,
    /// `AssumedRoleUser/Arn`, e.g. `arn:aws:sts::123456789012:assumed-role/R/session`.
    pub arn: String,
    /// `AssumedRoleUser/AssumedRoleId`, e.g. `AROA...:session`.
    pub assumed_role_id: String,
    /// The 5th `:`-separated field of the ARN.
    pub account_id: Option<String>,
    /// `SubjectFromWebIdentityToken` (web identity only).
    pub subject: Option<String>,
}

/// An error document from STS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct StsError {
    pub status: u16,
    /// e.g. `AccessDenied`, `ExpiredToken`; empty if the body had none.
    pub code: String,
    pub message: String,
    pub request_id: Option<String>,
}

impl StsError {
    /// `IDPCommunicationError`, throttling, and 500/502/503/504 are worth retrying.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.code.as_str(),
            "IDPCommunicationError" | "Throttling" | "ThrottlingException" | "RequestLimitExceeded"
        ) || matches!(self.status, 500 | 502 | 503 | 504)
    }

    /// A likely cause, for codes whose message does not say.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self.code.as_str() {
            "ExpiredToken" | "ExpiredTokenException" => "the credentials used to call STS have expired",
            "InvalidClientTokenId" => "the access key id is not known to AWS (deleted key, or wrong partition)",
            "SignatureDoesNotMatch" => "a wrong secret access key, or a clock that is off by more than 5 minutes",
            "RegionDisabledException" => {
                "STS is not activated in this region for the account: activate it in IAM, or use another region"
            }
            "InvalidIdentityToken" => "the web identity token was rejected (issuer, audience or signature)",
            _ if text::find(&self.message, "Signature expired").is_some() => {
                "the local clock is off by more than 5 minutes"
            }
            _ => return None,
        })
    }
}

impl fmt::Display for StsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let code = if self.code.is_empty() { "error" } else { &self.code };
        write!(f, "STS {code} (HTTP {})", self.status)?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if let Some(hint) = self.hint() {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for StsError {}

/// An STS answer that is not the expected success.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StsResponseError {
    /// An error status, with whatever error document came with it.
    Service(StsError),
    /// A success status whose body cannot be read (never echoed: it may hold secrets).
    Malformed { status: u16, reason: String },
}

impl StsResponseError {
    pub fn is_retryable(&self) -> bool {
        match self {
            StsResponseError::Service(e) => e.is_retryable(),
            StsResponseError::Malformed { .. } => false,
        }
    }
}

impl fmt::Display for StsResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StsResponseError::Service(e) => e.fmt(f),
            StsResponseError::Malformed { status, reason } => {
                write!(f, "unreadable STS response (HTTP {status}): {reason}")
            }
        }
    }
}

impl std::error::Error for StsResponseError {}

/// A parsed body, XML or JSON.
enum Doc {
    Xml(xml::Element),
    Json(json::Value),
}

fn parse_doc(body: &[u8]) -> Result<Doc, String> {
    let text = core::str::from_utf8(body).map_err(|_| "the body is not UTF-8".to_string())?;
    let trimmed = text.trim_start_matches(['\u{feff}', ' ', '\t', '\r', '\n']);
    if trimmed.starts_with('{') {
        json::parse_str(trimmed).map(Doc::Json).map_err(|e| format!("invalid JSON: {e}"))
    } else if trimmed.starts_with('<') {
        xml::parse(trimmed).map(Doc::Xml).map_err(|e| e.to_string())
    } else if trimmed.is_empty() {
        Err("the body is empty".into())
    } else {
        Err("the body is neither XML nor JSON".into())
    }
}

fn json_str<'a>(v: &'a json::Value, path: &[&str]) -> Option<&'a str> {
    path.iter().try_fold(v, |v, k| v.get(k))?.as_str().map(str::trim).filter(|s| !s.is_empty())
}

/// Reads the error document of a non-2xx response (any status, any body).
pub fn parse_error(response: &HttpResponse) -> StsError {
    let mut error = StsError { status: response.status, code: String::new(), message: String::new(), request_id: None };
    match parse_doc(&response.body) {
        Ok(Doc::Xml(root)) => {
            let err = if root.name == "Error" { Some(&root) } else { root.child("Error") };
            if let Some(err) = err {
                error.code = err.text_at(&["Code"]).unwrap_or_default().to_string();
                error.message = err.text_at(&["Message"]).unwrap_or_default().to_string();
            }
            error.request_id = root
                .text_at(&["RequestId"])
                .or_else(|| root.text_at(&["ResponseMetadata", "RequestId"]))
                .map(str::to_string);
        }
        Ok(Doc::Json(v)) => {
            let v = v.get("ErrorResponse").unwrap_or(&v);
            let code = json_str(v, &["Error", "Code"]).or_else(|| {
                json_str(v, &["__type"])
                    .map(|t| t.bytes().rposition(|b| b == b'#').map_or(t, |hash| &t[hash + 1..]))
                    .or_else(|| json_str(v, &["code"]))
            });
            let message = json_str(v, &["Error", "Message"])
                .or_else(|| json_str(v, &["message"]))
                .or_else(|| json_str(v, &["Message"]));
            error.code = code.unwrap_or_default().to_string();
            error.message = message.unwrap_or_default().to_string();
            error.request_id = json_str(v, &["RequestId"]).map(str::to_string);
        }
        Err(_) => {}
    }
    if error.code.is_empty() && error.message.is_empty() {
        // Not an STS document (a proxy's page, say): show a short, single-line excerpt.
        let body = text::from_utf8_lossy(&response.body);
        let mut message = String::new();
        for word in body.split_whitespace() {
            if !message.is_empty() {
                message.push(' ');
            }
            message.push_str(word);
        }
        error.message = message.chars().take(200).collect();
    }
    error
}

/// Parses an HTTP `Date` header (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(value: &str) -> Option<UnixTime> {
    let rest = text::split_once(value.trim(), ", ")?.1;
    let mut parts = rest.split(' ');
    let (day, month, year, clock, zone) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || zone != "GMT" || day.len() != 2 || year.len() != 4 {
        return None;
    }
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.iter().position(|m| *m == month)? + 1;
    UnixTime::parse_rfc3339(&format!("{year}-{month:02}-{day}T{clock}Z")).ok()
}

/// Clocks further apart than this make STS refuse a signature.
pub const MAX_CLOCK_SKEW_SECS: i64 = 240;

/// If `error` is STS refusing a signature for its time ("Signature expired", "Signature
/// not yet current", `RequestExpired`) and the response's `Date` is more than
/// [`MAX_CLOCK_SKEW_SECS`] from `now`, the server's time: sign once more with it.
pub fn skew_corrected_time(response: &HttpResponse, error: &StsError, now: UnixTime) -> Option<UnixTime> {
    let time_error = matches!(error.code.as_str(), "RequestExpired" | "RequestTimeTooSkewed")
        || text::find(&error.message, "Signature expired").is_some()
        || text::find(&error.message, "Signature not yet current").is_some();
    if !time_error {
        return None;
    }
    let server = parse_http_date(response.header("date")?)?;
    ((server.secs() - now.secs()).abs() > MAX_CLOCK_SKEW_SECS).then_some(server)
}

/// Parses an `Expiration`: RFC 3339 text, or epoch seconds as a JSON number
/// (a fraction is dropped).
fn json_time(v: &json::Value) -> Result<UnixTime, String> {
    match v {
        json::Value::Number(n) => {
            n.as_i64_truncated().map(UnixTime::from_secs).ok_or_else(|| "Expiration is not a valid number".to_string())
        }
        json::Value::String(s) => UnixTime::parse_rfc3339(s.trim()).map_err(|e| format!("Expiration: {e}")),
        _ => Err("Expiration is neither a string nor a number".into()),
    }
}

fn malformed(status: u16) -> impl Fn(String) -> StsResponseError {
    move |reason| StsResponseError::Malformed { status, reason }
}

/// The `<Action>Result` element (XML) or object (JSON) of a 2xx response.
fn result_of(response: &HttpResponse, action: &str) -> Result<Doc, StsResponseError> {
    if !(200..300).contains(&response.status) {
        return Err(StsResponseError::Service(parse_error(response)));
    }
    let bad = malformed(response.status);
    let response_name = format!("{action}Response");
    let result_name = format!("{action}Result");
    match parse_doc(&response.body).map_err(&bad)? {
        Doc::Xml(root) => {
            if root.name != response_name {
                return Err(bad(format!("expected <{response_name}>, found <{}>", root.name)));
            }
            // Moved out of the parsed document rather than copied.
            let result = root.take_child(&result_name).ok_or_else(|| bad(format!("no <{result_name}> element")))?;
            Ok(Doc::Xml(result))
        }
        Doc::Json(v) => {
            let nested = v.get(&response_name).and_then(|r| r.get(&result_name)).is_some();
            let result =
                if nested { v.take(&response_name).and_then(|r| r.take(&result_name)) } else { v.take(&result_name) };
            result.map(Doc::Json).ok_or_else(|| bad(format!("no {response_name}.{result_name} object")))
        }
    }
}

/// Reads a `GetCallerIdentity` answer.
pub fn parse_get_caller_identity(response: &HttpResponse) -> Result<CallerIdentity, StsResponseError> {
    let bad = malformed(response.status);
    let get = |doc: &Doc, key: &str| -> Result<String, StsResponseError> {
        let v = match doc {
            Doc::Xml(e) => e.text_at(&[key]),
            Doc::Json(v) => json_str(v, &[key]),
        };
        v.map(str::to_string).ok_or_else(|| bad(format!("no {key}")))
    };
    let doc = result_of(response, "GetCallerIdentity")?;
    Ok(CallerIdentity { account: get(&doc, "Account")?, arn: get(&doc, "Arn")?, user_id: get(&doc, "UserId")? })
}

/// Reads an `AssumeRole` answer.
pub fn parse_assume_role(response: &HttpResponse) -> Result<AssumedRole, StsResponseError> {
    parse_assumed(response, "AssumeRole")
}

/// Reads an `AssumeRoleWithWebIdentity` answer.
pub fn parse_assume_role_with_web_identity(response: &HttpResponse) -> Result<AssumedRole, StsResponseError> {
    parse_assumed(response, "AssumeRoleWithWebIdentity")
}

fn parse_assumed(response: &HttpResponse, action: &str) -> Result<AssumedRole, StsResponseError> {
    let bad = malformed(response.status);
    let doc = result_of(response, action)?;
    let field = |path: &[&str]| -> Option<String> {
        match &doc {
            Doc::Xml(e) => e.text_at(path),
            Doc::Json(v) => json_str(v, path),
        }
        .map(str::to_string)
    };
    let need = |path: &[&str; 2]| field(path).ok_or_else(|| bad(format!("no {}/{}", path[0], path[1])));
    let key_id = need(&["Credentials", "AccessKeyId"])?;
    let secret = need(&["Credentials", "SecretAccessKey"])?;
    let token = need(&["Credentials", "SessionToken"])?;
    let expiration = match &doc {
        Doc::Xml(e) => {
            let text =
                e.text_at(&["Credentials", "Expiration"]).ok_or_else(|| bad("no Credentials/Expiration".into()))?;
            UnixTime::parse_rfc3339(text).map_err(|e| bad(format!("Credentials/Expiration: {e}")))?
        }
        Doc::Json(v) => {
            let value = v.get("Credentials").and_then(|c| c.get("Expiration"));
            json_time(value.ok_or_else(|| bad("no Credentials/Expiration".into()))?).map_err(&bad)?
        }
    };
    let credentials =
        Credentials::new(key_id, secret, Some(token)).map_err(|e| bad(e.to_string()))?.with_expiry(Some(expiration));
    let arn = need(&["AssumedRoleUser", "Arn"])?;
    let account_id = arn.split(':').nth(4).filter(|a| !a.is_empty()).map(str::to_string);
    Ok(AssumedRole {
        credentials,
        assumed_role_id: field(&["AssumedRoleUser", "AssumedRoleId"]).unwrap_or_default(),
        arn,
        account_id,
        subject: field(&["SubjectFromWebIdentityToken"]),
    })
}
