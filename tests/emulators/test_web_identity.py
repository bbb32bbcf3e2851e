"""STS GetWebIdentityToken (outbound identity federation, PROTOCOL.md §7),
and exchanging its JWT at the issuer emulator."""

from __future__ import annotations

from urllib.parse import quote

import jwt
import pytest
import requests
from botocore.exceptions import ClientError

from .awsblob import Creds, sign
from .oidc import verify_jwt
from .stack import new_uidp

NAMESPACE = "https://sts.amazonaws.com/"


def role_client(stack, session="wit"):
    creds = stack.sts.assume_role(session)
    return stack.sts.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])


def sts_control(state, **settings):
    answer = requests.post(state["sts_url"] + "/_control", json=settings)
    assert answer.status_code == 200, answer.text


def exchange(state, token, identity):
    return requests.post(state["issuer_url"] + "/sts/exchange", data={"aud": "cgr.dev", "identity": identity},
                         headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("algorithm", ["RS256", "ES384"])
def test_role_session_gets_a_verifiable_token_named_by_the_role(stack, state, algorithm):
    answer = role_client(stack).get_web_identity_token(
        Audience=[state["issuer_url"]], SigningAlgorithm=algorithm, DurationSeconds=120,
        Tags=[{"Key": "team", "Value": "build"}])
    token = answer["WebIdentityToken"]
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    claims = verify_jwt(token, issuer=state["oidc_issuer"], audience=state["issuer_url"], algorithms=[algorithm])
    assert claims["sub"] == state["role_arn"]  # the role, not the assumed-role session
    assert claims["exp"] - claims["iat"] == 120 and claims["jti"]
    assert int(answer["Expiration"].timestamp()) == claims["exp"]
    aws = claims[NAMESPACE]
    assert aws["aws_account"] == state["account_id"] and aws["source_region"] == "us-east-1"
    assert aws["principal_id"].endswith(":assumed-role/cgaws-test-role/wit")
    assert aws["request_tags"] == {"team": "build"}


def test_user_gets_a_token_named_by_the_user(stack, state):
    token = stack.sts.user_client().get_web_identity_token(Audience=["a", "b"], SigningAlgorithm="RS256")
    claims = jwt.decode(token["WebIdentityToken"], options={"verify_signature": False})
    assert claims["sub"] == state["user_arn"] and claims["aud"] == ["a", "b"]
    assert claims["exp"] - claims["iat"] == 300  # the default duration


def test_issuer_documents(state):
    config = requests.get(state["oidc_issuer"] + "/.well-known/openid-configuration").json()
    assert config["issuer"] == state["oidc_issuer"]
    assert config["jwks_uri"].startswith(state["oidc_issuer"] + "/")
    keys = requests.get(config["jwks_uri"]).json()["keys"]
    assert sorted(k["alg"] for k in keys) == ["ES384", "RS256"]


def raw_call(state, params: dict[str, str], secret: str | None = None):
    """GetWebIdentityToken signed by hand (boto3 would refuse invalid values)."""
    query = "&".join(f"{k}={quote(v, safe='')}" for k, v in
                     {"Action": "GetWebIdentityToken", "Version": "2011-06-15", **params}.items())
    url = f"{state['sts_url']}/?{query}"
    creds = Creds(state["user_access_key_id"], secret or state["user_secret_access_key"])
    return requests.post(url, headers=sign(creds, "POST", url, headers={"Accept": "application/json"}))


@pytest.mark.parametrize("params", [
    {"Audience.member.1": "x", "SigningAlgorithm": "HS256"},
    {"Audience.member.1": "x", "SigningAlgorithm": "RS256", "DurationSeconds": "59"},
    {"Audience.member.1": "x", "SigningAlgorithm": "RS256", "DurationSeconds": "3601"},
    {**{f"Audience.member.{i}": str(i) for i in range(1, 12)}, "SigningAlgorithm": "RS256"},
    {"SigningAlgorithm": "RS256"},
])
def test_validation_errors(state, params):
    answer = raw_call(state, params)
    assert answer.status_code == 400, answer.text
    assert answer.json()["Error"]["Code"] == "ValidationError"


def test_federation_disabled(stack, state):
    sts_control(state, web_identity_federation=False)
    with pytest.raises(ClientError) as err:
        role_client(stack).get_web_identity_token(Audience=["x"], SigningAlgorithm="RS256")
    assert err.value.response["Error"]["Code"] == "OutboundWebIdentityFederationDisabledException"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_caller_without_permission(stack, state):
    sts_control(state, web_identity_token_allowed=False)
    with pytest.raises(ClientError) as err:
        role_client(stack).get_web_identity_token(Audience=["x"], SigningAlgorithm="RS256")
    assert err.value.response["Error"]["Code"] == "AccessDenied"
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_signature_is_checked_and_json_is_served(state):
    params = {"Audience.member.1": state["issuer_url"], "SigningAlgorithm": "ES384"}
    answer = raw_call(state, params)
    assert answer.status_code == 200, answer.text
    result = answer.json()["GetWebIdentityTokenResponse"]["GetWebIdentityTokenResult"]
    assert isinstance(result["Expiration"], int) and result["WebIdentityToken"].count(".") == 2
    assert raw_call(state, params, secret="wrong").status_code == 403


# exchange at the issuer ------------------------------------------------------------------------------

def test_exchange_with_claim_match_identity(stack, state):
    token = role_client(stack).get_web_identity_token(Audience=[state["issuer_url"]], SigningAlgorithm="ES384")
    answer = exchange(state, token["WebIdentityToken"], state["oidc_identity"])
    assert answer.status_code == 200, answer.text
    claims = verify_jwt(answer.json()["token"], issuer=state["issuer_url"], audience="cgr.dev", algorithms=["RS256"])
    assert claims["sub"] == state["oidc_identity"]
    assert stack.issuer.log.entries()[-1]["bearer_kind"] == "oidc"


def test_exchange_wrong_audience_is_unauthenticated(stack, state):
    token = role_client(stack).get_web_identity_token(Audience=["https://issuer.enforce.dev"], SigningAlgorithm="RS256")
    answer = exchange(state, token["WebIdentityToken"], state["oidc_identity"])
    assert answer.status_code == 401 and answer.json()["code"] == 16


def test_exchange_subject_mismatch_is_permission_denied(stack, state):
    token = stack.sts.user_client().get_web_identity_token(Audience=[state["issuer_url"]], SigningAlgorithm="RS256")
    answer = exchange(state, token["WebIdentityToken"], state["oidc_identity"])
    assert answer.status_code == 403 and answer.json()["code"] == 7


def test_exchange_untrusted_or_forged_tokens(stack, state):
    forged = jwt.encode({"iss": "https://evil.example", "sub": state["role_arn"], "aud": state["issuer_url"],
                         "iat": 0, "exp": 4102444800}, "an HMAC secret of thirty-two bytes", algorithm="HS256")
    answer = exchange(state, forged, state["oidc_identity"])
    assert answer.status_code == 401 and "not trusted" in answer.json()["message"]
    token = role_client(stack).get_web_identity_token(Audience=[state["issuer_url"]], SigningAlgorithm="RS256")
    head, body, sig = token["WebIdentityToken"].split(".")
    tampered = f"{head}.{body}.{sig[:-2]}{'AA' if sig[-2:] != 'AA' else 'BB'}"
    assert exchange(state, tampered, state["oidc_identity"]).status_code == 401


def test_exchange_oidc_token_for_an_aws_identity_is_denied(stack, state):
    token = role_client(stack).get_web_identity_token(Audience=[state["issuer_url"]], SigningAlgorithm="RS256")
    answer = exchange(state, token["WebIdentityToken"], state["identity"])
    assert answer.status_code == 403 and answer.json()["code"] == 7


def test_claim_match_patterns(stack, state):
    uidp = new_uidp()
    requests.post(state["issuer_url"] + "/_control/identities", json={uidp: {"claim_match": {
        "issuer_pattern": "/oidc/", "subject_pattern": ":role/cgaws-test-role$"}}}).raise_for_status()
    token = role_client(stack).get_web_identity_token(Audience=[state["issuer_url"]], SigningAlgorithm="RS256")
    assert exchange(state, token["WebIdentityToken"], uidp).status_code == 200
