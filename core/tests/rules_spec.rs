//! `spec` round trips: the rule written for a caller parses back, lints clean,
//! accepts that caller and refuses callers from another account or role.
#![cfg(feature = "rules")]

use cgaws_core::rules::{lint, parse, spec, AwsCaller, SessionMode, SpecError, SpecFormat, SpecOptions};

const ACCT: &str = "452336408843";

struct Case {
    what: &'static str,
    arn: String,
    user_id: String,
    /// A caller the `--session any` rule still accepts (another session of the role).
    sibling: Option<(String, String)>,
}

fn cases() -> Vec<Case> {
    let role = |role: &str, id: &str, s1: &str, s2: &str| {
        (
            format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{s1}"),
            format!("{id}:{s1}"),
            Some((format!("arn:aws:sts::{ACCT}:assumed-role/{role}/{s2}"), format!("{id}:{s2}"))),
        )
    };
    let mut out = Vec::new();
    for (what, (arn, user_id, sibling)) in [
        ("ec2", role("access_to_chainguard_org", "AROAWSUKZ3EFSAMPLE", "i-00c1356891c0ffee1", "i-0aaaaaaaaaaaaaaaa")),
        ("lambda", role("aws-auth", "AROAZ2EXAMPLELAMBDA", "my-function", "other-function")),
        (
            "irsa",
            role("irsa.puller+ci", "AROAIRSAROLEID", "botocore-session-1732350000", "botocore-session-1732350999"),
        ),
        (
            "pod-identity",
            role(
                "pod-identity-role",
                "AROAPODROLEID",
                "eks-prod-web-7c9d8-8f14e45f-ceea",
                "eks-prod-web-1a2b3-00000000-0000",
            ),
        ),
        ("sso", role("AWSReservedSSO_Admin_0123456789abcdef", "AROASSOROLEID", "alice@example.com", "bob@example.com")),
        ("iam-user", (format!("arn:aws:iam::{ACCT}:user/ci/deployer"), "AIDAJQABLZS4A3QDU576Q".into(), None)),
    ] {
        out.push(Case { what, arn, user_id, sibling });
    }
    out
}

/// The aws_identity block's `key = "value"` lines, HCL-unescaped, as JSON.
fn terraform_block_as_json(hcl: &str) -> String {
    let block = hcl.split("aws_identity {").nth(1).expect("an aws_identity block");
    let mut fields = serde_json::Map::new();
    for line in block.lines().take_while(|l| l.trim() != "}") {
        let Some((key, value)) = line.split_once(" = ") else { continue };
        let value = value.trim().strip_prefix('"').and_then(|v| v.strip_suffix('"')).expect("a quoted string");
        let value = value.replace("\\\\", "\u{0}").replace("\\\"", "\"").replace("$${", "${").replace('\u{0}', "\\");
        fields.insert(key.trim().to_string(), serde_json::Value::String(value));
    }
    serde_json::json!({ "aws_identity": fields }).to_string()
}

