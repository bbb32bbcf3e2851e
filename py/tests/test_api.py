"""The Python API itself: accepted credential and time forms, errors, reprs,
thread safety, the package's shape."""

from __future__ import annotations

import ast
import base64
import datetime as dt
import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import cgaws
from cgaws import _core

IDENTITY = "66fe8510254166621680aeb498b0249b66900d34/335917336625376d"
AKID = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN"
CREDS = {"access_key_id": AKID, "secret_access_key": SECRET, "session_token": TOKEN}
T0 = 1_768_464_000  # 2026-01-15T08:00:00Z


def signature_of(blob: str) -> str:
    text = base64.urlsafe_b64decode(blob).decode()
    return text.split("Signature=", 1)[1].split("\r\n", 1)[0]


# --- credentials -------------------------------------------------------------


def test_credential_forms_sign_alike():
    import botocore.credentials

    expected = cgaws.generate_token(IDENTITY, CREDS, time=T0)
    forms = [
        CREDS,
        {"AccessKeyId": AKID, "SecretAccessKey": SECRET, "SessionToken": TOKEN, "Expiration": dt.datetime(2030, 1, 1)},
        {"aws_access_key_id": AKID, "aws_secret_access_key": SECRET, "aws_session_token": TOKEN},
        cgaws.Credentials(AKID, SECRET, TOKEN),
        botocore.credentials.Credentials(AKID, SECRET, TOKEN),
        botocore.credentials.ReadOnlyCredentials(AKID, SECRET, TOKEN),
    ]
    for form in forms:
        assert cgaws.generate_token(IDENTITY, form, time=T0) == expected, type(form)


def test_boto3_session_credentials():
    import boto3

    session = boto3.Session(aws_access_key_id=AKID, aws_secret_access_key=SECRET, aws_session_token=TOKEN)
    assert cgaws.generate_token(IDENTITY, session.get_credentials(), time=T0) == cgaws.generate_token(
        IDENTITY, CREDS, time=T0
    )


def test_sts_style_mapping_keeps_expiry():
    creds = cgaws._credentials(
        {"AccessKeyId": AKID, "SecretAccessKey": SECRET, "SessionToken": TOKEN, "Expiration": "2030-01-01T00:00:00Z"}
    )
    assert creds.expiry == dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc)


def test_no_session_token():
    blob = cgaws.generate_token(IDENTITY, {"access_key_id": AKID, "secret_access_key": SECRET}, time=T0)
    info = cgaws.inspect(blob)
    assert not info["has_session_token"]
    assert "x-amz-security-token" not in info["signed_headers"]


@pytest.mark.parametrize(
    "bad",
    [
        {"access_key_id": AKID},
        {"secret_access_key": SECRET},
        {"access_key_id": "", "secret_access_key": SECRET},
        {"access_key_id": AKID, "secret_access_key": ""},
        {"access_key_id": AKID, "secret_access_key": 42},
        {"access_key_id": AKID, "secret_access_key": SECRET + "\n"},
        {"access_key_id": AKID, "secret_access_key": SECRET, "session_token": "a\r\nb"},
        object(),
        "AKID:SECRET",
        42,
    ],
)
def test_unusable_credentials(bad):
    with pytest.raises(cgaws.InvalidCredentialsError) as info:
        cgaws.generate_token(IDENTITY, bad, time=T0)
    assert isinstance(info.value, ValueError) and isinstance(info.value, cgaws.Error)
    assert SECRET not in str(info.value) and SECRET not in repr(info.value)


def test_credentials_object():
    c = cgaws.Credentials(AKID, SECRET, TOKEN, expiry=T0)
    assert (c.access_key_id, c.secret_access_key, c.session_token) == (AKID, SECRET, TOKEN)
    assert c.expiry == dt.datetime(2026, 1, 15, 8, tzinfo=dt.timezone.utc)
    assert c.source == "explicit" and c.region is None and c.account_id is None
    assert c == cgaws.Credentials(AKID, SECRET, TOKEN, expiry=T0) and hash(c) == hash(cgaws.Credentials(AKID, SECRET))
    assert c.get_frozen_credentials() is c
    assert cgaws.Credentials(AKID, SECRET, "").session_token is None


# --- time ---------------------------------------------------------------------


