//! A tiny, strict XML reader for STS's flat response documents: elements, attributes
//! (read and ignored), text, the five predefined entities and character references,
//! comments, CDATA and an XML declaration. No DTDs (so no entity expansion), no
//! processing instructions, bounded depth.

use core::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Element {
    /// The local name (any `prefix:` removed).
    pub name: String,
    pub children: Vec<Element>,
    /// The element's own text, entities decoded, all text pieces concatenated.
    pub text: String,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// [`Element::child`] by value: the first child named `name`, moved out.
    pub fn take_child(self, name: &str) -> Option<Element> {
        self.children.into_iter().find(|c| c.name == name)
    }

    /// Follows a path of child names.
    pub fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, n| e.child(n))
    }

    /// The trimmed text at a path, if present and non-empty.
    pub fn text_at(&self, names: &[&str]) -> Option<&str> {
        self.path(names).map(|e| e.text.trim()).filter(|t| !t.is_empty())
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub offset: usize,
    pub message: &'static str,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid XML at byte {}: {}", self.offset, self.message)
    }
}

const MAX_DEPTH: usize = 32;

struct Reader<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn err<T>(&self, message: &'static str) -> Result<T, XmlError> {
        Err(XmlError { offset: self.pos, message })
    }

    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    fn skip_until(&mut self, end: &str, message: &'static str) -> Result<&'a str, XmlError> {
        match self.rest().find(end) {
            Some(i) => {
                let skipped = &self.rest()[..i];
                self.pos += i + end.len();
                Ok(skipped)
            }
            None => self.err(message),
        }
    }

    /// Comments and whitespace between elements.
    fn skip_misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_ws();
            if self.eat("<!--") {
                self.skip_until("-->", "unterminated comment")?;
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let len =
            rest.find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))).unwrap_or(rest.len());
        if len == 0 {
            return self.err("expected a name");
        }
        self.pos += len;
        Ok(&rest[..len])
    }

    fn element(&mut self, depth: usize) -> Result<Element, XmlError> {
        if depth > MAX_DEPTH {
            return self.err("elements nested too deeply");
        }
        if !self.eat("<") {
            return self.err("expected '<'");
        }
        let qname = self.name()?;
        let local = match qname.bytes().rposition(|b| b == b':') {
            Some(colon) => &qname[colon + 1..],
            None => qname,
        };
        let mut element = Element { name: local.to_string(), ..Element::default() };
        // Attributes: parsed for well-formedness, then dropped.
        loop {
            self.skip_ws();
            if self.eat("/>") {
                return Ok(element);
            }
            if self.eat(">") {
                break;
            }
            self.name()?;
            self.skip_ws();
            if !self.eat("=") {
                return self.err("expected '=' after an attribute name");
            }
            self.skip_ws();
            let quote = if self.eat("\"") {
                "\""
            } else if self.eat("'") {
                "'"
            } else {
                return self.err("expected a quoted attribute value");
            };
            let value = self.skip_until(quote, "unterminated attribute value")?;
            if value.contains('<') {
                return self.err("'<' in an attribute value");
            }
        }
        loop {
            let rest = self.rest();
            let text_len = rest.find('<').unwrap_or(rest.len());
            if text_len > 0 {
                let start = self.pos;
                decode_text(&rest[..text_len], &mut element.text)
                    .map_err(|message| XmlError { offset: start, message })?;
                self.pos += text_len;
            }
            if self.rest().is_empty() {
                return self.err("unexpected end of document inside an element");
            }
            if self.eat("</") {
                let close = self.name()?;
                if close != qname {
                    return self.err("closing tag does not match the opening tag");
                }
                self.skip_ws();
                if !self.eat(">") {
                    return self.err("expected '>'");
                }
                return Ok(element);
            } else if self.eat("<!--") {
                self.skip_until("-->", "unterminated comment")?;
            } else if self.eat("<![CDATA[") {
                let text = self.skip_until("]]>", "unterminated CDATA section")?;
                element.text.push_str(text);
            } else if self.rest().starts_with("<!") || self.rest().starts_with("<?") {
                return self.err("DTDs and processing instructions are not supported");
            } else {
                let child = self.element(depth + 1)?;
                element.children.push(child);
            }
        }
    }
}

fn decode_text(raw: &str, out: &mut String) -> Result<(), &'static str> {
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10).ok_or("'&' that does not start an entity")?;
        let entity = &after[..semi];
        let c = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse::<u32>().ok()
                } else {
                    return Err("unknown entity");
                };
                code.and_then(char::from_u32).ok_or("invalid character reference")?
            }
        };
        out.push(c);
        rest = &after[semi + 1..];
    }
    out.push_str(rest);
    Ok(())
}

/// Parses a whole document: optional BOM and `<?xml ...?>` declaration, one root element,
/// then only whitespace and comments.
pub fn parse(input: &str) -> Result<Element, XmlError> {
    let mut r = Reader { s: input, pos: 0 };
    r.eat("\u{feff}");
    r.skip_ws();
    if r.eat("<?xml") {
        r.skip_until("?>", "unterminated XML declaration")?;
    }
    r.skip_misc()?;
    if r.rest().starts_with("<!") {
        return r.err("DTDs are not supported");
    }
    let root = r.element(0)?;
    r.skip_misc()?;
    if !r.rest().is_empty() {
        return r.err("content after the root element");
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sts_shapes() {
        let doc = r#"<?xml version="1.0" encoding="UTF-8"?>
<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/a&amp;b&#x41;&#66;</Arn>
    <UserId><![CDATA[AIDA<x>]]></UserId>
    <Empty/>
  </GetCallerIdentityResult>
  <!-- c -->
</GetCallerIdentityResponse>
"#;
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "GetCallerIdentityResponse");
        assert_eq!(root.text_at(&["GetCallerIdentityResult", "Arn"]), Some("arn:aws:iam::123456789012:user/a&bAB"));
        assert_eq!(root.text_at(&["GetCallerIdentityResult", "UserId"]), Some("AIDA<x>"));
        assert_eq!(root.text_at(&["GetCallerIdentityResult", "Empty"]), None);
        assert!(root.path(&["GetCallerIdentityResult", "Empty"]).is_some());
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "<a>",
            "<a></b>",
            "<a>x</a><b/>",
            "<a>&bogus;</a>",
            "<a>& b</a>",
            "<!DOCTYPE a [<!ENTITY x \"y\">]><a/>",
            "<a><!DOCTYPE x></a>",
            "<a b=c/>",
            "text",
            "<a>&#xD800;</a>",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        let deep = "<a>".repeat(40) + &"</a>".repeat(40);
        assert!(parse(&deep).is_err());
    }
}
