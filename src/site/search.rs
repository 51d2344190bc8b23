//! The search index and search page of the site: incidents become
//! [`crate::search::Document`]s, the pure core makes the index files, and a generator
//! writes them (each file fingerprinted, so an incremental build rewrites only the
//! shards that changed). A full build writes the term shards, most of the index's
//! bytes, as the core makes them, rather than hold them until the render.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Mutex;

use rayon::prelude::*;

use super::cache::State;
use super::merge::Merged;
use super::publish::Staging;
use super::{BuildError, Generator, Input, Job, Summary};
use crate::artifacts::Kind;
use crate::config::{Config, Taxonomy, business_lines};
use crate::incident::Incident;
use crate::search::{self, Column, Document, Source};

/// Characters of the description shown under a result.
const EXCERPT: usize = 240;

/// The search page.
pub const PAGE: &str = "search.html";

/// The index files of one build, as `(path, contents)`.
#[derive(Debug)]
pub struct SearchFiles {
    files: Vec<(String, String)>,
    /// Files already written into the staging directory as they were made, with
    /// their fingerprints: a full build's term shards.
    staged: Vec<(String, u64)>,
    /// Index files of the published site that this build leaves as they are, with
    /// the fingerprints they were written with (when new incidents were appended).
    kept: Vec<(String, u64)>,
}

/// The index files of a built site, read from its directory.
#[derive(Debug)]
pub struct SiteDir<'a>(pub &'a Path);

impl Source for SiteDir<'_> {
    fn read(&mut self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.0.join(path)).ok()
    }
}

impl SearchFiles {
    /// Indexes every published incident (all of them are loaded: the index is global).
    /// With a `staging` directory, the term shards are written into it as they are
    /// made: holding them all until the render is what made this step the build's
    /// peak of memory.
    pub fn build(input: &Input<'_>, staging: Option<&Staging>) -> Result<SearchFiles, BuildError> {
        let all: Vec<usize> = (0..input.summaries.len()).collect();
        let started = std::time::Instant::now();
        let docs = documents_at(input, &all)?;
        tracing::debug!("search: documents in {:.2?}", started.elapsed());
        let staged = Mutex::new(Vec::new());
        let failed = Mutex::new(None);
        let take_shard = |(path, contents): (String, String)| {
            let Some(staging) = staging else {
                return Some((path, contents));
            };
            match staging.write(&path, contents.as_bytes()) {
                Ok(()) => staged
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((path, super::fingerprint::of(contents.as_str()))),
                Err(error) => {
                    let target = staging.path().join(&path);
                    failed
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .get_or_insert_with(|| super::io_error(&target)(error));
                }
            }
            None
        };
        let files = search::build_with_names(
            &docs,
            &columns(input.config, kinds(input)),
            names(input.config),
            &take_shard,
        );
        // A few hundred thousand small strings: freed on every core.
        docs.into_par_iter().for_each(drop);
        let mut files = files;
        files.extend(range_files(input, |_| true));
        // A full build makes the pages meanwhile: this is the index's own wall time
        // with the cores shared, not a step of the build.
        tracing::debug!("search: index built in {:.2?}", started.elapsed());
        if let Some(error) = failed.into_inner().unwrap_or_else(|e| e.into_inner()) {
            return Err(error);
        }
        Ok(SearchFiles {
            files,
            staged: staged.into_inner().unwrap_or_else(|e| e.into_inner()),
            kept: Vec::new(),
        })
    }

    /// How many files were written before the render ([`SearchFiles::build`]).
    pub fn staged(&self) -> usize {
        self.staged.len()
    }

    /// The index after an incremental change. The incidents the last build indexed
    /// keep their numbers up to the first one that moved or went (the tail starts
    /// there: new incidents are usually among the newest, the intake case). Incidents
    /// before it that changed are re-indexed in place, the tail is re-indexed, and the
    /// published index is patched. What a changed or removed incident was comes from
    /// its line in the published `data/incidents.json`. More than [`MAX_REINDEX`]
    /// incidents to re-index, or anything the patch cannot do, builds the index anew.
    pub fn update(
        input: &Input<'_>,
        previous: &State,
        merged: &Merged,
        changed_ids: &HashSet<String>,
    ) -> Result<SearchFiles, BuildError> {
        match Self::patch(input, previous, merged, changed_ids) {
            Ok(files) => Ok(files),
            Err(why) => {
                tracing::debug!("search index built anew: {why}");
                SearchFiles::build(input, None)
            }
        }
    }

