//! Reading rule documents: chainctl's protobuf JSON (`awsIdentity` / `aws_identity`,
//! `arnPattern` / `arn_pattern`, ...), Terraform's field names as JSON (bare
//! `aws_identity` fields, `{"aws_identity": {...}}`, or a `*.tf.json` resource),
//! and `claimMatch` / `claim_match` rules.

use super::{AwsIdentityRule, ClaimMatchRule, Dialect, FieldRule, Rule, RuleDoc};
use crate::json::{self, Object as Map, Value};
use core::fmt;

/// Why a document is not a rule at all (a rule that is merely wrong parses, and
/// `lint` says what is wrong with it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleParseError {
    InvalidJson(String),
    /// No `awsIdentity`, `claimMatch`, or rule fields anywhere.
    NoRule,
    /// Both an AWS rule and a claim rule (chainctl takes one).
    MultipleRules,
    /// The same field under two spellings (protobuf JSON rejects this).
    DuplicateField {
        first: String,
        second: String,
    },
    /// A field holds a number, object, ... where a string belongs.
    WrongType {
        field: String,
        expected: &'static str,
    },
}

impl RuleParseError {
    pub fn code(&self) -> &'static str {
        match self {
            RuleParseError::InvalidJson(_) => "invalid-json",
            RuleParseError::NoRule => "no-rule",
            RuleParseError::MultipleRules => "multiple-rules",
            RuleParseError::DuplicateField { .. } => "duplicate-field",
            RuleParseError::WrongType { .. } => "wrong-type",
        }
    }

    pub fn fix(&self) -> Option<String> {
        match self {
            RuleParseError::NoRule => Some(
                r#"write {"name": "...", "awsIdentity": {"aws_account": "...", "arnPattern": "...", "userIdPattern": "..."}} (`cgaws spec` writes one for the current caller)"#
                    .into(),
            ),
            RuleParseError::MultipleRules => Some("keep one of them; make a second identity for the other".into()),
            RuleParseError::DuplicateField { second, .. } => Some(format!("remove {second}")),
            RuleParseError::WrongType { field, expected } if field.ends_with("account") => {
                Some(format!("write {field} as a {expected} in quotes, e.g. \"012345678901\" (a number loses leading zeros)"))
            }
            RuleParseError::WrongType { field, expected } => Some(format!("make {field} a {expected}")),
            RuleParseError::InvalidJson(_) => None,
        }
    }
}

impl fmt::Display for RuleParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleParseError::InvalidJson(why) => write!(f, "not valid JSON: {why}"),
            RuleParseError::NoRule => {
                f.write_str("no rule found: expected awsIdentity (aws_identity) or claimMatch (claim_match)")
            }
            RuleParseError::MultipleRules => f.write_str("both an AWS identity rule and a claim-match rule are given"),
            RuleParseError::DuplicateField { first, second } => {
                write!(f, "field {first} is given twice (also as {second})")
            }
            RuleParseError::WrongType { field, expected } => write!(f, "field {field} must be a {expected}"),
        }
    }
}

impl std::error::Error for RuleParseError {}

/// Keys of an identity document beside its rule (chainctl's and Terraform's).
const TOP_LEVEL: [&str; 5] = ["name", "description", "id", "parent_id", "parentId"];

const AWS_WRAPPERS: [&str; 2] = ["awsIdentity", "aws_identity"];
const CLAIM_WRAPPERS: [&str; 2] = ["claimMatch", "claim_match"];

/// A field and the names it goes by: (name, dialect it belongs to, None when both use it).
struct Spelling {
    names: &'static [(&'static str, Option<Dialect>)],
}

const ACCOUNT: Spelling = Spelling { names: &[("aws_account", None), ("awsAccount", Some(Dialect::Chainctl))] };
const ARN: Spelling = Spelling { names: &[("arn", Some(Dialect::Chainctl)), ("aws_arn", Some(Dialect::Terraform))] };
const ARN_PATTERN: Spelling = Spelling {
    names: &[
        ("arn_pattern", Some(Dialect::Chainctl)),
        ("arnPattern", Some(Dialect::Chainctl)),
        ("aws_arn_pattern", Some(Dialect::Terraform)),
    ],
};
const USER_ID: Spelling = Spelling {
    names: &[
        ("user_id", Some(Dialect::Chainctl)),
        ("userId", Some(Dialect::Chainctl)),
        ("aws_user_id", Some(Dialect::Terraform)),
    ],
};
const USER_ID_PATTERN: Spelling = Spelling {
    names: &[
        ("user_id_pattern", Some(Dialect::Chainctl)),
        ("userIdPattern", Some(Dialect::Chainctl)),
        ("aws_user_id_pattern", Some(Dialect::Terraform)),
    ],
};
const AWS_FIELDS: [&Spelling; 5] = [&ACCOUNT, &ARN, &ARN_PATTERN, &USER_ID, &USER_ID_PATTERN];

