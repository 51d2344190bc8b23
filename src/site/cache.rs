//! The build cache: what the last build saw and produced, so that the next one renders
//! only what changed. Kept beside the output (`.site-cache` for `site/`), never
//! inside it, since it names files the audience of the site may not see.
//!
//! Binary (postcard): at 100k incidents the cache holds every summary and every output
//! path, and reading it is on the path of every incremental rebuild. JSON took several
//! times longer to read and write. Its long lists are stored in parts of [`PART`]
//! entries, each encoded on its own, so that every core decodes and encodes some.

use std::borrow::Borrow;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

mod columns;
mod page_map;

pub use page_map::PageMap;

use super::index::{FACETS, Facet, FacetValue, SavedParts};
use super::{Fingerprints, Index, Summary};
use crate::artifacts::correlate::{Correlation, Incidents, Related, Shared, numbers_fit};
use crate::artifacts::{Artifact, Kind, SharedStr};
pub use crate::content::{Stamp, modified, stamp};

/// Bump when the cache's shape or meaning changes: older caches are then ignored.
const FORMAT: u32 = 16;

/// Entries per part of a list in the cache file.
const PART: usize = 4096;

/// An incident file's path as a map key, hashed and compared as its bytes: a build
/// looks up every path of the site, and `Path`'s own hashing and equality parse each
/// path into components (a quarter of a build with nothing changed, at 100k). Keys
/// come from the canonical site root or are normalized first, so equal files have
/// equal bytes. Saved as a plain path.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SourcePath(pub PathBuf);

impl PartialEq for SourcePath {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_os_str() == other.0.as_os_str()
    }
}

impl Eq for SourcePath {}

impl Hash for SourcePath {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.as_os_str().hash(state);
    }
}

impl Borrow<OsStr> for SourcePath {
    fn borrow(&self) -> &OsStr {
        self.0.as_os_str()
    }
}

/// Every incident file, by path.
pub type Sources = foldhash::HashMap<SourcePath, Source>;

/// One incident file as last seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub size: u64,
    pub modified: (i64, u32),
    pub hash: u64,
}

impl Source {
    /// True when the file's size and modification time say it may have changed.
    pub fn differs_from(&self, (size, modified): Stamp) -> bool {
        size != self.size || modified != self.modified
    }
}

/// The running program's [`Stamp`]: part of the cache key, since another fir (an
/// upgrade, or one rebuilt from changed sources with the same version number) may
/// render the same incidents differently, so its first build must be a full one.
/// Taken once per process: a long-running `fir serve` keeps the stamp of the program
/// it runs even if that file is replaced under it. `None` where the program's file
/// cannot be found.
pub fn program_stamp() -> Option<Stamp> {
    static STAMP: std::sync::OnceLock<Option<Stamp>> = std::sync::OnceLock::new();
    *STAMP.get_or_init(|| {
        let program = std::env::current_exe().ok()?;
        std::fs::metadata(program).ok().map(|m| stamp(&m))
    })
}

/// Everything the last successful build knew.
#[derive(Debug)]
pub struct State {
    /// Fingerprint of what all pages depend on: fir, fir.toml, theme, options.
    pub key: u64,
    /// Also written into the output, to tell that the output is the one this describes.
    pub build_id: String,
    /// Every incident file, published or not, by path.
    pub sources: Sources,
    /// Published incidents, sorted.
    pub summaries: Vec<Summary>,
    /// The fingerprints of `summaries` (none when not known: they are then hashed).
    pub fingerprints: Fingerprints,
    /// Every output file and the fingerprint of the job that made it.
    pub pages: PageMap,
    /// The index of `summaries`, kept in memory for the next build of the same process
    /// (the intake server's), which takes it to update. Its correlation is saved.
    pub index: std::sync::Mutex<Option<super::Index>>,
    /// The correlation of `summaries` as read from the cache, for the next build to
    /// restore its index from rather than correlate every artifact again.
    pub correlation: Option<SavedCorrelation>,
    /// The rest of that index as read from the cache (empty when none was saved).
    pub index_parts: SavedParts,
}

/// What the cache keeps of a correlation ([`Correlation::from_parts`] gives it back).
#[derive(Debug, Default)]
pub struct SavedCorrelation {
    /// Every artifact and its incidents (none when no correlation was saved: the
    /// artifacts then only served the summaries).
    pub shared: Vec<Shared>,
    pub of_incident: Vec<Vec<u32>>,
    pub related: Vec<Vec<Related>>,
}

impl State {
    pub fn new(
        key: u64,
        sources: Sources,
        summaries: Vec<Summary>,
        pages: PageMap,
        index: Option<super::Index>,
    ) -> State {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        State {
            key,
            build_id: format!(
                "{}-{}-{}",
                now.as_secs(),
                now.subsec_nanos(),
                std::process::id()
            ),
            sources,
            summaries,
            fingerprints: Fingerprints::default(),
            pages,
            index: std::sync::Mutex::new(index),
            correlation: None,
            index_parts: SavedParts::default(),
        }
    }
}

/// Where the cache of output directory `out` lives.
pub fn path_for(out: &Path) -> PathBuf {
    let name = super::publish::site_name(out);
    out.parent()
        .unwrap_or(Path::new("."))
        .join(format!(".{name}-cache"))
}

/// Name of the file in the output that holds the build id.
pub const MARKER: &str = ".fir-build";

/// The cache for `out` if it exists, is readable, matches `key` and describes the
/// output as it is now; otherwise `None` (and the next build is a full one).
pub fn load(out: &Path, key: u64) -> Option<State> {
    let started = std::time::Instant::now();
    let bytes = read(&path_for(out)).ok()?;
    let state = match decode(&bytes, key) {
        Ok(Some(state)) => state,
        Ok(None) => {
            tracing::debug!("build cache is for other settings: full build");
            return None;
        }
        Err(e) => {
            tracing::debug!("ignoring unreadable build cache: {e}");
            return None;
        }
    };
    let marker = std::fs::read_to_string(out.join(MARKER)).unwrap_or_default();
    if marker.trim() != state.build_id {
        tracing::debug!("output does not match the build cache: full build");
        return None;
    }
    tracing::debug!("load cache: {:.2?}", started.elapsed());
    Some(state)
}

