//! Changing some documents of a built index without the others: documents edited in
//! place keep their numbers, and the documents from some number on (the tail) are
//! taken out and their replacements put in. Only the files these touch are read
//! back, patched and returned. This keeps "one incident reported" and "one incident
//! closed" fast on a large site, where building the index anew means re-reading every
//! incident; a report dated before the newest ones only makes the tail longer.
//!
//! Shards keep the prefixes of the last full build, so they grow past their target
//! size until the next one; readers find terms the same way (by the shard
//! directories), so results are those of a full build.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use rayon::prelude::*;

use super::codec::{CodecError, decode_postings, unbase64, unpack_rows};
use super::engine::{
    DirFile, DisplayChunks, DisplayFile, FacetFile, RowsFile, SearchError, ShardFile, Source, load,
};
use super::index::{
    DISPLAY_CHUNK, DisplayEntry, DisplayRef, Encoded, FACET_ALL, FACET_CHUNK, FACET_PART, META,
    Meta, PageRow, Postings, ShardEntry, Shelving, VALUE_ROWS, VERSION, carries_page,
    complete_column, dir_path, display_files, display_path, encode_entry, facet_files,
    facet_part_path, facet_path, hashed_shard, invert, meta_file, newest_by_value, page_docs,
    page_row_display, rows_files, rows_from, rows_path, shard_file, shard_for, shard_path,
    value_positions,
};
use super::{Column, Document};

/// Why an index cannot be patched: the caller builds it anew.
#[derive(Debug, thiserror::Error)]
pub enum PatchError {
    #[error(transparent)]
    Index(#[from] SearchError),
    #[error("the index holds {held} documents, {expected} expected")]
    Count { held: u32, expected: u32 },
    #[error("column {column} gains the value {value:?}: facet rows change")]
    NewValue { column: String, value: String },
    #[error("no document has the value {value:?} of column {column} any more: facet rows change")]
    LostValue { column: String, value: String },
    #[error("the values of column {0} change other than by new ones at the end of the last column")]
    Renumbered(String),
    #[error("document {0} is said to be edited in place but is in the tail")]
    EditInTail(u32),
}

/// What changed in an index, documents as they were indexed and as they are now.
#[derive(Debug, Default)]
pub struct Patch<'d, 'a> {
    /// Documents changed in place, before `from`: `(number, was, now)`.
    pub edited: &'d [(u32, Document<'a>, Document<'a>)],
    /// The tail: documents `from..` were `was` and are now `now`.
    pub from: u32,
    pub was: &'d [Document<'a>],
    pub now: &'d [Document<'a>],
    /// The columns as configured (what [`super::build`] is given).
    pub columns: &'d [Column],
}

