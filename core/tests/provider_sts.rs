//! STS messages: request shapes, XML and JSON answers, error documents; and the
//! STS send endpoint rules.

mod provider_support;

use cgaws_core::http::Url;
use cgaws_core::provider::{sts_send_endpoint, Env, ProfileFiles};
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::{self, AssumeRoleParams, SendEndpoint, StsResponseError, WebIdentityParams};
use cgaws_core::{Credentials, HttpResponse, Secret, UnixTime};
use provider_support::*;

fn endpoint() -> SendEndpoint {
    SendEndpoint::custom(Url::parse("https://sts.us-west-2.amazonaws.com/").unwrap(), "us-west-2")
}

#[test]
fn get_caller_identity_request() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, Some(TOKEN.into())).unwrap();
    let mut cache = SigningKeyCache::default();
    let req = sts::get_caller_identity(&endpoint(), &creds, UnixTime::from_secs(NOW), &mut cache, true).unwrap();
    assert_eq!((req.method.as_str(), req.url().as_str()), ("POST", "https://sts.us-west-2.amazonaws.com/"));
    assert_eq!(req.body, b"Action=GetCallerIdentity&Version=2011-06-15");
    assert_eq!(req.header("accept"), Some("application/json"));
    assert_eq!(req.header("host"), Some("sts.us-west-2.amazonaws.com"));
    let auth = req.header("authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20260115/us-west-2/sts/aws4_request"), "{auth}");
    assert!(auth.contains("SignedHeaders=accept;content-type;host;x-amz-date;x-amz-security-token,"), "{auth}");
    let req = sts::get_caller_identity(&endpoint(), &creds, UnixTime::from_secs(NOW), &mut cache, false).unwrap();
    assert!(req.header("accept").is_none());
    assert_no_secret(&format!("{req:?}"));
}

#[test]
fn assume_role_requests() {
    let creds = Credentials::new("AKIDEXAMPLE", SECRET, None).unwrap();
    let params = AssumeRoleParams {
        role_arn: "arn:aws:iam::123456789012:role/a b".into(),
        role_session_name: "s@x".into(),
        external_id: Some("e=1".into()),
        duration_seconds: Some(900),
    };
    let req = sts::assume_role(&endpoint(), &creds, &params, UnixTime::from_secs(NOW), &mut SigningKeyCache::default())
        .unwrap();
    assert_eq!(
        String::from_utf8(req.body.clone()).unwrap(),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fa%20b&RoleSessionName=s%40x&ExternalId=e%3D1&DurationSeconds=900"
    );
    assert!(req.header("authorization").unwrap().contains("SignedHeaders=content-type;host;x-amz-date,"));
    let wi = sts::assume_role_with_web_identity(
        &endpoint(),
        &WebIdentityParams {
            role_arn: "arn:aws:iam::1:role/r".into(),
            role_session_name: "s".into(),
            token: Secret::new(SECRET),
            duration_seconds: Some(3600),
        },
    );
    assert_eq!(form(&wi)["WebIdentityToken"], SECRET);
    assert_eq!(form(&wi)["DurationSeconds"], "3600");
    assert!(wi.header("authorization").is_none());
    assert_no_secret(&format!("{wi:?}"));
}

#[test]
fn caller_identity_xml_and_json() {
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:sts::123456789012:assumed-role/R&amp;D/sess</Arn>
    <UserId>AROAEXAMPLE:sess</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>"#;
    let id = sts::parse_get_caller_identity(&HttpResponse::new(200, xml)).unwrap();
    assert_eq!(id.account, "123456789012");
    assert_eq!(id.arn, "arn:aws:sts::123456789012:assumed-role/R&D/sess");
    assert_eq!(id.user_id, "AROAEXAMPLE:sess");
    let json = r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/me","UserId":"AIDAEXAMPLE"},"ResponseMetadata":{"RequestId":"r"}}}"#;
    let id = sts::parse_get_caller_identity(&HttpResponse::new(200, json)).unwrap();
    assert_eq!((id.account.as_str(), id.user_id.as_str()), ("123456789012", "AIDAEXAMPLE"));
    // Wrong document, missing fields, garbage.
    for body in [
        "<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>",
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>a</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>",
        "<GetCallerIdentityResponse>",
        "",
        "hello",
        "{\"x\":1}",
    ] {
        match sts::parse_get_caller_identity(&HttpResponse::new(200, body)) {
            Err(StsResponseError::Malformed { status: 200, .. }) => {}
            other => panic!("{body:?}: {other:?}"),
        }
    }
}

