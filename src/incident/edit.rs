//! Small edits of an incident file that leave every other byte of it as it was.

use super::append::{closing_fence, is_key_line, new_key_line, starts_top_level_key};
use super::{DateTime, Incident, TimelineEntry, append, parse, to_markdown, yaml};

/// The whole file for `incident`, replacing `text`, in `text`'s front matter syntax:
/// an edit whose lines cannot be changed in place does not turn a TOML file into YAML.
fn rewritten(text: &str, incident: &Incident) -> String {
    let toml = text.trim_start_matches('\u{feff}').starts_with("+++");
    toml.then(|| yaml::to_toml_markdown(incident))
        .flatten()
        .unwrap_or_else(|| to_markdown(incident))
}

/// The file `text` with `entry` added at the end of its timeline and each of
/// `changes` (`("severity", "3")`, see [`set_scalar`]) made; the incident it
/// describes is returned too.
///
/// The entry is spliced in by [`append`], and each changed field's line alone is
/// replaced, added where the writer puts it, or (a `closed` date dropped on reopening)
/// removed, so hand-made layout and comments survive. `None` when the file is not laid
/// out the way these edits understand (TOML front matter, a flow-style timeline, a
/// changed field written over several lines, …) or when reading the result back does
/// not give exactly the intended incident; the caller then rewrites the whole file.
pub fn append_timeline(
    text: &str,
    entry: &TimelineEntry,
    changes: &[(&str, String)],
) -> Option<(String, Incident)> {
    let mut additions = Incident::new(String::new(), String::new(), entry.date);
    additions.timeline.push(entry.clone());
    let mut out = append(text, &additions).ok()?;
    let mut expected = parse(&out).ok()?.incident;
    for (key, value) in changes {
        if !set_scalar(&mut expected, key, value) {
            return None;
        }
        // Each value in the writer's form: a severity as a number, a date as a date.
        out = match (*key, &expected.closed) {
            ("severity", _) => set_field(&out, key, &expected.severity)?,
            ("closed", Some(date)) => set_field(&out, key, date)?,
            ("closed", None) => remove_field(&out, key)?,
            _ => set_field(&out, key, value.as_str())?,
        };
    }
    let reread = parse(&out).ok()?.incident;
    (reread == expected).then_some((out, expected))
}

/// Sets `incident`'s top-level field `key` (`status`, `severity`, `category`, `tlp`,
/// `detection`, `actor`, `plan` or `closed`, which an empty `value` removes) to `value`
/// as a file writes it; false for another key, a severity that is no number or a date
/// that is no date.
pub fn set_scalar(incident: &mut Incident, key: &str, value: &str) -> bool {
    match key {
        "status" => incident.status = value.to_string(),
        "category" => incident.category = value.to_string(),
        "tlp" => incident.tlp = Some(value.to_string()),
        "detection" => incident.detection = Some(value.to_string()),
        "actor" => incident.actor = Some(value.to_string()),
        "plan" => incident.plan = Some(value.to_string()),
        "severity" => match value.parse() {
            Ok(severity) => incident.severity = severity,
            Err(_) => return false,
        },
        "closed" if value.is_empty() => incident.closed = None,
        "closed" => match value.parse() {
            Ok(date) => incident.closed = Some(date),
            Err(_) => return false,
        },
        _ => return false,
    }
    true
}

