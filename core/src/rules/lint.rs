//! Lint: the mistakes in identity rules that cost users hours (a rule that can
//! never match, answered by the issuer with a bare "permission denied") and the
//! ones that let in more callers than meant. Each finding has a stable code and,
//! where one can be given, the fix.
//!
//! | code | severity | what |
//! | --- | --- | --- |
//! | `invalid-json`, `no-rule`, `multiple-rules`, `duplicate-field`, `wrong-type` | error | not a rule document |
//! | `unknown-field` | warning | a key neither chainctl nor Terraform knows (typo?) |
//! | `mixed-dialects` | error | chainctl and Terraform field names in one rule |
//! | `missing-field` | error | neither the exact nor the pattern form (or no `aws_account`) |
//! | `exact-and-pattern` | error | both forms of one field |
//! | `invalid-account` | error | `aws_account` is not 12 digits (masked, interpolated, a number) |
//! | `invalid-pattern` | error | a pattern that does not compile (here or in RE2) |
//! | `terraform-interpolation` | error | a `${...}` left in a value |
//! | `iam-role-arn` | error | `arn:aws:iam::ACCT:role/NAME`, but callers are `assumed-role` sessions |
//! | `no-session` | error | an assumed-role ARN pattern that ends at the role name |
//! | `account-mismatch` | error | the ARN names another account than `aws_account` |
//! | `user-id-principal-mismatch` | error | user id prefix (`AROA`/`AIDA`) of another principal type than the ARN's |
//! | `access-key-as-user-id` | error | an access key id (`AKIA`/`ASIA`) where the unique user id belongs |
//! | `user-id-missing-session` | error | a role's id alone, but a session's user id is `ROLEID:SESSION` |
//! | `assumed-role-subject` | error | claim-match subject names an assumed-role session; AWS tokens carry the role ARN |
//! | `unanchored-pattern` | warning | a pattern without `^` or `$`: it matches values that merely contain it |
//! | `match-anything` | warning (error for issuers) | a pattern every value matches |
//! | `any-account` | warning | the ARN pattern accepts any account |
//! | `any-role` | warning | the ARN pattern accepts any role (or user) name |
//! | `ephemeral-session` | warning | pins a session that changes (EC2 instance, ECS task, pod, SDK-made name) |

use super::arn::{describe_user_id_prefix, Arn, Principal, SessionKind};
use super::explain::arn_pattern_for;
use super::parse::parse;
use super::pattern::{compile, matches_anything, quote_meta, Skeleton, WILD};
use super::{is_account_id, AwsIdentityRule, ClaimMatchRule, Dialect, Field, FieldRule, Rule, RuleDoc};
use core::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Severity {
    Error,
    Warning,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Finding {
    pub severity: Severity,
    /// Stable, kebab-case (see the module docs' table).
    pub code: &'static str,
    /// The rule field concerned, as the document names it.
    pub field: Option<String>,
    pub message: String,
    /// What to write instead.
    pub fix: Option<String>,
}

/// `error[iam-role-arn] arn: message` and, on the next line, `  fix: ...`.
impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[{}]", self.severity, self.code)?;
        if let Some(field) = &self.field {
            write!(f, " {field}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(fix) = &self.fix {
            write!(f, "\n  fix: {fix}")?;
        }
        Ok(())
    }
}

/// Lints a document's text; a document that is not a rule gives one finding.
pub fn lint_json(text: &str) -> Vec<Finding> {
    match parse(text) {
        Ok(doc) => lint(&doc),
        Err(e) => vec![Finding {
            severity: Severity::Error,
            code: e.code(),
            field: None,
            message: e.to_string(),
            fix: e.fix(),
        }],
    }
}

struct Out {
    findings: Vec<Finding>,
}

impl Out {
    fn push(
        &mut self,
        severity: Severity,
        code: &'static str,
        field: Option<&str>,
        message: String,
        fix: Option<String>,
    ) {
        self.findings.push(Finding { severity, code, field: field.map(str::to_string), message, fix });
    }

