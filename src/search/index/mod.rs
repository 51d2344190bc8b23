//! Building the index files from documents: [`build`] inverts them ([`invert`]), cuts
//! the keys into term shards ([`shards`]) and writes the other files ([`files`]).

mod files;
mod invert;
mod shards;

use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::width_for;
use super::wrap;

pub(super) use files::{
    DisplayRef, Shelving, display_files, facet_files, meta_file, newest_by_value, rows_files,
    rows_from,
};
pub(super) use invert::{Inverted, invert};
pub use shards::shard_of;
pub(super) use shards::{
    TermShards, carries_page, encode_entry, frequent, hashed_bucket, hashed_shard, longest_prefix,
    shard_file, shard_for, term_shards,
};
#[cfg(test)]
pub(super) use {
    files::cube_data,
    shards::{LISTED_BYTES, directories, inlined},
};

/// Format version, in the meta file: a reader refuses what it does not know.
pub const VERSION: u32 = 6;

/// Documents per facet-table chunk: a query with few results loads only their chunks;
/// one with many loads the whole table ([`FACET_ALL`]) instead.
pub const FACET_CHUNK: u32 = 256;

/// Facet chunks per facet-table part: a query whose results crowd into a stretch of
/// the collection (a year, a month) loads a few parts instead of dozens of chunks.
pub const FACET_PART: u32 = 16;

/// Terms in at least this many documents carry their facet counts and their first page
/// ([`Frequent`]), so that a query of one such word loads neither the facet table nor
/// the ten or so display files its first page would be spread over.
pub const COUNTS_MIN: usize = 512;

/// Results on a page of the search page; a frequent term's first page holds this many
/// of its newest documents.
pub const PAGE: usize = 10;

/// A frequent term's first page also holds this many of its newest documents with the
/// term in their title: those rank first, and a query of two words is mostly answered
/// by the title hits of one that also have the other, often further back than the
/// newest ten (`mule accounts` at 100k: its 5th to 10th results lie past the ten
/// newest title hits of `account`, within its thirty newest), whose rows then need no
/// display file.
pub const TITLE_ROWS: usize = 3 * PAGE;

/// A column value's newest documents whose display rows its rows file holds
/// ([`rows_files`]). A query (not one key alone) with a filter of a single column
/// value loads that file beside its shards (of the value whose file reaches furthest
/// back, [`Meta::rows_from`]): most such queries ask for recent incidents, and their
/// first page is then among those rows, with no display file to wait for (at 100k
/// incidents, the tenth newest open malware of severity 3 or more is the 73rd newest
/// malware).
pub const VALUE_ROWS: usize = 100;

/// Documents per display chunk: small, because the first page of results is spread
/// over the whole collection.
pub const DISPLAY_CHUNK: u32 = 8;

/// An artifact whose first page lies in this many display chunks or more carries that
/// page ([`Frequent`] without counts): an indicator seen again months or years apart
/// (the point of looking it up) would otherwise need a second round of as many files
/// after its shard (`artifact:wallet-crypto[.]top` at 100k: six hits in six chunks).
/// At 100k synthetic incidents about 22k of 1.1M artifacts carry one, and the index
/// grows from 314 to 363 MB (from three chunks on: 51k artifacts, 403 MB).
pub const SPREAD_CHUNKS: usize = 4;

pub const META: &str = "search/meta.js";

/// The whole facet table in one file.
pub const FACET_ALL: &str = "search/f/all.js";

/// How many documents have each combination of column values ([`cube_data`](files::cube_data)).
pub const FACET_CUBE: &str = "search/f/cube.js";

/// One incident as search sees it. Documents are numbered in the order given, which
/// must be oldest first: sorting by date is sorting by number.
#[derive(Debug, Clone, Default)]
pub struct Document<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// `YYYY-MM-DD`, shown in results.
    pub date: String,
    /// The start of the description, shown in results.
    pub excerpt: String,
    /// Searchable text other than the title.
    pub texts: Vec<&'a str>,
    /// The raw value of each [`Column`], in the order of the columns.
    pub columns: Vec<String>,
    /// Values of term fields as `(field, value)`: `("bl", "Retail Banking")`, …;
    /// artifacts as [`super::indexed_artifact`] gives them.
    pub keywords: Vec<(&'static str, String)>,
}

