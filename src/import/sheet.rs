//! Reading registers into sheets of [`Cell`]s: xlsx, xlsm, xls and ods with calamine,
//! CSV with the csv crate after detecting its encoding and delimiter.

use std::path::Path;

use calamine::{Data, ExcelDateTime, ExcelDateTimeType, Reader};

use super::cell::{Cell, from_serial};
use crate::incident::DateTime;

/// One sheet of a register (a CSV file is one sheet without a name).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// `None` for CSV files.
    pub name: Option<String>,
    /// Rows with the 1-based row number a spreadsheet shows.
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// What spreadsheets print for formula errors; a CSV export holds them as text.
const ERROR_VALUES: [&str; 8] = [
    "#N/A",
    "#DIV/0!",
    "#VALUE!",
    "#REF!",
    "#NAME?",
    "#NUM!",
    "#NULL!",
    "#GETTING_DATA",
];

/// How to read a CSV file; `None` fields are detected.
#[derive(Debug, Clone, Default)]
pub struct CsvSettings {
    pub delimiter: Option<u8>,
    pub encoding: Option<&'static encoding_rs::Encoding>,
}

/// What went wrong reading a register file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a readable spreadsheet: {0}")]
    Workbook(#[from] calamine::Error),
    #[error("sheet {sheet:?}: {message}")]
    Sheet { sheet: String, message: String },
    #[error("row {row}: {message}")]
    Csv { row: u64, message: String },
    #[error("unknown file type {0:?}: expected .xlsx, .xlsm, .xls, .ods or .csv")]
    Extension(String),
}

/// The sheets of the workbook at `path`, only those named in `wanted` if not empty.
/// Also returns every sheet name, for messages.
pub fn read_workbook(
    path: &Path,
    wanted: &[String],
) -> Result<(Vec<Sheet>, Vec<String>), ReadError> {
    use rayon::prelude::*;
    let mut workbook = calamine::open_workbook_auto(path)?;
    let names = workbook.sheet_names();
    let chosen: Vec<&String> = names
        .iter()
        .filter(|name| wanted.is_empty() || wanted.contains(name))
        .collect();
    // An xlsx file keeps each sheet in a zip member of its own, so one reader per sheet
    // reads them on every core; xls and ods parse the whole file when opened.
    let one_reader_per_sheet = matches!(workbook, calamine::Sheets::Xlsx(_)) && chosen.len() > 1;
    let sheets = if one_reader_per_sheet {
        chosen
            .par_iter()
            .map(|name| read_sheet(&mut calamine::open_workbook_auto(path)?, name))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        chosen
            .iter()
            .map(|name| read_sheet(&mut workbook, name))
            .collect::<Result<Vec<_>, _>>()?
    };
    Ok((sheets, names))
}

fn read_sheet<R: std::io::Read + std::io::Seek>(
    workbook: &mut calamine::Sheets<R>,
    name: &str,
) -> Result<Sheet, ReadError> {
    let range = workbook
        .worksheet_range(name)
        .map_err(|e| ReadError::Sheet {
            sheet: name.to_string(),
            message: e.to_string(),
        })?;
    let first_row = range.start().map_or(0, |(row, _)| row);
    let first_col = range.start().map_or(0, |(_, col)| col) as usize;
    let rows = range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            // Keep column positions stable whatever the first used column is.
            let mut cells = vec![Cell::Empty; first_col];
            cells.extend(row.iter().map(cell_of));
            (first_row + i as u32 + 1, cells)
        })
        .collect();
    Ok(Sheet {
        name: Some(name.to_string()),
        rows,
    })
}

fn cell_of(data: &Data) -> Cell {
    match data {
        Data::Empty => Cell::Empty,
        Data::String(s) => Cell::Text(s.clone()),
        Data::Int(n) => Cell::Int(*n),
        Data::Float(x) => Cell::Float(*x),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(dt) if dt.is_datetime() => {
            let serial = dt.as_f64() + if is_1904(dt) { 1462.0 } else { 0.0 };
            from_serial(serial).map_or(Cell::Float(dt.as_f64()), Cell::Date)
        }
        // A duration has no place in a date column; keep its number.
        Data::DateTime(dt) => Cell::Float(dt.as_f64()),
        Data::DateTimeIso(text) => text
            .parse::<DateTime>()
            .map_or_else(|_| Cell::Text(text.clone()), Cell::Date),
        Data::DurationIso(text) => Cell::Text(text.clone()),
        Data::Error(error) => Cell::Error(error.to_string()),
    }
}

