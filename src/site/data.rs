//! Incidents as data: `data/incidents.json` in the site and `fir export` (JSON, CSV).
//! One code path makes the JSON of both.

use std::collections::HashMap;

use serde::Serialize;

use crate::artifacts::Artifact;
use crate::config::Config;
use crate::incident::Incident;

/// An incident as published: its front matter fields and its Markdown text.
#[derive(Debug, Serialize)]
struct Record<'a> {
    #[serde(flatten)]
    incident: &'a Incident,
    description: &'a str,
    /// Every artifact of the incident, from front matter and texts, normalised
    /// (`artifacts` keeps the front matter as written).
    #[serde(skip_serializing_if = "Option::is_none")]
    indicators: Option<&'a [Artifact]>,
}

/// One incident as a single line of JSON (no newline). Always starts with `{"id":`.
pub fn json_line(incident: &Incident) -> String {
    let mut out = Vec::new();
    write_record(&mut out, incident, None);
    String::from_utf8(out).expect("JSON is UTF-8")
}

fn write_record(out: &mut Vec<u8>, incident: &Incident, indicators: Option<&[Artifact]>) {
    serde_json::to_writer(
        out,
        &Record {
            incident,
            description: &incident.description,
            indicators,
        },
    )
    .expect("incidents serialise to JSON");
}

/// A JSON array with one incident per line, so that a later incremental build can
/// reuse the lines of unchanged incidents. Written straight into one buffer: at 100k
/// incidents the file is hundreds of megabytes, and a copy would double the memory.
#[derive(Debug)]
pub struct JsonArray {
    out: Vec<u8>,
    items: usize,
}

impl JsonArray {
    pub fn with_capacity(bytes: usize) -> JsonArray {
        let mut out = Vec::with_capacity(bytes + 4);
        out.extend_from_slice(b"[\n");
        JsonArray { out, items: 0 }
    }

    /// The rest of an array whose start (see [`unchanged_start`]) is kept.
    pub fn continuing() -> JsonArray {
        JsonArray {
            out: Vec::new(),
            items: 0,
        }
    }

    fn separate(&mut self) {
        if self.items > 0 {
            self.out.extend_from_slice(b",\n");
        }
        self.items += 1;
    }

    /// Adds an incident.
    pub fn push(&mut self, incident: &Incident) {
        self.separate();
        write_record(&mut self.out, incident, None);
    }

    /// Adds an incident with all its artifacts (front matter and texts) as `indicators`.
    pub fn push_with_artifacts(&mut self, incident: &Incident, artifacts: &[Artifact]) {
        self.separate();
        write_record(&mut self.out, incident, Some(artifacts));
    }

    /// The line [`JsonArray::push_with_artifacts`] writes for an incident.
    pub fn line_with_artifacts(incident: &Incident, artifacts: &[Artifact]) -> Vec<u8> {
        let mut out = Vec::new();
        write_record(&mut out, incident, Some(artifacts));
        out
    }

    /// Adds a line made by [`json_line`] (or read back with [`lines_by_id`]).
    pub fn push_line(&mut self, line: &str) {
        self.separate();
        self.out.extend_from_slice(line.as_bytes());
    }

    pub fn finish(mut self) -> Vec<u8> {
        if self.items > 0 {
            self.out.push(b'\n');
        }
        self.out.extend_from_slice(b"]\n");
        self.out
    }
}

/// The start of a file written by [`JsonArray`] that stays as it is, and the rest.
#[derive(Debug)]
pub struct UnchangedStart {
    /// Incidents in the start.
    pub lines: usize,
    /// Its length, up to and with the separator after its last incident.
    pub bytes: u64,
    /// The lines after it, for [`lines_by_id`].
    pub rest: String,
}

