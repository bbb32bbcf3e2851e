//! EC2 instance metadata credentials (§7), IMDSv2 first.
//!
//! Decisions (the doc leaves these open):
//! - **Token PUT answered 403, 404 or 405**: fall back to IMDSv1 (plain GETs) unless
//!   `AWS_EC2_METADATA_V1_DISABLED` / `ec2_metadata_v1_disabled` is `true`; a warning
//!   says so.
//! - **Token PUT timed out** (connected, no answer): no v1 fallback. This is the
//!   hop-limit symptom (the PUT reply is dropped one hop short inside a container),
//!   so the error names it and the fix (`aws ec2 modify-instance-metadata-options
//!   --http-put-response-hop-limit 2`). Falling back would hide the misconfiguration
//!   and cost a full timeout on every call.
//! - **Cannot connect**: "not found" (not on EC2).
//! - Timeout per request: `AWS_METADATA_SERVICE_TIMEOUT` seconds, default 1. Attempts:
//!   `AWS_METADATA_SERVICE_NUM_ATTEMPTS`, default 1, for transport failures (so a
//!   machine without IMDS fails in about a second); HTTP 5xx (and 401 on the GETs)
//!   get at least 3 attempts, since IMDS is then known to be there. No sleeps.
//! - `AWS_EC2_INSTANCE_PROFILE_NAME` / `ec2_instance_profile_name` names the role and
//!   skips the role listing (as the JS and Ruby SDKs do). The newer
//!   `security-credentials-extended` API is not used.
//! - The token reply need not echo the TTL header (the Rust SDK requires it; emulators
//!   often omit it).
//! - Static stability: credentials whose `Expiration` has passed are used with the
//!   expiry moved to now + 10 min + (`jitter_seed` % 300) s, and a warning. If IMDS
//!   fails and [`ChainConfig::previous`](super::ChainConfig::previous) came from IMDS,
//!   that is returned again the same way.

use super::chain::{Cx, Found};
use super::io::{error, not_found, Fail, Flow};
use super::TransportError;
use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse, Url};
use crate::time::UnixTime;

pub const IPV4_ENDPOINT: &str = "http://169.254.169.254";
pub const IPV6_ENDPOINT: &str = "http://[fd00:ec2::254]";
pub const TOKEN_TTL_HEADER: &str = "X-aws-ec2-metadata-token-ttl-seconds";
pub const TOKEN_HEADER: &str = "X-aws-ec2-metadata-token";
pub const TOKEN_TTL_SECS: &str = "21600";
pub const HOP_LIMIT_FIX: &str =
    "aws ec2 modify-instance-metadata-options --instance-id <id> --http-put-response-hop-limit 2";
const CREDENTIALS_PATH: &str = "/latest/meta-data/iam/security-credentials/";
/// Attempts for 5xx (and 401 on GETs): IMDS is there, just busy.
const SERVER_ERROR_ATTEMPTS: usize = 3;

struct Settings {
    base: Url,
    timeout_ms: u64,
    attempts: usize,
    v1_disabled: bool,
}

fn settings(cx: &Cx<'_>) -> Flow<Settings> {
    let endpoint = cx.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint");
    let mode = cx.setting("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode");
    let base = match (endpoint, mode) {
        (Some(endpoint), _) => endpoint,
        (None, Some(mode)) if mode.eq_ignore_ascii_case("ipv6") => IPV6_ENDPOINT.to_string(),
        (None, Some(mode)) if mode.eq_ignore_ascii_case("ipv4") => IPV4_ENDPOINT.to_string(),
        (None, Some(mode)) => {
            return error(format!(
                "the IMDS endpoint mode {mode:?} is not IPv4 or IPv6 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE)"
            ))
        }
        (None, None) if super::settings::is_true(cx.env("AWS_IMDS_USE_IPV6")) => IPV6_ENDPOINT.to_string(),
        (None, None) => IPV4_ENDPOINT.to_string(),
    };
    let mut base = Url::parse(&base).or_else(|e| error(format!("AWS_EC2_METADATA_SERVICE_ENDPOINT: {e}")))?;
    base.path = base.path.trim_end_matches('/').to_string();
    let timeout_ms = match cx.setting("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout") {
        None => 1_000,
        Some(t) => match seconds_to_millis(&t) {
            Some(ms) if (1..=3_600_000).contains(&ms) => ms,
            _ => return error(format!("AWS_METADATA_SERVICE_TIMEOUT = {t:?} is not a number of seconds")),
        },
    };
    let attempts = match cx.setting("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts") {
        None => 1,
        Some(n) => match n.parse::<usize>() {
            Ok(n) if (1..=10).contains(&n) => n,
            _ => return error(format!("AWS_METADATA_SERVICE_NUM_ATTEMPTS = {n:?} is not a number from 1 to 10")),
        },
    };
    let v1_disabled =
        super::settings::is_true(cx.setting("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled").as_deref());
    Ok(Settings { base, timeout_ms, attempts, v1_disabled })
}