#[test]
fn assume_role_answers() {
    let xml = sts_credentials_xml("AssumeRole", "ASIAXML", "2026-01-15T09:00:00Z");
    let a = sts::parse_assume_role(&HttpResponse::new(200, xml)).unwrap();
    assert_eq!(a.credentials.access_key_id(), "ASIAXML");
    assert_eq!(a.credentials.session_token().unwrap().expose(), TOKEN);
    assert_eq!(a.credentials.expiry(), Some(UnixTime::from_secs(NOW + 3600)));
    assert_eq!(a.account_id.as_deref(), Some("123456789012"));
    assert_eq!(a.assumed_role_id, "AROAEXAMPLE:sess");
    assert_no_secret(&format!("{a:?}"));
    // JSON form with epoch-second Expiration (integer or float) or a string.
    for expiration in [format!("{}", NOW + 3600), format!("{}.0", NOW + 3600), "\"2026-01-15T09:00:00Z\"".to_string()] {
        let json = format!(
            r#"{{"AssumeRoleWithWebIdentityResponse":{{"AssumeRoleWithWebIdentityResult":{{"AssumedRoleUser":{{"Arn":"arn:aws:sts::210987654321:assumed-role/r/s","AssumedRoleId":"AROA:s"}},"Credentials":{{"AccessKeyId":"ASIAJSON","SecretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","Expiration":{expiration}}},"SubjectFromWebIdentityToken":"system:serviceaccount:ns:sa"}},"ResponseMetadata":{{"RequestId":"r"}}}}}}"#
        );
        let a = sts::parse_assume_role_with_web_identity(&HttpResponse::new(200, json)).unwrap();
        assert_eq!(a.credentials.expiry(), Some(UnixTime::from_secs(NOW + 3600)), "{expiration}");
        assert_eq!(a.account_id.as_deref(), Some("210987654321"));
        assert_eq!(a.subject.as_deref(), Some("system:serviceaccount:ns:sa"));
    }
    // The action must match.
    let xml = sts_credentials_xml("AssumeRole", "ASIAXML", "2026-01-15T09:00:00Z");
    assert!(sts::parse_assume_role_with_web_identity(&HttpResponse::new(200, xml)).is_err());
    // Missing credentials fields never echo the body.
    let bad = format!("<AssumeRoleResponse><AssumeRoleResult><Credentials><SecretAccessKey>{SECRET}</SecretAccessKey></Credentials></AssumeRoleResult></AssumeRoleResponse>");
    let e = sts::parse_assume_role(&HttpResponse::new(200, bad)).unwrap_err();
    assert!(e.to_string().contains("no Credentials/AccessKeyId"), "{e}");
    assert_no_secret(&format!("{e} {e:?}"));
}

#[test]
fn error_documents() {
    let xml = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>ExpiredToken</Code><Message>The security token included in the request is expired &amp; old</Message></Error>
  <RequestId>4a5b</RequestId>
</ErrorResponse>"#;
    let e = sts::parse_error(&HttpResponse::new(400, xml));
    assert_eq!((e.status, e.code.as_str()), (400, "ExpiredToken"));
    assert_eq!(e.message, "The security token included in the request is expired & old");
    assert_eq!(e.request_id.as_deref(), Some("4a5b"));
    assert!(!e.is_retryable());
    assert!(e.to_string().contains("have expired"), "{e}");
    let json = r#"{"Error":{"Type":"Sender","Code":"Throttling","Message":"Rate exceeded"},"RequestId":"r1"}"#;
    let e = sts::parse_error(&HttpResponse::new(400, json));
    assert_eq!(
        (e.code.as_str(), e.message.as_str(), e.request_id.as_deref()),
        ("Throttling", "Rate exceeded", Some("r1"))
    );
    assert!(e.is_retryable());
    let aws_json = r#"{"__type":"com.amazon.coral.service#AccessDeniedException","message":"nope"}"#;
    let e = sts::parse_error(&HttpResponse::new(403, aws_json));
    assert_eq!((e.code.as_str(), e.message.as_str()), ("AccessDeniedException", "nope"));
    let e = sts::parse_error(&HttpResponse::new(502, "<html>\n<body>Bad   gateway</body></html>"));
    assert_eq!((e.code.as_str(), e.status), ("", 502));
    assert!(e.is_retryable());
    assert!(e.message.contains("Bad gateway"), "{e:?}");
    // Through the typed parsers, an error status gives Service.
    match sts::parse_assume_role(&HttpResponse::new(403, xml)) {
        Err(StsResponseError::Service(e)) => assert_eq!(e.code, "ExpiredToken"),
        other => panic!("{other:?}"),
    }
}

fn endpoint_for(env: &[(&str, &str)], config: &str, region: Option<&str>) -> Result<String, String> {
    let env: Env = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let files = ProfileFiles::parse(Some(config.as_bytes()), None).unwrap();
    sts_send_endpoint(&env, &files, "default", region)
        .map(|e| format!("{} {} {}", e.url.authority, e.signing_region, e.chosen_by))
        .map_err(|e| e.to_string())
}

