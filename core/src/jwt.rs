//! Reading the claims of a JWT without verifying it: for a client that wants to
//! know when its own token expires or what an AWS-minted token names. Never use
//! this to decide whether to trust a token.

use crate::base64url::{self, Padding};
use crate::json::{self, Value};
use core::fmt;

#[derive(Clone, Debug, PartialEq)]
pub struct JwtClaims {
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub audiences: Vec<String>,
    pub expires_at: Option<i64>,
    pub issued_at: Option<i64>,
    /// The whole claim set, for claims not named above.
    pub all: Value,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JwtError(pub String);

impl fmt::Display for JwtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a readable JWT: {}", self.0)
    }
}

impl std::error::Error for JwtError {}

/// The header's `alg` and the claims of a compact JWS (`header.payload.signature`).
pub fn read_claims(token: &str) -> Result<JwtClaims, JwtError> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwtError("expected three dot-separated parts".into()));
    };
    let bytes = base64url::decode(payload, Padding::Optional)
        .map_err(|e| JwtError(format!("payload is not base64url: {e}")))?;
    let all = json::parse(&bytes).map_err(|e| JwtError(format!("payload is not JSON: {e}")))?;
    if !all.is_object() {
        return Err(JwtError("payload is not a JSON object".into()));
    }
    let string = |key: &str| all.get(key).and_then(Value::as_str).map(str::to_string);
    // NumericDate may have a fraction (RFC 7519 §2): its whole seconds.
    let number = |key: &str| all.get(key).and_then(Value::as_number).and_then(json::Number::as_i64_truncated);
    let audiences = match all.get("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        _ => Vec::new(),
    };
    Ok(JwtClaims {
        issuer: string("iss"),
        subject: string("sub"),
        audiences,
        expires_at: number("exp"),
        issued_at: number("iat"),
        all,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        use base64::Engine;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", e.encode(r#"{"alg":"RS256"}"#), e.encode(payload))
    }

    #[test]
    fn reads_claims() {
        let c =
            read_claims(&jwt(r#"{"iss":"https://i","sub":"s","aud":["a","b"],"exp":1700000000,"iat":1.7e9}"#)).unwrap();
        assert_eq!(c.issuer.as_deref(), Some("https://i"));
        assert_eq!(c.audiences, ["a", "b"]);
        assert_eq!((c.expires_at, c.issued_at), (Some(1_700_000_000), Some(1_700_000_000)));
        assert_eq!(read_claims(&jwt(r#"{"aud":"x"}"#)).unwrap().audiences, ["x"]);
        // NumericDate with a fraction: whole seconds; out of range or not a number: absent.
        let c = read_claims(&jwt(r#"{"exp":1700000000.9,"iat":1e30,"nbf":1,"iss":7,"aud":["a",1]}"#)).unwrap();
        assert_eq!(
            (c.expires_at, c.issued_at, c.issuer, c.audiences),
            (Some(1_700_000_000), None, None, vec!["a".into()])
        );
        assert_eq!(c.all.get("nbf").and_then(crate::json::Value::as_i64), Some(1));
    }

    #[test]
    fn refuses_garbage() {
        assert!(read_claims("a.b").is_err());
        assert!(read_claims("a.b.c.d").is_err());
        assert!(read_claims(&jwt("[1]")).is_err());
        assert_eq!(
            read_claims(&jwt(r#"{"exp":1,}"#)).unwrap_err().to_string(),
            "not a readable JWT: payload is not JSON: expected a string key in an object at byte 9"
        );
        assert!(read_claims("x.!!!.y").is_err());
    }
}
