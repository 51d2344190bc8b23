//! Building the index files from documents.

use std::collections::hash_map::Entry as Slot;
use std::collections::{HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::codec::{
    base64, base64_into, base64_len, encode_postings, encode_postings_into, encoded_postings_len,
    pack_rows, put_varint, width_for,
};
use super::{text, wrap};
use crate::HashedMap;

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
/// A term shard is split by a longer prefix once its JSON is larger than this.
const SHARD_BYTES: usize = 24 * 1024;
/// A group of terms smaller than this stays in its parent shard.
const MIN_SHARD_BYTES: usize = 2 * 1024;

pub const META: &str = "search/meta.js";
/// The whole facet table in one file.
pub const FACET_ALL: &str = "search/f/all.js";
/// How many documents have each combination of column values ([`cube_data`]).
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
    /// Names of the directories of shards ([`dir_path`], [`directories`]). A term is
    /// in the shard of its longest prefix among those listed in the directory with the
    /// longest name that starts the term, or in the root shard (prefix "") when no
    /// directory name starts it. (Artifact keys: [`Meta::artifact_shards`].)
    pub dirs: Vec<String>,
    /// The shard lists of the small directories, so that a query for a key in one of
    /// them loads no directory file first ([`inlined`]).
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

/// Keys are hashed once, then handled as numbers: eight bytes at a time, each block
/// mixed in, the length in the seed. The mix is a bijection, so keys of up to eight
/// bytes without a NUL byte (most words) never collide.
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut blocks = bytes.chunks_exact(8);
    for block in &mut blocks {
        h = mix(h ^ u64::from_le_bytes(block.try_into().expect("eight bytes")));
    }
    let tail = blocks.remainder();
    if !tail.is_empty() || bytes.is_empty() {
        h = mix(h ^ tail_block(tail));
    }
    h
}

/// The last 0–7 bytes of a key as a little-endian number, zero-padded. Read by two
/// overlapping loads rather than copied into a padded block: the copy was a call to
/// `memcpy` and a stalled load for most words (they are shorter than eight bytes).
fn tail_block(tail: &[u8]) -> u64 {
    let len = tail.len();
    let byte = |i: usize| u64::from(tail[i]) << (8 * i);
    match len {
        0 => 0,
        1..=3 => byte(0) | byte(len / 2) | byte(len - 1),
        _ => {
            let word = |at: usize| {
                u64::from(u32::from_le_bytes(
                    tail[at..at + 4].try_into().expect("four bytes"),
                ))
            };
            // Bytes read by both loads land on the same bits.
            word(0) | word(len - 4) << (8 * (len - 4))
        }
    }
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn pair_hash(first: u64, second: u64) -> u64 {
    mix(first.rotate_left(21) ^ second ^ 0x9e37_79b9_7f4a_7c15)
}

/// The name of a hashed key: a term (a range of a text), or a pair of terms (for
/// phrases) by the numbers of those terms' keys in the same table (the document's,
/// then the run's), named after its terms once all are known. A pair is always met
/// after both its terms, so their numbers are known before its own.
#[derive(Debug, Clone, Copy)]
enum Name {
    Text(u32, u32),
    Pair(u32, u32),
}

/// A key of the current document: its hash, its name (a range of the document's
/// scratch text, or a pair), whether it is in the title.
#[derive(Debug, Clone, Copy)]
struct Seen {
    hash: u64,
    name: Name,
    title: bool,
}

/// The distinct keys of one document, in the order first met. Every term of every
/// text is looked up here, so it is a table of its own rather than a general map:
/// open addressing on the keys' hashes (mixed already), small slots, and emptied
/// between documents by a new stamp instead of by clearing.
#[derive(Debug)]
struct DocKeys {
    slots: Vec<DocSlot>,
    /// Slots of another stamp are free.
    stamp: u32,
    keys: Vec<Seen>,
}

#[derive(Debug, Clone, Copy, Default)]
struct DocSlot {
    hash: u64,
    stamp: u32,
    key: u32,
}

impl Default for DocKeys {
    fn default() -> DocKeys {
        DocKeys {
            slots: vec![DocSlot::default(); 4096],
            stamp: 1,
            keys: Vec::new(),
        }
    }
}

impl DocKeys {
    /// Empties the table for the next document.
    fn clear(&mut self) {
        self.keys.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.fill(DocSlot::default());
            self.stamp = 1;
        }
    }

    /// The number of the key of hash `hash`, added (named by `name`) if the document
    /// had no such key.
    // Inlined: it runs for every word and word pair of every text, and the call cost
    // about as much as the lookup.
    #[inline(always)]
    fn get_or_add(&mut self, hash: u64, name: impl FnOnce() -> Name) -> u32 {
        if 2 * (self.keys.len() + 1) > self.slots.len() {
            self.grow();
        }
        let at = self.slot_of(hash);
        let slot = &mut self.slots[at];
        if slot.stamp == self.stamp {
            return slot.key;
        }
        let key = self.keys.len() as u32;
        *slot = DocSlot {
            hash,
            stamp: self.stamp,
            key,
        };
        self.keys.push(Seen {
            hash,
            name: name(),
            title: false,
        });
        key
    }

    /// The slot of the key `hash`, or the free slot where it goes. The hashes are
    /// mixed: their low bits spread as well as any.
    fn slot_of(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at].stamp == self.stamp && self.slots[at].hash != hash {
            at = (at + 1) & mask;
        }
        at
    }

    /// Twice the slots, the document's keys placed again.
    fn grow(&mut self) {
        self.slots = vec![DocSlot::default(); 2 * self.slots.len()];
        self.stamp = 1;
        for (key, seen) in self.keys.iter().enumerate() {
            let at = self.slot_of(seen.hash);
            self.slots[at] = DocSlot {
                hash: seen.hash,
                stamp: self.stamp,
                key: key as u32,
            };
        }
    }
}

/// Scratch space reused from document to document.
#[derive(Debug, Default)]
struct Scratch {
    seen: DocKeys,
    text: String,
    /// The key of a term field's value, written here rather than allocated.
    key: String,
    /// The run's number of each of the document's keys.
    numbers: Vec<u32>,
}

