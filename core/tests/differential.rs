//! Differential tests: our SigV4 signer against the `aws-sigv4` crate (1.6), on
//! random requests, with both signers configured alike.
//!
//! `aws-sigv4` keeps its canonical request and string to sign private (they only
//! reach a `tracing` log, with session tokens redacted), so what is compared is
//! everything it does expose: the signature, and every header or query parameter
//! it adds (`Authorization` in full, hence `SignedHeaders=` and the credential
//! scope; `X-Amz-Date`; `x-amz-content-sha256`; the session token; every `X-Amz-*`
//! parameter of a presigned URL). The signature is an HMAC of the SHA-256 of the
//! canonical request, so equal signatures mean equal canonical requests.
//!
//! Our signer takes a request exactly as it goes on the wire (path and query
//! already percent-encoded); `aws-sigv4` takes a URI string, which must parse as
//! an `http::Uri`. Both get the same wire path and query: random text (unicode,
//! spaces, reserved characters) is percent-encoded into a valid URI, sometimes
//! leaving characters that may appear raw (sub-delimiters, `:`, `@`) raw and
//! sometimes encoding even unreserved ones, to exercise SigV4's double encoding.
//!
//! Generator restrictions, each for a known difference that is not a bug of ours:
//! - Query components never percent-decode to invalid UTF-8: `aws-sigv4` reads the
//!   query with `form_urlencoded::parse`, which decodes lossily (`%FF` becomes
//!   U+FFFD, re-encoded `%EF%BF%BD`), so it signs different bytes than were sent.
//!   We keep the bytes (`%FF` stays `%FF`), which is what AWS's own canonical form
//!   of the sent query is.
//! - No `x-amz-date`, `x-amz-security-token` or `x-amz-content-sha256` header in the
//!   input: `aws-sigv4` requires their absence (see `calculate_signing_headers`);
//!   ours removes them before signing.
//! - No `x-amz-user-agent` or `x-amz-checksum-mode` header in presigned (query)
//!   requests: `aws-sigv4` leaves those unsigned in presigned URLs as an SDK policy
//!   for S3/SDK traffic; ours is a general signer and signs what it is given.
//! - Header values are visible ASCII, space, tab or non-ASCII text: `http`'s
//!   `HeaderValue` refuses other control characters (ours refuses CR, LF, NUL).

use aws_credential_types::Credentials as AwsCredentials;
use aws_sigv4::http_request::{
    sign as aws_sign, PayloadChecksumKind, PercentEncodingMode, SessionTokenMode as AwsSessionTokenMode, SignableBody,
    SignableRequest, SignatureLocation as AwsLocation, SigningSettings as AwsSettings, UriPathNormalizationMode,
};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;
use cgaws_core::sigv4::{
    sign, PayloadHash, SessionTokenMode, SignatureLocation, SigningKeyCache, SigningParams, SigningSettings,
};
use cgaws_core::{Credentials, HttpRequest, UnixTime};
use proptest::prelude::*;
use std::borrow::Cow;
use std::time::{Duration, SystemTime};

// ---------------------------------------------------------------------------
// Percent-encoding random text into a valid URI
// ---------------------------------------------------------------------------

fn unreserved(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')
}

