"""`cgaws exchange` against the issuer emulator: success, retries, refusals,
redirects, and the messages users see."""

from __future__ import annotations

import time

import pytest

from conftest import issuer_exchanges, jwt_claims, new_uidp


def test_exchange_with_env_credentials(cli, stack, state):
    cli.user_keys()
    token = cli.exchange_ok()
    claims = jwt_claims(token)
    assert claims["iss"] == state["issuer_url"]
    assert claims["sub"] == state["identity"]
    assert claims["aud"] in ("cgr.dev", ["cgr.dev"])
    assert claims["exp"] > time.time() + 3000
    [entry] = issuer_exchanges(stack)
    # Form body, the blob bound to the issuer URL exactly as given.
    assert entry["params_in"] == "form"
    assert entry["blob"]["audience"] == state["issuer_url"]
    assert entry["blob"]["identity"] == state["identity"]
    assert entry["caller"]["Arn"] == state["user_arn"]


def test_exchange_json_audiences_scopes_caps(cli, stack, state):
    cli.user_keys()
    r = cli.run("exchange", "--output", "json", "--audience", "https://console-api.enforce.dev",
                "--audience", "cgr.dev", "--scope", "registry.pull", "--cap", "registry.pull")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["from_cache"] is False
    assert doc["audiences"] == ["https://console-api.enforce.dev", "cgr.dev"]
    assert jwt_claims(doc["token"])["aud"] == ["https://console-api.enforce.dev", "cgr.dev"]
    assert doc["expiry"].endswith("Z")
    [entry] = issuer_exchanges(stack)
    assert entry["params"]["aud"] == ["https://console-api.enforce.dev", "cgr.dev"]
    assert entry["params"]["scope"] == ["registry.pull"]
    assert entry["params"]["cap"] == ["registry.pull"]


def test_audience_from_environment(cli, stack):
    cli.user_keys()
    token = cli.exchange_ok(env={"CHAINGUARD_AUDIENCE": "https://console-api.enforce.dev"})
    assert jwt_claims(token)["aud"] in ("https://console-api.enforce.dev", ["https://console-api.enforce.dev"])


@pytest.mark.parametrize("mode, failures, statuses", [
    ("503", 2, [503, 503, 200]),
    ("grpc14", 1, [503, 200]),  # gRPC UNAVAILABLE (code 14), in a 503
])
def test_transient_failures_are_retried(cli, stack, mode, failures, statuses):
    cli.user_keys()
    stack.issuer.configure({"mode": mode, "count": failures})
    r = cli.run("exchange", "-v")
    assert r.code == 0, r.err
    assert [e["status"] for e in issuer_exchanges(stack)] == statuses
    assert "retrying" in r.err


@pytest.mark.parametrize("mode, failures, attempts, says", [
    ("grpc14", 5, 3, "UNAVAILABLE"),  # transient: gives up after three attempts
    ("500", 3, 1, "HTTP 500"),  # not transient: no retry
])
def test_failing_issuer(cli, stack, mode, failures, attempts, says):
    cli.user_keys()
    stack.issuer.configure({"mode": mode, "count": failures})
    r = cli.run("exchange")
    assert r.code == 1
    assert len(issuer_exchanges(stack)) == attempts
    assert says in r.err


def test_no_retry_on_4xx(cli, stack, state):
    cli.user_keys()
    unknown = new_uidp()
    r = cli.run("exchange", "--identity", unknown)
    assert r.code == 1
    assert len(issuer_exchanges(stack)) == 1
    assert "NOT_FOUND" in r.err and unknown in r.err


def test_never_follows_a_redirect(cli, stack):
    cli.user_keys()
    stack.issuer.configure({"mode": "redirect", "count": 1})
    r = cli.run("exchange")
    assert r.code == 1
    assert "302" in r.err and "not following" in r.err
    assert len(issuer_exchanges(stack)) == 1
    # The sink the redirect points to never saw a request, let alone the token.
    assert stack.issuer.sink.log.entries() == []


def test_permission_denied_names_identity_and_caller(cli, stack, state):
    cli.user_keys()
    strict = new_uidp()
    stack.issuer.register_identities({strict: {"name": "strict", "awsIdentity": {
        "aws_account": state["account_id"],
        "arn": f"arn:aws:iam::{state['account_id']}:role/some-other-role",
        "userIdPattern": "^AROA.*$",
    }}})
    r = cli.run("exchange", "--identity", strict)
    assert r.code == 1
    assert "PERMISSION_DENIED" in r.err
    assert "caller does not match identity rule" in r.err
    assert strict in r.err
    assert state["user_arn"] in r.err  # the caller, asked of STS
    assert "cgaws whoami" in r.err
    assert "assumed-role" in r.err


def test_wrong_issuer_audience_is_refused(cli, stack, state):
    cli.user_keys()
    # The blob is bound to the issuer URL as given: a trailing slash is another audience.
    r = cli.run("exchange", "--issuer", state["issuer_url"] + "/")
    assert r.code == 1
    assert "invalid audience" in r.err


def test_issuer_unreachable(cli, stack):
    cli.user_keys()
    r = cli.run("exchange", "--issuer", "http://127.0.0.1:9", "--no-cache")
    assert r.code == 1
    assert "could not reach the issuer" in r.err


def test_malformed_identity_is_a_usage_error(cli, stack):
    cli.user_keys()
    r = cli.run("exchange", "--identity", "66fe8510254166621680aeb4sample222222/3359173sampled")
    assert r.code == 2
    assert "placeholder" in r.err
    assert issuer_exchanges(stack) == []


def test_regional_sts_host_needs_issuer_opt_in(cli, stack):
    cli.user_keys()
    r = cli.run("exchange", "--sts-region", "eu-west-1", "--no-cache")
    assert r.code == 1
    assert "INVALID_ARGUMENT" in r.err or "host" in r.err


def test_verbose_logs_steps_without_secrets(cli, stack, state):
    cli.user_keys()
    r = cli.run("exchange", "--verbose")
    assert r.code == 0
    token = r.out.strip()
    for step in ("credentials: from environment", "token: signed GetCallerIdentity", "http: POST", "exchange: got a token", "ms"):
        assert step in r.err, r.err
    assert token not in r.err
    assert token.split(".")[2] not in r.err
