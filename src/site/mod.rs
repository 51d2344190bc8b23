//! Building the static site: content → select audience → index → render → publish.
//!
//! [`Site::build`] reads as the ordered list of its steps, each one timed. Pages come
//! from [`Generator`]s: each lists its jobs with a fingerprint of everything the job's
//! pages show, and renders a job on demand. A full build renders every job into a
//! staging directory and swaps it in; an incremental build (the cache of the last
//! build is valid) renders only the jobs whose fingerprint changed and writes them in
//! place. Artifact, statistics and search pages plug in as more generators, in
//! [`generators`].

mod artifact_pages;
mod audience;
pub mod cache;
pub mod data;
mod fingerprint;
mod framing;
mod incremental;
pub mod index;
mod merge;
pub mod pages;
pub mod paths;
pub mod publish;
pub mod reports;
pub mod search;
mod sorted_json;
pub mod tasks;
mod term_values;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

pub use audience::admits;
pub use fingerprint::Fingerprints;
pub use index::{Index, Summary};

use crate::config::{Audience, Config, ConfigError};
use crate::content::{self, Entry};
use crate::diagnostic::{Diagnostic, Level};
use crate::drop_later;
use crate::render::context::{RowView, color_class};
use crate::render::{RenderError, Renderer, SiteGlobals, Theme};
use cache::{Source, State};

/// How to build: where to, for whom, with which absolute URL.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Output directory; `<root>/site` by default.
    pub out: Option<PathBuf>,
    /// An audience from `[audiences]` in fir.toml; everything when `None`.
    pub audience: Option<String>,
    /// Overrides `base_url` from fir.toml (used in the feed).
    pub base_url: Option<String>,
    /// Ignore the build cache: render everything.
    pub full: bool,
    /// Leave the build cache unwritten until [`Site::save_cache`]: for a process that
    /// keeps the site in memory between rebuilds (the intake server), so that a
    /// rebuild does not wait for it.
    pub defer_cache_save: bool,
    /// In an incremental build, publish the pages of new and changed incidents as soon
    /// as the index allows, before the search index, plan and the rest of the site:
    /// for the intake server, whose submitter waits for that page. (They are written
    /// again with the rest, and stay published if a later step fails.)
    pub publish_changed_first: bool,
}

/// Why a build failed. Nothing was published.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("unknown audience {name:?}; fir.toml defines: {}", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownAudience { name: String, known: Vec<String> },
    /// Incident files with errors; every problem found is listed.
    #[error("{}", content_errors(.0))]
    Content(Vec<Diagnostic>),
    #[error(transparent)]
    Theme(RenderError),
    #[error("rendering {path}: {source}")]
    Page { path: String, source: RenderError },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The previous output cannot be reused: an incremental build falls back to a full one.
    #[error("previous output cannot be reused: {0}")]
    Stale(String),
}

fn content_errors(diagnostics: &[Diagnostic]) -> String {
    let mut out: Vec<String> = diagnostics.iter().map(ToString::to_string).collect();
    let errors = diagnostics
        .iter()
        .filter(|d| d.level == Level::Error)
        .count();
    out.push(format!(
        "{} in incident files: nothing was published",
        crate::counted(errors, "error")
    ));
    out.join("\n")
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> BuildError + '_ {
    move |source| BuildError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What a build did.
#[derive(Debug, Clone)]
pub struct Report {
    pub out: PathBuf,
    pub incidents: usize,
    /// Files the site has.
    pub files: usize,
    /// Files written by this build.
    pub written: usize,
    pub removed: usize,
    pub incremental: bool,
    pub steps: Vec<(&'static str, Duration)>,
    pub elapsed: Duration,
    /// Problems that did not stop the build.
    pub warnings: Vec<Diagnostic>,
}

impl fmt::Display for Report {
    /// `built 40 incidents into site (312 files, 312 written) in 0.21s`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} into {} ({}, {} written",
            if self.incremental { "updated" } else { "built" },
            crate::counted(self.incidents, "incident"),
            self.out.display(),
            crate::counted(self.files, "file"),
            self.written
        )?;
        if self.removed > 0 {
            write!(f, ", {} removed", self.removed)?;
        }
        write!(f, ") in {:.2?}", self.elapsed)?;
        if !self.warnings.is_empty() {
            write!(f, ", {}", crate::counted(self.warnings.len(), "warning"))?;
        }
        Ok(())
    }
}

/// The step of the first incremental build of a process that reads the cache and
/// lists the content (done when the site is loaded, logged then and counted with that
/// build's steps).
const READ_CACHE: &str = "read cache and list files";

/// Times each step and logs it.
#[derive(Debug, Default)]
struct Steps {
    done: Vec<(&'static str, Duration)>,
}

impl Steps {
    fn run<T>(&mut self, name: &'static str, step: impl FnOnce() -> T) -> T {
        let started = Instant::now();
        let cpu_before = cpu_time();
        let out = step();
        let took = started.elapsed();
        let cpu = match (cpu_before, cpu_time()) {
            (Some(before), Some(after)) => format!(", cpu {:.2?}", after - before),
            _ => String::new(),
        };
        tracing::debug!("{name}: {took:.2?}{cpu}{}", memory_now());
        self.done.push((name, took));
        out
    }
}

/// The fields of a `/proc/PID/stat` line after the command name, the state first
/// (Linux). The name may hold spaces and parens: fields are counted after its last
/// closing paren.
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    Some(stat.rsplit_once(')')?.1.split_whitespace().collect())
}

