//! `verify`, the relying party's whole flow, with scripted STS answers: a 200
//! JSON (and XML) answer, a 403 error, malformed answers, a rule that matches
//! and one that does not, and the override URL keeping the signed Host.
#![cfg(feature = "rules")]

use cgaws_core::rules::parse;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::{generate_token, TokenParams};
use cgaws_core::verify::{start, VerifyError, VerifyOptions};
use cgaws_core::{Credentials, HttpResponse, UnixTime};

const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";
const AUDIENCE: &str = "https://issuer.enforce.dev";
const SIGNED_AT: i64 = 1_768_464_000; // 2026-01-15T08:00:00Z
const ARN: &str = "arn:aws:sts::452336408843:assumed-role/access_to_chainguard_org/i-00c1356891c0ffee1";
const USER_ID: &str = "AROAWSUKZ3EFSAMPLE:i-00c1356891c0ffee1";

fn blob() -> String {
    let creds = Credentials::new(
        "ASIAWSUKZ3EFEXAMPLE1",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        Some("IQoJb3JpZ2luX2VjEXAMPLE".into()),
    )
    .unwrap();
    let params = TokenParams::new(IDENTITY, UnixTime::from_secs(SIGNED_AT));
    generate_token(&creds, &params, &mut SigningKeyCache::new()).unwrap().blob
}

fn options() -> VerifyOptions {
    VerifyOptions::new(IDENTITY, vec![AUDIENCE.into()], UnixTime::from_secs(SIGNED_AT + 60))
}

fn ok_json() -> HttpResponse {
    HttpResponse::new(
        200,
        format!(
            r#"{{"GetCallerIdentityResponse":{{"GetCallerIdentityResult":{{"Account":"452336408843","Arn":"{ARN}","UserId":"{USER_ID}"}},"ResponseMetadata":{{"RequestId":"r-1"}}}}}}"#
        ),
    )
}

fn rule(arn_pattern: &str) -> cgaws_core::rules::RuleDoc {
    parse(&format!(
        r#"{{"awsIdentity":{{"aws_account":"452336408843","arnPattern":"{arn_pattern}","userIdPattern":"^AROAWSUKZ3EFSAMPLE:.*$"}}}}"#
    ))
    .unwrap()
}

#[test]
fn accepted_with_and_without_rule() {
    let v = start(&blob(), &options()).unwrap();
    let req = v.request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.url(), "https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(req.header("host"), Some("sts.amazonaws.com"));
    assert!(req.header("authorization").unwrap().starts_with("AWS4-HMAC-SHA256 "));
    let done = v.finish(&ok_json()).unwrap();
    assert_eq!(done.caller.arn, ARN);
    assert_eq!(done.caller.user_id, USER_ID);
    assert_eq!(done.identity, IDENTITY);
    assert_eq!(done.audience, AUDIENCE);
    assert_eq!(done.signed_at, UnixTime::from_secs(SIGNED_AT));
    assert_eq!(done.verdict, None);

    let opts = options().with_rule(rule("^arn:aws:sts::452336408843:assumed-role/access_to_chainguard_org/.*$"));
    let done = start(&blob(), &opts).unwrap().finish(&ok_json()).unwrap();
    assert!(done.verdict.unwrap().accepted);
}

#[test]
fn xml_answers_are_read_too() {
    let xml = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult><Arn>{ARN}</Arn><UserId>{USER_ID}</UserId><Account>452336408843</Account></GetCallerIdentityResult></GetCallerIdentityResponse>"
    );
    let done = start(&blob(), &options()).unwrap().finish(&HttpResponse::new(200, xml)).unwrap();
    assert_eq!(done.caller.account, "452336408843");
}

#[test]
fn rule_mismatch_carries_the_verdict() {
    // The classic mistake: the rule names the IAM role.
    let opts = options().with_rule(rule("^arn:aws:iam::452336408843:role/access_to_chainguard_org$"));
    let e = start(&blob(), &opts).unwrap().finish(&ok_json()).unwrap_err();
    assert_eq!((e.check(), e.code()), (9, "rule_not_matched"));
    let VerifyError::RuleNotMatched { caller, verdict } = &e else { panic!("{e:?}") };
    assert_eq!(caller.arn, ARN);
    let failed: Vec<_> = verdict.failures().collect();
    assert_eq!(failed.len(), 1);
    assert!(failed[0].reason.as_deref().unwrap().contains("names the IAM role"));
    assert!(e.to_string().starts_with("permission denied: caller arn:aws:sts::"), "{e}");
}

#[test]
fn rejected_by_sts() {
    let body = r#"{"Error":{"Code":"SignatureDoesNotMatch","Message":"The request signature we calculated does not match the signature you provided.","Type":"Sender"},"RequestId":"r-2"}"#;
    let e = start(&blob(), &options()).unwrap().finish(&HttpResponse::new(403, body)).unwrap_err();
    assert_eq!((e.check(), e.code()), (8, "rejected_by_sts"));
    let VerifyError::RejectedBySts(sts) = &e else { panic!("{e:?}") };
    assert_eq!((sts.status, sts.code.as_str()), (403, "SignatureDoesNotMatch"));
    assert!(e.to_string().starts_with("rejected by STS: STS SignatureDoesNotMatch (HTTP 403)"), "{e}");
    // XML error, and a non-200 success status, are rejections too.
    let xml = "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired</Message></Error></ErrorResponse>";
    let e = start(&blob(), &options()).unwrap().finish(&HttpResponse::new(403, xml)).unwrap_err();
    assert!(matches!(&e, VerifyError::RejectedBySts(s) if s.code == "ExpiredToken"), "{e:?}");
    let e = start(&blob(), &options()).unwrap().finish(&HttpResponse::new(204, "")).unwrap_err();
    assert_eq!(e.code(), "rejected_by_sts");
}

#[test]
fn malformed_answers() {
    for body in
        ["", "not json", "{}", r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Arn":"a"}}}"#, "<x/>"]
    {
        let e = start(&blob(), &options()).unwrap().finish(&HttpResponse::new(200, body)).unwrap_err();
        assert_eq!((e.check(), e.code()), (8, "invalid_sts_answer"), "{body}: {e}");
    }
}

#[test]
fn precheck_failures_come_first() {
    let e =
        start(&blob(), &VerifyOptions::new(IDENTITY, vec!["https://elsewhere".into()], UnixTime::from_secs(SIGNED_AT)))
            .unwrap_err();
    assert_eq!((e.check(), e.code()), (6, "invalid_audience"));
    let e =
        start(&blob(), &VerifyOptions::new(IDENTITY, vec![AUDIENCE.into()], UnixTime::from_secs(SIGNED_AT + 16 * 60)))
            .unwrap_err();
    assert_eq!(e.code(), "expired");
    let e = start(&blob(), &options().with_allowed_hosts(vec!["sts.us-west-2.amazonaws.com".into()])).unwrap_err();
    assert_eq!(e.code(), "host_not_allowed");
    assert_eq!(start("!!!", &options()).unwrap_err().code(), "invalid_encoding");
}

#[test]
fn override_url_keeps_the_signed_host() {
    let v = start(&blob(), &options()).unwrap();
    let req = v.request_to("http://127.0.0.1:4566").unwrap();
    assert_eq!(req.url(), "http://127.0.0.1:4566/?Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(req.header("host"), Some("sts.amazonaws.com"));
    assert_eq!(req.headers, v.request().headers);
    assert!(v.request_to("not a url").is_err());
}
