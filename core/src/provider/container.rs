//! Container credentials (§6): ECS (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`) and
//! EKS Pod Identity / others (`AWS_CONTAINER_CREDENTIALS_FULL_URI`).

use super::chain::{Cx, Found};
use super::io::{error, not_found, FileRead, Flow};
use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse, Url};
use crate::json::{self, Object, Value};
use crate::time::UnixTime;
use std::net::{Ipv4Addr, Ipv6Addr};

pub const ECS_HOST: &str = "169.254.170.2";
pub const EKS_HOST_V4: &str = "169.254.170.23";
pub const EKS_HOST_V6: &str = "fd00:ec2::23";
const TIMEOUT_MS: u64 = 2_000;
const ATTEMPTS: usize = 3;
const BACKOFF_MS: u64 = 1_000;

/// Whether a `FULL_URI` may be used: any `https` URL; over `http` only loopback and
/// the ECS and EKS link-local addresses. No DNS lookup is made: a host name other
/// than `localhost` is refused over `http`.
pub fn full_uri_allowed(url: &Url) -> bool {
    if url.scheme == "https" {
        return true;
    }
    let host = url.host();
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return v4.is_loopback() || v4 == Ipv4Addr::new(169, 254, 170, 2) || v4 == Ipv4Addr::new(169, 254, 170, 23);
    }
    if let Ok(v6) = host.parse::<Ipv6Addr>() {
        return v6.is_loopback()
            || v6 == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23)
            || v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback());
    }
    false
}

/// The container source.
pub(crate) fn source(cx: &mut Cx<'_>) -> Flow<Found> {
    credentials(cx)
}

pub(crate) fn credentials(cx: &mut Cx<'_>) -> Flow<Found> {
    let url = if let Some(relative) = cx.env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") {
        let sep = if relative.starts_with('/') { "" } else { "/" };
        let full = format!("http://{ECS_HOST}{sep}{relative}");
        Url::parse(&full).or_else(|e| error(format!("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: {e}")))?
    } else if let Some(full) = cx.env("AWS_CONTAINER_CREDENTIALS_FULL_URI") {
        let url = Url::parse(full).or_else(|e| error(format!("AWS_CONTAINER_CREDENTIALS_FULL_URI: {e}")))?;
        if !full_uri_allowed(&url) {
            return error(format!(
                "AWS_CONTAINER_CREDENTIALS_FULL_URI host {:?} is not allowed: over plain http only loopback, \
                 {ECS_HOST}, {EKS_HOST_V4} and [{EKS_HOST_V6}] are accepted (use https for other hosts)",
                url.host()
            ));
        }
        url
    } else {
        return not_found("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set");
    };
    let shown = format!("{}://{}{}", url.scheme, url.authority, url.path);
    let mut failure = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            cx.io.sleep(BACKOFF_MS)?;
        }
        // Re-read the token on every attempt: EKS rotates the file.
        let authorization = authorization(cx)?;
        let mut request = HttpRequest {
            method: "GET".into(),
            scheme: url.scheme.clone(),
            authority: url.authority.clone(),
            path: url.path.clone(),
            query: url.query.clone(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: Vec::new(),
        };
        if let Some(token) = authorization {
            request.headers.push(("Authorization".into(), token));
        }
        failure = match cx.io.http(request, TIMEOUT_MS)? {
            Err(e) => format!("{e}"),
            Ok(response) if response.status >= 500 || response.status == 429 => {
                format!("HTTP {}{}", response.status, error_detail(&response))
            }
            Ok(response) if response.status != 200 => {
                return error(format!("{shown} answered HTTP {}{}", response.status, error_detail(&response)))
            }
            Ok(response) => match parse(&response.body) {
                Ok(Parsed::Credentials(credentials, account_id)) => {
                    cx.check_fresh(&credentials, &shown)?;
                    return Ok(Found { credentials, source: "container".into(), account_id });
                }
                Ok(Parsed::Error(detail)) => return error(format!("{shown} answered an error: {detail}")),
                Err(e) => format!("unreadable response: {e}"),
            },
        };
    }
    error(format!("{shown}: {failure} (after {ATTEMPTS} attempts)"))
}

