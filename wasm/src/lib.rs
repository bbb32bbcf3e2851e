//! cgaws-wasm: the JavaScript binding of `cgaws-core`, built with wasm-bindgen
//! into the npm package `cgaws` (`wasm/js/` holds the JavaScript side).
//!
//! Every entry point takes numbers as arguments and strings through a scratch
//! buffer in the wasm memory, and leaves its result in an output buffer; no
//! string crosses the boundary through glue, and no JSON is built or parsed
//! here (which keeps both the calls and the binary small):
//!
//! - Strings in: the JavaScript side asks for the buffer ([`scratch`]) and
//!   writes a *field list* into it (see [`fields`]): a count, one length per
//!   field (`u32::MAX` for a field not given), then the bytes.
//! - Results out: a field list in the same layout, at [`output_ptr`]. Each call
//!   returns its length, or minus its length for an error, whose fields are
//!   `kind, code, message` then name/value pairs (see [`errors`]).
//!
//! Three builds (wasm/build.sh), each its own .wasm: feature `token` (default)
//! is the main entry, `cgaws`; feature `verify` alone is `cgaws/verify`, which
//! needs the core's identity rules (the `regex` crate); feature `oidc` alone is
//! `method: "oidc"`'s STS GetWebIdentityToken call (the STS XML reader and
//! call policy, a quarter of the main .wasm), which the main entry's JavaScript
//! loads on first use, so that the file every user downloads stays small.
//!
//! The hot path is [`token`]: the credentials are sent once ([`set_credentials`])
//! and kept until they change, and the SigV4 signing key is cached in the
//! instance. No protocol logic lives here: signing, the token, the relying
//! party's checks, the exchange's retry and redirect rules are the core's.

mod convert;
mod errors;
mod fields;
#[cfg(feature = "token")]
mod host_sha256;
#[cfg(feature = "oidc")]
mod oidc;
#[cfg(feature = "token")]
mod ops;
mod slots;
#[cfg(feature = "verify")]
mod verify;

// lol_alloc's free-list allocator instead of std's dlmalloc: 2.2 KB less
// gzipped in each .wasm, and no slower on the token path, which allocates a
// few small buffers per call (measured: wasm/README.md).
// SAFETY: AssumeSingleThreaded is sound because a wasm32 instance here runs
// on one thread (no atomics, no shared memory).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

use errors::ErrorInfo;
use fields::{FieldWriter, Fields};
use slots::Slots;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

pub(crate) struct State {
    /// Written by JavaScript: the arguments of the next call.
    input: Vec<u8>,
    /// The last result, read by JavaScript.
    output: Vec<u8>,
    /// Made on first use (see [`signing_key_cache`]).
    #[cfg(any(feature = "token", feature = "oidc"))]
    cache: Option<cgaws_core::sigv4::SigningKeyCache>,
    #[cfg(feature = "token")]
    credentials: Option<cgaws_core::Credentials>,
    /// Operations in progress, by handle.
    #[cfg(feature = "token")]
    exchanges: Slots<cgaws_core::exchange::Exchange>,
    #[cfg(feature = "oidc")]
    web_identity_calls: Slots<oidc::WebIdentityCall>,
    #[cfg(feature = "verify")]
    verifications: Slots<cgaws_core::verify::Verification>,
}

// Initialised at compile time (`const`): no lazy-initialisation check is
// compiled into every export that touches it (smaller .wasm).
thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State {
        input: Vec::new(),
        output: Vec::new(),
        #[cfg(any(feature = "token", feature = "oidc"))]
        cache: None,
        #[cfg(feature = "token")]
        credentials: None,
        #[cfg(feature = "token")]
        exchanges: Slots::new(),
        #[cfg(feature = "oidc")]
        web_identity_calls: Slots::new(),
        #[cfg(feature = "verify")]
        verifications: Slots::new(),
    }) };
}

