//! What people read for facet values, and the order values are shown in.

use super::{CloseTimes, Counts, Facet, NONE, compare_keys};
use crate::config::{Config, Taxonomy};
use crate::render::Catalogue;

/// Labels and order of facet values, from fir.toml and the UI catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Labels<'a> {
    pub config: &'a Config,
    pub catalogue: &'a Catalogue,
}

impl<'a> Labels<'a> {
    pub fn new(config: &'a Config, catalogue: &'a Catalogue) -> Self {
        Labels { config, catalogue }
    }

    fn taxonomy(&self, facet: Facet) -> Option<&'a Taxonomy> {
        let c = self.config;
        match facet {
            Facet::Category => Some(&c.categories),
            Facet::Severity => Some(&c.severities),
            Facet::Status => Some(&c.statuses),
            Facet::Tlp => Some(&c.tlp),
            Facet::Detection => Some(&c.detections),
            Facet::Actor => Some(&c.actors),
            _ => None,
        }
    }

    /// The name of a facet: `Category`, `Business line (top level)`.
    pub fn facet(&self, facet: Facet) -> String {
        self.catalogue
            .get(&format!("stats_by_{}", facet.name()))
            .to_string()
    }

    /// The label of a value: the configured label, or the value itself.
    pub fn value(&self, facet: Facet, key: &str) -> String {
        if key == NONE {
            return self.catalogue.get("stats_none").to_string();
        }
        if let Some(taxonomy) = self.taxonomy(facet) {
            return taxonomy.label(key).to_string();
        }
        match facet {
            Facet::Kind => self.catalogue.get(&format!("kind_{key}")).to_string(),
            Facet::Major => self.catalogue.get(&format!("stats_{key}")).to_string(),
            _ => key.to_string(),
        }
    }

    /// The colour configured for a value, if any.
    pub fn color(&self, facet: Facet, key: &str) -> Option<&'a str> {
        self.taxonomy(facet)?.get(key)?.color.as_deref()
    }

    /// Position of a value in the configured order; `None` sorts after, by name.
    pub fn rank(&self, facet: Facet, key: &str) -> Option<usize> {
        if key == NONE {
            return None;
        }
        if let Some(taxonomy) = self.taxonomy(facet) {
            return taxonomy.position(key);
        }
        match facet {
            Facet::BusinessLine | Facet::TopBusinessLine => self
                .config
                .business_lines
                .paths()
                .iter()
                .position(|p| p == key),
            Facet::Kind => Some(usize::from(key == "event")),
            Facet::Major => Some(usize::from(key == "other")),
            _ => None,
        }
    }

    /// Rows in configured order, unknown values after them, "none" last.
    pub fn sort(&self, counts: &mut Counts) {
        let by = counts.by.clone();
        counts.sort_rows(|i, key| self.sort_rank(by[i], key));
    }

    /// Groups of [`time_to_close`](super::time_to_close) in configured order.
    pub fn sort_times(&self, by: &[Facet], times: &mut [CloseTimes]) {
        times.sort_by(|a, b| compare_keys(&a.key, &b.key, |i, key| self.sort_rank(by[i], key)));
    }

    fn sort_rank(&self, facet: Facet, key: &str) -> Option<usize> {
        self.rank(facet, key)
            .or((key != NONE).then_some(usize::MAX))
    }

    /// The labels of a row's key, joined for one column: `Phishing / High`.
    pub fn key(&self, by: &[Facet], key: &[String]) -> String {
        if key.is_empty() {
            return self.catalogue.get("total").to_string();
        }
        by.iter()
            .zip(key)
            .map(|(f, k)| self.value(*f, k))
            .collect::<Vec<_>>()
            .join(" / ")
    }
}
