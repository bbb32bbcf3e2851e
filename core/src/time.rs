//! Calendar arithmetic on Unix seconds. The core never reads a clock: callers pass
//! `UnixTime` in, and this module turns it into the text forms the protocols use
//! (RFC 3339, SigV4's `YYYYMMDDTHHMMSSZ`) and back.

use crate::quoted::Quoted;
use core::fmt;

/// Seconds since 1970-01-01T00:00:00Z (UTC, leap seconds ignored, as in every protocol here).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime(i64);

/// A time string that is not in the expected form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeParseError {
    pub input: String,
    pub expected: &'static str,
}

impl fmt::Display for TimeParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid time {}: expected {}", Quoted(&self.input), self.expected)
    }
}

impl std::error::Error for TimeParseError {}

const RFC3339: &str = "RFC 3339, e.g. 2026-01-15T08:00:00Z";
const AMZ_DATE: &str = "YYYYMMDDTHHMMSSZ, e.g. 20260115T080000Z";

/// Year 0000 to 9999 only: every format here has four year digits.
const MIN_SECS: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
const MAX_SECS: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z

impl UnixTime {
    pub const fn from_secs(secs: i64) -> Self {
        UnixTime(secs)
    }

    pub const fn secs(self) -> i64 {
        self.0
    }

    pub fn plus_secs(self, delta: i64) -> Self {
        UnixTime(self.0.saturating_add(delta))
    }

    /// Parses RFC 3339 (`2026-01-15T08:00:00Z`, fractional seconds and `±HH:MM`
    /// offsets allowed; fractions are truncated toward the past).
    pub fn parse_rfc3339(input: &str) -> Result<Self, TimeParseError> {
        let err = || TimeParseError { input: input.to_string(), expected: RFC3339 };
        let b = input.as_bytes();
        if b.len() < 20
            || b[4] != b'-'
            || b[7] != b'-'
            || !matches!(b[10], b'T' | b't' | b' ')
            || b[13] != b':'
            || b[16] != b':'
        {
            return Err(err());
        }
        let (year, month, day) =
            (digits(&b[0..4]).ok_or_else(err)?, digits(&b[5..7]).ok_or_else(err)?, digits(&b[8..10]).ok_or_else(err)?);
        let (hour, minute, second) = (
            digits(&b[11..13]).ok_or_else(err)?,
            digits(&b[14..16]).ok_or_else(err)?,
            digits(&b[17..19]).ok_or_else(err)?,
        );
        let mut rest = &b[19..];
        if rest.first() == Some(&b'.') {
            let frac_len = rest[1..].iter().take_while(|c| c.is_ascii_digit()).count();
            if frac_len == 0 {
                return Err(err());
            }
            rest = &rest[1 + frac_len..];
        }
        let offset = match rest {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
                let h = digits(&[*h1, *h2]).ok_or_else(err)?;
                let m = digits(&[*m1, *m2]).ok_or_else(err)?;
                if h > 23 || m > 59 {
                    return Err(err());
                }
                let off = (h * 3600 + m * 60) as i64;
                if *sign == b'+' {
                    off
                } else {
                    -off
                }
            }
            _ => return Err(err()),
        };
        let local = civil_to_secs(year, month, day, hour, minute, second).ok_or_else(err)?;
        Ok(UnixTime(local - offset))
    }

    /// Parses SigV4's `X-Amz-Date` form, `YYYYMMDDTHHMMSSZ`, strictly.
    pub fn parse_amz_date(input: &str) -> Result<Self, TimeParseError> {
        let err = || TimeParseError { input: input.to_string(), expected: AMZ_DATE };
        let b = input.as_bytes();
        if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
            return Err(err());
        }
        let field = |r: core::ops::Range<usize>| digits(&b[r]).ok_or_else(err);
        let secs =
            civil_to_secs(field(0..4)?, field(4..6)?, field(6..8)?, field(9..11)?, field(11..13)?, field(13..15)?)
                .ok_or_else(err)?;
        Ok(UnixTime(secs))
    }

    /// `YYYYMMDDTHHMMSSZ`, the value of `X-Amz-Date`.
    pub fn amz_date(self) -> String {
        let c = Civil::from_secs(self.0);
        format!("{:04}{:02}{:02}T{:02}{:02}{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }

    /// `YYYYMMDD`, the date in a SigV4 credential scope.
    pub fn date_stamp(self) -> String {
        let c = Civil::from_secs(self.0);
        format!("{:04}{:02}{:02}", c.year, c.month, c.day)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ`.
    pub fn to_rfc3339(self) -> String {
        let c = Civil::from_secs(self.0);
        format!("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", c.year, c.month, c.day, c.hour, c.minute, c.second)
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0u32, |acc, &c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
}

/// A UTC calendar date and time of day.
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
    pub(crate) second: u32,
}

impl Civil {
    /// Howard Hinnant's `civil_from_days`, valid for the whole proleptic Gregorian calendar.
    pub(crate) fn from_secs(secs: i64) -> Civil {
        let secs = secs.clamp(MIN_SECS, MAX_SECS);
        let days = secs.div_euclid(86_400);
        let tod = secs.rem_euclid(86_400) as u32;
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil { year, month, day, hour: tod / 3600, minute: tod / 60 % 60, second: tod % 60 }
    }
}

/// Hinnant's `days_from_civil`; `None` for an impossible date or time of day.
fn civil_to_secs(year: u32, month: u32, day: u32, hour: u32, minute: u32, second: u32) -> Option<i64> {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let month_len = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if !(1..=12).contains(&month)
        || day == 0
        || day > month_len[month as usize - 1]
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    // A leap second (:60) is folded into the next second, as Go and Python do.
    Some(days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_known_instants() {
        for (text, secs) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2015-08-30T12:36:00Z", 1_440_938_160),
            ("2026-01-15T08:00:00Z", 1_768_464_000),
            ("2000-02-29T23:59:59Z", 951_868_799),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            let t = UnixTime::parse_rfc3339(text).unwrap();
            assert_eq!(t.secs(), secs, "{text}");
            assert_eq!(t.to_rfc3339(), text);
        }
    }

    #[test]
    fn offsets_and_fractions() {
        let t = UnixTime::parse_rfc3339("2026-01-15T09:30:00.999+01:30").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-15T08:00:00Z");
        let t = UnixTime::parse_rfc3339("2026-01-15T02:00:00-06:00").unwrap();
        assert_eq!(t.amz_date(), "20260115T080000Z");
        assert_eq!(t.date_stamp(), "20260115");
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2026-01-15",
            "2026-13-01T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-01-15T24:00:00Z",
            "2026-01-15T08:00:00",
            "2026-01-15T08:00:00.Z",
            "2026-01-15T08:00:00+0100",
            "２026-01-15T08:00:00Z",
        ] {
            assert!(UnixTime::parse_rfc3339(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn amz_date_strict() {
        assert_eq!(UnixTime::parse_amz_date("20260115T080000Z").unwrap().to_rfc3339(), "2026-01-15T08:00:00Z");
        for bad in
            ["20260115T080000", "2026-01-15T08:00:00Z", "20260115t080000Z", "20261315T080000Z", " 20260115T080000Z"]
        {
            assert!(UnixTime::parse_amz_date(bad).is_err(), "{bad}");
        }
    }
}
