"""The token cache: fresh hits need no AWS credentials and no network;
near-expiry, expired and corrupt entries are replaced; --no-cache."""

from __future__ import annotations

import json
import stat
import time

from conftest import issuer_exchanges


def only_cache_file(cli):
    files = list(cli.cache_dir.iterdir())
    assert len(files) == 1, files
    return files[0]


def test_warm_hit_needs_no_credentials_and_no_network(cli, stack, state):
    cli.user_keys()
    token = cli.exchange_ok()
    path = only_cache_file(cli)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.cache_dir.stat().st_mode) == 0o700
    entry = json.loads(path.read_text())
    assert entry["token"] == token and entry["identity"] == state["identity"]
    # No AWS credentials at all, and the issuer unreachable: the cache answers.
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        cli.env.pop(k)
    stack.issuer.log.clear()
    stack.sts.log.clear()
    r = cli.run("exchange", "--output", "json", "-v")
    assert r.code == 0, r.err
    assert r.json()["token"] == token and r.json()["from_cache"] is True
    assert "cache: hit" in r.err and "http:" not in r.err
    assert issuer_exchanges(stack) == []
    assert stack.sts.log.entries() == []


def test_cache_is_per_identity_audience_scope_and_issuer(cli, stack, state):
    cli.user_keys()
    cli.exchange_ok()
    cli.exchange_ok("--audience", "https://console-api.enforce.dev")
    cli.exchange_ok("--scope", "registry.pull")
    cli.exchange_ok("--cap", "registry.pull")
    cli.exchange_ok()
    assert len(issuer_exchanges(stack)) == 4
    assert len(list(cli.cache_dir.iterdir())) == 4


def test_entry_near_expiry_is_replaced(cli, stack):
    cli.user_keys()
    first = cli.exchange_ok()
    path = only_cache_file(cli)
    entry = json.loads(path.read_text())
    entry["expiry"] = int(time.time()) + 299  # inside the 5-minute margin
    path.write_text(json.dumps(entry))
    second = cli.exchange_ok()
    assert len(issuer_exchanges(stack)) == 2
    assert json.loads(path.read_text())["token"] == second
    assert first != second or True  # same second, same claims: the new file matters, not the value


def test_expired_entry_is_replaced(cli, stack):
    cli.user_keys()
    cli.exchange_ok()
    path = only_cache_file(cli)
    entry = json.loads(path.read_text())
    entry["expiry"] = int(time.time()) - 10
    path.write_text(json.dumps(entry))
    cli.exchange_ok()
    assert len(issuer_exchanges(stack)) == 2
    assert json.loads(path.read_text())["expiry"] > time.time() + 3000


def test_short_lived_token_is_not_reused(cli, stack):
    cli.user_keys()
    stack.issuer.configure({"token_ttl_s": 200})  # less than the 5-minute margin
    cli.exchange_ok()
    cli.exchange_ok()
    assert len(issuer_exchanges(stack)) == 2


def test_corrupt_entry_is_ignored_and_replaced(cli, stack):
    cli.user_keys()
    cli.exchange_ok()
    path = only_cache_file(cli)
    for junk in ("{half a json", "", "\x00\xff", json.dumps({"version": 1, "token": 5})):
        path.write_text(junk)
        r = cli.run("exchange", "-v")
        assert r.code == 0, r.err
        assert "corrupt" in r.err
        assert json.loads(path.read_text())["token"] == r.out.strip()


def test_no_cache(cli, stack):
    cli.user_keys()
    cli.exchange_ok("--no-cache")
    cli.exchange_ok("--no-cache")
    assert len(issuer_exchanges(stack)) == 2
    assert not cli.cache_dir.exists()


def test_unwritable_cache_is_not_fatal(cli, stack):
    cli.user_keys()
    (cli.tmp / "cache").write_text("a file where the directory should be")
    cli.exchange_ok()
    cli.exchange_ok()
    assert len(issuer_exchanges(stack)) == 2


def test_cache_under_home_by_default(cli, stack):
    cli.user_keys()
    cli.exchange_ok(env={"XDG_CACHE_HOME": None})
    assert len(list((cli.home / ".cache" / "cgaws").iterdir())) == 1


def test_credential_helper_uses_the_cache(cli, stack):
    cli.user_keys()
    token = cli.exchange_ok()
    for k in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        cli.env.pop(k)
    r = cli.run("get", stdin="cgr.dev", argv0="docker-credential-cgaws")
    assert r.code == 0, r.err
    assert r.json()["Secret"] == token
    assert len(issuer_exchanges(stack)) == 1
