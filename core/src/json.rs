//! A small, strict JSON (RFC 8259) reader and the string quoting the core writes
//! JSON with. The core reads a handful of fields from a few small documents (the
//! issuer's answer, JWT claims, STS and credential-provider answers, rule
//! documents); a general-purpose JSON library cost the wasm package more than the
//! rest of the exchange together, mostly for float parsing and maps.
//!
//! Decisions:
//! - Numbers are kept as the text they were written as ([`Number`]); callers ask
//!   for an integer ([`Number::as_i64`], [`Number::as_u64`]) or for the integer part
//!   of any number ([`Number::as_i64_truncated`], for JWT NumericDates such as
//!   `1.7e9` or `1700000000.5`). No floating point is involved, so a number too
//!   large for `f64` is still read (and is then out of range for every helper).
//! - Duplicate keys are kept as written; [`Object::get`] answers with the last one,
//!   as Go's `encoding/json` (the issuer) does. [`Object::repeated_key`] lets a
//!   caller that must refuse them (rule documents, as protobuf JSON does) find them.
//! - Nesting deeper than [`MAX_DEPTH`] is refused rather than recursed into.
//! - Input must be UTF-8; strings may not hold raw control characters or lone
//!   surrogates (`\ud800` without its pair).
//! - Errors name what was expected and the byte offset where reading stopped.

use core::fmt;

/// Arrays and objects nested deeper than this are refused.
pub const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(Number),
    String(String),
    Array(Vec<Value>),
    Object(Object),
}

/// A JSON number as written (grammar-checked).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Number(String);

/// An object's members in document order, duplicates included.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Object(Vec<(String, Value)>);

/// Why a document is not JSON, and where (byte offset into the input).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub offset: usize,
    pub reason: &'static str,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.offset)
    }
}

impl std::error::Error for JsonError {}

impl Value {
    /// The member `key` of an object (the last one if it is repeated); `None` for
    /// other values.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object()?.get(key)
    }

    /// [`Value::get`] by value: the member `key` moved out, without a copy.
    pub fn take(self, key: &str) -> Option<Value> {
        match self {
            Value::Object(Object(members)) => members.into_iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&Object> {
        match self {
            Value::Object(o) => Some(o),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Value::Array(a) => Some(a),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<&Number> {
        match self {
            Value::Number(n) => Some(n),
            _ => None,
        }
    }

    /// An integer written without fraction or exponent that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.as_i64()
    }

    /// An integer written without fraction or exponent that fits in `u64`.
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.as_u64()
    }

    pub fn is_object(&self) -> bool {
        matches!(self, Value::Object(_))
    }
}

impl Object {
    /// The value of `key`; the last one when the key is repeated (Go's rule).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// The value of the last member whose key equals `key` ignoring ASCII case.
    pub fn get_ignore_ascii_case(&self, key: &str) -> Option<&Value> {
        self.0.iter().rev().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The first key that appears more than once (quadratic: for small objects).
    pub fn repeated_key(&self) -> Option<&str> {
        let keys = || self.0.iter().map(|(k, _)| k.as_str());
        keys().enumerate().find(|&(i, key)| keys().skip(i + 1).any(|k| k == key)).map(|(_, key)| key)
    }

    /// The members in document order, duplicates included.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Number {
    /// The number as written in the document.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An integer written without fraction or exponent that fits in `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        let (negative, digits) = self.sign_and_digits()?;
        let magnitude = digits_to_u64(digits)?;
        if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// An integer written without fraction or exponent that fits in `u64` (`-0` is 0).
    pub fn as_u64(&self) -> Option<u64> {
        let (negative, digits) = self.sign_and_digits()?;
        let magnitude = digits_to_u64(digits)?;
        (!negative || magnitude == 0).then_some(magnitude)
    }

    /// The integer part of any number (truncated toward zero, as a float-to-integer
    /// cast does), when it fits in `i64`: `1.7e9` and `1700000000.9` are
    /// 1700000000, `-0.5` is 0, `1e30` is `None`.
    pub fn as_i64_truncated(&self) -> Option<i64> {
        let text = self.0.as_str();
        let (negative, text) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], parse_exponent(&text[at + 1..])),
            None => (text, 0),
        };
        let (int_part, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // The integer part is the first (int_part.len() + exponent) digits of all
        // the mantissa's digits, padded with zeros past their end.
        let int_digits = int_part.len() as i64 + exponent;
        if int_digits <= 0 {
            return Some(0);
        }
        let mut magnitude: u64 = 0;
        let mut digits = int_part.bytes().chain(fraction.bytes()).chain(core::iter::repeat(b'0'));
        for _ in 0..int_digits {
            let d = digits.next().unwrap_or(b'0');
            magnitude = magnitude.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
        }
        if negative {
            0i64.checked_sub_unsigned(magnitude)
        } else {
            i64::try_from(magnitude).ok()
        }
    }

    /// The sign and the digits of a number written as a plain integer.
    fn sign_and_digits(&self) -> Option<(bool, &str)> {
        let text = self.0.as_str();
        if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
            return None;
        }
        Some(match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        })
    }
}