/// A cache file's bytes, mapped rather than read: at 100k incidents the file is over a
/// hundred megabytes, which reading copied into as much new memory first (0.1 s of the
/// 2 s an incremental build then took).
enum Bytes {
    Mapped(memmap2::Mmap),
    Read(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(map) => map,
            Bytes::Read(bytes) => bytes,
        }
    }
}

/// The cache file at `path`: mapped, or read where it cannot be.
#[allow(unsafe_code)]
fn read(path: &Path) -> std::io::Result<Bytes> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the mapping is undefined if the file changes while mapped. fir never
    // changes a cache file: a new one replaces it by rename (`save`, `save_next`), which
    // leaves the mapped file as it was, and the mapping only lives while `load` decodes.
    match unsafe { memmap2::Mmap::map(&file) } {
        Ok(map) => Ok(Bytes::Mapped(map)),
        Err(_) => std::fs::read(path).map(Bytes::Read),
    }
}

/// The state in a cache file's `bytes`, or `None` when it was saved for another format
/// or key (whose lists are not decoded).
fn decode(bytes: &[u8], key: u64) -> postcard::Result<Option<State>> {
    let file: File<'_> = postcard::from_bytes(bytes)?;
    if file.format != FORMAT || file.key != key {
        return Ok(None);
    }
    // The maps of files, put together one entry after the other, beside the other
    // lists, each decoded on every core.
    let (maps, lists) = rayon::join(
        || -> postcard::Result<(Sources, PageMap)> {
            let sources = from_parts::<(SourcePath, Source)>(&file.sources)?;
            Ok((sources.into_iter().collect(), PagesPart::map(&file.pages)?))
        },
        || {
            let mut summaries = from_parts::<Summary>(&file.summaries)?;
            let fingerprints = Fingerprints {
                rows: from_parts_as(&file.fingerprints, columns::decode_wide)?,
                artifacts: from_parts_as(&file.artifacts_fingerprints, columns::decode_wide)?,
            };
            if !fingerprints.fit(&summaries) {
                return Err(postcard::Error::DeserializeBadEncoding);
            }
            let shared = shared(&file.artifacts, &file.incidents)?;
            let of_incident = from_parts_as(&file.of_incident, |l: columns::Lists| {
                l.lists::<u32, Vec<u32>>()
            })?;
            let related = from_parts_as(&file.related, |l: columns::Lists| {
                l.lists::<Related, Vec<Related>>()
            })?;
            give_artifacts(&mut summaries, &shared, &of_incident)?;
            let saved = SavedCorrelation {
                shared,
                of_incident,
                related,
            };
            let index_parts = SavedParts {
                facets: from_parts_as(&file.facets, |p: FacetPart<'_>| Ok(vec![p.facet()?]))?,
                relations: from_parts_as(&file.relations, |l: columns::Lists| l.lists())?,
                mentions: from_parts_as(&file.mentions, |l: columns::Lists| l.lists())?,
            };
            Ok((summaries, fingerprints, saved, index_parts))
        },
    );
    let ((sources, pages), (summaries, fingerprints, saved, index_parts)) = (maps?, lists?);
    // Without a correlation the table and positions only served the summaries.
    let correlated =
        file.incidents.len() == file.artifacts.len() && saved.related.len() == summaries.len();
    Ok(Some(State {
        key: file.key,
        build_id: file.build_id.to_string(),
        sources,
        summaries,
        fingerprints,
        pages,
        index: std::sync::Mutex::new(None),
        correlation: correlated.then_some(saved),
        index_parts,
    }))
}

/// The table of artifacts and, when a correlation was saved (`incidents` not empty),
/// each one's incidents: the two lists' parts decoded side by side on every core, each
/// pair as one part of the table (both lists are cut at the same entries).
fn shared(artifacts: &[Part<'_>], incidents: &[Part<'_>]) -> postcard::Result<Vec<Shared>> {
    let bad = || postcard::Error::DeserializeBadEncoding;
    if !incidents.is_empty() && incidents.len() != artifacts.len() {
        return Err(bad());
    }
    let parts: Vec<Vec<Shared>> = artifacts
        .par_iter()
        .enumerate()
        .map(|(i, part)| -> postcard::Result<Vec<Shared>> {
            let artifacts = TablePart::artifacts(postcard::from_bytes(&part.0)?)?;
            let incidents = match incidents.get(i) {
                Some(part) => {
                    let lists: columns::Lists<'_> = postcard::from_bytes(&part.0)?;
                    lists.lists::<u32, Incidents>()?
                }
                None => vec![Incidents::new(); artifacts.len()],
            };
            if incidents.len() != artifacts.len() {
                return Err(bad());
            }
            Ok(artifacts
                .into_iter()
                .zip(incidents)
                .map(|(artifact, incidents)| Shared {
                    artifact,
                    incidents,
                })
                .collect())
        })
        .collect::<postcard::Result<_>>()?;
    Ok(joined(parts))
}

/// Puts back each summary's artifacts from the cache's table of them and the
/// summary's positions in it: the values shared, not copied (the synthetic 100k site
/// mentions 1.4 million artifacts, each decoded on its own before).
fn give_artifacts(
    summaries: &mut [Summary],
    table: &[Shared],
    positions: &[Vec<u32>],
) -> postcard::Result<()> {
    if positions.len() != summaries.len() {
        return Err(postcard::Error::DeserializeBadEncoding);
    }
    summaries
        .par_iter_mut()
        .zip(positions)
        .try_for_each(|(summary, positions)| {
            // Sized first: collected through an `Option`, the list grew by steps.
            let mut artifacts = Vec::with_capacity(positions.len());
            for &n in positions {
                let shared = table.get(n as usize);
                artifacts.push(
                    shared
                        .ok_or(postcard::Error::DeserializeBadEncoding)?
                        .artifact
                        .clone(),
                );
            }
            summary.artifacts = artifacts;
            Ok(())
        })
}

/// The table of artifacts the cache keeps and each summary's positions in it: the
/// correlation's own when there is one (its artifacts in order, its `of_incident`),
/// else made here, each artifact once in order of first mention.
fn artifact_table<'s>(
    summaries: &'s [Summary],
    correlation: Option<&'s Correlation>,
) -> (Vec<&'s Artifact>, std::borrow::Cow<'s, [Vec<u32>]>) {
    if let Some(c) = correlation {
        let table = c.shared.iter().map(|s| &s.artifact).collect();
        return (table, std::borrow::Cow::Borrowed(&c.of_incident));
    }
    let mut numbers: foldhash::HashMap<&Artifact, u32> = Default::default();
    let mut table = Vec::new();
    let positions = summaries
        .iter()
        .map(|s| {
            s.artifacts
                .iter()
                .map(|artifact| {
                    *numbers.entry(artifact).or_insert_with(|| {
                        table.push(artifact);
                        (table.len() - 1) as u32
                    })
                })
                .collect()
        })
        .collect();
    (table, std::borrow::Cow::Owned(positions))
}

