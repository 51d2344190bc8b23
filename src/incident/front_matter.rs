//! Splitting a file into front matter and body, and decoding the front matter.
//!
//! YAML (`---`) is what fir writes; TOML (`+++`) is read too. Errors carry the line in the
//! whole file and the field they concern, so that a person can go straight to the fix.

use std::fmt;

use super::Incident;

/// The syntax the front matter was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Yaml,
    Toml,
}

/// A successfully decoded incident file.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub incident: Incident,
    pub syntax: Syntax,
    /// Where each field stands in the file, to point later warnings at it.
    pub fields: FieldLines,
}

/// Why a file could not be decoded: where, which field, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FrontMatterError {
    /// 1-based line in the whole file.
    pub line: Option<usize>,
    /// Path of the field, like `timeline[2].date`.
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for FrontMatterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        f.write_str(&self.message)
    }
}

/// Line numbers of top-level fields and of the items of list fields.
#[derive(Debug, Clone, Default)]
pub struct FieldLines {
    /// Line of the first front-matter line in the file.
    first_line: usize,
    /// Field names, each once.
    keys: Vec<String>,
    /// (field's place in `keys`, item index, line); the item index is `None` for the
    /// field's own line.
    entries: Vec<(usize, Option<usize>, usize)>,
}

impl FieldLines {
    /// The line of `path` (`category`, `timeline[2].date`, …), or of the closest
    /// enclosing field, or of the front matter's start.
    pub fn line_of(&self, path: &str) -> usize {
        let key_end = path.find(['[', '.']).unwrap_or(path.len());
        let key = &path[..key_end];
        let index = path[key_end..]
            .strip_prefix('[')
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok());
        let key = self.keys.iter().position(|name| name == key);
        let find = |wanted: Option<usize>| {
            self.entries
                .iter()
                .find(|(name, item, _)| Some(*name) == key && *item == wanted)
                .map(|(_, _, line)| *line)
        };
        index
            .and_then(|i| find(Some(i)))
            .or_else(|| find(None))
            .unwrap_or(self.first_line)
    }

    /// The place of `key` in `keys`, added if new.
    fn key_at(keys: &mut Vec<String>, key: &str) -> usize {
        keys.iter().position(|k| k == key).unwrap_or_else(|| {
            keys.push(key.to_string());
            keys.len() - 1
        })
    }

    fn scan(front: &str, first_line: usize, syntax: Syntax) -> Self {
        let mut keys = Vec::new();
        let mut entries = Vec::new();
        let mut current: Option<usize> = None;
        let mut item = 0;
        for (offset, line) in front.lines().enumerate() {
            let number = first_line + offset;
            let starts_key = line.starts_with(|c: char| c.is_ascii_alphabetic());
            match syntax {
                Syntax::Yaml => {
                    if starts_key {
                        if let Some((key, _)) = line.split_once(':') {
                            let key = Self::key_at(&mut keys, key.trim());
                            entries.push((key, None, number));
                            current = Some(key);
                            item = 0;
                        }
                    } else if let Some(key) = current {
                        let trimmed = line.trim_start();
                        let indent = line.len() - trimmed.len();
                        if trimmed.starts_with("- ") && indent <= 2 {
                            entries.push((key, Some(item), number));
                            item += 1;
                        }
                    }
                }
                Syntax::Toml => {
                    if let Some(table) = line.trim().strip_prefix("[[") {
                        let key = Self::key_at(&mut keys, table.trim_end_matches(']').trim());
                        if current != Some(key) {
                            item = 0;
                        }
                        entries.push((key, Some(item), number));
                        entries.push((key, None, number));
                        current = Some(key);
                        item += 1;
                    } else if starts_key && let Some((key, _)) = line.split_once('=') {
                        entries.push((Self::key_at(&mut keys, key.trim()), None, number));
                    }
                }
            }
        }
        FieldLines {
            first_line,
            keys,
            entries,
        }
    }
}

/// Decodes a whole incident file: front matter (YAML or TOML) and Markdown body.
///
/// A byte-order mark and Windows line endings are accepted.
pub fn parse(text: &str) -> Result<Parsed, FrontMatterError> {
    parse_with(text, true)
}

/// [`parse`] without the fast reader for canonical YAML: for tests that check the two
/// agree.
#[doc(hidden)]
pub fn parse_without_fast_path(text: &str) -> Result<Parsed, FrontMatterError> {
    parse_with(text, false)
}