const ISSUER: Spelling = Spelling { names: &[("issuer", None)] };
const ISSUER_PATTERN: Spelling = Spelling { names: &[("issuer_pattern", None), ("issuerPattern", None)] };
const SUBJECT: Spelling = Spelling { names: &[("subject", None)] };
const SUBJECT_PATTERN: Spelling = Spelling { names: &[("subject_pattern", None), ("subjectPattern", None)] };
const AUDIENCE: Spelling = Spelling { names: &[("audience", None)] };
const AUDIENCE_PATTERN: Spelling = Spelling { names: &[("audience_pattern", None), ("audiencePattern", None)] };
const CLAIMS: Spelling = Spelling { names: &[("claims", None)] };
const CLAIM_PATTERNS: Spelling = Spelling { names: &[("claim_patterns", None), ("claimPatterns", None)] };
const CLAIM_FIELDS: [&Spelling; 8] =
    [&ISSUER, &ISSUER_PATTERN, &SUBJECT, &SUBJECT_PATTERN, &AUDIENCE, &AUDIENCE_PATTERN, &CLAIMS, &CLAIM_PATTERNS];

/// Parses a rule document (see the module docs for the shapes accepted).
pub fn parse(json: &str) -> Result<RuleDoc, RuleParseError> {
    let value = json::parse_str(json).map_err(|e| RuleParseError::InvalidJson(e.to_string()))?;
    let top = value.as_object().ok_or(RuleParseError::InvalidJson("the document is not a JSON object".into()))?;
    let (doc, prefix) = match terraform_resource(top) {
        Some(found) => found?,
        None => (top, String::new()),
    };
    no_repeated_keys(doc, &prefix)?;
    let name = match doc.get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(wrong_type(&prefix, "name", "string")),
        None => None,
    };

    let aws = wrapped(doc, &AWS_WRAPPERS, &prefix)?;
    let claim = wrapped(doc, &CLAIM_WRAPPERS, &prefix)?;
    let bare_aws = AWS_FIELDS.iter().any(|s| s.names.iter().any(|(n, _)| doc.contains_key(n)));
    let bare_claim = CLAIM_FIELDS.iter().any(|s| s.names.iter().any(|(n, _)| doc.contains_key(n)));
    let mut unknown_fields = Vec::new();
    let (rule, dialect, mixed) = match (aws, claim) {
        (Some(_), Some(_)) => return Err(RuleParseError::MultipleRules),
        (Some((obj, path, _)), None) => {
            let (rule, dialect, mixed) = parse_aws(obj, &path, &mut unknown_fields)?;
            (Rule::AwsIdentity(rule), dialect, mixed)
        }
        (None, Some((obj, path, tf))) => {
            let rule = parse_claim(obj, &path, &mut unknown_fields)?;
            (Rule::ClaimMatch(rule), if tf { Dialect::Terraform } else { Dialect::Chainctl }, false)
        }
        (None, None) if bare_aws && bare_claim => return Err(RuleParseError::MultipleRules),
        (None, None) if bare_aws => {
            let (rule, dialect, mixed) = parse_aws(doc, &prefix, &mut unknown_fields)?;
            unknown_fields.retain(|k| !TOP_LEVEL.iter().any(|t| k.strip_prefix(prefix.as_str()) == Some(*t)));
            (Rule::AwsIdentity(rule), dialect, mixed)
        }
        (None, None) if bare_claim => {
            let rule = parse_claim(doc, &prefix, &mut unknown_fields)?;
            unknown_fields.retain(|k| !TOP_LEVEL.iter().any(|t| k.strip_prefix(prefix.as_str()) == Some(*t)));
            (Rule::ClaimMatch(rule), Dialect::Chainctl, false)
        }
        (None, None) => return Err(RuleParseError::NoRule),
    };
    Ok(RuleDoc { name, rule, dialect, unknown_fields, mixed_dialects: mixed })
}

/// `{"resource": {"chainguard_identity": {"NAME": {...}}}}` (Terraform's JSON syntax):
/// the first `chainguard_identity` resource.
fn terraform_resource(top: &Map) -> Option<Result<Block<'_>, RuleParseError>> {
    let resources = top.get("resource")?.as_object()?;
    let identities = resources.get("chainguard_identity")?;
    let identities = match identities {
        Value::Array(items) => items.first()?.as_object()?,
        Value::Object(o) => o,
        _ => return None,
    };
    let (label, body) = identities.iter().next()?;
    let path = format!("resource.chainguard_identity.{label}.");
    Some(one_block(body, &path))
}

