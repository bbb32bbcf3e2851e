"""End to end against the local emulators (tests/emulators, run in a separate
process by the `stack` fixture): the default chain via IMDS, via a profile with
`role_arn` (STS AssumeRole on moto, signature-checked), via the environment and
via the container endpoint; the exchange at the issuer emulator (which checks
the blob and calls STS with it); boto3 credentials objects; whoami."""

from __future__ import annotations

import datetime as dt
import json
import socket
import urllib.request

import pytest

import cgaws
from conftest import aws_env, jwt_part


def assert_good_token(token: cgaws.Token, emulators) -> None:
    assert isinstance(token, cgaws.Token)
    assert token.expiry is not None and token.expiry.tzinfo is not None
    now = dt.datetime.now(dt.timezone.utc)
    assert now < token.expiry < now + dt.timedelta(hours=2)
    assert token.token.count(".") == 2  # a JWT
    assert token.token not in repr(token)


def exchange(emulators, **kwargs) -> cgaws.Token:
    return cgaws.exchange(emulators["identity"], issuer=emulators["issuer_url"], **kwargs)


def test_environment(user_env):
    emulators = user_env
    assert cgaws.load_credentials().source == "environment"
    me = cgaws.whoami()
    assert (me.account, me.arn) == (emulators["account_id"], emulators["user_arn"])
    assert me.user_id.startswith("AIDA")
    assert_good_token(exchange(emulators), emulators)


def test_imds(monkeypatch, emulators):
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    aws_env(monkeypatch, emulators, AWS_EC2_METADATA_SERVICE_ENDPOINT=emulators["imds_url"])
    creds = cgaws.load_credentials()
    assert creds.source == "imds" and creds.session_token and creds.expiry is not None
    me = cgaws.whoami()
    assert me.arn == (
        f"arn:aws:sts::{emulators['account_id']}:assumed-role/{emulators['role_name']}/{emulators['imds_instance_id']}"
    )
    assert_good_token(exchange(emulators), emulators)
    # Credentials with an expiry are kept: no new IMDS requests for the next call.
    emulators.control(emulators["imds_url"], "/_control/log", method="DELETE")
    cgaws.generate_token(emulators["identity"])
    assert emulators.control(emulators["imds_url"], "/_control/log", method="GET") == []


def test_profile_with_role_arn(monkeypatch, emulators, tmp_path):
    config = tmp_path / "config"
    config.write_text(
        "[profile deploy]\n"
        f"role_arn = {emulators['role_arn']}\n"
        "source_profile = base\n"
        "role_session_name = cgaws-py-e2e\n"
    )
    credentials = tmp_path / "credentials"
    credentials.write_text(
        "[base]\n"
        f"aws_access_key_id = {emulators['user_access_key_id']}\n"
        f"aws_secret_access_key = {emulators['user_secret_access_key']}\n"
    )
    aws_env(
        monkeypatch,
        emulators,
        AWS_CONFIG_FILE=str(config),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_PROFILE="deploy",
    )
    creds = cgaws.load_credentials()
    assert creds.source.startswith("profile:deploy") and creds.session_token
    me = cgaws.whoami()
    assert me.arn == f"arn:aws:sts::{emulators['account_id']}:assumed-role/{emulators['role_name']}/cgaws-py-e2e"
    assert_good_token(exchange(emulators), emulators)


def test_container_endpoint(role_env):
    emulators = role_env
    creds = cgaws.load_credentials()
    assert creds.source == "container" and creds.account_id == emulators["account_id"]
    assert_good_token(exchange(emulators), emulators)


def test_boto3_credentials_objects(monkeypatch, emulators):
    import boto3

    session = boto3.Session(
        aws_access_key_id=emulators["user_access_key_id"],
        aws_secret_access_key=emulators["user_secret_access_key"],
        region_name=emulators["region"],
    )
    assert_good_token(exchange(emulators, credentials=session.get_credentials()), emulators)
    # STS's own answer, as boto3 returns it, works as is.
    sts = session.client("sts", endpoint_url=emulators["sts_url"])
    assumed = sts.assume_role(RoleArn=emulators["role_arn"], RoleSessionName="from-boto3")["Credentials"]
    assert_good_token(exchange(emulators, credentials=assumed), emulators)
    aws_env(monkeypatch, emulators)  # whoami finds STS where the AWS configuration says
    assert cgaws.whoami(assumed).arn.endswith(f"assumed-role/{emulators['role_name']}/from-boto3")


