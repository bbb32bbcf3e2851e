"""Chainguard issuer emulator (`/sts/exchange`)."""

from .emulator import IssuerEmulator

__all__ = ["IssuerEmulator"]
