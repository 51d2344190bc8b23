//! Answering queries from the index files, loading only the files a query needs.
//! `search.js` follows the same steps in the browser.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::codec::{CodecError, decode_postings, get_varint, unbase64, unpack_rows};
use super::index::{
    DisplayEntry, FACET_ALL, META, Meta, PageRow, ShardEntry, VERSION, dir_path, display_path,
    facet_path, hashed_bucket, hashed_shard, longest_prefix, page_row_display, rows_path, shard_of,
    shard_path,
};
use super::networks::{self, NetFile};
use super::pair_key;
use super::query::{Atom, COLUMN_FIELDS, Clause, Op, Query};
use super::{field_key, text, unwrap};

/// Where index files come from (the built site's directory, for `fir search`).
pub trait Source {
    /// The contents of the file at `path` (relative to the site, `/`-separated).
    fn read(&mut self, path: &str) -> Option<String>;
}

/// Why a query could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("missing search index file {0} (build the site first)")]
    Missing(String),
    #[error("{path}: not a search index file: {reason}")]
    Format { path: String, reason: String },
    #[error("{path}: {source}")]
    Codec { path: String, source: CodecError },
    #[error("search index version {0} is not supported (rebuild the site)")]
    Version(u32),
}

/// Result order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Relevance,
    /// Newest first.
    Date,
}

/// One result, with what a result list shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    pub date: String,
    pub excerpt: String,
    pub category: String,
    pub severity: String,
    pub status: String,
    pub score: f64,
}

/// How many results have each value of a column.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetCount {
    pub value: String,
    pub label: String,
    pub count: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Facet {
    pub key: String,
    pub values: Vec<FacetCount>,
}

/// The answer to a query: the total, one page of hits, facet counts over all results,
/// and the column filters no value passed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Vec<Facet>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown: Vec<UnknownValue>,
}

/// A field filter that names no value there is (`category:phising`, a typo, `year:2012`
/// when no incident is of 2012, `tag:vipp`): it matches nothing, and the reader is told
/// so, with a column's values, rather than left with an empty list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnknownValue {
    pub field: String,
    pub value: String,
    /// The column's values as people read them (labels), in the column's order; empty
    /// for a term field (business line, tag, detection, actor), whose values are many.
    pub known: Vec<String>,
}

// What readers take from each kind of index file.

#[derive(Deserialize)]
pub(super) struct ShardFile {
    pub terms: Vec<ShardEntry>,
}

#[derive(Deserialize)]
pub(super) struct DirFile {
    pub shards: Vec<String>,
}

#[derive(Deserialize)]
pub(super) struct FacetFile {
    pub data: String,
}

/// A column value's newest rows ([`super::index::rows_files`]).
#[derive(Deserialize)]
pub(super) struct RowsFile {
    pub rows: Vec<PageRow>,
}

#[derive(Deserialize)]
pub(super) struct DisplayFile {
    pub docs: Vec<DisplayEntry>,
}

/// Documents matching an atom; those whose title matched weigh more.
#[derive(Debug, Default)]
struct Matches {
    docs: Vec<u32>,
    title: Vec<u32>,
    weight: f64,
}

/// A query engine over index files, caching what it loaded.
#[derive(Debug)]
pub struct Searcher<S> {
    source: S,
    meta: Meta,
    /// The names of the directories of shards (from the meta file).
    dir_names: HashSet<String>,
    /// Shard prefixes by directory, as loaded.
    dirs: HashMap<String, Vec<String>>,
    shards: HashMap<String, Vec<ShardEntry>>,
    facet_chunks: HashMap<u32, Vec<Vec<u32>>>,
    display_chunks: DisplayChunks,
    /// Display rows that frequent keys' first pages brought, by document.
    page_rows: HashMap<u32, DisplayEntry>,
    /// Paths of the files read so far.
    pub loaded: Vec<String>,
}

fn sorted_intersection(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len().min(b.len()));
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

/// How many documents have each value, by column and value.
type Counts = Vec<Vec<u32>>;

/// The documents of `a` not in `b`, both ascending.
fn sorted_difference(a: &[u32], b: &[u32]) -> Vec<u32> {
    let mut j = 0;
    let mut out = Vec::new();
    for &doc in a {
        while j < b.len() && b[j] < doc {
            j += 1;
        }
        if j == b.len() || b[j] != doc {
            out.push(doc);
        }
    }
    out
}

