//! Adding list items (timeline entries, artifacts, nuggets, attributes, …) to an
//! incident file without rewriting the rest of it: the new items are written by the
//! same writer as whole files and spliced in at the end of their list, so every other
//! byte of the file stays as it was.

use super::{FrontMatterError, Incident, parse, to_markdown};

/// Top-level keys in the order the writer emits them.
const KEY_ORDER: [&str; 23] = [
    "id",
    "title",
    "date",
    "category",
    "severity",
    "status",
    "tlp",
    "business_lines",
    "detection",
    "actor",
    "plan",
    "major",
    "incident",
    "opened_by",
    "closed",
    "tags",
    "artifacts",
    "timeline",
    "nuggets",
    "todos",
    "attributes",
    "relations",
    "legacy",
];

/// Why items could not be appended.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error("{0}")]
    Parse(#[from] FrontMatterError),
    #[error(
        "its front matter is not in the layout fir writes (YAML with block lists), so the new items cannot be added without rewriting it"
    )]
    Layout,
}

/// The file `text` with the list items of `additions` (its `tags`, `artifacts`,
/// `timeline`, `nuggets`, `todos`, `attributes` and `relations`) added at the end of
/// the file's lists. Every other byte is kept. The result is checked to read back as
/// the original incident with the items added; if it would not, nothing is returned.
pub fn append(text: &str, additions: &Incident) -> Result<String, PatchError> {
    let before = parse(text)?.incident;
    let generated = to_markdown(additions);
    let crlf = text.contains("\r\n");
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    if lines.first().map(|l| l.trim_end()) != Some("---") {
        return Err(PatchError::Layout);
    }
    for key in KEY_ORDER {
        let Some(block) = list_block(&generated, key) else {
            continue;
        };
        let block = if crlf {
            block.replace('\n', "\r\n")
        } else {
            block
        };
        let end = closing_fence(&lines).ok_or(PatchError::Layout)?;
        let at = match lines[1..end].iter().position(|l| is_key_line(l, key)) {
            Some(offset) => {
                let start = offset + 1;
                let rest = lines[start].trim_end()[key.len() + 1..].trim();
                if !rest.is_empty() {
                    // `key: []` or a flow list: not something to splice into.
                    return Err(PatchError::Layout);
                }
                (start + 1..end)
                    .find(|&i| starts_top_level_key(&lines[i]))
                    .unwrap_or(end)
            }
            None => {
                let at = new_key_line(&lines[..end], key);
                let newline = if crlf { "\r\n" } else { "\n" };
                lines.insert(at, format!("{key}:{newline}"));
                at + 1
            }
        };
        lines.insert(at, block);
    }
    let result = lines.concat();
    let mut expected = before;
    expected.tags.extend(additions.tags.iter().cloned());
    expected
        .artifacts
        .extend(additions.artifacts.iter().cloned());
    expected.timeline.extend(additions.timeline.iter().cloned());
    expected.nuggets.extend(additions.nuggets.iter().cloned());
    expected.todos.extend(additions.todos.iter().cloned());
    expected
        .attributes
        .extend(additions.attributes.iter().cloned());
    expected
        .relations
        .extend(additions.relations.iter().cloned());
    expected.normalize();
    match parse(&result) {
        Ok(after) if after.incident == expected => Ok(result),
        _ => Err(PatchError::Layout),
    }
}

/// The item lines of list `key` in a file the writer made, without the `key:` line.
fn list_block(generated: &str, key: &str) -> Option<String> {
    if !matches!(
        key,
        "tags" | "artifacts" | "timeline" | "nuggets" | "todos" | "attributes" | "relations"
    ) {
        return None;
    }
    let lines: Vec<&str> = generated.split_inclusive('\n').collect();
    let start = lines.iter().position(|l| is_key_line(l, key))? + 1;
    let end = (start..lines.len())
        .find(|&i| starts_top_level_key(lines[i]) || lines[i].trim_end() == "---")
        .unwrap_or(lines.len());
    Some(lines[start..end].concat())
}

/// The line that closes the front matter opened on the first line.
pub(super) fn closing_fence(lines: &[impl AsRef<str>]) -> Option<usize> {
    (1..lines.len()).find(|&i| lines[i].as_ref().trim_end() == "---")
}

/// Where a missing top-level `key` goes among the front matter's lines `lines` (the
/// opening fence first, the closing one left out): before the first key the writer
/// puts after it, or at the end.
pub(super) fn new_key_line(lines: &[impl AsRef<str>], key: &str) -> usize {
    let later = &KEY_ORDER[KEY_ORDER.iter().position(|k| *k == key).unwrap_or(0)..];
    (1..lines.len())
        .find(|&i| later.iter().any(|k| is_key_line(lines[i].as_ref(), k)))
        .unwrap_or(lines.len())
}

pub(super) fn is_key_line(line: &str, key: &str) -> bool {
    line.strip_prefix(key)
        .and_then(|rest| rest.strip_prefix(':'))
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\r', '\n']))
}

