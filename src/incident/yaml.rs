//! Writing an incident back to Markdown with YAML front matter (and, for a file
//! written with TOML front matter and rewritten whole, TOML: [`to_toml_markdown`]).
//!
//! The output is deterministic: fields in the model's order, empty fields omitted, block
//! style for lists, and each string in the simplest YAML form that reads back as the same
//! text (plain, literal block for multi-line text, double-quoted otherwise). Nothing a
//! field contains can end the front matter early: no line of it starts with `---`.
//!
//! The model is written by a serde serializer straight into the text ([`Emitter`]), with
//! no tree of values in between: importing a register writes thousands of files.

use std::fmt::{self, Write};

use serde::Serialize;
use serde::ser::{self, Impossible};

use super::Incident;

/// The whole file for `incident`: front matter, then the description.
pub fn to_markdown(incident: &Incident) -> String {
    let mut out = String::with_capacity(1024 + incident.description.len());
    out.push_str("---\n");
    incident
        .serialize(Emitter::new(&mut out, Place::Top, 0))
        .expect("an incident always serialises");
    out.push_str("---\n");
    push_body(&mut out, incident);
    out
}

/// The whole file for `incident` with TOML front matter (`+++`), for a file written
/// that way and rewritten whole by an edit: it keeps its syntax. `None` when the TOML
/// would not read back as the same incident (a text holding a `+++` line, which would
/// end the front matter), for the caller to write YAML instead.
pub fn to_toml_markdown(incident: &Incident) -> Option<String> {
    let front = toml::to_string(incident).ok()?;
    if front
        .lines()
        .any(|line| line.trim_start().starts_with("+++"))
    {
        return None;
    }
    let mut out = String::with_capacity(front.len() + 16 + incident.description.len());
    out.push_str("+++\n");
    out.push_str(&front);
    out.push_str("+++\n");
    push_body(&mut out, incident);
    let again = super::parse(&out).ok()?.incident;
    (again == *incident).then_some(out)
}

/// The description after the front matter, as the writer puts it.
fn push_body(out: &mut String, incident: &Incident) {
    let body = super::normalize_body(&incident.description);
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
        out.push('\n');
    }
}

/// One top-level `key: value` line (or block) as [`to_markdown`] writes it.
pub(super) fn entry<T: Serialize + ?Sized>(key: &str, value: &T) -> String {
    let mut out = String::new();
    out.push_str(key);
    out.push(':');
    value
        .serialize(Emitter::new(&mut out, Place::Value, 0))
        .expect("plain data always serialises");
    out
}

/// Where a value goes, which decides how a map or a list starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// The front matter itself: a map's entries at the left margin.
    Top,
    /// After `key:`: a map or list starts on the next line, two columns in.
    Value,
    /// After a list's `-`: a map's first entry shares the dash's line.
    Item,
}

/// A serde serializer writing one value in the front matter's style at `indent` (the
/// column of its key or dash). Scalars end their line; maps and lists write their
/// entries on lines of their own.
struct Emitter<'o> {
    out: &'o mut String,
    place: Place,
    indent: usize,
}

/// What [`Emitter`] refuses: shapes the model never has (enum variants carrying data,
/// map keys that are not text).
#[derive(Debug)]
struct Unsupported(String);

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Unsupported {
    fn variant(name: &str, variant: &str) -> Self {
        Unsupported(format!(
            "{name}::{variant}: enum variants with fields have no front matter form"
        ))
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Unsupported(msg.to_string())
    }
}

impl<'o> Emitter<'o> {
    fn new(out: &'o mut String, place: Place, indent: usize) -> Self {
        Emitter { out, place, indent }
    }

    fn scalar(self, text: &str) -> Result<(), Unsupported> {
        self.out.push(' ');
        write_string(self.out, text, self.indent);
        Ok(())
    }

    /// Numbers, booleans and null: never quoted.
    fn literal(self, text: impl fmt::Display) -> Result<(), Unsupported> {
        let _ = writeln!(self.out, " {text}");
        Ok(())
    }

    fn map(self) -> Entries<'o> {
        let (first_inline, entry_indent) = match self.place {
            Place::Top => (false, self.indent),
            Place::Value => {
                self.out.push('\n');
                (false, self.indent + 2)
            }
            Place::Item => (true, self.indent + 2),
        };
        Entries {
            out: self.out,
            first_inline,
            entry_indent,
            written: 0,
        }
    }

    fn list(self) -> Items<'o> {
        self.out.push('\n');
        Items {
            out: self.out,
            indent: self.indent,
        }
    }
}

/// The entries of a map or struct being written.
struct Entries<'o> {
    out: &'o mut String,
    /// After a dash, the first key goes on the dash's line.
    first_inline: bool,
    entry_indent: usize,
    written: usize,
}

