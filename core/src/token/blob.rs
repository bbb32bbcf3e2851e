//! Making the token blob (PROTOCOL.md §2): a signed STS `GetCallerIdentity`
//! request, written as HTTP/1.1 text the way Go's `http.Request.Write` does,
//! then base64url-encoded with padding.

use super::endpoint::StsEndpoint;
use super::TokenError;
use crate::credentials::Credentials;
use crate::http::HttpRequest;
use crate::identity::validate_identity_uidp;
use crate::sigv4::{self, SigningKeyCache, SigningOutput, SigningParams, SigningSettings};
use crate::time::UnixTime;
use base64::Engine;

pub const DEFAULT_AUDIENCE: &str = "https://issuer.enforce.dev";
pub const GET_CALLER_IDENTITY_QUERY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
pub const AUDIENCE_HEADER: &str = "Chainguard-Audience";
pub const IDENTITY_HEADER: &str = "Chainguard-Identity";

/// What a token binds: who is asked for, by whom it will be checked, when, and
/// which STS endpoint it names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenParams {
    /// The Chainguard identity UIDP.
    pub identity: String,
    /// The issuer URL the token is for (`Chainguard-Audience`).
    pub audience: String,
    pub endpoint: StsEndpoint,
    pub time: UnixTime,
}

impl TokenParams {
    /// Global STS endpoint and the default audience.
    pub fn new(identity: impl Into<String>, time: UnixTime) -> Self {
        TokenParams {
            identity: identity.into(),
            audience: DEFAULT_AUDIENCE.into(),
            endpoint: StsEndpoint::global(),
            time,
        }
    }
}

/// A token and the signing texts behind it.
#[derive(Clone, Debug)]
pub struct SignedToken {
    pub blob: String,
    pub signing: SigningOutput,
}

/// Makes the token for `params`, after checking that the identity is a UIDP.
pub fn generate_token(
    credentials: &Credentials,
    params: &TokenParams,
    cache: &mut SigningKeyCache,
) -> Result<SignedToken, TokenError> {
    validate_identity_uidp(&params.identity).map_err(TokenError::InvalidIdentity)?;
    generate_token_unchecked_identity(credentials, params, cache)
}

/// Like [`generate_token`] without the UIDP check, for interoperability vectors
/// whose identity is a plain string (the Go SDK's test uses `identity`).
pub fn generate_token_unchecked_identity(
    credentials: &Credentials,
    params: &TokenParams,
    cache: &mut SigningKeyCache,
) -> Result<SignedToken, TokenError> {
    let (request, signing) = sign_token_request(credentials, params, cache)?;
    let wire = serialize_request(&request);
    Ok(SignedToken { blob: base64::engine::general_purpose::URL_SAFE.encode(wire), signing })
}

/// The signed `GetCallerIdentity` request a token carries.
pub fn sign_token_request(
    credentials: &Credentials,
    params: &TokenParams,
    cache: &mut SigningKeyCache,
) -> Result<(HttpRequest, SigningOutput), TokenError> {
    if params.audience.is_empty() || !sigv4::is_valid_header_value(&params.audience) {
        return Err(TokenError::InvalidAudience(params.audience.clone()));
    }
    if !sigv4::is_valid_header_value(&params.identity) {
        return Err(TokenError::InvalidIdentityValue);
    }
    let mut request = HttpRequest {
        method: "POST".into(),
        scheme: "https".into(),
        authority: params.endpoint.host.clone(),
        path: "/".into(),
        query: GET_CALLER_IDENTITY_QUERY.into(),
        headers: vec![
            ("Host".into(), params.endpoint.host.clone()),
            ("Accept".into(), "application/json".into()),
            (AUDIENCE_HEADER.into(), params.audience.clone()),
            (IDENTITY_HEADER.into(), params.identity.clone()),
        ],
        body: Vec::new(),
    };
    let signing_params = SigningParams {
        credentials,
        region: &params.endpoint.region,
        service: "sts",
        time: params.time,
        settings: SigningSettings::default(),
    };
    let output = sigv4::sign(&mut request, &signing_params, cache).map_err(TokenError::Signing)?;
    Ok((request, output))
}

/// Go's `http.Request.Write` layout: request line, `Host`, `User-Agent`,
/// `Content-Length`, then the other headers sorted by canonical name, CRLF ends.
pub fn serialize_request(request: &HttpRequest) -> String {
    let mut headers: Vec<(String, &str)> = request
        .headers
        .iter()
        .filter(|(n, _)| {
            !n.eq_ignore_ascii_case("host")
                && !n.eq_ignore_ascii_case("user-agent")
                && !n.eq_ignore_ascii_case("content-length")
        })
        .map(|(n, v)| (canonical_header_key(n), v.as_str()))
        .collect();
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let host = request.header("host").unwrap_or(&request.authority);
    let mut out =
        String::with_capacity(256 + request.headers.iter().map(|(n, v)| n.len() + v.len() + 4).sum::<usize>());
    out.push_str(&request.method);
    out.push(' ');
    out.push_str(&request.path);
    if !request.query.is_empty() {
        out.push('?');
        out.push_str(&request.query);
    }
    out.push_str(" HTTP/1.1\r\nHost: ");
    out.push_str(host);
    out.push_str("\r\nUser-Agent: cgaws/");
    out.push_str(crate::VERSION);
    out.push_str("\r\nContent-Length: ");
    out.push_str(&request.body.len().to_string());
    out.push_str("\r\n");
    for (name, value) in headers {
        out.push_str(&name);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out
}

/// Go's `textproto.CanonicalMIMEHeaderKey`: upper-case the first letter and every
/// letter after a dash, lower-case the rest.
pub fn canonical_header_key(name: &str) -> String {
    let mut upper = true;
    name.chars()
        .map(|c| {
            let out = if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
            upper = c == '-';
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_keys() {
        assert_eq!(canonical_header_key("x-amz-security-token"), "X-Amz-Security-Token");
        assert_eq!(canonical_header_key("CHAINGUARD-identity"), "Chainguard-Identity");
    }
}