/// Reads a file written by [`JsonArray`] line by line while `keep(n, id, line)` says
/// that the `n`-th incident, `id`, written as `line` (without separator), is still
/// the same; the last incident of the file is never in the start (it has no
/// separator after it). The first `trusted` incidents are known to be the same and are
/// passed over without being looked at (all but the last of them, which shows that the
/// file goes on after them): on a large site that is most of hundreds of megabytes.
/// Given the id of the last trusted incident, its line is looked for from the end of
/// the file first, where changes usually are, so that the start is not even read.
pub fn unchanged_start(
    mut file: impl std::io::Read + std::io::Seek,
    trusted: usize,
    last_trusted_id: Option<&str>,
    keep: impl Fn(usize, &str, &[u8]) -> bool,
) -> std::io::Result<UnchangedStart> {
    use std::io::{BufRead, Read};
    let mut start = UnchangedStart {
        lines: 0,
        bytes: 0,
        rest: String::new(),
    };
    let found = match last_trusted_id {
        Some(id) if trusted >= 2 => line_from_end(&mut file, id)?,
        _ => None,
    };
    let mut line = Vec::new();
    let mut bytes;
    let mut reader;
    if let Some(offset) = found {
        file.seek(std::io::SeekFrom::Start(offset))?;
        reader = std::io::BufReader::with_capacity(1 << 20, file);
        start.lines = trusted - 1;
        bytes = offset;
    } else {
        file.rewind()?;
        reader = std::io::BufReader::with_capacity(1 << 20, file);
        reader.read_until(b'\n', &mut line)?;
        if line != b"[\n" {
            return Ok(start);
        }
        bytes = line.len() as u64;
        while start.lines + 1 < trusted {
            let skipped = reader.skip_until(b'\n')?;
            if skipped == 0 {
                break;
            }
            start.lines += 1;
            bytes += skipped as u64;
        }
    }
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            break;
        }
        let same = line.ends_with(b",\n")
            && std::str::from_utf8(&line[..line.len() - 1])
                .ok()
                .and_then(record_of_line)
                .is_some_and(|(record, id)| keep(start.lines, id, record.as_bytes()));
        if !same {
            break;
        }
        start.lines += 1;
        bytes += line.len() as u64;
    }
    start.bytes = if start.lines == 0 { 0 } else { bytes };
    let mut rest = line;
    reader.read_to_end(&mut rest)?;
    start.rest = String::from_utf8(rest)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    Ok(start)
}

/// How far from its end a file is searched for a line before it is read from the start.
const TAIL_SEARCH: u64 = 16 << 20;

/// Where the line of incident `id` starts in a file written by [`JsonArray`], looked
/// for from the end in growing stretches; `None` when it is not in the last
/// [`TAIL_SEARCH`] bytes, or the file does not start as such a file does. Ids are
/// unique in the file, so the line found is the incident's.
fn line_from_end(
    file: &mut (impl std::io::Read + std::io::Seek),
    id: &str,
) -> std::io::Result<Option<u64>> {
    use std::io::{Read, SeekFrom};
    // An id that JSON escapes is not written as it is.
    if id.contains(['"', '\\']) || id.chars().any(char::is_control) {
        return Ok(None);
    }
    let mut head = [0u8; 2];
    file.rewind()?;
    if file.read_exact(&mut head).is_err() || &head != b"[\n" {
        return Ok(None);
    }
    let needle = format!("\n{{\"id\":\"{id}\"");
    let needle = needle.as_bytes();
    let len = file.seek(SeekFrom::End(0))?;
    let mut size: u64 = 64 << 10;
    let mut chunk = Vec::new();
    loop {
        let from = len.saturating_sub(size);
        file.seek(SeekFrom::Start(from))?;
        chunk.clear();
        file.by_ref().take(len - from).read_to_end(&mut chunk)?;
        if let Some(at) = chunk.windows(needle.len()).rposition(|w| w == needle) {
            return Ok(Some(from + at as u64 + 1));
        }
        if from == 0 || size >= TAIL_SEARCH {
            return Ok(None);
        }
        size *= 4;
    }
}