fn push_pct(out: &mut String, c: char, lower: bool) {
    let mut buf = [0u8; 4];
    for b in c.encode_utf8(&mut buf).bytes() {
        if lower {
            out.push_str(&format!("%{b:02x}"));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
}

/// One character of a path segment. `mode` (random per character) picks between
/// the shortest valid form and needless-but-valid percent-encoding.
fn encode_path_char(out: &mut String, c: char, mode: u8) {
    // pchar = unreserved / pct-encoded / sub-delims / ":" / "@"
    let may_be_raw = unreserved(c) || "!$&'()*+,;=:@".contains(c);
    match mode % 4 {
        0 | 1 if may_be_raw => out.push(c),
        2 => push_pct(out, c, true),
        _ => push_pct(out, c, false),
    }
}

/// One character of a query key or value, form-style (a space may be `+`).
fn encode_query_char(out: &mut String, c: char, mode: u8) {
    // `&`, `=`, `#`, `%` and `+` would change the structure or meaning; others may stay raw.
    let may_be_raw = unreserved(c) || "!$'()*,;:@/?".contains(c);
    match (c, mode % 4) {
        (' ', 0) => out.push('+'),
        (_, 0 | 1) if may_be_raw => out.push(c),
        (_, 2) => push_pct(out, c, true),
        _ => push_pct(out, c, false),
    }
}

// ---------------------------------------------------------------------------
// Strategies
// ---------------------------------------------------------------------------

/// Text with the characters that matter: unreserved, reserved, `%`, `+`, spaces,
/// non-ASCII (2-, 3- and 4-byte UTF-8).
fn text(max: usize) -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        1 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        3 => proptest::sample::select(" -._~!$&'()*+,;=:@/?#[]%\"<>\\^`{|}".chars().collect::<Vec<_>>()),
        2 => proptest::sample::select(vec!['é', 'ß', 'ሴ', '中', '😀', '\u{a0}', '\u{2028}']),
    ];
    proptest::collection::vec(chars, 0..max).prop_map(|v| v.into_iter().collect())
}

fn encoded(text: String, modes: Vec<u8>, path: bool) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        let mode = modes.get(i).copied().unwrap_or(0);
        if path {
            encode_path_char(&mut out, c, mode);
        } else {
            encode_query_char(&mut out, c, mode);
        }
    }
    out
}

fn encoded_text(max: usize, path: bool) -> impl Strategy<Value = String> {
    (text(max), proptest::collection::vec(any::<u8>(), max)).prop_map(move |(t, m)| encoded(t, m, path))
}

/// A wire path: `/`-joined segments, with dot segments and empty segments.
fn wire_path() -> impl Strategy<Value = String> {
    let segment = prop_oneof![
        5 => encoded_text(8, true),
        1 => Just(".".to_string()),
        1 => Just("..".to_string()),
        1 => Just(String::new()),
        1 => Just("%2E%2E".to_string()),
    ];
    (proptest::collection::vec(segment, 0..6), any::<bool>()).prop_map(|(segments, trailing)| {
        let mut path = String::from("/");
        path.push_str(&segments.join("/"));
        if trailing && !segments.is_empty() {
            path.push('/');
        }
        path
    })
}

