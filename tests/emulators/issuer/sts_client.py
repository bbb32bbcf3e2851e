"""Check 8 of PROTOCOL.md §3: replay the blob's request to STS.

Like the Go SDK, the verifier sends the blob's method and headers (Host
included) to a fixed URL, `/?Action=GetCallerIdentity&Version=2011-06-15`;
here the connection goes to the STS emulator's address, while the `Host`
header stays the blob's (`sts.amazonaws.com`), so STS verifies the signature
over the same canonical request the client signed.
"""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlsplit

from .blob import SignedRequest
from .errors import UNAUTHENTICATED, UNAVAILABLE, ExchangeError

GET_CALLER_IDENTITY = "/?Action=GetCallerIdentity&Version=2011-06-15"
_NOT_FORWARDED = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def get_caller_identity(request: SignedRequest, sts_url: str) -> dict[str, str]:
    """The verified caller: {"Account", "Arn", "UserId"}."""
    url = urlsplit(sts_url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    try:
        conn.putrequest(request.method, GET_CALLER_IDENTITY, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", request.host)
        for name, value in request.headers:
            if name.lower() not in _NOT_FORWARDED:
                conn.putheader(name, value)
        conn.putheader("Content-Length", str(len(request.body)))
        conn.endheaders(request.body)
        response = conn.getresponse()
        status, body = response.status, response.read()
    except OSError as e:
        raise ExchangeError(UNAVAILABLE, f"failed to reach AWS STS endpoint: {e}") from e
    finally:
        conn.close()
    if status != 200:
        raise ExchangeError(UNAUTHENTICATED, f"token rejected by AWS STS endpoint (HTTP {status})")
    try:
        result = json.loads(body)["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
        return {key: str(result[key]) for key in ("Account", "Arn", "UserId")}
    except (ValueError, KeyError, TypeError) as e:
        raise ExchangeError(UNAUTHENTICATED, f"failed to parse json from AWS STS response: {e}") from e
