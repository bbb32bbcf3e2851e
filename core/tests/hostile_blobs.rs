//! A catalog of hostile and broken token blobs. Each is a real signed token with
//! one thing changed (in its decoded text, then re-encoded), and each must be
//! refused by `precheck` with the right `PrecheckError` variant, not merely with
//! some error. Near-misses that must pass (4 minutes of skew, 14 minutes of age,
//! extra spaces that SigV4 canonicalization removes) are in the catalog too.

mod token_support;

use base64::Engine;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::blob::serialize_request;
use cgaws_core::token::{
    generate_token, precheck, sign_token_request, PrecheckError, PrecheckOptions, StsEndpoint, TokenParams,
};
use cgaws_core::{Credentials, UnixTime};
use token_support::*;

use PrecheckError as E;

/// What `precheck` must answer.
enum Want {
    Pass,
    /// Exactly this error.
    Is(PrecheckError),
    /// This variant (by its stable code), with this text in its message.
    Like(&'static str, &'static str),
}

struct Case {
    name: &'static str,
    blob: String,
    options: PrecheckOptions,
    want: Want,
}

fn options() -> PrecheckOptions {
    PrecheckOptions::new(IDENTITY, AUDIENCE, UnixTime::from_secs(T0 + 60))
}

fn params(audience: &str) -> TokenParams {
    TokenParams {
        identity: IDENTITY.into(),
        audience: audience.into(),
        endpoint: StsEndpoint::global(),
        time: UnixTime::from_secs(T0),
    }
}

/// The base token: realistic (1 KB session token), with a session token length
/// picked so the request length is 1 mod 3 and the blob ends in `==`, so that
/// "unpadded" is a real edit.
fn base() -> (Credentials, String) {
    for trim in 0..3 {
        let mut token = session_token();
        token.truncate(token.len() - 2 - trim);
        let credentials = Credentials::new(AKID, SECRET, Some(token)).unwrap();
        let (request, _) = sign_token_request(&credentials, &params(AUDIENCE), &mut SigningKeyCache::new()).unwrap();
        if serialize_request(&request).len() % 3 == 1 {
            let blob = generate_token(&credentials, &params(AUDIENCE), &mut SigningKeyCache::new()).unwrap().blob;
            assert!(blob.ends_with("=="));
            return (credentials, blob);
        }
    }
    unreachable!("three consecutive lengths cover every residue mod 3")
}

fn edit_bytes(blob: &str, f: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut bytes = base64::engine::general_purpose::URL_SAFE.decode(blob).unwrap();
    f(&mut bytes);
    base64::engine::general_purpose::URL_SAFE.encode(bytes)
}

/// Inserts `line` (without CRLF) as a header line just before the line starting with `before`.
fn insert_line_before(text: &str, before: &str, line: &str) -> String {
    let at = text.find(&format!("\r\n{before}")).unwrap_or_else(|| panic!("no {before:?} line")) + 2;
    format!("{}{line}\r\n{}", &text[..at], &text[at..])
}

fn remove_header(text: &str, name: &str) -> String {
    let lines: Vec<&str> = text.split("\r\n").collect();
    let kept: Vec<&str> = lines
        .iter()
        .copied()
        .filter(|l| !l.split_once(": ").is_some_and(|(n, _)| n.eq_ignore_ascii_case(name)))
        .collect();
    assert_eq!(kept.len() + 1, lines.len(), "expected exactly one {name} line");
    kept.join("\r\n")
}

/// Rewrites the `SignedHeaders=` list of the Authorization header.
fn signed_headers(text: &str, f: impl FnOnce(&str) -> String) -> String {
    let start = text.find("SignedHeaders=").unwrap() + "SignedHeaders=".len();
    let end = start + text[start..].find(',').unwrap();
    format!("{}{}{}", &text[..start], f(&text[start..end]), &text[end..])
}

fn without(list: &str, name: &str) -> String {
    list.split(';').filter(|h| *h != name).collect::<Vec<_>>().join(";")
}

