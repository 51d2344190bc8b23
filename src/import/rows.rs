//! From sheet rows to incidents: the header row, the kind of each row below it, and
//! the incident a data row describes.

use std::collections::{HashMap, HashSet};

use super::cell::{self, Cell};
use super::mapping::{Field, Mapping, normalize, normalizes_to};
use crate::config::{Config, Taxonomy, business_lines};
use crate::incident::{Attribute, DateTime, Incident, Legacy, TimelineEntry};

/// Rows scanned for the header: title blocks are rarely longer.
const HEADER_SCAN: usize = 50;

/// Where each field and attribute sits in a sheet, from its header row.
#[derive(Debug, Clone)]
pub struct Layout {
    /// Index of the header in the sheet's rows.
    pub header_index: usize,
    /// Header text of each column, trimmed (`Column K` for unnamed columns).
    pub headers: Vec<String>,
    /// Normalised header of each column.
    keys: Vec<String>,
    /// Column of each mapped field that the sheet has.
    pub columns: Vec<(Field, usize)>,
    /// Columns kept as attributes: neither mapped nor ignored.
    pub attribute_columns: Vec<usize>,
    /// Mapped fields whose column the sheet lacks.
    pub missing: Vec<Field>,
}

/// The header row: the row among the first ones with the most cells naming a mapped
/// column (at least two), or the row the mapping names.
pub fn find_header(
    rows: &[(u32, Vec<Cell>)],
    mapping: &Mapping,
    by_header: &HashMap<String, Vec<Field>>,
) -> Option<Layout> {
    let header_index = match mapping.header_row {
        Some(number) => rows.iter().position(|(n, _)| *n == number)?,
        None => {
            let needed = by_header.len().min(2);
            let mut best: Option<(usize, usize)> = None;
            for (i, (_, cells)) in rows.iter().take(HEADER_SCAN).enumerate() {
                let score = cells
                    .iter()
                    .filter(|c| matches!(c, Cell::Text(t) if by_header.contains_key(&normalize(t))))
                    .count();
                if score >= needed.max(1) && best.is_none_or(|(_, s)| score > s) {
                    best = Some((i, score));
                }
            }
            best?.0
        }
    };
    let cells = &rows[header_index].1;
    let width = rows.iter().map(|(_, r)| r.len()).max().unwrap_or(0);
    let headers: Vec<String> = (0..width)
        .map(|i| match cells.get(i) {
            Some(c) if !c.is_blank() => c.raw().split_whitespace().collect::<Vec<_>>().join(" "),
            _ => format!("Column {}", column_letters(i)),
        })
        .collect();
    let keys: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let ignored: HashSet<String> = mapping.ignore.iter().map(|h| normalize(h)).collect();
    let mut columns = Vec::new();
    let mut attribute_columns = Vec::new();
    for (i, key) in keys.iter().enumerate() {
        match by_header.get(key) {
            Some(fields) if !columns.iter().any(|(_, c)| *c == i) => {
                // A header feeds each of its fields once, from its first column.
                for field in fields {
                    if !columns.iter().any(|(f, _)| f == field) {
                        columns.push((*field, i));
                    }
                }
            }
            Some(_) => {}
            None if ignored.contains(key) => {}
            None => attribute_columns.push(i),
        }
    }
    let missing = mapping
        .columns
        .keys()
        .filter(|f| !columns.iter().any(|(c, _)| c == *f))
        .copied()
        .collect();
    Some(Layout {
        header_index,
        headers,
        keys,
        columns,
        attribute_columns,
        missing,
    })
}

/// `A`, `B`, … `Z`, `AA`: the column names spreadsheets show.
pub fn column_letters(index: usize) -> String {
    let mut n = index + 1;
    let mut letters = Vec::new();
    while n > 0 {
        letters.push(b'A' + ((n - 1) % 26) as u8);
        n = (n - 1) / 26;
    }
    letters.reverse();
    String::from_utf8(letters).unwrap_or_default()
}

/// What a row below the header is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    Blank,
    RepeatedHeader,
    Total,
    Data,
}

/// Words that open a totals row.
const TOTAL_WORDS: [&str; 7] = [
    "total",
    "totals",
    "totaux",
    "soustotal",
    "subtotal",
    "grandtotal",
    "totalgeneral",
];

impl Layout {
    pub fn classify(&self, cells: &[Cell]) -> RowKind {
        let filled: Vec<(usize, &Cell)> = cells
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.is_blank())
            .collect();
        if filled.is_empty() {
            return RowKind::Blank;
        }
        let same_as_header = filled
            .iter()
            .filter(|(i, c)| matches!((c, self.keys.get(*i)), (Cell::Text(t), Some(key)) if normalizes_to(t, key)))
            .count();
        if same_as_header * 2 > filled.len() && same_as_header >= 2 {
            return RowKind::RepeatedHeader;
        }
        if let Cell::Text(first) = filled[0].1
            && TOTAL_WORDS.iter().any(|word| normalizes_to(first, word))
        {
            return RowKind::Total;
        }
        RowKind::Data
    }

    /// The column of `field` in this sheet.
    pub fn column(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, c)| *c)
    }
}

