//! `cgaws.verify`: the relying party's whole flow (`cgaws_core::verify`), checks
//! 1–7 here, the STS call done by the Python driver, then checks 8–9 here.

use crate::convert::{datetime_from_secs, request_tuple};
use crate::errors::{guard, raise, Kw};
use cgaws_core::rules::{self, Verdict};
use cgaws_core::verify::{self, Verification, VerifyError, VerifyOptions};
use cgaws_core::{HttpResponse, UnixTime};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

fn verdict_list<'py>(py: Python<'py>, verdict: &Verdict) -> PyResult<Bound<'py, PyList>> {
    let fields = PyList::empty(py);
    for f in &verdict.fields {
        let d = PyDict::new(py);
        d.set_item("field", &f.rule_field)?;
        d.set_item("expected", &f.expected)?;
        d.set_item("actual", &f.actual)?;
        d.set_item("matched", f.matched)?;
        d.set_item("reason", &f.reason)?;
        d.set_item("suggestion", &f.suggestion)?;
        fields.append(d)?;
    }
    Ok(fields)
}

fn verify_error(py: Python<'_>, e: VerifyError) -> PyErr {
    let message = e.to_string();
    let (check, code) = (i64::from(e.check()), e.code());
    let mut kw = vec![("check", Kw::Int(check)), ("code", Kw::str(code))];
    match e {
        VerifyError::Precheck(_) => return raise(py, "PrecheckError", message, &kw),
        VerifyError::RejectedBySts(sts) => {
            kw.push(("sts_status", Kw::Int(sts.status.into())));
            kw.push(("sts_code", if sts.code.is_empty() { Kw::None } else { Kw::String(sts.code) }));
        }
        VerifyError::InvalidStsAnswer(_) => {}
        VerifyError::RuleNotMatched { caller, verdict } => {
            kw.push(("caller", Kw::Strings(vec![caller.account, caller.arn, caller.user_id])));
            return match verdict_list(py, &verdict) {
                Ok(fields) => {
                    let err = raise(py, "VerifyError", message, &kw);
                    let _ = err.value(py).setattr("verdict", fields);
                    err
                }
                Err(e) => e,
            };
        }
    }
    raise(py, "VerifyError", message, &kw)
}

/// A token that passed checks 1–7, waiting for STS's answer.
#[pyclass(module = "cgaws._core", name = "Verification")]
pub struct PyVerification {
    inner: Option<Verification>,
}

/// `verify_start(token, identity, audiences, now, sts_hosts, rule_json)`: checks 1–7
/// (raises `PrecheckError`), with the identity's rule parsed from `rule_json`.
#[pyfunction]
#[pyo3(signature = (token, identity, audiences, now, sts_hosts, rule_json=None))]
pub fn verify_start(
    py: Python<'_>,
    token: &str,
    identity: String,
    audiences: Vec<String>,
    now: i64,
    sts_hosts: Vec<String>,
    rule_json: Option<&str>,
) -> PyResult<PyVerification> {
    let mut options = VerifyOptions::new(identity, audiences, UnixTime::from_secs(now)).with_allowed_hosts(sts_hosts);
    if let Some(text) = rule_json {
        let doc = guard(py, || Ok(rules::parse(text)))?.map_err(|e| {
            let message = match e.fix() {
                Some(fix) => format!("invalid identity rule: {e} ({fix})"),
                None => format!("invalid identity rule: {e}"),
            };
            raise(py, "InvalidArgumentError", message, &[("argument", Kw::str("rule")), ("code", Kw::str(e.code()))])
        })?;
        options = options.with_rule(doc);
    }
    let inner = guard(py, || verify::start(token.trim(), &options).map_err(|e| verify_error(py, e)))?;
    Ok(PyVerification { inner: Some(inner) })
}

#[pymethods]
impl PyVerification {
    /// `(method, url, headers, body, 0)` to send to STS, at `endpoint_url` when
    /// given (the `Host` header, which is signed, stays the token's STS host).
    #[pyo3(signature = (endpoint_url=None))]
    fn request<'py>(&self, py: Python<'py>, endpoint_url: Option<&str>) -> PyResult<Bound<'py, PyTuple>> {
        let v = self.inner.as_ref().ok_or_else(|| raise(py, "Error", "verification already finished".into(), &[]))?;
        match endpoint_url {
            None => request_tuple(py, v.request(), 0),
            Some(url) => {
                let request = v.request_to(url).map_err(|e| {
                    raise(py, "InvalidArgumentError", e.to_string(), &[("argument", Kw::str("sts_endpoint"))])
                })?;
                request_tuple(py, &request, 0)
            }
        }
    }

    /// STS's answer: checks 8 and 9. Returns the verified facts as a dict; raises
    /// `VerifyError` (check 8 or 9) otherwise.
    fn finish<'py>(
        &mut self,
        py: Python<'py>,
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let v = self.inner.take().ok_or_else(|| raise(py, "Error", "verification already finished".into(), &[]))?;
        let verified =
            guard(py, || v.finish(&HttpResponse { status, headers, body }).map_err(|e| verify_error(py, e)))?;
        let out = PyDict::new(py);
        out.set_item("caller", (verified.caller.account, verified.caller.arn, verified.caller.user_id))?;
        out.set_item("identity", verified.identity)?;
        out.set_item("audience", verified.audience)?;
        out.set_item("signed_at", datetime_from_secs(py, verified.signed_at.secs())?)?;
        out.set_item("sts_host", verified.sts_host)?;
        match &verified.verdict {
            Some(verdict) => out.set_item("verdict", verdict_list(py, verdict)?)?,
            None => out.set_item("verdict", py.None())?,
        }
        Ok(out)
    }

    fn __repr__(&self) -> &'static str {
        "Verification(...)"
    }
}
