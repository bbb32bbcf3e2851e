"""The registry emulator standing in for cgr.dev."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
import time

import jwt
import pytest
import requests

from .fake_credential_helper import registry_token
from .oidc import SigningKey
from .reqlog import logged_header

MANIFEST = "/v2/chainguard/static/manifests/latest"


def basic(token: str, username: str = "_token") -> tuple[str, str]:
    return (username, token)


@pytest.fixture
def token(state):
    return registry_token(state)


def test_unauthenticated_gets_a_basic_challenge(state):
    answer = requests.get(state["registry_url"] + "/v2/")
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="cgr.dev"'
    assert answer.headers["Docker-Distribution-API-Version"] == "registry/2.0"
    assert answer.json()["errors"][0]["code"] == "UNAUTHORIZED"
    assert requests.get(state["registry_url"] + MANIFEST).status_code == 401


def test_issuer_token_pulls_a_valid_oci_image(state, token):
    base, auth = state["registry_url"], basic(token)
    assert requests.get(base + "/v2/", auth=auth).status_code == 200
    answer = requests.get(base + MANIFEST, auth=auth)
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/vnd.oci.image.manifest.v1+json"
    digest = "sha256:" + hashlib.sha256(answer.content).hexdigest()
    assert answer.headers["Docker-Content-Digest"] == digest == state["image_digest"]
    manifest = answer.json()
    config_answer = requests.get(f"{base}/v2/chainguard/static/blobs/{manifest['config']['digest']}", auth=auth)
    layer_answer = requests.get(f"{base}/v2/chainguard/static/blobs/{manifest['layers'][0]['digest']}", auth=auth)
    for descriptor, blob in [(manifest["config"], config_answer), (manifest["layers"][0], layer_answer)]:
        assert blob.status_code == 200
        assert "sha256:" + hashlib.sha256(blob.content).hexdigest() == descriptor["digest"]
        assert len(blob.content) == descriptor["size"]
    layer_tar = gzip.decompress(layer_answer.content)
    config = config_answer.json()
    assert config["rootfs"]["diff_ids"] == ["sha256:" + hashlib.sha256(layer_tar).hexdigest()]
    with tarfile.open(fileobj=io.BytesIO(layer_tar)) as tar:
        assert tar.getnames() == ["etc/cgaws-test"]
    by_digest = requests.get(f"{base}/v2/chainguard/static/manifests/{digest}", auth=auth)
    assert by_digest.content == answer.content


def test_head_and_tags(state, token):
    base, auth = state["registry_url"], basic(token)
    head = requests.head(base + MANIFEST, auth=auth)
    assert head.status_code == 200 and head.content == b"" and int(head.headers["Content-Length"]) > 0
    assert requests.get(base + "/v2/chainguard/static/tags/list", auth=auth).json() == {
        "name": "chainguard/static", "tags": ["latest"]}


@pytest.mark.parametrize("path,code", [
    ("/v2/chainguard/other/manifests/latest", "NAME_UNKNOWN"),
    ("/v2/chainguard/static/manifests/v9", "MANIFEST_UNKNOWN"),
    ("/v2/chainguard/static/blobs/sha256:" + "0" * 64, "BLOB_UNKNOWN"),
])
def test_unknown_things_are_404(state, token, path, code):
    answer = requests.get(state["registry_url"] + path, auth=basic(token))
    assert answer.status_code == 404 and answer.json()["errors"][0]["code"] == code


def test_token_for_another_audience_is_refused(stack, state):
    other = registry_token(state, audience="https://console-api.enforce.dev")
    answer = requests.get(state["registry_url"] + "/v2/", auth=basic(other))
    assert answer.status_code == 401
    assert "audience" in stack.registry.log.entries()[-1]["auth_error"].lower()


def test_username_must_be_token(state, token):
    assert requests.get(state["registry_url"] + "/v2/", auth=basic(token, "user")).status_code == 401


def test_expired_token_is_refused(state):
    requests.post(state["issuer_url"] + "/_control", json={"token_ttl_s": 1})
    short = registry_token(state)
    assert requests.get(state["registry_url"] + "/v2/", auth=basic(short)).status_code == 200
    time.sleep(2.1)
    assert requests.get(state["registry_url"] + "/v2/", auth=basic(short)).status_code == 401


def test_token_signed_by_another_key_is_refused(state, token):
    claims = jwt.decode(token, options={"verify_signature": False})
    forged = SigningKey("RS256").sign(claims)
    assert requests.get(state["registry_url"] + "/v2/", auth=basic(forged)).status_code == 401


def test_token_from_another_issuer_is_refused(stack, state):
    sts_token = stack.sts.user_client().get_web_identity_token(Audience=["cgr.dev"], SigningAlgorithm="RS256")
    answer = requests.get(state["registry_url"] + "/v2/", auth=basic(sts_token["WebIdentityToken"]))
    assert answer.status_code == 401


def test_serves_as_an_http_proxy_for_cgr_dev(state, token):
    proxies = {"http": state["registry_url"]}
    assert requests.get("http://cgr.dev/v2/", proxies=proxies).status_code == 401
    answer = requests.get("http://cgr.dev" + MANIFEST, proxies=proxies, auth=basic(token))
    assert answer.status_code == 200 and answer.headers["Docker-Content-Digest"] == state["image_digest"]


def test_refuses_https_tunnels(state):
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://cgr.dev/v2/", proxies={"https": state["registry_url"]}, timeout=5)


def test_anonymous_mode(state):
    requests.post(state["registry_url"] + "/_control", json={"mode": "anonymous"})
    assert requests.get(state["registry_url"] + MANIFEST).status_code == 200


def test_log_redacts_basic_credentials(state, token):
    requests.get(state["registry_url"] + "/v2/", auth=basic(token))
    entries = requests.get(state["registry_url"] + "/_control/log").json()
    assert token not in json.dumps(entries)
    assert logged_header(entries[-1], "Authorization").startswith("Basic <redacted len=")
    assert entries[-1]["authenticated"] is True
