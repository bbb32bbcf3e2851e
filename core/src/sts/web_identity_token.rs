//! STS `GetWebIdentityToken`: AWS IAM outbound identity federation (PROTOCOL.md §7).
//! The caller's AWS principal gets a JWT from STS, signed by an issuer AWS runs per
//! account, which any OIDC relying party (the Chainguard issuer among them) accepts.

use super::{form_post, result_of, sign_sts, Doc, SendEndpoint, StsError, StsResponseError, API_VERSION};
use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse};
use crate::secret::Secret;
use crate::sigv4::{SigningError, SigningKeyCache};
use crate::time::UnixTime;
use core::fmt;

/// How STS signs the JWT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum SigningAlgorithm {
    #[default]
    Es384,
    Rs256,
}

impl SigningAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::Es384 => "ES384",
            SigningAlgorithm::Rs256 => "RS256",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "ES384" => Some(SigningAlgorithm::Es384),
            "RS256" => Some(SigningAlgorithm::Rs256),
            _ => None,
        }
    }
}

pub const MIN_DURATION_SECS: u32 = 60;
pub const MAX_DURATION_SECS: u32 = 3600;
pub const DEFAULT_DURATION_SECS: u32 = 300;
pub const MAX_AUDIENCES: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebIdentityTokenParams {
    /// 1 to 10 audiences (`aud` of the JWT); for Chainguard, the issuer URL.
    pub audiences: Vec<String>,
    pub algorithm: SigningAlgorithm,
    /// 60 to 3600; STS's default (300) when `None`.
    pub duration_seconds: Option<u32>,
    /// Session tags copied into the token.
    pub tags: Vec<(String, String)>,
}

