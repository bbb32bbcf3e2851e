//! The credential chain end to end with a scripted driver: environment credentials,
//! source precedence, the all-sources-failed error, the driver contract, redaction.

mod provider_support;

use cgaws_core::provider::{Action, Answer, ChainConfig, CredentialChain, ProcessOutput, TransportError};
use cgaws_core::{HttpResponse, UnixTime};
use provider_support::*;

#[test]
fn environment_credentials() {
    let run = env_creds(World::new()).env("AWS_SESSION_TOKEN", TOKEN).env("AWS_REGION", "eu-west-1").run();
    let r = run.ok();
    assert_eq!(r.source, "environment");
    assert_eq!(r.credentials.access_key_id(), "AKIDENV");
    assert_eq!(r.credentials.secret_access_key().expose(), SECRET);
    assert_eq!(r.credentials.session_token().unwrap().expose(), TOKEN);
    assert_eq!(r.region.as_deref(), Some("eu-west-1"));
    // The shared files are read (for the region), nothing else happens.
    assert_eq!(run.reads(), [CONFIG, CREDENTIALS]);
    assert!(run.requests().is_empty());
}

#[test]
fn environment_token_names_and_account() {
    let r = env_creds(World::new()).env("AWS_SECURITY_TOKEN", "legacy").run();
    assert_eq!(r.ok().credentials.session_token().unwrap().expose(), "legacy");
    let r = env_creds(World::new())
        .env("AWS_SECURITY_TOKEN", "legacy")
        .env("AWS_SESSION_TOKEN", "modern")
        .env("AWS_ACCOUNT_ID", "111122223333")
        .run();
    assert_eq!(r.ok().credentials.session_token().unwrap().expose(), "modern");
    assert_eq!(r.ok().account_id.as_deref(), Some("111122223333"));
    // Blank values count as unset.
    let r = env_creds(World::new()).env("AWS_SESSION_TOKEN", "  ").run();
    assert!(r.ok().credentials.session_token().is_none());
}

#[test]
fn partial_environment_credentials_stop_the_chain() {
    let run = World::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
        .run();
    let e = run.err();
    assert!(e.stopped);
    assert_eq!(e.attempts.len(), 1);
    assert_eq!(e.attempts[0].source, "environment");
    assert!(e.attempts[0].reason.contains("AWS_SECRET_ACCESS_KEY is not"), "{e}");
    assert!(e.to_string().starts_with("could not load AWS credentials from environment:"), "{e}");
}

#[test]
fn expired_environment_credentials_are_refused() {
    let e = env_creds(World::new()).env("AWS_CREDENTIAL_EXPIRATION", "2026-01-15T07:00:00Z").run();
    assert!(e.err().to_string().contains("expired at 2026-01-15T07:00:00Z"), "{}", e.err());
    let ok = env_creds(World::new()).env("AWS_CREDENTIAL_EXPIRATION", "2026-01-15T09:00:00Z").run();
    assert_eq!(ok.ok().credentials.expiry(), Some(UnixTime::parse_rfc3339("2026-01-15T09:00:00Z").unwrap()));
}

#[test]
fn env_beats_profile_but_explicit_profile_skips_env() {
    let files = |w: World| w.credentials("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n");
    // AWS_PROFILE does not skip the environment.
    let r = files(env_creds(World::new())).env("AWS_PROFILE", "dev").run();
    assert_eq!(r.ok().source, "environment");
    // --profile does.
    let mut w = files(env_creds(World::new()));
    w.profile = Some("dev".into());
    let r = w.run();
    assert_eq!(r.ok().source, "profile:dev");
    assert_eq!(r.ok().credentials.access_key_id(), "AKIDDEV");
    // Without env keys AWS_PROFILE selects the profile.
    let r = files(World::new()).env("AWS_PROFILE", "dev").run();
    assert_eq!(r.ok().source, "profile:dev");
}

#[test]
fn explicit_profile_skips_env_even_when_partial() {
    let mut w = World::new()
        .env("AWS_ACCESS_KEY_ID", "AKIDENV")
        .credentials("[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = s\n");
    w.profile = Some("dev".into());
    assert_eq!(w.run().ok().source, "profile:dev");
}

