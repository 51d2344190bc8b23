//! Building the index files from documents.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::{base64, encode_postings, pack_rows, width_for};
use super::{text, wrap};

/// Format version, in the meta file: a reader refuses what it does not know.
pub const VERSION: u32 = 1;
/// Documents per facet-table chunk.
pub const FACET_CHUNK: u32 = 1024;
/// Documents per display chunk: small, because the first page of results is spread
/// over the whole collection.
pub const DISPLAY_CHUNK: u32 = 16;
/// A term shard is split by a longer prefix once its JSON is larger than this.
const SHARD_BYTES: usize = 24 * 1024;
/// A group of terms smaller than this stays in its parent shard.
const MIN_SHARD_BYTES: usize = 2 * 1024;

pub const META: &str = "search/meta.js";

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

/// The keys of one document: `true` when the key is a word of the title.
fn keys_of(doc: &Document<'_>) -> HashMap<String, bool> {
    let mut keys: HashMap<String, bool> = HashMap::new();
    let add_text = |text: &str, title: bool, keys: &mut HashMap<String, bool>| {
        let mut previous: Option<String> = None;
        for term in text::terms(text) {
            if let Some(before) = previous.take() {
                keys.entry(format!("{before} {term}")).or_insert(false);
            }
            let in_title = keys.entry(term.clone()).or_insert(title);
            *in_title |= title;
            previous = Some(term);
        }
    };
    add_text(doc.title, true, &mut keys);
    add_text(doc.id, false, &mut keys);
    for text in &doc.texts {
        add_text(text, false, &mut keys);
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
    terms: Vec<(&'a str, String, String)>,
}

#[derive(Serialize)]
struct FacetFile {
    r#type: &'static str,
    chunk: u32,
    data: String,
}

#[derive(Serialize)]
struct DisplayFile<'a> {
    r#type: &'static str,
    chunk: u32,
    docs: Vec<(&'a str, &'a str, &'a str, &'a str)>,
}

fn json<T: Serialize>(value: &T) -> String {
    wrap(&serde_json::to_string(value).expect("index parts serialise"))
}

/// The index files of `docs` (oldest first), as `(path, contents)`.
pub fn build(docs: &[Document<'_>], columns: &[Column]) -> Vec<(String, String)> {
    let terms = invert(docs);
    let encoded: Vec<(&str, String, String)> = terms
        .par_iter()
        .map(|(key, postings)| {
            (
                key.as_str(),
                base64(&encode_postings(&postings.all)),
                if postings.title.is_empty() {
                    String::new()
                } else {
                    base64(&encode_postings(&postings.title))
                },
            )
        })
        .collect();
    let sizes: Vec<usize> = encoded
        .iter()
        .map(|(k, a, t)| k.len() + a.len() + t.len() + 10)
        .collect();
    let keys: Vec<&str> = encoded.iter().map(|e| e.0).collect();
    let mut prefixes = Vec::new();
    split_shards(&keys, &sizes, String::new(), &mut prefixes);
    prefixes.sort();

    let mut files = Vec::new();
    // Terms are sorted, so each shard is a run of them: assign each to the longest
    // prefix that is a shard.
    let prefix_set: HashSet<&str> = prefixes.iter().map(String::as_str).collect();
    let mut by_shard: BTreeMap<&str, Vec<(&str, String, String)>> = BTreeMap::new();
    for entry in encoded {
        let shard = shard_of(entry.0, &prefix_set);
        by_shard.entry(shard).or_default().push(entry);
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
    let widths: Vec<u8> = columns.iter().map(|c| c.bits).collect();
    for (chunk, part) in docs.chunks(FACET_CHUNK as usize).enumerate() {
        let rows: Vec<Vec<u32>> = part
            .iter()
            .map(|doc| {
                value_at
                    .iter()
                    .zip(&doc.columns)
                    .map(|(at, raw)| at[raw.as_str()])
                    .collect()
            })
            .collect();
        let file = FacetFile {
            r#type: "facets",
            chunk: chunk as u32,
            data: base64(&pack_rows(&rows, &widths)),
        };
        files.push((facet_path(chunk as u32), json(&file)));
    }
    for (chunk, part) in docs.chunks(DISPLAY_CHUNK as usize).enumerate() {
        let file = DisplayFile {
            r#type: "docs",
            chunk: chunk as u32,
            docs: part
                .iter()
                .map(|d| (d.id, d.title, d.date.as_str(), d.excerpt.as_str()))
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
