//! Importing legacy registers: spreadsheets and CSV files with one incident per row.
//!
//! The pipeline: [`sheet`] reads a file into rows of [`cell::Cell`]s, [`rows`] finds the
//! header and turns each data row into an incident following the [`mapping`], then
//! [`plan`] decides, against the incidents already on disk, what each row becomes
//! (imported, updated, unchanged, skipped or duplicate) and which files to write, and
//! [`apply`] writes them. Everything but reading and [`apply`] is pure.

pub mod cell;
pub mod guess;
pub mod mapping;
pub mod merge;
pub mod report;
pub mod rows;
pub mod sheet;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rayon::prelude::*;

use crate::config::Config;
use crate::content::Entry;
use crate::incident::{Incident, is_valid_id, to_markdown};
use crate::store;
pub use mapping::{Field, Mapping};
use merge::Part;
use rows::{Built, Layout, Resolver, RowError, RowKind};
pub use sheet::Sheet;

/// One register file, read.
#[derive(Debug, Clone)]
pub struct Input {
    /// The file name, as `legacy.source` records it.
    pub source: String,
    /// The sheets to import.
    pub sheets: Vec<Sheet>,
}

/// What became of one row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    Imported,
    Updated,
    Unchanged,
    Skipped,
    Duplicate,
}

impl Outcome {
    pub const ALL: [Outcome; 5] = [
        Outcome::Imported,
        Outcome::Updated,
        Outcome::Unchanged,
        Outcome::Skipped,
        Outcome::Duplicate,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Updated => "updated",
            Outcome::Unchanged => "unchanged",
            Outcome::Skipped => "skipped",
            Outcome::Duplicate => "duplicate",
        }
    }
}

/// Where a row is: file, sheet and the row number a spreadsheet shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub source: String,
    pub sheet: Option<String>,
    pub row: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(sheet) = &self.sheet {
            write!(f, ", sheet {sheet:?}")?;
        }
        write!(f, ", row {}", self.row)
    }
}

/// One source row and what became of it.
#[derive(Debug, Clone)]
pub struct RowResult {
    pub location: Location,
    pub outcome: Outcome,
    /// The incident's id, when the row has one.
    pub id: Option<String>,
    /// Why, for every outcome but `imported` (also notes on updated rows).
    pub reason: String,
    /// Header and raw text of every non-empty cell, for rows not imported (what the
    /// report keeps of them); empty for imported rows, whose values are in their file.
    pub values: Vec<(String, String)>,
}

/// A problem that did not stop a row: `file, sheet, row, column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    pub location: Location,
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.location)?;
        if let Some(column) = &self.column {
            write!(f, ", column {column:?}")?;
        }
        write!(f, ": {}", self.message)
    }
}

/// A file to write.
#[derive(Debug, Clone)]
pub struct FileWrite {
    pub path: PathBuf,
    pub text: String,
    /// False for a new file (created exclusively), true to replace an existing one.
    pub replace: bool,
    /// An older file of the same incident to remove (its date moved to another year).
    pub remove: Option<PathBuf>,
}

/// Everything an import would do.
#[derive(Debug, Default)]
pub struct Plan {
    /// Every row below a header, in reading order.
    pub rows: Vec<RowResult>,
    pub writes: Vec<FileWrite>,
    pub warnings: Vec<Warning>,
    /// Sheets not imported, with the reason.
    pub skipped_sheets: Vec<(String, String)>,
}

impl Plan {
    /// How many rows ended up with each outcome.
    pub fn counts(&self) -> HashMap<Outcome, usize> {
        let mut counts = HashMap::new();
        for row in &self.rows {
            *counts.entry(row.outcome).or_default() += 1;
        }
        counts
    }
}

/// Options of one import.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Replace fields edited in fir with the register's values.
    pub overwrite: bool,
}

/// Incidents already on disk, indexed for matching rows.
struct Existing<'a> {
    by_ref: HashMap<&'a str, &'a Entry>,
    by_id: HashMap<&'a str, &'a Entry>,
    /// Highest `{seq}` in use per year and template, filled on demand.
    seq: HashMap<i16, u64>,
}