    /// `ephemeral-session`: `name` pins `session`, a name that changes (instance,
    /// task, pod, SDK-made); in the ARN and in the user id alike.
    fn ephemeral_session(&mut self, name: &str, session: &str, fix: String) {
        self.push(
            Severity::Warning,
            "ephemeral-session",
            Some(name),
            format!(
                "{name} accepts only session {session:?}, which is {}: it stops matching when that goes away",
                SessionKind::of(session).describe()
            ),
            Some(fix),
        );
    }

    /// `any-role`: the assumed-role ARN pattern `value` leaves the role name open.
    fn any_role_session(&mut self, name: &str, value: &str, fix: String) {
        self.push(
            Severity::Warning,
            "any-role",
            Some(name),
            format!("{name} {value:?} accepts sessions of any role in the account"),
            Some(fix),
        );
    }
}

/// Lints a parsed rule. Findings come errors first, then warnings, each group in field order.
pub fn lint(doc: &RuleDoc) -> Vec<Finding> {
    let mut out = Out { findings: Vec::new() };
    for key in &doc.unknown_fields {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        let fix = closest_known(leaf, &doc.rule).map(|k| format!("did you mean {k}?"));
        out.push(
            Severity::Warning,
            "unknown-field",
            Some(key),
            format!("{key} is not a field chainctl or Terraform knows: it is refused or ignored"),
            fix,
        );
    }
    if doc.mixed_dialects {
        out.push(
            Severity::Error,
            "mixed-dialects",
            None,
            "the rule mixes chainctl field names (arn_pattern, user_id_pattern) with Terraform ones (aws_arn_pattern, aws_user_id_pattern); each tool refuses the other's".into(),
            Some("use chainctl's names in id.json, Terraform's in an aws_identity block".into()),
        );
    }
    for (field, value) in string_fields(&doc.rule, doc.dialect) {
        if value.contains("${") {
            out.push(
                Severity::Error,
                "terraform-interpolation",
                Some(&field),
                format!("{field} {value:?} holds a Terraform interpolation: chainctl takes it literally, and it cannot be checked here"),
                Some("lint the values Terraform produces (`terraform console`, or `cgaws spec --format terraform`)".into()),
            );
        }
    }
    match &doc.rule {
        Rule::AwsIdentity(rule) => lint_aws(rule, doc.dialect, &mut out),
        Rule::ClaimMatch(rule) => lint_claim(rule, &mut out),
    }
    let mut findings = out.findings;
    findings.sort_by_key(|f| f.severity);
    findings
}

/// Checks the exact/pattern pair of one field; returns the form that is set, if exactly one is.
fn lint_pair<'r>(
    field: Field,
    dialect: Dialect,
    rule: &'r FieldRule,
    required: bool,
    out: &mut Out,
) -> Option<(&'r str, bool)> {
    let (exact_name, pattern_name) = (field.name(dialect, false), field.name(dialect, true));
    match (&rule.exact, &rule.pattern) {
        (Some(_), Some(_)) => {
            out.push(
                Severity::Error,
                "exact-and-pattern",
                Some(&field.both_names(dialect)),
                format!("both {exact_name} and {pattern_name} are set; the issuer takes exactly one"),
                Some(format!("keep {pattern_name} (anchored with ^...$) or {exact_name}, not both")),
            );
            None
        }
        (None, None) => {
            if required {
                out.push(
                    Severity::Error,
                    "missing-field",
                    Some(&field.both_names(dialect)),
                    format!("neither {exact_name} nor {pattern_name} is set; the issuer requires one"),
                    Some("`cgaws spec` writes a complete rule for the current caller".into()),
                );
            }
            None
        }
        (Some(exact), None) => Some((exact.as_str(), false)),
        (None, Some(pattern)) => match compile(pattern) {
            Ok(_) => Some((pattern.as_str(), true)),
            Err(e) => {
                out.push(
                    Severity::Error,
                    "invalid-pattern",
                    Some(pattern_name),
                    format!("{pattern_name} {pattern:?} does not compile: {}", e),
                    Some("patterns are RE2 syntax; escape literal dots and parentheses with \\".into()),
                );
                None
            }
        },
    }
}

