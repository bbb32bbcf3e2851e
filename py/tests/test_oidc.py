"""The second proof method, `method="oidc"` (issue 7, PROTOCOL.md §7), end to end:
a JWT from STS GetWebIdentityToken (the STS emulator signs real ES384/RS256 JWTs
under `oidc_issuer` and publishes their JWKS), traded at the issuer emulator,
which verifies it through that JWKS and matches `oidc_identity`'s claimMatch rule
(issuer = oidc_issuer, subject = role_arn). Credentials are a role session, so the
JWT's `sub` must be the role's ARN, not the assumed-role session's."""

from __future__ import annotations

import datetime as dt
import json

import pytest

import cgaws
from conftest import aws_env, jwt_part


def claims_of(token: str) -> dict:
    return jwt_part(token, 1)


def assert_aws_jwt(token: str, emulators, *, subject: str, audience: str) -> dict:
    claims = claims_of(token)
    assert claims["iss"] == emulators["oidc_issuer"]
    assert claims["sub"] == subject
    assert claims["aud"] in (audience, [audience])
    assert claims["https://sts.amazonaws.com/"]["aws_account"] == emulators["account_id"]
    return claims


# -- generate_token(method="oidc"): the AWS JWT ---------------------------------


@pytest.mark.parametrize("algorithm", ["ES384", "RS256"])
def test_generate_token_is_the_aws_jwt(role_env, algorithm):
    token = cgaws.generate_token(None, method="oidc", oidc_algorithm=algorithm)
    claims = assert_aws_jwt(token, role_env, subject=role_env["role_arn"], audience=cgaws.DEFAULT_AUDIENCE)
    assert ":assumed-role/" not in claims["sub"]
    assert claims["exp"] - claims["iat"] == 300  # always sent, so a policy condition on it has a value
    assert jwt_part(token, 0)["alg"] == algorithm
    assert role_env.sts_actions().count("GetWebIdentityToken") == 1
    assert not role_env.issuer_exchanges()


def test_generate_token_audience_duration_and_identity(role_env):
    token = cgaws.generate_token(
        role_env["oidc_identity"],  # checked, not part of the JWT
        method="oidc",
        audience="https://issuer.example",
        oidc_duration=dt.timedelta(minutes=15),
        oidc_algorithm="rs256",
    )
    claims = assert_aws_jwt(token, role_env, subject=role_env["role_arn"], audience="https://issuer.example")
    assert claims["exp"] - claims["iat"] == 900
    assert jwt_part(token, 0)["alg"] == "RS256"


def test_generate_token_iam_user_subject(user_env):
    token = cgaws.generate_token(None, method="OIDC")  # spelled as the CLI accepts it
    assert_aws_jwt(token, user_env, subject=user_env["user_arn"], audience=cgaws.DEFAULT_AUDIENCE)


def test_generate_token_explicit_credentials(monkeypatch, emulators):
    aws_env(monkeypatch, emulators)
    token = cgaws.generate_token(None, emulators.user_credentials, method="oidc")
    assert claims_of(token)["sub"] == emulators["user_arn"]


def test_sts_endpoint_rules(monkeypatch, user_env):
    """STS is called where the AWS configuration says, signed for the region:
    the emulator records the signing region in the token's `source_region`."""
    emulators = user_env
    source_region = lambda token: claims_of(token)["https://sts.amazonaws.com/"]["source_region"]  # noqa: E731
    assert source_region(cgaws.generate_token(None, method="oidc")) == emulators["region"]
    # sts_region: that region's STS (here still at the configured endpoint URL).
    assert source_region(cgaws.generate_token(None, method="oidc", sts_region="eu-west-1")) == "eu-west-1"
    # AWS_ENDPOINT_URL serves when AWS_ENDPOINT_URL_STS is not set.
    monkeypatch.delenv("AWS_ENDPOINT_URL_STS")
    monkeypatch.setenv("AWS_ENDPOINT_URL", emulators["sts_url"])
    monkeypatch.setenv("AWS_REGION", "ap-southeast-2")
    assert source_region(cgaws.generate_token(None, method="oidc")) == "ap-southeast-2"
    assert emulators.sts_actions().count("GetWebIdentityToken") == 3


# -- exchange(method="oidc") -----------------------------------------------------


@pytest.mark.parametrize("algorithm", [None, "ES384", "RS256"])
def test_exchange(role_env, algorithm):
    emulators = role_env
    token = cgaws.exchange(
        emulators["oidc_identity"], issuer=emulators["issuer_url"], method="oidc", oidc_algorithm=algorithm
    )
    assert isinstance(token, cgaws.Token) and token.expiry is not None
    claims = claims_of(token.token)
    assert claims["iss"] == emulators["issuer_url"]
    assert claims["sub"] == emulators["oidc_identity"]
    assert claims["aud"] in ("cgr.dev", ["cgr.dev"])
    [entry] = emulators.issuer_exchanges()
    assert (entry["bearer_kind"], entry["status"]) == ("oidc", 200)
    assert emulators.sts_actions().count("GetWebIdentityToken") == 1