/// Saves the cache beside `out`.
pub fn save(out: &Path, state: &State) -> std::io::Result<()> {
    let sources: Vec<_> = state.sources.iter().collect();
    let pages: Vec<(&str, u64)> = state.pages.iter().collect();
    let index = state.index.lock().ok();
    write(
        out,
        state.key,
        &state.build_id,
        &sources,
        (&state.summaries, &state.fingerprints),
        index.as_ref().and_then(|i| i.as_ref()),
        |file| encode_lists(file, &[&chunks_as(&pages, PagesPart::of)]),
        || Ok(()),
    )
}

/// The state an incremental build leaves, as the last state and what changed in it:
/// saved while the build goes on, before the new state is put together from the same
/// parts (taken from the last state, which is then gone). What changed in the map of
/// output files is known later: [`PageChanges`].
#[derive(Debug)]
pub struct Next<'a> {
    pub last: &'a State,
    pub build_id: &'a str,
    pub summaries: &'a [Summary],
    pub fingerprints: &'a Fingerprints,
    /// Incident files gone since the last build.
    pub removed: &'a [PathBuf],
    /// Incident files read again (new or changed).
    pub read: &'a Sources,
    /// The index of `summaries` (its correlation, facets and links are saved).
    pub index: Option<&'a Index>,
}

/// What changed in the map of output files since the last state.
#[derive(Debug, Default, Clone)]
pub struct PageChanges {
    /// Output files no job makes any more.
    pub stale: Vec<String>,
    /// Output files rendered again, with their new fingerprints.
    pub rendered: Vec<(String, u64)>,
}

/// Saves the state an incremental build leaves: what [`save`] of that state, once put
/// together, would save, except that an entry of a map written again comes twice, the
/// new one later (as it does when the map is read back: the later entry wins). Only
/// the entries gone are looked for among the last build's, and only when there are
/// any: hashing every path of a large site to leave out the few written again took
/// about as long as encoding them. The map of output files comes last in the file:
/// its changes are asked of `page_changes` once the rest is written. The file is
/// written aside, and put in place of the last one only once `go_ahead` says so (the
/// build it describes rendered): else the last build's cache stays.
pub fn save_next(
    out: &Path,
    next: &Next<'_>,
    page_changes: impl FnOnce() -> std::io::Result<PageChanges>,
    go_ahead: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    let removed: foldhash::HashSet<&OsStr> = next.removed.iter().map(|p| p.as_os_str()).collect();
    let sources: Vec<(&SourcePath, &Source)> = next
        .last
        .sources
        .iter()
        .filter(|(path, _)| removed.is_empty() || !removed.contains(path.0.as_os_str()))
        .chain(next.read.iter())
        .collect();
    let pages = |file: &mut CacheWriter<'_>| {
        let changes = page_changes()?;
        let stale: foldhash::HashSet<&str> = changes.stale.iter().map(String::as_str).collect();
        let pages: Vec<(&str, u64)> = next
            .last
            .pages
            .iter()
            .filter(|(path, _)| stale.is_empty() || !stale.contains(path))
            .chain(
                changes
                    .rendered
                    .iter()
                    .map(|(path, fingerprint)| (path.as_str(), *fingerprint)),
            )
            .collect();
        encode_lists(file, &[&chunks_as(&pages, PagesPart::of)])
    };
    write(
        out,
        next.last.key,
        next.build_id,
        &sources,
        (next.summaries, next.fingerprints),
        next.index,
        pages,
        go_ahead,
    )
}

/// What the cache file holds: a header, then each list as parts of encoded entries.
#[derive(Serialize, Deserialize)]
struct File<'a> {
    format: u32,
    key: u64,
    build_id: &'a str,
    #[serde(borrow)]
    sources: Vec<Part<'a>>,
    #[serde(borrow)]
    summaries: Vec<Part<'a>>,
    /// [`Fingerprints`] of the summaries, as columns ([`columns::wide`]).
    #[serde(borrow)]
    fingerprints: Vec<Part<'a>>,
    #[serde(borrow)]
    artifacts_fingerprints: Vec<Part<'a>>,
    /// Every artifact the summaries mention, once ([`artifact_table`]), and per
    /// summary the positions of its artifacts in it (`of_incident`).
    #[serde(borrow)]
    artifacts: Vec<Part<'a>>,
    /// The rest of the correlation (empty when none was saved): per artifact its
    /// incidents, per incident its related incidents.
    #[serde(borrow)]
    incidents: Vec<Part<'a>>,
    #[serde(borrow)]
    of_incident: Vec<Part<'a>>,
    #[serde(borrow)]
    related: Vec<Part<'a>>,
    /// The rest of the index (empty when none was saved): its facets, one a part, and
    /// per incident the positions of those its `relations:` and texts name.
    #[serde(borrow)]
    facets: Vec<Part<'a>>,
    #[serde(borrow)]
    relations: Vec<Part<'a>>,
    #[serde(borrow)]
    mentions: Vec<Part<'a>>,
    /// Last: an incremental build knows it last ([`save_next`]).
    #[serde(borrow)]
    pages: Vec<Part<'a>>,
}

