"""Every AWS credential source, driven by the real binary against the
emulators: `cgaws whoami` shows which principal STS (moto, signature checks
on) saw, and `cgaws exchange` proves the issuer accepts the result."""

from __future__ import annotations

import json
import sys
import time
import urllib.request

import pytest

from conftest import issuer_exchanges


def whoami(cli, *args, **kw) -> dict:
    r = cli.run("whoami", "--output", "json", *args, **kw)
    assert r.code == 0, r.err
    return r.json()


def assumed(state, session: str) -> str:
    return f"arn:aws:sts::{state['account_id']}:assumed-role/{state['role_name']}/{session}"


# -- environment ---------------------------------------------------------------

def test_env_static_keys(cli, stack, state):
    cli.user_keys()
    me = whoami(cli)
    assert me == {"Account": state["account_id"], "Arn": state["user_arn"], "UserId": me["UserId"]}
    assert me["UserId"].startswith("AIDA")
    r = cli.run("whoami")
    assert r.code == 0 and f"Arn:     {state['user_arn']}" in r.out


def test_env_key_without_secret_is_an_error(cli, stack):
    r = cli.run("whoami", env={"AWS_ACCESS_KEY_ID": "AKIAEXAMPLE"})
    assert r.code == 1
    assert "AWS_SECRET_ACCESS_KEY" in r.err


def test_no_credentials_lists_every_source(cli, stack):
    r = cli.run("token")
    assert r.code == 1
    for source in ("environment", "profile", "web-identity", "container", "imds"):
        assert source in r.err, r.err


def test_wrong_secret_is_rejected_by_sts(cli, stack, state):
    cli.env["AWS_ACCESS_KEY_ID"] = state["user_access_key_id"]
    cli.env["AWS_SECRET_ACCESS_KEY"] = "wrong" + state["user_secret_access_key"][5:]
    r = cli.run("whoami")
    assert r.code == 1
    assert "SignatureDoesNotMatch" in r.err or "InvalidClientTokenId" in r.err


# -- shared config and credentials files ------------------------------------------

def write_profiles(cli, state, config: str, credentials: str = "") -> None:
    user = (f"aws_access_key_id = {state['user_access_key_id']}\n"
            f"aws_secret_access_key = {state['user_secret_access_key']}\n")
    cli.write("home/.aws/config", config.replace("@USER@", user))
    cli.write("home/.aws/credentials", credentials.replace("@USER@", user))


def test_profile_static_keys(cli, stack, state):
    write_profiles(cli, state, "[profile dev]\nregion = us-east-1\n", "[dev]\n@USER@")
    assert whoami(cli, "--profile", "dev")["Arn"] == state["user_arn"]
    assert whoami(cli, env={"AWS_PROFILE": "dev"})["Arn"] == state["user_arn"]


def test_explicit_profile_beats_environment_keys(cli, stack, state):
    write_profiles(cli, state, "[profile dev]\n@USER@")
    cli.env["AWS_ACCESS_KEY_ID"] = "AKIAIGNOREDIGNORED00"
    cli.env["AWS_SECRET_ACCESS_KEY"] = "ignored"
    assert whoami(cli, "--profile", "dev")["Arn"] == state["user_arn"]


def test_missing_profile(cli, stack, state):
    write_profiles(cli, state, "[default]\nregion = us-east-1\n")
    r = cli.run("whoami", "--profile", "nope")
    assert r.code == 1 and "nope" in r.err


def test_role_arn_with_source_profile(cli, stack, state):
    write_profiles(cli, state, f"""[profile base]
@USER@
[profile app]
role_arn = {state['role_arn']}
source_profile = base
role_session_name = cgaws-e2e
external_id = ext-123
duration_seconds = 1800
""")
    assert whoami(cli, "--profile", "app")["Arn"] == assumed(state, "cgaws-e2e")
    assumes = [e for e in stack.sts.log.entries() if "AssumeRole" in json.dumps(e)]
    assert assumes, "moto saw no AssumeRole"
    token = cli.exchange_ok("--profile", "app")
    assert issuer_exchanges(stack)[-1]["caller"]["Arn"] == assumed(state, "cgaws-e2e")
    assert token


def test_role_chain_of_two_hops(cli, stack, state):
    write_profiles(cli, state, f"""[profile base]
@USER@
[profile hop1]
role_arn = {state['role_arn']}
source_profile = base
role_session_name = first
[profile hop2]
role_arn = {state['role_arn']}
source_profile = hop1
role_session_name = second
""")
    # The test role trusts only the IAM user, so moto refuses the second hop; its
    # refusal names the first hop's session: hop 2 was signed with hop 1's credentials.
    r = cli.run("whoami", "--profile", "hop2")
    assert r.code == 1
    assert "hop 2 of 2" in r.err
    assert f"User: {assumed(state, 'first')} is not authorized to perform: sts:AssumeRole" in r.err
    assert len([e for e in stack.sts.log.entries() if "AssumeRole" in json.dumps(e)]) == 2


