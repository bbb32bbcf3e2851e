//! One signed STS call from first attempt to answer, sans-I/O: the attempt
//! policy every frontend shares. The driver sends [`StsCall::request`], hands the
//! answer to [`StsCall::on_response`], and sleeps and asks for the request again
//! when told to retry (as with [`crate::exchange::Exchange`]).
//!
//! The policy: transient STS errors ([`StsResponseError::is_retryable`]) get
//! [`MAX_ATTEMPTS`] attempts in all, 100 to 200 ms apart; a signature STS refuses
//! for its time is signed once more with STS's clock ([`skew_corrected_time`]),
//! at once and without using up an attempt; a refusal the action has a fix for
//! (see [`StsAction::fix`]) is final.

use super::web_identity_token::{
    get_web_identity_token, parse_get_web_identity_token, web_identity_token_fix, AwsWebIdentityToken,
    WebIdentityTokenParams, WebIdentityTokenRequestError,
};
use super::{
    get_caller_identity, parse_get_caller_identity, skew_corrected_time, CallerIdentity, SendEndpoint, StsError,
    StsResponseError,
};
use crate::credentials::Credentials;
use crate::http::{HttpRequest, HttpResponse};
use crate::sigv4::{SigningError, SigningKeyCache};
use crate::time::UnixTime;
use core::fmt;

pub use crate::exchange::{retry_delay_ms, MAX_ATTEMPTS};

/// What one STS action is: how its request is signed at a time, and how its
/// answer is read.
pub trait StsAction {
    type Answer;
    type RequestError;
    /// The action's name, for messages.
    const NAME: &'static str;
    fn sign(
        &self,
        endpoint: &SendEndpoint,
        credentials: &Credentials,
        time: UnixTime,
        cache: &mut SigningKeyCache,
    ) -> Result<HttpRequest, Self::RequestError>;
    fn parse(&self, response: &HttpResponse) -> Result<Self::Answer, StsResponseError>;
    /// What to do about a refusal that only a change of AWS settings fixes
    /// (never retried).
    fn fix(&self, _error: &StsError) -> Option<String> {
        None
    }
}

/// `GetCallerIdentity`; with `accept_json`, asking for the JSON form of the answer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GetCallerIdentity {
    pub accept_json: bool,
}

impl StsAction for GetCallerIdentity {
    type Answer = CallerIdentity;
    type RequestError = SigningError;
    const NAME: &'static str = "GetCallerIdentity";

    fn sign(
        &self,
        endpoint: &SendEndpoint,
        credentials: &Credentials,
        time: UnixTime,
        cache: &mut SigningKeyCache,
    ) -> Result<HttpRequest, SigningError> {
        get_caller_identity(endpoint, credentials, time, cache, self.accept_json)
    }

    fn parse(&self, response: &HttpResponse) -> Result<CallerIdentity, StsResponseError> {
        parse_get_caller_identity(response)
    }
}

/// `GetWebIdentityToken` with these parameters.
impl StsAction for WebIdentityTokenParams {
    type Answer = AwsWebIdentityToken;
    type RequestError = WebIdentityTokenRequestError;
    const NAME: &'static str = "GetWebIdentityToken";

    fn sign(
        &self,
        endpoint: &SendEndpoint,
        credentials: &Credentials,
        time: UnixTime,
        cache: &mut SigningKeyCache,
    ) -> Result<HttpRequest, WebIdentityTokenRequestError> {
        get_web_identity_token(endpoint, credentials, self, time, cache)
    }

    fn parse(&self, response: &HttpResponse) -> Result<AwsWebIdentityToken, StsResponseError> {
        parse_get_web_identity_token(response)
    }

    /// Outbound federation disabled for the account, or no permission for the audience.
    fn fix(&self, error: &StsError) -> Option<String> {
        web_identity_token_fix(error, self.audiences.first().map(String::as_str).unwrap_or_default())
    }
}

