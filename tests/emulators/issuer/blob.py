"""The relying-party checks on an AWS "token blob", PROTOCOL.md §3 checks 1-7
(8, the STS call, is in `sts_client`; 9, the rule, in `rules`).

Each failure is an `ExchangeError` with its own message, in the documented
order, so that a test can tell exactly which check a client's blob failed.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Callable

from .errors import INVALID_ARGUMENT, UNAUTHENTICATED, ExchangeError

# Go's base64.URLEncoding: URL-safe alphabet, `=` padding required.
_BASE64URL_PADDED = re.compile(r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2}==|[A-Za-z0-9_-]{3}=)?$")
_TOKEN_CHARS = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")  # RFC 9110 token
_HTTP_VERSION = re.compile(r"^HTTP/\d\.\d$")
_AMZ_DATE = re.compile(r"^\d{8}T\d{6}Z$")

BINDING_HEADERS = ("host", "x-amz-date", "chainguard-audience", "chainguard-identity")
SINGLE_HEADERS = ("Authorization", "X-Amz-Date", "Chainguard-Audience", "Chainguard-Identity")


@dataclass
class SignedRequest:
    """One HTTP/1.1 request as serialized in a blob."""

    method: str
    target: str
    proto: str
    headers: list[tuple[str, str]] = field(default_factory=list)  # in order, Host excluded
    host: str | None = None
    body: bytes = b""

    def values(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def get(self, name: str) -> str | None:
        values = self.values(name)
        return values[0] if values else None

    def summary(self) -> dict:
        """What a request log may show: no signature, no session token."""
        return {
            "method": self.method,
            "target": self.target,
            "host": self.host,
            "header_names": [k for k, _ in self.headers],
            "signed_headers": _signed_headers_list(self.get("Authorization") or ""),
            "x_amz_date": self.get("X-Amz-Date"),
            "audience": self.get("Chainguard-Audience"),
            "identity": self.get("Chainguard-Identity"),
        }


def _invalid_encoding(detail: str) -> ExchangeError:
    return ExchangeError(INVALID_ARGUMENT, f"invalid token encoding: {detail}")


def decode(token: str) -> SignedRequest:
    """Check 1: base64url with padding, holding one HTTP/1.x request."""
    if not token or not _BASE64URL_PADDED.match(token):
        raise _invalid_encoding("not padded base64url")
    try:
        raw = base64.urlsafe_b64decode(token)
    except (binascii.Error, ValueError) as e:
        raise _invalid_encoding(str(e)) from e
    return parse_request(raw)


def parse_request(raw: bytes) -> SignedRequest:
    """Parse like Go's http.ReadRequest: CRLF (or bare LF) lines, a request
    line, `Name: value` headers, an empty line, then Content-Length bytes."""
    lines = raw.split(b"\n")
    text_lines = []
    for i, line in enumerate(lines):
        line = line[:-1] if line.endswith(b"\r") else line
        if line == b"":
            body_start = sum(len(l) + 1 for l in lines[: i + 1])
            break
        text_lines.append(line.decode("latin-1"))
    else:
        raise _invalid_encoding("request has no end of headers")
    if not text_lines:
        raise _invalid_encoding("empty request")

    parts = text_lines[0].split(" ")
    if len(parts) != 3 or not _TOKEN_CHARS.match(parts[0]) or not parts[1] or not _HTTP_VERSION.match(parts[2]):
        raise _invalid_encoding(f"malformed request line {text_lines[0]!r}")
    request = SignedRequest(method=parts[0], target=parts[1], proto=parts[2])

    hosts = []
    for line in text_lines[1:]:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN_CHARS.match(name):
            raise _invalid_encoding(f"malformed header line {line!r}")
        value = value.strip(" \t")
        if name.lower() == "host":
            hosts.append(value)
        else:
            request.headers.append((name, value))
    if len(hosts) > 1:
        raise _invalid_encoding("too many Host headers")
    request.host = hosts[0] if hosts else None

    length_text = request.get("Content-Length") or "0"
    if not length_text.isdigit():
        raise _invalid_encoding("bad Content-Length")
    body = raw[body_start : body_start + int(length_text)]
    if len(body) != int(length_text):
        raise _invalid_encoding("body shorter than Content-Length")
    request.body = body
    return request


def _signed_headers_list(authorization: str) -> list[str] | None:
    """The SignedHeaders= names of a SigV4 Authorization header; None when
    the header is absent or does not have exactly one SignedHeaders= part."""
    _, _, params = authorization.partition(" ")
    found = [p.strip()[len("SignedHeaders="):] for p in params.split(",") if p.strip().startswith("SignedHeaders=")]
    if len(found) != 1:
        return None
    return found[0].split(";")


def canonical_value(value: str) -> str:
    """SigV4 header value canonicalization: runs of spaces collapsed, trimmed."""
    return re.sub(" +", " ", value).strip()


def check(request: SignedRequest, *, audiences: list[str], identity: str,
          host_allowed: Callable[[str], bool], now: datetime,
          max_future: timedelta, max_age: timedelta) -> None:
    """Checks 2-7 of PROTOCOL.md §3, in order."""
    for name in SINGLE_HEADERS:  # 2
        count = len(request.values(name))
        if count > 1:
            raise ExchangeError(INVALID_ARGUMENT, f"invalid request: {name} appears {count} times")
    if request.method != "POST":  # 3
        raise ExchangeError(INVALID_ARGUMENT, f"invalid request: method {request.method}, want POST")
    if request.host is None or not host_allowed(request.host):  # 4
        raise ExchangeError(INVALID_ARGUMENT, f"invalid request: host {request.host!r} is not an accepted STS host")

    signed = _signed_headers_list(request.get("Authorization") or "")  # 5
    if signed is None:
        raise ExchangeError(UNAUTHENTICATED, "binding headers not signed: no single SignedHeaders= in Authorization")
    missing = [h for h in BINDING_HEADERS if h not in signed]
    if missing:
        raise ExchangeError(UNAUTHENTICATED, f"binding headers not signed: {', '.join(missing)}")

    if canonical_value(request.get("Chainguard-Audience") or "") not in audiences:  # 6
        raise ExchangeError(UNAUTHENTICATED, "invalid audience: Chainguard-Audience does not match the issuer")
    if canonical_value(request.get("Chainguard-Identity") or "") != identity:
        raise ExchangeError(UNAUTHENTICATED, "invalid identity: Chainguard-Identity does not match the requested identity")

    date_text = request.get("X-Amz-Date") or ""  # 7
    if not _AMZ_DATE.match(date_text):
        raise ExchangeError(UNAUTHENTICATED, f"expired: X-Amz-Date {date_text!r} is not YYYYMMDDTHHMMSSZ")
    try:
        signed_at = datetime.strptime(date_text, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)
    except ValueError as e:
        raise ExchangeError(UNAUTHENTICATED, f"expired: X-Amz-Date {date_text!r} is not a date") from e
    if signed_at > now + max_future:
        raise ExchangeError(UNAUTHENTICATED, "future-dated: X-Amz-Date is too far in the future")
    if signed_at < now - max_age:
        raise ExchangeError(UNAUTHENTICATED, f"expired: X-Amz-Date is older than {max_age}")
