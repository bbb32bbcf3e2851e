//! Helpers shared by the token tests, the signing benchmark and
//! `bench/token-timing` (which include this file by path): the fixture inputs,
//! editing a blob's decoded text, and re-verifying a token's signature the way
//! STS does.
#![allow(dead_code)]

use base64::Engine;
use cgaws_core::sigv4::{sign, SigningKeyCache, SigningParams, SigningSettings};
use cgaws_core::token::authorization::parse_authorization;
use cgaws_core::token::precheck::decode;
use cgaws_core::{Credentials, HttpRequest, UnixTime};

pub const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
pub const AUDIENCE: &str = "https://issuer.enforce.dev";
pub const AKID: &str = "AKIDEXAMPLE";
pub const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
/// 2026-01-15T08:00:00Z.
pub const T0: i64 = 1_768_464_000;

/// A session token of the size and alphabet STS hands out (about 1 KB of base64).
pub fn session_token() -> String {
    let mut token = String::from("IQoJb3JpZ2luX2VjE");
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state: u32 = 0x2545_f491;
    while token.len() < 1040 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        token.push(alphabet[(state % 64) as usize] as char);
    }
    token.push_str("==");
    token
}

/// The session token of `tests/vectors/token-vectors.json` (600 bytes). The file
/// is compiled in (the path is relative to this file), so the crates that
/// include this module by path, such as `bench/token-timing`, read the same one.
pub fn vector_session_token() -> String {
    let json: serde_json::Value = serde_json::from_str(include_str!("../../../tests/vectors/token-vectors.json"))
        .expect("tests/vectors/token-vectors.json is JSON");
    json["vectors"][0]["session_token"].as_str().expect("vector 0 has a session_token").to_string()
}

pub fn credentials() -> Credentials {
    Credentials::new(AKID, SECRET, Some(session_token())).unwrap()
}

pub fn decode_text(blob: &str) -> String {
    let bytes = base64::engine::general_purpose::URL_SAFE.decode(blob).expect("blob is padded base64url");
    String::from_utf8(bytes).expect("blob is UTF-8")
}

pub fn encode_text(text: &str) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(text.as_bytes())
}

/// The blob whose decoded text is `f` of `blob`'s; panics if `f` changed nothing.
pub fn edit(blob: &str, f: impl FnOnce(&str) -> String) -> String {
    let text = decode_text(blob);
    let edited = f(&text);
    assert_ne!(edited, text, "the edit changed nothing");
    encode_text(&edited)
}

/// Replaces the value of the first header named `name` (case-insensitive).
pub fn set_header(text: &str, name: &str, value: &str) -> String {
    let mut found = false;
    let out: Vec<String> = text
        .split("\r\n")
        .map(|line| match line.split_once(": ") {
            Some((n, _)) if !found && n.eq_ignore_ascii_case(name) => {
                found = true;
                format!("{n}: {value}")
            }
            _ => line.to_string(),
        })
        .collect();
    assert!(found, "no {name} header in\n{text}");
    out.join("\r\n")
}

pub fn header<'a>(text: &'a str, name: &str) -> Option<&'a str> {
    text.split("\r\n").find_map(|line| {
        let (n, v) = line.split_once(": ")?;
        n.eq_ignore_ascii_case(name).then_some(v)
    })
}

/// What STS does with a token: rebuild the canonical request from the request as
/// received (only the headers `SignedHeaders=` names, the date from `X-Amz-Date`,
/// the session token from `X-Amz-Security-Token`, region and service from the
/// credential scope), sign it with the secret key that belongs to the access key,
/// and compare with `Signature=`. Returns the recomputed signature and whether it
/// matches.
pub fn reverify(blob: &str, secret: &str) -> (String, bool) {
    let wire = decode(blob).expect("decodable blob");
    let authorization =
        parse_authorization(wire.first("authorization").expect("Authorization")).expect("well-formed Authorization");
    let time = UnixTime::parse_amz_date(wire.first("x-amz-date").expect("X-Amz-Date")).expect("valid X-Amz-Date");
    let token = wire.first("x-amz-security-token").map(String::from);
    let credentials = Credentials::new(&authorization.access_key_id, secret, token).unwrap();
    let signed = |name: &str| authorization.signed_headers.iter().any(|s| s.eq_ignore_ascii_case(name));
    let headers: Vec<(String, String)> = wire
        .headers
        .iter()
        .filter(|(n, _)| {
            signed(n) && !n.eq_ignore_ascii_case("x-amz-date") && !n.eq_ignore_ascii_case("x-amz-security-token")
        })
        .cloned()
        .collect();
    let (path, query) = wire.target.split_once('?').unwrap_or((&wire.target, ""));
    let mut request = HttpRequest {
        method: wire.method.clone(),
        scheme: "https".into(),
        authority: wire.first("host").unwrap_or_default().to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: Vec::new(),
    };
    let params = SigningParams {
        credentials: &credentials,
        region: &authorization.region,
        service: &authorization.service,
        time,
        settings: SigningSettings::default(),
    };
    let output = sign(&mut request, &params, &mut SigningKeyCache::new()).expect("re-signing");
    // Every signed header the token lists was found and signed again.
    assert_eq!(output.signed_headers, authorization.signed_headers.join(";"), "signed header lists differ");
    let matches = output.signature == authorization.signature;
    (output.signature, matches)
}
