"""STS `GetWebIdentityToken` (AWS IAM outbound identity federation), which
moto 5.2.1 lacks, added as a moto action so that it goes through the same
SigV4 check and XML/JSON serialization as the other STS actions.

The account's token issuer stands in for `https://<uuid>.tokens.sts.global.api.aws`
as `<STS emulator URL>/oidc/<uuid>`, publishing its discovery document and
JWKS there. Switches (set through the STS emulator's control endpoint) make
the account's federation disabled or deny the caller the permission.
"""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from moto.core.exceptions import AccessDeniedError
from moto.core.responses import ActionResult
from moto.iam.models import iam_backends
from moto.sts.exceptions import STSClientError, STSValidationError
from moto.sts.responses import TokenResponse

from ..oidc import DISCOVERY_PATH, SigningKey, discovery_document, jwks

CLAIMS_NAMESPACE = "https://sts.amazonaws.com/"
ALGORITHMS = ("RS256", "ES384")


class FederationDisabled(STSClientError):
    code = "OutboundWebIdentityFederationDisabledException"
    message = "Outbound web identity federation is disabled for this account."


class WebIdentityFederation:
    """One account's outbound federation: its issuer, keys and switches."""

    def __init__(self, base_url: str) -> None:
        self.issuer = f"{base_url}/oidc/{uuid.uuid4()}"
        self.keys = {alg: SigningKey(alg) for alg in ALGORITHMS}
        self._lock = threading.Lock()
        self.enabled = True
        self.caller_allowed = True

    def configure(self, enabled: bool | None = None, caller_allowed: bool | None = None) -> None:
        with self._lock:
            if enabled is not None:
                self.enabled = bool(enabled)
            if caller_allowed is not None:
                self.caller_allowed = bool(caller_allowed)

    # OIDC documents, served under `self.issuer` --------------------------
    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/.well-known/jwks.json"

    def document(self, path: str) -> dict[str, Any] | None:
        """The document at `path` (absolute path on the STS emulator), if any."""
        issuer_path = "/oidc/" + self.issuer.rsplit("/oidc/", 1)[1]
        if path == issuer_path + DISCOVERY_PATH:
            return discovery_document(self.issuer, self.jwks_uri, ALGORITHMS)
        if path == issuer_path + "/.well-known/jwks.json":
            return jwks(self.keys.values())
        return None

    def mint(self, *, subject: str, audiences: list[str], algorithm: str, duration: int,
             aws_claims: dict[str, Any]) -> tuple[str, datetime]:
        now = datetime.now(timezone.utc).replace(microsecond=0)
        expiration = now + timedelta(seconds=duration)
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": audiences[0] if len(audiences) == 1 else audiences,
            "iat": int(now.timestamp()),
            "exp": int(expiration.timestamp()),
            "jti": str(uuid.uuid4()),
            CLAIMS_NAMESPACE: aws_claims,
        }
        return self.keys[algorithm].sign(claims), expiration


_federation: WebIdentityFederation | None = None


def _validate(audiences, algorithm, duration) -> None:
    if not audiences or len(audiences) > 10:
        raise STSValidationError(
            f"1 validation error detected: Value at 'audience' failed to satisfy constraint: "
            f"Member must have length between 1 and 10 (got {len(audiences or [])})"
        )
    if algorithm not in ALGORITHMS:
        raise STSValidationError(
            f"1 validation error detected: Value '{algorithm}' at 'signingAlgorithm' failed to "
            f"satisfy constraint: Member must satisfy enum value set: [RS256, ES384]"
        )
    if not 60 <= duration <= 3600:
        raise STSValidationError(
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value between 60 and 3600"
        )


def get_web_identity_token(self: TokenResponse) -> ActionResult:
    federation = _federation
    assert federation is not None, "web_identity.install() not called"
    audiences = self._get_param("Audience") or []
    algorithm = self._get_param("SigningAlgorithm")
    duration = self._get_int_param("DurationSeconds", 300)
    tags = self._get_param("Tags") or []
    _validate(audiences, algorithm, duration)

    access_key_id = self.get_access_key()
    user_id, arn, account_id = self.backend.get_caller_identity(access_key_id, self.region)
    if not federation.caller_allowed:
        raise AccessDeniedError(user_arn=arn, action="sts:GetWebIdentityToken")
    if not federation.enabled:
        raise FederationDisabled()

    aws_claims: dict[str, Any] = {
        "aws_account": account_id,
        "principal_id": arn,
        "source_region": self.region,
    }
    session = self.backend.get_assumed_role_from_access_key(access_key_id)
    if session is not None:
        # A role session is named by its role, not by the assumed-role ARN.
        role = iam_backends[account_id][self.partition].get_role_by_arn(session.role_arn)
        subject = role.arn
        aws_claims["original_session_exp"] = session.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        subject = arn
    if tags:
        aws_claims["request_tags"] = {t["Key"]: t["Value"] for t in tags}

    token, expiration = federation.mint(
        subject=subject, audiences=list(audiences), algorithm=algorithm,
        duration=duration, aws_claims=aws_claims,
    )
    return ActionResult({"WebIdentityToken": token, "Expiration": expiration})


def install(federation: WebIdentityFederation) -> None:
    """Register the action with moto's STS responses (process-wide)."""
    global _federation
    _federation = federation
    TokenResponse.get_web_identity_token = get_web_identity_token