/// [`patch`] with no document edited in place.
pub fn replace_tail<S: Source>(
    from: u32,
    was: &[Document<'_>],
    now: &[Document<'_>],
    columns: &[Column],
    source: &mut S,
) -> Result<Vec<(String, String)>, PatchError> {
    patch(
        &Patch {
            edited: &[],
            from,
            was,
            now,
            columns,
        },
        source,
    )
}

/// The files that change when the index that `source` reads changes as `change`
/// says, as `(path, contents)`. Every other file stays as it is. What `change` says
/// a document was must be exactly what was indexed.
pub fn patch<S: Source>(
    change: &Patch<'_, '_>,
    source: &mut S,
) -> Result<Vec<(String, String)>, PatchError> {
    let Patch {
        edited,
        from,
        was,
        now,
        columns: _,
    } = *change;
    let meta: Meta = load(source, META)?;
    if meta.version != VERSION {
        return Err(SearchError::Version(meta.version).into());
    }
    let old = from + was.len() as u32;
    if meta.docs != old {
        return Err(PatchError::Count {
            held: meta.docs,
            expected: old,
        });
    }
    if let Some((n, ..)) = edited.iter().find(|(n, ..)| *n >= from) {
        return Err(PatchError::EditInTail(*n));
    }
    let old_columns = meta.columns;
    let mut rows = old_rows(load(source, FACET_ALL)?, &old_columns, old)?;
    // The column values that the changed documents had (the positions of values stay:
    // new ones only come after them): their rows files change, as do those of the
    // values they have now (added below).
    let values_of = |row: &Vec<u32>| -> Vec<(usize, usize)> {
        row.iter()
            .enumerate()
            .map(|(c, &v)| (c, v as usize))
            .collect()
    };
    let edited_rows = edited.iter().map(|(n, ..)| &rows[*n as usize]);
    let mut touched: BTreeSet<(usize, usize)> = rows[from as usize..]
        .iter()
        .chain(edited_rows)
        .flat_map(values_of)
        .collect();
    rows.truncate(from as usize);
    let columns = patched_columns(change, &old_columns, &rows)?;
    rows.extend(new_rows(now, &columns)?);
    for (n, _, now) in edited {
        rows[*n as usize] = new_rows(std::slice::from_ref(now), &columns)?.remove(0);
    }
    // A column one bit wider repacks every facet chunk.
    let repack = columns
        .iter()
        .zip(&old_columns)
        .any(|(now, was)| now.bits != was.bits);

    // Keys that lose documents and postings to add, by the shard that holds each.
    let mut prefixes: HashSet<&str> = HashSet::from([""]);
    let mut listed = Vec::new();
    for first in &meta.dirs {
        let dir: DirFile = load(source, &dir_path(first))?;
        listed.extend(dir.shards);
    }
    prefixes.extend(listed.iter().map(String::as_str));
    let buckets: Vec<String> = (0..meta.artifact_shards).map(hashed_shard).collect();
    let mut removed = invert(was, &columns, from);
    let mut added = invert(now, &columns, from);
    for (n, was, now) in edited {
        removed.extend(invert(std::slice::from_ref(was), &columns, *n));
        added.extend(invert(std::slice::from_ref(now), &columns, *n));
    }
    let added = merge_postings(added);
    let cut: HashSet<u32> = edited.iter().map(|(n, ..)| *n).collect();
    let mut by_shard: BTreeMap<&str, Changes<'_>> = BTreeMap::new();
    for (key, _) in &removed {
        by_shard
            .entry(shard_for(key, &prefixes, &buckets))
            .or_default()
            .0
            .push(key);
    }
    for (i, (key, _)) in added.iter().enumerate() {
        by_shard
            .entry(shard_for(key, &prefixes, &buckets))
            .or_default()
            .1
            .push(i);
    }
    let shards: Vec<(&str, Changes<'_>, Vec<ShardEntry>)> = by_shard
        .into_iter()
        .map(|(prefix, changes)| {
            let file: ShardFile = load(source, &shard_path(prefix))?;
            Ok((prefix, changes, file.terms))
        })
        .collect::<Result<_, SearchError>>()?;
    let drop = |d: u32| d >= from || cut.contains(&d);
    let merged: Vec<(&str, Vec<Merged<'_>>)> = shards
        .par_iter()
        .map(|(prefix, (taken, put), held)| {
            let put = put.iter().map(|&i| &added[i]);
            let merged = merge(held, &drop, taken, put).map_err(|source| SearchError::Codec {
                path: shard_path(prefix),
                source,
            })?;
            Ok((*prefix, merged))
        })
        .collect::<Result<_, SearchError>>()?;
    // Frequent keys' first pages: documents of the patch, or of the page stored, or
    // else read from their display files.
    let changed: HashMap<u32, &Document<'_>> = edited
        .iter()
        .map(|(n, _, now)| (*n, now))
        .chain((from..).zip(now))
        .collect();
    let mut unchanged: BTreeMap<u32, Option<DisplayEntry>> = BTreeMap::new();
    for entry in merged.iter().flat_map(|(_, entries)| entries) {
        let Merged::Changed {
            key,
            all,
            title,
            page,
        } = entry
        else {
            continue;
        };
        if !carries_page(key, all, title) {
            continue;
        }
        for doc in page_docs(all, title) {
            if changed.contains_key(&doc) || unchanged.get(&doc).is_some_and(Option::is_some) {
                continue;
            }
            let stored = page.iter().find(|row| row.0 == doc);
            unchanged.insert(doc, stored.map(page_row_display));
        }
    }
    // Rows files of the column values that a changed document has or had: their
    // newest documents likewise, or from the file as it was.
    touched.extend(
        changed
            .keys()
            .flat_map(|&doc| values_of(&rows[doc as usize])),
    );
    let newest = newest_by_value(&rows, &columns);
    for &(c, v) in &touched {
        // A value new to the last column has no file yet.
        let stored: Vec<PageRow> = if v < old_columns[c].values.len() {
            load::<RowsFile>(source, &rows_path(c, v))?.rows
        } else {
            Vec::new()
        };
        for &doc in newest[c][v].iter().take(VALUE_ROWS) {
            if changed.contains_key(&doc) || unchanged.get(&doc).is_some_and(Option::is_some) {
                continue;
            }
            let row = stored.iter().find(|row| row.0 == doc);
            unchanged.insert(doc, row.map(page_row_display));
        }
    }
    let mut chunks = DisplayChunks::default();
    for (doc, entry) in unchanged.iter_mut().filter(|(_, entry)| entry.is_none()) {
        let found = chunks.entry(*doc, DISPLAY_CHUNK, |path| load(source, &path))?;
        *entry = Some(found.clone());
    }
    let display = |doc: u32| -> DisplayRef<'_> {
        let row = rows[doc as usize].as_slice();
        match changed.get(&doc) {
            Some(d) => (d.id, d.title, d.date.as_str(), d.excerpt.as_str(), row),
            None => {
                let (id, title, date, excerpt, _) = unchanged[&doc].as_ref().expect("read above");
                (id, title, date, excerpt, row)
            }
        }
    };
    let mut files = rows_files(&newest, |c, v| touched.contains(&(c, v)), display);
    files.par_extend(
        merged
            .par_iter()
            .zip(&shards)
            // A shard whose every term is as it was stays as it is.
            .filter(|((_, entries), (.., held))| {
                entries.len() != held.len()
                    || entries.iter().any(|e| matches!(e, Merged::Changed { .. }))
            })
            .map(|((prefix, entries), _)| {
                let encoded: Vec<Encoded<'_>> = entries
                    .iter()
                    .map(|entry| match entry {
                        Merged::Held((key, all, title, frequent)) => {
                            (key.as_str(), all.clone(), title.clone(), frequent.json())
                        }
                        Merged::Changed {
                            key, all, title, ..
                        } => encode_entry(key, all, title, &rows, &columns, display),
                    })
                    .collect();
                shard_file(prefix, &encoded)
            }),
    );

    let facet_chunk = |n: u32| (n / FACET_CHUNK) as usize;
    let facet_chunks: HashSet<usize> = edited.iter().map(|(n, ..)| facet_chunk(*n)).collect();
    files.extend(facet_files(&rows, &columns, |chunk| {
        repack || chunk >= facet_chunk(from) || facet_chunks.contains(&chunk)
    }));

    // Display chunks: those of edited documents, and from the tail's on.
    let first_chunk = from / DISPLAY_CHUNK;
    let mut chunks: BTreeMap<u32, Vec<DisplayEntry>> = BTreeMap::new();
    for chunk in edited
        .iter()
        .map(|(n, ..)| n / DISPLAY_CHUNK)
        .chain((!from.is_multiple_of(DISPLAY_CHUNK)).then_some(first_chunk))
    {
        if let std::collections::btree_map::Entry::Vacant(slot) = chunks.entry(chunk) {
            let file: DisplayFile = load(source, &display_path(chunk))?;
            slot.insert(file.docs);
        }
    }
    for (n, _, now) in edited {
        let entries = chunks.get_mut(&(n / DISPLAY_CHUNK)).expect("read above");
        let at = (n % DISPLAY_CHUNK) as usize;
        if at < entries.len() {
            entries[at] = display_entry(now, &rows[*n as usize]);
        }
    }
    let mut held = chunks.remove(&first_chunk).unwrap_or_default();
    held.truncate((from % DISPLAY_CHUNK) as usize);
    for (chunk, entries) in &chunks {
        let refs: Vec<DisplayRef<'_>> = entries.iter().map(display_ref).collect();
        files.par_extend(display_files(&refs, *chunk));
    }
    let mut entries: Vec<DisplayRef<'_>> = held.iter().map(display_ref).collect();
    entries.extend(now.iter().zip(&rows[from as usize..]).map(|(d, row)| {
        (
            d.id,
            d.title,
            d.date.as_str(),
            d.excerpt.as_str(),
            row.as_slice(),
        )
    }));
    files.par_extend(display_files(&entries, first_chunk));
    files.push(meta_file(
        from + now.len() as u32,
        Shelving {
            dirs: meta.dirs,
            listed: meta.listed,
            artifact_shards: meta.artifact_shards,
            rows_from: rows_from(&newest),
        },
        columns,
        meta.names,
    ));
    Ok(files)
}

/// The files of an index of `was` documents that an index of `now` documents has
/// not: the display and facet chunks (and facet parts) past its end, when a patch
/// leaves fewer documents than it found. [`patch`] writes the others.
pub fn files_past_the_end(was: u32, now: u32) -> Vec<String> {
    let chunks = |docs: u32, per: u32| docs.div_ceil(per);
    let facet_parts = |docs: u32| chunks(docs, FACET_CHUNK).div_ceil(FACET_PART);
    (chunks(now, DISPLAY_CHUNK)..chunks(was, DISPLAY_CHUNK))
        .map(display_path)
        .chain((chunks(now, FACET_CHUNK)..chunks(was, FACET_CHUNK)).map(facet_path))
        .chain((facet_parts(now)..facet_parts(was)).map(facet_part_path))
        .collect()
}

/// What changes in one shard: keys losing documents, postings to add (by position).
type Changes<'a> = (Vec<&'a str>, Vec<usize>);

fn display_entry(doc: &Document<'_>, row: &[u32]) -> DisplayEntry {
    (
        doc.id.to_string(),
        doc.title.to_string(),
        doc.date.clone(),
        doc.excerpt.clone(),
        row.to_vec(),
    )
}

fn display_ref(entry: &DisplayEntry) -> DisplayRef<'_> {
    let (id, title, date, excerpt, row) = entry;
    (id, title, date, excerpt, row)
}

/// Postings of the same key from several inversions as one, sorted by key.
fn merge_postings(mut terms: Vec<(String, Postings)>) -> Vec<(String, Postings)> {
    terms.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out: Vec<(String, Postings)> = Vec::with_capacity(terms.len());
    for (key, postings) in terms {
        match out.last_mut() {
            Some((last, into)) if *last == key => {
                into.all.extend(postings.all);
                into.title.extend(postings.title);
            }
            _ => out.push((key, postings)),
        }
    }
    for (_, postings) in &mut out {
        postings.all.sort_unstable();
        postings.title.sort_unstable();
    }
    out
}

/// The facet rows of the documents indexed, from the whole facet table.
fn old_rows(file: FacetFile, columns: &[Column], old: u32) -> Result<Vec<Vec<u32>>, SearchError> {
    let codec = |source| SearchError::Codec {
        path: FACET_ALL.to_string(),
        source,
    };
    let widths: Vec<u8> = columns.iter().map(|c| c.bits).collect();
    unpack_rows(&unbase64(&file.data).map_err(codec)?, &widths, old as usize).map_err(codec)
}

/// The columns a full build of the changed documents would have, when the values the
/// index holds keep their numbers in them: only new values at the end of the last
/// column are taken (a new year). Rows kept are `kept` (every document before the tail,
/// edited ones included). Frequent terms' stored counts that the patch leaves as they
/// are then lack the new values' counts, which readers take as zero.
fn patched_columns(
    change: &Patch<'_, '_>,
    old_columns: &[Column],
    kept: &[Vec<u32>],
) -> Result<Vec<Column>, PatchError> {
    if change.columns.len() != old_columns.len() {
        return Err(PatchError::Renumbered(format!(
            "count {}",
            change.columns.len()
        )));
    }
    let edited: HashSet<u32> = change.edited.iter().map(|(n, ..)| *n).collect();
    let now = change
        .now
        .iter()
        .chain(change.edited.iter().map(|(_, _, now)| now));
    let mut columns = Vec::with_capacity(old_columns.len());
    for (c, (configured, was)) in change.columns.iter().zip(old_columns).enumerate() {
        // Which of the column's values kept rows use, by number: one flag per value
        // rather than each row's value hashed into a set (100k rows per column).
        let mut in_use = vec![false; was.values.len()];
        for (n, row) in kept.iter().enumerate() {
            if !edited.contains(&(n as u32)) {
                let flag = in_use.get_mut(row[c] as usize).ok_or_else(|| {
                    PatchError::Renumbered(format!("{}: row {n} out of range", was.key))
                })?;
                *flag = true;
            }
        }
        let mut used: HashSet<&str> = (was.values.iter().zip(&in_use))
            .filter(|(_, in_use)| **in_use)
            .map(|(value, _)| value.0.as_str())
            .collect();
        used.extend(
            now.clone()
                .filter_map(|doc| doc.columns.get(c).map(String::as_str)),
        );
        let column = complete_column(configured, &used);
        if column.values != was.values {
            if let Some(lost) = was.values.iter().find(|v| !column.values.contains(v)) {
                return Err(PatchError::LostValue {
                    column: was.key.clone(),
                    value: lost.0.clone(),
                });
            }
            let appended = column.values.starts_with(&was.values);
            if !appended || c + 1 < old_columns.len() {
                let new = column.values.iter().find(|v| !was.values.contains(v));
                return Err(match new {
                    Some(value) => PatchError::NewValue {
                        column: was.key.clone(),
                        value: value.0.clone(),
                    },
                    None => PatchError::Renumbered(was.key.clone()),
                });
            }
        }
        columns.push(column);
    }
    Ok(columns)
}

/// The facet rows of new documents, whose values must all be in the columns already
/// (a new value would renumber the values, and every row and count with them).
fn new_rows(new: &[Document<'_>], columns: &[Column]) -> Result<Vec<Vec<u32>>, PatchError> {
    let value_at = value_positions(columns);
    new.iter()
        .map(|doc| {
            columns
                .iter()
                .zip(&value_at)
                .zip(&doc.columns)
                .map(|((column, at), raw)| {
                    at.get(raw.as_str())
                        .copied()
                        .ok_or_else(|| PatchError::NewValue {
                            column: column.key.clone(),
                            value: raw.clone(),
                        })
                })
                .collect()
        })
        .collect()
}

/// A term of a shard after a patch: as it was, or with other postings.
enum Merged<'k> {
    Held(&'k ShardEntry),
    Changed {
        key: &'k str,
        all: Vec<u32>,
        title: Vec<u32>,
        /// The first page it had stored, whose unchanged documents it may keep.
        page: &'k [PageRow],
    },
}

/// A shard's terms with the documents `drop` says taken out of the `taken` keys and
/// the new postings put in, sorted by key. Every key that held a dropped document is
/// among `taken` (it is a key of the document as indexed). A key left without
/// documents is dropped.
fn merge<'k>(
    held: &'k [ShardEntry],
    drop: &(impl Fn(u32) -> bool + Sync),
    taken: &[&str],
    put: impl Iterator<Item = &'k (String, Postings)>,
) -> Result<Vec<Merged<'k>>, CodecError> {
    let taken: HashSet<&str> = taken.iter().copied().collect();
    let mut put: BTreeMap<&str, &Postings> = put
        .map(|(key, postings)| (key.as_str(), postings))
        .collect();
    let decode = |b64: &str| -> Result<Vec<u32>, CodecError> {
        if b64.is_empty() {
            Ok(Vec::new())
        } else {
            decode_postings(&unbase64(b64)?)
        }
    };
    let mut out: Vec<Merged<'k>> = Vec::with_capacity(held.len() + put.len());
    for entry in held {
        let (key, all, title, frequent) = entry;
        let added = put.remove(key.as_str());
        if added.is_none() && !taken.contains(key.as_str()) {
            out.push(Merged::Held(entry));
            continue;
        }
        let (was_all, was_title) = (decode(all)?, decode(title)?);
        let kept =
            |list: &[u32]| -> Vec<u32> { list.iter().copied().filter(|&d| !drop(d)).collect() };
        let (mut all, mut title) = (kept(&was_all), kept(&was_title));
        if let Some(postings) = added {
            all.extend_from_slice(&postings.all);
            title.extend_from_slice(&postings.title);
            all.sort_unstable();
            title.sort_unstable();
        }
        // A term of an edited document that keeps it, in fewer documents than carry
        // counts (which change with the document's facets): as it was.
        if frequent.is_empty() && all == was_all && title == was_title {
            out.push(Merged::Held(entry));
            continue;
        }
        if !all.is_empty() {
            out.push(Merged::Changed {
                key,
                all,
                title,
                page: &frequent.page,
            });
        }
    }
    for (key, postings) in put {
        out.push(Merged::Changed {
            key,
            all: postings.all.clone(),
            title: postings.title.clone(),
            page: &[],
        });
    }
    out.sort_unstable_by(|a, b| a.key().cmp(b.key()));
    Ok(out)
}

impl Merged<'_> {
    fn key(&self) -> &str {
        match self {
            Merged::Held(entry) => &entry.0,
            Merged::Changed { key, .. } => key,
        }
    }
}