def test_time_forms():
    expected = cgaws.generate_token(IDENTITY, CREDS, time=T0)
    plus_one = dt.timezone(dt.timedelta(hours=1))
    for when in (
        T0,
        float(T0) + 0.999,
        dt.datetime(2026, 1, 15, 8, 0, 0, tzinfo=dt.timezone.utc),
        dt.datetime(2026, 1, 15, 9, 0, 0, 500_000, tzinfo=plus_one),
        dt.datetime(2026, 1, 15, 8, 0, 0),  # naive: UTC
    ):
        assert cgaws.generate_token(IDENTITY, CREDS, time=when) == expected, when


@pytest.mark.parametrize("bad", [True, "2026-01-15T08:00:00Z", float("nan"), float("inf"), 10**30, [T0]])
def test_bad_times(bad):
    with pytest.raises(cgaws.InvalidArgumentError) as info:
        cgaws.generate_token(IDENTITY, CREDS, time=bad)
    assert info.value.argument == "time"


def test_default_time_is_now():
    blob = cgaws.generate_token(IDENTITY, CREDS)
    info = cgaws.precheck(blob, identity=IDENTITY, audiences=cgaws.DEFAULT_AUDIENCE)
    assert abs((info["issued_at"] - dt.datetime.now(dt.timezone.utc)).total_seconds()) < 5


# --- tokens: inspect, precheck, sts_region -------------------------------------


def test_inspect_hides_secrets():
    blob = cgaws.generate_token(IDENTITY, CREDS, time=T0)
    info = cgaws.inspect(blob)
    assert TOKEN not in repr(info) and signature_of(blob) not in repr(info)
    assert info["identity"] == IDENTITY and info["audience"] == cgaws.DEFAULT_AUDIENCE
    assert info["access_key_id"] == AKID and info["credential_scope"] == "20260115/us-east-1/sts"
    assert info["issued_at"] == dt.datetime(2026, 1, 15, 8, tzinfo=dt.timezone.utc)
    assert info["host"] == "sts.amazonaws.com" and info["method"] == "POST"


def test_precheck_checks_in_order():
    blob = cgaws.generate_token(IDENTITY, CREDS, time=T0)
    ok = cgaws.precheck(blob, identity=IDENTITY, audiences=["x", cgaws.DEFAULT_AUDIENCE], now=T0 + 60)
    assert ok["host"] == "sts.amazonaws.com" and ok["access_key_id"] == AKID

    def failure(token, **kw):
        args = dict(identity=IDENTITY, audiences=cgaws.DEFAULT_AUDIENCE, now=T0)
        args.update(kw)
        with pytest.raises(cgaws.PrecheckError) as info:
            cgaws.precheck(token, **args)
        return info.value.check, info.value.code

    assert failure("not a token!") == (1, "invalid_encoding")
    assert failure(blob[:-1]) == (1, "invalid_encoding")  # not a multiple of 4: padding missing
    assert failure("+" + blob[1:]) == (1, "invalid_encoding")  # the standard alphabet
    assert failure(blob, sts_host="sts.us-west-2.amazonaws.com") == (4, "host_not_allowed")
    assert failure(blob, audiences="https://elsewhere") == (6, "invalid_audience")
    assert failure(blob, identity=IDENTITY[:-1] + "0") == (6, "invalid_identity")
    assert failure(blob, now=T0 + 901) == (7, "expired")
    assert failure(blob, now=T0 - 301) == (7, "future_dated")
    regional = cgaws.generate_token(IDENTITY, CREDS, sts_region="eu-west-1", time=T0)
    assert cgaws.inspect(regional)["host"] == "sts.eu-west-1.amazonaws.com"
    assert failure(regional) == (4, "host_not_allowed")
    assert cgaws.precheck(regional, identity=IDENTITY, audiences=cgaws.DEFAULT_AUDIENCE, now=T0,
                          sts_host=["sts.amazonaws.com", "sts.eu-west-1.amazonaws.com"])["host"] == (
        "sts.eu-west-1.amazonaws.com"
    )


def test_precheck_error_is_picklable():
    with pytest.raises(cgaws.PrecheckError) as info:
        cgaws.precheck("x", identity=IDENTITY, audiences="a", now=T0)
    again = pickle.loads(pickle.dumps(info.value))
    assert (type(again), again.check, again.code, str(again)) == (
        cgaws.PrecheckError, 1, "invalid_encoding", str(info.value)
    )


