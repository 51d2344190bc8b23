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

/// `text` without a byte-order mark, its Windows line endings made `\n`.
fn normalize(text: &str) -> std::borrow::Cow<'_, str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\r') {
        text.replace("\r\n", "\n").into()
    } else {
        text.into()
    }
}

fn parse_with(text: &str, fast: bool) -> Result<Parsed, FrontMatterError> {
    let text = normalize(text);
    let (syntax, front, body) = split(&text)?;
    let first_line = FIRST_LINE;
    let fields = FieldLines::scan(front, first_line, syntax);
    let mut incident = match syntax {
        Syntax::Yaml if fast => decode_yaml(front, first_line),
        Syntax::Yaml => decode_yaml_fully(front, first_line),
        Syntax::Toml => decode_toml(front, first_line),
    }
    .map_err(name_missing)?;
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

/// Every problem of a file [`parse`] failed on with `first`: `first`, then those of
/// the other fields and list items of its YAML front matter, so that a person fixes
/// them all in one go rather than one per run. Decoding stops at a file's first
/// error, so each top-level field (each item of a list field on its own) is decoded
/// again apart, with stand-ins for the required fields it does not give; an item's
/// other fields after its first error, and anything after a syntax error that names
/// no field, stay unreported.
pub fn all_errors(text: &str, first: FrontMatterError) -> Vec<FrontMatterError> {
    let text = normalize(text);
    let Ok((Syntax::Yaml, front, _)) = split(&text) else {
        return vec![first];
    };
    let Some(first_field) = first.field.clone() else {
        return vec![first];
    };
    let first_line = FIRST_LINE;
    let lines: Vec<&str> = front.lines().collect();
    let mut errors = vec![first];
    let mut reported = vec![first_field];
    let mut report = |error: FrontMatterError, errors: &mut Vec<FrontMatterError>| {
        let field = error.field.clone().unwrap_or_default();
        if !reported.contains(&field) {
            reported.push(field);
            errors.push(error);
        }
    };
    let blocks = top_level_blocks(&lines);
    for (key, from, to) in &blocks {
        let items = list_items(&lines[*from..*to]);
        if items.is_empty() {
            if let Some(error) = decode_apart(key, &lines[*from..*to], None, from + first_line) {
                report(error, &mut errors);
            }
            continue;
        }
        for (n, (item_from, item_to)) in items.into_iter().enumerate() {
            let item = &lines[from + item_from..from + item_to];
            if let Some(error) = decode_apart(key, item, Some(n), from + item_from + first_line) {
                report(error, &mut errors);
            }
        }
    }
    for (key, _) in STAND_INS {
        if !blocks.iter().any(|(k, ..)| k == key) {
            report(missing(key), &mut errors);
        }
    }
    errors
}

/// The line of the file the front matter starts on, after the opening fence.
const FIRST_LINE: usize = 2;

/// The error for required field `key` missing, on the front matter's first line: no
/// line holds it, and the parser would give the last.
fn missing(key: &str) -> FrontMatterError {
    FrontMatterError {
        line: Some(FIRST_LINE),
        field: Some(key.to_string()),
        message: "required, but not in the front matter".into(),
    }
}

/// `error` with a missing top-level field, which the decoder names in its message
/// only, made [`missing`].
fn name_missing(error: FrontMatterError) -> FrontMatterError {
    let key = error
        .message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.split('`').next());
    match key {
        Some(key) if error.field.is_none() => missing(key),
        _ => error,
    }
}

/// What is left of a file that does not decode once its fields and list items with
/// errors are left out: see [`without_errors`].
#[derive(Debug)]
pub struct Rest {
    /// The rest, decoded, its fields on the lines they have in the file.
    pub parsed: Parsed,
    /// Top-level fields left out whole, or given a stand-in.
    left_out: Vec<String>,
    /// For a list some items of which are left out: the file's index of each item kept.
    kept_items: Vec<(String, Vec<usize>)>,
}