impl WebIdentityTokenParams {
    pub fn new(audience: impl Into<String>) -> Self {
        WebIdentityTokenParams {
            audiences: vec![audience.into()],
            algorithm: SigningAlgorithm::default(),
            duration_seconds: None,
            tags: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WebIdentityTokenRequestError {
    Audiences(usize),
    EmptyAudience,
    Duration(u32),
    EmptyTagKey,
    Signing(SigningError),
}

impl fmt::Display for WebIdentityTokenRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WebIdentityTokenRequestError::Audiences(n) => {
                write!(f, "GetWebIdentityToken takes 1 to {MAX_AUDIENCES} audiences, not {n}")
            }
            WebIdentityTokenRequestError::EmptyAudience => f.write_str("an audience is empty"),
            WebIdentityTokenRequestError::Duration(d) => {
                write!(f, "token duration {d}s is outside {MIN_DURATION_SECS}..={MAX_DURATION_SECS} seconds")
            }
            WebIdentityTokenRequestError::EmptyTagKey => f.write_str("a session tag has an empty key"),
            WebIdentityTokenRequestError::Signing(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for WebIdentityTokenRequestError {}

/// A signed `GetWebIdentityToken` `POST` to `endpoint`, signed for its region.
pub fn get_web_identity_token(
    endpoint: &SendEndpoint,
    credentials: &Credentials,
    params: &WebIdentityTokenParams,
    time: UnixTime,
    cache: &mut SigningKeyCache,
) -> Result<HttpRequest, WebIdentityTokenRequestError> {
    let count = params.audiences.len();
    if count == 0 || count > MAX_AUDIENCES {
        return Err(WebIdentityTokenRequestError::Audiences(count));
    }
    if params.audiences.iter().any(String::is_empty) {
        return Err(WebIdentityTokenRequestError::EmptyAudience);
    }
    if let Some(d) = params.duration_seconds {
        if !(MIN_DURATION_SECS..=MAX_DURATION_SECS).contains(&d) {
            return Err(WebIdentityTokenRequestError::Duration(d));
        }
    }
    if params.tags.iter().any(|(k, _)| k.is_empty()) {
        return Err(WebIdentityTokenRequestError::EmptyTagKey);
    }
    // Member lists of the query protocol are numbered from 1.
    let mut owned: Vec<(String, String)> = Vec::new();
    for (i, audience) in params.audiences.iter().enumerate() {
        owned.push((format!("Audience.member.{}", i + 1), audience.clone()));
    }
    for (i, (key, value)) in params.tags.iter().enumerate() {
        owned.push((format!("Tags.member.{}.Key", i + 1), key.clone()));
        owned.push((format!("Tags.member.{}.Value", i + 1), value.clone()));
    }
    let duration = params.duration_seconds.map(|d| d.to_string());
    let mut pairs: Vec<(&str, &str)> = vec![("Action", "GetWebIdentityToken"), ("Version", API_VERSION)];
    pairs.extend(owned.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    pairs.push(("SigningAlgorithm", params.algorithm.as_str()));
    if let Some(d) = &duration {
        pairs.push(("DurationSeconds", d));
    }
    sign_sts(form_post(endpoint, &pairs), endpoint, credentials, time, cache)
        .map_err(WebIdentityTokenRequestError::Signing)
}

/// The JWT STS minted, and when it stops being valid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AwsWebIdentityToken {
    pub token: Secret,
    pub expiration: Option<UnixTime>,
}

/// Reads a `GetWebIdentityToken` answer (XML, or JSON with epoch-seconds `Expiration`).
pub fn parse_get_web_identity_token(response: &HttpResponse) -> Result<AwsWebIdentityToken, StsResponseError> {
    let bad = |reason: String| StsResponseError::Malformed { status: response.status, reason };
    let (token, expiration) = match result_of(response, "GetWebIdentityToken")? {
        Doc::Xml(e) => {
            let token = e.text_at(&["WebIdentityToken"]).map(str::to_string);
            let expiration = match e.text_at(&["Expiration"]) {
                Some(text) => Some(UnixTime::parse_rfc3339(text).map_err(|e| bad(format!("Expiration: {e}")))?),
                None => None,
            };
            (token, expiration)
        }
        Doc::Json(v) => {
            let token = super::json_str(&v, &["WebIdentityToken"]).map(str::to_string);
            let expiration = match v.get("Expiration") {
                Some(value) => Some(super::json_time(value).map_err(&bad)?),
                None => None,
            };
            (token, expiration)
        }
    };
    let token = token.ok_or_else(|| bad("no WebIdentityToken".into()))?;
    if token.split('.').count() != 3 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("WebIdentityToken is not a compact JWT".into()));
    }
    Ok(AwsWebIdentityToken { token: Secret::new(token), expiration })
}

/// The fix for the two ways STS refuses `GetWebIdentityToken`, if `error` is one.
pub fn web_identity_token_fix(error: &StsError, audience: &str) -> Option<String> {
    match error.code.as_str() {
        "OutboundWebIdentityFederationDisabledException" => Some(
            "outbound identity federation is not enabled for this AWS account. An administrator enables it \
             once per account: `aws iam enable-outbound-web-identity-federation` (or IAM console → Account \
             settings → Outbound identity federation); until then use `--method gci`, which needs no AWS setup"
                .to_string(),
        ),
        "AccessDenied" | "AccessDeniedException" => Some(format!(
            "the caller's IAM policy does not allow sts:GetWebIdentityToken for audience {audience:?}. \
             The minimal policy statement: {}",
            minimal_policy_statement(audience)
        )),
        _ => None,
    }
}

/// The IAM policy statement that allows exactly what cgaws asks for.
pub fn minimal_policy_statement(audience: &str) -> String {
    let audience = serde_json::Value::String(audience.to_string());
    format!(
        r#"{{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{{"ForAnyValue:StringEquals":{{"sts:IdentityTokenAudience":{audience}}},"NumericLessThanEquals":{{"sts:DurationSeconds":{DEFAULT_DURATION_SECS}}}}}}}"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Url;

    fn endpoint() -> SendEndpoint {
        SendEndpoint::custom(Url::parse("https://sts.eu-west-1.amazonaws.com/").unwrap(), "eu-west-1")
    }

    fn creds() -> Credentials {
        Credentials::new("AKIDEXAMPLE", "SECRET", Some("SESSION".into())).unwrap()
    }

    #[test]
    fn builds_signed_query_protocol_request() {
        let mut params = WebIdentityTokenParams::new("https://issuer.enforce.dev");
        params.algorithm = SigningAlgorithm::Rs256;
        params.duration_seconds = Some(900);
        params.tags = vec![("team".into(), "a b".into())];
        let req =
            get_web_identity_token(&endpoint(), &creds(), &params, UnixTime::from_secs(0), &mut SigningKeyCache::new())
                .unwrap();
        let body = String::from_utf8(req.body.clone()).unwrap();
        assert_eq!(
            body,
            "Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=https%3A%2F%2Fissuer.enforce.dev\
             &Tags.member.1.Key=team&Tags.member.1.Value=a%20b&SigningAlgorithm=RS256&DurationSeconds=900"
        );
        let auth = req.header("authorization").unwrap();
        assert!(auth.contains("/19700101/eu-west-1/sts/aws4_request"), "{auth}");
        assert!(auth.contains("x-amz-security-token"), "{auth}");
    }

    #[test]
    fn validates_params() {
        let mut cache = SigningKeyCache::new();
        let run = |p: &WebIdentityTokenParams, cache: &mut SigningKeyCache| {
            get_web_identity_token(&endpoint(), &creds(), p, UnixTime::from_secs(0), cache).unwrap_err()
        };
        let mut p = WebIdentityTokenParams::new("a");
        p.audiences.clear();
        assert_eq!(run(&p, &mut cache), WebIdentityTokenRequestError::Audiences(0));
        p.audiences = vec!["a".into(); 11];
        assert_eq!(run(&p, &mut cache), WebIdentityTokenRequestError::Audiences(11));
        let mut p = WebIdentityTokenParams::new("a");
        p.duration_seconds = Some(59);
        assert_eq!(run(&p, &mut cache), WebIdentityTokenRequestError::Duration(59));
        p.duration_seconds = Some(3601);
        assert_eq!(run(&p, &mut cache), WebIdentityTokenRequestError::Duration(3601));
    }

    #[test]
    fn parses_xml_and_json_answers() {
        let xml = r#"<GetWebIdentityTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetWebIdentityTokenResult><WebIdentityToken>h.p.s</WebIdentityToken><Expiration>2026-01-15T08:05:00Z</Expiration></GetWebIdentityTokenResult></GetWebIdentityTokenResponse>"#;
        let t = parse_get_web_identity_token(&HttpResponse::new(200, xml)).unwrap();
        assert_eq!(t.token.expose(), "h.p.s");
        assert_eq!(t.expiration.unwrap().to_rfc3339(), "2026-01-15T08:05:00Z");
        assert!(!format!("{t:?}").contains("h.p.s"));
        let json = r#"{"GetWebIdentityTokenResponse":{"GetWebIdentityTokenResult":{"WebIdentityToken":"h.p.s","Expiration":1768464300}}}"#;
        let t = parse_get_web_identity_token(&HttpResponse::new(200, json)).unwrap();
        assert_eq!(t.expiration.unwrap().to_rfc3339(), "2026-01-15T08:05:00Z");
        let broken = r#"{"GetWebIdentityTokenResponse":{"GetWebIdentityTokenResult":{"WebIdentityToken":"nojwt"}}}"#;
        assert!(matches!(
            parse_get_web_identity_token(&HttpResponse::new(200, broken)),
            Err(StsResponseError::Malformed { .. })
        ));
    }

    #[test]
    fn explains_both_refusals() {
        let disabled = r#"<ErrorResponse><Error><Type>Sender</Type><Code>OutboundWebIdentityFederationDisabledException</Code><Message>The outbound web identity federation feature is not enabled for this account.</Message></Error></ErrorResponse>"#;
        let Err(StsResponseError::Service(e)) = parse_get_web_identity_token(&HttpResponse::new(403, disabled)) else {
            panic!()
        };
        let fix = web_identity_token_fix(&e, "https://issuer.enforce.dev").unwrap();
        assert!(fix.contains("aws iam enable-outbound-web-identity-federation"), "{fix}");
        let denied = r#"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>not authorized to perform: sts:GetWebIdentityToken</Message></Error></ErrorResponse>"#;
        let Err(StsResponseError::Service(e)) = parse_get_web_identity_token(&HttpResponse::new(403, denied)) else {
            panic!()
        };
        let fix = web_identity_token_fix(&e, "https://issuer.enforce.dev").unwrap();
        let policy: serde_json::Value =
            serde_json::from_str(&minimal_policy_statement("https://issuer.enforce.dev")).unwrap();
        assert_eq!(
            policy["Condition"]["ForAnyValue:StringEquals"]["sts:IdentityTokenAudience"],
            "https://issuer.enforce.dev"
        );
        assert_eq!(policy["Condition"]["NumericLessThanEquals"]["sts:DurationSeconds"], 300);
        assert!(fix.contains("sts:GetWebIdentityToken") && fix.contains(r#""Effect":"Allow""#), "{fix}");
        let other = StsError { status: 400, code: "Throttling".into(), message: String::new(), request_id: None };
        assert!(web_identity_token_fix(&other, "a").is_none());
    }
}
