//! One test per lint finding, each with its code, severity and fix; and clean
//! rules that must stay clean.
#![cfg(feature = "rules")]

use cgaws_core::rules::{lint_json, Finding, Severity};

const ACCT: &str = "452336408843";

fn aws(fields: &str) -> String {
    format!(r#"{{"name":"x","awsIdentity":{{{fields}}}}}"#)
}

fn codes(json: &str) -> Vec<&'static str> {
    lint_json(json).iter().map(|f| f.code).collect()
}

fn finding(json: &str, code: &str) -> Finding {
    let all = lint_json(json);
    all.iter().find(|f| f.code == code).cloned().unwrap_or_else(|| panic!("no {code} in {all:#?}"))
}

#[test]
fn clean_rules_are_clean() {
    for json in [
        aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/access_to_chainguard_org/(.*)$","userIdPattern":"^AROAWSUKZ3EFSAMPLE(.*)$""#
        )),
        aws(&format!(
            r#""awsAccount":"{ACCT}","arn":"arn:aws:sts::{ACCT}:assumed-role/aws-auth/my-function","userIdPattern":"^AROA(.*):my-function$""#
        )),
        aws(&format!(r#""awsAccount":"{ACCT}","arn":"arn:aws:iam::{ACCT}:user/ci/deployer","userId":"AIDAJQABLZS4A3QDU576Q""#)),
        format!(r#"{{"aws_account":"{ACCT}","aws_arn_pattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","aws_user_id_pattern":"^AROAX:.*$"}}"#),
        r#"{"claimMatch":{"issuer":"https://abc.tokens.sts.global.api.aws","subject":"arn:aws:iam::452336408843:role/r"}}"#.into(),
    ] {
        assert_eq!(lint_json(&json), vec![], "{json}");
    }
}

#[test]
fn iam_role_arn() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:iam::{ACCT}:role/X$","userIdPattern":"^AROA.*$""#
        )),
        "iam-role-arn",
    );
    assert_eq!(f.severity, Severity::Error);
    assert_eq!(f.field.as_deref(), Some("arn_pattern"));
    assert!(f.message.contains("assumed-role/X/SESSION"), "{f}");
    assert_eq!(f.fix.as_deref(), Some(r"arn_pattern ^arn:aws:sts::452336408843:assumed-role/X/.*$"));
    // Exact form, role path, Terraform names.
    let f = finding(
        &format!(
            r#"{{"aws_account":"{ACCT}","aws_arn":"arn:aws:iam::{ACCT}:role/svc/my.role","aws_user_id_pattern":"^AROA"}}"#
        ),
        "iam-role-arn",
    );
    assert_eq!(f.field.as_deref(), Some("aws_arn"));
    assert_eq!(
        f.fix.as_deref(),
        Some(
            r#"aws_arn_pattern ^arn:aws:sts::452336408843:assumed-role/my\.role/.*$ (without the role's path "svc/")"#
        )
    );
}

#[test]
fn unanchored_patterns() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"arn:aws:sts::{ACCT}:assumed-role/deploy","userIdPattern":"^AROAX:.*$""#
        )),
        "unanchored-pattern",
    );
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.message.contains("^ at the start") && f.message.contains("$ at the end"), "{f}");
    assert!(f.message.contains("every role whose name starts with it"), "{f}");
    assert_eq!(f.fix.as_deref(), Some("arn_pattern ^arn:aws:sts::452336408843:assumed-role/deploy$"));
    // A trailing .* is as good as $; only the missing ^ is reported.
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userIdPattern":"AROAX:.*""#
        )),
        "unanchored-pattern",
    );
    assert_eq!(f.field.as_deref(), Some("user_id_pattern"));
    assert!(!f.message.contains("$ at the end"), "{f}");
    assert_eq!(f.fix.as_deref(), Some("user_id_pattern ^AROAX:.*"));
    // Alternations are wrapped before anchoring.
    let f = finding(r#"{"claimMatch":{"issuerPattern":"https://a|https://b","subject":"s"}}"#, "unanchored-pattern");
    assert_eq!(f.fix.as_deref(), Some("issuer_pattern ^(?:https://a|https://b)$"));
}

