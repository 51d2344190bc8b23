//! Small edits of an incident file that leave every other byte of it as it was.

use super::front_matter::Syntax;
use super::{Incident, TimelineEntry, parse, yaml};

/// Top-level fields the writer puts after `timeline`, in its order.
const AFTER_TIMELINE: [&str; 5] = ["nuggets", "todos", "attributes", "relations", "legacy"];

/// The file `text` with `entry` added at the end of its timeline and, when `status` is
/// given, its status set; the incident it describes is returned too.
///
/// Only the lines that change are touched, so hand-made layout and comments survive.
/// `None` when the file is not laid out the way this edit understands (TOML front
/// matter, a flow-style timeline, …) or when reading the result back does not give
/// exactly the intended incident; the caller then rewrites the whole file.
pub fn append_timeline(
    text: &str,
    entry: &TimelineEntry,
    status: Option<&str>,
) -> Option<(String, Incident)> {
    let parsed = parse(text).ok()?;
    if parsed.syntax != Syntax::Yaml || text.contains('\r') || !text.starts_with("---\n") {
        return None;
    }
    let mut expected = parsed.incident;
    expected.timeline.push(entry.clone());
    if let Some(status) = status {
        expected.status = status.to_string();
    }

    // Byte offsets of the front matter's lines, up to the closing `---`.
    let mut lines = Vec::new();
    let mut offset = 4;
    let close = loop {
        let rest = &text[offset..];
        let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
        if len == 0 {
            return None;
        }
        if rest[..len].trim_end() == "---" {
            break offset;
        }
        lines.push((offset, &rest[..len]));
        offset += len;
    };
    let top_level_key = |line: &str| -> Option<String> {
        if line.starts_with([' ', '\t', '-', '#', '\n']) {
            return None;
        }
        line.split_once(':').map(|(key, _)| key.trim().to_string())
    };
    let keys: Vec<(usize, usize, String)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, (at, line))| top_level_key(line).map(|key| (i, *at, key)))
        .collect();

    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let item = yaml::list_item(entry);
    match keys.iter().position(|(_, _, key)| key == "timeline") {
        Some(k) => {
            let (i, _, _) = keys[k];
            if lines[i].1.trim_end() != "timeline:" {
                return None;
            }
            let end = keys.get(k + 1).map_or(close, |(_, at, _)| *at);
            // Comments and blank lines after the last item stay after the new one.
            let mut insert_at = end;
            for (at, line) in lines.iter().rev() {
                if *at >= end {
                    continue;
                }
                if line.trim().is_empty() || line.starts_with('#') {
                    insert_at = *at;
                } else {
                    break;
                }
            }
            edits.push((insert_at, insert_at, item));
        }
        None => {
            let at = keys
                .iter()
                .find(|(_, _, key)| AFTER_TIMELINE.contains(&key.as_str()))
                .map_or(close, |(_, at, _)| *at);
            edits.push((at, at, format!("timeline:\n{item}")));
        }
    }
    if let Some(status) = status {
        let (i, at, _) = keys.iter().find(|(_, _, key)| key == "status")?;
        edits.push((*at, at + lines[*i].1.len(), yaml::entry("status", &status)));
    }
    edits.sort_by_key(|(from, _, _)| std::cmp::Reverse(*from));
    let mut out = text.to_string();
    for (from, to, with) in edits {
        out.replace_range(from..to, &with);
    }
    let reread = parse(&out).ok()?.incident;
    (reread == expected).then_some((out, expected))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{DateTime, to_markdown};

    fn entry(text: &str) -> TimelineEntry {
        TimelineEntry {
            date: "2024-05-02T10:00:00Z".parse::<DateTime>().unwrap(),
            action: Some("info".into()),
            author: Some("Ana".into()),
            text: text.into(),
        }
    }

    const FILE: &str = "---\nid: FIR-1\ntitle: Test   # hand comment\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\nseverity: 2\nstatus: open\nrelations:\n- FIR-0\n---\n\nBody.\n";

    #[test]
    fn appends_without_touching_other_lines() {
        let (out, _) = append_timeline(FILE, &entry("first"), None).unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "relations:",
                "timeline:\n  - date: 2024-05-02T10:00:00Z\n    action: info\n    author: Ana\n    text: first\nrelations:"
            )
        );
        let (again, incident) =
            append_timeline(&out, &entry("---\n\"x\": !!str y"), Some("closed")).unwrap();
        assert_eq!(incident.timeline.len(), 2);
        assert_eq!(incident.timeline[1].text, "---\n\"x\": !!str y");
        assert_eq!(incident.status, "closed");
        assert!(again.contains("title: Test   # hand comment\n"));
        assert!(again.ends_with("relations:\n- FIR-0\n---\n\nBody.\n"));
    }

    #[test]
    fn canonical_files_stay_canonical() {
        let mut incident = parse(FILE).unwrap().incident;
        incident.timeline.push(entry("one"));
        let canonical = to_markdown(&incident);
        let (out, expected) = append_timeline(&canonical, &entry("two"), Some("blocked")).unwrap();
        assert_eq!(out, to_markdown(&expected));
    }

    #[test]
    fn unusual_layouts_are_left_to_a_full_rewrite() {
        let flow = FILE.replace("relations:\n- FIR-0\n", "timeline: []\n");
        assert!(append_timeline(&flow, &entry("x"), None).is_none());
        let toml = "+++\nid = \"FIR-1\"\ntitle = \"T\"\ndate = 2024-05-01T09:30:00Z\ncategory = \"spam\"\nseverity = 1\nstatus = \"open\"\n+++\n";
        assert!(append_timeline(toml, &entry("x"), None).is_none());
    }
}
