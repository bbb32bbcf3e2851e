//! The wall clock, and randomness for retry jitter: the only places the CLI reads them.

use cgaws_core::time::TimeParseError;
use cgaws_core::UnixTime;
use std::time::{SystemTime, UNIX_EPOCH};

pub fn now() -> UnixTime {
    let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    };
    UnixTime::from_secs(secs)
}

/// A value that differs from run to run (not cryptographic: it only spreads retries).
pub fn jitter_seed() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or_default());
    h.write_u32(std::process::id());
    h.finish()
}

/// A jitter in `[0, 1)`.
pub fn jitter() -> f64 {
    (jitter_seed() >> 11) as f64 / (1u64 << 53) as f64
}

/// An RFC 3339 time given on the command line.
pub fn parse_time(text: &str) -> Result<UnixTime, TimeParseError> {
    UnixTime::parse_rfc3339(text.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
        assert!(now().secs() > 1_700_000_000);
        assert_eq!(parse_time("2026-01-15T08:00:00Z").unwrap().secs(), 1_768_464_000);
    }
}