/// `"1"`, `"2.5"`, `".25"` seconds as milliseconds (no float parsing: it is big in wasm).
fn seconds_to_millis(text: &str) -> Option<u64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() > 7 {
        return None;
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().ok()? };
    let mut millis = 0u64;
    for (i, b) in fraction.bytes().take(3).enumerate() {
        millis += u64::from(b - b'0') * [100, 10, 1][i];
    }
    Some(whole * 1000 + millis)
}

/// The IMDS source: not found when disabled; falls back on previous IMDS credentials.
pub(crate) fn source(cx: &mut Cx<'_>) -> Flow<Found> {
    if super::settings::is_true(cx.env("AWS_EC2_METADATA_DISABLED")) {
        return not_found("AWS_EC2_METADATA_DISABLED is true");
    }
    credentials(cx)
}

/// IMDS credentials; used for `credential_source = Ec2InstanceMetadata` too.
pub(crate) fn credentials(cx: &mut Cx<'_>) -> Flow<Found> {
    match fetch(cx) {
        Err(Fail::Error(reason)) | Err(Fail::NotFound(reason)) if previous_imds(cx).is_some() => {
            let previous = previous_imds(cx).expect("checked");
            cx.warnings.push(format!("IMDS failed ({reason}); reusing the previous IMDS credentials"));
            let credentials = stabilize(cx, previous);
            Ok(Found { credentials, source: "imds".into(), account_id: None })
        }
        other => other,
    }
}

fn previous_imds(cx: &Cx<'_>) -> Option<Credentials> {
    cx.cfg.previous.as_ref().filter(|p| p.source == "imds").map(|p| p.credentials.clone())
}

/// Expired IMDS credentials stay usable for 10–15 more minutes (§7.4).
fn stabilize(cx: &mut Cx<'_>, credentials: Credentials) -> Credentials {
    match credentials.expiry() {
        Some(expiry) if expiry <= cx.now() => {
            let extended = cx.now().plus_secs(600 + (cx.cfg.jitter_seed % 300) as i64);
            cx.warnings.push(format!(
                "IMDS credentials expired at {expiry}; using them until {extended} while IMDS catches up (static stability)"
            ));
            credentials.with_expiry(Some(extended))
        }
        _ => credentials,
    }
}

fn request(s: &Settings, method: &str, path: &str, token: Option<&str>) -> HttpRequest {
    let mut request = HttpRequest {
        method: method.into(),
        scheme: s.base.scheme.clone(),
        authority: s.base.authority.clone(),
        path: format!("{}{path}", s.base.path),
        query: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
    };
    match (method, token) {
        ("PUT", _) => request.headers.push((TOKEN_TTL_HEADER.into(), TOKEN_TTL_SECS.into())),
        (_, Some(token)) => request.headers.push((TOKEN_HEADER.into(), token.into())),
        _ => {}
    }
    request
}

fn fetch(cx: &mut Cx<'_>) -> Flow<Found> {
    let s = settings(cx)?;
    let base = format!("{}://{}{}", s.base.scheme, s.base.authority, s.base.path);
    let token = token(cx, &s, &base)?;
    let token = token.as_deref();
    let role = match cx.setting("AWS_EC2_INSTANCE_PROFILE_NAME", "ec2_instance_profile_name") {
        Some(name) => Some(name),
        None => match get(cx, &s, CREDENTIALS_PATH, token, "the IAM role list")? {
            Got::Body(body) => {
                String::from_utf8_lossy(&body).lines().map(str::trim).find(|l| !l.is_empty()).map(str::to_string)
            }
            Got::NotFound => None,
        },
    };
    let Some(role) = role else {
        return not_found(format!("no IAM role (instance profile) is attached to this instance ({base})"));
    };
    if role.contains(['/', '?', '#', '%']) || role.chars().any(|c| c.is_control() || c == ' ') {
        return error(format!("IMDS listed an invalid role name {role:?}"));
    }
    let mut failure = String::new();
    for _ in 0..s.attempts.max(1) {
        let body = match get(cx, &s, &format!("{CREDENTIALS_PATH}{role}"), token, "the role's credentials")? {
            Got::Body(body) => body,
            Got::NotFound => {
                return error(format!("IMDS listed the role {role:?} but has no credentials for it (404)"))
            }
        };
        match parse(&body) {
            Ok(Ok(credentials)) => {
                let credentials = stabilize(cx, credentials);
                return Ok(Found { credentials, source: "imds".into(), account_id: None });
            }
            Ok(Err(e)) => return error(format!("IMDS could not provide credentials for role {role:?}: {e}")),
            Err(e) => failure = e,
        }
    }
    error(format!("IMDS answered unreadable credentials for role {role:?}: {failure}"))
}

enum Got {
    Body(Vec<u8>),
    NotFound,
}

