//! A SHA-256 supplied through `SigningKeyCache::with_sha256` (`sigv4::Sha256Fn`):
//! signing really takes its digests from it, for the canonical request and a
//! body, and with a correct one everything is byte-identical to the default.

mod token_support;

use cgaws_core::sigv4::{self, software_sha256, SigningKeyCache, SigningParams, SigningSettings};
use cgaws_core::token::{generate_token, TokenParams};
use cgaws_core::{HttpRequest, UnixTime};
use std::sync::Mutex;
use token_support::*;

/// Everything the recording digest was asked to hash (a fn pointer cannot
/// capture, hence a static; each test clears it under `SERIAL`).
static HASHED: Mutex<Vec<Vec<u8>>> = Mutex::new(Vec::new());
static SERIAL: Mutex<()> = Mutex::new(());

fn recording_sha256(data: &[u8]) -> [u8; 32] {
    HASHED.lock().unwrap().push(data.to_vec());
    software_sha256(data)
}

fn zeros(_: &[u8]) -> [u8; 32] {
    [0; 32]
}

fn token_params() -> TokenParams {
    TokenParams { audience: AUDIENCE.into(), ..TokenParams::new(IDENTITY, UnixTime::from_secs(T0)) }
}

#[test]
fn token_takes_the_canonical_request_digest_from_the_supplied_sha256() {
    let _serial = SERIAL.lock().unwrap();
    HASHED.lock().unwrap().clear();
    let credentials = credentials();
    let default = generate_token(&credentials, &token_params(), &mut SigningKeyCache::new()).unwrap();
    assert!(HASHED.lock().unwrap().is_empty());

    let mut cache = SigningKeyCache::with_sha256(recording_sha256);
    for _ in 0..2 {
        let supplied = generate_token(&credentials, &token_params(), &mut cache).unwrap();
        assert_eq!(supplied.blob, default.blob);
        assert_eq!(supplied.signing, default.signing);
    }
    // Once per token, and what it hashed is the canonical request.
    let hashed = HASHED.lock().unwrap().clone();
    assert_eq!(hashed, vec![default.signing.canonical_request.as_bytes().to_vec(); 2]);

    // A wrong digest shows up in the string to sign and the signature.
    let wrong = generate_token(&credentials, &token_params(), &mut SigningKeyCache::with_sha256(zeros)).unwrap();
    assert!(wrong.signing.string_to_sign.ends_with(&"0".repeat(64)));
    assert_ne!(wrong.signing.signature, default.signing.signature);
    assert_ne!(wrong.blob, default.blob);
}

#[test]
fn sign_takes_the_body_and_canonical_request_digests_from_the_supplied_sha256() {
    let _serial = SERIAL.lock().unwrap();
    HASHED.lock().unwrap().clear();
    let credentials = credentials();
    let request = || {
        let mut request = HttpRequest::new("POST", "https://example.amazonaws.com/path?b=2&a=1").unwrap();
        request.headers.push(("Content-Type".into(), "application/json".into()));
        request.body = br#"{"hello":"world"}"#.to_vec();
        request
    };
    let params = SigningParams {
        credentials: &credentials,
        region: "us-east-1",
        service: "service",
        time: UnixTime::from_secs(T0),
        settings: SigningSettings { content_sha256_header: true, ..SigningSettings::default() },
    };
    let (mut default_request, mut supplied_request) = (request(), request());
    let default = sigv4::sign(&mut default_request, &params, &mut SigningKeyCache::new()).unwrap();
    let supplied =
        sigv4::sign(&mut supplied_request, &params, &mut SigningKeyCache::with_sha256(recording_sha256)).unwrap();
    assert_eq!(supplied, default);
    assert_eq!(supplied_request, default_request);
    let hashed = HASHED.lock().unwrap().clone();
    assert_eq!(hashed, vec![request().body, default.canonical_request.into_bytes()]);
}
