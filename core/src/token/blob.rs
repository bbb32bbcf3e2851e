//! Making the token blob (PROTOCOL.md §2): a signed STS `GetCallerIdentity`
//! request, written as HTTP/1.1 text the way Go's `http.Request.Write` does,
//! then base64url-encoded with padding.

use super::endpoint::StsEndpoint;
use super::TokenError;
use crate::credentials::Credentials;
use crate::http::HttpRequest;
use crate::identity::validate_identity_uidp;
use crate::sigv4::canonical::push_trimmed_value;
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
///
/// This is the hot path, so it writes the canonical request and the wire text
/// directly instead of building an [`HttpRequest`], signing it with
/// [`sigv4::sign`] and serializing it: the result is byte for byte what
/// [`sign_token_request`] and [`serialize_request`] make (the tests hold it to
/// that), with a handful of allocations instead of forty.
pub fn generate_token_unchecked_identity(
    credentials: &Credentials,
    params: &TokenParams,
    cache: &mut SigningKeyCache,
) -> Result<SignedToken, TokenError> {
    // The checks of `sign_token_request` and `sigv4::sign`, in their order.
    check_audience_and_identity(params)?;
    let (host, region) = (&params.endpoint.host, &params.endpoint.region);
    if region.is_empty() {
        return Err(TokenError::Signing(sigv4::SigningError::EmptyRegion));
    }
    if !sigv4::is_valid_header_value(host) {
        return Err(TokenError::Signing(sigv4::SigningError::InvalidHeaderValue { name: "Host".into() }));
    }

    let date = sigv4::date::amz_date(params.time);
    let amz_date = date.as_str();
    let token = credentials.session_token().map(|t| t.expose());
    let signed_headers = match token {
        Some(_) => "accept;chainguard-audience;chainguard-identity;host;x-amz-date;x-amz-security-token",
        None => "accept;chainguard-audience;chainguard-identity;host;x-amz-date",
    };
    let (audience, identity) = (params.audience.as_str(), params.identity.as_str());
    let token_len = token.map_or(0, str::len);
    let mut cr = String::with_capacity(320 + audience.len() + identity.len() + host.len() + token_len);
    for part in ["POST\n/\n", GET_CALLER_IDENTITY_QUERY, "\naccept:application/json\nchainguard-audience:"] {
        cr.push_str(part);
    }
    push_trimmed_value(audience, &mut cr);
    cr.push_str("\nchainguard-identity:");
    push_trimmed_value(identity, &mut cr);
    cr.push_str("\nhost:");
    push_trimmed_value(host, &mut cr);
    cr.push_str("\nx-amz-date:");
    cr.push_str(amz_date);
    if let Some(token) = token {
        cr.push_str("\nx-amz-security-token:");
        push_trimmed_value(token, &mut cr);
    }
    for part in ["\n\n", signed_headers, "\n", sigv4::EMPTY_PAYLOAD_SHA256] {
        cr.push_str(part);
    }

    let mut scope = String::with_capacity(region.len() + 24);
    for part in [date.date_stamp(), "/", region, "/sts/aws4_request"] {
        scope.push_str(part);
    }
    let signing_params =
        SigningParams { credentials, region, service: "sts", time: params.time, settings: SigningSettings::default() };
    let signing = sigv4::finish(&signing_params, cache, amz_date, &scope, cr, signed_headers.to_string());

    let mut wire = String::with_capacity(
        400 + 2 * scope.len() + audience.len() + identity.len() + host.len() + signed_headers.len() + token_len,
    );
    for part in [
        "POST /?",
        GET_CALLER_IDENTITY_QUERY,
        " HTTP/1.1\r\nHost: ",
        host,
        "\r\nUser-Agent: cgaws/",
        crate::VERSION,
        "\r\nContent-Length: 0\r\nAccept: application/json\r\nAuthorization: ",
        sigv4::ALGORITHM,
        " Credential=",
        credentials.access_key_id(),
        "/",
        &scope,
        ", SignedHeaders=",
        signed_headers,
        ", Signature=",
        &signing.signature,
        "\r\nChainguard-Audience: ",
        audience,
        "\r\nChainguard-Identity: ",
        identity,
        "\r\nX-Amz-Date: ",
        amz_date,
    ] {
        wire.push_str(part);
    }
    if let Some(token) = token {
        wire.push_str("\r\nX-Amz-Security-Token: ");
        wire.push_str(token);
    }
    wire.push_str("\r\n\r\n");
    Ok(SignedToken { blob: encode_blob(wire.as_bytes()), signing })
}