impl Entries<'_> {
    fn key(&mut self, key: &str) {
        if self.first_inline && self.written == 0 {
            self.out.push(' ');
        } else {
            pad(self.out, self.entry_indent);
        }
        self.out.push_str(key);
        self.out.push(':');
        self.written += 1;
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        value.serialize(Emitter::new(self.out, Place::Value, self.entry_indent))
    }

    fn finish(self) -> Result<(), Unsupported> {
        if self.first_inline && self.written == 0 {
            self.out.push_str(" {}\n");
        }
        Ok(())
    }
}

/// The items of a list being written, one `-` line each.
struct Items<'o> {
    out: &'o mut String,
    indent: usize,
}

impl Items<'_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        pad(self.out, self.indent + 2);
        self.out.push('-');
        value.serialize(Emitter::new(self.out, Place::Item, self.indent + 2))
    }
}

/// Booleans and integers are written as they display.
macro_rules! write_literally {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), Unsupported> {
            self.literal(v)
        }
    )*};
}

impl<'o> ser::Serializer for Emitter<'o> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Items<'o>;
    type SerializeTuple = Items<'o>;
    type SerializeTupleStruct = Items<'o>;
    type SerializeTupleVariant = Impossible<(), Unsupported>;
    type SerializeMap = Entries<'o>;
    type SerializeStruct = Entries<'o>;
    type SerializeStructVariant = Impossible<(), Unsupported>;

    write_literally!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64
    );
    fn serialize_f32(self, v: f32) -> Result<(), Unsupported> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Unsupported> {
        // As JSON writes it (`1.0`, `0.25`); no YAML reader takes those for text.
        match serde_json::Number::from_f64(v) {
            Some(number) => self.literal(number),
            None => self.serialize_unit(),
        }
    }
    fn serialize_char(self, v: char) -> Result<(), Unsupported> {
        self.scalar(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Unsupported> {
        self.scalar(v)
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        // Dates come this way: most need no quoting, so they are written in place and
        // only taken back out when they do.
        self.out.push(' ');
        let start = self.out.len();
        let _ = write!(self.out, "{value}");
        if is_plain_safe(&self.out[start..]) {
            self.out.push('\n');
        } else {
            let text = self.out.split_off(start);
            write_not_plain(self.out, &text, self.indent);
        }
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Unsupported> {
        let mut items = self.list();
        for byte in v {
            items.item(byte)?;
        }
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Unsupported> {
        self.literal("null")
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), Unsupported> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), Unsupported> {
        self.scalar(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        // `variant: value`, as JSON writes an externally tagged enum.
        let mut entries = self.map();
        entries.key(variant);
        entries.value(value)?;
        entries.finish()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Items<'o>, Unsupported> {
        Ok(self.list())
    }
    fn serialize_tuple(self, _len: usize) -> Result<Items<'o>, Unsupported> {
        Ok(self.list())
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Items<'o>, Unsupported> {
        Ok(self.list())
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported::variant(name, variant))
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Entries<'o>, Unsupported> {
        Ok(self.map())
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Entries<'o>, Unsupported> {
        Ok(self.map())
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported::variant(name, variant))
    }
}

/// Lists, tuples and tuple structs are all written as block lists.
macro_rules! write_as_list {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Items<'_> {
            type Ok = ();
            type Error = Unsupported;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
                self.item(value)
            }
            fn end(self) -> Result<(), Unsupported> {
                Ok(())
            }
        }
    )*};
}

write_as_list!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

