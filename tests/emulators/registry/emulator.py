"""Registry emulator standing in for cgr.dev: a read-only OCI distribution API
serving one small image, `chainguard/static:latest`.

Every `/v2/...` request must carry HTTP Basic `_token:<JWT>`, where the JWT
verifies against the issuer emulator's published keys, was issued by it, has
`aud` = `cgr.dev` and is unexpired. Otherwise: 401 with
`WWW-Authenticate: Basic realm="cgr.dev"` and an OCI `UNAUTHORIZED` error.

It also answers requests in absolute form (`GET http://cgr.dev/v2/ ...`), so
it can act as the HTTP proxy through which skopeo reaches "cgr.dev"; an HTTPS
tunnel (`CONNECT`) is refused. See skopeo_setup.py.

Modes: `normal`; `anonymous` (pulls without credentials, like public images).
"""

from __future__ import annotations

import base64
import binascii
import re

from werkzeug.wrappers import Request, Response

from ..base import ConfigurableEmulator
from ..httpserver import json_response
from ..oidc import OidcError, verify_jwt
from .image import MANIFEST_TYPE, Image

REPOSITORY = "chainguard/static"
TAG = "latest"
_ROUTE = re.compile(r"^/v2/(?P<name>[a-z0-9]+(?:[._/-][a-z0-9]+)*)/(?P<kind>manifests|blobs|tags)/(?P<ref>[^/]+)$")
API_VERSION = {"Docker-Distribution-API-Version": "registry/2.0"}


def oci_error(status: int, code: str, message: str, headers: dict | None = None) -> Response:
    body = {"errors": [{"code": code, "message": message, "detail": None}]}
    return json_response(body, status=status, headers={**API_VERSION, **(headers or {})})


class RegistryEmulator(ConfigurableEmulator):
    def __init__(self, issuer_url: str, audience: str = "cgr.dev") -> None:
        super().__init__("normal", frozenset({"normal", "anonymous"}), {"audience": audience, "realm": "cgr.dev"})
        self.issuer_url = issuer_url
        self.image = Image.build({"etc/cgaws-test": b"served by the cgaws registry emulator\n"})
        self.tags = {TAG: self.image.manifest_digest}

    @property
    def host(self) -> str:
        return f"{self.server.host}:{self.server.port}"

    def handle(self, request: Request) -> Response:
        mode = self.mode.take()
        entry = self.log.record(request, host=request.host)
        if request.method == "CONNECT":
            response = Response("tunnels are not offered", status=405, mimetype="text/plain")
        elif request.method not in ("GET", "HEAD"):
            response = oci_error(405, "UNSUPPORTED", "read-only registry")
        else:
            failure = None if mode == "anonymous" else self._authentication_failure(request)
            entry["authenticated"] = failure is None
            if failure:
                entry["auth_error"] = failure
                response = oci_error(401, "UNAUTHORIZED", "authentication required",
                                     {"WWW-Authenticate": f'Basic realm="{self.options["realm"]}"'})
            else:
                response = self._serve(request.path)
        entry["status"] = response.status_code
        return response

    def _authentication_failure(self, request: Request) -> str | None:
        """None when the request carries a good `_token:<JWT>`; else why not."""
        scheme, _, encoded = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return "no basic credentials"
        try:
            username, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "malformed basic credentials"
        if username != "_token":
            return f"username {username!r} is not _token"
        try:
            verify_jwt(password, issuer=self.issuer_url, audience=self.options["audience"], algorithms=("RS256",))
        except OidcError as e:
            return f"token rejected: {e}"
        return None

    def _serve(self, path: str) -> Response:
        if path in ("/v2/", "/v2"):
            return json_response({}, headers=API_VERSION)
        match = _ROUTE.match(path)
        if not match or match["name"] != REPOSITORY:
            return oci_error(404, "NAME_UNKNOWN", "repository name not known to registry")
        kind, ref = match["kind"], match["ref"]
        if kind == "tags":
            if ref != "list":
                return oci_error(404, "NOT_FOUND", "not found")
            return json_response({"name": REPOSITORY, "tags": sorted(self.tags)}, headers=API_VERSION)
        if kind == "manifests":
            digest = self.tags.get(ref, ref)
            if digest != self.image.manifest_digest:
                return oci_error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            return self._content(self.image.manifest, digest, MANIFEST_TYPE)
        data = self.image.blobs.get(ref)
        if data is None:
            return oci_error(404, "BLOB_UNKNOWN", "blob unknown to registry")
        return self._content(data, ref, "application/octet-stream")

    @staticmethod
    def _content(data: bytes, digest: str, media_type: str) -> Response:
        # werkzeug drops the body of HEAD answers and keeps Content-Length.
        return Response(data, content_type=media_type, headers={**API_VERSION, "Docker-Content-Digest": digest})

    @property
    def image_name(self) -> str:
        return f"{REPOSITORY}:{TAG}"
