//! `cgaws._core`: the Python extension over `cgaws-core`.
//!
//! This layer only converts between Python objects and the core's types and maps
//! the core's errors onto the `cgaws` exception classes (defined in Python, in
//! `cgaws/_errors.py`). Every protocol decision stays in the core; every I/O is
//! done by the Python driver (`cgaws/_driver.py`), which moves bytes between the
//! core's state machines and the outside world.
//!
//! Nothing here panics on input: all fallible conversions return Python errors.
#![forbid(unsafe_code)]

mod chain;
mod convert;
mod errors;
mod sts;
mod verify;
mod web_identity;

use cgaws_core::exchange::{Exchange, ExchangeError, ExchangeParams, ExchangeStep};
use cgaws_core::http::{HttpRequest, Url};
use cgaws_core::sigv4::{self, PayloadHash, SignatureLocation, SigningKeyCache, SigningParams, SigningSettings};
use cgaws_core::token::{self, PrecheckOptions, StsEndpoint, TokenError, TokenParams};
use cgaws_core::{Credentials as CoreCredentials, Secret, UnixTime};
use convert::{datetime_from_secs, epoch_seconds_of};
use errors::{guard, identity_error, raise, Kw};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};
use std::sync::{LazyLock, Mutex, MutexGuard};

/// One signing-key cache for the process. Signing is pure computation that never
/// calls back into Python, so holding the lock while signing cannot deadlock.
static KEY_CACHE: LazyLock<Mutex<SigningKeyCache>> = LazyLock::new(|| Mutex::new(SigningKeyCache::new()));

fn key_cache() -> MutexGuard<'static, SigningKeyCache> {
    // A poisoned lock only means another thread panicked mid-signing; the cache
    // holds derived keys that are either complete or absent, so keep using it.
    KEY_CACHE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// AWS credentials: an access key id, a secret access key and, for temporary
/// credentials, a session token. `repr()` shows the access key id only.
#[pyclass(module = "cgaws", name = "Credentials", frozen, from_py_object)]
#[derive(Clone)]
pub struct Credentials {
    pub(crate) inner: CoreCredentials,
    /// Where the default chain found them (`environment`, `profile:dev`, `imds`, ...),
    /// or `explicit`.
    pub(crate) source: String,
    pub(crate) region: Option<String>,
    pub(crate) account_id: Option<String>,
}

#[pymethods]
impl Credentials {
    #[new]
    #[pyo3(signature = (access_key_id, secret_access_key, session_token=None, *, expiry=None))]
    fn py_new(
        py: Python<'_>,
        access_key_id: String,
        secret_access_key: String,
        session_token: Option<String>,
        expiry: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let expiry = match expiry {
            Some(e) if !e.is_none() => Some(UnixTime::from_secs(epoch_seconds_of(py, e, "expiry")?)),
            _ => None,
        };
        let inner = CoreCredentials::new(access_key_id, secret_access_key, session_token)
            .map_err(|e| raise(py, "InvalidCredentialsError", e.to_string(), &[]))?
            .with_expiry(expiry);
        Ok(Credentials { inner, source: "explicit".into(), region: None, account_id: None })
    }

    #[getter]
    fn access_key_id(&self) -> &str {
        self.inner.access_key_id()
    }

    /// The secret itself; never shown by `repr()`.
    #[getter]
    fn secret_access_key(&self) -> &str {
        self.inner.secret_access_key().expose()
    }

    #[getter]
    fn session_token(&self) -> Option<&str> {
        self.inner.session_token().map(Secret::expose)
    }