/// calamine keeps the workbook's date system private; a 1904 date differs from the
/// same serial read in the 1900 system.
fn is_1904(dt: &ExcelDateTime) -> bool {
    let in_1900 = ExcelDateTime::new(dt.as_f64(), ExcelDateTimeType::DateTime, false);
    in_1900.to_ymd_hms_milli() != dt.to_ymd_hms_milli()
}

/// Reads CSV bytes as one sheet of text cells. Returns the encoding and delimiter used.
pub fn read_csv(
    bytes: &[u8],
    settings: &CsvSettings,
) -> Result<(Sheet, &'static str, u8), ReadError> {
    let (text, encoding) = decode(bytes, settings.encoding);
    let delimiter = settings.delimiter.unwrap_or_else(|| sniff_delimiter(&text));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| ReadError::Csv {
            row: e.position().map_or(i as u64 + 1, |p| p.record() + 1),
            message: e.to_string(),
        })?;
        let cells = record
            .iter()
            .map(|field| {
                if field.is_empty() {
                    Cell::Empty
                } else if ERROR_VALUES.contains(&field.trim()) {
                    Cell::Error(field.trim().to_string())
                } else {
                    Cell::Text(field.to_string())
                }
            })
            .collect();
        rows.push((i as u32 + 1, cells));
    }
    Ok((Sheet { name: None, rows }, encoding, delimiter))
}

/// UTF-8 (with or without a byte order mark) when the bytes are valid UTF-8, UTF-16
/// when a byte order mark says so, else Windows-1252 (what desktop Excel writes in
/// Western Europe). `forced` skips the detection.
pub fn decode(
    bytes: &[u8],
    forced: Option<&'static encoding_rs::Encoding>,
) -> (String, &'static str) {
    if let Some(encoding) = forced {
        let (text, _, _) = encoding.decode(bytes);
        return (text.into_owned(), encoding.name());
    }
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, _) = encoding.decode_without_bom_handling(&bytes[bom..]);
        return (text.into_owned(), encoding.name());
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => (text.to_string(), encoding_rs::UTF_8.name()),
        Err(_) => {
            let (text, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(bytes);
            (text.into_owned(), encoding_rs::WINDOWS_1252.name())
        }
    }
}

/// The delimiter that splits the first records into the most rows of one same width.
pub fn sniff_delimiter(text: &str) -> u8 {
    let sample = match text.char_indices().nth(64 * 1024) {
        Some((end, _)) => &text[..end],
        None => text,
    };
    let mut best = (0usize, b',');
    for delimiter in [b',', b';', b'\t', b'|'] {
        let mut widths: std::collections::HashMap<usize, usize> = Default::default();
        for width in record_widths(sample.as_bytes(), delimiter).take(SNIFFED_RECORDS) {
            if width > 1 {
                *widths.entry(width).or_default() += 1;
            }
        }
        // Rows of the most common width, weighted by that width.
        let score = widths
            .iter()
            .map(|(width, rows)| width * rows)
            .max()
            .unwrap_or(0);
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

/// How many records the delimiter sniffing looks at.
const SNIFFED_RECORDS: usize = 200;

/// The number of fields of each record of `bytes` as the csv crate splits them with
/// `delimiter` (RFC 4180 quotes, `\r`, `\n` or `\r\n` ends a record, empty lines
/// skipped). Counting needs no field buffers, and the sniffing tries four delimiters:
/// four csv readers cost more than the reading itself on small files.
fn record_widths(bytes: &[u8], delimiter: u8) -> impl Iterator<Item = usize> + '_ {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        StartRecord,
        StartField,
        Unquoted,
        Quoted,
        /// A quote inside a quoted field: closes it, or escapes a second quote.
        QuoteInQuoted,
    }
    let mut state = State::StartRecord;
    let mut fields = 0;
    let mut bytes = bytes.iter();
    std::iter::from_fn(move || {
        for &byte in bytes.by_ref() {
            let is_end = byte == b'\n' || byte == b'\r';
            state = match state {
                State::StartRecord if is_end => State::StartRecord,
                State::Quoted => match byte {
                    b'"' => State::QuoteInQuoted,
                    _ => State::Quoted,
                },
                State::QuoteInQuoted if byte == b'"' => State::Quoted,
                State::StartRecord | State::StartField if byte == b'"' => State::Quoted,
                _ if byte == delimiter => {
                    fields += 1;
                    State::StartField
                }
                _ if is_end => {
                    state = State::StartRecord;
                    return Some(std::mem::take(&mut fields) + 1);
                }
                _ => State::Unquoted,
            };
        }
        // The last record needs no line end.
        (std::mem::replace(&mut state, State::StartRecord) != State::StartRecord)
            .then(|| std::mem::take(&mut fields) + 1)
    })
}

