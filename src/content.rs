//! Loading the content directory: every incident file, parsed in parallel and checked.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::incident::{self, FieldLines, Incident};
use crate::store::INCIDENTS_DIR;

/// One loaded incident and where it came from.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The file, as found under the site root.
    pub path: PathBuf,
    /// The incident, its taxonomy values read as slugs ([`incident::resolve_terms`]).
    pub incident: Incident,
    /// Where each field stands in the file.
    pub fields: FieldLines,
    /// A hash of the file's bytes, to notice changes (the build cache keys pages on it).
    pub source_hash: u64,
    /// The file's size and modification time as it was read.
    pub stamp: Stamp,
}

/// A file's size and modification time: what says that it may have changed.
pub type Stamp = (u64, (i64, u32));

/// The [`Stamp`] of a file's metadata.
pub fn stamp(metadata: &std::fs::Metadata) -> Stamp {
    (metadata.len(), modified(metadata))
}

/// Modification time as (seconds, nanoseconds) since the Unix epoch.
pub fn modified(metadata: &std::fs::Metadata) -> (i64, u32) {
    metadata
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or((0, 0), |d| (d.as_secs() as i64, d.subsec_nanos()))
}

/// A file's bytes and its [`Stamp`], taken from the same open file before reading:
/// the stamp is never newer than the bytes (a file changed meanwhile is seen as
/// changed by the next build), and it costs no call of its own (the size sizes the
/// buffer, as `std::fs::read` does).
pub fn read_stamped(path: &Path) -> std::io::Result<(Vec<u8>, Stamp)> {
    use std::io::Read;
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    let mut bytes = Vec::with_capacity(usize::try_from(metadata.len()).unwrap_or(0) + 1);
    file.read_to_end(&mut bytes)?;
    Ok((bytes, stamp(&metadata)))
}

/// Everything under `content/incidents/`, with every problem found.
#[derive(Debug, Default)]
pub struct Content {
    /// Incidents that parsed, sorted by path. Files with errors are left out.
    pub entries: Vec<Entry>,
    /// Problems of every file, in path then line order.
    pub diagnostics: Vec<Diagnostic>,
}

impl Content {
    /// True when some problem is an error, or (when `strict`) any problem at all.
    pub fn has_errors(&self, strict: bool) -> bool {
        let (errors, warnings) = crate::diagnostic::count(&self.diagnostics);
        errors > 0 || (strict && warnings > 0)
    }
}

/// The id an incident file's name gives, or `None` for what is not an incident file
/// (other extensions, hidden and temporary files).
pub fn incident_stem(path: &Path) -> Option<&str> {
    incident_name_stem(path.file_name()?)
}

/// [`incident_stem`] of a file name.
fn incident_name_stem(name: &std::ffi::OsStr) -> Option<&str> {
    let name = name.to_str()?;
    if name.starts_with('.') {
        return None;
    }
    // What `Path::file_stem` gives when `Path::extension` is `md`, without parsing
    // the path three times (a property test holds it to them).
    name.strip_suffix(".md")
}

/// A directory of the content that could not be listed.
#[derive(Debug, thiserror::Error)]
#[error("{}: {source}", path.display())]
pub struct ListError {
    pub path: PathBuf,
    #[source]
    pub source: std::io::Error,
}

/// Lists incident files under `root`, sorted (each directory's entries by name, a
/// directory's files where its name sorts). Hidden files and directories, other files
/// and linked directories are passed over.
pub fn incident_files(root: &Path) -> Result<Vec<PathBuf>, ListError> {
    let files = incident_files_with(root, |_| ())?;
    Ok(files.into_iter().map(|(path, ())| path).collect())
}

/// [`incident_files`], each with what `look` makes of its directory entry: the file's
/// metadata is read relative to its open directory there, which costs a third less
/// than by its whole path (the incremental build looks at 100k files). Directories
/// are listed in parallel.
pub fn incident_files_with<T: Send>(
    root: &Path,
    look: impl Fn(&std::fs::DirEntry) -> T + Sync,
) -> Result<Vec<(PathBuf, T)>, ListError> {
    let dir = root.join(INCIDENTS_DIR);
    if !dir.exists() {
        return Ok(Vec::new());
    }
    let mut files = list_dir(&dir, &look)?;
    if dir.starts_with(".") {
        for (path, _) in &mut files {
            *path = display_path(std::mem::take(path));
        }
    }
    Ok(files)
}

