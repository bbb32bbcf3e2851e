"""Configure skopeo (Debian's 1.9.3) to pull `cgr.dev/...` from the registry
emulator, with credentials from a Docker credential helper.

Two routings, found by experiment (see README.md, "skopeo"):

- `proxy` (default): `registries.conf` marks `cgr.dev` insecure and the
  environment sets HTTP(S)_PROXY to the registry emulator. skopeo first tries
  HTTPS through a CONNECT tunnel, which the emulator refuses, then plain HTTP
  through the proxy. The image stays `docker://cgr.dev/...` and the helper is
  asked about `cgr.dev`, as in production. NO_PROXY keeps loopback traffic
  (the helper's own calls to the issuer) direct.
- `mirror`: `[[registry]] location="cgr.dev"` with a `[[registry.mirror]]` at
  `127.0.0.1:PORT`. skopeo asks the helper about the *mirror* host
  `127.0.0.1:PORT`, not `cgr.dev`, and `skopeo inspect` lists tags from the
  primary location, so it needs `--no-tags`.

Command line:
  PYTHONPATH=tests python -m emulators.skopeo_setup --state FILE --dir DIR [--routing proxy|mirror] [--helper cgaws]
prints the environment and the skopeo command to run.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

IMAGE_HOST = "cgr.dev"


@dataclass
class SkopeoSetup:
    registries_conf: Path
    authfile: Path
    image: str  # docker://cgr.dev/...
    helper_host: str  # the host skopeo asks the credential helper about
    env: dict[str, str] = field(default_factory=dict)  # to add to skopeo's environment
    inspect_flags: list[str] = field(default_factory=list)

    def inspect_command(self) -> list[str]:
        return ["skopeo", "inspect", "--registries-conf", str(self.registries_conf),
                "--authfile", str(self.authfile), *self.inspect_flags, self.image]


def configure(directory: str | Path, state: dict, *, routing: str = "proxy", helper: str = "cgaws") -> SkopeoSetup:
    """Write registries.conf and an auth file (`credHelpers` -> `helper`,
    i.e. the program `docker-credential-<helper>` on PATH) into `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    registry_host = state["registry_host"]
    if routing == "proxy":
        conf = f'unqualified-search-registries = []\n\n[[registry]]\nlocation = "{IMAGE_HOST}"\ninsecure = true\n'
        helper_host = IMAGE_HOST
        proxy = state["registry_url"]
        env = {"HTTP_PROXY": proxy, "HTTPS_PROXY": proxy, "http_proxy": proxy, "https_proxy": proxy,
               "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
        flags: list[str] = []
    elif routing == "mirror":
        conf = (f'unqualified-search-registries = []\n\n[[registry]]\nlocation = "{IMAGE_HOST}"\n\n'
                f'[[registry.mirror]]\nlocation = "{registry_host}"\ninsecure = true\n')
        helper_host, env, flags = registry_host, {}, ["--no-tags"]
    else:
        raise ValueError(f"unknown routing {routing!r}")
    registries_conf = directory / "registries.conf"
    registries_conf.write_text(conf)
    authfile = directory / "auth.json"
    authfile.write_text(json.dumps({"auths": {}, "credHelpers": {helper_host: helper}}, indent=2) + "\n")
    return SkopeoSetup(registries_conf, authfile, f"docker://{IMAGE_HOST}/{state['image']}", helper_host, env, flags)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state", required=True, help="the emulator stack's state file")
    parser.add_argument("--dir", required=True, help="where to write registries.conf and auth.json")
    parser.add_argument("--routing", choices=["proxy", "mirror"], default="proxy")
    parser.add_argument("--helper", default="cgaws", help="credential helper name (docker-credential-NAME)")
    args = parser.parse_args(argv)
    with open(args.state) as f:
        state = json.load(f)
    setup = configure(args.dir, state, routing=args.routing, helper=args.helper)
    for key, value in setup.env.items():
        print(f"export {key}={shlex.quote(value)}")
    print(f"# the credential helper is asked about: {setup.helper_host}")
    print(shlex.join(setup.inspect_command()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
