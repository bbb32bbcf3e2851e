//! cgaws-core: the sans-I/O heart of cgaws.
//!
//! Nothing here touches a file, socket, environment variable, clock or random
//! source. Callers pass credentials, the time and any file contents or HTTP
//! responses in; the core returns values, and HTTP requests for the caller to send.
#![forbid(unsafe_code)]

pub mod base64url;
pub mod credentials;
pub mod exchange;
pub mod http;
pub mod identity;
pub mod json;
pub mod jwt;
pub mod provider;
pub mod quoted;
#[cfg(feature = "rules")]
pub mod rules;
pub mod secret;
pub mod sigv4;
pub mod sts;
pub mod text;
pub mod time;
pub mod token;
pub mod verify;

pub use credentials::{Credentials, CredentialsError};
pub use http::{HttpRequest, HttpResponse};
pub use secret::Secret;
pub use time::UnixTime;

/// The version written into `User-Agent: cgaws/<version>`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