/// Decimal digits (already grammar-checked) as a `u64`, `None` on overflow.
fn digits_to_u64(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |n, d| n.checked_mul(10)?.checked_add(u64::from(d - b'0')))
}

/// An exponent's value (`+12`, `-3`, `7`), saturated far beyond any `i64` digit count.
fn parse_exponent(text: &str) -> i64 {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits.bytes().fold(0i64, |n, d| (n * 10 + i64::from(d - b'0')).min(1_000_000));
    if negative {
        -value
    } else {
        value
    }
}

/// Reads one JSON document (whitespace around it allowed, nothing else).
pub fn parse(input: &[u8]) -> Result<Value, JsonError> {
    let text =
        core::str::from_utf8(input).map_err(|e| JsonError { offset: e.valid_up_to(), reason: "invalid UTF-8" })?;
    parse_str(text)
}

/// [`parse`] for text already known to be UTF-8.
pub fn parse_str(text: &str) -> Result<Value, JsonError> {
    let mut reader = Reader { text, pos: 0 };
    let value = reader.value(0)?;
    reader.skip_whitespace();
    if reader.pos != text.len() {
        return Err(reader.error("trailing characters after the JSON value"));
    }
    Ok(value)
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl Reader<'_> {
    fn error(&self, reason: &'static str) -> JsonError {
        JsonError { offset: self.pos, reason }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Consumes `byte` (after whitespace) or fails with `reason`.
    fn expect(&mut self, byte: u8, reason: &'static str) -> Result<(), JsonError> {
        self.skip_whitespace();
        if self.peek() != Some(byte) {
            return Err(self.error(reason));
        }
        self.pos += 1;
        Ok(())
    }

    fn value(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number().map(Value::Number),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(_) => Err(self.error("expected a JSON value")),
            None => Err(self.error("unexpected end of input, expected a JSON value")),
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, JsonError> {
        if !self.text[self.pos..].starts_with(word) {
            return Err(self.error("expected true, false or null"));
        }
        self.pos += word.len();
        Ok(value)
    }

    fn enter(&self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.error("nested too deeply"));
        }
        Ok(())
    }

    fn array(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Value::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error("expected ',' or ']' in an array")),
            }
        }
    }

    fn object(&mut self, depth: usize) -> Result<Value, JsonError> {
        self.enter(depth)?;
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Value::Object(Object(members)));
        }
        loop {
            self.skip_whitespace();
            if self.peek() != Some(b'"') {
                return Err(self.error("expected a string key in an object"));
            }
            let key = self.string()?;
            self.expect(b':', "expected ':' after an object key")?;
            members.push((key, self.value(depth)?));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Value::Object(Object(members)));
                }
                _ => return Err(self.error("expected ',' or '}' in an object")),
            }
        }
    }

    /// A string starting at the opening quote.
    fn string(&mut self) -> Result<String, JsonError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            // Copy the run of plain characters up to a quote, backslash or control character.
            let start = self.pos;
            while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                self.pos += 1;
            }
            // Stops only at ASCII bytes (or the end), so both ends are character boundaries.
            out.push_str(&self.text[start..self.pos]);
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let c = self.escape()?;
                    out.push(c);
                }
                Some(_) => return Err(self.error("control character in a string (must be escaped)")),
                None => return Err(self.error("unexpected end of input in a string")),
            }
        }
    }

    /// The character an escape stands for; `pos` is just past the backslash.
    fn escape(&mut self) -> Result<char, JsonError> {
        let c = match self.peek() {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                self.pos += 1;
                return self.unicode_escape();
            }
            _ => return Err(self.error("invalid escape in a string")),
        };
        self.pos += 1;
        Ok(c)
    }

    /// `XXXX` after `\u`, with the low half of a surrogate pair when it is a high half.
    fn unicode_escape(&mut self) -> Result<char, JsonError> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if !self.text[self.pos..].starts_with("\\u") {
                    return Err(self.error("lone surrogate in a \\u escape"));
                }
                self.pos += 2;
                let second = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error("lone surrogate in a \\u escape"));
                }
                0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(self.error("lone surrogate in a \\u escape")),
            _ => first,
        };
        char::from_u32(code).ok_or_else(|| self.error("invalid \\u escape"))
    }

    fn hex4(&mut self) -> Result<u32, JsonError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = match self.peek() {
                Some(b) => (b as char).to_digit(16),
                None => None,
            };
            value = value * 16 + digit.ok_or_else(|| self.error("expected 4 hex digits after \\u"))?;
            self.pos += 1;
        }
        Ok(value)
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, kept as text.
    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit in a number")),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            self.some_digits()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            self.some_digits()?;
        }
        Ok(Number(self.text[start..self.pos].to_string()))
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.pos += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), JsonError> {
        if !matches!(self.peek(), Some(b'0'..=b'9')) {
            return Err(self.error("expected a digit in a number"));
        }
        self.digits();
        Ok(())
    }
}

