//! Errors for the JavaScript side, as a field list: `kind` picks the `Error`
//! subclass, `code` is stable and machine-readable, `message` is the core's
//! text, then name/value pairs of more properties (numbers as decimal text).

use crate::fields::FieldWriter;
use cgaws_core::exchange::{grpc_code_name, ExchangeError};
use cgaws_core::http::UrlError;
use cgaws_core::identity::UidpError;
use cgaws_core::jwt::JwtError;
use cgaws_core::sigv4::SigningError;
use cgaws_core::time::TimeParseError;
use cgaws_core::token::endpoint::EndpointError;
use cgaws_core::token::{PrecheckError, TokenError};
use cgaws_core::CredentialsError;

#[derive(Debug, Clone, PartialEq)]
pub struct ErrorInfo {
    /// `input`, `credentials`, `exchange` or `precheck`.
    pub kind: &'static str,
    pub code: &'static str,
    pub message: String,
    /// More properties of the error object (`status`, `check`, ...).
    pub extra: Vec<(&'static str, Extra)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Extra {
    Text(Option<String>),
    Number(i64),
}

impl From<&str> for Extra {
    fn from(v: &str) -> Self {
        Extra::Text(Some(v.to_string()))
    }
}

impl From<Option<String>> for Extra {
    fn from(v: Option<String>) -> Self {
        Extra::Text(v)
    }
}

impl From<u16> for Extra {
    fn from(v: u16) -> Self {
        Extra::Number(v.into())
    }
}

impl From<u8> for Extra {
    fn from(v: u8) -> Self {
        Extra::Number(v.into())
    }
}

impl From<i64> for Extra {
    fn from(v: i64) -> Self {
        Extra::Number(v)
    }
}

impl ErrorInfo {
    pub fn new(kind: &'static str, code: &'static str, message: impl Into<String>) -> Self {
        ErrorInfo { kind, code, message: message.into(), extra: Vec::new() }
    }

    pub fn input(code: &'static str, message: &str) -> Self {
        Self::new("input", code, message)
    }

    pub fn with(mut self, key: &'static str, value: impl Into<Extra>) -> Self {
        self.extra.push((key, value.into()));
        self
    }

    /// `kind, code, message`, then `name, value` pairs; a number's name is
    /// prefixed with `#` so that JavaScript makes it a number.
    pub fn write(&self, out: &mut Vec<u8>) {
        let mut w = FieldWriter::new();
        w.str(self.kind).str(self.code).str(&self.message);
        for (name, value) in &self.extra {
            match value {
                Extra::Text(text) => w.str(name).opt(text.as_deref()),
                Extra::Number(n) => w.str(&format!("#{name}")).int(*n),
            };
        }
        w.finish(out);
    }
}

impl From<CredentialsError> for ErrorInfo {
    fn from(e: CredentialsError) -> Self {
        let code = match e {
            CredentialsError::EmptyAccessKeyId => "empty_access_key_id",
            CredentialsError::EmptySecretAccessKey => "empty_secret_access_key",
            CredentialsError::InvalidCharacter(_) => "invalid_character",
        };
        ErrorInfo::new("credentials", code, e.to_string())
    }
}

impl From<UidpError> for ErrorInfo {
    fn from(e: UidpError) -> Self {
        ErrorInfo::new("input", "invalid_identity", e.to_string())
    }
}

impl From<TokenError> for ErrorInfo {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::InvalidIdentity(e) => e.into(),
            TokenError::InvalidIdentityValue => ErrorInfo::new("input", "invalid_identity", e.to_string()),
            TokenError::InvalidAudience(_) => ErrorInfo::new("input", "invalid_audience", e.to_string()),
            TokenError::Signing(e) => e.into(),
        }
    }
}

impl From<SigningError> for ErrorInfo {
    fn from(e: SigningError) -> Self {
        let code = match e {
            SigningError::InvalidHeaderValue { .. } => "invalid_header_value",
            SigningError::InvalidHeaderName { .. } => "invalid_header_name",
            SigningError::EmptyRegion => "empty_region",
            SigningError::EmptyService => "empty_service",
            SigningError::MissingHost => "missing_host",
            SigningError::InvalidExpiry(_) => "invalid_expiry",
        };
        ErrorInfo::new("input", code, e.to_string())
    }
}

impl From<EndpointError> for ErrorInfo {
    fn from(e: EndpointError) -> Self {
        let code = match e {
            EndpointError::InvalidRegion(_) => "invalid_region",
            EndpointError::NoFipsEndpoint(_) => "no_fips_endpoint",
        };
        ErrorInfo::new("input", code, e.to_string())
    }
}

impl From<TimeParseError> for ErrorInfo {
    fn from(e: TimeParseError) -> Self {
        ErrorInfo::new("input", "invalid_time", e.to_string())
    }
}

impl From<UrlError> for ErrorInfo {
    fn from(e: UrlError) -> Self {
        ErrorInfo::new("input", "invalid_url", e.to_string())
    }
}

impl From<JwtError> for ErrorInfo {
    fn from(e: JwtError) -> Self {
        ErrorInfo::new("input", "invalid_jwt", e.to_string())
    }
}

impl From<ExchangeError> for ErrorInfo {
    fn from(e: ExchangeError) -> Self {
        let message = e.to_string();
        match &e {
            ExchangeError::InvalidIssuer(_) => ErrorInfo::new("input", "invalid_issuer", message),
            ExchangeError::InvalidIdentity(_) => ErrorInfo::new("input", "invalid_identity", message),
            ExchangeError::InvalidParameter(_) => ErrorInfo::new("input", "invalid_parameter", message),
            ExchangeError::Redirected { status, location } => ErrorInfo::new("exchange", "redirected", message)
                .with("status", *status)
                .with("location", location.clone()),
            ExchangeError::Rejected { status, code, .. } => {
                let name = if e.is_permission_denied() { "permission_denied" } else { "rejected" };
                let mut info = ErrorInfo::new("exchange", name, message).with("status", *status);
                if let Some(code) = code {
                    info = info.with("grpcCode", *code).with("grpcStatus", grpc_code_name(*code));
                }
                info
            }
            ExchangeError::MalformedResponse(_) => ErrorInfo::new("exchange", "malformed_response", message),
            ExchangeError::ResponseTooLarge => ErrorInfo::new("exchange", "response_too_large", message),
        }
    }
}

impl From<PrecheckError> for ErrorInfo {
    fn from(e: PrecheckError) -> Self {
        ErrorInfo::new("precheck", e.code(), e.to_string()).with("check", e.check())
    }
}
