//! Why a caller's ARN or user id fails a rule's field, in words, with a fix.

use super::arn::{describe_user_id_prefix, Arn, Principal, SessionKind};
use super::pattern::{quote_meta, Skeleton, WILD};
use super::FieldRule;

/// A reason and, when one can be given, a replacement value for the field.
pub(crate) type Explanation = (String, Option<String>);

/// The rule's ARN text (the exact value, or the pattern's literal skeleton) and
/// whether it ends where the ARN must end.
fn rule_arn_text(rule: &FieldRule) -> Option<(String, bool)> {
    if let Some(exact) = &rule.exact {
        return Some((exact.clone(), true));
    }
    let sk = Skeleton::of(rule.pattern.as_deref()?)?;
    Some((sk.arn_text()?.to_string(), sk.anchored_end))
}

fn literal(s: &str) -> bool {
    !s.contains(WILD)
}

/// The arn_pattern that accepts any session of the caller's role (or the caller
/// itself, for other principals).
pub(crate) fn arn_pattern_for(caller_arn: &str) -> Option<String> {
    let arn = Arn::parse(caller_arn)?;
    let head = format!(
        "^arn:{}:{}:{}:{}:",
        quote_meta(arn.partition),
        quote_meta(arn.service),
        quote_meta(arn.region),
        quote_meta(arn.account)
    );
    Some(match arn.principal() {
        Principal::AssumedRole { role, .. } => format!("{head}assumed-role/{}/.*$", quote_meta(role)),
        _ => format!("^{}$", quote_meta(caller_arn)),
    })
}

/// The user_id_pattern that accepts any session of the caller's role, or its exact id.
pub(crate) fn user_id_pattern_for(user_id: &str) -> String {
    match user_id.split_once(':') {
        Some((id, _)) => format!("^{}:.*$", quote_meta(id)),
        None => format!("^{}$", quote_meta(user_id)),
    }
}

fn what(rule: &FieldRule, names: (&str, &str)) -> String {
    match (&rule.exact, &rule.pattern) {
        (Some(e), _) => format!("{} {e}", names.0),
        (None, Some(p)) => format!("{} {p}", names.1),
        _ => String::new(),
    }
}

pub(crate) fn arn_mismatch(rule: &FieldRule, actual: &str, names: (&str, &str)) -> Explanation {
    let shown = what(rule, names);
    let fix = arn_pattern_for(actual).map(|p| format!("use {} {p}", names.1));
    let generic = |fix: Option<String>| -> Explanation {
        let reason = match &rule.exact {
            Some(exact) => {
                let at = exact.chars().zip(actual.chars()).take_while(|(a, b)| a == b).count();
                format!("{shown} is not the caller's ARN {actual} (they differ from character {})", at + 1)
            }
            None => format!("{shown} does not match the caller's ARN {actual}"),
        };
        (reason, fix)
    };
    let (Some(caller), Some((text, closed))) = (Arn::parse(actual), rule_arn_text(rule)) else {
        return generic(fix);
    };
    let Some(want) = Arn::parse(&text) else { return generic(fix) };

    if literal(want.partition) && want.partition != caller.partition {
        return (
            format!(
                "{shown} is in partition {:?}, but the caller's ARN {actual} is in {:?}",
                want.partition, caller.partition
            ),
            fix,
        );
    }
    if literal(want.account) && want.account != caller.account {
        return (
            format!("{shown} names account {}, but the caller is in account {}", want.account, caller.account),
            fix,
        );
    }
    match (caller.principal(), want.principal()) {
        (Principal::AssumedRole { role, .. }, Principal::Role { path, name }) => {
            let mut reason = format!(
                "{shown} names the IAM role, but STS reports the assumed-role session {actual}: a role's callers are never the role itself"
            );
            if !path.is_empty() {
                reason.push_str(&format!(" (and the assumed-role ARN drops the role's path {path:?})"));
            }
            if literal(name) && name != role {
                reason.push_str(&format!("; the rule's role is {name:?}, the caller's is {role:?}"));
            }
            (reason, fix)
        }
        (
            Principal::AssumedRole { role, session },
            Principal::AssumedRole { role: want_role, session: want_session },
        ) => {
            if literal(want_role) && want_role != role {
                let case = if want_role.eq_ignore_ascii_case(role) {
                    " (they differ only in case, and matching is case-sensitive)"
                } else {
                    ""
                };
                return (format!("{shown} names role {want_role:?}, but the caller's role is {role:?}{case}"), fix);
            }
            if closed && literal(want_session) && want_session != session {
                let kind = SessionKind::of(session);
                return (
                    format!(
                        "{shown} accepts only session {want_session:?}, but the caller's session is {session:?} ({}); sessions change, so accept any",
                        kind.describe()
                    ),
                    fix,
                );
            }
            generic(fix)
        }
        (Principal::AssumedRole { .. }, Principal::Other)
            if want.resource.starts_with("assumed-role/")
                && !want.resource["assumed-role/".len()..].contains('/')
                && closed =>
        {
            (format!("{shown} ends after the role name, but an assumed-role ARN goes on with /SESSION: {actual}"), fix)
        }
        (caller_kind, want_kind)
            if std::mem::discriminant(&caller_kind) != std::mem::discriminant(&want_kind)
                && want_kind != Principal::Other =>
        {
            (
                format!(
                    "{shown} names {}, but the caller {actual} is {}",
                    want_kind.describe(),
                    caller_kind.describe()
                ),
                fix,
            )
        }
        _ => generic(fix),
    }
}

