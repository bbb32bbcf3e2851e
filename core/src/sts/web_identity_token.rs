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
            "the caller's IAM policy does not allow sts:GetWebIdentityToken for audience {}. \
             The minimal policy statement: {}",
            crate::quoted::Quoted(audience),
            minimal_policy_statement(audience)
        )),
        _ => None,
    }
}

/// The IAM policy statement that allows exactly what cgaws asks for.
pub fn minimal_policy_statement(audience: &str) -> String {
    let audience = crate::json::quote(audience);
    format!(
        r#"{{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{{"ForAnyValue:StringEquals":{{"sts:IdentityTokenAudience":{audience}}},"NumericLessThanEquals":{{"sts:DurationSeconds":{DEFAULT_DURATION_SECS}}}}}}}"#
    )
}

/// Where to send `GetWebIdentityToken`. STS serves it on regional endpoints; the
/// global endpoint (what the SDK rules pick when no region is configured, or
/// `sts_regional_endpoints = legacy`) is replaced by us-east-1's regional one,
/// which is where the global endpoint's requests are handled anyway. Configured
/// endpoints (`AWS_ENDPOINT_URL_STS`, ...) are kept as they are.
pub fn web_identity_token_endpoint(endpoint: SendEndpoint) -> SendEndpoint {
    let global = crate::token::StsEndpoint::global();
    if endpoint.url.authority != global.host || endpoint.chosen_by != "global" {
        return endpoint;
    }
    let regional = match crate::token::StsEndpoint::regional(crate::token::endpoint::GLOBAL_REGION, false) {
        Ok(e) => e,
        Err(_) => return endpoint,
    };
    match crate::http::Url::parse(&regional.url()) {
        Ok(url) => SendEndpoint {
            url,
            signing_region: regional.region,
            chosen_by: "global, replaced by us-east-1 (GetWebIdentityToken is regional)".into(),
        },
        Err(_) => endpoint,
    }
}

/// The Chainguard identity rule that accepts an AWS-minted JWT: `claim_match`
/// with the token's `iss` and `sub` (PROTOCOL.md §7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimMatchSpec {
    /// `iss`: `https://<uuid>.tokens.sts.global.api.aws`, one per AWS account.
    pub issuer: String,
    /// `sub`: the caller's principal ARN (for a role session, the role's ARN).
    pub subject: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimMatchSpecError(pub String);

impl fmt::Display for ClaimMatchSpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ClaimMatchSpecError {}

impl ClaimMatchSpec {
    /// From a JWT's claims (read, not verified: the token came from STS directly).
    pub fn from_token(token: &str) -> Result<Self, ClaimMatchSpecError> {
        let claims = crate::jwt::read_claims(token).map_err(|e| ClaimMatchSpecError(e.to_string()))?;
        let need = |v: Option<String>, name: &str| {
            v.filter(|s| !s.trim().is_empty())
                .ok_or_else(|| ClaimMatchSpecError(format!("the token has no {name} claim")))
        };
        Ok(ClaimMatchSpec { issuer: need(claims.issuer, "iss")?, subject: need(claims.subject, "sub")? })
    }

    /// The default identity name: the last path segment of the subject ARN
    /// (`arn:aws:iam::ACCT:role/path/NAME` -> `NAME`).
    pub fn default_name(&self) -> String {
        let resource = self.subject.splitn(6, ':').nth(5).unwrap_or(&self.subject);
        let name = resource.rsplit('/').next().unwrap_or(resource);
        if name.is_empty() {
            "aws-oidc".to_string()
        } else {
            name.to_string()
        }
    }

    /// `chainctl iam identities create NAME --identity-issuer=ISS --subject=SUB`, shell-quoted.
    pub fn chainctl_command(&self, name: &str) -> String {
        format!(
            "chainctl iam identities create {} --identity-issuer={} --subject={}\n",
            sh_quote(name),
            sh_quote(&self.issuer),
            sh_quote(&self.subject)
        )
    }

