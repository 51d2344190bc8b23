//! The index: what list pages, facet pages and links between incidents need, computed
//! from the incidents' summaries. Pure: no I/O.

use std::collections::HashMap;
use std::hash::Hash;
use std::path::PathBuf;

use rayon::prelude::*;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::artifacts::{self, Artifact, Correlation};
use crate::config::Config;
use crate::config::business_lines::{self, SEPARATOR};
use crate::content::Entry;
use crate::incident::{DateTime, ShortText};
use crate::render::Catalogue;

pub(super) mod update;

/// A follow-up task of an incident that is not done.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OpenTodo {
    /// Its place among the incident's tasks, from 1: what the API calls it.
    pub number: usize,
    pub task: String,
    pub business_line: Option<String>,
    pub deadline: Option<DateTime>,
}

/// What pages other than its own need to know about one incident. Kept in the build
/// cache, so that an incremental build does not read unchanged files.
///
/// Its short texts (ids, field values, tags) are [`CompactString`]s, held inline up to
/// 24 bytes: reading the summaries of 100k incidents from the cache then allocates
/// for titles and paths only, not for a dozen small strings each.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Summary {
    pub id: CompactString,
    pub title: String,
    pub date: DateTime,
    /// `date` as Unix seconds in the site's zone: the sort key.
    pub timestamp: i64,
    pub category: CompactString,
    pub severity: u8,
    pub status: CompactString,
    /// Canonical TLP slug (the default TLP when the file does not say).
    pub tlp: CompactString,
    pub business_lines: Vec<CompactString>,
    pub detection: Option<CompactString>,
    pub actor: Option<CompactString>,
    pub tags: Vec<CompactString>,
    /// Marked major, or of a category that is major.
    pub major: bool,
    /// False for events.
    pub incident: bool,
    /// The status is final.
    pub closed: bool,
    pub closed_at: Option<DateTime>,
    /// Related incidents named in the file, within the published set.
    pub relations: Vec<CompactString>,
    /// Indicators in the front matter and texts, sorted ([`artifacts::extract`]).
    /// The build cache keeps them apart, as positions in one table of values, so that
    /// reading it shares one value among all the incidents that mention it.
    #[serde(skip)]
    pub artifacts: Vec<Artifact>,
    /// Words of the texts that look like incident ids (matched against the site's ids).
    pub mentions: Vec<CompactString>,
    /// Follow-up tasks not done yet, for the site's list of them.
    pub todos: Vec<OpenTodo>,
    /// The source file, relative to the site root as found.
    pub path: PathBuf,
    /// Hash of the source file's bytes.
    pub source_hash: u64,
}

impl Summary {
    /// The summary of a loaded incident whose file had `source_hash`.
    pub fn new(entry: &Entry, config: &Config, source_hash: u64) -> Summary {
        let incident = &entry.incident;
        let category_major = config
            .categories
            .get(&incident.category)
            .is_some_and(|t| t.major);
        let found = artifacts::scan_incident(incident, &config.artifacts);
        Summary {
            id: incident.id.as_str().into(),
            title: incident.title.clone(),
            date: incident.date,
            timestamp: incident.date.timestamp(config.tz()).as_second(),
            category: incident.category.as_str().into(),
            severity: incident.severity,
            status: incident.status.as_str().into(),
            tlp: config.tlp_slug(incident.tlp.as_deref()).into(),
            business_lines: incident
                .business_lines
                .iter()
                .map(|bl| business_lines::normalize(bl).into())
                .collect(),
            detection: incident.detection.as_deref().map(CompactString::from),
            actor: incident.actor.as_deref().map(CompactString::from),
            tags: texts(&incident.tags),
            major: incident.major || category_major,
            incident: incident.incident,
            closed: config.is_final_status(&incident.status),
            closed_at: incident.closed,
            relations: texts(&incident.relations),
            artifacts: found.artifacts,
            mentions: texts(&found.mentions),
            todos: incident
                .todos
                .iter()
                .enumerate()
                .filter(|(_, t)| !t.done)
                .map(|(i, t)| OpenTodo {
                    number: i + 1,
                    task: t.task.clone(),
                    business_line: t.business_line.clone().filter(|bl| !bl.trim().is_empty()),
                    deadline: t.deadline,
                })
                .collect(),
            path: entry.path.clone(),
            source_hash,
        }
    }