/// The file `text` with its task number `index` (from 0, in file order) marked done at
/// `done_at`: its `done:` and `done_at:` lines are replaced, or added at the end of the
/// task's lines, so hand-made layout and comments survive. `None` when the file holds
/// no such task, is not laid out the way this edit understands (TOML front matter, a
/// flow-style list, …), or when reading the result back does not give exactly the
/// intended incident.
pub fn mark_todo_done(text: &str, index: usize, done_at: DateTime) -> Option<(String, Incident)> {
    let mut expected = parse(text).ok()?.incident;
    let todo = expected.todos.get_mut(index)?;
    todo.done = true;
    todo.done_at = Some(done_at);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let items = list_items(&lines, "todos")?;
    let block_end = items.end;
    // Items start with `- ` at the first item's indentation.
    let indent_of = |line: &str| line.len() - line.trim_start().len();
    let first = items
        .clone()
        .find(|&i| lines[i].trim_start().starts_with("- "))?;
    let indent = indent_of(lines[first]);
    let starts: Vec<usize> = (first..block_end)
        .filter(|&i| indent_of(lines[i]) == indent && lines[i].trim_start().starts_with("- "))
        .collect();
    let start = *starts.get(index)?;
    let stop = starts.get(index + 1).copied().unwrap_or(block_end);
    let field_indent = " ".repeat(indent + 2);
    let newline = if lines[start].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let is_field = |line: &str, name: &str| {
        line.get(indent + 2..)
            .is_some_and(|rest| rest.starts_with(name) && rest[name.len()..].starts_with(':'))
    };
    // The task's own `done` and `done_at` lines are replaced; missing ones go after its
    // last line (before blank lines).
    let mut item: Vec<String> = lines[start..stop].iter().map(|l| l.to_string()).collect();
    let mut missing = Vec::new();
    for (name, line) in [
        ("done", format!("{field_indent}done: true{newline}")),
        (
            "done_at",
            format!("{field_indent}{}", yaml::entry("done_at", &done_at)).replace('\n', newline),
        ),
    ] {
        match item.iter_mut().find(|l| is_field(l, name)) {
            Some(existing) => *existing = line,
            None => missing.push(line),
        }
    }
    let at = item.len()
        - item
            .iter()
            .rev()
            .take_while(|l| l.trim().is_empty())
            .count();
    item.splice(at..at, missing);
    let out = [
        lines[..start].concat(),
        item.concat(),
        lines[stop..].concat(),
    ]
    .concat();
    let reread = parse(&out).ok()?.incident;
    (reread == expected).then_some((out, expected))
}

/// The file `text` (holding `before`) with `entry` appended to its timeline and the
/// fields `changes` names set (a status, a severity…), by line edits where the file's
/// layout allows them, else rewritten whole. A status `is_final` says ends the
/// incident adds the `closed` date (the entry's) if there is none; one that does not
/// removes it, so that closing the incident again records the new date.
pub fn with_timeline_entry(
    text: &str,
    before: &Incident,
    entry: TimelineEntry,
    changes: &[(&str, String)],
    is_final: impl Fn(&str) -> bool,
) -> (String, Incident) {
    let status = changes.iter().find(|(key, _)| *key == "status");
    let mut changes = changes.to_vec();
    match (status.map(|(_, value)| is_final(value)), before.closed) {
        (Some(true), None) => changes.push(("closed", entry.date.to_string())),
        (Some(false), Some(_)) => changes.push(("closed", String::new())),
        _ => {}
    }
    append_timeline(text, &entry, &changes).unwrap_or_else(|| {
        let mut incident = before.clone();
        incident.timeline.push(entry);
        for (key, value) in &changes {
            set_scalar(&mut incident, key, value);
        }
        (rewritten(text, &incident), incident)
    })
}

/// The file `text` (holding `before`) with its task `index` (from 0, in file order)
/// done at `now`: its lines edited in place, or the file rewritten whole when its
/// layout does not allow that. A task done already is left as it was; a task that is
/// not there is an error saying so.
pub fn with_todo_done(
    text: &str,
    before: &Incident,
    index: usize,
    now: DateTime,
) -> Result<(String, Incident), String> {
    let Some(todo) = before.todos.get(index) else {
        return Err(format!(
            "no task {} in {}: it has {}",
            index + 1,
            before.id,
            before.todos.len()
        ));
    };
    if todo.done {
        return Ok((text.to_string(), before.clone()));
    }
    Ok(mark_todo_done(text, index, now).unwrap_or_else(|| {
        let mut incident = before.clone();
        incident.todos[index].done = true;
        incident.todos[index].done_at = Some(now);
        (rewritten(text, &incident), incident)
    }))
}

/// The file `text` (holding `before`) with what `add` puts at the end of one of its
/// lists (a task, a nugget), every other byte kept; rewritten whole when its layout
/// does not allow that.
pub fn with_items(
    text: &str,
    before: &Incident,
    add: impl Fn(&mut Incident),
) -> (String, Incident) {
    let mut incident = before.clone();
    add(&mut incident);
    let mut addition = Incident::new(before.id.clone(), before.title.clone(), before.date);
    add(&mut addition);
    match append(text, &addition) {
        Ok(new_text) => (new_text, incident),
        Err(_) => (rewritten(text, &incident), incident),
    }
}