/// The key of each value of each column, made once: every document has a value in
/// each column, and a column has few values.
type ColumnKeys<'c> = Vec<HashMap<&'c str, (u64, String)>>;

fn column_keys(columns: &[Column]) -> ColumnKeys<'_> {
    columns
        .iter()
        .map(|column| {
            column
                .values
                .iter()
                .map(|(raw, _)| {
                    let key = super::field_key(&column.key, raw);
                    (raw.as_str(), (hash_bytes(key.as_bytes()), key))
                })
                .collect()
        })
        .collect()
}

/// The keys and postings of a run of documents. The hash table only maps a key to
/// its number: small slots probe faster than whole entries. The names share one
/// string, and the postings go to one flat list, document after document: no small
/// allocation per key or per list. This is where a build's memory peaks, so it is
/// kept lean: a posting is one number, its document implied by [`Partial::ends`].
#[derive(Debug, Default)]
struct Partial {
    slots: HashedMap<u32>,
    /// Each key's hash and name, by key number.
    keys: Vec<(u64, Name)>,
    /// The text of the names.
    text: String,
    /// `key number << 1 | title hit`, the keys of one document after another.
    postings: Vec<u32>,
    /// Where each document's postings end.
    ends: Vec<u32>,
}

/// A length or position inside the index's lists as stored: they stay far below
/// 4 GiB (a key number also leaves a bit for the title flag).
fn offset(n: usize) -> u32 {
    u32::try_from(n)
        .ok()
        .filter(|&n| n < 1 << 31)
        .expect("search index lists under 2^31 entries")
}

impl Partial {
    /// The number of the key `h`, named by `name` (which may add to the text) when
    /// it is new.
    fn number(&mut self, h: u64, name: impl FnOnce(&mut String) -> Name) -> u32 {
        match self.slots.entry(h) {
            Slot::Occupied(slot) => *slot.get(),
            Slot::Vacant(slot) => {
                let number = offset(self.keys.len());
                slot.insert(number);
                self.keys.push((h, name(&mut self.text)));
                number
            }
        }
    }

    /// Adds the keys of the run's next document: its words, word pairs, term fields and
    /// one key per column value (so that filters are answered by postings). Most work
    /// is on the small per-document map; the big map is touched once per distinct key
    /// of the document.
    fn add(
        &mut self,
        doc: &Document<'_>,
        columns: &[Column],
        column_keys: &ColumnKeys<'_>,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            seen,
            text: names,
            key: key_buffer,
            numbers,
        } = scratch;
        seen.clear();
        names.clear();
        let mut add_text = |text: &str, title: bool| {
            let mut previous: Option<(u64, u32)> = None;
            text::for_each_term(text, |term| {
                let h = hash_bytes(term.as_bytes());
                let key = seen.get_or_add(h, || push_name(names, term));
                seen.keys[key as usize].title |= title;
                if let Some((before, before_key)) = previous {
                    seen.get_or_add(pair_hash(before, h), || Name::Pair(before_key, key));
                }
                previous = Some((h, key));
            });
        };
        add_text(doc.title, true);
        add_text(doc.id, false);
        for text in &doc.texts {
            add_text(text, false);
        }
        for (field, value) in &doc.keywords {
            super::document_key_into(key_buffer, field, value);
            let key = key_buffer.as_str();
            seen.get_or_add(hash_bytes(key.as_bytes()), || push_name(names, key));
        }
        for ((column, keys), raw) in columns.iter().zip(column_keys).zip(&doc.columns) {
            match keys.get(raw.as_str()) {
                Some((hash, key)) => seen.get_or_add(*hash, || push_name(names, key)),
                // A value the column does not list: only when the caller's columns
                // are not complete.
                None => {
                    let key = super::field_key(&column.key, raw);
                    seen.get_or_add(hash_bytes(key.as_bytes()), || push_name(names, &key))
                }
            };
        }
        numbers.clear();
        for s in &seen.keys {
            let number = self.number(s.hash, |text| match s.name {
                Name::Text(from, to) => push_name(text, &names[from as usize..to as usize]),
                Name::Pair(a, b) => Name::Pair(numbers[a as usize], numbers[b as usize]),
            });
            numbers.push(number);
            self.postings.push(number << 1 | u32::from(s.title));
        }
        self.ends.push(offset(self.postings.len()));
    }

    /// Takes in the keys of `later` (a run of documents after this one's) and gives
    /// back its postings with the keys renumbered, and their documents' ends: each
    /// run's postings stay in their own list, so that no list of millions is copied
    /// to grow.
    fn absorb(&mut self, later: Partial) -> (Vec<u32>, Vec<u32>) {
        let Partial {
            slots,
            keys,
            text,
            mut postings,
            ends,
        } = later;
        drop(slots);
        let mut renumber: Vec<u32> = Vec::with_capacity(keys.len());
        for (h, name) in keys {
            let number = self.number(h, |own| match name {
                Name::Text(from, to) => push_name(own, &text[from as usize..to as usize]),
                Name::Pair(a, b) => Name::Pair(renumber[a as usize], renumber[b as usize]),
            });
            renumber.push(number);
        }
        for posting in &mut postings {
            *posting = renumber[(*posting >> 1) as usize] << 1 | (*posting & 1);
        }
        (postings, ends)
    }
}

/// Appends `name` to `text`, giving its range.
fn push_name(text: &mut String, name: &str) -> Name {
    let from = offset(text.len());
    text.push_str(name);
    Name::Text(from, offset(text.len()))
}

/// Every key of a set of documents with its postings, as flat lists, keys sorted by
/// name: the documents of the `i`-th key are `all[all_spans[i].0..all_spans[i].1]`,
/// those with a title hit likewise in `title`, and its name is
/// `names[name_at[i]..name_at[i + 1]]`.
#[derive(Debug)]
pub(super) struct Inverted {
    names: String,
    name_at: Vec<u32>,
    all: Vec<u32>,
    all_spans: Vec<(u32, u32)>,
    title: Vec<u32>,
    title_spans: Vec<(u32, u32)>,
}

