//! Rule matching as the issuer does it (PROTOCOL.md §3 check 9): EC2, Lambda,
//! EKS IRSA, EKS Pod Identity, IAM users; both chainctl spellings, Terraform field
//! names; and the per-field verdict explaining failures.
#![cfg(feature = "rules")]

use cgaws_core::rules::{parse, AwsCaller, ClaimsCaller, Dialect, Field, Rule, RuleParseError};

const ACCT: &str = "452336408843";

fn caller<'a>(arn: &'a str, user_id: &'a str) -> AwsCaller<'a> {
    AwsCaller { account: ACCT, arn, user_id }
}

fn aws(json: &str) -> cgaws_core::rules::RuleDoc {
    let doc = parse(json).unwrap_or_else(|e| panic!("{json}: {e}"));
    assert!(matches!(doc.rule, Rule::AwsIdentity(_)));
    doc
}

fn failing(doc: &cgaws_core::rules::RuleDoc, c: &AwsCaller<'_>) -> Vec<(Field, String)> {
    let v = doc.check_aws(c);
    v.failures().map(|f| (f.field, f.reason.clone().unwrap_or_default())).collect()
}

#[test]
fn ec2_instance_profile_session_is_the_instance_id() {
    // Seed 001's EC2 guide, with a real 12-digit account.
    let doc = aws(&format!(
        r#"{{"name":"aws-instance","awsIdentity":{{"aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/access_to_chainguard_org/(.*)$","userIdPattern":"^AROAWSUKZ3EFSAMPLE(.*)$"}}}}"#
    ));
    assert_eq!(doc.name.as_deref(), Some("aws-instance"));
    let me = caller(
        "arn:aws:sts::452336408843:assumed-role/access_to_chainguard_org/i-00c1356891c0ffee1",
        "AROAWSUKZ3EFSAMPLE:i-00c1356891c0ffee1",
    );
    let v = doc.check_aws(&me);
    assert!(v.accepted, "{v}");
    assert_eq!(v.fields.len(), 3);
    // A replacement instance is still accepted; another role is not.
    assert!(
        doc.check_aws(&caller(
            "arn:aws:sts::452336408843:assumed-role/access_to_chainguard_org/i-0aaaaaaaaaaaaaaaa",
            "AROAWSUKZ3EFSAMPLE:i-0aaaaaaaaaaaaaaaa"
        ))
        .accepted
    );
    let other = doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/other/i-0abc", "AROAOTHER:i-0abc"));
    assert!(!other.accepted);
    let arn = other.fields.iter().find(|f| f.field == Field::Arn).unwrap();
    assert!(
        arn.reason
            .as_deref()
            .unwrap()
            .contains(r#"names role "access_to_chainguard_org", but the caller's role is "other""#),
        "{other}"
    );
}

#[test]
fn the_classic_mistake_explained() {
    // The rule names the IAM role; STS reports the assumed-role session.
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"awsAccount":"{ACCT}","arnPattern":"^arn:aws:iam::{ACCT}:role/X$","userIdPattern":"^AROA.*$"}}}}"#
    ));
    let me = caller("arn:aws:sts::452336408843:assumed-role/X/i-0abc", "AROAEXAMPLE:i-0abc");
    let v = doc.check_aws(&me);
    assert!(!v.accepted);
    let arn = v.failures().next().unwrap();
    assert_eq!(arn.field, Field::Arn);
    assert_eq!(arn.rule_field, "arn_pattern");
    let reason = arn.reason.as_deref().unwrap();
    assert!(reason.contains("names the IAM role, but STS reports the assumed-role session arn:aws:sts::452336408843:assumed-role/X/i-0abc"), "{reason}");
    assert_eq!(arn.suggestion.as_deref(), Some("use arn_pattern ^arn:aws:sts::452336408843:assumed-role/X/.*$"));
    // The same with an exact `arn` and a role path.
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"awsAccount":"{ACCT}","arn":"arn:aws:iam::{ACCT}:role/team/X","userId":"AROAEXAMPLE:i-0abc"}}}}"#
    ));
    let v = doc.check_aws(&me);
    let reason = v.failures().next().unwrap().reason.clone().unwrap();
    assert!(reason.contains("drops the role's path \"team/\""), "{reason}");
    assert_eq!(v.failures().count(), 1, "{v}");
}