/// The CPU time (user and system, all threads) the process has used so far, for the
/// step logs (Linux only, and only when they are shown): a step whose CPU time is
/// close to its wall time keeps one core of two busy.
fn cpu_time() -> Option<Duration> {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return None;
    }
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields = stat_fields(&stat)?;
    let ticks = |i: usize| fields.get(i)?.parse::<u64>().ok();
    // utime and stime are fields 14 and 15 of the line (from 1), 11 and 12 after the
    // name (from 0, the state first); the kernel counts them in USER_HZ, 100 a second
    // on every Linux port.
    let total = ticks(11)? + ticks(12)?;
    Some(Duration::from_millis(total * 10))
}

/// The process's resident memory and its peak so far, for the step logs (Linux only:
/// elsewhere nothing), so that where a build's memory goes can be read off a run.
fn memory_now() -> String {
    if !tracing::enabled!(tracing::Level::DEBUG) {
        return String::new();
    }
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else {
        return String::new();
    };
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kb| kb.trim().parse::<u64>().ok())
            .map(|kb| kb / 1024)
    };
    match (field("VmRSS:"), field("VmHWM:")) {
        (Some(now), Some(peak)) => format!(" (memory {now} MiB, peak {peak} MiB)"),
        _ => String::new(),
    }
}

/// A unit of rendering: one or more output files, rendered together.
#[derive(Debug, Clone)]
pub struct Job {
    /// The generator's own number for what to render.
    pub item: usize,
    /// Paths of the files it makes, relative to the output, `/`-separated.
    pub outputs: Vec<String>,
    /// Hash of everything these files show: same fingerprint, same bytes.
    pub fingerprint: u64,
}

/// A producer of pages (incident pages, lists, feeds; later artifacts, stats, search).
pub trait Generator: Sync {
    /// A short name for logs.
    fn name(&self) -> &'static str;
    /// Every job, cheaply: nothing is rendered here. After an update of the index,
    /// a generator may leave out the jobs that it knows would make the last build's
    /// files again, as they are ([`Generator::unchanged`]).
    fn jobs(&self) -> Vec<Job>;
    /// How many files the generator left out of its jobs as unchanged: files the last
    /// build made, all of them in its map of output files.
    fn unchanged(&self) -> usize {
        0
    }
    /// The paths of those files: asked for only when some file of the last build is
    /// made no more, to find which.
    fn unchanged_outputs(&self) -> Vec<String> {
        Vec::new()
    }
    /// The bytes of each of the job's outputs, in order.
    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError>;
    /// [`Generator::render`] for an incremental build, where the last build's files
    /// are published: the generator of a very large file may say to keep its start.
    fn render_update(&self, item: usize) -> Result<Vec<Output>, BuildError> {
        Ok(self.render(item)?.into_iter().map(Output::Whole).collect())
    }
}

/// One output file of an incremental build.
#[derive(Debug)]
pub enum Output {
    Whole(Vec<u8>),
    /// Stretches of the published file and new bytes.
    Splice(Vec<publish::Piece>),
}

/// Every generator, in the order an incremental build writes their pages: incident
/// pages first, so that no list links to a page that is not there yet.
fn generators<'a>(
    input: &'a Input<'a>,
    search: &'a search::SearchFiles,
) -> Result<Vec<Box<dyn Generator + 'a>>, BuildError> {
    let mut generators = page_generators(input)?;
    generators.extend(index_files(input, search));
    Ok(generators)
}

/// The generators of every page, all but the search index's files: they do not need
/// the index. New page kinds are added here.
fn page_generators<'a>(input: &'a Input<'a>) -> Result<Vec<Box<dyn Generator + 'a>>, BuildError> {
    Ok(vec![
        Box::new(pages::IncidentPages { input }),
        Box::new(pages::Listings::new(input)),
        Box::new(pages::FacetPages { input }),
        Box::new(pages::Home { input }),
        Box::new(tasks::Tasks { input }),
        Box::new(pages::Feed { input }),
        Box::new(pages::Data { input }),
        Box::new(artifact_pages::ArtifactPages::new(input)),
        Box::new(reports::Reports::new(input)),
        Box::new(pages::Statics::new(input)?),
        Box::new(pages::FixedPage::search(input)),
        Box::new(pages::FixedPage::not_found(input)),
    ])
}

/// The generator of the search index's files (those not already written).
fn index_files<'a>(
    input: &'a Input<'a>,
    search: &'a search::SearchFiles,
) -> [Box<dyn Generator + 'a>; 1] {
    [Box::new(search::IndexFiles {
        files: search,
        out: input.out,
    })]
}

/// The full incidents, loaded up front in a full build and on demand in an incremental
/// one (where only changed incidents and the few others a page needs are read).
#[derive(Debug)]
pub struct Entries {
    slots: Vec<OnceLock<Entry>>,
}

impl Entries {
    fn new(len: usize) -> Entries {
        Entries {
            slots: (0..len).map(|_| OnceLock::new()).collect(),
        }
    }

    fn set(&self, i: usize, entry: Entry) {
        let _ = self.slots[i].set(entry);
    }

    /// Entry `i` if it is loaded.
    pub fn loaded(&self, i: usize) -> Option<&Entry> {
        self.slots[i].get()
    }

    pub fn all_loaded(&self) -> bool {
        self.slots.iter().all(|s| s.get().is_some())
    }

