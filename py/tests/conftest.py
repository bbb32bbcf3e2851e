"""Shared fixtures.

The package under test is whatever `import cgaws` finds: `py/test.sh` installs
the built wheel into a fresh virtual environment and runs pytest from outside
the source tree, so this is the installed package (checked by
`test_installed_package` when CGAWS_REQUIRE_INSTALLED=1).

The local emulators (tests/emulators) run in a separate process started with
the repository's `.venv` Python (override: CGAWS_EMULATOR_PYTHON), so this
environment needs only the package and its test dependencies.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

import cgaws
from cgaws import _driver

REPO = Path(os.environ.get("CGAWS_REPO_ROOT") or Path(__file__).resolve().parents[2])
VECTORS = REPO / "tests" / "vectors"


@pytest.fixture(autouse=True)
def clean_aws_env(monkeypatch, tmp_path):
    """No AWS setting of the machine running the tests leaks in: no AWS_*
    variables, shared files that do not exist, IMDS off, an empty home."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    _driver.clear_cache()
    yield
    _driver.clear_cache()


class EmulatorStack:
    """The emulators' state (URLs, test credentials, identities) and control."""

    def __init__(self, state: dict) -> None:
        self.state = state

    def __getitem__(self, key: str):
        return self.state[key]

    def control(self, base_url: str, path: str = "/_control", body: dict | None = None, method: str = "POST"):
        data = json.dumps(body or {}).encode() if method == "POST" else None
        request = urllib.request.Request(
            base_url.rstrip("/") + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            text = response.read()
        return json.loads(text) if text else None

    def reset(self) -> None:
        for key in ("issuer_url", "imds_url", "container_url", "sts_url"):
            try:
                self.control(self.state[key], "/_control/reset")
            except Exception:
                pass

    @property
    def user_credentials(self) -> dict:
        return {
            "access_key_id": self.state["user_access_key_id"],
            "secret_access_key": self.state["user_secret_access_key"],
        }

    def log(self, url_key: str) -> list:
        """The request log of the emulator at ``self[url_key]``."""
        return self.control(self.state[url_key], "/_control/log", method="GET")

    def issuer_exchanges(self) -> list:
        """The issuer's log entries for ``/sts/exchange`` (with ``bearer_kind``, ``status``)."""
        return [e for e in self.log("issuer_url") if e.get("path", "").endswith("/sts/exchange")]

    def sts_actions(self) -> list:
        """The STS actions asked for, in order."""
        return [e.get("action") for e in self.log("sts_url")]


@pytest.fixture(scope="session")
def stack():
    python = os.environ.get("CGAWS_EMULATOR_PYTHON") or str(REPO / ".venv" / "bin" / "python")
    if not Path(python).exists():
        pytest.fail(f"no Python for the emulators at {python} (run `make setup`, or set CGAWS_EMULATOR_PYTHON)")
    workdir = Path(tempfile.mkdtemp(prefix="cgaws-py-emulators-"))
    state_file = workdir / "state.json"
    log_file = open(workdir / "emulators.log", "wb")
    env = dict(os.environ, PYTHONPATH=str(REPO / "tests"))
    env = {k: v for k, v in env.items() if not k.startswith("AWS_")}
    process = subprocess.Popen(
        [python, "-m", "emulators.stack", "--state", str(state_file)],
        cwd=str(REPO),
        env=env,
        stdout=log_file,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while not state_file.exists():
            if process.poll() is not None or time.monotonic() > deadline:
                log_file.flush()
                output = (workdir / "emulators.log").read_text(errors="replace")[-4000:]
                pytest.fail(f"the emulators did not start (exit {process.poll()}):\n{output}")
            time.sleep(0.1)
        time.sleep(0.05)  # written atomically, but be safe on slow disks
        state = json.loads(state_file.read_text())
        yield EmulatorStack(state)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log_file.close()


@pytest.fixture
def emulators(stack):
    """The stack, back in its default behaviour after the test."""
    yield stack
    stack.reset()


def aws_env(monkeypatch, emulators, **extra):
    """Points every STS call at the emulator (the default chain's AssumeRole,
    whoami, GetWebIdentityToken) and sets the given variables."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", emulators["sts_url"])
    monkeypatch.setenv("AWS_REGION", emulators["region"])
    for name, value in extra.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def user_env(monkeypatch, emulators):
    """The test IAM user's static keys in the environment."""
    aws_env(
        monkeypatch,
        emulators,
        AWS_ACCESS_KEY_ID=emulators["user_access_key_id"],
        AWS_SECRET_ACCESS_KEY=emulators["user_secret_access_key"],
    )
    return emulators


@pytest.fixture
def role_env(monkeypatch, emulators):
    """Credentials of a session of the test role, from the container endpoint
    (EKS Pod Identity style)."""
    aws_env(
        monkeypatch,
        emulators,
        AWS_CONTAINER_CREDENTIALS_FULL_URI=emulators["container_full_uri"],
        AWS_CONTAINER_AUTHORIZATION_TOKEN=emulators["container_auth_token"],
    )
    return emulators


def jwt_part(token: str, index: int) -> dict:
    """A JWT's header (0) or claims (1), read without checking the signature."""
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def pytest_report_header(config):
    return f"cgaws {cgaws.__version__} from {Path(cgaws.__file__).parent} (Python {sys.version.split()[0]})"
