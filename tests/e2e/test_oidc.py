"""The second proof method (issue 7, PROTOCOL.md §7): `--method oidc`, a JWT
from STS GetWebIdentityToken (AWS outbound identity federation) traded at the
issuer for an identity with a `claimMatch` rule. Credentials come from the
instance role over IMDS, as on EC2, so the JWT's `sub` is the role's ARN.

The STS emulator mints real ES384/RS256 JWTs under `oidc_issuer`; the issuer
emulator verifies them through that issuer's JWKS and matches `oidc_identity`'s
claimMatch rule (issuer = oidc_issuer, subject = role_arn)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import time

import pytest

from conftest import ROOT, issuer_exchanges, jwt_claims, new_uidp


def jwt_header(token: str) -> dict:
    part = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def sts_actions(stack) -> list[str]:
    return [e.get("action") for e in stack.sts.log.entries()]


def oidc_cli(cli, stack):
    """Instance-role credentials from IMDS, and the claimMatch identity."""
    cli.imds(stack)
    cli.env["CHAINGUARD_IDENTITY"] = cli.state["oidc_identity"]
    return cli


def write_config(cli, doc: dict):
    return cli.write("config/cgaws/config.json", json.dumps(doc))


# -- token --method oidc -------------------------------------------------------

def test_token_oidc_is_the_aws_jwt(cli, stack, state):
    cli.imds(stack)
    # No identity is needed: the JWT does not name one.
    r = cli.run("token", "--method", "oidc", env={"CHAINGUARD_IDENTITY": None})
    assert r.code == 0, r.err
    token = r.out.strip()
    assert r.out.endswith("\n") and token.count(".") == 2
    claims = jwt_claims(token)
    assert claims["iss"] == state["oidc_issuer"]
    # The role's ARN, not the assumed-role session's.
    assert claims["sub"] == state["role_arn"]
    assert ":assumed-role/" not in claims["sub"]
    assert claims["aud"] in (state["issuer_url"], [state["issuer_url"]])
    assert claims["exp"] - claims["iat"] == 300
    assert claims["https://sts.amazonaws.com/"]["aws_account"] == state["account_id"]
    assert jwt_header(token)["alg"] == "ES384"
    assert "GetWebIdentityToken" in sts_actions(stack)
    assert not issuer_exchanges(stack)


def test_token_oidc_algorithm_duration_and_audience(cli, stack, state):
    cli.imds(stack)
    r = cli.run("token", "--method", "oidc", "--oidc-algorithm", "RS256", "--oidc-duration", "900",
                "--audience", "https://issuer.example")
    assert r.code == 0, r.err
    token = r.out.strip()
    claims = jwt_claims(token)
    assert jwt_header(token)["alg"] == "RS256"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["aud"] in ("https://issuer.example", ["https://issuer.example"])


def test_token_oidc_audience_defaults_to_the_chainguard_issuer(cli, stack, state):
    cli.imds(stack)
    r = cli.run("token", "--method", "oidc", env={"CHAINGUARD_ISSUER": None})
    assert r.code == 0, r.err
    assert jwt_claims(r.out.strip())["aud"] in ("https://issuer.enforce.dev", ["https://issuer.enforce.dev"])
    # ... or the config file's issuer, as for the blob.
    write_config(cli, {"issuer": "https://issuer.from-config.example"})
    r = cli.run("token", "--method", "oidc", env={"CHAINGUARD_ISSUER": None})
    assert r.code == 0, r.err
    assert jwt_claims(r.out.strip())["aud"] in ("https://issuer.from-config.example",
                                                ["https://issuer.from-config.example"])


def test_iam_user_subject_is_the_user_arn(cli, stack, state):
    cli.user_keys()
    r = cli.run("token", "--method", "oidc")
    assert r.code == 0, r.err
    assert jwt_claims(r.out.strip())["sub"] == state["user_arn"]


@pytest.mark.parametrize("args", [
    ["--method", "oidc", "--sts-region", "eu-west-1"],
    ["--method", "oidc", "--fips"],
    ["--method", "oidc", "--time", "2026-01-01T00:00:00Z"],
    ["--oidc-algorithm", "RS256"],  # with the default method, gci
    ["--method", "oidc", "--oidc-duration", "59"],
    ["--method", "oidc", "--oidc-duration", "3601"],
    ["--method", "oidc", "--oidc-algorithm", "HS256"],
    ["--method", "jwt"],
])
def test_token_usage_errors(cli, stack, args):
    cli.imds(stack)
    r = cli.run("token", *args)
    assert r.code == 2, r.err
    assert not sts_actions(stack), "a usage error must be found before STS is called"


# -- exchange --method oidc ----------------------------------------------------

@pytest.mark.parametrize("algorithm", ["ES384", "RS256"])
def test_exchange_oidc(cli, stack, state, algorithm):
    oidc_cli(cli, stack)
    r = cli.run("exchange", "--method", "oidc", "--oidc-algorithm", algorithm, "--output", "json")
    assert r.code == 0, r.err
    doc = r.json()
    assert doc["method"] == "oidc" and doc["from_cache"] is False
    claims = jwt_claims(doc["token"])
    assert claims["iss"] == state["issuer_url"]
    assert claims["sub"] == state["oidc_identity"]
    assert claims["aud"] in ("cgr.dev", ["cgr.dev"])
    [entry] = issuer_exchanges(stack)
    assert entry["bearer_kind"] == "oidc"
    assert entry["status"] == 200
    assert entry["params"]["identity"] in (state["oidc_identity"], [state["oidc_identity"]])
    assert sts_actions(stack).count("GetWebIdentityToken") == 1


def test_exchange_gci_still_the_default(cli, stack, state):
    cli.imds(stack)
    r = cli.run("exchange", "--output", "json")
    assert r.code == 0, r.err
    assert r.json()["method"] == "gci"
    [entry] = issuer_exchanges(stack)
    assert entry["bearer_kind"] == "aws-blob"
    assert "GetWebIdentityToken" not in sts_actions(stack)


def test_oidc_token_for_an_aws_identity_is_refused_with_the_claims(cli, stack, state):
    cli.imds(stack)  # CHAINGUARD_IDENTITY is the awsIdentity one
    r = cli.run("exchange", "--method", "oidc")
    assert r.code == 1
    assert "PERMISSION_DENIED" in r.err
    assert f"iss {state['oidc_issuer']}" in r.err
    assert f"sub {state['role_arn']}" in r.err
    assert "claim_match rule" in r.err and "cgaws spec --method oidc" in r.err


# -- the two STS refusals ------------------------------------------------------

def refused_by_sts(cli, stack, verb: list[str], **federation):
    """`cgaws VERB --method oidc` with STS's federation settings changed so that
    GetWebIdentityToken is refused: it fails, and nothing reaches the issuer."""
    oidc_cli(cli, stack)
    stack.sts.federation.configure(**federation)
    r = cli.run(*verb, "--method", "oidc")
    assert r.code == 1
    assert not issuer_exchanges(stack)
    return r


@pytest.mark.parametrize("verb", [["token"], ["exchange"]])
def test_federation_disabled(cli, stack, verb):
    r = refused_by_sts(cli, stack, verb, enabled=False)
    assert r.out == ""
    assert "OutboundWebIdentityFederationDisabledException" in r.err
    assert "hint: outbound identity federation is not enabled for this AWS account" in r.err
    assert "aws iam enable-outbound-web-identity-federation" in r.err
    assert "--method gci" in r.err


@pytest.mark.parametrize("verb", [["token"], ["exchange"]])
def test_access_denied_shows_the_minimal_policy(cli, stack, state, verb):
    r = refused_by_sts(cli, stack, verb, caller_allowed=False)
    assert "AccessDenied" in r.err
    assert "OutboundWebIdentityFederationDisabledException" not in r.err
    hint = next(line for line in r.err.splitlines() if "The minimal policy statement: " in line)
    policy = json.loads(hint.split("The minimal policy statement: ", 1)[1])
    assert policy["Action"] == "sts:GetWebIdentityToken" and policy["Effect"] == "Allow"
    assert policy["Condition"]["ForAnyValue:StringEquals"]["sts:IdentityTokenAudience"] == state["issuer_url"]
    assert policy["Condition"]["NumericLessThanEquals"]["sts:DurationSeconds"] == 300


# -- where the method comes from -----------------------------------------------

def test_method_from_environment(cli, stack, state):
    oidc_cli(cli, stack)
    r = cli.run("exchange", "--output", "json", env={"CGAWS_METHOD": "oidc"})
    assert r.code == 0, r.err
    assert r.json()["method"] == "oidc"
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "oidc"
    # The flag beats the environment.
    r = cli.run("exchange", "--method", "gci", "--identity", state["identity"], "--output", "json",
                env={"CGAWS_METHOD": "oidc"})
    assert r.code == 0, r.err
    assert r.json()["method"] == "gci"
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "aws-blob"
    r = cli.run("exchange", env={"CGAWS_METHOD": "blob"})
    assert r.code == 2
    assert "CGAWS_METHOD" in r.err


def test_method_from_the_config_file(cli, stack, state):
    cli.imds(stack)
    write_config(cli, {"identity": state["oidc_identity"], "method": "oidc"})
    r = cli.run("exchange", "--output", "json", env={"CHAINGUARD_IDENTITY": None})
    assert r.code == 0, r.err
    assert r.json()["method"] == "oidc"
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "oidc"
    # The environment beats the file.
    r = cli.run("exchange", "--output", "json", "--identity", state["identity"], env={"CGAWS_METHOD": "gci"})
    assert r.code == 0, r.err
    assert r.json()["method"] == "gci"
    write_config(cli, {"method": "saml"})
    r = cli.run("exchange")
    assert r.code == 1
    assert '"method" is "saml"' in r.err


def test_install_helper_saves_the_method(cli, stack, state):
    r = cli.run("install-helper", "--identity", state["oidc_identity"], "--method", "oidc", "--no-link",
                "--docker-config", str(cli.tmp / "docker" / "config.json"))
    assert r.code == 0, r.err
    saved = json.loads((cli.tmp / "config" / "cgaws" / "config.json").read_text())
    assert saved == {"identity": state["oidc_identity"], "method": "oidc"}


# -- the credential helper and docker-config -----------------------------------

def test_credential_helper_with_method_oidc_from_config(cli, stack, state):
    cli.imds(stack)
    write_config(cli, {"identity": state["oidc_identity"], "method": "oidc"})
    r = cli.run("get", stdin="https://cgr.dev\n", argv0="docker-credential-cgaws",
                env={"CHAINGUARD_IDENTITY": None})
    assert r.code == 0, r.err
    answer = json.loads(r.out)
    assert answer["Username"] == "_token"
    assert jwt_claims(answer["Secret"])["sub"] == state["oidc_identity"]
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "oidc"


def test_credential_helper_with_method_oidc_from_environment(cli, stack, state):
    oidc_cli(cli, stack)
    r = cli.run("credential-helper", "get", stdin="cgr.dev", env={"CGAWS_METHOD": "oidc"})
    assert r.code == 0, r.err
    assert jwt_claims(json.loads(r.out)["Secret"])["sub"] == state["oidc_identity"]


def test_credential_helper_reports_a_refusal_on_stdout(cli, stack, state):
    oidc_cli(cli, stack)
    stack.sts.federation.configure(enabled=False)
    r = cli.run("get", stdin="cgr.dev", argv0="docker-credential-cgaws", env={"CGAWS_METHOD": "oidc"})
    assert r.code == 1
    assert r.out.startswith("cgaws: STS refused GetWebIdentityToken")
    assert "aws iam enable-outbound-web-identity-federation" in r.err


@pytest.mark.parametrize("how", ["flag", "env", "config"])
def test_docker_config_with_method_oidc(cli, stack, state, how):
    oidc_cli(cli, stack)
    args, env = ["docker-config"], {}
    if how == "flag":
        args.append("--method=oidc")
    elif how == "env":
        env["CGAWS_METHOD"] = "oidc"
    else:
        write_config(cli, {"method": "oidc"})
    r = cli.run(*args, env=env)
    assert r.code == 0, r.err
    auth = base64.b64decode(r.json()["auths"]["cgr.dev"]["auth"]).decode()
    user, token = auth.split(":", 1)
    assert user == "_token"
    assert jwt_claims(token)["sub"] == state["oidc_identity"]
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "oidc"


# -- the cache -----------------------------------------------------------------

def test_cache_is_per_method(cli, stack, state):
    oidc_cli(cli, stack)
    first = cli.exchange_ok("--method", "oidc")
    assert len(issuer_exchanges(stack)) == 1
    # Same method: a warm hit, no STS call, no exchange.
    stack.sts.log.clear()
    r = cli.run("exchange", "--method", "oidc", "--output", "json")
    assert r.code == 0, r.err
    assert r.json()["from_cache"] is True and r.json()["token"] == first
    assert not sts_actions(stack)
    assert len(issuer_exchanges(stack)) == 1
    # Same issuer, identity and audience with the other method: not the cached
    # token. (The identity only takes oidc tokens, so the issuer refuses the blob.)
    r = cli.run("exchange", "--method", "gci", "--output", "json")
    assert r.code == 1
    assert len(issuer_exchanges(stack)) == 2
    assert issuer_exchanges(stack)[-1]["bearer_kind"] == "aws-blob"
    # And the other way round, for an identity that takes blobs.
    gci = cli.exchange_ok("--method", "gci", "--identity", state["identity"])
    r = cli.run("exchange", "--method", "oidc", "--identity", state["identity"])
    assert r.code == 1, "the oidc request must not be served the gci token"
    assert cli.exchange_ok("--method", "gci", "--identity", state["identity"]) == gci
    files = sorted(p.name for p in cli.cache_dir.glob("token-*.json"))
    assert len(files) == 2
    methods = sorted(json.loads((cli.cache_dir / f).read_text()).get("method", "gci") for f in files)
    assert methods == ["gci", "oidc"]


# -- spec --method oidc --------------------------------------------------------

def test_spec_oidc_chainctl_flags(cli, stack, state):
    cli.imds(stack)
    r = cli.run("spec", "--method", "oidc")
    assert r.code == 0, r.err
    assert r.out == (f"chainctl iam identities create {state['role_name']} "
                     f"--identity-issuer={state['oidc_issuer']} --subject={state['role_arn']}\n")
    assert state["oidc_issuer"] in r.err and "every session" in r.err


def test_spec_oidc_terraform_and_the_rule_works(cli, stack, state):
    cli.imds(stack)
    r = cli.run("spec", "--format", "terraform", "--name", "ci pull", env={"CGAWS_METHOD": "oidc"})
    assert r.code == 0, r.err
    assert r.out.startswith('resource "chainguard_identity" "ci_pull" {\n')
    assert '  name      = "ci pull"\n' in r.out
    assert (f'  claim_match {{\n    issuer  = "{state["oidc_issuer"]}"\n'
            f'    subject = "{state["role_arn"]}"\n  }}\n') in r.out
    # The rule it describes, registered at the issuer, accepts the caller's JWT...
    uidp = new_uidp()
    rule = {"issuer": state["oidc_issuer"], "subject": state["role_arn"]}
    stack.issuer.register_identities({uidp: {"name": "ci pull", "claimMatch": rule}})
    token = cli.exchange_ok("--method", "oidc", "--identity", uidp)
    assert jwt_claims(token)["sub"] == uidp
    # ... and `cgaws check` agrees.
    path = cli.write("rule.json", json.dumps({"claimMatch": rule}))
    r = cli.run("check", "--rule", str(path), "--issuer", state["oidc_issuer"])
    assert r.code == 0, r.out + r.err


def test_spec_oidc_refuses_gci_only_flags(cli, stack):
    cli.imds(stack)
    for args in (["--session", "exact"], ["--arn", "arn:aws:iam::123456789012:user/x", "--user-id", "AIDAX"]):
        r = cli.run("spec", "--method", "oidc", *args)
        assert r.code == 2, r.err
    assert not sts_actions(stack)


def test_spec_oidc_federation_disabled(cli, stack):
    r = refused_by_sts(cli, stack, ["spec"], enabled=False)
    assert r.out == ""
    assert "aws iam enable-outbound-web-identity-federation" in r.err


# -- make demo -----------------------------------------------------------------

def test_make_demo_shows_both_methods():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CGAWS_", "CHAINGUARD_"))}
    started = time.monotonic()
    p = subprocess.run(["bash", str(ROOT / "scripts" / "demo.sh")], cwd=ROOT, env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stdout[-3000:] + p.stderr[-3000:]
    out = p.stdout
    assert "--method oidc" in out
    assert "GetWebIdentityToken" in out
    assert "claim_match" in out
    assert "OutboundWebIdentityFederationDisabledException" in out + p.stderr
    assert time.monotonic() - started < 300


def test_token_oidc_signs_again_with_the_sts_clock(cli, stack, state):
    """GetWebIdentityToken refused for a skewed clock is signed again once with
    STS's time, as GetCallerIdentity is (core's StsCall)."""
    from test_sources import set_sts_clock_skew

    # User keys: the IMDS emulator's role credentials come from STS, whose clock is off.
    set_sts_clock_skew(stack, -3600)
    r = cli.user_keys().run("token", "--method", "oidc", "-v")
    assert r.code == 0, r.err
    assert jwt_claims(r.out.strip())["sub"] == state["user_arn"]
    assert "signing again with the server's time" in r.err
    assert sts_actions(stack) == ["GetWebIdentityToken", "GetWebIdentityToken"]
