//! Changing the newest documents of a built index without the older ones: the
//! documents from some number on (the tail) are taken out and their replacements put
//! in, and only the files they touch are read back, patched and returned. This keeps
//! "one incident reported" fast on a large site, where building the index anew means
//! re-reading every incident; a report dated before the newest ones only makes the
//! tail longer.
//!
//! Shards keep the prefixes of the last full build, so they grow past their target
//! size until the next one; readers find terms the same way (by the shard
//! directories), so results are those of a full build.

use std::collections::{BTreeMap, HashSet};

use rayon::prelude::*;

use super::codec::{CodecError, decode_postings, unbase64, unpack_rows};
use super::engine::{DirFile, DisplayFile, FacetFile, SearchError, ShardFile, Source, parse_file};
use super::index::{
    DISPLAY_CHUNK, DisplayEntry, DisplayRef, Encoded, FACET_ALL, FACET_CHUNK, META, Meta, Postings,
    ShardEntry, VERSION, dir_path, display_files, display_path, encode_entry, facet_files, invert,
    meta_file, shard_file, shard_of, shard_path, value_positions,
};
use super::{Column, Document};

/// Why an index cannot be extended: the caller builds it anew.
#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error(transparent)]
    Index(#[from] SearchError),
    #[error("the index holds {held} documents, {expected} expected")]
    Count { held: u32, expected: u32 },
    #[error("column {column} gains the value {value:?}: facet rows change")]
    NewValue { column: String, value: String },
}

/// What changes in one shard: keys the old tail had, new tail terms (by position).
type Changes<'a> = (Vec<&'a str>, Vec<usize>);