def test_role_with_credential_source_environment(cli, stack, state):
    cli.user_keys()
    write_profiles(cli, state, f"""[profile app]
role_arn = {state['role_arn']}
credential_source = Environment
role_session_name = from-env
""")
    assert whoami(cli, "--profile", "app")["Arn"] == assumed(state, "from-env")


def test_role_cycle_is_detected(cli, stack, state):
    write_profiles(cli, state, f"""[profile a]
role_arn = {state['role_arn']}
source_profile = b
[profile b]
role_arn = {state['role_arn']}
source_profile = a
""")
    r = cli.run("whoami", "--profile", "a")
    assert r.code == 1
    assert "loop" in r.err.lower() or "cycle" in r.err.lower(), r.err


def test_credential_process(cli, stack, state):
    script = cli.write("bin/creds.py", "import json, sys\nprint(json.dumps({'Version': 1, 'AccessKeyId': sys.argv[1], "
                       "'SecretAccessKey': sys.argv[2]}))\n")
    write_profiles(cli, state, f"""[profile proc]
credential_process = {sys.executable} "{script}" {state['user_access_key_id']} {state['user_secret_access_key']}
""")
    assert whoami(cli, "--profile", "proc")["Arn"] == state["user_arn"]
    cli.exchange_ok("--profile", "proc")


def test_credential_process_failure_shows_its_stderr(cli, stack, state):
    script = cli.write("bin/fail.py", "import sys\nsys.stderr.write('token expired, run sso login\\n')\nsys.exit(3)\n")
    write_profiles(cli, state, f"[profile proc]\ncredential_process = {sys.executable} {script}\n")
    r = cli.run("whoami", "--profile", "proc")
    assert r.code == 1
    assert "token expired, run sso login" in r.err


def test_credential_process_runs_without_a_shell(cli, stack, state):
    marker = cli.tmp / "marker"
    write_profiles(cli, state, f"[profile proc]\ncredential_process = /bin/echo hi; touch {marker}\n")
    r = cli.run("whoami", "--profile", "proc")
    assert r.code == 1
    assert not marker.exists()


# -- web identity ------------------------------------------------------------------

def test_web_identity_from_environment(cli, stack, state):
    token_file = cli.write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6ZGVmYXVsdDphcHAifQ.c2ln\n")
    me = whoami(cli, env={"AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file), "AWS_ROLE_ARN": state["role_arn"],
                          "AWS_ROLE_SESSION_NAME": "irsa-pod"})
    assert me["Arn"] == assumed(state, "irsa-pod")


def test_web_identity_from_profile(cli, stack, state):
    token_file = cli.write("token", "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln")
    write_profiles(cli, state, f"""[profile wi]
role_arn = {state['role_arn']}
web_identity_token_file = {token_file}
role_session_name = wi-profile
""")
    assert whoami(cli, "--profile", "wi")["Arn"] == assumed(state, "wi-profile")


def test_web_identity_missing_token_file(cli, stack, state):
    r = cli.run("whoami", env={"AWS_WEB_IDENTITY_TOKEN_FILE": str(cli.tmp / "nope"), "AWS_ROLE_ARN": state["role_arn"]})
    assert r.code == 1
    assert "nope" in r.err


# -- container endpoints -------------------------------------------------------------

def container_env(state, **extra):
    return {"AWS_CONTAINER_AUTHORIZATION_TOKEN": state["container_auth_token"], **extra}


def test_container_relative_uri(cli, stack, state):
    # The ECS agent's fixed address, routed to the emulator the way curl's --connect-to would.
    target = state["container_url"].removeprefix("http://")
    env = container_env(state, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=state["container_relative_uri"],
                        CGAWS_CONNECT_TO=f"169.254.170.2:80={target}")
    me = whoami(cli, env=env)
    assert me["Arn"].startswith(assumed(state, "ecs-task-"))
    entry = stack.container.log.entries()[-1]
    assert entry["authorized"] is True


def test_container_full_uri_with_token(cli, stack, state):
    me = whoami(cli, env=container_env(state, AWS_CONTAINER_CREDENTIALS_FULL_URI=state["container_full_uri"]))
    assert me["Arn"].startswith(assumed(state, "ecs-task-"))
    cli.exchange_ok(env=container_env(state, AWS_CONTAINER_CREDENTIALS_FULL_URI=state["container_full_uri"]))


def test_pod_identity_token_file(cli, stack, state):
    token_file = cli.write("eks-pod-identity-token", state["container_auth_token"])
    me = whoami(cli, env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": state["container_full_uri"],
                          "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": str(token_file)})
    assert me["Arn"].startswith(assumed(state, "ecs-task-"))


