//! A fast reader for the YAML that fir itself writes.
//!
//! Loading 100k incidents is dominated by YAML parsing, and nearly every file is in the
//! canonical form [`super::to_markdown`] produces: block mappings and sequences, plain,
//! double-quoted and literal-block scalars. This reader understands exactly that subset
//! and gives up (`None`) on anything else — comments, flow collections, anchors, tags,
//! other quoting or block styles, ambiguous scalars, duplicate keys — so that the full
//! YAML parser handles it and reports errors. It is *sound*, not complete: whenever it
//! returns a value, a full YAML parser reads the same value (checked by a property test
//! and a fuzz target).
//!
//! What it reads is a tree of [`Node`]s borrowing the text where it can, which serde
//! deserialises the incident from directly: no tree of owned JSON values in between.

use std::borrow::Cow;

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, IntoDeserializer, Visitor};

use super::yaml::is_special;

/// A value of the front matter.
#[derive(Debug, Clone, PartialEq)]
pub enum Node<'a> {
    Text(Cow<'a, str>),
    Bool(bool),
    Number(u64),
    List(Vec<Node<'a>>),
    /// Entries in file order, no key twice.
    Map(Vec<(&'a str, Node<'a>)>),
}

/// The front matter's tree, or `None` when it is outside the subset.
pub fn read(front: &str) -> Option<Node<'_>> {
    let mut reader = Reader {
        lines: front.split('\n').collect(),
        pos: 0,
    };
    let value = reader.mapping(0)?;
    reader.skip_empty();
    (reader.pos == reader.lines.len()).then_some(value)
}

#[derive(Debug)]
struct Reader<'a> {
    lines: Vec<&'a str>,
    pos: usize,
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// `key: value` or `key:` with a key made of `[a-z0-9_]`, starting with a letter.
fn split_key(text: &str) -> Option<(&str, &str)> {
    let colon = text.find(':')?;
    let key = &text[..colon];
    let valid = key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    let rest = &text[colon + 1..];
    match rest.strip_prefix(' ') {
        Some(value) if valid => Some((key, value)),
        None if valid && rest.is_empty() => Some((key, "")),
        _ => None,
    }
}

impl<'a> Reader<'a> {
    fn skip_empty(&mut self) {
        while self.lines.get(self.pos).is_some_and(|l| l.is_empty()) {
            self.pos += 1;
        }
    }

    /// The next non-empty line and its indentation, without consuming it.
    fn peek(&mut self) -> Option<(usize, &'a str)> {
        self.skip_empty();
        let line = *self.lines.get(self.pos)?;
        let indent = indent_of(line);
        Some((indent, &line[indent..]))
    }

    fn mapping(&mut self, indent: usize) -> Option<Node<'a>> {
        let mut map = Vec::new();
        self.entries_into(&mut map, indent)?;
        Some(Node::Map(map))
    }

    /// Reads `key: value` entries at exactly `indent` until the indentation drops.
    fn entries_into(&mut self, map: &mut Vec<(&'a str, Node<'a>)>, indent: usize) -> Option<()> {
        while let Some((found, rest)) = self.peek() {
            if found < indent {
                break;
            }
            if found > indent {
                return None;
            }
            let (key, text) = split_key(rest)?;
            self.pos += 1;
            let value = self.value(text, indent)?;
            if map.iter().any(|(seen, _)| *seen == key) {
                return None;
            }
            map.push((key, value));
        }
        Some(())
    }

    fn sequence(&mut self, indent: usize) -> Option<Node<'a>> {
        let mut items = Vec::new();
        while let Some((found, rest)) = self.peek() {
            if found < indent {
                break;
            }
            let content = rest.strip_prefix("- ").filter(|_| found == indent)?;
            if content.is_empty() || content.starts_with(' ') {
                return None;
            }
            self.pos += 1;
            let content_column = indent + 2;
            let item = match split_key(content) {
                Some((key, text)) => {
                    let mut map = vec![(key, self.value(text, content_column)?)];
                    self.entries_into(&mut map, content_column)?;
                    Node::Map(map)
                }
                None => self.value(content, indent)?,
            };
            items.push(item);
        }
        Some(Node::List(items))
    }

    /// The value after `key:` or `- `; `owner` is the column of that key or dash.
    fn value(&mut self, text: &'a str, owner: usize) -> Option<Node<'a>> {
        let text = text.trim_matches(' ');
        match text {
            "" => {
                let (indent, rest) = self.peek()?;
                if indent <= owner {
                    return None;
                }
                if rest.starts_with("- ") {
                    self.sequence(indent)
                } else {
                    self.mapping(indent)
                }
            }
            "|" => self.literal(owner, false),
            "|-" => self.literal(owner, true),
            "{}" => Some(Node::Map(Vec::new())),
            _ => match text.strip_prefix('"') {
                Some(quoted) => double_quoted(quoted).map(|text| Node::Text(Cow::Owned(text))),
                None => plain(text),
            },
        }
    }

    /// A literal block scalar; its lines are indented more than `owner`.
    fn literal(&mut self, owner: usize, strip: bool) -> Option<Node<'a>> {
        let mut lines: Vec<&str> = Vec::new();
        let mut content_indent = None;
        while let Some(&line) = self.lines.get(self.pos) {
            if line.is_empty() {
                lines.push("");
                self.pos += 1;
                continue;
            }
            let indent = indent_of(line);
            if indent == line.len() || line.contains('\r') {
                return None;
            }
            let block = *content_indent.get_or_insert(indent);
            if indent < block || block <= owner {
                break;
            }
            lines.push(&line[block..]);
            self.pos += 1;
        }
        if content_indent.is_none_or(|block| block <= owner) && lines.iter().any(|l| !l.is_empty())
        {
            return None;
        }
        while lines.last() == Some(&"") {
            lines.pop();
        }
        let mut text = lines.join("\n");
        if !strip && !text.is_empty() {
            text.push('\n');
        }
        if text
            .chars()
            .any(|c| c != '\n' && c != '\t' && is_special(c))
        {
            return None;
        }
        Some(Node::Text(Cow::Owned(text)))
    }
}

