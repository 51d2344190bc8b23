//! The incident model: one Markdown file with front matter per incident.
//!
//! Field names and their order are part of the public file format (see README.md).
//! This module is pure: parsing and writing work on strings, never on files.

mod append;
mod datetime;
mod edit;
mod fast_yaml;
mod front_matter;
mod validate;
mod yaml;

pub use append::{PatchError, append};
pub(crate) use datetime::ShortText;
pub use datetime::{DateError, DateTime};
pub use edit::{
    append_timeline, mark_todo_done, set_scalar, with_items, with_timeline_entry, with_todo_done,
};
pub use front_matter::{
    FieldLines, FrontMatterError, Parsed, Rest, all_errors, parse, parse_without_fast_path,
    without_errors,
};
pub use validate::{FIXED_BY_CHECK, fix_terms, is_valid_id, resolve_terms, validate};
pub use yaml::to_markdown;

use serde::{Deserialize, Serialize};

/// One incident (or event, when `incident` is false), as stored in its file.
///
/// The Markdown body of the file is the [`description`](Incident::description).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// Unique id, also the file stem: `[A-Za-z0-9._-]+`.
    pub id: String,
    pub title: String,
    /// When the incident started or was reported.
    pub date: DateTime,
    /// Category slug from `fir.toml`.
    pub category: String,
    /// 1 (low) to 4 (critical) by default; the scale comes from `fir.toml`.
    #[serde(deserialize_with = "severity")]
    pub severity: u8,
    /// Status slug from `fir.toml` (`open`, `blocked`, `closed` by default).
    pub status: String,
    /// Traffic Light Protocol level: CLEAR, GREEN, AMBER, AMBER+STRICT or RED.
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub tlp: Option<String>,
    /// Business lines concerned, as tree paths like `Retail Banking > France`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub business_lines: Vec<String>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub detection: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub actor: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub plan: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub major: bool,
    /// False for an event that is tracked but is not an incident.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub incident: bool,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub opened_by: Option<String>,
    /// When the incident was closed; expected once the status is final.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<DateTime>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    /// Indicators listed by hand, on top of those found in the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<Artifact>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nuggets: Vec<Nugget>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub todos: Vec<Todo>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    /// Ids of related incidents.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relations: Vec<String>,
    /// Where an imported incident came from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub legacy: Option<Legacy>,
    /// The Markdown body.
    #[serde(skip)]
    pub description: String,
}

/// An indicator listed explicitly in front matter.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// `ipv4`, `ipv6`, `network`, `domain`, `url`, `email`, `md5`, `sha1`, `sha256`, `sha512`, `cve`, …
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

/// A comment on the incident's timeline, labelled with the action it records.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineEntry {
    pub date: DateTime,
    /// Action label slug from `fir.toml` (`info`, `investigation`, `takedown`, …).
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub author: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub text: String,
}

/// A piece of raw evidence (log line, header, capture) and what it means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Nugget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<DateTime>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub raw: String,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub interpretation: Option<String>,
    /// When the activity the nugget shows started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime>,
    /// When the activity the nugget shows ended.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime>,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub found_by: Option<String>,
}

/// A task to follow the incident up, possibly for another business line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Todo {
    pub task: String,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub business_line: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline: Option<DateTime>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub done: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<DateTime>,
}

/// A measured fact about the incident (`Compromised accounts: 12`, `Loss: 4000 EUR`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attribute {
    pub name: String,
    pub value: String,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub unit: Option<String>,
}

/// Where an imported incident came from in a legacy register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Legacy {
    /// The file name of the register.
    pub source: String,
    #[serde(default, skip_serializing_if = "is_empty_text")]
    pub sheet: Option<String>,
    /// 1-based row number in the sheet, as a spreadsheet shows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u32>,
    /// The reference the register gave the incident.
    #[serde(rename = "ref", default, skip_serializing_if = "is_empty_text")]
    pub reference: Option<String>,
}

