//! `cgaws_token(input, input_len, out, out_cap) -> len`: the whole token path
//! (credential checks, UIDP check, endpoint, SigV4, serialization, base64url) from
//! plain bytes, so that the linker keeps all of it.
//!
//! `input` is UTF-8, one field a line: access key id, secret access key, session
//! token (may be empty), identity UIDP, audience, region (empty: the global
//! endpoint), Unix time in seconds. The blob is written to `out`; the return
//! value is its length, or a negative number on error (-1 bad input, -2 refused,
//! -3 `out` too small).

use cgaws_core::sigv4::SigningKeyCache;
use cgaws_core::token::{generate_token, StsEndpoint, TokenParams};
use cgaws_core::{Credentials, UnixTime};

/// Memory for the host to write the input into.
#[no_mangle]
pub extern "C" fn cgaws_alloc(len: usize) -> *mut u8 {
    let mut buffer = Vec::<u8>::with_capacity(len);
    let ptr = buffer.as_mut_ptr();
    core::mem::forget(buffer);
    ptr
}

/// # Safety
/// `input` must point to `input_len` readable bytes and `out` to `out_cap` writable bytes.
#[no_mangle]
pub unsafe extern "C" fn cgaws_token(input: *const u8, input_len: usize, out: *mut u8, out_cap: usize) -> isize {
    let input = core::slice::from_raw_parts(input, input_len);
    let out = core::slice::from_raw_parts_mut(out, out_cap);
    match token(input) {
        Ok(blob) if blob.len() <= out.len() => {
            out[..blob.len()].copy_from_slice(blob.as_bytes());
            blob.len() as isize
        }
        Ok(_) => -3,
        Err(code) => code,
    }
}

fn token(input: &[u8]) -> Result<String, isize> {
    let text = core::str::from_utf8(input).map_err(|_| -1isize)?;
    let mut fields = text.split('\n');
    let mut next = || fields.next().ok_or(-1isize);
    let (akid, secret, session, identity, audience, region, time) =
        (next()?, next()?, next()?, next()?, next()?, next()?, next()?);
    let session = (!session.is_empty()).then(|| session.to_string());
    let credentials = Credentials::new(akid, secret, session).map_err(|_| -2isize)?;
    let endpoint = if region.is_empty() {
        StsEndpoint::global()
    } else {
        StsEndpoint::regional(region, false).map_err(|_| -2isize)?
    };
    let time = UnixTime::from_secs(time.trim().parse().map_err(|_| -1isize)?);
    let params = TokenParams { identity: identity.into(), audience: audience.into(), endpoint, time };
    let token = generate_token(&credentials, &params, &mut SigningKeyCache::new()).map_err(|_| -2isize)?;
    Ok(token.blob)
}