/// Up to [`PART`] entries of a list, encoded, or a column of one ([`columns`]): bytes,
/// read in place from the file's.
#[derive(Debug, Clone)]
struct Part<'a>(std::borrow::Cow<'a, [u8]>);

impl Serialize for Part<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(&self.0)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Part<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        <&'de [u8]>::deserialize(deserializer).map(|bytes| Part(bytes.into()))
    }
}

/// A list of the cache file, encoded part by part as the file is written
/// ([`encode_file`]).
trait Parts: Sync {
    /// How many parts the list has.
    fn count(&self) -> usize;
    /// Appends the encoded part `i` to `out`.
    fn encode(&self, i: usize, out: &mut Vec<u8>) -> postcard::Result<()>;
}

/// `items` in parts of [`PART`] entries, each encoded as `encode` encodes its entries.
struct Chunks<'a, T, F> {
    items: &'a [T],
    /// Entries per part.
    size: usize,
    encode: F,
}

impl<'a, T: Sync, F: Fn(&'a [T], &mut Vec<u8>) -> postcard::Result<()> + Sync> Parts
    for Chunks<'a, T, F>
{
    fn count(&self) -> usize {
        self.items.len().div_ceil(self.size)
    }

    fn encode(&self, i: usize, out: &mut Vec<u8>) -> postcard::Result<()> {
        let end = ((i + 1) * self.size).min(self.items.len());
        (self.encode)(&self.items[i * self.size..end], out)
    }
}

/// `items` in parts, each one's entries encoded by postcard.
fn chunks<T: Serialize + Sync>(items: &[T]) -> impl Parts + '_ {
    chunks_as(items, |entries| entries)
}

/// `items` in parts, each part encoded by postcard as what `shape` makes of its entries.
fn chunks_as<'a, T: Sync, S: Serialize>(
    items: &'a [T],
    shape: impl Fn(&'a [T]) -> S + Sync + 'a,
) -> impl Parts + 'a {
    sized_chunks_as(items, PART, shape)
}

/// `items` one a part (large ones, decoded each on a core), encoded by postcard as
/// what `shape` makes of it.
fn each_as<'a, T: Sync, S: Serialize>(
    items: &'a [T],
    shape: impl Fn(&'a T) -> S + Sync + 'a,
) -> impl Parts + 'a {
    sized_chunks_as(items, 1, move |one: &'a [T]| shape(&one[0]))
}

fn sized_chunks_as<'a, T: Sync, S: Serialize>(
    items: &'a [T],
    size: usize,
    shape: impl Fn(&'a [T]) -> S + Sync + 'a,
) -> impl Parts + 'a {
    Chunks {
        items,
        size,
        encode: move |entries: &'a [T], out: &mut Vec<u8>| {
            postcard::to_io(&shape(entries), out).map(|_| ())
        },
    }
}

/// The entries of `parts`, in order, decoded on every core.
fn from_parts<T: serde::de::DeserializeOwned + Send>(
    parts: &[Part<'_>],
) -> postcard::Result<Vec<T>> {
    from_parts_as(parts, |entries: Vec<T>| Ok(entries))
}

/// The entries of `parts` encoded by [`chunks_as`]: each part decoded as `F`, which
/// `entries` turns back into its entries.
fn from_parts_as<'p, T: Send, F: Deserialize<'p>>(
    parts: &'p [Part<'_>],
    entries: impl Fn(F) -> postcard::Result<Vec<T>> + Sync,
) -> postcard::Result<Vec<T>> {
    let decoded: Vec<Vec<T>> = parts
        .par_iter()
        .map(|part| postcard::from_bytes(&part.0).and_then(&entries))
        .collect::<postcard::Result<_>>()?;
    Ok(joined(decoded))
}

/// The entries of `parts`, one part after the other.
fn joined<T>(parts: Vec<Vec<T>>) -> Vec<T> {
    let mut all = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        all.extend(part);
    }
    all
}

/// Strings as columns: each one's length ([`columns`]), then all of them as one text.
#[derive(Serialize, Deserialize)]
struct Texts<'a> {
    #[serde(borrow)]
    lengths: Part<'a>,
    #[serde(borrow)]
    text: std::borrow::Cow<'a, str>,
}

impl Texts<'_> {
    fn of<'s>(strings: impl Iterator<Item = &'s str> + Clone) -> Texts<'static> {
        let lengths: Vec<u32> = strings.clone().map(|s| s.len() as u32).collect();
        Texts {
            lengths: columns::column(&lengths),
            text: strings.collect::<String>().into(),
        }
    }

    /// Each string's length, if together they make the text.
    fn lengths(&self) -> postcard::Result<Vec<u32>> {
        let lengths = columns::numbers(&self.lengths.0)?;
        if lengths.iter().map(|&l| l as usize).sum::<usize>() != self.text.len() {
            return Err(postcard::Error::DeserializeBadEncoding);
        }
        Ok(lengths)
    }
}

/// A part of the table of artifacts as columns: each one's kind (a byte, its place in
/// [`Kind::ALL`]), then their values ([`Texts`]), which the values read back point into.
#[derive(Serialize, Deserialize)]
struct TablePart<'a> {
    #[serde(borrow)]
    kinds: Part<'a>,
    #[serde(borrow)]
    values: Texts<'a>,
}

impl TablePart<'_> {
    fn of(artifacts: &[&Artifact]) -> TablePart<'static> {
        let kinds: Vec<u8> = artifacts.iter().map(|a| a.kind as u8).collect();
        TablePart {
            kinds: Part(kinds.into()),
            values: Texts::of(artifacts.iter().map(|a| &*a.value)),
        }
    }

    fn artifacts(self) -> postcard::Result<Vec<Artifact>> {
        let lengths = self.values.lengths()?;
        if self.kinds.0.len() != lengths.len() {
            return Err(postcard::Error::DeserializeBadEncoding);
        }
        // One text for the part's values, which point into it.
        let text: std::sync::Arc<str> = std::sync::Arc::from(&*self.values.text);
        let mut at = 0;
        // Sized first: collected through a `Result`, the list grew by steps.
        let mut artifacts = Vec::with_capacity(lengths.len());
        for (&kind, len) in self.kinds.0.iter().zip(lengths) {
            let end = at + len as usize;
            let value = SharedStr::new(&text, at..end);
            at = end;
            let kind = Kind::ALL.get(usize::from(kind));
            let (&kind, value) = kind
                .zip(value)
                .ok_or(postcard::Error::DeserializeBadEncoding)?;
            artifacts.push(Artifact { kind, value });
        }
        Ok(artifacts)
    }
}

