"""The I/O driver: runs the core's sans-I/O flows with the standard library.

The core (``cgaws._core``) decides everything: which file to read, which request
to send, when to retry, what an answer means. This module only moves bytes:

- HTTP with ``urllib.request`` (so ``HTTP(S)_PROXY``/``NO_PROXY`` and the system
  trust store apply), redirects never followed, answers read up to a bound;
- whole-file reads;
- ``subprocess`` without a shell for ``credential_process``;
- ``time.sleep`` for back-offs.

It is imported on first use, so ``import cgaws`` stays cheap.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from typing import List, Optional, Tuple

from . import _core
from ._errors import TransportError

log = logging.getLogger("cgaws")

#: Largest answer read from any HTTP endpoint the chain talks to.
MAX_HTTP_BYTES = 1024 * 1024
#: Largest file the chain may ask for (config files, web identity tokens).
MAX_FILE_BYTES = 16 * 1024 * 1024
#: Cached credentials are refreshed this long before they expire.
REFRESH_MARGIN_SECS = 5 * 60


class _Transport(Exception):
    """No HTTP answer; ``kind`` is ``connect``, ``timeout`` or ``other``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer like any other: the core decides what it means."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401
        return None


_openers: dict = {}


def _opener(direct: bool) -> urllib.request.OpenerDirector:
    opener = _openers.get(direct)
    if opener is None:
        handlers: list = [_NoRedirect()]
        if direct:
            handlers.append(urllib.request.ProxyHandler({}))
        opener = urllib.request.build_opener(*handlers)
        _openers[direct] = opener
    return opener


_EC2_V6 = ipaddress.ip_network("fd00:ec2::/32")


def _is_metadata_host(host: Optional[str]) -> bool:
    """Link-local metadata endpoints (IMDS, ECS) are never reached through a proxy."""
    if not host:
        return False
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_link_local or (ip.version == 6 and ip in _EC2_V6)


def http(
    method: str, url: str, headers: List[Tuple[str, str]], body: bytes, timeout: float, limit: int
) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """Sends one request and returns ``(status, headers, body)`` for any status.
    Raises ``_Transport`` when there is no answer. At most ``limit + 1`` bytes of
    the body are read, so the caller can tell an oversized answer."""
    host = urllib.parse.urlsplit(url).hostname
    data = body if (body or method in ("POST", "PUT", "PATCH")) else None
    request = urllib.request.Request(url, data=data, method=method)
    for name, value in headers:
        request.add_header(name, value)
    try:
        response = _opener(_is_metadata_host(host)).open(request, timeout=timeout)
    except urllib.error.HTTPError as e:  # any non-2xx status, 3xx included
        response = e
    except urllib.error.URLError as e:
        # Raised while connecting or sending (refused, DNS, connect timeout), and
        # for TLS handshake failures, which are not "could not connect".
        reason = e.reason
        import ssl

        if isinstance(reason, ssl.SSLError):
            raise _Transport("other", f"TLS error: {reason}") from None
        raise _Transport("connect", str(reason)) from None
    except (TimeoutError, socket.timeout):
        raise _Transport("timeout", "timed out waiting for the answer") from None
    except Exception as e:  # connection reset, malformed status line, ...
        raise _Transport("other", f"{type(e).__name__}: {e}") from None
    try:
        status = getattr(response, "status", None) or response.code
        answer_headers = list(response.headers.items()) if response.headers is not None else []
        data = response.read(limit + 1)
    except (TimeoutError, socket.timeout):
        raise _Transport("timeout", "timed out reading the answer") from None
    except Exception as e:
        raise _Transport("other", f"{type(e).__name__}: {e}") from None
    finally:
        try:
            response.close()
        except Exception:
            pass
    return int(status), answer_headers, data or b""


