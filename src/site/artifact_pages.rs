//! Artifact pages: one per shared artifact value listing the incidents that mention
//! it, an index per type (most shared first), an overview, and `data/artifacts.json`
//! (every value).
//! Built only when `[artifacts] enabled` (the default). A large register has about ten
//! distinct values per incident, most in one incident only: values get a page when
//! `page_min_incidents` incidents (2 by default) mention them, and the page is lean
//! (its incident rows are the ones every list shares, rendered once per build).

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use serde::Serialize;

use super::fingerprint::Fingerprinter;
use super::framing::OBJECT;
use super::index::Summary;
use super::pages::{hasher, page_context};
use super::{BuildError, Generator, Input, Job, Output, paths, sorted_json};
use crate::artifacts::{self, Artifact, Kind, correlate::Shared};
use crate::render::context::{LinkView, PageMeta};

/// Values per page of a type's index.
pub const PER_TYPE_PAGE: usize = 500;
/// Values in the overview's "most shared" table.
const MOST_SHARED: usize = 25;

/// The artifact pages of a build.
#[derive(Debug)]
pub struct ArtifactPages<'a> {
    input: &'a Input<'a>,
    /// Per type present: positions in the correlation's `shared` of the values that
    /// have a page, most shared first, and the number of all the type's values.
    kinds: Vec<(Kind, Vec<u32>, usize)>,
    /// What each job renders.
    items: Vec<Item>,
    /// Value pages left out of `items`: after an update of the index, those of the
    /// artifacts it did not change.
    unchanged: usize,
}

#[derive(Debug, Clone, Copy)]
enum Item {
    Overview,
    Data,
    /// (position in `kinds`, page)
    TypeIndex(usize, usize),
    /// Position in the correlation's `shared`.
    Value(u32),
}

#[derive(Debug, Serialize)]
struct ArtifactView {
    kind: &'static str,
    kind_label: String,
    kind_label_one: String,
    kind_url: String,
    value: String,
    defanged: String,
    /// The value with its domain as written in its own script, when it is in
    /// Punycode ([`artifacts::defang_as_written`]).
    written: Option<String>,
    count: usize,
    rows: tera::Value,
    /// The ranges that hold the value, and for a range the addresses and ranges in
    /// it.
    holding: Linked,
    inside: Linked,
}

/// Values linked by containment: the most shared first, at most [`MAX_LINKED`], and
/// how many there are in all.
#[derive(Debug, Serialize)]
struct Linked {
    values: Vec<ValueLink>,
    total: usize,
}

/// Values linked by containment listed on an artifact's page: a /16 may hold
/// thousands of the site's addresses.
const MAX_LINKED: usize = 100;

#[derive(Debug, Serialize)]
struct ValueLink {
    kind: &'static str,
    /// The real value, for the copy button beside its defanged form.
    value: String,
    defanged: String,
    url: String,
    count: usize,
}

#[derive(Debug, Serialize)]
struct PageLink {
    number: usize,
    url: String,
    current: bool,
}

#[derive(Debug, Serialize)]
struct IndexView {
    /// The type of a type index; none on the overview.
    kind: Option<&'static str>,
    /// Distinct values (of the type), on the first page only: shown on every page, it
    /// would change them all with each new value, where a new value mentioned once
    /// changes no list.
    total: Option<usize>,
    /// Types with their counts (overview only).
    kinds: Vec<LinkView>,
    values: Vec<ValueLink>,
    /// Values of the type without a page (seen in too few incidents), not listed; on
    /// the first page only (0 on the others).
    unlisted: usize,
    pages: Vec<PageLink>,
}

