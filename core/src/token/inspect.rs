//! A readable view of a token that never shows its secrets.

use super::authorization::parse_authorization;
use super::blob::{AUDIENCE_HEADER, IDENTITY_HEADER};
use super::precheck::{decode, PrecheckError};

/// What a token says. Values of `X-Amz-Security-Token` are replaced by their
/// length, and the signature is cut to its first 8 hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Inspection {
    pub method: String,
    pub host: Option<String>,
    pub path: String,
    pub query: String,
    /// Header names and (redacted) values, in the token's order.
    pub headers: Vec<(String, String)>,
    pub signed_headers: Vec<String>,
    pub audience: Option<String>,
    pub identity: Option<String>,
    pub amz_date: Option<String>,
    pub access_key_id: Option<String>,
    /// `DATE/REGION/SERVICE`.
    pub credential_scope: Option<String>,
    pub has_session_token: bool,
    /// The first 8 hex digits of the signature, then `…`.
    pub signature_prefix: Option<String>,
}

pub fn inspect(blob: &str) -> Result<Inspection, PrecheckError> {
    let request = decode(blob)?;
    let authorization = request.first("authorization").and_then(|a| parse_authorization(a).ok());
    // At most 8 characters, cut on a character boundary: a hostile blob's
    // `Signature=` need not be hex, nor ASCII.
    let shorten = |sig: &str| {
        let end = sig.char_indices().nth(8).map_or(sig.len(), |(i, _)| i);
        format!("{}…", &sig[..end])
    };
    let headers = request
        .headers
        .iter()
        .map(|(name, value)| {
            let shown = if name.eq_ignore_ascii_case("x-amz-security-token") {
                format!("<redacted {} bytes>", value.len())
            } else if name.eq_ignore_ascii_case("authorization") {
                match crate::text::split_once(value, "Signature=") {
                    Some((head, sig)) => format!("{head}Signature={}", shorten(sig)),
                    None => value.clone(),
                }
            } else {
                value.clone()
            };
            (name.clone(), shown)
        })
        .collect();
    let (path, query) = match request.target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (request.target.clone(), String::new()),
    };
    Ok(Inspection {
        method: request.method.clone(),
        host: request.first("host").map(str::to_string),
        path,
        query,
        headers,
        signed_headers: authorization.as_ref().map(|a| a.signed_headers.clone()).unwrap_or_default(),
        audience: request.first(AUDIENCE_HEADER).map(str::to_string),
        identity: request.first(IDENTITY_HEADER).map(str::to_string),
        amz_date: request.first("x-amz-date").map(str::to_string),
        access_key_id: authorization.as_ref().map(|a| a.access_key_id.clone()),
        credential_scope: authorization.as_ref().map(|a| format!("{}/{}/{}", a.date, a.region, a.service)),
        has_session_token: request.first("x-amz-security-token").is_some(),
        signature_prefix: authorization.as_ref().map(|a| shorten(&a.signature)),
    })
}