    /// [`SearchFiles::update`] by patching; why not when it cannot.
    fn patch(
        input: &Input<'_>,
        previous: &State,
        merged: &Merged,
        changed_ids: &HashSet<String>,
    ) -> Result<SearchFiles, String> {
        // Before `merged.keep` nothing changed; the last build's summaries from there on
        // are `merged.was_tail`.
        let keep = merged.keep;
        let from = keep
            + input.summaries[keep..]
                .iter()
                .zip(&merged.was_tail)
                .position(|(now, was)| now.id != was.id)
                .unwrap_or(merged.was_tail.len().min(input.summaries.len() - keep));
        let edited: Vec<usize> = (keep..from)
            .filter(|&i| changed_ids.contains(input.summaries[i].id.as_str()))
            .collect();
        let tail = &merged.was_tail[from - keep..];
        if tail.len() + edited.len() > MAX_REINDEX {
            return Err(format!(
                "{} incidents to re-index",
                tail.len() + edited.len()
            ));
        }
        // What the old versions were: the files of unchanged incidents, the data
        // file's lines of the others.
        let read_now = |s: &Summary| {
            !changed_ids.contains(s.id.as_str()) && input.index.by_id.contains_key(&s.id)
        };
        // With their positions in the last build's order, which the data file follows.
        let from_lines: HashMap<&str, u32> = edited
            .iter()
            .map(|&i| (merged.was(i).id.as_str(), i as u32))
            .chain(
                tail.iter()
                    .enumerate()
                    .filter(|(_, s)| !read_now(s))
                    .map(|(k, s)| (s.id.as_str(), (from + k) as u32)),
            )
            .collect();
        let old_incidents: HashMap<&str, Incident> = if from_lines.is_empty() {
            HashMap::new()
        } else {
            let path = input.out.join(super::paths::DATA);
            let in_file = |path: &Path| {
                let mut file = std::fs::File::open(path)?;
                let wanted = from_lines.iter().map(|(&id, &p)| (id, p));
                super::data::lines_near(&mut file, merged.was_len() as u32, wanted)
            };
            let lines = in_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let mut incidents = HashMap::new();
            for id in from_lines.keys() {
                let incident = lines
                    .get(*id)
                    .and_then(|line| super::data::incident_from_line(line))
                    .ok_or_else(|| format!("no readable line for {id} in the data file"))?;
                incidents.insert(*id, incident);
            }
            incidents
        };
        let was_docs = tail
            .iter()
            .map(|s| old_document(s, &old_incidents, input))
            .collect::<Result<Vec<_>, _>>()?;
        let now_positions: Vec<usize> = (from..input.summaries.len()).collect();
        let now_docs = documents_at(input, &now_positions).map_err(|e| e.to_string())?;
        let edited_now = documents_at(input, &edited).map_err(|e| e.to_string())?;
        let edited_docs = edited
            .iter()
            .zip(edited_now)
            .map(|(&i, now)| {
                Ok((
                    i as u32,
                    old_document(merged.was(i), &old_incidents, input)?,
                    now,
                ))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let columns = columns(input.config, kinds(input));
        let change = search::Patch {
            edited: &edited_docs,
            from: from as u32,
            was: &was_docs,
            now: &now_docs,
            columns: &columns,
        };
        // The groups of addresses that the changed incidents named, before or after:
        // only their files change. Made beside the patch, which reads and writes
        // shards.
        let changed_docs = (was_docs.iter().chain(&now_docs))
            .chain(edited_docs.iter().flat_map(|(_, was, now)| [was, now]));
        let groups: HashSet<String> = changed_docs
            .flat_map(|doc| &doc.keywords)
            .filter(|(field, _)| *field == "artifact")
            .filter_map(|(_, value)| search::networks::group_of(value))
            .collect();
        let (files, ranges) = rayon::join(
            || search::patch(&change, &mut SiteDir(input.out)),
            || range_files(input, |group| groups.contains(group)),
        );
        let mut files = files.map_err(|e| e.to_string())?;
        files.extend(ranges);
        // Files the patch neither writes nor leaves out of the index stay as they are.
        let past_the_end =
            search::files_past_the_end(merged.was_len() as u32, input.summaries.len() as u32);
        let not_kept: HashSet<&str> = files
            .iter()
            .map(|f| f.0.as_str())
            .chain(past_the_end.iter().map(String::as_str))
            .collect();
        let kept = previous
            .pages
            .iter()
            .filter(|(path, _)| path.starts_with(INDEX_DIR) && !not_kept.contains(path))
            // Those of the changed groups are made anew above: a chunk no longer
            // needed goes.
            .filter(|(path, _)| {
                search::networks::group_of_path(path).is_none_or(|group| !groups.contains(group))
            })
            .map(|(path, fingerprint)| (path.to_string(), fingerprint))
            .collect();
        Ok(SearchFiles {
            files,
            staged: Vec::new(),
            kept,
        })
    }
}

/// What search indexed of the incident `was` (its summary then): from its line of the
/// old data file if it changed or went, else from its file, unchanged.
fn old_document<'d>(
    was: &'d Summary,
    old_incidents: &'d HashMap<&str, Incident>,
    input: &'d Input<'d>,
) -> Result<Document<'d>, String> {
    match old_incidents.get(was.id.as_str()) {
        Some(incident) => Ok(document(was, incident, input.config)),
        None => {
            let i = input.index.by_id[&was.id] as usize;
            let entry = input.entries.get(i, input).map_err(|e| e.to_string())?;
            Ok(document(&input.summaries[i], &entry.incident, input.config))
        }
    }
}

