"""Differential tests: `cgaws.sign` against botocore's SigV4Auth / SigV4QueryAuth
on random requests must give the same signatures.

Where the two legitimately differ, the generated requests stay on the common
ground, on purpose:

- Query strings. aws-sigv4 (and so cgaws) decodes each query parameter and
  re-encodes it canonically; botocore signs the query's keys and values as they
  are written in the URL (it only sorts them). Both agree on an already
  canonical query, so queries are generated as canonical percent-encodings of
  arbitrary text. (Presigning is stricter still: botocore parses the query into
  a dict, so keys are unique there.)
- Header values. botocore collapses every kind of whitespace
  (`' '.join(value.split())`); SigV4 as AWS specifies it, and cgaws, collapse
  spaces only. Values are printable ASCII, where the only whitespace is a space.
- Paths. botocore drops the trailing slash of a path ending in `/.` or `/..`;
  cgaws (like aws-sigv4) keeps it. No generated segment is `.` or `..`.
- Unsigned payloads. botocore's SigV4Auth adds `X-Amz-Content-SHA256:
  UNSIGNED-PAYLOAD` itself; `cgaws.sign` adds nothing, so the test passes that
  header to cgaws (which then uses it as the payload hash, like botocore).
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from unittest import mock

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cgaws

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

UNSIGNED_NAMES = {
    "authorization",
    "user-agent",
    "expect",
    "transfer-encoding",
    "x-amzn-trace-id",
    "host",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "content-type",
    "date",  # botocore replaces a Date header by X-Amz-Date
}

label = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
hosts = st.builds(
    lambda labels, port: ".".join(labels) + port,
    st.lists(label, min_size=1, max_size=4),
    st.sampled_from(["", "", "", ":443", ":80", ":8443", ":9000"]),
)
segment = st.text(
    st.characters(blacklist_characters="/?#\x7f", blacklist_categories=("Cc", "Cs", "Zs", "Zl", "Zp")),
    max_size=10,
).filter(lambda s: s not in (".", ".."))
paths = st.builds(lambda segs, slash: "/" + "/".join(segs) + slash, st.lists(segment, max_size=5), st.sampled_from(["", "/"]))
query_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)


def enc(s: str) -> str:
    """SigV4's encoding: everything but A-Z a-z 0-9 - . _ ~ as %XX."""
    return urllib.parse.quote(s, safe="-_.~")


queries = st.lists(st.tuples(query_text.filter(bool), query_text), max_size=6)
header_name = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=16).filter(
    lambda n: n.lower() not in UNSIGNED_NAMES
)
header_value = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=24)
headers = st.lists(st.tuples(header_name, header_value), max_size=6, unique_by=lambda h: h[0].lower())
secrets_ = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=48)
credentials = st.tuples(
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=20),
    secrets_,
    st.one_of(st.none(), secrets_),
)
regions = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=16)
services = st.text("abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
times = st.integers(min_value=0, max_value=4_102_444_800)
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])


def url_of(scheme: str, host: str, path: str, query_pairs, bare_keys: bool) -> str:
    parts = []
    for k, v in query_pairs:
        parts.append(enc(k) if (bare_keys and not v) else f"{enc(k)}={enc(v)}")
    return f"{scheme}://{host}{path}" + ("?" + "&".join(parts) if parts else "")


def boto_credentials(creds):
    return botocore.credentials.Credentials(*creds)


def cg_credentials(creds):
    akid, secret, token = creds
    return {"access_key_id": akid, "secret_access_key": secret, "session_token": token}


