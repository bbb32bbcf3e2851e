//! The operations behind the exports: each reads its fields (in the order
//! documented on it, which `wasm/js/api.js` follows), converts them into the
//! core's types, calls the core and writes the result as fields.

use crate::convert::{credentials, request_fields, time, whole_secs};
use crate::errors::ErrorInfo;
use crate::fields::{FieldWriter, Fields};
use crate::slots::Slots;
use cgaws_core::exchange::{Exchange, ExchangeParams, ExchangeStep};
use cgaws_core::identity::validate_identity_uidp;
use cgaws_core::sigv4::{self, PayloadHash, SessionTokenMode, SignatureLocation, SigningKeyCache, SigningParams};
use cgaws_core::token::{
    generate_token, inspect as inspect_token, precheck as precheck_token, PrecheckOptions, StsEndpoint, TokenParams,
    DEFAULT_AUDIENCE,
};
use cgaws_core::{Credentials, HttpRequest, HttpResponse, Secret, UnixTime};

/// The instance state an operation may use.
pub struct Context<'a> {
    pub cache: &'a mut SigningKeyCache,
    pub credentials: &'a mut Option<Credentials>,
    pub exchanges: &'a mut Slots<Exchange>,
}

type OpResult = Result<FieldWriter, ErrorInfo>;

/// Presigned URLs last 15 minutes unless told otherwise, as in the AWS SDKs.
const DEFAULT_PRESIGN_EXPIRY: u64 = 900;

/// `sign` flags.
pub const PRESIGN: u32 = 1;
pub const NORMALIZE_PATH: u32 = 2;
pub const UNSIGNED_PAYLOAD: u32 = 4;
pub const CONTENT_SHA256_HEADER: u32 = 8;
pub const SIGN_SESSION_TOKEN: u32 = 16;

fn endpoint(region: Option<&str>) -> Result<StsEndpoint, ErrorInfo> {
    match region {
        Some(region) => StsEndpoint::regional(region, false).map_err(ErrorInfo::from),
        None => Ok(StsEndpoint::global()),
    }
}

/// Fields: access key id, secret access key, session token.
pub fn set_credentials(f: &mut Fields, c: &mut Context) -> OpResult {
    *c.credentials = None;
    *c.credentials = Some(credentials(f)?);
    Ok(FieldWriter::new())
}

/// Fields: identity, audience, STS region, RFC 3339 time. Result: the token.
pub fn token(f: &mut Fields, c: &mut Context, time_secs: f64) -> OpResult {
    let identity = f.required("identity")?;
    let audience = f.str()?.unwrap_or(DEFAULT_AUDIENCE);
    let endpoint = endpoint(f.str()?)?;
    let time = time(f.str()?, time_secs)?;
    let credentials =
        c.credentials.as_ref().ok_or_else(|| ErrorInfo::input("invalid_argument", "no credentials were set"))?;
    let params = TokenParams { identity: identity.into(), audience: audience.into(), endpoint, time };
    let token = generate_token(credentials, &params, c.cache).map_err(ErrorInfo::from)?;
    Ok(FieldWriter::single(token.blob.into_bytes()))
}

