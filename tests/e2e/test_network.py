"""The HTTP driver as users meet it: proxies from the environment (but never
for metadata endpoints), NO_PROXY, and TLS that refuses an untrusted
certificate cleanly."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading

import pytest

from conftest import issuer_exchanges


def pump(src, dst, close_both: bool = False) -> None:
    """Copies `src` to `dst` until `src` ends or fails, then half-closes `dst`
    (or, with `close_both`, shuts both sockets down both ways)."""
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        ends = [(src, socket.SHUT_RDWR), (dst, socket.SHUT_RDWR)] if close_both else [(dst, socket.SHUT_WR)]
        for sock, how in ends:
            try:
                sock.shutdown(how)
            except OSError:
                pass


class ForwardProxy:
    """An HTTP proxy that tunnels every CONNECT (what ureq uses, for http and
    https alike) to `upstream`, recording the targets asked for."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[dict] = []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_CONNECT(self):  # noqa: N802
                proxy.seen.append({"connect": self.path})
                host, port = proxy.upstream.removeprefix("http://").rsplit(":", 1)
                upstream = socket.create_connection((host, int(port)))
                self.send_response(200, "Connection established")
                self.end_headers()
                client = self.connection
                back = threading.Thread(target=pump, args=(upstream, client), daemon=True)
                back.start()
                pump(client, upstream)
                back.join(10)
                upstream.close()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def proxy(state):
    p = ForwardProxy(state["issuer_url"])
    yield p
    p.close()


ISSUER_NAME = "http://issuer.cgaws-test.invalid"


def test_issuer_through_a_proxy(cli, stack, state, proxy):
    cli.user_keys()
    stack.issuer.configure({"audiences": [state["issuer_url"], ISSUER_NAME]})
    r = cli.run("exchange", "--issuer", ISSUER_NAME, "--no-cache", env={"HTTPS_PROXY": proxy.url, "HTTP_PROXY": proxy.url})
    assert r.code == 0, r.err
    assert proxy.seen == [{"connect": "issuer.cgaws-test.invalid:80"}]
    assert issuer_exchanges(stack)[0]["blob"]["audience"] == ISSUER_NAME


def test_no_proxy_is_honoured(cli, stack, proxy):
    cli.user_keys()
    r = cli.run("exchange", "--issuer", ISSUER_NAME, "--no-cache",
                env={"HTTP_PROXY": proxy.url, "NO_PROXY": "issuer.cgaws-test.invalid"})
    assert r.code == 1
    assert "could not reach the issuer" in r.err
    assert proxy.seen == []


def test_metadata_and_loopback_never_use_the_proxy(cli, stack, state, proxy):
    cli.imds(stack)
    r = cli.run("exchange", "--no-cache", env={"HTTP_PROXY": proxy.url, "HTTPS_PROXY": proxy.url, "ALL_PROXY": proxy.url})
    assert r.code == 0, r.err
    assert proxy.seen == []


def self_signed_tls_server():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(hours=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def test_untrusted_tls_certificate_is_refused_cleanly(cli, stack, tmp_path):
    cert, key = self_signed_tls_server()
    (tmp_path / "cert.pem").write_bytes(cert)
    (tmp_path / "key.pem").write_bytes(key)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    handshakes: list[str] = []

    def serve():
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
            handshakes.append("completed")
        except (ssl.SSLError, OSError) as e:
            handshakes.append(type(e).__name__)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    cli.user_keys()
    r = cli.run("exchange", "--issuer", f"https://127.0.0.1:{port}", "--no-cache")
    thread.join(5)
    listener.close()
    assert r.code == 1, r.err
    assert "could not reach the issuer" in r.err
    assert "certificate" in r.err.lower() or "unknown" in r.err.lower(), r.err
    assert "panicked" not in r.err
    assert handshakes and handshakes[0] != "completed"


class TlsTerminator:
    """Accepts TLS with a self-signed certificate for 127.0.0.1 and relays the
    plain bytes to `upstream` (the issuer emulator)."""

    def __init__(self, upstream: str, tmp_path) -> None:
        cert, key = self_signed_tls_server()
        self.cert_file = tmp_path / "ca.pem"
        self.cert_file.write_bytes(cert)
        (tmp_path / "key.pem").write_bytes(key)
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(self.cert_file, tmp_path / "key.pem")
        host, port = upstream.removeprefix("http://").rsplit(":", 1)
        self.upstream = (host, int(port))
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"https://127.0.0.1:{self.listener.getsockname()[1]}"
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(conn,), daemon=True).start()

    def _relay(self, conn):
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError):
            conn.close()
            return
        self.connections += 1
        upstream = socket.create_connection(self.upstream)
        # Both ways shut when either side ends: SSLSocket.shutdown drops the TLS
        # layer, so a half-close could not keep the other direction going.
        threading.Thread(target=pump, args=(upstream, tls, True), daemon=True).start()
        pump(tls, upstream, True)

    def close(self):
        self.listener.close()


def test_tls_with_a_private_ca_from_ssl_cert_file(cli, stack, tmp_path):
    terminator = TlsTerminator(stack.issuer.issuer_url, tmp_path)
    try:
        cli.user_keys()
        stack.issuer.configure({"audiences": [terminator.url]})
        r = cli.run("exchange", "--issuer", terminator.url, "--no-cache", "-v",
                    env={"SSL_CERT_FILE": str(terminator.cert_file)})
        assert r.code == 0, r.err
        assert "SSL_CERT_FILE" in r.err and terminator.connections == 1
        assert issuer_exchanges(stack)[0]["blob"]["audience"] == terminator.url
        r = cli.run("exchange", "--issuer", terminator.url, "--no-cache", env={"SSL_CERT_FILE": str(tmp_path / "none.pem")})
        assert r.code == 1 and "SSL_CERT_FILE" in r.err and "none.pem" in r.err
    finally:
        terminator.close()