    /// When the credentials stop working, as an aware `datetime`, or `None`.
    #[getter]
    fn expiry<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.inner.expiry().map(|t| datetime_from_secs(py, t.secs())).transpose()
    }

    #[getter]
    fn source(&self) -> &str {
        &self.source
    }

    /// The region configured alongside (environment or profile), if any.
    #[getter]
    fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    #[getter]
    fn account_id(&self) -> Option<&str> {
        self.account_id.as_deref()
    }

    fn __repr__(&self) -> String {
        let token = match self.inner.session_token() {
            Some(t) => format!("<redacted {} chars>", t.expose().len()),
            None => "None".into(),
        };
        let expiry = match self.inner.expiry() {
            Some(t) => t.to_rfc3339(),
            None => "None".into(),
        };
        format!(
            "Credentials(access_key_id={:?}, secret_access_key=<redacted>, session_token={token}, expiry={expiry}, source={:?})",
            self.inner.access_key_id(),
            self.source
        )
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        match other.cast::<Credentials>() {
            Ok(o) => o.get().inner == self.inner,
            Err(_) => false,
        }
    }

    fn __hash__(&self) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.inner.access_key_id().hash(&mut h);
        h.finish()
    }

    /// botocore's name for "a snapshot of these credentials": returns itself, so a
    /// `Credentials` can go wherever a botocore credentials object is expected.
    fn get_frozen_credentials(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }
}

/// The STS endpoint a token names: the global one, or a regional one.
pub(crate) fn sts_endpoint(py: Python<'_>, sts_region: Option<&str>) -> PyResult<StsEndpoint> {
    match sts_region {
        None => Ok(StsEndpoint::global()),
        Some(region) => StsEndpoint::regional(region, false)
            .map_err(|e| raise(py, "InvalidArgumentError", e.to_string(), &[("argument", Kw::str("sts_region"))])),
    }
}

fn token_error(py: Python<'_>, e: TokenError) -> PyErr {
    match e {
        TokenError::InvalidIdentity(u) => identity_error(py, u),
        TokenError::InvalidIdentityValue => raise(py, "InvalidIdentityError", e.to_string(), &[]),
        TokenError::InvalidAudience(_) => {
            raise(py, "InvalidArgumentError", e.to_string(), &[("argument", Kw::str("audience"))])
        }
        TokenError::Signing(s) => raise(py, "InvalidArgumentError", s.to_string(), &[]),
    }
}

/// `generate_token(identity, credentials, audience, sts_region, time, check_identity=True) -> str`
#[pyfunction]
#[pyo3(signature = (identity, credentials, audience, sts_region, time, check_identity=true))]
fn generate_token(
    py: Python<'_>,
    identity: String,
    credentials: &Bound<'_, Credentials>,
    audience: String,
    sts_region: Option<&str>,
    time: i64,
    check_identity: bool,
) -> PyResult<String> {
    let params =
        TokenParams { identity, audience, endpoint: sts_endpoint(py, sts_region)?, time: UnixTime::from_secs(time) };
    let credentials = &credentials.get().inner;
    guard(py, || {
        let signed = {
            let mut cache = key_cache();
            if check_identity {
                token::generate_token(credentials, &params, &mut cache)
            } else {
                token::blob::generate_token_unchecked_identity(credentials, &params, &mut cache)
            }
        };
        signed.map(|s| s.blob).map_err(|e| token_error(py, e))
    })
}

/// The target of a URL given to `sign`: the core's URL parser refuses spaces, but
/// SigV4 signs a path holding them (AWS's suite case `get-space-unnormalized`), so
/// the authority is checked by the core and the path and query are kept verbatim.
fn request_from_url(py: Python<'_>, method: &str, url: &str) -> PyResult<HttpRequest> {
    let bad = |reason: &str| {
        raise(py, "InvalidArgumentError", format!("invalid URL {url:?}: {reason}"), &[("argument", Kw::str("url"))])
    };
    if url.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(bad("contains control characters"));
    }
    let after_scheme = url.find("://").map(|i| i + 3).ok_or_else(|| bad("expected scheme://host"))?;
    let rest = &url[after_scheme..];
    let authority_end = rest.find(['/', '?', '#']).map_or(url.len(), |i| after_scheme + i);
    let base = Url::parse(&url[..authority_end]).map_err(|e| bad(e.reason))?;
    let target = url[authority_end..].split('#').next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if method.is_empty() || !sigv4::is_valid_header_name(method) {
        return Err(raise(py, "InvalidArgumentError", format!("invalid HTTP method {method:?}"), &[]));
    }
    Ok(HttpRequest {
        method: method.to_string(),
        scheme: base.scheme,
        authority: base.authority,
        path: if path.is_empty() { "/".into() } else { path.into() },
        query: query.into(),
        headers: Vec::new(),
        body: Vec::new(),
    })
}