/// `text` with the front matter's top-level `key:` line replaced by one giving `value`,
/// keeping a comment that ended the line; when the front matter has no such line, one
/// is added where the writer puts it. `None` when the file has no YAML front matter.
/// Callers read the result back: a `#` the comment search took wrongly shows.
pub(super) fn set_field<T: serde::Serialize + ?Sized>(
    text: &str,
    key: &str,
    value: &T,
) -> Option<String> {
    let (mut lines, end) = front_matter_lines(text)?;
    let replacement;
    match (1..end).find(|&i| is_key_line(lines[i], key)) {
        Some(at) => {
            let old_value = &lines[at][key.len() + 1..];
            replacement = value_line(lines[at], &format!("{key}:"), old_value, value);
            lines[at] = &replacement;
        }
        None => {
            let newline = if lines[0].ends_with("\r\n") {
                "\r\n"
            } else {
                "\n"
            };
            replacement = yaml::entry(key, value).replace('\n', newline);
            lines.insert(new_key_line(&lines[..end], key), &replacement);
        }
    }
    Some(lines.concat())
}

/// `text` without the front matter's top-level `key:` line, or as it is when it has
/// none. `None` when the file has no YAML front matter or the value goes on past its
/// line (a block), which is not removed line by line.
fn remove_field(text: &str, key: &str) -> Option<String> {
    let (mut lines, end) = front_matter_lines(text)?;
    if let Some(at) = (1..end).find(|&i| is_key_line(lines[i], key)) {
        // A value goes on past its line when the next line that is not blank is
        // indented.
        let next = lines[at + 1..end].iter().find(|l| !l.trim().is_empty());
        if next.is_some_and(|line| line.starts_with([' ', '\t'])) {
            return None;
        }
        lines.remove(at);
    }
    Some(lines.concat())
}

/// The lines of `text` and the place of the fence that closes its YAML front matter.
fn front_matter_lines(text: &str) -> Option<(Vec<&str>, usize)> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    if lines.first()?.trim_end() != "---" {
        return None;
    }
    let end = closing_fence(&lines)?;
    Some((lines, end))
}

/// `text` with each item of the top-level `block:` list whose one-line value `map`
/// turns into another rewritten with it: the item's `field:` line (the timeline's
/// `action:`, say), or, when `field` is `None`, the item itself (`- value`). Its
/// indentation, list dash and comment stay. `None` when the front matter has no such
/// block list. Callers read the result back.
pub(super) fn set_item_values(
    text: &str,
    block: &str,
    field: Option<&str>,
    map: impl Fn(&str) -> Option<String>,
) -> Option<String> {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let items = list_items(&lines, block)?;
    let mut out = String::with_capacity(text.len());
    for (i, line) in lines.iter().enumerate() {
        let replaced = items
            .contains(&i)
            .then(|| item_value(line, field))
            .flatten()
            .and_then(|(at, lead, old)| Some((at, lead, old, map(plain_value(old))?)));
        match replaced {
            Some((at, lead, old, new)) => {
                out.push_str(&line[..at]);
                out.push_str(&value_line(line, &lead, old, &new));
            }
            None => out.push_str(line),
        }
    }
    Some(out)
}

/// The lines of the items of the top-level block list `key` in the front matter of the
/// file split into `lines`. `None` when the file has no YAML front matter or no such
/// list, or when it is written `key: []` or as a flow list, which are not edited line
/// by line.
fn list_items(lines: &[&str], key: &str) -> Option<std::ops::Range<usize>> {
    if lines.first()?.trim_end() != "---" {
        return None;
    }
    let end = closing_fence(lines)?;
    let at = (1..end).find(|&i| lines[i].trim_end().strip_prefix(key) == Some(":"))?;
    let items_end = (at + 1..end)
        .find(|&i| starts_top_level_key(lines[i]))
        .unwrap_or(end);
    Some(at + 1..items_end)
}

/// Where the value of an item's `field` (or, for `None`, the item itself) stands on
/// `line`: the offset of what a rewrite replaces, what precedes the value there
/// (`field:` or `-`), and the value as written.
fn item_value<'l>(line: &'l str, field: Option<&str>) -> Option<(usize, String, &'l str)> {
    let body = line.trim_start();
    let (body, lead) = match field {
        None => (body, "-".to_string()),
        Some(field) => (
            body.strip_prefix("- ").map_or(body, str::trim_start),
            format!("{field}:"),
        ),
    };
    let old = body.strip_prefix(&lead)?;
    (field.is_some() || old.starts_with(' ')).then_some((line.len() - body.len(), lead, old))
}