/// `s` as a JSON string literal, escaped as serde_json escapes it: `"`, `\` and
/// control characters (short forms where JSON has them, else `\u00XX`).
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted(&mut out, s);
    out
}

/// Appends `s` as a JSON string literal to `out` (see [`quote`]).
pub fn push_quoted(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 0xf] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ok(text: &str) -> Value {
        parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn err(text: &str) -> JsonError {
        match parse(text.as_bytes()) {
            Ok(v) => panic!("{text:?} was read as {v:?}"),
            Err(e) => e,
        }
    }

    /// Ours as serde_json's value (objects: last duplicate wins, as in both).
    fn to_serde(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::Value::Number(serde_json::from_str(n.as_str()).unwrap()),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Array(a) => serde_json::Value::Array(a.iter().map(to_serde).collect()),
            Value::Object(o) => {
                serde_json::Value::Object(o.iter().map(|(k, v)| (k.to_string(), to_serde(v))).collect())
            }
        }
    }

    #[test]
    fn reads_values() {
        let v = ok(" {\"a\": [1, -2.5e3, true, false, null, \"x\"], \"b\": {}, \"c\": []}\r\n\t");
        assert_eq!(v.get("a").and_then(Value::as_array).map(<[Value]>::len), Some(6));
        assert_eq!(v.get("a").unwrap().as_array().unwrap()[1].as_number().unwrap().as_str(), "-2.5e3");
        assert_eq!(v.get("b"), Some(&Value::Object(Object::default())));
        assert_eq!(v.get("c"), Some(&Value::Array(Vec::new())));
        assert_eq!(ok("\"x\"").get("x"), None);
        assert_eq!(ok(r#"{"a":1,"b":[2],"a":3}"#).take("a"), Some(ok("3")));
        assert_eq!(ok(r#"{"b":[2]}"#).take("b"), Some(ok("[2]")));
        assert_eq!(ok("[1]").take("a"), None);
        for scalar in ["0", "-0", "1E+2", "0.5e-1", "\"\"", "true", "null"] {
            ok(scalar);
        }
    }

    #[test]
    fn string_escapes() {
        assert_eq!(ok(r#""\"\\\/\b\f\n\r\t""#), Value::String("\"\\/\u{8}\u{c}\n\r\t".into()));
        assert_eq!(ok(r#""\u00e9\u20AC\ud83d\ude00""#), Value::String("é€😀".into()));
        assert_eq!(ok("\"é😀\u{7f}\""), Value::String("é😀\u{7f}".into()));
        assert_eq!(ok(r#""\u0000""#), Value::String("\0".into()));
    }

    #[test]
    fn refuses_with_reason_and_offset() {
        let cases: &[(&str, &str, usize)] = &[
            ("", "unexpected end of input, expected a JSON value", 0),
            ("  ", "unexpected end of input, expected a JSON value", 2),
            ("{\"a\":1} x", "trailing characters after the JSON value", 8),
            ("{\"a\" 1}", "expected ':' after an object key", 5),
            ("{\"a\":1,}", "expected a string key in an object", 7),
            ("{a:1}", "expected a string key in an object", 1),
            ("[1,]", "expected a JSON value", 3),
            ("[1 2]", "expected ',' or ']' in an array", 3),
            ("{\"a\":1 \"b\":2}", "expected ',' or '}' in an object", 7),
            ("[", "unexpected end of input, expected a JSON value", 1),
            ("\"abc", "unexpected end of input in a string", 4),
            ("\"a\nb\"", "control character in a string (must be escaped)", 2),
            ("\"a\tb\"", "control character in a string (must be escaped)", 2),
            ("\"\\x\"", "invalid escape in a string", 2),
            ("\"\\u12\"", "expected 4 hex digits after \\u", 5),
            ("\"\\ud800\"", "lone surrogate in a \\u escape", 7),
            ("\"\\ud800\\u0041\"", "lone surrogate in a \\u escape", 13),
            ("\"\\udc00\"", "lone surrogate in a \\u escape", 7),
            ("01", "trailing characters after the JSON value", 1),
            ("-", "expected a digit in a number", 1),
            ("1.", "expected a digit in a number", 2),
            (".5", "expected a JSON value", 0),
            ("1e", "expected a digit in a number", 2),
            ("1e+", "expected a digit in a number", 3),
            ("+1", "expected a JSON value", 0),
            ("tru", "expected true, false or null", 0),
            ("nul", "expected true, false or null", 0),
            ("NaN", "expected a JSON value", 0),
            ("\u{feff}{}", "expected a JSON value", 0),
            ("[1]\0", "trailing characters after the JSON value", 3),
        ];
        for (text, reason, offset) in cases {
            assert_eq!(err(text), JsonError { offset: *offset, reason }, "{text:?}");
        }
        assert_eq!(parse(b"\"\xff\"").unwrap_err(), JsonError { offset: 1, reason: "invalid UTF-8" });
        assert_eq!(err("{\"a\" 1}").to_string(), "expected ':' after an object key at byte 5");
    }

    #[test]
    fn depth_limit() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        ok(&nested(MAX_DEPTH));
        assert_eq!(err(&nested(MAX_DEPTH + 1)).reason, "nested too deeply");
        let objects = format!("{}1{}", "{\"a\":".repeat(MAX_DEPTH + 1), "}".repeat(MAX_DEPTH + 1));
        assert_eq!(err(&objects), JsonError { offset: 5 * MAX_DEPTH, reason: "nested too deeply" });
        // Deep input far past the limit stops at the limit, not at the stack's end.
        assert_eq!(err(&"[".repeat(1_000_000)).offset, MAX_DEPTH);
    }

    #[test]
    fn duplicate_keys_last_wins() {
        let v = ok(r#"{"a":1,"b":2,"a":3}"#);
        let o = v.as_object().unwrap();
        assert_eq!(o.get("a").and_then(Value::as_i64), Some(3));
        assert_eq!((o.repeated_key(), o.len()), (Some("a"), 3));
        assert_eq!(ok(r#"{"a":1,"b":{"a":2}}"#).as_object().unwrap().repeated_key(), None);
        assert_eq!(o.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["a", "b", "a"]);
        assert_eq!(
            ok(r#"{"Code":"x","code":"y"}"#).as_object().unwrap().get_ignore_ascii_case("CODE"),
            Some(&ok("\"y\""))
        );
    }

    #[test]
    fn integers() {
        let n = |t: &str| ok(t).as_number().unwrap().clone();
        assert_eq!(n("9223372036854775807").as_i64(), Some(i64::MAX));
        assert_eq!(n("-9223372036854775808").as_i64(), Some(i64::MIN));
        assert_eq!(n("9223372036854775808").as_i64(), None);
        assert_eq!(n("-9223372036854775809").as_i64(), None);
        assert_eq!(n("18446744073709551615").as_u64(), Some(u64::MAX));
        assert_eq!(n("18446744073709551616").as_u64(), None);
        assert_eq!((n("-1").as_u64(), n("-0").as_u64(), n("-0").as_i64()), (None, Some(0), Some(0)));
        assert_eq!((n("1.0").as_i64(), n("1e0").as_u64()), (None, None));
        assert_eq!(n("1.7e9").as_i64_truncated(), Some(1_700_000_000));
        assert_eq!(n("1700000000.999").as_i64_truncated(), Some(1_700_000_000));
        assert_eq!(n("-1.5").as_i64_truncated(), Some(-1));
        assert_eq!(n("-0.5").as_i64_truncated(), Some(0));
        assert_eq!(n("12345e-2").as_i64_truncated(), Some(123));
        assert_eq!(n("1e-999999999999").as_i64_truncated(), Some(0));
        assert_eq!(n("0e999999999999").as_i64_truncated(), Some(0));
        assert_eq!(n("9.223372036854775807e18").as_i64_truncated(), Some(i64::MAX));
        assert_eq!(n("-9.223372036854775808E+18").as_i64_truncated(), Some(i64::MIN));
        assert_eq!(n("1e19").as_i64_truncated(), None);
        assert_eq!(n("1e999999999999").as_i64_truncated(), None);
    }

    #[test]
    fn quoting_matches_serde_json_on_every_control_character() {
        let all: String = (0u8..0x80).map(char::from).chain("é😀\u{2028}".chars()).collect();
        assert_eq!(quote(&all), serde_json::to_string(&all).unwrap());
        assert_eq!(ok(&quote(&all)), Value::String(all));
    }

    /// JSON-like text: mostly valid documents with random spacing, strings drawn
    /// from every escape (lone surrogates and raw control characters included).
    fn document() -> impl Strategy<Value = String> {
        let string = proptest::collection::vec(
            prop_oneof![
                "[^\"\\\\]",
                "\\\\[\"\\\\/bfnrt]",
                "\\\\u[0-9a-fA-F]{4}",
                "\\\\u[dD][89abAB][0-9a-f]{2}\\\\u[dD][c-fC-F][0-9a-f]{2}",
            ],
            0..6,
        )
        .prop_map(|parts| format!("\"{}\"", parts.concat()));
        let leaf = prop_oneof![
            "-?(0|[1-9][0-9]{0,20})(\\.[0-9]{1,6})?([eE][+-]?[0-9]{1,2})?",
            string.clone(),
            Just("true".to_string()),
            Just("false".to_string()),
            Just("null".to_string()),
        ];
        let space = "[ \t\r\n]{0,2}";
        leaf.prop_recursive(5, 40, 5, move |inner| {
            prop_oneof![
                proptest::collection::vec((space, inner.clone()), 0..5).prop_map(|items| format!(
                    "[{}]",
                    items.into_iter().map(|(s, v)| s + &v).collect::<Vec<_>>().join(",")
                )),
                proptest::collection::vec((string.clone(), space, inner), 0..5).prop_map(|members| format!(
                    "{{{}}}",
                    members.into_iter().map(|(k, s, v)| format!("{k}{s}:{v}")).collect::<Vec<_>>().join(",")
                )),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// Same verdict and same value as serde_json, on documents and on documents
        /// with one byte removed or inserted.
        #[test]
        fn agrees_with_serde_json(doc in document(), cut in any::<prop::sample::Index>(), insert in "[\\x00-\\x7f]", mode in 0..3u8) {
            let mut text = doc.into_bytes();
            let at = cut.index(text.len() + 1);
            match mode {
                1 if at < text.len() => { text.remove(at); }
                2 => { text.insert(at, insert.as_bytes()[0]); }
                _ => {}
            }
            let ours = parse(&text);
            let theirs: Result<serde_json::Value, _> = serde_json::from_slice(&text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => prop_assert_eq!(&to_serde(a), b),
                (Err(_), Err(_)) => {}
                // The one difference by design: numbers past f64's range are read here.
                (Ok(_), Err(e)) if e.to_string().starts_with("number out of range") => {}
                _ => prop_assert!(false, "{:?}: ours {:?}, serde_json {:?}", String::from_utf8_lossy(&text), ours, theirs),
            }
        }

        #[test]
        fn quote_round_trips(s in any::<String>()) {
            prop_assert_eq!(quote(&s), serde_json::to_string(&s).unwrap());
            prop_assert_eq!(parse(quote(&s).as_bytes()).unwrap(), Value::String(s));
        }

        /// Integer parts agree with a float cast where the float is exact enough
        /// (at most 15 significant digits) to have the same integer part.
        #[test]
        fn truncation_agrees_with_float_cast(text in "-?(0|[1-9][0-9]{0,7})(\\.[0-9]{1,7})?([eE][+-]?[0-5])?") {
            let n = ok(&text).as_number().unwrap().clone();
            let float: f64 = text.parse().unwrap();
            prop_assert_eq!(n.as_i64_truncated(), Some(float as i64));
            if let Ok(int) = text.parse::<i64>() {
                prop_assert_eq!(n.as_i64(), Some(int));
            }
        }
    }
}
