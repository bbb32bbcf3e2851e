//! The profile source: static keys, role chains, credential_process, web identity in a
//! profile, and the STS endpoint the role calls go to.

mod provider_support;

use cgaws_core::provider::{ProcessOutput, TransportError};
use cgaws_core::UnixTime;
use provider_support::*;

const ROLE_A: &str = "arn:aws:iam::123456789012:role/a";
const ROLE_B: &str = "arn:aws:iam::123456789012:role/b";

fn explicit(mut w: World, profile: &str) -> World {
    w.profile = Some(profile.into());
    w
}

#[test]
fn static_keys_and_merging() {
    let r = World::new()
        .config("[profile dev]\nregion = eu-west-1\naws_access_key_id = AKIDCONFIG\naws_secret_access_key = c\n")
        .credentials(&format!(
            "[dev]\naws_access_key_id = AKIDCRED\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\naws_account_id = 111122223333\n"
        ))
        .env("AWS_PROFILE", "dev")
        .run();
    let r = r.ok();
    // The credentials file wins key by key; the config file's region stays.
    assert_eq!(r.credentials.access_key_id(), "AKIDCRED");
    assert_eq!(r.credentials.secret_access_key().expose(), SECRET);
    assert_eq!(r.credentials.session_token().unwrap().expose(), TOKEN);
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    assert_eq!(r.account_id.as_deref(), Some("111122223333"));
    assert_eq!(r.source, "profile:dev");
}

#[test]
fn partial_static_keys_are_an_error() {
    let e = World::new().credentials("[default]\naws_access_key_id = AKID\n").run();
    assert!(e.err().stopped);
    assert!(e.err().to_string().contains("profile default has aws_access_key_id but no aws_secret_access_key"));
    let e = World::new().credentials("[default]\naws_session_token = t\n").run();
    assert!(e.err().to_string().contains("aws_session_token but no"), "{}", e.err());
}

#[test]
fn missing_profile() {
    // Named explicitly (AWS_PROFILE or --profile): an error that lists what exists.
    let e = World::new().env("AWS_PROFILE", "nope").credentials("[default]\nregion=x\n[dev]\nregion=y\n").run();
    let text = e.err().to_string();
    assert!(e.err().stopped);
    assert!(text.contains("the profile \"nope\" does not exist"), "{text}");
    assert!(text.contains("known profiles: default, dev"), "{text}");
    let e = explicit(World::new(), "nope").run();
    assert!(e.err().to_string().contains("no profiles are defined"), "{}", e.err());
}

#[test]
fn assume_role_from_source_profile() {
    let run = World::new()
        .config(&format!(
            "[profile dev]\nrole_arn = {ROLE_A}\nsource_profile = base\nexternal_id = ext-123\nduration_seconds = 1800\nrole_session_name = me\nregion = eu-central-1\n"
        ))
        .credentials(&format!("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"))
        .env("AWS_PROFILE", "dev")
        .route("POST https://sts.eu-central-1.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")])
        .run();
    let r = run.ok();
    assert_eq!(r.source, "profile:dev (assume-role hop 1)");
    assert_eq!(r.credentials.access_key_id(), "ASIAHOP1");
    assert_eq!(r.credentials.expiry(), Some(UnixTime::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()));
    assert_eq!(r.account_id.as_deref(), Some("123456789012"));
    let requests = run.requests();
    assert_eq!(requests.len(), 1);
    let req = requests[0];
    assert_eq!(req.method, "POST");
    assert_eq!(req.url(), "https://sts.eu-central-1.amazonaws.com/");
    assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded; charset=utf-8"));
    let form = form(req);
    assert_eq!(form["Action"], "AssumeRole");
    assert_eq!(form["Version"], "2011-06-15");
    assert_eq!(form["RoleArn"], ROLE_A);
    assert_eq!(form["RoleSessionName"], "me");
    assert_eq!(form["ExternalId"], "ext-123");
    assert_eq!(form["DurationSeconds"], "1800");
    // Signed with the base credentials, for sts in the region, with the session token.
    let auth = req.header("authorization").unwrap();
    assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDBASE/20260115/eu-central-1/sts/aws4_request"), "{auth}");
    assert!(auth.contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,"), "{auth}");
    assert_eq!(req.header("x-amz-date"), Some("20260115T080000Z"));
    assert_eq!(req.header("x-amz-security-token"), Some(TOKEN));
}