#[test]
fn specs_round_trip() {
    for case in cases() {
        let me = AwsCaller { account: ACCT, arn: &case.arn, user_id: &case.user_id };
        for session in [SessionMode::Any, SessionMode::Exact] {
            for format in [SpecFormat::Chainctl, SpecFormat::Terraform] {
                let ctx = format!("{} {session:?} {format:?}", case.what);
                let s = spec(&me, &SpecOptions { name: Some("puller".into()), session, format }).unwrap();
                let json = match format {
                    SpecFormat::Chainctl => s.text.clone(),
                    SpecFormat::Terraform => terraform_block_as_json(&s.text),
                };
                let doc = parse(&json).unwrap_or_else(|e| panic!("{ctx}: {e}\n{}", s.text));
                assert_eq!(doc.rule, cgaws_core::rules::Rule::AwsIdentity(s.rule.clone()), "{ctx}");
                if format == SpecFormat::Chainctl {
                    assert_eq!(doc.name.as_deref(), Some("puller"));
                }
                let findings = lint(&doc);
                let ephemeral_exact =
                    session == SessionMode::Exact && !["lambda", "sso", "iam-user"].contains(&case.what);
                if ephemeral_exact {
                    assert!(findings.iter().all(|f| f.code == "ephemeral-session"), "{ctx}: {findings:#?}");
                    assert!(s.notes.iter().any(|n| n.contains("--session any")), "{ctx}: {:?}", s.notes);
                } else {
                    assert_eq!(findings, vec![], "{ctx}\n{}", s.text);
                }
                let v = doc.check_aws(&me);
                assert!(v.accepted, "{ctx}: {v}");

                // Another account, another role, another user: refused.
                let other_acct = case.arn.replace(ACCT, "111111111111");
                assert!(
                    !doc.check_aws(&AwsCaller { account: "111111111111", arn: &other_acct, user_id: &case.user_id })
                        .accepted,
                    "{ctx}"
                );
                let other_role = if case.what == "iam-user" {
                    (format!("arn:aws:iam::{ACCT}:user/ci/deployer2"), "AIDAOTHERUSER0000000".to_string())
                } else {
                    (format!("arn:aws:sts::{ACCT}:assumed-role/other-role/s"), "AROAOTHERROLE:s".to_string())
                };
                assert!(
                    !doc.check_aws(&AwsCaller { account: ACCT, arn: &other_role.0, user_id: &other_role.1 }).accepted,
                    "{ctx}"
                );
                // The same role name with a new unique id (re-created role): refused.
                let new_id = case.user_id.replacen(&case.user_id[4..8], "ZZZZ", 1);
                assert!(
                    !doc.check_aws(&AwsCaller { account: ACCT, arn: &case.arn, user_id: &new_id }).accepted,
                    "{ctx}"
                );

                if let Some((arn, uid)) = &case.sibling {
                    let sib = AwsCaller { account: ACCT, arn, user_id: uid };
                    assert_eq!(doc.check_aws(&sib).accepted, session == SessionMode::Any, "{ctx}");
                }
            }
        }
    }
}

#[test]
fn spec_text_is_escaped_and_anchored() {
    let arn = format!("arn:aws:sts::{ACCT}:assumed-role/irsa.puller+ci/botocore-session-1");
    let me = AwsCaller { account: ACCT, arn: &arn, user_id: "AROAIRSAROLEID:botocore-session-1" };
    let s = spec(&me, &SpecOptions::default()).unwrap();
    assert_eq!(s.name, "irsa.puller+ci");
    assert_eq!(
        s.text,
        r#"{
  "name": "irsa.puller+ci",
  "awsIdentity": {
    "awsAccount": "452336408843",
    "arnPattern": "^arn:aws:sts::452336408843:assumed-role/irsa\\.puller\\+ci/.*$",
    "userIdPattern": "^AROAIRSAROLEID:.*$"
  }
}
"#
    );
    let t = spec(
        &me,
        &SpecOptions { name: Some("irsa puller".into()), format: SpecFormat::Terraform, ..Default::default() },
    )
    .unwrap();
    assert_eq!(
        t.text,
        r#"resource "chainguard_identity" "irsa_puller" {
  parent_id = var.parent_id # the Chainguard group the identity belongs to
  name      = "irsa puller"

  aws_identity {
    aws_account         = "452336408843"
    aws_arn_pattern     = "^arn:aws:sts::452336408843:assumed-role/irsa\\.puller\\+ci/.*$"
    aws_user_id_pattern = "^AROAIRSAROLEID:.*$"
  }
}
"#
    );
}

#[test]
fn spec_refuses_what_is_not_a_caller() {
    let role_arn = format!("arn:aws:iam::{ACCT}:role/r");
    let e = spec(&AwsCaller { account: ACCT, arn: &role_arn, user_id: "AROAX" }, &SpecOptions::default()).unwrap_err();
    assert!(matches!(e, SpecError::UnsupportedPrincipal(_)));
    let e = spec(
        &AwsCaller { account: "111111111111", arn: &format!("arn:aws:iam::{ACCT}:user/u"), user_id: "AIDAX" },
        &SpecOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, SpecError::AccountMismatch { .. }));
    let root = format!("arn:aws:iam::{ACCT}:root");
    let s = spec(&AwsCaller { account: ACCT, arn: &root, user_id: ACCT }, &SpecOptions::default()).unwrap();
    assert!(s.notes[0].contains("root credentials"));
}