impl Inverted {
    /// Inverts `docs`, whose column values are those of `columns`; `docs[i]` is
    /// document `first + i`.
    pub(super) fn of(docs: &[Document<'_>], columns: &[Column], first: u32) -> Inverted {
        let runs = rayon::current_num_threads().max(1);
        let run = docs.len().div_ceil(runs).max(1);
        let column_keys = column_keys(columns);
        let partials: Vec<Partial> = docs
            .par_chunks(run)
            .map(|part| {
                let mut partial = Partial::default();
                let mut scratch = Scratch::default();
                for doc in part {
                    partial.add(doc, columns, &column_keys, &mut scratch);
                }
                partial
            })
            .collect();
        // In document order, so that every key's postings come out sorted.
        let mut partials = partials.into_iter();
        let mut first_run = partials.next().unwrap_or_default();
        let mut runs = vec![(
            std::mem::take(&mut first_run.postings),
            std::mem::take(&mut first_run.ends),
        )];
        for later in partials {
            runs.push(first_run.absorb(later));
        }
        let Partial {
            slots, keys, text, ..
        } = first_run;
        drop(slots);

        // Grouping postings by key, and naming keys then sorting them, are independent:
        // side by side (the grouping takes one core the longest). Keys are sorted once,
        // then laid out in that order: the steps after read keys in order.
        let keys_len = keys.len();
        let ((all, all_at, title, title_at), (names, name_at, order)) = rayon::join(
            || group_by_key(runs, keys_len, first),
            || {
                let (names, name_at) = name_keys(keys, &text);
                let order = sort_by_name(&names, &name_at);
                (names, name_at, order)
            },
        );
        drop(text);
        let spans = |at: &[u32]| -> Vec<(u32, u32)> {
            order
                .par_iter()
                .map(|&k| (at[k as usize], at[k as usize + 1]))
                .collect()
        };
        let ((all_spans, title_spans), (names, name_at)) = rayon::join(
            || (spans(&all_at), spans(&title_at)),
            || {
                let mut sorted = String::with_capacity(names.len());
                let mut sorted_at = Vec::with_capacity(order.len() + 1);
                sorted_at.push(0);
                for &k in &order {
                    sorted.push_str(name(&names, &name_at, k as usize));
                    sorted_at.push(offset(sorted.len()));
                }
                (sorted, sorted_at)
            },
        );
        Inverted {
            names,
            name_at,
            all,
            all_spans,
            title,
            title_spans,
        }
    }

    /// The number of keys.
    pub(super) fn len(&self) -> usize {
        self.name_at.len() - 1
    }

    /// The `i`-th key by name: its name, its documents, those with a title hit.
    pub(super) fn term(&self, i: usize) -> (&str, &[u32], &[u32]) {
        let (all, title) = (self.all_spans[i], self.title_spans[i]);
        (
            name(&self.names, &self.name_at, i),
            &self.all[all.0 as usize..all.1 as usize],
            &self.title[title.0 as usize..title.1 as usize],
        )
    }

    /// The keys and postings as separate lists, keys sorted.
    pub(super) fn into_terms(self) -> Vec<Term> {
        (0..self.len())
            .map(|i| {
                let (key, all, title) = self.term(i);
                let postings = Postings {
                    all: all.to_vec(),
                    title: title.to_vec(),
                };
                (key.to_string(), postings)
            })
            .collect()
    }
}

/// The runs' postings grouped by key, each key's documents in order (a counting
/// sort; documents numbered from `first`, run after run): `(all, all_at, title,
/// title_at)`, key `k`'s documents being `all[all_at[k]..all_at[k + 1]]`.
fn group_by_key(
    runs: Vec<(Vec<u32>, Vec<u32>)>,
    keys: usize,
    first: u32,
) -> (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut all_at = vec![0u32; keys + 1];
    let mut title_at = vec![0u32; keys + 1];
    for &posting in runs.iter().flat_map(|(postings, _)| postings) {
        all_at[(posting >> 1) as usize + 1] += 1;
        title_at[(posting >> 1) as usize + 1] += posting & 1;
    }
    for k in 1..all_at.len() {
        all_at[k] += all_at[k - 1];
        title_at[k] += title_at[k - 1];
    }
    let mut all = vec![0u32; all_at[keys] as usize];
    let mut title = vec![0u32; title_at[keys] as usize];
    let mut next_all = all_at.clone();
    let mut next_title = title_at.clone();
    let mut doc = first;
    for (postings, ends) in runs {
        let mut from = 0;
        for end in ends {
            for &posting in &postings[from..end as usize] {
                let key = (posting >> 1) as usize;
                all[next_all[key] as usize] = doc;
                next_all[key] += 1;
                if posting & 1 == 1 {
                    title[next_title[key] as usize] = doc;
                    next_title[key] += 1;
                }
            }
            from = end as usize;
            doc += 1;
        }
    }
    (all, all_at, title, title_at)
}

/// Every key's name in one string, by key number (key `k`'s is
/// `names[name_at[k]..name_at[k + 1]]`): pairs are named after their terms.
fn name_keys(keys: Vec<(u64, Name)>, text: &str) -> (String, Vec<u32>) {
    let text_of = |k: &u32| match keys[*k as usize].1 {
        Name::Text(from, to) => &text[from as usize..to as usize],
        Name::Pair(..) => "",
    };
    let mut names = String::with_capacity(text.len() * 3);
    let mut name_at = Vec::with_capacity(keys.len() + 1);
    name_at.push(0);
    for (_, name) in &keys {
        match name {
            Name::Text(from, to) => names.push_str(&text[*from as usize..*to as usize]),
            Name::Pair(a, b) => {
                names.push(super::PAIR_MARK);
                names.push_str(text_of(a));
                names.push(' ');
                names.push_str(text_of(b));
            }
        }
        name_at.push(offset(names.len()));
    }
    (names, name_at)
}

/// Key `k`'s name in `names`, where names end at `name_at[k + 1]` (`name_at[0]` is 0).
fn name<'n>(names: &'n str, name_at: &[u32], k: usize) -> &'n str {
    &names[name_at[k] as usize..name_at[k + 1] as usize]
}

