//! Writing an incident back to Markdown with YAML front matter.
//!
//! The output is deterministic: fields in the model's order, empty fields omitted, block
//! style for lists, and each string in the simplest YAML form that reads back as the same
//! text (plain, literal block for multi-line text, double-quoted otherwise). Nothing a
//! field contains can end the front matter early: no line of it starts with `---`.

use std::fmt::Write;

use serde_json::Value;

use super::Incident;

/// The whole file for `incident`: front matter, then the description.
pub fn to_markdown(incident: &Incident) -> String {
    let value = serde_json::to_value(incident).expect("an incident always serialises");
    let mut out = String::with_capacity(1024 + incident.description.len());
    out.push_str("---\n");
    if let Value::Object(map) = &value {
        for (key, value) in map {
            write_entry(&mut out, key, value, 0);
        }
    }
    out.push_str("---\n");
    let body = super::normalize_body(&incident.description);
    if !body.is_empty() {
        out.push('\n');
        out.push_str(&body);
        out.push('\n');
    }
    out
}

/// One top-level `key: value` line (or block) as [`to_markdown`] writes it.
pub(super) fn entry<T: serde::Serialize>(key: &str, value: &T) -> String {
    let value = serde_json::to_value(value).expect("plain data always serialises");
    let mut out = String::new();
    write_entry(&mut out, key, &value, 0);
    out
}

fn write_entry(out: &mut String, key: &str, value: &Value, indent: usize) {
    pad(out, indent);
    out.push_str(key);
    out.push(':');
    write_value(out, value, indent);
}

/// Writes what follows `key:` or `- `, including the final newline.
fn write_value(out: &mut String, value: &Value, indent: usize) {
    match value {
        Value::Array(items) => {
            out.push('\n');
            for item in items {
                pad(out, indent + 2);
                out.push('-');
                match item {
                    Value::Object(map) => {
                        // The first entry shares the dash's line, the rest align with it.
                        for (i, (key, value)) in map.iter().enumerate() {
                            if i == 0 {
                                out.push(' ');
                                out.push_str(key);
                                out.push(':');
                                write_value(out, value, indent + 4);
                            } else {
                                write_entry(out, key, value, indent + 4);
                            }
                        }
                        if map.is_empty() {
                            out.push_str(" {}\n");
                        }
                    }
                    other => write_value(out, other, indent + 2),
                }
            }
        }
        Value::Object(map) => {
            out.push('\n');
            for (key, value) in map {
                write_entry(out, key, value, indent + 2);
            }
        }
        Value::String(text) => {
            out.push(' ');
            write_string(out, text, indent);
        }
        Value::Null => out.push_str(" null\n"),
        Value::Bool(b) => {
            let _ = writeln!(out, " {b}");
        }
        Value::Number(n) => {
            let _ = writeln!(out, " {n}");
        }
    }
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

fn write_string(out: &mut String, text: &str, indent: usize) {
    if is_plain_safe(text) {
        out.push_str(text);
        out.push('\n');
    } else if let Some(header) = literal_header(text) {
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
        || text
            .chars()
            .any(|c| matches!(c, '\t' | '\n') || is_special(c))
    {
        return false;
    }
    !looks_like_another_type(text)
}

/// Words and numbers that a YAML reader (1.1 or 1.2) could take for a bool, null or number.
fn looks_like_another_type(text: &str) -> bool {
    const WORDS: [&str; 14] = [
        "true", "false", "yes", "no", "y", "n", "on", "off", "null", "~", ".inf", "-.inf", ".nan",
        "+.inf",
    ];
    let lower = text.to_ascii_lowercase();
    if WORDS.contains(&lower.as_str()) {
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

    #[test]
    fn round_trips_byte_for_byte() {
        let text = to_markdown(&sample());
        let again = parse(&text).unwrap().incident;
        assert_eq!(again, sample());
        assert_eq!(to_markdown(&again), text);
    }
}
