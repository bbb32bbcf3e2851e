//! Writing a correct rule for a caller (from `whoami`): anchored, regex-escaped,
//! as chainctl's `id.json` or a Terraform `chainguard_identity` resource.

use super::arn::{Arn, Principal, SessionKind};
use super::explain::{arn_pattern_for, user_id_pattern_for};
use super::matching::AwsCaller;
use super::{is_account_id, AwsIdentityRule, FieldRule};
use core::fmt;

/// Which sessions of the caller's role the rule accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SessionMode {
    /// Any session of the role: survives replaced instances, tasks, pods and
    /// processes. The role's unique id is pinned, so a role deleted and re-created
    /// under the same name is not trusted without a new rule.
    #[default]
    Any,
    /// Only this session (e.g. one Lambda function, one chosen session name).
    Exact,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SpecFormat {
    /// `chainctl iam identities create NAME --filename id.json`.
    #[default]
    Chainctl,
    /// A `chainguard_identity` resource with an `aws_identity` block.
    Terraform,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpecOptions {
    /// The identity's name; by default the role's or user's name.
    pub name: Option<String>,
    pub session: SessionMode,
    pub format: SpecFormat,
}

/// A rule written for a caller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    pub name: String,
    pub rule: AwsIdentityRule,
    /// What the caller is, e.g. "an assumed-role session of role X (session: the EC2 instance id)".
    pub principal: String,
    /// Things to know before using the rule (session mode consequences, root, ...).
    pub notes: Vec<String>,
    /// The rule in the requested format, ready to save.
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    NotAnArn(String),
    InvalidAccount(String),
    /// The ARN's account is not the caller's `Account`.
    AccountMismatch {
        arn: String,
        account: String,
    },
    /// A principal no rule is written for (e.g. an IAM role ARN, which is never a caller).
    UnsupportedPrincipal(String),
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpecError::NotAnArn(a) => write!(f, "{a:?} is not an ARN"),
            SpecError::InvalidAccount(a) => write!(f, "account {a:?} is not a 12-digit AWS account id"),
            SpecError::AccountMismatch { arn, account } => {
                write!(f, "the ARN {arn} is not in the caller's account {account}")
            }
            SpecError::UnsupportedPrincipal(a) => write!(
                f,
                "cannot write a rule for {a}: GetCallerIdentity reports assumed-role sessions, IAM users, federated users and root"
            ),
        }
    }
}

impl std::error::Error for SpecError {}

pub fn spec(caller: &AwsCaller<'_>, options: &SpecOptions) -> Result<Spec, SpecError> {
    if !is_account_id(caller.account) {
        return Err(SpecError::InvalidAccount(caller.account.into()));
    }
    let arn = Arn::parse(caller.arn).ok_or_else(|| SpecError::NotAnArn(caller.arn.into()))?;
    if arn.account != caller.account {
        return Err(SpecError::AccountMismatch { arn: caller.arn.into(), account: caller.account.into() });
    }
    let exact_rule = || AwsIdentityRule {
        aws_account: Some(caller.account.into()),
        arn: FieldRule::exact(caller.arn),
        user_id: FieldRule::exact(caller.user_id),
    };
    let mut notes = Vec::new();
    let (default_name, principal, rule) = match arn.principal() {
        Principal::AssumedRole { role, session } => {
            let kind = SessionKind::of(session);
            let principal =
                format!("an assumed-role session of role {role} (session {session:?}: {})", kind.describe());
            let rule = match options.session {
                SessionMode::Any => {
                    notes.push(format!(
                        "accepts any session of role {role} in account {}; the user id pins the role's unique id, so a role re-created under the same name needs a new rule",
                        caller.account
                    ));
                    AwsIdentityRule {
                        aws_account: Some(caller.account.into()),
                        arn: FieldRule::pattern(arn_pattern_for(caller.arn).unwrap_or_default()),
                        user_id: FieldRule::pattern(user_id_pattern_for(caller.user_id)),
                    }
                }
                SessionMode::Exact => {
                    if kind.is_ephemeral() {
                        notes.push(format!(
                            "--session exact pins session {session:?}, which is {}: the rule stops matching when it changes; --session any is the usual choice",
                            kind.describe()
                        ));
                    } else {
                        notes.push(format!("accepts only session {session:?} of role {role}"));
                    }
                    exact_rule()
                }
            };
            (role, principal, rule)
        }
        Principal::User { name, .. } => {
            if options.session == SessionMode::Exact {
                notes.push("an IAM user has no sessions: --session makes no difference".into());
            }
            (name, format!("IAM user {name}"), exact_rule())
        }
        Principal::FederatedUser { name } => (name, format!("federated user {name}"), exact_rule()),
        Principal::Root => {
            notes.push("these are the account's root credentials: do not use them for workloads; use a role".into());
            ("root", "the account root user".into(), exact_rule())
        }
        Principal::Role { .. } | Principal::Other => return Err(SpecError::UnsupportedPrincipal(caller.arn.into())),
    };
    let name = options.name.clone().unwrap_or_else(|| default_name.to_string());
    let text = render(&rule, &name, options.format);
    Ok(Spec { name, rule, principal, notes, text })
}

/// The rule as `id.json` (protobuf JSON, camelCase) or as a Terraform resource.
pub fn render(rule: &AwsIdentityRule, name: &str, format: SpecFormat) -> String {
    let pairs: Vec<(&str, &str, &str)> = [
        ("awsAccount", "aws_account", rule.aws_account.as_deref()),
        ("arn", "aws_arn", rule.arn.exact.as_deref()),
        ("arnPattern", "aws_arn_pattern", rule.arn.pattern.as_deref()),
        ("userId", "aws_user_id", rule.user_id.exact.as_deref()),
        ("userIdPattern", "aws_user_id_pattern", rule.user_id.pattern.as_deref()),
    ]
    .into_iter()
    .filter_map(|(c, t, v)| v.map(|v| (c, t, v)))
    .collect();
    match format {
        SpecFormat::Chainctl => {
            let q = crate::json::quote;
            let fields: Vec<String> = pairs.iter().map(|(c, _, v)| format!("    {}: {}", q(c), q(v))).collect();
            format!("{{\n  \"name\": {},\n  \"awsIdentity\": {{\n{}\n  }}\n}}\n", q(name), fields.join(",\n"))
        }
        SpecFormat::Terraform => {
            let width = pairs.iter().map(|(_, t, _)| t.len()).max().unwrap_or(0);
            let fields: Vec<String> =
                pairs.iter().map(|(_, t, v)| format!("    {t:<width$} = {}", hcl_string(v))).collect();
            format!(
                "resource \"chainguard_identity\" {} {{\n  parent_id = var.parent_id # the Chainguard group the identity belongs to\n  name      = {}\n\n  aws_identity {{\n{}\n  }}\n}}\n",
                hcl_string(&hcl_label(name)),
                hcl_string(name),
                fields.join("\n")
            )
        }
    }
}

/// A quoted HCL string: `\` and `"` escaped, and `${` / `%{` doubled so that
/// Terraform does not read them as templates.
pub fn hcl_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '$' | '%' if chars.peek() == Some(&'{') => {
                out.push(c);
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A Terraform resource label: letters, digits, `_` and `-`, not starting with a digit.
fn hcl_label(name: &str) -> String {
    let mut label: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    if !label.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        label.insert(0, '_');
    }
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hcl_escapes() {
        assert_eq!(hcl_string(r"^a\.b${x}%{y}$"), r#""^a\\.b$${x}%%{y}$""#);
        assert_eq!(hcl_label("9 lives"), "_9_lives");
    }
}