/// The line `lead value` (`key: value`, `- value`) that replaces `line`, whose value
/// part was `old_value`: with `line`'s line ending and the comment that ended it.
fn value_line<T: serde::Serialize + ?Sized>(
    line: &str,
    lead: &str,
    old_value: &str,
    value: &T,
) -> String {
    let newline = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
    // The writer's form of the value: what follows `x:` in its one-entry mapping.
    let mut replacement = format!("{lead}{}", &yaml::entry("x", value)[2..]);
    if let Some(comment) = trailing_comment(old_value)
        && replacement.matches('\n').count() == 1
    {
        replacement.insert_str(replacement.len() - 1, &format!(" {comment}"));
    }
    replacement.replace('\n', newline)
}

/// A one-line YAML value as text: its comment and surrounding blanks gone, and the
/// quotes around it (the caller reads the file back, so escapes need no care here).
fn plain_value(value: &str) -> &str {
    let value = value.trim_end();
    let value = match trailing_comment(value) {
        Some(comment) => &value[..value.len() - comment.len()],
        None => value,
    }
    .trim();
    for quote in ['"', '\''] {
        if let Some(inner) = value
            .strip_prefix(quote)
            .and_then(|v| v.strip_suffix(quote))
        {
            return inner;
        }
    }
    value
}

/// The `# …` comment that ends a one-line YAML value, if any: from the first ` #`
/// after a quoted value's closing quote, or anywhere in a plain one.
fn trailing_comment(value: &str) -> Option<&str> {
    let value = value.trim_end();
    let unquoted_from = match value.trim_start().chars().next() {
        Some(quote @ ('"' | '\'')) => {
            let start = value.find(quote)? + 1;
            start + closing_quote(&value[start..], quote)? + 1
        }
        _ => 0,
    };
    let at = value[unquoted_from..].find(" #")? + unquoted_from;
    Some(value[at..].trim_start())
}

