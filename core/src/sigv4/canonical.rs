//! The canonical request of SigV4: the exact text whose hash is signed.
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html>

use super::encoding::{percent_encode_into, percent_encode_path_into, query_decode};

/// Headers the AWS SDKs never sign: they are added or rewritten by proxies and
/// clients after signing (`authorization` is the signature itself).
const UNSIGNED_HEADERS: &[&str] = &["authorization", "user-agent", "x-amzn-trace-id", "expect", "transfer-encoding"];

/// The canonical URI: optionally normalized (dot segments resolved, empty segments
/// dropped), then percent-encoded segment by segment.
pub fn canonical_uri(path: &str, normalize: bool, out: &mut String) {
    if normalize {
        let normalized = normalize_path(path);
        percent_encode_path_into(normalized.as_bytes(), out);
    } else if path.is_empty() {
        out.push('/');
    } else {
        percent_encode_path_into(path.as_bytes(), out);
    }
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
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let mut k = String::new();
        percent_encode_into(&query_decode(key), &mut k);
        let mut v = String::new();
        percent_encode_into(&query_decode(value), &mut v);
        params.push((k, v));
    }
    for (key, value) in extra {
        let mut k = String::new();
        percent_encode_into(key.as_bytes(), &mut k);
        let mut v = String::new();
        percent_encode_into(value.as_bytes(), &mut v);
        params.push((k, v));
    }
    params.sort_unstable();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(k);
        out.push('=');
        out.push_str(v);
    }
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
    let mut pending_space = false;
    let mut started = false;
    for c in value.chars() {
        if c == ' ' {
            pending_space = started;
        } else {
            if pending_space {
                out.push(' ');
                pending_space = false;
            }
            out.push(c);
            started = true;
        }
    }
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
    fn sorts_query() {
        let mut s = String::new();
        canonical_query("b=2&a=1&a=0&c&d=x+y%2f", &[("X-Amz-Credential", "A/B")], &mut s);
        assert_eq!(s, "X-Amz-Credential=A%2FB&a=0&a=1&b=2&c=&d=x%20y%2F");
    }
}
