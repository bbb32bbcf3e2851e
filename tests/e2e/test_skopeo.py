"""The real client path: skopeo (Debian's) inspects cgr.dev/chainguard/static
through `docker-credential-cgaws` against the registry emulator.

Routing (tests/emulators/README.md, "skopeo"): `registries.conf` marks cgr.dev
insecure and HTTP(S)_PROXY points at the registry emulator, so the image name
stays `docker://cgr.dev/...` and skopeo asks the helper about `cgr.dev`, as in
production. The helper's own calls to the issuer (loopback) go direct."""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from conftest import BIN, issuer_exchanges
from emulators.skopeo_setup import configure

SKOPEO = shutil.which("skopeo")
REQUIRED = os.environ.get("CGAWS_REQUIRE_SKOPEO") == "1"
pytestmark = pytest.mark.skipif(SKOPEO is None and not REQUIRED, reason="skopeo is not installed")


def skopeo_env(cli, setup, bin_dir):
    env = {**cli.env, **setup.env, "PATH": f"{bin_dir}{os.pathsep}{cli.env['PATH']}"}
    return env


@pytest.fixture
def helper_bin(cli):
    bin_dir = cli.tmp / "bin"
    bin_dir.mkdir()
    (bin_dir / "docker-credential-cgaws").symlink_to(BIN.resolve())
    return bin_dir


def test_skopeo_inspect_with_our_helper(cli, stack, state, helper_bin):
    assert SKOPEO, "skopeo is required: install the Debian package skopeo"
    cli.imds(stack)  # credentials from the instance role, as on EC2
    setup = configure(cli.tmp / "conf", state, routing="proxy", helper="cgaws")
    assert setup.helper_host == "cgr.dev"
    env = skopeo_env(cli, setup, helper_bin)
    result = subprocess.run(setup.inspect_command(), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    inspected = json.loads(result.stdout)
    assert inspected["Name"] == "cgr.dev/chainguard/static"
    assert inspected["Digest"] == state["image_digest"]
    pulls = [e for e in stack.registry.log.entries() if "/manifests/" in e["path"]]
    assert pulls and all(e["authenticated"] for e in pulls)
    exchanges = issuer_exchanges(stack)
    assert exchanges and exchanges[0]["caller"]["Arn"].endswith(f"/{state['imds_instance_id']}")
    # A second inspect is served from the token cache: no new exchange.
    before = len(exchanges)
    result = subprocess.run(setup.inspect_command(), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(issuer_exchanges(stack)) == before


def test_skopeo_reports_the_helpers_error(cli, stack, state, helper_bin):
    assert SKOPEO
    setup = configure(cli.tmp / "conf", state, routing="proxy", helper="cgaws")
    env = skopeo_env(cli, setup, helper_bin)
    env.pop("CHAINGUARD_IDENTITY")
    result = subprocess.run(setup.inspect_command(), env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "no identity" in result.stderr