/// Fields: access key id, secret access key, session token, method, URL,
/// region, service, RFC 3339 time, payload hash, body, then header name/value
/// pairs. Result: method, URL, signature, signed headers, canonical request,
/// string to sign, then the header pairs to send.
pub fn sign(f: &mut Fields, c: &mut Context, flags: u32, time_secs: f64, expires_in: f64) -> OpResult {
    let credentials = credentials(f)?;
    let presign = flags & PRESIGN != 0;
    let method = f.str()?.unwrap_or(if presign { "GET" } else { "POST" });
    let mut request = HttpRequest::new(method, f.required("url")?).map_err(ErrorInfo::from)?;
    let region = f.required("region")?;
    let service = f.required("service")?;
    let time = time(f.str()?, time_secs)?;
    let payload_hash = f.str()?;
    request.body = f.bytes().unwrap_or_default().to_vec();
    request.headers = f.pairs()?;
    let payload = match (flags & UNSIGNED_PAYLOAD != 0, payload_hash) {
        (true, _) => PayloadHash::Unsigned,
        (false, Some(hash)) => PayloadHash::Precomputed(hash.to_string()),
        (false, None) => PayloadHash::FromBody,
    };
    let location = if presign {
        let expires_in = if expires_in.is_nan() {
            DEFAULT_PRESIGN_EXPIRY
        } else if expires_in.fract() == 0.0 && (0.0..=u32::MAX as f64).contains(&expires_in) {
            expires_in as u64
        } else {
            return Err(ErrorInfo::input("invalid_expiry", "expiresIn must be a whole number of seconds"));
        };
        SignatureLocation::QueryParams { expires_in }
    } else {
        SignatureLocation::Headers
    };
    let settings = sigv4::SigningSettings {
        location,
        normalize_path: flags & NORMALIZE_PATH != 0,
        payload,
        content_sha256_header: !presign && flags & CONTENT_SHA256_HEADER != 0,
        session_token: if flags & SIGN_SESSION_TOKEN != 0 {
            SessionTokenMode::Signed
        } else {
            SessionTokenMode::AppendedAfterSigning
        },
    };
    let params = SigningParams { credentials: &credentials, region, service, time, settings };
    let out = sigv4::sign(&mut request, &params, c.cache).map_err(ErrorInfo::from)?;
    let mut w = FieldWriter::new();
    w.str(&request.method)
        .str(&request.url())
        .str(&out.signature)
        .str(&out.signed_headers)
        .str(&out.canonical_request)
        .str(&out.string_to_sign)
        .pairs(&request.headers);
    Ok(w)
}

/// Field: the token. Result: method, host, path, query, audience, identity,
/// X-Amz-Date, its time in seconds, access key id, credential scope, `1` if
/// there is a session token, signature prefix, signed headers (`;`-joined),
/// then the header pairs (secrets redacted).
pub fn inspect(f: &mut Fields) -> OpResult {
    let i = inspect_token(f.required("token")?).map_err(ErrorInfo::from)?;
    let time = i.amz_date.as_deref().and_then(|d| UnixTime::parse_amz_date(d).ok()).map(|t| t.secs().to_string());
    let mut w = FieldWriter::new();
    w.str(&i.method)
        .opt(i.host.as_deref())
        .str(&i.path)
        .str(&i.query)
        .opt(i.audience.as_deref())
        .opt(i.identity.as_deref())
        .opt(i.amz_date.as_deref())
        .opt(time.as_deref())
        .opt(i.access_key_id.as_deref())
        .opt(i.credential_scope.as_deref())
        .str(if i.has_session_token { "1" } else { "0" })
        .opt(i.signature_prefix.as_deref())
        .joined(&i.signed_headers, b';')
        .pairs(&i.headers);
    Ok(w)
}

/// Fields: token, identity, RFC 3339 time, audiences (a count, then each),
/// allowed hosts (likewise). Result: host, identity, audience, time in seconds,
/// access key id, region, service, signed headers (`;`-joined), then the request
/// to forward to STS: method, URL, body, header pairs.
pub fn precheck(f: &mut Fields, now_secs: f64, max_future_skew_secs: f64, max_age_secs: f64) -> OpResult {
    let token = f.required("token")?;
    let identity = f.required("identity")?;
    let now = time(f.str()?, now_secs)?;
    let mut options = PrecheckOptions::new(identity, DEFAULT_AUDIENCE, now);
    if let Some(audiences) = f.list()? {
        options.audiences = audiences;
    }
    if let Some(hosts) = f.list()? {
        options.allowed_hosts = hosts;
    }
    if let Some(skew) = whole_secs(max_future_skew_secs, "maxFutureSkewSecs")? {
        options.max_future_skew_secs = skew;
    }
    if let Some(age) = whole_secs(max_age_secs, "maxAgeSecs")? {
        options.max_age_secs = age;
    }
    let p = precheck_token(token, &options).map_err(ErrorInfo::from)?;
    let mut w = FieldWriter::new();
    w.str(&p.host)
        .str(&p.identity)
        .str(&p.audience)
        .int(p.date.secs())
        .str(&p.authorization.access_key_id)
        .str(&p.authorization.region)
        .str(&p.authorization.service)
        .joined(&p.authorization.signed_headers, b';');
    request_fields(&mut w, &p.forward);
    Ok(w)
}