    /// A hash of everything a list row or a link to this incident shows.
    pub fn fingerprint(&self) -> u64 {
        super::fingerprint::of(self)
    }

    /// A hash of the incident's id and artifacts: what it adds
    /// to the site's artifact data file (0 when it has none).
    pub fn artifacts_fingerprint(&self) -> u64 {
        if self.artifacts.is_empty() {
            return 0;
        }
        super::fingerprint::of(&(&self.id, &self.artifacts))
    }

    /// Sort order of every list: by date, then id.
    pub fn sort_key(&self) -> (i64, &str) {
        (self.timestamp, &self.id)
    }
}

/// Sorts summaries oldest first, the order every index position refers to.
pub fn sort(summaries: &mut [Summary]) {
    summaries.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

/// The facets, in navigation order: (directory and i18n key).
pub const FACETS: &[&str] = &[
    "category",
    "severity",
    "status",
    "tlp",
    "business-line",
    "detection",
    "actor",
    "tag",
    "kind",
    "archive",
];

/// One way of grouping incidents, with a page per value.
#[derive(Debug, Clone, PartialEq)]
pub struct Facet {
    /// Directory name in the site and key of its name in the catalogue.
    pub key: &'static str,
    pub values: Vec<FacetValue>,
    /// Position of each value by its raw form.
    pub lookup: foldhash::HashMap<String, usize>,
}

impl Facet {
    /// The facet `key` of these `values`, found by their raw form.
    pub(in crate::site) fn new(key: &'static str, values: Vec<FacetValue>) -> Facet {
        let lookup = values
            .iter()
            .enumerate()
            .map(|(i, v)| (v.raw.clone(), i))
            .collect();
        Facet {
            key,
            values,
            lookup,
        }
    }
}

/// One value of a facet and the incidents that have it.
#[derive(Debug, Clone, PartialEq)]
pub struct FacetValue {
    /// The value as files store it; levels of a tree are joined by ` > `.
    pub raw: String,
    pub label: String,
    pub color: Option<String>,
    /// Path under the facet's directory, one segment per level: `retail-banking/france`.
    pub slug_path: String,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Summary positions, oldest first. A parent holds its children's incidents too.
    pub members: Vec<u32>,
}

/// Facets, artifacts and relations over a sorted slice of summaries.
#[derive(Debug, Clone)]
pub struct Index {
    pub facets: Vec<Facet>,
    /// Per summary: related summaries, most related first (see [`artifacts::correlate`]).
    pub related: Vec<Vec<u32>>,
    pub by_id: foldhash::HashMap<CompactString, u32>,
    /// Which incidents share each artifact.
    pub artifacts: Correlation,
    /// Per summary: positions of the incidents its `relations:` name.
    pub(in crate::site) relations: Vec<Vec<u32>>,
    /// Per summary: positions of the incidents its texts name by id.
    pub(in crate::site) mentions: Vec<Vec<u32>>,
    /// After an update ([`Index::update`], [`Index::update_edited`]): the artifacts
    /// whose incidents, or what is shown of those incidents, may differ from the
    /// index's before it, in order; any other artifact's page is as it was. `None` for
    /// an index built anew: all may differ.
    pub changed_artifacts: Option<Vec<u32>>,
}

/// What the build cache keeps of an index besides its correlation: the parts that
/// take going through every summary to make (a tenth of a second at 100k, most of
/// restoring the index), for the next build to take back as they are.
#[derive(Debug, Default)]
pub struct SavedParts {
    pub facets: Vec<Facet>,
    pub relations: Vec<Vec<u32>>,
    pub mentions: Vec<Vec<u32>>,
}

impl SavedParts {
    /// The saved facets, if they are those of an index of `count` summaries: every
    /// facet in [`FACETS`] order, no position out of range.
    fn facets_of(facets: Vec<Facet>, count: usize) -> Option<Vec<Facet>> {
        let fits = facets.len() == FACETS.len()
            && facets.iter().zip(FACETS).all(|(facet, key)| {
                let values = facet.values.len();
                facet.key == *key
                    && facet.lookup.len() == values
                    && facet.values.iter().all(|v| {
                        v.members.iter().all(|&m| (m as usize) < count)
                            && v.parent.is_none_or(|p| p < values)
                            && v.children.iter().all(|&c| c < values)
                    })
            });
        fits.then_some(facets)
    }

    /// True when the saved links are those of `count` summaries.
    fn links_fit(&self, count: usize) -> bool {
        let in_range = |lists: &[Vec<u32>]| {
            lists.len() == count && lists.iter().flatten().all(|&at| (at as usize) < count)
        };
        in_range(&self.relations) && in_range(&self.mentions)
    }
}

impl Index {
    /// Indexes `summaries`, which must be sorted with [`sort`].
    pub fn build(summaries: &[Summary], config: &Config, catalogue: &Catalogue) -> Index {
        Index::build_with(
            summaries,
            config,
            catalogue,
            SavedParts::default(),
            Correlation::build,
        )
    }

    /// [`Index::build`] with the correlation made by `correlate` from the links of
    /// `summaries` (a caller may restore it rather than work it out), and the `saved`
    /// facets and links taken as they are when they fit `summaries` (the build cache
    /// kept them for these summaries).
    pub fn build_with(
        summaries: &[Summary],
        config: &Config,
        catalogue: &Catalogue,
        saved: SavedParts,
        correlate: impl FnOnce(&[artifacts::correlate::Links<'_>]) -> Correlation + Send,
    ) -> Index {
        let count = summaries.len();
        let saved_links = saved
            .links_fit(count)
            .then_some((saved.relations, saved.mentions));
        let saved_facets = SavedParts::facets_of(saved.facets, count);
        // Facets need nothing else: built beside the ids, links and correlation
        // (the ids are looked up one after the other, which leaves a core free).
        let started = std::time::Instant::now();
        let (facets, (by_id, relations, mentions, correlation, related)) = rayon::join(
            || {
                let facets = saved_facets.unwrap_or_else(|| {
                    FACETS
                        .par_iter()
                        .map(|key| build_facet(key, summaries, config, catalogue))
                        .collect()
                });
                tracing::debug!("index: facets at {:.2?}", started.elapsed());
                facets
            },
            || {
                let by_id: foldhash::HashMap<CompactString, u32> = summaries
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (s.id.clone(), i as u32))
                    .collect();
                let (relations, mentions): (Vec<Vec<u32>>, Vec<Vec<u32>>) = saved_links
                    .unwrap_or_else(|| {
                        summaries
                            .par_iter()
                            .map(|s| (resolve(&by_id, &s.relations), resolve(&by_id, &s.mentions)))
                            .unzip()
                    });
                tracing::debug!("index: links at {:.2?}", started.elapsed());
                let correlation = correlate(&links(summaries, &relations, &mentions));
                tracing::debug!("index: correlation at {:.2?}", started.elapsed());
                let related = correlation
                    .related
                    .par_iter()
                    .map(|list| positions(list))
                    .collect();
                (by_id, relations, mentions, correlation, related)
            },
        );
        Index {
            facets,
            related,
            by_id,
            artifacts: correlation,
            relations,
            mentions,
            changed_artifacts: None,
        }
    }

    pub fn facet(&self, key: &str) -> Option<&Facet> {
        self.facets.iter().find(|f| f.key == key)
    }

    /// Where the pages of value `raw` of facet `key` are, under the facet's directory
    /// (what [`Index::value_url`] is made of, without making it).
    pub fn value_slug(&self, key: &str, raw: &str) -> Option<&str> {
        let facet = self.facet(key)?;
        let at = match key {
            "tag" => facet.lookup.get(&*tag_key(raw))?,
            _ => facet.lookup.get(raw)?,
        };
        Some(&facet.values[*at].slug_path)
    }

    /// The page listing the incidents with value `raw` of facet `key`.
    pub fn value_url(&self, key: &str, raw: &str) -> Option<String> {
        let slug = self.value_slug(key, raw)?;
        Some(super::paths::list_page(
            &super::paths::facet_value_dir(key, slug),
            0,
            1,
        ))
    }
}

/// What correlation needs of each summary: its artifacts and resolved links.
fn links<'a>(
    summaries: &'a [Summary],
    relations: &'a [Vec<u32>],
    mentions: &'a [Vec<u32>],
) -> Vec<artifacts::correlate::Links<'a>> {
    summaries
        .iter()
        .zip(relations.iter().zip(mentions))
        .map(|(s, (relations, mentions))| artifacts::correlate::Links {
            artifacts: &s.artifacts,
            relations,
            mentions,
        })
        .collect()
}