/// A one-valued field stored in the facet table, with its known values in display order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub key: String,
    /// `(raw, label)`; values met in documents but not listed are added after these.
    pub values: Vec<(String, String)>,
    /// Compared as numbers (`severity:>=3`).
    #[serde(default)]
    pub numeric: bool,
    /// Bits per document in the facet table.
    #[serde(default)]
    pub bits: u8,
    /// Other names of its values, as `(name, raw)`: the configured aliases, so that
    /// `tlp:white` finds `CLEAR` (labels are in `values`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<(String, String)>,
}

/// What a reader needs first: sizes, columns, shard prefixes, folding rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub version: u32,
    pub docs: u32,
    pub facet_chunk: u32,
    /// Facet chunks per part file ([`facet_part_path`]).
    pub facet_part: u32,
    pub display_chunk: u32,
    /// Results a page shows ([`PAGE`]).
    #[serde(default)]
    pub page: u32,
    pub columns: Vec<Column>,
    /// Names of the directories of shards ([`dir_path`], [`directories`](shards::directories)). A term is
    /// in the shard of its longest prefix among those listed in the directory with the
    /// longest name that starts the term, or in the root shard (prefix "") when no
    /// directory name starts it. (Artifact keys: [`Meta::artifact_shards`].)
    pub dirs: Vec<String>,
    /// The shard lists of the small directories, so that a query for a key in one of
    /// them loads no directory file first ([`inlined`](shards::inlined)).
    #[serde(default)]
    pub listed: Vec<(String, Vec<String>)>,
    /// How many shards hold the artifact keys, spread by a hash of the key
    /// ([`hashed_bucket`]); none: they are cut by prefix like the other keys.
    #[serde(default)]
    pub artifact_shards: u32,
    /// The oldest document of each column value's rows file ([`VALUE_ROWS`]), by column
    /// and value (0 when the file holds all of the value's documents): a query's first
    /// page comes from the file of a value its results all have when its last result is
    /// no older, so a reader loads that of the value whose file reaches furthest back.
    /// (Defaulted so that an index of an older format reads far enough to say its
    /// version.)
    #[serde(default)]
    pub rows_from: Vec<Vec<u32>>,
    pub fold: Vec<(String, String)>,
    /// Other names of the values of term fields backed by a taxonomy (`detection`,
    /// `actor`), as `(field, name, value)`: labels and aliases from fir.toml, so that
    /// `detection:"SIEM correlation"` finds the incidents whose files say `siem`.
    /// (Those of column values are the columns' own.)
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<ValueName>,
}

/// Another name of a term field's value: `(field, name, value)`.
pub type ValueName = (String, String, String);

/// A key and its postings.
pub(super) type Term = (String, Postings);

/// Title hits weigh more: their postings are kept apart.
#[derive(Debug, Default)]
pub struct Postings {
    pub all: Vec<u32>,
    pub title: Vec<u32>,
}

/// One term in a shard file: key, postings, title postings, and what a frequent term
/// carries besides.
pub type ShardEntry = (String, String, String, Frequent);

/// One document in a display file: id, title, date, excerpt, facet row.
pub type DisplayEntry = (String, String, String, String, Vec<u32>);

/// A document of a frequent term's first page: its number, then as in a display file.
pub type PageRow = (u32, String, String, String, String, Vec<u32>);

/// A [`PageRow`] as written, borrowed.
type PageRowRef<'a> = (u32, &'a str, &'a str, &'a str, &'a str, &'a [u32]);

/// What a display file holds of the document of a first page's row.
pub(super) fn page_row_display(row: &PageRow) -> DisplayEntry {
    let (_, id, title, date, excerpt, facets) = row;
    let text = String::clone;
    (
        text(id),
        text(title),
        text(date),
        text(excerpt),
        facets.clone(),
    )
}

/// What a term in [`COUNTS_MIN`] documents or more carries: its facet counts (base64
/// varints, column after column) and the display rows of its [`PAGE`] newest
/// documents and [`TITLE_ROWS`] newest with the term in their title, by number.
/// Together these hold the first page of a query of that term alone, by relevance
/// (title matches first, newest first) or by date, and often that of a query of it
/// and another word. In a shard file it is `""` for other terms, `[counts, rows]` for
/// frequent ones, and `["", rows]` for an artifact whose first page is spread over
/// [`SPREAD_CHUNKS`] display chunks or more ([`carries_page`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Frequent {
    pub counts: String,
    pub page: Vec<PageRow>,
}

