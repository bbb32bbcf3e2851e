"""The STS emulator with ordinary clients: boto3, and blob-shaped requests
signed independently with botocore's SigV4Auth."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import boto3
import pytest
import requests
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from .awsblob import GET_CALLER_IDENTITY, Creds, blob_headers, sign

VECTORS = "/work/shared/testdata/token-vectors.json"


def user_creds(state) -> Creds:
    return Creds(state["user_access_key_id"], state["user_secret_access_key"])


def test_boto3_get_caller_identity_as_user(stack, state):
    answer = stack.sts.user_client().get_caller_identity()
    assert answer["Arn"] == state["user_arn"]
    assert answer["Account"] == state["account_id"]
    assert answer["UserId"].startswith("AIDA") and len(answer["UserId"]) == 21


def test_boto3_assume_role_gives_working_temporary_credentials(stack, state):
    creds = stack.sts.assume_role("boto3-test")
    assert creds["AccessKeyId"].startswith("ASIA") and creds["SessionToken"]
    client = stack.sts.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"], creds["SessionToken"])
    answer = client.get_caller_identity()
    assert answer["Arn"] == f"arn:aws:sts::{state['account_id']}:assumed-role/{state['role_name']}/boto3-test"
    assert answer["UserId"].startswith("AROA") and answer["UserId"].endswith(":boto3-test")


def test_boto3_with_unknown_key_is_rejected(stack):
    client = stack.sts.client("sts", "AKIAAAAAAAAAAAAAAAAA", "nope")
    with pytest.raises(ClientError) as err:
        client.get_caller_identity()
    assert err.value.response["Error"]["Code"] == "InvalidClientTokenId"


def test_temporary_credentials_need_their_session_token(stack):
    creds = stack.sts.assume_role("no-token")
    client = stack.sts.client("sts", creds["AccessKeyId"], creds["SecretAccessKey"])
    with pytest.raises(ClientError):
        client.get_caller_identity()


def test_assume_role_with_web_identity_is_unsigned(stack, state):
    client = boto3.client("sts", endpoint_url=stack.sts.base_url, region_name="us-east-1",
                          config=Config(signature_version=UNSIGNED))
    answer = client.assume_role_with_web_identity(
        RoleArn=state["role_arn"], RoleSessionName="irsa", WebIdentityToken="a.b.c")
    assert answer["Credentials"]["AccessKeyId"].startswith("ASIA")
    assert answer["AssumedRoleUser"]["Arn"].endswith(":assumed-role/cgaws-test-role/irsa")


@pytest.mark.parametrize("temporary", [False, True], ids=["iam-user", "role-session"])
def test_blob_shaped_request_signed_by_botocore_is_accepted(stack, state, temporary):
    creds = Creds.from_aws(stack.sts.assume_role("blob")) if temporary else user_creds(state)
    headers = blob_headers(creds, audience="https://issuer.enforce.dev", identity=state["identity"])
    signed = headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert signed == "accept;chainguard-audience;chainguard-identity;host;x-amz-date" + (
        ";x-amz-security-token" if temporary else "")
    # Sent as the issuer replays it: to the emulator, but with Host: sts.amazonaws.com.
    answer = requests.post(stack.sts.base_url + GET_CALLER_IDENTITY, data=b"",
                           headers={**headers, "Host": "sts.amazonaws.com"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"] == "application/json"
    result = answer.json()["GetCallerIdentityResponse"]["GetCallerIdentityResult"]
    assert set(result) == {"UserId", "Arn", "Account"}
    assert result["Account"] == state["account_id"]


def test_xml_when_json_is_not_asked_for(stack, state):
    url = stack.sts.base_url + GET_CALLER_IDENTITY
    headers = sign(user_creds(state), "POST", url)
    answer = requests.post(url, data=b"", headers=headers)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "text/xml"
    assert answer.text.startswith("<GetCallerIdentityResponse")


def test_error_body_has_the_sts_shape(stack, state):
    url = stack.sts.base_url + GET_CALLER_IDENTITY
    headers = sign(Creds(state["user_access_key_id"], "wrong-secret"), "POST", url)
    answer = requests.post(url, data=b"", headers=headers)
    assert answer.status_code == 403
    assert answer.headers["Content-Type"] == "text/xml"
    assert answer.text.startswith('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                                  "<Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>")
    assert "<RequestId>" in answer.text


def test_json_error_body(stack, state):
    url = stack.sts.base_url + GET_CALLER_IDENTITY
    headers = sign(Creds(state["user_access_key_id"], "wrong-secret"), "POST", url,
                   headers={"Accept": "application/json"})
    answer = requests.post(url, data=b"", headers=headers)
    assert answer.status_code == 403
    body = answer.json()
    assert body["Error"] == {"Type": "Sender", "Code": "SignatureDoesNotMatch", "Message": body["Error"]["Message"]}
    assert body["RequestId"]


def test_assume_role_json_answer_has_epoch_expiration(stack, state):
    url = stack.sts.base_url + "/"
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={state['role_arn']}&RoleSessionName=json".encode()
    headers = sign(user_creds(state), "POST", url, body=body, headers={
        "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    answer = requests.post(url, data=body, headers=headers)
    assert answer.status_code == 200, answer.text
    result = answer.json()["AssumeRoleResponse"]["AssumeRoleResult"]
    creds = result["Credentials"]
    assert set(creds) == {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"}
    assert isinstance(creds["Expiration"], int)
    assert 3500 < creds["Expiration"] - datetime.now(timezone.utc).timestamp() <= 3600
    assert result["AssumedRoleUser"]["Arn"].endswith("assumed-role/cgaws-test-role/json")
    assert answer.json()["AssumeRoleResponse"]["ResponseMetadata"]["RequestId"]


def test_the_test_signer_matches_the_shared_token_vectors():
    """awsblob (botocore) signs exactly as the project's reference vectors say."""
    with open(VECTORS) as f:
        vectors = json.load(f)["vectors"]
    for v in vectors:
        when = datetime.fromisoformat(v["time"].replace("Z", "+00:00"))
        headers = blob_headers(Creds(v["access_key_id"], v["secret_access_key"], v["session_token"]),
                               audience=v["audience"], identity=v["identity"], sts_host=v["sts_host"],
                               region=v["sts_region"], when=when)
        assert f"SignedHeaders={v['signed_headers']}," in headers["Authorization"], v["name"]
        assert headers["Authorization"].endswith(f"Signature={v['signature']}"), v["name"]


def test_request_log_redacts_credentials(stack, state):
    stack.sts.user_client().get_caller_identity()
    entries = requests.get(stack.sts.base_url + "/_control/log").json()
    entry = entries[-1]
    assert entry["action"] == "GetCallerIdentity" and entry["status"] == 200
    assert state["user_secret_access_key"] not in json.dumps(entries)
    auth = dict(entry["headers"])["Authorization"]
    assert auth.startswith("AWS4-HMAC-SHA256 <redacted len=")