/// `sign(method, url, headers, body, credentials, region, service, time,
/// presign_expires, unsigned_payload, normalize_path)` -> a dict of the signed
/// request and the signing texts.
#[pyfunction]
#[pyo3(signature = (method, url, headers, body, credentials, region, service, time, presign_expires, unsigned_payload, normalize_path))]
#[allow(clippy::too_many_arguments)]
fn sign<'py>(
    py: Python<'py>,
    method: &str,
    url: &str,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    credentials: &Bound<'py, Credentials>,
    region: &str,
    service: &str,
    time: i64,
    presign_expires: Option<u64>,
    unsigned_payload: bool,
    normalize_path: bool,
) -> PyResult<Bound<'py, PyDict>> {
    let mut request = request_from_url(py, method, url)?;
    request.body = body;
    // A caller-supplied `x-amz-content-sha256` names the payload hash (as in
    // botocore and S3); the core writes that header itself, so it is passed as a setting.
    let mut precomputed: Option<String> = None;
    for (name, value) in headers {
        if name.eq_ignore_ascii_case("x-amz-content-sha256") {
            precomputed = Some(value.trim_matches(' ').to_string());
        } else {
            request.headers.push((name, value));
        }
    }
    let location = match presign_expires {
        Some(expires_in) => SignatureLocation::QueryParams { expires_in },
        None => SignatureLocation::Headers,
    };
    let payload = match (&precomputed, unsigned_payload) {
        (Some(hash), _) => PayloadHash::Precomputed(hash.clone()),
        (None, true) => PayloadHash::Unsigned,
        (None, false) => PayloadHash::FromBody,
    };
    let settings = SigningSettings {
        location,
        normalize_path,
        payload,
        content_sha256_header: precomputed.is_some() && presign_expires.is_none(),
        ..SigningSettings::default()
    };
    let params = SigningParams {
        credentials: &credentials.get().inner,
        region,
        service,
        time: UnixTime::from_secs(time),
        settings,
    };
    let output = guard(py, || {
        let mut cache = key_cache();
        sigv4::sign(&mut request, &params, &mut cache)
            .map_err(|e| raise(py, "InvalidArgumentError", e.to_string(), &[]))
    })?;
    let out = PyDict::new(py);
    out.set_item("method", &request.method)?;
    out.set_item("url", request.url())?;
    let pairs = PyList::empty(py);
    for (name, value) in &request.headers {
        pairs.append(PyTuple::new(py, [name, value])?)?;
    }
    out.set_item("header_list", pairs)?;
    out.set_item("body", PyBytes::new(py, &request.body))?;
    out.set_item("signature", &output.signature)?;
    out.set_item("signed_headers", &output.signed_headers)?;
    out.set_item("canonical_request", &output.canonical_request)?;
    out.set_item("string_to_sign", &output.string_to_sign)?;
    Ok(out)
}

fn precheck_error(py: Python<'_>, e: &token::PrecheckError) -> PyErr {
    raise(py, "PrecheckError", e.to_string(), &[("check", Kw::Int(i64::from(e.check()))), ("code", Kw::str(e.code()))])
}