/// An entry of a content directory worth listing.
enum Listed<T> {
    File(PathBuf, T),
    Dir(PathBuf),
}

/// The incident files under `dir` in [`incident_files`] order.
fn list_dir<T: Send>(
    dir: &Path,
    look: &(impl Fn(&std::fs::DirEntry) -> T + Sync),
) -> Result<Vec<(PathBuf, T)>, ListError> {
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ListError { path, source }
    };
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(failed(dir))? {
        let entry = entry.map_err(failed(dir))?;
        let name = entry.file_name();
        if name.as_encoded_bytes().starts_with(b".") {
            continue;
        }
        // Not followed: a linked directory's files would be listed twice.
        let kind = entry.file_type().map_err(failed(&entry.path()))?;
        if kind.is_dir() {
            entries.push((name, Listed::Dir(entry.path())));
        } else if kind.is_file() && incident_name_stem(&name).is_some() {
            entries.push((name, Listed::File(entry.path(), look(&entry))));
        }
    }
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let dirs: Vec<&Path> = entries
        .iter()
        .filter_map(|(_, entry)| match entry {
            Listed::Dir(path) => Some(path.as_path()),
            Listed::File(..) => None,
        })
        .collect();
    let nested = dirs
        .into_par_iter()
        .map(|dir| list_dir(dir, look))
        .collect::<Result<Vec<_>, _>>()?;
    let mut nested = nested.into_iter();
    let mut files = Vec::with_capacity(entries.len());
    for (_, entry) in entries {
        match entry {
            Listed::File(path, looked) => files.push((path, looked)),
            Listed::Dir(_) => files.extend(nested.next().into_iter().flatten()),
        }
    }
    Ok(files)
}

/// `./content/…` reads better as `content/…`.
fn display_path(path: PathBuf) -> PathBuf {
    match path.strip_prefix(".") {
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path,
    }
}

/// Reads, parses and checks every incident under `root`.
pub fn load(root: &Path, config: &Config) -> Content {
    let mut content = Content::default();
    let files = match incident_files(root) {
        Ok(files) => files,
        Err(e) => {
            content.diagnostics.push(Diagnostic::error(
                &e.path,
                None,
                None,
                format!("cannot list: {}", e.source),
            ));
            return content;
        }
    };
    let mut content = load_paths(files, config);
    let ids: HashSet<&str> = content
        .entries
        .iter()
        .map(|e| e.incident.id.as_str())
        .collect();
    let dangling = check_relations(&content.entries, |id| ids.contains(id));
    content.diagnostics.extend(dangling);
    sort_diagnostics(&mut content.diagnostics);
    content
}

/// Reads, parses and checks the given incident files. Ids are checked to be unique
/// among these files; relations are not checked (see [`check_relations`]).
pub fn load_paths(files: Vec<PathBuf>, config: &Config) -> Content {
    let mut content = Content::default();
    let progress = crate::progress::bar(files.len() as u64, "loading");
    let results: Vec<(Option<Entry>, Vec<Diagnostic>)> = on_reading_threads(files.len(), || {
        files
            .into_par_iter()
            .map(|path| {
                let outcome = load_one(path, config);
                progress.inc(1);
                outcome
            })
            .collect()
    });
    progress.finish_and_clear();
    for (entry, diagnostics) in results {
        content.entries.extend(entry);
        content.diagnostics.extend(diagnostics);
    }
    check_unique_ids(&mut content);
    sort_diagnostics(&mut content.diagnostics);
    content
}