/// A part of the map of output files as columns: each path's fingerprint, then the
/// paths ([`Texts`]).
#[derive(Serialize, Deserialize)]
struct PagesPart<'a> {
    #[serde(borrow)]
    fingerprints: Part<'a>,
    #[serde(borrow)]
    paths: Texts<'a>,
}

impl PagesPart<'_> {
    fn of(pages: &[(&str, u64)]) -> PagesPart<'static> {
        let fingerprints: Vec<u64> = pages.iter().map(|&(_, fingerprint)| fingerprint).collect();
        PagesPart {
            fingerprints: columns::wide(&fingerprints),
            paths: Texts::of(pages.iter().map(|&(path, _)| path)),
        }
    }

    /// The map of the parts of the file's list of output files, each decoded on a core
    /// of its own, then put together (a path never spans two parts).
    fn map(parts: &[Part<'_>]) -> postcard::Result<PageMap> {
        let decoded = parts
            .par_iter()
            .map(|part| -> postcard::Result<_> {
                let part: PagesPart<'_> = postcard::from_bytes(&part.0)?;
                let lengths = part.paths.lengths()?;
                let fingerprints = columns::decode_wide(part.fingerprints)?;
                Ok((part.paths.text, lengths, fingerprints))
            })
            .collect::<postcard::Result<Vec<_>>>()?;
        let mut text = String::with_capacity(decoded.iter().map(|d| d.0.len()).sum());
        let mut lengths = Vec::with_capacity(decoded.iter().map(|d| d.1.len()).sum());
        let mut fingerprints = Vec::with_capacity(lengths.capacity());
        for (part_text, part_lengths, part_fingerprints) in &decoded {
            text.push_str(part_text);
            lengths.extend_from_slice(part_lengths);
            fingerprints.extend_from_slice(part_fingerprints);
        }
        PageMap::from_columns(text, &lengths, &fingerprints)
            .ok_or(postcard::Error::DeserializeBadEncoding)
    }
}

/// A facet of the index: its values, each one's incidents as a column ([`columns`]).
#[derive(Serialize, Deserialize)]
struct FacetPart<'a> {
    #[serde(borrow)]
    key: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    values: Vec<ValuePart<'a>>,
}

#[derive(Serialize, Deserialize)]
struct ValuePart<'a> {
    #[serde(borrow)]
    raw: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    label: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    color: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow)]
    slug_path: std::borrow::Cow<'a, str>,
    parent: Option<u32>,
    children: Vec<u32>,
    #[serde(borrow)]
    members: Part<'a>,
}