/// The files of the groups of the site's addresses and ranges, which a filter on a
/// range reads ([`search::networks`]).
fn range_files(input: &Input<'_>, wanted: impl Fn(&str) -> bool + Sync) -> Vec<(String, String)> {
    let started = std::time::Instant::now();
    // Incident positions are document numbers: the index numbers them in order.
    let addresses: Vec<(&str, &[u32])> = (input.index.artifacts.shared.iter())
        .filter(|s| matches!(s.artifact.kind, Kind::Ipv4 | Kind::Ipv6 | Kind::Network))
        .map(|s| (&*s.artifact.value, &s.incidents[..]))
        .collect();
    let files = search::networks::range_files(&addresses, wanted);
    tracing::debug!(
        "search: files of address ranges in {:.2?}",
        started.elapsed()
    );
    files
}

/// Past this many incidents to re-index, building the index anew is as quick.
const MAX_REINDEX: usize = 2000;

/// Where the index files are, in the site.
const INDEX_DIR: &str = "search/";

/// The search documents of the published incidents at `positions`.
fn documents_at<'a>(
    input: &'a Input<'_>,
    positions: &[usize],
) -> Result<Vec<Document<'a>>, BuildError> {
    positions
        .par_iter()
        .map(|&i| {
            let incident = &input.entries.get(i, input)?.incident;
            Ok(document(&input.summaries[i], incident, input.config))
        })
        .collect()
}

/// The values of the `kind` column, labelled in the site's language.
fn kinds(input: &Input<'_>) -> Vec<(String, String)> {
    let kind_label = |k: &str| {
        input
            .renderer
            .catalogue()
            .get(&format!("kind_{k}"))
            .to_string()
    };
    vec![
        ("incident".to_string(), kind_label("incident")),
        ("event".to_string(), kind_label("event")),
    ]
}

/// The column of field `key` with the terms of `taxonomy`: their labels, and their
/// aliases as other names (what people type: `category:ransomware`, `tlp:white`).
fn taxonomy_column(key: &str, taxonomy: &Taxonomy, numeric: bool) -> Column {
    Column {
        key: key.to_string(),
        values: taxonomy
            .iter()
            .map(|t| (t.slug.clone(), t.label.clone()))
            .collect(),
        numeric,
        bits: 0,
        aliases: taxonomy
            .iter()
            .flat_map(|t| t.aliases.iter().map(|a| (a.clone(), t.slug.clone())))
            .collect(),
    }
}

/// The facet table's columns, in the order [`document`] fills them.
fn columns(config: &Config, kinds: Vec<(String, String)>) -> Vec<Column> {
    let unconfigured = |key: &str, values, numeric| Column {
        key: key.to_string(),
        values,
        numeric,
        bits: 0,
        aliases: Vec::new(),
    };
    vec![
        taxonomy_column("category", &config.categories, false),
        taxonomy_column("severity", &config.severities, true),
        taxonomy_column("status", &config.statuses, false),
        taxonomy_column("tlp", &config.tlp, false),
        unconfigured("kind", kinds, false),
        unconfigured("year", Vec::new(), true),
    ]
}