/// Key numbers in order of their names. Each name's first 16 bytes, as one number,
/// decide most comparisons without reading the names (a name's zero padding sorts
/// before any byte it could have); the rest are ties, compared whole.
fn sort_by_name(names: &str, name_at: &[u32]) -> Vec<u32> {
    let mut by_name: Vec<(u128, u32)> = (0..name_at.len() - 1)
        .map(|k| (name_prefix(name(names, name_at, k)), k as u32))
        .collect();
    by_name.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let whole = |k: u32| name(names, name_at, k as usize);
            whole(a.1).cmp(whole(b.1))
        })
    });
    by_name.into_iter().map(|(_, k)| k).collect()
}

/// The first 16 bytes of `name`, zero-padded, as a number that orders as they do.
fn name_prefix(name: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let len = name.len().min(16);
    bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
    u128::from_be_bytes(bytes)
}

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

#[derive(Serialize)]
struct DirFile<'a> {
    r#type: &'static str,
    name: &'a str,
    shards: &'a [String],
}

#[derive(Serialize)]
struct FacetFile {
    r#type: &'static str,
    /// The chunk this file holds, or none for the whole table or a part.
    chunk: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    part: Option<u32>,
    data: String,
}

#[derive(Serialize)]
struct RowsFile<'a> {
    r#type: &'static str,
    column: usize,
    value: usize,
    rows: Vec<PageRowRef<'a>>,
}

#[derive(Serialize)]
struct DisplayFile<'a> {
    r#type: &'static str,
    chunk: u32,
    docs: Vec<DisplayRef<'a>>,
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
    // Each term's size in its shard file, to cut the shards by size: counted, not
    // encoded (the postings are encoded once, as each shard file is written).
    let sizes: Vec<usize> = (0..terms.len())
        .into_par_iter()
        .map(|i| {
            let (key, all, title) = terms.term(i);
            key.len() + encoded_len(all) + encoded_len(title) + frequent_of(i).len() + 10
        })
        .collect();
    let keys: Vec<&str> = (0..terms.len()).map(|i| terms.term(i).0).collect();
    // Artifact keys (one sorted run) are spread by hash; the others are cut by
    // prefix, the artifact keys weighing nothing in that cut.
    let hashed = hashed_run(&keys);
    let artifact_shards = hashed_shards_for(sizes[hashed.clone()].iter().sum());
    let mut cut_sizes = sizes.clone();
    cut_sizes[hashed.clone()].fill(0);
    let mut cut = Shards::default();
    cut.split(&keys, &cut_sizes, 0, String::new());
    drop(cut_sizes);
    let numbers: Vec<usize> = (0..terms.len()).collect();
    let (prefixes, mut shards): (Vec<String>, Vec<Vec<&usize>>) =
        cut.into_sorted(&numbers).into_iter().unzip();
    for members in &mut shards {
        members.retain(|&&i| !hashed.contains(&i));
    }
    let mut buckets: Vec<Vec<&usize>> = vec![Vec::new(); artifact_shards as usize];
    for i in &numbers[hashed] {
        let bucket = hashed_bucket(keys[*i], artifact_shards).expect("an artifact key");
        buckets[bucket as usize].push(i);
    }
    drop(keys);
    let mut files = Vec::new();
    files.par_extend(
        prefixes
            .par_iter()
            .cloned()
            .zip(shards)
            .chain(
                (0..artifact_shards)
                    .into_par_iter()
                    .map(hashed_shard)
                    .zip(buckets),
            )
            .filter_map(|(prefix, members)| {
                // Sized up front: the file may be held until written.
                let bytes = members.iter().map(|&&i| sizes[i] + 4).sum();
                let mut file = ShardWriter::new(&prefix, bytes);
                for &i in members {
                    let (key, all, title) = terms.term(i);
                    file.postings(key, all, title, frequent_of(i));
                }
                take_shard(file.finish())
            }),
    );
    drop(sizes);

    // Directories of shard prefixes, so that the meta file stays small and a reader
    // loads only the part of the list its key needs.
    let directories = directories(&prefixes);
    let listed = inlined(&directories);
    let mut dirs: Vec<String> = Vec::new();
    for (name, shards) in directories {
        let file = DirFile {
            r#type: "dir",
            name: &name,
            shards: &shards,
        };
        files.push((dir_path(&name), json(&file)));
        dirs.push(name);
    }
    tracing::debug!(
        "search: {} shards encoded at {:.2?}",
        prefixes.len(),
        started.elapsed()
    );
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

/// A directory whose shard list takes at most this many bytes is listed in the meta
/// file too, within [`LISTED_BYTES`] for all. At 100k incidents the directories of
/// words by first letter take 0.1–2.7 KB (hashes fill those of `a` to `f`): all fit.
const LISTED_DIR_BYTES: usize = 3 * 1024;
/// At most this many bytes of shard lists go in the meta file, which the page loads
/// before any query: room for the field values' and every first letter's directory
/// at 100k incidents, so that a typed word loads its shard at once.
pub(super) const LISTED_BYTES: usize = 24 * 1024;

/// The directories whose shard lists the meta file carries, so that a query for a
/// key in one of them makes one round trip fewer: those of field values first (what a
/// click on a facet looks up), then those of words (what is typed), then those of
/// numbers and word pairs, smallest first in each group. (Artifact keys need no
/// directory: [`hashed_bucket`].)
pub(super) fn inlined(directories: &[Directory]) -> Vec<Directory> {
    let group = |name: &str| match name.chars().next() {
        Some(':') => 0,
        Some(c) if c.is_alphabetic() => 1,
        _ => 2,
    };
    let mut small: Vec<(u8, usize, &Directory)> = directories
        .iter()
        .map(|dir| {
            let bytes = dir.1.iter().map(|shard| shard.len() + 3).sum();
            (group(&dir.0), bytes, dir)
        })
        .filter(|&(_, bytes, _)| bytes <= LISTED_DIR_BYTES)
        .collect();
    small.sort_by(|a, b| (a.0, a.1, &a.2.0).cmp(&(b.0, b.1, &b.2.0)));
    let mut total = 0;
    let mut listed: Vec<Directory> = small
        .into_iter()
        .filter(|&(_, bytes, _)| {
            let fits = total + bytes <= LISTED_BYTES;
            total += if fits { bytes } else { 0 };
            fits
        })
        .map(|(_, _, dir)| dir.clone())
        .collect();
    listed.sort();
    listed
}