impl<'a> FacetPart<'a> {
    fn of(facet: &'a Facet) -> FacetPart<'a> {
        let values = facet
            .values
            .iter()
            .map(|v| ValuePart {
                raw: v.raw.as_str().into(),
                label: v.label.as_str().into(),
                color: v.color.as_deref().map(Into::into),
                slug_path: v.slug_path.as_str().into(),
                parent: v.parent.map(|p| p as u32),
                children: v.children.iter().map(|&c| c as u32).collect(),
                members: columns::column(&v.members),
            })
            .collect();
        FacetPart {
            key: facet.key.into(),
            values,
        }
    }

    /// The facet, if its key is one of [`FACETS`] (whether it fits the summaries is
    /// for the index to tell).
    fn facet(self) -> postcard::Result<Facet> {
        let key = FACETS
            .iter()
            .find(|k| **k == self.key)
            .ok_or(postcard::Error::DeserializeBadEncoding)?;
        let values = self
            .values
            .into_iter()
            .map(|v| -> postcard::Result<FacetValue> {
                Ok(FacetValue {
                    raw: v.raw.into_owned(),
                    label: v.label.into_owned(),
                    color: v.color.map(std::borrow::Cow::into_owned),
                    slug_path: v.slug_path.into_owned(),
                    parent: v.parent.map(|p| p as usize),
                    children: v.children.into_iter().map(|c| c as usize).collect(),
                    members: columns::numbers(&v.members.0)?,
                })
            })
            .collect::<postcard::Result<Vec<_>>>()?;
        Ok(Facet::new(key, values))
    }
}

/// How the cache file is written.
type CacheWriter<'f> = std::io::BufWriter<&'f mut std::fs::File>;

/// Writes the cache file beside `out` aside, then in place once `go_ahead` agrees.
/// `pages` writes the last list, the map of output files ([`encode_lists`]).
#[allow(clippy::too_many_arguments)]
fn write<S: Serialize + Sync>(
    out: &Path,
    key: u64,
    build_id: &str,
    sources: &[S],
    (summaries, fingerprints): (&[Summary], &Fingerprints),
    index: Option<&Index>,
    pages: impl FnOnce(&mut CacheWriter<'_>) -> std::io::Result<()>,
    go_ahead: impl FnOnce() -> std::io::Result<()>,
) -> std::io::Result<()> {
    // Fingerprints not known (a state put together by hand) are hashed now.
    let hashed;
    let fingerprints = if fingerprints.fit(summaries) {
        fingerprints
    } else {
        hashed = Fingerprints::of(summaries, &Fingerprints::default(), 0);
        &hashed
    };
    // An index of other summaries (none is expected) is not saved.
    let index = index.filter(|i| i.relations.len() == summaries.len());
    let correlation = index
        .map(|i| &i.artifacts)
        .filter(|c| numbers_fit(&c.of_incident, summaries.iter().map(|s| &s.artifacts[..])));
    let (artifacts, of_incident) = artifact_table(summaries, correlation);
    let incidents: Vec<&Incidents> = correlation.map_or_else(Vec::new, |c| {
        c.shared.iter().map(|s| &s.incidents).collect()
    });
    let related = correlation.map_or(&[][..], |c| &c.related[..]);
    let (facets, relations, mentions) = index.map_or((&[][..], &[][..], &[][..]), |i| {
        (&i.facets[..], &i.relations[..], &i.mentions[..])
    });
    let lists: [&dyn Parts; 11] = [
        &chunks(sources),
        &chunks(summaries),
        &chunks_as(&fingerprints.rows, columns::wide),
        &chunks_as(&fingerprints.artifacts, columns::wide),
        &chunks_as(&artifacts, TablePart::of),
        &chunks_as(&incidents, columns::Lists::of),
        &chunks_as(&of_incident, columns::Lists::of),
        &chunks_as(related, columns::Lists::of),
        &each_as(facets, FacetPart::of),
        &chunks_as(relations, columns::Lists::of),
        &chunks_as(mentions, columns::Lists::of),
    ];
    let path = path_for(out);
    let parent = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::publish::write_with_in_place(parent, &name, |file| {
        let mut writer = std::io::BufWriter::new(file);
        encode_file(&mut writer, &(FORMAT, key, build_id), &lists)?;
        pages(&mut writer)?;
        std::io::Write::flush(&mut writer)?;
        go_ahead()
    })
}

/// Writes the bytes `postcard` gives for a [`File`] with this header and these lists
/// ([`encode_lists`]).
fn encode_file(
    out: &mut (impl std::io::Write + Send),
    header: &(u32, u64, &str),
    lists: &[&dyn Parts],
) -> std::io::Result<()> {
    out.write_all(&encoded(header)?)?;
    encode_lists(out, lists)
}

/// `value` as postcard encodes it.
fn encoded<T: Serialize>(value: &T) -> std::io::Result<Vec<u8>> {
    postcard::to_stdvec(value).map_err(std::io::Error::other)
}

/// Writes the bytes `postcard` gives for these lists of a [`File`], one after the
/// other, encoding a few parts at a time on every core while the ones before are
/// written: no list is held whole in memory (the file is a hundred megabytes at 100k
/// incidents, which as new memory cost a page fault every four kilobytes), and the
/// same few buffers serve every part.
fn encode_lists(
    out: &mut (impl std::io::Write + Send),
    lists: &[&dyn Parts],
) -> std::io::Result<()> {
    // Every part as (list, part), in the order of the file.
    let parts: Vec<(usize, usize)> = lists
        .iter()
        .enumerate()
        .flat_map(|(l, list)| (0..list.count()).map(move |i| (l, i)))
        .collect();
    let batch = 2 * rayon::current_num_threads().max(1);
    let encode = |parts: &[(usize, usize)], buffers: &mut Vec<Vec<u8>>| {
        buffers.resize_with(parts.len(), Vec::new);
        buffers
            .par_iter_mut()
            .zip(parts)
            .try_for_each(|(buffer, &(l, i))| {
                buffer.clear();
                lists[l].encode(i, buffer)
            })
            .map_err(std::io::Error::other)
    };
    // A list is its length, then each part as its length and its bytes: the lists
    // before that of the part written next get their lengths first (an empty one has
    // nothing else).
    let mut lists_begun = 0;
    let mut begin_lists = |out: &mut dyn std::io::Write, upto: usize| -> std::io::Result<()> {
        for list in &lists[lists_begun.min(upto)..upto] {
            out.write_all(&encoded(&list.count())?)?;
        }
        lists_begun = lists_begun.max(upto);
        Ok(())
    };
    let batches: Vec<&[(usize, usize)]> = parts.chunks(batch).collect();
    let (mut ready, mut next) = (Vec::new(), Vec::new());
    if let Some(first) = batches.first() {
        encode(first, &mut ready)?;
    }
    for (k, written) in batches.iter().enumerate() {
        let (wrote, encoded_next) = rayon::join(
            || -> std::io::Result<()> {
                for (bytes, &(l, _)) in ready.iter().zip(*written) {
                    begin_lists(&mut *out, l + 1)?;
                    out.write_all(&encoded(&bytes.len())?)?;
                    out.write_all(bytes)?;
                }
                Ok(())
            },
            || batches.get(k + 1).map_or(Ok(()), |b| encode(b, &mut next)),
        );
        wrote?;
        encoded_next?;
        std::mem::swap(&mut ready, &mut next);
    }
    begin_lists(out, lists.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::render::Catalogue;
    use crate::site::index::update::tests::{self as update_tests, assert_same, drawn, summary};

    fn source(path: &str, hash: u64) -> (SourcePath, Source) {
        let source = Source {
            id: format!("FIR-{hash}"),
            size: hash * 10,
            modified: (hash as i64, 0),
            hash,
        };
        (SourcePath(PathBuf::from(path)), source)
    }

    /// A summary mentioning the domains `d{n}.example` for each `n` of `artifacts`.
    fn summary_with(artifacts: Vec<u8>) -> Summary {
        let drawn = (0, 0, 0, 0, artifacts, Vec::new(), Vec::new());
        super::super::index::update::tests::summary("A".into(), 0, &drawn)
    }

    fn read(out: &Path) -> State {
        decode(&std::fs::read(path_for(out)).unwrap(), 7)
            .unwrap()
            .unwrap()
    }

    #[test]
    fn the_next_state_saves_as_the_state_put_together_from_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let sources: Sources = ["a.md", "b.md", "c.md"]
            .iter()
            .enumerate()
            .map(|(n, p)| source(p, n as u64))
            .collect();
        let pages = [("p1", 1), ("p2", 2), ("p3", 3)]
            .iter()
            .map(|&(p, f)| (p.to_string(), f))
            .collect();
        let last = State::new(7, sources, Vec::new(), pages, None);
        // b.md removed, c.md changed, d.md new; p2 no longer made, p3 and p4 rendered
        // (p4 twice: the later one counts, as when a map is extended).
        let removed = vec![PathBuf::from("b.md")];
        let read_again: Sources = [source("c.md", 30), source("d.md", 40)]
            .into_iter()
            .collect();
        let stale = vec!["p2".to_string()];
        let rendered = vec![
            ("p3".to_string(), 33),
            ("p4".to_string(), 4),
            ("p4".to_string(), 44),
        ];
        let next = State::new(7, Default::default(), Vec::new(), Default::default(), None);
        // Two incidents sharing an address (d0.example), the second with one more.
        let summaries = [vec![0], vec![0, 1]].map(summary_with);
        let index = Index::build(&summaries, &Config::default(), &Catalogue::default());
        let correlation = &index.artifacts;
        save_next(
            &out,
            &Next {
                last: &last,
                build_id: &next.build_id,
                summaries: &summaries,
                removed: &removed,
                read: &read_again,
                fingerprints: &Fingerprints::default(),
                index: Some(&index),
            },
            || {
                Ok(PageChanges {
                    stale: stale.clone(),
                    rendered: rendered.clone(),
                })
            },
            || Ok(()),
        )
        .unwrap();
        let saved = read(&out);
        let kept = saved.correlation.as_ref().expect("a correlation");
        assert_eq!(kept.shared, correlation.shared);
        assert_eq!(kept.of_incident, correlation.of_incident);
        assert_eq!(kept.related, correlation.related);
        assert_eq!(saved.index_parts.facets, index.facets);
        assert_eq!(saved.index_parts.relations, index.relations);
        assert_eq!(saved.index_parts.mentions, index.mentions);
        assert_eq!(saved.summaries, summaries);
        // Not given, so hashed when saved.
        let hashed = Fingerprints::of(&summaries, &Fingerprints::default(), 0);
        assert_eq!(saved.fingerprints, hashed);
        assert_eq!(hashed.rows[1], summaries[1].fingerprint());
        assert_eq!(hashed.artifacts[1], summaries[1].artifacts_fingerprint());
        // One value for both mentions of the shared address.
        let [first, second] = [0, 1].map(|i| &saved.summaries[i].artifacts[0].value);
        assert!(first.is_shared_with(second));

        let mut expected = last;
        expected.build_id = next.build_id.clone();
        for path in &removed {
            expected.sources.remove(path.as_os_str());
        }
        expected.sources.extend(read_again);
        for path in &stale {
            expected.pages.remove(path);
        }
        expected.pages.extend(rendered);
        assert_eq!(saved.build_id, expected.build_id);
        assert_eq!(saved.sources, expected.sources);
        assert_eq!(saved.pages, expected.pages);
        assert_eq!(saved.pages.get("p4"), Some(44));
        assert!(!saved.sources.contains_key(OsStr::new("b.md")));
        // And the state itself saves the same map entries.
        save(&out, &expected).unwrap();
        let again = read(&out);
        assert_eq!((again.sources, again.pages), (saved.sources, saved.pages));
    }

    /// A cache written while the build goes on is put in place only once told to:
    /// told not to, or not told what changed in the map of output files (the build
    /// failed before it knew), it leaves the last one as it was, and nothing beside it.
    #[test]
    fn a_cache_not_given_the_go_ahead_leaves_the_last_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let summaries: Vec<Summary> = [vec![3, 1], vec![1, 2]]
            .into_iter()
            .map(summary_with)
            .collect();
        let last = State::new(
            7,
            Default::default(),
            summaries.clone(),
            Default::default(),
            None,
        );
        save(&out, &last).unwrap();
        let before = std::fs::read(path_for(&out)).unwrap();
        let next = Next {
            last: &last,
            build_id: "next",
            summaries: &summaries[..1],
            removed: &[],
            read: &Default::default(),
            fingerprints: &Fingerprints::default(),
            index: None,
        };
        fn failed<T>(step: &str) -> impl FnOnce() -> std::io::Result<T> {
            move || Err(std::io::Error::other(format!("{step} failed")))
        }
        let no_change = || Ok(PageChanges::default());
        let refused = save_next(&out, &next, no_change, failed("render"));
        let unplanned = save_next(&out, &next, failed("plan"), || Ok(()));
        for outcome in [refused, unplanned] {
            assert!(outcome.is_err());
            assert_eq!(std::fs::read(path_for(&out)).unwrap(), before);
            let names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(names.len(), 1, "{names:?}");
        }
        save_next(&out, &next, no_change, || Ok(())).unwrap();
        assert_eq!(read(&out).build_id, "next");
    }

    #[test]
    fn artifacts_come_back_without_a_correlation_too() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let summaries: Vec<Summary> = [vec![3, 1], vec![], vec![1, 2]]
            .into_iter()
            .map(summary_with)
            .collect();
        let state = State::new(7, Default::default(), summaries, Default::default(), None);
        save(&out, &state).unwrap();
        let saved = read(&out);
        assert_eq!(saved.summaries, state.summaries);
        assert!(saved.correlation.is_none(), "no correlation was saved");
        let [first, second] = [(0, 1), (2, 0)].map(|(s, a)| &saved.summaries[s].artifacts[a].value);
        assert!(first.is_shared_with(second));
    }