def test_container_wrong_token(cli, stack, state):
    r = cli.run("whoami", env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": state["container_full_uri"],
                               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer nope"})
    assert r.code == 1
    assert "container" in r.err and "403" in r.err


def test_container_host_not_allowed(cli, stack):
    r = cli.run("whoami", env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://example.com/creds"})
    assert r.code == 1
    assert "not allowed" in r.err


# -- EC2 instance metadata -------------------------------------------------------------

def test_imds_v2(cli, stack, state):
    cli.imds(stack)
    me = whoami(cli)
    assert me["Arn"] == assumed(state, state["imds_instance_id"])
    log = stack.imds.log.entries()
    assert log[0]["method"] == "PUT"
    assert all(e["token"] == "valid" for e in log[1:])
    cli.exchange_ok()


def test_imds_v1_fallback(cli, stack, state):
    cli.imds(stack)
    stack.imds.configure({"mode": "v1-only"})
    r = cli.run("whoami", "--output", "json")
    assert r.code == 0, r.err
    assert r.json()["Arn"] == assumed(state, state["imds_instance_id"])
    assert "v1" in r.err.lower() or "IMDSv1" in r.err


def whoami_fails_over_imds(cli, stack, imds_config: dict, **kw):
    """`cgaws whoami` with IMDS as the source, the emulator configured so; it
    must fail. Returns the result and how long the run took."""
    cli.imds(stack)
    stack.imds.configure(imds_config)
    start = time.monotonic()
    r = cli.run("whoami", **kw)
    elapsed = time.monotonic() - start
    assert r.code == 1, r.out
    return r, elapsed


def test_imds_v1_fallback_disabled(cli, stack):
    r, _ = whoami_fails_over_imds(cli, stack, {"mode": "v1-only"}, env={"AWS_EC2_METADATA_V1_DISABLED": "true"})
    assert "AWS_EC2_METADATA_V1_DISABLED" in r.err


def test_imds_dropped_put_names_the_hop_limit(cli, stack):
    r, elapsed = whoami_fails_over_imds(cli, stack, {"mode": "drop-put"})
    assert "hop limit" in r.err and "--http-put-response-hop-limit 2" in r.err
    assert elapsed < 5, elapsed


def test_imds_disabled(cli, stack):
    r = cli.run("whoami")
    assert r.code == 1
    assert "AWS_EC2_METADATA_DISABLED" in r.err


@pytest.mark.parametrize("mode, says", [
    ("error500", ["500"]),
    ("bad-json", ["imds", "json"]),
    ("no-role", ["imds"]),
])
def test_imds_failures_are_named(cli, stack, mode, says):
    r, _ = whoami_fails_over_imds(cli, stack, {"mode": mode})
    for word in says:
        assert word in r.err.lower(), r.err


def test_no_imds_fails_fast(cli, stack):
    # Nothing listens on this port: connection refused, reported as "not found".
    start = time.monotonic()
    r = cli.run("whoami", env={"AWS_EC2_METADATA_DISABLED": None, "AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:9"})
    assert r.code == 1
    assert time.monotonic() - start < 3


def test_slow_imds_fails_within_the_short_timeout(cli, stack):
    r, elapsed = whoami_fails_over_imds(cli, stack, {"mode": "slow", "delay_ms": 4000})
    assert elapsed < 3.5, elapsed
    assert "imds" in r.err.lower()


def test_metadata_timeout_setting_is_honoured(cli, stack, state):
    cli.imds(stack)
    stack.imds.configure({"mode": "slow", "delay_ms": 1300})
    me = whoami(cli, env={"AWS_METADATA_SERVICE_TIMEOUT": "5"})
    assert me["Arn"] == assumed(state, state["imds_instance_id"])


# -- STS's clock ------------------------------------------------------------------

def set_sts_clock_skew(stack, seconds: int) -> None:
    """Moves the STS emulator's clock (and its Date header); reset after each test."""
    request = urllib.request.Request(stack.sts.base_url + "/_control", method="POST",
                                     data=json.dumps({"clock_skew_s": seconds}).encode(),
                                     headers={"Content-Type": "application/json"})
    urllib.request.urlopen(request, timeout=5).close()
    stack.sts.log.clear()


@pytest.mark.parametrize("skew_s", [3600, -3600])
def test_whoami_signs_again_with_the_sts_clock(cli, stack, state, skew_s):
    """STS refuses a signature more than 5 minutes off its clock; the CLI signs
    once more with the time in STS's Date header (core's StsCall)."""
    set_sts_clock_skew(stack, skew_s)
    cli.user_keys()
    r = cli.run("whoami", "-v", "--output", "json")
    assert r.code == 0, r.err
    assert r.json()["Arn"] == state["user_arn"]
    assert "signing again with the server's time" in r.err
    actions = [e.get("action") for e in stack.sts.log.entries()]
    assert actions == ["GetCallerIdentity", "GetCallerIdentity"]
