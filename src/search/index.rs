//! Building the index files from documents.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::{base64, encode_postings, pack_rows, put_varint, width_for};
use super::{text, wrap};

/// Format version, in the meta file: a reader refuses what it does not know.
pub const VERSION: u32 = 1;
/// Documents per facet-table chunk: a query with few results loads only their chunks;
/// one with many loads the whole table ([`FACET_ALL`]) instead.
pub const FACET_CHUNK: u32 = 256;
/// Terms in at least this many documents carry their facet counts, so that a query of
/// one such word shows facet counts without loading the facet table.
pub const COUNTS_MIN: usize = 512;
/// Documents per display chunk: small, because the first page of results is spread
/// over the whole collection.
pub const DISPLAY_CHUNK: u32 = 16;
/// A term shard is split by a longer prefix once its JSON is larger than this.
const SHARD_BYTES: usize = 24 * 1024;
/// A group of terms smaller than this stays in its parent shard.
const MIN_SHARD_BYTES: usize = 2 * 1024;

pub const META: &str = "search/meta.js";
/// The whole facet table in one file.
pub const FACET_ALL: &str = "search/f/all.js";

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
    /// Values of term fields as `(field, value)`: `("bl", "Retail Banking")`, …
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
}

/// What a reader needs first: sizes, columns, shard prefixes, folding rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub version: u32,
    pub docs: u32,
    pub facet_chunk: u32,
    pub display_chunk: u32,
    pub columns: Vec<Column>,
    /// Prefixes of the term shards: a term is in the shard of its longest prefix here.
    pub shards: Vec<String>,
    pub fold: Vec<(String, String)>,
}

/// Title hits weigh more: their postings are kept apart.
#[derive(Debug, Default)]
struct Postings {
    all: Vec<u32>,
    title: Vec<u32>,
}

/// One term in a shard file: key, postings, title postings, facet counts (base64,
/// empty when absent).
pub type ShardEntry = (String, String, String, String);

/// One document in a display file: id, title, date, excerpt, facet row.
pub type DisplayEntry = (String, String, String, String, Vec<u32>);

/// The keys of one document: `true` when the key is a word of the title.
fn keys_of(doc: &Document<'_>) -> HashMap<String, bool> {
    let mut keys: HashMap<String, bool> = HashMap::new();
    let mut pair = String::new();
    let mut add_text = |text: &str, title: bool| {
        let mut previous: Option<String> = None;
        for term in text::terms(text) {
            if let Some(before) = &previous {
                pair.clear();
                pair.push_str(before);
                pair.push(' ');
                pair.push_str(&term);
                // Most pairs repeat within a document: allocate only new ones.
                if !keys.contains_key(pair.as_str()) {
                    keys.insert(pair.clone(), false);
                }
            }
            match keys.get_mut(term.as_str()) {
                Some(in_title) => *in_title |= title,
                None => {
                    keys.insert(term.clone(), title);
                }
            }
            previous = Some(term);
        }
    };
    add_text(doc.title, true);
    add_text(doc.id, false);
    for text in &doc.texts {
        add_text(text, false);
    }
    for (field, value) in &doc.keywords {
        keys.insert(super::field_key(field, value), false);
    }
    keys
}

/// The file of the shard with `prefix`.
pub fn shard_path(prefix: &str) -> String {
    let hex: String = prefix.bytes().map(|b| format!("{b:02x}")).collect();
    format!("search/t/_{hex}.js")
}

pub fn facet_path(chunk: u32) -> String {
    format!("search/f/{chunk}.js")
}

pub fn display_path(chunk: u32) -> String {
    format!("search/d/{chunk}.js")
}

#[derive(Serialize)]
struct ShardFile<'a> {
    r#type: &'static str,
    name: &'a str,
    terms: Vec<&'a (&'a str, String, String, String)>,
}

#[derive(Serialize)]
struct FacetFile {
    r#type: &'static str,
    chunk: Option<u32>,
    data: String,
}

#[derive(Serialize)]
struct DisplayFile<'a> {
    r#type: &'static str,
    chunk: u32,
    docs: Vec<(&'a str, &'a str, &'a str, &'a str, &'a [u32])>,
}

