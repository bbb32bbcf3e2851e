"""Chainguard issuer emulator: `POST /sts/exchange` (PROTOCOL.md §3, §5, §7).

The bearer is either an AWS blob (checks 1-9 of §3, the STS call going to the
STS emulator) or an OIDC JWT (§7), accepted only from issuers under the STS
emulator's `/oidc/` and verified through their discovery document and JWKS.
On success it answers `{"token", "expiry", "refresh_token"}`, the token an
RS256 JWT whose keys it publishes at `/.well-known/openid-configuration`.

Control (besides `GET|DELETE /_control/log`, where bearer tokens are redacted):
  POST /_control {"mode": FAULT, "count": N, <option>: ...}
      FAULT for the next N exchanges: `503` (plain-text 503), `grpc14` (code 14
      JSON, 503), `500` (plain 500), `redirect` (302 to a local sink that
      records whether the bearer token followed); options below.
  POST /_control/identities {"<uidp>": <id.json>, ...}   register identities
  GET|DELETE /_control/identities
  GET|DELETE /_control/redirect-sink                     what the sink received
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import asdict
from datetime import datetime, timedelta, timezone
from typing import Any

from werkzeug.wrappers import Request, Response

from ..base import ConfigurableEmulator, Emulator
from ..httpserver import json_response, read_json
from ..oidc import DISCOVERY_PATH, OidcError, SigningKey, discovery_document, jwks, unverified_claims, verify_jwt
from . import blob, sts_client
from .errors import INVALID_ARGUMENT, NOT_FOUND, PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED, ExchangeError
from .rules import AwsIdentityRule, ClaimMatchRule, Rule, parse_identity

GLOBAL_STS_HOST = "sts.amazonaws.com"
REGIONAL_STS_HOST = re.compile(r"^sts(-fips)?\.[a-z]{2}(-[a-z]+)+-\d\.amazonaws\.com(\.cn)?$")
FAULTS = frozenset({"normal", "503", "grpc14", "500", "redirect"})
OPTIONS = {
    "token_ttl_s": 3600,  # lifetime of the tokens issued
    "allow_regional_sts": False,  # accept sts.<region>.amazonaws.com blobs too
    "max_future_skew_s": 300,  # check 7
    "max_age_s": 900,  # check 7
    "audiences": None,  # accepted Chainguard-Audience values; None: [issuer URL]
    "cors_origin": None,  # the one browser origin allowed to call /sts/exchange; None: no CORS headers at all
}
# What a browser's fetch of /sts/exchange may send (the preflight's answer).
CORS_ALLOW_HEADERS = "authorization, content-type, accept, user-agent"
JWKS_PATH = "/.well-known/keys"


class RedirectSink(Emulator):
    """Where the `redirect` fault points: records what a client that followed
    the redirect sent, above all whether it carried the bearer token."""

    def handle(self, request: Request) -> Response:
        self.log.record(request, authorization_present="Authorization" in request.headers)
        error = ExchangeError(INVALID_ARGUMENT, "redirect sink: the client followed a redirect")
        return json_response(error.body(), status=error.http_status)


class IssuerEmulator(ConfigurableEmulator):
    def __init__(self, sts_url: str, trusted_oidc_prefix: str | None = None) -> None:
        """`sts_url`: where to verify blobs; `trusted_oidc_prefix`: OIDC issuers
        accepted (default `<sts_url>/oidc/`)."""
        super().__init__("normal", FAULTS, OPTIONS)
        self.sts_url = sts_url
        self.trusted_oidc_prefix = trusted_oidc_prefix or f"{sts_url}/oidc/"
        self.key = SigningKey("RS256")
        self.sink = RedirectSink()
        self._identities: dict[str, Rule] = {}
        self._lock = threading.Lock()

    def start(self) -> "IssuerEmulator":
        self.sink.start()
        return super().start()

    def stop(self) -> None:
        super().stop()
        self.sink.stop()

    @property
    def issuer_url(self) -> str:
        return self.base_url

    def audiences(self) -> list[str]:
        return list(self.options["audiences"] or [self.issuer_url])

    def reset(self) -> None:
        """Faults and options back to defaults, logs emptied; identities stay."""
        super().reset()
        self.sink.reset()

    def register_identities(self, docs: dict[str, dict[str, Any]]) -> None:
        """Add (or replace) identities, all or none: {uidp: id.json object}."""
        rules = {uidp: parse_identity(uidp, doc) for uidp, doc in docs.items()}
        with self._lock:
            self._identities.update(rules)

    # control -------------------------------------------------------------------
    def control(self, request: Request) -> Response:
        if request.path == "/_control/identities":
            if request.method == "POST":
                self.register_identities(read_json(request))
            elif request.method == "DELETE":
                with self._lock:
                    self._identities.clear()
            with self._lock:
                return json_response(
                    {uidp: {"type": type(rule).__name__, **asdict(rule)} for uidp, rule in self._identities.items()}
                )
        if request.path == "/_control/redirect-sink":
            if request.method == "DELETE":
                self.sink.log.clear()
            return json_response(self.sink.log.entries())
        return super().control(request)

    # serving -------------------------------------------------------------------
    def handle(self, request: Request) -> Response:
        if request.path == DISCOVERY_PATH:
            return json_response(discovery_document(self.issuer_url, self.issuer_url + JWKS_PATH, ["RS256"]))
        if request.path == JWKS_PATH:
            return json_response(jwks([self.key]))
        if request.path != "/sts/exchange":
            return json_response(ExchangeError(NOT_FOUND, "Not Found").body(), status=404)
        cors = self._cors_origin(request)
        if cors and request.method == "OPTIONS":
            return self._preflight(cors)
        fault = self.mode.take()
        entry = self.log.record(request, fault=fault)
        response = self._fault(request, fault) or self._exchange_response(request, entry)
        entry["status"] = response.status_code
        if cors:
            response.headers["Access-Control-Allow-Origin"] = cors
            response.headers["Access-Control-Expose-Headers"] = "location"
            response.headers.add("Vary", "Origin")
        return response

    def _cors_origin(self, request: Request) -> str | None:
        """The request's Origin when CORS is on (`cors_origin`) and it is that
        origin exactly; otherwise None, and the answer carries no CORS headers."""
        allowed = self.options["cors_origin"]
        origin = request.headers.get("Origin")
        return origin if allowed and origin == allowed else None

    @staticmethod
    def _preflight(origin: str) -> Response:
        """The answer to a browser's CORS preflight of `POST /sts/exchange`."""
        return Response("", 204, headers={
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
            "Access-Control-Max-Age": "60",
            "Vary": "Origin",
        })

    def _fault(self, request: Request, fault: str) -> Response | None:
        if fault == "503":
            return Response("upstream connect error or disconnect/reset before headers", 503, mimetype="text/plain")
        if fault == "500":
            return Response("Internal Server Error", 500, mimetype="text/plain")
        if fault == "grpc14":
            return json_response({"code": 14, "message": "service unavailable", "details": []}, status=503)
        if fault == "redirect":
            query = request.query_string.decode("latin-1")
            location = f"{self.sink.base_url}/sts/exchange" + (f"?{query}" if query else "")
            return Response("", 302, headers={"Location": location})
        return None

    def _exchange_response(self, request: Request, entry: dict) -> Response:
        try:
            return json_response(self._exchange(request, entry))
        except ExchangeError as e:
            entry["error"] = {"code": e.code, "message": e.message}
            return json_response(e.body(), status=e.http_status)

    def _exchange(self, request: Request, entry: dict) -> dict[str, Any]:
        if request.method != "POST":
            raise ExchangeError(UNIMPLEMENTED, f"method {request.method} not allowed")
        scheme, _, bearer = (request.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "bearer" or not bearer:
            raise ExchangeError(UNAUTHENTICATED, "missing bearer token")
        params = entry["params"] = self._params(request, entry)
        audiences, identity = params.get("aud", []), params.get("identity", [""])[0]
        if not audiences:
            raise ExchangeError(INVALID_ARGUMENT, "aud is required")
        if not identity:
            raise ExchangeError(INVALID_ARGUMENT, "identity is required")
        with self._lock:
            rule = self._identities.get(identity)
        if rule is None:
            raise ExchangeError(NOT_FOUND, f"identity {identity} not found")

        if "." in bearer:  # a JWT; a blob is base64url, which has no dots
            entry["bearer_kind"] = "oidc"
            subject = self._verify_oidc(bearer)
            want = ClaimMatchRule
        else:
            entry["bearer_kind"] = "aws-blob"
            subject = entry["caller"] = self._verify_blob(bearer, identity, entry)
            want = AwsIdentityRule
        if not isinstance(rule, want):
            raise ExchangeError(PERMISSION_DENIED, f"identity {identity} does not accept {entry['bearer_kind']} tokens")
        reason = rule.mismatch(subject)  # check 9
        if reason:
            raise ExchangeError(PERMISSION_DENIED, f"caller does not match identity rule: {reason}")
        return self._issue(identity, audiences)

    @staticmethod
    def _params(request: Request, entry: dict) -> dict[str, list[str]]:
        """Parameters from the query and/or a form body (repeatable keys)."""
        params: dict[str, list[str]] = {}
        sources = []
        if request.args:
            sources.append("query")
            for key in request.args:
                params.setdefault(key, []).extend(request.args.getlist(key))
        if request.get_data(cache=True, parse_form_data=False):
            if request.mimetype != "application/x-www-form-urlencoded":
                raise ExchangeError(INVALID_ARGUMENT, f"unsupported content type {request.mimetype!r}")
            sources.append("form")
            for key in request.form:
                params.setdefault(key, []).extend(request.form.getlist(key))
        entry["params_in"] = "+".join(sources)
        return params

    def _verify_blob(self, token: str, identity: str, entry: dict) -> dict[str, str]:
        request = blob.decode(token)  # check 1
        entry["blob"] = request.summary()
        blob.check(  # checks 2-7
            request,
            audiences=self.audiences(),
            identity=identity,
            host_allowed=self._sts_host_allowed,
            now=datetime.now(timezone.utc),
            max_future=timedelta(seconds=self.options["max_future_skew_s"]),
            max_age=timedelta(seconds=self.options["max_age_s"]),
        )
        return sts_client.get_caller_identity(request, self.sts_url)  # check 8

    def _sts_host_allowed(self, host: str) -> bool:
        return host == GLOBAL_STS_HOST or (
            bool(self.options["allow_regional_sts"]) and REGIONAL_STS_HOST.match(host) is not None
        )

    def _verify_oidc(self, token: str) -> dict[str, Any]:
        try:
            issuer = str(unverified_claims(token).get("iss", ""))
            if not issuer.startswith(self.trusted_oidc_prefix):
                raise OidcError(f"issuer {issuer!r} is not trusted")
            return verify_jwt(token, issuer=issuer, audience=self.audiences(), algorithms=("RS256", "ES384"))
        except OidcError as e:
            raise ExchangeError(UNAUTHENTICATED, f"invalid OIDC token: {e}") from e

    def _issue(self, identity: str, audiences: list[str]) -> dict[str, Any]:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        expiry = now + timedelta(seconds=int(self.options["token_ttl_s"]))
        token = self.key.sign({
            "iss": self.issuer_url,
            "sub": identity,
            "aud": audiences[0] if len(audiences) == 1 else audiences,
            "iat": int(now.timestamp()),
            "exp": int(expiry.timestamp()),
        })
        return {
            "token": token,
            "expiry": expiry.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "refresh_token": secrets.token_urlsafe(32),
        }
