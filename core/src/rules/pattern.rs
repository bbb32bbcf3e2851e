//! Compiling rule patterns, quoting literals into them, and reading a pattern's
//! literal "skeleton" so lint and explanations can reason about the ARN it names.

use regex::{Regex, RegexBuilder};
use regex_syntax::hir::{Class, Hir, HirKind, Look};

/// Compiled-size limit: rules are short; this keeps hostile patterns cheap.
const SIZE_LIMIT: usize = 1 << 20;

/// A pattern that does not compile (here, or in RE2 as the issuer runs it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError(pub String);

impl core::fmt::Display for PatternError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for PatternError {}

/// Compiles an RE2-syntax pattern for searching (unanchored, like Go's
/// `regexp.MatchString`). Also refuses what the `regex` crate accepts but RE2
/// does not: nested repetition operators (`a**`, `a+*`) and counts over 1000.
pub fn compile(pattern: &str) -> Result<Regex, PatternError> {
    re2_only(pattern)?;
    RegexBuilder::new(pattern)
        .size_limit(SIZE_LIMIT)
        .dfa_size_limit(SIZE_LIMIT)
        .build()
        .map_err(|e| PatternError(e.to_string().split_whitespace().collect::<Vec<_>>().join(" ")))
}

/// RE2's own refusals that the `regex` crate does not share.
fn re2_only(pattern: &str) -> Result<(), PatternError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    let mut class_depth = 0usize;
    // Whether the previous item was a repetition operator, and whether it already took its `?`.
    let (mut after_rep, mut lazy) = (false, false);
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            i += 2;
            after_rep = false;
            continue;
        }
        if class_depth > 0 {
            match c {
                '[' if chars.get(i + 1) == Some(&':') => {
                    // [:alpha:]
                    if let Some(end) = chars[i + 2..].iter().position(|&c| c == ']') {
                        i += end + 3;
                        continue;
                    }
                }
                ']' => class_depth -= 1,
                _ => {}
            }
            i += 1;
            continue;
        }
        match c {
            '[' => {
                class_depth = 1;
                i += 1;
                // A leading `]` (or `^]`) is a literal.
                if chars.get(i) == Some(&'^') {
                    i += 1;
                }
                if chars.get(i) == Some(&']') {
                    i += 1;
                }
                after_rep = false;
                continue;
            }
            '*' | '+' | '?' => {
                if after_rep && (c != '?' || lazy) {
                    let op: String = chars[i.saturating_sub(2)..=i].iter().collect();
                    return Err(PatternError(format!("invalid nested repetition operator {op:?} (RE2 refuses it)")));
                }
                lazy = after_rep && c == '?';
                after_rep = true;
            }
            '{' => {
                let close = chars[i..].iter().position(|&c| c == '}').map(|p| i + p);
                let body: Option<String> = close.map(|e| chars[i + 1..e].iter().collect());
                let counted = body.as_deref().is_some_and(|b| {
                    !b.is_empty()
                        && b.split(',').count() <= 2
                        && b.chars().all(|c| c.is_ascii_digit() || c == ',')
                        && !b.starts_with(',')
                });
                if let (true, Some(end), Some(b)) = (counted, close, body) {
                    if b.split(',').any(|n| n.parse::<u32>().map_or(!n.is_empty(), |n| n > 1000)) {
                        return Err(PatternError(format!("repetition count {{{b}}} is over RE2's limit of 1000")));
                    }
                    if after_rep && !lazy {
                        return Err(PatternError(format!(
                            "invalid nested repetition operator {{{b}}} (RE2 refuses it)"
                        )));
                    }
                    after_rep = true;
                    lazy = false;
                    i = end + 1;
                    continue;
                }
                after_rep = false;
            }
            _ => after_rep = false,
        }
        i += 1;
    }
    Ok(())
}

/// Escapes the characters RE2 treats as special, like Go's `regexp.QuoteMeta`:
/// `\.+*?()|[]{}^$`. (`-`, `/`, `:`, `=`, `,`, `@` stay as they are.)
pub fn quote_meta(literal: &str) -> String {
    let mut out = String::with_capacity(literal.len() + 4);
    for c in literal.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Stands for "some regex construct" in a skeleton: a character no ARN holds.
pub(crate) const WILD: char = '\u{1}';

/// A pattern read as `^? literal-or-wild... $?`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Skeleton {
    pub anchored_start: bool,
    pub anchored_end: bool,
    /// Literal text, with [`WILD`] where the pattern has anything but a literal.
    pub text: String,
    /// The pattern ends in `.*` (or `.+`): as good as anchored at the end.
    pub ends_in_any: bool,
    /// The pattern is one top-level alternation, repetition, etc.: no skeleton.
    pub opaque: bool,
}

