//! The AWS default credential chain (`cgaws_core::provider`), exposed as a state
//! machine for the Python driver: `next_action()` says what to do, a `feed_*`
//! method hands back what happened.

use crate::convert::request_tuple;
use crate::errors::{guard, raise, Kw};
use crate::Credentials;
use cgaws_core::provider::{
    Action, Answer, ChainConfig, ChainError, CredentialChain, Env, ProcessOutput, ResolvedCredentials, TransportError,
};
use cgaws_core::{HttpResponse, UnixTime};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

#[pyclass(module = "cgaws._core", name = "CredentialChain")]
pub struct PyCredentialChain {
    inner: CredentialChain,
}

pub fn chain_error(py: Python<'_>, e: &ChainError) -> PyErr {
    let attempts: Vec<(String, String)> = e.attempts.iter().map(|a| (a.source.clone(), a.reason.clone())).collect();
    raise(
        py,
        "NoCredentialsError",
        e.to_string(),
        &[
            ("attempts", Kw::Pairs(attempts)),
            ("stopped", Kw::Bool(e.stopped)),
            ("warnings", Kw::Strings(e.warnings.clone())),
        ],
    )
}

fn credentials_of(resolved: &ResolvedCredentials) -> Credentials {
    Credentials {
        inner: resolved.credentials.clone(),
        source: resolved.source.clone(),
        region: resolved.region.clone(),
        account_id: resolved.account_id.clone(),
    }
}

#[pymethods]
impl PyCredentialChain {
    #[new]
    #[pyo3(signature = (env, now, *, profile=None, region=None, home=None, jitter_seed=0, previous=None))]
    #[allow(clippy::too_many_arguments)]
    fn py_new(
        env: Env,
        now: i64,
        profile: Option<String>,
        region: Option<String>,
        home: Option<String>,
        jitter_seed: u64,
        previous: Option<&Bound<'_, Credentials>>,
    ) -> Self {
        let mut config = ChainConfig::new(env, UnixTime::from_secs(now));
        config.profile = profile;
        config.region = region;
        config.home = home;
        config.jitter_seed = jitter_seed;
        config.previous = previous.map(|p| {
            let p = p.get();
            ResolvedCredentials {
                credentials: p.inner.clone(),
                source: p.source.clone(),
                region: p.region.clone(),
                account_id: p.account_id.clone(),
                warnings: Vec::new(),
            }
        });
        PyCredentialChain { inner: CredentialChain::new(config) }
    }

    /// One of `("read_file", path)`, `("http", (method, url, headers, body, timeout_ms))`,
    /// `("run_process", argv)`, `("sleep", millis)` or `("done", credentials, warnings)`;
    /// raises `NoCredentialsError` when the chain ends without credentials.
    fn next_action<'py>(&mut self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        match guard(py, || Ok(self.inner.next_action()))? {
            Action::ReadFile { path } => ("read_file", path).into_pyobject(py),
            Action::Http { request, timeout_ms } => {
                ("http", request_tuple(py, &request, timeout_ms)?).into_pyobject(py)
            }
            Action::RunProcess { argv } => ("run_process", PyList::new(py, argv)?).into_pyobject(py),
            Action::Sleep { millis } => ("sleep", millis).into_pyobject(py),
            Action::Done(Ok(resolved)) => {
                let creds = Bound::new(py, credentials_of(&resolved))?;
                ("done", creds, resolved.warnings).into_pyobject(py)
            }
            Action::Done(Err(e)) => Err(chain_error(py, &e)),
        }
    }

    /// The file's bytes, or `None` if it does not exist.
    #[pyo3(signature = (data))]
    fn feed_file(&mut self, data: Option<Vec<u8>>) {
        self.inner.feed(Answer::File(data));
    }

    fn feed_file_error(&mut self, message: String) {
        self.inner.feed(Answer::FileError(message));
    }

    fn feed_http(&mut self, status: u16, headers: Vec<(String, String)>, body: Vec<u8>) {
        self.inner.feed(Answer::Http(Ok(HttpResponse { status, headers, body })));
    }

    /// `kind` is `"connect"` (no connection, including a connect timeout),
    /// `"timeout"` (connected but no complete answer in time) or `"other"`.
    fn feed_transport_error(&mut self, kind: &str, message: String) {
        let error = match kind {
            "connect" => TransportError::ConnectFailed(message),
            "timeout" => TransportError::Timeout,
            _ => TransportError::Other(message),
        };
        self.inner.feed(Answer::Http(Err(error)));
    }

    #[pyo3(signature = (exit_code, stdout, stderr))]
    fn feed_process(&mut self, exit_code: Option<i32>, stdout: Vec<u8>, stderr: Vec<u8>) {
        self.inner.feed(Answer::Process(Ok(ProcessOutput { exit_code, stdout, stderr })));
    }

    fn feed_process_error(&mut self, message: String) {
        self.inner.feed(Answer::Process(Err(message)));
    }

    fn feed_slept(&mut self) {
        self.inner.feed(Answer::Slept);
    }

    fn __repr__(&self) -> &'static str {
        "CredentialChain(...)"
    }
}
