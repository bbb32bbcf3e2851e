//! The canonical request of SigV4: the exact text whose hash is signed.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>

use super::encoding::{is_unreserved, percent_encode_into, percent_encode_path_into, query_decode};
use std::borrow::Cow;

/// Headers the AWS SDKs never sign: they are added or rewritten by proxies and
/// clients after signing (`authorization` is the signature itself).
const UNSIGNED_HEADERS: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"];

/// The canonical URI: optionally normalized (dot segments resolved, empty segments
/// dropped), then percent-encoded segment by segment.
pub fn canonical_uri(path: &str, normalize: bool, out: &mut String) {
    if normalize && is_normalized(path) {
        percent_encode_path_into(path.as_bytes(), out);
    } else if normalize {
        let normalized = normalize_path(path);
        percent_encode_path_into(normalized.as_bytes(), out);
    } else if path.is_empty() {
        out.push('/');
    } else {
        percent_encode_path_into(path.as_bytes(), out);
    }
}

/// Whether [`normalize_path`] would return `path` unchanged: absolute, no empty
/// segment but a trailing one, no `.` or `..` segment.
fn is_normalized(path: &str) -> bool {
    let Some(rest) = path.strip_prefix('/') else { return false };
    let mut segments = rest.split('/').peekable();
    while let Some(segment) = segments.next() {
        let last = segments.peek().is_none();
        if (segment.is_empty() && !last) || segment == "." || segment == ".." {
            return false;
        }
    }
    true
}

/// Resolves `.` and `..` and collapses repeated slashes, keeping a trailing slash.
pub fn normalize_path(path: &str) -> String {
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            other => segments.push(other),
        }
    }
    let mut out = String::with_capacity(path.len() + 1);
    for segment in &segments {
        out.push('/');
        out.push_str(segment);
    }
    let ends_in_directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if out.is_empty() || (ends_in_directory && !segments.is_empty()) {
        out.push('/');
    }
    out
}

/// The canonical query: every `key=value` decoded, re-encoded, sorted by key then value.
pub fn canonical_query(query: &str, extra: &[(&str, &str)], out: &mut String) {
    let mut params: Vec<(Cow<'_, str>, Cow<'_, str>)> = Vec::with_capacity(extra.len() + 4);
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((canonical_component(key, true), canonical_component(value, true)));
    }
    for (key, value) in extra {
        params.push((canonical_component(key, false), canonical_component(value, false)));
    }
    if !params.is_sorted() {
        params.sort_unstable();
    }
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
}

/// One query component in canonical form. Text of unreserved characters only is
/// already canonical (decoding and re-encoding give it back), so it is borrowed.
fn canonical_component(text: &str, decode: bool) -> Cow<'_, str> {
    if text.bytes().all(is_unreserved) {
        return Cow::Borrowed(text);
    }
    let mut encoded = String::with_capacity(text.len() + 8);
    if decode {
        percent_encode_into(&query_decode(text), &mut encoded);
    } else {
        percent_encode_into(text.as_bytes(), &mut encoded);
    }
    Cow::Owned(encoded)
}

/// One signed header: its lower-case name and its values, joined by `,`.
pub struct CanonicalHeader {
    pub name: String,
    pub value: String,
}

/// The headers to sign, lower-cased, grouped, sorted, with values trimmed and runs
/// of spaces collapsed, in the order the canonical request lists them.
pub fn canonical_headers(headers: &[(String, String)]) -> Vec<CanonicalHeader> {
    let mut out: Vec<CanonicalHeader> = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        let name = name.to_ascii_lowercase();
        if UNSIGNED_HEADERS.contains(&name.as_str()) {
            continue;
        }
        match out.iter_mut().find(|h| h.name == name) {
            Some(existing) => {
                existing.value.push(',');
                push_trimmed_value(value, &mut existing.value);
            }
            None => {
                let mut v = String::with_capacity(value.len());
                push_trimmed_value(value, &mut v);
                out.push(CanonicalHeader { name, value: v });
            }
        }
    }
    out.sort_unstable_by(|a, b| a.name.cmp(&b.name));
    out
}

/// SigV4's header value canonicalization: trimmed, runs of spaces collapsed to one.
pub fn push_trimmed_value(value: &str, out: &mut String) {
    let value = value.trim_matches(' ');
    if !has_double_space(value) {
        out.push_str(value);
        return;
    }
    for (i, word) in value.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(word);
    }
}