impl<'a> ArtifactPages<'a> {
    pub fn new(input: &'a Input<'a>) -> Self {
        let shared = &input.index.artifacts.shared;
        let config = &input.config.artifacts;
        let mut kinds: Vec<(Kind, Vec<u32>, usize)> =
            Kind::ALL.iter().map(|&k| (k, Vec::new(), 0)).collect();
        let mut items = Vec::new();
        let mut unchanged = 0;
        if config.enabled {
            for (at, s) in shared.iter().enumerate() {
                let kind = &mut kinds[s.artifact.kind as usize];
                kind.2 += 1;
                if config.has_page(s.incidents.len()) {
                    let at = at as u32;
                    kind.1.push(at);
                    if may_have_changed(input, at) {
                        items.push(Item::Value(at));
                    } else {
                        unchanged += 1;
                    }
                }
            }
        }
        kinds.retain(|(_, _, total)| *total > 0);
        kinds.par_iter_mut().for_each(|(_, values, _)| {
            // Sorted as keys side by side, not through `shared` at each comparison
            // (a tenth of planning a rebuild at 100k). Values of a kind are unique, so
            // no two keys are equal and an unstable sort gives the one order.
            let mut keyed: Vec<(std::cmp::Reverse<usize>, &str, u32)> = values
                .iter()
                .map(|&at| {
                    let s = &shared[at as usize];
                    (std::cmp::Reverse(s.incidents.len()), &*s.artifact.value, at)
                })
                .collect();
            keyed.sort_unstable();
            values.clear();
            values.extend(keyed.into_iter().map(|(.., at)| at));
        });
        if config.enabled {
            items.push(Item::Overview);
            items.push(Item::Data);
            for (k, (_, values, _)) in kinds.iter().enumerate() {
                for page in 0..pages_of(values.len()) {
                    items.push(Item::TypeIndex(k, page));
                }
            }
        }
        ArtifactPages {
            input,
            kinds,
            items,
            unchanged,
        }
    }

    fn shared(&self, at: u32) -> &Shared {
        &self.input.index.artifacts.shared[at as usize]
    }

    /// The type's name for a list of its values (`IPv4 addresses`).
    fn kind_label(&self, kind: Kind) -> String {
        self.ui_string("artifact_kind_", kind)
    }

    /// The type's name for one of its values (`IPv4 address`).
    fn kind_label_one(&self, kind: Kind) -> String {
        self.ui_string("artifact_one_", kind)
    }

    fn ui_string(&self, prefix: &str, kind: Kind) -> String {
        self.input
            .renderer
            .catalogue()
            .get(&format!("{prefix}{}", kind.name()))
            .to_string()
    }

    /// A link to the value's page, or to its only incident when it has none.
    fn value_link(&self, at: u32) -> ValueLink {
        let s = self.shared(at);
        let url = if self.input.config.artifacts.has_page(s.incidents.len()) {
            paths::artifact(s.artifact.kind.name(), &s.artifact.value)
        } else {
            paths::incident(&self.input.summaries[s.incidents[0] as usize].id)
        };
        ValueLink {
            kind: s.artifact.kind.name(),
            value: s.artifact.value.to_string(),
            defanged: artifacts::defang(&s.artifact),
            url,
            count: s.incidents.len(),
        }
    }

    fn output(&self, item: Item) -> String {
        match item {
            Item::Overview => paths::ARTIFACTS.to_string(),
            Item::Data => paths::ARTIFACTS_DATA.to_string(),
            Item::TypeIndex(k, page) => paths::artifact_type(self.kinds[k].0.name(), page),
            Item::Value(at) => {
                let a = &self.shared(at).artifact;
                paths::artifact(a.kind.name(), &a.value)
            }
        }
    }

    fn fingerprint(&self, item: Item) -> u64 {
        let mut h = hasher();
        let values = |h: &mut Fingerprinter, list: &[u32]| {
            for &at in list {
                let s = self.shared(at);
                (&s.artifact, s.incidents.len()).hash(h);
                // A value without a page links to its incident.
                if !self.input.config.artifacts.has_page(s.incidents.len()) {
                    self.input.summaries[s.incidents[0] as usize].id.hash(h);
                }
            }
        };
        match item {
            Item::Overview => {
                for (kind, list, total) in &self.kinds {
                    (kind, list.len(), total).hash(&mut h);
                }
                values(&mut h, &self.most_shared());
            }
            Item::Data => {
                // The file is made of the incidents' ids and artifacts, in their
                // order (artifacts are numbered by first mention): their hashes, made
                // once per build, stand for over a million artifacts on a large site.
                // Incidents without artifacts add nothing, so that one inserted before
                // others (an older one imported, a tie on the date) changes nothing
                // here.
                for &f in &self.input.fingerprints.artifacts {
                    if f != 0 {
                        f.hash(&mut h);
                    }
                }
            }
            Item::TypeIndex(k, page) => {
                let (_, list, total) = &self.kinds[k];
                // The pager's length, and the totals the first page shows.
                (k, page, pages_of(list.len())).hash(&mut h);
                if page == 0 {
                    (list.len(), total).hash(&mut h);
                }
                values(&mut h, &list[page_range(page, list.len())]);
            }
            Item::Value(at) => {
                let s = self.shared(at);
                s.artifact.hash(&mut h);
                self.input.fingerprint_of(&s.incidents, &mut h);
                for (linked, total) in self.containment(at) {
                    total.hash(&mut h);
                    values(&mut h, &linked);
                }
            }
        }
        h.finish()
    }