/// A directory of shards: its name and the shard prefixes it lists.
pub(super) type Directory = (String, Vec<String>);

/// A directory lists at most this many shard prefixes (about 20 bytes each): past
/// it, subtrees of its children get directories of their own.
const DIR_MAX: usize = 512;

/// The directories of the sorted shard `prefixes` (the root "" excluded), as
/// `(name, listed prefixes)`. Each directory is named after a shard prefix and lists
/// that shard and the shards below it that no deeper directory lists. Readers look in
/// the directory of the longest directory name that starts their key: since that
/// name is a shard prefix of the key, the key's longest shard prefix is at least as
/// long, so it is listed there (a deeper directory would have a longer name that
/// also starts the key).
pub(super) fn directories(prefixes: &[String]) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let named: Vec<String> = prefixes.iter().filter(|p| !p.is_empty()).cloned().collect();
    for subtree in subtrees(&named) {
        cut_directory(subtree, &mut out);
    }
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The sorted `prefixes` cut into subtrees: each run of a prefix and those it starts
/// (prefixes form a tree: a shard's prefix less its last character is a shard too, so
/// a prefix's descendants follow it in order).
fn subtrees(prefixes: &[String]) -> Vec<&[String]> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < prefixes.len() {
        let top = prefixes[at].as_str();
        let end = at
            + prefixes[at..]
                .iter()
                .take_while(|p| p.starts_with(top))
                .count();
        out.push(&prefixes[at..end]);
        at = end;
    }
    out
}

/// Adds the directory of `subtree` (sorted prefixes, the first of which prefixes all
/// the others) and, when it would list more than [`DIR_MAX`], those of its children:
/// the larger ones first, until the rest fits.
fn cut_directory(subtree: &[String], out: &mut Vec<(String, Vec<String>)>) {
    let root = &subtree[0];
    if subtree.len() <= DIR_MAX {
        out.push((root.clone(), subtree.to_vec()));
        return;
    }
    let children = subtrees(&subtree[1..]);
    let mut by_size: Vec<usize> = (0..children.len()).collect();
    by_size.sort_by_key(|&c| std::cmp::Reverse(children[c].len()));
    let mut own = vec![false; children.len()];
    let mut listing = subtree.len();
    for c in by_size {
        if listing <= DIR_MAX {
            break;
        }
        own[c] = true;
        listing -= children[c].len();
    }
    let mut listed = vec![root.clone()];
    for (child, own) in children.into_iter().zip(own) {
        if own {
            cut_directory(child, out);
        } else {
            listed.extend_from_slice(child);
        }
    }
    out.push((root.clone(), listed));
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

/// One term as its shard file holds it: postings, title postings and, for a frequent
/// term, its [`Frequent`] part; `display` gives the display row of a document.
pub(super) fn encode_entry<'k, 'd>(
    key: &'k str,
    all: &[u32],
    title: &[u32],
    rows: &[Vec<u32>],
    columns: &[Column],
    display: impl Fn(u32) -> DisplayRef<'d>,
) -> Encoded<'k> {
    let postings = |docs: &[u32]| {
        if docs.is_empty() {
            String::new()
        } else {
            base64(&encode_postings(docs))
        }
    };
    (
        key,
        postings(all),
        postings(title),
        frequent(key, all, title, rows, columns, display).json(),
    )
}

/// Whether the entry of `key`, in `all` documents (`title` by their title), carries a
/// first page ([`Frequent`]): in [`COUNTS_MIN`] documents or more, or an artifact whose
/// first page lies in [`SPREAD_CHUNKS`] display chunks or more.
pub(super) fn carries_page(key: &str, all: &[u32], title: &[u32]) -> bool {
    if all.len() >= COUNTS_MIN {
        return true;
    }
    if all.len() < SPREAD_CHUNKS || !key.starts_with(HASHED) {
        return false;
    }
    let mut chunks: Vec<u32> = page_docs(all, title)
        .iter()
        .map(|doc| doc / DISPLAY_CHUNK)
        .collect();
    chunks.dedup();
    chunks.len() >= SPREAD_CHUNKS
}

/// What the term `key` in `all` documents (`title` by their title) carries: nothing
/// unless [`carries_page`], facet counts only in [`COUNTS_MIN`] documents or more;
/// `display` gives the display row of a document.
pub(super) fn frequent<'d>(
    key: &str,
    all: &[u32],
    title: &[u32],
    rows: &[Vec<u32>],
    columns: &[Column],
    display: impl Fn(u32) -> DisplayRef<'d>,
) -> Frequent {
    if !carries_page(key, all, title) {
        return Frequent::default();
    }
    let mut bytes = Vec::new();
    if all.len() >= COUNTS_MIN {
        for count in count_values(all, rows, columns).iter().flatten() {
            put_varint(&mut bytes, *count);
        }
    }
    let page = page_docs(all, title)
        .into_iter()
        .map(|doc| {
            let (id, title, date, excerpt, row) = display(doc);
            let text = |s: &str| s.to_string();
            (
                doc,
                text(id),
                text(title),
                text(date),
                text(excerpt),
                row.to_vec(),
            )
        })
        .collect();
    Frequent {
        counts: base64(&bytes),
        page,
    }
}

/// The length of the base64 form of `docs` encoded (none for no documents).
fn encoded_len(docs: &[u32]) -> usize {
    if docs.is_empty() {
        return 0;
    }
    base64_len(encoded_postings_len(docs))
}