#[test]
fn lambda_session_is_the_function_name() {
    // Seed 000's Terraform block (aws_identity field names), values filled in.
    let doc = aws(&format!(
        r#"{{"aws_identity":{{"aws_account":"{ACCT}","aws_user_id_pattern":"^AROA(.*):my-function$","aws_arn":"arn:aws:sts::{ACCT}:assumed-role/aws-auth/my-function"}}}}"#
    ));
    assert_eq!(doc.dialect, Dialect::Terraform);
    let me = caller("arn:aws:sts::452336408843:assumed-role/aws-auth/my-function", "AROAZ2EXAMPLELAMBDA:my-function");
    assert!(doc.check_aws(&me).accepted);
    let other =
        caller("arn:aws:sts::452336408843:assumed-role/aws-auth/other-function", "AROAZ2EXAMPLELAMBDA:other-function");
    let v = doc.check_aws(&other);
    assert_eq!(v.failures().count(), 2, "{v}");
    // Field names follow the document's dialect.
    assert_eq!(v.failures().map(|f| f.rule_field.as_str()).collect::<Vec<_>>(), ["aws_arn", "aws_user_id_pattern"]);
}

#[test]
fn eks_irsa_sessions_are_made_up_by_the_sdk() {
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"awsAccount":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/irsa-puller/.*$","userIdPattern":"^AROAIRSAROLEID:.*$"}}}}"#
    ));
    for session in ["botocore-session-1732350000", "1732350000123456789", "aws-sdk-java-1732350000"] {
        let arn = format!("arn:aws:sts::{ACCT}:assumed-role/irsa-puller/{session}");
        let uid = format!("AROAIRSAROLEID:{session}");
        assert!(doc.check_aws(&caller(&arn, &uid)).accepted, "{session}");
    }
    // A rule pinned to one SDK session name fails for the next process, and says why.
    let pinned = aws(&format!(
        r#"{{"awsIdentity":{{"awsAccount":"{ACCT}","arn":"arn:aws:sts::{ACCT}:assumed-role/irsa-puller/botocore-session-1","userIdPattern":"^AROAIRSAROLEID:"}}}}"#
    ));
    let fails = failing(
        &pinned,
        &caller(
            &format!("arn:aws:sts::{ACCT}:assumed-role/irsa-puller/botocore-session-2"),
            "AROAIRSAROLEID:botocore-session-2",
        ),
    );
    assert_eq!(fails.len(), 1);
    assert!(
        fails[0].1.contains("accepts only session \"botocore-session-1\"") && fails[0].1.contains("SDK made up"),
        "{fails:?}"
    );
}

#[test]
fn eks_pod_identity_sessions() {
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"awsAccount":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/pod-identity-role/eks-prod-.*$","userIdPattern":"^AROAPODROLEID:eks-prod-.*$"}}}}"#
    ));
    let s = "eks-prod-web-7c9d8-8f14e45f-ceea-4e7a-b9a2-1d2c3b4a5f6e";
    let arn = format!("arn:aws:sts::{ACCT}:assumed-role/pod-identity-role/{s}");
    let uid = format!("AROAPODROLEID:{s}");
    assert!(doc.check_aws(&caller(&arn, &uid)).accepted);
    let staging = "eks-staging-web-1-2-3";
    let arn = format!("arn:aws:sts::{ACCT}:assumed-role/pod-identity-role/{staging}");
    let uid = format!("AROAPODROLEID:{staging}");
    assert_eq!(failing(&doc, &caller(&arn, &uid)).len(), 2);
}