/// A wire query: repeated keys, keys without `=`, empty values, unicode, `+`.
fn wire_query() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        // `%zz` and a trailing `%`: a `%` without two hex digits is kept literally by both.
        3 => proptest::sample::select(vec!["a", "A", "b", "Param1", "key", "X-Amz-Foo", "a b", "%zz", "5%"])
            .prop_map(|k| k.replace(' ', "+")),
        2 => encoded_text(6, false),
    ];
    let value = prop_oneof![
        1 => Just(None),
        1 => Just(Some(String::new())),
        1 => proptest::sample::select(vec!["100%", "%4", "%g1", "a%2"]).prop_map(|v| Some(v.to_string())),
        4 => encoded_text(10, false).prop_map(Some),
    ];
    proptest::collection::vec((key, value), 0..6).prop_map(|pairs| {
        pairs
            .into_iter()
            .map(|(k, v)| match v {
                Some(v) => format!("{k}={v}"),
                None => k,
            })
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn header_name(presigned: bool) -> impl Strategy<Value = String> {
    let mut known = vec![
        "My-Header",
        "my-header",
        "MY-HEADER",
        "X-Custom",
        "Content-Type",
        "content-length",
        "Accept",
        "User-Agent",
        "Expect",
        "X-Amzn-Trace-Id",
        "Transfer-Encoding",
        "Authorization",
        "x-amz-meta-thing",
    ];
    if !presigned {
        known.extend(["X-Amz-User-Agent", "x-amz-checksum-mode"]);
    }
    let token_char = prop_oneof![
        5 => proptest::char::range('a', 'z'),
        2 => proptest::char::range('A', 'Z'),
        1 => proptest::char::range('0', '9'),
        2 => proptest::sample::select("!#$%&'*+-.^_`|~".chars().collect::<Vec<_>>()),
    ];
    prop_oneof![
        3 => proptest::sample::select(known).prop_map(String::from),
        1 => proptest::collection::vec(token_char, 1..12).prop_map(|v| v.into_iter().collect::<String>()),
    ]
}

fn header_value() -> impl Strategy<Value = String> {
    let chars = prop_oneof![
        6 => proptest::char::range(' ', '~'),
        3 => Just(' '),
        1 => Just('\t'),
        1 => proptest::sample::select(vec!['é', 'ሴ', '😀']),
    ];
    proptest::collection::vec(chars, 0..24).prop_map(|v| v.into_iter().collect())
}

#[derive(Clone, Debug)]
enum Payload {
    Body,
    Precomputed(String),
    Unsigned,
}

#[derive(Clone, Debug)]
struct Case {
    method: String,
    authority: String,
    explicit_host: Option<String>,
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    access_key_id: String,
    secret: String,
    token: Option<String>,
    region: String,
    service: String,
    time: i64,
    presign_expiry: Option<u64>,
    normalize: bool,
    payload: Payload,
    content_sha256_header: bool,
    token_signed: bool,
}

fn graphic(min: usize, max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::char::range('!', '~'), min..max).prop_map(|v| v.into_iter().collect())
}

fn case() -> impl Strategy<Value = Case> {
    let method = prop_oneof![
        4 => proptest::sample::select(vec!["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
            .prop_map(String::from),
        1 => "[A-Z]{1,10}",
    ];
    let authority = proptest::sample::select(vec![
        "example.amazonaws.com",
        "sts.us-west-2.amazonaws.com",
        "example.com:443",
        "example.com:8443",
        "127.0.0.1:9000",
    ])
    .prop_map(String::from);
    let presign = any::<Option<u64>>().prop_map(|e| e.map(|e| 1 + e % 604_800));
    let payload = prop_oneof![
        3 => Just(Payload::Body),
        1 => proptest::collection::vec(any::<u8>(), 32).prop_map(|b| Payload::Precomputed(hex::encode(b))),
        1 => Just(Payload::Unsigned),
    ];
    let request = (
        method,
        authority,
        any::<u8>(),
        wire_path(),
        wire_query(),
        proptest::collection::vec(any::<u8>(), 0..64),
        presign,
    );
    let identity = (
        "[A-Z0-9]{4,20}",
        graphic(1, 48),
        proptest::option::of(graphic(1, 300)),
        "[a-z]{2}(-[a-z]{2,9}){0,2}-[0-9]",
        "[a-z][a-z0-9-]{0,15}",
        946_684_800i64..4_102_444_800i64,
    );
    let settings = (any::<bool>(), payload, any::<bool>(), any::<bool>());
    (request, identity, settings)
        .prop_flat_map(|(request, identity, settings)| {
            let presigned = request.6.is_some();
            let headers = proptest::collection::vec((header_name(presigned), header_value()), 0..8);
            (Just(request), Just(identity), Just(settings), headers)
        })
        .prop_map(
            |(
                (method, authority, host_mode, path, query, body, presign_expiry),
                (access_key_id, secret, token, region, service, time),
                (normalize, payload, content_sha256_header, token_signed),
                headers,
            )| {
                let explicit_host = match host_mode % 3 {
                    0 => None,
                    1 => Some(format!("Host:{}", authority.trim_end_matches(":443"))),
                    _ => Some(format!("host:{authority}")),
                };
                Case {
                    method,
                    authority,
                    explicit_host,
                    path,
                    query,
                    headers,
                    body,
                    access_key_id,
                    secret,
                    token,
                    region,
                    service,
                    time,
                    presign_expiry,
                    normalize,
                    payload,
                    content_sha256_header,
                    token_signed,
                }
            },
        )
}

// ---------------------------------------------------------------------------
// Signing with both
// ---------------------------------------------------------------------------

fn all_headers(case: &Case) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if let Some(host) = &case.explicit_host {
        let (name, value) = host.split_once(':').unwrap();
        headers.push((name.to_string(), value.to_string()));
    }
    headers.extend(case.headers.iter().cloned());
    headers
}

struct Ours {
    signature: String,
    request: HttpRequest,
}

fn sign_ours(case: &Case) -> Ours {
    let mut request = HttpRequest {
        method: case.method.clone(),
        scheme: "https".into(),
        authority: case.authority.clone(),
        path: case.path.clone(),
        query: case.query.clone(),
        headers: all_headers(case),
        body: case.body.clone(),
    };
    let credentials = Credentials::new(&case.access_key_id, &case.secret, case.token.clone()).unwrap();
    let params = SigningParams {
        credentials: &credentials,
        region: &case.region,
        service: &case.service,
        time: UnixTime::from_secs(case.time),
        settings: SigningSettings {
            location: match case.presign_expiry {
                None => SignatureLocation::Headers,
                Some(expires_in) => SignatureLocation::QueryParams { expires_in },
            },
            normalize_path: case.normalize,
            payload: match &case.payload {
                Payload::Body => PayloadHash::FromBody,
                Payload::Precomputed(h) => PayloadHash::Precomputed(h.clone()),
                Payload::Unsigned => PayloadHash::Unsigned,
            },
            content_sha256_header: case.content_sha256_header,
            session_token: if case.token_signed {
                SessionTokenMode::Signed
            } else {
                SessionTokenMode::AppendedAfterSigning
            },
        },
    };
    let output = sign(&mut request, &params, &mut SigningKeyCache::new()).expect("our signer");
    Ours { signature: output.signature, request }
}

struct Theirs {
    signature: String,
    headers: Vec<(String, String)>,
    params: Vec<(String, String)>,
}

fn sign_theirs(case: &Case) -> Theirs {
    let uri = if case.query.is_empty() {
        format!("https://{}{}", case.authority, case.path)
    } else {
        format!("https://{}{}?{}", case.authority, case.path, case.query)
    };
    let headers = all_headers(case);
    let body = match &case.payload {
        Payload::Body => SignableBody::Bytes(&case.body),
        Payload::Precomputed(h) => SignableBody::Precomputed(h.clone()),
        Payload::Unsigned => SignableBody::UnsignedPayload,
    };
    let request =
        SignableRequest::new(&case.method, uri.as_str(), headers.iter().map(|(n, v)| (n.as_str(), v.as_str())), body)
            .unwrap_or_else(|e| panic!("aws-sigv4 refused {uri:?}: {e}"));

    let mut settings = AwsSettings::default();
    // Ours never signs these; aws-sigv4's default list lacks `expect`.
    settings.excluded_headers = Some(
        ["authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"]
            .into_iter()
            .map(Cow::Borrowed)
            .collect(),
    );
    settings.percent_encoding_mode = PercentEncodingMode::Double;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::from(case.normalize);
    settings.payload_checksum_kind =
        if case.content_sha256_header { PayloadChecksumKind::XAmzSha256 } else { PayloadChecksumKind::NoHeader };
    settings.session_token_mode =
        if case.token_signed { AwsSessionTokenMode::Include } else { AwsSessionTokenMode::Exclude };
    match case.presign_expiry {
        None => settings.signature_location = AwsLocation::Headers,
        Some(e) => {
            settings.signature_location = AwsLocation::QueryParams;
            settings.expires_in = Some(Duration::from_secs(e));
        }
    }

    let identity: Identity =
        AwsCredentials::new(&case.access_key_id, &case.secret, case.token.clone(), None, "differential").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&case.region)
        .name(&case.service)
        .time(SystemTime::UNIX_EPOCH + Duration::from_secs(case.time as u64))
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let (instructions, signature) = aws_sign(request, &params).expect("aws-sigv4 signs").into_parts();
    let (headers, params) = instructions.into_parts();
    Theirs {
        signature,
        headers: headers.iter().map(|h| (h.name().to_string(), h.value().to_string())).collect(),
        params: params.into_iter().map(|(k, v)| (k.to_string(), v.into_owned())).collect(),
    }
}

fn form_decode(s: &str) -> String {
    let mut out = Vec::new();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(if b[i] == b'+' { b' ' } else { b[i] });
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

fn check(case: &Case) -> Result<(), TestCaseError> {
    let ours = sign_ours(case);
    let theirs = sign_theirs(case);
    prop_assert_eq!(&ours.signature, &theirs.signature, "signatures differ");
    match case.presign_expiry {
        None => {
            prop_assert!(theirs.params.is_empty());
            for (name, value) in &theirs.headers {
                prop_assert_eq!(ours.request.header(name), Some(value.as_str()), "header {}", name);
            }
            // And nothing more of ours: date, authorization, and the optional two.
            let expected = 2 + usize::from(case.content_sha256_header) + usize::from(case.token.is_some());
            prop_assert_eq!(theirs.headers.len(), expected);
        }
        Some(_) => {
            prop_assert!(theirs.headers.is_empty());
            // Ours appends its parameters after the request's own query.
            let added = ours.request.query.strip_prefix(case.query.as_str()).unwrap_or_default();
            let ours_params: Vec<(String, String)> = added
                .split('&')
                .filter(|p| !p.is_empty())
                .map(|p| {
                    let (k, v) = p.split_once('=').unwrap();
                    (form_decode(k), form_decode(v))
                })
                .collect();
            let mut theirs_sorted = theirs.params.clone();
            theirs_sorted.sort();
            let mut ours_sorted = ours_params;
            ours_sorted.sort();
            prop_assert_eq!(ours_sorted, theirs_sorted, "presigned parameters differ");
        }
    }
    Ok(())
}

proptest! {
    // 256 cases unless PROPTEST_CASES says otherwise.
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn same_signature_as_aws_sigv4(case in case()) {
        check(&case)?;
    }
}

/// A GET of `path?query` with the suite's example credentials, no extra
/// headers and no session token, signed in an `Authorization` header.
fn plain_case(path: &str, query: &str) -> Case {
    Case {
        method: "GET".into(),
        authority: "example.amazonaws.com".into(),
        explicit_host: None,
        path: path.into(),
        query: query.into(),
        headers: Vec::new(),
        body: Vec::new(),
        access_key_id: "AKIDEXAMPLE".into(),
        secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
        token: None,
        region: "us-east-1".into(),
        service: "service".into(),
        time: 1_440_938_160,
        presign_expiry: None,
        normalize: true,
        payload: Payload::Body,
        content_sha256_header: false,
        token_signed: true,
    }
}

/// The comparison is not vacuous: a request that differs in one byte of the path
/// gives a different signature from aws-sigv4's for the original.
#[test]
fn a_different_request_is_caught() {
    let case = Case {
        headers: vec![("My-Header".into(), "  a   b ".into())],
        token: Some("token".into()),
        ..plain_case("/a%20b/./c", "x=1&x=0&y")
    };
    check(&case).unwrap();
    let theirs = sign_theirs(&case);
    let mut changed = case.clone();
    changed.path = "/a%20b/./d".into();
    assert_ne!(sign_ours(&changed).signature, theirs.signature);
    let mut changed = case.clone();
    changed.headers[0].1 = "a b c".into();
    assert_ne!(sign_ours(&changed).signature, theirs.signature);
}

/// The one generator restriction on queries, shown: `aws-sigv4` decodes `%FF`
/// lossily to U+FFFD and signs `%EF%BF%BD`, bytes that were never sent. Ours
/// signs `%FF`, the canonical form of what is on the wire (AWS: "URI-encode each
/// parameter name and value" of the request as sent). If `aws-sigv4` ever keeps
/// the bytes, this test fails and the restriction can go.
#[test]
fn aws_sigv4_decodes_invalid_utf8_in_queries_lossily() {
    let mut case = plain_case("/", "k=%FF");
    let theirs = sign_theirs(&case).signature;
    assert_ne!(sign_ours(&case).signature, theirs);
    case.query = "k=%EF%BF%BD".into();
    assert_eq!(sign_ours(&case).signature, theirs, "aws-sigv4 signed U+FFFD in place of the byte 0xFF");
}
