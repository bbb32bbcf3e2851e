"""EC2 Instance Metadata Service emulator (aws-credentials.md §7).

Serves IMDSv2 (token `PUT`, then `GET`s carrying the token) with credentials
that are real temporary credentials of the test role from the STS emulator,
so that a blob signed with them passes STS's signature check.

Modes (`POST /_control {"mode": ..., "count": N}`; `count` limits the mode to
the next N answers):
  v2          tokens required: a GET without a valid token gets 401 (default)
  v1-allowed  tokens optional, as on instances with HttpTokens=optional
  v1-only     the token PUT is refused (`put_status`, default 405); GETs
              without a token work (an IMDS that predates IMDSv2)
  drop-put    the token PUT is never answered: the connection is held until
              the client gives up (the hop-limit symptom); GETs without a
              token work, as they do on such instances
  slow        every answer is delayed by `delay_ms` (default 1500)
  error500    every answer is a 500
  bad-json    the credentials document is malformed JSON
  no-role     404 on the role list (no instance profile)
`v1_allowed` (true/false) overrides whether token-less GETs are served.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from datetime import datetime, timedelta, timezone

from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Request, Response

from .base import ConfigurableEmulator
from .creds import RotatingSettings, credential_fields, iso8601
from .httpserver import hold_until_client_gives_up

TOKEN_PATH = "/latest/api/token"
TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN_HEADER = "X-aws-ec2-metadata-token"
CREDENTIALS_PATH = "/latest/meta-data/iam/security-credentials"

MODES = frozenset({"v2", "v1-allowed", "v1-only", "drop-put", "slow", "error500", "bad-json", "no-role"})
TOKENLESS_BY_DEFAULT = frozenset({"v1-allowed", "v1-only", "drop-put"})
OPTIONS = {
    "delay_ms": 1500,  # `slow`
    "v1_allowed": None,  # None: as the mode implies
    "put_status": 405,  # `v1-only`
    "hold_max_s": 60,  # `drop-put`: give up holding after this long
    "expiration": None,  # override the Expiration served
}


def text(body: str, status: int = 200, headers: dict | None = None) -> Response:
    # IMDS answers text/plain for everything, the credentials JSON included.
    return Response(body, status=status, headers=headers, mimetype="text/plain")


class ImdsEmulator(RotatingSettings, ConfigurableEmulator):
    def __init__(self, credentials, role_name: str, region: str = "us-east-1",
                 instance_id: str = "i-0123456789abcdef0") -> None:
        """`credentials` has `get()` and `rotate()` returning AWS temporary
        credentials (AccessKeyId, SecretAccessKey, SessionToken, Expiration)."""
        super().__init__("v2", MODES, OPTIONS)
        self.credentials = credentials
        self.role_name = role_name
        self.region = region
        self.instance_id = instance_id
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}  # token -> monotonic expiry

    # serving -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        mode = self.mode.take()
        entry = self.log.record(request, mode=mode)
        if mode == "slow":
            self.server.stopping.wait(self.options["delay_ms"] / 1000)
        if request.path == TOKEN_PATH:
            response = self._token(request, mode, entry)
        elif mode == "error500":
            response = text("Internal Server Error", 500)
        else:
            response = self._metadata(request, mode, entry)
        entry["status"] = response.status_code
        return response

    def _token(self, request: Request, mode: str, entry: dict) -> Response:
        if request.method != "PUT":
            return text("Method Not Allowed", 405)
        if mode == "drop-put":
            entry["held_s"] = round(
                hold_until_client_gives_up(request.environ, self.server.stopping, self.options["hold_max_s"]), 3
            )
            return text("", 504)  # nobody is listening any more
        if mode == "v1-only":
            status = int(self.options["put_status"])
            return text(HTTP_STATUS_CODES.get(status, "Refused"), status)
        if mode == "error500":
            return text("Internal Server Error", 500)
        if "X-Forwarded-For" in request.headers:
            return text("Forbidden", 403)
        ttl_text = request.headers.get(TTL_HEADER)
        if ttl_text is None or not ttl_text.isdigit() or not 1 <= int(ttl_text) <= 21600:
            return text("Bad Request", 400)
        token = secrets.token_urlsafe(42)
        with self._lock:
            self._tokens[token] = time.monotonic() + int(ttl_text)
        return text(token, headers={TTL_HEADER: ttl_text})

    def _token_status(self, request: Request) -> str:
        token = request.headers.get(TOKEN_HEADER)
        if token is None:
            return "absent"
        with self._lock:
            expiry = self._tokens.get(token)
        if expiry is None:
            return "invalid"
        return "valid" if time.monotonic() < expiry else "expired"

    def _v1_allowed(self, mode: str) -> bool:
        if self.options["v1_allowed"] is not None:
            return bool(self.options["v1_allowed"])
        return mode in TOKENLESS_BY_DEFAULT

    def _metadata(self, request: Request, mode: str, entry: dict) -> Response:
        if request.method not in ("GET", "HEAD"):
            return text("Method Not Allowed", 405)
        token = entry["token"] = self._token_status(request)
        if token in ("invalid", "expired") or (token == "absent" and not self._v1_allowed(mode)):
            return text("Unauthorized", 401)
        path = request.path
        if path in (CREDENTIALS_PATH, CREDENTIALS_PATH + "/"):
            return text("Not Found", 404) if mode == "no-role" else text(self.role_name)
        if path == f"{CREDENTIALS_PATH}/{self.role_name}" and mode != "no-role":
            return self._credentials(mode)
        static = {
            "/latest/meta-data/placement/region": self.region,
            "/latest/meta-data/placement/availability-zone": self.region + "a",
            "/latest/meta-data/instance-id": self.instance_id,
        }
        return text(static[path]) if path in static else text("Not Found", 404)

    def _credentials(self, mode: str) -> Response:
        body = json.dumps({
            "Code": "Success",
            "LastUpdated": iso8601(datetime.now(timezone.utc) - timedelta(minutes=1)),
            "Type": "AWS-HMAC",
            **credential_fields(self.credentials.get(), self.options["expiration"]),
        })
        if mode == "bad-json":
            body = body[: len(body) // 2]  # cut mid-document
        return text(body)
