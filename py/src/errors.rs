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

/// `InvalidIdentityError` for an identity that is not a UIDP, with `identity` and `reason`.
pub fn identity_error(py: Python<'_>, e: cgaws_core::identity::UidpError) -> PyErr {
    let message = e.to_string();
    raise(py, "InvalidIdentityError", message, &[("identity", Kw::String(e.input)), ("reason", Kw::String(e.reason))])
}

thread_local! {
    static PANIC_AT: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// Installed at module init: a panic in this extension (a bug in the core) is
/// recorded by location only, never printed (its message could quote input).
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let at = info.location().map(|l| format!("{}:{}", l.file(), l.line()));
        PANIC_AT.with(|p| *p.borrow_mut() = at);
    }));
}

/// Runs `f`; a panic inside becomes `cgaws.Error` ("internal error ... a bug")
/// instead of PyO3's `PanicException` (a `BaseException`). Needs panic=unwind,
/// which pyproject.toml sets for the extension's build.
pub fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(_) => {
            let at = PANIC_AT.with(|p| p.borrow_mut().take()).map(|l| format!(" at {l}")).unwrap_or_default();
            Err(raise(
                py,
                "Error",
                format!("internal error in the cgaws core{at}: this is a bug, please report it"),
                &[("internal", Kw::Bool(true))],
            ))
        }
    }
}
