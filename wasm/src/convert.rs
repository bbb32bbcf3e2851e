//! Conversions the builds share: times, whole seconds, requests as fields, credentials.

use crate::errors::ErrorInfo;
use crate::fields::FieldWriter;
#[cfg(any(feature = "token", feature = "oidc"))]
use crate::fields::Fields;
#[cfg(any(feature = "token", feature = "oidc"))]
use cgaws_core::Credentials;
use cgaws_core::{HttpRequest, UnixTime};

/// A time from RFC 3339 text, else from seconds since the epoch (whole
/// seconds toward the past).
pub fn time(text: Option<&str>, secs: f64) -> Result<UnixTime, ErrorInfo> {
    if let Some(text) = text {
        return UnixTime::parse_rfc3339(text).map_err(ErrorInfo::from);
    }
    // Years 0000 to 9999, the range every text form here can write.
    if !secs.is_finite() || !(-62_167_219_200.0..253_402_300_800.0).contains(&secs) {
        return Err(ErrorInfo::input("invalid_time", "the time is not a valid date between years 0 and 9999"));
    }
    Ok(UnixTime::from_secs(secs.floor() as i64))
}

/// A number of seconds given from JavaScript (NaN: not given).
pub fn whole_secs(value: f64, name: &str) -> Result<Option<i64>, ErrorInfo> {
    if value.is_nan() {
        return Ok(None);
    }
    if value.fract() != 0.0 || value.abs() > 1e15 {
        return Err(ErrorInfo::input("invalid_argument", &format!("{name} must be a whole number of seconds")));
    }
    Ok(Some(value as i64))
}

/// A request to send: method, URL, body, then header pairs.
pub fn request_fields(w: &mut FieldWriter, request: &HttpRequest) {
    w.str(&request.method).str(&request.url()).bytes(&request.body).pairs(&request.headers);
}

/// Three fields: access key id, secret access key, session token.
#[cfg(any(feature = "token", feature = "oidc"))]
pub fn credentials(f: &mut Fields) -> Result<Credentials, ErrorInfo> {
    let key = f.str()?.unwrap_or_default();
    let secret = f.str()?.unwrap_or_default();
    let session = f.str()?.map(str::to_string);
    Credentials::new(key, secret, session).map_err(ErrorInfo::from)
}
