"""End-to-end tests of the `cgaws` binary against the local emulators
(tests/emulators): one emulator stack per test session, every emulator reset
after each test, and a fresh HOME, cache and config directory per test.

The binary is `target/debug/cgaws` unless CGAWS_BIN names another one.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from emulators.stack import Stack, new_uidp  # noqa: E402

BIN = Path(os.environ.get("CGAWS_BIN", ROOT / "target" / "debug" / "cgaws"))


@pytest.fixture(scope="session")
def running_stack():
    if not BIN.exists():
        pytest.exit(f"{BIN} does not exist: run `cargo build -p cgaws` first", returncode=2)
    with Stack() as stack:
        yield stack


@pytest.fixture
def stack(running_stack):
    yield running_stack
    for emulator in running_stack.emulators():
        emulator.reset()


@pytest.fixture
def state(stack):
    return stack.state()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self):
        return json.loads(self.out)


class Cli:
    """Runs the binary with a controlled environment: no ambient AWS
    settings, IMDS disabled unless a test turns it on, STS and the issuer
    pointed at the emulators. Checks after every run that no known secret
    appears on stderr."""

    def __init__(self, tmp: Path, state: dict) -> None:
        self.tmp = tmp
        self.state = state
        self.home = tmp / "home"
        self.home.mkdir()
        self.cache_dir = tmp / "cache" / "cgaws"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(tmp / "cache"),
            "XDG_CONFIG_HOME": str(tmp / "config"),
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_ENDPOINT_URL_STS": state["sts_url"],
            "AWS_REGION": state["region"],
            "CHAINGUARD_ISSUER": state["issuer_url"],
            "CHAINGUARD_IDENTITY": state["identity"],
        }
        self.secrets = [state["user_secret_access_key"]]

    def user_keys(self) -> "Cli":
        self.env["AWS_ACCESS_KEY_ID"] = self.state["user_access_key_id"]
        self.env["AWS_SECRET_ACCESS_KEY"] = self.state["user_secret_access_key"]
        return self

    def imds(self, stack) -> "Cli":
        self.env.pop("AWS_EC2_METADATA_DISABLED", None)
        self.env["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = self.state["imds_url"]
        return self

    def write(self, relative: str, text: str, mode: int = 0o600) -> Path:
        path = self.tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        path.chmod(mode)
        return path

    def run(self, *args: str, stdin: str | None = None, env: dict | None = None, argv0: str | None = None,
            timeout: float = 30) -> Result:
        full_env = dict(self.env)
        for k, v in (env or {}).items():
            if v is None:
                full_env.pop(k, None)
            else:
                full_env[k] = v
        executable = str(BIN)
        argv = [argv0 or executable, *args]
        p = subprocess.run(argv, executable=executable, input=stdin, capture_output=True, text=True,
                           env=full_env, timeout=timeout, cwd=self.tmp)
        for secret in self.secrets + [v for k, v in full_env.items() if "SECRET" in k or "SESSION_TOKEN" in k]:
            assert secret not in p.stderr, f"a secret leaked to stderr: {p.stderr}"
        return Result(p.returncode, p.stdout, p.stderr)

    def exchange_ok(self, *args: str, **kw) -> str:
        r = self.run("exchange", *args, **kw)
        assert r.code == 0, r.err
        return r.out.strip()


@pytest.fixture
def cli(tmp_path, state) -> Cli:
    return Cli(tmp_path, state)


def jwt_claims(token: str) -> dict:
    import base64

    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def issuer_exchanges(stack) -> list[dict]:
    """The issuer's log entries for /sts/exchange."""
    return [e for e in stack.issuer.log.entries() if e.get("path", "").endswith("/sts/exchange")]


__all__ = ["Cli", "Result", "jwt_claims", "issuer_exchanges", "new_uidp"]