/// The positions of related incidents, most related first.
fn positions(related: &[artifacts::Related]) -> Vec<u32> {
    related.iter().map(|r| r.incident).collect()
}

/// `strings` as the summary keeps them.
fn texts(strings: &[String]) -> Vec<CompactString> {
    strings
        .iter()
        .map(|s| CompactString::from(s.as_str()))
        .collect()
}

/// Positions of the incidents `ids` names, among those indexed.
fn resolve(by_id: &foldhash::HashMap<CompactString, u32>, ids: &[CompactString]) -> Vec<u32> {
    ids.iter().filter_map(|id| by_id.get(id).copied()).collect()
}

/// Calls `each` with every value a summary has for a facet, parents of tree values
/// included, each once.
fn for_each_value(key: &str, summary: &Summary, config: &Config, mut each: impl FnMut(&str)) {
    match key {
        "category" => each(&summary.category),
        "severity" => {
            let mut severity = ShortText::default();
            severity.number(u32::from(summary.severity), 1);
            each(severity.as_str());
        }
        "status" => each(&summary.status),
        "tlp" => each(&summary.tlp),
        "business-line" => {
            let mut seen: Vec<&str> = Vec::new();
            for path in &summary.business_lines {
                for ancestor in business_lines::ancestors_and_self(path) {
                    if !seen.contains(&ancestor) {
                        seen.push(ancestor);
                        each(ancestor);
                    }
                }
            }
        }
        "detection" => summary.detection.iter().for_each(|d| each(d)),
        "actor" => summary.actor.iter().for_each(|a| each(a)),
        "tag" => summary.tags.iter().for_each(|t| each(&tag_key(t))),
        "kind" => each(if summary.incident {
            "incident"
        } else {
            "event"
        }),
        "archive" => {
            let civil = summary.date.local(config.tz());
            let Ok(year) = u32::try_from(civil.year()) else {
                let year = format!("{:04}", civil.year());
                each(&year);
                return each(&format!("{year}{SEPARATOR}{:02}", civil.month()));
            };
            // The year, then year and month, in one buffer (a facet is built from
            // every incident; two strings made for each took a tenth of the facets).
            let mut key = ShortText::default();
            key.number(year, 4);
            each(key.as_str());
            key.push_ascii(SEPARATOR);
            key.number(civil.month().unsigned_abs().into(), 2);
            each(key.as_str());
        }
        _ => {}
    }
}

