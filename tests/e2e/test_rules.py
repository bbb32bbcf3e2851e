"""The rule verbs end to end against the emulators: lint, spec, check and
verify (the relying party's whole flow, STS included)."""

from __future__ import annotations

import json

from conftest import new_uidp

BAD_RULE = {
    "name": "classic-mistake",
    "awsIdentity": {
        "aws_account": "123456789012",
        "arnPattern": "^arn:aws:iam::123456789012:role/cgaws-test-role$",
        "userIdPattern": "^AROA.*$",
    },
}


def role_session(cli, stack, session: str = "e2e-session") -> dict:
    """Environment for a session of the test role (an assumed-role caller)."""
    creds = stack.sts.assume_role(session)
    cli.secrets.append(creds["SecretAccessKey"])
    return {"AWS_ACCESS_KEY_ID": creds["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": creds["SecretAccessKey"],
            "AWS_SESSION_TOKEN": creds["SessionToken"]}


# -- lint ----------------------------------------------------------------------

def test_lint_finds_the_iam_role_arn_and_exits_1(cli):
    path = cli.write("bad.json", json.dumps(BAD_RULE))
    r = cli.run("lint", str(path))
    assert r.code == 1, r.err
    assert "error[iam-role-arn] arn_pattern" in r.out
    assert "fix: arn_pattern ^arn:aws:sts::123456789012:assumed-role/cgaws-test-role/.*$" in r.out
    doc = cli.run("lint", str(path), "--output", "json").json()
    assert doc["errors"] == 1 and [f["code"] for f in doc["findings"]] == ["iam-role-arn"]
    # From stdin, and a document that is not a rule.
    r = cli.run("lint", "-", stdin="{not json")
    assert r.code == 1 and "invalid-json" in r.out


def test_lint_clean_rule_exits_0(cli, state):
    path = cli.write("good.json", json.dumps({"name": "ok", "awsIdentity": {
        "aws_account": "123456789012",
        "arnPattern": "^arn:aws:sts::123456789012:assumed-role/cgaws-test-role/.*$",
        "userIdPattern": "^AROA[A-Z0-9]+:.*$",
    }}))
    r = cli.run("lint", str(path))
    assert (r.code, r.out) == (0, f"{path}: no findings\n"), r.out


def test_lint_usage_errors(cli):
    assert cli.run("lint").code == 2
    assert cli.run("lint", "x.json", "--output", "yaml").code == 2
    assert cli.run("lint", "missing.json").code == 1


# -- spec and check ------------------------------------------------------------

def test_spec_for_an_assumed_role_then_check_accepts_it(cli, stack, state):
    env = role_session(cli, stack, "i-0123456789abcdef0")
    r = cli.run("spec", "--name", "puller", env=env)
    assert r.code == 0, r.err
    rule = json.loads(r.out)
    assert rule["name"] == "puller"
    aws = rule["awsIdentity"]
    assert aws["awsAccount"] == state["account_id"]
    assert aws["arnPattern"] == "^arn:aws:sts::123456789012:assumed-role/cgaws-test-role/.*$"
    assert aws["userIdPattern"].startswith("^AROA") and aws["userIdPattern"].endswith(":.*$")
    assert "EC2 instance id" in r.err
    path = cli.write("id.json", r.out)
    assert cli.run("lint", str(path)).code == 0
    # The same role, another session: accepted. The IAM user: refused.
    r = cli.run("check", "--rule", str(path), env=role_session(cli, stack, "i-0fedcba9876543210"))
    assert r.code == 0, r.out + r.err
    assert r.out.rstrip().endswith("accepted")
    cli.user_keys()
    r = cli.run("check", "--rule", str(path), "--output", "json")
    assert r.code == 1
    doc = r.json()
    assert doc["accepted"] is False and doc["caller"]["Arn"] == state["user_arn"]
    failed = [f for f in doc["fields"] if not f["matched"]]
    assert [f["field"] for f in failed] == ["arn", "user_id"]
    assert "is an IAM user" in failed[0]["reason"]


def test_spec_exact_and_terraform(cli, stack):
    env = role_session(cli, stack, "my-function")
    r = cli.run("spec", "--session", "exact", "--format", "terraform", env=env)
    assert r.code == 0, r.err
    assert r.out.startswith('resource "chainguard_identity" "cgaws-test-role" {')
    assert 'aws_arn     = "arn:aws:sts::123456789012:assumed-role/cgaws-test-role/my-function"' in r.out
    assert cli.run("spec", "--session", "sometimes").code == 2


def test_spec_for_an_iam_user(cli, state):
    cli.user_keys()
    r = cli.run("spec")
    assert r.code == 0, r.err
    aws = json.loads(r.out)["awsIdentity"]
    assert aws["arn"] == state["user_arn"] and aws["userId"].startswith("AIDA")


def test_check_offline_explains_the_classic_mistake(cli):
    path = cli.write("bad.json", json.dumps(BAD_RULE))
    r = cli.run("check", "--rule", str(path), "--arn",
                "arn:aws:sts::123456789012:assumed-role/cgaws-test-role/i-0abc", "--user-id", "AROAEXAMPLE:i-0abc")
    assert r.code == 1
    assert "FAIL  arn_pattern: arn_pattern ^arn:aws:iam::123456789012:role/cgaws-test-role$ names the IAM role, " \
           "but STS reports the assumed-role session arn:aws:sts::123456789012:assumed-role/cgaws-test-role/i-0abc" in r.out
    assert "use arn_pattern ^arn:aws:sts::123456789012:assumed-role/cgaws-test-role/.*$" in r.out
    assert r.out.rstrip().endswith("rejected")
    # Usage: --arn without --user-id; no --rule.
    assert cli.run("check", "--rule", str(path), "--arn", "arn:aws:iam::123456789012:user/u").code == 2
    assert cli.run("check").code == 2


def test_check_the_emulators_own_rule(cli, state):
    """The issuer emulator's rule (an alternation) accepts the IAM user."""
    path = cli.write("rule.json", json.dumps({"awsIdentity": state["identity_rule"]}))
    cli.user_keys()
    r = cli.run("check", "--rule", str(path))
    assert r.code == 0, r.out + r.err


def test_check_a_claim_match_rule_for_outbound_federation(cli, stack, state):
    """The emulators' claimMatch identity: the role session's token would carry the role ARN as sub."""
    path = cli.write("oidc.json", json.dumps({"claimMatch": {"issuer": state["oidc_issuer"], "subject": state["role_arn"]}}))
    env = role_session(cli, stack)
    r = cli.run("check", "--rule", str(path), "--issuer", state["oidc_issuer"], env=env)
    assert r.code == 0, r.out + r.err
    # Without --issuer the issuer cannot be known offline; the subject still matches.
    r = cli.run("check", "--rule", str(path), "--output", "json", env=env)
    assert r.code == 1
    fields = {f["field"]: f for f in r.json()["fields"]}
    assert fields["subject"]["matched"] and not fields["issuer"]["matched"]
    assert "not known offline" in fields["issuer"]["reason"]


# -- verify --------------------------------------------------------------------

def token_for(cli, identity: str, **kw) -> str:
    r = cli.run("token", "--identity", identity, **kw)
    assert r.code == 0, r.err
    return r.out.strip()


def test_verify_asks_sts_and_matches_the_rule(cli, stack, state):
    identity = new_uidp()
    blob = token_for(cli, identity, env=role_session(cli, stack, "verify-session"))
    r = cli.run("verify", blob, "--identity", identity, "--output", "json")
    assert r.code == 0, r.out + r.err
    v = r.json()["verified"]
    assert v["caller"]["arn"] == "arn:aws:sts::123456789012:assumed-role/cgaws-test-role/verify-session"
    assert v["caller"]["account"] == state["account_id"]
    assert v["identity"] == identity and v["audience"] == state["issuer_url"] and v["sts_host"] == "sts.amazonaws.com"
    # With the right rule: accepted; with the classic mistake: refused at check 9, with the reason.
    good = cli.write("good.json", json.dumps({"awsIdentity": state["identity_rule"]}))
    r = cli.run("verify", blob, "--identity", identity, "--rule", str(good))
    assert r.code == 0, r.out + r.err
    assert r.out.startswith("verified: Account 123456789012, Arn arn:aws:sts::123456789012:assumed-role/")
    bad = cli.write("bad.json", json.dumps(BAD_RULE))
    r = cli.run("verify", "-", "--identity", identity, "--rule", str(bad), "--output", "json", stdin=blob)
    assert r.code == 1
    doc = r.json()
    assert (doc["check"], doc["code"]) == (9, "rule_not_matched")
    assert "names the IAM role" in doc["verdict"]["fields"][1]["reason"]


def test_verify_refusals(cli, stack, state):
    identity = new_uidp()
    cli.user_keys()
    blob = token_for(cli, identity)
    # Check 6: another identity; another audience.
    r = cli.run("verify", blob, "--identity", new_uidp(), "--output", "json")
    assert r.code == 1 and r.json()["code"] == "invalid_identity"
    r = cli.run("verify", blob, "--identity", identity, "--audience", "https://elsewhere.example")
    assert r.code == 1 and r.out.startswith("refused at check 6 (invalid_audience)")
    # Check 7: too old.
    r = cli.run("verify", blob, "--identity", identity, "--now", "2000-01-01T00:00:00Z")
    assert r.code == 1 and "check 7" in r.out
    # Check 8: STS refuses a token signed with a wrong secret.
    forged = token_for(cli, identity, env={"AWS_SECRET_ACCESS_KEY": "not-the-secret"})
    r = cli.run("verify", forged, "--identity", identity, "--output", "json")
    assert r.code == 1, r.out
    doc = r.json()
    assert (doc["check"], doc["code"]) == (8, "rejected_by_sts"), doc
    assert doc["error"].startswith("rejected by STS: ")
    # Usage errors.
    assert cli.run("verify", blob).code == 2
    assert cli.run("verify", blob, "--identity", identity, "--rule", "missing.json").code == 1
