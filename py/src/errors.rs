//! Raising the `cgaws` exception classes (defined in Python, `cgaws/_errors.py`)
//! from Rust, with their structured attributes.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyModule};

/// A keyword argument value for an exception's attributes.
pub enum Kw {
    None,
    Int(i64),
    Bool(bool),
    String(String),
    Static(&'static str),
    /// A list of `(str, str)` pairs.
    Pairs(Vec<(String, String)>),
    Strings(Vec<String>),
}

impl Kw {
    pub fn str(s: &'static str) -> Kw {
        Kw::Static(s)
    }

    pub fn opt(s: Option<String>) -> Kw {
        s.map_or(Kw::None, Kw::String)
    }
}

static ERRORS: PyOnceLock<Py<PyModule>> = PyOnceLock::new();

fn build(py: Python<'_>, class: &str, message: String, kwargs: &[(&str, Kw)]) -> PyResult<PyErr> {
    let module = ERRORS.get_or_try_init(py, || py.import("cgaws._errors").map(Bound::unbind))?.bind(py);
    let cls = module.getattr(class)?;
    let kw = PyDict::new(py);
    for (name, value) in kwargs {
        match value {
            Kw::None => kw.set_item(name, py.None())?,
            Kw::Int(i) => kw.set_item(name, i)?,
            Kw::Bool(b) => kw.set_item(name, b)?,
            Kw::String(s) => kw.set_item(name, s)?,
            Kw::Static(s) => kw.set_item(name, s)?,
            Kw::Pairs(p) => kw.set_item(name, p.clone())?,
            Kw::Strings(v) => kw.set_item(name, v.clone())?,
        }
    }
    let instance = cls.call((message,), Some(&kw))?;
    Ok(PyErr::from_value(instance))
}

/// The `cgaws._errors.<class>` exception with `message` and attributes `kwargs`.
/// If that cannot be built (the Python part of the package is broken), the
/// reason is raised instead.
pub fn raise(py: Python<'_>, class: &str, message: String, kwargs: &[(&str, Kw)]) -> PyErr {
    build(py, class, message, kwargs).unwrap_or_else(|e| e)
}
