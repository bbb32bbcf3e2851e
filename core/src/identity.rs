//! Chainguard identity UIDPs: a 40-hex root group id, then one or more 16-hex
//! child segments, all lower case, joined by `/`.

use crate::quoted::{Quoted, QuotedChar};
use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidpError {
    pub input: String,
    pub reason: String,
}

impl fmt::Display for UidpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid identity {}: {}; an identity id looks like <40 hex>/<16 hex>, e.g. 0123456789abcdef0123456789abcdef01234567/0123456789abcdef (`chainctl iam identities list` shows yours)",
            Quoted(&self.input),
            self.reason
        )
    }
}

impl std::error::Error for UidpError {}

/// Checks that `uidp` names an identity (a root group plus at least one child segment).
pub fn validate_identity_uidp(uidp: &str) -> Result<(), UidpError> {
    let err = |reason: String| UidpError { input: uidp.to_string(), reason };
    if uidp.is_empty() {
        return Err(err("it is empty".into()));
    }
    if !uidp.contains('/') {
        return Err(err("it has no child segment after the 40-character root group id".into()));
    }
    for (index, segment) in uidp.split('/').enumerate() {
        let (expected, what) = if index == 0 { (40, "root group id") } else { (16, "child segment") };
        // Bytes first (the common, valid case); chars only to name a bad one.
        let hex = segment.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
        let bad = if hex { None } else { segment.char_indices().find(|(_, c)| !matches!(c, '0'..='9' | 'a'..='f')) };
        if let Some((pos, c)) = bad {
            let detail = if c.is_ascii_hexdigit() { "upper-case hex is not allowed" } else { "not a hex digit" };
            return Err(err(format!(
                "{what} {} (segment {}) has {} at position {pos}: {detail} — is this a placeholder from the docs?",
                Quoted(segment),
                index + 1,
                QuotedChar(c)
            )));
        }
        if segment.len() != expected {
            return Err(err(format!(
                "{what} {} (segment {}) is {} characters long, expected {expected}",
                Quoted(segment),
                index + 1,
                segment.len()
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_identities() {
        validate_identity_uidp("66fe8510254166621680aeb498b0249b66900d34/335917336625376d").unwrap();
        validate_identity_uidp("66fe8510254166621680aeb498b0249b66900d34/335917336625376d/0123456789abcdef").unwrap();
    }

    #[test]
    fn explains_placeholders() {
        // The sample id from the EC2 guide (seed 001).
        let e = validate_identity_uidp("66fe8510254166621680aeb4sample222222/3359173sampled").unwrap_err();
        assert!(e.reason.contains("\"66fe8510254166621680aeb4sample222222\""), "{e}");
        assert!(e.reason.contains("'s' at position 24"), "{e}");
        let e = validate_identity_uidp("66fe8510254166621680aeb498b0249b66900d34").unwrap_err();
        assert!(e.reason.contains("no child segment"), "{e}");
        let e = validate_identity_uidp("66fe8510254166621680aeb498b0249b66900d34/3359173366").unwrap_err();
        assert!(e.reason.contains("is 10 characters long, expected 16"), "{e}");
        let e = validate_identity_uidp("66FE8510254166621680aeb498b0249b66900d34/335917336625376d").unwrap_err();
        assert!(e.reason.contains("upper-case"), "{e}");
        assert!(validate_identity_uidp("").is_err());
        assert!(validate_identity_uidp("66fe8510254166621680aeb498b0249b66900d34/").is_err());
    }
}