def _read_file(path: str) -> Optional[bytes]:
    """The whole file, or None if it does not exist. Other failures raise OSError."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return None
    except NotADirectoryError:
        return None  # a parent is a file: the path does not exist
    if len(data) > MAX_FILE_BYTES:
        raise OSError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
    return data


def _run_process(chain, argv: List[str]) -> None:
    import subprocess

    try:
        done = subprocess.run(argv, capture_output=True, shell=False, check=False)
    except (OSError, ValueError) as e:
        chain.feed_process_error(f"could not run {argv[0] if argv else '(nothing)'}: {e}")
        return
    code = done.returncode if done.returncode >= 0 else None  # negative: killed by a signal
    chain.feed_process(code, done.stdout, done.stderr)


def run_chain(chain) -> Tuple[_core.Credentials, list]:
    """Drives a ``_core.CredentialChain`` to its end."""
    while True:
        action = chain.next_action()  # raises NoCredentialsError at the end
        kind = action[0]
        if kind == "done":
            return action[1], action[2]
        if kind == "read_file":
            try:
                chain.feed_file(_read_file(action[1]))
            except OSError as e:
                chain.feed_file_error(e.strerror or str(e))
        elif kind == "http":
            method, url, headers, body, timeout_ms = action[1]
            try:
                status, answer_headers, data = http(
                    method, url, headers, body, max(timeout_ms, 1) / 1000.0, MAX_HTTP_BYTES
                )
            except _Transport as e:
                chain.feed_transport_error(e.kind, e.message)
                continue
            if len(data) > MAX_HTTP_BYTES:
                chain.feed_transport_error("other", f"answer larger than {MAX_HTTP_BYTES} bytes")
            else:
                chain.feed_http(status, answer_headers, data)
        elif kind == "run_process":
            _run_process(chain, action[1])
        elif kind == "sleep":
            time.sleep(action[1] / 1000.0)
            chain.feed_slept()
        else:  # pragma: no cover - a core newer than this driver
            chain.feed_file_error(f"cgaws driver: unknown action {kind!r}")


_HOME_VARS = ("HOME", "USERPROFILE", "HOMEDRIVE", "HOMEPATH")
_cache: dict = {}
_cache_lock = threading.Lock()


def clear_cache() -> None:
    """Forgets credentials kept from earlier default-chain runs."""
    with _cache_lock:
        _cache.clear()


def default_credentials(profile: Optional[str] = None, region: Optional[str] = None) -> _core.Credentials:
    """The AWS default chain. Credentials with an expiry (roles, IMDS, containers)
    are reused until 5 minutes before it, for the same AWS environment."""
    env = dict(os.environ)
    key = (
        profile,
        region,
        tuple(sorted((k, v) for k, v in env.items() if k.startswith("AWS_") or k in _HOME_VARS)),
    )
    now = time.time()
    with _cache_lock:
        kept = _cache.get(key)
    if kept is not None and kept[1] - REFRESH_MARGIN_SECS > now:
        return kept[0]
    chain = _core.CredentialChain(
        env,
        int(now),
        profile=profile,
        region=region,
        jitter_seed=random.getrandbits(32),
        previous=kept[0] if kept is not None else None,
    )
    credentials, warnings = run_chain(chain)
    for warning in warnings:
        log.warning("%s", warning)
    expiry = credentials.expiry
    if expiry is not None:
        with _cache_lock:
            _cache[key] = (credentials, expiry.timestamp())
    return credentials


def run_exchange(exchange, timeout: float):
    """Drives a ``_core.Exchange``: ``(token, expiry datetime or None, refresh_token)``."""
    while True:
        method, url, headers, body, limit = exchange.request()
        try:
            status, answer_headers, data = http(method, url, headers, body, timeout, limit)
        except _Transport as e:
            raise TransportError(f"no answer from the issuer at {url}: {e.message}", url=url) from None
        step = exchange.on_response(status, answer_headers, data, random.random())  # raises ExchangeError
        if step[0] == "done":
            _, token, expiry, refresh = step
            when = datetime.fromtimestamp(expiry, timezone.utc) if expiry is not None else None
            return token, when, refresh
        time.sleep(step[1] / 1000.0)


def _aws_files(env: dict) -> Tuple[Optional[bytes], Optional[bytes]]:
    """The shared AWS ``config`` and ``credentials`` files (None when absent or unreadable)."""
    files = []
    for path in _core.config_paths(env):
        try:
            files.append(_read_file(path) if path else None)
        except OSError:
            files.append(None)
    return files[0], files[1]


def _sts_call(request: tuple, timeout: float) -> Tuple[int, List[Tuple[str, str]], bytes]:
    """Sends a request the core built for STS; its answer, cut to the bound."""
    method, url, headers, body, _ = request
    try:
        status, answer_headers, data = http(method, url, headers, body, timeout, MAX_HTTP_BYTES)
    except _Transport as e:
        raise TransportError(f"no answer from STS at {url}: {e.message}", url=url) from None
    return status, answer_headers, data[:MAX_HTTP_BYTES]


def run_sts(call, timeout: float):
    """Drives a ``_core.StsCall`` (the core decides on retries and on signing
    again with STS's clock): its answer. Raises ``StsError``."""
    while True:
        answer = _sts_call(call.request(int(time.time())), timeout)
        step = call.on_response(*answer, int(time.time()), random.random())
        if step[0] == "done":
            return step[1]
        log.debug("sts: %s", step[2])
        time.sleep(step[1] / 1000.0)


def run_whoami(credentials: _core.Credentials, timeout: float):
    """STS GetCallerIdentity with ``credentials``, sent where the AWS
    configuration points."""
    from . import CallerIdentity

    env = dict(os.environ)
    call = _core.caller_identity_call(env, *_aws_files(env), credentials)
    return CallerIdentity(*run_sts(call, timeout))


def run_web_identity_token(credentials: _core.Credentials, params, timeout: float) -> str:
    """STS GetWebIdentityToken with ``credentials`` and the checked ``params``
    (``_core.WebIdentityTokenParams``), sent where the AWS configuration points
    (or to the params' region's STS): the JWT."""
    env = dict(os.environ)
    call = _core.web_identity_token_call(env, *_aws_files(env), credentials, params)
    token, _expiration = run_sts(call, timeout)
    return token


def sts_endpoint_override(env: Optional[dict] = None) -> Optional[str]:
    """Where STS calls go when configured: ``AWS_ENDPOINT_URL_STS``, then
    ``AWS_ENDPOINT_URL``, unless ``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` is true."""
    env = os.environ if env is None else env
    if env.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").strip().lower() == "true":
        return None
    return env.get("AWS_ENDPOINT_URL_STS") or env.get("AWS_ENDPOINT_URL") or None


def run_verify(verification, endpoint: Optional[str], timeout: float) -> dict:
    """Forwards a prechecked token to STS and finishes the verification."""
    from . import CallerIdentity
    from ._errors import VerifyError

    answer = _sts_call(verification.request(endpoint or sts_endpoint_override()), timeout)
    try:
        result = verification.finish(*answer)
    except VerifyError as e:
        if isinstance(e.caller, (list, tuple)) and len(e.caller) == 3:
            e.caller = CallerIdentity(*e.caller)
        raise
    result["caller"] = CallerIdentity(*result["caller"])
    return result
