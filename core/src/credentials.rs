//! AWS credentials as the signer needs them.

use crate::secret::Secret;
use crate::time::UnixTime;
use core::fmt;

/// An access key pair, with a session token for temporary credentials.
/// `Debug` shows the access key id (not a secret: it appears in every signed
/// request) and redacts the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Option<Secret>,
    expiry: Option<UnixTime>,
}

/// Credentials that cannot sign anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CredentialsError {
    EmptyAccessKeyId,
    EmptySecretAccessKey,
    /// The named field holds a character that cannot go into an HTTP header.
    InvalidCharacter(&'static str),
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CredentialsError::EmptyAccessKeyId => f.write_str("the AWS access key id is empty"),
            CredentialsError::EmptySecretAccessKey => f.write_str("the AWS secret access key is empty"),
            CredentialsError::InvalidCharacter(field) => {
                write!(f, "the AWS {field} contains a control or non-ASCII character")
            }
        }
    }
}

impl std::error::Error for CredentialsError {}

impl Credentials {
    /// Checks that the key pair is usable; an empty session token counts as none.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Result<Self, CredentialsError> {
        let access_key_id = access_key_id.into();
        let secret_access_key = secret_access_key.into();
        if access_key_id.is_empty() {
            return Err(CredentialsError::EmptyAccessKeyId);
        }
        if secret_access_key.is_empty() {
            return Err(CredentialsError::EmptySecretAccessKey);
        }
        let printable = |s: &str| s.bytes().all(|b| b.is_ascii_graphic());
        if !printable(&access_key_id) {
            return Err(CredentialsError::InvalidCharacter("access key id"));
        }
        if !printable(&secret_access_key) {
            return Err(CredentialsError::InvalidCharacter("secret access key"));
        }
        let session_token = session_token.filter(|t| !t.is_empty());
        if session_token.as_deref().is_some_and(|t| !printable(t)) {
            return Err(CredentialsError::InvalidCharacter("session token"));
        }
        Ok(Credentials {
            access_key_id,
            secret_access_key: Secret::new(secret_access_key),
            session_token: session_token.map(Secret::new),
            expiry: None,
        })
    }

    /// The same credentials, known to stop working at `expiry`.
    pub fn with_expiry(mut self, expiry: Option<UnixTime>) -> Self {
        self.expiry = expiry;
        self
    }

    pub fn access_key_id(&self) -> &str {
        &self.access_key_id
    }

    pub fn secret_access_key(&self) -> &Secret {
        &self.secret_access_key
    }

    pub fn session_token(&self) -> Option<&Secret> {
        self.session_token.as_ref()
    }

    pub fn expiry(&self) -> Option<UnixTime> {
        self.expiry
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_unusable_keys() {
        assert_eq!(Credentials::new("", "s", None), Err(CredentialsError::EmptyAccessKeyId));
        assert_eq!(Credentials::new("AKID", "", None), Err(CredentialsError::EmptySecretAccessKey));
        assert_eq!(
            Credentials::new("AKID", "s", Some("a\r\nb".into())),
            Err(CredentialsError::InvalidCharacter("session token"))
        );
        assert!(Credentials::new("AKID", "s", Some(String::new())).unwrap().session_token().is_none());
    }

    #[test]
    fn debug_hides_secrets() {
        let c = Credentials::new("AKIDEXAMPLE", "SECRETVALUE", Some("TOKENVALUE".into())).unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("SECRETVALUE") && !shown.contains("TOKENVALUE"), "{shown}");
    }
}