def test_exchange_gci_is_still_the_default(role_env):
    emulators = role_env
    for kwargs in ({}, {"method": "gci"}):
        token = cgaws.exchange(emulators["identity"], issuer=emulators["issuer_url"], **kwargs)
        assert claims_of(token.token)["sub"] == emulators["identity"]
        assert emulators.issuer_exchanges()[-1]["bearer_kind"] == "aws-blob"
    assert "GetWebIdentityToken" not in emulators.sts_actions()
    assert cgaws.generate_token(emulators["identity"]).count(".") == 0  # a blob, not a JWT


def test_exchange_oidc_for_an_aws_identity_is_refused(role_env):
    """The awsIdentity identity takes blobs only: the issuer says PERMISSION_DENIED."""
    with pytest.raises(cgaws.ExchangeError) as info:
        cgaws.exchange(role_env["identity"], issuer=role_env["issuer_url"], method="oidc")
    assert info.value.permission_denied
    assert role_env.issuer_exchanges()[-1]["bearer_kind"] == "oidc"


# -- the two STS refusals ----------------------------------------------------------


def refusal(emulators, verb: str, sts_setting: dict) -> cgaws.StsError:
    """The StsError of `generate_token` or `exchange` (method="oidc", for the issuer
    emulator) once STS is set to refuse; nothing reached the issuer."""
    emulators.control(emulators["sts_url"], body=sts_setting)
    with pytest.raises(cgaws.StsError) as info:
        if verb == "generate_token":
            cgaws.generate_token(None, method="oidc", audience=emulators["issuer_url"])
        else:
            cgaws.exchange(emulators["oidc_identity"], issuer=emulators["issuer_url"], method="oidc")
    e = info.value
    assert e.status == 403 and e.fix and e.fix in str(e)
    assert str(e).startswith(f"STS refused GetWebIdentityToken: STS {e.code} (HTTP 403)")
    assert not emulators.issuer_exchanges()
    return e


@pytest.mark.parametrize("verb", ["generate_token", "exchange"])
def test_federation_disabled(role_env, verb):
    e = refusal(role_env, verb, {"web_identity_federation": False})
    assert e.code == "OutboundWebIdentityFederationDisabledException"
    assert e.fix.startswith("outbound identity federation is not enabled for this AWS account")
    assert "aws iam enable-outbound-web-identity-federation" in e.fix


@pytest.mark.parametrize("verb", ["generate_token", "exchange"])
def test_access_denied_shows_the_minimal_policy(role_env, verb):
    e = refusal(role_env, verb, {"web_identity_token_allowed": False})
    assert e.code == "AccessDenied"
    assert "OutboundWebIdentityFederationDisabledException" not in str(e)
    policy = json.loads(e.fix.split("The minimal policy statement: ", 1)[1])
    assert (policy["Effect"], policy["Action"]) == ("Allow", "sts:GetWebIdentityToken")
    assert policy["Condition"]["ForAnyValue:StringEquals"]["sts:IdentityTokenAudience"] == role_env["issuer_url"]
    assert policy["Condition"]["NumericLessThanEquals"]["sts:DurationSeconds"] == 300


def test_other_sts_errors_have_no_fix(monkeypatch, emulators):
    aws_env(monkeypatch, emulators)
    wrong = {"access_key_id": emulators["user_access_key_id"], "secret_access_key": "not-the-secret-7Qx"}
    with pytest.raises(cgaws.StsError) as info:
        cgaws.generate_token(None, wrong, method="oidc")
    e = info.value
    assert e.status == 403 and e.code == "SignatureDoesNotMatch" and e.fix is None
    assert str(e).startswith("GetWebIdentityToken failed: ")
    assert "not-the-secret-7Qx" not in str(e) and "not-the-secret-7Qx" not in repr(e)


# -- bad arguments: found before any credentials or STS call ------------------------


@pytest.mark.parametrize("method", ["jwt", "", " blob", None, 1, b"oidc"])
@pytest.mark.parametrize("verb", ["generate_token", "exchange"])
def test_wrong_method_is_a_value_error(user_env, method, verb):
    call = getattr(cgaws, verb)
    with pytest.raises(ValueError) as info:
        call(user_env["identity"], method=method)
    assert isinstance(info.value, cgaws.InvalidArgumentError) and info.value.argument == "method"
    assert "'gci'" in str(info.value) and "'oidc'" in str(info.value) and repr(method) in str(info.value)
    assert not user_env.sts_actions() and not user_env.issuer_exchanges()