    /// chainctl's `id.json` with a `claimMatch` rule.
    pub fn id_json(&self, name: &str) -> String {
        let q = crate::json::quote;
        format!(
            "{{\n  \"name\": {},\n  \"claimMatch\": {{\n    \"issuer\": {},\n    \"subject\": {}\n  }}\n}}\n",
            q(name),
            q(&self.issuer),
            q(&self.subject)
        )
    }

    /// A Terraform `chainguard_identity` resource with a `claim_match` block.
    #[cfg(feature = "rules")]
    pub fn terraform(&self, name: &str) -> String {
        use crate::rules::spec::hcl_string;
        let label: String =
            name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
        let label = match label.chars().next() {
            Some(c) if c.is_ascii_alphabetic() || c == '_' => label,
            _ => format!("_{label}"),
        };
        format!(
            "resource \"chainguard_identity\" {} {{\n  parent_id = var.parent_id # the Chainguard group the identity belongs to\n  name      = {}\n\n  claim_match {{\n    issuer  = {}\n    subject = {}\n  }}\n}}\n",
            hcl_string(&label),
            hcl_string(name),
            hcl_string(&self.issuer),
            hcl_string(&self.subject)
        )
    }
}

/// A POSIX shell word: as is when it has only safe characters, else single-quoted.
fn sh_quote(s: &str) -> String {
    let safe = !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
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

    #[test]
    fn global_endpoint_becomes_us_east_1() {
        let global = SendEndpoint {
            url: Url::parse("https://sts.amazonaws.com/").unwrap(),
            signing_region: "us-east-1".into(),
            chosen_by: "global".into(),
        };
        let e = web_identity_token_endpoint(global);
        assert_eq!((e.url.authority.as_str(), e.signing_region.as_str()), ("sts.us-east-1.amazonaws.com", "us-east-1"));
        assert_eq!(web_identity_token_endpoint(endpoint()), endpoint());
        let custom = SendEndpoint::custom(Url::parse("http://127.0.0.1:5000/").unwrap(), "us-east-1");
        assert_eq!(web_identity_token_endpoint(custom.clone()), custom);
    }

    fn jwt(payload: &str) -> String {
        use base64::Engine;
        let e = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!("{}.{}.sig", e.encode(r#"{"alg":"ES384"}"#), e.encode(payload))
    }

    #[test]
    fn claim_match_from_the_token() {
        let token = jwt(
            r#"{"iss":"https://0b1c.tokens.sts.global.api.aws","sub":"arn:aws:iam::123456789012:role/path/ci's role","aud":"https://issuer.enforce.dev"}"#,
        );
        let spec = ClaimMatchSpec::from_token(&token).unwrap();
        assert_eq!(spec.subject, "arn:aws:iam::123456789012:role/path/ci's role");
        assert_eq!(spec.default_name(), "ci's role");
        assert_eq!(
            spec.chainctl_command("ci's role"),
            "chainctl iam identities create 'ci'\\''s role' --identity-issuer=https://0b1c.tokens.sts.global.api.aws \
             --subject='arn:aws:iam::123456789012:role/path/ci'\\''s role'\n"
        );
        let doc: serde_json::Value = serde_json::from_str(&spec.id_json("n")).unwrap();
        assert_eq!(doc["claimMatch"]["issuer"], "https://0b1c.tokens.sts.global.api.aws");
        assert_eq!(doc["name"], "n");
        #[cfg(feature = "rules")]
        {
            let tf = spec.terraform("9 lives");
            assert!(tf.starts_with("resource \"chainguard_identity\" \"_9_lives\" {"), "{tf}");
            assert!(tf.contains("  claim_match {\n    issuer  = \"https://0b1c.tokens.sts.global.api.aws\"\n"), "{tf}");
        }
        assert!(ClaimMatchSpec::from_token(&jwt(r#"{"iss":"x"}"#)).unwrap_err().0.contains("sub"));
        assert!(ClaimMatchSpec::from_token("nope").is_err());
        let user = ClaimMatchSpec { issuer: "i".into(), subject: "arn:aws:iam::123456789012:user/alice".into() };
        assert_eq!(user.default_name(), "alice");
    }
}
