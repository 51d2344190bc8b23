//! The search index and search page of the site: incidents become
//! [`crate::search::Document`]s, the pure core makes the index files, and a generator
//! writes them (each file fingerprinted, so an incremental build rewrites only the
//! shards that changed).

use std::hash::{Hash, Hasher};

use rayon::prelude::*;

use super::{BuildError, Generator, Input, Job, Summary};
use crate::config::{Config, Taxonomy, business_lines};
use crate::incident::Incident;
use crate::render::context::PageMeta;
use crate::search::{self, Column, Document};

/// Characters of the description shown under a result.
const EXCERPT: usize = 240;

/// The search page.
pub const PAGE: &str = "search.html";

/// The index files of one build, as `(path, contents)`.
#[derive(Debug)]
pub struct SearchFiles {
    files: Vec<(String, String)>,
}

impl SearchFiles {
    /// Indexes every published incident (all of them are loaded: the index is global).
    pub fn build(input: &Input<'_>) -> Result<SearchFiles, BuildError> {
        let entries = (0..input.summaries.len())
            .into_par_iter()
            .map(|i| input.entries.get(i, input).map(|e| &e.incident))
            .collect::<Result<Vec<&Incident>, BuildError>>()?;
        let docs: Vec<Document<'_>> = input
            .summaries
            .par_iter()
            .zip(entries.par_iter())
            .map(|(summary, incident)| document(summary, incident, input.config))
            .collect();
        let kind_label = |k: &str| {
            input
                .renderer
                .catalogue()
                .get(&format!("kind_{k}"))
                .to_string()
        };
        let kinds = vec![
            ("incident".to_string(), kind_label("incident")),
            ("event".to_string(), kind_label("event")),
        ];
        Ok(SearchFiles {
            files: search::build(&docs, &columns(input.config, kinds)),
        })
    }
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
}

impl Generator for IndexFiles<'_> {
    fn name(&self) -> &'static str {
        "search index"
    }

    fn jobs(&self) -> Vec<Job> {
        self.files
            .files
            .iter()
            .enumerate()
            .map(|(item, (path, contents))| {
                let mut h = std::hash::DefaultHasher::new();
                contents.hash(&mut h);
                Job {
                    item,
                    outputs: vec![path.clone()],
                    fingerprint: h.finish(),
                }
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        Ok(vec![self.files.files[item].1.as_bytes().to_vec()])
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
