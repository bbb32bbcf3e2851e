//! AWS Signature Version 4, general purpose: `Authorization`-header signing and
//! presigned URLs. Vocabulary follows the `aws-sigv4` crate: a request is signed
//! with [`SigningParams`] (credentials, region, service, time, [`SigningSettings`])
//! and the result is written into the request, with the intermediate texts
//! returned in a [`SigningOutput`] for tests and `--verbose`.

pub mod canonical;
pub(crate) mod date;
pub mod encoding;
pub mod raw_request;
mod signing_key;

pub use signing_key::{derive_signing_key, SigningKeyCache};

use crate::credentials::Credentials;
use crate::http::HttpRequest;
use crate::quoted::Quoted;
use crate::time::UnixTime;
use canonical::{canonical_query, canonical_uri, write_canonical_headers};
use core::fmt;
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
pub const EMPTY_PAYLOAD_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
pub const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";

/// A SHA-256 implementation: the digest of `data`.
///
/// Signing takes its SHA-256 of the canonical request (and of a body it hashes)
/// from the one in the caller's [`SigningKeyCache`] (see
/// [`SigningKeyCache::with_sha256`]); the default is [`software_sha256`]. A
/// frontend whose platform hashes faster than this crate's build can supply its
/// own: the npm package does in Node, where node:crypto uses the CPU's SHA
/// instructions and wasm cannot (the canonical request of a token is ~1.4 KB and
/// was most of its cost). The HMACs, over short strings, always stay here.
pub type Sha256Fn = fn(data: &[u8]) -> [u8; 32];

/// SHA-256 in software (the `sha2` crate; on x86-64 and aarch64 it uses the
/// CPU's SHA instructions when present): the default [`Sha256Fn`].
pub fn software_sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Where the signature goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureLocation {
    /// An `Authorization` header (with `X-Amz-Date` and friends as headers).
    Headers,
    /// `X-Amz-*` query parameters: a presigned URL valid for `expires_in` seconds.
    QueryParams { expires_in: u64 },
}

/// What the canonical request names as the payload hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PayloadHash {
    /// SHA-256 of the request body.
    FromBody,
    /// A hash the caller already has (hex), e.g. of a streamed body.
    Precomputed(String),
    /// The literal `UNSIGNED-PAYLOAD`.
    Unsigned,
}

/// What to do with a session token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SessionTokenMode {
    /// Add it before signing, so it is signed (the default, and what STS expects).
    Signed,
    /// Add it after signing, outside the signature (some services want this).
    AppendedAfterSigning,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningSettings {
    pub location: SignatureLocation,
    /// Resolve `.`/`..` and repeated `/` in the path before encoding it (off for S3).
    pub normalize_path: bool,
    pub payload: PayloadHash,
    /// Also send and sign `x-amz-content-sha256` (header signing only).
    pub content_sha256_header: bool,
    pub session_token: SessionTokenMode,
}

impl Default for SigningSettings {
    fn default() -> Self {
        SigningSettings {
            location: SignatureLocation::Headers,
            normalize_path: true,
            payload: PayloadHash::FromBody,
            content_sha256_header: false,
            session_token: SessionTokenMode::Signed,
        }
    }
}

pub struct SigningParams<'a> {
    pub credentials: &'a Credentials,
    pub region: &'a str,
    pub service: &'a str,
    pub time: UnixTime,
    pub settings: SigningSettings,
}

/// The texts behind a signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigningOutput {
    pub canonical_request: String,
    pub string_to_sign: String,
    /// Hex HMAC-SHA256 of the string to sign.
    pub signature: String,
    /// `host;x-amz-date;...`
    pub signed_headers: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SigningError {
    /// A header value holds CR, LF or NUL, which would split or truncate the request.
    InvalidHeaderValue {
        name: String,
    },
    InvalidHeaderName {
        name: String,
    },
    EmptyRegion,
    EmptyService,
    /// No `Host` header and no authority to take it from.
    MissingHost,
    /// Presigned URLs may last 1 second to 7 days.
    InvalidExpiry(u64),
}

impl fmt::Display for SigningError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SigningError::InvalidHeaderValue { name } => {
                write!(f, "header {} has a CR, LF or NUL in its value", Quoted(name))
            }
            SigningError::InvalidHeaderName { name } => write!(f, "invalid header name {}", Quoted(name)),
            SigningError::EmptyRegion => f.write_str("the signing region is empty"),
            SigningError::EmptyService => f.write_str("the signing service is empty"),
            SigningError::MissingHost => f.write_str("the request has no Host header and no host in its URL"),
            SigningError::InvalidExpiry(s) => {
                write!(f, "presigned URL expiry {s}s is outside 1..=604800")
            }
        }
    }
}

