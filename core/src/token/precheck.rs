//! The relying party's checks 1–7 (PROTOCOL.md §3), everything short of asking
//! STS. On success it returns the request to forward to STS.

use super::authorization::{parse_authorization, AuthorizationHeader};
use super::blob::{AUDIENCE_HEADER, GET_CALLER_IDENTITY_QUERY, IDENTITY_HEADER};
use super::endpoint::GLOBAL_HOST;
use super::wire::{decode_blob, parse_request, WireRequest};
use crate::http::HttpRequest;
use crate::quoted::Quoted;
use crate::sigv4::canonical::push_trimmed_value;
use crate::time::UnixTime;
use core::fmt;

/// What the relying party expects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrecheckOptions {
    /// The identity UIDP the caller asks for.
    pub identity: String,
    /// Audiences this relying party answers to (usually one: its own URL).
    pub audiences: Vec<String>,
    /// STS hosts accepted; `sts.amazonaws.com` unless the verifier opts in to more.
    pub allowed_hosts: Vec<String>,
    pub now: UnixTime,
    /// How far in the future `X-Amz-Date` may be (clock skew).
    pub max_future_skew_secs: i64,
    /// How old a token may be.
    pub max_age_secs: i64,
}

impl PrecheckOptions {
    pub fn new(identity: impl Into<String>, audience: impl Into<String>, now: UnixTime) -> Self {
        PrecheckOptions {
            identity: identity.into(),
            audiences: vec![audience.into()],
            allowed_hosts: vec![GLOBAL_HOST.into()],
            now,
            max_future_skew_secs: 5 * 60,
            max_age_secs: 15 * 60,
        }
    }
}

/// Why a token was refused, one variant per distinct failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrecheckError {
    /// Check 1: not padded base64url, or not one HTTP/1.1 request.
    InvalidEncoding(String),
    /// Check 2: a header that must appear at most once appears more often.
    DuplicateHeader(&'static str),
    /// Check 3.
    MethodNotPost(String),
    /// Check 4: no `Host` header.
    MissingHost,
    /// Check 4: an absolute request target names another host than `Host`.
    HostMismatch {
        request_line: String,
        header: String,
    },
    /// Check 4: a host the verifier does not accept.
    HostNotAllowed {
        host: String,
    },
    /// Check 5: no `Authorization` header.
    MissingAuthorization,
    /// Check 5: an `Authorization` header that is not SigV4.
    MalformedAuthorization(String),
    /// Check 5: binding headers missing from `SignedHeaders`.
    BindingHeadersNotSigned {
        missing: Vec<&'static str>,
    },
    /// Check 6.
    MissingAudience,
    AudienceMismatch {
        found: String,
    },
    /// Check 6.
    MissingIdentity,
    IdentityMismatch {
        found: String,
    },
    /// Check 7.
    MissingDate,
    InvalidDate(String),
    FutureDated {
        date: UnixTime,
        now: UnixTime,
    },
    Expired {
        date: UnixTime,
        now: UnixTime,
    },
}

impl PrecheckError {
    /// The number of the check in PROTOCOL.md §3 that failed.
    pub fn check(&self) -> u8 {
        use PrecheckError::*;
        match self {
            InvalidEncoding(_) => 1,
            DuplicateHeader(_) => 2,
            MethodNotPost(_) => 3,
            MissingHost | HostMismatch { .. } | HostNotAllowed { .. } => 4,
            MissingAuthorization | MalformedAuthorization(_) | BindingHeadersNotSigned { .. } => 5,
            MissingAudience | AudienceMismatch { .. } | MissingIdentity | IdentityMismatch { .. } => 6,
            MissingDate | InvalidDate(_) | FutureDated { .. } | Expired { .. } => 7,
        }
    }

    /// A stable machine-readable name for the failure.
    pub fn code(&self) -> &'static str {
        use PrecheckError::*;
        match self {
            InvalidEncoding(_) => "invalid_encoding",
            DuplicateHeader(_) => "duplicate_header",
            MethodNotPost(_) => "method_not_post",
            MissingHost => "missing_host",
            HostMismatch { .. } => "host_mismatch",
            HostNotAllowed { .. } => "host_not_allowed",
            MissingAuthorization => "missing_authorization",
            MalformedAuthorization(_) => "malformed_authorization",
            BindingHeadersNotSigned { .. } => "binding_headers_not_signed",
            MissingAudience => "missing_audience",
            AudienceMismatch { .. } => "invalid_audience",
            MissingIdentity => "missing_identity",
            IdentityMismatch { .. } => "invalid_identity",
            MissingDate => "missing_date",
            InvalidDate(_) => "invalid_date",
            FutureDated { .. } => "future_dated",
            Expired { .. } => "expired",
        }
    }
}

