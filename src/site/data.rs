//! Incidents as data: `data/incidents.json` in the site and `fir export` (JSON, CSV).
//! One code path makes the JSON of both.

use std::collections::HashMap;
use std::io::BufRead;

use super::framing::{ARRAY, Framed};
pub use super::publish::Piece;
use super::publish::Pieces;

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
    crate::json::to_writer(
        out,
        &Record {
            incident,
            description: &incident.description,
            indicators,
        },
    )
    .expect("incidents serialise to JSON");
}

/// A JSON array with one incident per line ([`ARRAY`]), so that a later incremental
/// build can reuse the lines of unchanged incidents.
#[derive(Debug)]
pub struct JsonArray(Framed);

impl JsonArray {
    pub fn with_capacity(bytes: usize) -> JsonArray {
        JsonArray(ARRAY.writer(bytes))
    }

    /// Adds an incident.
    pub fn push(&mut self, incident: &Incident) {
        write_record(self.0.line(), incident, None);
    }

    /// Adds an incident with all its artifacts (front matter and texts) as `indicators`.
    pub fn push_with_artifacts(&mut self, incident: &Incident, artifacts: &[Artifact]) {
        write_record(self.0.line(), incident, Some(artifacts));
    }

    /// The line [`JsonArray::push_with_artifacts`] writes for an incident.
    pub fn line_with_artifacts(incident: &Incident, artifacts: &[Artifact]) -> Vec<u8> {
        let mut out = Vec::new();
        write_record(&mut out, incident, Some(artifacts));
        out
    }

    /// Adds a line made by [`json_line`] (or read back with [`lines_by_id`]).
    pub fn push_line(&mut self, line: &str) {
        self.0.push(line.as_bytes());
    }

    pub fn finish(self) -> Vec<u8> {
        self.0.finish()
    }
}

/// One line of a new file written by [`JsonArray`], made from the published one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Line {
    /// The line at this position of the published file, unchanged.
    Old(u32),
    /// A new line (without separator).
    New(Vec<u8>),
}

/// How to make the file of `lines` from the published file of `old_count` lines
/// (`old_id(p)` gives the id of its line `p`): stretches of it kept where consecutive
/// lines stay consecutive, new lines in between. Only the lines at the ends of the
/// stretches are looked for in it (near where their position puts them), so changing
/// a few incidents of a large site neither reads nor writes the others by hand. None
/// when the file is not as described: the caller writes the whole file.
pub fn splice<'i>(
    file: &mut (impl std::io::Read + std::io::Seek),
    old_count: u32,
    old_id: impl Fn(u32) -> &'i str,
    lines: &[Line],
) -> std::io::Result<Option<Vec<Piece>>> {
    use std::io::SeekFrom;
    let len = file.seek(SeekFrom::End(0))?;
    let mut head = [0u8; 2];
    file.rewind()?;
    if old_count == 0
        || lines.is_empty()
        || file.read_exact(&mut head).is_err()
        || head != ARRAY.open
    {
        return Ok(None);
    }
    // Where the line of position `p` starts, the line (without separator), and where
    // its separator ends: found by id around its share of the file.
    let mut landmarks = Landmarks::new(len, old_count);
    let mut locate = |p: u32| -> std::io::Result<Option<(u64, Vec<u8>, u64)>> {
        let Some((start, mut line)) = landmarks.find(file, old_id(p), p)? else {
            return Ok(None);
        };
        // Every line but the last ends with the separator, the last with the `\n` that
        // starts the array's end.
        let separator = if p + 1 == old_count {
            &ARRAY.close[..1]
        } else {
            ARRAY.separator
        };
        if !line.ends_with(separator) {
            return Ok(None);
        }
        let end = start + line.len() as u64;
        line.truncate(line.len() - separator.len());
        Ok(Some((start, line, end)))
    };
    let mut pieces = Pieces::default();
    pieces.keep(0, ARRAY.open.len() as u64);
    let add_new = |pieces: &mut Pieces, line: &[u8], last: bool| {
        pieces.add(line);
        pieces.add(if last { ARRAY.close } else { ARRAY.separator });
    };
    let last_new = lines.len() - 1;
    let mut i = 0;
    while i < lines.len() {
        match &lines[i] {
            Line::New(line) => add_new(&mut pieces, line, i == last_new),
            // The new last line and the old one change separators: written out.
            &Line::Old(p) if i == last_new || p + 1 >= old_count => {
                let Some((_, line, _)) = locate(p)? else {
                    return Ok(None);
                };
                add_new(&mut pieces, &line, i == last_new);
            }
            &Line::Old(p) => {
                let mut j = i + 1;
                let next = |j: usize| p + (j - i) as u32;
                while j < last_new && lines[j] == Line::Old(next(j)) && next(j) + 1 < old_count {
                    j += 1;
                }
                let Some((from, _, first_end)) = locate(p)? else {
                    return Ok(None);
                };
                // A stretch of one line ends where that line does.
                let last = next(j) - 1;
                let end = if last == p {
                    first_end
                } else {
                    let Some((.., end)) = locate(last)? else {
                        return Ok(None);
                    };
                    end
                };
                pieces.keep(from, end - from);
                i = j;
                continue;
            }
        }
        i += 1;
    }
    Ok(Some(pieces.finish()))
}