    /// Entry `i`, read from its file if needed (relations pruned to the published set).
    pub fn get<'e>(&'e self, i: usize, input: &Input<'_>) -> Result<&'e Entry, BuildError> {
        if let Some(entry) = self.slots[i].get() {
            return Ok(entry);
        }
        let path = &input.summaries[i].path;
        let (bytes, stamp) = content::read_stamped(path).map_err(io_error(path))?;
        let text = String::from_utf8(bytes)
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            .map_err(io_error(path))?;
        let parsed = crate::incident::parse(&text).map_err(|first| {
            BuildError::Content(content::parse_errors(path, &text, first, input.config))
        })?;
        let mut entry = content::entry_of(path.clone(), (&text, stamp), parsed, input.config);
        entry
            .incident
            .relations
            .retain(|id| input.index.by_id.contains_key(id.as_str()));
        self.set(i, entry);
        Ok(self.slots[i].get().expect("just set"))
    }
}

/// What generators read: the configuration, the published incidents and their index.
#[derive(Debug)]
pub struct Input<'a> {
    pub config: &'a Config,
    pub renderer: &'a Renderer,
    /// Published incidents, oldest first.
    pub summaries: &'a [Summary],
    /// The fingerprints of each summary.
    pub fingerprints: Fingerprints,
    /// What statistics need of each summary, in the same order.
    pub records: Vec<crate::stats::Record<'a>>,
    /// Every summary position, oldest first (the list of all incidents).
    pub all: Vec<u32>,
    pub index: &'a Index,
    pub entries: &'a Entries,
    /// The first `kept` summaries are the last build's first `kept`, unchanged (0 in a
    /// full build).
    pub kept: usize,
    /// The last build's summaries from `kept` on (none in a full build): with the
    /// first `kept`, the order of the published files.
    pub was_tail: &'a [Summary],
    rows: Vec<OnceLock<String>>,
    /// Badges made so far ([`Input::term_value`]).
    pub terms: term_values::TermValues,
    pub base_url: &'a str,
    pub root: &'a Path,
    /// The published site (an incremental build reuses parts of it).
    pub out: &'a Path,
}

impl<'a> Input<'a> {
    /// The fingerprints of the summaries, for the next build to start from.
    fn into_fingerprints(self) -> Fingerprints {
        self.fingerprints
    }

    fn new(
        site: &'a Site,
        summaries: &'a [Summary],
        index: &'a Index,
        entries: &'a Entries,
        (kept, was_tail): (usize, &'a [Summary]),
        known: &Fingerprints,
    ) -> Input<'a> {
        Input {
            config: &site.config,
            renderer: &site.renderer,
            summaries,
            fingerprints: Fingerprints::of(summaries, known, kept),
            records: summaries
                .par_iter()
                .map(|s| crate::stats::Record::from_summary(s, site.config.tz()))
                .collect(),
            all: (0..summaries.len() as u32).collect(),
            index,
            entries,
            kept,
            was_tail,
            rows: (0..summaries.len()).map(|_| OnceLock::new()).collect(),
            terms: term_values::TermValues::default(),
            base_url: &site.base_url,
            root: &site.root,
            out: &site.out,
        }
    }

    /// The rendered list row of summary `i`, rendered once per build.
    pub fn row(&self, i: u32) -> Result<&str, BuildError> {
        let slot = &self.rows[i as usize];
        if let Some(html) = slot.get() {
            return Ok(html);
        }
        let view: RowView = self.row_view(i);
        let mut context = tera::Context::new();
        context.insert("row", &view);
        let html = self
            .renderer
            .render("partials/row.html", &context)
            .map_err(|source| BuildError::Page {
                path: paths::incident(&view.id),
                source,
            })?;
        Ok(slot.get_or_init(|| html))
    }

