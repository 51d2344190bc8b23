//! The build cache: what the last build saw and produced, so that the next one renders
//! only what changed. Kept beside the output (`.site-cache` for `site/`), never
//! inside it, since it names files the audience of the site may not see.
//!
//! Binary (postcard): at 100k incidents the cache holds every summary and every output
//! path, and reading it is on the path of every incremental rebuild. JSON took several
//! times longer to read and write.

use std::borrow::Borrow;
use std::ffi::OsStr;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::Summary;

/// Bump when the cache's shape or meaning changes: older caches are then ignored.
const FORMAT: u32 = 4;

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
    pub path: PathBuf,
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

/// Everything the last successful build knew.
#[derive(Debug, Serialize, Deserialize)]
pub struct State {
    format: u32,
    /// Fingerprint of what all pages depend on: fir, fir.toml, theme, options.
    pub key: u64,
    /// Also written into the output, to tell that the output is the one this describes.
    pub build_id: String,
    /// Every incident file, published or not, by path.
    pub sources: Sources,
    /// Published incidents, sorted.
    pub summaries: Vec<Summary>,
    /// Every output file and the fingerprint of the job that made it.
    pub pages: foldhash::HashMap<String, u64>,
    /// The index of `summaries`, kept in memory for the next build of the same process
    /// (the intake server's), which takes it to update; never saved.
    #[serde(skip)]
    pub index: std::sync::Mutex<Option<super::Index>>,
}

impl State {
    pub fn new(
        key: u64,
        sources: Sources,
        summaries: Vec<Summary>,
        pages: foldhash::HashMap<String, u64>,
        index: Option<super::Index>,
    ) -> State {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        State {
            format: FORMAT,
            key,
            build_id: format!(
                "{}-{}-{}",
                now.as_secs(),
                now.subsec_nanos(),
                std::process::id()
            ),
            sources,
            summaries,
            pages,
            index: std::sync::Mutex::new(index),
        }
    }
}

/// Where the cache of output directory `out` lives.
pub fn path_for(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map_or_else(|| "site".into(), |n| n.to_string_lossy().into_owned());
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
    let bytes = std::fs::read(path_for(out)).ok()?;
    let state: State = match postcard::from_bytes(&bytes) {
        Ok(state) => state,
        Err(e) => {
            tracing::debug!("ignoring unreadable build cache: {e}");
            return None;
        }
    };
    if state.format != FORMAT || state.key != key {
        tracing::debug!("build cache is for other settings: full build");
        return None;
    }
    let marker = std::fs::read_to_string(out.join(MARKER)).unwrap_or_default();
    if marker.trim() != state.build_id {
        tracing::debug!("output does not match the build cache: full build");
        return None;
    }
    tracing::debug!("load cache: {:.2?}", started.elapsed());
    Some(state)
}

/// Saves the cache beside `out`.
pub fn save(out: &Path, state: &State) -> std::io::Result<()> {
    let path = path_for(out);
    let bytes = postcard::to_stdvec(state).map_err(std::io::Error::other)?;
    let parent = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    super::publish::write_in_place(parent, &name, &bytes)
}