/// Configured label, colour and position of a facet value, if the configuration knows it.
fn describe(
    key: &str,
    raw: &str,
    config: &Config,
    catalogue: &Catalogue,
) -> (String, Option<String>, Option<usize>) {
    if let Some(taxonomy) = config.taxonomy(key) {
        let term = taxonomy.get(raw);
        return (
            term.map_or_else(|| raw.to_string(), |t| t.label.clone()),
            term.and_then(|t| t.color.clone()),
            taxonomy.position(raw),
        );
    }
    match key {
        "business-line" => {
            let last = raw.rsplit(SEPARATOR).next().unwrap_or(raw);
            let position = config.business_lines.paths().iter().position(|p| p == raw);
            (last.to_string(), None, position)
        }
        "kind" => (
            catalogue.get(&format!("kind_{raw}")).to_string(),
            None,
            Some(usize::from(raw == "event")),
        ),
        "archive" => match raw.split_once(SEPARATOR) {
            Some((year, month)) => {
                let month: u8 = month.parse().unwrap_or(1);
                let key = format!("month_{month}");
                let name = catalogue.get(&key);
                (format!("{name} {year}"), None, None)
            }
            None => (raw.to_string(), None, None),
        },
        _ => (raw.to_string(), None, None),
    }
}

/// The value of the tag facet that tag `tag` is: tags are told apart as search tells
/// them, without case or accents (`VIP` and `vip` are one tag, shown as
/// [`label_tags`] says).
fn tag_key(tag: &str) -> std::borrow::Cow<'_, str> {
    let tag = tag.trim();
    // Most tags are written folded already: no new string for each of them, in every
    // build of the tag facet (a hundred thousand incidents).
    if tag.bytes().all(|b| b.is_ascii() && !b.is_ascii_uppercase()) {
        tag.into()
    } else {
        crate::search::text::fold(tag).into()
    }
}