/// Where the `quote` that closes a quoted YAML scalar stands in `rest` (what follows
/// the opening quote): escapes skipped, `\"` in double quotes and `''` in single ones.
fn closing_quote(rest: &str, quote: char) -> Option<usize> {
    let bytes = rest.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], quote) {
            (b'\\', '"') => i += 2,
            (b'\'', '\'') if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            (byte, _) if byte == quote as u8 => return Some(i),
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::DateTime;

    #[test]
    fn a_comment_ending_a_value_is_found_outside_quotes() {
        for (value, comment) in [
            (" Phishing  # from HR", Some("# from HR")),
            (" Phishing", None),
            (" Phishing#1", None),
            (" \"a # b\" # c", Some("# c")),
            (" \"a # b\"", None),
            (" 'it''s' # c", Some("# c")),
            (" 'it'' # s'", None),
            (" \"'\\\"\\\\ #\"", None),
            (" \"a \\\" # b\" # c", Some("# c")),
            (" plain # one # two\r\n", Some("# one # two")),
        ] {
            assert_eq!(trailing_comment(value), comment, "{value:?}");
        }
    }

    #[test]
    fn item_values_are_set_inside_their_list_only() {
        let text = "---\nid: X\ntimeline:\n- action: Investigation # first\n  text: a\n-   date: 2024-01-01\n    action: \"Closed\"\nnuggets:\n  - action: Investigation\n---\naction: Investigation\n";
        let lower = |v: &str| (v != v.to_lowercase()).then(|| v.to_lowercase());
        assert_eq!(
            set_item_values(text, "timeline", Some("action"), lower).unwrap(),
            "---\nid: X\ntimeline:\n- action: investigation # first\n  text: a\n-   date: 2024-01-01\n    action: closed\nnuggets:\n  - action: Investigation\n---\naction: Investigation\n"
        );
        assert_eq!(set_item_values(text, "todos", Some("action"), lower), None);
        let lines = "---\nid: X\nbusiness_lines:\n  - retail banking # r\n  - Corporate IT\ntags:\n  - retail banking\n---\n";
        let capital = |v: &str| (v == "retail banking").then(|| "Retail Banking".to_string());
        assert_eq!(
            set_item_values(lines, "business_lines", None, capital).unwrap(),
            "---\nid: X\nbusiness_lines:\n  - Retail Banking # r\n  - Corporate IT\ntags:\n  - retail banking\n---\n"
        );
    }

    #[test]
    fn set_field_keeps_the_comment_and_the_line_ending() {
        let text = "---\r\nid: X\r\nstatus: Open # by hand\r\nstatusline: y\r\n---\r\n";
        assert_eq!(
            set_field(text, "status", "open").unwrap(),
            "---\r\nid: X\r\nstatus: open # by hand\r\nstatusline: y\r\n---\r\n"
        );
        assert_eq!(
            set_field(text, "category", "x").unwrap(),
            "---\r\nid: X\r\ncategory: x\r\nstatus: Open # by hand\r\nstatusline: y\r\n---\r\n"
        );
        assert_eq!(set_field("+++\nid = 1\n+++\n", "status", "x"), None);
    }

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
        let (out, _) = append_timeline(FILE, &entry("first"), &[]).unwrap();
        assert_eq!(
            out,
            FILE.replace(
                "relations:",
                "timeline:\n  - date: 2024-05-02T10:00:00Z\n    action: info\n    author: Ana\n    text: first\nrelations:"
            )
        );
        let changes = [
            ("status", "closed".to_string()),
            ("severity", "4".to_string()),
        ];
        let (again, incident) =
            append_timeline(&out, &entry("---\n\"x\": !!str y"), &changes).unwrap();
        assert_eq!(incident.timeline.len(), 2);
        assert_eq!(incident.timeline[1].text, "---\n\"x\": !!str y");
        assert_eq!((incident.status.as_str(), incident.severity), ("closed", 4));
        assert!(again.contains("title: Test   # hand comment\n"));
        assert!(again.contains("\nseverity: 4\nstatus: closed\n"), "{again}");
        assert!(again.ends_with("relations:\n- FIR-0\n---\n\nBody.\n"));
    }

    #[test]
    fn missing_fields_are_added_where_the_writer_puts_them() {
        let changes = [
            ("tlp", "RED".to_string()),
            ("status", "closed".to_string()),
            ("closed", "2024-05-02T10:00:00Z".to_string()),
        ];
        let (closed, incident) = append_timeline(FILE, &entry("done"), &changes).unwrap();
        assert!(
            closed.starts_with("---\nid: FIR-1\ntitle: Test   # hand comment\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\nseverity: 2\nstatus: closed\ntlp: RED\nclosed: 2024-05-02T10:00:00Z\ntimeline:\n"),
            "{closed}"
        );
        assert_eq!(incident.closed, Some(entry("").date));
        // Reopening removes the date's line and nothing else.
        let (reopened, incident) = append_timeline(
            &closed,
            &entry("again"),
            &[("status", "open".into()), ("closed", String::new())],
        )
        .unwrap();
        assert_eq!(incident.closed, None);
        assert_eq!(
            reopened.replacen("status: open\n", "status: closed\n", 1),
            closed.replace(
                "closed: 2024-05-02T10:00:00Z\n",
                ""
            ).replace(
                "    text: done\n",
                "    text: done\n  - date: 2024-05-02T10:00:00Z\n    action: info\n    author: Ana\n    text: again\n"
            )
        );
        // Line endings follow the file's; a bad date changes nothing.
        let crlf = FILE.replace('\n', "\r\n");
        let (out, _) = append_timeline(&crlf, &entry("x"), &changes[..1]).unwrap();
        assert!(
            out.contains("status: open\r\ntlp: RED\r\ntimeline:\r\n"),
            "{out}"
        );
        assert!(append_timeline(FILE, &entry("x"), &[("closed", "soon".into())]).is_none());
    }

    /// An edit that rewrites a TOML file whole keeps it TOML; a text that would end
    /// its front matter early makes it YAML rather than a broken file.
    #[test]
    fn files_with_toml_front_matter_stay_toml() {
        let toml = "+++\nid = \"FIR-7\"\ntitle = \"Toml\"\ndate = 2024-03-01T10:00:00+01:00\ncategory = \"phishing\"\nseverity = 2\nstatus = \"open\"\n+++\nBody.\n";
        let before = parse(toml).unwrap().incident;
        let (out, after) = with_timeline_entry(
            toml,
            &before,
            entry("Blocked at the proxy."),
            &[("status", "closed".into())],
            |status| status == "closed",
        );
        assert!(out.starts_with("+++\nid = \"FIR-7\"\n"), "{out}");
        assert!(out.contains("\n[[timeline]]\n"), "{out}");
        assert!(out.ends_with("+++\n\nBody.\n"), "{out}");
        assert_eq!(parse(&out).unwrap().incident, after);
        assert_eq!(after.status, "closed");
        assert!(after.closed.is_some());

        let (out, after) = with_items(toml, &before, |i| {
            i.nuggets.push(super::super::Nugget {
                date: None,
                source: None,
                raw: "line\n+++\nmore".into(),
                interpretation: None,
                start: None,
                end: None,
                found_by: None,
            })
        });
        assert!(out.starts_with("---\n"), "{out}");
        assert_eq!(parse(&out).unwrap().incident, after);
        assert_eq!(after.nuggets[0].raw, "line\n+++\nmore");
    }

    #[test]
    fn remove_field_leaves_other_lines() {
        let text =
            "---\nid: X\nclosed: 2024-01-02 # by hand\n\n# next\ntags:\n- a\n---\nclosed: body\n";
        assert_eq!(
            remove_field(text, "closed").unwrap(),
            "---\nid: X\n\n# next\ntags:\n- a\n---\nclosed: body\n"
        );
        assert_eq!(
            remove_field("---\nid: X\n---\n", "closed").unwrap(),
            "---\nid: X\n---\n"
        );
        assert_eq!(remove_field("+++\nid = 1\n+++\n", "closed"), None);
    }

    #[test]
    fn canonical_files_stay_canonical() {
        let mut incident = parse(FILE).unwrap().incident;
        incident.timeline.push(entry("one"));
        let canonical = to_markdown(&incident);
        let (out, expected) =
            append_timeline(&canonical, &entry("two"), &[("status", "blocked".into())]).unwrap();
        assert_eq!(out, to_markdown(&expected));
        // Fields the file did not have go where the writer puts them.
        let changes = [
            ("status", "closed".to_string()),
            ("closed", "2024-05-03".to_string()),
            ("tlp", "AMBER".to_string()),
        ];
        let (out, expected) = append_timeline(&out, &entry("three"), &changes).unwrap();
        assert_eq!(out, to_markdown(&expected));
    }

    #[test]
    fn unusual_layouts_are_left_to_a_full_rewrite() {
        let flow = FILE.replace("relations:\n- FIR-0\n", "timeline: []\n");
        assert!(append_timeline(&flow, &entry("x"), &[]).is_none());
        // A field whose value goes on past its line is not removed line by line.
        let block = FILE.replace("status: open\n", "status: closed\nclosed:\n  2024-05-03\n");
        assert!(append_timeline(&block, &entry("x"), &[("closed", String::new())]).is_none());
        let toml = "+++\nid = \"FIR-1\"\ntitle = \"T\"\ndate = 2024-05-01T09:30:00Z\ncategory = \"spam\"\nseverity = 1\nstatus = \"open\"\n+++\n";
        assert!(append_timeline(toml, &entry("x"), &[]).is_none());
    }

    #[test]
    fn a_task_is_marked_done_in_place() {
        let done_at: DateTime = "2024-06-02T08:00:00Z".parse().unwrap();
        // Hand layout: a comment, a `done: false` line, tasks indented under the key.
        let file = FILE.replace(
            "relations:\n",
            "todos:\n  # owners agreed on 2024-05-02\n  - task: Call the bank\n    done: false\n  - task: Reset passwords\n    deadline: 2024-05-10\nrelations:\n",
        );
        let (out, incident) = mark_todo_done(&file, 1, done_at).unwrap();
        assert_eq!(
            out,
            file.replace(
                "    deadline: 2024-05-10\n",
                "    deadline: 2024-05-10\n    done: true\n    done_at: 2024-06-02T08:00:00Z\n"
            )
        );
        assert!(incident.todos[1].done && !incident.todos[0].done);
        let (out, _) = mark_todo_done(&out, 0, done_at).unwrap();
        assert!(out.contains("  - task: Call the bank\n    done: true\n    done_at: 2024-06-02T08:00:00Z\n  - task: Reset"), "{out}");
        assert!(out.contains("# owners agreed"));
        // Canonical files stay canonical.
        let mut canonical = parse(&file).unwrap().incident;
        let canonical_text = to_markdown(&canonical);
        let (out, expected) = mark_todo_done(&canonical_text, 1, done_at).unwrap();
        canonical.todos[1].done = true;
        canonical.todos[1].done_at = Some(done_at);
        assert_eq!(
            (out, expected.clone()),
            (to_markdown(&canonical), canonical)
        );
        // No such task, or a layout this edit does not know.
        assert!(mark_todo_done(&file, 2, done_at).is_none());
        assert!(mark_todo_done(FILE, 0, done_at).is_none());
        let flow = FILE.replace("relations:\n", "todos: [{task: x}]\nrelations:\n");
        assert!(mark_todo_done(&flow, 0, done_at).is_none());
    }
}
