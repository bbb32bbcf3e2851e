"""Identity rules as `chainctl iam identities create --filename id.json` takes
them (protobuf JSON, PROTOCOL.md §4), and check 9 of §3: matching a verified
caller against its identity's rule.

Patterns are Python `re.search`: unanchored like RE2's partial match, so
`assumed-role/x` matches anywhere unless written `^...$`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

UIDP = re.compile(r"^[0-9a-f]{40}(/[0-9a-f]{16})+$")
ACCOUNT = re.compile(r"^\d{12}$")


def _field(obj: dict[str, Any], snake: str) -> Any:
    """A field under either protobuf-JSON spelling (`arn_pattern` / `arnPattern`)."""
    head, *rest = snake.split("_")
    camel = head + "".join(part.title() for part in rest)
    if snake in obj and camel in obj and snake != camel:
        raise ValueError(f"both {snake} and {camel} given")
    return obj.get(snake, obj.get(camel))


def _exactly_one(obj: dict[str, Any], exact: str, pattern: str) -> tuple[str | None, str | None]:
    value, regex = _field(obj, exact), _field(obj, pattern)
    if (value is None) == (regex is None):
        raise ValueError(f"exactly one of {exact} or {pattern} is required")
    if regex is not None:
        try:
            re.compile(regex)
        except re.error as e:
            raise ValueError(f"{pattern}: {e}") from e
    return value, regex


def _matches(value: str, exact: str | None, pattern: str | None) -> bool:
    return value == exact if exact is not None else re.search(pattern, value) is not None


@dataclass(frozen=True)
class AwsIdentityRule:
    aws_account: str
    arn: str | None
    arn_pattern: str | None
    user_id: str | None
    user_id_pattern: str | None

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> "AwsIdentityRule":
        account = _field(obj, "aws_account")
        if not isinstance(account, str) or not ACCOUNT.match(account):
            raise ValueError("aws_account must be 12 digits")
        arn, arn_pattern = _exactly_one(obj, "arn", "arn_pattern")
        user_id, user_id_pattern = _exactly_one(obj, "user_id", "user_id_pattern")
        return cls(account, arn, arn_pattern, user_id, user_id_pattern)

    def mismatch(self, caller: dict[str, str]) -> str | None:
        """Why `caller` ({Account, Arn, UserId}) does not match, or None."""
        if caller["Account"] != self.aws_account:
            return f"account {caller['Account']} is not {self.aws_account}"
        if not _matches(caller["Arn"], self.arn, self.arn_pattern):
            return f"arn {caller['Arn']} does not match"
        if not _matches(caller["UserId"], self.user_id, self.user_id_pattern):
            return f"user id {caller['UserId']} does not match"
        return None


@dataclass(frozen=True)
class ClaimMatchRule:
    issuer: str | None
    issuer_pattern: str | None
    subject: str | None
    subject_pattern: str | None

    @classmethod
    def parse(cls, obj: dict[str, Any]) -> "ClaimMatchRule":
        issuer, issuer_pattern = _exactly_one(obj, "issuer", "issuer_pattern")
        subject, subject_pattern = _exactly_one(obj, "subject", "subject_pattern")
        return cls(issuer, issuer_pattern, subject, subject_pattern)

    def mismatch(self, claims: dict[str, Any]) -> str | None:
        if not _matches(str(claims.get("iss", "")), self.issuer, self.issuer_pattern):
            return f"issuer {claims.get('iss')} does not match"
        if not _matches(str(claims.get("sub", "")), self.subject, self.subject_pattern):
            return f"subject {claims.get('sub')} does not match"
        return None


Rule = AwsIdentityRule | ClaimMatchRule


def parse_identity(uidp: str, doc: dict[str, Any]) -> Rule:
    """The rule of one identity document; ValueError when it is not valid."""
    if not UIDP.match(uidp):
        raise ValueError(f"{uidp!r} is not an identity UIDP (<40 hex>/<16 hex>...)")
    aws, claim = _field(doc, "aws_identity"), _field(doc, "claim_match")
    if (aws is None) == (claim is None):
        raise ValueError("exactly one of awsIdentity or claimMatch is required")
    return AwsIdentityRule.parse(aws) if aws is not None else ClaimMatchRule.parse(claim)
