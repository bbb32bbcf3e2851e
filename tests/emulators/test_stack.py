"""`python -m emulators.stack --state FILE`: the one entry point."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import requests

STATE_KEYS = {
    "sts_url", "issuer_url", "imds_url", "container_url", "registry_url", "registry_host", "redirect_sink_url",
    "region", "account_id", "user_name", "user_arn", "user_access_key_id", "user_secret_access_key",
    "role_name", "role_arn", "identity", "identity_rule", "oidc_identity", "oidc_issuer",
    "imds_role_name", "imds_instance_id", "container_relative_uri", "container_full_uri",
    "container_auth_token", "registry_audience", "image", "image_digest",
}


def test_state_has_every_documented_key(state):
    assert set(state) == STATE_KEYS


def test_command_line_writes_state_and_stops_on_sigterm(tmp_path):
    state_file = tmp_path / "state.json"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    process = subprocess.Popen([sys.executable, "-m", "emulators.stack", "--state", str(state_file)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 20
        while not state_file.exists():
            assert process.poll() is None, process.stderr.read()
            assert time.monotonic() < deadline, "no state file"
            time.sleep(0.05)
        assert stat.S_IMODE(state_file.stat().st_mode) == 0o600
        state = json.loads(state_file.read_text())
        assert set(state) == STATE_KEYS
        for key in ("sts_url", "issuer_url", "imds_url", "container_url", "registry_url"):
            assert requests.get(state[key] + "/_control/log", timeout=5).status_code == 200
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=20)
        assert process.returncode == 0, stderr
        assert not state_file.exists()
        assert state["user_secret_access_key"] not in stderr
    finally:
        if process.poll() is None:
            process.kill()