    /// The values linked to value `at` by containment, the ranges holding it then the
    /// values inside it: of each, the most shared first, at most [`MAX_LINKED`], and
    /// how many there are.
    fn containment(&self, at: u32) -> [(Vec<u32>, usize); 2] {
        let ranges = &self.input.index.artifacts.ranges;
        [true, false].map(|holds| self.most_shared_of(ranges.linked_as(at, holds)))
    }

    fn most_shared_of(&self, linked: impl Iterator<Item = u32>) -> (Vec<u32>, usize) {
        let shared = &self.input.index.artifacts.shared;
        let mut linked: Vec<u32> = linked.collect();
        let total = linked.len();
        linked.sort_by(|&a, &b| by_count(&shared[a as usize], &shared[b as usize]));
        linked.truncate(MAX_LINKED);
        (linked, total)
    }

    /// The most shared values of all types, most shared first.
    fn most_shared(&self) -> Vec<u32> {
        let shared = &self.input.index.artifacts.shared;
        let mut all: Vec<u32> = self
            .kinds
            .iter()
            .flat_map(|(_, list, _)| list.iter().take(MOST_SHARED).copied())
            .collect();
        all.sort_by(|&a, &b| by_count(&shared[a as usize], &shared[b as usize]));
        all.truncate(MOST_SHARED);
        all
    }

    fn render_index(&self, kind: Option<usize>, page: usize) -> Result<Vec<u8>, BuildError> {
        let catalogue = self.input.renderer.catalogue();
        let path = match kind {
            Some(k) => paths::artifact_type(self.kinds[k].0.name(), page),
            None => paths::ARTIFACTS.to_string(),
        };
        let view = match kind {
            None => {
                let max = self.kinds.iter().map(|k| k.2).max().unwrap_or(1);
                IndexView {
                    kind: None,
                    total: Some(self.input.index.artifacts.shared.len()),
                    kinds: self
                        .kinds
                        .iter()
                        .map(|(kind, _, total)| LinkView {
                            label: self.kind_label(*kind),
                            url: paths::artifact_type(kind.name(), 0),
                            count: *total,
                            color: None,
                            fg: None,
                            depth: 0,
                            percent: total * 100 / max.max(1),
                        })
                        .collect(),
                    values: self
                        .most_shared()
                        .into_iter()
                        .map(|at| self.value_link(at))
                        .collect(),
                    unlisted: 0,
                    pages: Vec::new(),
                }
            }
            Some(k) => {
                let (kind, list, total) = &self.kinds[k];
                let pages = pages_of(list.len());
                let first = page == 0;
                IndexView {
                    kind: Some(kind.name()),
                    total: first.then_some(*total),
                    unlisted: if first { total - list.len() } else { 0 },
                    kinds: Vec::new(),
                    values: list[page_range(page, list.len())]
                        .iter()
                        .map(|&at| self.value_link(at))
                        .collect(),
                    pages: (0..pages)
                        .map(|p| PageLink {
                            number: p + 1,
                            url: paths::artifact_type(kind.name(), p),
                            current: p == page,
                        })
                        .collect(),
                }
            }
        };
        let title = match kind {
            Some(k) => self.kind_label(self.kinds[k].0),
            None => catalogue.get("artifacts_overview").to_string(),
        };
        let meta = PageMeta::new(&path, title, "artifacts");
        self.input.render_page(
            "artifacts.html",
            &path,
            &page_context(&meta, "artifacts", &view),
        )
    }

    fn render_value(&self, at: u32) -> Result<Vec<u8>, BuildError> {
        let s = self.shared(at);
        let kind = s.artifact.kind;
        let path = paths::artifact(kind.name(), &s.artifact.value);
        let defanged = artifacts::defang(&s.artifact);
        let [holding, inside] = self.containment(at).map(|(values, total)| Linked {
            values: values.into_iter().map(|l| self.value_link(l)).collect(),
            total,
        });
        let view = ArtifactView {
            holding,
            inside,
            kind: kind.name(),
            kind_label: self.kind_label(kind),
            kind_label_one: self.kind_label_one(kind),
            kind_url: paths::artifact_type(kind.name(), 0),
            value: s.artifact.value.to_string(),
            count: s.incidents.len(),
            rows: self.input.rows_newest_first(&s.incidents)?,
            written: artifacts::defang_as_written(&s.artifact),
            defanged,
        };
        let meta = PageMeta::new(&path, &view.defanged, "artifacts");
        self.input.render_page(
            "artifact.html",
            &path,
            &page_context(&meta, "artifact", &view),
        )
    }

