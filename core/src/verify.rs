//! Verifying a token the way the issuer does (PROTOCOL.md §3), for anyone who
//! wants to accept these proofs: the CLI's `cgaws verify`, Python's
//! `cgaws.verify(...)` and JS's `verify(...)` all drive this.
//!
//! Sans-I/O, in two steps:
//! 1. [`start`] runs checks 1–7 ([`precheck`]) and returns a [`Verification`]
//!    holding the GetCallerIdentity request to forward to STS (check 8).
//! 2. The driver sends [`Verification::request`] and hands the answer to
//!    [`Verification::finish`], which reads the caller and, with a rule (feature
//!    `rules`), matches it (check 9).
//!
//! **Where the request goes.** The request's URL is `https://<host>/?Action=...`,
//! `<host>` being the STS host the token names (one of `allowed_hosts`). A driver
//! may send it elsewhere — an emulator, a VPC endpoint, `AWS_ENDPOINT_URL_STS` —
//! with [`Verification::request_to`]: that changes where it connects, never the
//! `Host` header, which is signed. The driver must send the headers as given,
//! `Host` included (most HTTP clients keep an explicit `Host`), and no
//! redirects: STS answers directly.

use crate::http::{HttpRequest, HttpResponse, Url, UrlError};
use crate::sts::{parse_error, parse_get_caller_identity, CallerIdentity, StsError, StsResponseError};
use crate::time::UnixTime;
use crate::token::{precheck, PrecheckError, PrecheckOptions, Prechecked};
use core::fmt;

#[cfg(feature = "rules")]
use crate::rules::{AwsCaller, RuleDoc, Verdict};

/// What the relying party expects.
#[derive(Clone, Debug)]
pub struct VerifyOptions {
    /// Identity, audiences, accepted STS hosts, time and skew (checks 1–7).
    pub precheck: PrecheckOptions,
    /// The identity's rule; without one, any caller STS vouches for passes.
    #[cfg(feature = "rules")]
    pub rule: Option<RuleDoc>,
}

impl VerifyOptions {
    /// Expects `identity`, any of `audiences`, the global STS host, and the
    /// issuer's time limits (5 minutes of skew, 15 minutes of age).
    pub fn new(identity: impl Into<String>, audiences: Vec<String>, now: UnixTime) -> Self {
        let mut precheck = PrecheckOptions::new(identity, String::new(), now);
        precheck.audiences = audiences;
        VerifyOptions {
            precheck,
            #[cfg(feature = "rules")]
            rule: None,
        }
    }

    /// Accepts these STS hosts instead (e.g. regional ones, as an opt-in).
    pub fn with_allowed_hosts(mut self, hosts: Vec<String>) -> Self {
        self.precheck.allowed_hosts = hosts;
        self
    }

    #[cfg(feature = "rules")]
    pub fn with_rule(mut self, rule: RuleDoc) -> Self {
        self.rule = Some(rule);
        self
    }
}

/// Why a token is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// Checks 1–7.
    Precheck(PrecheckError),
    /// Check 8: STS answered with something other than 200.
    RejectedBySts(StsError),
    /// Check 8: a 200 whose body is not a GetCallerIdentity answer.
    InvalidStsAnswer(String),
    /// Check 9: the caller does not satisfy the rule; the verdict says which field and why.
    #[cfg(feature = "rules")]
    RuleNotMatched { caller: CallerIdentity, verdict: Verdict },
}

impl VerifyError {
    /// The number of the check in PROTOCOL.md §3 that failed.
    pub fn check(&self) -> u8 {
        match self {
            VerifyError::Precheck(e) => e.check(),
            VerifyError::RejectedBySts(_) | VerifyError::InvalidStsAnswer(_) => 8,
            #[cfg(feature = "rules")]
            VerifyError::RuleNotMatched { .. } => 9,
        }
    }

