//! Host-side tests of the binding's conversions, through the same field lists
//! the JavaScript side writes. The JavaScript API itself is tested by
//! `wasm/test.sh` in Node, Chromium and workerd.

use super::*;
use crate::testing::{call, s, Out};

const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

fn set(key: &str, secret: &str, session: Option<&str>) -> Result<Out, Out> {
    call(&[Some(key), Some(secret), session], set_credentials)
}

fn make_token(fields: &[Option<&str>], secs: f64) -> Result<String, Out> {
    call(fields, || token(secs)).map(|o| o[0].clone().unwrap())
}

fn inspected(blob: &str) -> Out {
    call(&[Some(blob)], inspect).unwrap()
}

#[test]
fn token_matches_the_vector_through_the_scratch_buffer() {
    set("AKIDEXAMPLE", SECRET, None).unwrap();
    // The vector "global-no-session-token", with the time as text and as seconds.
    let by_text = make_token(&[Some(IDENTITY), None, None, Some("2026-01-15T08:00:00Z")], 0.0).unwrap();
    let by_secs = make_token(&[Some(IDENTITY), None, None, None], 1_768_464_000.9).unwrap();
    assert_eq!(by_text, by_secs);
    let i = inspected(&by_text);
    assert_eq!(s(&i[11]), "fcba0fd2…");
    assert_eq!(s(&i[12]), "accept;chainguard-audience;chainguard-identity;host;x-amz-date");
    // Regional, with a session token and an explicit audience.
    set("AKIDEXAMPLE", SECRET, Some("SESSION")).unwrap();
    let regional =
        make_token(&[Some(IDENTITY), Some("https://issuer.enforce.dev"), Some("us-west-2"), None], 1e9).unwrap();
    let i = inspected(&regional);
    assert_eq!(s(&i[1]), "sts.us-west-2.amazonaws.com");
    assert_eq!((s(&i[7]), s(&i[10])), ("1000000000", "1"));
}

#[test]
fn errors_carry_kind_and_code() {
    let e = set("", SECRET, None).unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("credentials", "empty_access_key_id"));
    // No credentials are kept after a failure.
    let e = make_token(&[Some(IDENTITY)], 0.0).unwrap_err();
    assert!(s(&e[2]).contains("no credentials were set"));

    set("AKIDEXAMPLE", SECRET, None).unwrap();
    for (fields, code) in [
        ([Some("not-a-uidp"), None, None, None], "invalid_identity"),
        ([Some(IDENTITY), None, Some("US-EAST-1"), None], "invalid_region"),
        ([Some(IDENTITY), None, None, Some("yesterday")], "invalid_time"),
        ([Some(IDENTITY), Some(""), None, None], "invalid_audience"),
        ([None, None, None, None], "invalid_argument"),
    ] {
        let e = make_token(&fields, 0.0).unwrap_err();
        assert_eq!((s(&e[0]), s(&e[1])), ("input", code));
    }
    assert!(make_token(&[Some(IDENTITY)], f64::NAN).is_err());
    assert!(make_token(&[Some(IDENTITY)], 1e300).is_err());
    // A malformed field list is refused, not read out of bounds.
    scratch(8);
    STATE.with_borrow_mut(|s| s.input[..8].copy_from_slice(&[9, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f]));
    assert!(token(0.0) < 0);
}