/// The lines of the incidents `ids` in a file written by [`JsonArray`], by id, read
/// line by line (the file is hundreds of megabytes on a large site).
pub fn find_lines(
    file: impl std::io::Read,
    ids: &std::collections::HashSet<&str>,
) -> std::io::Result<HashMap<String, String>> {
    use std::io::BufRead;
    let mut found = HashMap::new();
    let reader = std::io::BufReader::with_capacity(1 << 20, file);
    for line in reader.lines() {
        let line = line?;
        if let Some((record, id)) = record_of_line(&line)
            && ids.contains(id)
        {
            found.insert(id.to_string(), record.to_string());
            if found.len() == ids.len() {
                break;
            }
        }
    }
    Ok(found)
}

/// The incident a line of the data file holds (its extra keys set aside).
pub fn incident_from_line(line: &str) -> Option<Incident> {
    let mut record: serde_json::Map<String, serde_json::Value> = serde_json::from_str(line).ok()?;
    record.remove("indicators");
    let description = match record.remove("description") {
        Some(serde_json::Value::String(text)) => text,
        _ => String::new(),
    };
    let mut incident: Incident = serde_json::from_value(serde_json::Value::Object(record)).ok()?;
    incident.description = description;
    Some(incident)
}

/// The lines of a file written by [`JsonArray`], by incident id.
pub fn lines_by_id(text: &str) -> HashMap<&str, &str> {
    text.lines()
        .filter_map(record_of_line)
        .map(|(record, id)| (id, record))
        .collect()
}

/// A line of a file written by [`JsonArray`] without its separator, and the id of
/// its incident; `None` for the brackets.
fn record_of_line(line: &str) -> Option<(&str, &str)> {
    let record = line.strip_suffix(',').unwrap_or(line);
    let rest = record.strip_prefix("{\"id\":\"")?;
    let end = rest.find('"')?;
    Some((record, &rest[..end]))
}

/// CSV columns of `fir export --format csv`, in order.
pub const CSV_COLUMNS: &[&str] = &[
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
    "relations",
    "artifacts",
    "attributes",
    "timeline",
    "nuggets",
    "todos",
    "legacy",
    "description",
];

/// CSV columns of `fir export --format csv --artifacts`: one row per (incident,
/// artifact), for blocklists and SIEM imports.
pub const ARTIFACT_CSV_COLUMNS: &[&str] = &[
    "id", "date", "category", "severity", "status", "tlp", "type", "value",
];

/// The rows of `incident` in `fir export --format csv --artifacts`.
pub fn artifact_rows(
    incident: &Incident,
    artifacts: &[Artifact],
    config: &Config,
) -> Vec<[String; 8]> {
    artifacts
        .iter()
        .map(|a| {
            [
                incident.id.clone(),
                incident.date.to_string(),
                incident.category.clone(),
                incident.severity.to_string(),
                incident.status.clone(),
                config
                    .tlp_slug(incident.tlp.as_deref().filter(|t| !t.is_empty()))
                    .to_string(),
                a.kind.name().to_string(),
                a.value.clone(),
            ]
        })
        .collect()
}

/// Separator of list items inside one CSV cell.
const LIST: &str = "; ";