/// Runs `work`, a parallel pass that reads `files` files, on more threads than there
/// are cores: files not yet in the page cache are then asked of the disk many at a
/// time, where the build's own threads would wait for them two by two (a first build
/// after a reboot: `fir check` of 100k incidents 10.7 → 4.6 s, BENCHMARKS.md). Parsing
/// on those threads costs the same CPU. Few files are read on the caller's threads.
/// `FIR_READ_THREADS` sets the number (0 or 1: the build's own threads).
fn on_reading_threads<T: Send>(files: usize, work: impl FnOnce() -> T + Send) -> T {
    const FEW_FILES: usize = 256;
    const READ_THREADS: usize = 16;
    let threads = std::env::var("FIR_READ_THREADS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(READ_THREADS);
    let pool = (files >= FEW_FILES && threads > 1)
        .then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(|i| format!("fir-read-{i}"))
                .build()
                .ok()
        })
        .flatten();
    match pool {
        Some(pool) => pool.install(work),
        None => work(),
    }
}

/// The entry of the incident file at `path`, of `text` as `parsed`: its taxonomy
/// values read as their terms (`status: Closed` as `closed`).
pub fn entry_of(
    path: PathBuf,
    (text, stamp): (&str, Stamp),
    parsed: incident::Parsed,
    config: &Config,
) -> Entry {
    let mut incident = parsed.incident;
    incident::resolve_terms(&mut incident, config);
    Entry {
        path,
        incident,
        fields: parsed.fields,
        source_hash: hash_bytes(text.as_bytes()),
        stamp,
    }
}

fn load_one(path: PathBuf, config: &Config) -> (Option<Entry>, Vec<Diagnostic>) {
    let (text, stamp) = match read_stamped(&path) {
        Ok((bytes, stamp)) => match String::from_utf8(bytes) {
            Ok(text) => (text, stamp),
            Err(e) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let message = "not valid UTF-8; save the file as UTF-8";
                return (
                    None,
                    vec![Diagnostic::error(&path, Some(line), None, message)],
                );
            }
        },
        Err(e) => {
            return (
                None,
                vec![Diagnostic::error(
                    &path,
                    None,
                    None,
                    format!("cannot read: {e}"),
                )],
            );
        }
    };
    match incident::parse(&text) {
        Ok(parsed) => {
            let diagnostics = incident::validate(&parsed.incident, config, &path, &parsed.fields);
            (
                Some(entry_of(path, (&text, stamp), parsed, config)),
                diagnostics,
            )
        }
        Err(first) => (None, parse_errors(&path, &text, first, config)),
    }
}

/// The diagnostics of the file at `path`, whose `text` [`incident::parse`] failed on
/// with `first`: every problem found in it ([`incident::all_errors`]), then what
/// validation says of its fields without errors ([`incident::without_errors`]).
pub fn parse_errors(
    path: &Path,
    text: &str,
    first: incident::FrontMatterError,
    config: &Config,
) -> Vec<Diagnostic> {
    let errors = incident::all_errors(text, first);
    let mut diagnostics: Vec<Diagnostic> = errors
        .iter()
        .map(|e| Diagnostic::error(path, e.line, e.field.as_deref(), e.message.clone()))
        .collect();
    if let Some(rest) = incident::without_errors(text, &errors) {
        let validated =
            incident::validate(&rest.parsed.incident, config, path, &rest.parsed.fields);
        diagnostics.extend(validated.into_iter().filter_map(|mut d| {
            if let Some(field) = &d.field {
                d.field = Some(rest.field_in_file(field)?);
            }
            // `--fix` edits only files that decode.
            d.message = d.message.replace(
                incident::FIXED_BY_CHECK,
                "(`fir check --fix` does, once the errors of the file are fixed)",
            );
            Some(d)
        }));
    }
    diagnostics
}

/// The hash [`Entry::source_hash`] holds for a file with these bytes.
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    use std::hash::BuildHasher;
    // Compared only with hashes the same program made (the build cache is keyed by
    // the program): a fast hash of many bytes at a time will do.
    foldhash::quality::FixedState::with_seed(0).hash_one(bytes)
}

fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
}

/// Ids used by more than one of the loaded files.
fn check_unique_ids(content: &mut Content) {
    let mut first_seen: HashMap<&str, &Path> = HashMap::with_capacity(content.entries.len());
    let mut found = Vec::new();
    for entry in &content.entries {
        let id = entry.incident.id.as_str();
        if let Some(first) = first_seen.get(id) {
            found.push(duplicate_id(entry, first));
        } else {
            first_seen.insert(id, &entry.path);
        }
    }
    content.diagnostics.extend(found);
}

