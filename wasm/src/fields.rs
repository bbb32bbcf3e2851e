//! Field lists: how strings and bytes cross the boundary in both directions.
//!
//! Layout: a little-endian `u32` count `n`, then `n` little-endian `u32` lengths
//! (`u32::MAX` for a field that is absent), then the fields' bytes one after
//! another. JavaScript writes and reads the same layout (`wasm/js/api.js`).

use crate::errors::ErrorInfo;

pub const ABSENT: u32 = u32::MAX;

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// The fields of one call, read in order.
pub struct Fields<'a> {
    items: Vec<Option<&'a [u8]>>,
    next: usize,
}

fn malformed() -> ErrorInfo {
    ErrorInfo::input("invalid_argument", "malformed argument list")
}

impl<'a> Fields<'a> {
    pub fn parse(input: &'a [u8]) -> Result<Fields<'a>, ErrorInfo> {
        let count = read_u32(input, 0).ok_or_else(malformed)? as usize;
        let mut data = 4usize.checked_add(count.checked_mul(4).ok_or_else(malformed)?).ok_or_else(malformed)?;
        let mut items = Vec::with_capacity(count);
        for i in 0..count {
            let len = read_u32(input, 4 + 4 * i).ok_or_else(malformed)?;
            if len == ABSENT {
                items.push(None);
                continue;
            }
            let end = data.checked_add(len as usize).ok_or_else(malformed)?;
            items.push(Some(input.get(data..end).ok_or_else(malformed)?));
            data = end;
        }
        Ok(Fields { items, next: 0 })
    }

    /// The next field as bytes (`None` when absent or past the end).
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let item = self.items.get(self.next).copied().flatten();
        self.next += 1;
        item
    }

    /// The next field as UTF-8 text.
    pub fn str(&mut self) -> Result<Option<&'a str>, ErrorInfo> {
        self.bytes()
            .map(|b| {
                core::str::from_utf8(b)
                    .map_err(|_| ErrorInfo::input("invalid_argument", "a string argument is not valid UTF-8"))
            })
            .transpose()
    }

    /// The next field, which must be present.
    // Not used by the `oidc` build.
    #[cfg_attr(not(any(feature = "token", feature = "verify")), allow(dead_code))]
    pub fn required(&mut self, name: &str) -> Result<&'a str, ErrorInfo> {
        self.str()?.ok_or_else(|| ErrorInfo::input("invalid_argument", &format!("{name} is required")))
    }

    /// The next field as a count, then that many strings.
    // Not used by the `oidc` build.
    #[cfg_attr(not(any(feature = "token", feature = "verify")), allow(dead_code))]
    pub fn list(&mut self) -> Result<Option<Vec<String>>, ErrorInfo> {
        let Some(count) = self.str()? else { return Ok(None) };
        // Decimal digits, read by hand: `str::parse` costs more in the .wasm.
        if count.is_empty() {
            return Err(malformed());
        }
        let count = count
            .bytes()
            .try_fold(0usize, |n, b| {
                b.is_ascii_digit().then(|| n.checked_mul(10)?.checked_add((b - b'0') as usize)).flatten()
            })
            .ok_or_else(malformed)?;
        // A loop, not a collect into Result: smaller in wasm.
        let mut items = Vec::with_capacity(count.min(self.items.len()));
        for _ in 0..count {
            items.push(self.str()?.unwrap_or_default().to_string());
        }
        Ok(Some(items))
    }

    /// All remaining fields, as name/value pairs.
    // Used by the main (`token`) build only.
    #[cfg_attr(not(feature = "token"), allow(dead_code))]
    pub fn pairs(&mut self) -> Result<Vec<(String, String)>, ErrorInfo> {
        let mut pairs = Vec::with_capacity((self.items.len().saturating_sub(self.next)) / 2);
        while self.next < self.items.len() {
            let name = self.str()?.unwrap_or_default();
            let value = self.str()?.unwrap_or_default();
            pairs.push((name.to_string(), value.to_string()));
        }
        Ok(pairs)
    }
}

/// Builds a result field list.
#[derive(Default)]
pub struct FieldWriter {
    lengths: Vec<u32>,
    data: Vec<u8>,
}

impl FieldWriter {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.lengths.push(value.len() as u32);
        self.data.extend_from_slice(value);
        self
    }

    pub fn str(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    pub fn opt(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.str(v),
            None => {
                self.lengths.push(ABSENT);
                self
            }
        }
    }

    pub fn int(&mut self, value: i64) -> &mut Self {
        self.str(&value.to_string())
    }

    /// `parts` joined with `separator`, as one field (no joined String made).
    // Used by the main (`token`) build only.
    #[cfg_attr(not(feature = "token"), allow(dead_code))]
    pub fn joined(&mut self, parts: &[String], separator: u8) -> &mut Self {
        let start = self.data.len();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                self.data.push(separator);
            }
            self.data.extend_from_slice(part.as_bytes());
        }
        self.lengths.push((self.data.len() - start) as u32);
        self
    }

    pub fn pairs(&mut self, pairs: &[(String, String)]) -> &mut Self {
        for (name, value) in pairs {
            self.str(name).str(value);
        }
        self
    }

    /// A result of one field, moved in without copying into `data` twice.
    // Used by the main (`token`) build only.
    #[cfg_attr(not(feature = "token"), allow(dead_code))]
    pub fn single(value: Vec<u8>) -> Self {
        FieldWriter { lengths: vec![value.len() as u32], data: value }
    }

    pub fn finish(self, out: &mut Vec<u8>) {
        out.reserve(4 + 4 * self.lengths.len() + self.data.len());
        out.extend_from_slice(&(self.lengths.len() as u32).to_le_bytes());
        for len in &self.lengths {
            out.extend_from_slice(&len.to_le_bytes());
        }
        out.extend_from_slice(&self.data);
    }
}
