//! SigV4's URI encoding: every byte except the unreserved set `A-Z a-z 0-9 - . _ ~`
//! becomes `%XX` with upper-case hex.

const UPPER_HEX: &[u8; 16] = b"0123456789ABCDEF";
const LOWER_HEX: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~')
}

/// Lower-case hex of a 32-byte digest, through a table and a stack buffer.
pub(crate) fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    let mut out = [0u8; 64];
    for (i, &b) in bytes.iter().enumerate() {
        out[2 * i] = LOWER_HEX[usize::from(b >> 4)];
        out[2 * i + 1] = LOWER_HEX[usize::from(b & 15)];
    }
    out
}

/// Appends the lower-case hex of a 32-byte digest.
pub(crate) fn push_hex32(bytes: &[u8; 32], out: &mut String) {
    let hex = hex32(bytes);
    // Hex digits are ASCII: this cannot fail.
    out.push_str(core::str::from_utf8(&hex).unwrap_or_default());
}

/// Appends `input` to `out`, percent-encoding all but unreserved bytes.
pub fn percent_encode_into(input: &[u8], out: &mut String) {
    encode_into(input, out, false);
}

/// Like [`percent_encode_into`], but keeps `/` (for URI paths).
pub fn percent_encode_path_into(input: &[u8], out: &mut String) {
    encode_into(input, out, true);
}

fn encode_into(input: &[u8], out: &mut String, keep_slash: bool) {
    out.reserve(input.len());
    let keep = |b: u8| is_unreserved(b) || (keep_slash && b == b'/');
    let mut rest = input;
    while !rest.is_empty() {
        // Copy the longest run that needs no encoding in one go (all ASCII).
        let run = rest.iter().position(|&b| !keep(b)).unwrap_or(rest.len());
        out.push_str(core::str::from_utf8(&rest[..run]).unwrap_or_default());
        if let Some(&b) = rest.get(run) {
            out.push('%');
            out.push(UPPER_HEX[usize::from(b >> 4)] as char);
            out.push(UPPER_HEX[usize::from(b & 15)] as char);
            rest = &rest[run + 1..];
        } else {
            rest = &[];
        }
    }
}

pub fn percent_encode(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    percent_encode_into(input.as_bytes(), &mut out);
    out
}

/// Decodes a query-string component the way `application/x-www-form-urlencoded`
/// does (`+` is a space; a `%` not followed by two hex digits stays as it is),
/// the reading the AWS SDKs give a query before re-encoding it canonically.
pub fn query_decode(input: &str) -> Vec<u8> {
    let b = input.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() && hex_val(b[i + 1]).is_some() && hex_val(b[i + 2]).is_some() => {
                out.push(hex_val(b[i + 1]).unwrap_or(0) << 4 | hex_val(b[i + 2]).unwrap_or(0));
                i += 2;
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_and_unicode() {
        assert_eq!(percent_encode("-._~azAZ09"), "-._~azAZ09");
        assert_eq!(percent_encode("a b/c+d=e&ሴ"), "a%20b%2Fc%2Bd%3De%26%E1%88%B4");
        let mut p = String::new();
        percent_encode_path_into("/a b/%".as_bytes(), &mut p);
        assert_eq!(p, "/a%20b/%25");
    }

    #[test]
    fn hex_matches_the_hex_crate() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (i as u8).wrapping_mul(37).wrapping_add(201);
        }
        let mut s = String::from("x");
        push_hex32(&bytes, &mut s);
        assert_eq!(s, format!("x{}", hex::encode(bytes)));
    }

    #[test]
    fn decodes_form_style() {
        assert_eq!(query_decode("a+b%2Fc%zz%4"), b"a b/c%zz%4");
        assert_eq!(query_decode("%E1%88%b4"), "ሴ".as_bytes());
    }
}
