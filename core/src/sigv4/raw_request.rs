//! Requests as text, in the form of the AWS SigV4 test suite: `request.txt` in,
//! `*-signed-request.txt` out. This is what `cgaws sign` reads and prints.
//!
//! Input: a request line `METHOD target HTTP/1.1`, then `Name:value` header lines,
//! then optionally an empty line and the body. Lines end in LF (CRLF is accepted
//! too). The target is kept exactly as written (it is what SigV4 signs); it may
//! even hold spaces, as the suite's `get-space-unnormalized` does, so the method
//! is the first word of the request line and the version the last. Header values
//! are kept verbatim, leading spaces included: signing trims them, printing does not.
//! The `Host` header gives the authority; the scheme is `https`.
//!
//! Output: the same layout with LF line ends: request line, `Name:value` headers in
//! the request's order, an empty line, and the body.

use super::{is_valid_header_name, is_valid_header_value};
use crate::http::HttpRequest;
use core::fmt;

/// Why a raw request could not be read. Line numbers count from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RawRequestError {
    /// Nothing but whitespace.
    Empty,
    /// An empty line before the request line.
    LeadingBlankLine,
    /// Not `METHOD target HTTP/1.1`.
    MalformedRequestLine(String),
    InvalidMethod(String),
    /// Only `HTTP/1.1` is read.
    UnsupportedVersion(String),
    /// The target must be a path (`/...`), optionally with `?query`.
    InvalidTarget(String),
    /// A header line starting with a space or tab (obsolete line folding).
    FoldedHeader {
        line: usize,
    },
    MissingColon {
        line: usize,
    },
    InvalidHeaderName {
        line: usize,
        name: String,
    },
    /// A CR or NUL inside a header value.
    InvalidHeaderValue {
        line: usize,
        name: String,
    },
    MissingHost,
    DuplicateHost,
    InvalidHost(String),
    /// `Content-Length` is not a decimal number, or not the length of the body.
    ContentLengthMismatch {
        declared: String,
        actual: usize,
    },
}

impl fmt::Display for RawRequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use RawRequestError::*;
        match self {
            Empty => f.write_str("the request is empty"),
            LeadingBlankLine => f.write_str("line 1: the request starts with an empty line"),
            MalformedRequestLine(l) => {
                write!(f, "line 1: expected a request line `METHOD /path HTTP/1.1`, got {l:?}")
            }
            InvalidMethod(m) => write!(f, "line 1: invalid method {m:?}"),
            UnsupportedVersion(v) => write!(f, "line 1: unsupported HTTP version {v:?}, expected HTTP/1.1"),
            InvalidTarget(t) => write!(
                f,
                "line 1: the request target {t:?} must be a path starting with `/` (put the host in a Host header)"
            ),
            FoldedHeader { line } => {
                write!(f, "line {line}: folded header lines (starting with a space or tab) are not supported")
            }
            MissingColon { line } => write!(f, "line {line}: a header line must be `Name:value`"),
            InvalidHeaderName { line, name } => write!(f, "line {line}: invalid header name {name:?}"),
            InvalidHeaderValue { line, name } => {
                write!(f, "line {line}: header {name:?} has a CR or NUL in its value")
            }
            MissingHost => f.write_str("the request has no Host header"),
            DuplicateHost => f.write_str("the request has more than one Host header"),
            InvalidHost(h) => write!(f, "invalid Host header {h:?}"),
            ContentLengthMismatch { declared, actual } => {
                write!(f, "Content-Length is {declared:?} but the body is {actual} bytes")
            }
        }
    }
}

impl std::error::Error for RawRequestError {}

/// Reads a request in `request.txt` form.
pub fn parse_raw_request(text: &str) -> Result<HttpRequest, RawRequestError> {
    if text.trim().is_empty() {
        return Err(RawRequestError::Empty);
    }
    let mut lines: Vec<&str> = Vec::new();
    let mut body: &str = "";
    let mut pos = 0;
    while pos < text.len() {
        let rest = &text[pos..];
        let (line, next) = match rest.find('\n') {
            Some(i) => (&rest[..i], pos + i + 1),
            None => (rest, text.len()),
        };
        let line = line.strip_suffix('\r').unwrap_or(line);
        pos = next;
        if line.is_empty() {
            if lines.is_empty() {
                return Err(RawRequestError::LeadingBlankLine);
            }
            body = &text[pos..];
            break;
        }
        lines.push(line);
    }

    let request_line = lines[0];
    let (method, rest) =
        request_line.split_once(' ').ok_or_else(|| RawRequestError::MalformedRequestLine(request_line.into()))?;
    let (target, version) =
        rest.rsplit_once(' ').ok_or_else(|| RawRequestError::MalformedRequestLine(request_line.into()))?;
    if !is_valid_header_name(method) {
        return Err(RawRequestError::InvalidMethod(method.into()));
    }
    if version != "HTTP/1.1" {
        return Err(RawRequestError::UnsupportedVersion(version.into()));
    }
    if !target.starts_with('/') || target.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err(RawRequestError::InvalidTarget(target.into()));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));

    let mut headers: Vec<(String, String)> = Vec::with_capacity(lines.len() - 1);
    for (index, line) in lines.iter().enumerate().skip(1) {
        let number = index + 1;
        if line.starts_with([' ', '\t']) {
            return Err(RawRequestError::FoldedHeader { line: number });
        }
        let (name, value) = line.split_once(':').ok_or(RawRequestError::MissingColon { line: number })?;
        if !is_valid_header_name(name) {
            return Err(RawRequestError::InvalidHeaderName { line: number, name: name.into() });
        }
        if !is_valid_header_value(value) {
            return Err(RawRequestError::InvalidHeaderValue { line: number, name: name.into() });
        }
        headers.push((name.into(), value.into()));
    }

    let mut hosts = headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("host"));
    let host = hosts.next().ok_or(RawRequestError::MissingHost)?.1.trim_matches([' ', '\t']);
    if hosts.next().is_some() {
        return Err(RawRequestError::DuplicateHost);
    }
    let host_ok = !host.is_empty()
        && host.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'/' | b'?' | b'#' | b'@' | b'\\'));
    if !host_ok {
        return Err(RawRequestError::InvalidHost(host.into()));
    }

    for (_, declared) in headers.iter().filter(|(n, _)| n.eq_ignore_ascii_case("content-length")) {
        let declared = declared.trim_matches([' ', '\t']);
        let matches = !declared.is_empty()
            && declared.bytes().all(|b| b.is_ascii_digit())
            && declared.parse::<usize>().is_ok_and(|n| n == body.len());
        if !matches {
            return Err(RawRequestError::ContentLengthMismatch { declared: declared.into(), actual: body.len() });
        }
    }

    Ok(HttpRequest {
        method: method.into(),
        scheme: "https".into(),
        authority: host.into(),
        path: path.into(),
        query: query.into(),
        headers,
        body: body.as_bytes().to_vec(),
    })
}