/// An object and its dotted path prefix.
type Block<'a> = (&'a Map, String);

/// Terraform JSON writes a block either as an object or as a list of one object.
fn one_block<'a>(value: &'a Value, path: &str) -> Result<Block<'a>, RuleParseError> {
    let field = path.trim_end_matches('.');
    match value {
        Value::Object(o) => Ok((o, path.to_string())),
        Value::Array(items) => match items.as_slice() {
            [Value::Object(o)] => Ok((o, path.to_string())),
            _ => Err(RuleParseError::WrongType { field: field.to_string(), expected: "object" }),
        },
        _ => Err(RuleParseError::WrongType { field: field.to_string(), expected: "object" }),
    }
    .and_then(|(o, path)| no_repeated_keys(o, &path).map(|()| (o, path)))
}

/// Refuses a key given twice in one object, as protobuf JSON (chainctl) and
/// Terraform do; a JSON reader would silently keep one of the two.
fn no_repeated_keys(obj: &Map, path: &str) -> Result<(), RuleParseError> {
    match obj.repeated_key() {
        Some(key) => {
            let field = format!("{path}{key}");
            Err(RuleParseError::DuplicateField { first: field.clone(), second: field })
        }
        None => Ok(()),
    }
}

type Wrapped<'a> = Option<(&'a Map, String, bool)>;

/// The rule object under one of `names`, its path, and whether it was written
/// Terraform-style (snake wrapper, e.g. `aws_identity`).
fn wrapped<'a>(doc: &'a Map, names: &[&str; 2], prefix: &str) -> Result<Wrapped<'a>, RuleParseError> {
    match (doc.get(names[0]), doc.get(names[1])) {
        (Some(_), Some(_)) => Err(RuleParseError::DuplicateField {
            first: format!("{prefix}{}", names[0]),
            second: format!("{prefix}{}", names[1]),
        }),
        (Some(v), None) => one_block(v, &format!("{prefix}{}.", names[0])).map(|(o, p)| Some((o, p, false))),
        (None, Some(v)) => one_block(v, &format!("{prefix}{}.", names[1])).map(|(o, p)| Some((o, p, true))),
        (None, None) => Ok(None),
    }
}

fn wrong_type(prefix: &str, field: &str, expected: &'static str) -> RuleParseError {
    RuleParseError::WrongType { field: format!("{prefix}{field}"), expected }
}

