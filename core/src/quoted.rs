//! Values quoted in error messages as `{:?}` quotes them, without the Debug
//! machinery (its Unicode printability tables and escaping code were 3 KB of the
//! gzipped wasm package). ASCII text reads exactly as with `{:?}`; every
//! non-ASCII character is written as `\u{...}`, which also shows look-alikes and
//! invisible characters for what they are.

use core::fmt;

/// `"text"`, escaped.
pub struct Quoted<'a>(pub &'a str);

/// `'c'`, escaped.
pub struct QuotedChar(pub char);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for c in self.0.chars() {
            write_escaped(f, c, '"')?;
        }
        f.write_str("\"")
    }
}

impl fmt::Display for QuotedChar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("'")?;
        write_escaped(f, self.0, '\'')?;
        f.write_str("'")
    }
}

fn write_escaped(f: &mut fmt::Formatter<'_>, c: char, quote: char) -> fmt::Result {
    let short = match c {
        '\\' => "\\\\",
        '\n' => "\\n",
        '\r' => "\\r",
        '\t' => "\\t",
        '\0' => "\\0",
        '"' if quote == '"' => "\\\"",
        '\'' if quote == '\'' => "\\'",
        ' '..='~' => return f.write_str(c.encode_utf8(&mut [0; 4])),
        _ => return write_unicode_escape(f, c),
    };
    f.write_str(short)
}

/// `\u{hex}` with no leading zeros, as Rust writes it.
fn write_unicode_escape(f: &mut fmt::Formatter<'_>, c: char) -> fmt::Result {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let code = c as u32;
    let mut buf = *b"\\u{000000}";
    let digits = (32 - code.leading_zeros()).div_ceil(4).max(1) as usize;
    for i in 0..digits {
        buf[3 + digits - 1 - i] = HEX[(code >> (4 * i)) as usize & 0xf];
    }
    buf[3 + digits] = b'}';
    f.write_str(core::str::from_utf8(&buf[..4 + digits]).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes() {
        assert_eq!(Quoted("a\"b\\c\n\r\t\0'\u{1}\u{7f}").to_string(), r#""a\"b\\c\n\r\t\0'\u{1}\u{7f}""#);
        assert_eq!(Quoted("é\u{200b}😀").to_string(), r#""\u{e9}\u{200b}\u{1f600}""#);
        assert_eq!(QuotedChar('\'').to_string(), r"'\''");
        assert_eq!(QuotedChar('"').to_string(), "'\"'");
        assert_eq!(QuotedChar('\u{10ffff}').to_string(), r"'\u{10ffff}'");
    }

    proptest! {
        /// ASCII text reads as `{:?}` writes it.
        #[test]
        fn ascii_as_debug(s in "[\\x00-\\x7f]{0,20}", c in "[\\x00-\\x7f]") {
            prop_assert_eq!(Quoted(&s).to_string(), format!("{s:?}"));
            let c = c.chars().next().unwrap();
            prop_assert_eq!(QuotedChar(c).to_string(), format!("{c:?}"));
        }

        /// Other characters as `\u{...}` that `{:?}` would write for them.
        #[test]
        fn others_as_unicode_escapes(c in any::<char>().prop_filter("non-ASCII", |c| !c.is_ascii())) {
            prop_assert_eq!(QuotedChar(c).to_string(), format!("'{}'", c.escape_unicode()));
        }
    }
}
