//! Matching a caller against a rule, as the issuer does (PROTOCOL.md §3 check 9),
//! with a verdict for every field rather than the issuer's bare "permission denied".

use super::arn::{Arn, Principal};
use super::explain::{arn_mismatch, user_id_mismatch, Explanation};
use super::pattern::compile;
use super::{is_account_id, AwsIdentityRule, ClaimMatchRule, Dialect, Field, FieldRule, Rule, RuleDoc};
use core::fmt;

/// The caller GetCallerIdentity reports: `{Account, Arn, UserId}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AwsCaller<'a> {
    pub account: &'a str,
    pub arn: &'a str,
    pub user_id: &'a str,
}

/// The claims of an OIDC token, for claim-match rules.
#[derive(Clone, Copy, Debug)]
pub struct ClaimsCaller<'a> {
    pub issuer: &'a str,
    pub subject: &'a str,
    pub audiences: &'a [String],
    /// Further claims, string-valued, for `claims` / `claim_patterns`.
    pub claims: &'a [(String, String)],
}

/// One field of the rule against the caller.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldVerdict {
    pub field: Field,
    /// The rule's field name (e.g. `arn_pattern`, or `aws_arn_pattern` in Terraform).
    pub rule_field: String,
    /// The rule's value for the field (exact value or pattern); `None` when unset.
    pub expected: Option<String>,
    /// The caller's value.
    pub actual: String,
    pub matched: bool,
    /// Why the field fails; `None` when it matches.
    pub reason: Option<String>,
    /// What to write instead, when a fix can be given.
    pub suggestion: Option<String>,
}

/// Every field's verdict; the caller is accepted when all match.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Verdict {
    pub accepted: bool,
    pub fields: Vec<FieldVerdict>,
}

impl Verdict {
    fn new(fields: Vec<FieldVerdict>) -> Self {
        Verdict { accepted: fields.iter().all(|f| f.matched), fields }
    }

    pub fn failures(&self) -> impl Iterator<Item = &FieldVerdict> {
        self.fields.iter().filter(|f| !f.matched)
    }
}

/// One line per field: `ok   arn_pattern ...` / `FAIL user_id_pattern ...: reason; fix`.
impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for v in &self.fields {
            let expected = v.expected.as_deref().unwrap_or("(unset)");
            if v.matched {
                writeln!(f, "ok    {} {expected} matches {}", v.rule_field, v.actual)?;
            } else {
                write!(f, "FAIL  {}: {}", v.rule_field, v.reason.as_deref().unwrap_or("does not match"))?;
                if let Some(s) = &v.suggestion {
                    write!(f, "; {s}")?;
                }
                writeln!(f)?;
            }
        }
        f.write_str(if self.accepted { "accepted\n" } else { "rejected\n" })
    }
}

type Explainer<'e> = &'e dyn Fn(&FieldRule, &str, (&str, &str)) -> Explanation;

/// One field: exactly one of exact/pattern must be set (unless `optional`), then
/// exact equality or an unanchored pattern search.
fn check_field(
    field: Field,
    dialect: Dialect,
    rule: &FieldRule,
    actual: &str,
    optional: bool,
    explain: Explainer<'_>,
) -> FieldVerdict {
    let names = (field.name(dialect, false), field.name(dialect, true));
    let mut v = FieldVerdict {
        field,
        rule_field: if rule.pattern.is_some() && rule.exact.is_none() { names.1 } else { names.0 }.to_string(),
        expected: rule.exact.clone().or_else(|| rule.pattern.clone()),
        actual: actual.to_string(),
        matched: false,
        reason: None,
        suggestion: None,
    };
    match (&rule.exact, &rule.pattern) {
        (Some(_), Some(_)) => {
            v.rule_field = field.both_names(dialect);
            v.reason = Some(format!(
                "both {} and {} are set; the issuer takes exactly one (chainctl refuses such a rule)",
                names.0, names.1
            ));
            v.suggestion = Some(format!("remove {} or {}", names.0, names.1));
            return v;
        }
        (None, None) if optional => {
            v.matched = true;
            return v;
        }
        (None, None) => {
            v.rule_field = field.both_names(dialect);
            v.reason = Some(format!("neither {} nor {} is set; the issuer requires one", names.0, names.1));
            let (_, fix) = explain(rule, actual, names);
            v.suggestion = fix;
            return v;
        }
        (Some(exact), None) => v.matched = exact == actual,
        (None, Some(pattern)) => match compile(pattern) {
            Ok(re) => v.matched = re.is_match(actual),
            Err(e) => {
                v.reason = Some(format!("pattern does not compile: {}", e));
                return v;
            }
        },
    }
    if !v.matched {
        let (reason, fix) = explain(rule, actual, names);
        v.reason = Some(reason);
        v.suggestion = fix;
    }
    v
}