/// A whole number from 0 to 255, also when written as text (`"3"`), with a message
/// that says what a severity is.
fn severity<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<u8, D::Error> {
    struct SeverityVisitor;
    impl serde::de::Visitor<'_> for SeverityVisitor {
        type Value = u8;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a severity number like 1, 2, 3 or 4")
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<u8, E> {
            u8::try_from(v).map_err(|_| E::custom(format!("severity {v} is out of range (0-255)")))
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<u8, E> {
            u8::try_from(v).map_err(|_| E::custom(format!("severity {v} is out of range (0-255)")))
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<u8, E> {
            v.trim()
                .parse()
                .map_err(|_| E::custom(format!("expected a severity number like 1-4, got {v:?}")))
        }
    }
    deserializer.deserialize_any(SeverityVisitor)
}

fn is_empty_text(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(str::is_empty)
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_true(b: &bool) -> bool {
    *b
}

fn yes() -> bool {
    true
}

impl Incident {
    /// A new incident with the required fields; everything else empty.
    pub fn new(id: impl Into<String>, title: impl Into<String>, date: DateTime) -> Self {
        Incident {
            id: id.into(),
            title: title.into(),
            date,
            category: String::new(),
            severity: 1,
            status: String::new(),
            tlp: None,
            business_lines: Vec::new(),
            detection: None,
            actor: None,
            plan: None,
            major: false,
            incident: true,
            opened_by: None,
            closed: None,
            tags: Vec::new(),
            artifacts: Vec::new(),
            timeline: Vec::new(),
            nuggets: Vec::new(),
            todos: Vec::new(),
            attributes: Vec::new(),
            relations: Vec::new(),
            legacy: None,
            description: String::new(),
        }
    }

    /// Brings a value to the form it has after a write and a read:
    /// empty optional text is absent, and the body has no surrounding blank lines.
    pub fn normalize(&mut self) {
        fn none_if_empty(field: &mut Option<String>) {
            if field.as_deref() == Some("") {
                *field = None;
            }
        }
        for field in [
            &mut self.tlp,
            &mut self.detection,
            &mut self.actor,
            &mut self.plan,
            &mut self.opened_by,
        ] {
            none_if_empty(field);
        }
        for entry in &mut self.timeline {
            none_if_empty(&mut entry.action);
            none_if_empty(&mut entry.author);
        }
        for nugget in &mut self.nuggets {
            none_if_empty(&mut nugget.source);
            none_if_empty(&mut nugget.interpretation);
            none_if_empty(&mut nugget.found_by);
        }
        for todo in &mut self.todos {
            none_if_empty(&mut todo.business_line);
        }
        for attribute in &mut self.attributes {
            none_if_empty(&mut attribute.unit);
        }
        if let Some(legacy) = &mut self.legacy {
            none_if_empty(&mut legacy.sheet);
            none_if_empty(&mut legacy.reference);
        }
        self.description = normalize_body(&self.description);
    }

    /// All free text that may mention indicators: title, description, timeline and nuggets.
    pub fn texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.title.as_str())
            .chain(std::iter::once(self.description.as_str()))
            .chain(self.timeline.iter().map(|entry| entry.text.as_str()))
            .chain(self.nuggets.iter().flat_map(|nugget| {
                std::iter::once(nugget.raw.as_str()).chain(nugget.interpretation.as_deref())
            }))
    }
}

/// The body as files store it: `\n` line endings (files are read with Windows line
/// endings folded), no leading blank lines, no trailing white space.
pub(crate) fn normalize_body(body: &str) -> String {
    let trimmed = body.trim_start_matches(['\n', '\r']).trim_end();
    if trimmed.contains("\r\n") {
        // Every `\r` before a line break goes: one pass over `\r\r\n` would leave a
        // `\r\n` that the next read folds, and the body would change on each save.
        trimmed
            .split('\n')
            .map(|line| line.trim_end_matches('\r'))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod normalize_tests {
    #[test]
    fn body_normalisation_is_stable() {
        // Found by fuzzing: `\r\r\n` once became `\r\n`, then `\n` on the next save.
        let once = super::normalize_body("a\r\r\nb\r\nc\rd");
        assert_eq!(once, "a\nb\nc\rd");
        assert_eq!(super::normalize_body(&once), once);
    }
}