/// The anchored form of a pattern.
fn anchored(pattern: &str, sk: &Skeleton) -> String {
    let body = if pattern.contains('|') { format!("(?:{pattern})") } else { pattern.to_string() };
    let start = if sk.anchored_start { "" } else { "^" };
    let end = if sk.closed_end() { "" } else { "$" };
    format!("{start}{body}{end}")
}

fn lint_unanchored(name: &str, pattern: &str, sk: &Skeleton, out: &mut Out, extra: &str) {
    if sk.anchored_start && sk.closed_end() {
        return;
    }
    let mut missing = Vec::new();
    if !sk.anchored_start {
        missing.push("^ at the start (so it matches values that merely contain it)");
    }
    if !sk.closed_end() {
        missing.push("$ at the end (so it also matches longer values)");
    }
    out.push(
        Severity::Warning,
        "unanchored-pattern",
        Some(name),
        format!("{name} {pattern:?} is searched, not anchored, and lacks {}{extra}", missing.join(" and ")),
        Some(format!("{name} {}", anchored(pattern, sk))),
    );
}

fn lint_aws(rule: &AwsIdentityRule, dialect: Dialect, out: &mut Out) {
    let account = match rule.aws_account.as_deref() {
        None => {
            out.push(
                Severity::Error,
                "missing-field",
                Some("aws_account"),
                "aws_account is not set; the issuer requires the 12-digit account id".into(),
                Some("`aws sts get-caller-identity --query Account` shows it".into()),
            );
            None
        }
        Some(a) if !is_account_id(a) => {
            let why = if a.contains('*') || a.contains("XXXX") || a.contains("xxxx") {
                " (it looks masked, as in a copied example)"
            } else if a.contains("${") {
                " (a Terraform interpolation: check the value Terraform produces)"
            } else if a.contains('-') || a.contains(' ') {
                " (write it without dashes or spaces)"
            } else {
                ""
            };
            out.push(
                Severity::Error,
                "invalid-account",
                Some("aws_account"),
                format!("aws_account {a:?} is not a 12-digit AWS account id{why}"),
                Some("use the Account that `aws sts get-caller-identity` prints, leading zeros included".into()),
            );
            None
        }
        Some(a) => Some(a),
    };

    let arn_name = Field::Arn.name(dialect, true);
    let arn = lint_pair(Field::Arn, dialect, &rule.arn, true, out);
    let user_id = lint_pair(Field::UserId, dialect, &rule.user_id, true, out);

    // What the ARN field names: (skeleton text from `arn:`, closed at the end).
    let mut principal_prefix: Option<&'static str> = None;
    let mut assumed_role_arn = false;
    if let Some((value, is_pattern)) = arn {
        let name = Field::Arn.name(dialect, is_pattern);
        let (text, closed, sk) = if is_pattern {
            match Skeleton::of(value) {
                Some(sk) => (sk.arn_text().map(str::to_string), sk.closed_end(), Some(sk)),
                None => (None, false, None),
            }
        } else {
            (Some(value.to_string()), true, None)
        };
        if let (Some(sk), true) = (&sk, is_pattern) {
            if compile(value).map(|re| matches_anything(&re)).unwrap_or(false) {
                out.push(
                    Severity::Warning,
                    "match-anything",
                    Some(name),
                    format!("{name} {value:?} matches every ARN: any role, user or session of the account may assume this identity"),
                    Some(format!("{name} ^arn:aws:sts::ACCOUNT:assumed-role/ROLE/.*$ (`cgaws spec` writes it)")),
                );
            } else {
                let extra = match text.as_deref().and_then(Arn::parse).map(|a| a.principal()) {
                    Some(Principal::Other) | None if !sk.closed_end() && sk.text.contains("assumed-role/") => {
                        ": a role name without the following / also lets in every role whose name starts with it"
                            .to_string()
                    }
                    Some(Principal::AssumedRole { role, .. }) if !sk.closed_end() && !role.contains(WILD) => {
                        String::new()
                    }
                    _ => String::new(),
                };
                lint_unanchored(name, value, sk, out, &extra);
            }
        }
        if let Some(want) = text.as_deref().and_then(Arn::parse) {
            let wild = |s: &str| s.contains(WILD);
            if let Some(acct) = account {
                if !wild(want.account) && want.account != acct {
                    out.push(
                        Severity::Error,
                        "account-mismatch",
                        Some(name),
                        format!(
                            "{name} names account {}, but aws_account is {acct}: no caller can match both",
                            want.account
                        ),
                        Some(format!("make both the account that the role lives in ({} or {acct})", want.account)),
                    );
                }
            }
            if is_pattern && wild(want.account) {
                out.push(
                    Severity::Warning,
                    "any-account",
                    Some(name),
                    format!("{name} {value:?} accepts any account; only aws_account keeps other accounts out"),
                    Some(format!(
                        "write the account into the pattern: arn:{}:sts::{}:...",
                        want.partition.replace(WILD, "aws"),
                        account.unwrap_or("ACCOUNT")
                    )),
                );
            }
            let fix_for = |role: &str| {
                let acct = if wild(want.account) { account.unwrap_or("ACCOUNT") } else { want.account };
                let partition = if wild(want.partition) { "aws" } else { want.partition };
                format!("{arn_name} ^arn:{}:sts::{acct}:assumed-role/{}/.*$", quote_meta(partition), quote_meta(role))
            };
            match want.principal() {
                Principal::Role { path, name: role } => {
                    let role_shown = if wild(role) { "ROLE".to_string() } else { role.to_string() };
                    let path_note =
                        if path.is_empty() { String::new() } else { format!(" (without the role's path {path:?})") };
                    out.push(
                        Severity::Error,
                        "iam-role-arn",
                        Some(name),
                        format!(
                            "{name} names the IAM role (arn:...:iam::...:role/{role_shown}), but STS reports a role's callers as assumed-role sessions, arn:aws:sts::ACCOUNT:assumed-role/{role_shown}/SESSION: this rule never matches"
                        ),
                        Some(format!("{}{path_note}", fix_for(&role_shown))),
                    );
                    principal_prefix = Some("AROA");
                }
                Principal::AssumedRole { role, session } => {
                    assumed_role_arn = true;
                    principal_prefix = Some("AROA");
                    if wild(role) && is_pattern {
                        out.any_role_session(name, value, fix_for("ROLE"));
                    }
                    if closed && !wild(session) && SessionKind::of(session).is_ephemeral() {
                        out.ephemeral_session(name, session, fix_for(role));
                    }
                }
                Principal::User { name: user, .. } => {
                    principal_prefix = Some("AIDA");
                    if wild(user) && is_pattern {
                        out.push(
                            Severity::Warning,
                            "any-role",
                            Some(name),
                            format!("{name} {value:?} accepts any IAM user in the account"),
                            Some(format!("{name} ^arn:aws:iam::ACCOUNT:user/NAME$")),
                        );
                    }
                }
                Principal::Other if want.resource.starts_with("assumed-role/") => {
                    assumed_role_arn = true;
                    principal_prefix = Some("AROA");
                    let role = &want.resource["assumed-role/".len()..];
                    if closed && !role.contains('/') && !wild(role) {
                        out.push(
                            Severity::Error,
                            "no-session",
                            Some(name),
                            format!("{name} ends at the role name, but an assumed-role ARN goes on with /SESSION: this rule never matches"),
                            Some(fix_for(role)),
                        );
                    } else if wild(role) && is_pattern {
                        out.any_role_session(name, value, fix_for("ROLE"));
                    }
                }
                _ => {}
            }
        }
    }

    if let Some((value, is_pattern)) = user_id {
        let name = Field::UserId.name(dialect, is_pattern);
        let (text, anchored_start, closed) = if is_pattern {
            match Skeleton::of(value) {
                Some(sk) => {
                    if !compile(value).map(|re| matches_anything(&re)).unwrap_or(false) {
                        lint_unanchored(name, value, &sk, out, "");
                    }
                    (sk.text.clone(), sk.anchored_start, sk.closed_end() && sk.anchored_end)
                }
                None => (String::new(), false, false),
            }
        } else {
            (value.to_string(), true, true)
        };
        let prefix = text.get(..4).filter(|p| anchored_start && !p.contains(WILD));
        if let Some(prefix) = prefix {
            if prefix == "AKIA" || prefix == "ASIA" {
                out.push(
                    Severity::Error,
                    "access-key-as-user-id",
                    Some(name),
                    format!("{name} starts with {prefix}, an access key id; GetCallerIdentity's UserId is the principal's unique id (AROA… for roles, AIDA… for users)"),
                    Some("use the UserId that `aws sts get-caller-identity` prints".into()),
                );
            } else if let Some(expected) = principal_prefix {
                if prefix != expected && describe_user_id_prefix(prefix).is_some() {
                    out.push(
                        Severity::Error,
                        "user-id-principal-mismatch",
                        Some(name),
                        format!(
                            "{name} expects {}, but the ARN names {}, whose user ids start with {expected}: no caller can match both",
                            describe_user_id_prefix(prefix).unwrap_or(prefix),
                            if expected == "AROA" { "a role" } else { "an IAM user" }
                        ),
                        Some(format!("start {name} with ^{expected}")),
                    );
                }
            }
        }
        let id_only = !text.contains([':', WILD]);
        if (assumed_role_arn || prefix == Some("AROA")) && closed && id_only && prefix == Some("AROA") {
            out.push(
                Severity::Error,
                "user-id-missing-session",
                Some(name),
                format!("{name} {value:?} is a role's id alone, but a role session's user id is ROLEID:SESSION: this rule never matches"),
                Some(format!("{} ^{}:.*$", Field::UserId.name(dialect, true), quote_meta(text.trim_end_matches(WILD)))),
            );
        }
        if closed {
            if let Some((_, session)) = text.split_once(':') {
                if !session.contains(WILD) && SessionKind::of(session).is_ephemeral() {
                    let id = text.split(':').next().unwrap_or_default();
                    let fix = format!("{} ^{}:.*$", Field::UserId.name(dialect, true), quote_meta(id));
                    out.ephemeral_session(name, session, fix);
                }
            }
        }
    }
}

