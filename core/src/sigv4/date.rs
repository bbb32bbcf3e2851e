//! `X-Amz-Date` text without `format!`: it is made on every signature.

use crate::time::UnixTime;

/// Year 0000 to 9999, as `UnixTime::amz_date` clamps.
const MIN_SECS: i64 = -62_167_219_200;
const MAX_SECS: i64 = 253_402_300_799;

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
    let secs = time.secs().clamp(MIN_SECS, MAX_SECS);
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);

    let mut out = [0u8; 16];
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(4, 2, month);
    put(6, 2, day);
    put(9, 2, tod / 3600);
    put(11, 2, tod / 60 % 60);
    put(13, 2, tod % 60);
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