impl Rest {
    /// The field of the file that `field`, a field of the rest, is: the same but for
    /// an item's index in a list some items of which are left out; `None` for a field
    /// left out or given a stand-in, of which nothing can be said yet.
    pub fn field_in_file(&self, field: &str) -> Option<String> {
        let key = top_level_key(field);
        if self.left_out.iter().any(|k| k == key) {
            return None;
        }
        let Some((_, kept)) = self.kept_items.iter().find(|(k, _)| k == key) else {
            return Some(field.to_string());
        };
        let (index, rest) = item_index(field)?;
        Some(format!("{key}[{}]{rest}", kept.get(index)?))
    }
}

/// The item index in `field` (`timeline[2].date` gives 2) and what follows it.
fn item_index(field: &str) -> Option<(usize, &str)> {
    let (_, after) = field.split_once('[')?;
    let (index, rest) = after.split_once(']')?;
    Some((index.parse().ok()?, rest))
}

/// The file `text`, whose front matter has `errors` ([`all_errors`]), decoded as if
/// each field and list item with an error were left out, and each required field then
/// missing were given a stand-in. What [`super::validate`] says of the rest can then be
/// said at once, rather than once the errors are fixed. What is left out becomes
/// comment lines, so the rest keeps its lines. `None` for TOML, or when the rest does
/// not decode either.
pub fn without_errors(text: &str, errors: &[FrontMatterError]) -> Option<Rest> {
    let text = normalize(text);
    let Ok((Syntax::Yaml, front, _)) = split(&text) else {
        return None;
    };
    let lines: Vec<&str> = front.lines().collect();
    let blocks = top_level_blocks(&lines);
    // (top-level field, the index of its item with the error, if any)
    let wrong: Vec<(&str, Option<usize>)> = errors
        .iter()
        .filter_map(|e| e.field.as_deref())
        .map(|field| {
            let key = top_level_key(field);
            (key, item_index(&field[key.len()..]).map(|(n, _)| n))
        })
        .collect();
    let mut left_out = Vec::new();
    let mut kept_items = Vec::new();
    let mut comment = Vec::new();
    for (key, from, to) in &blocks {
        let wrong_items: Vec<Option<usize>> = wrong
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, item)| *item)
            .collect();
        if wrong_items.is_empty() {
            continue;
        }
        let items = list_items(&lines[*from..*to]);
        let kept: Vec<usize> = (0..items.len())
            .filter(|n| !wrong_items.contains(&Some(*n)))
            .collect();
        if wrong_items.contains(&None) || kept.is_empty() {
            comment.push(*from..*to);
            left_out.push(key.clone());
            continue;
        }
        for (n, (item_from, item_to)) in items.into_iter().enumerate() {
            if !kept.contains(&n) {
                comment.push(from + item_from..from + item_to);
            }
        }
        kept_items.push((key.clone(), kept));
    }
    let mut mended = String::from("---\n");
    let mut next = 0;
    for range in comment {
        push_lines(&mut mended, &lines[next..range.start]);
        mended.push_str(&"#\n".repeat(range.len()));
        next = range.end;
    }
    push_lines(&mut mended, &lines[next..]);
    for (key, value) in STAND_INS {
        let given = blocks.iter().any(|(k, ..)| k == key);
        if !given || left_out.iter().any(|k| k == key) {
            mended.push_str(&format!("{key}: {value}\n"));
            left_out.push((*key).to_string());
        }
    }
    mended.push_str("---\n");
    Some(Rest {
        parsed: parse(&mended).ok()?,
        left_out,
        kept_items,
    })
}

fn push_lines(out: &mut String, lines: &[&str]) {
    for line in lines {
        out.push_str(line);
        out.push('\n');
    }
}

/// The top-level field of a field's path: `timeline` for `timeline[2].date`.
fn top_level_key(field: &str) -> &str {
    field.split(['[', '.']).next().unwrap_or(field)
}

/// The required fields of an incident, with values that decode: what a field or item
/// decoded apart is given beside it.
const STAND_INS: &[(&str, &str)] = &[
    ("id", "X"),
    ("title", "X"),
    // The earliest date, so that no `closed` date is said to come before it.
    ("date", "0001-01-01"),
    ("category", "X"),
    ("severity", "1"),
    ("status", "X"),
];

