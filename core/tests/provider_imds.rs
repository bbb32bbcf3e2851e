//! EC2 instance metadata: IMDSv2, the v1 fallback rules, the hop limit, retries,
//! endpoints, and static stability.

mod provider_support;

use cgaws_core::provider::{Action, ResolvedCredentials, TransportError};
use cgaws_core::{Credentials, HttpResponse, UnixTime};
use provider_support::*;

const PUT: &str = "PUT http://169.254.169.254/latest/api/token";
const LIST: &str = "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/";
const ROLE: &str = "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role";

fn creds_json(expiration: &str) -> String {
    format!(
        r#"{{"Code":"Success","LastUpdated":"2026-01-15T07:42:26Z","Type":"AWS-HMAC","AccessKeyId":"ASIAIMDS","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"{expiration}"}}"#
    )
}

fn imds(put: Vec<HttpResult>) -> World {
    World::new()
        .route(PUT, put)
        .route(LIST, vec![json_response(200, "my-role\n")])
        .route(ROLE, vec![json_response(200, &creds_json("2026-01-15T14:00:00Z"))])
}

fn token_ok() -> HttpResult {
    Ok(HttpResponse {
        status: 200,
        headers: vec![("x-aws-ec2-metadata-token-ttl-seconds".into(), "21600".into())],
        body: b"IMDS-TOKEN-123==".to_vec(),
    })
}