/// The files that change when documents `from..` of the index that `source` reads,
/// which were `was`, become `now`, as `(path, contents)`. Every other file stays as
/// it is. `was` must be exactly what was indexed (unchanged incidents).
pub fn replace_tail<S: Source>(
    from: u32,
    was: &[Document<'_>],
    now: &[Document<'_>],
    source: &mut S,
) -> Result<Vec<(String, String)>, AppendError> {
    let mut read = |path: String| -> Result<String, SearchError> {
        source.read(&path).ok_or(SearchError::Missing(path))
    };
    let meta: Meta = parse_file(META, &read(META.to_string())?)?;
    if meta.version != VERSION {
        return Err(SearchError::Version(meta.version).into());
    }
    let old = from + was.len() as u32;
    if meta.docs != old {
        return Err(AppendError::Count {
            held: meta.docs,
            expected: old,
        });
    }
    let columns = meta.columns;
    let mut rows = old_rows(&read(FACET_ALL.to_string())?, &columns, old)?;
    rows.truncate(from as usize);
    rows.extend(new_rows(now, &columns)?);

    // Terms of the new documents, by the shard that holds (or will hold) each.
    let mut prefixes: HashSet<&str> = HashSet::from([""]);
    let mut listed = Vec::new();
    for first in &meta.dirs {
        let path = dir_path(first);
        let dir: DirFile = parse_file(&path, &read(path.clone())?)?;
        listed.extend(dir.shards);
    }
    prefixes.extend(listed.iter().map(String::as_str));
    let removed = invert(was, from);
    let added = invert(now, from);
    let mut by_shard: BTreeMap<&str, Changes<'_>> = BTreeMap::new();
    for (key, _) in &removed {
        by_shard
            .entry(shard_of(key, &prefixes))
            .or_default()
            .0
            .push(key);
    }
    for (i, (key, _)) in added.iter().enumerate() {
        by_shard
            .entry(shard_of(key, &prefixes))
            .or_default()
            .1
            .push(i);
    }
    let shards: Vec<(&str, Changes<'_>, Vec<ShardEntry>)> = by_shard
        .into_iter()
        .map(|(prefix, changes)| {
            let path = shard_path(prefix);
            let file: ShardFile = parse_file(&path, &read(path.clone())?)?;
            Ok((prefix, changes, file.terms))
        })
        .collect::<Result<_, SearchError>>()?;
    let mut files: Vec<(String, String)> = shards
        .par_iter()
        .map(|(prefix, (taken, put), held)| {
            let put = put.iter().map(|&i| &added[i]);
            let merged = merge(held, from, taken, put, &rows, &columns).map_err(|source| {
                SearchError::Codec {
                    path: shard_path(prefix),
                    source,
                }
            })?;
            Ok(shard_file(prefix, merged.iter().collect()))
        })
        .collect::<Result<_, SearchError>>()?;

    files.extend(facet_files(
        &rows,
        &columns,
        from as usize / FACET_CHUNK as usize,
    ));

    // The display chunk where the tail starts is read back and completed.
    let first_chunk = from / DISPLAY_CHUNK;
    let mut held: Vec<DisplayEntry> = if from.is_multiple_of(DISPLAY_CHUNK) {
        Vec::new()
    } else {
        let path = display_path(first_chunk);
        let file: DisplayFile = parse_file(&path, &read(path.clone())?)?;
        file.docs
    };
    held.truncate((from % DISPLAY_CHUNK) as usize);
    let mut entries: Vec<DisplayRef<'_>> = held
        .iter()
        .map(|(id, title, date, excerpt, row)| {
            (
                id.as_str(),
                title.as_str(),
                date.as_str(),
                excerpt.as_str(),
                row.as_slice(),
            )
        })
        .collect();
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
    files.push(meta_file(from + now.len() as u32, columns, meta.dirs));
    Ok(files)
}

/// The facet rows of the documents indexed, from the whole facet table.
fn old_rows(text: &str, columns: &[Column], old: u32) -> Result<Vec<Vec<u32>>, SearchError> {
    let file: FacetFile = parse_file(FACET_ALL, text)?;
    let codec = |source| SearchError::Codec {
        path: FACET_ALL.to_string(),
        source,
    };
    let widths: Vec<u8> = columns.iter().map(|c| c.bits).collect();
    unpack_rows(&unbase64(&file.data).map_err(codec)?, &widths, old as usize).map_err(codec)
}

/// The facet rows of new documents, whose values must all be in the columns already
/// (a new value would renumber the values, and every row and count with them).
fn new_rows(new: &[Document<'_>], columns: &[Column]) -> Result<Vec<Vec<u32>>, AppendError> {
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
                        .ok_or_else(|| AppendError::NewValue {
                            column: column.key.clone(),
                            value: raw.clone(),
                        })
                })
                .collect()
        })
        .collect()
}

/// A shard's terms with the tail's documents (numbers from `from` on) taken out of
/// the `taken` keys and the new tail's postings put in, sorted by key. Only tail
/// documents have numbers from `from` on, so taking them out is cutting each list
/// there, and the new ones go at its end. A key left without documents is dropped.
fn merge<'k>(
    held: &'k [ShardEntry],
    from: u32,
    taken: &[&str],
    put: impl Iterator<Item = &'k (String, Postings)>,
    rows: &[Vec<u32>],
    columns: &[Column],
) -> Result<Vec<Encoded<'k>>, CodecError> {
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
    let mut out: Vec<Encoded<'k>> = Vec::with_capacity(held.len() + put.len());
    for (key, all, title, counts) in held {
        let added = put.remove(key.as_str());
        if added.is_none() && !taken.contains(key.as_str()) {
            out.push((key.as_str(), all.clone(), title.clone(), counts.clone()));
            continue;
        }
        let mut all = decode(all)?;
        let mut title = decode(title)?;
        all.retain(|&d| d < from);
        title.retain(|&d| d < from);
        if let Some(postings) = added {
            all.extend_from_slice(&postings.all);
            title.extend_from_slice(&postings.title);
        }
        if !all.is_empty() {
            out.push(encode_entry(key, &all, &title, rows, columns));
        }
    }
    for (key, postings) in put {
        out.push(encode_entry(
            key,
            &postings.all,
            &postings.title,
            rows,
            columns,
        ));
    }
    out.sort_unstable_by(|a, b| a.0.cmp(b.0));
    Ok(out)
}
