//! Substring search and lossy UTF-8 decoding in a few lines each. std's versions
//! (the Two-Way searcher behind `str::split_once(&str)` and friends, the
//! `Utf8Chunks` iterator behind `String::from_utf8_lossy`) are built for long
//! inputs and cost the wasm package more than everything that used them here:
//! separators of a few bytes in inputs of a few KB.

/// The byte offset of the first `needle` in `haystack`.
pub fn find(haystack: &str, needle: &str) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    haystack.as_bytes().windows(needle.len()).position(|w| w == needle.as_bytes())
}

/// `haystack.split_once(separator)`.
pub fn split_once<'a>(haystack: &'a str, separator: &str) -> Option<(&'a str, &'a str)> {
    // A match of valid UTF-8 in valid UTF-8 starts and ends on character boundaries.
    let at = find(haystack, separator)?;
    Some((&haystack[..at], &haystack[at + separator.len()..]))
}

/// `haystack.split(separator)` for a non-empty `separator`.
pub fn split<'a>(haystack: &'a str, separator: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    let mut rest = Some(haystack);
    core::iter::from_fn(move || {
        let text = rest?;
        match split_once(text, separator) {
            Some((piece, after)) => {
                rest = Some(after);
                Some(piece)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// `String::from_utf8_lossy(bytes)`: each invalid sequence becomes U+FFFD.
pub fn from_utf8_lossy(mut bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    loop {
        match core::str::from_utf8(bytes) {
            Ok(text) => {
                out.push_str(text);
                return out;
            }
            Err(e) => {
                let (valid, after) = bytes.split_at(e.valid_up_to());
                out.push_str(core::str::from_utf8(valid).unwrap_or_default());
                out.push(char::REPLACEMENT_CHARACTER);
                bytes = &after[e.error_len().unwrap_or(after.len())..];
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn searches() {
        assert_eq!(split_once("a\r\n\r\nb", "\r\n\r\n"), Some(("a", "b")));
        assert_eq!(split_once("https://h", "://"), Some(("https", "h")));
        assert_eq!(split_once("abc", "abcd"), None);
        assert_eq!(split("a\r\nb\r\n", "\r\n").collect::<Vec<_>>(), ["a", "b", ""]);
        assert_eq!(find("é://", "://"), Some(2));
        assert_eq!(from_utf8_lossy(b"a\xffb\xe2\x82"), "a\u{fffd}b\u{fffd}");
    }

    proptest! {
        /// The same answers as std's.
        #[test]
        fn as_std(haystack in "[ab\r\né]{0,12}", needle in "[ab\r\né]{1,3}", bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
            prop_assert_eq!(find(&haystack, &needle), haystack.find(needle.as_str()));
            prop_assert_eq!(split_once(&haystack, &needle), haystack.split_once(needle.as_str()));
            prop_assert_eq!(split(&haystack, &needle).collect::<Vec<_>>(), haystack.split(needle.as_str()).collect::<Vec<_>>());
            prop_assert_eq!(from_utf8_lossy(&bytes), String::from_utf8_lossy(&bytes));
        }
    }
}
