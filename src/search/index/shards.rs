//! The term shards: keys cut into files by prefix (artifact keys spread by a hash),
//! the directories that say which shards exist, and each key's entry: postings and,
//! for a frequent key, its first page ([`Frequent`]).

use std::collections::HashSet;

use rayon::prelude::*;
use serde::Serialize;

use super::invert::Inverted;
use super::{
    COUNTS_MIN, Column, DISPLAY_CHUNK, DisplayRef, Encoded, Frequent, SPREAD_CHUNKS, count_values,
    dir_path, json, page_docs, shard_path,
};
use crate::search::codec::{
    base64, base64_into, base64_len, encode_postings, encode_postings_into, encoded_postings_len,
    put_varint,
};

/// A term shard is split by a longer prefix once its JSON is larger than this.
const SHARD_BYTES: usize = 24 * 1024;

/// A group of terms smaller than this stays in its parent shard.
const MIN_SHARD_BYTES: usize = 2 * 1024;

#[derive(Serialize)]
struct DirFile<'a> {
    r#type: &'static str,
    name: &'a str,
    shards: &'a [String],
}

/// A file to write, as `(path, contents)`.
type File = (String, String);

/// What [`term_shards`] gives back: the files it did not hand over, and what the meta
/// file says of the shards.
pub(in crate::search) struct TermShards {
    pub files: Vec<File>,
    /// The directories' names ([`super::Meta::dirs`]).
    pub dirs: Vec<String>,
    /// The small directories' shard lists ([`inlined`]).
    pub listed: Vec<Directory>,
    pub artifact_shards: u32,
}

/// The term shards of `terms` and their directories: keys cut by prefix into shards
/// of about [`SHARD_BYTES`], artifact keys spread by hash. `frequent_of` gives the
/// JSON of a key's [`Frequent`] part, by key number; each shard is handed to
/// `take_shard` as soon as it is encoded ([`super::build_with_names`]).
pub(in crate::search) fn term_shards<'f>(
    terms: &Inverted,
    frequent_of: impl Fn(usize) -> &'f str + Sync,
    take_shard: &(dyn Fn(File) -> Option<File> + Sync),
) -> TermShards {
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
    TermShards {
        files,
        dirs,
        listed,
        artifact_shards,
    }
}

/// A directory whose shard list takes at most this many bytes is listed in the meta
/// file too, within [`LISTED_BYTES`] for all. At 100k incidents the directories of
/// words by first letter take 0.1–2.7 KB (hashes fill those of `a` to `f`): all fit.
const LISTED_DIR_BYTES: usize = 3 * 1024;

/// At most this many bytes of shard lists go in the meta file, which the page loads
/// before any query: room for the field values' and every first letter's directory
/// at 100k incidents, so that a typed word loads its shard at once.
pub(in crate::search) const LISTED_BYTES: usize = 24 * 1024;

/// The directories whose shard lists the meta file carries, so that a query for a
/// key in one of them makes one round trip fewer: those of field values first (what a
/// click on a facet looks up), then those of words (what is typed), then those of
/// numbers and word pairs, smallest first in each group. (Artifact keys need no
/// directory: [`hashed_bucket`].)
pub(in crate::search) fn inlined(directories: &[Directory]) -> Vec<Directory> {
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
pub(in crate::search) type Directory = (String, Vec<String>);

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
pub(in crate::search) fn directories(prefixes: &[String]) -> Vec<(String, Vec<String>)> {
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

/// One term as its shard file holds it: postings, title postings and, for a frequent
/// term, its [`Frequent`] part; `display` gives the display row of a document.
pub(in crate::search) fn encode_entry<'k, 'd>(
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
pub(in crate::search) fn carries_page(key: &str, all: &[u32], title: &[u32]) -> bool {
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
pub(in crate::search) fn frequent<'d>(
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
pub(in crate::search) fn shard_file(prefix: &str, terms: &[Encoded<'_>]) -> (String, String) {
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
pub(in crate::search) struct ShardWriter {
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
pub(in crate::search) fn hashed_bucket(key: &str, shards: u32) -> Option<u32> {
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
pub(in crate::search) fn hashed_shard(bucket: u32) -> String {
    format!("{HASHED}#{bucket}")
}

/// The shard of `key`: the artifact shard its hash gives among `buckets` (the names
/// of [`Meta::artifact_shards`](super::Meta::artifact_shards) shards), or the shard of its longest prefix among
/// `prefixes` (those of every directory).
pub(in crate::search) fn shard_for<'p>(
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
pub(in crate::search) fn longest_prefix(key: &str, known: impl Fn(&str) -> bool) -> Option<&str> {
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

#[cfg(test)]
mod tests {
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
}