/// Value maps and the configuration, resolved once per import.
#[derive(Debug)]
pub struct Resolver<'a> {
    pub mapping: &'a Mapping,
    pub config: &'a Config,
    maps: HashMap<Field, HashMap<String, String>>,
}

/// A problem with one cell that did not stop the row from being imported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellWarning {
    pub column: String,
    pub message: String,
}

/// The incident a data row describes, before ids and existing files are considered.
#[derive(Debug, Clone)]
pub struct Built {
    pub incident: Incident,
    /// The register's reference, if the mapping has a `ref` column and the cell is set.
    pub reference: Option<String>,
    pub warnings: Vec<CellWarning>,
}

/// Why a data row cannot become an incident, naming the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub column: String,
    pub message: String,
}

impl<'a> Resolver<'a> {
    pub fn new(mapping: &'a Mapping, config: &'a Config) -> Self {
        let maps = super::mapping::FIELDS
            .iter()
            .map(|f| (*f, mapping.value_map(*f)))
            .filter(|(_, m)| !m.is_empty())
            .collect();
        Resolver {
            mapping,
            config,
            maps,
        }
    }

    /// The cell's text through the value map of `field` (keys compare normalised).
    fn mapped(&self, field: Field, raw: &str) -> String {
        self.maps
            .get(&field)
            .and_then(|map| map.get(&normalize(raw)))
            .cloned()
            .unwrap_or_else(|| raw.trim().to_string())
    }

