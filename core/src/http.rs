//! The HTTP messages the core hands to drivers and takes back from them.
//! Plain data: a driver turns an `HttpRequest` into a real request with whatever
//! client its runtime has, and returns the answer as an `HttpResponse`.

use crate::quoted::Quoted;
use core::fmt;

/// An HTTP request to send. `path` and `query` are kept exactly as they go on the
/// wire (already percent-encoded), since SigV4 signs them in that form.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpRequest {
    pub method: String,
    /// `http` or `https`.
    pub scheme: String,
    /// `host` or `host:port`.
    pub authority: String,
    /// Starts with `/`.
    pub path: String,
    /// Without the leading `?`; empty when there is none.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// A URL the core cannot use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlError {
    pub url: String,
    pub reason: &'static str,
}

impl fmt::Display for UrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid URL {}: {}", Quoted(&self.url), self.reason)
    }
}

impl std::error::Error for UrlError {}

/// The parts of an absolute `http(s)://authority/path?query` URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Url {
    pub scheme: String,
    pub authority: String,
    pub path: String,
    pub query: String,
}

impl Url {
    pub fn parse(url: &str) -> Result<Url, UrlError> {
        let err = |reason| UrlError { url: url.to_string(), reason };
        let (scheme, rest) = crate::text::split_once(url, "://").ok_or_else(|| err("expected scheme://host"))?;
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(err("only http and https URLs are supported"));
        }
        if rest.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(err("contains spaces or control characters"));
        }
        let rest = rest.split('#').next().unwrap_or_default();
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        if authority.is_empty() {
            return Err(err("no host"));
        }
        if authority.contains('@') {
            return Err(err("user information in URLs is not supported"));
        }
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, q),
            None => (target, ""),
        };
        let path = if path.is_empty() { "/" } else { path };
        Ok(Url { scheme, authority: authority.to_ascii_lowercase(), path: path.to_string(), query: query.to_string() })
    }

    /// The host without a port (and without the brackets of an IPv6 literal).
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }
}

fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    authority.rsplit_once(':').map_or(authority, |(h, _)| h)
}

impl HttpRequest {
    /// A request with no headers and no body. Parse errors say what is wrong with the URL.
    pub fn new(method: &str, url: &str) -> Result<HttpRequest, UrlError> {
        let url = Url::parse(url)?;
        Ok(HttpRequest {
            method: method.to_string(),
            scheme: url.scheme,
            authority: url.authority,
            path: url.path,
            query: url.query,
            headers: Vec::new(),
            body: Vec::new(),
        })
    }

    /// Adds a header (keeping any others of the same name).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_body(mut self, body: Vec<u8>) -> Self {
        self.body = body;
        self
    }

    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }

    /// Removes every header of that name.
    pub fn remove_header(&mut self, name: &str) {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
    }

    /// `path?query`, the request target of the request line.
    pub fn target(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    pub fn url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.target())
    }

    /// The host the request goes to, without port.
    pub fn host(&self) -> &str {
        host_of(&self.authority)
    }
}

/// Requests carry credentials in headers and bodies, so `Debug` shows the method,
/// URL and header names only.
impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &format_args!("{}://{}{}", self.scheme, self.authority, self.path))
            .field("header_names", &names)
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// An HTTP response as a driver received it.
#[derive(Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse { status, headers: Vec::new(), body: body.into() }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        header_value(&self.headers, name)
    }
}

/// Bodies may hold credentials or tokens: `Debug` shows the status and size only.
impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse").field("status", &self.status).field("body_len", &self.body.len()).finish()
    }
}

pub(crate) fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// `application/x-www-form-urlencoded` serialization: the same unreserved set as
/// SigV4, so a form body is also a valid canonical query.
pub fn form_urlencode(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        crate::sigv4::encoding::percent_encode_into(k.as_bytes(), &mut out);
        out.push('=');
        crate::sigv4::encoding::percent_encode_into(v.as_bytes(), &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        let u = Url::parse("https://STS.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15").unwrap();
        assert_eq!((u.scheme.as_str(), u.authority.as_str(), u.path.as_str()), ("https", "sts.amazonaws.com", "/"));
        assert_eq!(u.query, "Action=GetCallerIdentity&Version=2011-06-15");
        let u = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!((u.host(), u.path.as_str(), u.query.as_str()), ("127.0.0.1", "/", ""));
        assert_eq!(Url::parse("http://[::1]:80/x").unwrap().host(), "::1");
        assert!(Url::parse("ftp://x").is_err());
        assert!(Url::parse("https://").is_err());
        assert!(Url::parse("https://a b/").is_err());
        assert!(Url::parse("https://user:pw@host/").is_err());
    }

    #[test]
    fn debug_hides_headers_and_body() {
        let r = HttpRequest::new("POST", "https://x/")
            .unwrap()
            .with_header("Authorization", "Bearer SECRET")
            .with_body(b"pw=SECRET".to_vec());
        let shown = format!("{r:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(form_urlencode(&[("aud", "cgr.dev"), ("a b", "x/y+z")]), "aud=cgr.dev&a%20b=x%2Fy%2Bz");
    }
}