/// The other names of detection, actor and plan values: their labels and aliases, so
/// that `detection:"SIEM correlation"` finds the incidents whose files say `siem`.
fn names(config: &Config) -> Vec<search::ValueName> {
    let mut names = Vec::new();
    for (field, taxonomy) in [
        ("detection", &config.detections),
        ("actor", &config.actors),
        ("plan", &config.plans),
    ] {
        for term in taxonomy.iter() {
            for name in std::iter::once(&term.label).chain(&term.aliases) {
                if !name.eq_ignore_ascii_case(&term.slug) {
                    names.push((field.to_string(), name.clone(), term.slug.clone()));
                }
            }
        }
    }
    names
}

/// What search knows of one incident.
fn document<'a>(summary: &'a Summary, incident: &'a Incident, config: &Config) -> Document<'a> {
    let civil = summary.date.local(config.tz());
    let mut keywords: Vec<(&'static str, String)> = Vec::new();
    for path in &summary.business_lines {
        for ancestor in business_lines::ancestors_and_self(path) {
            keywords.push(("bl", ancestor.to_string()));
        }
    }
    keywords.extend(summary.tags.iter().map(|t| ("tag", t.to_string())));
    keywords.extend(
        summary
            .detection
            .iter()
            .map(|d| ("detection", d.to_string())),
    );
    keywords.extend(summary.actor.iter().map(|a| ("actor", a.to_string())));
    // The plan as its slug, however the file spells it.
    keywords.extend(incident.plan.as_deref().map(|plan| {
        let slug = config.plans.resolve(plan).map_or(plan, |term| &term.slug);
        ("plan", slug.to_string())
    }));
    // The month of the archive's pages: years are a column, months too many for one.
    keywords.push(("month", format!("{:04}-{:02}", civil.year(), civil.month())));
    // The artifacts the build extracted once for the artifact pages (front matter and
    // texts), already in their normal form.
    keywords.extend(
        summary
            .artifacts
            .iter()
            .map(|a| ("artifact", search::indexed_artifact(a))),
    );
    Document {
        id: &summary.id,
        title: &summary.title,
        date: format!(
            "{:04}-{:02}-{:02}",
            civil.year(),
            civil.month(),
            civil.day()
        ),
        excerpt: search::excerpt(&incident.description, EXCERPT),
        texts: incident.texts().skip(1).collect(),
        columns: vec![
            summary.category.to_string(),
            summary.severity.to_string(),
            summary.status.to_string(),
            summary.tlp.to_string(),
            if summary.incident {
                "incident"
            } else {
                "event"
            }
            .to_string(),
            format!("{:04}", civil.year()),
        ],
        keywords,
    }
}

/// Writes the index files.
#[derive(Debug)]
pub struct IndexFiles<'a> {
    pub files: &'a SearchFiles,
    /// The published site, where kept files are.
    pub out: &'a Path,
}

impl Generator for IndexFiles<'_> {
    fn name(&self) -> &'static str {
        "search index"
    }

    fn jobs(&self) -> Vec<Job> {
        let made = self
            .files
            .files
            .iter()
            .map(|(path, contents)| (path, super::fingerprint::of(contents.as_str())));
        let written = (self.files.staged.iter()).chain(&self.files.kept);
        made.chain(written.map(|(path, f)| (path, *f)))
            .enumerate()
            .map(|(item, (path, fingerprint))| Job {
                item,
                outputs: vec![path.clone()],
                fingerprint,
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let SearchFiles {
            files,
            staged,
            kept,
        } = self.files;
        if let Some((_, contents)) = files.get(item) {
            return Ok(vec![contents.as_bytes().to_vec()]);
        }
        if item < files.len() + staged.len() {
            // Written into the staging directory already: nothing more to write.
            return Ok(Vec::new());
        }
        // A kept file is only rendered if its fingerprint was not found, which an
        // incremental build never does; reading it back is still right.
        let (path, _) = &kept[item - files.len() - staged.len()];
        let path = self.out.join(path);
        Ok(vec![std::fs::read(&path).map_err(super::io_error(&path))?])
    }
}
