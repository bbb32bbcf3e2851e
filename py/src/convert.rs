//! Conversions between Python values and the core's: times, requests.

use crate::errors::{raise, Kw};
use cgaws_core::HttpRequest;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyBytes, PyFloat, PyInt, PyList, PyTuple};

static FROMTIMESTAMP: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static UTC: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
static TIMEGM: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// An aware `datetime` in UTC.
pub fn datetime_from_secs(py: Python<'_>, secs: i64) -> PyResult<Bound<'_, PyAny>> {
    let from = FROMTIMESTAMP
        .get_or_try_init(py, || {
            py.import("datetime")?.getattr("datetime")?.getattr("fromtimestamp").map(Bound::unbind)
        })?
        .bind(py);
    let utc = UTC
        .get_or_try_init(py, || py.import("datetime")?.getattr("timezone")?.getattr("utc").map(Bound::unbind))?
        .bind(py);
    from.call1((secs, utc))
}

/// Whole seconds since 1970 from an aware `datetime` (a naive one is taken as UTC)
/// or from epoch seconds (`int`, or `float` floored).
pub fn epoch_seconds_of(py: Python<'_>, value: &Bound<'_, PyAny>, name: &str) -> PyResult<i64> {
    let invalid = |why: String| raise(py, "InvalidArgumentError", why, &[("argument", Kw::String(name.to_string()))]);
    if value.is_instance_of::<PyBool>() {
        return Err(invalid(format!("{name} must be a datetime or epoch seconds, not a bool")));
    }
    if value.is_instance_of::<PyInt>() {
        return value.extract::<i64>().map_err(|_| invalid(format!("{name} is out of range")));
    }
    if value.is_instance_of::<PyFloat>() {
        let f: f64 = value.extract()?;
        if !f.is_finite() || f.abs() > 1e15 {
            return Err(invalid(format!("{name} is out of range")));
        }
        return Ok(f.floor() as i64);
    }
    if value.hasattr("utctimetuple")? {
        // `utctimetuple()` converts an aware datetime to UTC and leaves a naive one as
        // it is, which is exactly "naive means UTC"; `timegm` reads it as UTC.
        let timegm =
            TIMEGM.get_or_try_init(py, || py.import("calendar")?.getattr("timegm").map(Bound::unbind))?.bind(py);
        let tuple = value.call_method0("utctimetuple")?;
        return timegm.call1((tuple,))?.extract::<i64>();
    }
    let type_name = value.get_type().name().map(|n| n.to_string()).unwrap_or_else(|_| "?".into());
    Err(invalid(format!("{name} must be a datetime or epoch seconds, not {type_name}")))
}

/// `(method, url, [(name, value), ...], body, extra)` for the driver to send.
pub fn request_tuple<'py>(py: Python<'py>, request: &HttpRequest, extra: u64) -> PyResult<Bound<'py, PyTuple>> {
    let headers = PyList::empty(py);
    for (name, value) in &request.headers {
        headers.append(PyTuple::new(py, [name, value])?)?;
    }
    (request.method.as_str(), request.url(), headers, PyBytes::new(py, &request.body), extra).into_pyobject(py)
}