/// Makes the scratch buffer at least `len` bytes long and returns its address.
/// The address changes only when the buffer grows.
#[wasm_bindgen]
pub fn scratch(len: usize) -> usize {
    STATE.with_borrow_mut(|s| {
        if s.input.len() < len {
            s.input.resize(len.next_power_of_two(), 0);
        }
        s.input.as_mut_ptr() as usize
    })
}

/// The address of the last result.
#[wasm_bindgen]
pub fn output_ptr() -> usize {
    STATE.with_borrow(|s| s.output.as_ptr() as usize)
}

/// How much of an HTTP answer the driver reads at most (it passes one byte
/// more, so that the core can tell the answer was too large).
#[wasm_bindgen]
pub fn max_response_bytes() -> usize {
    cgaws_core::exchange::MAX_RESPONSE_BYTES
}

/// Stores a result (or an error) in the output buffer; returns its length,
/// negative for an error.
fn store(output: &mut Vec<u8>, result: Result<FieldWriter, ErrorInfo>) -> i32 {
    output.clear();
    match result {
        Ok(writer) => {
            writer.finish(output);
            output.len() as i32
        }
        Err(error) => {
            error.write(output);
            -(output.len() as i32)
        }
    }
}

/// The instance's signing key cache, made with the software SHA-256 unless
/// the host gave one first (`use_host_sha256`).
#[cfg(any(feature = "token", feature = "oidc"))]
fn signing_key_cache(
    cache: &mut Option<cgaws_core::sigv4::SigningKeyCache>,
) -> &mut cgaws_core::sigv4::SigningKeyCache {
    cache.get_or_insert_with(cgaws_core::sigv4::SigningKeyCache::new)
}

/// Runs `f` on the arguments in the scratch buffer and stores its result.
/// `f` is a trait object so that the exports share one copy of this.
#[cfg(feature = "token")]
fn run(f: &mut dyn FnMut(&mut Fields, &mut ops::Context) -> Result<FieldWriter, ErrorInfo>) -> i32 {
    STATE.with_borrow_mut(|s| {
        let State { cache, input, output, credentials, exchanges, .. } = s;
        let cache = signing_key_cache(cache);
        let mut context = ops::Context { cache, credentials, exchanges };
        let result = Fields::parse(input).and_then(|mut fields| f(&mut fields, &mut context));
        store(output, result)
    })
}

/// Fields: access key id, secret access key, session token. Keeps the
/// credentials for [`token`]; a failure forgets the previous ones.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn set_credentials() -> i32 {
    run(&mut ops::set_credentials)
}

/// Fields: identity, audience, STS region, time as RFC 3339 text; without the
/// text, `time_secs` is the time. Result: the token.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn token(time_secs: f64) -> i32 {
    run(&mut |f, c| ops::token(f, c, time_secs))
}

/// SigV4 signing. `flags`: see [`ops::sign`]. Result: method, url, signature,
/// signed headers, canonical request, string to sign, then header name/value pairs.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn sign(flags: u32, time_secs: f64, expires_in: f64) -> i32 {
    run(&mut |f, c| ops::sign(f, c, flags, time_secs, expires_in))
}

/// Field: a token. Result: see [`ops::inspect`].
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn inspect() -> i32 {
    run(&mut |f, _| ops::inspect(f))
}

/// The relying party's checks 1-7. Numbers are NaN when not given.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn precheck(now_secs: f64, max_future_skew_secs: f64, max_age_secs: f64) -> i32 {
    run(&mut |f, _| ops::precheck(f, now_secs, max_future_skew_secs, max_age_secs))
}

/// Starts an exchange; the result is its handle.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn exchange_start(time_secs: f64) -> i32 {
    run(&mut |f, c| ops::exchange_start(f, c, time_secs))
}

/// The request to send for exchange `handle`: method, url, body, then header pairs.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn exchange_request(handle: u32) -> i32 {
    run(&mut |_, c| ops::exchange_request(c, handle))
}