/// Decides what each row of `inputs` becomes, given the incidents in `existing`.
/// `root` is the site root that file paths are made under.
pub fn plan(
    root: &Path,
    inputs: &[Input],
    mapping: &Mapping,
    config: &Config,
    existing: &[Entry],
    options: &Options,
) -> Plan {
    let mut plan = Plan::default();
    let resolver = Resolver::new(mapping, config);
    let by_header = mapping.fields_by_header();
    let mut index = Existing {
        by_ref: existing
            .iter()
            .filter_map(|e| Some((e.incident.legacy.as_ref()?.reference.as_deref()?, e)))
            .collect(),
        by_id: existing
            .iter()
            .map(|e| (e.incident.id.as_str(), e))
            .collect(),
        seq: HashMap::new(),
    };
    let mut parts_fields: Vec<Field> = mapping.columns.keys().copied().collect();
    parts_fields.extend(mapping.defaults.keys().copied());
    let parts = merge::owned_parts(parts_fields);
    // Rows seen in this run, by key (ref or id), by id and by content: their index in
    // `plan.rows`.
    let mut seen_keys: HashMap<String, usize> = HashMap::new();
    let mut seen_ids: HashMap<String, usize> = HashMap::new();
    let mut seen_content: HashMap<u64, usize> = HashMap::new();
    let mut written_paths: HashSet<PathBuf> = HashSet::new();

    // What each row holds is worked out on every core, for every sheet at once; what
    // it becomes depends on the rows before it, so that is decided in order; then the
    // files are rendered on every core. (Three passes over the whole import, not per
    // sheet: sheets are small, and each pass waits for its slowest row.)
    let sheets: Vec<(&Input, &Sheet)> = inputs
        .iter()
        .flat_map(|input| input.sheets.iter().map(move |sheet| (input, sheet)))
        .collect();
    let rows_total = sheets
        .iter()
        .map(|(_, sheet)| sheet.rows.len() as u64)
        .sum();
    let progress = crate::progress::bar(rows_total, "importing");
    let (layouts, prepared): (Vec<Option<Layout>>, Vec<Vec<Prepared>>) = sheets
        .par_iter()
        .map(|(input, sheet)| {
            let Some(layout) = rows::find_header(&sheet.rows, mapping, &by_header) else {
                return (None, Vec::new());
            };
            let data_rows = &sheet.rows[layout.header_index + 1..];
            let rows = data_rows
                .par_iter()
                .map(|(number, cells)| {
                    progress.inc(1);
                    let location = Location {
                        source: input.source.clone(),
                        sheet: sheet.name.clone(),
                        row: *number,
                    };
                    prepare(location, cells, &layout, &resolver)
                })
                .collect();
            (Some(layout), rows)
        })
        .unzip();
    let columns_of: Vec<HashSet<&str>> = layouts
        .iter()
        .map(|layout| match layout {
            Some(layout) => layout.headers.iter().map(String::as_str).collect(),
            None => HashSet::new(),
        })
        .collect();

    // Rows are decided in order on one thread while the files of those decided are
    // rendered on the others.
    let files = Mutex::new(Vec::new());
    rayon::scope(|scope| {
        let mut queue = RenderQueue::new(scope, &parts, &columns_of, &files);
        for (s, ((input, sheet), rows)) in sheets.iter().zip(prepared).enumerate() {
            let sheet_label = sheet.name.clone().unwrap_or_else(|| input.source.clone());
            let Some(layout) = &layouts[s] else {
                let reason = if mapping.header_row.is_some() {
                    "the mapping's header_row is not in this sheet".to_string()
                } else {
                    "no header row naming the mapped columns in its first rows".to_string()
                };
                plan.skipped_sheets
                    .push((format!("{}: {sheet_label}", input.source), reason));
                continue;
            };
            let header_location = Location {
                source: input.source.clone(),
                sheet: sheet.name.clone(),
                row: sheet.rows[layout.header_index].0,
            };
            for field in &layout.missing {
                plan.warnings.push(Warning {
                    location: header_location.clone(),
                    column: None,
                    message: format!(
                        "no column for `{}` in the header ({}); the field takes its default",
                        field.key(),
                        mapping.columns[field].names().join(" or ")
                    ),
                });
            }
            let stem = Path::new(&input.source)
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("sheet");
            let sheet_for_id = sheet.name.as_deref().unwrap_or(stem);
            for prepared in rows {
                let Prepared {
                    mut result,
                    cells,
                    kind,
                    content_hash,
                    built,
                } = prepared;
                match kind {
                    RowKind::Blank => result.reason = "blank row".into(),
                    RowKind::RepeatedHeader => result.reason = "repeated header row".into(),
                    RowKind::Total => result.reason = "totals row".into(),
                    RowKind::Data => {
                        let write = decide(
                            &mut result,
                            &mut plan,
                            (content_hash, built),
                            DecideContext {
                                root,
                                resolver: &resolver,
                                sheet_for_id,
                                options,
                                parts: &parts,
                                columns: &columns_of[s],
                            },
                            &mut index,
                            (&mut seen_keys, &mut seen_ids, &mut seen_content),
                            &mut written_paths,
                        );
                        if let Some(write) = write {
                            queue.push(s, write);
                        }
                    }
                }
                if result.outcome != Outcome::Imported {
                    result.values = row_values(cells, layout);
                }
                plan.rows.push(result);
            }
        }
        queue.send();
    });
    plan.writes = RenderQueue::in_order(files);
    progress.finish_and_clear();
    plan
}