fn catalog() -> Vec<Case> {
    let (credentials, valid) = base();
    let date = UnixTime::from_secs(T0);
    let at = |secs: i64| PrecheckOptions { now: UnixTime::from_secs(secs), ..options() };
    let case = |name, blob: String, want| Case { name, blob, options: options(), want };
    let mut cases = vec![
        case("the valid token", valid.clone(), Want::Pass),
        // --- check 1: encoding and HTTP framing -------------------------------------
        case("empty blob", String::new(), Want::Like("invalid_encoding", "empty")),
        case("unpadded", valid.trim_end_matches('=').to_string(), Want::Like("invalid_encoding", "padded")),
        case(
            "padding in the middle",
            format!("{}=={}", &valid[..6], &valid[8..]),
            Want::Like("invalid_encoding", "not valid base64url"),
        ),
        case(
            "line-wrapped like base64(1)",
            valid.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap()).collect::<Vec<_>>().join("\n"),
            Want::Like("invalid_encoding", "not base64url"),
        ),
        case("trailing newline after the blob", format!("{valid}\n"), Want::Like("invalid_encoding", "not base64url")),
        case("leading space before the blob", format!(" {valid}"), Want::Like("invalid_encoding", "not base64url")),
        case("not base64 at all", "no-base64-encoded".into(), Want::Like("invalid_encoding", "padded")),
        case(
            "base64 of something that is not HTTP",
            encode_text("not an http request"),
            Want::Like("invalid_encoding", "empty line"),
        ),
        case(
            "oversized: a 20 KB header",
            edit(&valid, |t| insert_line_before(t, "X-Amz-Date", &format!("X-Pad: {}", "a".repeat(20_000)))),
            Want::Like("invalid_encoding", "more than"),
        ),
        case(
            "oversized once decoded: 16.3 KB",
            edit(&valid, |t| {
                // 16,385 bytes: the blob is still within its length limit, the request is not.
                insert_line_before(t, "X-Amz-Date", &format!("X-Pad: {}", "a".repeat(16_385 - 9 - t.len())))
            }),
            Want::Like("invalid_encoding", "decoded request is"),
        ),
        case(
            "non-UTF-8 byte in a header value",
            edit_bytes(&valid, |b| {
                let at = b.windows(8).position(|w| w == b"Accept: ").unwrap() + 8;
                b.insert(at, 0xff);
            }),
            Want::Like("invalid_encoding", "not UTF-8"),
        ),
        case(
            "trailing bytes after the request",
            edit(&valid, |t| format!("{t}GET / HTTP/1.1\r\n\r\n")),
            Want::Like("invalid_encoding", "unexpected bytes"),
        ),
        case(
            "body with Content-Length",
            edit(&valid, |t| format!("{}hello", t.replace("Content-Length: 0", "Content-Length: 5"))),
            Want::Like("invalid_encoding", "unexpected bytes"),
        ),
        case(
            "Content-Length without the body",
            edit(&valid, |t| t.replace("Content-Length: 0", "Content-Length: 5")),
            Want::Like("invalid_encoding", "has a body"),
        ),
        case(
            "Transfer-Encoding: chunked",
            edit(&valid, |t| insert_line_before(t, "X-Amz-Date", "Transfer-Encoding: chunked")),
            Want::Like("invalid_encoding", "Transfer-Encoding"),
        ),
        case(
            "bare LF line ends",
            edit(&valid, |t| t.replace("\r\n", "\n")),
            Want::Like("invalid_encoding", "CRLF CRLF"),
        ),
        case(
            "CR smuggled into the audience value",
            edit(&valid, |t| set_header(t, "Chainguard-Audience", &format!("{AUDIENCE}\rX-Evil: 1"))),
            Want::Like("invalid_encoding", "bare CR or LF"),
        ),
        case(
            "LF smuggled into the identity value",
            edit(&valid, |t| set_header(t, "Chainguard-Identity", &format!("{IDENTITY}\nChainguard-Identity: x"))),
            Want::Like("invalid_encoding", "bare CR or LF"),
        ),
        case(
            "NUL in a header value",
            edit(&valid, |t| set_header(t, "Accept", "application/json\0")),
            Want::Like("invalid_encoding", "control character 0x00"),
        ),
        case(
            "folded header (space)",
            edit(&valid, |t| insert_line_before(t, "Chainguard-Identity", " folded")),
            Want::Like("invalid_encoding", "folded"),
        ),
        case(
            "folded header (tab) continuing the audience",
            edit(&valid, |t| insert_line_before(t, "Chainguard-Identity", "\tmore-audience")),
            Want::Like("invalid_encoding", "folded"),
        ),
        case(
            "header line without a colon",
            edit(&valid, |t| insert_line_before(t, "X-Amz-Date", "NoColonHere")),
            Want::Like("invalid_encoding", "without a colon"),
        ),
        case(
            "space before the colon of Host",
            edit(&valid, |t| t.replace("\r\nHost: ", "\r\nHost : ")),
            Want::Like("invalid_encoding", "invalid header name"),
        ),
        case(
            "HTTP/1.0",
            edit(&valid, |t| t.replacen(" HTTP/1.1\r\n", " HTTP/1.0\r\n", 1)),
            Want::Like("invalid_encoding", "HTTP/1.0"),
        ),
        case(
            "HTTP/2",
            edit(&valid, |t| t.replacen(" HTTP/1.1\r\n", " HTTP/2\r\n", 1)),
            Want::Like("invalid_encoding", "HTTP/2"),
        ),
        case(
            "lower-case method",
            edit(&valid, |t| t.replacen("POST ", "post ", 1)),
            Want::Like("invalid_encoding", "malformed method"),
        ),
        case(
            "two spaces in the request line",
            edit(&valid, |t| t.replacen("POST ", "POST  ", 1)),
            Want::Like("invalid_encoding", "malformed request line"),
        ),
        // --- check 2: headers that must be unique ----------------------------------
        case(
            "duplicated Authorization",
            edit(&valid, |t| {
                insert_line_before(
                    t,
                    "Chainguard-Audience",
                    &format!("authorization: {}", header(t, "Authorization").unwrap()),
                )
            }),
            Want::Is(E::DuplicateHeader("Authorization")),
        ),
        case(
            "duplicated X-Amz-Date (a later date appended)",
            edit(&valid, |t| {
                t.replace("\r\n\r\n", &format!("\r\nX-Amz-Date: {}\r\n\r\n", date.plus_secs(600).amz_date()))
            }),
            Want::Is(E::DuplicateHeader("X-Amz-Date")),
        ),
        case(
            "duplicated Chainguard-Audience (second one lower-case)",
            edit(&valid, |t| insert_line_before(t, "X-Amz-Date", "chainguard-audience: https://evil.example")),
            Want::Is(E::DuplicateHeader("Chainguard-Audience")),
        ),
        case(
            "duplicated Chainguard-Identity (same value twice)",
            edit(&valid, |t| insert_line_before(t, "X-Amz-Date", &format!("Chainguard-Identity: {IDENTITY}"))),
            Want::Is(E::DuplicateHeader("Chainguard-Identity")),
        ),
        case(
            "duplicated Host",
            edit(&valid, |t| insert_line_before(t, "User-Agent", "Host: evil.example")),
            Want::Is(E::DuplicateHeader("Host")),
        ),
        // --- check 3: method ---------------------------------------------------------
        case("GET", edit(&valid, |t| t.replacen("POST ", "GET ", 1)), Want::Is(E::MethodNotPost("GET".into()))),
        case("PUT", edit(&valid, |t| t.replacen("POST ", "PUT ", 1)), Want::Is(E::MethodNotPost("PUT".into()))),
        // --- check 4: host ------------------------------------------------------------
        case("no Host", edit(&valid, |t| remove_header(t, "Host")), Want::Is(E::MissingHost)),
        case(
            "wrong host",
            edit(&valid, |t| set_header(t, "Host", "sts.amazonaws.com.evil.example")),
            Want::Is(E::HostNotAllowed { host: "sts.amazonaws.com.evil.example".into() }),
        ),
        case(
            "host with an explicit port",
            edit(&valid, |t| set_header(t, "Host", "sts.amazonaws.com:443")),
            Want::Is(E::HostNotAllowed { host: "sts.amazonaws.com:443".into() }),
        ),
        case(
            "absolute-form request line naming another host",
            edit(&valid, |t| t.replacen("POST /?", "POST https://evil.example/?", 1)),
            Want::Is(E::HostMismatch { request_line: "evil.example".into(), header: "sts.amazonaws.com".into() }),
        ),
        case(
            "absolute-form request line naming the same host",
            edit(&valid, |t| t.replacen("POST /?", "POST https://sts.amazonaws.com/?", 1)),
            Want::Pass,
        ),
        // --- check 5: Authorization and the binding headers ------------------------
        case(
            "no Authorization",
            edit(&valid, |t| remove_header(t, "Authorization")),
            Want::Is(E::MissingAuthorization),
        ),
        case(
            "garbage Authorization",
            edit(&valid, |t| set_header(t, "Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9")),
            Want::Like("malformed_authorization", "does not start with"),
        ),
        case(
            "Authorization with another algorithm",
            edit(&valid, |t| t.replacen("AWS4-HMAC-SHA256 Credential", "AWS4-HMAC-SHA512 Credential", 1)),
            Want::Like("malformed_authorization", "does not start with"),
        ),
        case(
            "two SignedHeaders parts",
            edit(&valid, |t| t.replacen(", Signature=", ", SignedHeaders=host, Signature=", 1)),
            Want::Like("malformed_authorization", "two SignedHeaders= parts"),
        ),
        case(
            "unknown Authorization part",
            edit(&valid, |t| t.replacen(", Signature=", ", Extra=1, Signature=", 1)),
            Want::Like("malformed_authorization", "unknown Authorization part"),
        ),
        case(
            "upper-case signature",
            edit(&valid, |t| {
                let (head, sig) = t.split_once("Signature=").unwrap();
                let (sig, rest) = sig.split_once("\r\n").unwrap();
                format!("{head}Signature={}\r\n{rest}", sig.to_ascii_uppercase())
            }),
            Want::Like("malformed_authorization", "64 lower-case hex"),
        ),
        case(
            "credential scope without aws4_request",
            edit(&valid, |t| t.replacen("/sts/aws4_request,", "/sts,", 1)),
            Want::Like("malformed_authorization", "Credential="),
        ),
        case(
            "upper-case name in SignedHeaders",
            edit(&valid, |t| signed_headers(t, |l| l.replace("host", "Host"))),
            Want::Like("malformed_authorization", "lower-case header names"),
        ),
    ];
    for binding in ["host", "x-amz-date", "chainguard-audience", "chainguard-identity"] {
        cases.push(Case {
            name: "a binding header missing from SignedHeaders",
            blob: edit(&valid, |t| signed_headers(t, |l| without(l, binding))),
            options: options(),
            want: Want::Is(E::BindingHeadersNotSigned { missing: vec![binding] }),
        });
    }
    cases.extend([
        case(
            "no binding headers signed at all",
            edit(&valid, |t| signed_headers(t, |_| "accept".into())),
            Want::Is(E::BindingHeadersNotSigned {
                missing: vec!["host", "x-amz-date", "chainguard-audience", "chainguard-identity"],
            }),
        ),
        // --- check 6: audience and identity -----------------------------------------
        case("no audience", edit(&valid, |t| remove_header(t, "Chainguard-Audience")), Want::Is(E::MissingAudience)),
        case(
            "wrong audience",
            edit(&valid, |t| set_header(t, "Chainguard-Audience", "https://console-api.enforce.dev")),
            Want::Is(E::AudienceMismatch { found: "https://console-api.enforce.dev".into() }),
        ),
        case(
            "audience differing only in a trailing slash",
            edit(&valid, |t| set_header(t, "Chainguard-Audience", &format!("{AUDIENCE}/"))),
            Want::Is(E::AudienceMismatch { found: format!("{AUDIENCE}/") }),
        ),
        case("no identity", edit(&valid, |t| remove_header(t, "Chainguard-Identity")), Want::Is(E::MissingIdentity)),
        case(
            "wrong identity",
            edit(&valid, |t| {
                set_header(t, "Chainguard-Identity", &IDENTITY.replace("335917336625376d", "0123456789abcdef"))
            }),
            Want::Is(E::IdentityMismatch { found: IDENTITY.replace("335917336625376d", "0123456789abcdef") }),
        ),
        case(
            "identity in upper case",
            edit(&valid, |t| set_header(t, "Chainguard-Identity", &IDENTITY.to_ascii_uppercase())),
            Want::Is(E::IdentityMismatch { found: IDENTITY.to_ascii_uppercase() }),
        ),
        case(
            "identity padded with spaces (canonicalized away: passes)",
            edit(&valid, |t| set_header(t, "Chainguard-Identity", &format!("   {IDENTITY}  "))),
            Want::Pass,
        ),
        // --- check 7: date ------------------------------------------------------------
        case("no X-Amz-Date", edit(&valid, |t| remove_header(t, "X-Amz-Date")), Want::Is(E::MissingDate)),
        case(
            "X-Amz-Date in RFC 3339 form",
            edit(&valid, |t| set_header(t, "X-Amz-Date", "2026-01-15T08:00:00Z")),
            Want::Like("invalid_date", "YYYYMMDDTHHMMSSZ"),
        ),
        case(
            "X-Amz-Date on February 30th",
            edit(&valid, |t| set_header(t, "X-Amz-Date", "20260230T080000Z")),
            Want::Like("invalid_date", "20260230T080000Z"),
        ),
        Case {
            name: "future-dated 5 min + 1 s",
            blob: valid.clone(),
            options: at(T0 - 301),
            want: Want::Is(E::FutureDated { date, now: UnixTime::from_secs(T0 - 301) }),
        },
        Case {
            name: "future-dated 6 min",
            blob: valid.clone(),
            options: at(T0 - 360),
            want: Want::Is(E::FutureDated { date, now: UnixTime::from_secs(T0 - 360) }),
        },
        Case {
            name: "future-dated 4 min (within skew: passes)",
            blob: valid.clone(),
            options: at(T0 - 240),
            want: Want::Pass,
        },
        Case {
            name: "future-dated exactly 5 min (passes)",
            blob: valid.clone(),
            options: at(T0 - 300),
            want: Want::Pass,
        },
        Case {
            name: "expired: 15 min + 1 s old",
            blob: valid.clone(),
            options: at(T0 + 901),
            want: Want::Is(E::Expired { date, now: UnixTime::from_secs(T0 + 901) }),
        },
        Case {
            name: "expired: 16 min old",
            blob: valid.clone(),
            options: at(T0 + 960),
            want: Want::Is(E::Expired { date, now: UnixTime::from_secs(T0 + 960) }),
        },
        Case { name: "14 min old (passes)", blob: valid.clone(), options: at(T0 + 840), want: Want::Pass },
        Case { name: "exactly 15 min old (passes)", blob: valid.clone(), options: at(T0 + 900), want: Want::Pass },
    ]);

    // The standard alphabet differs from base64url only where the text makes a
    // 62 or 63 sextet, which in ASCII text takes a `>`, `?` or `~` as the third
    // byte of a 3-byte group; the request line's `?` is not one. An audience
    // with a `~` in the right place gives an honest token that has them.
    let tilde = (1..=3)
        .map(|n| format!("{AUDIENCE}/{}~", "a".repeat(n)))
        .map(|aud| (generate_token(&credentials, &params(&aud), &mut SigningKeyCache::new()).unwrap().blob, aud))
        .find(|(blob, _)| blob.contains(['-', '_']))
        .expect("one of three alignments puts the ~ third in its group");
    let standard = base64::engine::general_purpose::STANDARD.encode(decode_text(&tilde.0));
    assert_ne!(standard, tilde.0);
    let tilde_options = PrecheckOptions::new(IDENTITY, &tilde.1, UnixTime::from_secs(T0 + 60));
    cases.push(Case {
        name: "standard base64 alphabet",
        blob: standard,
        options: tilde_options.clone(),
        want: Want::Like("invalid_encoding", "standard base64 alphabet"),
    });
    cases.push(Case {
        name: "the same token in base64url (passes)",
        blob: tilde.0,
        options: tilde_options,
        want: Want::Pass,
    });

    // A token honestly signed for a regional endpoint: refused by default, accepted on opt-in.
    let regional_params =
        TokenParams { endpoint: StsEndpoint::regional("eu-west-1", false).unwrap(), ..params(AUDIENCE) };
    let regional = generate_token(&credentials, &regional_params, &mut SigningKeyCache::new()).unwrap().blob;
    cases.push(Case {
        name: "regional host without opt-in",
        blob: regional.clone(),
        options: options(),
        want: Want::Is(E::HostNotAllowed { host: "sts.eu-west-1.amazonaws.com".into() }),
    });
    let mut opted_in = options();
    opted_in.allowed_hosts.push("sts.eu-west-1.amazonaws.com".into());
    cases.push(Case {
        name: "regional host with opt-in (passes)",
        blob: regional,
        options: opted_in,
        want: Want::Pass,
    });

    // An audience with inner runs of spaces: SigV4 collapses them, so the
    // verifier must too. Signed honestly with the spaced form.
    let spaced_params = params("https://issuer.enforce.dev   tenant   a");
    let spaced = generate_token(&credentials, &spaced_params, &mut SigningKeyCache::new()).unwrap().blob;
    cases.push(Case {
        name: "audience with extra inner spaces, equal after collapsing (passes)",
        blob: spaced.clone(),
        options: PrecheckOptions::new(IDENTITY, "https://issuer.enforce.dev tenant a", UnixTime::from_secs(T0 + 60)),
        want: Want::Pass,
    });
    cases.push(Case {
        name: "audience with inner spaces, not equal after collapsing",
        blob: spaced,
        options: PrecheckOptions::new(IDENTITY, "https://issuer.enforce.devtenanta", UnixTime::from_secs(T0 + 60)),
        want: Want::Is(E::AudienceMismatch { found: "https://issuer.enforce.dev tenant a".into() }),
    });
    cases
}