#[test]
fn profile_beats_web_identity_container_and_imds() {
    let r = World::new()
        .credentials("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
        .run();
    assert_eq!(r.ok().source, "profile:default");
    assert!(r.requests().is_empty());
}

#[test]
fn web_identity_beats_container() {
    let r = World::new()
        .env("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/token")
        .env("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/irsa")
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
        .env("AWS_REGION", "us-west-2")
        .file("/var/run/token", "eyJhbGciOi.jwt.sig\n")
        .route("POST https://sts.us-west-2.amazonaws.com/", vec![sts_ok("AssumeRoleWithWebIdentity", "ASIAWEB")])
        .run();
    assert_eq!(r.ok().source, "web-identity");
    assert_eq!(r.ok().credentials.access_key_id(), "ASIAWEB");
    assert_eq!(r.ok().account_id.as_deref(), Some("123456789012"));
}

#[test]
fn container_beats_imds() {
    let body = format!(
        r#"{{"RoleArn":"arn","AccessKeyId":"ASIACONT","SecretAccessKey":"{SECRET}","Token":"{TOKEN}","Expiration":"2026-01-15T09:00:00Z"}}"#
    );
    let r = World::new()
        .env("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/x")
        .route("GET http://169.254.170.2/v2/credentials/x", vec![json_response(200, &body)])
        .run();
    assert_eq!(r.ok().source, "container");
    assert_eq!(r.request_lines(), ["GET http://169.254.170.2/v2/credentials/x"]);
}

#[test]
fn nothing_anywhere_lists_every_source() {
    let run = World::new().run();
    let e = run.err();
    assert!(!e.stopped);
    let sources: Vec<&str> = e.attempts.iter().map(|a| a.source.as_str()).collect();
    assert_eq!(sources, ["environment", "profile:default", "web-identity", "container", "imds"]);
    let text = e.to_string();
    assert!(text.starts_with("no AWS credentials found; sources tried:"), "{text}");
    for needle in [
        "environment: AWS_ACCESS_KEY_ID is not set",
        "profile:default: no [default] profile in /home/u/.aws/config or /home/u/.aws/credentials",
        "web-identity: AWS_WEB_IDENTITY_TOKEN_FILE is not set",
        "container: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI are not set",
        "imds: no IMDS at http://169.254.169.254",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    // One IMDS attempt by default: a machine without IMDS fails after one ~1 s request.
    assert_eq!(run.request_lines(), ["PUT http://169.254.169.254/latest/api/token"]);
    match &run.actions.last().unwrap() {
        Action::Http { timeout_ms, .. } => assert_eq!(*timeout_ms, 1000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn imds_disabled_and_settings_only_profile() {
    let run = World::new().env("AWS_EC2_METADATA_DISABLED", "TRUE").config("[default]\nregion = us-east-2\n").run();
    let e = run.err();
    assert!(run.requests().is_empty());
    let text = e.to_string();
    assert!(text.contains("imds: AWS_EC2_METADATA_DISABLED is true"), "{text}");
    assert!(text.contains("profile:default: profile default has no credentials (it sets only: region)"), "{text}");
}

#[test]
fn driver_contract() {
    let mut chain = CredentialChain::new({
        let mut c = ChainConfig::new(Default::default(), UnixTime::from_secs(NOW));
        c.home = Some(HOME.into());
        c
    });
    // Feeding before asking is ignored.
    chain.feed(Answer::File(None));
    let first = chain.next_action();
    assert_eq!(first, Action::ReadFile { path: CONFIG.into() });
    assert_eq!(chain.next_action(), first);
    chain.feed(Answer::File(None));
    // A second answer without a pending action is ignored too.
    chain.feed(Answer::Slept);
    assert_eq!(chain.next_action(), Action::ReadFile { path: CREDENTIALS.into() });
    chain.feed(Answer::File(None));
    // Env, profile, web identity and container have nothing: the IMDS token request.
    let Action::Http { request, timeout_ms } = chain.next_action() else { panic!() };
    assert_eq!((request.method.as_str(), request.url().as_str()), ("PUT", "http://169.254.169.254/latest/api/token"));
    assert_eq!(request.header("X-aws-ec2-metadata-token-ttl-seconds"), Some("21600"));
    assert_eq!(timeout_ms, 1000);
    // A wrong kind of answer fails the source instead of panicking.
    chain.feed(Answer::Process(Ok(ProcessOutput { exit_code: Some(0), stdout: vec![], stderr: vec![] })));
    let Action::Done(Err(e)) = chain.next_action() else { panic!() };
    assert!(e.to_string().contains("internal driver error"), "{e}");
    assert_eq!(chain.next_action(), Action::Done(Err(e)));
}

#[test]
fn unreadable_config_stops_only_the_profile_source() {
    // Env still wins over a broken file.
    let r = env_creds(World::new()).config("not a section\n").run();
    assert_eq!(r.ok().source, "environment");
    let e = World::new().config("[default]\nbad line\n").run();
    let text = e.err().to_string();
    assert!(e.err().stopped);
    assert!(text.contains("profile:default: error parsing the shared config file, line 2"), "{text}");
    assert!(text.contains("/home/u/.aws/config"), "{text}");
    let e = World::new().unreadable(CREDENTIALS, "permission denied").run();
    assert!(e.err().to_string().contains("cannot read the shared credentials file"), "{}", e.err());
}

#[test]
fn file_locations_from_env() {
    let r = World::new()
        .env("AWS_CONFIG_FILE", "~/custom/config")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/etc/aws/creds")
        .file("/etc/aws/creds", "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = s\n")
        .run();
    assert_eq!(r.reads(), ["/home/u/custom/config", "/etc/aws/creds"]);
    assert_eq!(r.ok().source, "profile:default");
    // A missing file named by an env var is a warning.
    assert!(r.ok().warnings.iter().any(|w| w.contains("AWS_CONFIG_FILE")), "{:?}", r.ok().warnings);
    // Without a home directory the default files are not read at all.
    let mut config = ChainConfig::new(Default::default(), UnixTime::from_secs(NOW));
    config.env.insert("AWS_EC2_METADATA_DISABLED".into(), "true".into());
    let mut chain = CredentialChain::new(config);
    assert!(matches!(chain.next_action(), Action::Done(Err(_))));
    // HOME from the environment.
    let mut chain = CredentialChain::new(ChainConfig::new(
        [("HOME".to_string(), "/root".to_string())].into(),
        UnixTime::from_secs(NOW),
    ));
    assert_eq!(chain.next_action(), Action::ReadFile { path: "/root/.aws/config".into() });
}

#[test]
fn region_resolution_order() {
    let files = "[default]\nregion = from-profile-1\n[profile dev]\nsource_profile = base\n[profile base]\nregion = from-base-1\n";
    let region = |w: World| {
        let w = env_creds(w.config(files));
        w.run().ok().region.clone()
    };
    assert_eq!(region(World::new()).as_deref(), Some("from-profile-1"));
    assert_eq!(region(World::new().env("AWS_PROFILE", "dev")).as_deref(), Some("from-base-1"));
    assert_eq!(region(World::new().env("AWS_DEFAULT_REGION", "d-1")).as_deref(), Some("d-1"));
    assert_eq!(region(World::new().env("AWS_DEFAULT_REGION", "d-1").env("AWS_REGION", "r-1")).as_deref(), Some("r-1"));
    let mut w = World::new().env("AWS_REGION", "r-1");
    w.region = Some("cli-1".into());
    assert_eq!(region(w).as_deref(), Some("cli-1"));
}

#[test]
fn nothing_printable_leaks_secrets() {
    // Results.
    let run = env_creds(World::new()).env("AWS_SESSION_TOKEN", TOKEN).run();
    assert_no_secret(&format!("{:?}", run.ok()));
    assert_no_secret(&format!("{:?}", run.actions));
    // The configuration holds the environment.
    let config = env_creds(World::new()).env("AWS_SESSION_TOKEN", TOKEN).config_for_chain();
    assert_no_secret(&format!("{config:?}"));
    let chain = CredentialChain::new(config);
    assert_no_secret(&format!("{chain:?}"));
    // Answers carry file contents, HTTP bodies and process output.
    let answers = [
        Answer::File(Some(format!("aws_secret_access_key = {SECRET}").into_bytes())),
        Answer::Http(Ok(HttpResponse::new(200, format!("{{\"SecretAccessKey\":\"{SECRET}\"}}")))),
        Answer::Process(Ok(ProcessOutput {
            exit_code: Some(0),
            stdout: format!("{{\"SecretAccessKey\":\"{SECRET}\",\"SessionToken\":\"{TOKEN}\"}}").into_bytes(),
            stderr: vec![],
        })),
        Answer::Http(Err(TransportError::Timeout)),
    ];
    assert_no_secret(&format!("{answers:?}"));
    // Errors from every source, with secrets around.
    let e = World::new()
        .env("AWS_ACCESS_KEY_ID", "AKID")
        .env("AWS_SESSION_TOKEN", TOKEN)
        .credentials(&format!("[default]\naws_secret_access_key = {SECRET}\n"))
        .run();
    assert_no_secret(&format!("{:?} {}", e.err(), e.err()));
    // A previous result inside the configuration.
    let mut w = env_creds(World::new()).env("AWS_SESSION_TOKEN", TOKEN);
    w.previous = Some(run.ok().clone());
    assert_no_secret(&format!("{:?}", w.config_for_chain()));
}

#[test]
fn profile_and_sts_types_redact() {
    use cgaws_core::provider::ProfileFiles;
    use cgaws_core::sts::WebIdentityParams;
    use cgaws_core::Secret;
    let files = ProfileFiles::parse(
        Some(
            format!("[profile x]\naws_secret_access_key = {SECRET}\n[default]\naws_session_token={TOKEN}\n").as_bytes(),
        ),
        Some(format!("[y]\naws_secret_access_key = {SECRET}\n").as_bytes()),
    )
    .unwrap();
    assert_no_secret(&format!("{files:?}"));
    assert_no_secret(&format!("{:?}", files.profile("x").unwrap()));
    let params = WebIdentityParams {
        role_arn: "arn".into(),
        role_session_name: "s".into(),
        token: Secret::new(SECRET),
        duration_seconds: None,
    };
    assert_no_secret(&format!("{params:?}"));
    // A profile chain that fails after resolving secrets.
    let run = World::new()
        .credentials(&format!(
            "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = b\n[b]\naws_access_key_id = AKID\naws_secret_access_key = {SECRET}\naws_session_token = {TOKEN}\n"
        ))
        .route("POST https://sts.amazonaws.com/", vec![sts_error(403, "AccessDenied", "no")])
        .run();
    assert_no_secret(&format!("{:?} {} {:?}", run.err(), run.err(), run.actions));
}