#[test]
fn default_session_name_and_global_endpoint_without_region() {
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")])
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAHOP1");
    let req = run.requests()[0];
    assert_eq!(form(req)["RoleSessionName"], format!("cgaws-session-{NOW}"));
    assert!(!form(req).contains_key("ExternalId") && !form(req).contains_key("DurationSeconds"));
    assert!(req.header("authorization").unwrap().contains("/us-east-1/sts/aws4_request"));
    assert!(req.header("x-amz-security-token").is_none());
}

#[test]
fn role_chain_runs_base_outward() {
    let run = World::new()
        .config(&format!(
            "[profile top]\nrole_arn = {ROLE_B}\nsource_profile = middle\n[profile middle]\nrole_arn = {ROLE_A}\nsource_profile = base\n[profile base]\nregion = us-west-2\n"
        ))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .env("AWS_PROFILE", "top")
        .env("AWS_REGION", "us-west-2")
        .route(
            "POST https://sts.us-west-2.amazonaws.com/",
            vec![sts_ok("AssumeRole", "ASIAHOP1"), sts_ok("AssumeRole", "ASIAHOP2")],
        )
        .run();
    assert_eq!(run.ok().source, "profile:top (assume-role hop 2)");
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAHOP2");
    let reqs = run.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(form(reqs[0])["RoleArn"], ROLE_A);
    assert!(reqs[0].header("authorization").unwrap().contains("Credential=AKIDBASE/"));
    assert_eq!(form(reqs[1])["RoleArn"], ROLE_B);
    assert!(reqs[1].header("authorization").unwrap().contains("Credential=ASIAHOP1/"));
    assert_eq!(reqs[1].header("x-amz-security-token"), Some(TOKEN));
}

#[test]
fn static_keys_beat_role_arn_in_a_source_profile() {
    let run = World::new()
        .config(&format!(
            "[profile top]\nrole_arn = {ROLE_B}\nsource_profile = base\n[profile base]\nrole_arn = {ROLE_A}\nsource_profile = nowhere\n"
        ))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .env("AWS_PROFILE", "top")
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")])
        .run();
    assert_eq!(run.ok().source, "profile:top (assume-role hop 1)");
    assert_eq!(form(run.requests()[0])["RoleArn"], ROLE_B);
}

#[test]
fn self_reference_uses_own_keys() {
    let run = World::new()
        .credentials(&format!(
            "[me]\nrole_arn = {ROLE_A}\nsource_profile = me\naws_access_key_id = AKIDME\naws_secret_access_key = s\n"
        ))
        .env("AWS_PROFILE", "me")
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")])
        .run();
    assert_eq!(run.ok().source, "profile:me (assume-role hop 1)");
    assert!(run.requests()[0].header("authorization").unwrap().contains("Credential=AKIDME/"));
    let e = World::new()
        .credentials(&format!("[me]\nrole_arn = {ROLE_A}\nsource_profile = me\n"))
        .env("AWS_PROFILE", "me")
        .run();
    assert!(e.err().to_string().contains("(itself) but no aws_access_key_id"), "{}", e.err());
}

#[test]
fn cycles_and_missing_source_profiles() {
    let e = World::new()
        .config(&format!(
            "[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\n[profile b]\nrole_arn = {ROLE_B}\nsource_profile = c\n[profile c]\nrole_arn = {ROLE_B}\nsource_profile = a\n"
        ))
        .env("AWS_PROFILE", "a")
        .run();
    let text = e.err().to_string();
    assert!(e.err().stopped);
    assert!(text.contains("source_profile loop: a -> b -> c -> a"), "{text}");
    assert!(e.requests().is_empty());

    let e = World::new()
        .config(&format!("[profile a]\nrole_arn = {ROLE_A}\nsource_profile = ghost\n"))
        .env("AWS_PROFILE", "a")
        .run();
    assert!(e.err().to_string().contains("profile a has source_profile = ghost, but there is no profile \"ghost\""));

    let e = World::new().config(&format!("[profile a]\nrole_arn = {ROLE_A}\n")).env("AWS_PROFILE", "a").run();
    assert!(e.err().to_string().contains("neither source_profile nor credential_source"));
    let e = World::new()
        .config(&format!("[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\ncredential_source = Environment\n"))
        .env("AWS_PROFILE", "a")
        .run();
    assert!(e.err().to_string().contains("both source_profile and credential_source"));
    let e = World::new()
        .config(&format!("[profile a]\nrole_arn = {ROLE_A}\nsource_profile = b\n[profile b]\nregion = x\n"))
        .env("AWS_PROFILE", "a")
        .run();
    assert!(e.err().to_string().contains("profile b is the source_profile of profile a but has no credentials"));
}