    /// A stable machine-readable name (precheck's codes for checks 1–7).
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Precheck(e) => e.code(),
            VerifyError::RejectedBySts(_) => "rejected_by_sts",
            VerifyError::InvalidStsAnswer(_) => "invalid_sts_answer",
            #[cfg(feature = "rules")]
            VerifyError::RuleNotMatched { .. } => "rule_not_matched",
        }
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Precheck(e) => e.fmt(f),
            VerifyError::RejectedBySts(e) => write!(f, "rejected by STS: {e}"),
            VerifyError::InvalidStsAnswer(why) => write!(f, "rejected by STS: unreadable answer: {why}"),
            #[cfg(feature = "rules")]
            VerifyError::RuleNotMatched { caller, verdict } => {
                write!(f, "permission denied: caller {} does not match the identity's rule", caller.arn)?;
                for v in verdict.failures() {
                    write!(f, "; {}: {}", v.rule_field, v.reason.as_deref().unwrap_or("does not match"))?;
                }
                Ok(())
            }
        }
    }
}

impl std::error::Error for VerifyError {}

impl From<PrecheckError> for VerifyError {
    fn from(e: PrecheckError) -> Self {
        VerifyError::Precheck(e)
    }
}

/// A token that passed checks 1–7, waiting for STS's answer.
#[derive(Clone, Debug)]
pub struct Verification {
    prechecked: Prechecked,
    #[cfg(feature = "rules")]
    rule: Option<RuleDoc>,
}

/// A verified token: STS vouched for the caller and, with a rule, it matched.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Verified {
    pub caller: CallerIdentity,
    pub identity: String,
    pub audience: String,
    /// When the token was signed (`X-Amz-Date`); RFC 3339 in JSON.
    #[cfg_attr(feature = "serde", serde(serialize_with = "rfc3339"))]
    pub signed_at: UnixTime,
    pub sts_host: String,
    /// The rule's verdict, when a rule was given (every field matched).
    #[cfg(feature = "rules")]
    pub verdict: Option<Verdict>,
}

#[cfg(feature = "serde")]
fn rfc3339<S: serde::Serializer>(t: &UnixTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

/// Step 1: checks 1–7.
pub fn start(blob: &str, options: &VerifyOptions) -> Result<Verification, VerifyError> {
    let prechecked = precheck(blob, &options.precheck)?;
    Ok(Verification {
        prechecked,
        #[cfg(feature = "rules")]
        rule: options.rule.clone(),
    })
}

impl Verification {
    /// The request to send: `POST https://<host>/?Action=GetCallerIdentity&Version=2011-06-15`.
    pub fn request(&self) -> &HttpRequest {
        &self.prechecked.forward
    }

    /// The same request sent to `endpoint_url` (e.g. `AWS_ENDPOINT_URL_STS`):
    /// scheme, host, port and path from the URL; query and headers, `Host`
    /// included, unchanged.
    pub fn request_to(&self, endpoint_url: &str) -> Result<HttpRequest, UrlError> {
        let url = Url::parse(endpoint_url)?;
        let mut request = self.prechecked.forward.clone();
        request.scheme = url.scheme;
        request.authority = url.authority;
        request.path = url.path;
        Ok(request)
    }

    /// What checks 1–7 read from the token.
    pub fn prechecked(&self) -> &Prechecked {
        &self.prechecked
    }

    /// Step 2: STS's answer (check 8), then the rule (check 9).
    pub fn finish(self, response: &HttpResponse) -> Result<Verified, VerifyError> {
        if response.status != 200 {
            return Err(VerifyError::RejectedBySts(parse_error(response)));
        }
        let caller = parse_get_caller_identity(response).map_err(|e| match e {
            StsResponseError::Service(e) => VerifyError::RejectedBySts(e),
            StsResponseError::Malformed { reason, .. } => VerifyError::InvalidStsAnswer(reason),
        })?;
        #[cfg(feature = "rules")]
        let verdict = match &self.rule {
            Some(rule) => {
                let verdict = rule.check_aws(&AwsCaller::from(&caller));
                if !verdict.accepted {
                    return Err(VerifyError::RuleNotMatched { caller, verdict });
                }
                Some(verdict)
            }
            None => None,
        };
        let p = self.prechecked;
        Ok(Verified {
            caller,
            identity: p.identity,
            audience: p.audience,
            signed_at: p.date,
            sts_host: p.host,
            #[cfg(feature = "rules")]
            verdict,
        })
    }
}