fn plain(rule: &FieldRule, actual: &str, names: (&str, &str)) -> Explanation {
    let reason = match (&rule.exact, &rule.pattern) {
        (Some(e), _) => format!("{} {e:?} is not {actual:?}", names.0),
        (None, Some(p)) => format!("{} {p} does not match {actual:?}", names.1),
        _ => format!("the value is {actual:?}"),
    };
    (reason, None)
}

fn check_account(dialect: Dialect, account: Option<&str>, actual: &str) -> FieldVerdict {
    let mut v = FieldVerdict {
        field: Field::AwsAccount,
        rule_field: Field::AwsAccount.name(dialect, false).into(),
        expected: account.map(str::to_string),
        actual: actual.to_string(),
        matched: account == Some(actual),
        reason: None,
        suggestion: None,
    };
    if !v.matched {
        v.reason = Some(match account {
            None => "aws_account is not set; the issuer requires it".to_string(),
            Some(a) if !is_account_id(a) => format!("aws_account {a:?} is not a 12-digit account id"),
            Some(a) => format!("the rule is for account {a}, but the caller is in account {actual}"),
        });
        if is_account_id(actual) {
            v.suggestion = Some(format!("use aws_account \"{actual}\" (if that account is meant to be trusted)"));
        }
    }
    v
}

impl AwsIdentityRule {
    /// Matches the caller, naming fields as chainctl does.
    pub fn check(&self, caller: &AwsCaller<'_>) -> Verdict {
        self.check_as(caller, Dialect::Chainctl)
    }

    /// Matches the caller, naming fields as `dialect` does.
    pub fn check_as(&self, caller: &AwsCaller<'_>, dialect: Dialect) -> Verdict {
        Verdict::new(vec![
            check_account(dialect, self.aws_account.as_deref(), caller.account),
            check_field(Field::Arn, dialect, &self.arn, caller.arn, false, &arn_mismatch),
            check_field(Field::UserId, dialect, &self.user_id, caller.user_id, false, &user_id_mismatch),
        ])
    }
}

impl ClaimMatchRule {
    /// Matches a token's claims: issuer and subject required, audience when set
    /// (any of the token's audiences may match), then each extra claim.
    pub fn check(&self, caller: &ClaimsCaller<'_>) -> Verdict {
        let d = Dialect::Chainctl;
        let mut fields = vec![
            check_field(Field::Issuer, d, &self.issuer, caller.issuer, false, &plain),
            check_field(Field::Subject, d, &self.subject, caller.subject, false, &plain),
        ];
        let joined = caller.audiences.join(" ");
        let mut aud = check_field(Field::Audience, d, &self.audience, &joined, true, &plain);
        if !self.audience.is_unset() && aud.reason.as_deref().is_none_or(|r| !r.contains("compile")) {
            aud.matched = caller
                .audiences
                .iter()
                .any(|a| check_field(Field::Audience, d, &self.audience, a, true, &plain).matched);
            if aud.matched {
                aud.reason = None;
                aud.suggestion = None;
            }
        }
        fields.push(aud);
        let value_of = |name: &str| caller.claims.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
        for (name, want) in &self.claims {
            let mut v = check_field(
                Field::Claim,
                d,
                &FieldRule::exact(want.clone()),
                value_of(name).unwrap_or(""),
                false,
                &plain,
            );
            v.rule_field = format!("claims.{name}");
            fields.push(v);
        }
        for (name, want) in &self.claim_patterns {
            let mut v = check_field(
                Field::Claim,
                d,
                &FieldRule::pattern(want.clone()),
                value_of(name).unwrap_or(""),
                false,
                &plain,
            );
            v.rule_field = format!("claim_patterns.{name}");
            fields.push(v);
        }
        Verdict::new(fields)
    }
}

