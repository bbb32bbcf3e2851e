"""`docker-credential-fake`: a stand-in Docker credential helper for the
emulator tests, written independently of cgaws (whose `docker-credential-cgaws`
is the real one).

Protocol (PROTOCOL.md §6): one verb argument; for `get`, the server URL on
stdin, `{"ServerURL", "Username": "_token", "Secret": <token>}` on stdout; an
unknown server gets `credentials not found in native keychain` and exit 1.

It signs a blob with the test IAM user's keys and exchanges it at the issuer
emulator. Environment:
  CGAWS_EMULATOR_STATE  the stack's state file (required)
  FAKE_HELPER_HOSTS     comma-separated hosts it answers for (default cgr.dev)
  FAKE_HELPER_LOG       if set, each call is appended there as a JSON line
"""

from __future__ import annotations

import json
import os
import sys
import urllib.parse
import urllib.request

from .awsblob import Creds, make_blob

NOT_FOUND = "credentials not found in native keychain"


def _host(server_url: str) -> str:
    """`https://cgr.dev/v2/` or `cgr.dev` -> `cgr.dev`."""
    server_url = server_url.strip()
    if "://" in server_url:
        return urllib.parse.urlsplit(server_url).netloc
    return server_url.split("/", 1)[0]


def registry_token(state: dict, audience: str | None = None) -> str:
    """A Chainguard token for the registry: the test IAM user's blob, exchanged."""
    blob = make_blob(Creds(state["user_access_key_id"], state["user_secret_access_key"]),
                     audience=state["issuer_url"], identity=state["identity"])
    body = urllib.parse.urlencode({"aud": audience or state["registry_audience"], "identity": state["identity"]})
    request = urllib.request.Request(state["issuer_url"] + "/sts/exchange", data=body.encode(),
                                     headers={"Authorization": f"Bearer {blob}"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)["token"]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    verb = argv[0] if argv else ""
    server_url = sys.stdin.read() if verb in ("get", "erase") else ""
    if os.environ.get("FAKE_HELPER_LOG"):
        with open(os.environ["FAKE_HELPER_LOG"], "a") as log:
            log.write(json.dumps({"verb": verb, "server_url": server_url}) + "\n")
    if verb == "list":
        print("{}")
        return 0
    if verb != "get":
        return 0  # store/erase: nothing is kept
    hosts = os.environ.get("FAKE_HELPER_HOSTS", "cgr.dev").split(",")
    if _host(server_url) not in hosts:
        print(NOT_FOUND)
        return 1
    with open(os.environ["CGAWS_EMULATOR_STATE"]) as f:
        state = json.load(f)
    print(json.dumps({"ServerURL": server_url.strip(), "Username": "_token", "Secret": registry_token(state)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