pub(crate) fn user_id_mismatch(rule: &FieldRule, actual: &str, names: (&str, &str)) -> Explanation {
    let shown = what(rule, names);
    let fix = Some(format!("use {} {}", names.1, user_id_pattern_for(actual)));
    let (actual_id, actual_session) = match actual.split_once(':') {
        Some((id, s)) => (id, Some(s)),
        None => (actual, None),
    };
    let (text, anchored_start, closed) = match (&rule.exact, &rule.pattern) {
        (Some(e), _) => (e.clone(), true, true),
        (None, Some(p)) => match Skeleton::of(p) {
            Some(sk) => (sk.text.clone(), sk.anchored_start, sk.anchored_end),
            None => return (format!("{shown} does not match the caller's user id {actual}"), fix),
        },
        _ => return (format!("the caller's user id is {actual}"), fix),
    };
    if anchored_start {
        if let (Some(want), Some(have)) = (text.get(..4).filter(|p| literal(p)), actual.get(..4)) {
            if want != have {
                if let Some(want_kind) = describe_user_id_prefix(want) {
                    let have_kind = describe_user_id_prefix(have).unwrap_or("something else");
                    return (
                        format!("{shown} expects {want_kind}, but the caller's user id {actual} is {have_kind}"),
                        fix,
                    );
                }
            }
        }
        let want_id = text.split([':', WILD]).next().unwrap_or_default();
        let id_is_whole = text.len() > want_id.len() || closed;
        if id_is_whole && want_id.len() >= 8 && want_id != actual_id && actual_id.starts_with(&want_id[..4]) {
            return (
                format!(
                    "{shown} names unique id {want_id}, but the caller's is {actual_id}: another role or user, or it was deleted and re-created under the same name (which gives a new id)"
                ),
                fix,
            );
        }
        if want_id == actual_id && closed && !text.contains([':', WILD]) {
            if let Some(session) = actual_session {
                return (
                    format!(
                        "{shown} is the role's id alone, but a role session's user id is ROLEID:SESSION: {actual} (session {session:?})"
                    ),
                    fix,
                );
            }
        }
        if let (Some(session), Some((_, want_session))) = (actual_session, text.split_once(':')) {
            if closed && literal(want_session) && want_session != session {
                return (
                    format!(
                        "{shown} accepts only session {want_session:?}, but the caller's session is {session:?} ({})",
                        SessionKind::of(session).describe()
                    ),
                    fix,
                );
            }
        }
    }
    (format!("{shown} does not match the caller's user id {actual}"), fix)
}
