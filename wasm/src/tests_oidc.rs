//! Host-side tests of the `method: "oidc"` build (feature `oidc`): the
//! GetWebIdentityToken call through the same field lists the JavaScript side
//! writes. `wasm/test.sh` drives it against the STS emulator from Node and workerd.

use super::*;
use crate::testing::{call, s};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// `method: "oidc"`: GetWebIdentityToken signed by the core, its answers read by the core.
#[test]
fn drives_a_web_identity_token_call() {
    let start = |fields: &[Option<&str>], duration: f64| call(fields, || web_identity_start(duration));
    let creds = [Some("AKIDEXAMPLE"), Some(SECRET), Some("SESSION")];
    // Fields: credentials, audience, issuer, algorithm, region, endpoint.
    let fields = [creds[0], creds[1], creds[2], None, Some("https://issuer.example/"), Some("rs256"), None, None];
    let handle: u32 = s(&start(&fields, f64::NAN).unwrap()[0]).parse().unwrap();
    let request = call(&[Some("2026-01-15T08:00:00Z")], || web_identity_request(handle, 0.0)).unwrap();
    assert_eq!(s(&request[1]), "https://sts.us-east-1.amazonaws.com/");
    assert_eq!(
        s(&request[2]),
        "Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=https%3A%2F%2Fissuer.example\
         &SigningAlgorithm=RS256&DurationSeconds=300"
    );
    // A transient error is retried after 100-200 ms, the third one is final.
    let busy = r#"<ErrorResponse><Error><Code>Throttling</Code><Message>slow down</Message></Error></ErrorResponse>"#;
    for _ in 0..2 {
        let retry = call(&[None, Some(busy)], || web_identity_response(handle, 400, 0.5, 1e9)).unwrap();
        assert_eq!((s(&retry[0]), s(&retry[1])), ("retry", "150"));
    }
    let e = call(&[None, Some(busy)], || web_identity_response(handle, 400, 0.5, 1e9)).unwrap_err();
    assert_eq!((s(&e[0]), s(&e[1])), ("sts", "rejected"));
    web_identity_free(handle);

    // The two refusals, each with its own code and fix.
    let refused = |code: &str| {
        let handle: u32 = s(&start(&fields, 900.0).unwrap()[0]).parse().unwrap();
        let body = format!("<ErrorResponse><Error><Code>{code}</Code><Message>no</Message></Error></ErrorResponse>");
        let e = call(&[None, Some(&body)], || web_identity_response(handle, 403, 0.0, 1e9)).unwrap_err();
        web_identity_free(handle);
        e
    };
    let e = refused("OutboundWebIdentityFederationDisabledException");
    assert_eq!(s(&e[1]), "outbound_federation_disabled");
    assert!(s(&e[2]).contains("aws iam enable-outbound-web-identity-federation"), "{e:?}");
    let e = refused("AccessDenied");
    assert_eq!(s(&e[1]), "access_denied");
    assert!(s(&e[2]).contains(r#""sts:IdentityTokenAudience":"https://issuer.example""#), "{e:?}");

    // A signature refused for the time: signed again with STS's clock, at once.
    let handle: u32 = s(&start(&fields, f64::NAN).unwrap()[0]).parse().unwrap();
    let expired = r#"<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>Signature expired: x</Message></Error></ErrorResponse>"#;
    let date = Some("Thu, 15 Jan 2026 09:00:00 GMT");
    let retry = call(&[date, Some(expired)], || web_identity_response(handle, 403, 0.0, 1_768_464_000.0)).unwrap();
    assert_eq!(s(&retry[1]), "0");
    let request = call(&[None], || web_identity_request(handle, 1_768_464_000.0)).unwrap();
    assert!(request.contains(&Some("20260115T090000Z".into())), "{request:?}");
    let ok = r#"<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken>h.p.s</WebIdentityToken><Expiration>2026-01-15T09:05:00Z</Expiration></GetWebIdentityTokenResult></GetWebIdentityTokenResponse>"#;
    let done = call(&[None, Some(ok)], || web_identity_response(handle, 200, 0.0, 1e9)).unwrap();
    assert_eq!(done, [Some("done".into()), Some("h.p.s".into()), Some("1768467900".into())]);
    web_identity_free(handle);

    // Bad options fail before anything is sent; a given endpoint is used as it is.
    let bad = |i: usize, v: &str, duration: f64| {
        let mut f = fields;
        f[i] = Some(v);
        s(&start(&f, duration).unwrap_err()[1]).to_string()
    };
    assert_eq!(bad(5, "HS256", f64::NAN), "invalid_algorithm");
    assert_eq!(bad(6, "Mars", f64::NAN), "invalid_region");
    assert_eq!(bad(7, "ftp://x", f64::NAN), "invalid_url");
    assert_eq!(bad(5, "ES384", 59.0), "invalid_duration");
    assert_eq!(bad(5, "ES384", -1.0), "invalid_duration");
    let mut f = fields;
    f[7] = Some("http://127.0.0.1:5000");
    let handle: u32 = s(&start(&f, f64::NAN).unwrap()[0]).parse().unwrap();
    let request = call(&[None], || web_identity_request(handle, 1e9)).unwrap();
    assert_eq!(s(&request[1]), "http://127.0.0.1:5000/");
    web_identity_free(handle);
}