/// Whether `value` holds two spaces in a row; values are often 1 KB session tokens.
fn has_double_space(value: &str) -> bool {
    if cfg!(target_arch = "wasm32") {
        // In wasm, `str::contains`'s two-way searcher cost more than the rest of
        // a token's canonical request; asking memchr for any space is fast, and
        // session tokens have none.
        let bytes = value.as_bytes();
        bytes.contains(&b' ') && bytes.windows(2).any(|pair| pair == b"  ")
    } else {
        // Natively, `str::contains` has a SIMD path, faster than the above.
        value.contains("  ")
    }
}

/// Writes the canonical header lines (`name:value\n`, grouped and sorted as
/// [`canonical_headers`] does) to `out` and the signed header list to `signed`,
/// without an allocation per header.
pub(crate) fn write_canonical_headers(headers: &[(String, String)], out: &mut String, signed: &mut String) {
    let mut order: Vec<usize> = (0..headers.len())
        .filter(|&i| !UNSIGNED_HEADERS.iter().any(|u| headers[i].0.eq_ignore_ascii_case(u)))
        .collect();
    // Stable: values of one name keep their order.
    if !order.is_sorted_by(|&a, &b| cmp_lowercase(&headers[a].0, &headers[b].0).is_le()) {
        order.sort_by(|&a, &b| cmp_lowercase(&headers[a].0, &headers[b].0));
    }
    let mut previous: Option<&str> = None;
    for &i in &order {
        let (name, value) = (&headers[i].0, &headers[i].1);
        if previous.is_some_and(|p| p.eq_ignore_ascii_case(name)) {
            out.push(',');
        } else {
            if previous.is_some() {
                out.push('\n');
                signed.push(';');
            }
            push_lowercase(name, out);
            out.push(':');
            push_lowercase(name, signed);
        }
        push_trimmed_value(value, out);
        previous = Some(name);
    }
    if previous.is_some() {
        out.push('\n');
    }
}

fn push_lowercase(name: &str, out: &mut String) {
    let start = out.len();
    out.push_str(name);
    out[start..].make_ascii_lowercase();
}

/// Compares two strings as their ASCII-lower-cased forms would compare.
fn cmp_lowercase(a: &str, b: &str) -> core::cmp::Ordering {
    a.bytes().map(|c| c.to_ascii_lowercase()).cmp(b.bytes().map(|c| c.to_ascii_lowercase()))
}

/// `name1;name2;...` of the canonical headers.
pub fn signed_header_list(headers: &[CanonicalHeader]) -> String {
    let mut out = String::new();
    for (i, h) in headers.iter().enumerate() {
        if i > 0 {
            out.push(';');
        }
        out.push_str(&h.name);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_paths() {
        for (input, expected) in [
            ("/", "/"),
            ("", "/"),
            ("//example//", "/example/"),
            ("/example1/example2/../..", "/"),
            ("/./example", "/example"),
            ("/example/..", "/"),
            ("/a/b/../c/", "/a/c/"),
            ("/a/.", "/a/"),
            ("/../..", "/"),
        ] {
            assert_eq!(normalize_path(input), expected, "{input:?}");
        }
    }

    #[test]
    fn trims_values() {
        let mut s = String::new();
        push_trimmed_value("  \"a   b   c\"  ", &mut s);
        assert_eq!(s, "\"a b c\"");
    }

    #[test]
    fn fast_paths_agree_with_the_plain_forms() {
        for path in ["/", "", "/a", "/a/", "/a//b", "//", "/./a", "/a/.", "/a/..", "/a/.b/", "a/b", "/a b/%2E"] {
            let (mut fast, mut plain) = (String::new(), String::new());
            canonical_uri(path, true, &mut fast);
            percent_encode_path_into(normalize_path(path).as_bytes(), &mut plain);
            assert_eq!(fast, plain, "{path:?}");
        }
        let headers: Vec<(String, String)> = [
            ("Host", "h"),
            ("b", " 2  x "),
            ("A", "1"),
            ("user-agent", "u"),
            ("B", "3"),
            ("a-", ""),
            ("Authorization", "x"),
        ]
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
        let (mut lines, mut signed) = (String::new(), String::new());
        write_canonical_headers(&headers, &mut lines, &mut signed);
        let plain = canonical_headers(&headers);
        let expected: String = plain.iter().map(|h| format!("{}:{}\n", h.name, h.value)).collect();
        assert_eq!(lines, expected);
        assert_eq!(lines, "a:1\na-:\nb:2 x,3\nhost:h\n");
        assert_eq!(signed, signed_header_list(&plain));
    }

    #[test]
    fn sorts_query() {
        let mut s = String::new();
        canonical_query("b=2&a=1&a=0&c&d=x+y%2f", &[("X-Amz-Credential", "A/B")], &mut s);
        assert_eq!(s, "X-Amz-Credential=A%2FB&a=0&a=1&b=2&c=&d=x%20y%2F");
    }
}