def test_exchange_scopes_audience_and_token_claims(user_env):
    emulators = user_env
    token = exchange(emulators, audience=emulators["registry_audience"])
    claims = jwt_part(token.token, 1)
    aud = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    assert emulators["registry_audience"] in aud
    assert claims["iss"] == emulators["issuer_url"]


def test_exchange_retries_transient_failures(user_env):
    user_env.control(user_env["issuer_url"], body={"mode": "grpc14", "count": 2})
    assert_good_token(exchange(user_env), user_env)


def test_exchange_gives_up_after_three_attempts(user_env):
    user_env.control(user_env["issuer_url"], body={"mode": "503", "count": 3})
    with pytest.raises(cgaws.ExchangeError) as info:
        exchange(user_env)
    assert info.value.status == 503


def test_exchange_plain_500_is_not_retried(user_env):
    user_env.control(user_env["issuer_url"], body={"mode": "500", "count": 1})
    with pytest.raises(cgaws.ExchangeError) as info:
        exchange(user_env)
    assert info.value.status == 500 and info.value.code is None


def test_exchange_never_follows_redirects(user_env):
    user_env.control(user_env["issuer_url"], "/_control/redirect-sink", method="DELETE")
    user_env.control(user_env["issuer_url"], body={"mode": "redirect", "count": 1})
    with pytest.raises(cgaws.ExchangeError) as info:
        exchange(user_env)
    assert info.value.status in (301, 302, 303, 307, 308) and info.value.location
    assert user_env.control(user_env["issuer_url"], "/_control/redirect-sink", method="GET") == []


def test_exchange_unknown_identity(user_env):
    with pytest.raises(cgaws.ExchangeError) as info:
        cgaws.exchange("0" * 40 + "/" + "1" * 16, issuer=user_env["issuer_url"])
    e = info.value
    assert (e.status, e.code, e.code_name) == (404, 5, "NOT_FOUND")
    assert "not found" in e.issuer_message


def test_exchange_issuer_with_trailing_slash(user_env):
    """The blob's audience is the issuer URL without the trailing slash."""
    assert_good_token(cgaws.exchange(user_env["identity"], issuer=user_env["issuer_url"] + "/"), user_env)


def test_exchange_permission_denied(user_env):
    """The oidc identity's rule (claim_match) takes no GetCallerIdentity blob: PERMISSION_DENIED."""
    emulators = user_env
    with pytest.raises(cgaws.ExchangeError) as info:
        cgaws.exchange(emulators["oidc_identity"], issuer=emulators["issuer_url"])
    assert info.value.status in (401, 403)
    assert emulators["user_secret_access_key"] not in str(info.value)