/// A field's value, the dialect its spelling shows, and the spelling.
type Found = (String, Option<Dialect>, &'static str);

/// The value of one field under whichever spelling is present, and the dialect that spelling shows.
fn string_field(obj: &Map, spelling: &Spelling, path: &str) -> Result<Option<Found>, RuleParseError> {
    let mut found: Option<Found> = None;
    for (name, dialect) in spelling.names {
        if let Some(v) = obj.get(name) {
            if let Some((_, _, first)) = &found {
                return Err(RuleParseError::DuplicateField {
                    first: format!("{path}{first}"),
                    second: format!("{path}{name}"),
                });
            }
            let s = v.as_str().ok_or_else(|| wrong_type(path, name, "string"))?;
            found = Some((s.to_string(), *dialect, name));
        }
    }
    Ok(found)
}

fn known(spellings: &[&Spelling], key: &str) -> bool {
    spellings.iter().any(|s| s.names.iter().any(|(n, _)| *n == key))
}

fn parse_aws(
    obj: &Map,
    path: &str,
    unknown: &mut Vec<String>,
) -> Result<(AwsIdentityRule, Dialect, bool), RuleParseError> {
    let mut dialects = Vec::new();
    let mut take = |spelling: &Spelling| -> Result<Option<String>, RuleParseError> {
        Ok(string_field(obj, spelling, path)?.map(|(v, d, _)| {
            dialects.extend(d);
            v
        }))
    };
    let rule = AwsIdentityRule {
        aws_account: take(&ACCOUNT)?,
        arn: FieldRule { exact: take(&ARN)?, pattern: take(&ARN_PATTERN)? },
        user_id: FieldRule { exact: take(&USER_ID)?, pattern: take(&USER_ID_PATTERN)? },
    };
    unknown.extend(obj.iter().map(|(k, _)| k).filter(|k| !known(&AWS_FIELDS, k)).map(|k| format!("{path}{k}")));
    let tf = dialects.contains(&Dialect::Terraform);
    let chainctl = dialects.contains(&Dialect::Chainctl);
    let dialect = if tf && !chainctl { Dialect::Terraform } else { Dialect::Chainctl };
    Ok((rule, dialect, tf && chainctl))
}

fn parse_claim(obj: &Map, path: &str, unknown: &mut Vec<String>) -> Result<ClaimMatchRule, RuleParseError> {
    let take = |spelling: &Spelling| string_field(obj, spelling, path).map(|f| f.map(|(v, _, _)| v));
    let map = |spelling: &Spelling| -> Result<Vec<(String, String)>, RuleParseError> {
        let mut found: Option<(&str, &Value)> = None;
        for (name, _) in spelling.names {
            if let Some(v) = obj.get(name) {
                if let Some((first, _)) = found {
                    return Err(RuleParseError::DuplicateField {
                        first: format!("{path}{first}"),
                        second: format!("{path}{name}"),
                    });
                }
                found = Some((name, v));
            }
        }
        let Some((name, value)) = found else { return Ok(Vec::new()) };
        let entries = value.as_object().ok_or_else(|| wrong_type(path, name, "object of strings"))?;
        no_repeated_keys(entries, &format!("{path}{name}."))?;
        entries
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|s| (k.to_string(), s.to_string()))
                    .ok_or_else(|| wrong_type(path, name, "object of strings"))
            })
            .collect()
    };
    let rule = ClaimMatchRule {
        issuer: FieldRule { exact: take(&ISSUER)?, pattern: take(&ISSUER_PATTERN)? },
        subject: FieldRule { exact: take(&SUBJECT)?, pattern: take(&SUBJECT_PATTERN)? },
        audience: FieldRule { exact: take(&AUDIENCE)?, pattern: take(&AUDIENCE_PATTERN)? },
        claims: map(&CLAIMS)?,
        claim_patterns: map(&CLAIM_PATTERNS)?,
    };
    unknown.extend(obj.iter().map(|(k, _)| k).filter(|k| !known(&CLAIM_FIELDS, k)).map(|k| format!("{path}{k}")));
    Ok(rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        let a = parse(r#"{"awsIdentity":{"awsAccount":"123456789012","arnPattern":"^x$","userId":"AIDA1"}}"#).unwrap();
        let b =
            parse(r#"{"aws_identity":{"aws_account":"123456789012","arn_pattern":"^x$","user_id":"AIDA1"}}"#).unwrap();
        assert_eq!(a.rule, b.rule);
        assert_eq!(a.dialect, Dialect::Chainctl);
        let t = parse(r#"{"aws_account":"123456789012","aws_arn_pattern":"^x$","aws_user_id":"AIDA1"}"#).unwrap();
        assert_eq!(t.rule, a.rule);
        assert_eq!(t.dialect, Dialect::Terraform);
        assert!(matches!(
            parse(r#"{"awsIdentity":{"arn_pattern":"a","arnPattern":"b"}}"#),
            Err(RuleParseError::DuplicateField { .. })
        ));
        assert!(matches!(parse(r#"{"awsIdentity":{"aws_account":123}}"#), Err(RuleParseError::WrongType { .. })));
        assert_eq!(parse("{}"), Err(RuleParseError::NoRule));
        // A key given twice is refused (protobuf JSON and Terraform refuse it too).
        let twice = |first: &str, second: &str| {
            Err(RuleParseError::DuplicateField { first: first.into(), second: second.into() })
        };
        assert_eq!(
            parse(r#"{"awsIdentity":{"arnPattern":"a","arnPattern":"b"}}"#),
            twice("awsIdentity.arnPattern", "awsIdentity.arnPattern")
        );
        assert_eq!(parse(r#"{"name":"a","name":"b","awsIdentity":{}}"#), twice("name", "name"));
        assert_eq!(
            parse(r#"{"claimMatch":{"issuer":"i","claims":{"x":"1","x":"2"}}}"#),
            twice("claimMatch.claims.x", "claimMatch.claims.x")
        );
        assert_eq!(
            parse(
                r#"{"resource":{"chainguard_identity":{"n":{"aws_identity":[{"aws_account":"1","aws_account":"1"}]}}}}"#
            ),
            twice(
                "resource.chainguard_identity.n.aws_identity.aws_account",
                "resource.chainguard_identity.n.aws_identity.aws_account"
            )
        );
        // Unknown fields are listed in document order.
        let doc = parse(r#"{"awsIdentity":{"zz":1,"aws_account":"1","aa":2}}"#).unwrap();
        assert_eq!(doc.unknown_fields, ["awsIdentity.zz", "awsIdentity.aa"]);
        assert!(matches!(parse("[1]"), Err(RuleParseError::InvalidJson(_))));
    }
}