    /// `path` as shown to people: relative to the site root.
    pub fn source_path(&self, path: &Path) -> String {
        path.strip_prefix(self.root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/")
    }

    /// An absolute URL for feeds, from `base_url`.
    pub fn absolute_url(&self, path: &str) -> String {
        format!("{}/{path}", self.base_url.trim_end_matches('/'))
    }
}

/// A site ready to build: configuration read, templates compiled, cache loaded.
#[derive(Debug)]
pub struct Site {
    root: PathBuf,
    config: Config,
    audience: Option<(String, Audience)>,
    base_url: String,
    out: PathBuf,
    renderer: Renderer,
    /// Fingerprint of everything every page depends on.
    key: u64,
    /// What the last build left, when it can be built upon.
    state: Option<State>,
    defer_cache_save: bool,
    publish_changed_first: bool,
    /// The state of the last build is not in the cache file yet.
    unsaved: bool,
    /// The incident files and their metadata, listed while the cache was read, for the
    /// first build's scan.
    listing: Option<Listing>,
    /// When the cache began to be read, and how long reading it and listing the
    /// content took: the first build's time and steps count it, so that what it
    /// reports is the whole incremental build.
    cache_read: Option<(Instant, Duration)>,
    /// Copies of the large data files begun for the next incremental build to splice
    /// ([`Site::copy_ahead`]).
    early_copies: publish::EarlyCopies,
    /// Whether to copy ahead after each build.
    copies_ahead: bool,
    /// Taken when the site is loaded (reading the cache is part of the first build),
    /// then by each build while it runs: the removal of a replaced site waits.
    busy: Option<publish::Busy>,
}

/// The files an incremental build splices rather than writes whole.
const SPLICED: [&str; 1] = [paths::DATA];

/// Every incident file under the content directory, with its size and modification
/// time (none when they could not be read).
type Listing = Vec<(PathBuf, Option<cache::Stamp>)>;

/// Lists the incident files of the site at `root`, reading their stamps on every core.
fn list_sources(root: &Path) -> Result<Listing, BuildError> {
    content::incident_files_with(root, |entry| {
        entry.metadata().ok().map(|m| cache::stamp(&m))
    })
    .map_err(|e| io_error(&e.path)(e.source))
}

/// Which files changed since the last build.
enum Changes<'p> {
    /// Find out by comparing the content directory with the cache.
    Scan,
    /// These files were written or removed (the intake server knows).
    Paths(&'p [PathBuf]),
}

impl Site {
    /// Reads fir.toml and the theme of the site at `root`.
    pub fn load(root: &Path, options: BuildOptions) -> Result<Site, BuildError> {
        // The cache records paths under the root: spell it one way whichever way
        // `--root` was given, or a later build would see every file as new.
        let root = &root.canonicalize().map_err(io_error(root))?;
        let config = Config::load(root)?;
        let config_path = root.join(crate::config::FILE_NAME);
        let config_text = std::fs::read(&config_path).map_err(io_error(&config_path))?;
        let audience = match &options.audience {
            None => None,
            Some(name) => match config.audiences.get(name) {
                Some(audience) => Some((name.clone(), audience.clone())),
                None => {
                    return Err(BuildError::UnknownAudience {
                        name: name.clone(),
                        known: config.audiences.keys().cloned().collect(),
                    });
                }
            },
        };
        let base_url = options
            .base_url
            .clone()
            .unwrap_or_else(|| config.base_url.clone());
        let out = options.out.clone().unwrap_or_else(|| root.join("site"));
        let busy = publish::Busy::take(&out);
        let renderer = page_renderer(root, &config, audience.as_ref().map(|a| &a.0), &base_url)?;
        let mut key = std::hash::DefaultHasher::new();
        let fingerprint = renderer.theme().fingerprint();
        (env!("CARGO_PKG_VERSION"), cache::program_stamp()).hash(&mut key);
        (&config_text, fingerprint).hash(&mut key);
        (audience.as_ref().map(|a| &a.0), &base_url, pages::PER_PAGE).hash(&mut key);
        let key = key.finish();
        // An incremental build compares every incident file with the cache: both are
        // read side by side (a tenth of a million files, a hundred megabytes at 100k).
        let (state, listing, cache_read) = if options.full || !cache::path_for(&out).is_file() {
            (None, None, None)
        } else {
            let started = Instant::now();
            // A process that builds once (not the intake server, which keeps the
            // site) spares the memory that saves the cache's decoding time.
            let once = !options.defer_cache_save;
            if once {
                crate::memory::grow_heaps_in_large_steps(true);
            }
            let (state, listing) =
                rayon::join(|| cache::load(&out, key), || list_sources(root).ok());
            if once && state.is_none() {
                crate::memory::grow_heaps_in_large_steps(false);
            }
            let took = started.elapsed();
            tracing::debug!("{READ_CACHE}: {took:.2?}");
            let listing = listing.filter(|_| state.is_some());
            (state, listing, Some((started, took)))
        };
        Ok(Site {
            root: root.to_path_buf(),
            config,
            audience,
            base_url,
            out,
            renderer,
            key,
            state,
            defer_cache_save: options.defer_cache_save,
            publish_changed_first: options.publish_changed_first,
            unsaved: false,
            listing,
            cache_read,
            early_copies: publish::EarlyCopies::default(),
            copies_ahead: false,
            busy,
        })
    }

    /// Keeps a copy of the site's data file ready for each next rebuild, made after
    /// the last one: for a process that keeps the site between rebuilds (the intake
    /// server), which then copies the file's hundreds of megabytes while idle, not in
    /// the rebuild after a submission (which then only cuts the copy where its first
    /// change is and writes from there: intake adds at the end).
    pub fn copy_ahead(&mut self) {
        self.copies_ahead = true;
        self.early_copies = publish::EarlyCopies::start(&self.out, SPLICED);
    }

    /// Readies the index of the last build for the next rebuild's update, so that the
    /// first submission after a start does not wait for it: for a process that keeps
    /// the site between rebuilds (the intake server), when idle. A state read from the
    /// build cache has no index: it is restored here from the correlation the cache
    /// kept (built anew when none was), and the table of artifact numbers the updates
    /// use is made, rather than by the first rebuild.
    pub fn prepare_updates(&mut self) {
        let Some(state) = &mut self.state else {
            return;
        };
        restore_index(state, &self.config, self.renderer.catalogue());
        if let Ok(slot) = state.index.get_mut() {
            let index = slot.get_or_insert_with(|| {
                Index::build(&state.summaries, &self.config, self.renderer.catalogue())
            });
            index.artifacts.prepare_updates();
        }
    }

    /// Writes the build cache if a build left it unwritten ([`BuildOptions::defer_cache_save`]).
    pub fn save_cache(&mut self) -> Result<(), BuildError> {
        if let (true, Some(state)) = (self.unsaved, &self.state) {
            cache::save(&self.out, state).map_err(io_error(&cache::path_for(&self.out)))?;
            self.unsaved = false;
        }
        Ok(())
    }