def test_invalid_identity():
    with pytest.raises(cgaws.InvalidIdentityError) as info:
        cgaws.generate_token("66fe8510254166621680aeb4sample222222/3359173sampled", CREDS, time=T0)
    e = info.value
    assert isinstance(e, ValueError) and e.identity.startswith("66fe") and "position" in e.reason
    assert "placeholder" in str(e)


@pytest.mark.parametrize(
    "kwargs,argument",
    [({"sts_region": "US-EAST-1"}, "sts_region"), ({"audience": ""}, "audience"), ({"audience": "a\nb"}, "audience")],
)
def test_invalid_token_arguments(kwargs, argument):
    with pytest.raises(cgaws.InvalidArgumentError) as info:
        cgaws.generate_token(IDENTITY, CREDS, time=T0, **kwargs)
    assert info.value.argument == argument


@pytest.mark.parametrize(
    "verb,kwargs,argument",
    [
        ("generate_token", {"oidc_algorithm": "HS256"}, "oidc_algorithm"),
        ("generate_token", {"oidc_algorithm": 384}, "oidc_algorithm"),
        ("generate_token", {"oidc_duration": 59}, "oidc_duration"),
        ("generate_token", {"oidc_duration": 3601}, "oidc_duration"),
        ("generate_token", {"oidc_duration": -1}, "oidc_duration"),
        ("generate_token", {"oidc_duration": 10**12}, "oidc_duration"),
        ("generate_token", {"oidc_duration": True}, "oidc_duration"),
        ("generate_token", {"oidc_duration": "5m"}, "oidc_duration"),
        ("generate_token", {"oidc_duration": dt.timedelta(hours=2)}, "oidc_duration"),
        ("generate_token", {"time": T0}, "time"),
        ("generate_token", {"audience": ""}, "audience"),
        ("generate_token", {"sts_region": "US-EAST-1"}, "sts_region"),
        ("exchange", {"oidc_algorithm": "none"}, "oidc_algorithm"),
        ("exchange", {"issuer": "ftp://issuer.example"}, "issuer"),
    ],
)
def test_oidc_arguments_are_checked_before_credentials(verb, kwargs, argument):
    """No credentials are set up: a NoCredentialsError would mean the check came too late."""
    with pytest.raises(cgaws.InvalidArgumentError) as info:
        getattr(cgaws, verb)(IDENTITY, method="oidc", **kwargs)
    assert info.value.argument == argument, info.value
    assert isinstance(info.value, ValueError)


def test_oidc_identity_is_checked_when_given():
    with pytest.raises(cgaws.InvalidIdentityError):
        cgaws.generate_token("not-a-uidp", method="oidc")
    for identity in (IDENTITY, None):  # then credentials are looked for (there are none)
        with pytest.raises(cgaws.NoCredentialsError):
            cgaws.generate_token(identity, method="oidc", oidc_algorithm="RS256", oidc_duration=3600)


@pytest.mark.parametrize("kwargs", [{"oidc_algorithm": "ES384"}, {"oidc_duration": 300}])
def test_oidc_options_refused_with_gci(kwargs):
    with pytest.raises(cgaws.InvalidArgumentError) as info:
        cgaws.generate_token(IDENTITY, CREDS, time=T0, **kwargs)
    assert info.value.argument == next(iter(kwargs)) and "method='oidc'" in str(info.value)
    if "oidc_algorithm" in kwargs:
        with pytest.raises(cgaws.InvalidArgumentError):
            cgaws.exchange(IDENTITY, credentials=CREDS, method="gci", **kwargs)


def test_methods_constant():
    assert cgaws.METHODS == ("gci", "oidc")
    # method="gci" is the default, and the same token.
    assert cgaws.generate_token(IDENTITY, CREDS, time=T0, method="gci") == cgaws.generate_token(IDENTITY, CREDS, time=T0)


def test_sts_error_carries_the_fix_and_pickles():
    e = cgaws.StsError("STS refused ...", status=403, code="AccessDenied", fix="allow it")
    again = pickle.loads(pickle.dumps(e))
    assert (again.status, again.code, again.fix, again.request_id) == (403, "AccessDenied", "allow it", None)
    assert cgaws.StsError("x").fix is None


# --- sign ----------------------------------------------------------------------


