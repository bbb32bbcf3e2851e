//! Times `generate_token` (warm key cache) and the same token made with
//! aws-sigv4, as the minimum over many short batches: the least-disturbed
//! estimate of each one's own cost when other processes share the CPUs.
//! The criterion benchmark (`cargo bench -p cgaws-core --bench signing`) gives
//! medians; this gives the floor. Same inputs as the criterion benchmark.
//!
//! `cargo run --release --manifest-path bench/token-timing/Cargo.toml`

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest, SigningSettings as AwsSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::blob::{serialize_request, AUDIENCE_HEADER, GET_CALLER_IDENTITY_QUERY, IDENTITY_HEADER};
use cgaws_core::token::{generate_token, StsEndpoint, TokenParams};
use cgaws_core::{Credentials, HttpRequest, UnixTime};
use std::hint::black_box;
use std::time::{Duration, Instant, SystemTime};

const AKID: &str = "ASIAIOSFODNN7EXAMPLE";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
const AUDIENCE: &str = "https://issuer.enforce.dev";
const T0: i64 = 1_768_464_000;

fn session_token() -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut token = String::from("IQoJb3JpZ2luX2VjE");
    let mut state: u32 = 0x9e37_79b9;
    while token.len() < 1040 {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        token.push(alphabet[(state % 64) as usize] as char);
    }
    token.push_str("==");
    token
}

fn vector_session_token() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/vectors/token-vectors.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["vectors"][0]["session_token"].as_str().unwrap().to_string()
}

fn aws_token(identity: &Identity) -> String {
    let endpoint = StsEndpoint::global();
    let uri = format!("https://{}/?{GET_CALLER_IDENTITY_QUERY}", endpoint.host);
    let headers = [("Accept", "application/json"), (AUDIENCE_HEADER, AUDIENCE), (IDENTITY_HEADER, IDENTITY)];
    let signable =
        SignableRequest::new("POST", uri.as_str(), headers.iter().copied(), SignableBody::Bytes(&[])).unwrap();
    let params = v4::SigningParams::builder()
        .identity(identity)
        .region(&endpoint.region)
        .name("sts")
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(T0 as u64))
        .settings(AwsSettings::default())
        .build()
        .unwrap()
        .into();
    let (instructions, _) = aws_sign(signable, &params).unwrap().into_parts();
    let mut request = HttpRequest {
        method: "POST".into(),
        scheme: "https".into(),
        authority: endpoint.host.clone(),
        path: "/".into(),
        query: GET_CALLER_IDENTITY_QUERY.into(),
        headers: headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        body: Vec::new(),
    };
    request.headers.insert(0, ("Host".into(), endpoint.host.clone()));
    for (name, value) in instructions.headers() {
        request.headers.push((name.to_string(), value.to_string()));
    }
    base64::engine::general_purpose::URL_SAFE.encode(serialize_request(&request))
}

/// Minimum over `batches` batches of `size` calls, in µs per call.
fn min_of_batches(mut f: impl FnMut() -> usize) -> f64 {
    let (batches, size) = (3000, 50);
    let mut best = f64::MAX;
    let mut sink = 0;
    for _ in 0..batches {
        let start = Instant::now();
        for _ in 0..size {
            sink += f();
        }
        best = best.min(start.elapsed().as_secs_f64() / size as f64);
    }
    black_box(sink);
    best * 1e6
}

fn main() {
    let params = TokenParams::new(IDENTITY, UnixTime::from_secs(T0));
    let mut cache = SigningKeyCache::new();
    for (label, token) in [("1KB", session_token()), ("vector-600B", vector_session_token())] {
        let credentials = Credentials::new(AKID, SECRET, Some(token.clone())).unwrap();
        let identity: Identity = AwsCredentials::new(AKID, SECRET, Some(token), None, "timing").into();
        let ours = generate_token(&credentials, &params, &mut cache).unwrap().blob;
        assert_eq!(ours, aws_token(&identity), "the two token paths disagree");
        let cgaws = min_of_batches(|| {
            generate_token(black_box(&credentials), black_box(&params), &mut cache).unwrap().blob.len()
        });
        let aws = min_of_batches(|| aws_token(black_box(&identity)).len());
        println!(
            "token/{label}: cgaws {cgaws:.3} µs, aws-sigv4 {aws:.3} µs, ratio {:.1}x (blob {} bytes)",
            aws / cgaws,
            ours.len()
        );
    }
}