/// Where the lines of a file written by [`JsonArray`] start, as far as known: where
/// the first and the end are, and each line found so far. A line is looked for in
/// proportion between the known ones around it: lines are not all as long (a site's
/// old incidents are often shorter), and a guess from the whole file's average was a
/// megabyte off at 100k, which read megabytes for each of the lines an update needs.
struct Landmarks {
    /// The file's length.
    len: u64,
    starts: std::collections::BTreeMap<u32, u64>,
}

impl Landmarks {
    /// For a file of `len` bytes and `count` lines.
    fn new(len: u64, count: u32) -> Landmarks {
        let first = (ARRAY.open.len() as u64).min(len);
        Landmarks {
            len,
            starts: [(0, first), (count, len.max(first))].into(),
        }
    }

    /// Where line `p` (of incident `id`) starts and the line up to its `\n`, looked
    /// for where the lines known put it ([`line_near`]); found, it is known from then.
    fn find(
        &mut self,
        file: &mut (impl std::io::Read + std::io::Seek),
        id: &str,
        p: u32,
    ) -> std::io::Result<Option<(u64, Vec<u8>)>> {
        let found = line_near(file, self.len, id, self.near(p))?;
        if let Some((start, _)) = found {
            self.found(p, start);
        }
        Ok(found)
    }

    /// Where line `p` would start if the lines between the known ones around it were
    /// all as long: where [`line_near`] starts looking for it.
    fn near(&self, p: u32) -> u64 {
        let (before, after) = self.around(p);
        let ((p0, start0), (p1, start1)) = (before, after.unwrap_or(before));
        if p1 <= p0 {
            return start0;
        }
        let share = u128::from(start1.saturating_sub(start0)) * u128::from(p.min(p1) - p0)
            / u128::from(p1 - p0);
        start0 + share as u64
    }

    /// Records that line `p` starts at `start`, unless that contradicts what is known
    /// (a position given wrong): a wrong landmark would only slow the next searches.
    fn found(&mut self, p: u32, start: u64) {
        let (before, after) = self.around(p);
        let fits = before.1 <= start && after.is_none_or(|(_, end)| start <= end);
        if fits {
            self.starts.insert(p, start);
        }
    }

    /// The nearest known line at or before `p` (the first always is), and after it.
    fn around(&self, p: u32) -> ((u32, u64), Option<(u32, u64)>) {
        let before = self.starts.range(..=p).next_back().map(|(&p, &s)| (p, s));
        let after = self.starts.range(p + 1..).next().map(|(&p, &s)| (p, s));
        (before.unwrap_or((0, 0)), after)
    }
}