/// A plain scalar: text, `true`/`false`, or a whole number; `None` when a YAML reader
/// could take it for something else.
fn plain(text: &str) -> Option<Node<'_>> {
    let first = *text.as_bytes().first()?;
    if b"-?:,[]{}#&*!|>'\"%@`".contains(&first) || text.ends_with(':') || !plain_bytes(text) {
        return None;
    }
    match text {
        "true" => return Some(Node::Bool(true)),
        "false" => return Some(Node::Bool(false)),
        _ => {}
    }
    // Words other YAML readers take for booleans or null, in any case (compared in
    // place: most scalars are longer than any of them).
    const OTHER_MEANINGS: [&str; 10] = [
        "true", "false", "null", "~", "yes", "no", "on", "off", "y", "n",
    ];
    if text.starts_with('.')
        || (text.len() <= 5 && OTHER_MEANINGS.iter().any(|w| text.eq_ignore_ascii_case(w)))
    {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        if text.len() > 1 && text.starts_with('0') {
            return None;
        }
        return text.parse::<u64>().ok().map(Node::Number);
    }
    Some(Node::Text(Cow::Borrowed(text)))
}

/// Whether `text` has none of what ends or changes a plain scalar inside it (`: `,
/// ` #`), no tab and no character YAML does not print ([`is_special`]), in one pass
/// over its bytes: ASCII is told by the byte, other characters decoded.
fn plain_bytes(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut previous = 0u8;
    for (i, &byte) in bytes.iter().enumerate() {
        match byte {
            b' ' if previous == b':' => return false,
            b'#' if previous == b' ' => return false,
            0x20..=0x7e => {}
            0x80.. => {
                // The first byte of a character decides nothing alone: decode it.
                if byte >= 0xC0 && text[i..].chars().next().is_some_and(is_special) {
                    return false;
                }
            }
            _ => return false,
        }
        previous = byte;
    }
    true
}

/// The rest of a one-line double-quoted scalar after its opening quote.
fn double_quoted(text: &str) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return chars.as_str().is_empty().then_some(out),
            '\\' => {
                let escaped = match chars.next()? {
                    '0' => '\0',
                    'a' => '\u{7}',
                    'b' => '\u{8}',
                    't' => '\t',
                    'n' => '\n',
                    'v' => '\u{b}',
                    'f' => '\u{c}',
                    'r' => '\r',
                    'e' => '\u{1b}',
                    ' ' => ' ',
                    '"' => '"',
                    '/' => '/',
                    '\\' => '\\',
                    'N' => '\u{85}',
                    '_' => '\u{a0}',
                    'L' => '\u{2028}',
                    'P' => '\u{2029}',
                    'x' => hex(&mut chars, 2)?,
                    'u' => hex(&mut chars, 4)?,
                    'U' => hex(&mut chars, 8)?,
                    _ => return None,
                };
                out.push(escaped);
            }
            c if c != '\t' && is_special(c) => return None,
            c => out.push(c),
        }
    }
    None
}

fn hex(chars: &mut std::str::Chars<'_>, digits: usize) -> Option<char> {
    let text: String = chars.by_ref().take(digits).collect();
    if text.len() != digits {
        return None;
    }
    char::from_u32(u32::from_str_radix(&text, 16).ok()?)
}