impl fmt::Display for PrecheckError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use PrecheckError::*;
        match self {
            InvalidEncoding(why) => write!(f, "invalid encoding: {why}"),
            DuplicateHeader(name) => {
                write!(f, "invalid request: header {name} appears more than once")
            }
            MethodNotPost(m) => write!(f, "invalid request: method is {}, expected POST", Quoted(m)),
            MissingHost => f.write_str("invalid request: no Host header"),
            HostMismatch { request_line, header } => {
                write!(
                    f,
                    "invalid request: request line names host {} but Host is {}",
                    Quoted(request_line),
                    Quoted(header)
                )
            }
            HostNotAllowed { host } => {
                write!(f, "invalid request: STS host {} is not accepted here", Quoted(host))
            }
            MissingAuthorization => f.write_str("binding headers not signed: no Authorization header"),
            MalformedAuthorization(why) => write!(f, "binding headers not signed: {why}"),
            BindingHeadersNotSigned { missing } => {
                f.write_str("binding headers not signed: SignedHeaders lacks ")?;
                for (i, name) in missing.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(name)?;
                }
                Ok(())
            }
            MissingAudience => write!(f, "invalid audience: no {AUDIENCE_HEADER} header"),
            AudienceMismatch { found } => write!(f, "invalid audience: token is for {}", Quoted(found)),
            MissingIdentity => write!(f, "invalid identity: no {IDENTITY_HEADER} header"),
            IdentityMismatch { found } => write!(f, "invalid identity: token is for {}", Quoted(found)),
            MissingDate => f.write_str("invalid request: no X-Amz-Date header"),
            InvalidDate(why) => write!(f, "invalid date: {why}"),
            FutureDated { date, now } => {
                write!(f, "future-dated: token is dated {date}, now is {now}")
            }
            Expired { date, now } => write!(f, "expired: token is dated {date}, now is {now} (tokens last 15 minutes)"),
        }
    }
}

impl std::error::Error for PrecheckError {}

/// A token that passed checks 1–7, with the request to forward to STS.
#[derive(Clone, Debug)]
pub struct Prechecked {
    pub host: String,
    pub identity: String,
    pub audience: String,
    pub date: UnixTime,
    pub authorization: AuthorizationHeader,
    /// `POST https://<host>/?Action=GetCallerIdentity&Version=2011-06-15` with the
    /// token's headers (less `Content-Length`, which the driver's client sets).
    pub forward: HttpRequest,
}

const SINGLE_HEADERS: [&str; 4] = ["Authorization", "X-Amz-Date", AUDIENCE_HEADER, IDENTITY_HEADER];
const BINDING_HEADERS: [&str; 4] = ["host", "x-amz-date", "chainguard-audience", "chainguard-identity"];

/// Decodes check 1 only.
pub fn decode(blob: &str) -> Result<WireRequest, PrecheckError> {
    let bytes = decode_blob(blob).map_err(PrecheckError::InvalidEncoding)?;
    parse_request(&bytes).map_err(PrecheckError::InvalidEncoding)
}

/// Runs checks 1–7 in order, failing at the first.
pub fn precheck(blob: &str, options: &PrecheckOptions) -> Result<Prechecked, PrecheckError> {
    let request = decode(blob)?;

    for name in SINGLE_HEADERS {
        if request.values(name).count() > 1 {
            return Err(PrecheckError::DuplicateHeader(name));
        }
    }
    // A second Host would let two readers disagree on the host checked next.
    if request.values("host").count() > 1 {
        return Err(PrecheckError::DuplicateHeader("Host"));
    }

    if request.method != "POST" {
        return Err(PrecheckError::MethodNotPost(request.method.clone()));
    }

    let host = request.first("host").ok_or(PrecheckError::MissingHost)?.to_ascii_lowercase();
    if let Some(line_host) = absolute_target_host(&request.target) {
        if !line_host.eq_ignore_ascii_case(&host) {
            return Err(PrecheckError::HostMismatch { request_line: line_host.to_string(), header: host });
        }
    }
    if !options.allowed_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)) {
        return Err(PrecheckError::HostNotAllowed { host });
    }

    let authorization = request.first("authorization").ok_or(PrecheckError::MissingAuthorization)?;
    let authorization = parse_authorization(authorization).map_err(PrecheckError::MalformedAuthorization)?;
    let missing: Vec<&'static str> =
        BINDING_HEADERS.iter().copied().filter(|b| !authorization.signed_headers.iter().any(|s| s == b)).collect();
    if !missing.is_empty() {
        return Err(PrecheckError::BindingHeadersNotSigned { missing });
    }

    let audience = canonical_value(request.first(AUDIENCE_HEADER).ok_or(PrecheckError::MissingAudience)?);
    if !options.audiences.iter().any(|a| canonical_value(a) == audience) {
        return Err(PrecheckError::AudienceMismatch { found: audience });
    }
    let identity = canonical_value(request.first(IDENTITY_HEADER).ok_or(PrecheckError::MissingIdentity)?);
    if identity != canonical_value(&options.identity) {
        return Err(PrecheckError::IdentityMismatch { found: identity });
    }

    let date_text = request.first("x-amz-date").ok_or(PrecheckError::MissingDate)?;
    let date = UnixTime::parse_amz_date(date_text).map_err(|e| PrecheckError::InvalidDate(e.to_string()))?;
    if date.secs() > options.now.secs().saturating_add(options.max_future_skew_secs) {
        return Err(PrecheckError::FutureDated { date, now: options.now });
    }
    if date.secs() < options.now.secs().saturating_sub(options.max_age_secs) {
        return Err(PrecheckError::Expired { date, now: options.now });
    }

    let forward = HttpRequest {
        method: "POST".into(),
        scheme: "https".into(),
        authority: host.clone(),
        path: "/".into(),
        query: GET_CALLER_IDENTITY_QUERY.into(),
        headers: request.headers.iter().filter(|(n, _)| !n.eq_ignore_ascii_case("content-length")).cloned().collect(),
        body: Vec::new(),
    };
    Ok(Prechecked { host, identity, audience, date, authorization, forward })
}

/// The SigV4 canonical form of a header value: runs of spaces collapsed, trimmed.
fn canonical_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    push_trimmed_value(value, &mut out);
    out
}

/// The host of an absolute-form request target (`https://host/...`), if it is one.
fn absolute_target_host(target: &str) -> Option<&str> {
    let rest = crate::text::split_once(target, "://")?.1;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Some(&rest[..end])
}
