//! Identity rules: which AWS callers (or OIDC tokens) may assume a Chainguard
//! identity (PROTOCOL.md §3 check 9, §4, §7).
//!
//! - [`parse`] reads a rule from chainctl's `id.json` (both protobuf-JSON
//!   spellings), from Terraform's `aws_identity` / `claim_match` field names given
//!   as JSON (bare, wrapped, or a whole `*.tf.json` resource).
//! - [`AwsIdentityRule::check`] matches a caller `{Account, Arn, UserId}` the way
//!   the issuer does and says, field by field, why it fails.
//! - [`lint`] finds the mistakes that make exchanges fail with a bare
//!   "permission denied" (or let in more callers than meant).
//! - [`spec`] writes a correct rule for a caller.
//!
//! Patterns are RE2 syntax, *searched*, not anchored (Go's `regexp.MatchString`):
//! `assumed-role/x` matches anywhere in the ARN unless written `^...$`. They are
//! compiled with the `regex` crate, whose syntax is RE2's for everything an ARN
//! rule uses. Perl classes (`\d`, `\w`, `\s`) are Unicode-aware there and ASCII in
//! Go; the two agree on every ARN, account and user id, which are ASCII.

pub mod arn;
mod explain;
pub mod lint;
mod matching;
mod parse;
mod pattern;
pub mod spec;

pub use lint::{lint, lint_json, Finding, Severity};
pub use matching::{outbound_subject, AwsCaller, ClaimsCaller, FieldVerdict, Verdict};
pub use parse::{parse, RuleParseError};
pub use pattern::{compile, quote_meta, PatternError};
pub use spec::{spec, SessionMode, Spec, SpecError, SpecFormat, SpecOptions};

/// One condition: an exact value or an RE2 pattern. Read leniently, so that a
/// rule with both or neither can still be linted; matching refuses such a field,
/// as the issuer refuses such a rule.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct FieldRule {
    pub exact: Option<String>,
    pub pattern: Option<String>,
}

impl FieldRule {
    pub fn exact(value: impl Into<String>) -> Self {
        FieldRule { exact: Some(value.into()), pattern: None }
    }

    pub fn pattern(pattern: impl Into<String>) -> Self {
        FieldRule { exact: None, pattern: Some(pattern.into()) }
    }

    pub fn is_unset(&self) -> bool {
        self.exact.is_none() && self.pattern.is_none()
    }
}

/// An `awsIdentity` rule (Terraform: `aws_identity`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct AwsIdentityRule {
    /// 12 digits, compared exactly with the caller's `Account`.
    pub aws_account: Option<String>,
    pub arn: FieldRule,
    pub user_id: FieldRule,
}

/// A `claimMatch` rule (Terraform: `claim_match`), for OIDC tokens such as the
/// ones AWS outbound identity federation mints (PROTOCOL.md §7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct ClaimMatchRule {
    pub issuer: FieldRule,
    pub subject: FieldRule,
    /// Optional: when unset, the issuer applies its own default audience.
    pub audience: FieldRule,
    /// Other claims, exact (`claims`) or by pattern (`claim_patterns`).
    pub claims: Vec<(String, String)>,
    pub claim_patterns: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case", tag = "kind"))]
pub enum Rule {
    AwsIdentity(AwsIdentityRule),
    ClaimMatch(ClaimMatchRule),
}

/// Which field names the document used; messages name fields the same way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Dialect {
    /// chainctl's protobuf JSON (`arn_pattern` or `arnPattern`).
    Chainctl,
    /// Terraform's `aws_identity` block (`aws_arn_pattern`).
    Terraform,
}

/// A parsed rule document.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct RuleDoc {
    /// The identity's `name`, when the document has one.
    pub name: Option<String>,
    pub rule: Rule,
    pub dialect: Dialect,
    /// Keys inside the rule object that neither chainctl nor Terraform know
    /// (dotted paths, e.g. `awsIdentity.arn_patern`).
    pub unknown_fields: Vec<String>,
    /// Both chainctl-only and Terraform-only field names were used.
    pub mixed_dialects: bool,
}

/// The three fields of an AWS rule and the ones of a claim rule, for messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Field {
    AwsAccount,
    Arn,
    UserId,
    Issuer,
    Subject,
    Audience,
    Claim,
}

impl Field {
    /// The field's name as `dialect` writes it, for the exact or the pattern form.
    pub fn name(self, dialect: Dialect, pattern: bool) -> &'static str {
        use Field::*;
        match (self, dialect, pattern) {
            (AwsAccount, _, _) => "aws_account",
            (Arn, Dialect::Chainctl, false) => "arn",
            (Arn, Dialect::Chainctl, true) => "arn_pattern",
            (Arn, Dialect::Terraform, false) => "aws_arn",
            (Arn, Dialect::Terraform, true) => "aws_arn_pattern",
            (UserId, Dialect::Chainctl, false) => "user_id",
            (UserId, Dialect::Chainctl, true) => "user_id_pattern",
            (UserId, Dialect::Terraform, false) => "aws_user_id",
            (UserId, Dialect::Terraform, true) => "aws_user_id_pattern",
            (Issuer, _, false) => "issuer",
            (Issuer, _, true) => "issuer_pattern",
            (Subject, _, false) => "subject",
            (Subject, _, true) => "subject_pattern",
            (Audience, _, false) => "audience",
            (Audience, _, true) => "audience_pattern",
            (Claim, _, false) => "claims",
            (Claim, _, true) => "claim_patterns",
        }
    }

    /// `arn or arn_pattern`, for messages about a field as a whole.
    pub fn both_names(self, dialect: Dialect) -> String {
        if self == Field::AwsAccount {
            return "aws_account".into();
        }
        format!("{} or {}", self.name(dialect, false), self.name(dialect, true))
    }
}

/// Whether `s` is an AWS account id: exactly 12 ASCII digits.
pub fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}
