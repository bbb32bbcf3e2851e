"""Test-side AWS client helpers, independent of cgaws: SigV4-sign arbitrary
requests with botocore, and build "token blobs" (PROTOCOL.md §2).

`make_blob(mutate=...)` lets a test break one thing after signing (a header
value, the request line...) to prove that a verifier notices.
"""

from __future__ import annotations

import base64
from datetime import datetime, timezone
from typing import Callable, NamedTuple
from unittest import mock

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

GET_CALLER_IDENTITY = "/?Action=GetCallerIdentity&Version=2011-06-15"

Lines = list[str]


class Creds(NamedTuple):
    access_key_id: str
    secret: str
    session_token: str | None = None

    @classmethod
    def from_aws(cls, creds: dict) -> "Creds":
        """From STS (`SessionToken`) or IMDS/container (`Token`) credentials."""
        return cls(creds["AccessKeyId"], creds["SecretAccessKey"], creds.get("SessionToken") or creds.get("Token"))


def sign(creds: Creds, method: str, url: str, *, headers: dict[str, str] | None = None, body: bytes = b"",
         region: str = "us-east-1", when: datetime | None = None) -> dict[str, str]:
    """SigV4-sign (service `sts`) and return the headers to send, Host excluded
    (it is signed as the URL's host)."""
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    signer = SigV4Auth(Credentials(*creds), "sts", region)
    # botocore signs "now"; pin its clock to sign as of `when`.
    now = (when or datetime.now(timezone.utc)).astimezone(timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=now):
        signer.add_auth(request)
    return dict(request.headers.items())


def serialize(headers: dict[str, str], *, sts_host: str = "sts.amazonaws.com", method: str = "POST",
              target: str = GET_CALLER_IDENTITY) -> Lines:
    """HTTP/1.1 wire lines in the Go SDK's order: request line, Host,
    User-Agent, Content-Length, then the other headers sorted by name."""
    lines = [f"{method} {target} HTTP/1.1", f"Host: {sts_host}", "User-Agent: cgaws-emulator-tests",
             "Content-Length: 0"]
    lines += [f"{name}: {value}" for name, value in sorted(headers.items())]
    return lines


def encode(lines: Lines) -> str:
    """CRLF-joined, with the empty line ending the headers, base64url padded."""
    return base64.urlsafe_b64encode(("\r\n".join(lines) + "\r\n\r\n").encode()).decode()


def blob_headers(creds: Creds, *, audience: str, identity: str, sts_host: str = "sts.amazonaws.com",
                 region: str = "us-east-1", when: datetime | None = None,
                 accept: str | None = "application/json") -> dict[str, str]:
    """The signed headers of the blob's GetCallerIdentity request."""
    headers = {"Chainguard-Audience": audience, "Chainguard-Identity": identity}
    if accept is not None:
        headers["Accept"] = accept
    return sign(creds, "POST", f"https://{sts_host}{GET_CALLER_IDENTITY}", headers=headers, region=region, when=when)


def make_blob(creds: Creds, *, audience: str, identity: str, sts_host: str = "sts.amazonaws.com",
              region: str = "us-east-1", when: datetime | None = None, accept: str | None = "application/json",
              mutate: Callable[[Lines], Lines] | None = None) -> str:
    headers = blob_headers(creds, audience=audience, identity=identity, sts_host=sts_host, region=region,
                           when=when, accept=accept)
    lines = serialize(headers, sts_host=sts_host)
    return encode(mutate(lines) if mutate else lines)


def replace_header(name: str, value: str) -> Callable[[Lines], Lines]:
    """A `mutate` that sets header `name` to `value` (after signing)."""
    prefix = name.lower() + ":"
    return lambda lines: [f"{name}: {value}" if line.lower().startswith(prefix) else line for line in lines]


def flip_signature_digit(value: str) -> str:
    """An Authorization value whose Signature= has one hex digit changed."""
    head, sig = value.rsplit("Signature=", 1)
    flipped = ("0" if sig[-1] != "0" else "1")
    return f"{head}Signature={sig[:-1]}{flipped}"