fn check_audience_and_identity(params: &TokenParams) -> Result<(), TokenError> {
    if params.audience.is_empty() || !sigv4::is_valid_header_value(&params.audience) {
        return Err(TokenError::InvalidAudience(params.audience.clone()));
    }
    if !sigv4::is_valid_header_value(&params.identity) {
        return Err(TokenError::InvalidIdentityValue);
    }
    Ok(())
}

/// Padded base64url, written into a buffer of the exact size.
fn encode_blob(wire: &[u8]) -> String {
    let engine = &base64::engine::general_purpose::URL_SAFE;
    let mut out = vec![0u8; wire.len().div_ceil(3) * 4];
    let written = engine.encode_slice(wire, &mut out).unwrap_or(0);
    out.truncate(written);
    // base64url is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// The signed `GetCallerIdentity` request a token carries.
pub fn sign_token_request(
    credentials: &Credentials,
    params: &TokenParams,
    cache: &mut SigningKeyCache,
) -> Result<(HttpRequest, SigningOutput), TokenError> {
    check_audience_and_identity(params)?;
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
    let mut order: Vec<usize> = (0..request.headers.len())
        .filter(|&i| {
            let n = &request.headers[i].0;
            !n.eq_ignore_ascii_case("host")
                && !n.eq_ignore_ascii_case("user-agent")
                && !n.eq_ignore_ascii_case("content-length")
        })
        .collect();
    // Stable, like Go's sort of the header map's keys (values of one key keep their order).
    let by_key = |a: &usize, b: &usize| cmp_canonical_keys(&request.headers[*a].0, &request.headers[*b].0);
    if !order.is_sorted_by(|a, b| by_key(a, b).is_le()) {
        order.sort_by(by_key);
    }
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
    push_decimal(request.body.len(), &mut out);
    out.push_str("\r\n");
    for i in order {
        let (name, value) = &request.headers[i];
        push_canonical_header_key(name, &mut out);
        out.push_str(": ");
        out.push_str(value);
        out.push_str("\r\n");
    }
    out.push_str("\r\n");
    out
}

fn push_decimal(mut n: usize, out: &mut String) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(core::str::from_utf8(&digits[at..]).unwrap_or_default());
}

/// The bytes of Go's canonical form of a header name (see [`canonical_header_key`]).
fn canonical_key_bytes(name: &str) -> impl Iterator<Item = u8> + '_ {
    let mut upper = true;
    name.bytes().map(move |c| {
        let out = if upper { c.to_ascii_uppercase() } else { c.to_ascii_lowercase() };
        upper = c == b'-';
        out
    })
}

fn cmp_canonical_keys(a: &str, b: &str) -> core::cmp::Ordering {
    canonical_key_bytes(a).cmp(canonical_key_bytes(b))
}

fn push_canonical_header_key(name: &str, out: &mut String) {
    let start = out.len();
    out.push_str(name);
    out[start..].make_ascii_lowercase();
    let mut after_dash = true;
    for (i, b) in name.bytes().enumerate() {
        if after_dash && b.is_ascii() {
            // One ASCII byte is a whole character: the range is on char boundaries.
            out[start + i..start + i + 1].make_ascii_uppercase();
        }
        after_dash = b == b'-';
    }
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
        for name in ["x-amz-security-token", "CHAINGUARD-identity", "a--b", "-x", "x-", "é-a", "a-é-b", ""] {
            let mut pushed = String::from(">");
            push_canonical_header_key(name, &mut pushed);
            assert_eq!(pushed, format!(">{}", canonical_header_key(name)), "{name:?}");
            let bytes: Vec<u8> = canonical_key_bytes(name).collect();
            assert_eq!(bytes, canonical_header_key(name).into_bytes(), "{name:?}");
        }
        let mut s = String::new();
        for n in [0, 7, 10, 1659, usize::MAX] {
            s.clear();
            push_decimal(n, &mut s);
            assert_eq!(s, n.to_string());
        }
    }
}