    fn taxonomy(&self, field: Field) -> Option<&'a Taxonomy> {
        let config = self.config;
        Some(match field {
            Field::Category => &config.categories,
            Field::Status => &config.statuses,
            Field::Tlp => &config.tlp,
            Field::Detection => &config.detections,
            Field::Actor => &config.actors,
            Field::Plan => &config.plans,
            Field::Severity => &config.severities,
            _ => return None,
        })
    }

    /// Builds the incident of one data row. `source` and `sheet` fill `legacy`.
    pub fn build(
        &self,
        layout: &Layout,
        cells: &[Cell],
        source: &str,
        sheet: Option<&str>,
        row: u32,
    ) -> Result<Built, RowError> {
        let empty = Cell::Empty;
        let mut warnings = Vec::new();
        // Columns whose value could not be used: kept as attributes, never dropped.
        let mut kept_raw: Vec<usize> = Vec::new();
        let header = |field: Field| {
            layout
                .column(field)
                .map_or_else(|| field.key().to_string(), |c| layout.headers[c].clone())
        };
        // The cell of `field`, or the mapping's default when it is empty or absent.
        let cell_of = |field: Field| -> Cell {
            let cell = layout
                .column(field)
                .and_then(|c| cells.get(c))
                .unwrap_or(&empty);
            if cell.is_blank() {
                self.mapping
                    .default_text(field)
                    .map_or(Cell::Empty, Cell::Text)
            } else {
                cell.clone()
            }
        };
        let required = |field: Field, message: String| RowError {
            column: header(field),
            message,
        };

        let title = cell::text(&cell_of(Field::Title))
            .map_err(|e| required(Field::Title, e.to_string()))?;
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        if title.is_empty() {
            return Err(required(Field::Title, "empty; a title is required".into()));
        }
        let date = match cell::parse_date(&cell_of(Field::Date), self.mapping.day_first) {
            Ok(Some(date)) => date,
            Ok(None) => return Err(required(Field::Date, "empty; a date is required".into())),
            Err(e) => return Err(required(Field::Date, e.to_string())),
        };
        let mut incident = Incident::new(String::new(), title, date);
        incident.category = String::new();
        incident.status = String::new();

        let mut warn = |field: Field, message: String, kept: bool| {
            if kept && let Some(c) = layout.column(field) {
                kept_raw.push(c);
            }
            warnings.push(CellWarning {
                column: header(field),
                message,
            });
        };

        let reference = match cell_of(Field::Ref) {
            Cell::Float(x) if x.fract() == 0.0 && x.abs() < 1e15 => Some(format!("{}", x as i64)),
            cell => cell::text(&cell).ok().map(|t| t.trim().to_string()),
        }
        .filter(|r| !r.is_empty());

        for field in [
            Field::Category,
            Field::Status,
            Field::Tlp,
            Field::Detection,
            Field::Actor,
            Field::Plan,
        ] {
            let cell = cell_of(field);
            if cell.is_blank() {
                continue;
            }
            let raw = match cell::text(&cell) {
                Ok(raw) => raw,
                Err(e) => {
                    warn(field, e.to_string(), true);
                    continue;
                }
            };
            let value = self.mapped(field, &raw);
            if value.is_empty() {
                continue;
            }
            let taxonomy = self.taxonomy(field).expect("taxonomy fields");
            let slug = match taxonomy.resolve(&value) {
                Some(term) => term.slug.clone(),
                None => {
                    warn(
                        field,
                        format!(
                            "{value:?} is not a {} in fir.toml; kept as is (map it in [values.{}])",
                            field.key(),
                            field.key()
                        ),
                        false,
                    );
                    value
                }
            };
            match field {
                Field::Category => incident.category = slug,
                Field::Status => incident.status = slug,
                Field::Tlp => incident.tlp = Some(slug),
                Field::Detection => incident.detection = Some(slug),
                Field::Actor => incident.actor = Some(slug),
                _ => incident.plan = Some(slug),
            }
        }
        if incident.category.is_empty() {
            incident.category = "other".into();
        }
        if incident.status.is_empty() {
            incident.status = self.config.initial_status().slug.clone();
        }

        let severity_cell = cell_of(Field::Severity);
        if !severity_cell.is_blank() {
            let mapped = match &severity_cell {
                Cell::Text(t) => Cell::Text(self.mapped(Field::Severity, t)),
                other => match self.maps.get(&Field::Severity) {
                    Some(map) => map
                        .get(&normalize(&other.raw()))
                        .map_or_else(|| other.clone(), |v| Cell::Text(v.clone())),
                    None => other.clone(),
                },
            };
            let by_label = || {
                self.config
                    .severities
                    .resolve(&mapped.raw())
                    .and_then(|t| t.slug.parse::<u8>().ok())
            };
            match cell::parse_severity(&mapped) {
                Ok(Some(n)) => incident.severity = n,
                Ok(None) => {}
                Err(e) => match by_label() {
                    Some(n) => incident.severity = n,
                    None => warn(Field::Severity, e.to_string(), true),
                },
            }
        } else if let Some(lowest) = self.config.severities.iter().next() {
            incident.severity = lowest.slug.parse().unwrap_or(1);
        }

        for field in [Field::Major, Field::Incident] {
            let cell = cell_of(field);
            let mapped = match &cell {
                Cell::Text(t) => Cell::Text(self.mapped(field, t)),
                other => other.clone(),
            };
            match cell::parse_bool(&mapped) {
                Ok(value) => {
                    let value = value.unwrap_or(field == Field::Incident);
                    if field == Field::Major {
                        incident.major = value;
                    } else {
                        incident.incident = value;
                    }
                }
                Err(e) => warn(field, e.to_string(), true),
            }
        }

        match cell::parse_date(&cell_of(Field::Closed), self.mapping.day_first) {
            Ok(closed) => incident.closed = closed,
            Err(e) => warn(Field::Closed, e.to_string(), true),
        }

        let lines = cell_of(Field::BusinessLines);
        if !lines.is_blank() {
            match cell::text(&lines) {
                Ok(text) => {
                    for part in text.split([';', '\n']).filter(|p| !p.trim().is_empty()) {
                        let line =
                            business_lines::normalize(&self.mapped(Field::BusinessLines, part));
                        if line.is_empty() || incident.business_lines.contains(&line) {
                            continue;
                        }
                        if !self.config.business_lines.contains(&line) {
                            warn(
                                Field::BusinessLines,
                                format!(
                                    "business line {line:?} is not declared in fir.toml; kept as is"
                                ),
                                false,
                            );
                        }
                        incident.business_lines.push(line);
                    }
                }
                Err(e) => warn(Field::BusinessLines, e.to_string(), true),
            }
        }

        for field in [
            Field::OpenedBy,
            Field::Tags,
            Field::Description,
            Field::Timeline,
        ] {
            let cell = cell_of(field);
            if cell.is_blank() {
                continue;
            }
            let text = match cell::text(&cell) {
                Ok(text) => text,
                Err(e) => {
                    warn(field, e.to_string(), true);
                    continue;
                }
            };
            match field {
                Field::OpenedBy => incident.opened_by = Some(self.mapped(field, &text)),
                Field::Tags => {
                    for tag in text.split([',', ';', '\n']).map(str::trim) {
                        let tag = self.mapped(field, tag);
                        if !tag.is_empty() && !incident.tags.contains(&tag) {
                            incident.tags.push(tag);
                        }
                    }
                }
                Field::Description => incident.description = text,
                _ => incident.timeline.push(TimelineEntry {
                    date: incident.date,
                    action: Some(self.mapping.timeline_action.clone()),
                    author: None,
                    text,
                }),
            }
        }

        for &c in layout.attribute_columns.iter().chain(&kept_raw) {
            let Some(cell) = cells.get(c).filter(|c| !c.is_blank()) else {
                continue;
            };
            let value = match cell::text(cell) {
                Ok(text) => text,
                Err(_) => cell.raw(),
            };
            incident.attributes.push(Attribute {
                name: layout.headers[c].clone(),
                value,
                unit: None,
            });
        }

        incident.legacy = Some(Legacy {
            source: source.to_string(),
            sheet: sheet.map(str::to_string),
            row: Some(row),
            reference: reference.clone(),
        });
        incident.normalize();
        Ok(Built {
            incident,
            reference,
            warnings,
        })
    }
}

/// A date's year for ids and paths.
pub fn year_of(date: &DateTime) -> i16 {
    date.civil().year()
}