/// Files rendered in one task while later rows are decided: enough to outweigh the
/// task's cost, few enough that rendering starts early.
const RENDER_BATCH: usize = 64;

/// Renders files on the other cores while the rows after them are still being
/// decided, a batch at a time; [`RenderQueue::in_order`] puts the batches back in order.
struct RenderQueue<'q, 'scope, 'c> {
    scope: &'q rayon::Scope<'scope>,
    parts: &'scope [Part],
    /// The header names of each sheet (see [`merge`]).
    columns_of: &'scope [HashSet<&'c str>],
    /// Rendered batches with their number.
    done: &'scope Mutex<Vec<(usize, Vec<FileWrite>)>>,
    batch: Vec<(usize, PendingWrite)>,
    sent: usize,
}

impl<'q, 'scope, 'c: 'scope> RenderQueue<'q, 'scope, 'c> {
    fn new(
        scope: &'q rayon::Scope<'scope>,
        parts: &'scope [Part],
        columns_of: &'scope [HashSet<&'c str>],
        done: &'scope Mutex<Vec<(usize, Vec<FileWrite>)>>,
    ) -> Self {
        RenderQueue {
            scope,
            parts,
            columns_of,
            done,
            batch: Vec::with_capacity(RENDER_BATCH),
            sent: 0,
        }
    }

    /// Queues the file of a row of sheet `sheet`.
    fn push(&mut self, sheet: usize, write: PendingWrite) {
        self.batch.push((sheet, write));
        if self.batch.len() == RENDER_BATCH {
            self.send();
        }
    }

    /// Renders the batch so far in a task of its own.
    fn send(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(RENDER_BATCH));
        let (number, parts, columns_of, done) = (self.sent, self.parts, self.columns_of, self.done);
        self.sent += 1;
        self.scope.spawn(move |_| {
            let files: Vec<FileWrite> = batch
                .into_iter()
                .map(|(sheet, write)| write.render(parts, &columns_of[sheet]))
                .collect();
            done.lock()
                .expect("rendering does not panic")
                .push((number, files));
        });
    }

    /// The files of every batch, in the order they were queued.
    fn in_order(done: Mutex<Vec<(usize, Vec<FileWrite>)>>) -> Vec<FileWrite> {
        let mut done = done.into_inner().expect("rendering does not panic");
        done.sort_unstable_by_key(|&(number, _)| number);
        done.into_iter().flat_map(|(_, files)| files).collect()
    }
}

/// What one row holds, before the rows above it are taken into account.
struct Prepared<'c> {
    result: RowResult,
    cells: &'c [cell::Cell],
    kind: RowKind,
    /// Of the row's raw values, to find rows repeated word for word.
    content_hash: u64,
    /// The row's incident, for data rows.
    built: Option<Result<Built, RowError>>,
}