/// Names each value of the tag facet as its oldest incident spells it: a tag written
/// `VIP` first keeps that name when later files write `vip`. Run whenever members
/// change, so that an updated index names its tags as one built anew does.
fn label_tags(facet: &mut Facet, summaries: &[Summary]) {
    for value in &mut facet.values {
        let spelt = value.members.first().and_then(|&first| {
            summaries[first as usize]
                .tags
                .iter()
                .find(|t| tag_key(t) == value.raw)
        });
        if let Some(spelt) = spelt {
            value.label = spelt.trim().to_string();
        }
    }
}

fn build_facet(
    key: &'static str,
    summaries: &[Summary],
    config: &Config,
    catalogue: &Catalogue,
) -> Facet {
    let mut positions: foldhash::HashMap<String, usize> = Default::default();
    let mut values: Vec<FacetValue> = Vec::new();
    for (i, summary) in summaries.iter().enumerate() {
        for_each_value(key, summary, config, |raw| {
            // Most values were met before: look up without a new string.
            let at = match positions.get(raw) {
                Some(&at) => at,
                None => {
                    positions.insert(raw.to_string(), values.len());
                    values.push(FacetValue {
                        raw: raw.to_string(),
                        label: String::new(),
                        color: None,
                        slug_path: String::new(),
                        parent: None,
                        children: Vec::new(),
                        members: Vec::new(),
                    });
                    values.len() - 1
                }
            };
            let members = &mut values[at].members;
            if members.last() != Some(&(i as u32)) {
                members.push(i as u32);
            }
        });
    }
    // Configured values in configured order, then the others by name; archives newest first.
    let mut order: Vec<(Option<usize>, FacetValue)> = values
        .into_iter()
        .map(|mut value| {
            let (label, color, position) = describe(key, &value.raw, config, catalogue);
            value.label = label;
            value.color = color;
            (position, value)
        })
        .collect();
    if key == "archive" {
        // Years newest first, each followed by its months, newest first.
        order.sort_by(|a, b| {
            let (year_a, month_a) = split_archive(&a.1.raw);
            let (year_b, month_b) = split_archive(&b.1.raw);
            year_b
                .cmp(year_a)
                .then(month_a.is_some().cmp(&month_b.is_some()))
                .then(month_b.cmp(&month_a))
        });
    } else {
        order.sort_by(|a, b| match (a.0, b.0) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => a.1.raw.cmp(&b.1.raw),
        });
    }
    let mut values: Vec<FacetValue> = order.into_iter().map(|(_, v)| v).collect();
    let at: HashMap<String, usize> = values
        .iter()
        .enumerate()
        .map(|(i, v)| (v.raw.clone(), i))
        .collect();
    for i in 0..values.len() {
        let parent = business_lines::parent_of(&values[i].raw).and_then(|p| at.get(p).copied());
        values[i].parent = parent;
        if let Some(p) = parent {
            values[p].children.push(i);
        }
    }
    // Slugs level by level, so that a parent's is known before its children's.
    let mut by_depth: Vec<usize> = (0..values.len()).collect();
    by_depth.sort_by_key(|&i| (values[i].raw.matches(SEPARATOR).count(), i));
    let mut taken: HashMap<String, usize> = HashMap::new();
    for i in by_depth {
        let last = values[i].raw.rsplit(SEPARATOR).next().unwrap_or_default();
        let mut slug = match values[i].parent {
            Some(p) => format!("{}/{}", values[p].slug_path, slugify(last)),
            None => slugify(&values[i].raw),
        };
        let count = taken.entry(slug.clone()).or_insert(0);
        *count += 1;
        if *count > 1 {
            slug = format!("{slug}-{count}");
        }
        values[i].slug_path = slug;
    }
    let mut facet = Facet::new(key, values);
    if key == "tag" {
        label_tags(&mut facet, summaries);
    }
    facet
}