/// The top-level fields of YAML front matter lines: each field's key and its lines
/// (`from..to`), from its key's line to the next key's. Comments and the items of a
/// list written at the key's indentation belong to the field above them.
fn top_level_blocks(lines: &[&str]) -> Vec<(String, usize, usize)> {
    let mut blocks: Vec<(String, usize, usize)> = Vec::new();
    for (n, line) in lines.iter().enumerate() {
        let starts_key = !line.starts_with([' ', '\t', '#', '-']) && !line.is_empty();
        match line.split_once(':') {
            Some((key, _)) if starts_key => {
                if let Some(last) = blocks.last_mut() {
                    last.2 = n;
                }
                blocks.push((
                    key.trim().trim_matches(['"', '\'']).to_string(),
                    n,
                    lines.len(),
                ));
            }
            _ => {}
        }
    }
    blocks
}

/// The items of a block list field (`key:` alone on its line, then `- ` lines), as
/// ranges of its lines; none for any other field.
fn list_items(block: &[&str]) -> Vec<(usize, usize)> {
    let Some((head, rest)) = block.split_first() else {
        return Vec::new();
    };
    if !head
        .split_once(':')
        .is_some_and(|(_, value)| value.trim().is_empty())
    {
        return Vec::new();
    }
    let is_item = |line: &str| {
        let trimmed = line.trim_start_matches(' ');
        trimmed == "-" || trimmed.starts_with("- ")
    };
    let Some(indent) = rest
        .iter()
        .find(|line| is_item(line))
        .map(|line| line.len() - line.trim_start_matches(' ').len())
    else {
        return Vec::new();
    };
    let mut items: Vec<(usize, usize)> = Vec::new();
    for (n, line) in rest.iter().enumerate() {
        if is_item(line) && line.len() - line.trim_start_matches(' ').len() == indent {
            if let Some(last) = items.last_mut() {
                last.1 = n + 1;
            }
            items.push((n + 1, block.len()));
        }
    }
    items
}

