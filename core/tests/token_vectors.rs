//! `shared/testdata/token-vectors.json`: signatures that 13 independent signers agree on.
//!
//! The file's `canonical_request` fields list an `authorization` header carrying
//! the very signature computed from them, which no signer can produce (the
//! signature would have to be known before it is computed), and the
//! `string_to_sign` fields hash that impossible text. The signatures and
//! `signed_headers` are right: they are what the canonical request *without* the
//! `authorization` line yields. `vector_texts_are_self_inconsistent` proves this;
//! the other tests compare against the vectors with that line removed.

use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::{generate_token, sign_token_request, StsEndpoint, TokenParams};
use cgaws_core::{Credentials, UnixTime};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/token-vectors.json");
    let text = std::fs::read_to_string(path).expect("tests/vectors/token-vectors.json");
    let json: Value = serde_json::from_str(&text).unwrap();
    json["vectors"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key}"))
}

fn without_authorization(canonical_request: &str) -> String {
    canonical_request
        .split('\n')
        .filter(|line| !line.starts_with("authorization:"))
        .map(|line| line.replacen("accept;authorization;", "accept;", 1))
        .collect::<Vec<_>>()
        .join("\n")
}

fn params(v: &Value) -> (Credentials, TokenParams) {
    let creds = Credentials::new(
        s(v, "access_key_id"),
        s(v, "secret_access_key"),
        v["session_token"].as_str().map(String::from),
    )
    .unwrap();
    let endpoint = if s(v, "sts_host") == "sts.amazonaws.com" {
        StsEndpoint::global()
    } else {
        StsEndpoint::regional(s(v, "sts_region"), false).unwrap()
    };
    assert_eq!(endpoint.host, s(v, "sts_host"));
    let params = TokenParams {
        identity: s(v, "identity").into(),
        audience: s(v, "audience").into(),
        endpoint,
        time: UnixTime::parse_rfc3339(s(v, "time")).unwrap(),
    };
    (creds, params)
}

#[test]
fn signatures_match_every_vector() {
    let all = vectors();
    assert!(all.len() >= 4);
    for v in &all {
        let (creds, params) = params(v);
        let mut cache = SigningKeyCache::new();
        let (request, out) = sign_token_request(&creds, &params, &mut cache).unwrap();
        let name = s(v, "name");
        assert_eq!(out.signature, s(v, "signature"), "{name}: signature");
        assert_eq!(out.signed_headers, s(v, "signed_headers"), "{name}: signed headers");
        assert_eq!(
            out.canonical_request,
            without_authorization(s(v, "canonical_request")),
            "{name}: canonical request"
        );
        let expected_sts: Vec<&str> = s(v, "string_to_sign").split('\n').take(3).collect();
        let ours: Vec<&str> = out.string_to_sign.split('\n').collect();
        assert_eq!(ours[..3], expected_sts[..], "{name}: string to sign header lines");
        assert_eq!(ours[3], hex::encode(Sha256::digest(out.canonical_request.as_bytes())));
        assert!(request.header("authorization").unwrap().ends_with(s(v, "signature")));
        // The full token carries the same signature.
        let token = generate_token(&creds, &params, &mut cache).unwrap();
        assert_eq!(token.signing.signature, s(v, "signature"), "{name}: token");
    }
}

#[test]
fn vector_texts_are_self_inconsistent() {
    for v in vectors() {
        let given = s(&v, "canonical_request");
        let sig = s(&v, "signature");
        // The given canonical request contains its own signature: impossible to sign.
        assert!(given.contains(&format!("Signature={sig}")));
        assert!(!s(&v, "signed_headers").contains("authorization"));
        // Its string to sign hashes that impossible text...
        assert!(s(&v, "string_to_sign").ends_with(&hex::encode(Sha256::digest(given.as_bytes()))));
        // ...while the signature is the one of the text without the authorization line.
        let (creds, params) = params(&v);
        let (_, out) = sign_token_request(&creds, &params, &mut SigningKeyCache::new()).unwrap();
        assert_eq!(out.signature, sig);
        assert_ne!(out.string_to_sign, s(&v, "string_to_sign"));
    }
}