def test_sign_adds_only_date_token_and_authorization():
    signed = cgaws.sign(
        "post",
        "https://Example.Amazonaws.com:443/a/./b?x=1",
        {"Content-Type": "application/json", "X-Custom": 7},
        '{"a": 1}',
        credentials=CREDS,
        region="us-west-2",
        service="execute-api",
        time=T0,
    )
    assert list(signed.headers) == ["Host", "Content-Type", "X-Custom", "X-Amz-Security-Token", "X-Amz-Date", "Authorization"]
    assert signed.headers["Host"] == "example.amazonaws.com"
    assert signed.headers["X-Custom"] == "7"
    assert signed.signed_headers == "content-type;host;x-amz-date;x-amz-security-token;x-custom"
    assert signed.body == b'{"a": 1}'
    assert signed.method == "POST" and signed.canonical_request.startswith("POST\n")
    assert signed.canonical_request.split("\n")[1] == "/a/b"
    assert TOKEN not in repr(signed) and signed.signature not in repr(signed)


def test_sign_presigned_and_unsigned_payload():
    signed = cgaws.sign(
        "GET",
        "https://bucket.s3.amazonaws.com/key with space",
        credentials=CREDS,
        region="us-east-1",
        service="s3",
        time=T0,
        presign_expires=dt.timedelta(minutes=5),
        unsigned_payload=True,
        normalize_path=False,
    )
    assert "X-Amz-Expires=300" in signed.url and "X-Amz-Security-Token=" in signed.url
    assert signed.canonical_request.endswith("\nUNSIGNED-PAYLOAD")
    assert list(signed.headers) == ["Host"]
    assert TOKEN not in repr(signed) and "X-Amz-Signature" not in repr(signed)


def test_sign_duplicate_headers_and_content_sha():
    signed = cgaws.sign(
        "PUT",
        "https://h.example/",
        [("My-Header", " a "), ("my-header", "b"), ("x-amz-content-sha256", "UNSIGNED-PAYLOAD")],
        b"ignored for the hash",
        credentials=CREDS,
        region="r",
        service="s",
        time=T0,
    )
    assert signed.headers["My-Header"] == "a,b"
    assert "my-header:a,b\n" in signed.canonical_request
    assert signed.canonical_request.endswith("\nUNSIGNED-PAYLOAD")
    assert "x-amz-content-sha256" in signed.signed_headers.split(";")


@pytest.mark.parametrize(
    "method,url,headers,kwargs",
    [
        ("GET", "example.com/x", None, {}),
        ("GET", "ftp://example.com/", None, {}),
        ("GET", "https://user:pw@example.com/", None, {}),
        ("GET", "https://example.com/\r\nx", None, {}),
        ("GET", "https://example.com/", {"Bad Name": "v"}, {}),
        ("GET", "https://example.com/", {"X": "a\r\nb"}, {}),
        ("GET", "https://example.com/", {"X": object()}, {}),
        ("G T", "https://example.com/", None, {}),
        ("GET", "https://example.com/", None, {"region": ""}),
        ("GET", "https://example.com/", None, {"presign_expires": 0}),
        ("GET", "https://example.com/", None, {"presign_expires": 604_801}),
        ("GET", "https://example.com/", None, {"presign_expires": "soon"}),
        ("GET", "https://example.com/", None, {"presign_expires": 10**30}),
        ("GET", "https://example.com/", None, {"presign_expires": -5}),
        ("GET", "https://example.com/", None, {"presign_expires": True}),
    ],
)
def test_sign_refuses(method, url, headers, kwargs):
    args = dict(credentials=CREDS, region="r", service="s", time=T0)
    args.update(kwargs)
    with pytest.raises(cgaws.InvalidArgumentError):
        cgaws.sign(method, url, headers, **args)


# --- threads -------------------------------------------------------------------


def test_eight_threads_sign_at_once():
    """The extension's signing-key cache is shared and locked: 8 threads signing
    with different keys, regions and dates (forcing evictions) all get exactly
    the single-threaded answers."""
    jobs = []
    for i in range(8):
        creds = {"access_key_id": f"AKID{i}", "secret_access_key": f"secret-{i}", "session_token": None}
        region = f"region-{i % 5}"
        when = T0 + 86_400 * (i % 3)
        jobs.append((creds, region, when))
    expected = [
        cgaws.sign("GET", "https://h.example/", credentials=c, region=r, service="s", time=t).signature
        for c, r, t in jobs
    ]
    token_expected = [cgaws.generate_token(IDENTITY, c, time=t) for c, _, t in jobs]
    barrier = threading.Barrier(8)
    failures = []

    def work(index: int) -> None:
        creds, region, when = jobs[index]
        barrier.wait()
        for _ in range(1500):
            got = cgaws.sign("GET", "https://h.example/", credentials=creds, region=region, service="s", time=when)
            if got.signature != expected[index]:
                failures.append((index, "sign"))
                return
            if cgaws.generate_token(IDENTITY, creds, time=when) != token_expected[index]:
                failures.append((index, "token"))
                return

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


