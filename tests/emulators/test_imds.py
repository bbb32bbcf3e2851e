"""The IMDS emulator (aws-credentials.md §7)."""

from __future__ import annotations

import json
import time

import pytest
import requests

from .awsblob import Creds
from .reqlog import logged_header

TOKEN_URL = "/latest/api/token"
TTL = "X-aws-ec2-metadata-token-ttl-seconds"
TOKEN = "X-aws-ec2-metadata-token"
CREDS_URL = "/latest/meta-data/iam/security-credentials/"


def control(stack, **settings):
    answer = requests.post(stack.imds.base_url + "/_control", json=settings)
    assert answer.status_code == 200, answer.text
    return answer.json()


def get_token(base, ttl="21600"):
    answer = requests.put(base + TOKEN_URL, headers={TTL: ttl})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_imdsv2_flow_gives_real_role_credentials(stack, state):
    base = state["imds_url"]
    answer = requests.put(base + TOKEN_URL, headers={TTL: "21600"})
    assert answer.status_code == 200
    assert answer.headers[TTL] == "21600"  # Rust requires the echo
    token = answer.text
    role = requests.get(base + CREDS_URL, headers={TOKEN: token})
    assert role.status_code == 200 and role.text == state["imds_role_name"]
    doc = requests.get(base + CREDS_URL + role.text, headers={TOKEN: token}).json()
    assert doc["Code"] == "Success" and doc["Type"] == "AWS-HMAC"
    assert set(doc) == {"Code", "LastUpdated", "Type", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    assert doc["AccessKeyId"].startswith("ASIA") and doc["Expiration"].endswith("Z")
    creds = Creds.from_aws(doc)
    who = stack.sts.client("sts", *creds).get_caller_identity()
    assert who["Arn"] == f"arn:aws:sts::{state['account_id']}:assumed-role/{state['role_name']}/{state['imds_instance_id']}"


def test_region_and_instance_id(state):
    token = get_token(state["imds_url"])
    get = lambda path: requests.get(state["imds_url"] + path, headers={TOKEN: token}).text  # noqa: E731
    assert get("/latest/meta-data/placement/region") == "us-east-1"
    assert get("/latest/meta-data/placement/availability-zone") == "us-east-1a"
    assert get("/latest/meta-data/instance-id") == state["imds_instance_id"]


@pytest.mark.parametrize("ttl", [None, "0", "21601", "abc", "-5"])
def test_bad_ttl_is_400(state, ttl):
    headers = {} if ttl is None else {TTL: ttl}
    assert requests.put(state["imds_url"] + TOKEN_URL, headers=headers).status_code == 400


@pytest.mark.parametrize("ttl", ["1", "21600"])
def test_ttl_bounds_are_accepted(state, ttl):
    get_token(state["imds_url"], ttl)


def test_forwarded_token_request_is_403(state):
    answer = requests.put(state["imds_url"] + TOKEN_URL, headers={TTL: "60", "X-Forwarded-For": "10.0.0.1"})
    assert answer.status_code == 403


def test_get_on_token_path_is_405(state):
    assert requests.get(state["imds_url"] + TOKEN_URL).status_code == 405


def test_v2_requires_a_valid_unexpired_token(state):
    base = state["imds_url"]
    assert requests.get(base + CREDS_URL).status_code == 401
    assert requests.get(base + CREDS_URL, headers={TOKEN: "forged"}).status_code == 401
    short = get_token(base, "1")
    assert requests.get(base + CREDS_URL, headers={TOKEN: short}).status_code == 200
    time.sleep(1.1)
    assert requests.get(base + CREDS_URL, headers={TOKEN: short}).status_code == 401


def test_v1_allowed_mode_serves_tokenless_gets_but_checks_given_tokens(stack, state):
    control(stack, mode="v1-allowed")
    base = state["imds_url"]
    assert requests.get(base + CREDS_URL).text == state["imds_role_name"]
    assert requests.get(base + CREDS_URL, headers={TOKEN: "forged"}).status_code == 401
    assert requests.put(base + TOKEN_URL, headers={TTL: "60"}).status_code == 200


@pytest.mark.parametrize("status", [403, 404, 405])
def test_v1_only_refuses_the_put(stack, state, status):
    control(stack, mode="v1-only", put_status=status)
    base = state["imds_url"]
    assert requests.put(base + TOKEN_URL, headers={TTL: "60"}).status_code == status
    doc = requests.get(base + CREDS_URL + state["imds_role_name"]).json()
    assert doc["AccessKeyId"].startswith("ASIA")


def test_drop_put_holds_until_the_client_gives_up(stack, state):
    control(stack, mode="drop-put")
    base = state["imds_url"]
    started = time.monotonic()
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.put(base + TOKEN_URL, headers={TTL: "21600"}, timeout=0.5)
    assert time.monotonic() - started < 2
    assert requests.get(base + CREDS_URL).status_code == 200  # v1 still works, as with a hop limit of 1
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        held = [e for e in stack.imds.log.entries() if e["method"] == "PUT" and "held_s" in e]
        if held:
            break
        time.sleep(0.05)
    assert held and 0.4 <= held[0]["held_s"] < 2


def test_drop_put_with_v1_disabled(stack, state):
    control(stack, mode="drop-put", v1_allowed=False)
    assert requests.get(state["imds_url"] + CREDS_URL).status_code == 401


def test_slow_mode_delays_every_answer(stack, state):
    control(stack, mode="slow", delay_ms=300)
    started = time.monotonic()
    get_token(state["imds_url"])
    assert time.monotonic() - started >= 0.3


def test_error500_with_count_then_back_to_normal(stack, state):
    control(stack, mode="error500", count=2)
    base = state["imds_url"]
    assert requests.put(base + TOKEN_URL, headers={TTL: "60"}).status_code == 500
    assert requests.get(base + CREDS_URL).status_code == 500
    token = get_token(base)
    assert requests.get(base + CREDS_URL, headers={TOKEN: token}).status_code == 200


def test_bad_json_mode(stack, state):
    control(stack, mode="bad-json")
    token = get_token(state["imds_url"])
    answer = requests.get(state["imds_url"] + CREDS_URL + state["imds_role_name"], headers={TOKEN: token})
    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(answer.text)


def test_no_role_mode(stack, state):
    control(stack, mode="no-role")
    token = get_token(state["imds_url"])
    assert requests.get(state["imds_url"] + CREDS_URL, headers={TOKEN: token}).status_code == 404
    answer = requests.get(state["imds_url"] + CREDS_URL + state["imds_role_name"], headers={TOKEN: token})
    assert answer.status_code == 404


def test_unknown_role_is_404(state):
    token = get_token(state["imds_url"])
    assert requests.get(state["imds_url"] + CREDS_URL + "other-role", headers={TOKEN: token}).status_code == 404


def test_expiration_override_and_rotation(stack, state):
    base = state["imds_url"]
    token = get_token(base)
    first = requests.get(base + CREDS_URL + state["imds_role_name"], headers={TOKEN: token}).json()
    control(stack, expiration="2020-01-01T00:00:00Z", rotate_credentials=True)
    second = requests.get(base + CREDS_URL + state["imds_role_name"], headers={TOKEN: token}).json()
    assert second["Expiration"] == "2020-01-01T00:00:00Z"
    assert second["AccessKeyId"] != first["AccessKeyId"]


def test_unknown_mode_or_setting_is_400(stack):
    assert requests.post(stack.imds.base_url + "/_control", json={"mode": "nope"}).status_code == 400
    assert requests.post(stack.imds.base_url + "/_control", json={"delay": 1}).status_code == 400


def test_log_shows_what_the_client_sent_without_the_token(stack, state):
    token = get_token(state["imds_url"])
    requests.get(state["imds_url"] + CREDS_URL, headers={TOKEN: token})
    entries = requests.get(state["imds_url"] + "/_control/log").json()
    put, get = entries[-2], entries[-1]
    assert put["method"] == "PUT" and logged_header(put, TTL) == "21600"
    assert get["token"] == "valid" and get["status"] == 200
    assert token not in json.dumps(entries)
    assert logged_header(get, TOKEN) == f"<redacted len={len(token)}>"