    /// The output directory.
    pub fn out(&self) -> &Path {
        &self.out
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Builds the site: only what changed when the last build can be built upon.
    pub fn build(&mut self) -> Result<Report, BuildError> {
        self.update(Changes::Scan)
    }

    /// Rebuilds after `changed` incident files were written or deleted (for callers that
    /// know, like the intake server): no scan of the content directory.
    pub fn rebuild(&mut self, changed: &[PathBuf]) -> Result<Report, BuildError> {
        self.update(Changes::Paths(changed))
    }

    fn update(&mut self, changes: Changes<'_>) -> Result<Report, BuildError> {
        let _busy = self.busy.take().or_else(|| publish::Busy::take(&self.out));
        let cache_read = self.cache_read.take();
        let started = cache_read.map_or_else(Instant::now, |(from, _)| from);
        publish::remove_leftovers(&self.out);
        // Taken out to be taken apart by an incremental build that succeeds; put back
        // as it was when a build fails.
        let mut previous = self.state.take();
        // Listed with the cache when the site was loaded: for the first build only.
        let listing = self.listing.take();
        let incremental = match previous.as_mut() {
            Some(state) if self.out.is_dir() => {
                match self.incremental(state, changes, listing, started) {
                    Err(BuildError::Stale(why)) => {
                        tracing::debug!("full build: {why}");
                        None
                    }
                    other => Some(other),
                }
            }
            _ => None,
        };
        let built = incremental.unwrap_or_else(|| self.full(started));
        // A copy made ahead and not taken is of a file this build left as it was, if
        // the build found nothing to do; otherwise it is of no use any more.
        let found_nothing =
            |report: &Report| report.incremental && report.written == 0 && report.removed == 0;
        if self.copies_ahead && !built.as_ref().is_ok_and(|(r, _)| found_nothing(r)) {
            self.copy_ahead();
        }
        let (mut report, state) = match built {
            Ok(done) => done,
            Err(error) => {
                self.state = previous;
                return Err(error);
            }
        };
        if let Some((_, took)) = cache_read {
            report.steps.insert(0, (READ_CACHE, took));
        }
        // The last state is a hundred thousand summaries and paths on a large site.
        drop_later(previous);
        self.state = Some(state);
        // A build that found nothing to do leaves the saved cache as good as it was
        // (the intake server looks for changes every few seconds).
        if self.defer_cache_save && !found_nothing(&report) {
            self.unsaved = true;
        }
        Ok(report)
    }

    /// Renders everything into a staging directory and swaps it in.
    fn full(&self, started: Instant) -> Result<(Report, State), BuildError> {
        let mut steps = Steps::default();
        let content = steps.run("load", || content::load(&self.root, &self.config));
        let warnings = fail_on_errors(content.diagnostics)?;
        let sources = steps.run("stamp", || stamps(&content.entries));
        let audience = self.audience.as_ref().map(|a| &a.1);
        let entries = steps.run("select audience", || {
            publishable(content.entries, &self.config, audience)
        });
        let (summaries, entries) = steps.run("summarise", || summarise(entries, &self.config));
        let index = steps.run("index", || {
            Index::build(&summaries, &self.config, self.renderer.catalogue())
        });
        let loaded = Entries::new(entries.len());
        for (i, entry) in entries.into_iter().enumerate() {
            loaded.set(i, entry);
        }
        let input = Input::new(
            self,
            &summaries,
            &index,
            &loaded,
            (0, &[]),
            &Fingerprints::default(),
        );
        let staging = publish::Staging::create(&self.out).map_err(io_error(&self.out))?;
        let pages = page_generators(&input)?;
        let page_jobs = steps.run("plan", || plan(&pages));
        // The pages do not need the search index: both are made at once, each filling
        // the cores the other leaves idle (the index has stretches on one core).
        let (search, rendered) = steps.run("search index and render", || {
            rayon::join(
                || search::SearchFiles::build(&input, Some(&staging)),
                || render_into(&pages, &page_jobs, &staging),
            )
        });
        let (search, rendered) = (search?, rendered?);
        let index_files = index_files(&input, &search);
        let index_jobs = plan(&index_files);
        let rendered = rendered
            + steps.run("write search index", || {
                render_into(&index_files, &index_jobs, &staging)
            })?;
        let written = rendered + search.staged();
        drop((pages, index_files));
        let fingerprints = input.into_fingerprints();
        let incidents = summaries.len();
        drop_later((loaded, search));
        let mut state = State::new(
            self.key,
            sources,
            summaries,
            job_pages(page_jobs.iter().chain(&index_jobs)).collect(),
            Some(index),
        );
        state.fingerprints = fingerprints;
        staging
            .write(cache::MARKER, state.build_id.as_bytes())
            .map_err(io_error(staging.path()))?;
        steps
            .run("publish", || staging.publish(&self.out))
            .map_err(io_error(&self.out))?;
        // The next build splices the data file: its spare is copied while the cache is
        // saved, rather than by that build.
        std::thread::scope(|scope| {
            scope.spawn(|| publish::make_spares(&self.out, SPLICED));
            self.save_unless_deferred(&mut steps, &state)
        })?;
        let report = Report {
            out: self.out.clone(),
            incidents,
            files: state.pages.len(),
            written,
            removed: 0,
            incremental: false,
            steps: steps.done,
            elapsed: started.elapsed(),
            warnings,
        };
        Ok((report, state))
    }

    fn save_unless_deferred(&self, steps: &mut Steps, state: &State) -> Result<(), BuildError> {
        if self.defer_cache_save {
            return Ok(());
        }
        steps
            .run("save cache", || cache::save(&self.out, state))
            .map_err(io_error(&cache::path_for(&self.out)))
    }

    /// The entries this build's audience may read, relations to others removed.
    fn select(&self, mut entries: Vec<Entry>) -> Vec<Entry> {
        if let Some((_, audience)) = &self.audience {
            entries.retain(|e| admits(audience, &e.incident, &self.config));
        }
        entries
    }
}

/// An entry of the site's navigation.
#[derive(Debug, serde::Serialize)]
struct NavItem {
    key: &'static str,
    label: String,
    url: String,
    /// In the main bar rather than the facet bar.
    primary: bool,
}

/// The site's theme compiled for `config`, with the globals and navigation every page
/// sees: what the site's pages, and the intake server's, are rendered with.
pub fn page_renderer(
    root: &Path,
    config: &Config,
    audience: Option<&String>,
    base_url: &str,
) -> Result<Renderer, BuildError> {
    let theme = Theme::load(root, &config.theme).map_err(|source| {
        BuildError::Theme(RenderError::Io {
            path: root.join("themes").join(&config.theme),
            source,
        })
    })?;
    let language = config.language.code();
    let globals = SiteGlobals {
        title: config.title.clone(),
        lang: language.to_string(),
        base_url: base_url.to_string(),
        audience: audience.cloned(),
        generator: format!("fir {}", env!("CARGO_PKG_VERSION")),
    };
    let mut renderer = Renderer::new(theme, &globals).map_err(BuildError::Theme)?;
    let nav = navigation(renderer.catalogue(), config);
    renderer.set_global("nav", &nav);
    let badges = serde_json::to_string(&badge_classes(config)).unwrap_or_default();
    renderer.set_global("badge_classes", &badges);
    renderer.set_global("api_forms", &crate::render::context::ApiForms::of(config));
    let headers = section_headers(&renderer, &nav);
    renderer.set_global("headers", &headers);
    Ok(renderer)
}

/// `partials/header.html` rendered once for each navigation section, which base.html
/// writes out instead of rendering it for every page (a tenth of an incident page's
/// rendering, a third of an artifact page's). Empty when the header needs more of the
/// page than its section (a site's own header may): base.html then renders it per page.
fn section_headers(renderer: &Renderer, nav: &[NavItem]) -> HashMap<&'static str, tera::Value> {
    nav.iter()
        .map(|item| {
            let mut context = tera::Context::new();
            context.insert("page", &HashMap::from([("section", item.key)]));
            let header = renderer.render("partials/header.html", &context).ok()?;
            Some((item.key, crate::render::html_value(&header)))
        })
        .collect::<Option<_>>()
        .unwrap_or_default()
}

/// The CSS class of each coloured value's badges, by field: what the search page's
/// script gives the badges of its results (as JSON in `badge_classes`), as the pages'
/// templates do.
fn badge_classes(config: &Config) -> BTreeMap<&'static str, BTreeMap<&str, String>> {
    [
        ("category", &config.categories),
        ("severity", &config.severities),
        ("status", &config.statuses),
    ]
    .into_iter()
    .map(|(field, taxonomy)| {
        let classes = taxonomy
            .iter()
            .filter_map(|term| Some((term.slug.as_str(), color_class(term.color.as_deref()?))))
            .collect();
        (field, classes)
    })
    .collect()
}

