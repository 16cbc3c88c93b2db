//! A small, tolerant XML reader for one event per line: elements, attributes in either quote
//! style, self-closing tags, text with entities and character references, comments, CDATA and
//! processing instructions.
//!
//! It builds a tree of [`Element`]s and checks that tags nest and close; it does not validate
//! against a schema, resolve namespaces (prefixes are dropped from names) or expand DTD
//! entities. Character references to any Unicode scalar value are accepted, including those
//! XML 1.0 forbids, because detsim's own renderer writes control characters that way.

use std::fmt;

/// Deepest element nesting accepted; an event is 3 levels deep, so this only stops runaway
/// input from exhausting the stack.
const MAX_DEPTH: usize = 32;

/// One element with its attributes, child elements and concatenated text.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Element {
    /// Local name, without a namespace prefix.
    pub name: String,
    /// Attributes in document order, local names, values unescaped.
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Text content (character data and CDATA) directly inside this element, unescaped.
    pub text: String,
}

impl Element {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|child| child.name == name)
    }
}

/// Why a line is not well-formed XML, with the byte offset where reading stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct XmlError {
    pub message: String,
    pub offset: usize,
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.message, self.offset)
    }
}

/// Parses a document holding exactly one root element.
pub fn parse(input: &str) -> Result<Element, XmlError> {
    let mut parser = Parser { text: input, at: 0 };
    parser.eat("\u{feff}");
    parser.skip_misc()?;
    if !parser.rest().starts_with('<') {
        return Err(parser.error(format!("expected `<`, found {}", parser.found())));
    }
    let root = parser.element(0)?;
    parser.skip_misc()?;
    if parser.at < input.len() {
        return Err(parser.error(format!(
            "unexpected {} after the root element",
            parser.found()
        )));
    }
    Ok(root)
}

struct Parser<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    fn error(&self, message: String) -> XmlError {
        XmlError {
            message,
            offset: self.at,
        }
    }

    /// The next few characters, quoted for a message, or "the end of the line".
    fn found(&self) -> String {
        match self.rest() {
            "" => "the end of the line".to_string(),
            rest => format!("`{}`", super::snippet(rest, 12)),
        }
    }

    fn eat(&mut self, prefix: &str) -> bool {
        let matched = self.rest().starts_with(prefix);
        if matched {
            self.at += prefix.len();
        }
        matched
    }

    fn expect(&mut self, prefix: &str) -> Result<(), XmlError> {
        if self.eat(prefix) {
            Ok(())
        } else {
            Err(self.error(format!("expected `{prefix}`, found {}", self.found())))
        }
    }

    fn skip_space(&mut self) {
        let rest = self.rest();
        self.at += rest.len() - rest.trim_start_matches([' ', '\t', '\r', '\n']).len();
    }

    /// Moves past `terminator`, which must follow somewhere in the input.
    fn skip_past(&mut self, terminator: &str, what: &str) -> Result<&'a str, XmlError> {
        match self.rest().find(terminator) {
            Some(offset) => {
                let skipped = &self.rest()[..offset];
                self.at += offset + terminator.len();
                Ok(skipped)
            }
            None => Err(self.error(format!("unterminated {what}"))),
        }
    }

    /// Skips whitespace, comments, processing instructions and a document type declaration.
    fn skip_misc(&mut self) -> Result<(), XmlError> {
        loop {
            self.skip_space();
            if self.eat("<!--") {
                self.skip_past("-->", "comment")?;
            } else if self.eat("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else if self.eat("<!DOCTYPE") {
                self.skip_past(">", "document type declaration")?;
            } else {
                return Ok(());
            }
        }
    }

    /// A name, ending at whitespace, `/`, `>`, `=` or a quote.
    fn name(&mut self) -> Result<&'a str, XmlError> {
        let rest = self.rest();
        let length = rest
            .find(|c: char| {
                c.is_ascii_whitespace() || matches!(c, '/' | '>' | '=' | '<' | '"' | '\'')
            })
            .unwrap_or(rest.len());
        if length == 0 {
            return Err(self.error(format!("expected a name, found {}", self.found())));
        }
        self.at += length;
        Ok(&rest[..length])
    }

    fn element(&mut self, depth: usize) -> Result<Element, XmlError> {
        if depth >= MAX_DEPTH {
            return Err(self.error(format!("elements nested deeper than {MAX_DEPTH}")));
        }
        self.expect("<")?;
        let qualified = self.name()?;
        let mut element = Element {
            name: local(qualified).to_string(),
            ..Element::default()
        };
        loop {
            self.skip_space();
            if self.eat("/>") {
                return Ok(element);
            }
            if self.eat(">") {
                break;
            }
            let key = self.name()?;
            self.skip_space();
            self.expect("=")?;
            self.skip_space();
            let value = self.attribute_value()?;
            element.attributes.push((local(key).to_string(), value));
        }
        self.content(&mut element, qualified, depth)?;
        Ok(element)
    }

    fn attribute_value(&mut self) -> Result<String, XmlError> {
        let quote = match self.rest().chars().next() {
            Some(quote @ ('\'' | '"')) => quote,
            _ => return Err(self.error(format!("expected a quoted value, found {}", self.found()))),
        };
        self.at += 1;
        let start = self.at;
        let Some(length) = self.rest().find(quote) else {
            return Err(self.error("unterminated attribute value".to_string()));
        };
        let raw = &self.rest()[..length];
        if let Some(offset) = raw.find('<') {
            self.at += offset;
            return Err(self.error("`<` inside an attribute value".to_string()));
        }
        self.at += length + 1;
        let mut value = String::with_capacity(raw.len());
        unescape(raw, &mut value).map_err(|(message, offset)| XmlError {
            message,
            offset: start + offset,
        })?;
        Ok(value)
    }

    /// Reads text and children up to the closing tag of `qualified`.
    fn content(
        &mut self,
        element: &mut Element,
        qualified: &str,
        depth: usize,
    ) -> Result<(), XmlError> {
        loop {
            let rest = self.rest();
            let length = rest.find('<').unwrap_or(rest.len());
            let start = self.at;
            unescape(&rest[..length], &mut element.text).map_err(|(message, offset)| XmlError {
                message,
                offset: start + offset,
            })?;
            self.at += length;
            if self.rest().is_empty() {
                return Err(self.error(format!("`<{qualified}>` is not closed")));
            }
            if self.eat("</") {
                let closing = self.name()?;
                self.skip_space();
                self.expect(">")?;
                if closing != qualified {
                    return Err(self.error(format!("`</{closing}>` closes `<{qualified}>`")));
                }
                return Ok(());
            } else if self.eat("<!--") {
                self.skip_past("-->", "comment")?;
            } else if self.eat("<![CDATA[") {
                let data = self.skip_past("]]>", "CDATA section")?;
                element.text.push_str(data);
            } else if self.eat("<?") {
                self.skip_past("?>", "processing instruction")?;
            } else {
                let child = self.element(depth + 1)?;
                element.children.push(child);
            }
        }
    }
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