fn parse_with(text: &str, fast: bool) -> Result<Parsed, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let normalized;
    let text = if text.contains('\r') {
        normalized = text.replace("\r\n", "\n");
        normalized.as_str()
    } else {
        text
    };
    let (syntax, front, body) = split(text)?;
    // The front matter starts on the line after the opening fence.
    let first_line = 2;
    let fields = FieldLines::scan(front, first_line, syntax);
    let mut incident = match syntax {
        Syntax::Yaml if fast => decode_yaml(front, first_line)?,
        Syntax::Yaml => decode_yaml_fully(front, first_line)?,
        Syntax::Toml => decode_toml(front, first_line)?,
    };
    incident.description = body.to_string();
    incident.normalize();
    Ok(Parsed {
        incident,
        syntax,
        fields,
    })
}

fn split(text: &str) -> Result<(Syntax, &str, &str), FrontMatterError> {
    let first = text.lines().next().unwrap_or("").trim_end();
    let (syntax, fence) = match first {
        "---" => (Syntax::Yaml, "---"),
        "+++" => (Syntax::Toml, "+++"),
        _ => {
            return Err(FrontMatterError {
                line: Some(1),
                field: None,
                message:
                    "the file must start with a front matter fence: `---` (YAML) or `+++` (TOML)"
                        .into(),
            });
        }
    };
    let after_open = text.find('\n').map_or(text.len(), |i| i + 1);
    let rest = &text[after_open..];
    // Only lines that start with the fence are looked at, found by a substring search
    // rather than line by line.
    let starts = memchr::memmem::find_iter(rest.as_bytes(), fence)
        .filter(|&at| at == 0 || rest.as_bytes()[at - 1] == b'\n');
    for start in starts {
        let line_end = rest[start..]
            .find('\n')
            .map_or(rest.len(), |i| start + i + 1);
        if rest[start..line_end].trim_end() == fence {
            return Ok((syntax, &rest[..start], &rest[line_end..]));
        }
    }
    Err(FrontMatterError {
        line: Some(1),
        field: None,
        message: format!("the front matter opened on line 1 is never closed by a `{fence}` line"),
    })
}

fn decode_yaml(front: &str, first_line: usize) -> Result<Incident, FrontMatterError> {
    // Canonical files take the fast path; anything else, and every error, the full parser.
    if let Some(incident) =
        super::fast_yaml::read(front).and_then(|node| serde::Deserialize::deserialize(node).ok())
    {
        return Ok(incident);
    }
    decode_yaml_fully(front, first_line)
}

/// Decodes with the full YAML parser, which also gives precise errors.
fn decode_yaml_fully(front: &str, first_line: usize) -> Result<Incident, FrontMatterError> {
    let mut field = None;
    serde_saphyr::with_deserializer_from_str(front, |de| {
        serde_path_to_error::deserialize::<_, Incident>(de).map_err(|error| {
            field = field_name(&error.path().to_string());
            error.into_inner()
        })
    })
    .map_err(|error| {
        let (line, message) = yaml_error_parts(&error);
        FrontMatterError {
            line: line.map(|l| l + first_line - 1),
            field,
            message,
        }
    })
}

fn yaml_error_parts(error: &serde_saphyr::Error) -> (Option<usize>, String) {
    let bare = error.without_snippet();
    let line = bare
        .location()
        .map(|loc| loc.line() as usize)
        .filter(|&l| l > 0);
    let mut message = bare.to_string();
    // The location is reported separately; keep the message to its first line.
    if let Some(first) = message.lines().next() {
        message = first.to_string();
    }
    if let Some(cut) = message.find(" at line ") {
        message.truncate(cut);
    }
    (line, message)
}

fn decode_toml(front: &str, first_line: usize) -> Result<Incident, FrontMatterError> {
    let to_error = |error: toml::de::Error, path: Option<String>| {
        let line = error
            .span()
            .map(|span| front[..span.start.min(front.len())].matches('\n').count() + first_line);
        FrontMatterError {
            line,
            field: path.and_then(|p| field_name(&p)),
            message: error.message().to_string(),
        }
    };
    let deserializer = toml::de::Deserializer::parse(front).map_err(|e| to_error(e, None))?;
    serde_path_to_error::deserialize::<_, Incident>(deserializer).map_err(|error| {
        let path = error.path().to_string();
        to_error(error.into_inner(), Some(path))
    })
}