#[test]
fn iam_users() {
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arn":"arn:aws:iam::{ACCT}:user/ci/deployer","user_id":"AIDAJQABLZS4A3QDU576Q"}}}}"#
    ));
    assert!(doc.check_aws(&caller("arn:aws:iam::452336408843:user/ci/deployer", "AIDAJQABLZS4A3QDU576Q")).accepted);
    // A role session presented to a user rule: both fields explain the kind mismatch.
    let v = doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/deployer/x", "AROAEXAMPLE:x"));
    let reasons: Vec<String> = v.failures().map(|f| f.reason.clone().unwrap()).collect();
    assert!(reasons[0].contains("names an IAM user, but the caller arn:aws:sts::452336408843:assumed-role/deployer/x is an assumed-role session"), "{reasons:?}");
    assert!(
        reasons[1].contains("expects an IAM user (AIDA…), but the caller's user id AROAEXAMPLE:x is a role (AROA…)"),
        "{reasons:?}"
    );
}

#[test]
fn patterns_are_searched_not_anchored() {
    // `assumed-role/x` matches anywhere, like the issuer's RE2 search.
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arnPattern":"assumed-role/deploy","userIdPattern":"AROA"}}}}"#
    ));
    assert!(doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/deploy-admin/s", "AROAX:s")).accepted);
    assert!(doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/deploy/s", "xAROAX:s")).accepted);
}

#[test]
fn account_and_user_id_failures_are_explained() {
    let doc = aws(
        r#"{"awsIdentity":{"aws_account":"111111111111","arnPattern":"^arn:aws:sts::111111111111:assumed-role/r/.*$","userId":"AROAROLEID"}}"#,
    );
    let v = doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/r/s", "AROAROLEID:s"));
    let reasons: Vec<String> = v.failures().map(|f| f.reason.clone().unwrap()).collect();
    assert_eq!(reasons.len(), 3, "{v}");
    assert!(reasons[0].contains("the rule is for account 111111111111, but the caller is in account 452336408843"));
    assert!(reasons[1].contains("names account 111111111111, but the caller is in account 452336408843"));
    assert!(
        reasons[2].contains("is the role's id alone, but a role session's user id is ROLEID:SESSION"),
        "{reasons:?}"
    );
    // A re-created role has a new unique id.
    let doc = aws(&format!(
        r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arnPattern":"^arn:aws:sts::{ACCT}:assumed-role/r/.*$","userIdPattern":"^AROAOLDROLEID:.*$"}}}}"#
    ));
    let f = failing(&doc, &caller("arn:aws:sts::452336408843:assumed-role/r/s", "AROANEWROLEID:s"));
    assert!(f[0].1.contains("deleted and re-created"), "{f:?}");
}

#[test]
fn invalid_rules_never_match() {
    let both =
        aws(&format!(r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arn":"a","arnPattern":"a","userIdPattern":"."}}}}"#));
    let f = failing(&both, &caller("a", "x"));
    assert_eq!(f.len(), 1);
    assert!(f[0].1.contains("both arn and arn_pattern are set"));
    let neither = aws(&format!(r#"{{"awsIdentity":{{"aws_account":"{ACCT}","userIdPattern":"."}}}}"#));
    assert!(failing(&neither, &caller("a", "x"))[0].1.contains("neither arn nor arn_pattern"));
    let bad = aws(&format!(r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arnPattern":"(","userIdPattern":"."}}}}"#));
    assert!(failing(&bad, &caller("(", "x"))[0].1.contains("does not compile"));
}

#[test]
fn spellings_and_shapes_parse_alike() {
    let want =
        aws(&format!(r#"{{"awsIdentity":{{"aws_account":"{ACCT}","arnPattern":"^a$","userIdPattern":"^b$"}}}}"#)).rule;
    for json in [
        format!(r#"{{"aws_identity":{{"awsAccount":"{ACCT}","arn_pattern":"^a$","user_id_pattern":"^b$"}}}}"#),
        format!(r#"{{"aws_account":"{ACCT}","arnPattern":"^a$","userIdPattern":"^b$"}}"#),
        format!(r#"{{"aws_identity":{{"aws_account":"{ACCT}","aws_arn_pattern":"^a$","aws_user_id_pattern":"^b$"}}}}"#),
        format!(
            r#"{{"aws_identity":[{{"aws_account":"{ACCT}","aws_arn_pattern":"^a$","aws_user_id_pattern":"^b$"}}]}}"#
        ),
        format!(
            r#"{{"resource":{{"chainguard_identity":{{"puller":{{"name":"puller","parent_id":"x","aws_identity":{{"aws_account":"{ACCT}","aws_arn_pattern":"^a$","aws_user_id_pattern":"^b$"}}}}}}}}}}"#
        ),
    ] {
        let doc = aws(&json);
        assert_eq!(doc.rule, want, "{json}");
        assert!(doc.unknown_fields.is_empty(), "{json}: {:?}", doc.unknown_fields);
    }
    assert_eq!(parse(r#"{"awsIdentity":{},"claimMatch":{}}"#), Err(RuleParseError::MultipleRules));
    assert!(matches!(
        parse(r#"{"awsIdentity":{"user_id":"a","userId":"b"}}"#),
        Err(RuleParseError::DuplicateField { .. })
    ));
}

#[test]
fn claim_match_rules() {
    let doc = parse(
        r#"{"claimMatch":{"issuer":"https://abc.tokens.sts.global.api.aws","subjectPattern":"^arn:aws:iam::452336408843:role/puller$","audience":"https://issuer.enforce.dev"}}"#,
    )
    .unwrap();
    let Rule::ClaimMatch(rule) = &doc.rule else { panic!() };
    let auds = vec!["https://issuer.enforce.dev".to_string()];
    let ok = ClaimsCaller {
        issuer: "https://abc.tokens.sts.global.api.aws",
        subject: "arn:aws:iam::452336408843:role/puller",
        audiences: &auds,
        claims: &[],
    };
    assert!(rule.check(&ok).accepted);
    let wrong_aud = vec!["cgr.dev".to_string()];
    let v = rule.check(&ClaimsCaller { audiences: &wrong_aud, ..ok });
    assert_eq!(v.failures().map(|f| f.field).collect::<Vec<_>>(), [Field::Audience]);
    // A claim rule never accepts a GetCallerIdentity caller, and says so.
    let v = doc.check_aws(&caller("arn:aws:sts::452336408843:assumed-role/puller/s", "AROAX:s"));
    assert!(!v.accepted);
    assert!(v.fields[0].reason.as_deref().unwrap().contains("claim-match (OIDC) rule"));
}

#[test]
fn claim_match_rules_against_an_aws_caller() {
    use cgaws_core::rules::outbound_subject;
    let doc = parse(
        r#"{"claimMatch":{"issuer":"https://abc.tokens.sts.global.api.aws","subject":"arn:aws:iam::452336408843:role/puller"}}"#,
    )
    .unwrap();
    let Rule::ClaimMatch(rule) = &doc.rule else { panic!() };
    let me = caller("arn:aws:sts::452336408843:assumed-role/puller/i-0abc", "AROAX:i-0abc");
    assert_eq!(outbound_subject(me.arn).as_deref(), Some("arn:aws:iam::452336408843:role/puller"));
    let auds = vec!["https://issuer.enforce.dev".to_string()];
    assert!(rule.check_outbound(&me, Some("https://abc.tokens.sts.global.api.aws"), &auds).accepted);
    // Without the issuer: only the issuer field fails, and says why.
    let v = rule.check_outbound(&me, None, &auds);
    assert_eq!(v.failures().map(|f| f.field).collect::<Vec<_>>(), [Field::Issuer]);
    assert!(v.failures().next().unwrap().reason.as_deref().unwrap().contains("not known offline"));
    // The reverse of the classic mistake: an assumed-role subject never matches.
    let wrong = parse(
        r#"{"claimMatch":{"issuer":"https://abc.tokens.sts.global.api.aws","subject":"arn:aws:sts::452336408843:assumed-role/puller/i-0abc"}}"#,
    )
    .unwrap();
    let Rule::ClaimMatch(wrong) = &wrong.rule else { panic!() };
    let v = wrong.check_outbound(&me, Some("https://abc.tokens.sts.global.api.aws"), &auds);
    let sub = v.failures().next().unwrap();
    assert_eq!(sub.field, Field::Subject);
    assert_eq!(sub.suggestion.as_deref(), Some("use subject arn:aws:iam::452336408843:role/puller"));
}
