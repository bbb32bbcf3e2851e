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

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest, SigningSettings as AwsSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use cgaws_core::sigv4::{sign, SigningKeyCache, SigningParams, SigningSettings};
use cgaws_core::token::blob::{serialize_request, AUDIENCE_HEADER, GET_CALLER_IDENTITY_QUERY, IDENTITY_HEADER};
use cgaws_core::token::{generate_token, StsEndpoint, TokenParams};
use cgaws_core::{Credentials, HttpRequest, UnixTime};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::{Duration, SystemTime};

// The same inputs as the token tests: a 1 KB session token shaped like STS's.
#[path = "../tests/token_support/mod.rs"]
mod token_support;
use token_support::{session_token, AKID, AUDIENCE, IDENTITY, SECRET, T0};

fn aws_identity(token: &str) -> Identity {
    AwsCredentials::new(AKID, SECRET, Some(token.to_string()), None, "bench").into()
}

fn aws_params<'a>(
    identity: &'a Identity,
    region: &'a str,
    service: &'a str,
) -> aws_sigv4::http_request::SigningParams<'a> {
    v4::SigningParams::builder()
        .identity(identity)
        .region(region)
        .name(service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(T0 as u64))
        .settings(AwsSettings::default())
        .build()
        .unwrap()
        .into()
}

/// The token made with aws-sigv4 doing the signing.
fn aws_token(identity: &Identity, audience: &str, uidp: &str) -> String {
    let endpoint = StsEndpoint::global();
    let uri = format!("https://{}/?{GET_CALLER_IDENTITY_QUERY}", endpoint.host);
    let headers = [("Accept", "application/json"), (AUDIENCE_HEADER, audience), (IDENTITY_HEADER, uidp)];
    let signable =
        SignableRequest::new("POST", uri.as_str(), headers.iter().copied(), SignableBody::Bytes(&[])).unwrap();
    let params = aws_params(identity, &endpoint.region, "sts");
    let (instructions, _signature) = aws_sign(signable, &params).unwrap().into_parts();
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

/// The session token of `tests/vectors/token-vectors.json` (600 bytes).
fn vector_session_token() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/token-vectors.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    json["vectors"][0]["session_token"].as_str().unwrap().to_string()
}

fn benches(c: &mut Criterion) {
    let mut cache = SigningKeyCache::new();
    let params = TokenParams::new(IDENTITY, UnixTime::from_secs(T0));
    let mut group = c.benchmark_group("token");
    for (label, token) in [("1KB", session_token()), ("vector-600B", vector_session_token())] {
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
