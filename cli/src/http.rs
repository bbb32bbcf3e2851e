//! The HTTP driver: sends a core `HttpRequest` with `ureq` and hands back an
//! `HttpResponse`.
//!
//! - Never follows redirects: a 3xx is returned to the core like any answer.
//! - Every non-2xx status is an answer, not an error.
//! - Reads at most `MAX_RESPONSE_BYTES + 1` bytes of a body, so the core can
//!   tell an oversized answer from a complete one.
//! - One timeout bounds the whole exchange (connect, send, answer, body).
//! - Proxies come from the environment (`HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY`,
//!   `NO_PROXY`), except for link-local and loopback hosts (IMDS, the container
//!   endpoint), which are always reached directly.
//! - TLS by rustls with Mozilla's roots compiled in; `SSL_CERT_FILE` (a PEM
//!   bundle) replaces them.
//! - `CGAWS_CONNECT_TO=HOST:PORT=HOST2:PORT2[,...]` (like curl's `--connect-to`)
//!   connects to the second address for requests to the first, keeping the URL's
//!   `Host`: for debugging, and for tests that stand in for fixed link-local
//!   endpoints (the ECS agent's `169.254.170.2`).

use cgaws_core::exchange::MAX_RESPONSE_BYTES;
use cgaws_core::provider::TransportError;
use cgaws_core::{HttpRequest, HttpResponse};
use std::io::Read;
use std::net::IpAddr;
use std::sync::OnceLock;
use std::time::Duration;

use crate::log::Timer;
use crate::vlog;

/// The trusted roots: Mozilla's (compiled in, so a static binary needs nothing
/// from the host), or, when `SSL_CERT_FILE` names a PEM bundle, exactly those
/// certificates (as OpenSSL does; for TLS-intercepting proxies and private CAs).
fn root_certs() -> Result<ureq::tls::RootCerts, String> {
    let Some(path) = std::env::var_os("SSL_CERT_FILE").filter(|p| !p.is_empty()) else {
        return Ok(ureq::tls::RootCerts::WebPki);
    };
    let shown = std::path::Path::new(&path).display().to_string();
    let pem = std::fs::read(&path).map_err(|e| format!("SSL_CERT_FILE {shown}: {e}"))?;
    let certs: Vec<_> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(format!("SSL_CERT_FILE {shown} holds no PEM certificate"));
    }
    vlog!("http: trusting the {} certificate(s) of SSL_CERT_FILE {shown}", certs.len());
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

fn agent(direct: bool) -> Result<&'static ureq::Agent, TransportError> {
    static ROOTS: OnceLock<Result<ureq::tls::RootCerts, String>> = OnceLock::new();
    static DIRECT: OnceLock<ureq::Agent> = OnceLock::new();
    static PROXIED: OnceLock<ureq::Agent> = OnceLock::new();
    let roots = ROOTS.get_or_init(root_certs).clone().map_err(TransportError::Other)?;
    let cell = if direct { &DIRECT } else { &PROXIED };
    Ok(cell.get_or_init(|| {
        let proxy = if direct { None } else { ureq::Proxy::try_from_env() };
        ureq::Agent::config_builder()
            .max_redirects(0)
            .http_status_as_error(false)
            .proxy(proxy)
            .tls_config(ureq::tls::TlsConfig::builder().root_certs(roots).build())
            .user_agent(format!("cgaws/{}", cgaws_core::VERSION))
            .max_idle_connections(4)
            .build()
            .new_agent()
    }))
}

/// Hosts that must never go through a proxy: IMDS (`169.254.169.254`,
/// `fd00:ec2::254`), the EKS Pod Identity agent (`169.254.170.23`), the ECS
/// endpoint (`169.254.170.2`), and loopback.
pub fn is_direct_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback() || v4.is_link_local(),
        Ok(IpAddr::V6(v6)) => {
            let s = v6.segments();
            v6.is_loopback() || (s[0] & 0xffc0) == 0xfe80 || (s[0] == 0xfd00 && s[1] == 0x0ec2)
        }
        Err(_) => false,
    }
}