/// One CSV row: taxonomy values as their labels (what a spreadsheet reader wants),
/// lists joined, nested lists one item per line.
pub fn csv_row(incident: &Incident, config: &Config) -> Vec<String> {
    let opt = |v: &Option<String>| v.clone().unwrap_or_default();
    let label = |taxonomy: &crate::config::Taxonomy, v: &Option<String>| {
        v.as_deref()
            .map(|v| taxonomy.label(v).to_string())
            .unwrap_or_default()
    };
    let lines = |items: Vec<String>| items.join("\n");
    vec![
        incident.id.clone(),
        incident.title.clone(),
        incident.date.to_string(),
        config.categories.label(&incident.category).to_string(),
        incident.severity.to_string(),
        config.statuses.label(&incident.status).to_string(),
        config
            .tlp_slug(incident.tlp.as_deref().filter(|t| !t.is_empty()))
            .to_string(),
        incident.business_lines.join(LIST),
        label(&config.detections, &incident.detection),
        label(&config.actors, &incident.actor),
        label(&config.plans, &incident.plan),
        incident.major.to_string(),
        incident.incident.to_string(),
        opt(&incident.opened_by),
        incident.closed.map(|d| d.to_string()).unwrap_or_default(),
        incident.tags.join(LIST),
        incident.relations.join(LIST),
        lines(
            incident
                .artifacts
                .iter()
                .map(|a| format!("{}: {}", a.kind, a.value))
                .collect(),
        ),
        lines(
            incident
                .attributes
                .iter()
                .map(|a| match &a.unit {
                    Some(unit) => format!("{}: {} {unit}", a.name, a.value),
                    None => format!("{}: {}", a.name, a.value),
                })
                .collect(),
        ),
        lines(
            incident
                .timeline
                .iter()
                .map(|t| {
                    let action = t
                        .action
                        .as_deref()
                        .map(|a| config.actions.label(a))
                        .unwrap_or("");
                    let author = t.author.as_deref().unwrap_or("");
                    format!(
                        "{} [{action}] {author}: {}",
                        t.date,
                        t.text.replace('\n', " ")
                    )
                })
                .collect(),
        ),
        lines(
            incident
                .nuggets
                .iter()
                .map(|n| n.raw.replace('\n', " "))
                .collect(),
        ),
        lines(
            incident
                .todos
                .iter()
                .map(|t| format!("[{}] {}", if t.done { "x" } else { " " }, t.task))
                .collect(),
        ),
        incident
            .legacy
            .as_ref()
            .map(|l| {
                let mut s = l.source.clone();
                if let Some(sheet) = &l.sheet {
                    s.push_str(&format!(" / {sheet}"));
                }
                if let Some(row) = l.row {
                    s.push_str(&format!(" row {row}"));
                }
                s
            })
            .unwrap_or_default(),
        incident.description.clone(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_round_trip_by_id() {
        let mut a = Incident::new("A-1", "first \"quoted\"", "2024-01-01".parse().unwrap());
        a.description = "line one\nline two".into();
        let b = Incident::new("B-2", "second", "2024-01-02".parse().unwrap());
        let lines = [json_line(&a), json_line(&b)];
        let mut array = JsonArray::with_capacity(0);
        array.push(&a);
        array.push_line(&lines[1]);
        let text = String::from_utf8(array.finish()).unwrap();
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed[0]["id"], "A-1");
        assert_eq!(parsed[0]["description"], "line one\nline two");
        assert_eq!(parsed[1]["title"], "second");
        let by_id = lines_by_id(&text);
        assert_eq!(by_id["A-1"], lines[0]);
        assert_eq!(by_id["B-2"], lines[1]);
        assert_eq!(JsonArray::with_capacity(0).finish(), b"[\n]\n");
    }

    /// Every incident of the bundled example site comes back from its data line, and
    /// lines are found by id in a whole file.
    #[test]
    fn incidents_come_back_from_their_lines() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let config = crate::config::Config::load(root).unwrap();
        let loaded = crate::content::load(root, &config);
        assert!(loaded.entries.len() > 5);
        let mut array = JsonArray::with_capacity(0);
        for entry in &loaded.entries {
            let line =
                String::from_utf8(JsonArray::line_with_artifacts(&entry.incident, &[])).unwrap();
            assert_eq!(incident_from_line(&line).as_ref(), Some(&entry.incident));
            array.push_with_artifacts(&entry.incident, &[]);
        }
        let file = array.finish();
        let wanted: std::collections::HashSet<&str> = loaded
            .entries
            .iter()
            .skip(2)
            .step_by(2)
            .map(|e| e.incident.id.as_str())
            .collect();
        let found = find_lines(&file[..], &wanted).unwrap();
        assert_eq!(found.len(), wanted.len());
        for (id, line) in &found {
            assert_eq!(&incident_from_line(line).unwrap().id, id);
        }
    }

    /// The kept start of a file plus a continued array is the file a whole array
    /// gives, wherever the first change is.
    #[test]
    fn an_unchanged_start_and_a_continued_array_make_the_whole_file() {
        let incidents: Vec<Incident> = (0..5)
            .map(|n| Incident::new(format!("I-{n}"), "t", "2024-01-01".parse().unwrap()))
            .collect();
        let mut whole = JsonArray::with_capacity(0);
        for incident in &incidents {
            whole.push(incident);
        }
        let old = whole.finish();
        // The last trusted incident's id is given (the line is found from the end), or
        // not, or wrong (the file is read from its start).
        let hints = |t: usize| {
            let given = t.checked_sub(1).map(|m| incidents[m].id.as_str());
            [given, None, Some("I-none")]
        };
        let cases = (0..=5).flat_map(|c| (0..=c).flat_map(move |t| hints(t).map(|h| (c, t, h))));
        for (changed, trusted, hint) in cases {
            let start =
                unchanged_start(std::io::Cursor::new(&old), trusted, hint, |n, id, line| {
                    assert!(
                        n + 1 >= trusted,
                        "line {n} of {trusted} trusted was looked at"
                    );
                    n < changed
                        && id == incidents[n].id
                        && line == json_line(&incidents[n]).as_bytes()
                })
                .unwrap();
            // The last incident has no separator after it: never in the start.
            assert_eq!(start.lines, changed.min(4), "change at {changed}");
            let mut rest = JsonArray::continuing();
            for incident in &incidents[start.lines..] {
                rest.push(incident);
            }
            let mut rebuilt = old[..start.bytes as usize].to_vec();
            if start.lines == 0 {
                // Nothing kept: the caller writes the whole file.
                assert_eq!(start.bytes, 0);
            } else {
                rebuilt.extend(rest.finish());
                assert_eq!(rebuilt, old, "change at {changed}");
            }
            let rest_lines = lines_by_id(&start.rest);
            assert_eq!(rest_lines.len(), 5 - start.lines, "change at {changed}");
        }
    }

    /// A line far from the end is found in a later, larger stretch, where reading the
    /// file from its start finds it.
    #[test]
    fn a_line_is_found_from_the_end_where_it_starts() {
        let mut whole = JsonArray::with_capacity(0);
        let mut incidents = Vec::new();
        for n in 0..3000 {
            let mut incident = Incident::new(format!("I-{n}"), "t", "2024-01-01".parse().unwrap());
            incident.description = "x".repeat(100);
            incidents.push(incident);
        }
        for incident in &incidents {
            whole.push(incident);
        }
        let file = whole.finish();
        assert!(
            file.len() > 4 * (64 << 10),
            "the file spans several stretches"
        );
        for n in [0, 1, 1500, 2998, 2999] {
            let id = &incidents[n].id;
            let at = line_from_end(&mut std::io::Cursor::new(&file), id)
                .unwrap()
                .unwrap_or_else(|| panic!("{id} not found"));
            let expected = file
                .split_inclusive(|&b| b == b'\n')
                .take(n + 1)
                .map(<[u8]>::len)
                .sum::<usize>();
            assert_eq!(at, expected as u64, "{id}");
        }
        // An id that is only the start of another's is not taken for it.
        assert_eq!(
            line_from_end(&mut std::io::Cursor::new(&file), "I-29").unwrap(),
            Some(
                file.split_inclusive(|&b| b == b'\n')
                    .take(30)
                    .map(<[u8]>::len)
                    .sum::<usize>() as u64
            )
        );
        assert_eq!(
            line_from_end(&mut std::io::Cursor::new(&file), "I-none").unwrap(),
            None
        );
        assert_eq!(
            line_from_end(&mut std::io::Cursor::new(b"{}"), "I-1").unwrap(),
            None
        );
    }
}