/// The lines (without separator) of the incidents `wanted` (id, position in the file
/// of `count` lines written by [`JsonArray`]), by id, each looked for around its
/// position: a few lines of a large file are read, not the whole file. An incident
/// not found is left out.
pub fn lines_near<'i>(
    file: &mut (impl std::io::Read + std::io::Seek),
    count: u32,
    wanted: impl IntoIterator<Item = (&'i str, u32)>,
) -> std::io::Result<HashMap<String, String>> {
    let len = file.seek(std::io::SeekFrom::End(0))?;
    let mut landmarks = Landmarks::new(len, count);
    let mut found = HashMap::new();
    for (id, p) in wanted {
        let Some((_, line)) = landmarks.find(file, id, p)? else {
            continue;
        };
        let line = String::from_utf8(line)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
        if let Some((record, _)) = record_of_line(line.trim_end_matches('\n')) {
            found.insert(id.to_string(), record.to_string());
        }
    }
    Ok(found)
}

/// How far from `near` a line is looked for before the whole file is.
const NEAR: u64 = 32 << 10;

/// Where the line of incident `id` is in a file of `len` bytes written by
/// [`JsonArray`]: its start, and the line up to its `\n`, looked for around byte
/// `near` in growing stretches. Ids are unique in the file, so the line found is the
/// incident's.
fn line_near(
    file: &mut (impl std::io::Read + std::io::Seek),
    len: u64,
    id: &str,
    near: u64,
) -> std::io::Result<Option<(u64, Vec<u8>)>> {
    use std::io::{Read, SeekFrom};
    // An id that JSON escapes is not written as it is.
    if id.contains(['"', '\\']) || id.chars().any(char::is_control) {
        return Ok(None);
    }
    let needle = format!("\n{{\"id\":\"{id}\"");
    let finder = memchr::memmem::Finder::new(needle.as_bytes());
    let mut half = NEAR;
    let mut chunk = Vec::new();
    loop {
        let from = near.saturating_sub(half);
        let to = near.saturating_add(half).min(len);
        file.seek(SeekFrom::Start(from))?;
        chunk.clear();
        file.by_ref().take(to - from).read_to_end(&mut chunk)?;
        if let Some(at) = finder.find(&chunk) {
            let start = from + at as u64 + 1;
            // Its end: the next `\n`, in the stretch read or past it.
            let rest = &chunk[at + 1..];
            if let Some(n) = rest.iter().position(|&b| b == b'\n') {
                return Ok(Some((start, rest[..=n].to_vec())));
            }
            let mut line = Vec::new();
            file.seek(SeekFrom::Start(start))?;
            std::io::BufReader::new(file.by_ref()).read_until(b'\n', &mut line)?;
            if line.last() != Some(&b'\n') {
                return Ok(None);
            }
            return Ok(Some((start, line)));
        }
        if from == 0 && to == len {
            return Ok(None);
        }
        half *= 4;
    }
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
    "indicators",
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
                a.value.to_string(),
            ]
        })
        .collect()
}

/// `type: value`, as a CSV cell lists an artifact.
fn typed(kind: &dyn std::fmt::Display, value: &dyn std::fmt::Display) -> String {
    format!("{kind}: {value}")
}

/// Separator of list items inside one CSV cell.
const LIST: &str = "; ";

