//! Container credentials (ECS, EKS Pod Identity) and web identity from the
//! environment (IRSA).

mod provider_support;

use cgaws_core::http::Url;
use cgaws_core::provider::{full_uri_allowed, TransportError};
use provider_support::*;

fn body() -> String {
    format!(
        r#"{{"AccessKeyId":"ASIACONT","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"2026-01-15T09:00:00Z","AccountId":"012345678901"}}"#
    )
}

const EKS: &str = "http://169.254.170.23/v1/credentials";

#[test]
fn ecs_relative_uri() {
    let run = World::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", EKS)
        .route("GET http://169.254.170.2/v2/credentials/abc", vec![json_response(200, &body())])
        .run();
    let r = run.ok();
    assert_eq!(r.source, "container");
    assert_eq!(r.account_id.as_deref(), Some("012345678901"));
    let req = run.requests()[0];
    assert_eq!(req.header("accept"), Some("application/json"));
    assert!(req.header("authorization").is_none());
}

#[test]
fn eks_pod_identity_with_token_file_reread_each_attempt() {
    let run = World::new()
        .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", EKS)
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/secrets/pods.eks.amazonaws.com/token")
        .env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-env")
        .file("/var/run/secrets/pods.eks.amazonaws.com/token", "eyJ-pod-token")
        .route(&format!("GET {EKS}"), vec![json_response(500, "{}"), json_response(200, &body())])
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIACONT");
    let reqs = run.requests();
    assert_eq!(reqs.len(), 2);
    for r in &reqs {
        assert_eq!(r.header("authorization"), Some("eyJ-pod-token"), "the file beats the variable, verbatim");
    }
    // The token file is read before every attempt, with a back-off between.
    let token_reads = run.reads().iter().filter(|p| p.ends_with("/token")).count();
    assert_eq!(token_reads, 2);
    assert_eq!(run.sleeps(), [1000]);
}

#[test]
fn authorization_token_checks() {
    let base = || {
        World::new()
            .env("AWS_CONTAINER_CREDENTIALS_FULL_URI", EKS)
            .route(&format!("GET {EKS}"), vec![json_response(200, &body())])
    };
    let r = base().env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic abc").run();
    assert_eq!(r.requests()[0].header("authorization"), Some("Basic abc"));
    let e = base().env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/t").file("/t", "token\n").run();
    let text = e.err().to_string();
    assert!(text.contains("contains a CR or LF (a trailing newline?)"), "{text}");
    assert!(e.requests().is_empty());
    let e = base().env("AWS_CONTAINER_AUTHORIZATION_TOKEN", "a\r\nInjected: yes").run();
    assert!(e.err().to_string().contains("CR or LF"));
    let e = base().env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/missing").run();
    assert!(e.err().to_string().contains("\"/missing\" does not exist"));
}

#[test]
fn full_uri_hosts() {
    let allowed = [
        "http://127.0.0.1/creds",
        "http://127.0.0.2:8080/creds",
        "http://localhost/creds",
        "http://[::1]/creds",
        "http://169.254.170.2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "http://[FD00:EC2:0::23]/v1/credentials",
        "https://creds.example.com/x",
    ];
    for url in allowed {
        assert!(full_uri_allowed(&Url::parse(url).unwrap()), "{url}");
    }
    let refused = [
        "http://169.254.169.254/latest",
        "http://10.0.0.1/creds",
        "http://creds.example.com/x",
        "http://127.0.0.1.nip.io/x",
        "http://[fd00:ec2::254]/x",
        "http://0.0.0.0/x",
    ];
    for url in refused {
        assert!(!full_uri_allowed(&Url::parse(url).unwrap()), "{url}");
        let e = World::new().env("AWS_CONTAINER_CREDENTIALS_FULL_URI", url).run();
        let text = e.err().to_string();
        assert!(e.err().stopped && text.contains("is not allowed"), "{text}");
        assert!(e.requests().is_empty(), "nothing is sent to {url}");
    }
}

