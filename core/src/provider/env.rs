//! Environment credentials (aws-credentials.md §2).

use super::chain::{Cx, Found};
use super::io::{error, not_found, Flow};
use crate::credentials::Credentials;
use crate::time::UnixTime;

/// The chain's first source: skipped under an explicit `--profile`.
pub(crate) fn source(cx: &mut Cx<'_>) -> Flow<Found> {
    if cx.cfg.profile.as_deref().is_some_and(|p| !p.trim().is_empty()) {
        return not_found("skipped because a profile was given explicitly (--profile)");
    }
    credentials(cx)
}

/// `AWS_ACCESS_KEY_ID` + `AWS_SECRET_ACCESS_KEY` (+ `AWS_SESSION_TOKEN`, else the
/// legacy `AWS_SECURITY_TOKEN`). A key id without a secret is an error.
pub(crate) fn credentials(cx: &mut Cx<'_>) -> Flow<Found> {
    let Some(key_id) = cx.env("AWS_ACCESS_KEY_ID") else {
        return not_found("AWS_ACCESS_KEY_ID is not set");
    };
    let Some(secret) = cx.env("AWS_SECRET_ACCESS_KEY").or_else(|| cx.env("SECRET_ACCESS_KEY")) else {
        return error(
            "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (partial credentials in the environment)",
        );
    };
    let token = cx.env("AWS_SESSION_TOKEN").or_else(|| cx.env("AWS_SECURITY_TOKEN"));
    let mut credentials = match Credentials::new(key_id, secret, token.map(str::to_string)) {
        Ok(c) => c,
        Err(e) => return error(format!("{e} (from the environment)")),
    };
    if let Some(expiration) = cx.env("AWS_CREDENTIAL_EXPIRATION") {
        match UnixTime::parse_rfc3339(expiration) {
            Ok(t) => credentials = credentials.with_expiry(Some(t)),
            Err(e) => cx.warnings.push(format!("AWS_CREDENTIAL_EXPIRATION ignored: {e}")),
        }
    }
    cx.check_fresh(&credentials, "the environment (AWS_CREDENTIAL_EXPIRATION)")?;
    Ok(Found { credentials, source: "environment".into(), account_id: cx.env("AWS_ACCOUNT_ID").map(str::to_string) })
}