/// The encoding named `label` (`utf-8`, `windows-1252`, `cp1252`, `latin1`, …).
pub fn encoding_for(label: &str) -> Option<&'static encoding_rs::Encoding> {
    let label = label.trim().to_ascii_lowercase();
    let label = match label.as_str() {
        "cp1252" | "ansi" => "windows-1252",
        other => other,
    };
    encoding_rs::Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_french_excel_csv() {
        // "Catégorie;Sévérité" then a quoted multi-line cell, in Windows-1252, CRLF.
        let (text, _, _) = encoding_rs::WINDOWS_1252
            .encode("Réf;Catégorie;Commentaires\r\n1;Hameçonnage;\"ligne 1\r\nligne 2\"\r\n");
        let (sheet, encoding, delimiter) = read_csv(&text, &CsvSettings::default()).unwrap();
        assert_eq!(encoding, "windows-1252");
        assert_eq!(delimiter, b';');
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[0].1[1], Cell::Text("Catégorie".into()));
        assert_eq!(sheet.rows[1].1[2], Cell::Text("ligne 1\r\nligne 2".into()));
    }

    #[test]
    fn utf8_with_bom_and_commas() {
        let bytes = "\u{feff}Ref,Subject,Comments\r\nA,\"x; y\",\"a, b\"\r\n".as_bytes();
        let (sheet, encoding, delimiter) = read_csv(bytes, &CsvSettings::default()).unwrap();
        assert_eq!((encoding, delimiter), ("UTF-8", b','));
        assert_eq!(sheet.rows[0].1[0], Cell::Text("Ref".into()));
        assert_eq!(sheet.rows[1].1[1], Cell::Text("x; y".into()));
    }

    #[test]
    fn record_widths_follow_quotes_and_line_ends() {
        let text = b"a,b,c\r\n\r\n\"x,\r\ny\",\"q\"\"\",z\nlast,";
        assert_eq!(record_widths(text, b',').collect::<Vec<_>>(), [3, 3, 2]);
        assert_eq!(record_widths(text, b';').collect::<Vec<_>>(), [1, 1, 1]);
        assert_eq!(record_widths(b"", b',').count(), 0);
    }

    proptest::proptest! {
        /// The counting scanner splits records exactly like the csv crate.
        #[test]
        fn record_widths_match_the_csv_crate(
            text in "[a;,|\t\"\r\n ]{0,80}",
            delimiter in proptest::sample::select(vec![b',', b';', b'\t', b'|']),
        ) {
            let expected: Vec<usize> = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(text.as_bytes())
                .into_byte_records()
                .map(|record| record.unwrap().len())
                .collect();
            let widths: Vec<usize> = record_widths(text.as_bytes(), delimiter).collect();
            proptest::prop_assert_eq!(widths, expected);
        }
    }

    #[test]
    fn overrides_win() {
        let settings = CsvSettings {
            delimiter: Some(b'|'),
            encoding: encoding_for("latin1"),
        };
        let (sheet, encoding, _) = read_csv(b"a|b\xe9\n", &settings).unwrap();
        assert_eq!(encoding, "windows-1252");
        assert_eq!(sheet.rows[0].1[1], Cell::Text("bé".into()));
    }
}