/// Appends `raw` with entities and character references replaced; on error gives the message
/// and the offset of the bad reference within `raw`.
fn unescape(raw: &str, out: &mut String) -> Result<(), (String, usize)> {
    let mut start = 0;
    while let Some(found) = raw[start..].find('&') {
        let amp = start + found;
        out.push_str(&raw[start..amp]);
        let Some(length) = raw[amp..].find(';').filter(|length| *length <= 12) else {
            return Err((
                format!(
                    "unterminated reference `{}`",
                    super::snippet(&raw[amp..], 10)
                ),
                amp,
            ));
        };
        let name = &raw[amp + 1..amp + length];
        let decoded = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => character_reference(name),
        };
        match decoded {
            Some(character) => out.push(character),
            None => return Err((format!("unknown reference `&{name};`"), amp)),
        }
        start = amp + length + 1;
    }
    out.push_str(&raw[start..]);
    Ok(())
}

fn character_reference(name: &str) -> Option<char> {
    let digits = name.strip_prefix('#')?;
    let value = match digits.strip_prefix(['x', 'X']) {
        Some(hex) if !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()) => {
            u32::from_str_radix(hex, 16).ok()?
        }
        None if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) => {
            digits.parse().ok()?
        }
        _ => return None,
    };
    char::from_u32(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_attributes_text_and_children() {
        let root = parse(
            "<?xml version=\"1.0\"?><e:Event xmlns:e='u'><A k=\"v&amp;w\" j='x'/>\
             <B>t&lt;&#x9;&#10;&#0;</B><!-- c --><C><![CDATA[<raw>]]></C></e:Event>",
        )
        .unwrap();
        assert_eq!(root.name, "Event");
        assert_eq!(root.child("A").unwrap().attribute("k"), Some("v&w"));
        assert_eq!(root.child("A").unwrap().attribute("j"), Some("x"));
        assert_eq!(root.child("B").unwrap().text, "t<\t\n\u{0}");
        assert_eq!(root.child("C").unwrap().text, "<raw>");
    }

    #[test]
    fn rejects_malformed_input() {
        for (input, message) in [
            ("", "expected `<`, found the end of the line at byte 0"),
            ("<a>", "`<a>` is not closed at byte 3"),
            ("<a></b>", "`</b>` closes `<a>` at byte 7"),
            ("<a x=1/>", "expected a quoted value, found `1/>` at byte 5"),
            ("<a>&bogus;</a>", "unknown reference `&bogus;` at byte 3"),
            ("<a>&#xD800;</a>", "unknown reference `&#xD800;` at byte 3"),
            (
                "<a/><b/>",
                "unexpected `<b/>` after the root element at byte 4",
            ),
            ("<a x='<'/>", "`<` inside an attribute value at byte 6"),
        ] {
            assert_eq!(parse(input).unwrap_err().to_string(), message, "{input}");
        }
        let deep = "<a>".repeat(40);
        assert!(parse(&deep).unwrap_err().message.contains("nested deeper"));
    }
}