/// The error of `entry`, whose id the file at `first` has already.
pub fn duplicate_id(entry: &Entry, first: &Path) -> Diagnostic {
    Diagnostic::error(
        &entry.path,
        Some(entry.fields.line_of("id")),
        Some("id"),
        format!(
            "duplicate id {:?}, already used by {}",
            entry.incident.id,
            first.display()
        ),
    )
}

/// A warning for each relation of `entries` to an incident that does not exist
/// (`exists` says which ids do: every incident of the register, not only these).
pub fn check_relations(entries: &[Entry], exists: impl Fn(&str) -> bool) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for entry in entries {
        for (i, relation) in entry.incident.relations.iter().enumerate() {
            if !exists(relation) {
                let field = format!("relations[{i}]");
                found.push(Diagnostic::warning(
                    &entry.path,
                    Some(entry.fields.line_of(&field)),
                    Some(&field),
                    format!("related incident {relation:?} does not exist"),
                ));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file whose every field decodes, with warnings on several fields.
    const WITH_WARNINGS: &str = "---\nid: FIR-1\ntitle: One\ndate: 2024-05-01T09:30:00Z\n\
        category: Phishing\nseverity: 2\nstatus: closed\ntlp: PURPLE\nactor: nobody\n\
        timeline:\n  - date: 2024-05-01T10:00:00Z\n    text: a\n\
        \x20 - date: 2024-05-02T10:00:00Z\n    action: dance\n    text: b\n\
        relations: [FIR-1]\n---\nBody\n";

    /// Each diagnostic as `line level field`, in the order of their lines.
    fn lines_of(diagnostics: &[Diagnostic]) -> Vec<String> {
        let mut lines: Vec<String> = diagnostics
            .iter()
            .map(|d| {
                format!(
                    "{} {:?} {}",
                    d.line.unwrap_or(0),
                    d.level,
                    d.field.as_deref().unwrap_or("-")
                )
            })
            .collect();
        sort_by_line(&mut lines);
        lines
    }

    fn sort_by_line(lines: &mut [String]) {
        lines.sort_by_key(|l| {
            (
                l.split(' ').next().unwrap().parse::<usize>().unwrap(),
                l.clone(),
            )
        });
    }

    #[test]
    fn a_file_that_does_not_decode_still_gets_the_warnings_of_its_other_fields() {
        let path = Path::new("FIR-1.md");
        let config = Config::default();
        let parsed = incident::parse(WITH_WARNINGS).unwrap();
        let warnings = lines_of(&incident::validate(
            &parsed.incident,
            &config,
            path,
            &parsed.fields,
        ));
        assert_eq!(
            warnings,
            [
                "5 Warning category",
                "7 Warning closed",
                "8 Warning tlp",
                "9 Warning actor",
                "13 Warning timeline[1].action",
                "16 Warning relations[0]",
            ]
        );
        // (what is broken, how, the error expected, the warning that goes with it)
        let broken = [
            ("severity: 2", "severity: two", "6 Error severity", None),
            (
                "tlp: PURPLE",
                "tlp: [PURPLE]",
                "8 Error tlp",
                Some("8 Warning tlp"),
            ),
            // Without a status, nothing says whether a `closed` date is due.
            (
                "status: closed",
                "status: [closed]",
                "7 Error status",
                Some("7 Warning closed"),
            ),
            ("title: One\n", "", "2 Error title", None),
            // Another item broken: the item after it keeps its number.
            (
                "    text: a",
                "    text: [a]",
                "12 Error timeline[0].text",
                None,
            ),
            // The item itself broken: its warning waits.
            (
                "    text: b",
                "    text: [b]",
                "15 Error timeline[1].text",
                Some("13 Warning timeline[1].action"),
            ),
        ];
        for (from, to, error, hidden) in broken {
            let text = WITH_WARNINGS.replacen(from, to, 1);
            let first = incident::parse(&text).unwrap_err();
            let got = lines_of(&parse_errors(path, &text, first, &config));
            let mut expected: Vec<String> = warnings
                .iter()
                .filter(|w| Some(w.as_str()) != hidden)
                .cloned()
                .collect();
            if to.is_empty() {
                // The lines after the one removed move up.
                expected = expected
                    .iter()
                    .map(|w| {
                        let (line, rest) = w.split_once(' ').unwrap();
                        format!("{} {rest}", line.parse::<usize>().unwrap() - 1)
                    })
                    .collect();
            }
            expected.push(error.to_string());
            sort_by_line(&mut expected);
            assert_eq!(got, expected, "{to:?}");
        }
        // `--fix` waits for the file to decode, and the warning says so.
        let text = WITH_WARNINGS.replacen("severity: 2", "severity: two", 1);
        let first = incident::parse(&text).unwrap_err();
        let category = parse_errors(path, &text, first, &config)
            .into_iter()
            .find(|d| d.field.as_deref() == Some("category"))
            .unwrap();
        assert!(
            category
                .message
                .ends_with("(`fir check --fix` does, once the errors of the file are fixed)"),
            "{}",
            category.message
        );
    }

    proptest::proptest! {
        /// A file's stem as `Path` itself takes names apart.
        #[test]
        fn incident_stems_are_what_paths_say(name in "[.a-zA-Z0-9-]{0,10}(\\.md|\\.mdx|md)?") {
            let path = Path::new("content/incidents/2024").join(&name);
            let by_path = path
                .file_name()
                .and_then(|n| n.to_str())
                .filter(|n| !n.starts_with('.') && path.extension().is_some_and(|e| e == "md"))
                .and_then(|_| path.file_stem()?.to_str());
            proptest::prop_assert_eq!(incident_stem(&path), by_path);
        }
    }

    #[test]
    fn listing_finds_incident_files_in_order_and_passes_over_the_rest() {
        let root = tempfile::tempdir().expect("temp dir");
        let incidents = root.path().join(INCIDENTS_DIR);
        let files = [
            "2024/FIR-2024-0002.md",
            "2024/FIR-2024-0001.md",
            "2023/FIR-2023-0001.md",
            "2024/older/FIR-2019-0001.md",
            "2024-old/FIR-2018-0001.md",
            "2024/.FIR-2024-0003.md",
            "2024/FIR-2024-0005.md.tmp",
            "2024/notes.txt",
            ".drafts/FIR-2024-0004.md",
        ];
        for file in files {
            let path = incidents.join(file);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("dir");
            std::fs::write(&path, file).expect("write");
        }
        // A linked directory is not followed (its files would be listed twice).
        std::os::unix::fs::symlink(incidents.join("2023"), incidents.join("2025"))
            .expect("symlink");
        let expected: Vec<PathBuf> = [
            "2023/FIR-2023-0001.md",
            "2024/FIR-2024-0001.md",
            "2024/FIR-2024-0002.md",
            "2024/older/FIR-2019-0001.md",
            "2024-old/FIR-2018-0001.md",
        ]
        .iter()
        .map(|f| incidents.join(f))
        .collect();
        assert_eq!(incident_files(root.path()).expect("listed"), expected);
        // A site without incidents lists none.
        let empty = tempfile::tempdir().expect("temp dir");
        assert!(incident_files(empty.path()).expect("listed").is_empty());
    }

    #[test]
    fn an_entry_carries_the_stamp_of_the_file_it_was_read_from() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("FIR-2024-0001.md");
        let text = "---\nid: FIR-2024-0001\ntitle: T\ndate: 2024-01-02T03:04:05Z\ncategory: phishing\nseverity: 2\nstatus: open\n---\nText.\n";
        std::fs::write(&path, text).expect("write");
        let read = std::fs::metadata(&path).expect("metadata");
        let content = load_paths(vec![path.clone()], &Config::default());
        assert!(content.diagnostics.is_empty(), "{:?}", content.diagnostics);
        let entry = &content.entries[0];
        assert_eq!(entry.stamp, stamp(&read));
        assert_eq!(entry.stamp.0, text.len() as u64);
        // Changed after it was read: the entry still tells the version it holds.
        std::fs::write(&path, format!("{text}More.\n")).expect("write");
        assert_ne!(
            entry.stamp,
            stamp(&std::fs::metadata(&path).expect("metadata"))
        );
    }
}
