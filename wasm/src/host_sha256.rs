//! SHA-256 by the JavaScript host, for the core's signing (see
//! `cgaws_core::sigv4::Sha256Fn`).
//!
//! In Node, node:crypto hashes with the CPU's SHA instructions, several times
//! faster than SHA-256 compiled to wasm; the canonical request of a token is
//! about 1.4 KB, the largest cost of [`crate::token`]. So the Node entry hands
//! the instance a hasher ([`use_host_sha256`]) that hashes a view of the wasm
//! memory in place. Browsers and workers hand none and keep the core's
//! software SHA-256.

use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// A JavaScript object with `sha256(data, out)`: writes the SHA-256 of
    /// `data` into `out` (32 bytes). Both are views of the wasm memory.
    pub type HostSha256;

    #[wasm_bindgen(method)]
    fn sha256(this: &HostSha256, data: &[u8], out: &mut [u8]);
}

thread_local! {
    static HOST: RefCell<Option<HostSha256>> = const { RefCell::new(None) };
}

/// Makes the instance's signing take its SHA-256 from `hasher`.
#[wasm_bindgen]
pub fn use_host_sha256(hasher: HostSha256) {
    HOST.set(Some(hasher));
    crate::STATE.with_borrow_mut(|s| s.cache = Some(cgaws_core::sigv4::SigningKeyCache::with_sha256(host_sha256)));
}

/// The [`cgaws_core::sigv4::Sha256Fn`] installed by [`use_host_sha256`].
fn host_sha256(data: &[u8]) -> [u8; 32] {
    let mut out = [0; 32];
    HOST.with_borrow(|host| match host {
        Some(host) => host.sha256(data, &mut out),
        // Not reached: this function is installed together with the host.
        None => out = cgaws_core::sigv4::software_sha256(data),
    });
    out
}