fn split_archive(raw: &str) -> (&str, Option<&str>) {
    match raw.split_once(SEPARATOR) {
        Some((year, month)) => (year, Some(month)),
        None => (raw, None),
    }
}

/// A URL-safe name: lowercase ASCII letters, digits and dashes (accents folded).
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let slug = out.trim_matches('-');
    if slug.is_empty() {
        "_".to_string()
    } else {
        slug.to_string()
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' | 'č' => 'c',
        'è' | 'é' | 'ê' | 'ë' | 'ě' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' | 'ů' => 'u',
        'ý' | 'ÿ' => 'y',
        'ř' => 'r',
        'š' => 's',
        'ž' => 'z',
        'ď' => 'd',
        'ť' => 't',
        other => other,
    }
}

/// Splits `len` items (oldest first) into pages of `per_page` so that adding a newer
/// item changes only the newest page or two: pages are cut from the oldest, and the
/// newest page takes the remainder (between `per_page` and `2 × per_page − 1` items).
pub fn chunks(len: usize, per_page: usize) -> Vec<std::ops::Range<usize>> {
    let per_page = per_page.max(1);
    let pages = (len / per_page).max(1);
    (0..pages)
        .map(|k| {
            let start = k * per_page;
            let end = if k + 1 == pages {
                len
            } else {
                start + per_page
            };
            start..end
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A tag's key is its folded form, whether or not it was folded already.
        #[test]
        fn a_tag_key_is_the_folded_tag(tag in "[ a-zA-Z0-9_.-]{0,12}|\\PC{0,12}") {
            proptest::prop_assert_eq!(tag_key(&tag), crate::search::text::fold(tag.trim()));
        }
    }

    #[test]
    fn slugs() {
        assert_eq!(slugify("Retail Banking"), "retail-banking");
        assert_eq!(slugify("AMBER+STRICT"), "amber-strict");
        assert_eq!(slugify("Sécurité  Groupe!"), "securite-groupe");
        assert_eq!(slugify("Česká republika"), "ceska-republika");
        assert_eq!(slugify("<script>"), "script");
        assert_eq!(slugify("!!"), "_");
    }

    #[test]
    fn pages_are_cut_from_the_oldest() {
        assert_eq!(chunks(0, 10), vec![0..0]);
        assert_eq!(chunks(7, 10), vec![0..7]);
        assert_eq!(chunks(19, 10), vec![0..19]);
        assert_eq!(chunks(20, 10), vec![0..10, 10..20]);
        assert_eq!(chunks(35, 10), vec![0..10, 10..20, 20..35]);
        // One more incident only touches the newest page until it splits.
        let before = chunks(34, 10);
        let after = chunks(35, 10);
        assert_eq!(before[..2], after[..2]);
    }
}
