//! The Chainguard AWS token ("blob"): making it, reading it, and the relying
//! party's checks (PROTOCOL.md §2–3).

pub mod authorization;
pub mod blob;
pub mod endpoint;
pub mod inspect;
pub mod precheck;
pub mod wire;

pub use blob::{generate_token, sign_token_request, SignedToken, TokenParams, DEFAULT_AUDIENCE};
pub use endpoint::StsEndpoint;
pub use inspect::{inspect, Inspection};
pub use precheck::{precheck, PrecheckError, PrecheckOptions, Prechecked};

use crate::identity::UidpError;
use crate::quoted::Quoted;
use crate::sigv4::SigningError;
use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    InvalidIdentity(UidpError),
    /// The identity holds a character that cannot go into a header.
    InvalidIdentityValue,
    InvalidAudience(String),
    Signing(SigningError),
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenError::InvalidIdentity(e) => e.fmt(f),
            TokenError::InvalidIdentityValue => f.write_str("invalid identity: it contains CR, LF or NUL"),
            TokenError::InvalidAudience(a) => {
                write!(f, "invalid audience {}: it must be a non-empty URL without CR, LF or NUL", Quoted(a))
            }
            TokenError::Signing(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for TokenError {}
