"""The core's STS attempt policy as the Python driver runs it (`_driver.run_sts`):
a signature STS refuses for a skewed clock is signed once more with STS's time
(the STS emulator's `clock_skew_s` moves its clock and its `Date` header), and
transient STS errors are retried, three attempts in all (a local stub answers
503 for a number of requests, then a GetCallerIdentity answer)."""

from __future__ import annotations

import http.server
import logging
import threading

import pytest

import cgaws
from conftest import jwt_part

SKEW = 3600  # far past the emulator's 15-minute signature window


def test_whoami_signs_again_with_the_sts_clock(user_env, caplog):
    user_env.control(user_env["sts_url"], body={"clock_skew_s": SKEW})
    with caplog.at_level(logging.DEBUG, logger="cgaws"):
        me = cgaws.whoami()
    assert me.arn == user_env["user_arn"]
    assert user_env.sts_actions() == ["GetCallerIdentity", "GetCallerIdentity"]
    assert "signing again with the server's time" in caplog.text


def test_web_identity_token_signs_again_with_the_sts_clock(user_env):
    user_env.control(user_env["sts_url"], body={"clock_skew_s": -SKEW})
    token = cgaws.generate_token(None, method="oidc")
    assert jwt_part(token, 1)["sub"] == user_env["user_arn"]
    assert user_env.sts_actions() == ["GetWebIdentityToken", "GetWebIdentityToken"]


CALLER = (
    b"<GetCallerIdentityResponse><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/stub</Arn>"
    b"<UserId>AIDASTUB</UserId><Account>111122223333</Account></GetCallerIdentityResult>"
    b"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>"
)
UNAVAILABLE = (
    b"<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
    b"<Message>try later</Message></Error><RequestId>r</RequestId></ErrorResponse>"
)


@pytest.fixture
def flaky_sts(monkeypatch, user_env):
    """An STS stand-in that answers 503 to the first `failures` requests, then
    a GetCallerIdentity answer; `requests` counts what it got."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            stub.requests += 1
            status, body = (503, UNAVAILABLE) if stub.requests <= stub.failures else (200, CALLER)
            self.send_response(status)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    stub = server
    stub.requests, stub.failures = 0, 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://127.0.0.1:{server.server_address[1]}")
    yield stub
    server.shutdown()
    server.server_close()


def test_transient_errors_are_retried(flaky_sts, caplog):
    flaky_sts.failures = 2
    with caplog.at_level(logging.DEBUG, logger="cgaws"):
        me = cgaws.whoami()
    assert (me.account, me.arn) == ("111122223333", "arn:aws:iam::111122223333:user/stub")
    assert flaky_sts.requests == 3
    assert caplog.text.count("ServiceUnavailable (HTTP 503): try later; retrying") == 2


def test_transient_errors_give_up_after_three_attempts(flaky_sts):
    flaky_sts.failures = 10
    with pytest.raises(cgaws.StsError) as info:
        cgaws.whoami()
    assert flaky_sts.requests == 3
    assert info.value.status == 503 and info.value.code == "ServiceUnavailable"
    assert str(info.value).startswith("GetCallerIdentity failed: STS ServiceUnavailable (HTTP 503)")
