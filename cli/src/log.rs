//! `--verbose` step logs on stderr, with the time since the process started.
//! Callers pass only non-secret text: URLs, statuses, sources, sizes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

static VERBOSE: AtomicBool = AtomicBool::new(false);
static START: OnceLock<Instant> = OnceLock::new();

/// Marks the process start; call first thing in `main`.
pub fn init() {
    START.get_or_init(Instant::now);
}

pub fn set_verbose(on: bool) {
    VERBOSE.store(on, Ordering::Relaxed);
}

pub fn verbose() -> bool {
    VERBOSE.load(Ordering::Relaxed)
}

/// Milliseconds since `init`.
pub fn elapsed_ms() -> f64 {
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

pub fn write(message: &str) {
    if verbose() {
        stderr(&format!("cgaws: [{:>8.1} ms] {message}\n", elapsed_ms()));
    }
}

/// Writes to stderr, ignoring failures (a closed stderr must not abort the run).
pub fn stderr(text: &str) {
    use std::io::Write;
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// `vlog!("format", args)`: a step log line when `--verbose` is on (the
/// arguments are not evaluated otherwise).
#[macro_export]
macro_rules! vlog {
    ($($arg:tt)*) => {
        if $crate::log::verbose() {
            $crate::log::write(&format!($($arg)*));
        }
    };
}

/// Times a step: `let t = Timer::start(); ...; vlog!("x in {}", t)`.
pub struct Timer(Instant);

impl Timer {
    pub fn start() -> Self {
        Timer(Instant::now())
    }
}

impl std::fmt::Display for Timer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.1} ms", self.0.elapsed().as_secs_f64() * 1000.0)
    }
}