/// Writes a request in `*-signed-request.txt` form. A body that is not UTF-8 is
/// shown with U+FFFD in place of the invalid bytes.
pub fn print_signed_request(request: &HttpRequest) -> String {
    let size = request.method.len()
        + request.path.len()
        + request.query.len()
        + request.body.len()
        + request.headers.iter().map(|(n, v)| n.len() + v.len() + 2).sum::<usize>()
        + 16;
    let mut out = String::with_capacity(size);
    push_request_line(request, &mut out);
    out.push('\n');
    for (name, value) in &request.headers {
        out.push_str(name);
        out.push(':');
        out.push_str(value);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&String::from_utf8_lossy(&request.body));
    out
}

/// The request line without its line end, `METHOD path[?query] HTTP/1.1`: the
/// same in this form and in the token's wire text, which ends it with CRLF.
pub(crate) fn push_request_line(request: &HttpRequest, out: &mut String) {
    out.push_str(&request.method);
    out.push(' ');
    out.push_str(&request.path);
    if !request.query.is_empty() {
        out.push('?');
        out.push_str(&request.query);
    }
    out.push_str(" HTTP/1.1");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let text = "POST /a b?x=1 HTTP/1.1\nHost:example.com\nMy: v  \nContent-Length:3\n\nabc";
        let r = parse_raw_request(text).unwrap();
        assert_eq!((r.method.as_str(), r.path.as_str(), r.query.as_str()), ("POST", "/a b", "x=1"));
        assert_eq!(r.authority, "example.com");
        assert_eq!(r.headers[1], ("My".to_string(), " v  ".to_string()));
        assert_eq!(r.body, b"abc");
        assert_eq!(print_signed_request(&r), text);
        let crlf = parse_raw_request("GET / HTTP/1.1\r\nHost:h\r\n\r\n").unwrap();
        assert_eq!(crlf.headers, vec![("Host".to_string(), "h".to_string())]);
        assert!(crlf.body.is_empty());
    }

    #[test]
    fn explains_errors() {
        use RawRequestError::*;
        for (text, expected) in [
            ("", Empty),
            (" \n", Empty),
            ("\nGET / HTTP/1.1\nHost:h\n", LeadingBlankLine),
            ("GET\nHost:h\n", MalformedRequestLine("GET".into())),
            ("GET /\nHost:h\n", MalformedRequestLine("GET /".into())),
            ("G(T / HTTP/1.1\nHost:h\n", InvalidMethod("G(T".into())),
            ("GET / HTTP/2\nHost:h\n", UnsupportedVersion("HTTP/2".into())),
            ("GET http://h/ HTTP/1.1\nHost:h\n", InvalidTarget("http://h/".into())),
            ("GET / HTTP/1.1\nHost:h\n folded\n", FoldedHeader { line: 3 }),
            ("GET / HTTP/1.1\nHost:h\nnocolon\n", MissingColon { line: 3 }),
            ("GET / HTTP/1.1\nHost:h\nBad Name:v\n", InvalidHeaderName { line: 3, name: "Bad Name".into() }),
            ("GET / HTTP/1.1\nHost:h\nA:x\ry\n", InvalidHeaderValue { line: 3, name: "A".into() }),
            ("GET / HTTP/1.1\nA:b\n", MissingHost),
            ("GET / HTTP/1.1\nHost:h\nhost:h\n", DuplicateHost),
            ("GET / HTTP/1.1\nHost:h/x\n", InvalidHost("h/x".into())),
            (
                "GET / HTTP/1.1\nHost:h\nContent-Length:2\n\nabc",
                ContentLengthMismatch { declared: "2".into(), actual: 3 },
            ),
            (
                "GET / HTTP/1.1\nHost:h\nContent-Length:+3\n\nabc",
                ContentLengthMismatch { declared: "+3".into(), actual: 3 },
            ),
        ] {
            assert_eq!(parse_raw_request(text), Err(expected), "{text:?}");
        }
    }
}