    /// `{"evil.com": {"type": "domain", "incidents": ["FIR-2024-0001"]}, …}`, one
    /// artifact per line, by type then value ([`sorted_json`]).
    fn render_data(&self) -> Vec<u8> {
        let shared = &self.input.index.artifacts.shared;
        let mut order: Vec<&Shared> = shared.iter().collect();
        order.par_sort_unstable_by(|a, b| a.artifact.cmp(&b.artifact));
        // A hundred megabytes for a million artifacts: written in chunks on every core.
        let chunks: Vec<Vec<u8>> = order
            .par_chunks(16 * 1024)
            .map(|chunk| {
                let mut out = Vec::with_capacity(chunk.len() * 96);
                for (n, s) in chunk.iter().enumerate() {
                    if n > 0 {
                        out.extend_from_slice(OBJECT.separator);
                    }
                    self.write_data_record(&mut out, s);
                }
                out
            })
            .collect();
        OBJECT.whole(chunks.iter().map(Vec::as_slice))
    }

    /// The data file of an incremental build: the published one with the artifacts of
    /// the incidents that changed written anew. None when too many changed (or the
    /// file cannot be spliced): the whole file is written.
    fn update_data(&self) -> Result<Option<Vec<super::publish::Piece>>, BuildError> {
        let Some(changes) = self.data_changes() else {
            return Ok(None);
        };
        let path = self.input.out.join(paths::ARTIFACTS_DATA);
        let io = |source| BuildError::Io {
            path: path.clone(),
            source,
        };
        let mut file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io(e)),
        };
        sorted_json::splice(&mut file, &changes, data_record_key).map_err(io)
    }

    /// The members of the data file that an incremental build changes: the artifacts
    /// of the incidents added, removed, moved in the order or with other artifacts
    /// since the published build (an artifact's line lists its incidents' ids in
    /// order). Incidents before `kept` are the published ones. None past
    /// [`MAX_DATA_CHANGES`].
    fn data_changes(&self) -> Option<Vec<sorted_json::Change<Artifact>>> {
        let input = self.input;
        let correlation = &input.index.artifacts;
        let same = |old: &Summary, new: &Summary| {
            old.sort_key() == new.sort_key() && old.artifacts == new.artifacts
        };
        let tail = &input.summaries[input.kept..];
        let old_by_id: HashMap<&str, &Summary> =
            input.was_tail.iter().map(|s| (s.id.as_str(), s)).collect();
        let new_by_id: HashMap<&str, &Summary> = tail.iter().map(|s| (s.id.as_str(), s)).collect();
        // Artifacts still mentioned, by position, and those the old incidents had.
        let mut written: Vec<u32> = Vec::new();
        for (i, summary) in tail.iter().enumerate() {
            if !old_by_id
                .get(summary.id.as_str())
                .is_some_and(|old| same(old, summary))
            {
                written.extend(&correlation.of_incident[input.kept + i]);
            }
        }
        let mut was: HashSet<&Artifact> = HashSet::new();
        for old in input.was_tail {
            if !new_by_id
                .get(old.id.as_str())
                .is_some_and(|new| same(old, new))
            {
                was.extend(&old.artifacts);
            }
        }
        if written.len() + was.len() > MAX_DATA_CHANGES {
            return None;
        }
        for &at in &written {
            was.remove(&correlation.shared[at as usize].artifact);
        }
        // What the old incidents had and the new ones do not: still mentioned by
        // another incident (its line lists one fewer) or gone.
        if !was.is_empty() {
            let found_from = written.len();
            written.par_extend(
                correlation
                    .shared
                    .par_iter()
                    .enumerate()
                    .filter(|(_, s)| was.contains(&s.artifact))
                    .map(|(at, _)| at as u32),
            );
            for &at in &written[found_from..] {
                was.remove(&correlation.shared[at as usize].artifact);
            }
        }
        let mut changes: Vec<sorted_json::Change<Artifact>> = written
            .into_iter()
            .map(|at| {
                let s = &correlation.shared[at as usize];
                let mut line = Vec::new();
                self.write_data_record(&mut line, s);
                sorted_json::Change {
                    key: s.artifact.clone(),
                    line: Some(line),
                }
            })
            .chain(was.into_iter().map(|artifact| sorted_json::Change {
                key: artifact.clone(),
                line: None,
            }))
            .collect();
        changes.sort_by(|a, b| a.key.cmp(&b.key));
        changes.dedup_by(|a, b| a.key == b.key);
        Some(changes)
    }

    /// `"evil.com": {"type": "domain", "incidents": ["FIR-2024-0001"]}`
    fn write_data_record(&self, out: &mut Vec<u8>, s: &Shared) {
        crate::json::push_str(out, &s.artifact.value);
        out.extend_from_slice(b": {\"type\": ");
        crate::json::push_str(out, s.artifact.kind.name());
        out.extend_from_slice(b", \"incidents\": [");
        for (k, &i) in s.incidents.iter().enumerate() {
            if k > 0 {
                out.extend_from_slice(b", ");
            }
            crate::json::push_str(out, &self.input.summaries[i as usize].id);
        }
        out.extend_from_slice(b"]}");
    }
}