fn sorted_union(a: &[u32], b: &[u32]) -> Vec<u32> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::with_capacity(a.len() + b.len());
    while i < a.len() || j < b.len() {
        if j == b.len() || (i < a.len() && a[i] < b[j]) {
            out.push(a[i]);
            i += 1;
        } else {
            if i < a.len() && a[i] == b[j] {
                i += 1;
            }
            out.push(b[j]);
            j += 1;
        }
    }
    out
}

impl<S: Source> Searcher<S> {
    /// Opens the index by reading its meta file.
    pub fn open(mut source: S) -> Result<Self, SearchError> {
        let text = source
            .read(META)
            .ok_or_else(|| SearchError::Missing(META.to_string()))?;
        let meta: Meta = parse_file(META, &text)?;
        if meta.version != VERSION {
            return Err(SearchError::Version(meta.version));
        }
        Ok(Searcher {
            source,
            dir_names: meta.dirs.iter().cloned().collect(),
            dirs: meta.listed.iter().cloned().collect(),
            meta,
            shards: HashMap::new(),
            facet_chunks: HashMap::new(),
            display_chunks: DisplayChunks::default(),
            page_rows: HashMap::new(),
            loaded: vec![META.to_string()],
        })
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    fn read<T: for<'de> Deserialize<'de>>(&mut self, path: String) -> Result<T, SearchError> {
        read_noted(&mut self.source, &mut self.loaded, path)
    }

    fn shard(&mut self, prefix: &str) -> Result<&[ShardEntry], SearchError> {
        if !self.shards.contains_key(prefix) {
            let file: ShardFile = self.read(shard_path(prefix))?;
            self.shards.insert(prefix.to_string(), file.terms);
        }
        Ok(&self.shards[prefix])
    }

    fn decode(path: &str, b64: &str) -> Result<Vec<u32>, SearchError> {
        let codec = |source| SearchError::Codec {
            path: path.to_string(),
            source,
        };
        decode_postings(&unbase64(b64).map_err(codec)?).map_err(codec)
    }

    /// The shard entry of one key, if it is indexed.
    fn entry(&mut self, key: &str) -> Result<Option<ShardEntry>, SearchError> {
        let prefix = self.shard_prefix(key)?;
        let terms = self.shard(&prefix)?;
        let found = terms
            .binary_search_by(|t| t.0.as_str().cmp(key))
            .ok()
            .map(|at| terms[at].clone());
        // A frequent key's first page spares loading the display files of its hits.
        if let Some(entry) = &found {
            self.keep_rows(&entry.3.page);
        }
        Ok(found)
    }

    /// Keeps display rows that came with other files, so that those documents' display
    /// files need not be read.
    fn keep_rows(&mut self, rows: &[PageRow]) {
        for row in rows {
            self.page_rows
                .entry(row.0)
                .or_insert_with(|| page_row_display(row));
        }
    }

    /// The shard prefixes listed in the directory of `key` (the one with the longest
    /// name that starts it), and the root shard.
    fn candidates(&mut self, key: &str) -> Result<Vec<String>, SearchError> {
        let mut out = vec![String::new()];
        if let Some(name) = longest_prefix(key, |name| self.dir_names.contains(name)) {
            if !self.dirs.contains_key(name) {
                let file: DirFile = self.read(dir_path(name))?;
                self.dirs.insert(name.to_string(), file.shards);
            }
            out.extend(self.dirs[name].iter().cloned());
        }
        Ok(out)
    }

    /// The prefix of the shard that holds `key`.
    fn shard_prefix(&mut self, key: &str) -> Result<String, SearchError> {
        if let Some(bucket) = hashed_bucket(key, self.meta.artifact_shards) {
            return Ok(hashed_shard(bucket));
        }
        let candidates = self.candidates(key)?;
        let set: HashSet<&str> = candidates.iter().map(String::as_str).collect();
        Ok(shard_of(key, &set).to_string())
    }

    /// The postings of one key (empty when it is not indexed).
    fn postings(&mut self, key: &str) -> Result<(Vec<u32>, Vec<u32>), SearchError> {
        let Some((_, all, title, _)) = self.entry(key)? else {
            return Ok((Vec::new(), Vec::new()));
        };
        let path = shard_path(&self.shard_prefix(key)?);
        Ok((Self::decode(&path, &all)?, Self::decode(&path, &title)?))
    }

    /// The keys whose documents hold every answer of `clause` (when it is no negation
    /// and has no `OR`): its word (not a prefix), its phrase's word pairs, or the one
    /// key of a field filter.
    fn clause_keys(&self, clause: &Clause) -> Vec<String> {
        match (clause.negated, clause.any.as_slice()) {
            (false, [Atom::Word { term, prefix, .. }]) if !prefix => vec![term.clone()],
            (false, [Atom::Phrase(terms)]) => terms
                .windows(2)
                .map(|pair| pair_key(&pair[0], &pair[1]))
                .collect(),
            (false, [Atom::Field { field, op, value }]) => {
                if field_range(field, value).is_some() {
                    // The range's own key holds only some of its answers.
                    return Vec::new();
                }
                let keys = self.field_keys(field, *op, value);
                if keys.len() == 1 { keys } else { Vec::new() }
            }
            _ => Vec::new(),
        }
    }

    /// The one key whose documents are the whole answer to `query`, if it is one word,
    /// one phrase of two words, one value of a term field or a column filter that one
    /// value passes.
    fn sole_key(&self, query: &Query) -> Option<String> {
        let [clause] = query.clauses.as_slice() else {
            return None;
        };
        match <[String; 1]>::try_from(self.clause_keys(clause)) {
            Ok([key]) => Some(key),
            Err(_) => None,
        }
    }

    /// The field filters of `query` that name no value there is: a column filter that
    /// no value of its column passes, or a business line, tag, detection or actor no
    /// incident has. A comparison with a number (`severity:>=5`) is no unknown value,
    /// only one that nothing passes; an artifact not found is a plain answer.
    pub fn unknown_values(&mut self, query: &Query) -> Result<Vec<UnknownValue>, SearchError> {
        let mut out = Vec::new();
        for atom in query.clauses.iter().flat_map(|clause| &clause.any) {
            let Atom::Field { field, op, value } = atom else {
                continue;
            };
            let known = match self.meta.columns.iter().find(|c| c.key == *field) {
                Some(column) => {
                    let range = *op != Op::Eq && value.trim().parse::<f64>().is_ok();
                    if range || !self.field_keys(field, *op, value).is_empty() {
                        continue;
                    }
                    column
                        .values
                        .iter()
                        .map(|(_, label)| label.clone())
                        .collect()
                }
                None if field != "artifact" => {
                    let mut indexed = false;
                    for key in self.field_keys(field, *op, value) {
                        indexed |= self.entry(&key)?.is_some();
                    }
                    if indexed {
                        continue;
                    }
                    Vec::new()
                }
                None => continue,
            };
            out.push(UnknownValue {
                field: field.clone(),
                value: value.clone(),
                known,
            });
        }
        Ok(out)
    }

    /// The keys whose documents a field filter matches: a term field's value, or
    /// each value of a column that passes the filter.
    fn field_keys(&self, field: &str, op: Op, value: &str) -> Vec<String> {
        if !COLUMN_FIELDS.contains(&field) {
            // The value as typed (a slug, or a value no term has), and the values it
            // is a label or alias of.
            let wanted = text::fold(value);
            let mut keys = vec![field_key(field, value)];
            for (of, name, raw) in &self.meta.names {
                let key = field_key(field, raw);
                if of == field && text::fold(name) == wanted && !keys.contains(&key) {
                    keys.push(key);
                }
            }
            return keys;
        }
        let Some((c, values)) = self.passing_values(field, op, value) else {
            return Vec::new();
        };
        values
            .into_iter()
            .map(|v| field_key(field, &self.meta.columns[c].values[v].0))
            .collect()
    }

    /// For an artifact filter naming a range, the documents of the site's addresses
    /// and ranges inside it, from the files of its group ([`networks::inside`]; none
    /// when the site names none there).
    fn docs_in_range(&mut self, field: &str, value: &str) -> Result<Vec<u32>, SearchError> {
        let Some(range) = field_range(field, value) else {
            return Ok(Vec::new());
        };
        let inside = networks::inside(&range, |path| {
            match self.read::<NetFile>(path.to_string()) {
                Err(SearchError::Missing(_)) => Ok(None),
                read => read.map(Some),
            }
        })?;
        // Hundreds of lists at times (a chunk's values): gathered, then sorted once,
        // rather than merged one by one into a growing list.
        let mut docs = Vec::new();
        for (_, postings) in &inside {
            docs.extend(Self::decode(networks::DIR, postings)?);
        }
        docs.sort_unstable();
        docs.dedup();
        Ok(docs)
    }

    /// The column of a column filter and the values of it that pass the filter, by
    /// position; none for another field.
    fn passing_values(&self, field: &str, op: Op, value: &str) -> Option<(usize, Vec<usize>)> {
        let c = self.meta.columns.iter().position(|c| c.key == field)?;
        let column = &self.meta.columns[c];
        let wanted = text::fold(value);
        let number: Option<f64> = value.trim().parse().ok();
        let aliased = |raw: &str| {
            column
                .aliases
                .iter()
                .any(|(name, of)| of == raw && text::fold(name) == wanted)
        };
        let passing = column
            .values
            .iter()
            .enumerate()
            .filter(
                |(_, (raw, label))| match (column.numeric, number, raw.parse::<f64>()) {
                    (true, Some(n), Ok(v)) => match op {
                        Op::Eq => v == n,
                        Op::Lt => v < n,
                        Op::Le => v <= n,
                        Op::Gt => v > n,
                        Op::Ge => v >= n,
                    },
                    _ => text::fold(raw) == wanted || text::fold(label) == wanted || aliased(raw),
                },
            )
            .map(|(v, _)| v)
            .collect();
        Some((c, passing))
    }

    /// The column value whose rows file (`VALUE_ROWS` in index.rs) a query loads with
    /// its shards, as `(column, value)`: in a query that is not one key alone (whose
    /// shard brings its first page), the value whose file reaches furthest back
    /// ([`Meta::rows_from`]) among the column filters that one value passes, which
    /// every result then has. Its rows mostly hold the first page: by date, and by
    /// relevance when filters make most of the query (`ransom* year:2024` at 100k: its
    /// first page is among the 22 newest of 2024).
    fn value_rows(&self, query: &Query) -> Option<(usize, usize)> {
        if self.sole_key(query).is_some() {
            return None;
        }
        query
            .clauses
            .iter()
            .filter_map(|clause| match (clause.negated, clause.any.as_slice()) {
                (false, [Atom::Field { field, op, value }]) => {
                    match self.passing_values(field, *op, value)? {
                        (c, values) if values.len() == 1 => Some((c, values[0])),
                        _ => None,
                    }
                }
                _ => None,
            })
            .filter_map(|(c, v)| Some((*self.meta.rows_from.get(c)?.get(v)?, c, v)))
            .min()
            .map(|(_, c, v)| (c, v))
    }

    /// Facet counts from those stored with a frequent key that holds every answer:
    /// its counts less those of its documents that are no answer (`answers` ascending),
    /// when they are fewer than the answers (none when the query is that key alone).
    /// The same as counting the answers, from fewer facet rows.
    fn covering_counts(
        &mut self,
        query: &Query,
        answers: &[u32],
    ) -> Result<Option<Counts>, SearchError> {
        let keys: Vec<String> = query
            .clauses
            .iter()
            .flat_map(|clause| self.clause_keys(clause))
            .collect();
        let mut best: Option<(Counts, Vec<u32>)> = None;
        for key in keys {
            let Some((counts, docs)) = self.stored_counts(&key)? else {
                continue;
            };
            let rest = sorted_difference(&docs, answers);
            let fewer = best.as_ref().map_or(answers.len(), |(_, r)| r.len());
            if rest.len() < fewer {
                best = Some((counts, rest));
            }
        }
        let Some((mut counts, rest)) = best else {
            return Ok(None);
        };
        self.ensure_facets(&rest)?;
        for &doc in &rest {
            for (c, column) in counts.iter_mut().enumerate() {
                let count = &mut column[self.column_value(doc, c)];
                *count = count.saturating_sub(1);
            }
        }
        Ok(Some(counts))
    }

    /// The facet counts stored with the key `key` (a frequent one), by column and value,
    /// and its documents.
    fn stored_counts(&mut self, key: &str) -> Result<Option<(Counts, Vec<u32>)>, SearchError> {
        let Some((_, all, _, frequent)) = self.entry(key)? else {
            return Ok(None);
        };
        if frequent.counts.is_empty() {
            return Ok(None);
        }
        let path = shard_path(&self.shard_prefix(key)?);
        let docs = Self::decode(&path, &all)?;
        let codec = |source| SearchError::Codec {
            path: path.clone(),
            source,
        };
        let bytes = unbase64(&frequent.counts).map_err(codec)?;
        let mut at = 0;
        let mut by_column = Vec::new();
        for column in &self.meta.columns {
            let mut values = Vec::new();
            for _ in &column.values {
                // Counts stored before the last column gained values end early.
                values.push(if at == bytes.len() {
                    0
                } else {
                    get_varint(&bytes, &mut at).map_err(codec)?
                });
            }
            by_column.push(values);
        }
        Ok(Some((by_column, docs)))
    }

    /// Union of the postings of every word that starts with `start`.
    fn prefix_postings(&mut self, start: &str) -> Result<(Vec<u32>, Vec<u32>), SearchError> {
        let mut prefixes: Vec<String> = self
            .candidates(start)?
            .into_iter()
            .filter(|p| p.starts_with(start))
            .collect();
        prefixes.push(self.shard_prefix(start)?);
        prefixes.sort();
        prefixes.dedup();
        let (mut all, mut title) = (Vec::new(), Vec::new());
        for prefix in prefixes {
            let path = shard_path(&prefix);
            let found: Vec<(String, String)> = self
                .shard(&prefix)?
                .iter()
                // `start` is a word's start: field keys (`:`) and pairs (`~`) never match.
                .filter(|t| t.0.starts_with(start))
                .map(|t| (t.1.clone(), t.2.clone()))
                .collect();
            for (a, t) in found {
                all.extend(Self::decode(&path, &a)?);
                title.extend(Self::decode(&path, &t)?);
            }
        }
        all.sort_unstable();
        all.dedup();
        title.sort_unstable();
        title.dedup();
        Ok((all, title))
    }

    fn idf(&self, df: usize) -> f64 {
        (1.0 + f64::from(self.meta.docs) / (df as f64 + 1.0)).ln()
    }

    /// Documents matching an atom, from the postings of its keys.
    fn atom_matches(&mut self, atom: &Atom) -> Result<Matches, SearchError> {
        Ok(match atom {
            Atom::Word {
                term,
                folded,
                prefix,
            } => {
                let (mut docs, mut title) = self.postings(term)?;
                if *prefix {
                    let (more, more_title) = self.prefix_postings(folded)?;
                    docs = sorted_union(&docs, &more);
                    title = sorted_union(&title, &more_title);
                }
                let weight = self.idf(docs.len());
                Matches {
                    docs,
                    title,
                    weight,
                }
            }
            Atom::Phrase(terms) => {
                let mut docs: Option<Vec<u32>> = None;
                for pair in terms.windows(2) {
                    let (found, _) = self.postings(&pair_key(&pair[0], &pair[1]))?;
                    docs = Some(match docs {
                        None => found,
                        Some(before) => sorted_intersection(&before, &found),
                    });
                }
                let docs = docs.unwrap_or_default();
                let weight = 2.0 * self.idf(docs.len());
                Matches {
                    docs,
                    title: Vec::new(),
                    weight,
                }
            }
            Atom::Field { field, op, value } => {
                let mut docs = self.docs_in_range(field, value)?;
                for key in self.field_keys(field, *op, value) {
                    docs = sorted_union(&docs, &self.postings(&key)?.0);
                }
                Matches {
                    docs,
                    title: Vec::new(),
                    weight: 0.0,
                }
            }
        })
    }

    /// Loads the facet rows of `docs`: their chunks, or the whole table when they are
    /// spread over more than half of it.
    fn ensure_facets(&mut self, docs: &[u32]) -> Result<(), SearchError> {
        let size = self.meta.facet_chunk;
        let chunks: HashSet<u32> = docs
            .iter()
            .map(|d| d / size)
            .filter(|c| !self.facet_chunks.contains_key(c))
            .collect();
        if chunks.is_empty() {
            return Ok(());
        }
        let widths: Vec<u8> = self.meta.columns.iter().map(|c| c.bits).collect();
        let total_chunks = self.meta.docs.div_ceil(size) as usize;
        if chunks.len() * 2 > total_chunks {
            let path = FACET_ALL.to_string();
            let file: FacetFile = self.read(path.clone())?;
            let rows = unbase64(&file.data)
                .and_then(|bytes| unpack_rows(&bytes, &widths, self.meta.docs as usize))
                .map_err(|source| SearchError::Codec { path, source })?;
            for (chunk, part) in rows.chunks(size as usize).enumerate() {
                self.facet_chunks.insert(chunk as u32, part.to_vec());
            }
            return Ok(());
        }
        let mut chunks: Vec<u32> = chunks.into_iter().collect();
        chunks.sort_unstable();
        for chunk in chunks {
            let path = facet_path(chunk);
            let file: FacetFile = self.read(path.clone())?;
            let count = (self.meta.docs - chunk * size).min(size);
            let rows = unbase64(&file.data)
                .and_then(|bytes| unpack_rows(&bytes, &widths, count as usize))
                .map_err(|source| SearchError::Codec { path, source })?;
            self.facet_chunks.insert(chunk, rows);
        }
        Ok(())
    }

    /// The value index of column `c` for `doc` (its facet chunk must be loaded).
    fn column_value(&self, doc: u32, c: usize) -> usize {
        let rows = &self.facet_chunks[&(doc / self.meta.facet_chunk)];
        rows[(doc % self.meta.facet_chunk) as usize][c] as usize
    }

    /// All matching documents, with their scores, ascending by document.
    pub fn matches(&mut self, query: &Query) -> Result<Vec<(u32, f64)>, SearchError> {
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let mut evaluated: Vec<Vec<Matches>> = Vec::new();
        for clause in &query.clauses {
            let mut atoms = Vec::new();
            for atom in &clause.any {
                atoms.push(self.atom_matches(atom)?);
            }
            evaluated.push(atoms);
        }
        let mut result: Option<Vec<u32>> = None;
        let mut scores: HashMap<u32, f64> = HashMap::new();
        for (clause, atoms) in query.clauses.iter().zip(&evaluated) {
            if clause.negated {
                continue;
            }
            let mut docs: Vec<u32> = Vec::new();
            for m in atoms {
                docs = sorted_union(&docs, &m.docs);
            }
            result = Some(match result {
                None => docs,
                Some(before) => sorted_intersection(&before, &docs),
            });
            // A document scores the best of the alternatives it matches.
            let mut best: HashMap<u32, f64> = HashMap::new();
            for m in atoms {
                let title: HashSet<u32> = m.title.iter().copied().collect();
                for &d in &m.docs {
                    let s = m.weight * if title.contains(&d) { 3.0 } else { 1.0 };
                    let e = best.entry(d).or_insert(0.0);
                    *e = e.max(s);
                }
            }
            for (d, s) in best {
                *scores.entry(d).or_insert(0.0) += s;
            }
        }
        let mut result = result.unwrap_or_else(|| (0..self.meta.docs).collect());
        for (clause, atoms) in query.clauses.iter().zip(&evaluated) {
            if clause.negated {
                let mut drop: Vec<u32> = Vec::new();
                for m in atoms {
                    drop = sorted_union(&drop, &m.docs);
                }
                result = sorted_difference(&result, &drop);
            }
        }
        Ok(result
            .into_iter()
            .map(|d| (d, scores.get(&d).copied().unwrap_or(0.0)))
            .collect())
    }

    /// Answers `query`: `limit` hits from `offset` in `sort` order, and facet counts.
    pub fn search(
        &mut self,
        query: &Query,
        sort: Sort,
        offset: usize,
        limit: usize,
    ) -> Result<Outcome, SearchError> {
        if let Some((c, v)) = self.value_rows(query) {
            let file: RowsFile = self.read(rows_path(c, v))?;
            self.keep_rows(&file.rows);
        }
        let mut found = self.matches(query)?;
        // The answers as matched, ascending, before they are put in order.
        let ascending: Vec<u32> = found.iter().map(|f| f.0).collect();
        match sort {
            Sort::Relevance => found.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0))),
            Sort::Date => found.sort_by_key(|f| std::cmp::Reverse(f.0)),
        }
        let docs: Vec<u32> = found.iter().map(|f| f.0).collect();
        let counts = match self.covering_counts(query, &ascending)? {
            Some(counts) => counts,
            None => {
                self.ensure_facets(&docs)?;
                self.count_values(&docs)
            }
        };
        let facets = self.facets(counts);
        let mut hits = Vec::new();
        for &(doc, score) in found.iter().skip(offset).take(limit) {
            hits.push(self.hit(doc, score)?);
        }
        Ok(Outcome {
            total: found.len(),
            hits,
            facets,
            unknown: self.unknown_values(query)?,
        })
    }

    /// How many of `docs` have each value of each column (their facet rows loaded).
    fn count_values(&self, docs: &[u32]) -> Counts {
        (0..self.meta.columns.len())
            .map(|c| {
                let mut counts = vec![0u32; self.meta.columns[c].values.len()];
                for &d in docs {
                    counts[self.column_value(d, c)] += 1;
                }
                counts
            })
            .collect()
    }

    /// Facets as shown, from counts by column and value: the values no result has left out.
    fn facets(&self, counts: Counts) -> Vec<Facet> {
        self.meta
            .columns
            .iter()
            .zip(counts)
            .map(|(column, counts)| Facet {
                key: column.key.clone(),
                values: column
                    .values
                    .iter()
                    .zip(counts)
                    .filter(|(_, n)| *n > 0)
                    .map(|((raw, label), count)| FacetCount {
                        value: raw.clone(),
                        label: label.clone(),
                        count,
                    })
                    .collect(),
            })
            .collect()
    }

    /// What the display files say of `doc`.
    fn display(&mut self, doc: u32) -> Result<DisplayEntry, SearchError> {
        if let Some(entry) = self.page_rows.get(&doc) {
            return Ok(entry.clone());
        }
        let (source, loaded) = (&mut self.source, &mut self.loaded);
        self.display_chunks
            .entry(doc, self.meta.display_chunk, |path| {
                read_noted(source, loaded, path)
            })
            .cloned()
    }

    fn hit(&mut self, doc: u32, score: f64) -> Result<Hit, SearchError> {
        let (id, title, date, excerpt, row) = self.display(doc)?;
        let column = |key: &str| -> String {
            self.meta
                .columns
                .iter()
                .position(|c| c.key == key)
                .and_then(|c| {
                    let value = *row.get(c)? as usize;
                    Some(self.meta.columns[c].values.get(value)?.0.clone())
                })
                .unwrap_or_default()
        };
        Ok(Hit {
            category: column("category"),
            severity: column("severity"),
            status: column("status"),
            id,
            title,
            date,
            excerpt,
            score,
        })
    }
}

