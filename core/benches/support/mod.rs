//! What the token benchmarks share: their inputs, and the baseline they measure
//! against (the token signed with `aws-sigv4`, the official signer). Used by the
//! criterion benchmark (`core/benches/signing.rs`) and the min-of-batches timing
//! (`bench/token-timing`, a crate of its own that includes this file by path), so
//! both time the same work. Needs `token_support` as a sibling module.
#![allow(dead_code)]

use crate::token_support::{session_token, vector_session_token, AKID, SECRET, T0};
use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{sign as aws_sign, SignableBody, SignableRequest, SigningSettings as AwsSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use base64::Engine;
use cgaws_core::token::blob::{serialize_request, AUDIENCE_HEADER, GET_CALLER_IDENTITY_QUERY, IDENTITY_HEADER};
use cgaws_core::token::StsEndpoint;
use cgaws_core::HttpRequest;
use std::time::{Duration, SystemTime};

/// The session tokens the token benchmarks run with, by label: 1 KB shaped like
/// STS's role-session tokens, and the 600-byte one of the shared vectors.
pub fn bench_session_tokens() -> [(&'static str, String); 2] {
    [("1KB", session_token()), ("vector-600B", vector_session_token())]
}

/// The test credentials with `token` as the session token, as aws-sigv4 takes them.
pub fn aws_identity(token: &str) -> Identity {
    AwsCredentials::new(AKID, SECRET, Some(token.to_string()), None, "bench").into()
}

pub fn aws_params<'a>(
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

/// The token made with aws-sigv4 doing the signing: sign the request
/// `generate_token` makes, apply aws-sigv4's headers, then our serializer and
/// base64, so that both paths do the same work and must give the same bytes.
pub fn aws_token(identity: &Identity, audience: &str, uidp: &str) -> String {
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