/// Past this many artifacts to look up, an incremental build writes the whole data
/// file (each is a bisection of the published one).
const MAX_DATA_CHANGES: usize = 20_000;

/// The artifact a line of the data file is about: its value, a JSON string, then
/// `: {"type": "KIND"`. None when `line` does not hold both yet.
fn data_record_key(line: &[u8]) -> Option<Artifact> {
    let mut strings = serde_json::Deserializer::from_slice(line).into_iter::<String>();
    let value = strings.next()?.ok()?;
    let rest = line[strings.byte_offset()..].strip_prefix(b": {\"type\": \"")?;
    let kind = &rest[..rest.iter().position(|&b| b == b'"')?];
    let kind = std::str::from_utf8(kind).ok()?.parse().ok()?;
    Some(Artifact {
        kind,
        value: value.into(),
    })
}

/// Whether the page of artifact `at` may differ from the last build's: a value page
/// shows the artifact and its incidents' rows, which an update of the index says
/// changed for some artifacts only ([`super::Index::changed_artifacts`]).
fn may_have_changed(input: &Input<'_>, at: u32) -> bool {
    input
        .index
        .changed_artifacts
        .as_ref()
        .is_none_or(|changed| changed.binary_search(&at).is_ok())
}

/// Most incidents first, then by value.
fn by_count(a: &Shared, b: &Shared) -> std::cmp::Ordering {
    b.incidents
        .len()
        .cmp(&a.incidents.len())
        .then_with(|| a.artifact.value.cmp(&b.artifact.value))
}

/// Pages of a type index listing `len` values (one, maybe empty, at least).
fn pages_of(len: usize) -> usize {
    len.div_ceil(PER_TYPE_PAGE).max(1)
}

fn page_range(page: usize, len: usize) -> std::ops::Range<usize> {
    let start = (page * PER_TYPE_PAGE).min(len);
    start..(start + PER_TYPE_PAGE).min(len)
}

impl Generator for ArtifactPages<'_> {
    fn name(&self) -> &'static str {
        "artifacts"
    }

    fn jobs(&self) -> Vec<Job> {
        self.items
            .par_iter()
            .enumerate()
            .map(|(n, &item)| Job {
                item: n,
                outputs: vec![self.output(item)],
                fingerprint: self.fingerprint(item),
            })
            .collect()
    }

    fn unchanged(&self) -> usize {
        self.unchanged
    }

    fn unchanged_outputs(&self) -> Vec<String> {
        self.kinds
            .iter()
            .flat_map(|(_, values, _)| values)
            .filter(|&&at| !may_have_changed(self.input, at))
            .map(|&at| self.output(Item::Value(at)))
            .collect()
    }

    fn render_update(&self, n: usize) -> Result<Vec<Output>, BuildError> {
        if let Item::Data = self.items[n]
            && let Some(pieces) = self.update_data()?
        {
            return Ok(vec![Output::Splice(pieces)]);
        }
        Ok(self.render(n)?.into_iter().map(Output::Whole).collect())
    }

    fn render(&self, n: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let page = match self.items[n] {
            Item::Overview => self.render_index(None, 0)?,
            Item::Data => self.render_data(),
            Item::TypeIndex(k, page) => self.render_index(Some(k), page)?,
            Item::Value(at) => self.render_value(at)?,
        };
        Ok(vec![page])
    }
}
