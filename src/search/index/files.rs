//! The index's files besides the term shards: the facet table and its cube, the
//! display files, the column values' rows files and the meta file.

use rayon::prelude::*;
use serde::Serialize;

use super::{
    Column, DISPLAY_CHUNK, FACET_ALL, FACET_CHUNK, FACET_CUBE, FACET_PART, META, Meta, PAGE,
    PageRowRef, VALUE_ROWS, VERSION, ValueName, display_path, facet_part_path, facet_path, json,
    rows_path,
};
use crate::search::codec::{base64, pack_rows, put_varint};
use crate::search::{text, wrap};

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

/// The facet table: the chunks `wanted` says, and the whole table.
pub(in crate::search) fn facet_files(
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
pub(in crate::search) fn cube_data(rows: &[Vec<u32>], widths: &[u8]) -> Option<Vec<u8>> {
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
pub(in crate::search) type DisplayRef<'a> = (&'a str, &'a str, &'a str, &'a str, &'a [u32]);

/// The display files of `entries`, which start at chunk `first_chunk`.
pub(in crate::search) fn display_files<'a>(
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
pub(in crate::search) fn newest_by_value(
    rows: &[Vec<u32>],
    columns: &[Column],
) -> Vec<Vec<Vec<u32>>> {
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
pub(in crate::search) fn rows_files<'d>(
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
pub(in crate::search) fn rows_from(newest: &[Vec<Vec<u32>>]) -> Vec<Vec<u32>> {
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
pub(in crate::search) struct Shelving {
    pub dirs: Vec<String>,
    pub listed: Vec<(String, Vec<String>)>,
    pub artifact_shards: u32,
    pub rows_from: Vec<Vec<u32>>,
}

/// The meta file of an index of `docs` documents.
pub(in crate::search) fn meta_file(
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
