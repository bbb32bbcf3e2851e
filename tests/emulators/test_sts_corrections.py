"""Each correction to moto (sts/moto_fixes.py, sts/wire.py): correct
requests that moto alone rejects are accepted, and wrong signatures (one
flipped hex digit, a changed signed header value, a wrong secret) are still
rejected."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import quote

import pytest
import requests
from moto.iam import access_control

from .awsblob import GET_CALLER_IDENTITY, Creds, flip_signature_digit, sign
from .sts import moto_fixes

FORM = "application/x-www-form-urlencoded; charset=utf-8"


def user_creds(state) -> Creds:
    return Creds(state["user_access_key_id"], state["user_secret_access_key"])


def blob_shaped(state, url):
    """POST /?Action=GetCallerIdentity&Version=2011-06-15, empty body."""
    headers = {"Accept": "application/json", "Chainguard-Audience": "https://issuer.enforce.dev",
               "Chainguard-Identity": state["identity"]}
    return url + GET_CALLER_IDENTITY, headers, b"", "Chainguard-Identity"


def encoded_query(state, url):
    """Parameters in the query with percent-encoded characters (%3A, %2F)."""
    audience = quote("https://issuer.enforce.dev", safe="")
    target = f"/?Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1={audience}&SigningAlgorithm=RS256"
    return url + target, {"Accept": "application/json"}, b"", "Accept"


def raw_form_body(state, url):
    """A form body encoded unlike botocore would (`:` and `@` left as is)."""
    body = (f"Action=AssumeRole&Version=2011-06-15&RoleArn={state['role_arn']}"
            f"&RoleSessionName=dev@example.com").encode()
    return url + "/", {"Content-Type": FORM, "Accept": "application/json"}, body, "Accept"


SHAPES = [blob_shaped, encoded_query, raw_form_body]


def send(url, headers, body, host=None):
    return requests.post(url, data=body, headers={**headers, **({"Host": host} if host else {})})


@pytest.mark.parametrize("shape", SHAPES)
def test_correctly_signed_request_is_accepted(stack, state, shape):
    url, headers, body, _ = shape(state, stack.sts.base_url)
    answer = send(url, sign(user_creds(state), "POST", url, headers=headers, body=body), body)
    assert answer.status_code == 200, answer.text


@pytest.mark.parametrize("shape", SHAPES)
def test_moto_alone_rejects_it(stack, state, shape, monkeypatch):
    """The gap being corrected is real: moto's own signed-request builder
    fails these correctly signed requests."""
    monkeypatch.setattr(access_control.IAMRequestBase, "_create_aws_request",
                        moto_fixes._original_create_aws_request)
    url, headers, body, _ = shape(state, stack.sts.base_url)
    answer = send(url, sign(user_creds(state), "POST", url, headers=headers, body=body), body)
    assert answer.status_code == 403
    assert answer.json()["Error"]["Code"] == "SignatureDoesNotMatch"


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("tamper", ["flipped-hex-digit", "changed-signed-header", "wrong-secret",
                                    "changed-query-or-body"])
def test_wrong_signature_is_still_rejected(stack, state, shape, tamper):
    url, headers, body, signed_header = shape(state, stack.sts.base_url)
    creds = user_creds(state)
    if tamper == "wrong-secret":
        creds = Creds(creds.access_key_id, creds.secret[:-1] + ("A" if creds.secret[-1] != "A" else "B"))
    sent = sign(creds, "POST", url, headers=headers, body=body)
    if tamper == "flipped-hex-digit":
        sent["Authorization"] = flip_signature_digit(sent["Authorization"])
    elif tamper == "changed-signed-header":
        sent[signed_header] = sent[signed_header] + "x"
    elif tamper == "changed-query-or-body":
        if body:
            body = body.replace(b"dev@", b"eve@")
        else:
            url = url.replace("Version=2011-06-15", "Version=2011-06-16")
    answer = send(url, sent, body)
    assert answer.status_code == 403, answer.text
    assert answer.json()["Error"]["Code"] == "SignatureDoesNotMatch"


def test_a_signed_host_is_checked(stack, state):
    """The issuer replays blobs with Host: sts.amazonaws.com; another host fails."""
    url, headers, body, _ = blob_shaped(state, stack.sts.base_url)
    sent = sign(user_creds(state), "POST", "https://sts.amazonaws.com" + GET_CALLER_IDENTITY, headers=headers)
    assert send(url, sent, body, host="sts.amazonaws.com").status_code == 200
    assert send(url, sent, body, host="sts.us-east-1.amazonaws.com").status_code == 403


def test_a_body_not_signed_for_is_rejected(stack, state):
    url, headers, _, _ = blob_shaped(state, stack.sts.base_url)
    sent = sign(user_creds(state), "POST", url, headers=headers, body=b"")
    assert send(url, {**sent, "Content-Type": FORM}, b"Action=GetCallerIdentity").status_code == 403


def test_user_ids_look_like_iam_user_ids(stack):
    user_id = stack.sts.user_client().get_caller_identity()["UserId"]
    assert user_id.startswith("AIDA") and len(user_id) == 21 and user_id.isalnum() and user_id.isupper()


def test_unsigned_call_is_missing_authentication_token(stack):
    answer = requests.post(stack.sts.base_url + GET_CALLER_IDENTITY, headers={"Accept": "application/json"})
    assert answer.status_code == 403
    assert answer.json()["Error"]["Code"] == "MissingAuthenticationToken"


def test_unsigned_assume_role_is_refused(stack, state):
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={state['role_arn']}&RoleSessionName=x"
    answer = requests.post(stack.sts.base_url + "/", data=body, headers={"Content-Type": FORM})
    assert answer.status_code == 403
    assert "<Code>MissingAuthenticationToken</Code>" in answer.text


def test_unsigned_web_identity_call_is_served(stack, state):
    body = (f"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn={state['role_arn']}"
            f"&RoleSessionName=irsa&WebIdentityToken=a.b.c")
    answer = requests.post(stack.sts.base_url + "/", data=body,
                           headers={"Content-Type": FORM, "Accept": "application/json"})
    assert answer.status_code == 200, answer.text
    creds = answer.json()["AssumeRoleWithWebIdentityResponse"]["AssumeRoleWithWebIdentityResult"]["Credentials"]
    assert creds["AccessKeyId"].startswith("ASIA")


def test_xml_timestamps_have_whole_seconds(stack, state):
    url = stack.sts.base_url + "/"
    body = f"Action=AssumeRole&Version=2011-06-15&RoleArn={state['role_arn']}&RoleSessionName=xml".encode()
    answer = send(url, sign(user_creds(state), "POST", url, headers={"Content-Type": FORM}, body=body), body)
    assert answer.status_code == 200, answer.text
    assert re.search(r"<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</Expiration>", answer.text)


@pytest.mark.parametrize("minutes,outcome", [(-16, "Signature expired"), (16, "Signature not yet current"),
                                             (-14, None), (14, None)])
def test_signatures_are_valid_for_15_minutes(stack, state, minutes, outcome):
    url, headers, body, _ = blob_shaped(state, stack.sts.base_url)
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    answer = send(url, sign(user_creds(state), "POST", url, headers=headers, body=body, when=when), body)
    if outcome is None:
        assert answer.status_code == 200, answer.text
    else:
        assert answer.status_code == 403
        assert answer.json()["Error"]["Code"] == "SignatureDoesNotMatch"
        assert answer.json()["Error"]["Message"].startswith(outcome)


def test_skewed_server_clock(stack, state):
    requests.post(stack.sts.base_url + "/_control", json={"clock_skew_s": 3600}).raise_for_status()
    url, headers, body, _ = blob_shaped(state, stack.sts.base_url)
    answer = send(url, sign(user_creds(state), "POST", url, headers=headers, body=body), body)
    assert answer.status_code == 403 and answer.json()["Error"]["Message"].startswith("Signature expired")
    server_time = parsedate_to_datetime(answer.headers["Date"])
    assert abs((server_time - datetime.now(timezone.utc)).total_seconds() - 3600) < 5
    resigned = sign(user_creds(state), "POST", url, headers=headers, body=body, when=server_time)
    assert send(url, resigned, body).status_code == 200