#[test]
fn every_hostile_blob_is_refused_with_the_right_error() {
    let cases = catalog();
    let hostile = cases.iter().filter(|c| !matches!(c.want, Want::Pass)).count();
    assert!(hostile >= 30, "only {hostile} hostile blobs");
    let mut failures = Vec::new();
    for case in &cases {
        let got = precheck(&case.blob, &case.options);
        let ok = match (&case.want, &got) {
            (Want::Pass, Ok(_)) => true,
            (Want::Is(expected), Err(e)) => e == expected,
            (Want::Like(code, fragment), Err(e)) => e.code() == *code && e.to_string().contains(fragment),
            _ => false,
        };
        if !ok {
            let want = match &case.want {
                Want::Pass => "pass".to_string(),
                Want::Is(e) => format!("{e:?}"),
                Want::Like(code, fragment) => format!("{code} mentioning {fragment:?}"),
            };
            failures.push(format!("{}: wanted {want}, got {:?}", case.name, got.map(|p| p.host)));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases wrong:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// Each hostile blob is the valid one with one thing changed, not something
/// unrelated: apart from the blob-level and time-only cases, it decodes to a
/// request that differs from the valid one in a few lines at most.
#[test]
fn hostile_blobs_are_near_misses() {
    let (_, valid) = base();
    let valid_lines: Vec<String> = decode_text(&valid).split("\r\n").map(String::from).collect();
    for case in catalog() {
        if case.blob == valid
            || case.name.starts_with("regional")
            || case.name.contains("inner spaces")
            || case.name.contains("base64")
        {
            continue; // the valid token itself at another time, or another honestly signed token
        }
        let Ok(bytes) = base64::engine::general_purpose::URL_SAFE.decode(&case.blob) else { continue };
        let text = String::from_utf8_lossy(&bytes);
        if bytes.is_empty() || !text.starts_with("POST ") && !text.contains("HTTP/1.1") {
            continue; // not an edit of the request (empty, or some other text)
        }
        if case.name == "bare LF line ends" {
            assert_eq!(text.replace('\n', "\r\n"), valid_lines.join("\r\n"));
            continue;
        }
        // Lines added and lines removed, as multisets.
        let mut unmatched_valid = valid_lines.clone();
        let mut added = 0;
        for line in text.split("\r\n") {
            match unmatched_valid.iter().position(|v| v == line) {
                Some(i) => {
                    unmatched_valid.swap_remove(i);
                }
                None => added += 1,
            }
        }
        let removed = unmatched_valid.len();
        assert!(
            added + removed >= 1 && added <= 2 && removed <= 2,
            "{}: {added} lines added, {removed} removed",
            case.name
        );
    }
}

/// The "extra spaces" edits change no signature: STS canonicalizes the same
/// way, so a relying party that compared raw values would refuse tokens STS
/// accepts (or, the other way round, be fooled by values STS reads differently).
#[test]
fn spaced_values_still_verify() {
    let (_, valid) = base();
    let spaced = edit(&valid, |t| set_header(t, "Chainguard-Identity", &format!("   {IDENTITY}  ")));
    assert!(reverify(&valid, SECRET).1);
    // The wire parser trims the padding around the value; the signature still matches.
    assert!(reverify(&spaced, SECRET).1);
    let inner = edit(&valid, |t| set_header(t, "Accept", "application/json   "));
    assert!(reverify(&inner, SECRET).1);
}

/// `inspect` reads the same hostile blobs for people; it must never panic, and
/// on what `precheck` can decode it must decode too. A `Signature=` value with a
/// multi-byte character in its first 8 bytes used to panic (found by the
/// `precheck` fuzz target).
#[test]
fn inspect_never_panics_on_the_catalog() {
    use cgaws_core::token::inspect;
    let (_, valid) = base();
    let mut blobs: Vec<String> = catalog().into_iter().map(|c| c.blob).collect();
    for signature in ["fcva0f\u{f733}", "é", "ሴሴሴሴሴ", "abcdefg😀"] {
        blobs.push(edit(&valid, |t| {
            let (head, sig) = t.split_once("Signature=").unwrap();
            let (_, rest) = sig.split_once("\r\n").unwrap();
            format!("{head}Signature={signature}\r\n{rest}")
        }));
    }
    for blob in blobs {
        let shown = std::panic::catch_unwind(|| inspect(&blob));
        let shown = shown.unwrap_or_else(|_| panic!("inspect panicked on {blob}"));
        if cgaws_core::token::precheck::decode(&blob).is_ok() {
            let shown = shown.expect("inspect decodes what decode decodes");
            // Never more than 8 characters of the signature.
            if let Some(prefix) = shown.headers.iter().find(|(n, _)| n == "Authorization").map(|(_, v)| v) {
                let sig = prefix.split_once("Signature=").map_or("", |(_, s)| s);
                assert!(sig.trim_end_matches('…').chars().count() <= 8, "{sig}");
            }
        }
    }
}