# --- errors and reprs ------------------------------------------------------------


def test_error_hierarchy():
    for cls in (
        cgaws.NoCredentialsError,
        cgaws.InvalidCredentialsError,
        cgaws.InvalidIdentityError,
        cgaws.InvalidArgumentError,
        cgaws.PrecheckError,
        cgaws.VerifyError,
        cgaws.ExchangeError,
        cgaws.StsError,
        cgaws.TransportError,
    ):
        assert issubclass(cls, cgaws.Error) and not issubclass(cls, RuntimeError)
    assert issubclass(cgaws.PrecheckError, cgaws.VerifyError)
    e = cgaws.ExchangeError("no", status=403, code=7)
    assert e.permission_denied and e.location is None
    assert cgaws.ExchangeError("no", status=403).permission_denied
    assert not cgaws.ExchangeError("no", status=500).permission_denied


def test_token_repr_hides_token():
    t = cgaws.Token("eyJhbGciOi.secretpayload.sig", dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc), "refresh-secret")
    for text in (repr(t), str(t)):
        assert "secretpayload" not in text and "refresh-secret" not in text
        assert "2030-01-01" in text


def test_credentials_repr_hides_secrets():
    c = cgaws.Credentials(AKID, SECRET, TOKEN)
    assert AKID in repr(c) and SECRET not in repr(c) and TOKEN not in repr(c) and SECRET not in str(c)


def test_no_credentials_error(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)  # a key id without a secret stops the chain
    with pytest.raises(cgaws.NoCredentialsError) as info:
        cgaws.generate_token(IDENTITY)
    e = info.value
    assert e.attempts and e.attempts[0][0] == "environment"
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(cgaws.NoCredentialsError) as info:
        cgaws.load_credentials()
    e = info.value
    assert not e.stopped
    assert [a[0] for a in e.attempts] == ["environment", "profile:default", "web-identity", "container", "imds"]