#[test]
fn send_endpoint_rules() {
    assert_eq!(endpoint_for(&[], "", Some("us-west-2")).unwrap(), "sts.us-west-2.amazonaws.com us-west-2 regional");
    assert_eq!(endpoint_for(&[], "", None).unwrap(), "sts.amazonaws.com us-east-1 global");
    assert_eq!(endpoint_for(&[], "", Some("aws-global")).unwrap(), "sts.amazonaws.com us-east-1 global");
    assert_eq!(
        endpoint_for(&[], "", Some("cn-north-1")).unwrap(),
        "sts.cn-north-1.amazonaws.com.cn cn-north-1 regional"
    );
    assert_eq!(
        endpoint_for(&[("AWS_USE_FIPS_ENDPOINT", "true")], "", Some("us-gov-west-1")).unwrap(),
        "sts.us-gov-west-1.amazonaws.com us-gov-west-1 fips"
    );
    assert_eq!(
        endpoint_for(&[], "[default]\nuse_fips_endpoint = true\nuse_dualstack_endpoint = true\n", Some("us-east-2"))
            .unwrap(),
        "sts-fips.us-east-2.api.aws us-east-2 dualstack"
    );
    assert!(endpoint_for(&[("AWS_USE_DUALSTACK_ENDPOINT", "true")], "", Some("us-iso-east-1")).is_err());
    assert!(endpoint_for(&[("AWS_USE_FIPS_ENDPOINT", "true")], "", None).is_err());
    // Legacy: only the 16 regions go global.
    assert_eq!(
        endpoint_for(&[("AWS_STS_REGIONAL_ENDPOINTS", "legacy")], "", Some("us-west-2")).unwrap(),
        "sts.amazonaws.com us-east-1 global"
    );
    assert_eq!(
        endpoint_for(&[], "[default]\nsts_regional_endpoints = legacy\n", Some("af-south-1")).unwrap(),
        "sts.af-south-1.amazonaws.com af-south-1 regional"
    );
    // Configured endpoints, their order, and ignoring them.
    assert_eq!(
        endpoint_for(&[("AWS_ENDPOINT_URL", "http://localhost:4566")], "[default]\nendpoint_url = http://p\n", None)
            .unwrap(),
        "localhost:4566 us-east-1 AWS_ENDPOINT_URL"
    );
    assert_eq!(
        endpoint_for(&[], "[default]\nendpoint_url = http://p:1\n", Some("eu-west-1")).unwrap(),
        "p:1 eu-west-1 profile endpoint_url"
    );
    assert_eq!(
        endpoint_for(
            &[],
            "[default]\nendpoint_url = http://p:1\nignore_configured_endpoint_urls = true\n",
            Some("eu-west-1")
        )
        .unwrap(),
        "sts.eu-west-1.amazonaws.com eu-west-1 regional"
    );
    assert!(endpoint_for(&[("AWS_ENDPOINT_URL_STS", "ftp://x")], "", None)
        .unwrap_err()
        .contains("AWS_ENDPOINT_URL_STS"));
    assert!(endpoint_for(&[], "", Some("Not A Region")).is_err());
}

#[test]
fn http_dates_and_skew() {
    assert_eq!(sts::parse_http_date("Thu, 15 Jan 2026 08:00:00 GMT"), Some(UnixTime::from_secs(NOW)));
    for bad in [
        "Thu, 15 Jan 2026 08:00:00 UTC",
        "15 Jan 2026 08:00:00 GMT",
        "Thu, 5 Jan 2026 08:00:00 GMT",
        "Thu, 15 Foo 2026 08:00:00 GMT",
        "",
    ] {
        assert_eq!(sts::parse_http_date(bad), None, "{bad}");
    }
    let mut response = HttpResponse::new(403, "");
    response.headers.push(("Date".into(), "Thu, 15 Jan 2026 08:10:00 GMT".into()));
    let err = |code: &str, message: &str| sts::StsError {
        status: 403,
        code: code.into(),
        message: message.into(),
        request_id: None,
    };
    let now = UnixTime::from_secs(NOW);
    assert_eq!(
        sts::skew_corrected_time(&response, &err("SignatureDoesNotMatch", "Signature expired: x"), now),
        Some(UnixTime::from_secs(NOW + 600))
    );
    assert_eq!(
        sts::skew_corrected_time(
            &response,
            &err("SignatureDoesNotMatch", "The request signature we calculated does not match"),
            now
        ),
        None
    );
    assert_eq!(
        sts::skew_corrected_time(&response, &err("RequestExpired", ""), UnixTime::from_secs(NOW + 500)),
        None,
        "within 4 minutes"
    );
}
