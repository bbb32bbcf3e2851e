//! The `cgaws/verify` entry (feature `verify`): the relying party's whole flow,
//! `cgaws_core::verify`, as the CLI's `cgaws verify` and Python's
//! `cgaws.verify` drive it. Checks 1-7 and the identity's rule run here; the
//! JavaScript driver only sends the request to STS and hands back the answer.

use crate::convert::{request_fields, time, whole_secs};
use crate::errors::ErrorInfo;
use crate::fields::{FieldWriter, Fields};
use crate::slots::Slots;
use cgaws_core::rules::{parse, RuleParseError, Verdict};
use cgaws_core::sts::CallerIdentity;
use cgaws_core::token::DEFAULT_AUDIENCE;
use cgaws_core::verify::{start, Verification, VerifyError, VerifyOptions};
use cgaws_core::HttpResponse;

type OpResult = Result<FieldWriter, ErrorInfo>;

impl From<RuleParseError> for ErrorInfo {
    fn from(e: RuleParseError) -> Self {
        let message = match e.fix() {
            Some(fix) => format!("invalid identity rule: {e} ({fix})"),
            None => format!("invalid identity rule: {e}"),
        };
        ErrorInfo::new("input", "invalid_rule", message).with("ruleCode", e.code())
    }
}

/// Fields: token, identity, RFC 3339 time, audiences (a count, then each),
/// allowed STS hosts (likewise), the rule as JSON, the STS endpoint URL. Checks
/// 1-7 (a `precheck` error), then the result: the handle, then the request to
/// send to STS (method, URL, body, header pairs; `Host` is the token's STS host
/// even when the URL is the endpoint's, as it is signed).
pub fn start_op(
    f: &mut Fields,
    slots: &mut Slots<Verification>,
    now_secs: f64,
    max_future_skew_secs: f64,
    max_age_secs: f64,
) -> OpResult {
    let token = f.required("token")?;
    let identity = f.required("identity")?;
    let now = time(f.str()?, now_secs)?;
    let audiences = f.list()?.unwrap_or_else(|| vec![DEFAULT_AUDIENCE.to_string()]);
    let mut options = VerifyOptions::new(identity, audiences, now);
    if let Some(hosts) = f.list()? {
        options = options.with_allowed_hosts(hosts);
    }
    if let Some(rule) = f.str()? {
        options = options.with_rule(parse(rule)?);
    }
    let endpoint = f.str()?;
    if let Some(skew) = whole_secs(max_future_skew_secs, "maxFutureSkewSecs")? {
        options.precheck.max_future_skew_secs = skew;
    }
    if let Some(age) = whole_secs(max_age_secs, "maxAgeSecs")? {
        options.precheck.max_age_secs = age;
    }
    let verification = start(token.trim(), &options).map_err(|e| match e {
        VerifyError::Precheck(e) => ErrorInfo::from(e),
        other => ErrorInfo::new("verify", other.code(), other.to_string()).with("check", other.check()),
    })?;
    let request = match endpoint {
        Some(url) => verification.request_to(url).map_err(ErrorInfo::from)?,
        None => verification.request().clone(),
    };
    let mut w = FieldWriter::new();
    w.int(slots.insert(verification) as i64);
    request_fields(&mut w, &request);
    Ok(w)
}

fn caller_fields(w: &mut FieldWriter, caller: Option<&CallerIdentity>) {
    w.opt(caller.map(|c| c.account.as_str()))
        .opt(caller.map(|c| c.arn.as_str()))
        .opt(caller.map(|c| c.user_id.as_str()));
}

/// A count (absent without a verdict), then per field: rule field, expected,
/// actual, `1`/`0` matched, reason, suggestion.
fn verdict_fields(w: &mut FieldWriter, verdict: Option<&Verdict>) {
    let Some(verdict) = verdict else {
        w.opt(None);
        return;
    };
    w.int(verdict.fields.len() as i64);
    for v in &verdict.fields {
        w.str(&v.rule_field)
            .opt(v.expected.as_deref())
            .str(&v.actual)
            .str(if v.matched { "1" } else { "0" })
            .opt(v.reason.as_deref())
            .opt(v.suggestion.as_deref());
    }
}

/// Field: STS's answer body; `status` its HTTP status. Result: `verified`,
/// caller (account, ARN, user id), identity, audience, signing time in
/// seconds, STS host, verdict; or `refused`, code, check, message, STS's
/// status and error code, caller, verdict (absent where they do not apply).
pub fn finish_op(f: &mut Fields, slots: &mut Slots<Verification>, handle: u32, status: u32) -> OpResult {
    let verification =
        slots.take(handle).ok_or_else(|| ErrorInfo::input("invalid_argument", "no such verification"))?;
    let response = HttpResponse::new(status.min(u16::MAX as u32) as u16, f.bytes().unwrap_or_default());
    let mut w = FieldWriter::new();
    match verification.finish(&response) {
        Ok(v) => {
            w.str("verified");
            caller_fields(&mut w, Some(&v.caller));
            w.str(&v.identity).str(&v.audience).int(v.signed_at.secs()).str(&v.sts_host);
            verdict_fields(&mut w, v.verdict.as_ref());
        }
        Err(e) => {
            w.str("refused").str(e.code()).int(e.check().into()).str(&e.to_string());
            let sts = match &e {
                VerifyError::RejectedBySts(sts) => Some(sts),
                _ => None,
            };
            let sts_status = sts.map(|s| s.status.to_string());
            w.opt(sts_status.as_deref()).opt(sts.map(|s| s.code.as_str()).filter(|c| !c.is_empty()));
            let (caller, verdict) = match &e {
                VerifyError::RuleNotMatched { caller, verdict } => (Some(caller), Some(verdict)),
                _ => (None, None),
            };
            caller_fields(&mut w, caller);
            verdict_fields(&mut w, verdict);
        }
    }
    Ok(w)
}