def test_environment_credentials(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AKID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    c = cgaws.load_credentials()
    assert (c.access_key_id, c.secret_access_key, c.session_token, c.source, c.region) == (
        AKID, SECRET, TOKEN, "environment", "eu-west-1"
    )
    assert cgaws.generate_token(IDENTITY, time=T0) == cgaws.generate_token(IDENTITY, CREDS, time=T0)


def test_profile_static_keys_and_credential_process(monkeypatch, tmp_path):
    script = tmp_path / "creds.py"
    script.write_text(
        "import json\n"
        f"print(json.dumps({{'Version': 1, 'AccessKeyId': 'AKIDPROC', 'SecretAccessKey': {SECRET!r}}}))\n"
    )
    config = tmp_path / "config"
    config.write_text(
        "[profile proc]\n"
        f"credential_process = {sys.executable} {script}\n"
        "[profile broken]\n"
        f"credential_process = {tmp_path / 'does-not-exist'}\n"
    )
    (tmp_path / "credentials").write_text(f"[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = {SECRET}\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    c = cgaws.load_credentials()
    assert (c.access_key_id, c.source) == ("AKIDFILE", "profile:default")
    c = cgaws.load_credentials(profile="proc")
    assert c.access_key_id == "AKIDPROC" and c.secret_access_key == SECRET and "credential_process" in c.source
    with pytest.raises(cgaws.NoCredentialsError) as info:
        cgaws.load_credentials(profile="broken")
    assert info.value.stopped and SECRET not in str(info.value)


# --- the package -------------------------------------------------------------------


def test_installed_package():
    """py/test.sh runs against the wheel installed in a fresh environment."""
    where = Path(cgaws.__file__).resolve().parent
    if os.environ.get("CGAWS_REQUIRE_INSTALLED") == "1":
        assert "site-packages" in where.parts, where
    for name in ("py.typed", "_core.pyi", "__init__.py", "_driver.py", "_errors.py"):
        assert (where / name).is_file(), name
    assert Path(_core.__file__).name.endswith(".abi3.so")


def test_stub_matches_extension():
    stub = ast.parse((Path(cgaws.__file__).parent / "_core.pyi").read_text())
    declared = set()
    for node in stub.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            declared.add(node.target.id)
    public = {name for name in dir(_core) if not name.startswith("_")}
    assert public <= declared, public - declared
    assert {n for n in declared if not n.startswith("_")} <= public


def test_api_documented():
    for name in cgaws.__all__:
        obj = getattr(cgaws, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 40, name


def test_import_is_light():
    """`import cgaws` loads no HTTP, subprocess or logging machinery."""
    code = "import sys, cgaws; print(sorted(m for m in ('urllib.request', 'http.client', 'subprocess', 'logging', 'ssl') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "[]"


def test_package_stub_matches_module():
    stub = ast.parse((Path(cgaws.__file__).parent / "__init__.pyi").read_text())
    declared = set()
    for node in ast.walk(stub):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node in stub.body:
            declared.add(node.name)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node in stub.body:
            declared.add(node.target.id)
        elif isinstance(node, ast.ImportFrom):
            declared.update(a.asname for a in node.names if a.asname)
    assert set(cgaws.__all__) <= declared, set(cgaws.__all__) - declared


def test_metadata_endpoints_bypass_proxies():
    from cgaws import _driver

    for host in ("169.254.169.254", "169.254.170.2", "fd00:ec2::254", "169.254.170.23"):
        assert _driver._is_metadata_host(host), host
    for host in ("127.0.0.1", "sts.amazonaws.com", "10.0.0.1", "::1", None, ""):
        assert not _driver._is_metadata_host(host), host


# A blob the core's fuzzer found to panic inspect() (a char boundary cut in the
# signature): through Python it must give an answer or a cgaws.Error, never
# kill the interpreter (the extension unwinds and turns panics into errors).
PANIC_BLOB = "UE9TVCAvP0FjdGlvbj1HZXRDYWxsZXJJZGVudGl0eSZWZXJzaW9uPTIwMTEtMDYtMTUgSFRUUC8xLjENCkhvc2Q6IHN0cy5hbWF6b25hd3MuY29tDQpVc2VyLUFnZW50OiBjZ2F3cy8wLjEuMA0KQ29udGVudC1MZW5ndGg6IDANCkFjY2VwdDogYXBwbGljYXRpb24vanNvbg0KQXV0aG9yaXphdGlvbjogQVdTNC1ITUFDLVNIQTI1NiBDcmVkZW50aWFsPUFLSURFWEFNUExFLzIwMjYwMTE1L3VzLWVhc3QtMS9zdHMvYXdzNF9yZXF1ZXN0LCBTaWduZWRIZWFkZXJzPWFjY2VwdDtjaGFpbmd1YXJkLWF1ZGllbmNlO2NoYWluZ3VhcmQtaWRlbnRpdHk7aG9zdDt4LWFtei1kYXRlLCBTaWduYXR1cmU9ZmN2YTBmZN2zIDVhNmI5MzVkOWYzZmJjZjZiOGFlYTA0MDE4ODRkNzVlMmRkMjJjNTYzZjg3NDdmNGQwOGFlMw0KQ2hhaW5ndWFyZC1BdWRpZW5jZTogaHR0cHM6Ly9pc3N1ZXIuZW5mb3JjZS5kZXYNCkNoYWluZ3VhcmQtSWRlbnRpdHk6IDY2ZmU4NTEwMjU0MTY2NjIxNjgwYWViNDk4YjAyNDliNjY5MDBkMzQvMzM1OTE3MzM2NjI1Mzc2ZA0KWC1BbXotRGF0ZTogMjAyNjAxMTVUMDgwMDAwWg0KDQo="


def test_core_bug_is_an_error_not_a_crash():
    code = (
        "import cgaws, sys\n"
        "try:\n"
        f"    cgaws.inspect({PANIC_BLOB!r}); print('ok')\n"
        "except cgaws.Error as e:\n"
        "    print('error', type(e).__name__, getattr(e, 'internal', None))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-500:]
    assert done.stdout.startswith(("ok", "error")), done.stdout
    assert "panicked" not in done.stderr