/// Whether `line` starts a top-level key of the front matter.
pub(super) fn starts_top_level_key(line: &str) -> bool {
    line.starts_with(|c: char| c.is_ascii_alphabetic()) && line.contains(':')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{Attribute, DateTime, TimelineEntry};

    fn entry(text: &str) -> TimelineEntry {
        TimelineEntry {
            date: "2024-05-02T10:00:00Z".parse::<DateTime>().unwrap(),
            action: Some("info".into()),
            author: Some("bob".into()),
            text: text.into(),
        }
    }

    fn additions() -> Incident {
        let mut add = Incident::new("x", "x", "2024-01-01".parse().unwrap());
        add.timeline.push(entry("second\nline"));
        add.attributes.push(Attribute {
            name: "Message-ID".into(),
            value: "<a@b>".into(),
            unit: None,
        });
        add
    }

    #[test]
    fn the_key_order_is_the_writers() {
        let mut full = Incident::new("x", "x", "2024-01-01".parse().unwrap());
        full.tlp = Some("RED".into());
        full.business_lines.push("a".into());
        full.detection = Some("d".into());
        full.actor = Some("a".into());
        full.plan = Some("p".into());
        full.major = true;
        full.incident = false;
        full.opened_by = Some("o".into());
        full.closed = Some("2024-01-02".parse().unwrap());
        full.tags.push("t".into());
        full.artifacts.push(crate::incident::Artifact {
            kind: "ipv4".into(),
            value: "1.2.3.4".into(),
        });
        full.timeline.push(entry("t"));
        full.nuggets.push(crate::incident::Nugget {
            date: None,
            source: None,
            raw: "r".into(),
            interpretation: None,
            start: None,
            end: None,
            found_by: None,
        });
        full.todos.push(crate::incident::Todo {
            task: "t".into(),
            business_line: None,
            deadline: None,
            done: false,
            done_at: None,
        });
        full.attributes.extend(additions().attributes);
        full.relations.push("y".into());
        full.legacy = Some(crate::incident::Legacy {
            source: "s".into(),
            sheet: None,
            row: None,
            reference: None,
        });
        let text = to_markdown(&full);
        let keys: Vec<&str> = text
            .lines()
            .filter(|l| starts_top_level_key(l))
            .map(|l| l.split(':').next().unwrap())
            .collect();
        assert_eq!(keys, KEY_ORDER);
    }

    #[test]
    fn appends_to_existing_lists_and_keeps_every_other_byte() {
        let original = "---\nid: FIR-1\ntitle: \"Hand: written\"   # a comment\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\nseverity: 2\nstatus: open\ntimeline:\n  - date: 2024-05-01T10:00:00Z\n    text: first\nrelations:\n  - FIR-2\n---\n\nBody *kept*.\n";
        let result = append(original, &additions()).unwrap();
        assert!(result.starts_with("---\nid: FIR-1\ntitle: \"Hand: written\"   # a comment\n"));
        assert!(result.contains(
            "    text: first\n  - date: 2024-05-02T10:00:00Z\n    action: info\n    author: bob\n    text: |-\n      second\n      line\nattributes:\n  - name: Message-ID\n    value: <a@b>\nrelations:\n  - FIR-2\n---\n\nBody *kept*.\n"
        ), "{result}");
        let removed = result
            .replace("  - date: 2024-05-02T10:00:00Z\n    action: info\n    author: bob\n    text: |-\n      second\n      line\n", "")
            .replace("attributes:\n  - name: Message-ID\n    value: <a@b>\n", "");
        assert_eq!(removed, original);
    }

    #[test]
    fn creates_missing_lists_before_the_closing_fence_with_crlf() {
        let original = "---\r\nid: FIR-1\r\ntitle: T\r\ndate: 2024-05-01\r\ncategory: x\r\nseverity: 1\r\nstatus: open\r\n---\r\n";
        let result = append(original, &additions()).unwrap();
        assert!(
            result.ends_with(
                "      line\r\nattributes:\r\n  - name: Message-ID\r\n    value: <a@b>\r\n---\r\n"
            ),
            "{result:?}"
        );
        assert_eq!(parse(&result).unwrap().incident.timeline.len(), 1);
    }

    #[test]
    fn refuses_layouts_it_cannot_splice() {
        let flow = "---\nid: FIR-1\ntitle: T\ndate: 2024-05-01\ncategory: x\nseverity: 1\nstatus: open\ntimeline: []\n---\n";
        assert!(matches!(
            append(flow, &additions()),
            Err(PatchError::Layout)
        ));
        let toml = "+++\nid = \"FIR-1\"\ntitle = \"T\"\ndate = \"2024-05-01\"\ncategory = \"x\"\nseverity = 1\nstatus = \"open\"\n+++\n";
        assert!(matches!(
            append(toml, &additions()),
            Err(PatchError::Layout)
        ));
    }
}
