//! STS calls the Python driver makes with the caller's credentials: where to send
//! them (the AWS configuration's STS endpoint), `GetCallerIdentity` for
//! `cgaws.whoami`, and STS error answers as `StsError`.

use crate::errors::{guard, raise, Kw};
use crate::{key_cache, Credentials};
use cgaws_core::provider::{config_file_paths, resolve_region, selected_profile, sts_send_endpoint, Env, ProfileFiles};
use cgaws_core::sts::{self, SendEndpoint, StsResponseError};
use cgaws_core::{HttpResponse, UnixTime};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// `(config_path, credentials_path)` of the shared AWS files (either may be None
/// when no home directory is known).
#[pyfunction]
pub fn config_paths(env: Env) -> (Option<String>, Option<String>) {
    let paths = config_file_paths(&env, None);
    (paths.config, paths.credentials)
}

/// Where STS calls go for `credentials`: `AWS_ENDPOINT_URL_STS` (and the other
/// configured endpoints), else the regional or global endpoint of `region`, else
/// of the configured region, else of the region found with the credentials.
pub fn send_endpoint(
    py: Python<'_>,
    env: &Env,
    config: Option<&[u8]>,
    credentials_file: Option<&[u8]>,
    credentials: &Credentials,
    region: Option<String>,
) -> PyResult<SendEndpoint> {
    let config_error = |message: String| raise(py, "InvalidArgumentError", message, &[("argument", Kw::str("config"))]);
    let files = guard(py, || ProfileFiles::parse(config, credentials_file).map_err(|e| config_error(e.to_string())))?;
    let (profile, _) = selected_profile(env, None);
    let region = region
        .or_else(|| resolve_region(env, None, &files, &profile).map(|r| r.region))
        .or_else(|| credentials.region.clone());
    sts_send_endpoint(env, &files, &profile, region.as_deref()).map_err(|e| config_error(e.to_string()))
}

/// `StsError` for an STS answer that is not the expected success. `what` names
/// the call; `fix`, when given, says what to do and joins the message.
pub fn sts_error(py: Python<'_>, what: &str, error: StsResponseError, fix: Option<String>) -> PyErr {
    let mut message = format!("{what}: {error}");
    if let Some(fix) = &fix {
        message.push_str("\nhint: ");
        message.push_str(fix);
    }
    match error {
        StsResponseError::Service(e) => {
            let code = if e.code.is_empty() { Kw::None } else { Kw::String(e.code) };
            raise(
                py,
                "StsError",
                message,
                &[
                    ("status", Kw::Int(e.status.into())),
                    ("code", code),
                    ("request_id", Kw::opt(e.request_id)),
                    ("fix", Kw::opt(fix)),
                ],
            )
        }
        StsResponseError::Malformed { status, .. } => {
            raise(py, "StsError", message, &[("status", Kw::Int(status.into()))])
        }
    }
}

/// The signed `GetCallerIdentity` request, as `(method, url, headers, body, 0)`,
/// sent where the AWS configuration says (`AWS_ENDPOINT_URL_STS`, regional or
/// global endpoint) and signed for that endpoint's region.
#[pyfunction]
#[pyo3(signature = (env, config, credentials_file, credentials, now, region=None))]
pub fn caller_identity_request<'py>(
    py: Python<'py>,
    env: Env,
    config: Option<Vec<u8>>,
    credentials_file: Option<Vec<u8>>,
    credentials: &Bound<'py, Credentials>,
    now: i64,
    region: Option<String>,
) -> PyResult<Bound<'py, PyTuple>> {
    let creds = credentials.get();
    let endpoint = send_endpoint(py, &env, config.as_deref(), credentials_file.as_deref(), creds, region)?;
    let request = {
        let mut cache = key_cache();
        sts::get_caller_identity(&endpoint, &creds.inner, UnixTime::from_secs(now), &mut cache, true)
    }
    .map_err(|e| raise(py, "InvalidArgumentError", e.to_string(), &[]))?;
    crate::convert::request_tuple(py, &request, 0)
}

/// `(account, arn, user_id)` from STS's answer; raises `StsError` for an error answer.
#[pyfunction]
pub fn parse_caller_identity(
    py: Python<'_>,
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
) -> PyResult<(String, String, String)> {
    let response = HttpResponse { status, headers, body };
    match guard(py, || Ok(sts::parse_get_caller_identity(&response)))? {
        Ok(id) => Ok((id.account, id.arn, id.user_id)),
        Err(e) => Err(sts_error(py, "GetCallerIdentity failed", e, None)),
    }
}