/// Sends `request` and waits at most `timeout` for the whole answer.
pub fn send(request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, TransportError> {
    let timer = Timer::start();
    let result = send_inner(request, timeout);
    match &result {
        Ok(r) => vlog!(
            "http: {} {}://{}{} -> {} ({} bytes) in {timer}",
            request.method,
            request.scheme,
            request.authority,
            request.path,
            r.status,
            r.body.len()
        ),
        Err(e) => vlog!(
            "http: {} {}://{}{} -> failed: {e} after {timer}",
            request.method,
            request.scheme,
            request.authority,
            request.path
        ),
    }
    result
}

/// The authority to connect to instead of `authority`, from `CGAWS_CONNECT_TO`.
fn connect_to(spec: &str, scheme: &str, authority: &str) -> Option<String> {
    let default_port = if scheme == "https" { "443" } else { "80" };
    let with_port = if authority
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !authority.ends_with(']'))
    {
        authority.to_string()
    } else {
        format!("{authority}:{default_port}")
    };
    spec.split(',')
        .filter_map(|rule| rule.trim().split_once('='))
        .find(|(from, _)| *from == with_port)
        .map(|(_, to)| to.to_string())
}

fn send_inner(request: &HttpRequest, timeout: Duration) -> Result<HttpResponse, TransportError> {
    let direct = is_direct_host(request.host());
    let agent = agent(direct)?;
    let redirected =
        std::env::var("CGAWS_CONNECT_TO").ok().and_then(|spec| connect_to(&spec, &request.scheme, &request.authority));
    let uri = match &redirected {
        Some(to) => format!("{}://{to}{}", request.scheme, request.target()),
        None => request.url(),
    };
    let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(uri);
    if redirected.is_some() {
        builder = builder.header("Host", request.authority.as_str());
    }
    for (name, value) in &request.headers {
        // ureq writes Host from the URI (the same authority) and Content-Length from the body.
        if name.eq_ignore_ascii_case("host") || name.eq_ignore_ascii_case("content-length") {
            continue;
        }
        builder = builder.header(name.as_str(), value.as_str());
    }
    let http_request =
        builder.body(request.body.clone()).map_err(|e| TransportError::Other(format!("invalid request: {e}")))?;
    let http_request =
        agent.configure_request(http_request).timeout_global(Some(timeout)).timeout_connect(Some(timeout)).build();
    let response = agent.run(http_request).map_err(transport_error)?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let mut body = Vec::new();
    let reader = response.into_body().into_reader();
    reader
        .take(MAX_RESPONSE_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .map_err(|e| io_transport_error(&e, "reading the answer"))?;
    Ok(HttpResponse { status, headers, body })
}

fn transport_error(e: ureq::Error) -> TransportError {
    use ureq::Error;
    match e {
        Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
            TransportError::ConnectFailed("connect timed out".into())
        }
        Error::Timeout(_) => TransportError::Timeout,
        Error::HostNotFound => TransportError::ConnectFailed("host not found".into()),
        Error::ConnectionFailed => TransportError::ConnectFailed("connection failed".into()),
        Error::Io(io) => io_transport_error(&io, "connecting"),
        other => TransportError::Other(other.to_string()),
    }
}

