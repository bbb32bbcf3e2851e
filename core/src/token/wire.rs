//! Reading a token blob back: strict base64url and a strict HTTP/1.1 request
//! parser. Anything a relying party could read two ways is refused.

use crate::base64url::{self, Padding};
use crate::quoted::{Quoted, QuotedChar};
use crate::sigv4::is_valid_header_name;

/// Far above any real token (about 2 KB with a session token), far below harm.
pub const MAX_BLOB_LEN: usize = 16 * 1024;

/// A parsed request: exactly what the text said, nothing normalized.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WireRequest {
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl WireRequest {
    /// Every value of a header, by case-insensitive name.
    pub fn values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn first(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Decodes base64url with padding (Go's `base64.URLEncoding`), naming the usual
/// mistakes: the standard alphabet and missing padding.
pub fn decode_blob(blob: &str) -> Result<Vec<u8>, String> {
    if blob.len() > MAX_BLOB_LEN * 4 / 3 + 4 {
        return Err(format!(
            "token is {} bytes, more than the {} a token can be",
            blob.len(),
            MAX_BLOB_LEN * 4 / 3 + 4
        ));
    }
    if blob.is_empty() {
        return Err("token is empty".into());
    }
    if let Some(c) = blob.chars().find(|c| *c == '+' || *c == '/') {
        return Err(format!(
            "token uses the standard base64 alphabet ({}); it must be base64url (- and _) with = padding",
            QuotedChar(c)
        ));
    }
    if let Some(c) = blob.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '='))) {
        return Err(format!("token contains {}, which is not base64url", QuotedChar(c)));
    }
    if !blob.len().is_multiple_of(4) {
        return Err("token is not padded base64url (its length is not a multiple of 4; = padding is required)".into());
    }
    base64url::decode(blob, Padding::Required).map_err(|e| format!("token is not valid base64url: {e}"))
}

/// Parses one HTTP/1.1 request with no body: CRLF line ends only, no folded
/// headers, no bytes after the blank line.
pub fn parse_request(bytes: &[u8]) -> Result<WireRequest, String> {
    if bytes.len() > MAX_BLOB_LEN {
        return Err(format!("decoded request is {} bytes, more than {MAX_BLOB_LEN}", bytes.len()));
    }
    let text = core::str::from_utf8(bytes).map_err(|e| format!("request is not UTF-8 (byte {})", e.valid_up_to()))?;
    let (head, rest) =
        crate::text::split_once(text, "\r\n\r\n").ok_or("request does not end with an empty line (CRLF CRLF)")?;
    if !rest.is_empty() {
        return Err(format!("{} unexpected bytes after the end of the request", rest.len()));
    }
    let mut lines = crate::text::split(head, "\r\n");
    let request_line = lines.next().unwrap_or_default();
    check_line(request_line)?;
    let mut parts = request_line.split(' ');
    let (method, target, version) = match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some(m), Some(t), Some(v), None) if !m.is_empty() && !t.is_empty() => (m, t, v),
        _ => return Err(format!("malformed request line {}", Quoted(request_line))),
    };
    if version != "HTTP/1.1" {
        return Err(format!("unsupported HTTP version {}", Quoted(version)));
    }
    if !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("malformed method {}", Quoted(method)));
    }
    let mut headers = Vec::new();
    for line in lines {
        check_line(line)?;
        if line.starts_with([' ', '\t']) {
            return Err("folded header lines are not allowed".into());
        }
        let (name, value) =
            line.split_once(':').ok_or_else(|| format!("header line without a colon: {}", Quoted(truncate(line))))?;
        if !is_valid_header_name(name) {
            return Err(format!("invalid header name {}", Quoted(truncate(name))));
        }
        headers.push((name.to_string(), value.trim_matches([' ', '\t']).to_string()));
    }
    for length in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        if length.1 != "0" {
            return Err(format!("request has a body (Content-Length {}); a token has none", Quoted(&length.1)));
        }
    }
    if headers.iter().any(|(n, _)| n.eq_ignore_ascii_case("transfer-encoding")) {
        return Err("request has a Transfer-Encoding header; a token has no body".into());
    }
    Ok(WireRequest { method: method.into(), target: target.into(), headers })
}

/// A lone CR or LF inside a line, or another control character, is refused.
fn check_line(line: &str) -> Result<(), String> {
    match line.bytes().find(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        Some(b'\r') | Some(b'\n') => Err("bare CR or LF inside a line".into()),
        Some(b) => Err(format!("control character 0x{b:02x} in the request")),
        None => Ok(()),
    }
}

fn truncate(s: &str) -> &str {
    match s.char_indices().nth(40) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
