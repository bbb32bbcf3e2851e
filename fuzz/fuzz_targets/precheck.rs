//! Blob decoding: `precheck` and `inspect` on arbitrary text must return, never
//! panic or hang, and agree on whether the text decodes at all.
#![no_main]

use cgaws_core::token::{inspect, precheck, PrecheckOptions};
use cgaws_core::UnixTime;
use libfuzzer_sys::fuzz_target;

const IDENTITY: &str = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d";

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The seed corpus's blobs were signed at 2026-01-15T08:00:00Z.
    let options = PrecheckOptions::new(IDENTITY, "https://issuer.enforce.dev", UnixTime::from_secs(1_768_464_060));
    let checked = precheck(text, &options);
    let inspected = inspect(text);
    if let Err(e) = &inspected {
        // What does not decode for inspect does not decode for precheck either.
        assert_eq!(checked.as_ref().err().map(|e| e.check()), Some(1), "{e}");
    }
    if let Ok(p) = checked {
        assert_eq!(p.forward.method, "POST");
        assert!(inspected.is_ok());
        let _ = format!("{:?}", p.forward);
    }
});
