#!/usr/bin/env python3
"""Writes the seed corpus of fuzz/corpus/precheck: real tokens, signed the way
PROTOCOL.md §2 says (checked against tests/vectors/token-vectors.json), and a few
broken variants. Run once; the corpus is kept in the repo."""

import base64
import hashlib
import hmac
import json
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent
EMPTY = hashlib.sha256(b"").hexdigest()
QUERY = "Action=GetCallerIdentity&Version=2011-06-15"


def sign(v: dict) -> tuple[str, str]:
    """(signature, wire text) for one vector's inputs."""
    t = v["time"].replace("-", "").replace(":", "")  # 20260115T080000Z
    date = t[:8]
    headers = {
        "accept": "application/json",
        "chainguard-audience": v["audience"],
        "chainguard-identity": v["identity"],
        "host": v["sts_host"],
        "x-amz-date": t,
    }
    if v.get("session_token"):
        headers["x-amz-security-token"] = v["session_token"]
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        ["POST", "/", QUERY] + [f"{k}:{headers[k]}" for k in sorted(headers)] + ["", signed, EMPTY]
    )
    scope = f"{date}/{v['sts_region']}/sts/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", t, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + v["secret_access_key"]).encode()
    for part in (date, v["sts_region"], "sts", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    auth = f"AWS4-HMAC-SHA256 Credential={v['access_key_id']}/{scope}, SignedHeaders={signed}, Signature={sig}"
    lines = [
        f"POST /?{QUERY} HTTP/1.1",
        f"Host: {v['sts_host']}",
        "User-Agent: cgaws/0.1.0",
        "Content-Length: 0",
        "Accept: application/json",
        f"Authorization: {auth}",
        f"Chainguard-Audience: {v['audience']}",
        f"Chainguard-Identity: {v['identity']}",
        f"X-Amz-Date: {t}",
    ]
    if v.get("session_token"):
        lines.append(f"X-Amz-Security-Token: {v['session_token']}")
    return sig, "\r\n".join(lines) + "\r\n\r\n"


def main() -> None:
    vectors = json.loads((ROOT.parent / "tests/vectors/token-vectors.json").read_text())["vectors"]
    out = ROOT / "corpus/precheck"
    out.mkdir(parents=True, exist_ok=True)
    for v in vectors:
        sig, wire = sign(v)
        assert sig == v["signature"], v["name"]
        blob = base64.urlsafe_b64encode(wire.encode()).decode()
        (out / f"{v['name']}.blob").write_text(blob)
        # Broken variants: standard alphabet, unpadded, GET, duplicated date.
        (out / f"{v['name']}.std-alphabet").write_text(base64.b64encode(wire.encode()).decode())
        (out / f"{v['name']}.unpadded").write_text(blob.rstrip("="))
        get = wire.replace("POST ", "GET ", 1)
        (out / f"{v['name']}.get").write_text(base64.urlsafe_b64encode(get.encode()).decode())
        dup = wire.replace("\r\n\r\n", f"\r\nX-Amz-Date: {v['time']}\r\n\r\n")
        (out / f"{v['name']}.dup-date").write_text(base64.urlsafe_b64encode(dup.encode()).decode())


if __name__ == "__main__":
    main()