impl Frequent {
    /// Nothing: a term that carries no first page ([`carries_page`]).
    pub fn is_empty(&self) -> bool {
        self.counts.is_empty() && self.page.is_empty()
    }

    /// Its form in a shard file.
    pub fn json(&self) -> String {
        if self.is_empty() {
            "\"\"".to_string()
        } else {
            crate::json::to_string(&(&self.counts, &self.page)).expect("strings serialise")
        }
    }
}

impl<'de> Deserialize<'de> for Frequent {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Form {
            Counts(String),
            Both(String, Vec<PageRow>),
        }
        Ok(match Form::deserialize(deserializer)? {
            Form::Counts(counts) => Frequent {
                counts,
                page: Vec::new(),
            },
            Form::Both(counts, page) => Frequent { counts, page },
        })
    }
}

/// The documents of a term's first page ([`Frequent`]), ascending: the last [`PAGE`]
/// of `all` and the last [`TITLE_ROWS`] of `title` (both ascending), merged.
pub(super) fn page_docs(all: &[u32], title: &[u32]) -> Vec<u32> {
    let newest = |docs: &[u32], n: usize| docs[docs.len().saturating_sub(n)..].to_vec();
    let mut page = newest(all, PAGE);
    page.extend(newest(title, TITLE_ROWS));
    page.sort_unstable();
    page.dedup();
    page
}

/// A shard entry while writing: the key borrowed, the encoded postings, the JSON of
/// its [`Frequent`] part.
pub(super) type Encoded<'a> = (&'a str, String, String, String);

/// The file of the shard with `prefix`.
pub fn shard_path(prefix: &str) -> String {
    let hex: String = prefix.bytes().map(|b| format!("{b:02x}")).collect();
    format!("search/t/_{hex}.js")
}

/// The list of the shards whose prefixes start with `first` (one character).
pub fn dir_path(first: &str) -> String {
    let hex: String = first.bytes().map(|b| format!("{b:02x}")).collect();
    format!("search/t/dir_{hex}.js")
}

pub fn facet_path(chunk: u32) -> String {
    format!("search/f/{chunk}.js")
}

/// The file of facet-table part `part` ([`FACET_PART`] chunks).
pub fn facet_part_path(part: u32) -> String {
    format!("search/f/p{part}.js")
}

/// The rows file of value `value` of column `column` ([`rows_files`]).
pub fn rows_path(column: usize, value: usize) -> String {
    format!("search/r/{column}_{value}.js")
}

pub fn display_path(chunk: u32) -> String {
    format!("search/d/{chunk}.js")
}

fn json<T: Serialize>(value: &T) -> String {
    wrap(&crate::json::to_string(value).expect("index parts serialise"))
}

/// How many of `docs` have each value of each column, all columns in a row.
pub fn count_values(docs: &[u32], rows: &[Vec<u32>], columns: &[Column]) -> Vec<Vec<u32>> {
    let mut counts: Vec<Vec<u32>> = columns.iter().map(|c| vec![0; c.values.len()]).collect();
    for &d in docs {
        for (c, &value) in rows[d as usize].iter().enumerate() {
            counts[c][value as usize] += 1;
        }
    }
    counts
}