/// The error of top-level field `key` decoded apart: its `lines` (or, for `item`, the
/// lines of that item of the list), which start on line `line` of the file, beside
/// stand-ins for the other required fields.
fn decode_apart(
    key: &str,
    lines: &[&str],
    item: Option<usize>,
    line: usize,
) -> Option<FrontMatterError> {
    let mut front = String::new();
    let mut before = 0;
    for (required, value) in STAND_INS.iter().filter(|(k, _)| *k != key) {
        front.push_str(&format!("{required}: {value}\n"));
        before += 1;
    }
    if item.is_some() {
        front.push_str(key);
        front.push_str(":\n");
        before += 1;
    }
    for l in lines {
        front.push_str(l);
        front.push('\n');
    }
    let mut error = decode_yaml_fully(&front, 1).err()?;
    // Lines of the text decoded, back to the file's.
    error.line = Some(line + error.line.unwrap_or(before + 1).saturating_sub(before + 1));
    let field = error.field.take().unwrap_or_else(|| key.to_string());
    error.field = Some(match item {
        Some(n) => match field.strip_prefix(&format!("{key}[0]")) {
            Some(rest) => format!("{key}[{n}]{rest}"),
            None => format!("{key}[{n}]"),
        },
        None => field,
    });
    Some(error)
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

    /// `parse`'s error of `text` and what `all_errors` adds to it, as `line field`.
    fn every_error(text: &str) -> Vec<String> {
        let first = parse(text).unwrap_err();
        all_errors(text, first)
            .iter()
            .map(|e| {
                format!(
                    "{} {}",
                    e.line.unwrap_or(0),
                    e.field.as_deref().unwrap_or("-")
                )
            })
            .collect()
    }

    #[test]
    fn every_field_and_item_is_checked_apart() {
        let text = "---\nid: FIR-1\ntitle: Test\ndate: 2024-13-01\ncategory: phishing\nseverity: high\n\
                    tags: [a, [b]\ntimeline:\n  - date: 2024-05-01T10:00:00Z\n    text: fine\n\
                    \x20 - text: no date\n  # a comment\n\n  - date: soon\n    text: |\n      Two\n      lines\n\
                    todos:\n- task: compact list\n  deadline: never\n- task: fine\n\
                    colour: red\n---\nBody\n";
        assert_eq!(
            every_error(text),
            [
                "4 date",
                "6 severity",
                "7 tags",
                "11 timeline[1]",
                "14 timeline[2].date",
                "20 todos[0].deadline",
                "22 colour",
                "2 status",
            ]
        );
    }

    /// A file with one problem gets that one alone, wherever it is and whatever the
    /// file's other fields: the fields decoded apart add nothing of their own.
    #[test]
    fn one_problem_is_one_error() {
        let valid = "---\nid: FIR-1\ntitle: \"Quoted: yes\"\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\n\
                     severity: 2\nstatus: open\ntlp: AMBER\nbusiness_lines:\n  - Retail\nmajor: true\n\
                     tags: [a, b]\nartifacts:\n  - type: ip\n    value: 1.2.3.4\n\
                     timeline:\n  - date: 2024-05-01T10:00:00Z\n    action: info\n    text: >\n      folded\n\
                     nuggets:\n  - date: 2024-05-01T10:00:00Z\n    source: proxy\n    raw: |\n      a: b\n\
                     todos:\n  - task: call\n    deadline: 2024-05-02\n---\nBody\n";
        assert!(parse(valid).is_ok());
        let broken = [
            ("severity: 2", "severity: two", "6 severity"),
            ("major: true", "major: maybe", "11 major"),
            (
                "    value: 1.2.3.4",
                "    value: [1]",
                "15 artifacts[0].value",
            ),
            (
                "    action: info",
                "    action: [info]",
                "18 timeline[0].action",
            ),
            (
                "    source: proxy",
                "    origin: proxy",
                "23 nuggets[0].origin",
            ),
            (
                "    deadline: 2024-05-02",
                "    deadline: 2024-05-32",
                "28 todos[0].deadline",
            ),
            // A missing field: named, on the front matter's first line.
            ("status: open\n", "", "2 status"),
        ];
        for (from, to, expected) in broken {
            let text = valid.replacen(from, to, 1);
            assert_eq!(every_error(&text), [expected], "{to}");
        }
    }

    proptest::proptest! {
        /// Whatever the lines of a front matter, the errors start with `parse`'s own
        /// and name no field twice, and the rest holds none of them.
        #[test]
        fn every_error_starts_with_the_first_and_repeats_none(
            lines in proptest::collection::vec(
                "(id|title|date|severity|status|timeline|todos|x|  - date|  - task|- text|    text|\"q\"|#|)(: )?(2024-05-01|high|\\[a|\\||>|-|1|)",
                0..24,
            )
        ) {
            let text = format!("---\n{}\n---\nBody\n", lines.join("\n"));
            if let Err(first) = parse(&text) {
                let errors = all_errors(&text, first.clone());
                proptest::prop_assert_eq!(&errors[0], &first);
                let mut fields: Vec<&str> = errors.iter().filter_map(|e| e.field.as_deref()).collect();
                let named = fields.len();
                fields.sort_unstable();
                fields.dedup();
                proptest::prop_assert_eq!(fields.len(), named);
                // Nothing with an error is in the rest.
                if let Some(rest) = without_errors(&text, &errors) {
                    for field in fields {
                        let key = top_level_key(field);
                        match item_index(&field[key.len()..]) {
                            Some((n, _)) => {
                                for j in 0..24 {
                                    proptest::prop_assert_ne!(
                                        rest.field_in_file(&format!("{key}[{j}]")),
                                        Some(format!("{key}[{n}]"))
                                    );
                                }
                            }
                            None => proptest::prop_assert_eq!(rest.field_in_file(key), None),
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn errors_without_a_field_and_toml_stand_alone() {
        let unclosed = "---\nid: x\n";
        assert_eq!(all_errors(unclosed, parse(unclosed).unwrap_err()).len(), 1);
        let toml = "+++\nid = \"x\"\ntitle = 1\ndate = \"soon\"\n+++\n";
        assert_eq!(all_errors(toml, parse(toml).unwrap_err()).len(), 1);
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