fn json<T: Serialize>(value: &T) -> String {
    wrap(&serde_json::to_string(value).expect("index parts serialise"))
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
    let columns = complete_columns(docs, columns);
    let value_at: Vec<HashMap<&str, u32>> = columns
        .iter()
        .map(|c| {
            c.values
                .iter()
                .enumerate()
                .map(|(i, (raw, _))| (raw.as_str(), i as u32))
                .collect()
        })
        .collect();
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
    let terms = invert(docs);
    let encoded: Vec<(&str, String, String, String)> = terms
        .par_iter()
        .map(|(key, postings)| {
            let counts = if postings.all.len() >= COUNTS_MIN {
                let mut bytes = Vec::new();
                for count in count_values(&postings.all, &rows, &columns)
                    .iter()
                    .flatten()
                {
                    put_varint(&mut bytes, *count);
                }
                base64(&bytes)
            } else {
                String::new()
            };
            (
                key.as_str(),
                base64(&encode_postings(&postings.all)),
                if postings.title.is_empty() {
                    String::new()
                } else {
                    base64(&encode_postings(&postings.title))
                },
                counts,
            )
        })
        .collect();
    let sizes: Vec<usize> = encoded
        .iter()
        .map(|(k, a, t, c)| k.len() + a.len() + t.len() + c.len() + 12)
        .collect();
    let keys: Vec<&str> = encoded.iter().map(|e| e.0).collect();
    let mut prefixes = Vec::new();
    split_shards(&keys, &sizes, String::new(), &mut prefixes);
    prefixes.sort();

    let mut files = Vec::new();
    let prefix_set: HashSet<&str> = prefixes.iter().map(String::as_str).collect();
    let mut by_shard: BTreeMap<&str, Vec<&(&str, String, String, String)>> = BTreeMap::new();
    for entry in &encoded {
        by_shard
            .entry(shard_of(entry.0, &prefix_set))
            .or_default()
            .push(entry);
    }
    for prefix in &prefixes {
        let terms = by_shard.remove(prefix.as_str()).unwrap_or_default();
        let file = ShardFile {
            r#type: "shard",
            name: prefix,
            terms,
        };
        files.push((shard_path(prefix), json(&file)));
    }

    let widths: Vec<u8> = columns.iter().map(|c| c.bits).collect();
    for (chunk, part) in rows.chunks(FACET_CHUNK as usize).enumerate() {
        let file = FacetFile {
            r#type: "facets",
            chunk: Some(chunk as u32),
            data: base64(&pack_rows(part, &widths)),
        };
        files.push((facet_path(chunk as u32), json(&file)));
    }
    let file = FacetFile {
        r#type: "facets",
        chunk: None,
        data: base64(&pack_rows(&rows, &widths)),
    };
    files.push((FACET_ALL.to_string(), json(&file)));
    for (chunk, part) in docs.chunks(DISPLAY_CHUNK as usize).enumerate() {
        let start = chunk * DISPLAY_CHUNK as usize;
        let file = DisplayFile {
            r#type: "docs",
            chunk: chunk as u32,
            docs: part
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    (
                        d.id,
                        d.title,
                        d.date.as_str(),
                        d.excerpt.as_str(),
                        rows[start + i].as_slice(),
                    )
                })
                .collect(),
        };
        files.push((display_path(chunk as u32), json(&file)));
    }
    let meta = Meta {
        version: VERSION,
        docs: docs.len() as u32,
        facet_chunk: FACET_CHUNK,
        display_chunk: DISPLAY_CHUNK,
        columns,
        shards: prefixes,
        fold: text::FOLDS
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect(),
    };
    let mut meta_json = serde_json::to_value(&meta).expect("meta serialises");
    meta_json["type"] = "meta".into();
    files.push((META.to_string(), wrap(&meta_json.to_string())));
    files
}

/// Every key with its postings, keys sorted.
fn invert(docs: &[Document<'_>]) -> Vec<(String, Postings)> {
    let map = docs
        .par_iter()
        .enumerate()
        .fold(HashMap::<String, Postings>::new, |mut map, (n, doc)| {
            for (key, title) in keys_of(doc) {
                let postings = map.entry(key).or_default();
                postings.all.push(n as u32);
                if title {
                    postings.title.push(n as u32);
                }
            }
            map
        })
        .reduce(HashMap::new, |mut a, mut b| {
            if a.len() < b.len() {
                std::mem::swap(&mut a, &mut b);
            }
            for (key, mut postings) in b {
                let into = a.entry(key).or_default();
                into.all.append(&mut postings.all);
                into.title.append(&mut postings.title);
            }
            a
        });
    let mut terms: Vec<(String, Postings)> = map.into_iter().collect();
    terms.par_iter_mut().for_each(|(_, p)| {
        p.all.sort_unstable();
        p.title.sort_unstable();
    });
    terms.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    terms
}

/// The longest prefix of `key` that is a shard ("" always is).
pub fn shard_of<'p>(key: &str, prefixes: &HashSet<&'p str>) -> &'p str {
    let mut ends: Vec<usize> = key.char_indices().map(|(i, _)| i).skip(1).collect();
    ends.push(key.len());
    for &end in ends.iter().rev() {
        if let Some(found) = prefixes.get(&key[..end]) {
            return found;
        }
    }
    prefixes.get("").copied().unwrap_or("")
}

/// Cuts the sorted `keys` (all starting with `prefix`) into shards of about
/// [`SHARD_BYTES`], by ever longer prefixes.
fn split_shards(keys: &[&str], sizes: &[usize], prefix: String, out: &mut Vec<String>) {
    let total: usize = sizes.iter().sum();
    out.push(prefix.clone());
    if total <= SHARD_BYTES {
        return;
    }
    let depth = prefix.chars().count();
    let mut start = 0;
    while start < keys.len() {
        let Some(next) = keys[start].chars().nth(depth) else {
            start += 1;
            continue;
        };
        let mut end = start;
        while end < keys.len() && keys[end].chars().nth(depth) == Some(next) {
            end += 1;
        }
        let group: usize = sizes[start..end].iter().sum();
        if group >= MIN_SHARD_BYTES {
            let mut child = prefix.clone();
            child.push(next);
            split_shards(&keys[start..end], &sizes[start..end], child, out);
        }
        start = end;
    }
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
            let mut column = column.clone();
            column.values.retain(|(raw, _)| used.contains(raw.as_str()));
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
        })
        .collect()
}
