"""Registry emulator standing in for cgr.dev."""

from .emulator import RegistryEmulator

__all__ = ["RegistryEmulator"]