/// The index files of `docs` (oldest first), as `(path, contents)`.
pub fn build(docs: &[Document<'_>], columns: &[Column]) -> Vec<(String, String)> {
    build_with_names(docs, columns, Vec::new(), &Some)
}

/// [`build`], with other names of term field values ([`Meta::names`]). Each term
/// shard is handed to `take_shard` as soon as it is encoded, on any thread: a caller
/// that writes it there and returns `None` does not hold the thousands of shards
/// (most of the index's bytes) while the rest is made; what it returns is kept with
/// the other files.
pub fn build_with_names(
    docs: &[Document<'_>],
    columns: &[Column],
    names: Vec<ValueName>,
    take_shard: &(dyn Fn((String, String)) -> Option<(String, String)> + Sync),
) -> Vec<(String, String)> {
    let columns = complete_columns(docs, columns);
    let value_at = value_positions(&columns);
    let rows: Vec<Vec<u32>> = docs
        .iter()
        .map(|doc| {
            value_at
                .iter()
                .zip(&doc.columns)
                .map(|(at, raw)| at[raw.as_str()])
                .collect()
        })
        .collect();
    let started = std::time::Instant::now();
    let terms = Inverted::of(docs, &columns, 0);
    tracing::debug!(
        "search: {} keys inverted in {:.2?}",
        terms.len(),
        started.elapsed()
    );
    let entries: Vec<DisplayRef<'_>> = docs
        .iter()
        .zip(&rows)
        .map(|(d, row)| {
            (
                d.id,
                d.title,
                d.date.as_str(),
                d.excerpt.as_str(),
                row.as_slice(),
            )
        })
        .collect();
    // What the few terms with a first page carry, once, for sizing and writing.
    let frequent: HashMap<usize, String> = (0..terms.len())
        .into_par_iter()
        .filter_map(|i| {
            let (key, all, title) = terms.term(i);
            let part = frequent(key, all, title, &rows, &columns, |d| entries[d as usize]);
            (!part.is_empty()).then(|| (i, part.json()))
        })
        .collect();
    tracing::debug!(
        "search: {} keys with a first page ({} bytes) at {:.2?}",
        frequent.len(),
        frequent.values().map(String::len).sum::<usize>(),
        started.elapsed()
    );
    let frequent_of = |i: usize| frequent.get(&i).map_or("\"\"", String::as_str);
    let TermShards {
        mut files,
        dirs,
        listed,
        artifact_shards,
    } = term_shards(&terms, frequent_of, take_shard);
    tracing::debug!("search: term shards encoded at {:.2?}", started.elapsed());
    files.extend(facet_files(&rows, &columns, |_| true));
    tracing::debug!("search: facet files at {:.2?}", started.elapsed());
    files.par_extend(display_files(&entries, 0));
    let newest = newest_by_value(&rows, &columns);
    files.extend(rows_files(&newest, |_, _| true, |d| entries[d as usize]));
    tracing::debug!(
        "search: display and rows files at {:.2?}",
        started.elapsed()
    );
    files.push(meta_file(
        docs.len() as u32,
        Shelving {
            dirs,
            listed,
            artifact_shards,
            rows_from: rows_from(&newest),
        },
        columns,
        names,
    ));
    crate::drop_later((terms, frequent));
    files
}

/// The position of each value of each column, by raw value.
pub(super) fn value_positions(columns: &[Column]) -> Vec<HashMap<&str, u32>> {
    columns
        .iter()
        .map(|c| {
            c.values
                .iter()
                .enumerate()
                .map(|(i, (raw, _))| (raw.as_str(), i as u32))
                .collect()
        })
        .collect()
}

/// The columns with the values the documents have (known values first, in their
/// order; a value no published incident has is left out), and their widths.
fn complete_columns(docs: &[Document<'_>], columns: &[Column]) -> Vec<Column> {
    columns
        .iter()
        .enumerate()
        .map(|(i, column)| {
            let used: HashSet<&str> = docs
                .iter()
                .filter_map(|d| d.columns.get(i).map(String::as_str))
                .collect();
            complete_column(column, &used)
        })
        .collect()
}

/// `column` as configured, with the values documents have (`used`): its known values
/// that are used in their order, then the others sorted, and its width.
pub(super) fn complete_column(column: &Column, used: &HashSet<&str>) -> Column {
    let mut column = column.clone();
    column.values.retain(|(raw, _)| used.contains(raw.as_str()));
    column
        .aliases
        .retain(|(_, raw)| used.contains(raw.as_str()));
    let known: HashSet<&str> = column.values.iter().map(|v| v.0.as_str()).collect();
    let mut extra: Vec<&str> = used.difference(&known).copied().collect();
    extra.sort_unstable();
    let extra: Vec<(String, String)> = extra
        .into_iter()
        .map(|raw| (raw.to_string(), raw.to_string()))
        .collect();
    column.values.extend(extra);
    column.bits = width_for(column.values.len());
    column
}