/// The file of the shard `prefix` with its terms, sorted by key.
pub(super) fn shard_file(prefix: &str, terms: &[Encoded<'_>]) -> (String, String) {
    let bytes = terms
        .iter()
        .map(|(key, all, title, counts)| key.len() + all.len() + title.len() + counts.len() + 16)
        .sum();
    let mut file = ShardWriter::new(prefix, bytes);
    for (key, all, title, frequent) in terms {
        file.term(key, [all, title].map(|part| Part::Base64(part)), frequent);
    }
    file.finish()
}

/// A part of a term in a shard file.
enum Part<'a> {
    Base64(&'a str),
    Postings(&'a [u32]),
}

/// Writes a shard file (`{"type":"shard","name":…,"terms":[[key, postings, title
/// postings, frequent], …]}` in a `.js` wrapper) term by term, encoding postings
/// straight into the file: no string per term on the way.
pub(super) struct ShardWriter {
    path: String,
    out: Vec<u8>,
    scratch: Vec<u8>,
    terms: usize,
}

impl ShardWriter {
    /// A writer for the shard `prefix`, whose terms take about `bytes`.
    pub(super) fn new(prefix: &str, bytes: usize) -> ShardWriter {
        let mut out = Vec::with_capacity(bytes + 2 * prefix.len() + 64);
        out.extend_from_slice(b"firSearch.load({\"type\":\"shard\",\"name\":");
        crate::json::push_str(&mut out, prefix);
        out.extend_from_slice(b",\"terms\":[");
        ShardWriter {
            path: shard_path(prefix),
            out,
            scratch: Vec::new(),
            terms: 0,
        }
    }

    /// Adds a term from its postings; `frequent` is the JSON of its [`Frequent`] part.
    fn postings(&mut self, key: &str, all: &[u32], title: &[u32], frequent: &str) {
        self.term(key, [Part::Postings(all), Part::Postings(title)], frequent);
    }

    fn term(&mut self, key: &str, parts: [Part<'_>; 2], frequent: &str) {
        if self.terms > 0 {
            self.out.push(b',');
        }
        self.terms += 1;
        self.out.push(b'[');
        crate::json::push_str(&mut self.out, key);
        for part in parts {
            self.out.extend_from_slice(b",\"");
            match part {
                Part::Base64(text) => self.out.extend_from_slice(text.as_bytes()),
                Part::Postings([]) => {}
                Part::Postings(docs) => {
                    self.scratch.clear();
                    encode_postings_into(docs, &mut self.scratch);
                    base64_into(&self.scratch, &mut self.out);
                }
            }
            self.out.push(b'"');
        }
        self.out.push(b',');
        self.out.extend_from_slice(frequent.as_bytes());
        self.out.push(b']');
    }

    /// The file's path and contents.
    pub(super) fn finish(mut self) -> (String, String) {
        self.out.extend_from_slice(b"]});\n");
        self.out.shrink_to_fit();
        let text = String::from_utf8(self.out).expect("JSON of strings is UTF-8");
        (self.path, text)
    }
}

/// The facet table: the chunks `wanted` says, and the whole table.
pub(super) fn facet_files(
    rows: &[Vec<u32>],
    columns: &[Column],
    wanted: impl Fn(usize) -> bool,
) -> Vec<(String, String)> {
    let widths: Vec<u8> = columns.iter().map(|c| c.bits).collect();
    let mut files = Vec::new();
    let file = |chunk, part, rows: &[Vec<u32>]| {
        json(&FacetFile {
            r#type: "facets",
            chunk,
            part,
            data: base64(&pack_rows(rows, &widths)),
        })
    };
    for (chunk, rows) in rows
        .chunks(FACET_CHUNK as usize)
        .enumerate()
        .filter(|(chunk, _)| wanted(*chunk))
    {
        files.push((
            facet_path(chunk as u32),
            file(Some(chunk as u32), None, rows),
        ));
    }
    let per_part = FACET_PART as usize;
    for (part, rows) in rows
        .chunks(FACET_CHUNK as usize * per_part)
        .enumerate()
        .filter(|(part, _)| (part * per_part..(part + 1) * per_part).any(&wanted))
    {
        files.push((
            facet_part_path(part as u32),
            file(None, Some(part as u32), rows),
        ));
    }
    files.push((FACET_ALL.to_string(), file(None, None, rows)));
    if let Some(data) = cube_data(rows, &widths) {
        let cube = serde_json::json!({"type": "cube", "data": base64(&data)});
        files.push((FACET_CUBE.to_string(), json(&cube)));
    }
    files
}

/// Every combination of column values the documents have, with how many have it: a
/// query made only of column filters takes its facet counts from these few thousand
/// cells instead of every document's row. A combination is its row packed into one
/// number (column `c`'s value shifted by the widths of the columns before it); they
/// are written in ascending order, each as the gap from the one before and its count
/// (varints). None when a row is wider than 32 bits.
pub(super) fn cube_data(rows: &[Vec<u32>], widths: &[u8]) -> Option<Vec<u8>> {
    if widths.iter().map(|&w| u32::from(w)).sum::<u32>() > 32 {
        return None;
    }
    let mut cells: std::collections::BTreeMap<u32, u32> = std::collections::BTreeMap::new();
    for row in rows {
        let (mut packed, mut shift) = (0u32, 0u32);
        for (&value, &width) in row.iter().zip(widths) {
            packed |= value.checked_shl(shift).unwrap_or(0);
            shift += u32::from(width);
        }
        *cells.entry(packed).or_default() += 1;
    }
    let mut out = Vec::with_capacity(cells.len() * 4);
    let mut previous = 0;
    for (packed, count) in cells {
        put_varint(&mut out, packed - previous);
        put_varint(&mut out, count);
        previous = packed;
    }
    Some(out)
}

/// What a display file shows of a document: id, title, date, excerpt, facet row.
pub(super) type DisplayRef<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [u32]);

/// The display files of `entries`, which start at chunk `first_chunk`.
pub(super) fn display_files<'a>(
    entries: &'a [DisplayRef<'a>],
    first_chunk: u32,
) -> impl IndexedParallelIterator<Item = (String, String)> + 'a {
    entries
        .par_chunks(DISPLAY_CHUNK as usize)
        .enumerate()
        .map(move |(i, part)| {
            let chunk = first_chunk + i as u32;
            let file = DisplayFile {
                r#type: "docs",
                chunk,
                docs: part.to_vec(),
            };
            (display_path(chunk), json(&file))
        })
}