/// The `sub` a token from AWS outbound identity federation carries for this
/// caller (PROTOCOL.md §7): a role session's *role* ARN, an IAM user's own ARN.
/// A role's path is not in the assumed-role ARN, so the role ARN is written
/// without one.
pub fn outbound_subject(caller_arn: &str) -> Option<String> {
    let arn = Arn::parse(caller_arn)?;
    match arn.principal() {
        Principal::AssumedRole { role, .. } => Some(format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account)),
        Principal::User { .. } | Principal::Root => Some(caller_arn.to_string()),
        _ => None,
    }
}

impl ClaimMatchRule {
    /// Would a token that `caller` gets from STS `GetWebIdentityToken` (AWS
    /// outbound identity federation) be accepted? The subject is derived from the
    /// caller; the issuer (one per account) only when given; the audiences are
    /// the ones the token would be requested for.
    pub fn check_outbound(&self, caller: &AwsCaller<'_>, issuer: Option<&str>, audiences: &[String]) -> Verdict {
        let subject = outbound_subject(caller.arn).unwrap_or_default();
        let mut verdict =
            self.check(&ClaimsCaller { issuer: issuer.unwrap_or(""), subject: &subject, audiences, claims: &[] });
        for v in verdict.fields.iter_mut().filter(|v| !v.matched) {
            match v.field {
                Field::Issuer if issuer.is_none() => {
                    v.reason = Some(
                        "the token's issuer (https://<id>.tokens.sts.global.api.aws, one per account) is not known offline: pass it to check it"
                            .into(),
                    );
                }
                Field::Subject => {
                    let mut reason = v.reason.clone().unwrap_or_default();
                    if caller.arn.contains(":assumed-role/") {
                        reason.push_str(&format!(
                            "; for the caller {}, AWS puts the role's ARN in sub (with the role's path, if it has one)",
                            caller.arn
                        ));
                    }
                    v.reason = Some(reason);
                    v.suggestion = Some(format!("use subject {subject}"));
                }
                Field::Claim => v.reason = Some(format!("{} is not checked offline", v.rule_field)),
                _ => {}
            }
        }
        verdict.accepted = verdict.fields.iter().all(|f| f.matched);
        verdict
    }
}

impl RuleDoc {
    /// Matches an AWS caller, naming fields in the document's own dialect. A
    /// claim-match rule never accepts a GetCallerIdentity caller (see
    /// [`ClaimMatchRule::check_outbound`] for the token such a caller can get instead).
    pub fn check_aws(&self, caller: &AwsCaller<'_>) -> Verdict {
        match &self.rule {
            Rule::AwsIdentity(rule) => rule.check_as(caller, self.dialect),
            Rule::ClaimMatch(_) => Verdict::new(vec![FieldVerdict {
                field: Field::Issuer,
                rule_field: "claim_match".into(),
                expected: None,
                actual: caller.arn.to_string(),
                matched: false,
                reason: Some(
                    "this is a claim-match (OIDC) rule: it accepts tokens from AWS outbound identity federation, not the GetCallerIdentity proof"
                        .into(),
                ),
                suggestion: super::explain::arn_pattern_for(caller.arn)
                    .map(|p| format!("for the GetCallerIdentity proof, use an awsIdentity rule with arn_pattern {p}")),
            }]),
        }
    }
}

impl<'a> From<&'a crate::sts::CallerIdentity> for AwsCaller<'a> {
    fn from(c: &'a crate::sts::CallerIdentity) -> Self {
        AwsCaller { account: &c.account, arn: &c.arn, user_id: &c.user_id }
    }
}
