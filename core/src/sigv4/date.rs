//! `X-Amz-Date` text without `format!`: it is made on every signature.

use crate::time::{Civil, UnixTime};

/// `YYYYMMDDTHHMMSSZ`, on the stack.
pub(crate) struct AmzDate([u8; 16]);

impl AmzDate {
    pub(crate) fn as_str(&self) -> &str {
        // Digits, `T` and `Z`: always ASCII.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// `YYYYMMDD`, the date of the credential scope.
    pub(crate) fn date_stamp(&self) -> &str {
        self.as_str().get(..8).unwrap_or_default()
    }
}

/// The same text as [`UnixTime::amz_date`].
pub(crate) fn amz_date(time: UnixTime) -> AmzDate {
    let c = Civil::from_secs(time.secs());

    let mut out = [0u8; 16];
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, c.year);
    put(4, 2, i64::from(c.month));
    put(6, 2, i64::from(c.day));
    put(9, 2, i64::from(c.hour));
    put(11, 2, i64::from(c.minute));
    put(13, 2, i64::from(c.second));
    out[8] = b'T';
    out[15] = b'Z';
    AmzDate(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_text_as_unix_time() {
        let mut secs: i64 = -62_167_219_200 - 86_400;
        // About 40,000 instants spread over the whole range, plus day boundaries.
        while secs < 253_402_300_799 + 86_400 {
            for t in [secs, secs - 1, secs + 86_399] {
                let t = UnixTime::from_secs(t);
                assert_eq!(amz_date(t).as_str(), t.amz_date(), "{}", t.secs());
            }
            secs += 7_919_993;
        }
        for t in [0, -1, 951_868_799, 1_768_464_000, i64::MIN, i64::MAX] {
            let t = UnixTime::from_secs(t);
            assert_eq!(amz_date(t).as_str(), t.amz_date(), "{}", t.secs());
        }
    }
}