fn lint_claim(rule: &ClaimMatchRule, out: &mut Out) {
    let d = Dialect::Chainctl;
    let issuer = lint_pair(Field::Issuer, d, &rule.issuer, true, out);
    let subject = lint_pair(Field::Subject, d, &rule.subject, true, out);
    let audience = lint_pair(Field::Audience, d, &rule.audience, false, out);
    for (field, set) in [(Field::Issuer, issuer), (Field::Subject, subject), (Field::Audience, audience)] {
        let Some((pattern, true)) = set else { continue };
        let name = field.name(d, true);
        let Some(sk) = Skeleton::of(pattern) else { continue };
        if compile(pattern).map(|re| matches_anything(&re)).unwrap_or(false) {
            let severity = if field == Field::Issuer { Severity::Error } else { Severity::Warning };
            out.push(
                severity,
                "match-anything",
                Some(name),
                format!(
                    "{name} {pattern:?} matches every value{}",
                    if field == Field::Issuer { ": tokens from any issuer at all would be accepted" } else { "" }
                ),
                Some(format!("use {} with the exact value", field.name(d, false))),
            );
        } else {
            lint_unanchored(name, pattern, &sk, out, "");
        }
    }
    for (key, pattern) in &rule.claim_patterns {
        if let Err(e) = compile(pattern) {
            out.push(
                Severity::Error,
                "invalid-pattern",
                Some(&format!("claim_patterns.{key}")),
                format!("claim_patterns.{key} {pattern:?} does not compile: {}", e),
                None,
            );
        }
    }
    // AWS outbound identity federation tokens carry the role ARN as `sub`.
    if let Some((value, is_pattern)) = subject {
        let text = if is_pattern {
            Skeleton::of(value).and_then(|sk| sk.arn_text().map(str::to_string))
        } else {
            Some(value.to_string())
        };
        if let Some(want) = text.as_deref().and_then(Arn::parse) {
            if let Principal::AssumedRole { role, .. } = want.principal() {
                let acct = if want.account.contains(WILD) { "ACCOUNT" } else { want.account };
                out.push(
                    Severity::Error,
                    "assumed-role-subject",
                    Some(Field::Subject.name(d, is_pattern)),
                    "the subject names an assumed-role session, but a token from AWS outbound identity federation carries the role's ARN (arn:aws:iam::ACCOUNT:role/NAME) as sub".into(),
                    Some(format!("subject arn:{}:iam::{acct}:role/{}", want.partition.replace(WILD, "aws"), role.replace(WILD, "ROLE"))),
                );
            }
        }
    }
}