/// Fields: identity, issuer, audiences (a count, then each), scopes (likewise),
/// caps (likewise), the bearer token, then access key id, secret access key,
/// session token, STS region and RFC 3339 time. With an access key the bearer
/// is a fresh token for the issuer. Result: the exchange's handle.
pub fn exchange_start(f: &mut Fields, c: &mut Context, time_secs: f64) -> OpResult {
    let mut params = ExchangeParams::new(f.required("identity")?);
    if let Some(issuer) = f.str()? {
        params.issuer = issuer.to_string();
    }
    if let Some(audiences) = f.list()? {
        params.audiences = audiences;
    }
    params.scopes = f.list()?.unwrap_or_default();
    params.caps = f.list()?.unwrap_or_default();
    validate_identity_uidp(&params.identity).map_err(ErrorInfo::from)?;
    let bearer = match f.str()? {
        Some(bearer) => bearer.to_string(),
        None => {
            let credentials = credentials(f)?;
            let token = TokenParams {
                identity: params.identity.clone(),
                // The token is for the issuer it is sent to (the Go SDK's audience).
                audience: params.issuer.trim_end_matches('/').to_string(),
                endpoint: endpoint(f.str()?)?,
                time: time(f.str()?, time_secs)?,
            };
            generate_token(&credentials, &token, c.cache).map_err(ErrorInfo::from)?.blob
        }
    };
    let exchange = Exchange::new(&params, &Secret::new(bearer)).map_err(ErrorInfo::from)?;
    let mut w = FieldWriter::new();
    w.int(c.exchanges.insert(exchange) as i64);
    Ok(w)
}

fn exchange_mut<'c>(c: &'c mut Context, handle: u32) -> Result<&'c mut Exchange, ErrorInfo> {
    c.exchanges.get_mut(handle).ok_or_else(|| ErrorInfo::input("invalid_argument", "no such exchange"))
}

/// Result: method, URL, body, then header pairs.
pub fn exchange_request(c: &mut Context, handle: u32) -> OpResult {
    let mut w = FieldWriter::new();
    request_fields(&mut w, exchange_mut(c, handle)?.request());
    Ok(w)
}

/// Fields: the `Location` header, the body. Result: `done`, the token, its
/// expiry in seconds; or `retry`, the delay in milliseconds.
pub fn exchange_response(f: &mut Fields, c: &mut Context, handle: u32, status: u32, jitter: f64) -> OpResult {
    let location = f.str()?;
    let mut response = HttpResponse::new(status.min(u16::MAX as u32) as u16, f.bytes().unwrap_or_default());
    if let Some(location) = location {
        response.headers.push(("Location".into(), location.into()));
    }
    let mut w = FieldWriter::new();
    match exchange_mut(c, handle)?.on_response(&response, jitter) {
        ExchangeStep::Done(t) => {
            let expiry = t.expiry.map(|e| e.secs().to_string());
            w.str("done").str(t.token.expose()).opt(expiry.as_deref());
        }
        ExchangeStep::Retry { delay_ms } => {
            w.str("retry").int(delay_ms as i64);
        }
        ExchangeStep::Failed(e) => return Err(e.into()),
    }
    Ok(w)
}
