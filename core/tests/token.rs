//! The token blob: an independent vector, base64 padding, the exact wire layout,
//! precheck acceptance and tamper evidence, and input checks.

mod token_support;

use cgaws_core::identity::UidpError;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::blob::{generate_token_unchecked_identity, serialize_request};
use cgaws_core::token::endpoint::EndpointError;
use cgaws_core::token::{
    generate_token, precheck, sign_token_request, PrecheckError, PrecheckOptions, StsEndpoint, TokenError, TokenParams,
};
use cgaws_core::{Credentials, CredentialsError, UnixTime, VERSION};
use proptest::prelude::*;
use token_support::*;

fn go_sdk_params() -> (Credentials, TokenParams) {
    let credentials = Credentials::new("AKID", "SECRET", Some("SESSION".into())).unwrap();
    let params = TokenParams {
        identity: "identity".into(),
        audience: "aud".into(),
        endpoint: StsEndpoint::global(),
        time: UnixTime::from_secs(0),
    };
    (credentials, params)
}

/// The signature of the Go SDK's own test vector (`auth/aws/e2e_test.go`,
/// `TestGenerateToken`: credentials AKID/SECRET/SESSION, `time.Unix(0, 0)`,
/// audience `aud`, identity `identity`), as computed by botocore 1.43/1.44
/// (`botocore.auth.SigV4Auth`), a signer that shares no code with ours:
///
/// ```python
/// import datetime
/// from unittest import mock
/// from botocore.auth import SigV4Auth
/// from botocore.awsrequest import AWSRequest
/// from botocore.credentials import Credentials
///
/// req = AWSRequest(
///     method="POST",
///     url="https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
///     headers={
///         "Accept": "application/json",
///         "Chainguard-Audience": "aud",
///         "Chainguard-Identity": "identity",
///         "host": "sts.amazonaws.com",
///     },
///     data=b"",
/// )
/// epoch = datetime.datetime(1970, 1, 1)
/// with mock.patch("botocore.auth.get_current_datetime", return_value=epoch):
///     SigV4Auth(Credentials("AKID", "SECRET", "SESSION"), "sts", "us-east-1").add_auth(req)
/// print(req.headers["X-Amz-Date"])     # 19700101T000000Z
/// print(req.headers["Authorization"])  # ... Signature=0d9099ab...
/// ```
const GO_SDK_VECTOR_SIGNATURE: &str = "0d9099ab09d92c3fcdf508a54a47261bbee0d3c44c65c98a3959b4a4383b10f6";
const GO_SDK_VECTOR_AUTHORIZATION: &str = "AWS4-HMAC-SHA256 Credential=AKID/19700101/us-east-1/sts/aws4_request, \
     SignedHeaders=accept;chainguard-audience;chainguard-identity;host;x-amz-date;x-amz-security-token, \
     Signature=0d9099ab09d92c3fcdf508a54a47261bbee0d3c44c65c98a3959b4a4383b10f6";

// ---------------------------------------------------------------------------
// (a) the Go SDK's vector, checked against botocore
// ---------------------------------------------------------------------------

#[test]
fn go_sdk_vector_matches_botocore() {
    let (credentials, params) = go_sdk_params();
    let token = generate_token_unchecked_identity(&credentials, &params, &mut SigningKeyCache::new()).unwrap();
    assert_eq!(token.signing.signature, GO_SDK_VECTOR_SIGNATURE);
    assert_eq!(
        token.signing.signed_headers,
        "accept;chainguard-audience;chainguard-identity;host;x-amz-date;x-amz-security-token"
    );
    let text = decode_text(&token.blob);
    assert_eq!(header(&text, "Authorization"), Some(GO_SDK_VECTOR_AUTHORIZATION));
    assert_eq!(header(&text, "X-Amz-Date"), Some("19700101T000000Z"));
    // The identity is no UIDP, so the checked entry point refuses it.
    assert!(matches!(
        generate_token(&credentials, &params, &mut SigningKeyCache::new()),
        Err(TokenError::InvalidIdentity(_))
    ));
}