impl Skeleton {
    /// `None` when the pattern does not parse.
    pub fn of(pattern: &str) -> Option<Skeleton> {
        let hir = regex_syntax::ParserBuilder::new().build().parse(pattern).ok()?;
        let items: Vec<&Hir> = match hir.kind() {
            HirKind::Concat(items) => items.iter().collect(),
            _ => vec![&hir],
        };
        let mut sk = Skeleton {
            anchored_start: false,
            anchored_end: false,
            text: String::new(),
            ends_in_any: false,
            opaque: false,
        };
        let last = items.len().saturating_sub(1);
        for (i, item) in items.iter().enumerate() {
            match item.kind() {
                HirKind::Look(Look::Start) if i == 0 => sk.anchored_start = true,
                HirKind::Look(Look::End) if i == last => sk.anchored_end = true,
                _ => {
                    sk.ends_in_any = is_any_run(item);
                    push_item(item, &mut sk.text);
                }
            }
        }
        sk.opaque = !sk.text.chars().any(|c| c != WILD);
        Some(sk)
    }

    /// The pattern, end-anchored or ending in `.*`: it cannot match a longer value.
    pub fn closed_end(&self) -> bool {
        self.anchored_end || self.ends_in_any
    }

    /// The text from the first `arn:` on, when the pattern names an ARN.
    pub fn arn_text(&self) -> Option<&str> {
        self.text.find("arn:").map(|i| &self.text[i..])
    }
}

fn push_item(hir: &Hir, out: &mut String) {
    match hir.kind() {
        HirKind::Literal(lit) => out.push_str(&String::from_utf8_lossy(&lit.0)),
        HirKind::Capture(cap) => push_item(&cap.sub, out),
        HirKind::Concat(items) => items.iter().for_each(|h| push_item(h, out)),
        HirKind::Empty => {}
        _ => {
            if !out.ends_with(WILD) {
                out.push(WILD);
            }
        }
    }
}

/// `.*` / `.+` / `(.*)`: a repetition without upper bound of a class that takes
/// (nearly) any character.
fn is_any_run(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(cap) => is_any_run(&cap.sub),
        HirKind::Repetition(rep) => rep.max.is_none() && rep.min <= 1 && is_any_class(&rep.sub),
        _ => false,
    }
}

/// A class that matches every character an ARN can hold (at least all printable ASCII).
fn is_any_class(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Class(Class::Unicode(c)) => (0x20u32..0x7f).all(|b| {
            let ch = char::from_u32(b).unwrap_or('\0');
            c.ranges().iter().any(|r| r.start() <= ch && ch <= r.end())
        }),
        HirKind::Class(Class::Bytes(c)) => {
            (0x20u8..0x7f).all(|b| c.ranges().iter().any(|r| r.start() <= b && b <= r.end()))
        }
        _ => false,
    }
}

/// Whether `re` accepts values that have nothing in common: then it constrains nothing.
pub(crate) fn matches_anything(re: &Regex) -> bool {
    ["", "x", "arn:aws:iam::000000000000:user/zz", "AIDAZZZZ", "\u{7f}~!"].iter().all(|probe| re.is_match(probe))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skeletons() {
        let sk = Skeleton::of(r"^arn:aws:sts::123456789012:assumed-role/ROLE/(.*)$").unwrap();
        assert!(sk.anchored_start && sk.anchored_end && sk.ends_in_any);
        assert_eq!(sk.text, "arn:aws:sts::123456789012:assumed-role/ROLE/\u{1}");
        let sk = Skeleton::of(r"arn:aws:iam::123456789012:role/my\.role").unwrap();
        assert!(!sk.anchored_start && !sk.anchored_end && !sk.ends_in_any);
        assert_eq!(sk.text, "arn:aws:iam::123456789012:role/my.role");
        let sk = Skeleton::of(r"^arn:aws:sts::\d{12}:assumed-role/[^/]+/.+").unwrap();
        assert_eq!(sk.text, "arn:aws:sts::\u{1}:assumed-role/\u{1}/\u{1}");
        assert!(sk.ends_in_any && sk.closed_end());
        assert!(Skeleton::of("(a|b)").unwrap().opaque);
        assert!(Skeleton::of("(").is_none());
    }

    #[test]
    fn re2_refusals() {
        for bad in ["45233640****", "a**", "a+*", "a*??", "a{2}*", "a{1001}", "a{1,2000}"] {
            assert!(compile(bad).is_err(), "{bad}");
        }
        for good in ["a*?", "a+?", "a??", "a{2}?", "[*+]+", r"\*+", "x{1000}", "[[:alpha:]*]+", "[]*]+", "(a*)*"] {
            compile(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
    }

    #[test]
    fn quoting() {
        assert_eq!(quote_meta("my.role+x/i-0abc"), r"my\.role\+x/i-0abc");
        assert!(matches_anything(&compile(".*").unwrap()));
        assert!(matches_anything(&compile("").unwrap()));
        assert!(!matches_anything(&compile("^AROA").unwrap()));
    }
}