/// The header and raw text of each non-empty cell of a row.
fn row_values(cells: &[cell::Cell], layout: &Layout) -> Vec<(String, String)> {
    non_blank(cells, layout)
        .map(|(header, cell)| (header.to_string(), cell.raw()))
        .collect()
}

/// The non-empty cells of a row with their headers (`Column C` where none).
fn non_blank<'a>(
    cells: &'a [cell::Cell],
    layout: &'a Layout,
) -> impl Iterator<Item = (Header<'a>, &'a cell::Cell)> {
    cells
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_blank())
        .map(|(i, c)| match layout.headers.get(i) {
            Some(header) => (Header::Named(header), c),
            None => (Header::Column(i), c),
        })
}

/// A column's header, or its letters when the header row leaves it unnamed.
enum Header<'a> {
    Named(&'a str),
    Column(usize),
}

impl fmt::Display for Header<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Header::Named(name) => f.write_str(name),
            Header::Column(i) => write!(f, "Column {}", rows::column_letters(*i)),
        }
    }
}

/// The hash of a row's [`row_values`], without writing them out: rows repeated word
/// for word are duplicates.
fn content_hash(cells: &[cell::Cell], layout: &Layout) -> u64 {
    use std::fmt::Write as _;
    /// Feeds what is written to the hasher.
    struct Feed<'h>(&'h mut std::hash::DefaultHasher);
    impl fmt::Write for Feed<'_> {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0.write(s.as_bytes());
            Ok(())
        }
    }
    let mut hasher = std::hash::DefaultHasher::new();
    for (header, cell) in non_blank(cells, layout) {
        // 0xff never occurs in UTF-8: it ends each text unambiguously.
        let _ = write!(Feed(&mut hasher), "{header}");
        hasher.write_u8(0xff);
        let _ = write!(Feed(&mut hasher), "{cell}");
        hasher.write_u8(0xff);
    }
    hasher.finish()
}

fn prepare<'c>(
    location: Location,
    cells: &'c [cell::Cell],
    layout: &Layout,
    resolver: &Resolver<'_>,
) -> Prepared<'c> {
    let content_hash = content_hash(cells, layout);
    let kind = layout.classify(cells);
    let built = (kind == RowKind::Data).then(|| {
        resolver.build(
            layout,
            cells,
            &location.source,
            location.sheet.as_deref(),
            location.row,
        )
    });
    Prepared {
        result: RowResult {
            location,
            outcome: Outcome::Skipped,
            id: None,
            reason: String::new(),
            values: Vec::new(),
        },
        cells,
        kind,
        content_hash,
        built,
    }
}

/// A file the import will write, before its text is rendered (on every core, once
/// every row is decided).
struct PendingWrite {
    path: PathBuf,
    incident: Incident,
    /// A new incident, to stamp with the hashes of its imported values.
    new: bool,
    replace: bool,
    remove: Option<PathBuf>,
}

impl PendingWrite {
    fn render(mut self, parts: &[Part], columns: &HashSet<&str>) -> FileWrite {
        if self.new {
            merge::stamp(&mut self.incident, parts, columns);
        }
        FileWrite {
            path: self.path,
            text: to_markdown(&self.incident),
            replace: self.replace,
            remove: self.remove,
        }
    }
}

struct DecideContext<'a> {
    root: &'a Path,
    resolver: &'a Resolver<'a>,
    parts: &'a [Part],
    columns: &'a HashSet<&'a str>,
    sheet_for_id: &'a str,
    options: &'a Options,
}

/// Rows decided so far, by key, by id and by content: their index in `Plan::rows`.
type Seen<'s> = (
    &'s mut HashMap<String, usize>,
    &'s mut HashMap<String, usize>,
    &'s mut HashMap<u64, usize>,
);

