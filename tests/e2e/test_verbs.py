"""The verbs other than exchange: token, inspect, sign, docker-config,
install-helper, the credential helper, help and usage errors."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from conftest import BIN, ROOT, issuer_exchanges, jwt_claims

SUITE = ROOT / "tests" / "vectors" / "sigv4-suite"
GO_ID = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d"


# -- token and inspect ---------------------------------------------------------

def test_token_then_inspect_and_precheck(cli, stack, state):
    cli.user_keys()
    r = cli.run("token", "--identity", GO_ID, "--audience", "https://issuer.example")
    assert r.code == 0, r.err
    blob = r.out.strip()
    assert r.out.endswith("\n") and "+" not in blob and "/" not in blob
    assert len(blob) % 4 == 0  # padded base64url
    wire = base64.urlsafe_b64decode(blob).decode()
    assert wire.startswith("POST /?Action=GetCallerIdentity&Version=2011-06-15 HTTP/1.1\r\nHost: sts.amazonaws.com\r\n")
    r = cli.run("inspect", blob, "--identity", GO_ID, "--audience", "https://issuer.example")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["identity"] == GO_ID and doc["audience"] == "https://issuer.example"
    assert doc["access_key_id"] == state["user_access_key_id"]
    assert doc["precheck"] == {"ok": True}
    assert state["user_secret_access_key"] not in r.out
    # From stdin too.
    assert cli.run("inspect", stdin=blob + "\n").json()["identity"] == GO_ID


def test_inspect_reports_the_failing_check(cli, stack):
    cli.user_keys()
    blob = cli.run("token", "--identity", GO_ID, "--time", "2026-01-15T08:00:00Z").out.strip()
    r = cli.run("inspect", blob, "--identity", GO_ID, "--now", "2026-01-15T08:20:00Z")
    assert r.code == 1
    assert r.json()["precheck"] == {"ok": False, "check": 7, "code": "expired", "error": r.json()["precheck"]["error"]}
    assert "check 7" in r.err
    r = cli.run("inspect", blob, "--identity", GO_ID.replace("6", "7"), "--now", "2026-01-15T08:01:00Z")
    assert r.code == 1 and r.json()["precheck"]["code"] == "invalid_identity"
    r = cli.run("inspect", blob, "--identity", GO_ID, "--audience", "https://other", "--now", "2026-01-15T08:01:00Z")
    assert r.code == 1 and r.json()["precheck"]["check"] == 6
    r = cli.run("inspect", blob.replace("-", "+").replace("_", "/") + "+", "--identity", GO_ID)
    assert r.code == 1


def test_token_with_session_token_is_redacted_in_inspect(cli, stack):
    r = cli.run("token", "--identity", GO_ID, env={"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET",
                                                  "AWS_SESSION_TOKEN": "SESSIONTOKENVALUE"})
    assert r.code == 0
    doc = cli.run("inspect", r.out.strip()).json()
    assert doc["has_session_token"] is True
    assert "SESSIONTOKENVALUE" not in json.dumps(doc)
    assert "x-amz-security-token" in doc["signed_headers"]


def test_token_regional_and_fips(cli, stack):
    cli.user_keys()
    blob = cli.run("token", "--identity", GO_ID, "--sts-region", "eu-west-1").out.strip()
    doc = cli.run("inspect", blob).json()
    assert doc["host"] == "sts.eu-west-1.amazonaws.com" and doc["credential_scope"].endswith("/eu-west-1/sts")
    blob = cli.run("token", "--identity", GO_ID, "--sts-region", "us-gov-west-1", "--fips").out.strip()
    assert cli.run("inspect", blob).json()["host"] == "sts.us-gov-west-1.amazonaws.com"
    r = cli.run("token", "--identity", GO_ID, "--sts-region", "cn-north-1", "--fips")
    assert r.code == 2


def test_token_is_deterministic_for_a_given_time(cli, stack):
    env = {"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "SECRET"}
    a = cli.run("token", "--identity", GO_ID, "--time", "2026-01-15T08:00:00Z", env=env).out
    b = cli.run("token", "--identity", GO_ID, "--time", "2026-01-15T08:00:00+00:00", env=env).out
    assert a == b


@pytest.mark.parametrize("args, code, message", [
    (["token", "--identity", "66fe8510254166621680aeb4sample222222/3359173sampled"], 2, "placeholder"),
    (["token"], 2, "no identity"),
    (["token", "--identity", GO_ID, "--time", "tomorrow"], 2, "RFC 3339"),
    (["token", "--identity", GO_ID, "--bogus"], 2, "unknown option --bogus"),
    (["frobnicate"], 2, "unknown verb"),
    ([], 2, "no verb"),
    (["sign", "--service", "s"], 2, "--region is required"),
    (["sign", "--region", "r", "--service", "s", "--expires", "10"], 2, "--expires needs --presign"),
    (["whoami", "--output", "yaml"], 2, "not text or json"),
    (["inspect", "--audience", "x"], 2, "need --identity"),
    (["docker-config", "--registry", "ghcr.io"], 2, "only cgr.dev"),
])
def test_usage_errors(cli, stack, args, code, message):
    r = cli.run(*args, env={"CHAINGUARD_IDENTITY": None})
    assert r.code == code, r.err
    assert message in r.err
    assert r.out == ""
    assert len(r.err.strip().splitlines()) <= 3


def test_help(cli, stack):
    r = cli.run("--help")
    assert r.code == 0
    for verb in ("token", "inspect", "sign", "whoami", "exchange", "credential-helper", "install-helper", "docker-config"):
        assert verb in r.out
        h = cli.run(verb, "--help")
        assert h.code == 0 and h.out.startswith(f"cgaws {verb}") and h.err == ""
    assert cli.run("--version").out.startswith("cgaws ")


# -- sign ------------------------------------------------------------------------

CASES = sorted(p.name for p in SUITE.iterdir() if p.is_dir())


@pytest.mark.parametrize("case", CASES)
def test_sign_matches_the_aws_suite(cli, case):
    d = SUITE / case
    ctx = json.loads((d / "context.json").read_text())
    creds = ctx["credentials"]
    env = {"AWS_ACCESS_KEY_ID": creds["access_key_id"], "AWS_SECRET_ACCESS_KEY": creds["secret_access_key"],
           "AWS_SESSION_TOKEN": creds.get("token")}
    flags = ["--region", ctx["region"], "--service", ctx["service"], "--time", ctx["timestamp"]]
    if not ctx.get("normalize", True):
        flags.append("--no-normalize-path")
    if ctx.get("omit_session_token"):
        flags.append("--omit-session-token")
    header_flags = flags + (["--sign-body"] if ctx.get("sign_body") else [])
    r = cli.run("sign", str(d / "request.txt"), *header_flags, env=env)
    assert r.code == 0, r.err
    assert r.out == (d / "header-signed-request.txt").read_text()
    r = cli.run("sign", "-", *flags, "--presign", "--expires", str(ctx["expiration_in_seconds"]),
                "--verbose", stdin=(d / "request.txt").read_text(), env=env)
    assert r.code == 0, r.err
    assert r.out == (d / "query-signed-request.txt").read_text()
    assert (d / "query-canonical-request.txt").read_text() in r.err or creds.get("token")
    assert (d / "query-string-to-sign.txt").read_text() in r.err


def test_sign_verbose_redacts_the_session_token(cli):
    d = SUITE / "get-vanilla-with-session-token"
    token = json.loads((d / "context.json").read_text())["credentials"]["token"]
    r = cli.run("sign", str(d / "request.txt"), "--region", "us-east-1", "--service", "service", "-v",
                env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "verysecretkeyvalue", "AWS_SESSION_TOKEN": token})
    assert r.code == 0
    assert token not in r.err and "<redacted>" in r.err
    assert "---- canonical request ----" in r.err and "---- string to sign ----" in r.err


def test_sign_refuses_a_malformed_request(cli):
    r = cli.run("sign", "--region", "r", "--service", "s", stdin="GET / HTTP/1.1\nNoHostHere:x\n",
                env={"AWS_ACCESS_KEY_ID": "AKID", "AWS_SECRET_ACCESS_KEY": "x"})
    assert r.code == 1 and "Host" in r.err and r.out == ""


# -- docker-config -------------------------------------------------------------------

def test_docker_config(cli, stack, state):
    cli.user_keys()
    r = cli.run("docker-config", "--registry", "cgr.dev", "--registry", "https://team.cgr.dev/")
    assert r.code == 0, r.err
    doc = r.json()
    assert set(doc["auths"]) == {"cgr.dev", "team.cgr.dev"}
    user, token = base64.b64decode(doc["auths"]["cgr.dev"]["auth"]).decode().split(":", 1)
    assert user == "_token"
    assert jwt_claims(token)["aud"] in ("cgr.dev", ["cgr.dev"])
    # Always a fresh token, even with a warm cache.
    cli.run("docker-config")
    assert len(issuer_exchanges(stack)) == 2


# -- install-helper ---------------------------------------------------------------------

def test_install_helper_keeps_other_entries(cli, stack, state):
    docker = cli.home / ".docker" / "config.json"
    docker.parent.mkdir()
    docker.write_text(json.dumps({"auths": {"ghcr.io": {"auth": "eDp5"}}, "credHelpers": {"gcr.io": "gcloud"}}))
    docker.chmod(0o640)
    link_dir = cli.tmp / "bin"
    link_dir.mkdir()
    r = cli.run("install-helper", "--identity", state["identity"], "--link-dir", str(link_dir))
    assert r.code == 0, r.err
    doc = json.loads(docker.read_text())
    assert doc["auths"] == {"ghcr.io": {"auth": "eDp5"}}
    assert doc["credHelpers"] == {"gcr.io": "gcloud", "cgr.dev": "cgaws"}
    assert docker.stat().st_mode & 0o777 == 0o640
    link = link_dir / "docker-credential-cgaws"
    assert link.is_symlink() and Path(os.readlink(link)).resolve() == BIN.resolve()
    config = json.loads((cli.tmp / "config" / "cgaws" / "config.json").read_text())
    assert config == {"identity": state["identity"]}
    # Idempotent.
    assert cli.run("install-helper", "--link-dir", str(link_dir)).code == 0
    assert json.loads(docker.read_text())["credHelpers"] == {"gcr.io": "gcloud", "cgr.dev": "cgaws"}


def test_install_helper_leaves_a_broken_file_alone(cli, stack):
    docker = cli.home / ".docker" / "config.json"
    docker.parent.mkdir()
    docker.write_text("{not json")
    r = cli.run("install-helper", "--no-link")
    assert r.code == 1 and "not valid JSON" in r.err
    assert docker.read_text() == "{not json"


def test_install_helper_dry_run(cli, stack):
    r = cli.run("install-helper", "--dry-run", "--registry", "x.cgr.dev")
    assert r.code == 0
    assert r.json() == {"credHelpers": {"x.cgr.dev": "cgaws"}}
    assert not (cli.home / ".docker").exists()


# -- the credential helper ------------------------------------------------------------------

def helper(cli, verb: str, stdin: str = "", **kw):
    return cli.run(verb, stdin=stdin, argv0="docker-credential-cgaws", **kw)


def test_helper_get_for_cgr_dev(cli, stack, state):
    cli.user_keys()
    for server in ("cgr.dev", "https://cgr.dev", "https://team.cgr.dev/v2/"):
        r = helper(cli, "get", server + "\n")
        assert r.code == 0, r.err
        doc = r.json()
        assert doc["ServerURL"] == server and doc["Username"] == "_token"
        assert jwt_claims(doc["Secret"])["aud"] in ("cgr.dev", ["cgr.dev"])
    # One exchange, then the cache.
    assert len(issuer_exchanges(stack)) == 1


def test_helper_unknown_server(cli, stack):
    cli.user_keys()
    for server in ("index.docker.io", "ghcr.io", "evilcgr.dev", "cgr.dev.evil.com"):
        r = helper(cli, "get", server)
        assert r.code == 1
        assert r.out == "credentials not found in native keychain\n"
    assert issuer_exchanges(stack) == []


def test_helper_as_cgaws_subcommand_and_config_file(cli, stack, state):
    cli.user_keys()
    cli.write("config/cgaws/config.json", json.dumps({"identity": state["identity"]}))
    r = cli.run("credential-helper", "get", stdin="cgr.dev", env={"CHAINGUARD_IDENTITY": None})
    assert r.code == 0, r.err
    assert r.json()["Username"] == "_token"


def test_helper_error_goes_to_stdout_for_docker(cli, stack):
    r = helper(cli, "get", "cgr.dev", env={"CHAINGUARD_IDENTITY": None})
    assert r.code == 1
    assert r.out.startswith("cgaws: no identity") and r.out.count("\n") == 1


def test_helper_store_erase_list(cli, stack, state):
    cli.user_keys()
    assert helper(cli, "get", "cgr.dev").code == 0
    assert len(list(cli.cache_dir.iterdir())) == 1
    r = helper(cli, "store", json.dumps({"ServerURL": "cgr.dev", "Username": "u", "Secret": "s"}))
    assert r.code == 0 and r.out == ""
    assert helper(cli, "list").out == "{}\n"
    assert helper(cli, "erase", "ghcr.io").code == 0
    assert len(list(cli.cache_dir.iterdir())) == 1
    assert helper(cli, "erase", "cgr.dev").code == 0
    assert list(cli.cache_dir.iterdir()) == []
    assert helper(cli, "bogus").code == 2


def test_helper_verbose_from_environment(cli, stack):
    cli.user_keys()
    r = helper(cli, "get", "cgr.dev", env={"CGAWS_VERBOSE": "1"})
    assert r.code == 0 and "exchange: got a token" in r.err
    assert r.json()["Secret"] not in r.err


def test_global_verbose_flag(cli, stack):
    cli.user_keys()
    r = cli.run("-v", "token", "--identity", GO_ID)
    assert r.code == 0 and "credentials: from environment" in r.err


def test_bad_issuer_is_a_usage_error_before_credentials(cli, stack):
    # No AWS credentials at all: the bad URL is reported, not the missing credentials.
    r = cli.run("exchange", "--issuer", "issuer.enforce.dev")
    assert r.code == 2 and "invalid issuer URL" in r.err
