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


def pytest_report_header(config):
    return f"cgaws {cgaws.__version__} from {Path(cgaws.__file__).parent} (Python {sys.version.split()[0]})"
