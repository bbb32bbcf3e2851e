"""Container credentials emulator: the ECS agent and the EKS Pod Identity
agent (aws-credentials.md §6).

- `GET /v2/credentials/<id>`: the ECS task-role endpoint, for
  `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/<id>`.
- `GET /v1/credentials`: the Pod Identity endpoint, for
  `AWS_CONTAINER_CREDENTIALS_FULL_URI=<base>/v1/credentials`; its answer adds
  `AccountId`, as the real agent's does.

When an authorization token is configured (the default in the stack), every
credentials request must carry `Authorization: <token>` exactly (no scheme):
missing -> 401, different -> 403.

Modes (`POST /_control {"mode": ..., "count": N}`): `normal`, `error500`,
`bad-json` (malformed 200 body), `error-json` (400 with an error document),
`slow` (every answer delayed by `delay_ms`, default 1500).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from werkzeug.wrappers import Request, Response

from .base import ConfigurableEmulator
from .creds import RotatingSettings, credential_fields
from .httpserver import json_response

MODES = frozenset({"normal", "error500", "bad-json", "error-json", "slow"})
POD_IDENTITY_PATH = "/v1/credentials"


class ContainerEmulator(RotatingSettings, ConfigurableEmulator):
    def __init__(self, credentials, role_arn: str, account_id: str, auth_token: str | None = None) -> None:
        """`credentials` has `get()` and `rotate()`, as for the IMDS emulator."""
        super().__init__("normal", MODES, {"auth_token": auth_token, "delay_ms": 1500, "expiration": None})
        self.credentials = credentials
        self.role_arn = role_arn
        self.account_id = account_id
        self.relative_uri = f"/v2/credentials/{uuid.uuid4()}"

    @property
    def full_uri(self) -> str:
        return self.base_url + POD_IDENTITY_PATH

    def state(self) -> dict[str, Any]:
        state = {**super().state(), "relative_uri": self.relative_uri}
        state["auth_token"] = "<set>" if self.options["auth_token"] else None
        return state

    def handle(self, request: Request) -> Response:
        mode = self.mode.take()
        entry = self.log.record(request, mode=mode)
        response = self._answer(request, mode, entry)
        entry["status"] = response.status_code
        return response

    def _answer(self, request: Request, mode: str, entry: dict) -> Response:
        if mode == "slow":
            self.server.stopping.wait(self.options["delay_ms"] / 1000)
        pod_identity = request.path == POD_IDENTITY_PATH
        if request.path != self.relative_uri and not pod_identity:
            return _error(404, "NotFound", "no credentials at this path")
        if request.method != "GET":
            return _error(405, "MethodNotAllowed", "use GET")
        expected = self.options["auth_token"]
        sent = request.headers.get("Authorization")
        entry["authorized"] = expected is None or sent == expected
        if expected is not None and sent is None:
            return _error(401, "Unauthorized", "missing Authorization header")
        if not entry["authorized"]:
            return _error(403, "AccessDenied", "invalid authorization token")
        if mode == "error500":
            return Response("Internal Server Error", status=500, mimetype="text/plain")
        if mode == "error-json":
            return _error(400, "InvalidIdentityToken", "the credentials agent could not fetch credentials")
        body = json.dumps(self._document(pod_identity))
        if mode == "bad-json":
            body = body[: len(body) // 2]
        return Response(body, mimetype="application/json")

    def _document(self, pod_identity: bool) -> dict[str, Any]:
        doc = {"RoleArn": self.role_arn, **credential_fields(self.credentials.get(), self.options["expiration"])}
        if pod_identity:
            doc["AccountId"] = self.account_id
        return doc


def _error(status: int, code: str, message: str) -> Response:
    return json_response({"Code": code, "Message": message}, status=status)
