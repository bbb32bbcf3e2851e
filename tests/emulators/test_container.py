"""The container credentials emulator: ECS and EKS Pod Identity (aws-credentials.md §6)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from .awsblob import Creds
from .reqlog import logged_header


def control(stack, **settings):
    answer = requests.post(stack.container.base_url + "/_control", json=settings)
    assert answer.status_code == 200, answer.text
    return answer.json()


def fetch(state, full=False, token="state"):
    url = state["container_full_uri"] if full else state["container_url"] + state["container_relative_uri"]
    headers = {"Accept": "application/json"}
    if token == "state":
        headers["Authorization"] = state["container_auth_token"]
    elif token is not None:
        headers["Authorization"] = token
    return requests.get(url, headers=headers)


@pytest.mark.parametrize("full", [False, True], ids=["ecs-relative", "pod-identity-full"])
def test_serves_real_role_credentials(stack, state, full):
    answer = fetch(state, full)
    assert answer.status_code == 200 and answer.headers["Content-Type"] == "application/json"
    doc = answer.json()
    expected = {"RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"} | ({"AccountId"} if full else set())
    assert set(doc) == expected
    assert doc["RoleArn"] == state["role_arn"] and doc["Expiration"].endswith("Z")
    if full:
        assert doc["AccountId"] == state["account_id"]
    who = stack.sts.client("sts", *Creds.from_aws(doc)).get_caller_identity()
    assert f":assumed-role/{state['role_name']}/" in who["Arn"]


def test_full_uri_is_under_the_base_url(state):
    assert state["container_full_uri"] == state["container_url"] + "/v1/credentials"


@pytest.mark.parametrize("full", [False, True])
def test_missing_token_is_401_and_wrong_token_is_403(state, full):
    assert fetch(state, full, token=None).status_code == 401
    assert fetch(state, full, token="Bearer " + state["container_auth_token"]).status_code == 403
    assert fetch(state, full, token=state["container_auth_token"] + " ").status_code == 403
    body = fetch(state, full, token="nope").json()
    assert set(body) == {"Code", "Message"}


def test_without_configured_token_none_is_needed(stack, state):
    control(stack, auth_token=None)
    assert fetch(state, token=None).status_code == 200


def test_unknown_path_is_404(state):
    answer = requests.get(state["container_url"] + "/v2/credentials/other",
                          headers={"Authorization": state["container_auth_token"]})
    assert answer.status_code == 404


def test_error_modes(stack, state):
    control(stack, mode="error500", count=1)
    assert fetch(state).status_code == 500
    assert fetch(state).status_code == 200
    control(stack, mode="error-json")
    answer = fetch(state)
    assert answer.status_code == 400 and answer.json()["Code"]
    control(stack, mode="bad-json")
    answer = fetch(state)
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)


def test_slow_mode(stack, state):
    control(stack, mode="slow", delay_ms=300)
    started = time.monotonic()
    assert fetch(state).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_rotation_gives_new_keys(stack, state):
    first = fetch(state).json()
    control(stack, rotate_credentials=True)
    assert fetch(state).json()["AccessKeyId"] != first["AccessKeyId"]


def test_control_never_shows_the_token(stack, state):
    assert state["container_auth_token"] not in json.dumps(control(stack))


def test_log_records_without_the_token(stack, state):
    fetch(state, full=True)
    entries = requests.get(state["container_url"] + "/_control/log").json()
    assert entries[-1]["authorized"] is True and entries[-1]["path"] == "/v1/credentials"
    assert logged_header(entries[-1], "Accept") == "application/json"
    assert state["container_auth_token"] not in json.dumps(entries)