/// One CSV row: taxonomy values as their labels (what a spreadsheet reader wants),
/// lists joined, nested lists one item per line. `indicators` are every artifact of
/// the incident ([`crate::artifacts::extract`]), as the JSON export has them;
/// `artifacts` only those its front matter lists.
pub fn csv_row(incident: &Incident, indicators: &[Artifact], config: &Config) -> Vec<String> {
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
                .map(|a| typed(&a.kind, &a.value))
                .collect(),
        ),
        lines(
            indicators
                .iter()
                .map(|a| typed(&a.kind, &a.value))
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
    use crate::site::publish::apply;

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
    /// lines are found by id around their positions in a whole file.
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
        let wanted: Vec<(&str, u32)> = loaded
            .entries
            .iter()
            .enumerate()
            .skip(2)
            .step_by(2)
            .map(|(p, e)| (e.incident.id.as_str(), p as u32))
            .collect();
        let count = loaded.entries.len() as u32;
        let found = lines_near(
            &mut std::io::Cursor::new(&file),
            count,
            wanted.iter().copied(),
        )
        .unwrap();
        assert_eq!(found.len(), wanted.len());
        for (id, line) in &found {
            assert_eq!(&incident_from_line(line).unwrap().id, id);
        }
    }

    fn incident(id: &str, text_len: usize) -> Incident {
        let mut incident = Incident::new(id.to_string(), "t", "2024-01-01".parse().unwrap());
        incident.description = "x".repeat(text_len);
        incident
    }

    fn file_of(incidents: &[Incident]) -> Vec<u8> {
        let mut array = JsonArray::with_capacity(0);
        for incident in incidents {
            array.push(incident);
        }
        array.finish()
    }

    /// What a change does to a list of incidents: `kept[p]` says whether the published
    /// incident `p` stays (unchanged) and `edited[p]` whether it is then written anew;
    /// `added` are (position among the new list, text length) of new incidents.
    #[derive(Debug, Clone)]
    struct Change {
        old: Vec<usize>,
        kept: Vec<bool>,
        edited: Vec<bool>,
        added: Vec<(usize, usize)>,
    }

    fn change() -> impl proptest::strategy::Strategy<Value = Change> {
        use proptest::prelude::*;
        proptest::collection::vec(0usize..3000, 1..40).prop_flat_map(|old| {
            let n = old.len();
            (
                Just(old),
                proptest::collection::vec(proptest::bool::weighted(0.8), n),
                proptest::collection::vec(proptest::bool::weighted(0.15), n),
                proptest::collection::vec((0usize..50, 0usize..200), 0..4),
            )
                .prop_map(|(old, kept, edited, added)| Change {
                    old,
                    kept,
                    edited,
                    added,
                })
        })
    }

    proptest::proptest! {
        /// Whatever stays, goes, changes or comes, the spliced file is the file a whole
        /// array of the new list gives.
        #[test]
        fn a_spliced_file_is_the_whole_new_file(change in change()) {
            let old: Vec<Incident> = change
                .old
                .iter()
                .enumerate()
                .map(|(p, &len)| incident(&format!("I-{p}"), len))
                .collect();
            let published = file_of(&old);
            // The new list: what stays (edited ones with another text), then the new
            // ones put in.
            let mut new: Vec<(Incident, Line)> = Vec::new();
            for (p, incident) in old.iter().enumerate() {
                if !change.kept[p] {
                    continue;
                }
                if change.edited[p] {
                    let edited = self::incident(&incident.id, incident.description.len() + 7);
                    let line = json_line(&edited).into_bytes();
                    new.push((edited, Line::New(line)));
                } else {
                    new.push((incident.clone(), Line::Old(p as u32)));
                }
            }
            for (k, &(at, len)) in change.added.iter().enumerate() {
                let added = incident(&format!("N-{k}"), len);
                let line = json_line(&added).into_bytes();
                new.insert(at.min(new.len()), (added, Line::New(line)));
            }
            let expected: Vec<Incident> = new.iter().map(|(i, _)| i.clone()).collect();
            let lines: Vec<Line> = new.into_iter().map(|(_, line)| line).collect();
            let pieces = splice(
                &mut std::io::Cursor::new(&published),
                old.len() as u32,
                |p| old[p as usize].id.as_str(),
                &lines,
            )
            .unwrap();
            if lines.is_empty() {
                proptest::prop_assert!(pieces.is_none());
            } else {
                let pieces = pieces.expect("a well-formed file is spliced");
                proptest::prop_assert_eq!(apply(&published, &pieces), file_of(&expected));
            }
        }
    }

    /// Lines are found around their position, also when it is off (the lines are not
    /// all as long) or names the first or last line; an id not in the file is left out.
    #[test]
    fn lines_are_found_near_their_position() {
        let old: Vec<Incident> = (0..3000)
            .map(|n| incident(&format!("I-{n}"), if n < 1500 { 10 } else { 400 }))
            .collect();
        let file = file_of(&old);
        let wanted = [
            ("I-0", 0),
            ("I-1499", 1499),
            ("I-2999", 2999),
            ("I-10", 2900),
            ("I-none", 5),
        ];
        let found = lines_near(&mut std::io::Cursor::new(&file), 3000, wanted).unwrap();
        assert_eq!(found.len(), 4, "{:?}", found.keys());
        for id in ["I-0", "I-1499", "I-2999", "I-10"] {
            let n: usize = id[2..].parse().unwrap();
            assert_eq!(found[id], json_line(&old[n]), "{id}");
        }
    }

    /// A reader that counts the bytes read from it.
    struct Counted<R> {
        inner: R,
        read: usize,
    }

    impl<R: std::io::Read> std::io::Read for Counted<R> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.read += n;
            Ok(n)
        }
    }

    impl<R: std::io::Seek> std::io::Seek for Counted<R> {
        fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
            self.inner.seek(to)
        }
    }

    /// Lines next to each other far from where the file's average length puts them
    /// (short old lines, long new ones, as a site's history often has): once one is
    /// found, the others are looked for near it, not again around the average.
    #[test]
    fn lines_found_guide_the_search_for_the_others() {
        let old: Vec<Incident> = (0..20_000)
            .map(|n| incident(&format!("I-{n}"), if n < 19_000 { 0 } else { 4000 }))
            .collect();
        let file = file_of(&old);
        let read_for = |wanted: &[u32]| {
            let mut counted = Counted {
                inner: std::io::Cursor::new(&file),
                read: 0,
            };
            let ids: Vec<String> = wanted.iter().map(|p| format!("I-{p}")).collect();
            let found = lines_near(
                &mut counted,
                20_000,
                ids.iter().map(String::as_str).zip(wanted.iter().copied()),
            )
            .unwrap();
            for (id, &p) in ids.iter().zip(wanted) {
                assert_eq!(found[id.as_str()], json_line(&old[p as usize]), "{id}");
            }
            counted.read
        };
        let one = read_for(&[19_500]);
        let hundred = read_for(&(19_500..19_600).collect::<Vec<_>>());
        // Each line after the first is found in its first stretch read.
        let stretch = 2 * NEAR as usize;
        assert!(
            hundred <= one + 99 * stretch,
            "{hundred} bytes read, {one} for one line"
        );
        assert!(
            one > 4 * stretch,
            "the first line is not near its average place"
        );
    }

    /// One line changed among 3,000: two stretches kept, the changed line and the last
    /// one written (a few hundred bytes).
    #[test]
    fn one_changed_line_keeps_the_rest_of_the_file() {
        let old: Vec<Incident> = (0..3000)
            .map(|n| incident(&format!("I-{n}"), 100))
            .collect();
        let published = file_of(&old);
        let mut lines: Vec<Line> = (0..3000).map(Line::Old).collect();
        let edited = incident("I-1200", 50);
        lines[1200] = Line::New(json_line(&edited).into_bytes());
        let pieces = splice(
            &mut std::io::Cursor::new(&published),
            3000,
            |p| old[p as usize].id.as_str(),
            &lines,
        )
        .unwrap()
        .unwrap();
        let mut expected = old.clone();
        expected[1200] = edited;
        assert_eq!(apply(&published, &pieces), file_of(&expected));
        let written: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::New(bytes) => bytes.len(),
                Piece::Kept { .. } => 0,
            })
            .sum();
        assert!(written < 1000, "{written} bytes written: {pieces:?}");
        assert_eq!(pieces.len(), 4, "{pieces:?}");
        // A file that is not such an array, or an id not in it: not spliced.
        let other = b"{}".to_vec();
        let none = splice(
            &mut std::io::Cursor::new(&other),
            3000,
            |p| old[p as usize].id.as_str(),
            &lines,
        );
        assert_eq!(none.unwrap(), None);
        let wrong = splice(
            &mut std::io::Cursor::new(&published),
            3000,
            |_| "I-none",
            &lines,
        );
        assert_eq!(wrong.unwrap(), None);
    }
}