/// The issuer's answer (fields: Location, body). Result: `done, token, expiry`
/// or `retry, delay_ms`; or an error.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn exchange_response(handle: u32, status: u32, jitter: f64) -> i32 {
    run(&mut |f, c| ops::exchange_response(f, c, handle, status, jitter))
}

/// Forgets exchange `handle`.
#[cfg(feature = "token")]
#[wasm_bindgen]
pub fn exchange_free(handle: u32) {
    STATE.with_borrow_mut(|s| s.exchanges.take(handle));
}

/// Starts an STS GetWebIdentityToken call (`method: "oidc"`); the result is
/// its handle. The credentials come in the fields (see [`oidc::start_op`]).
#[cfg(feature = "oidc")]
#[wasm_bindgen]
pub fn web_identity_start(duration_secs: f64) -> i32 {
    STATE.with_borrow_mut(|s| {
        let result =
            Fields::parse(&s.input).and_then(|mut f| oidc::start_op(&mut f, &mut s.web_identity_calls, duration_secs));
        store(&mut s.output, result)
    })
}

/// The signed request for call `handle` at the given time.
#[cfg(feature = "oidc")]
#[wasm_bindgen]
pub fn web_identity_request(handle: u32, time_secs: f64) -> i32 {
    STATE.with_borrow_mut(|s| {
        let State { input, output, cache, web_identity_calls, .. } = s;
        let cache = signing_key_cache(cache);
        let result = Fields::parse(input)
            .and_then(|mut f| oidc::request_op(&mut f, web_identity_calls, cache, handle, time_secs));
        store(output, result)
    })
}

/// STS's answer (fields: Date, body). Result: `done, jwt, expiration` or `retry, delay_ms`; or an error.
#[cfg(feature = "oidc")]
#[wasm_bindgen]
pub fn web_identity_response(handle: u32, status: u32, jitter: f64, now_secs: f64) -> i32 {
    STATE.with_borrow_mut(|s| {
        let result = Fields::parse(&s.input)
            .and_then(|mut f| oidc::response_op(&mut f, &mut s.web_identity_calls, handle, status, jitter, now_secs));
        store(&mut s.output, result)
    })
}

/// Forgets call `handle`.
#[cfg(feature = "oidc")]
#[wasm_bindgen]
pub fn web_identity_free(handle: u32) {
    STATE.with_borrow_mut(|s| s.web_identity_calls.take(handle));
}

/// Checks 1-7 of a token and the request to forward to STS (see [`verify::start_op`]).
#[cfg(feature = "verify")]
#[wasm_bindgen]
pub fn verify_start(now_secs: f64, max_future_skew_secs: f64, max_age_secs: f64) -> i32 {
    STATE.with_borrow_mut(|s| {
        let result = Fields::parse(&s.input).and_then(|mut f| {
            verify::start_op(&mut f, &mut s.verifications, now_secs, max_future_skew_secs, max_age_secs)
        });
        store(&mut s.output, result)
    })
}

/// STS's answer for verification `handle`: checks 8-9 (see [`verify::finish_op`]).
#[cfg(feature = "verify")]
#[wasm_bindgen]
pub fn verify_finish(handle: u32, status: u32) -> i32 {
    STATE.with_borrow_mut(|s| {
        let result =
            Fields::parse(&s.input).and_then(|mut f| verify::finish_op(&mut f, &mut s.verifications, handle, status));
        store(&mut s.output, result)
    })
}

/// Forgets verification `handle` (one that was never finished).
#[cfg(feature = "verify")]
#[wasm_bindgen]
pub fn verify_free(handle: u32) {
    STATE.with_borrow_mut(|s| s.verifications.take(handle));
}

#[cfg(test)]
mod testing;
#[cfg(all(test, feature = "token"))]
mod tests;
#[cfg(all(test, feature = "oidc"))]
mod tests_oidc;
#[cfg(all(test, feature = "verify"))]
mod tests_verify;
