"""The credential fields IMDS and the container agents hand out."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any


def iso8601(when: datetime) -> str:
    """`2026-01-15T08:00:00Z`, the timestamp form both services use."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_fields(creds: dict[str, Any], expiration: str | None = None) -> dict[str, str]:
    """AccessKeyId/SecretAccessKey/Token/Expiration from AWS temporary
    credentials (as boto3 returns them); `expiration` overrides the real
    expiry, e.g. to serve already-expired credentials."""
    return {
        "AccessKeyId": creds["AccessKeyId"],
        "SecretAccessKey": creds["SecretAccessKey"],
        "Token": creds["SessionToken"],
        "Expiration": expiration or iso8601(creds["Expiration"]),
    }


class RotatingSettings:
    """Mixin for emulators serving credentials: `rotate_credentials: true` in
    a control request renews them (the next answer carries new keys)."""

    def configure(self, settings: dict[str, Any]) -> None:
        settings = dict(settings)
        rotate = settings.pop("rotate_credentials", False)
        super().configure(settings)
        if rotate:
            self.credentials.rotate()