/// Every string the rule holds, with the name of its field.
fn string_fields(rule: &Rule, dialect: Dialect) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut pair = |field: Field, r: &FieldRule| {
        for (value, pattern) in [(&r.exact, false), (&r.pattern, true)] {
            if let Some(v) = value {
                out.push((field.name(dialect, pattern).to_string(), v.clone()));
            }
        }
    };
    match rule {
        Rule::AwsIdentity(r) => {
            pair(Field::AwsAccount, &FieldRule { exact: r.aws_account.clone(), pattern: None });
            pair(Field::Arn, &r.arn);
            pair(Field::UserId, &r.user_id);
        }
        Rule::ClaimMatch(r) => {
            pair(Field::Issuer, &r.issuer);
            pair(Field::Subject, &r.subject);
            pair(Field::Audience, &r.audience);
        }
    }
    out
}

/// The known field name closest to a misspelt one (edit distance at most 3).
fn closest_known(key: &str, rule: &Rule) -> Option<&'static str> {
    const AWS: [&str; 13] = [
        "aws_account",
        "awsAccount",
        "arn",
        "arn_pattern",
        "arnPattern",
        "user_id",
        "userId",
        "user_id_pattern",
        "userIdPattern",
        "aws_arn",
        "aws_arn_pattern",
        "aws_user_id",
        "aws_user_id_pattern",
    ];
    const CLAIM: [&str; 11] = [
        "issuer",
        "issuer_pattern",
        "issuerPattern",
        "subject",
        "subject_pattern",
        "subjectPattern",
        "audience",
        "audience_pattern",
        "audiencePattern",
        "claims",
        "claim_patterns",
    ];
    let names: &[&'static str] = match rule {
        Rule::AwsIdentity(_) => &AWS,
        Rule::ClaimMatch(_) => &CLAIM,
    };
    names.iter().map(|n| (edit_distance(key, n), *n)).filter(|(d, _)| *d <= 3).min_by_key(|(d, _)| *d).map(|(_, n)| n)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// The fix for an `iam-role-arn` finding given a caller: the pattern `spec` would write.
pub fn suggested_arn_pattern(caller_arn: &str) -> Option<String> {
    arn_pattern_for(caller_arn)
}