fn io_transport_error(e: &std::io::Error, during: &str) -> TransportError {
    use std::io::ErrorKind::*;
    // ureq reports its own timeouts through io errors while reading a body.
    if let Some(ureq::Error::Timeout(_)) = e.get_ref().and_then(|i| i.downcast_ref::<ureq::Error>()) {
        return TransportError::Timeout;
    }
    match e.kind() {
        ConnectionRefused | HostUnreachable | NetworkUnreachable | AddrNotAvailable => {
            TransportError::ConnectFailed(e.to_string())
        }
        TimedOut | WouldBlock => TransportError::Timeout,
        _ => TransportError::Other(format!("{during}: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    #[test]
    fn connect_to_rules() {
        let spec = "169.254.170.2:80=127.0.0.1:9000, example.com:443=127.0.0.1:9443";
        assert_eq!(connect_to(spec, "http", "169.254.170.2").as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(connect_to(spec, "https", "example.com").as_deref(), Some("127.0.0.1:9443"));
        assert_eq!(connect_to(spec, "http", "example.com"), None);
        assert_eq!(connect_to(spec, "http", "169.254.170.2:81"), None);
        assert_eq!(connect_to("", "http", "x"), None);
    }

    #[test]
    fn direct_hosts() {
        for h in ["169.254.169.254", "169.254.170.2", "127.0.0.1", "::1", "fd00:ec2::254", "localhost", "fe80::1"] {
            assert!(is_direct_host(h), "{h}");
        }
        for h in ["sts.amazonaws.com", "10.0.0.1", "issuer.enforce.dev", "fd00::1"] {
            assert!(!is_direct_host(h), "{h}");
        }
    }

    /// A one-shot server that answers `answer` and returns what it received.
    fn serve_once(answer: &'static str) -> (String, std::thread::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                head.push_str(&line);
                if line == "\r\n" || line.is_empty() {
                    break;
                }
            }
            let mut stream = stream;
            stream.write_all(answer.as_bytes()).unwrap();
            head
        });
        (format!("http://{addr}"), handle)
    }

    #[test]
    fn does_not_follow_redirects_and_keeps_host() {
        let (base, handle) =
            serve_once("HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:1/steal\r\nContent-Length: 0\r\n\r\n");
        let request = HttpRequest::new("GET", &format!("{base}/x?a=b"))
            .unwrap()
            .with_header("Host", &base["http://".len()..])
            .with_header("Authorization", "Bearer t");
        let response = send(&request, Duration::from_secs(5)).unwrap();
        assert_eq!(response.status, 302);
        assert_eq!(response.header("location"), Some("http://127.0.0.1:1/steal"));
        let head = handle.join().unwrap();
        assert!(head.starts_with("GET /x?a=b HTTP/1.1\r\n"), "{head}");
        assert_eq!(head.to_ascii_lowercase().matches("\r\nhost:").count(), 1, "{head}");
    }

    #[test]
    fn connect_to_keeps_the_host() {
        let (base, handle) = serve_once("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
        let target = &base["http://".len()..];
        // Only this test sets the variable, and only for a host no other test uses.
        std::env::set_var("CGAWS_CONNECT_TO", format!("169.254.170.2:80={target}"));
        let response = send(&HttpRequest::new("GET", "http://169.254.170.2/v2/creds").unwrap(), Duration::from_secs(5));
        std::env::remove_var("CGAWS_CONNECT_TO");
        assert_eq!(response.unwrap().body, b"ok");
        let head = handle.join().unwrap().to_ascii_lowercase();
        assert!(head.starts_with("get /v2/creds http/1.1\r\n"), "{head}");
        assert_eq!(head.matches("\r\nhost:").count(), 1, "{head}");
        assert!(head.contains("\r\nhost: 169.254.170.2\r\n"), "{head}");
    }

    #[test]
    fn errors_are_answers_and_bodies_are_bounded() {
        let (base, _h) = serve_once("HTTP/1.1 503 Busy\r\nContent-Length: 4\r\n\r\nbusy");
        let response = send(&HttpRequest::new("POST", &base).unwrap(), Duration::from_secs(5)).unwrap();
        assert_eq!((response.status, response.body.as_slice()), (503, &b"busy"[..]));
    }

    #[test]
    fn connect_failure_is_reported_as_such() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let r = send(&HttpRequest::new("GET", &format!("http://{addr}/")).unwrap(), Duration::from_secs(2));
        assert!(matches!(r, Err(TransportError::ConnectFailed(_))), "{r:?}");
    }

    #[test]
    fn read_timeout_is_a_timeout() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let _keep = std::thread::spawn(move || {
            let (_s, _) = listener.accept().unwrap();
            std::thread::sleep(Duration::from_secs(2));
        });
        let r = send(&HttpRequest::new("PUT", &format!("http://{addr}/")).unwrap(), Duration::from_millis(300));
        assert!(matches!(r, Err(TransportError::Timeout)), "{r:?}");
    }
}