fn navigation(catalogue: &crate::render::Catalogue, config: &Config) -> Vec<NavItem> {
    let mut nav = vec![
        NavItem {
            key: "home",
            label: catalogue.get("home").to_string(),
            url: paths::HOME.to_string(),
            primary: true,
        },
        NavItem {
            key: "all",
            label: catalogue.get("all_incidents").to_string(),
            url: paths::list_page(paths::ALL_INCIDENTS, 0, 1),
            primary: true,
        },
    ];
    nav.push(NavItem {
        key: "tasks",
        label: catalogue.get("tasks").to_string(),
        url: paths::TASKS.to_string(),
        primary: true,
    });
    if config.artifacts.enabled {
        nav.push(NavItem {
            key: "artifacts",
            label: catalogue.get("artifacts").to_string(),
            url: paths::ARTIFACTS.to_string(),
            primary: true,
        });
    }
    nav.push(NavItem {
        key: "stats",
        label: catalogue.get("stats").to_string(),
        url: paths::STATS.to_string(),
        primary: true,
    });
    if !config.report_url.is_empty() {
        nav.push(NavItem {
            key: "new",
            label: catalogue.get("report_incident").to_string(),
            url: config.report_url.clone(),
            primary: true,
        });
    }
    nav.extend(index::FACETS.iter().map(|key| NavItem {
        key,
        label: catalogue.get(&format!("facet_{key}")).to_string(),
        url: paths::facet(key),
        primary: false,
    }));
    nav
}

/// The entries `audience` may read (all without one), oldest first, with relations to
/// unpublished incidents removed: what the site and `fir export` publish.
pub fn publishable(
    mut entries: Vec<Entry>,
    config: &Config,
    audience: Option<&Audience>,
) -> Vec<Entry> {
    if let Some(audience) = audience {
        entries.retain(|e| admits(audience, &e.incident, config));
    }
    // Worked out on borrowed ids, then applied: entries are large, and each moves once.
    let (order, pruned) = {
        let published: HashSet<&str> = entries.iter().map(|e| e.incident.id.as_str()).collect();
        let pruned: Vec<(usize, Vec<String>)> = entries
            .par_iter()
            .enumerate()
            .filter(|(_, e)| {
                let relations = &e.incident.relations;
                relations.iter().any(|id| !published.contains(id.as_str()))
            })
            .map(|(i, e)| {
                let relations = &e.incident.relations;
                let kept = relations
                    .iter()
                    .filter(|id| published.contains(id.as_str()));
                (i, kept.cloned().collect())
            })
            .collect();
        let mut order: Vec<(i64, usize)> = entries
            .par_iter()
            .enumerate()
            .map(|(i, e)| (e.incident.date.timestamp(config.tz()).as_second(), i))
            .collect();
        let id = |i: usize| entries[i].incident.id.as_str();
        order.par_sort_by(|a, b| a.0.cmp(&b.0).then_with(|| id(a.1).cmp(id(b.1))));
        (order, pruned)
    };
    for (i, relations) in pruned {
        entries[i].incident.relations = relations;
    }
    let mut slots: Vec<Option<Entry>> = entries.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|(_, i)| slots[i].take().expect("each entry once"))
        .collect()
}