/// `inspect(token) -> dict`: what a token says, secrets redacted.
#[pyfunction]
fn inspect<'py>(py: Python<'py>, token: &str) -> PyResult<Bound<'py, PyDict>> {
    let i = guard(py, || token::inspect(token.trim()).map_err(|e| precheck_error(py, &e)))?;
    let out = PyDict::new(py);
    out.set_item("method", &i.method)?;
    out.set_item("host", &i.host)?;
    out.set_item("path", &i.path)?;
    out.set_item("query", &i.query)?;
    let headers = PyList::empty(py);
    for (name, value) in &i.headers {
        headers.append(PyTuple::new(py, [name, value])?)?;
    }
    out.set_item("headers", headers)?;
    out.set_item("signed_headers", &i.signed_headers)?;
    out.set_item("audience", &i.audience)?;
    out.set_item("identity", &i.identity)?;
    out.set_item("amz_date", &i.amz_date)?;
    let issued_at = match i.amz_date.as_deref().map(UnixTime::parse_amz_date) {
        Some(Ok(t)) => Some(datetime_from_secs(py, t.secs())?),
        _ => None,
    };
    out.set_item("issued_at", issued_at)?;
    out.set_item("access_key_id", &i.access_key_id)?;
    out.set_item("credential_scope", &i.credential_scope)?;
    out.set_item("has_session_token", i.has_session_token)?;
    out.set_item("signature_prefix", &i.signature_prefix)?;
    Ok(out)
}

/// `precheck(token, identity, audiences, now, sts_hosts) -> dict`: the relying
/// party's checks 1–7; raises `PrecheckError` at the first that fails.
#[pyfunction]
fn precheck<'py>(
    py: Python<'py>,
    token: &str,
    identity: String,
    audiences: Vec<String>,
    now: i64,
    sts_hosts: Vec<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let mut options = PrecheckOptions::new(identity, String::new(), UnixTime::from_secs(now));
    options.audiences = audiences;
    options.allowed_hosts = sts_hosts;
    let ok = guard(py, || token::precheck(token.trim(), &options).map_err(|e| precheck_error(py, &e)))?;
    let out = PyDict::new(py);
    out.set_item("host", &ok.host)?;
    out.set_item("identity", &ok.identity)?;
    out.set_item("audience", &ok.audience)?;
    out.set_item("issued_at", datetime_from_secs(py, ok.date.secs())?)?;
    out.set_item("access_key_id", &ok.authorization.access_key_id)?;
    out.set_item(
        "credential_scope",
        format!("{}/{}/{}", ok.authorization.date, ok.authorization.region, ok.authorization.service),
    )?;
    out.set_item("signed_headers", &ok.authorization.signed_headers)?;
    Ok(out)
}

fn exchange_error(py: Python<'_>, e: ExchangeError) -> PyErr {
    let message = e.to_string();
    match e {
        ExchangeError::InvalidIdentity(u) => identity_error(py, u),
        ExchangeError::InvalidIssuer(_) => {
            raise(py, "InvalidArgumentError", message, &[("argument", Kw::str("issuer"))])
        }
        ExchangeError::InvalidParameter(_) => raise(py, "InvalidArgumentError", message, &[]),
        ExchangeError::Redirected { status, location } => {
            raise(py, "ExchangeError", message, &[("status", Kw::Int(status.into())), ("location", Kw::opt(location))])
        }
        ExchangeError::Rejected { status, code, message: issuer_message } => {
            let code_name = code.map(|c| cgaws_core::exchange::grpc_code_name(c).to_string());
            raise(
                py,
                "ExchangeError",
                message,
                &[
                    ("status", Kw::Int(status.into())),
                    ("code", code.map_or(Kw::None, Kw::Int)),
                    ("code_name", Kw::opt(code_name)),
                    ("issuer_message", Kw::String(issuer_message)),
                ],
            )
        }
        ExchangeError::MalformedResponse(_) => raise(py, "ExchangeError", message, &[("status", Kw::Int(200))]),
        ExchangeError::ResponseTooLarge => raise(py, "ExchangeError", message, &[]),
    }
}

/// One exchange at `<issuer>/sts/exchange`, driven by `cgaws._driver`.
#[pyclass(module = "cgaws._core", name = "Exchange")]
struct PyExchange {
    inner: Exchange,
}

