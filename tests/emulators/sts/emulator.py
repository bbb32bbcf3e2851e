"""The STS emulator: moto's server with signature checking on, corrected
(see `moto_fixes`, `wire`), with `GetWebIdentityToken` added, provisioned
with a test IAM user and a role that user may assume.

moto keeps its state per process, so run one STS emulator per process.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from datetime import datetime, timedelta, timezone
from typing import Any

import boto3
from botocore.config import Config
from moto.moto_server.werkzeug_app import create_backend_app
from werkzeug.serving import WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from ..base import Emulator
from ..httpserver import json_response, open_direct, read_json
from . import moto_fixes, web_identity
from .wire import RawRequestCapture, ResponseShaper, action_of, current_raw_request


class _SkewedDateHandler(WSGIRequestHandler):
    """Answers carry STS's (possibly skewed) time in their `Date` header."""

    def date_time_string(self, timestamp=None):
        return super().date_time_string(moto_fixes.clock.now().timestamp() if timestamp is None else timestamp)


def _policy(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


class StsEmulator(Emulator):
    ACCOUNT_ID = "123456789012"  # moto's default account; moto maps its keys back to it
    REGION = "us-east-1"
    USER_NAME = "cgaws-test-user"
    ROLE_NAME = "cgaws-test-role"
    request_handler = _SkewedDateHandler
    SETTINGS = frozenset({"web_identity_federation", "web_identity_token_allowed", "clock_skew_s"})

    def __init__(self) -> None:
        super().__init__()
        self._moto = RawRequestCapture(self._logged(ResponseShaper(moto_fixes.StsDispatcher(create_backend_app))))
        self.federation: web_identity.WebIdentityFederation | None = None
        self.user_access_key_id = ""
        self.user_secret_access_key = ""

    @property
    def user_arn(self) -> str:
        return f"arn:aws:iam::{self.ACCOUNT_ID}:user/{self.USER_NAME}"

    @property
    def role_arn(self) -> str:
        return f"arn:aws:iam::{self.ACCOUNT_ID}:role/{self.ROLE_NAME}"

    # lifecycle -----------------------------------------------------------
    def start(self) -> "StsEmulator":
        moto_fixes.install()
        super().start()
        self.federation = web_identity.WebIdentityFederation(self.base_url)
        web_identity.install(self.federation)
        self._moto_api("reset", b"")  # a clean moto, whatever ran before in this process
        self._moto_api("reset-auth", b"inf")  # provisioning runs unauthenticated
        self._provision()
        self._moto_api("reset-auth", b"0")  # from now on every request is SigV4-checked
        return self

    def _moto_api(self, name: str, data: bytes) -> None:
        # text/plain: moto reads the raw body, which a form content type would hide.
        req = urllib.request.Request(
            f"{self.base_url}/moto-api/{name}", data=data, method="POST",
            headers={"Content-Type": "text/plain"},
        )
        open_direct(req).close()

    def _provision(self) -> None:
        iam = self.client("iam", "AKIAIOSFODNN7EXAMPLE", "provisioning-runs-unauthenticated")
        iam.create_user(UserName=self.USER_NAME)
        key = iam.create_access_key(UserName=self.USER_NAME)["AccessKey"]
        self.user_access_key_id, self.user_secret_access_key = key["AccessKeyId"], key["SecretAccessKey"]
        allow_sts = _policy({"Effect": "Allow", "Action": "sts:*", "Resource": "*"})
        iam.put_user_policy(UserName=self.USER_NAME, PolicyName="sts", PolicyDocument=allow_sts)
        trust = _policy(
            {"Effect": "Allow", "Principal": {"AWS": self.user_arn}, "Action": "sts:AssumeRole"}
        )
        iam.create_role(RoleName=self.ROLE_NAME, AssumeRolePolicyDocument=trust, MaxSessionDuration=43200)
        iam.put_role_policy(RoleName=self.ROLE_NAME, PolicyName="sts", PolicyDocument=allow_sts)

    # clients ---------------------------------------------------------------
    def client(self, service: str, access_key_id: str, secret: str, session_token: str | None = None):
        """A boto3 client for this emulator (tests and provisioning); it
        ignores proxies named in the environment."""
        return boto3.client(
            service,
            endpoint_url=self.base_url,
            region_name=self.REGION,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret,
            aws_session_token=session_token,
            config=Config(proxies={}),
        )

    def user_client(self, service: str = "sts"):
        return self.client(service, self.user_access_key_id, self.user_secret_access_key)

    def assume_role(self, session_name: str, duration: int = 3600) -> dict[str, Any]:
        """Real temporary credentials for the test role (via a signed AssumeRole)."""
        answer = self.user_client().assume_role(
            RoleArn=self.role_arn, RoleSessionName=session_name, DurationSeconds=duration
        )
        return answer["Credentials"]

    def reset(self) -> None:
        """Federation switches on, clock unskewed, log emptied (IAM state stays)."""
        super().reset()
        self.federation.configure(enabled=True, caller_allowed=True)
        moto_fixes.clock.skew_s = 0.0

    # HTTP ------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == "/_control" or path.startswith("/_control/"):
            return super().wsgi(environ, start_response)
        if path.startswith("/oidc/"):
            document = self.federation.document(path) if self.federation else None
            response = json_response(document) if document else Response("not found", status=404)
            return response(environ, start_response)
        return self._moto(environ, start_response)

    def _logged(self, app):
        """Log each STS/IAM request (credentials redacted) with its status."""

        def logged(environ, start_response):
            raw = current_raw_request()
            entry = self.log.record(Request(environ), action=action_of(environ, raw.body if raw else b""))

            def start(status, headers, exc_info=None):
                entry["status"] = int(status.split()[0])
                return start_response(status, headers, exc_info)

            return app(environ, start)

        return logged

    def control(self, request: Request) -> Response:
        if request.path != "/_control":
            return super().control(request)
        if request.method == "POST":
            body = read_json(request)
            unknown = set(body) - self.SETTINGS
            if unknown:
                raise ValueError(f"unknown settings {sorted(unknown)}")
            self.federation.configure(
                enabled=body.get("web_identity_federation"),
                caller_allowed=body.get("web_identity_token_allowed"),
            )
            if "clock_skew_s" in body:
                moto_fixes.clock.skew_s = float(body["clock_skew_s"])
        return json_response(
            {
                "account_id": self.ACCOUNT_ID,
                "oidc_issuer": self.federation.issuer,
                "web_identity_federation": self.federation.enabled,
                "web_identity_token_allowed": self.federation.caller_allowed,
                "clock_skew_s": moto_fixes.clock.skew_s,
            }
        )


class RoleCredentials:
    """Temporary credentials of one session of the test role, as IMDS or a
    container agent would hand out: reused until close to expiry, renewable
    on demand (`rotate`)."""

    RENEW_BEFORE = timedelta(minutes=5)

    def __init__(self, sts: StsEmulator, session_name: str) -> None:
        self._sts = sts
        self.session_name = session_name
        self._lock = threading.Lock()
        self._current: dict[str, Any] | None = None

    def get(self) -> dict[str, Any]:
        with self._lock:
            current = self._current
            if current is None or current["Expiration"] - datetime.now(timezone.utc) < self.RENEW_BEFORE:
                current = self._current = self._sts.assume_role(self.session_name)
            return current

    def rotate(self) -> dict[str, Any]:
        with self._lock:
            self._current = self._sts.assume_role(self.session_name)
            return self._current