#[test]
fn any_account_any_role_match_anything() {
    let f = finding(
        &aws(
            r#""aws_account":"452336408843","arnPattern":"^arn:aws:sts::\\d{12}:assumed-role/r/.*$","userIdPattern":"^AROAX:.*$""#,
        ),
        "any-account",
    );
    assert_eq!(f.severity, Severity::Warning);
    assert!(f.fix.as_deref().unwrap().contains("452336408843"));
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/.*$","userIdPattern":"^AROA.*$""#
        )),
        "any-role",
    );
    assert!(f.message.contains("any role"), "{f}");
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/[^/]+/.*$","userIdPattern":"^AROA.*$""#
        )),
        "any-role",
    );
    assert_eq!(f.field.as_deref(), Some("arn_pattern"));
    let f =
        finding(&aws(&format!(r#""aws_account":"{ACCT}","arnPattern":".*","userIdPattern":".*""#)), "match-anything");
    assert!(f.message.contains("any role, user or session"), "{f}");
    // An issuer pattern that matches anything is an error.
    let f = finding(r#"{"claimMatch":{"issuerPattern":".*","subject":"s"}}"#, "match-anything");
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn account_mismatch() {
    let f = finding(
        &aws(
            r#""aws_account":"111111111111","arnPattern":"^arn:aws:sts::222222222222:assumed-role/r/.*$","userIdPattern":"^AROAX:.*$""#,
        ),
        "account-mismatch",
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("names account 222222222222, but aws_account is 111111111111"), "{f}");
}

#[test]
fn user_id_principal_mismatch() {
    // AIDA (user) id with an assumed-role ARN.
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userIdPattern":"^AIDA.*$""#
        )),
        "user-id-principal-mismatch",
    );
    assert!(f.message.contains("expects an IAM user (AIDA…), but the ARN names a role"), "{f}");
    assert_eq!(f.fix.as_deref(), Some("start user_id_pattern with ^AROA"));
    // AROA (role) id with an IAM user ARN.
    let f = finding(
        &aws(&format!(r#""aws_account":"{ACCT}","arn":"arn:aws:iam::{ACCT}:user/bob","userId":"AROAX:s""#)),
        "user-id-principal-mismatch",
    );
    assert_eq!(f.fix.as_deref(), Some("start user_id with ^AIDA"));
}

#[test]
fn access_key_as_user_id_and_missing_session() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userId":"ASIAWSUKZ3EF63FWRJ4J""#
        )),
        "access-key-as-user-id",
    );
    assert_eq!(f.severity, Severity::Error);
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userId":"AROAWSUKZ3EFSAMPLE""#
        )),
        "user-id-missing-session",
    );
    assert_eq!(f.fix.as_deref(), Some("user_id_pattern ^AROAWSUKZ3EFSAMPLE:.*$"));
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userIdPattern":"^AROAWSUKZ3EFSAMPLE$""#
        )),
        "user-id-missing-session",
    );
    assert_eq!(f.field.as_deref(), Some("user_id_pattern"));
}

#[test]
fn no_session_in_an_assumed_role_pattern() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r$","userIdPattern":"^AROAX:.*$""#
        )),
        "no-session",
    );
    assert_eq!(f.fix.as_deref(), Some("arn_pattern ^arn:aws:sts::452336408843:assumed-role/r/.*$"));
}