// ---------------------------------------------------------------------------
// (b) base64url padding
// ---------------------------------------------------------------------------

/// A base64url decoder written here, so the round trip does not lean on the
/// library the encoder uses.
fn independent_base64url_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            b'_' => 63,
            other => panic!("not base64url: {:?}", other as char),
        }
    };
    assert_eq!(s.len() % 4, 0, "padded base64 comes in groups of 4");
    let mut out = Vec::new();
    for group in s.as_bytes().chunks(4) {
        let pad = group.iter().rev().take_while(|&&c| c == b'=').count();
        assert!(pad <= 2 && !group[..4 - pad].contains(&b'='));
        let mut n = 0u32;
        for &c in &group[..4 - pad] {
            n = n << 6 | value(c);
        }
        n <<= 6 * pad as u32;
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..3 - pad]);
    }
    out
}

/// Identities of 1 to 3 child segments and audiences with 0 to 2 extra
/// characters give every length mod 3; each blob is padded accordingly and
/// decodes to exactly the serialized request.
#[test]
fn padding_follows_the_request_length() {
    let credentials = credentials();
    let mut seen = [false; 3];
    for depth in 1..=3 {
        let identity = format!("{}{}", &IDENTITY[..40], "/0123456789abcdef".repeat(depth));
        for extra in 0..3 {
            let params = TokenParams {
                identity: identity.clone(),
                audience: format!("{AUDIENCE}{}", &"/ab"[..extra]),
                endpoint: StsEndpoint::global(),
                time: UnixTime::from_secs(T0),
            };
            let mut cache = SigningKeyCache::new();
            let (request, _) = sign_token_request(&credentials, &params, &mut cache).unwrap();
            let wire = serialize_request(&request);
            let blob = generate_token(&credentials, &params, &mut cache).unwrap().blob;
            let rem = wire.len() % 3;
            seen[rem] = true;
            match rem {
                0 => assert!(!blob.contains('='), "{rem}: {blob}"),
                1 => assert!(blob.ends_with("=="), "{rem}: {blob}"),
                _ => assert!(blob.ends_with('=') && !blob.ends_with("=="), "{rem}: {blob}"),
            }
            assert_eq!(blob.len(), wire.len().div_ceil(3) * 4);
            assert_eq!(independent_base64url_decode(&blob), wire.as_bytes());
        }
    }
    assert_eq!(seen, [true; 3], "the inputs did not cover every length mod 3");
}

// ---------------------------------------------------------------------------
// (c) the exact wire layout
// ---------------------------------------------------------------------------

/// Go's `http.Request.Write` order: request line, Host, User-Agent,
/// Content-Length, then the other headers sorted, CRLF line ends, empty line.
#[test]
fn blob_is_go_style_http_request() {
    let (credentials, params) = go_sdk_params();
    let token = generate_token_unchecked_identity(&credentials, &params, &mut SigningKeyCache::new()).unwrap();
    let expected = format!(
        "POST /?Action=GetCallerIdentity&Version=2011-06-15 HTTP/1.1\r\n\
         Host: sts.amazonaws.com\r\n\
         User-Agent: cgaws/{VERSION}\r\n\
         Content-Length: 0\r\n\
         Accept: application/json\r\n\
         Authorization: {GO_SDK_VECTOR_AUTHORIZATION}\r\n\
         Chainguard-Audience: aud\r\n\
         Chainguard-Identity: identity\r\n\
         X-Amz-Date: 19700101T000000Z\r\n\
         X-Amz-Security-Token: SESSION\r\n\
         \r\n"
    );
    assert_eq!(decode_text(&token.blob), expected);

    // Without a session token there is no X-Amz-Security-Token line, and nothing else moves.
    let plain = Credentials::new("AKID", "SECRET", None).unwrap();
    let token = generate_token_unchecked_identity(&plain, &params, &mut SigningKeyCache::new()).unwrap();
    let text = decode_text(&token.blob);
    let names: Vec<&str> = text.split("\r\n").skip(1).filter_map(|l| l.split_once(": ").map(|(n, _)| n)).collect();
    assert_eq!(
        names,
        [
            "Host",
            "User-Agent",
            "Content-Length",
            "Accept",
            "Authorization",
            "Chainguard-Audience",
            "Chainguard-Identity",
            "X-Amz-Date"
        ]
    );
    assert!(
        text.ends_with("\r\n\r\n")
            && !text.contains("\n\n")
            && text.matches('\n').count() == text.matches("\r\n").count()
    );
}