/// The outcome of one data row, and the file it needs written.
fn decide(
    result: &mut RowResult,
    plan: &mut Plan,
    (content_hash, built): (u64, Option<Result<Built, RowError>>),
    cx: DecideContext<'_>,
    index: &mut Existing<'_>,
    (seen_keys, seen_ids, seen_content): Seen<'_>,
    written_paths: &mut HashSet<PathBuf>,
) -> Option<PendingWrite> {
    // This row's index once decided; earlier rows are named by theirs.
    let here = plan.rows.len();
    let row_at = |plan: &Plan, index: usize| plan.rows[index].location.to_string();
    if let Some(&first) = seen_content.get(&content_hash) {
        result.outcome = Outcome::Duplicate;
        result.reason = format!("same content as {}", row_at(plan, first));
        return None;
    }
    seen_content.insert(content_hash, here);

    let built = match built? {
        Ok(built) => built,
        Err(e) => {
            result.reason = format!("column {:?}: {}", e.column, e.message);
            return None;
        }
    };
    for warning in &built.warnings {
        plan.warnings.push(Warning {
            location: result.location.clone(),
            column: Some(warning.column.clone()),
            message: warning.message.clone(),
        });
    }
    let mut incident = built.incident;
    let year = rows::year_of(&incident.date);
    let template = fill_template(
        &cx.resolver.mapping.id,
        built.reference.as_deref(),
        cx.sheet_for_id,
        result.location.row,
    );
    let Some(template) = template else {
        result.reason = "empty reference, which the id template needs".into();
        return None;
    };

    // Rows are matched to files by the register's reference, or else by id.
    let key = match &built.reference {
        Some(reference) => format!("ref:{reference}"),
        None => format!("id:{template}"),
    };
    if let Some(&first) = seen_keys.get(&key) {
        let first = row_at(plan, first);
        result.outcome = Outcome::Duplicate;
        result.reason = match &built.reference {
            Some(reference) => format!("same ref {reference:?} as {first} (values differ)"),
            None => format!("same id as {first} (values differ)"),
        };
        return None;
    }
    seen_keys.insert(key, here);

    let matched = match &built.reference {
        Some(reference) => index.by_ref.get(reference.as_str()).copied(),
        None => None,
    };
    let id = match matched {
        Some(entry) => entry.incident.id.clone(),
        None if template.contains("{seq") => {
            let next = next_seq(index, &template, year, seen_ids);
            store::format_id(&template, year, next)
        }
        None => store::format_id(&template, year, 0),
    };
    result.id = Some(id.clone());
    if !is_valid_id(&id) {
        result.reason = format!("id {id:?} is not usable as a file name; change the id template");
        return None;
    }
    if let Some(&first) = seen_ids.get(&id) {
        result.outcome = Outcome::Duplicate;
        result.reason = format!("same id {id:?} as {}", row_at(plan, first));
        return None;
    }
    seen_ids.insert(id.clone(), here);
    incident.id = id.clone();
    let matched = matched.or_else(|| match index.by_id.get(id.as_str()) {
        // An id taken by an incident of another register reference is not this row's.
        Some(entry) => {
            let other_ref = entry
                .incident
                .legacy
                .as_ref()
                .and_then(|l| l.reference.as_deref());
            match (other_ref, &built.reference) {
                (Some(other), Some(mine)) if other != mine => None,
                _ => Some(*entry),
            }
        }
        None => None,
    });
    if matched.is_none() && index.by_id.contains_key(id.as_str()) {
        result.reason = format!(
            "id {id:?} is already used by {} for another register reference",
            index.by_id[id.as_str()].path.display()
        );
        return None;
    }

    let path = store::incident_path(cx.root, &incident);
    match matched {
        None => {
            if !written_paths.insert(path.clone()) {
                result.outcome = Outcome::Duplicate;
                result.reason = format!("another row of this import writes {}", path.display());
                return None;
            }
            result.outcome = Outcome::Imported;
            Some(PendingWrite {
                path,
                incident,
                new: true,
                replace: false,
                remove: None,
            })
        }
        Some(entry) => {
            let merged = merge::merge(
                &entry.incident,
                &incident,
                cx.parts,
                cx.columns,
                cx.options.overwrite,
            );
            let kept = if merged.kept.is_empty() {
                String::new()
            } else {
                format!(
                    "kept fields edited in fir: {} (the register differs; --overwrite replaces them)",
                    merged.kept.join(", ")
                )
            };
            if merged.incident == entry.incident {
                result.outcome = Outcome::Unchanged;
                result.reason = if kept.is_empty() {
                    format!("same as {}", entry.path.display())
                } else {
                    kept
                };
                return None;
            }
            let new_path = store::incident_path(cx.root, &merged.incident);
            let moved = !same_file(&new_path, &entry.path);
            result.outcome = Outcome::Updated;
            result.reason = format!("changed: {}", merged.updated.join(", "));
            if !kept.is_empty() {
                result.reason = format!("{}; {kept}", result.reason);
            }
            written_paths.insert(new_path.clone());
            Some(PendingWrite {
                path: if moved { new_path } else { entry.path.clone() },
                incident: merged.incident,
                new: false,
                replace: !moved,
                remove: moved.then(|| entry.path.clone()),
            })
        }
    }
}