#[test]
fn invalid_accounts() {
    // Seed 001's masked account.
    let f = finding(
        &aws(
            r#""aws_account":"45233640****","arnPattern":"^arn:aws:sts::45233640****:assumed-role/r/(.*)$","userIdPattern":"^AROAX(.*)$""#,
        ),
        "invalid-account",
    );
    assert!(f.message.contains("looks masked"), "{f}");
    for account in ["1234", "4523-3640-8843", "${data.aws_caller_identity.current.account_id}"] {
        let json = aws(&format!(r#""aws_account":"{account}","arnPattern":"^a$","userIdPattern":"^AROA""#));
        assert!(codes(&json).contains(&"invalid-account"), "{account}");
    }
    // A number, not a string: the document is refused with a fix.
    let f = finding(&aws(r#""aws_account":452336408843,"arnPattern":"^a$","userIdPattern":"^b""#), "wrong-type");
    assert!(f.fix.unwrap().contains("leading zeros"));
    let f = finding(
        &aws(r#""arnPattern":"^arn:aws:sts::452336408843:assumed-role/r/.*$","userIdPattern":"^AROAX:.*$""#),
        "missing-field",
    );
    assert_eq!(f.field.as_deref(), Some("aws_account"));
}

#[test]
fn invalid_patterns() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/(r/.*$","userIdPattern":"^AROAX:.*$""#
        )),
        "invalid-pattern",
    );
    assert_eq!(f.severity, Severity::Error);
    assert!(f.message.contains("does not compile"), "{f}");
    let f =
        finding(r#"{"claimMatch":{"issuer":"i","subject":"s","claimPatterns":{"email":"*@x"}}}"#, "invalid-pattern");
    assert_eq!(f.field.as_deref(), Some("claim_patterns.email"));
}

#[test]
fn both_or_neither_forms() {
    let f = finding(
        &aws(&format!(r#""aws_account":"{ACCT}","arn":"a","arnPattern":"^a$","userIdPattern":"^AROAX:.*$""#)),
        "exact-and-pattern",
    );
    assert_eq!(f.field.as_deref(), Some("arn or arn_pattern"));
    let f = finding(
        &aws(&format!(r#""aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$""#)),
        "missing-field",
    );
    assert_eq!(f.field.as_deref(), Some("user_id or user_id_pattern"));
    let f = finding(r#"{"claimMatch":{"issuer":"i"}}"#, "missing-field");
    assert_eq!(f.field.as_deref(), Some("subject or subject_pattern"));
}

#[test]
fn ephemeral_sessions() {
    let f = finding(
        &aws(&format!(
            r#""aws_account":"{ACCT}","arn":"arn:aws:sts::{ACCT}:assumed-role/r/i-00c1356891c0ffee1","userId":"AROAX:i-00c1356891c0ffee1""#
        )),
        "ephemeral-session",
    );
    assert!(f.message.contains("EC2 instance id"), "{f}");
    assert_eq!(lint_json(&aws(&format!(
        r#""aws_account":"{ACCT}","arn":"arn:aws:sts::{ACCT}:assumed-role/r/i-00c1356891c0ffee1","userId":"AROAX:i-00c1356891c0ffee1""#
    ))).iter().filter(|f| f.code == "ephemeral-session").count(), 2);
}

#[test]
fn unknown_fields_and_mixed_dialects() {
    let f = finding(
        &aws(&format!(r#""aws_account":"{ACCT}","arn_patern":"^a$","userIdPattern":"^AROAX:.*$""#)),
        "unknown-field",
    );
    assert_eq!(f.field.as_deref(), Some("awsIdentity.arn_patern"));
    assert_eq!(f.fix.as_deref(), Some("did you mean arn_pattern?"));
    let json = aws(&format!(
        r#""aws_account":"{ACCT}","aws_arn_pattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userIdPattern":"^AROAX:.*$""#
    ));
    assert!(codes(&json).contains(&"mixed-dialects"));
}

#[test]
fn assumed_role_subject_in_claim_match() {
    let f = finding(
        r#"{"claimMatch":{"issuer":"https://abc.tokens.sts.global.api.aws","subject":"arn:aws:sts::452336408843:assumed-role/r/s"}}"#,
        "assumed-role-subject",
    );
    assert_eq!(f.fix.as_deref(), Some("subject arn:aws:iam::452336408843:role/r"));
}

#[test]
fn documents_that_are_not_rules() {
    assert_eq!(codes("not json"), ["invalid-json"]);
    assert_eq!(codes(r#"{"name":"x"}"#), ["no-rule"]);
    assert_eq!(codes(r#"{"awsIdentity":{},"claim_match":{}}"#), ["multiple-rules"]);
    assert_eq!(codes(r#"{"awsIdentity":{"arnPattern":"a","arn_pattern":"b"}}"#), ["duplicate-field"]);
}

#[test]
fn errors_come_first_and_display_is_readable() {
    let all = lint_json(&aws(&format!(
        r#""aws_account":"{ACCT}","arnPattern":"arn:aws:iam::{ACCT}:role/X","userIdPattern":".*""#
    )));
    assert_eq!(all[0].code, "iam-role-arn");
    assert!(all.windows(2).all(|w| w[0].severity <= w[1].severity));
    let text = all[0].to_string();
    assert!(
        text.starts_with("error[iam-role-arn] arn_pattern: ") && text.contains("\n  fix: arn_pattern ^arn:aws:sts::"),
        "{text}"
    );
}

#[test]
fn terraform_interpolations() {
    // Seed 000's block, copied with its interpolations into JSON.
    let json = r#"{"aws_identity":{"aws_account":"${data.aws_caller_identity.current.account_id}","aws_user_id_pattern":"^AROA(.*):${local.lambda_name}$","aws_arn":"arn:aws:sts::${data.aws_caller_identity.current.account_id}:assumed-role/${aws_iam_role.lambda.name}/${local.lambda_name}"}}"#;
    let all = lint_json(json);
    let fields: Vec<_> =
        all.iter().filter(|f| f.code == "terraform-interpolation").map(|f| f.field.clone().unwrap()).collect();
    assert_eq!(fields, ["aws_account", "aws_arn", "aws_user_id_pattern"]);
}