/// An IMDSv2 token, or `None` to go on with IMDSv1.
fn token(cx: &mut Cx<'_>, s: &Settings, base: &str) -> Flow<Option<String>> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let response = cx.io.http(request(s, "PUT", "/latest/api/token", None), s.timeout_ms)?;
        let retry_transport = attempt < s.attempts;
        let retry_server = attempt < s.attempts.max(SERVER_ERROR_ATTEMPTS);
        match response {
            Ok(r) if r.status == 200 => {
                let token = String::from_utf8(r.body).unwrap_or_default();
                let token = token.trim();
                if token.is_empty() || token.contains(['\r', '\n']) {
                    return error(format!("IMDS ({base}) answered the token request with an unusable token"));
                }
                return Ok(Some(token.to_string()));
            }
            Ok(r) if (403..=405).contains(&r.status) => {
                if s.v1_disabled {
                    return error(format!(
                        "IMDS ({base}) refused the IMDSv2 token request (HTTP {}) and the IMDSv1 fallback is \
                         disabled (AWS_EC2_METADATA_V1_DISABLED / ec2_metadata_v1_disabled)",
                        r.status
                    ));
                }
                cx.warnings.push(format!(
                    "IMDS ({base}) refused the IMDSv2 token request (HTTP {}); falling back to IMDSv1",
                    r.status
                ));
                return Ok(None);
            }
            Ok(r) if r.status >= 500 && retry_server => continue,
            Ok(r) => return error(format!("IMDS ({base}) answered the IMDSv2 token request with HTTP {}", r.status)),
            Err(_) if retry_transport => continue,
            Err(TransportError::Timeout) => {
                return error(format!(
                    "the IMDSv2 token request (PUT {base}/latest/api/token) timed out after {} ms. On EC2 inside a \
                     container this is the metadata hop limit: the instance answers with a hop limit of 1, one \
                     hop short of the container. Fix it on the instance with `{HOP_LIMIT_FIX}` (or use host \
                     networking). Not on EC2? Then there is no IMDS here",
                    s.timeout_ms
                ))
            }
            Err(TransportError::ConnectFailed(e)) => {
                return not_found(format!("no IMDS at {base} (could not connect: {e}); not running on EC2?"))
            }
            Err(TransportError::Other(e)) => return error(format!("IMDS ({base}) token request failed: {e}")),
        }
    }
}

/// A metadata GET: the body of a 200, or `NotFound` for a 404.
fn get(cx: &mut Cx<'_>, s: &Settings, path: &str, token: Option<&str>, what: &str) -> Flow<Got> {
    let mut attempt = 0;
    let mut last = String::new();
    loop {
        attempt += 1;
        if attempt > s.attempts.max(SERVER_ERROR_ATTEMPTS) {
            return error(format!("IMDS failed to return {what}: {last} (after {} attempts)", attempt - 1));
        }
        let response: Result<HttpResponse, TransportError> =
            cx.io.http(request(s, "GET", path, token), s.timeout_ms)?;
        match response {
            Ok(r) if r.status == 200 => return Ok(Got::Body(r.body)),
            Ok(r) if r.status == 404 => return Ok(Got::NotFound),
            Ok(r) if r.status >= 500 || (r.status == 401 && token.is_some()) => last = format!("HTTP {}", r.status),
            Ok(r) if r.status == 401 => {
                return error(format!(
                    "IMDS answered HTTP 401 to an IMDSv1 request for {what}: the instance requires IMDSv2"
                ))
            }
            Ok(r) => return error(format!("IMDS answered HTTP {} for {what}", r.status)),
            Err(e) => {
                if attempt >= s.attempts {
                    return error(format!("IMDS failed to return {what}: {e}"));
                }
                last = e.to_string();
            }
        }
    }
}

/// `Err` for an unreadable document (worth retrying), `Ok(Err)` for an IMDS error
/// (`Code` other than `Success`, with its `Message`).
fn parse(body: &[u8]) -> Result<Result<Credentials, String>, String> {
    let value = crate::json::parse(body).map_err(|e| format!("not JSON ({e})"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    let text = |k: &str| object.get(k).and_then(|v| v.as_str()).map(str::trim).filter(|s| !s.is_empty());
    if let Some(code) = text("Code").filter(|c| *c != "Success") {
        let message = text("Message").unwrap_or("no message");
        let hint = if code == "AssumeRoleUnauthorizedAccess" {
            " (the role's trust policy must allow ec2.amazonaws.com)"
        } else {
            ""
        };
        return Ok(Err(format!("{code}: {message}{hint}")));
    }
    let (Some(key_id), Some(secret), Some(token), Some(expiration)) =
        (text("AccessKeyId"), text("SecretAccessKey"), text("Token"), text("Expiration"))
    else {
        return Err("AccessKeyId, SecretAccessKey, Token and Expiration are all required".into());
    };
    let expiry = UnixTime::parse_rfc3339(expiration).map_err(|e| format!("Expiration: {e}"))?;
    Ok(Credentials::new(key_id, secret, Some(token.to_string()))
        .map(|c| c.with_expiry(Some(expiry)))
        .map_err(|e| e.to_string()))
}