// ---------------------------------------------------------------------------
// (d) every blob passes precheck; every signed part is tamper-evident
// ---------------------------------------------------------------------------

fn uidp() -> impl Strategy<Value = String> {
    ("[0-9a-f]{40}", proptest::collection::vec("[0-9a-f]{16}", 1..4))
        .prop_map(|(root, children)| format!("{root}/{}", children.join("/")))
}

fn audience() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(AUDIENCE.to_string()),
        Just("cgr.dev".to_string()),
        "https://[a-z]{1,12}\\.example(\\.[a-z]{2,3})?(/[a-zA-Z0-9._~-]{0,10})?",
    ]
}

fn any_credentials() -> impl Strategy<Value = Credentials> {
    ("(AKIA|ASIA)[A-Z0-9]{16}", "[!-~]{1,60}", proptest::option::of("[A-Za-z0-9+/=]{16,1200}"))
        .prop_map(|(akid, secret, token)| Credentials::new(akid, secret, token).unwrap())
}

/// A mutation of one signed part of the decoded request.
#[derive(Clone, Copy, Debug)]
enum Part {
    Accept,
    Audience,
    Identity,
    Host,
    HostToOtherAllowed,
    DatePlusOne,
    DateMinusOne,
    DateFarFuture,
    SessionToken,
    Signature,
    Method,
    Query,
    Path,
}

const PARTS: [Part; 13] = [
    Part::Accept,
    Part::Audience,
    Part::Identity,
    Part::Host,
    Part::HostToOtherAllowed,
    Part::DatePlusOne,
    Part::DateMinusOne,
    Part::DateFarFuture,
    Part::SessionToken,
    Part::Signature,
    Part::Method,
    Part::Query,
    Part::Path,
];

fn shift_date(text: &str, secs: i64) -> String {
    let date = UnixTime::parse_amz_date(header(text, "X-Amz-Date").unwrap()).unwrap();
    set_header(text, "X-Amz-Date", &date.plus_secs(secs).amz_date())
}

fn mutate(text: &str, part: Part) -> Option<String> {
    Some(match part {
        Part::Accept => set_header(text, "Accept", "application/xml"),
        Part::Audience => {
            let aud = header(text, "Chainguard-Audience").unwrap();
            set_header(text, "Chainguard-Audience", &format!("{aud}x"))
        }
        Part::Identity => {
            let id = header(text, "Chainguard-Identity").unwrap();
            let last = if id.ends_with('0') { '1' } else { '0' };
            set_header(text, "Chainguard-Identity", &format!("{}{last}", &id[..id.len() - 1]))
        }
        Part::Host => set_header(text, "Host", "sts.amazonaws.com.evil.example"),
        Part::HostToOtherAllowed => set_header(text, "Host", "sts.us-east-1.amazonaws.com"),
        Part::DatePlusOne => shift_date(text, 1),
        Part::DateMinusOne => shift_date(text, -1),
        Part::DateFarFuture => shift_date(text, 3600),
        Part::SessionToken => {
            let token = header(text, "X-Amz-Security-Token")?;
            let flipped = if token.starts_with('A') { "B" } else { "A" };
            set_header(text, "X-Amz-Security-Token", &format!("{flipped}{}", &token[1..]))
        }
        Part::Signature => {
            let (head, sig) = text.split_once("Signature=").unwrap();
            let first = if sig.starts_with('0') { '1' } else { '0' };
            format!("{head}Signature={first}{}", &sig[1..])
        }
        Part::Method => text.replacen("POST ", "PUT ", 1),
        Part::Query => text.replacen("Version=2011-06-15", "Version=2011-06-16", 1),
        Part::Path => text.replacen("POST /?", "POST /x?", 1),
    })
}