/// Splits diagnostics: errors stop the build, warnings are returned.
fn fail_on_errors(diagnostics: Vec<Diagnostic>) -> Result<Vec<Diagnostic>, BuildError> {
    if diagnostics.iter().any(|d| d.level == Level::Error) {
        return Err(BuildError::Content(diagnostics));
    }
    Ok(diagnostics)
}

/// `./content/x.md` and `content/x.md` are the same file.
fn normalize(path: &Path) -> PathBuf {
    path.components()
        .filter(|c| *c != Component::CurDir)
        .collect()
}

/// `path` spelled from the file system root, like the paths under the canonical site
/// root; it may name a file that was just removed, so only its directory must exist.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(path) = path.canonicalize() {
        return path;
    }
    match (path.parent().map(Path::canonicalize), path.file_name()) {
        (Some(Ok(dir)), Some(name)) => dir.join(name),
        _ => normalize(path),
    }
}

fn stamps(entries: &[Entry]) -> cache::Sources {
    entries
        .par_iter()
        .map(|entry| {
            let (size, modified) = entry.stamp;
            let source = Source {
                id: entry.incident.id.clone(),
                size,
                modified,
                hash: entry.source_hash,
            };
            (cache::SourcePath(normalize(&entry.path)), source)
        })
        .collect()
}

/// A changed file must not take the id of another file.
fn check_unique_ids(
    sources: &cache::Sources,
    touched: &HashSet<PathBuf>,
    new: &[Entry],
) -> Result<(), BuildError> {
    // The few new ids against every kept file: no table of a hundred thousand ids.
    // Looked up once per kept file: a quick hash, not the standard library's.
    let new_ids: foldhash::HashMap<&str, &Entry> = new
        .iter()
        .map(|entry| (entry.incident.id.as_str(), entry))
        .collect();
    let mut clashes: Vec<Diagnostic> = sources
        .iter()
        .filter_map(|(path, kept)| {
            let clash = new_ids.get(kept.id.as_str())?;
            // The same file, changed: its id is its own.
            (!touched.contains(&path.0)).then_some((path, clash))
        })
        .map(|(path, clash)| content::duplicate_id(clash, &path.0))
        .collect();
    clashes.sort_by(|a, b| a.path.cmp(&b.path));
    if clashes.is_empty() {
        Ok(())
    } else {
        Err(BuildError::Content(clashes))
    }
}

/// Puts the last build's index in `state` from the correlation its cache kept, unless
/// an index is there already or no correlation was kept: making the rest of the index
/// is quick, correlating every artifact again is not (most of a second at 100k).
fn restore_index(state: &mut State, config: &Config, catalogue: &crate::render::Catalogue) {
    let Some(saved) = state.correlation.take() else {
        return;
    };
    let parts = std::mem::take(&mut state.index_parts);
    let Ok(slot) = state.index.get_mut() else {
        return;
    };
    if slot.is_none() {
        let summaries = &state.summaries;
        *slot = Some(Index::build_with(
            summaries,
            config,
            catalogue,
            parts,
            |links| {
                crate::artifacts::Correlation::from_parts(
                    links,
                    saved.shared,
                    saved.of_incident,
                    saved.related,
                )
                .unwrap_or_else(|| crate::artifacts::Correlation::build(links))
            },
        ));
    }
}

/// Warnings for relations of the loaded `entries` to incidents that exist neither
/// among them nor among the kept files (the last build's `sources` not `touched`).
fn check_relations(
    sources: &cache::Sources,
    touched: &HashSet<PathBuf>,
    entries: &[Entry],
) -> Vec<Diagnostic> {
    // Looked up once per kept file, as in `check_unique_ids`.
    let named: foldhash::HashSet<&str> = entries
        .iter()
        .flat_map(|e| e.incident.relations.iter().map(String::as_str))
        .collect();
    if named.is_empty() {
        return Vec::new();
    }
    let existing: HashSet<&str> = entries
        .iter()
        .map(|e| e.incident.id.as_str())
        .chain(
            sources
                .iter()
                .filter(|(path, kept)| {
                    named.contains(kept.id.as_str()) && !touched.contains(&path.0)
                })
                .map(|(_, kept)| kept.id.as_str()),
        )
        .collect();
    content::check_relations(entries, |id| existing.contains(id))
}

/// Summaries sorted oldest first, with their entries in the same order.
fn summarise(entries: Vec<Entry>, config: &Config) -> (Vec<Summary>, Vec<Entry>) {
    let mut pairs: Vec<(Summary, Entry)> = entries
        .into_par_iter()
        .map(|entry| (Summary::new(&entry, config, entry.source_hash), entry))
        .collect();
    pairs.par_sort_by(|a, b| a.0.sort_key().cmp(&b.0.sort_key()));
    pairs.into_iter().unzip()
}