/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (re-read each time) beats
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`. A CR or LF in the token is refused.
fn authorization(cx: &mut Cx<'_>) -> Flow<Option<String>> {
    let (token, from) = if let Some(path) = cx.env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE") {
        let path = cx.expand(path)?;
        let bytes = match cx.io.read_file(&path)? {
            FileRead::Bytes(b) => b,
            FileRead::Missing => {
                return error(format!("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path:?} does not exist"))
            }
            FileRead::Failed(e) => {
                return error(format!("cannot read AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path:?}: {e}"))
            }
        };
        let token = String::from_utf8(bytes)
            .or_else(|_| error(format!("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE {path:?} is not UTF-8 text")))?;
        (token, "the file named by AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
    } else if let Some(token) = cx.cfg.env.get("AWS_CONTAINER_AUTHORIZATION_TOKEN").filter(|t| !t.is_empty()) {
        (token.clone(), "AWS_CONTAINER_AUTHORIZATION_TOKEN")
    } else {
        return Ok(None);
    };
    if token.contains(['\r', '\n']) {
        return error(format!(
            "the container authorization token from {from} contains a CR or LF (a trailing newline?), \
             which cannot go into an Authorization header"
        ));
    }
    if token.bytes().any(|b| b == 0 || (b < 0x20 && b != b'\t')) {
        return error(format!("the container authorization token from {from} contains control characters"));
    }
    if token.trim().is_empty() {
        return error(format!("the container authorization token from {from} is empty"));
    }
    Ok(Some(token))
}

enum Parsed {
    Credentials(Credentials, Option<String>),
    /// `{"Code": ..., "Message": ...}` with a 200.
    Error(String),
}

/// A JSON field's text by case-insensitive name (the first name present; the last
/// member when one is repeated).
fn text<'a>(object: &'a Object, names: &[&str]) -> Option<&'a str> {
    names
        .iter()
        .find_map(|name| object.get_ignore_ascii_case(name))
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// `, Code: Message` from an error body, if it has them (never the raw body).
fn error_detail(response: &HttpResponse) -> String {
    let Ok(Value::Object(object)) = json::parse(&response.body) else {
        return String::new();
    };
    match (text(&object, &["Code"]), text(&object, &["Message"])) {
        (Some(c), Some(m)) => format!(": {c}: {m}"),
        (Some(c), None) => format!(": {c}"),
        (None, Some(m)) => format!(": {m}"),
        (None, None) => String::new(),
    }
}

fn parse(body: &[u8]) -> Result<Parsed, String> {
    let value = json::parse(body).map_err(|e| format!("not JSON ({e})"))?;
    let object = value.as_object().ok_or("not a JSON object")?;
    if let Some(code) = text(object, &["Code"]).filter(|c| *c != "Success") {
        let message = text(object, &["Message"]).unwrap_or("no message");
        return Ok(Parsed::Error(format!("{code}: {message}")));
    }
    let key_id = text(object, &["AccessKeyId"]).ok_or("no AccessKeyId")?;
    let secret = text(object, &["SecretAccessKey"]).ok_or("no SecretAccessKey")?;
    let token = text(object, &["Token", "SessionToken"]);
    let expiry = match text(object, &["Expiration", "ExpiresAt"]) {
        Some(e) => Some(UnixTime::parse_rfc3339(e).map_err(|e| format!("Expiration: {e}"))?),
        None => None,
    };
    let credentials =
        Credentials::new(key_id, secret, token.map(str::to_string)).map_err(|e| e.to_string())?.with_expiry(expiry);
    Ok(Parsed::Credentials(credentials, text(object, &["AccountId"]).map(str::to_string)))
}