fn check_blob(credentials: &Credentials, params: &TokenParams, age: i64) -> Result<(), TestCaseError> {
    let token = generate_token(credentials, params, &mut SigningKeyCache::new()).unwrap();
    let now = params.time.plus_secs(age);
    let mut options = PrecheckOptions::new(&params.identity, &params.audience, now);
    options.allowed_hosts.push("sts.us-east-1.amazonaws.com".into());
    let checked = precheck(&token.blob, &options);
    prop_assert!(checked.is_ok(), "{:?}", checked.err());
    let checked = checked.unwrap();
    prop_assert_eq!(&checked.identity, &params.identity);
    prop_assert_eq!(checked.date, params.time);
    let secret = credentials.secret_access_key().expose();
    let (signature, ok) = reverify(&token.blob, secret);
    prop_assert!(ok, "the untouched token does not re-verify");
    prop_assert_eq!(&signature, &token.signing.signature);

    for part in PARTS {
        let Some(mutated) = mutate(&decode_text(&token.blob), part) else { continue };
        let blob = encode_text(&mutated);
        match precheck(&blob, &options) {
            Err(e) => {
                let expected = match part {
                    Part::Audience => matches!(e, PrecheckError::AudienceMismatch { .. }),
                    Part::Identity => matches!(e, PrecheckError::IdentityMismatch { .. }),
                    Part::Host => matches!(e, PrecheckError::HostNotAllowed { .. }),
                    Part::DateFarFuture => matches!(e, PrecheckError::FutureDated { .. }),
                    Part::Method => matches!(e, PrecheckError::MethodNotPost(_)),
                    _ => false,
                };
                prop_assert!(expected, "{:?}: unexpected precheck error {:?}", part, e);
            }
            Ok(_) => {
                // Precheck cannot see this part; the signature must no longer verify.
                let (recomputed, ok) = reverify(&blob, secret);
                prop_assert!(!ok, "{:?}: the tampered token still verifies", part);
                match part {
                    // The request is unchanged, so the right signature is the original one.
                    Part::Signature => prop_assert_eq!(&recomputed, &token.signing.signature),
                    _ => prop_assert_ne!(&recomputed, &token.signing.signature, "{:?}", part),
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn every_blob_prechecks_and_is_tamper_evident(
        credentials in any_credentials(),
        identity in uidp(),
        audience in audience(),
        time in 0i64..4_102_444_800,
        age in 0i64..=14 * 60,
    ) {
        let params = TokenParams { identity, audience, endpoint: StsEndpoint::global(), time: UnixTime::from_secs(time) };
        check_blob(&credentials, &params, age)?;
    }
}

// ---------------------------------------------------------------------------
// (e) input checks
// ---------------------------------------------------------------------------

fn params_with(identity: &str, audience: &str) -> TokenParams {
    TokenParams {
        identity: identity.into(),
        audience: audience.into(),
        endpoint: StsEndpoint::global(),
        time: UnixTime::from_secs(T0),
    }
}

fn uidp_error(identity: &str) -> UidpError {
    match generate_token(&credentials(), &params_with(identity, AUDIENCE), &mut SigningKeyCache::new()) {
        Err(TokenError::InvalidIdentity(e)) => e,
        other => panic!("{identity:?}: expected InvalidIdentity, got {:?}", other.map(|t| t.blob)),
    }
}

#[test]
fn identity_must_be_a_uidp() {
    // The placeholder from the EC2 guide: the error names the bad segment.
    let e = uidp_error("66fe8510254166621680aeb4sample222222/3359173sampled");
    assert!(e.reason.contains("\"66fe8510254166621680aeb4sample222222\""), "{e}");
    assert!(e.to_string().contains("placeholder"), "{e}");
    // A good root with a placeholder child: the child is named.
    let e = uidp_error("66fe8510254166621680aeb498b0249b66900d34/3359173sampled");
    assert!(e.reason.contains("\"3359173sampled\""), "{e}");
    for bad in [
        "",
        "identity",
        "66fe8510254166621680aeb498b0249b66900d34",
        "66fe8510254166621680aeb498b0249b66900d34/",
        "66FE8510254166621680aeb498b0249b66900d34/335917336625376d",
        "66fe8510254166621680aeb498b0249b66900d34/335917336625376d/",
        " 66fe8510254166621680aeb498b0249b66900d34/335917336625376d",
        "66fe8510254166621680aeb498b0249b66900d34/335917336625376d\r\nX-Evil: 1",
    ] {
        uidp_error(bad);
    }
    generate_token(&credentials(), &params_with(IDENTITY, AUDIENCE), &mut SigningKeyCache::new()).unwrap();
}

#[test]
fn header_values_with_cr_or_lf_are_refused() {
    let creds = credentials();
    let mut cache = SigningKeyCache::new();
    for bad in ["https://a\r\nX-Evil: 1", "https://a\nb", "https://a\rb", "https://a\0b"] {
        assert_eq!(
            generate_token(&creds, &params_with(IDENTITY, bad), &mut cache).map(|t| t.blob),
            Err(TokenError::InvalidAudience(bad.into()))
        );
    }
    assert_eq!(
        generate_token(&creds, &params_with(IDENTITY, ""), &mut cache).map(|t| t.blob),
        Err(TokenError::InvalidAudience(String::new()))
    );
    for bad in ["identity\r\nX-Evil: 1", "a\nb", "a\rb"] {
        assert_eq!(
            generate_token_unchecked_identity(&creds, &params_with(bad, AUDIENCE), &mut cache).map(|t| t.blob),
            Err(TokenError::InvalidIdentityValue)
        );
    }
    assert_eq!(
        Credentials::new(AKID, SECRET, Some("tok\r\nen".into())),
        Err(CredentialsError::InvalidCharacter("session token"))
    );
}

#[test]
fn empty_keys_are_refused() {
    assert_eq!(Credentials::new("", SECRET, None), Err(CredentialsError::EmptyAccessKeyId));
    assert_eq!(Credentials::new(AKID, "", None), Err(CredentialsError::EmptySecretAccessKey));
    assert_eq!(Credentials::new("", "", Some("t".into())), Err(CredentialsError::EmptyAccessKeyId));
}

#[test]
fn endpoints_set_host_and_signing_region() {
    let creds = credentials();
    for (region, fips, host, signing_region) in [
        ("us-east-1", false, "sts.us-east-1.amazonaws.com", "us-east-1"),
        ("eu-west-1", false, "sts.eu-west-1.amazonaws.com", "eu-west-1"),
        ("us-east-2", true, "sts-fips.us-east-2.amazonaws.com", "us-east-2"),
        ("ca-central-1", true, "sts-fips.ca-central-1.amazonaws.com", "ca-central-1"),
        ("cn-north-1", false, "sts.cn-north-1.amazonaws.com.cn", "cn-north-1"),
        ("cn-northwest-1", false, "sts.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"),
        ("us-gov-west-1", false, "sts.us-gov-west-1.amazonaws.com", "us-gov-west-1"),
        // GovCloud's regular endpoints are FIPS endpoints already.
        ("us-gov-east-1", true, "sts.us-gov-east-1.amazonaws.com", "us-gov-east-1"),
        ("aws-global", false, "sts.amazonaws.com", "us-east-1"),
    ] {
        let endpoint = StsEndpoint::regional(region, fips).unwrap();
        assert_eq!((endpoint.host.as_str(), endpoint.region.as_str()), (host, signing_region), "{region} fips={fips}");
        let params = TokenParams { endpoint, ..params_with(IDENTITY, AUDIENCE) };
        let token = generate_token(&creds, &params, &mut SigningKeyCache::new()).unwrap();
        let text = decode_text(&token.blob);
        assert_eq!(header(&text, "Host"), Some(host));
        let scope = format!("Credential={AKID}/20260115/{signing_region}/sts/aws4_request,");
        assert!(header(&text, "Authorization").unwrap().contains(&scope), "{region}: {text}");
        assert!(reverify(&token.blob, SECRET).1, "{region}");

        // Relying parties take only the global host unless they opt in.
        let mut options = PrecheckOptions::new(IDENTITY, AUDIENCE, UnixTime::from_secs(T0));
        if host != "sts.amazonaws.com" {
            assert!(matches!(precheck(&token.blob, &options), Err(PrecheckError::HostNotAllowed { .. })));
            options.allowed_hosts.push(host.into());
        }
        precheck(&token.blob, &options).unwrap();
    }
    assert_eq!(StsEndpoint::regional("cn-north-1", true), Err(EndpointError::NoFipsEndpoint("cn-north-1".into())));
    for bad in ["", "US-EAST-1", "us-east-1.evil.com", "-us-east-1", "us east 1", "us-east-1/"] {
        assert_eq!(StsEndpoint::regional(bad, false), Err(EndpointError::InvalidRegion(bad.into())));
    }
}

// ---------------------------------------------------------------------------
// The token fast path is the general signer, byte for byte
// ---------------------------------------------------------------------------

/// `generate_token_unchecked_identity` writes the canonical request and the wire
/// text directly; the general path is `sign_token_request` (an `HttpRequest`
/// through `sigv4::sign`) then `serialize_request`. Over odd inputs too (spaces
/// to trim and collapse, upper-case or spaced hosts, bad values, empty region),
/// both give the same blob and texts, or the same error.
fn general_path(credentials: &Credentials, params: &TokenParams) -> Result<(String, String, String), TokenError> {
    let (request, signing) = sign_token_request(credentials, params, &mut SigningKeyCache::new())?;
    let blob = encode_text(&serialize_request(&request));
    Ok((blob, signing.canonical_request, signing.string_to_sign))
}

fn fast_path(credentials: &Credentials, params: &TokenParams) -> Result<(String, String, String), TokenError> {
    let token = generate_token_unchecked_identity(credentials, params, &mut SigningKeyCache::new())?;
    Ok((token.blob, token.signing.canonical_request, token.signing.string_to_sign))
}

fn odd_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{0,40}",
        1 => Just(String::new()),
        1 => "  [a-z]{1,5}   [a-z]{1,5}  ",
        1 => "[a-z]{1,5}[\r\n\0][a-z]{0,5}",
        1 => "[a-zé😀 ]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::default())]

    #[test]
    fn fast_token_path_equals_general_path(
        credentials in any_credentials(),
        identity in prop_oneof![uidp(), odd_value()],
        audience in prop_oneof![audience(), odd_value()],
        host in prop_oneof![
            Just("sts.amazonaws.com".to_string()),
            Just("STS.eu-west-1.AmazonAWS.com".to_string()),
            Just(" sts.amazonaws.com  ".to_string()),
            odd_value(),
        ],
        region in prop_oneof![Just("us-east-1".to_string()), Just(String::new()), "[a-z]{2}-[a-z]{4,9}-[0-9]"],
        time in -100_000_000_000i64..300_000_000_000,
    ) {
        let params = TokenParams { identity, audience, endpoint: StsEndpoint { host, region }, time: UnixTime::from_secs(time) };
        prop_assert_eq!(fast_path(&credentials, &params), general_path(&credentials, &params));
    }
}
