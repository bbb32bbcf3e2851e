"""OIDC pieces shared by the emulators: signing keys, JWKS and discovery
documents on the issuing side, and discovery-based JWT verification on the
relying side (the issuer verifies STS's tokens, the registry the issuer's)."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, Iterable

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from .httpserver import open_direct

DISCOVERY_PATH = "/.well-known/openid-configuration"


class SigningKey:
    """A private key for one JWS algorithm (RS256 or ES384), with its kid."""

    def __init__(self, algorithm: str) -> None:
        if algorithm == "RS256":
            self._private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            self._to_jwk = RSAAlgorithm.to_jwk
        elif algorithm == "ES384":
            self._private = ec.generate_private_key(ec.SECP384R1())
            self._to_jwk = ECAlgorithm.to_jwk
        else:
            raise ValueError(f"unsupported algorithm {algorithm}")
        self.algorithm = algorithm
        der = self._private.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.kid = base64.urlsafe_b64encode(hashlib.sha256(der).digest()[:12]).decode().rstrip("=")

    def public_jwk(self) -> dict[str, Any]:
        key = self._to_jwk(self._private.public_key(), as_dict=True)
        key.update(kid=self.kid, alg=self.algorithm, use="sig")
        return key

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(
            claims, self._private, algorithm=self.algorithm, headers={"kid": self.kid, "typ": "JWT"}
        )


def jwks(keys: Iterable[SigningKey]) -> dict[str, Any]:
    return {"keys": [k.public_jwk() for k in keys]}


def discovery_document(issuer: str, jwks_uri: str, algorithms: Iterable[str]) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "jwks_uri": jwks_uri,
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": list(algorithms),
    }


class OidcError(Exception):
    """A token that does not verify; the message says why."""


def _get_json(url: str) -> Any:
    with open_direct(url, timeout=5) as resp:
        return json.load(resp)


def verify_jwt(token: str, *, issuer: str, audience: str | list[str], algorithms: Iterable[str]) -> dict[str, Any]:
    """Verify `token` as issued by `issuer` for `audience` (or any one of a
    list), fetching the keys the way relying parties do: the discovery
    document, then its `jwks_uri`.

    Checks signature, `iss`, `aud`, `exp` (required) and `iat` (required).
    """
    try:
        config = _get_json(issuer + DISCOVERY_PATH)
    except OSError as e:
        raise OidcError(f"cannot fetch OIDC discovery for {issuer}: {e}") from e
    if config.get("issuer") != issuer:
        raise OidcError("discovery document names a different issuer")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = jwt.PyJWKSet.from_dict(_get_json(config["jwks_uri"])).keys
        signing_key = next((k for k in keys if k.key_id == kid), None)
        if signing_key is None:
            raise OidcError(f"no key {kid!r} in the issuer's JWKS")
        return jwt.decode(
            token,
            signing_key.key,
            algorithms=list(algorithms),
            audience=audience,
            issuer=issuer,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, KeyError, OSError) as e:
        raise OidcError(f"{type(e).__name__}: {e}") from e


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a JWT before verification (to learn its `iss`)."""
    try:
        return jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        raise OidcError(f"not a JWT: {e}") from e