#[test]
fn imdsv2_flow() {
    let run = imds(vec![token_ok()]).run();
    let r = run.ok();
    assert_eq!(r.source, "imds");
    assert_eq!(r.credentials.access_key_id(), "ASIAIMDS");
    assert_eq!(r.credentials.expiry(), Some(UnixTime::parse_rfc3339("2026-01-15T14:00:00Z").unwrap()));
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert_eq!(
        run.request_lines(),
        [
            "PUT http://169.254.169.254/latest/api/token",
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/",
            "GET http://169.254.169.254/latest/meta-data/iam/security-credentials/my-role",
        ]
    );
    let reqs = run.requests();
    assert_eq!(reqs[0].header("X-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
    assert!(reqs[0].header("X-aws-ec2-metadata-token").is_none());
    for r in &reqs[1..] {
        assert_eq!(r.header("X-aws-ec2-metadata-token"), Some("IMDS-TOKEN-123=="));
    }
    for action in &run.actions {
        if let Action::Http { timeout_ms, .. } = action {
            assert_eq!(*timeout_ms, 1000);
        }
    }
}

#[test]
fn v1_fallback_on_403_404_405() {
    for status in [403, 404, 405] {
        let run = imds(vec![json_response(status, "")]).run();
        assert_eq!(run.ok().credentials.access_key_id(), "ASIAIMDS", "status {status}");
        assert!(run.requests()[1..].iter().all(|r| r.header("X-aws-ec2-metadata-token").is_none()));
        assert!(run.ok().warnings.iter().any(|w| w.contains("falling back to IMDSv1")), "{:?}", run.ok().warnings);
        // Unless v1 is disabled.
        let run = imds(vec![json_response(status, "")]).env("AWS_EC2_METADATA_V1_DISABLED", "true").run();
        let text = run.err().to_string();
        assert!(text.contains(&format!("refused the IMDSv2 token request (HTTP {status})")), "{text}");
        assert!(text.contains("IMDSv1 fallback is disabled"), "{text}");
        assert_eq!(run.requests().len(), 1);
        // Or disabled in the profile.
        let run = imds(vec![json_response(status, "")]).config("[default]\nec2_metadata_v1_disabled = true\n").run();
        assert!(run.err().to_string().contains("IMDSv1 fallback is disabled"));
    }
}

#[test]
fn token_put_timeout_names_the_hop_limit() {
    for v1_disabled in [false, true] {
        let mut w = imds(vec![Err(TransportError::Timeout)]);
        if v1_disabled {
            w = w.env("AWS_EC2_METADATA_V1_DISABLED", "true");
        }
        let run = w.run();
        let text = run.err().to_string();
        assert!(text.contains("timed out after 1000 ms"), "{text}");
        assert!(text.contains("hop limit"), "{text}");
        assert!(text.contains("aws ec2 modify-instance-metadata-options"), "{text}");
        assert!(text.contains("--http-put-response-hop-limit 2"), "{text}");
        // No v1 fallback after a timeout, whatever the setting.
        assert_eq!(run.request_lines(), [PUT]);
    }
}

#[test]
fn token_put_other_statuses() {
    let run = imds(vec![json_response(400, "")]).run();
    assert!(run.err().to_string().contains("answered the IMDSv2 token request with HTTP 400"));
    let run = imds(vec![json_response(401, "")]).run();
    assert!(run.err().to_string().contains("HTTP 401"));
    // 5xx: retried (3 attempts even with the default of 1), then an error.
    let run = imds(vec![json_response(500, "")]).run();
    assert!(run.err().to_string().contains("HTTP 500"));
    assert_eq!(run.request_lines(), [PUT, PUT, PUT]);
    let run = imds(vec![json_response(503, ""), token_ok()]).run();
    assert_eq!(run.ok().source, "imds");
    // Transport errors are retried AWS_METADATA_SERVICE_NUM_ATTEMPTS times.
    let run =
        imds(vec![Err(TransportError::ConnectFailed("refused".into())), Err(TransportError::Timeout), token_ok()])
            .env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3")
            .env("AWS_METADATA_SERVICE_TIMEOUT", "2.5")
            .run();
    assert_eq!(run.ok().source, "imds");
    assert!(run.actions.iter().all(|a| !matches!(a, Action::Http { timeout_ms, .. } if *timeout_ms != 2500)));
    let run = World::new().env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "zero").run();
    assert!(run.err().to_string().contains("AWS_METADATA_SERVICE_NUM_ATTEMPTS"));
    for bad in ["-1", "0", "1e3", "abc", ".", "1.2.3", ""] {
        let run = World::new()
            .config(&format!("[default]\nmetadata_service_timeout = {bad}\n"))
            .env("AWS_METADATA_SERVICE_TIMEOUT", bad)
            .run();
        if bad.is_empty() {
            continue; // an empty setting is unset
        }
        assert!(run.err().to_string().contains("AWS_METADATA_SERVICE_TIMEOUT"), "{bad}: {}", run.err());
    }
    for (good, ms) in [("2", 2000), (".25", 250), ("0.5", 500), ("3.", 3000)] {
        let run = World::new().env("AWS_METADATA_SERVICE_TIMEOUT", good).run();
        assert!(matches!(run.actions.last(), Some(Action::Http { timeout_ms, .. }) if *timeout_ms == ms), "{good}");
    }
}

#[test]
fn role_list_and_credentials_failures() {
    let run = imds(vec![token_ok()]).route(LIST, vec![json_response(404, "")]).run();
    let e = run.err();
    assert!(!e.stopped, "no instance profile is 'not found'");
    assert!(e.to_string().contains("no IAM role (instance profile) is attached"), "{e}");

    let body = r#"{"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role my-role.","LastUpdated":"2026-01-15T07:42:26Z"}"#;
    let run = imds(vec![token_ok()]).route(ROLE, vec![json_response(200, body)]).run();
    let text = run.err().to_string();
    assert!(text.contains("AssumeRoleUnauthorizedAccess: EC2 cannot assume the role my-role."), "{text}");
    assert!(text.contains("trust policy must allow ec2.amazonaws.com"), "{text}");

    // Malformed JSON: an error that never echoes the body.
    let run = imds(vec![token_ok()])
        .route(ROLE, vec![json_response(200, &format!("{{\"SecretAccessKey\":\"{SECRET}\""))])
        .run();
    let text = run.err().to_string();
    assert!(text.contains("unreadable credentials for role \"my-role\""), "{text}");
    assert_no_secret(&text);
    // Missing fields.
    let run = imds(vec![token_ok()])
        .route(
            ROLE,
            vec![json_response(
                200,
                &format!(r#"{{"Code":"Success","AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#),
            )],
        )
        .run();
    assert!(run.err().to_string().contains("are all required"));
    // Bad JSON is retried with the configured attempts.
    let run = imds(vec![token_ok()])
        .env("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2")
        .route(ROLE, vec![json_response(200, "{"), json_response(200, &creds_json("2026-01-15T14:00:00Z"))])
        .run();
    assert_eq!(run.ok().source, "imds");

    // 500 on the GETs: retried, then an error.
    let run = imds(vec![token_ok()]).route(LIST, vec![json_response(500, "")]).run();
    assert!(
        run.err().to_string().contains("IMDS failed to return the IAM role list: HTTP 500 (after 3 attempts)"),
        "{}",
        run.err()
    );
    let run = imds(vec![token_ok()]).route(LIST, vec![json_response(500, ""), json_response(200, "my-role")]).run();
    assert_eq!(run.ok().source, "imds");
    // 401 on a v1 GET: the instance requires IMDSv2.
    let run = imds(vec![json_response(403, "")]).route(LIST, vec![json_response(401, "")]).run();
    assert!(run.err().to_string().contains("requires IMDSv2"));
    // 404 on the role's credentials.
    let run = imds(vec![token_ok()]).route(ROLE, vec![json_response(404, "")]).run();
    assert!(run.err().to_string().contains("has no credentials for it (404)"));
}

#[test]
fn instance_profile_name_skips_the_listing() {
    let run = imds(vec![token_ok()])
        .env("AWS_EC2_INSTANCE_PROFILE_NAME", "my-role")
        .route(LIST, vec![json_response(500, "")])
        .run();
    assert_eq!(run.ok().source, "imds");
    assert_eq!(run.request_lines(), [PUT, ROLE]);
}

#[test]
fn endpoints() {
    let v6 = World::new()
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")
        .route("PUT http://[fd00:ec2::254]/latest/api/token", vec![token_ok()])
        .route(
            "GET http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/",
            vec![json_response(200, "my-role")],
        )
        .route(
            "GET http://[fd00:ec2::254]/latest/meta-data/iam/security-credentials/my-role",
            vec![json_response(200, &creds_json("2026-01-15T14:00:00Z"))],
        );
    assert_eq!(v6.run().ok().source, "imds");
    let custom = World::new()
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6")
        .route("PUT http://127.0.0.1:1338/latest/api/token", vec![token_ok()])
        .route(
            "GET http://127.0.0.1:1338/latest/meta-data/iam/security-credentials/",
            vec![json_response(200, "my-role")],
        )
        .route(
            "GET http://127.0.0.1:1338/latest/meta-data/iam/security-credentials/my-role",
            vec![json_response(200, &creds_json("2026-01-15T14:00:00Z"))],
        );
    assert_eq!(custom.run().ok().source, "imds");
    let profile = World::new().config("[default]\nec2_metadata_service_endpoint_mode = ipv6\n").run();
    assert_eq!(profile.request_lines(), ["PUT http://[fd00:ec2::254]/latest/api/token"]);
    let bad = World::new().env("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5").run();
    assert!(bad.err().to_string().contains("not IPv4 or IPv6"));
}

#[test]
fn static_stability() {
    // Expired credentials from IMDS: used, with the expiry moved 10 min + jitter ahead.
    let mut w = imds(vec![token_ok()]).route(ROLE, vec![json_response(200, &creds_json("2026-01-15T07:00:00Z"))]);
    w.jitter_seed = 1234; // 1234 % 300 = 34
    let run = w.run();
    let r = run.ok();
    assert_eq!(r.credentials.expiry(), Some(UnixTime::from_secs(NOW + 600 + 34)));
    assert!(r.warnings.iter().any(|w| w.contains("static stability")), "{:?}", r.warnings);

    // IMDS failing now, but the caller kept the last good IMDS result.
    let previous = ResolvedCredentials {
        credentials: Credentials::new("ASIAPREV", SECRET, Some(TOKEN.into()))
            .unwrap()
            .with_expiry(Some(UnixTime::from_secs(NOW - 60))),
        source: "imds".into(),
        region: None,
        account_id: None,
        warnings: vec![],
    };
    let mut w = World::new().route(PUT, vec![json_response(500, "")]);
    w.previous = Some(previous.clone());
    let run = w.run();
    let r = run.ok();
    assert_eq!(r.credentials.access_key_id(), "ASIAPREV");
    assert_eq!(r.credentials.expiry(), Some(UnixTime::from_secs(NOW + 600)));
    assert!(r.warnings.iter().any(|w| w.contains("reusing the previous IMDS credentials")), "{:?}", r.warnings);
    // A previous result from another source is not reused.
    let mut w = World::new().route(PUT, vec![json_response(500, "")]);
    w.previous = Some(ResolvedCredentials { source: "environment".into(), ..previous });
    assert!(w.run().result.is_err());
}