#[test]
fn credential_source_environment_and_bad_values() {
    let run = env_creds(World::new())
        .config(&format!("[profile ci]\nrole_arn = {ROLE_A}\ncredential_source = environment\n"))
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")]);
    let run = explicit(run, "ci").run();
    assert_eq!(run.ok().source, "profile:ci (assume-role hop 1)");
    assert!(run.requests()[0].header("authorization").unwrap().contains("Credential=AKIDENV/"));

    let e = explicit(
        World::new().config(&format!("[profile ci]\nrole_arn = {ROLE_A}\ncredential_source = Environment\n")),
        "ci",
    )
    .run();
    let text = e.err().to_string();
    assert!(text.contains("credential_source = Environment of profile ci: AWS_ACCESS_KEY_ID is not set"), "{text}");

    let e = explicit(
        World::new().config(&format!("[profile ci]\nrole_arn = {ROLE_A}\ncredential_source = Lambda\n")),
        "ci",
    )
    .run();
    assert!(e.err().to_string().contains("is not one of Environment, Ec2InstanceMetadata, EcsContainer"));
}

#[test]
fn credential_source_container_and_imds() {
    let body = format!(
        r#"{{"AccessKeyId":"ASIACONT","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"2026-01-15T09:00:00Z"}}"#
    );
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\ncredential_source = EcsContainer\n"))
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/c")
        .route("GET http://169.254.170.2/v2/c", vec![json_response(200, &body)])
        .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "ASIAHOP1")])
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAHOP1");
    assert!(run.requests()[1].header("authorization").unwrap().contains("Credential=ASIACONT/"));

    // IMDS absent: the profile fails (an error, not "not found").
    let e = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\ncredential_source = Ec2InstanceMetadata\n"))
        .run();
    assert!(e.err().stopped);
    assert_eq!(e.err().attempts.last().unwrap().source, "profile:default");
    assert!(
        e.err().to_string().contains("credential_source = Ec2InstanceMetadata of profile default: no IMDS"),
        "{}",
        e.err()
    );
}

#[test]
fn assume_role_errors() {
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route(
            "POST https://sts.amazonaws.com/",
            vec![sts_error(
                403,
                "AccessDenied",
                "User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole",
            )],
        )
        .run();
    let text = run.err().to_string();
    assert!(run.err().stopped);
    assert!(
        text.contains(&format!(
            "AssumeRole {ROLE_A} (role_arn of profile default, hop 1 of 1, signed with credentials from profile:base)"
        )),
        "{text}"
    );
    assert!(text.contains("STS AccessDenied (HTTP 403): User: arn:aws:iam::1:user/x is not authorized"), "{text}");
    assert_eq!(run.requests().len(), 1, "AccessDenied is not retried");

    // Throttling and 5xx are retried with back-off; a transport failure too.
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route(
            "POST https://sts.amazonaws.com/",
            vec![
                sts_error(400, "Throttling", "Rate exceeded"),
                Err(TransportError::Timeout),
                sts_ok("AssumeRole", "ASIAHOP1"),
            ],
        )
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAHOP1");
    assert_eq!(run.sleeps(), [500, 1500]);
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route("POST https://sts.amazonaws.com/", vec![sts_error(503, "ServiceUnavailable", "busy")])
        .run();
    assert!(run.err().to_string().contains("after 3 attempts"), "{}", run.err());
    assert_eq!(run.requests().len(), 3);

    // An expired-credentials answer is refused.
    let expired = sts_credentials_xml("AssumeRole", "ASIAOLD", "2026-01-15T07:00:00Z");
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route("POST https://sts.amazonaws.com/", vec![json_response(200, &expired)])
        .run();
    assert!(run.err().to_string().contains("expired at 2026-01-15T07:00:00Z"), "{}", run.err());
    // Malformed success bodies are errors that do not echo the body.
    let run = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
        .route(
            "POST https://sts.amazonaws.com/",
            vec![json_response(
                200,
                &format!(
                    "<AssumeRoleResponse><AssumeRoleResult><Credentials><SecretAccessKey>{SECRET}</SecretAccessKey>"
                ),
            )],
        )
        .run();
    assert!(run.err().to_string().contains("unreadable STS response (HTTP 200)"), "{}", run.err());
    assert_no_secret(&run.err().to_string());
}