    #[test]
    fn a_kind_is_stored_as_its_place_among_all() {
        for (place, kind) in Kind::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, place);
        }
        let table = summary_with(vec![1, 2]).artifacts;
        let part = TablePart::of(&table.iter().collect::<Vec<_>>());
        assert_eq!(part.artifacts().unwrap(), table);
        let mut unknown = TablePart::of(&table.iter().collect::<Vec<_>>());
        unknown.kinds = Part(vec![0, Kind::ALL.len() as u8].into());
        assert!(unknown.artifacts().is_err());
    }

    #[test]
    fn positions_past_the_table_are_an_unreadable_cache() {
        let mut summaries = [summary_with(vec![1])];
        let table: Vec<Shared> = summaries[0]
            .artifacts
            .iter()
            .map(|artifact| Shared {
                artifact: artifact.clone(),
                incidents: Incidents::new(),
            })
            .collect();
        assert!(give_artifacts(&mut summaries, &table, &[vec![0]]).is_ok());
        assert!(give_artifacts(&mut summaries, &table, &[vec![1]]).is_err());
        assert!(give_artifacts(&mut summaries, &table, &[]).is_err());
    }

    #[test]
    fn long_lists_come_back_whole_and_in_order_across_parts() {
        let items: Vec<(String, u64)> = (0..2 * PART as u64 + 5)
            .map(|n| (format!("page-{n}"), n))
            .collect();
        let list = chunks(&items);
        assert_eq!(list.count(), 3);
        let parts: Vec<Part<'_>> = (0..3)
            .map(|i| {
                let mut bytes = Vec::new();
                list.encode(i, &mut bytes).unwrap();
                Part(bytes.into())
            })
            .collect();
        let bytes = postcard::to_stdvec(&parts).unwrap();
        let read: Vec<Part<'_>> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(from_parts::<(String, u64)>(&read).unwrap(), items);
        assert!(from_parts::<(String, u64)>(&[]).unwrap().is_empty());
    }

    #[test]
    fn a_cache_of_another_format_or_key_is_not_decoded() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let state = State::new(7, Default::default(), Vec::new(), Default::default(), None);
        save(&out, &state).unwrap();
        let bytes = std::fs::read(path_for(&out)).unwrap();
        assert!(decode(&bytes, 7).unwrap().is_some());
        assert!(decode(&bytes, 8).unwrap().is_none());
        assert!(decode(&bytes[..bytes.len() / 2], 7).is_err());
    }

    #[test]
    fn the_file_is_written_as_postcard_encodes_it() {
        /// A list of parts given as their bytes.
        struct Given(Vec<Part<'static>>);
        impl Parts for Given {
            fn count(&self) -> usize {
                self.0.len()
            }
            fn encode(&self, i: usize, out: &mut Vec<u8>) -> postcard::Result<()> {
                out.extend_from_slice(&self.0[i].0);
                Ok(())
            }
        }
        let part = |bytes: &[u8]| Part(bytes.to_vec().into());
        // Empty lists first, between and last; more parts in a list than are encoded
        // at a time, of every size.
        let many: Vec<Part<'_>> = (0..50u8).map(|n| part(&vec![n; 7 * n as usize])).collect();
        let lists = [
            Vec::new(),
            vec![part(b"abc"), part(&[7; 300])],
            many,
            Vec::new(),
            vec![part(b"")],
            vec![part(b"hi")],
            vec![part(b"d"), part(&[3; 200])],
            vec![part(b"ef"), part(b"g")],
            vec![part(b"facet")],
            Vec::new(),
            vec![part(b"m")],
            Vec::new(),
        ];
        let given = lists.clone().map(Given);
        let header = (FORMAT, u64::MAX, "build-1");
        let mut written = Vec::new();
        let listed: Vec<&dyn Parts> = given.iter().map(|g| g as &dyn Parts).collect();
        encode_file(&mut written, &header, &listed).unwrap();
        let [
            sources,
            summaries,
            fingerprints,
            artifacts_fingerprints,
            artifacts,
            incidents,
            of_incident,
            related,
            facets,
            relations,
            mentions,
            pages,
        ] = lists;
        let file = File {
            format: header.0,
            key: header.1,
            build_id: header.2,
            sources,
            summaries,
            fingerprints,
            artifacts_fingerprints,
            pages,
            artifacts,
            incidents,
            of_incident,
            related,
            facets,
            relations,
            mentions,
        };
        assert_eq!(written, postcard::to_stdvec(&file).unwrap());
    }

    /// The index of `drawn` incidents, saved with them and restored from the cache as
    /// an incremental build restores it, with `tamper` applied to what was read.
    fn save_and_restore(
        drawn: &[update_tests::Drawn],
        tamper: impl FnOnce(&mut State),
    ) -> (Index, Index) {
        let (config, catalogue) = (Config::default(), Catalogue::default());
        let mut summaries: Vec<Summary> = drawn
            .iter()
            .enumerate()
            .map(|(i, d)| summary(format!("A{i}"), 1_600_000_000, d))
            .collect();
        // Each artifact once, as extraction gives them.
        for s in &mut summaries {
            s.artifacts.sort_by(|a, b| a.value.cmp(&b.value));
            s.artifacts.dedup();
        }
        crate::site::index::sort(&mut summaries);
        let built = Index::build(&summaries, &config, &catalogue);
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("site");
        let state = State::new(
            7,
            Default::default(),
            summaries,
            Default::default(),
            Some(built.clone()),
        );
        save(&out, &state).unwrap();
        let mut read_back = read(&out);
        tamper(&mut read_back);
        crate::site::restore_index(&mut read_back, &config, &catalogue);
        let restored = read_back
            .index
            .into_inner()
            .unwrap()
            .expect("an index restored");
        (restored, built)
    }

    proptest::proptest! {
        /// Facets and links come back from the cache as they were saved, and with the
        /// correlation make the index built anew.
        #[test]
        fn a_restored_index_equals_one_built_anew(
            drawn in proptest::collection::vec(drawn(), 1..24),
        ) {
            let (restored, built) = save_and_restore(&drawn, |_| {});
            assert_same(&restored, &built);
        }
    }

    #[test]
    fn saved_facets_are_taken_as_they_are_when_they_fit_and_made_again_when_not() {
        let drawn: Vec<_> = (0..6u8)
            .map(|n| {
                (
                    u16::from(n),
                    n % 4,
                    n % 3,
                    n % 4,
                    vec![n % 3],
                    vec![n],
                    vec![],
                )
            })
            .collect();
        // Taken as saved: a label changed in the file shows in the index.
        let (restored, _) = save_and_restore(&drawn, |state| {
            state.index_parts.facets[0].values[0].label = "as saved".into();
        });
        assert_eq!(restored.facets[0].values[0].label, "as saved");
        // A position past the incidents, or a facet missing: all made again.
        let (restored, built) = save_and_restore(&drawn, |state| {
            state.index_parts.facets[1].values[0].members.push(99);
        });
        assert_same(&restored, &built);
        let (restored, built) = save_and_restore(&drawn, |state| {
            state.index_parts.facets.pop();
        });
        assert_same(&restored, &built);
        let (restored, built) = save_and_restore(&drawn, |state| {
            state.index_parts.relations[0].push(99);
        });
        assert_same(&restored, &built);
    }
}