/// serde_path_to_error says `.` for the root and `?` for a key it could not read
/// (a syntax error inside a mapping); the enclosing field is what a person can find.
fn field_name(path: &str) -> Option<String> {
    let path = path.trim_end_matches(".?");
    (path != "." && path != "?" && !path.is_empty()).then(|| path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = "---\nid: FIR-1\ntitle: Test\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\nseverity: 2\nstatus: open\n---\n\nBody *here*.\n";

    #[test]
    fn parses_yaml_and_body() {
        let parsed = parse(MINIMAL).unwrap();
        assert_eq!(parsed.syntax, Syntax::Yaml);
        assert_eq!(parsed.incident.id, "FIR-1");
        assert_eq!(parsed.incident.severity, 2);
        assert!(parsed.incident.incident);
        assert_eq!(parsed.incident.description, "Body *here*.");
        assert_eq!(parsed.fields.line_of("status"), 7);
    }

    #[test]
    fn parses_toml_with_native_dates() {
        let text = "+++\nid = \"FIR-2\"\ntitle = \"T\"\ndate = 2024-05-01T09:30:00+02:00\ncategory = \"malware\"\nseverity = 3\nstatus = \"closed\"\nclosed = 2024-05-02\n\n[[timeline]]\ndate = 2024-05-01T10:00:00Z\naction = \"info\"\ntext = \"seen\"\n+++\nBody\n";
        let parsed = parse(text).unwrap();
        assert_eq!(parsed.syntax, Syntax::Toml);
        assert_eq!(
            parsed.incident.date.to_string(),
            "2024-05-01T09:30:00+02:00"
        );
        assert_eq!(parsed.incident.closed.unwrap().to_string(), "2024-05-02");
        assert_eq!(parsed.incident.timeline[0].text, "seen");
        assert_eq!(parsed.fields.line_of("timeline[0].date"), 10);
    }

    #[test]
    fn bad_date_names_line_and_field() {
        let text = MINIMAL.replace("2024-05-01T09:30:00Z", "2024-13-45");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, Some(4), "{err:?}");
        assert_eq!(err.field.as_deref(), Some("date"));
        assert!(err.message.contains("2024-13-45"), "{err}");
    }

    #[test]
    fn wrong_type_names_line_and_field() {
        let text = MINIMAL.replace("severity: 2", "severity: high");
        let err = parse(&text).unwrap_err();
        assert_eq!(err.line, Some(6), "{err:?}");
        assert_eq!(err.field.as_deref(), Some("severity"));
    }

    #[test]
    fn syntax_error_in_a_list_item_names_the_item() {
        let text = MINIMAL.replace(
            "status: open\n",
            "status: open\ntimeline:\n  - date: 2024-05-01T10:00:00Z\n    text: rule for ${jndi: patterns\n",
        );
        let err = parse(&text).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("timeline[0]"), "{err:?}");
        assert_eq!(err.line, Some(10), "{err:?}");
    }

    #[test]
    fn missing_fence_and_unclosed_fence() {
        assert_eq!(parse("id: x\n").unwrap_err().line, Some(1));
        let err = parse("---\nid: x\n").unwrap_err();
        assert!(err.message.contains("never closed"), "{err}");
        let err = parse("---\nid: x\n----\n --- \n---x\n").unwrap_err();
        assert!(err.message.contains("never closed"), "{err}");
    }

    /// The closing fence is the first line that is the fence, trailing blanks aside:
    /// the first line of the front matter too, or the last line of the file.
    #[test]
    fn the_first_fence_line_closes_the_front_matter() {
        let split = |text| super::split(text).map(|(_, front, body)| (front, body));
        assert_eq!(
            split("---\nid: x\n---x\n---  \nbody\n---\n").unwrap(),
            ("id: x\n---x\n", "body\n---\n")
        );
        assert_eq!(split("---\n---\nbody").unwrap(), ("", "body"));
        assert_eq!(split("---\nid: x\n---").unwrap(), ("id: x\n", ""));
        assert_eq!(
            split("+++\nid = 1\n---\n+++\n").unwrap(),
            ("id = 1\n---\n", "")
        );
    }

    #[test]
    fn bom_crlf_and_fence_inside_strings() {
        let text = format!(
            "\u{feff}{}",
            MINIMAL
                .replace(
                    "title: Test",
                    "title: \"--- not a fence ---\"\ntags:\n  - \"a: b\""
                )
                .replace('\n', "\r\n")
        );
        let parsed = parse(&text).unwrap();
        assert_eq!(parsed.incident.title, "--- not a fence ---");
        assert_eq!(parsed.incident.tags, vec!["a: b"]);
        assert_eq!(parsed.incident.description, "Body *here*.");
    }
}