#[test]
fn mfa_sso_and_login_profiles_explain_themselves() {
    let e = World::new()
        .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\nmfa_serial = arn:aws:iam::1:mfa/me\n"))
        .run();
    assert!(e.err().to_string().contains("cannot prompt for MFA codes"), "{}", e.err());
    let e = World::new().config("[default]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = R\n").run();
    let text = e.err().to_string();
    assert!(
        text.contains("IAM Identity Center (SSO)")
            && text.contains("aws configure export-credentials --profile default --format process"),
        "{text}"
    );
    let e = World::new().config("[default]\nlogin_session = arn:aws:iam::1:user/x\n").run();
    assert!(e.err().to_string().contains("aws login"), "{}", e.err());
}

fn process_output(code: i32, stdout: &str, stderr: &str) -> Result<ProcessOutput, String> {
    Ok(ProcessOutput { exit_code: Some(code), stdout: stdout.as_bytes().to_vec(), stderr: stderr.as_bytes().to_vec() })
}

#[test]
fn credential_process() {
    let out = format!(
        r#"{{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "{SECRET}", "SessionToken": "{TOKEN}", "Expiration": "2026-01-15T09:00:00+00:00"}}"#
    );
    let run = World::new()
        .config("[default]\ncredential_process = '/opt/my tool/creds' --role \"a b\" plain\naws_account_id = 999988887777\n")
        .process(&["/opt/my tool/creds", "--role", "a b", "plain"], process_output(0, &out, ""))
        .run();
    let r = run.ok();
    assert_eq!(r.source, "profile:default (credential_process)");
    assert_eq!(r.credentials.access_key_id(), "ASIAPROC");
    assert_eq!(r.credentials.session_token().unwrap().expose(), TOKEN);
    assert_eq!(r.credentials.expiry(), Some(UnixTime::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()));
    assert_eq!(r.account_id.as_deref(), Some("999988887777"));
    // AccountId in the output beats aws_account_id; static output (no Expiration) is fine.
    let out =
        format!(r#"{{"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"{SECRET}","AccountId":"111122223333"}}"#);
    let r = World::new()
        .config("[default]\ncredential_process = creds\naws_account_id = 999988887777\n")
        .process(&["creds"], process_output(0, &out, ""))
        .run();
    assert_eq!(r.ok().account_id.as_deref(), Some("111122223333"));
    assert_eq!(r.ok().credentials.expiry(), None);
}

#[test]
fn credential_process_failures() {
    let world = || World::new().config("[default]\ncredential_process = creds --x\n");
    let fail = |w: World| {
        let run = w.run();
        let e = run.err().clone();
        assert!(e.stopped);
        let text = e.to_string();
        assert_no_secret(&text);
        assert_no_secret(&format!("{e:?}"));
        text
    };
    let t = fail(world().process(&["creds", "--x"], process_output(2, "", "token expired; run login\n")));
    assert!(
        t.contains("credential_process of profile default: \"creds\" exited with code 2: token expired; run login"),
        "{t}"
    );
    let t =
        fail(world().process(&["creds", "--x"], Ok(ProcessOutput { exit_code: None, stdout: vec![], stderr: vec![] })));
    assert!(t.contains("was killed by a signal (no stderr)"), "{t}");
    let t = fail(world());
    assert!(t.contains("cannot run \"creds\": no such program"), "{t}");
    for (stdout, needle) in [
        (format!("not json {SECRET}"), "stdout is not a JSON object"),
        (format!(r#"{{"AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#), "\"Version\": 1 is missing"),
        (
            format!(r#"{{"Version":2,"AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#),
            "\"Version\" must be the number 1",
        ),
        (
            format!(r#"{{"Version":"1","AccessKeyId":"A","SecretAccessKey":"{SECRET}"}}"#),
            "\"Version\" must be the number 1",
        ),
        (format!(r#"{{"Version":1,"SecretAccessKey":"{SECRET}"}}"#), "\"AccessKeyId\" is missing"),
        (r#"{"Version":1,"AccessKeyId":"A"}"#.to_string(), "\"SecretAccessKey\" is missing"),
        (
            format!(r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Expiration":"tomorrow"}}"#),
            "\"Expiration\": invalid time",
        ),
        (
            format!(
                r#"{{"Version":1,"AccessKeyId":"A","SecretAccessKey":"{SECRET}","Expiration":"2026-01-15T07:00:00Z"}}"#
            ),
            "expired at",
        ),
    ] {
        let t = fail(world().process(&["creds", "--x"], process_output(0, &stdout, "")));
        assert!(t.contains(needle), "{needle:?} not in {t}");
    }
    let t = fail(World::new().config("[default]\ncredential_process = 'unterminated\n"));
    assert!(t.contains("unterminated single quote"), "{t}");
}

#[test]
fn web_identity_in_a_profile_as_a_base() {
    let run = World::new()
        .config(&format!(
            "[profile top]\nrole_arn = {ROLE_B}\nsource_profile = wi\n[profile wi]\nrole_arn = {ROLE_A}\nweb_identity_token_file = ~/token\nrole_session_name = wi-sess\n"
        ))
        .env("AWS_PROFILE", "top")
        .env("AWS_REGION", "ap-south-1")
        .file("/home/u/token", "jwt-from-file\n")
        .route(
            "POST https://sts.ap-south-1.amazonaws.com/",
            vec![sts_ok("AssumeRoleWithWebIdentity", "ASIAWI"), sts_ok("AssumeRole", "ASIATOP")],
        )
        .run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIATOP");
    let reqs = run.requests();
    let f = form(reqs[0]);
    assert_eq!(f["Action"], "AssumeRoleWithWebIdentity");
    assert_eq!(f["RoleArn"], ROLE_A);
    assert_eq!(f["RoleSessionName"], "wi-sess");
    assert_eq!(f["WebIdentityToken"], "jwt-from-file");
    assert!(
        reqs[0].header("authorization").is_none()
            && reqs[0].headers.iter().all(|(n, _)| !n.to_ascii_lowercase().starts_with("x-amz-"))
    );
    assert!(reqs[1].header("authorization").unwrap().contains("Credential=ASIAWI/"));

    let e = World::new().config("[default]\nweb_identity_token_file = /t\n").run();
    assert!(e.err().to_string().contains("web_identity_token_file but no role_arn"));
    let e = World::new().config(&format!("[default]\nweb_identity_token_file = /t\nrole_arn = {ROLE_A}\n")).run();
    assert!(e.err().to_string().contains("the web identity token file \"/t\" does not exist"), "{}", e.err());
}

#[test]
fn sts_endpoint_overrides() {
    let base = || {
        World::new()
            .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\nregion = eu-west-3\n"))
            .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
    };
    let url = |w: World| {
        let run = w
            .route("POST http://localhost:5000/", vec![sts_ok("AssumeRole", "X")])
            .route("POST http://sts-generic:4566/", vec![sts_ok("AssumeRole", "X")])
            .route("POST http://profile-endpoint/", vec![sts_ok("AssumeRole", "X")])
            .route("POST http://services-endpoint/", vec![sts_ok("AssumeRole", "X")])
            .route("POST https://sts.eu-west-3.amazonaws.com/", vec![sts_ok("AssumeRole", "X")])
            .route("POST https://sts-fips.eu-west-3.amazonaws.com/", vec![sts_ok("AssumeRole", "X")])
            .route("POST https://sts.eu-west-3.api.aws/", vec![sts_ok("AssumeRole", "X")])
            .route("POST https://sts.amazonaws.com/", vec![sts_ok("AssumeRole", "X")])
            .run();
        let req = run.requests()[0].clone();
        assert!(req.header("authorization").unwrap().contains("/eu-west-3/sts/aws4_request"), "signing region");
        req.url()
    };
    assert_eq!(url(base()), "https://sts.eu-west-3.amazonaws.com/");
    assert_eq!(url(base().env("AWS_ENDPOINT_URL", "http://sts-generic:4566")), "http://sts-generic:4566/");
    assert_eq!(
        url(base()
            .env("AWS_ENDPOINT_URL", "http://sts-generic:4566")
            .env("AWS_ENDPOINT_URL_STS", "http://localhost:5000")),
        "http://localhost:5000/"
    );
    assert_eq!(
        url(base()
            .env("AWS_ENDPOINT_URL_STS", "http://localhost:5000")
            .env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")),
        "https://sts.eu-west-3.amazonaws.com/"
    );
    let with_profile_endpoint = World::new()
        .config(&format!(
            "[default]\nrole_arn = {ROLE_A}\nsource_profile = base\nregion = eu-west-3\nendpoint_url = http://profile-endpoint\n"
        ))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
    assert_eq!(url(with_profile_endpoint), "http://profile-endpoint/");
    let with_services = World::new()
        .config(&format!(
            "[default]\nrole_arn = {ROLE_A}\nsource_profile = base\nregion = eu-west-3\nendpoint_url = http://profile-endpoint\nservices = local\n[services local]\nsts =\n  endpoint_url = http://services-endpoint\n"
        ))
        .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n");
    assert_eq!(url(with_services), "http://services-endpoint/");
    assert_eq!(url(base().env("AWS_USE_FIPS_ENDPOINT", "true")), "https://sts-fips.eu-west-3.amazonaws.com/");
    assert_eq!(url(base().env("AWS_USE_DUALSTACK_ENDPOINT", "true")), "https://sts.eu-west-3.api.aws/");
    let e = base().env("AWS_USE_FIPS_ENDPOINT", "true").env("AWS_ENDPOINT_URL_STS", "http://localhost:5000").run();
    assert!(e.err().to_string().contains("cannot be combined with FIPS"), "{}", e.err());
}

#[test]
fn ini_tolerances_from_the_python_cli() {
    let r = World::new()
        .credentials("[default]\n  aws_access_key_id: AKIDCOLON\naws_secret_access_key=s1\naws_secret_access_key = s2 ; comment\n")
        .run();
    assert_eq!(r.ok().credentials.access_key_id(), "AKIDCOLON");
    assert_eq!(r.ok().credentials.secret_access_key().expose(), "s2");
}

#[test]
fn clock_skew_is_corrected_once() {
    use cgaws_core::HttpResponse;
    let skewed = || {
        let mut r = sts_error(
            403,
            "SignatureDoesNotMatch",
            "Signature expired: 20260115T080000Z is now earlier than 20260115T082000Z (20260115T083500Z - 15 min.)",
        )
        .unwrap();
        r.headers.push(("Date".into(), "Thu, 15 Jan 2026 08:35:00 GMT".into()));
        Ok::<HttpResponse, TransportError>(r)
    };
    let world = |answers| {
        World::new()
            .config(&format!("[default]\nrole_arn = {ROLE_A}\nsource_profile = base\n"))
            .credentials("[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = s\n")
            .route("POST https://sts.amazonaws.com/", answers)
    };
    let run = world(vec![skewed(), sts_ok("AssumeRole", "ASIAHOP1")]).run();
    assert_eq!(run.ok().credentials.access_key_id(), "ASIAHOP1");
    let reqs = run.requests();
    assert_eq!(reqs[0].header("x-amz-date"), Some("20260115T080000Z"));
    assert_eq!(reqs[1].header("x-amz-date"), Some("20260115T083500Z"));
    assert!(
        run.ok().warnings.iter().any(|w| w.contains("the local clock is 2100 s behind STS's")),
        "{:?}",
        run.ok().warnings
    );
    assert!(run.sleeps().is_empty());
    // Only once: a second refusal is the error.
    let run = world(vec![skewed()]).run();
    assert_eq!(run.requests().len(), 2);
    assert!(run.err().to_string().contains("Signature expired"), "{}", run.err());
}
