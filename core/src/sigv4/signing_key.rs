//! The derived SigV4 signing key, and a small cache of it.
//!
//! Deriving the key costs four HMACs. The key only changes with the secret, the UTC
//! date, the region and the service, so a process that signs repeatedly keeps it.
//! What is cached is the HMAC state already keyed with the signing key, which also
//! skips the key setup of the final HMAC.
//!
//! The cache is the signing state a caller threads through every signing call,
//! so it also carries the caller's choice of SHA-256 implementation ([`Sha256Fn`]).

use super::{software_sha256, Sha256Fn};
use crate::secret::Secret;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub fn derive_signing_key(secret: &str, date_stamp: &str, region: &str, service: &str) -> [u8; 32] {
    let mut k_secret = Vec::with_capacity(4 + secret.len());
    k_secret.extend_from_slice(b"AWS4");
    k_secret.extend_from_slice(secret.as_bytes());
    let k_date = hmac(&k_secret, date_stamp.as_bytes());
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

struct Entry {
    secret: Secret,
    date_stamp: String,
    region: String,
    service: String,
    keyed: HmacSha256,
}

/// Keyed HMAC states for the last few (secret, date, region, service) combinations.
/// Owned by the caller (one per process, thread or client), so the core keeps no
/// global state.
pub struct SigningKeyCache {
    entries: Vec<Entry>,
    sha256: Sha256Fn,
}

/// A handful covers real use: one or two credentials, one or two regions.
const CAPACITY: usize = 4;

impl Default for SigningKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl core::fmt::Debug for SigningKeyCache {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SigningKeyCache({} entries)", self.entries.len())
    }
}

impl SigningKeyCache {
    /// An empty cache; signing hashes with [`software_sha256`].
    pub fn new() -> Self {
        Self::with_sha256(software_sha256)
    }

    /// An empty cache; signing takes the SHA-256 of canonical requests and of
    /// bodies from `sha256`, which must compute SHA-256 (anything else makes
    /// signatures AWS rejects).
    pub fn with_sha256(sha256: Sha256Fn) -> Self {
        SigningKeyCache { entries: Vec::with_capacity(CAPACITY), sha256 }
    }

    /// The SHA-256 of `data`, by the implementation this cache was made with.
    pub(crate) fn sha256(&self, data: &[u8]) -> [u8; 32] {
        (self.sha256)(data)
    }

    /// `HMAC(kSigning, message)`, reusing a cached key when there is one.
    pub(crate) fn sign(
        &mut self,
        secret: &Secret,
        date_stamp: &str,
        region: &str,
        service: &str,
        message: &[u8],
    ) -> [u8; 32] {
        let position = self.entries.iter().position(|e| {
            e.date_stamp == date_stamp && e.region == region && e.service == service && e.secret == *secret
        });
        let index = match position {
            Some(i) => i,
            None => {
                let key = derive_signing_key(secret.expose(), date_stamp, region, service);
                let entry = Entry {
                    secret: secret.clone(),
                    date_stamp: date_stamp.to_string(),
                    region: region.to_string(),
                    service: service.to_string(),
                    keyed: HmacSha256::new_from_slice(&key).expect("HMAC accepts keys of any length"),
                };
                if self.entries.len() == CAPACITY {
                    self.entries.remove(0);
                }
                self.entries.push(entry);
                self.entries.len() - 1
            }
        };
        let mut mac = self.entries[index].keyed.clone();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// AWS's documented example of the key derivation.
    #[test]
    fn derives_documented_key() {
        let key = derive_signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "iam");
        assert_eq!(hex::encode(key), "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
    }

    #[test]
    fn cache_matches_fresh_derivation_and_evicts() {
        let mut cache = SigningKeyCache::new();
        let secret = Secret::new("s");
        for region in ["r1", "r2", "r3", "r4", "r5", "r1"] {
            let cached = cache.sign(&secret, "20260101", region, "sts", b"msg");
            assert_eq!(cached, hmac(&derive_signing_key("s", "20260101", region, "sts"), b"msg"));
        }
        assert_eq!(cache.len(), CAPACITY);
        let other = cache.sign(&Secret::new("t"), "20260101", "r1", "sts", b"msg");
        assert_eq!(other, hmac(&derive_signing_key("t", "20260101", "r1", "sts"), b"msg"));
    }
}
