//! Host-side tests of the `cgaws/verify` build's conversions. `verify` itself
//! is tested against STS (moto) by `wasm/test.sh`.

use super::*;
use crate::testing::{call, s, Out};
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::{generate_token, StsEndpoint, TokenParams};
use cgaws_core::{Credentials, UnixTime};

const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
const SIGNED: f64 = 1_768_464_000.0;
const ANSWER: &str = r#"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:sts::123456789012:assumed-role/ci/i-0abc</Arn><UserId>AROAEXAMPLEID12345678:i-0abc</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"#;

fn blob() -> String {
    let credentials = Credentials::new("AKIDEXAMPLE", "SECRET", Some("SESSION".into())).unwrap();
    let params = TokenParams {
        identity: IDENTITY.into(),
        audience: "https://issuer.enforce.dev".into(),
        endpoint: StsEndpoint::global(),
        time: UnixTime::from_secs(SIGNED as i64),
    };
    generate_token(&credentials, &params, &mut SigningKeyCache::new()).unwrap().blob
}

/// Fields: token, identity, time, audiences, hosts, rule, endpoint.
fn start(rule: Option<&str>, endpoint: Option<&str>) -> Result<(u32, Out), Out> {
    let token = blob();
    let fields = [Some(&token[..]), Some(IDENTITY), None, None, None, rule, endpoint];
    call(&fields, || verify_start(SIGNED + 60.0, f64::NAN, f64::NAN)).map(|out| (s(&out[0]).parse().unwrap(), out))
}

#[test]
fn verifies_with_and_without_a_rule() {
    let (handle, out) = start(None, None).unwrap();
    assert_eq!(
        (s(&out[1]), s(&out[2])),
        ("POST", "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15")
    );
    let done = call(&[Some(ANSWER)], || verify_finish(handle, 200)).unwrap();
    assert_eq!(s(&done[0]), "verified");
    assert_eq!(s(&done[2]), "arn:aws:sts::123456789012:assumed-role/ci/i-0abc");
    assert_eq!((s(&done[6]), s(&done[7])), ("1768464000", "sts.amazonaws.com"));
    assert_eq!(done[8], None);
    // Finished: the handle is gone.
    assert!(call(&[Some(ANSWER)], || verify_finish(handle, 200)).is_err());

    let rule = r#"{"awsIdentity":{"aws_account":"123456789012","arnPattern":"^arn:aws:sts::123456789012:assumed-role/ci/[^/]+$","userIdPattern":"^AROA[A-Z0-9]+:[^:]+$"}}"#;
    let (handle, out) = start(Some(rule), Some("http://127.0.0.1:5000")).unwrap();
    // Sent elsewhere, the signed Host stays.
    assert_eq!(s(&out[2]), "http://127.0.0.1:5000/?Action=GetCallerIdentity&Version=2011-06-15");
    assert!(out.windows(2).any(|w| w[0].as_deref() == Some("Host") && w[1].as_deref() == Some("sts.amazonaws.com")));
    let done = call(&[Some(ANSWER)], || verify_finish(handle, 200)).unwrap();
    assert_eq!((s(&done[0]), s(&done[8])), ("verified", "3"));
    assert_eq!(done[12].as_deref(), Some("1"));
}

#[test]
fn refusals_say_which_check_and_why() {
    let rule = r#"{"awsIdentity":{"aws_account":"123456789012","arn":"arn:aws:iam::123456789012:role/ci","userIdPattern":"^AROA"}}"#;
    let (handle, _) = start(Some(rule), None).unwrap();
    let out = call(&[Some(ANSWER)], || verify_finish(handle, 200)).unwrap();
    assert_eq!((s(&out[0]), s(&out[1]), s(&out[2])), ("refused", "rule_not_matched", "9"));
    assert_eq!(s(&out[7]), "arn:aws:sts::123456789012:assumed-role/ci/i-0abc");
    assert!(out.iter().any(|f| f.as_deref() == Some("0")), "a failing field: {out:?}");

    let (handle, _) = start(None, None).unwrap();
    let denied =
        r#"<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>no</Message></Error></ErrorResponse>"#;
    let out = call(&[Some(denied)], || verify_finish(handle, 403)).unwrap();
    assert_eq!(
        (s(&out[1]), s(&out[2]), s(&out[4]), s(&out[5])),
        ("rejected_by_sts", "8", "403", "InvalidClientTokenId")
    );

    let e = start(Some("{}"), None).unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("input", "invalid_rule"));
    assert_eq!((s(&e[3]), s(&e[4])), ("ruleCode", "no-rule"));
    let token = blob();
    let late = call(&[Some(&token[..]), Some(IDENTITY)], || verify_start(SIGNED + 3600.0, f64::NAN, f64::NAN));
    let e = late.unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("precheck", "expired"));
}