/// Why the call is sent again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RetryReason {
    /// A transient error; another attempt may succeed.
    Transient,
    /// STS refused the signature for its time; the next request is signed with
    /// STS's clock (`server_time` when it answered).
    ClockSkew { server_time: UnixTime },
}

/// STS's final refusal, or an answer that cannot be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsCallError {
    /// The action's name, e.g. `GetWebIdentityToken`.
    pub action: &'static str,
    pub error: StsResponseError,
    /// What to change, for the refusals the action knows the fix of.
    pub fix: Option<String>,
}

impl fmt::Display for StsCallError {
    /// `STS refused <action>: <error>` when there is a fix (shown apart by each
    /// frontend), else `<action> failed: <error>`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.fix.is_some() {
            write!(f, "STS refused {}: {}", self.action, self.error)
        } else {
            write!(f, "{} failed: {}", self.action, self.error)
        }
    }
}

impl std::error::Error for StsCallError {}

/// What the driver does after an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StsStep<T> {
    Done(T),
    /// Wait `delay_ms`, then send [`StsCall::request`] (signed anew) again;
    /// `error` is the answer that made it retry.
    Retry {
        delay_ms: u64,
        reason: RetryReason,
        error: StsResponseError,
    },
    Failed(StsCallError),
}

/// One STS call in progress: what the driver keeps between round trips.
#[derive(Clone, Debug)]
pub struct StsCall<A> {
    action: A,
    endpoint: SendEndpoint,
    credentials: Credentials,
    /// STS's clock minus ours, once a signature was refused for the time.
    offset_secs: Option<i64>,
    /// Answers counted against [`MAX_ATTEMPTS`] (the clock re-signing is not).
    attempts: u32,
}

impl<A: StsAction> StsCall<A> {
    pub fn new(action: A, endpoint: SendEndpoint, credentials: Credentials) -> Self {
        StsCall { action, endpoint, credentials, offset_secs: None, attempts: 0 }
    }

    pub fn action(&self) -> &A {
        &self.action
    }

    pub fn endpoint(&self) -> &SendEndpoint {
        &self.endpoint
    }

    /// The request to send at `now` (our clock), signed with STS's clock when
    /// it was found to differ.
    pub fn request(&self, now: UnixTime, cache: &mut SigningKeyCache) -> Result<HttpRequest, A::RequestError> {
        let time = UnixTime::from_secs(now.secs() + self.offset_secs.unwrap_or(0));
        self.action.sign(&self.endpoint, &self.credentials, time, cache)
    }

