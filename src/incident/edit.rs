//! Small edits of an incident file that leave every other byte of it as it was.

use super::{Incident, TimelineEntry, append, parse, yaml};

/// The file `text` with `entry` added at the end of its timeline and, when `status` is
/// given, its status set; the incident it describes is returned too.
///
/// The entry is spliced in by [`append`], and the status line alone is replaced, so
/// hand-made layout and comments survive. `None` when the file is not laid out the way
/// these edits understand (TOML front matter, a flow-style timeline, …) or when reading
/// the result back does not give exactly the intended incident; the caller then
/// rewrites the whole file.
pub fn append_timeline(
    text: &str,
    entry: &TimelineEntry,
    status: Option<&str>,
) -> Option<(String, Incident)> {
    let mut additions = Incident::new(String::new(), String::new(), entry.date);
    additions.timeline.push(entry.clone());
    let mut out = append(text, &additions).ok()?;
    let mut expected = parse(&out).ok()?.incident;
    if let Some(status) = status {
        out = set_status(&out, status)?;
        expected.status = status.to_string();
    }
    let reread = parse(&out).ok()?.incident;
    (reread == expected).then_some((out, expected))
}

/// `text` with the front matter's top-level `status:` line replaced.
fn set_status(text: &str, status: &str) -> Option<String> {
    let mut offset = text.find('\n')? + 1;
    for line in text[offset..].split_inclusive('\n') {
        if line.trim_end() == "---" {
            return None;
        }
        if line.starts_with("status:") {
            let newline = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
            let replacement = yaml::entry("status", &status).replace('\n', newline);
            let mut out = String::with_capacity(text.len() + replacement.len());
            out.push_str(&text[..offset]);
            out.push_str(&replacement);
            out.push_str(&text[offset + line.len()..]);
            return Some(out);
        }
        offset += line.len();
    }
    None
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