@SETTINGS
@given(
    method=methods,
    scheme=st.sampled_from(["https", "http"]),
    host=hosts,
    path=paths,
    query=queries,
    bare_keys=st.booleans(),
    hdrs=headers,
    body=st.binary(max_size=64),
    creds=credentials,
    region=regions,
    service=services,
    when=times,
    unsigned=st.booleans(),
)
def test_header_signing_matches_botocore(
    method, scheme, host, path, query, bare_keys, hdrs, body, creds, region, service, when, unsigned
):
    url = url_of(scheme, host, path, query, bare_keys)
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(hdrs), data=body)
    if unsigned:
        request.context["payload_signing_enabled"] = False
    auth = botocore.auth.SigV4Auth(boto_credentials(creds), service, region)
    moment = dt.datetime.fromtimestamp(when, dt.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        auth.add_auth(request)

    cg_headers = list(hdrs)
    if unsigned:
        cg_headers.append(("X-Amz-Content-SHA256", "UNSIGNED-PAYLOAD"))
    signed = cgaws.sign(
        method, url, cg_headers, body, credentials=cg_credentials(creds), region=region, service=service, time=when
    )
    assert signed.headers["Authorization"] == request.headers["Authorization"]
    assert signed.headers["X-Amz-Date"] == request.headers["X-Amz-Date"]
    if creds[2]:
        assert signed.headers["X-Amz-Security-Token"] == creds[2]


@SETTINGS
@given(
    method=st.sampled_from(["GET", "PUT", "DELETE", "HEAD"]),
    host=hosts,
    path=paths,
    query=st.lists(st.tuples(query_text.filter(bool), query_text), max_size=5, unique_by=lambda kv: kv[0]),
    hdrs=headers,
    creds=credentials,
    region=regions,
    service=services,
    when=times,
    expires=st.integers(min_value=1, max_value=604_800),
)
def test_presigned_urls_match_botocore(method, host, path, query, hdrs, creds, region, service, when, expires):
    url = url_of("https", host, path, query, False)
    request = botocore.awsrequest.AWSRequest(method=method, url=url, headers=dict(hdrs))
    auth = botocore.auth.SigV4QueryAuth(boto_credentials(creds), service, region, expires=expires)
    moment = dt.datetime.fromtimestamp(when, dt.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        auth.add_auth(request)
    theirs = urllib.parse.parse_qs(urllib.parse.urlsplit(request.url).query)["X-Amz-Signature"][0]

    signed = cgaws.sign(
        method,
        url,
        hdrs,
        credentials=cg_credentials(creds),
        region=region,
        service=service,
        time=when,
        presign_expires=expires,
        # botocore's generic SigV4QueryAuth hashes the (empty) body; only its S3
        # variant signs UNSIGNED-PAYLOAD.
    )
    assert signed.signature == theirs
    ours = urllib.parse.parse_qs(urllib.parse.urlsplit(signed.url).query, keep_blank_values=True)
    assert ours["X-Amz-Signature"] == [theirs]
    assert ours["X-Amz-Expires"] == [str(expires)]
    assert "Authorization" not in signed.headers


@settings(max_examples=200, deadline=None)
@given(
    identity=st.builds(
        lambda a, b: f"{a}/{b}",
        st.text("0123456789abcdef", min_size=40, max_size=40),
        st.text("0123456789abcdef", min_size=16, max_size=16),
    ),
    audience=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=40),
    creds=credentials,
    when=times,
)
def test_token_signature_matches_botocore(identity, audience, creds, when):
    """A token's signature is the one botocore gives the same STS request."""
    blob = cgaws.generate_token(identity, cg_credentials(creds), audience=audience, time=when)
    import base64

    text = base64.urlsafe_b64decode(blob).decode()
    authorization = next(line.split(": ", 1)[1] for line in text.split("\r\n") if line.startswith("Authorization: "))
    request = botocore.awsrequest.AWSRequest(
        method="POST",
        url="https://sts.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15",
        headers={"Accept": "application/json", "Chainguard-Audience": audience, "Chainguard-Identity": identity},
        data=b"",
    )
    auth = botocore.auth.SigV4Auth(boto_credentials(creds), "sts", "us-east-1")
    moment = dt.datetime.fromtimestamp(when, dt.timezone.utc).replace(tzinfo=None)
    with mock.patch("botocore.auth.get_current_datetime", return_value=moment):
        auth.add_auth(request)
    assert authorization == request.headers["Authorization"]