impl ser::SerializeStruct for Entries<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Unsupported> {
        self.key(key);
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

impl ser::SerializeMap for Entries<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Unsupported> {
        // Written as a scalar would be (quoted if need be), then set before the colon.
        let mut text = String::new();
        key.serialize(Emitter::new(&mut text, Place::Value, 0))?;
        match text.strip_prefix(' ').and_then(|t| t.strip_suffix('\n')) {
            Some(key) if !key.contains('\n') => {
                self.key(key);
                Ok(())
            }
            _ => Err(Unsupported("a map key must be text or a number".into())),
        }
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Unsupported> {
        self.value(value)
    }
    fn end(self) -> Result<(), Unsupported> {
        self.finish()
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_string(out: &mut String, text: &str, indent: usize) {
    if is_plain_safe(text) {
        out.push_str(text);
        out.push('\n');
    } else {
        write_not_plain(out, text, indent);
    }
}

/// A string [`is_plain_safe`] refuses: as a literal block if it can be, else quoted.
fn write_not_plain(out: &mut String, text: &str, indent: usize) {
    if let Some(header) = literal_header(text) {
        out.push_str(header);
        out.push('\n');
        let content = text.strip_suffix('\n').unwrap_or(text);
        for line in content.split('\n') {
            if !line.is_empty() {
                pad(out, indent + 2);
                out.push_str(line);
            }
            out.push('\n');
        }
    } else {
        write_double_quoted(out, text);
        out.push('\n');
    }
}

/// `|` or `|-` when `text` can be a literal block scalar, `None` otherwise.
fn literal_header(text: &str) -> Option<&'static str> {
    if !text.contains('\n') || text.ends_with("\n\n") || text.starts_with([' ', '\t', '\n']) {
        return None;
    }
    let printable = text
        .chars()
        .all(|c| c == '\n' || c == '\t' || !is_special(c));
    // Lines of blanks only would be read back as empty lines.
    let no_blank_lines = text
        .split('\n')
        .all(|line| line.is_empty() || !line.chars().all(|c| c == ' ' || c == '\t'));
    // A tab or space at the end of the text would be kept, but trailing blanks on the
    // last line are easy to lose in an editor; quote those.
    let clean_end = !text.trim_end_matches('\n').ends_with([' ', '\t']);
    if !(printable && no_blank_lines && clean_end) {
        return None;
    }
    Some(if text.ends_with('\n') { "|" } else { "|-" })
}

/// Characters that only a double-quoted scalar can carry: YAML's non-printable
/// characters, and those some readers take for line breaks or a byte-order mark.
pub(super) fn is_special(c: char) -> bool {
    let printable = matches!(c, '\t' | '\n' | '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}';
    !printable || matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}')
}

fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.starts_with([' ', '\t'])
        || text.ends_with([' ', '\t', ':'])
        || "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || text.contains(": ")
        || text.contains(" #")
        || has_control(text)
    {
        return false;
    }
    !looks_like_another_type(text)
}

/// Whether `text` holds a tab, a line break or a character [`is_special`] finds: byte
/// by byte for ASCII text, which most is.
fn has_control(text: &str) -> bool {
    if text.is_ascii() {
        text.bytes().any(|b| b < 0x20 || b == 0x7f)
    } else {
        text.chars()
            .any(|c| matches!(c, '\t' | '\n') || is_special(c))
    }
}

/// Words and numbers that a YAML reader (1.1 or 1.2) could take for a bool, null or number.
fn looks_like_another_type(text: &str) -> bool {
    const WORDS: [&str; 14] = [
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ".inf", "-.inf", ".nan",
        "+.inf",
    ];
    if WORDS.iter().any(|word| word.eq_ignore_ascii_case(text)) {
        return true;
    }
    let numeric_chars = text
        .chars()
        .all(|c| c.is_ascii_hexdigit() || "+-._:xXoO".contains(c));
    let starts_numeric = text.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
    if !(numeric_chars && starts_numeric) {
        return false;
    }
    // Dates are plain text to every reader that matters here and look better unquoted.
    let is_date = text.len() == 10
        && text.as_bytes()[4] == b'-'
        && text.as_bytes()[7] == b'-'
        && text.parse::<super::DateTime>().is_ok();
    !is_date
}

fn write_double_quoted(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{85}' => out.push_str("\\N"),
            '\u{2028}' => out.push_str("\\L"),
            '\u{2029}' => out.push_str("\\P"),
            c if is_special(c) => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{DateTime, TimelineEntry, parse};

    fn sample() -> Incident {
        let mut incident = Incident::new(
            "FIR-2024-0001",
            "Phishing: fake \"bank\" page",
            "2024-05-01T09:30:00+02:00".parse::<DateTime>().unwrap(),
        );
        incident.category = "phishing".into();
        incident.severity = 3;
        incident.status = "open".into();
        incident.tags = vec!["yes".into(), "2024-05-01".into(), "1.2.3".into()];
        incident.timeline.push(TimelineEntry {
            date: "2024-05-01T10:00:00Z".parse().unwrap(),
            action: Some("info".into()),
            author: Some("alice".into()),
            text: "line one\n---\nline three".into(),
        });
        incident.description = "# Summary\n\nSome text.".into();
        incident
    }

    #[test]
    fn writes_the_documented_layout() {
        let text = to_markdown(&sample());
        let expected = "---
id: FIR-2024-0001
title: \"Phishing: fake \\\"bank\\\" page\"
date: 2024-05-01T09:30:00+02:00
category: phishing
severity: 3
status: open
tags:
  - \"yes\"
  - 2024-05-01
  - \"1.2.3\"
timeline:
  - date: 2024-05-01T10:00:00Z
    action: info
    author: alice
    text: |-
      line one
      ---
      line three
---

# Summary

Some text.
";
        assert_eq!(text, expected);
    }

    /// Shapes the model does not have today still come out as block YAML: maps in
    /// lists, empty maps, nested lists, keys that need quotes.
    #[test]
    fn writes_any_json_value() {
        let value = serde_json::json!({
            "a": [1, {"b": "c", "d": [true]}, {}],
            "e": {"f": "yes"},
            "g": null,
            "1.0": 2.5,
        });
        let expected = "x:
  a:
    - 1
    - b: c
      d:
        - true
    - {}
  e:
    f: \"yes\"
  g: null
  \"1.0\": 2.5
";
        assert_eq!(entry("x", &value), expected);
    }

    #[test]
    fn round_trips_byte_for_byte() {
        let text = to_markdown(&sample());
        let again = parse(&text).unwrap().incident;
        assert_eq!(again, sample());
        assert_eq!(to_markdown(&again), text);
    }
}