#[pymethods]
impl PyExchange {
    #[new]
    fn py_new(
        py: Python<'_>,
        issuer: String,
        identity: String,
        audiences: Vec<String>,
        scopes: Vec<String>,
        caps: Vec<String>,
        bearer: String,
    ) -> PyResult<Self> {
        let params = ExchangeParams { issuer, identity, audiences, scopes, caps };
        let inner = guard(py, || Exchange::new(&params, &Secret::new(bearer)).map_err(|e| exchange_error(py, e)))?;
        Ok(PyExchange { inner })
    }

    /// `(method, url, headers, body, max_response_bytes)` of the request to send now.
    fn request<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        convert::request_tuple(py, self.inner.request(), cgaws_core::exchange::MAX_RESPONSE_BYTES as u64)
    }

    /// `("done", token, expiry_secs_or_None, refresh_token_or_None)` or `("retry", delay_ms)`;
    /// raises `ExchangeError` when the exchange failed.
    fn on_response<'py>(
        &mut self,
        py: Python<'py>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        jitter: f64,
    ) -> PyResult<Bound<'py, PyTuple>> {
        let response = cgaws_core::HttpResponse { status, headers, body };
        match guard(py, || Ok(self.inner.on_response(&response, jitter)))? {
            ExchangeStep::Done(t) => {
                ("done", t.token.expose(), t.expiry.map(UnixTime::secs), t.refresh_token.as_ref().map(Secret::expose))
                    .into_pyobject(py)
            }
            ExchangeStep::Retry { delay_ms } => ("retry", delay_ms).into_pyobject(py),
            ExchangeStep::Failed(e) => Err(exchange_error(py, e)),
        }
    }

    #[getter]
    fn attempts(&self) -> u32 {
        self.inner.attempts()
    }

    fn __repr__(&self) -> String {
        format!("Exchange(url={:?}, attempts={})", self.inner.request().url(), self.inner.attempts())
    }
}

/// `epoch_seconds(value, name)`: an aware datetime, a naive one taken as UTC, or
/// epoch seconds (int or float, floored), as whole seconds since 1970.
#[pyfunction]
#[pyo3(signature = (value, name="time"))]
fn epoch_seconds(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    epoch_seconds_of(py, value, name)
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::install_panic_hook();
    m.add("VERSION", cgaws_core::VERSION)?;
    m.add("DEFAULT_AUDIENCE", token::DEFAULT_AUDIENCE)?;
    m.add("DEFAULT_ISSUER", cgaws_core::exchange::DEFAULT_ISSUER)?;
    m.add("DEFAULT_TOKEN_AUDIENCE", cgaws_core::exchange::DEFAULT_TOKEN_AUDIENCE)?;
    m.add("GLOBAL_STS_HOST", token::endpoint::GLOBAL_HOST)?;
    m.add("MAX_RESPONSE_BYTES", cgaws_core::exchange::MAX_RESPONSE_BYTES)?;
    m.add_class::<Credentials>()?;
    m.add_class::<PyExchange>()?;
    m.add_class::<chain::PyCredentialChain>()?;
    m.add_class::<verify::PyVerification>()?;
    m.add_class::<web_identity::PyWebIdentityTokenParams>()?;
    m.add_function(wrap_pyfunction!(verify::verify_start, m)?)?;
    m.add_function(wrap_pyfunction!(generate_token, m)?)?;
    m.add_function(wrap_pyfunction!(sign, m)?)?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(precheck, m)?)?;
    m.add_function(wrap_pyfunction!(epoch_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(sts::config_paths, m)?)?;
    m.add_class::<sts::PyStsCall>()?;
    m.add_function(wrap_pyfunction!(sts::caller_identity_call, m)?)?;
    m.add_function(wrap_pyfunction!(web_identity::web_identity_token_call, m)?)?;
    Ok(())
}
