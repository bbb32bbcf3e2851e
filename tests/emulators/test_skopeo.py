"""skopeo (Debian's) pulls from the registry emulator with credentials from a
Docker credential helper; here the stand-in `docker-credential-fake`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .skopeo_setup import configure
from .stack import write_state

SKOPEO = shutil.which("skopeo")
# The suite script (test.sh) requires skopeo; a bare pytest run skips without it.
REQUIRED = os.environ.get("CGAWS_REQUIRE_SKOPEO") == "1"
pytestmark = pytest.mark.skipif(SKOPEO is None and not REQUIRED, reason="skopeo is not installed")

TESTS_DIR = Path(__file__).resolve().parent.parent


def install_fake_helper(bin_dir: Path) -> None:
    bin_dir.mkdir()
    helper = bin_dir / "docker-credential-fake"
    helper.write_text(
        f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(TESTS_DIR)!r})\n"
        "from emulators.fake_credential_helper import main\nsys.exit(main())\n"
    )
    helper.chmod(0o755)


@pytest.mark.parametrize("routing", ["proxy", "mirror"])
def test_skopeo_inspect_through_the_credential_helper(stack, state, tmp_path, routing):
    assert SKOPEO, "skopeo is required: install the Debian package skopeo"
    install_fake_helper(tmp_path / "bin")
    write_state(str(tmp_path / "state.json"), state)
    setup = configure(tmp_path / "conf", state, routing=routing, helper="fake")
    env = {
        **os.environ, **setup.env,
        "PATH": f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}",
        "CGAWS_EMULATOR_STATE": str(tmp_path / "state.json"),
        "FAKE_HELPER_HOSTS": setup.helper_host,
        "FAKE_HELPER_LOG": str(tmp_path / "helper.log"),
        "HOME": str(tmp_path),  # no user-level containers config
    }
    result = subprocess.run(setup.inspect_command(), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    inspected = json.loads(result.stdout)
    assert inspected["Name"] == "cgr.dev/chainguard/static"
    assert inspected["Digest"] == state["image_digest"]
    assert inspected["Architecture"] == "amd64"

    asked = [json.loads(line)["server_url"] for line in (tmp_path / "helper.log").read_text().splitlines()]
    assert set(asked) == {"cgr.dev" if routing == "proxy" else state["registry_host"]}
    pulls = [e for e in stack.registry.log.entries() if "/manifests/" in e["path"]]
    assert pulls and all(e["authenticated"] for e in pulls)
    if routing == "proxy":
        assert {e["host"] for e in pulls} == {"cgr.dev"}