/// Not even the id of an incident outside the audience may show.
fn keep_published_relations(entry: &mut Entry, index: &Index) {
    entry
        .incident
        .relations
        .retain(|id| index.by_id.contains_key(id.as_str()));
}

/// Every job of every generator, with the generator's position.
fn plan(generators: &[Box<dyn Generator + '_>]) -> Vec<(usize, Job)> {
    let per_generator: Vec<Vec<Job>> = generators
        .par_iter()
        .map(|generator| {
            let started = Instant::now();
            let jobs = generator.jobs();
            tracing::trace!("planned {} in {:.2?}", generator.name(), started.elapsed());
            jobs
        })
        .collect();
    per_generator
        .into_iter()
        .enumerate()
        .flat_map(|(g, jobs)| jobs.into_iter().map(move |job| (g, job)))
        .collect()
}

/// Each file the jobs make, with its job's fingerprint: what the build cache maps.
fn job_pages<'j>(
    jobs: impl IntoIterator<Item = &'j (usize, Job)>,
) -> impl Iterator<Item = (&'j str, u64)> {
    jobs.into_iter()
        .flat_map(|(_, job)| job.outputs.iter().map(|p| (p.as_str(), job.fingerprint)))
}

/// Time spent per generator, summed over threads (rendering, then writing), for the
/// debug log: where a build's time goes, page kind by page kind.
struct GeneratorClock {
    names: Vec<&'static str>,
    jobs: Vec<usize>,
    spent: Vec<[AtomicU64; 2]>,
}

impl GeneratorClock {
    fn new<'j>(
        generators: &[Box<dyn Generator + '_>],
        jobs: impl Iterator<Item = &'j (usize, Job)>,
    ) -> Self {
        let mut per_generator = vec![0usize; generators.len()];
        for (g, _) in jobs {
            per_generator[*g] += 1;
        }
        GeneratorClock {
            names: generators.iter().map(|g| g.name()).collect(),
            jobs: per_generator,
            spent: generators.iter().map(|_| Default::default()).collect(),
        }
    }

    /// Adds the time since `since` to generator `g`'s rendering (`part` 0) or writing (1).
    fn add(&self, g: usize, part: usize, since: Instant) {
        self.spent[g][part].fetch_add(since.elapsed().as_nanos() as u64, Ordering::Relaxed);
    }

    fn log(&self) {
        for ((name, [render, write]), &jobs) in self.names.iter().zip(&self.spent).zip(&self.jobs) {
            if jobs > 0 {
                let seconds = |t: &AtomicU64| t.load(Ordering::Relaxed) as f64 / 1e9;
                tracing::debug!(
                    "render: {} ({jobs} jobs): {:.3} s rendering, {:.3} s writing (all threads)",
                    name,
                    seconds(render),
                    seconds(write)
                );
            }
        }
    }
}

/// Renders every job in parallel, writing each file as soon as it is ready.
fn render_into(
    generators: &[Box<dyn Generator + '_>],
    jobs: &[(usize, Job)],
    staging: &publish::Staging,
) -> Result<usize, BuildError> {
    let progress = crate::progress::bar(jobs.len() as u64, "rendering");
    // Generators with few jobs (data, home, feed) have the biggest ones: start them
    // first, so that no big job runs alone at the end.
    let clock = GeneratorClock::new(generators, jobs.iter());
    let mut order: Vec<&(usize, Job)> = jobs.iter().collect();
    order.sort_by_key(|(g, _)| clock.jobs[*g]);
    let written = order
        .par_iter()
        .map(|(g, job)| -> Result<usize, BuildError> {
            let started = Instant::now();
            let files = generators[*g].render(job.item)?;
            clock.add(*g, 0, started);
            let started = Instant::now();
            for (path, bytes) in job.outputs.iter().zip(&files) {
                staging
                    .write(path, bytes)
                    .map_err(io_error(&staging.path().join(path)))?;
            }
            clock.add(*g, 1, started);
            progress.inc(1);
            Ok(files.len())
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    progress.finish_and_clear();
    clock.log();
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{DateTime, Incident};

    fn entry(id: &str, date: &str, relations: &[&str]) -> Entry {
        let mut incident = Incident::new(id, id, date.parse::<DateTime>().expect("a date"));
        incident.relations = relations.iter().map(|r| r.to_string()).collect();
        Entry {
            path: format!("{id}.md").into(),
            incident,
            fields: Default::default(),
            source_hash: 0,
            stamp: Default::default(),
        }
    }

    #[test]
    fn published_entries_are_oldest_first_then_by_id_without_relations_to_others() {
        let entries = vec![
            entry("FIR-3", "2024-03-01T00:00:00Z", &["FIR-1", "FIR-9"]),
            entry("FIR-2", "2024-01-01T00:00:00Z", &[]),
            entry("FIR-1", "2024-01-01T00:00:00Z", &["FIR-3"]),
            entry("FIR-0", "2024-02-01T00:00:00+01:00", &["FIR-8"]),
        ];
        let published = publishable(entries, &Config::default(), None);
        let ids: Vec<&str> = published.iter().map(|e| e.incident.id.as_str()).collect();
        assert_eq!(ids, ["FIR-1", "FIR-2", "FIR-0", "FIR-3"]);
        let relations: Vec<&[String]> = published
            .iter()
            .map(|e| e.incident.relations.as_slice())
            .collect();
        assert_eq!(
            relations,
            [&["FIR-3".to_string()][..], &[], &[], &["FIR-1".to_string()]]
        );
    }
}
