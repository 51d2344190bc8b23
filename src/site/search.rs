//! The search index and search page of the site: incidents become
//! [`crate::search::Document`]s, the pure core makes the index files, and a generator
//! writes them (each file fingerprinted, so an incremental build rewrites only the
//! shards that changed).

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::Path;

use rayon::prelude::*;

use super::cache::State;
use super::{BuildError, Generator, Input, Job, Summary};
use crate::config::{Config, Taxonomy, business_lines};
use crate::incident::Incident;
use crate::render::context::PageMeta;
use crate::search::{self, Column, Document, Source};

/// Characters of the description shown under a result.
const EXCERPT: usize = 240;

/// The search page.
pub const PAGE: &str = "search.html";

/// The index files of one build, as `(path, contents)`.
#[derive(Debug)]
pub struct SearchFiles {
    files: Vec<(String, String)>,
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
    pub fn build(input: &Input<'_>) -> Result<SearchFiles, BuildError> {
        let all: Vec<usize> = (0..input.summaries.len()).collect();
        let docs = documents_at(input, &all)?;
        Ok(SearchFiles {
            files: search::build(&docs, &columns(input.config, kinds(input))),
            kept: Vec::new(),
        })
    }

    /// The index after an incremental change. The incidents the last build indexed
    /// keep their numbers up to the first one that changed, moved or went; when every
    /// one after it is still published and unchanged (new incidents are among the
    /// newest: the intake case), only that tail is read again and the published index
    /// is patched. Otherwise the index is built anew from every incident.
    pub fn update(
        input: &Input<'_>,
        previous: &State,
        changed_ids: &HashSet<String>,
    ) -> Result<SearchFiles, BuildError> {
        let was = &previous.summaries;
        let from = input
            .summaries
            .iter()
            .zip(was)
            .position(|(now, was)| now.id != was.id || changed_ids.contains(&now.id))
            .unwrap_or(was.len().min(input.summaries.len()));
        let tail = &was[from..];
        let reusable = tail.len() <= MAX_TAIL
            && tail
                .iter()
                .all(|s| !changed_ids.contains(&s.id) && input.index.by_id.contains_key(&s.id));
        if !reusable {
            tracing::debug!(
                "search index built anew: {} incidents to re-index",
                tail.len()
            );
            return SearchFiles::build(input);
        }
        // The old tail, unchanged, reads as it did when it was indexed.
        let positions: Vec<usize> = tail
            .iter()
            .map(|s| input.index.by_id[&s.id] as usize)
            .collect();
        let was_docs = documents_at(input, &positions)?;
        let now: Vec<usize> = (from..input.summaries.len()).collect();
        let now_docs = documents_at(input, &now)?;
        match search::replace_tail(from as u32, &was_docs, &now_docs, &mut SiteDir(input.out)) {
            Ok(files) => {
                let written: HashSet<&str> = files.iter().map(|f| f.0.as_str()).collect();
                let kept = previous
                    .pages
                    .iter()
                    .filter(|(path, _)| {
                        path.starts_with(INDEX_DIR) && !written.contains(path.as_str())
                    })
                    .map(|(path, fingerprint)| (path.clone(), *fingerprint))
                    .collect();
                Ok(SearchFiles { files, kept })
            }
            Err(why) => {
                tracing::debug!("search index built anew: {why}");
                SearchFiles::build(input)
            }
        }
    }
}

/// Past this many incidents to re-index, building the index anew is as quick.
const MAX_TAIL: usize = 2000;

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

fn taxonomy_values(taxonomy: &Taxonomy) -> Vec<(String, String)> {
    taxonomy
        .iter()
        .map(|t| (t.slug.clone(), t.label.clone()))
        .collect()
}

/// The facet table's columns, in the order [`document`] fills them.
fn columns(config: &Config, kinds: Vec<(String, String)>) -> Vec<Column> {
    let column = |key: &str, values, numeric| Column {
        key: key.to_string(),
        values,
        numeric,
        bits: 0,
    };
    vec![
        column("category", taxonomy_values(&config.categories), false),
        column("severity", taxonomy_values(&config.severities), true),
        column("status", taxonomy_values(&config.statuses), false),
        column("tlp", taxonomy_values(&config.tlp), false),
        column("kind", kinds, false),
        column("year", Vec::new(), true),
    ]
}

/// What search knows of one incident.
fn document<'a>(summary: &'a Summary, incident: &'a Incident, config: &Config) -> Document<'a> {
    let civil = summary.date.zoned(config.tz()).datetime();
    let mut keywords: Vec<(&'static str, String)> = Vec::new();
    for path in &summary.business_lines {
        for ancestor in business_lines::ancestors_and_self(path) {
            keywords.push(("bl", ancestor.to_string()));
        }
    }
    keywords.extend(summary.tags.iter().map(|t| ("tag", t.clone())));
    keywords.extend(summary.detection.iter().map(|d| ("detection", d.clone())));
    keywords.extend(summary.actor.iter().map(|a| ("actor", a.clone())));
    // The artifacts the build extracted once for the artifact pages (front matter and
    // texts), already in their normal form.
    keywords.extend(
        summary
            .artifacts
            .iter()
            .map(|a| ("artifact", a.value.clone())),
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
            summary.category.clone(),
            summary.severity.to_string(),
            summary.status.clone(),
            summary.tlp.clone(),
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
        let made = self.files.files.iter().map(|(path, contents)| {
            let mut h = std::hash::DefaultHasher::new();
            contents.hash(&mut h);
            (path, h.finish())
        });
        let kept = self.files.kept.iter().map(|(path, f)| (path, *f));
        made.chain(kept)
            .enumerate()
            .map(|(item, (path, fingerprint))| Job {
                item,
                outputs: vec![path.clone()],
                fingerprint,
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        if let Some((_, contents)) = self.files.files.get(item) {
            return Ok(vec![contents.as_bytes().to_vec()]);
        }
        // A kept file is only rendered if its fingerprint was not found, which an
        // incremental build never does; reading it back is still right.
        let (path, _) = &self.files.kept[item - self.files.files.len()];
        let path = self.out.join(path);
        Ok(vec![std::fs::read(&path).map_err(super::io_error(&path))?])
    }
}

/// The search page (its results are made in the browser).
#[derive(Debug)]
pub struct SearchPage<'a> {
    pub input: &'a Input<'a>,
}

impl Generator for SearchPage<'_> {
    fn name(&self) -> &'static str {
        "search page"
    }

    fn jobs(&self) -> Vec<Job> {
        // Only the theme and the configuration shape it: both are in the build key.
        vec![Job {
            item: 0,
            outputs: vec![PAGE.to_string()],
            fingerprint: 1,
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let catalogue = self.input.renderer.catalogue();
        let meta = PageMeta::new(PAGE, catalogue.get("search"), "search");
        let mut context = tera::Context::new();
        context.insert("page", &meta);
        let page = self
            .input
            .renderer
            .render("search.html", &context)
            .map_err(|source| BuildError::Page {
                path: PAGE.to_string(),
                source,
            })?;
        Ok(vec![page.into_bytes()])
    }
}
