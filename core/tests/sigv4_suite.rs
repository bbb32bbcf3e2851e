//! AWS's SigV4 test suite (`tests/vectors/sigv4-suite/`, from aws-c-auth): every
//! case folder, both the `Authorization`-header and the presigned (query) variant,
//! checked at every step: canonical request, string to sign, signature, and the
//! signed request as `cgaws sign` prints it.
//!
//! The folders are listed at run time, so a case added to the suite is tested
//! without touching this file; a folder missing any expected file fails loudly.

use cgaws_core::sigv4::raw_request::{parse_raw_request, print_signed_request};
use cgaws_core::sigv4::{
    sign, PayloadHash, SessionTokenMode, SignatureLocation, SigningKeyCache, SigningParams, SigningSettings,
};
use cgaws_core::{Credentials, UnixTime};
use serde_json::Value;
use std::path::{Path, PathBuf};

const SUITE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/sigv4-suite");

const FILES: [&str; 10] = [
    "request.txt",
    "context.json",
    "header-canonical-request.txt",
    "header-string-to-sign.txt",
    "header-signature.txt",
    "header-signed-request.txt",
    "query-canonical-request.txt",
    "query-string-to-sign.txt",
    "query-signature.txt",
    "query-signed-request.txt",
];

fn cases() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(SUITE)
        .unwrap_or_else(|e| panic!("cannot list {SUITE}: {e}"))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    // The copy holds 30 cases; far fewer means the directory was not found intact.
    assert!(dirs.len() >= 30, "only {} case folders in {SUITE}", dirs.len());
    dirs
}

fn read(dir: &Path, file: &str) -> String {
    let path = dir.join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: missing or unreadable: {e}", path.display()))
}

struct Case {
    name: String,
    dir: PathBuf,
    credentials: Credentials,
    region: String,
    service: String,
    time: UnixTime,
    normalize: bool,
    sign_body: bool,
    omit_session_token: bool,
    expires_in: u64,
}

impl Case {
    /// The case's credentials, region, service and time, with `settings`.
    fn signing_params(&self, settings: SigningSettings) -> SigningParams<'_> {
        SigningParams {
            credentials: &self.credentials,
            region: &self.region,
            service: &self.service,
            time: self.time,
            settings,
        }
    }
}

fn load(dir: &Path) -> Case {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    for file in FILES {
        assert!(dir.join(file).is_file(), "case {name}: missing {file}");
    }
    let context: Value = serde_json::from_str(&read(dir, "context.json"))
        .unwrap_or_else(|e| panic!("case {name}: context.json is not JSON: {e}"));
    let text = |key: &str| -> String {
        context[key].as_str().unwrap_or_else(|| panic!("case {name}: context.json has no string {key:?}")).to_string()
    };
    let flag = |key: &str, default: bool| -> bool {
        match &context[key] {
            Value::Null => default,
            Value::Bool(b) => *b,
            other => panic!("case {name}: context.json {key:?} is {other}, expected a boolean"),
        }
    };
    let creds = &context["credentials"];
    let credentials = Credentials::new(
        creds["access_key_id"].as_str().expect("access_key_id"),
        creds["secret_access_key"].as_str().expect("secret_access_key"),
        creds["token"].as_str().map(String::from),
    )
    .unwrap_or_else(|e| panic!("case {name}: {e}"));
    let time = UnixTime::parse_rfc3339(&text("timestamp")).unwrap_or_else(|e| panic!("case {name}: {e}"));
    let expires_in = context["expiration_in_seconds"]
        .as_u64()
        .unwrap_or_else(|| panic!("case {name}: context.json has no expiration_in_seconds"));
    Case {
        region: text("region"),
        service: text("service"),
        normalize: flag("normalize", true),
        sign_body: flag("sign_body", false),
        omit_session_token: flag("omit_session_token", false),
        name,
        dir: dir.to_path_buf(),
        credentials,
        time,
        expires_in,
    }
}

/// Signs the case's request for one variant and compares every step against the
/// `<variant>-*.txt` files. Returns the failures instead of panicking so that one
/// run reports every broken case.
fn check(case: &Case, variant: &str, cache: &mut SigningKeyCache) -> Vec<String> {
    let mut request = parse_raw_request(&read(&case.dir, "request.txt"))
        .unwrap_or_else(|e| panic!("case {}: request.txt: {e}", case.name));
    let location = match variant {
        "header" => SignatureLocation::Headers,
        "query" => SignatureLocation::QueryParams { expires_in: case.expires_in },
        _ => unreachable!(),
    };
    let settings = SigningSettings {
        location,
        normalize_path: case.normalize,
        payload: PayloadHash::FromBody,
        content_sha256_header: case.sign_body && variant == "header",
        session_token: if case.omit_session_token {
            SessionTokenMode::AppendedAfterSigning
        } else {
            SessionTokenMode::Signed
        },
    };
    let params = case.signing_params(settings);
    let output = sign(&mut request, &params, cache).unwrap_or_else(|e| panic!("case {}: {variant}: {e}", case.name));
    let mut failures = Vec::new();
    let mut compare = |step: &str, ours: &str| {
        let expected = read(&case.dir, &format!("{variant}-{step}.txt"));
        if ours != expected {
            failures
                .push(format!("case {} ({variant}) {step}:\n--- expected\n{expected}\n--- ours\n{ours}\n", case.name));
        }
    };
    compare("canonical-request", &output.canonical_request);
    compare("string-to-sign", &output.string_to_sign);
    compare("signature", &output.signature);
    compare("signed-request", &print_signed_request(&request));
    failures
}

#[test]
fn every_case_both_variants_every_step() {
    let mut cache = SigningKeyCache::new();
    let mut failures = Vec::new();
    let mut checked = 0;
    for dir in cases() {
        let case = load(&dir);
        for variant in ["header", "query"] {
            failures.extend(check(&case, variant, &mut cache));
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{} of {checked} signings differ:\n{}", failures.len(), failures.join("\n"));
}

/// The printed signed request, parsed again, is the signed request: the printer
/// and parser agree, so `cgaws sign` output can be fed back in.
#[test]
fn printed_requests_parse_back() {
    let mut cache = SigningKeyCache::new();
    for dir in cases() {
        let case = load(&dir);
        let mut request = parse_raw_request(&read(&dir, "request.txt")).unwrap();
        let params =
            case.signing_params(SigningSettings { normalize_path: case.normalize, ..SigningSettings::default() });
        sign(&mut request, &params, &mut cache).unwrap();
        let printed = print_signed_request(&request);
        let reparsed = parse_raw_request(&printed).unwrap_or_else(|e| panic!("case {}: {e}\n{printed}", case.name));
        assert_eq!(reparsed, request, "case {}", case.name);
    }
}

/// The comparison can fail: a one-character change in the expected texts is seen.
#[test]
fn a_changed_expectation_is_caught() {
    let dir = cases().into_iter().find(|d| d.ends_with("get-vanilla")).expect("get-vanilla case");
    let case = load(&dir);
    let mut request = parse_raw_request(&read(&dir, "request.txt")).unwrap();
    let mut params = case.signing_params(SigningSettings::default());
    params.time = case.time.plus_secs(1);
    let output = sign(&mut request, &params, &mut SigningKeyCache::new()).unwrap();
    assert_ne!(output.signature, read(&dir, "header-signature.txt"));
    assert_ne!(output.string_to_sign, read(&dir, "header-string-to-sign.txt"));
}