    /// STS's answer, received at `now`. `jitter` in `[0, 1)` spreads retries
    /// (the core has no randomness of its own).
    pub fn on_response(&mut self, response: &HttpResponse, now: UnixTime, jitter: f64) -> StsStep<A::Answer> {
        let error = match self.action.parse(response) {
            Ok(answer) => return StsStep::Done(answer),
            Err(e) => e,
        };
        let (fix, skew) = match &error {
            StsResponseError::Service(e) => {
                let fix = self.action.fix(e);
                let retime = fix.is_none() && self.offset_secs.is_none();
                (fix, if retime { skew_corrected_time(response, e, now) } else { None })
            }
            StsResponseError::Malformed { .. } => (None, None),
        };
        if let Some(server_time) = skew {
            self.offset_secs = Some(server_time.secs() - now.secs());
            return StsStep::Retry { delay_ms: 0, reason: RetryReason::ClockSkew { server_time }, error };
        }
        self.attempts += 1;
        if fix.is_none() && error.is_retryable() && self.attempts < MAX_ATTEMPTS {
            return StsStep::Retry { delay_ms: retry_delay_ms(jitter), reason: RetryReason::Transient, error };
        }
        StsStep::Failed(StsCallError { action: A::NAME, error, fix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Url;

    const NOW: i64 = 1_700_000_000; // 2023-11-14T22:13:20Z

    fn endpoint() -> SendEndpoint {
        SendEndpoint::custom(Url::parse("https://sts.eu-west-1.amazonaws.com/").unwrap(), "eu-west-1")
    }

    fn call<A: StsAction>(action: A) -> StsCall<A> {
        StsCall::new(action, endpoint(), Credentials::new("AKIDEXAMPLE", "SECRET", None).unwrap())
    }

    fn web_identity() -> StsCall<WebIdentityTokenParams> {
        call(WebIdentityTokenParams::new("https://issuer.enforce.dev"))
    }

    fn error(status: u16, code: &str, message: &str) -> HttpResponse {
        HttpResponse::new(
            status,
            format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
                 <RequestId>r-1</RequestId></ErrorResponse>"
            ),
        )
    }

    fn caller_ok() -> HttpResponse {
        HttpResponse::new(
            200,
            "<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn>\
             <UserId>AIDA1</UserId><Account>123456789012</Account></GetCallerIdentityResult></GetCallerIdentityResponse>",
        )
    }

    fn jwt_ok() -> HttpResponse {
        HttpResponse::new(
            200,
            "<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken>h.p.s</WebIdentityToken>\
             <Expiration>2023-11-14T22:18:20Z</Expiration></GetWebIdentityTokenResult></GetWebIdentityTokenResponse>",
        )
    }

    fn amz_date(c: &StsCall<impl StsAction<RequestError = impl fmt::Debug>>, now: i64) -> String {
        let request = c.request(UnixTime::from_secs(now), &mut SigningKeyCache::new()).unwrap();
        request.header("x-amz-date").unwrap().to_string()
    }

    fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    #[test]
    fn success_is_done() {
        let mut c = call(GetCallerIdentity { accept_json: true });
        let request = c.request(at(NOW), &mut SigningKeyCache::new()).unwrap();
        assert_eq!(request.header("accept"), Some("application/json"));
        assert_eq!(request.header("x-amz-date"), Some("20231114T221320Z"));
        let StsStep::Done(caller) = c.on_response(&caller_ok(), at(NOW), 0.0) else { panic!() };
        assert_eq!(caller.account, "123456789012");
        let StsStep::Done(token) = web_identity().on_response(&jwt_ok(), at(NOW), 0.0) else { panic!() };
        assert_eq!(token.token.expose(), "h.p.s");
        assert_eq!(token.expiration, Some(at(NOW + 300)));
    }

    #[test]
    fn transient_errors_are_retried_then_succeed() {
        let mut c = call(GetCallerIdentity::default());
        let step = c.on_response(&error(400, "Throttling", "Rate exceeded"), at(NOW), 0.0);
        assert!(matches!(step, StsStep::Retry { delay_ms: 100, reason: RetryReason::Transient, .. }), "{step:?}");
        let step = c.on_response(&HttpResponse::new(503, "busy"), at(NOW), 0.999);
        assert!(matches!(step, StsStep::Retry { delay_ms: 199, .. }), "{step:?}");
        assert!(matches!(c.on_response(&caller_ok(), at(NOW), 0.0), StsStep::Done(_)));
        // A jitter that is not a number still gives a delay in range.
        let step = call(GetCallerIdentity::default()).on_response(&HttpResponse::new(503, ""), at(NOW), f64::NAN);
        assert!(matches!(step, StsStep::Retry { delay_ms: 150, .. }), "{step:?}");
    }

    #[test]
    fn gives_up_after_three_attempts() {
        let mut c = web_identity();
        for _ in 1..MAX_ATTEMPTS {
            assert!(matches!(c.on_response(&HttpResponse::new(503, ""), at(NOW), 0.5), StsStep::Retry { .. }));
        }
        let StsStep::Failed(e) = c.on_response(&error(503, "ServiceUnavailable", "down"), at(NOW), 0.5) else {
            panic!()
        };
        assert_eq!(e.fix, None);
        assert_eq!(e.to_string(), "GetWebIdentityToken failed: STS ServiceUnavailable (HTTP 503): down");
        // Not transient: no retry at all.
        let mut c = call(GetCallerIdentity::default());
        let StsStep::Failed(e) = c.on_response(&error(403, "InvalidClientTokenId", "no"), at(NOW), 0.5) else {
            panic!()
        };
        assert!(matches!(&e.error, StsResponseError::Service(s) if s.code == "InvalidClientTokenId"), "{e:?}");
    }

    #[test]
    fn signs_once_more_with_the_server_clock() {
        let mut c = web_identity();
        assert_eq!(amz_date(&c, NOW), "20231114T221320Z");
        let mut skewed = error(403, "SignatureDoesNotMatch", "Signature expired: 20231114T221320Z is now earlier");
        skewed.headers.push(("Date".into(), "Tue, 14 Nov 2023 23:13:20 GMT".into()));
        let step = c.on_response(&skewed, at(NOW + 2), 0.5);
        let StsStep::Retry { delay_ms: 0, reason: RetryReason::ClockSkew { server_time }, .. } = step else {
            panic!("{step:?}")
        };
        assert_eq!(server_time, at(NOW + 3600));
        // Signed with STS's clock: our time plus the offset measured (3598 s).
        assert_eq!(amz_date(&c, NOW + 3), "20231114T231321Z");
        // The re-signing did not use an attempt; a second time refusal is final.
        assert!(matches!(c.on_response(&HttpResponse::new(503, ""), at(NOW), 0.0), StsStep::Retry { .. }));
        assert_eq!(amz_date(&c, NOW + 4), "20231114T231322Z", "the correction is kept across retries");
        let StsStep::Failed(e) = c.on_response(&skewed, at(NOW + 5), 0.0) else { panic!() };
        assert!(e.to_string().contains("Signature expired"), "{e}");
        // A time refusal without a usable Date is not re-signed.
        let mut c = call(GetCallerIdentity::default());
        let plain = error(403, "SignatureDoesNotMatch", "Signature expired: 20231114T221320Z is now earlier");
        assert!(matches!(c.on_response(&plain, at(NOW), 0.0), StsStep::Failed(_)));
    }

    #[test]
    fn refusals_with_a_fix_are_final() {
        for code in ["OutboundWebIdentityFederationDisabledException", "AccessDenied"] {
            let mut c = web_identity();
            let mut refused = error(403, code, "no");
            // Even with a skewed Date, and a transient status, these are not sent again.
            refused.status = 503;
            refused.headers.push(("Date".into(), "Tue, 14 Nov 2023 23:13:20 GMT".into()));
            let StsStep::Failed(e) = c.on_response(&refused, at(NOW), 0.0) else { panic!("{code}") };
            let fix = e.fix.as_deref().unwrap();
            assert!(
                fix.contains("enable-outbound-web-identity-federation") || fix.contains("https://issuer.enforce.dev")
            );
            assert!(e.to_string().starts_with("STS refused GetWebIdentityToken: STS "), "{e}");
        }
        // GetCallerIdentity has no fix for AccessDenied.
        let StsStep::Failed(e) =
            call(GetCallerIdentity::default()).on_response(&error(403, "AccessDenied", "no"), at(NOW), 0.0)
        else {
            panic!()
        };
        assert_eq!(e.fix, None);
    }

    #[test]
    fn malformed_answers_fail() {
        let mut c = web_identity();
        let bad = HttpResponse::new(
            200,
            "<GetWebIdentityTokenResponse><GetWebIdentityTokenResult><WebIdentityToken>not-a-jwt</WebIdentityToken>\
             </GetWebIdentityTokenResult></GetWebIdentityTokenResponse>",
        );
        let StsStep::Failed(e) = c.on_response(&bad, at(NOW), 0.0) else { panic!() };
        assert!(matches!(e.error, StsResponseError::Malformed { status: 200, .. }), "{e:?}");
        let StsStep::Failed(e) =
            call(GetCallerIdentity::default()).on_response(&HttpResponse::new(200, "{}"), at(NOW), 0.0)
        else {
            panic!()
        };
        assert!(matches!(e.error, StsResponseError::Malformed { .. }), "{e:?}");
    }
}