def test_exchange_transport_error(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(cgaws.TransportError) as info:
        cgaws.exchange("0" * 40 + "/" + "1" * 16, issuer=f"http://127.0.0.1:{port}")
    assert info.value.url.startswith(f"http://127.0.0.1:{port}/sts/exchange")


def test_whoami_bad_keys(monkeypatch, emulators):
    aws_env(monkeypatch, emulators)
    with pytest.raises(cgaws.StsError) as info:
        cgaws.whoami({"access_key_id": "AKIA" + "X" * 16, "secret_access_key": "nope"})
    assert info.value.status == 403 and info.value.code


def test_imds_failure_is_reported(monkeypatch, emulators):
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    aws_env(monkeypatch, emulators, AWS_EC2_METADATA_SERVICE_ENDPOINT=emulators["imds_url"])
    emulators.control(emulators["imds_url"], body={"mode": "error500"})
    with pytest.raises(cgaws.NoCredentialsError) as info:
        cgaws.load_credentials()
    assert info.value.attempts[-1][0] == "imds"


# --- verify: the relying party's flow ------------------------------------------------

SERVICE = "https://my-service.example"


def test_verify_with_rule(monkeypatch, emulators):
    aws_env(monkeypatch, emulators)  # AWS_ENDPOINT_URL_STS: where the forwarded request goes
    identity = emulators["identity"]
    blob = cgaws.generate_token(identity, emulators.user_credentials, audience=SERVICE)
    ok = cgaws.verify(blob, identity=identity, audiences=[SERVICE], rule={"awsIdentity": emulators["identity_rule"]})
    assert ok["caller"] == cgaws.CallerIdentity(
        emulators["account_id"], emulators["user_arn"], ok["caller"].user_id
    )
    assert ok["sts_host"] == "sts.amazonaws.com" and ok["audience"] == SERVICE and ok["identity"] == identity
    assert ok["verdict"] and all(f["matched"] for f in ok["verdict"])
    # Without a rule: whoever STS vouches for; the endpoint may also be given directly.
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    plain = cgaws.verify(blob, identity=identity, audiences=SERVICE, sts_endpoint=emulators["sts_url"])
    assert plain["verdict"] is None and plain["caller"].arn == emulators["user_arn"]


def test_verify_rule_not_matched(monkeypatch, emulators):
    """The classic mistake: the rule names the IAM role, the caller is a session."""
    aws_env(monkeypatch, emulators)
    account = emulators["account_id"]
    rule = json.dumps(
        {
            "name": "ci",
            "awsIdentity": {
                "aws_account": account,
                "arn": f"arn:aws:iam::{account}:role/{emulators['role_name']}",
                "userIdPattern": "^AROA",
            },
        }
    )
    import boto3

    sts = boto3.client(
        "sts",
        endpoint_url=emulators["sts_url"],
        region_name=emulators["region"],
        aws_access_key_id=emulators["user_access_key_id"],
        aws_secret_access_key=emulators["user_secret_access_key"],
    )
    session = sts.assume_role(RoleArn=emulators["role_arn"], RoleSessionName="ci-run")["Credentials"]
    blob = cgaws.generate_token(emulators["identity"], session, audience=SERVICE)
    with pytest.raises(cgaws.VerifyError) as info:
        cgaws.verify(blob, identity=emulators["identity"], audiences=SERVICE, rule=rule)
    e = info.value
    assert (e.check, e.code) == (9, "rule_not_matched") and not isinstance(e, cgaws.PrecheckError)
    assert e.caller.arn.endswith(f"assumed-role/{emulators['role_name']}/ci-run")
    failing = [f for f in e.verdict if not f["matched"]]
    assert [f["field"] for f in failing] == ["arn"]
    assert failing[0]["suggestion"]
    assert session["SecretAccessKey"] not in str(e) and session["SessionToken"] not in str(e)


def test_verify_refusals(monkeypatch, emulators):
    aws_env(monkeypatch, emulators)
    identity = emulators["identity"]
    forged = cgaws.generate_token(
        identity, {"access_key_id": emulators["user_access_key_id"], "secret_access_key": "wrong"}, audience=SERVICE
    )
    with pytest.raises(cgaws.VerifyError) as info:
        cgaws.verify(forged, identity=identity, audiences=SERVICE)
    assert (info.value.check, info.value.code, info.value.sts_status) == (8, "rejected_by_sts", 403)
    old = cgaws.generate_token(identity, emulators.user_credentials, audience=SERVICE, time=dt.datetime(2020, 1, 1))
    with pytest.raises(cgaws.PrecheckError) as info:
        cgaws.verify(old, identity=identity, audiences=SERVICE)
    assert (info.value.check, info.value.code) == (7, "expired") and isinstance(info.value, cgaws.VerifyError)
    blob = cgaws.generate_token(identity, emulators.user_credentials, audience=SERVICE)
    with pytest.raises(cgaws.PrecheckError) as info:
        cgaws.verify(blob, identity=identity, audiences="https://other.example")
    assert info.value.check == 6
    with pytest.raises(cgaws.InvalidArgumentError) as info:
        cgaws.verify(blob, identity=identity, audiences=SERVICE, rule='{"name": "no rule here"}')
    assert info.value.argument == "rule"