#[test]
fn container_failures() {
    let run = |answers: Vec<HttpResult>| {
        World::new()
            .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c")
            .route("GET http://169.254.170.2/v2/c", answers)
            .run()
    };
    let r = run(vec![json_response(403, r#"{"Code":"AccessDenied","Message":"no task role"}"#)]);
    assert!(r.err().to_string().contains("answered HTTP 403: AccessDenied: no task role"), "{}", r.err());
    assert_eq!(r.requests().len(), 1);
    let r = run(vec![json_response(200, r#"{"Code":"InternalError","Message":"oops"}"#)]);
    assert!(r.err().to_string().contains("answered an error: InternalError: oops"));
    let r = run(vec![Err(TransportError::ConnectFailed("refused".into()))]);
    assert!(r.err().to_string().contains("could not connect: refused (after 3 attempts)"), "{}", r.err());
    assert_eq!(r.requests().len(), 3);
    assert_eq!(r.sleeps(), [1000, 1000]);
    let r = run(vec![json_response(200, &format!("{{\"SecretAccessKey\":\"{SECRET}\""))]);
    assert!(r.err().to_string().contains("unreadable response"));
    assert_no_secret(&r.err().to_string());
    // SessionToken and ExpiresAt spellings, case-insensitive keys.
    let r = run(vec![json_response(
        200,
        &format!(
            r#"{{"accessKeyId":"ASIA2","secretAccessKey":"{SECRET}","SessionToken":"{TOKEN}","ExpiresAt":"2026-01-15T09:00:00Z"}}"#
        ),
    )]);
    assert_eq!(r.ok().credentials.session_token().unwrap().expose(), TOKEN);
    assert!(r.ok().credentials.expiry().is_some());
}

#[test]
fn web_identity_from_env() {
    let run = World::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/eks.amazonaws.com/serviceaccount/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        .env("AWS_ROLE_SESSION_NAME", "pod-x")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_STS_REGIONAL_ENDPOINTS", "regional")
        .file("/var/run/secrets/eks.amazonaws.com/serviceaccount/token", "eyJhbGciOiJSUzI1NiJ9.e30.sig")
        .route("POST https://sts.eu-north-1.amazonaws.com/", vec![sts_ok("AssumeRoleWithWebIdentity", "ASIAIRSA")])
        .run();
    assert_eq!(run.ok().source, "web-identity");
    let req = run.requests()[0];
    let f = form(req);
    assert_eq!(f["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(f["Version"], "2011-06-15");
    assert_eq!(f["RoleArn"], "arn:aws:iam::123456789012:role/irsa");
    assert_eq!(f["RoleSessionName"], "pod-x");
    assert_eq!(f["WebIdentityToken"], "eyJhbGciOiJSUzI1NiJ9.e30.sig");
    assert!(req.header("authorization").is_none());
    assert!(req.headers.iter().all(|(n, _)| !n.to_ascii_lowercase().starts_with("x-amz-")));

    // Legacy mode sends us-east-1..us-west-2 (etc.) to the global endpoint.
    let run = World::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        .env("AWS_REGION", "eu-north-1")
        .env("AWS_STS_REGIONAL_ENDPOINTS", "legacy")
        .file("/t", "jwt")
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRoleWithWebIdentity", "ASIAIRSA")])
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAIRSA");
    assert_eq!(form(run.requests()[0])["RoleSessionName"], format!("cgaws-session-{NOW}"));
}

#[test]
fn web_identity_failures() {
    let e = World::new().env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t").run();
    assert!(e.err().stopped);
    assert!(e.err().to_string().contains("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"));
    let base = || World::new().env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t").env("AWS_ROLE_ARN", "arn:aws:iam::1:role/r");
    let e = base().run();
    assert!(e.err().to_string().contains("the web identity token file \"/t\" does not exist"));
    let e = base().file("/t", " \n").run();
    assert!(e.err().to_string().contains("is empty"));
    let e = base()
        .file("/t", "jwt")
        .route(
            "POST https://sts.amazonaws.com/",
            vec![sts_error(400, "InvalidIdentityToken", "No OpenIDConnect provider found")],
        )
        .run();
    let text = e.err().to_string();
    assert!(text.contains("AssumeRoleWithWebIdentity arn:aws:iam::1:role/r: STS InvalidIdentityToken (HTTP 400): No OpenIDConnect provider found"), "{text}");
    // IDPCommunicationError is retried.
    let r = base()
        .file("/t", "jwt")
        .route(
            "POST https://sts.amazonaws.com/",
            vec![sts_error(400, "IDPCommunicationError", "try again"), sts_ok("AssumeRoleWithWebIdentity", "ASIAOK")],
        )
        .run();
    assert_eq!(r.ok().credentials.access_key_id(), "ASIAOK");
    assert_eq!(r.sleeps(), [500]);
}