/// The index file at `path`, read from `source` and parsed.
/// A file of the index, parsed, its path noted in `loaded`.
fn read_noted<T: for<'de> Deserialize<'de>>(
    source: &mut impl Source,
    loaded: &mut Vec<String>,
    path: String,
) -> Result<T, SearchError> {
    let parsed = load(source, &path)?;
    loaded.push(path);
    Ok(parsed)
}

/// Display chunks, each read once, by chunk number.
#[derive(Debug, Default)]
pub(super) struct DisplayChunks(HashMap<u32, Vec<DisplayEntry>>);

impl DisplayChunks {
    /// The display entry of `doc`, from its chunk of `chunk_size` documents (read by
    /// `read`, given its path, the first time).
    pub(super) fn entry(
        &mut self,
        doc: u32,
        chunk_size: u32,
        read: impl FnOnce(String) -> Result<DisplayFile, SearchError>,
    ) -> Result<&DisplayEntry, SearchError> {
        let chunk = doc / chunk_size;
        let docs = match self.0.entry(chunk) {
            std::collections::hash_map::Entry::Occupied(held) => held.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(read(display_path(chunk))?.docs)
            }
        };
        docs.get((doc % chunk_size) as usize)
            .ok_or_else(|| SearchError::Format {
                path: display_path(chunk),
                reason: format!("no document {doc}"),
            })
    }
}

pub(super) fn load<T: for<'de> Deserialize<'de>>(
    source: &mut impl Source,
    path: &str,
) -> Result<T, SearchError> {
    let text = source
        .read(path)
        .ok_or_else(|| SearchError::Missing(path.to_string()))?;
    parse_file(path, &text)
}

pub(super) fn parse_file<T: for<'de> Deserialize<'de>>(
    path: &str,
    text: &str,
) -> Result<T, SearchError> {
    let json = unwrap(text).ok_or_else(|| SearchError::Format {
        path: path.to_string(),
        reason: "expected firSearch.load(…)".into(),
    })?;
    serde_json::from_str(json).map_err(|e| SearchError::Format {
        path: path.to_string(),
        reason: e.to_string(),
    })
}

/// The range an artifact filter names (`artifact:194.26.0.0/16`), if it names one.
fn field_range(field: &str, value: &str) -> Option<networks::Bounds> {
    if field != "artifact" {
        return None;
    }
    networks::range_filter(&super::normalize_artifact(value))
}
