//! Signing benchmarks, ours against `aws-sigv4`, in one run:
//! - `token/cgaws/*`: `generate_token` with a warm `SigningKeyCache`, the whole
//!   path from parameters to the base64url blob, with a 1 KB session token (the
//!   size STS hands out for role sessions) and with the 600-byte one of
//!   `tests/vectors/token-vectors.json`;
//! - `token/aws-sigv4/*`: the same token made with `aws-sigv4` (sign the same
//!   request, apply its headers, then our serializer and base64, so both do the
//!   same work);
//! - `request/*`: a typical request (a POST with a small JSON body and 5 headers,
//!   signed with the 1 KB session token).
//!
//! `cargo bench -p cgaws-core --bench signing`

use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest};
use aws_smithy_runtime_api::client::identity::Identity;
use cgaws_core::sigv4::{sign, SigningKeyCache, SigningParams, SigningSettings};
use cgaws_core::token::{generate_token, TokenParams};
use cgaws_core::{Credentials, HttpRequest, UnixTime};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;

// The same inputs as the token tests.
#[path = "../tests/token_support/mod.rs"]
mod token_support;
use token_support::{session_token, AKID, AUDIENCE, IDENTITY, SECRET, T0};

mod support;
use support::{aws_identity, aws_params, aws_token, bench_session_tokens};

fn typical_request() -> HttpRequest {
    let body = br#"{"TableName":"tokens","Key":{"id":{"S":"66fe8510254166621680aeb4"}},"ConsistentRead":true}"#;
    HttpRequest::new("POST", "https://dynamodb.us-west-2.amazonaws.com/")
        .unwrap()
        .with_header("Host", "dynamodb.us-west-2.amazonaws.com")
        .with_header("Content-Type", "application/x-amz-json-1.0")
        .with_header("X-Amz-Target", "DynamoDB_20120810.GetItem")
        .with_header("Accept", "application/json")
        .with_header("Content-Length", &body.len().to_string())
        .with_body(body.to_vec())
}

fn aws_sign_request(request: &HttpRequest, identity: &Identity) -> String {
    let signable = SignableRequest::new(
        &request.method,
        request.url(),
        request.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(&request.body),
    )
    .unwrap();
    let params = aws_params(identity, "us-west-2", "dynamodb");
    aws_sign(signable, &params).unwrap().into_parts().1
}

fn benches(c: &mut Criterion) {
    let mut cache = SigningKeyCache::new();
    let params = TokenParams::new(IDENTITY, UnixTime::from_secs(T0));
    let mut group = c.benchmark_group("token");
    for (label, token) in bench_session_tokens() {
        let credentials = Credentials::new(AKID, SECRET, Some(token.clone())).unwrap();
        let identity = aws_identity(&token);
        // Both make the same token (same signature, same bytes).
        let ours = generate_token(&credentials, &params, &mut cache).unwrap().blob;
        assert_eq!(ours, aws_token(&identity, AUDIENCE, IDENTITY), "the two token paths disagree");
        group.bench_function(format!("cgaws/{label}"), |b| {
            b.iter(|| generate_token(black_box(&credentials), black_box(&params), &mut cache).unwrap().blob)
        });
        group.bench_function(format!("aws-sigv4/{label}"), |b| {
            b.iter(|| aws_token(black_box(&identity), AUDIENCE, IDENTITY))
        });
    }
    group.finish();

    let token = session_token();
    let credentials = Credentials::new(AKID, SECRET, Some(token.clone())).unwrap();
    let identity = aws_identity(&token);
    let template = typical_request();
    let settings = SigningSettings::default();
    let sign_params = SigningParams {
        credentials: &credentials,
        region: "us-west-2",
        service: "dynamodb",
        time: UnixTime::from_secs(T0),
        settings,
    };
    let mut check = template.clone();
    let ours = sign(&mut check, &sign_params, &mut cache).unwrap().signature;
    assert_eq!(ours, aws_sign_request(&template, &identity), "the two signers disagree on the typical request");

    let mut group = c.benchmark_group("request");
    group.bench_function("cgaws", |b| {
        b.iter(|| {
            let mut request = template.clone();
            sign(&mut request, black_box(&sign_params), &mut cache).unwrap().signature
        })
    });
    group.bench_function("aws-sigv4", |b| {
        b.iter(|| {
            let request = template.clone();
            aws_sign_request(&request, black_box(&identity))
        })
    });
    group.finish();
}

criterion_group!(signing, benches);
criterion_main!(signing);