fn same_file(a: &Path, b: &Path) -> bool {
    let strip = |p: &Path| p.strip_prefix(".").unwrap_or(p).to_path_buf();
    strip(a) == strip(b)
}

/// The id template with `{ref}`, `{sheet}` and `{row}` filled, ready for
/// [`store::format_id`] (`{year}`, `{seq}`). `None` when `{ref}` is needed but empty.
fn fill_template(template: &str, reference: Option<&str>, sheet: &str, row: u32) -> Option<String> {
    let mut out = template.to_string();
    if out.contains("{ref}") {
        out = out.replace("{ref}", &id_safe(reference?));
    }
    Some(
        out.replace("{sheet}", &id_safe(sheet))
            .replace("{row}", &row.to_string()),
    )
}

/// Text made safe for ids: accents folded, runs of other characters become `-`.
fn id_safe(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else {
            let folded = mapping::normalize(&c.to_string());
            if folded.is_empty() || !folded.is_ascii() {
                if !out.ends_with('-') {
                    out.push('-');
                }
            } else {
                out.push_str(&folded);
            }
        }
    }
    out.trim_matches('-').to_string()
}

/// The next free `{seq}` for `template` in `year`, counting existing files and the ids
/// this import has already given.
fn next_seq(
    index: &mut Existing<'_>,
    template: &str,
    year: i16,
    given: &HashMap<String, usize>,
) -> u64 {
    let by_id = &index.by_id;
    let current = index.seq.entry(year).or_insert_with(|| {
        by_id
            .keys()
            .chain(given.keys().map(String::as_str).collect::<Vec<_>>().iter())
            .filter_map(|id| store::parse_seq(template, year, id))
            .max()
            .unwrap_or(0)
    });
    *current += 1;
    *current
}

/// Writes the plan's files: new ones exclusively, changed ones atomically, all flushed
/// to disk together (see [`store::write_batch`]), then removes the files of incidents
/// that moved to another year. Holds the content directory's lock so that `fir new`
/// and the intake form wait.
pub fn apply(root: &Path, plan: &Plan) -> std::io::Result<()> {
    if plan.writes.is_empty() {
        return Ok(());
    }
    let _lock = store::lock(root)?;
    let batch: Vec<store::BatchFile<'_>> = plan
        .writes
        .iter()
        .map(|write| store::BatchFile {
            path: &write.path,
            bytes: write.text.as_bytes(),
            replace: write.replace,
        })
        .collect();
    store::write_batch(&batch)?;
    for old in plan.writes.iter().filter_map(|w| w.remove.as_ref()) {
        std::fs::remove_file(old)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_templates_fill_and_stay_file_safe() {
        assert_eq!(
            fill_template("{ref}", Some("2013-00562"), "2013", 5).unwrap(),
            "2013-00562"
        );
        assert_eq!(
            fill_template("LEGACY-{sheet}-{row}", None, "Année 2014", 17).unwrap(),
            "LEGACY-Annee-2014-17"
        );
        assert_eq!(
            fill_template("INC/{ref}", Some(" n° 12/B "), "s", 1).unwrap(),
            "INC/n-12-B"
        );
        assert_eq!(fill_template("{ref}", None, "s", 1), None);
    }
}
