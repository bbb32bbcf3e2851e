//! STS calls the Python driver makes with the caller's credentials: where to send
//! them (the AWS configuration's STS endpoint), `GetCallerIdentity` for
//! `cgaws.whoami`, the core's STS call flow for the driver, and STS error
//! answers as `StsError`.

use crate::errors::{guard, raise, Kw};
use crate::{key_cache, Credentials};
use cgaws_core::provider::{config_file_paths, resolve_region, selected_profile, sts_send_endpoint, Env, ProfileFiles};
use cgaws_core::sts::web_identity_token::WebIdentityTokenParams;
use cgaws_core::sts::{GetCallerIdentity, RetryReason, SendEndpoint, StsCall, StsCallError, StsResponseError, StsStep};
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

/// `StsError` for STS's final refusal, or an answer that cannot be read; the
/// fix, when the core has one, joins the message and is in `fix`.
pub fn sts_error(py: Python<'_>, e: StsCallError) -> PyErr {
    let mut message = e.to_string();
    if let Some(fix) = &e.fix {
        message.push_str("\nhint: ");
        message.push_str(fix);
    }
    match e.error {
        StsResponseError::Service(service) => {
            let code = if service.code.is_empty() { Kw::None } else { Kw::String(service.code) };
            raise(
                py,
                "StsError",
                message,
                &[
                    ("status", Kw::Int(service.status.into())),
                    ("code", code),
                    ("request_id", Kw::opt(service.request_id)),
                    ("fix", Kw::opt(e.fix)),
                ],
            )
        }
        StsResponseError::Malformed { status, .. } => {
            raise(py, "StsError", message, &[("status", Kw::Int(status.into()))])
        }
    }
}

/// The STS calls the driver makes.
pub enum Call {
    CallerIdentity(StsCall<GetCallerIdentity>),
    WebIdentityToken(StsCall<WebIdentityTokenParams>),
}

/// One STS call with the core's attempt policy (retries of transient errors,
/// one re-signing with STS's clock), driven by `cgaws._driver.run_sts`.
#[pyclass(module = "cgaws._core", name = "StsCall")]
pub struct PyStsCall {
    pub call: Call,
}

#[pymethods]
impl PyStsCall {
    /// `(method, url, headers, body, 0)`: the request to send at `now`.
    fn request<'py>(&self, py: Python<'py>, now: i64) -> PyResult<Bound<'py, PyTuple>> {
        let now = UnixTime::from_secs(now);
        let request = guard(py, || {
            let mut cache = key_cache();
            match &self.call {
                Call::CallerIdentity(c) => {
                    c.request(now, &mut cache).map_err(|e| raise(py, "InvalidArgumentError", e.to_string(), &[]))
                }
                Call::WebIdentityToken(c) => {
                    c.request(now, &mut cache).map_err(|e| crate::web_identity::request_error(py, e))
                }
            }
        })?;
        crate::convert::request_tuple(py, &request, 0)
    }

    /// STS's answer, received at `now`: `("done", answer)` (GetCallerIdentity:
    /// `(account, arn, user_id)`; GetWebIdentityToken: `(jwt, expiration_secs_or_None)`)
    /// or `("retry", delay_ms, why)`. Raises `StsError` when the call failed.
    fn on_response<'py>(
        &mut self,
        py: Python<'py>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        now: i64,
        jitter: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let response = HttpResponse { status, headers, body };
        let now = UnixTime::from_secs(now);
        match &mut self.call {
            Call::CallerIdentity(c) => {
                let step = guard(py, || Ok(c.on_response(&response, now, jitter)))?;
                step_tuple(py, step, |id| Ok(("done", (id.account, id.arn, id.user_id)).into_pyobject(py)?.into_any()))
            }
            Call::WebIdentityToken(c) => {
                let step = guard(py, || Ok(c.on_response(&response, now, jitter)))?;
                step_tuple(py, step, |t| {
                    Ok(("done", (t.token.expose(), t.expiration.map(UnixTime::secs))).into_pyobject(py)?.into_any())
                })
            }
        }
    }

    fn __repr__(&self) -> String {
        let (action, endpoint) = match &self.call {
            Call::CallerIdentity(c) => ("GetCallerIdentity", c.endpoint()),
            Call::WebIdentityToken(c) => ("GetWebIdentityToken", c.endpoint()),
        };
        format!("StsCall({action}, host={:?})", endpoint.url.authority)
    }
}

/// `done(answer)`, `("retry", delay_ms, why)`, or the `StsError` of a failed call.
fn step_tuple<'py, T>(
    py: Python<'py>,
    step: StsStep<T>,
    done: impl FnOnce(T) -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (delay_ms, why) = match step {
        StsStep::Done(answer) => return done(answer),
        StsStep::Failed(e) => return Err(sts_error(py, e)),
        StsStep::Retry { delay_ms, reason: RetryReason::Transient, error } => (delay_ms, format!("{error}; retrying")),
        StsStep::Retry { delay_ms, reason: RetryReason::ClockSkew { server_time }, error } => {
            (delay_ms, format!("{error}; signing again with the server's time {server_time}"))
        }
    };
    Ok(("retry", delay_ms, why).into_pyobject(py)?.into_any())
}

/// GetCallerIdentity with `credentials`, sent where the AWS configuration says
/// (`AWS_ENDPOINT_URL_STS`, regional or global endpoint) and signed for that
/// endpoint's region, in the JSON form.
#[pyfunction]
#[pyo3(signature = (env, config, credentials_file, credentials, region=None))]
pub fn caller_identity_call(
    py: Python<'_>,
    env: Env,
    config: Option<Vec<u8>>,
    credentials_file: Option<Vec<u8>>,
    credentials: &Bound<'_, Credentials>,
    region: Option<String>,
) -> PyResult<PyStsCall> {
    let creds = credentials.get();
    let endpoint = send_endpoint(py, &env, config.as_deref(), credentials_file.as_deref(), creds, region)?;
    let call = StsCall::new(GetCallerIdentity { accept_json: true }, endpoint, creds.inner.clone());
    Ok(PyStsCall { call: Call::CallerIdentity(call) })
}
