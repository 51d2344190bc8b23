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

use serde_json::{Map, Value};

use super::yaml::is_special;

/// The front matter as a JSON value, or `None` when it is outside the subset.
pub fn read(front: &str) -> Option<Value> {
    let mut reader = Reader {
        lines: front.split('\n').collect(),
        pos: 0,
    };
    let value = reader.mapping(0)?;
    reader.skip_empty();
    (reader.pos == reader.lines.len()).then_some(value)
}

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

    fn mapping(&mut self, indent: usize) -> Option<Value> {
        let mut map = Map::new();
        self.entries_into(&mut map, indent)?;
        Some(Value::Object(map))
    }

    /// Reads `key: value` entries at exactly `indent` until the indentation drops.
    fn entries_into(&mut self, map: &mut Map<String, Value>, indent: usize) -> Option<()> {
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
            if map.insert(key.to_string(), value).is_some() {
                return None;
            }
        }
        Some(())
    }

    fn sequence(&mut self, indent: usize) -> Option<Value> {
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
                    let mut map = Map::new();
                    map.insert(key.to_string(), self.value(text, content_column)?);
                    self.entries_into(&mut map, content_column)?;
                    Value::Object(map)
                }
                None => self.value(content, indent)?,
            };
            items.push(item);
        }
        Some(Value::Array(items))
    }

    /// The value after `key:` or `- `; `owner` is the column of that key or dash.
    fn value(&mut self, text: &str, owner: usize) -> Option<Value> {
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
            "{}" => Some(Value::Object(Map::new())),
            _ => match text.strip_prefix('"') {
                Some(quoted) => double_quoted(quoted).map(Value::String),
                None => plain(text),
            },
        }
    }

    /// A literal block scalar; its lines are indented more than `owner`.
    fn literal(&mut self, owner: usize, strip: bool) -> Option<Value> {
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
        Some(Value::String(text))
    }
}

/// A plain scalar: text, `true`/`false`, or a whole number; `None` when a YAML reader
/// could take it for something else.
fn plain(text: &str) -> Option<Value> {
    let first = text.chars().next()?;
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || text.ends_with(':')
        || text.chars().any(|c| c == '\t' || is_special(c))
    {
        return None;
    }
    match text {
        "true" => return Some(Value::Bool(true)),
        "false" => return Some(Value::Bool(false)),
        _ => {}
    }
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "~" | "yes" | "no" | "on" | "off" | "y" | "n"
    ) || lower.starts_with('.')
    {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        if text.len() > 1 && text.starts_with('0') {
            return None;
        }
        return text.parse::<u64>().ok().map(Value::from);
    }
    Some(Value::String(text.to_string()))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_canonical_subset() {
        let value = read("id: A\nseverity: 3\nmajor: true\ntitle: \"x: \\\"y\\\"\\n\"\ntags:\n  - a\n  - |-\n    b\n    c\ntimeline:\n  - date: 2024-01-01\n    text: |\n      one\n\n      two\nlegacy:\n  source: s.xlsx\n").unwrap();
        assert_eq!(value["severity"], 3);
        assert_eq!(value["major"], true);
        assert_eq!(value["title"], "x: \"y\"\n");
        assert_eq!(value["tags"][1], "b\nc");
        assert_eq!(value["timeline"][0]["text"], "one\n\ntwo\n");
        assert_eq!(value["legacy"]["source"], "s.xlsx");
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