/// Each column value's newest documents, newest first, by column and value: the
/// [`VALUE_ROWS`] of its rows file, and one more when it has more (so that
/// [`rows_from`] knows whether the file holds them all). `rows` are the documents'
/// facet rows, oldest first.
pub(super) fn newest_by_value(rows: &[Vec<u32>], columns: &[Column]) -> Vec<Vec<Vec<u32>>> {
    let mut newest: Vec<Vec<Vec<u32>>> = columns
        .iter()
        .map(|c| vec![Vec::new(); c.values.len()])
        .collect();
    let mut open = columns.iter().map(|c| c.values.len()).sum::<usize>();
    for (doc, row) in rows.iter().enumerate().rev() {
        for (c, &value) in row.iter().enumerate() {
            let docs = &mut newest[c][value as usize];
            if docs.len() <= VALUE_ROWS {
                docs.push(doc as u32);
                open -= usize::from(docs.len() > VALUE_ROWS);
            }
        }
        // Most values fill up long before the oldest document.
        if open == 0 {
            break;
        }
    }
    newest
}

/// The rows files of the column values `wanted` gives true for (by column and value):
/// each value's newest [`VALUE_ROWS`] documents ([`newest_by_value`]) with their display
/// rows as `display` gives them.
pub(super) fn rows_files<'d>(
    newest: &[Vec<Vec<u32>>],
    wanted: impl Fn(usize, usize) -> bool,
    display: impl Fn(u32) -> DisplayRef<'d>,
) -> Vec<(String, String)> {
    let mut files = Vec::new();
    for (c, values) in newest.iter().enumerate() {
        for (v, docs) in values.iter().enumerate().filter(|(v, _)| wanted(c, *v)) {
            let rows = docs
                .iter()
                .take(VALUE_ROWS)
                .map(|&doc| {
                    let (id, title, date, excerpt, row) = display(doc);
                    (doc, id, title, date, excerpt, row)
                })
                .collect();
            let file = RowsFile {
                r#type: "rows",
                column: c,
                value: v,
                rows,
            };
            files.push((rows_path(c, v), json(&file)));
        }
    }
    files
}

/// The oldest document of each column value's rows file, or 0 when the file holds all
/// the value's documents ([`Meta::rows_from`]), from [`newest_by_value`].
pub(super) fn rows_from(newest: &[Vec<Vec<u32>>]) -> Vec<Vec<u32>> {
    let oldest = |docs: &Vec<u32>| match docs.get(VALUE_ROWS) {
        Some(_) => docs[VALUE_ROWS - 1],
        None => 0,
    };
    newest
        .iter()
        .map(|values| values.iter().map(oldest).collect())
        .collect()
}

/// Where the meta file tells readers to find a key's shard ([`Meta`]'s fields).
pub(super) struct Shelving {
    pub dirs: Vec<String>,
    pub listed: Vec<(String, Vec<String>)>,
    pub artifact_shards: u32,
    pub rows_from: Vec<Vec<u32>>,
}

/// The meta file of an index of `docs` documents.
pub(super) fn meta_file(
    docs: u32,
    shelving: Shelving,
    columns: Vec<Column>,
    names: Vec<ValueName>,
) -> (String, String) {
    let Shelving {
        dirs,
        listed,
        artifact_shards,
        rows_from,
    } = shelving;
    let meta = Meta {
        version: VERSION,
        docs,
        facet_chunk: FACET_CHUNK,
        facet_part: FACET_PART,
        display_chunk: DISPLAY_CHUNK,
        page: PAGE as u32,
        columns,
        dirs,
        listed,
        artifact_shards,
        rows_from,
        fold: text::FOLDS
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect(),
        names,
    };
    let mut meta_json = serde_json::to_value(&meta).expect("meta serialises");
    meta_json["type"] = "meta".into();
    (META.to_string(), wrap(&meta_json.to_string()))
}

/// Every key with its postings, keys sorted; `docs[i]` is document `first + i`.
pub(super) fn invert(docs: &[Document<'_>], columns: &[Column], first: u32) -> Vec<Term> {
    Inverted::of(docs, columns, first).into_terms()
}

/// What starts every artifact key. Artifacts are looked up whole, never by a
/// prefix, and their keys share long beginnings (`:artifact:https://`): they are
/// spread over shards by a hash of the key, so that a reader finds a key's shard
/// without a directory file first (a round trip fewer in the browser).
const HASHED: &str = ":artifact:";

/// The artifact keys' shards hold about this many bytes each.
const HASHED_SHARD_BYTES: usize = 8 * 1024;

/// The run of sorted `keys` that start with [`HASHED`].
fn hashed_run(keys: &[&str]) -> std::ops::Range<usize> {
    let start = keys.partition_point(|key| *key < HASHED);
    start..start + keys[start..].partition_point(|key| key.starts_with(HASHED))
}

/// How many shards hold artifact keys of `bytes` in all.
fn hashed_shards_for(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(HASHED_SHARD_BYTES)).expect("fewer than 2^32 shards")
}

/// The number of the shard of `key` among `shards` when it is an artifact key and
/// they are spread by hash: FNV-1a (32 bits) of its UTF-8 bytes, modulo `shards`,
/// which `search.js` computes alike.
pub(super) fn hashed_bucket(key: &str, shards: u32) -> Option<u32> {
    if shards == 0 || !key.starts_with(HASHED) {
        return None;
    }
    Some(fnv1a(key.as_bytes()) % shards)
}

/// The 32-bit FNV-1a hash of `bytes`.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5, |hash, &byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    })
}