impl<'de> de::Deserializer<'de> for Node<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self {
            Node::Text(Cow::Borrowed(text)) => visitor.visit_borrowed_str(text),
            Node::Text(Cow::Owned(text)) => visitor.visit_string(text),
            Node::Bool(b) => visitor.visit_bool(b),
            Node::Number(n) => visitor.visit_u64(n),
            Node::List(items) => visitor.visit_seq(SeqDeserializer::new(items.into_iter())),
            Node::Map(entries) => visitor.visit_map(MapDeserializer::new(entries.into_iter())),
        }
    }

    /// Present: the reader never makes a null.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    /// Unit variants, by name.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self {
            Node::Text(text) => visitor.visit_enum(text.into_deserializer()),
            other => Err(de::Error::custom(format!(
                "expected the name of a variant, got {other:?}"
            ))),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
        byte_buf unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

impl<'de> IntoDeserializer<'de, Error> for Node<'de> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree as JSON, to look into.
    fn read_json(front: &str) -> Option<serde_json::Value> {
        read(front).map(|node| serde::Deserialize::deserialize(node).unwrap())
    }

    #[test]
    fn reads_the_canonical_subset() {
        let value = read_json("id: A\nseverity: 3\nmajor: true\ntitle: \"x: \\\"y\\\"\\n\"\ntags:\n  - a\n  - |-\n    b\n    c\ntimeline:\n  - date: 2024-01-01\n    text: |\n      one\n\n      two\nlegacy:\n  source: s.xlsx\n").unwrap();
        assert_eq!(value["severity"], 3);
        assert_eq!(value["major"], true);
        assert_eq!(value["title"], "x: \"y\"\n");
        assert_eq!(value["tags"][1], "b\nc");
        assert_eq!(value["timeline"][0]["text"], "one\n\ntwo\n");
        assert_eq!(value["legacy"]["source"], "s.xlsx");
    }

    /// A file as fir writes it, with every kind of field, takes the fast path, and
    /// reads as the full parser reads it.
    #[test]
    fn a_canonical_file_takes_the_fast_path() {
        let written = "---\nid: FIR-2024-0001\ntitle: \"Ransomware: \\\"x\\\"\"\ndate: 2024-02-03T14:00:00+01:00\ncategory: malware\nseverity: 4\nstatus: closed\ntlp: AMBER\nbusiness_lines:\n  - Retail Banking > Czech Republic\nmajor: true\nincident: false\nclosed: 2024-02-10\ntags:\n  - lockbit\nartifacts:\n  - type: ipv4\n    value: \"185.12.3.4\"\ntimeline:\n  - date: 2024-02-03T14:05:00+01:00\n    action: open\n    text: |-\n      one\n\n      two\nnuggets:\n  - raw: |\n      C:\\x\\evil.exe\n    end: 2024-02-04\ntodos:\n  - task: Restore\n    done: true\nattributes:\n  - name: Loss\n    value: \"1200\"\n    unit: EUR\nrelations:\n  - FIR-2023-0001\nlegacy:\n  source: register.xlsx\n  row: 12\n---\n\nText.\n";
        let incident = crate::incident::parse(written).unwrap().incident;
        let front = &written[4..written.find("\n---\n").unwrap() + 1];
        let fast: crate::incident::Incident =
            serde::Deserialize::deserialize(read(front).expect("in the subset")).unwrap();
        let full = crate::incident::parse_without_fast_path(written)
            .unwrap()
            .incident;
        assert_eq!(crate::incident::to_markdown(&incident), written);
        assert_eq!(fast.title, "Ransomware: \"x\"");
        assert_eq!(fast.legacy.as_ref().and_then(|l| l.row), Some(12));
        assert_eq!(
            Some(fast),
            Some(full).map(|mut i| {
                i.description.clear();
                i
            })
        );
    }

    #[test]
    fn gives_up_outside_the_subset() {
        for text in [
            "id: A # comment\n",
            "# comment\nid: A\n",
            "tags: [a, b]\n",
            "title: 'single'\n",
            "title: >\n  folded\n",
            "title: &a x\n",
            "id: A\nid: B\n",
            "title: multi\n  line plain\n",
            "major: yes\n",
            "major: YES\n",
            "title: a: b\n",
            "title: tab\there\n",
            "title: del\u{7f}\n",
            "title: line\u{2028}separator\n",
            "title: bom\u{feff}\n",
            "title: Null\n",
            "title: oFF\n",
            "title: .nan\n",
            "severity: 03\n",
            "title: null\n",
            "title: ~\n",
            "title: \"open\n  quote\"\n",
            "tags:\n- a\n",
            "text: |2\n   x\n",
            "Title: x\n",
        ] {
            assert_eq!(read(text), None, "{text:?}");
        }
    }
}
