//! STS `GetWebIdentityToken` for `method="oidc"` (AWS IAM outbound identity
//! federation, PROTOCOL.md §7): the signed request, sent where the AWS
//! configuration points, and STS's answer, the JWT the Chainguard issuer accepts
//! for an identity with a `claim_match` rule.

use crate::errors::{guard, identity_error, raise, Kw};
use crate::sts::{send_endpoint, Call, PyStsCall};
use crate::Credentials;
use cgaws_core::http::Url;
use cgaws_core::provider::Env;
use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::sts::web_identity_token::{
    get_web_identity_token, web_identity_token_endpoint, SigningAlgorithm, WebIdentityTokenParams,
    WebIdentityTokenRequestError, DEFAULT_DURATION_SECS, MAX_DURATION_SECS, MIN_DURATION_SECS,
};
use cgaws_core::sts::{SendEndpoint, StsCall};
use cgaws_core::token::endpoint::GLOBAL_REGION;
use cgaws_core::token::StsEndpoint;
use cgaws_core::UnixTime;
use pyo3::prelude::*;

fn invalid(py: Python<'_>, argument: &'static str, message: String) -> PyErr {
    raise(py, "InvalidArgumentError", message, &[("argument", Kw::str(argument))])
}

/// What to ask STS for, checked before any credentials are looked for:
/// `audience` (the issuer URL), `algorithm` (`ES384`, the default, or `RS256`,
/// any case), `duration` (seconds; always sent, 300 by default, so that a policy
/// condition on `sts:DurationSeconds` has a value), `region` (whose STS to call
/// instead of the configured region's), `identity` (only checked: the JWT does
/// not name one).
#[pyclass(module = "cgaws._core", name = "WebIdentityTokenParams", frozen)]
pub struct PyWebIdentityTokenParams {
    params: WebIdentityTokenParams,
    region: Option<String>,
}

#[pymethods]
impl PyWebIdentityTokenParams {
    #[new]
    #[pyo3(signature = (audience, algorithm=None, duration=None, region=None, identity=None))]
    fn py_new(
        py: Python<'_>,
        audience: String,
        algorithm: Option<&str>,
        duration: Option<i64>,
        region: Option<String>,
        identity: Option<&str>,
    ) -> PyResult<Self> {
        if let Some(identity) = identity {
            cgaws_core::identity::validate_identity_uidp(identity).map_err(|u| identity_error(py, u))?;
        }
        if let Some(region) = region.as_deref() {
            crate::sts_endpoint(py, Some(region))?; // a malformed region, named as the caller's mistake
        }
        let mut params = WebIdentityTokenParams::new(audience);
        if let Some(text) = algorithm {
            params.algorithm = SigningAlgorithm::parse(text.trim()).ok_or_else(|| {
                invalid(py, "oidc_algorithm", format!("oidc_algorithm {text:?} is not ES384 or RS256"))
            })?;
        }
        let duration = duration.unwrap_or(DEFAULT_DURATION_SECS.into());
        // The range is the core's check (the dry run below); this only refuses what a u32 cannot hold.
        let duration = u32::try_from(duration).map_err(|_| {
            invalid(
                py,
                "oidc_duration",
                format!("oidc_duration {duration} is outside {MIN_DURATION_SECS}..={MAX_DURATION_SECS} seconds"),
            )
        })?;
        params.duration_seconds = Some(duration);
        // The core checks the parameters when it builds the request: build one
        // with placeholder credentials now, so bad values are found first.
        let placeholder = cgaws_core::Credentials::new("AKIDPLACEHOLDER", "placeholder", None)
            .map_err(|e| raise(py, "Error", e.to_string(), &[]))?;
        let url = Url::parse(&StsEndpoint::global().url()).map_err(|e| raise(py, "Error", e.to_string(), &[]))?;
        let endpoint = SendEndpoint::custom(url, GLOBAL_REGION);
        guard(py, || {
            get_web_identity_token(
                &endpoint,
                &placeholder,
                &params,
                UnixTime::from_secs(0),
                &mut SigningKeyCache::new(),
            )
            .map(drop)
            .map_err(|e| request_error(py, e))
        })?;
        Ok(PyWebIdentityTokenParams { params, region })
    }

    fn __repr__(&self) -> String {
        format!(
            "WebIdentityTokenParams(audiences={:?}, algorithm={}, duration={:?}, region={:?})",
            self.params.audiences,
            self.params.algorithm.as_str(),
            self.params.duration_seconds,
            self.region
        )
    }
}

pub fn request_error(py: Python<'_>, e: WebIdentityTokenRequestError) -> PyErr {
    let message = e.to_string();
    match e {
        WebIdentityTokenRequestError::Duration(_) => invalid(py, "oidc_duration", message),
        WebIdentityTokenRequestError::Audiences(_) | WebIdentityTokenRequestError::EmptyAudience => {
            invalid(py, "audience", message)
        }
        _ => raise(py, "InvalidArgumentError", message, &[]),
    }
}

/// The `GetWebIdentityToken` call (driven by `cgaws._driver.run_sts`) with
/// `credentials`: sent where the AWS SDKs send STS calls (`AWS_ENDPOINT_URL_STS`,
/// ..., else the regional endpoint of the params' region or of the configured
/// region; the global endpoint becomes us-east-1's, since STS serves this call
/// on regional endpoints only), signed for that endpoint's region. Its failures
/// are `StsError`s; the two refusals an administrator must fix (outbound
/// federation not enabled for the account, no `sts:GetWebIdentityToken`
/// permission for the audience) carry the fix in the message and in `fix`.
#[pyfunction]
pub fn web_identity_token_call(
    py: Python<'_>,
    env: Env,
    config: Option<Vec<u8>>,
    credentials_file: Option<Vec<u8>>,
    credentials: &Bound<'_, Credentials>,
    params: &Bound<'_, PyWebIdentityTokenParams>,
) -> PyResult<PyStsCall> {
    let PyWebIdentityTokenParams { params, region } = params.get();
    let creds = credentials.get();
    let endpoint = web_identity_token_endpoint(send_endpoint(
        py,
        &env,
        config.as_deref(),
        credentials_file.as_deref(),
        creds,
        region.clone(),
    )?);
    let call = StsCall::new(params.clone(), endpoint, creds.inner.clone());
    Ok(PyStsCall { call: Call::WebIdentityToken(call) })
}
