"""The issuer emulator's `/sts/exchange` with AWS blobs (PROTOCOL.md §3, §5)."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone

import pytest
import requests

from .awsblob import (Creds, blob_headers, encode, flip_signature_digit, make_blob, replace_header, serialize,
                      sign, GET_CALLER_IDENTITY)
from .oidc import verify_jwt
from .reqlog import logged_header
from .stack import new_uidp

FORM = "application/x-www-form-urlencoded"


def user_creds(state) -> Creds:
    return Creds(state["user_access_key_id"], state["user_secret_access_key"])


def blob(state, creds=None, **kw) -> str:
    kw.setdefault("audience", state["issuer_url"])
    kw.setdefault("identity", state["identity"])
    return make_blob(creds or user_creds(state), **kw)


def exchange(state, bearer, *, aud=("cgr.dev",), identity="state", in_query=False, extra=()):
    params = [("aud", a) for a in aud] + list(extra)
    if identity:
        params.append(("identity", state["identity"] if identity == "state" else identity))
    url = state["issuer_url"] + "/sts/exchange"
    headers = {"Authorization": f"Bearer {bearer}"} if bearer is not None else {}
    if in_query:
        return requests.post(url, params=params, headers=headers, allow_redirects=False)
    return requests.post(url, data=params, headers=headers, allow_redirects=False)


def error_of(answer):
    body = answer.json()
    assert set(body) == {"code", "message", "details"}, body
    return answer.status_code, body["code"], body["message"]


def register(state, rule: dict) -> str:
    uidp = new_uidp()
    answer = requests.post(state["issuer_url"] + "/_control/identities", json={uidp: rule})
    assert answer.status_code == 200, answer.text
    return uidp


# success ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("in_query", [False, True], ids=["form-body", "query"])
def test_user_blob_is_exchanged_for_a_registry_token(state, in_query):
    answer = exchange(state, blob(state), in_query=in_query)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"token", "expiry", "refresh_token"}
    claims = verify_jwt(body["token"], issuer=state["issuer_url"], audience="cgr.dev", algorithms=["RS256"])
    assert claims["sub"] == state["identity"] and claims["aud"] == "cgr.dev"
    assert 3590 <= claims["exp"] - claims["iat"] <= 3600
    expiry = datetime.fromisoformat(body["expiry"].replace("Z", "+00:00"))
    assert int(expiry.timestamp()) == claims["exp"]


def test_role_session_blob_from_imds_credentials(stack, state):
    token = requests.put(state["imds_url"] + "/latest/api/token",
                         headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"}).text
    doc = requests.get(state["imds_url"] + "/latest/meta-data/iam/security-credentials/" + state["imds_role_name"],
                       headers={"X-aws-ec2-metadata-token": token}).json()
    answer = exchange(state, blob(state, Creds.from_aws(doc)))
    assert answer.status_code == 200, answer.text
    entry = stack.issuer.log.entries()[-1]
    assert entry["caller"]["Arn"].endswith(f":assumed-role/{state['role_name']}/{state['imds_instance_id']}")


def test_repeated_aud_and_extra_params(stack, state):
    answer = exchange(state, blob(state), aud=("cgr.dev", "https://console-api.enforce.dev"),
                      extra=[("scope", "registry.pull"), ("cap", "a"), ("cap", "b")])
    assert answer.status_code == 200, answer.text
    claims = json.loads(base64.urlsafe_b64decode(answer.json()["token"].split(".")[1] + "=="))
    assert claims["aud"] == ["cgr.dev", "https://console-api.enforce.dev"]
    params = stack.issuer.log.entries()[-1]["params"]
    assert params["cap"] == ["a", "b"] and params["scope"] == ["registry.pull"]


def test_audience_is_compared_after_sigv4_space_canonicalization(state):
    answer = exchange(state, blob(state, audience=f"  {state['issuer_url']}  "))
    assert answer.status_code == 200, answer.text


def test_token_lifetime_is_configurable(state):
    requests.post(state["issuer_url"] + "/_control", json={"token_ttl_s": 120})
    claims = verify_jwt(exchange(state, blob(state)).json()["token"], issuer=state["issuer_url"],
                        audience="cgr.dev", algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 120


def test_discovery_and_keys(state):
    config = requests.get(state["issuer_url"] + "/.well-known/openid-configuration").json()
    assert config["issuer"] == state["issuer_url"]
    keys = requests.get(config["jwks_uri"]).json()["keys"]
    assert keys and keys[0]["kty"] == "RSA" and keys[0]["alg"] == "RS256"


# request-level errors --------------------------------------------------------------------------

def test_missing_bearer_is_unauthenticated(state):
    assert error_of(exchange(state, None))[:2] == (401, 16)


def test_missing_params_are_invalid_argument(state):
    assert error_of(exchange(state, blob(state), aud=()))[:2] == (400, 3)
    assert error_of(exchange(state, blob(state), identity=None))[:2] == (400, 3)


def test_unknown_identity_is_not_found(state):
    assert error_of(exchange(state, blob(state), identity=new_uidp()))[:2] == (404, 5)


def test_json_body_is_not_accepted(state):
    answer = requests.post(state["issuer_url"] + "/sts/exchange", json={"aud": "cgr.dev"},
                           headers={"Authorization": f"Bearer {blob(state)}"})
    assert error_of(answer)[:2] == (400, 3)


def test_get_is_not_an_exchange(state):
    answer = requests.get(state["issuer_url"] + "/sts/exchange", headers={"Authorization": "Bearer x"})
    assert error_of(answer)[1] == 12


# checks 1-9, one failure each --------------------------------------------------------------------

def std_alphabet_blob(state) -> str:
    """A correctly signed blob, base64-encoded with the standard alphabet,
    with a `+` or `/` in it. ASCII text yields those only from a `>`, `?` or
    `~` at an offset = 2 (mod 3); the unsigned User-Agent is varied to get one."""
    headers = blob_headers(user_creds(state), audience=state["issuer_url"], identity=state["identity"])
    for i in range(3):
        lines = serialize(headers)
        lines[2] = "User-Agent: curl" + "x" * i + "~"
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode()
        std = base64.b64encode(raw).decode()
        if "+" in std or "/" in std:
            return std
    raise AssertionError("no + or / found")


def test_check1_standard_alphabet_is_invalid_encoding(state):
    status, code, message = error_of(exchange(state, std_alphabet_blob(state)))
    assert (status, code) == (400, 3) and message.startswith("invalid token encoding")


def padded_blob(state) -> str:
    """A blob whose encoding ends in `=` (the unsigned User-Agent is varied)."""
    for i in range(3):
        token = blob(state, mutate=replace_header("User-Agent", "test" + "x" * i))
        if token.endswith("="):
            return token
    raise AssertionError("no padded blob")


@pytest.mark.parametrize("bearer", ["unpadded", "not-http"])
def test_check1_other_encoding_errors(state, bearer):
    if bearer == "unpadded":
        token = padded_blob(state).rstrip("=")
    else:
        token = base64.urlsafe_b64encode(b"hello there").decode()
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (400, 3) and message.startswith("invalid token encoding")


def test_check2_duplicate_binding_header(state):
    token = blob(state, mutate=lambda lines: lines + ["Chainguard-Audience: https://evil.example"])
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (400, 3) and "Chainguard-Audience appears 2 times" in message


def test_check3_method_must_be_post(state):
    token = blob(state, mutate=lambda lines: [lines[0].replace("POST", "GET", 1)] + lines[1:])
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (400, 3) and "method GET" in message


def test_check4_regional_host_only_when_allowed(state):
    token = blob(state, sts_host="sts.us-west-2.amazonaws.com", region="us-west-2")
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (400, 3) and "sts.us-west-2.amazonaws.com" in message
    requests.post(state["issuer_url"] + "/_control", json={"allow_regional_sts": True})
    assert exchange(state, token).status_code == 200


def test_check4_other_hosts_never(state):
    requests.post(state["issuer_url"] + "/_control", json={"allow_regional_sts": True})
    token = blob(state, sts_host="sts.amazonaws.com.evil.example")
    assert error_of(exchange(state, token))[:2] == (400, 3)


def test_check5_identity_header_must_be_signed(state):
    creds = user_creds(state)
    headers = sign(creds, "POST", "https://sts.amazonaws.com" + GET_CALLER_IDENTITY,
                   headers={"Accept": "application/json", "Chainguard-Audience": state["issuer_url"]})
    token = encode(serialize({**headers, "Chainguard-Identity": state["identity"]}))
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (401, 16) and message == "binding headers not signed: chainguard-identity"


def test_check5_second_signed_headers_part_is_malformed(state):
    def add_part(lines):
        return [line + ", SignedHeaders=host" if line.startswith("Authorization:") else line for line in lines]

    status, code, message = error_of(exchange(state, blob(state, mutate=add_part)))
    assert (status, code) == (401, 16) and message.startswith("binding headers not signed")


def test_check6_audience_and_identity(state):
    status, code, message = error_of(exchange(state, blob(state, audience="https://issuer.enforce.dev")))
    assert (status, code) == (401, 16) and message.startswith("invalid audience")
    other = register(state, {"awsIdentity": state["identity_rule"]})
    status, code, message = error_of(exchange(state, blob(state), identity=other))
    assert (status, code) == (401, 16) and message.startswith("invalid identity")


@pytest.mark.parametrize("minutes,outcome", [(-16, "expired"), (6, "future-dated"), (-14, None), (4, None)])
def test_check7_time_window(state, minutes, outcome):
    when = datetime.now(timezone.utc) + timedelta(minutes=minutes)
    answer = exchange(state, blob(state, when=when))
    if outcome is None:
        assert answer.status_code == 200, answer.text
    else:
        status, code, message = error_of(answer)
        assert (status, code) == (401, 16) and message.startswith(outcome)


def test_check7_malformed_date(state):
    token = blob(state, mutate=replace_header("X-Amz-Date", "2026-01-15T08:00:00Z"))
    assert error_of(exchange(state, token))[:2] == (401, 16)


@pytest.mark.parametrize("tamper", ["wrong-secret", "flipped-digit"])
def test_check8_sts_rejects_bad_signatures(state, tamper):
    if tamper == "wrong-secret":
        token = blob(state, Creds(state["user_access_key_id"], "not-the-secret"))
    else:
        token = blob(state, mutate=lambda lines: [
            "Authorization: " + flip_signature_digit(line.split(": ", 1)[1]) if line.startswith("Authorization:")
            else line for line in lines])
    status, code, message = error_of(exchange(state, token))
    assert (status, code) == (401, 16) and message == "token rejected by AWS STS endpoint (HTTP 403)"


def test_check8_needs_a_json_answer(state):
    status, code, message = error_of(exchange(state, blob(state, accept=None)))
    assert (status, code) == (401, 16) and message.startswith("failed to parse json")


def test_check9_rule_mismatches(stack, state):
    account = state["account_id"]
    role_only = register(state, {"aws_identity": {"aws_account": account, "arn_pattern": "assumed-role/cgaws-test-role/",
                                                  "user_id_pattern": "^AROA"}})
    other_account = register(state, {"awsIdentity": {**state["identity_rule"], "aws_account": "999999999999"}})
    for uidp, why in [(role_only, "arn"), (other_account, "account")]:
        status, code, message = error_of(exchange(state, blob(state, identity=uidp), identity=uidp))
        assert (status, code) == (403, 7) and message.startswith(f"caller does not match identity rule: {why}")
    # Unanchored pattern: matches a role session's ARN in the middle.
    session = Creds.from_aws(stack.sts.assume_role("i-0abc"))
    assert exchange(state, blob(state, session, identity=role_only), identity=role_only).status_code == 200


def test_check9_exact_arn_and_user_id(stack, state):
    who = stack.sts.user_client().get_caller_identity()
    exact = register(state, {"awsIdentity": {"awsAccount": state["account_id"], "arn": who["Arn"],
                                             "userId": who["UserId"]}})
    assert exchange(state, blob(state, identity=exact), identity=exact).status_code == 200
    wrong = register(state, {"awsIdentity": {"awsAccount": state["account_id"], "arn": who["Arn"] + "x",
                                             "userId": who["UserId"]}})
    assert error_of(exchange(state, blob(state, identity=wrong), identity=wrong))[:2] == (403, 7)


def test_blob_for_a_claim_match_identity_is_denied(state):
    oidc = state["oidc_identity"]
    assert error_of(exchange(state, blob(state, identity=oidc), identity=oidc))[:2] == (403, 7)


# identities ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("doc", [
    {"awsIdentity": {"aws_account": "12345678901", "arn": "x", "user_id": "y"}},
    {"awsIdentity": {"aws_account": "123456789012", "arn": "x", "arnPattern": "x", "user_id": "y"}},
    {"awsIdentity": {"aws_account": "123456789012", "user_id": "y"}},
    {"awsIdentity": {"aws_account": "123456789012", "arn_pattern": "(", "user_id": "y"}},
    {"claimMatch": {"issuer": "x"}},
    {},
])
def test_invalid_identity_documents_are_refused(state, doc):
    answer = requests.post(state["issuer_url"] + "/_control/identities", json={new_uidp(): doc})
    assert answer.status_code == 400


def test_identity_uidp_must_be_well_formed(state):
    answer = requests.post(state["issuer_url"] + "/_control/identities",
                           json={"abc/def": {"awsIdentity": state["identity_rule"]}})
    assert answer.status_code == 400


# faults ------------------------------------------------------------------------------------------

def test_503_fault_for_two_requests_then_normal(state):
    requests.post(state["issuer_url"] + "/_control", json={"mode": "503", "count": 2})
    for _ in range(2):
        answer = exchange(state, blob(state))
        assert answer.status_code == 503 and answer.headers["Content-Type"].startswith("text/plain")
    assert exchange(state, blob(state)).status_code == 200


def test_grpc14_and_plain_500_faults(state):
    requests.post(state["issuer_url"] + "/_control", json={"mode": "grpc14", "count": 1})
    assert error_of(exchange(state, blob(state)))[:2] == (503, 14)
    requests.post(state["issuer_url"] + "/_control", json={"mode": "500", "count": 1})
    answer = exchange(state, blob(state))
    assert answer.status_code == 500 and answer.headers["Content-Type"].startswith("text/plain")


def test_redirect_fault_and_sink(state):
    requests.post(state["issuer_url"] + "/_control", json={"mode": "redirect"})
    answer = exchange(state, blob(state), in_query=True)
    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(state["redirect_sink_url"] + "/sts/exchange?")
    assert requests.get(state["issuer_url"] + "/_control/redirect-sink").json() == []
    # A client that (wrongly) follows with the token: the sink notices.
    requests.post(location, headers={"Authorization": "Bearer leaked"})
    hits = requests.get(state["issuer_url"] + "/_control/redirect-sink").json()
    assert [h["authorization_present"] for h in hits] == [True]
    assert "leaked" not in json.dumps(hits)


# CORS (opt-in, for browser tests) ---------------------------------------------------------------

PAGE = "http://127.0.0.1:8123"


def preflight(state, origin):
    return requests.options(state["issuer_url"] + "/sts/exchange", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type"})


def test_cors_is_off_by_default(state):
    answer = preflight(state, PAGE)
    assert answer.status_code == 501 and "Access-Control-Allow-Origin" not in answer.headers
    answer = exchange(state, blob(state))
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers


def test_cors_for_the_configured_origin_only(state):
    assert requests.post(state["issuer_url"] + "/_control", json={"cors_origin": PAGE}).json()["cors_origin"] == PAGE
    answer = preflight(state, PAGE)
    assert answer.status_code == 204
    assert answer.headers["Access-Control-Allow-Origin"] == PAGE
    assert answer.headers["Access-Control-Allow-Methods"] == "POST"
    allowed = {h.strip() for h in answer.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type"} <= allowed
    url = state["issuer_url"] + "/sts/exchange"
    params = {"aud": "cgr.dev", "identity": state["identity"]}
    ok = requests.post(url, data=params, headers={"Authorization": f"Bearer {blob(state)}", "Origin": PAGE})
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == PAGE
    # Errors carry the header too, so that the page can read why.
    denied = requests.post(url, data=params, headers={"Authorization": "Bearer x", "Origin": PAGE})
    assert denied.status_code == 400 and denied.headers["Access-Control-Allow-Origin"] == PAGE
    # Another origin gets nothing: no preflight answer, no header.
    other = "http://127.0.0.1:8124"
    assert preflight(state, other).status_code == 501
    answer = requests.post(url, data=params, headers={"Authorization": f"Bearer {blob(state)}", "Origin": other})
    assert answer.status_code == 200 and "Access-Control-Allow-Origin" not in answer.headers
    # Reset turns it off again.
    requests.post(state["issuer_url"] + "/_control/reset")
    assert "Access-Control-Allow-Origin" not in preflight(state, PAGE).headers


# log ---------------------------------------------------------------------------------------------

def test_log_redacts_the_bearer_and_summarizes_the_blob(state):
    token = blob(state)
    exchange(state, token)
    exchange(state, "garbage")
    entries = requests.get(state["issuer_url"] + "/_control/log").json()
    assert token not in json.dumps(entries)
    ok, bad = entries[-2], entries[-1]
    assert logged_header(ok, "Authorization") == f"Bearer <redacted len={len(token)}>"
    assert ok["status"] == 200 and ok["bearer_kind"] == "aws-blob" and ok["params_in"] == "form"
    assert ok["blob"]["signed_headers"] == ["accept", "chainguard-audience", "chainguard-identity", "host",
                                            "x-amz-date"]
    assert ok["blob"]["host"] == "sts.amazonaws.com"
    assert "Authorization" in ok["blob"]["header_names"]
    assert bad["error"]["code"] == 3