impl std::error::Error for SigningError {}

const MAX_PRESIGN_EXPIRY: u64 = 7 * 24 * 3600;

/// A header name is an RFC 9110 token.
pub fn is_valid_header_name(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value must not be able to end the header or the request early.
pub fn is_valid_header_value(value: &str) -> bool {
    // A fold without early exit vectorizes; session tokens make this 1 KB or more.
    !value.bytes().fold(false, |bad, b| bad | (b == b'\r') | (b == b'\n') | (b == 0))
}

/// Signs `request` in place: adds `X-Amz-Date`, the session token, optionally
/// `x-amz-content-sha256`, and `Authorization` (or the `X-Amz-*` query parameters).
/// Any earlier signature on the request is replaced.
pub fn sign(
    request: &mut HttpRequest,
    params: &SigningParams<'_>,
    cache: &mut SigningKeyCache,
) -> Result<SigningOutput, SigningError> {
    validate(request, params)?;
    let settings = &params.settings;
    let amz_date = date::amz_date(params.time);
    let (date_stamp, amz_date) = (amz_date.date_stamp(), amz_date.as_str());
    let mut scope = String::with_capacity(date_stamp.len() + params.region.len() + params.service.len() + 16);
    for part in [date_stamp, "/", params.region, "/", params.service, "/aws4_request"] {
        scope.push_str(part);
    }
    let token = params.credentials.session_token().map(|t| t.expose());
    let token_signed = settings.session_token == SessionTokenMode::Signed;
    let payload_hash = match &settings.payload {
        PayloadHash::FromBody if request.body.is_empty() => EMPTY_PAYLOAD_SHA256.to_string(),
        PayloadHash::FromBody => {
            let mut hash = String::with_capacity(64);
            encoding::push_hex32(&cache.sha256(&request.body), &mut hash);
            hash
        }
        PayloadHash::Precomputed(hash) => hash.clone(),
        PayloadHash::Unsigned => UNSIGNED_PAYLOAD.to_string(),
    };

    request.headers.retain(|(n, _)| {
        !["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"]
            .iter()
            .any(|r| n.eq_ignore_ascii_case(r))
    });
    if request.header("host").is_none() {
        let host = default_host_header(request);
        request.headers.insert(0, ("Host".to_string(), host));
    }

    match settings.location {
        SignatureLocation::Headers => {
            if let (Some(token), true) = (token, token_signed) {
                request.headers.push(("X-Amz-Security-Token".into(), token.into()));
            }
            request.headers.push(("X-Amz-Date".into(), amz_date.into()));
            if settings.content_sha256_header {
                request.headers.push(("x-amz-content-sha256".into(), payload_hash.clone()));
            }
            let mut cr = canonical_request_start(request, &request.query, &[], settings.normalize_path);
            let mut signed_headers = String::with_capacity(128);
            write_canonical_headers(&request.headers, &mut cr, &mut signed_headers);
            finish_canonical_request(&mut cr, &signed_headers, &payload_hash);
            let output = finish(params, cache, amz_date, &scope, cr, signed_headers);
            let akid = params.credentials.access_key_id();
            let mut authorization =
                String::with_capacity(ALGORITHM.len() + akid.len() + scope.len() + output.signed_headers.len() + 128);
            for part in [
                ALGORITHM,
                " Credential=",
                akid,
                "/",
                &scope,
                ", SignedHeaders=",
                &output.signed_headers,
                ", Signature=",
                &output.signature,
            ] {
                authorization.push_str(part);
            }
            request.headers.push(("Authorization".into(), authorization));
            if let (Some(token), false) = (token, token_signed) {
                request.headers.push(("X-Amz-Security-Token".into(), token.into()));
            }
            Ok(output)
        }
        SignatureLocation::QueryParams { expires_in } => {
            let mut header_lines = String::with_capacity(256);
            let mut signed_headers = String::with_capacity(128);
            write_canonical_headers(&request.headers, &mut header_lines, &mut signed_headers);
            let credential = format!("{}/{scope}", params.credentials.access_key_id());
            let expires = expires_in.to_string();
            let mut added: Vec<(&str, &str)> = vec![
                ("X-Amz-Algorithm", ALGORITHM),
                ("X-Amz-Credential", &credential),
                ("X-Amz-Date", amz_date),
                ("X-Amz-SignedHeaders", &signed_headers),
                ("X-Amz-Expires", &expires),
            ];
            if let (Some(token), true) = (token, token_signed) {
                added.push(("X-Amz-Security-Token", token));
            }
            let mut cr = canonical_request_start(request, &request.query, &added, settings.normalize_path);
            cr.push_str(&header_lines);
            finish_canonical_request(&mut cr, &signed_headers, &payload_hash);
            let mut query = request.query.clone();
            append_query(&mut query, &added);
            let output = finish(params, cache, amz_date, &scope, cr, signed_headers.clone());
            append_query(&mut query, &[("X-Amz-Signature", &output.signature)]);
            if let (Some(token), false) = (token, token_signed) {
                append_query(&mut query, &[("X-Amz-Security-Token", token)]);
            }
            request.query = query;
            Ok(output)
        }
    }
}

fn validate(request: &HttpRequest, params: &SigningParams<'_>) -> Result<(), SigningError> {
    if params.region.is_empty() {
        return Err(SigningError::EmptyRegion);
    }
    if params.service.is_empty() {
        return Err(SigningError::EmptyService);
    }
    if let SignatureLocation::QueryParams { expires_in } = params.settings.location {
        if !(1..=MAX_PRESIGN_EXPIRY).contains(&expires_in) {
            return Err(SigningError::InvalidExpiry(expires_in));
        }
    }
    for (name, value) in &request.headers {
        if !is_valid_header_name(name) {
            return Err(SigningError::InvalidHeaderName { name: name.clone() });
        }
        if !is_valid_header_value(value) {
            return Err(SigningError::InvalidHeaderValue { name: name.clone() });
        }
    }
    if request.header("host").is_none() && request.authority.is_empty() {
        return Err(SigningError::MissingHost);
    }
    Ok(())
}

/// The authority without the scheme's default port, as HTTP clients send it.
fn default_host_header(request: &HttpRequest) -> String {
    let default_port = if request.scheme == "http" { ":80" } else { ":443" };
    request.authority.strip_suffix(default_port).unwrap_or(&request.authority).to_string()
}

/// The canonical request up to its headers: method, URI and query lines.
fn canonical_request_start(
    request: &HttpRequest,
    query: &str,
    extra_query: &[(&str, &str)],
    normalize_path: bool,
) -> String {
    let headers_len: usize = request.headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum();
    let extra_len: usize = extra_query.iter().map(|(k, v)| k.len() + 3 * v.len() + 2).sum();
    let mut cr = String::with_capacity(
        request.method.len() + 3 * request.path.len() + 2 * query.len() + extra_len + 2 * headers_len + 160,
    );
    cr.push_str(&request.method);
    cr.push('\n');
    canonical_uri(&request.path, normalize_path, &mut cr);
    cr.push('\n');
    canonical_query(query, extra_query, &mut cr);
    cr.push('\n');
    cr
}

/// The rest after the header lines: an empty line, the signed headers, the payload hash.
fn finish_canonical_request(cr: &mut String, signed_headers: &str, payload_hash: &str) {
    cr.push('\n');
    cr.push_str(signed_headers);
    cr.push('\n');
    cr.push_str(payload_hash);
}

pub(crate) fn finish(
    params: &SigningParams<'_>,
    cache: &mut SigningKeyCache,
    amz_date: &str,
    scope: &str,
    canonical_request: String,
    signed_headers: String,
) -> SigningOutput {
    let mut string_to_sign = String::with_capacity(ALGORITHM.len() + amz_date.len() + scope.len() + 67);
    string_to_sign.push_str(ALGORITHM);
    string_to_sign.push('\n');
    string_to_sign.push_str(amz_date);
    string_to_sign.push('\n');
    string_to_sign.push_str(scope);
    string_to_sign.push('\n');
    encoding::push_hex32(&cache.sha256(canonical_request.as_bytes()), &mut string_to_sign);
    let mac = cache.sign(
        params.credentials.secret_access_key(),
        amz_date.get(..8).unwrap_or_default(),
        params.region,
        params.service,
        string_to_sign.as_bytes(),
    );
    let mut signature = String::with_capacity(64);
    encoding::push_hex32(&mac, &mut signature);
    SigningOutput { canonical_request, string_to_sign, signature, signed_headers }
}

fn append_query(query: &mut String, params: &[(&str, &str)]) {
    for (key, value) in params {
        if !query.is_empty() {
            query.push('&');
        }
        encoding::percent_encode_into(key.as_bytes(), query);
        query.push('=');
        encoding::percent_encode_into(value.as_bytes(), query);
    }
}