/// The name of the `bucket`-th artifact shard (no key's prefix: readers find it by
/// [`hashed_bucket`], never by a directory).
pub(super) fn hashed_shard(bucket: u32) -> String {
    format!("{HASHED}#{bucket}")
}

/// The shard of `key`: the artifact shard its hash gives among `buckets` (the names
/// of [`Meta::artifact_shards`] shards), or the shard of its longest prefix among
/// `prefixes` (those of every directory).
pub(super) fn shard_for<'p>(
    key: &str,
    prefixes: &HashSet<&'p str>,
    buckets: &'p [String],
) -> &'p str {
    match hashed_bucket(key, buckets.len() as u32) {
        Some(bucket) => &buckets[bucket as usize],
        None => shard_of(key, prefixes),
    }
}

/// The longest prefix of `key` that is a shard ("" always is).
pub fn shard_of<'p>(key: &str, prefixes: &HashSet<&'p str>) -> &'p str {
    let prefix = longest_prefix(key, |prefix| prefixes.contains(prefix)).unwrap_or("");
    prefixes.get(prefix).copied().unwrap_or("")
}

/// The longest non-empty prefix of `key` that is `known`: how a key finds its shard,
/// and its directory.
pub(super) fn longest_prefix(key: &str, known: impl Fn(&str) -> bool) -> Option<&str> {
    let ends = key.char_indices().map(|(i, _)| i).filter(|&i| i > 0);
    std::iter::once(key.len())
        .filter(|&len| len > 0)
        .chain(ends.rev())
        .map(|end| &key[..end])
        .find(|prefix| known(prefix))
}

/// Shard prefixes, and the shard of each key, as [`Shards::split`] cuts them.
#[derive(Debug, Default)]
struct Shards {
    /// In the order they were cut: a prefix comes before the longer ones it holds.
    prefixes: Vec<String>,
    /// The shard (index in `prefixes`) of each key.
    of_key: Vec<u32>,
}

impl Shards {
    /// Cuts the sorted `keys` (all starting with `prefix`; the first is key number
    /// `first`) into shards of about [`SHARD_BYTES`], by ever longer prefixes. A key
    /// lands in the shard of its longest prefix among those cut, as [`shard_of`] finds.
    fn split(&mut self, keys: &[&str], sizes: &[usize], first: usize, prefix: String) {
        if self.of_key.len() < first + keys.len() {
            self.of_key.resize(first + keys.len(), 0);
        }
        let shard = self.prefixes.len() as u32;
        self.of_key[first..first + keys.len()].fill(shard);
        let total: usize = sizes.iter().sum();
        // Every key starts with `prefix`, so its next character starts at this byte:
        // no walk over the prefix's characters (artifact keys share long prefixes).
        let depth = prefix.len();
        self.prefixes.push(prefix);
        if total <= SHARD_BYTES {
            return;
        }
        let next_char = |key: &str| key[depth..].chars().next();
        let mut start = 0;
        while start < keys.len() {
            let Some(next) = next_char(keys[start]) else {
                start += 1;
                continue;
            };
            let end = start
                + keys[start..]
                    .iter()
                    .take_while(|key| next_char(key) == Some(next))
                    .count();
            let group: usize = sizes[start..end].iter().sum();
            if group >= MIN_SHARD_BYTES {
                let mut child = self.prefixes[shard as usize].clone();
                child.push(next);
                self.split(&keys[start..end], &sizes[start..end], first + start, child);
            }
            start = end;
        }
    }

    /// Each shard's prefix and entries, by prefix.
    fn into_sorted<T>(self, entries: &[T]) -> Vec<(String, Vec<&T>)> {
        let mut shards: Vec<(String, Vec<&T>)> =
            self.prefixes.into_iter().map(|p| (p, Vec::new())).collect();
        for (entry, shard) in entries.iter().zip(self.of_key) {
            shards[shard as usize].1.push(entry);
        }
        shards.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        shards
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    /// The hash `search.js` computes too: FNV-1a's published values, and only
    /// artifact keys spread by it.
    #[test]
    fn artifact_keys_are_spread_by_fnv1a() {
        assert_eq!(super::fnv1a(b""), 0x811c_9dc5);
        assert_eq!(super::fnv1a(b"a"), 0xe40c_292c);
        assert_eq!(super::fnv1a(b"foobar"), 0xbf9c_f968);
        let key = ":artifact:evil.com";
        let hash = super::fnv1a(key.as_bytes());
        assert_eq!(super::hashed_bucket(key, 7), Some(hash % 7));
        assert_eq!(super::hashed_bucket(key, 0), None);
        assert_eq!(super::hashed_bucket(":tag:evil.com", 7), None);
        assert_eq!(super::hashed_bucket("evil", 7), None);
    }

    proptest! {
        /// A key's last bytes read by two loads are the zero-padded block they stand
        /// for, whatever their length.
        #[test]
        fn tail_blocks_are_the_padded_bytes(tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut padded = [0u8; 8];
            padded[..tail.len()].copy_from_slice(&tail);
            prop_assert_eq!(super::tail_block(&tail), u64::from_le_bytes(padded));
        }

        /// Sorting by prefix number, then whole names on ties, is the order of the
        /// names: names sharing long beginnings (`:artifact:…`), NUL bytes (the
        /// prefix's padding) and names that begin others included.
        #[test]
        fn names_sort_as_strings(
            tails in proptest::collection::hash_set("[a\\x00b]{0,3}(:artifact:)?[ab\\x00~é]{0,20}", 0..60)
        ) {
            let mut names = String::new();
            let mut name_at = vec![0];
            for tail in &tails {
                names.push_str(tail);
                name_at.push(names.len() as u32);
            }
            let sorted: Vec<&str> = super::sort_by_name(&names, &name_at)
                .into_iter()
                .map(|k| super::name(&names, &name_at, k as usize))
                .collect();
            let mut expected: Vec<&str> = tails.iter().map(String::as_str).collect();
            expected.sort_unstable();
            prop_assert_eq!(sorted, expected);
        }
    }
}
