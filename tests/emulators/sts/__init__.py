"""STS emulator: moto with SigV4 checks on, corrected, plus GetWebIdentityToken."""

from .emulator import RoleCredentials, StsEmulator

__all__ = ["RoleCredentials", "StsEmulator"]
