"""All emulators together, wired to each other and pre-provisioned.

Python:   with Stack() as stack: stack.state()["issuer_url"] ...
Command:  PYTHONPATH=tests python -m emulators.stack --state FILE
          writes FILE (JSON, mode 0600: it holds test credentials), runs until
          SIGTERM/SIGINT, then removes FILE.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import signal
import sys
import threading
from typing import Any

from .container import ContainerEmulator
from .imds import ImdsEmulator
from .issuer import IssuerEmulator
from .registry import RegistryEmulator
from .sts import RoleCredentials, StsEmulator


def new_uidp() -> str:
    """An identity UIDP: <40 hex root group>/<16 hex identity>."""
    return f"{secrets.token_hex(20)}/{secrets.token_hex(8)}"


class Stack:
    INSTANCE_ID = "i-0123456789abcdef0"  # on EC2 the role session is named after the instance

    def __init__(self) -> None:
        self.sts: StsEmulator | None = None
        self.issuer: IssuerEmulator | None = None
        self.imds: ImdsEmulator | None = None
        self.container: ContainerEmulator | None = None
        self.registry: RegistryEmulator | None = None
        self.identity = new_uidp()
        self.oidc_identity = new_uidp()
        self.container_auth_token = secrets.token_urlsafe(24)

    def emulators(self) -> list:
        """The started emulators, dependents first."""
        return [e for e in (self.registry, self.container, self.imds, self.issuer, self.sts) if e is not None]

    def start(self) -> "Stack":
        try:
            sts = self.sts = StsEmulator().start()
            self.issuer = IssuerEmulator(sts.base_url).start()
            self.imds = ImdsEmulator(
                RoleCredentials(sts, self.INSTANCE_ID), role_name=sts.ROLE_NAME,
                region=sts.REGION, instance_id=self.INSTANCE_ID,
            ).start()
            self.container = ContainerEmulator(
                RoleCredentials(sts, f"ecs-task-{secrets.token_hex(16)}"), role_arn=sts.role_arn,
                account_id=sts.ACCOUNT_ID, auth_token=self.container_auth_token,
            ).start()
            self.registry = RegistryEmulator(self.issuer.issuer_url).start()
            self.issuer.register_identities({
                self.identity: {"name": "cgaws-test", "awsIdentity": self.identity_rule()},
                self.oidc_identity: {"name": "cgaws-test-oidc", "claimMatch": {
                    "issuer": sts.federation.issuer, "subject": sts.role_arn}},
            })
        except BaseException:
            self.stop()
            raise
        return self

    def identity_rule(self) -> dict[str, str]:
        """Accepts the IAM user and any session of the test role."""
        sts = self.sts
        account = sts.ACCOUNT_ID
        return {
            "aws_account": account,
            "arnPattern": rf"^arn:aws:(iam::{account}:user/{sts.USER_NAME}"
                          rf"|sts::{account}:assumed-role/{sts.ROLE_NAME}/[^/]+)$",
            "userIdPattern": r"^(AIDA[A-Z0-9]{17}|AROA[A-Z0-9]{17}:.+)$",
        }

    def stop(self) -> None:
        for emulator in self.emulators():
            emulator.stop()

    def reset(self) -> None:
        """Every emulator back to the behaviour it started with, logs emptied
        (IAM state and registered identities stay)."""
        for emulator in self.emulators():
            emulator.reset()

    def __enter__(self) -> "Stack":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def state(self) -> dict[str, Any]:
        sts, issuer, imds, container, registry = self.sts, self.issuer, self.imds, self.container, self.registry
        return {
            "sts_url": sts.base_url,
            "issuer_url": issuer.issuer_url,
            "imds_url": imds.base_url,
            "container_url": container.base_url,
            "registry_url": registry.base_url,
            "registry_host": registry.host,
            "redirect_sink_url": issuer.sink.base_url,
            "region": sts.REGION,
            "account_id": sts.ACCOUNT_ID,
            "user_name": sts.USER_NAME,
            "user_arn": sts.user_arn,
            "user_access_key_id": sts.user_access_key_id,
            "user_secret_access_key": sts.user_secret_access_key,
            "role_name": sts.ROLE_NAME,
            "role_arn": sts.role_arn,
            "identity": self.identity,
            "identity_rule": self.identity_rule(),
            "oidc_identity": self.oidc_identity,
            "oidc_issuer": sts.federation.issuer,
            "imds_role_name": imds.role_name,
            "imds_instance_id": imds.instance_id,
            "container_relative_uri": container.relative_uri,
            "container_full_uri": container.full_uri,
            "container_auth_token": self.container_auth_token,
            "registry_audience": registry.options["audience"],
            "image": registry.image_name,
            "image_digest": registry.image.manifest_digest,
        }


def write_state(path: str, state: dict[str, Any]) -> None:
    """Atomically, readable by the owner only (it holds test credentials)."""
    tmp = f"{path}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(state, f, indent=2)
    os.replace(tmp, path)


def scrub_environment() -> None:
    """Drop AWS settings and proxies from this process's environment: they
    may be set up for the program under test, and the stack's own AWS clients
    (moto's internal ones included) must not follow them."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            del os.environ[name]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the cgaws test emulators.")
    parser.add_argument("--state", required=True, help="where to write the JSON state file")
    args = parser.parse_args(argv)
    scrub_environment()

    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    with Stack() as stack:
        write_state(args.state, stack.state())
        print(f"emulators ready; state in {args.state}", file=sys.stderr, flush=True)
        try:
            done.wait()
        finally:
            os.unlink(args.state)
    return 0


if __name__ == "__main__":
    sys.exit(main())