fn suite(case: &str, file: &str) -> String {
    let path = format!("{}/../tests/vectors/sigv4-suite/{case}/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn signs_and_presigns_a_suite_case() {
    // get-vanilla: AKIDEXAMPLE, us-east-1, service, 2015-08-30T12:36:00Z.
    assert!(suite("get-vanilla", "context.json").contains("\"AKIDEXAMPLE\""));
    let fields = [
        Some("AKIDEXAMPLE"),
        Some(SECRET),
        None,
        Some("GET"),
        Some("https://example.amazonaws.com/"),
        Some("us-east-1"),
        Some("service"),
        Some("2015-08-30T12:36:00Z"),
        None,
        None,
        Some("Host"),
        Some("example.amazonaws.com"),
    ];
    let out = call(&fields, || sign(ops::NORMALIZE_PATH | ops::SIGN_SESSION_TOKEN, 0.0, f64::NAN)).unwrap();
    assert_eq!(s(&out[2]), suite("get-vanilla", "header-signature.txt").trim());
    assert_eq!(s(&out[4]), suite("get-vanilla", "header-canonical-request.txt"));
    assert_eq!(s(&out[5]), suite("get-vanilla", "header-string-to-sign.txt"));
    let names: Vec<&str> = out[6..].iter().step_by(2).map(s).collect();
    assert_eq!(names, ["Host", "X-Amz-Date", "Authorization"]);

    let flags = ops::PRESIGN | ops::NORMALIZE_PATH | ops::SIGN_SESSION_TOKEN;
    let out = call(&fields, || sign(flags, 0.0, 3600.0)).unwrap();
    assert_eq!(s(&out[2]), suite("get-vanilla", "query-signature.txt").trim());
    assert!(s(&out[1]).contains("X-Amz-Signature="));
    let e = call(&fields, || sign(flags, 0.0, 1.5)).unwrap_err();
    assert_eq!(s(&e[1]), "invalid_expiry");
    let e = call(&fields[..4], || sign(0, 0.0, f64::NAN)).unwrap_err();
    assert_eq!((s(&e[1]), s(&e[2])), ("invalid_argument", "url is required"));
}

#[test]
fn prechecks_tokens() {
    set("AKIDEXAMPLE", SECRET, Some("SESSION")).unwrap();
    let blob = make_token(&[Some(IDENTITY), None, None, Some("2026-01-15T08:00:00Z")], 0.0).unwrap();
    let run = |now: &str| call(&[Some(&blob), Some(IDENTITY), Some(now)], || precheck(0.0, f64::NAN, f64::NAN));
    let ok = run("2026-01-15T08:10:00Z").unwrap();
    assert_eq!(s(&ok[0]), "sts.amazonaws.com");
    assert_eq!(s(&ok[3]), "1768464000");
    assert_eq!(s(&ok[9]), "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
    let e = run("2026-01-15T08:16:00Z").unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("precheck", "expired"));
    assert_eq!((s(&e[3]), s(&e[4])), ("#check", "7"));
    // Audiences and hosts as counted lists.
    let fields = [Some(&blob[..]), Some(IDENTITY), None, Some("1"), Some("https://other"), Some("0")];
    let e = call(&fields, || precheck(1_768_464_000.0, f64::NAN, f64::NAN)).unwrap_err();
    assert_eq!(s(&e[1]), "host_not_allowed");
}

#[test]
fn drives_an_exchange() {
    let start = |fields: &[Option<&str>]| call(fields, || exchange_start(1_768_464_000.0));
    let fields =
        [Some(IDENTITY), Some("http://127.0.0.1:9/"), None, Some("1"), Some("registry.pull"), None, Some("BLOB==")];
    let handle: u32 = s(&start(&fields).unwrap()[0]).parse().unwrap();
    let request = call(&[], || exchange_request(handle)).unwrap();
    assert_eq!(s(&request[1]), "http://127.0.0.1:9/sts/exchange");
    assert!(s(&request[2]).starts_with("aud=cgr.dev&identity="));
    assert!(s(&request[2]).ends_with("&scope=registry.pull"));
    let retry = call(&[None, Some("busy")], || exchange_response(handle, 503, 0.0)).unwrap();
    assert_eq!((s(&retry[0]), s(&retry[1])), ("retry", "100"));
    let body = r#"{"token":"a.b.c","expiry":"2026-01-15T09:00:00Z"}"#;
    let done = call(&[None, Some(body)], || exchange_response(handle, 200, 0.0)).unwrap();
    assert_eq!(done, [Some("done".into()), Some("a.b.c".into()), Some("1768467600".into())]);
    exchange_free(handle);
    assert!(call(&[], || exchange_request(handle)).is_err());

    let handle: u32 = s(&start(&fields).unwrap()[0]).parse().unwrap();
    let e = call(&[Some("https://elsewhere/"), Some("")], || exchange_response(handle, 302, 0.0)).unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("exchange", "redirected"));
    assert_eq!(
        e[3..],
        [Some("#status".into()), Some("302".into()), Some("location".into()), Some("https://elsewhere/".into())]
    );
    let handle: u32 = s(&start(&fields).unwrap()[0]).parse().unwrap();
    let e = call(&[None, Some(r#"{"code":7,"message":"no"}"#)], || exchange_response(handle, 403, 0.0)).unwrap_err();
    assert_eq!(s(&e[1]), "permission_denied");
    assert!(e.contains(&Some("PERMISSION_DENIED".into())));

    // With credentials, the bearer is a fresh token for the issuer.
    let fields = [
        Some(IDENTITY),
        Some("http://127.0.0.1:9/"),
        None,
        None,
        None,
        None,
        Some("AKIDEXAMPLE"),
        Some(SECRET),
        None,
        None,
        None,
    ];
    let handle: u32 = s(&start(&fields).unwrap()[0]).parse().unwrap();
    let request = call(&[], || exchange_request(handle)).unwrap();
    let at = request.iter().position(|f| f.as_deref() == Some("Authorization")).unwrap();
    let blob = s(&request[at + 1]).strip_prefix("Bearer ").unwrap().to_string();
    assert_eq!(s(&inspected(&blob)[4]), "http://127.0.0.1:9");

    let e = start(&[Some("x")]).unwrap_err();
    assert_eq!(s(&e[1]), "invalid_identity");
}

#[test]
fn a_list_count_is_decimal_digits() {
    let check = |fields: &[Option<&str>]| call(fields, || precheck(0.0, f64::NAN, f64::NAN)).unwrap_err();
    for count in ["", "x", "1x", "-1", "99999999999999999999999"] {
        let e = check(&[Some("tok"), Some(IDENTITY), None, Some(count)]);
        assert_eq!((s(&e[1]), s(&e[2])), ("invalid_argument", "malformed argument list"), "{count:?}");
    }
    // A good count reads that many items; the token is what fails then.
    let e = check(&[Some("tok"), Some(IDENTITY), None, Some("2"), Some("a"), Some("b"), Some("0")]);
    assert_eq!(s(&e[0]), "precheck", "{e:?}");
}
