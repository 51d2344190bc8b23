//! Statistics as tables of text: what the terminal, CSV files and HTML tables show.

use serde::Serialize;

use super::labels::Labels;
use super::{CloseTimes, Counts, Facet};

/// A table with a header row; the first `label_columns` columns name the row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Table {
    pub columns: Vec<String>,
    pub label_columns: usize,
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// CSV with a header row (RFC 4180 quoting).
    pub fn to_csv(&self) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut writer = csv::Writer::from_writer(&mut out);
            // Writing to memory cannot fail.
            let _ = writer.write_record(&self.columns);
            for row in &self.rows {
                let _ = writer.write_record(row);
            }
            let _ = writer.flush();
        }
        out
    }

    /// Aligned columns for the terminal: labels to the left, numbers to the right.
    pub fn to_text(&self) -> String {
        let width = |i: usize| {
            std::iter::once(&self.columns[i])
                .chain(self.rows.iter().map(|r| &r[i]))
                .map(|s| s.chars().count())
                .max()
                .unwrap_or(0)
        };
        let widths: Vec<usize> = (0..self.columns.len()).map(width).collect();
        let line = |cells: &[String]| {
            let parts: Vec<String> = cells
                .iter()
                .enumerate()
                .map(|(i, cell)| {
                    let pad = widths[i].saturating_sub(cell.chars().count());
                    if i < self.label_columns {
                        format!("{cell}{}", " ".repeat(pad))
                    } else {
                        format!("{}{cell}", " ".repeat(pad))
                    }
                })
                .collect();
            parts.join("  ").trim_end().to_string()
        };
        let mut out = line(&self.columns);
        out.push('\n');
        for row in &self.rows {
            out.push_str(&line(row));
            out.push('\n');
        }
        out
    }
}

/// Hours with one decimal, or empty when nothing was measured.
pub fn hours(value: Option<f64>) -> String {
    value.map_or_else(String::new, |h| format!("{h:.1}"))
}

impl Counts {
    /// One row per key with its count per period and in total, then a total row when
    /// rows are grouped (each incident counted once there).
    pub fn table(&self, labels: &Labels<'_>) -> Table {
        let mut columns: Vec<String> = self.by.iter().map(|f| labels.facet(*f)).collect();
        if columns.is_empty() {
            columns.push(String::new());
        }
        let label_columns = columns.len();
        let by_period = self.period.is_some();
        if by_period {
            columns.extend(self.periods.iter().map(|s| s.label()));
        }
        columns.push(labels.catalogue.get("total").to_string());
        let numbers = |counts: &[u64], total: u64| {
            let mut cells: Vec<String> = Vec::new();
            if by_period {
                cells.extend(counts.iter().map(u64::to_string));
            }
            cells.push(total.to_string());
            cells
        };
        let mut rows: Vec<Vec<String>> = Vec::new();
        for row in &self.rows {
            let mut cells: Vec<String> = if row.key.is_empty() {
                vec![labels.catalogue.get("incidents").to_string()]
            } else {
                self.by
                    .iter()
                    .zip(&row.key)
                    .map(|(f, k)| labels.value(*f, k))
                    .collect()
            };
            cells.extend(numbers(&row.counts, row.total));
            rows.push(cells);
        }
        if !self.by.is_empty() {
            let mut cells = vec![labels.catalogue.get("total").to_string()];
            cells.extend(std::iter::repeat_n(String::new(), label_columns - 1));
            cells.extend(numbers(&self.totals, self.total()));
            rows.push(cells);
        }
        Table {
            columns,
            label_columns,
            rows,
        }
    }
}

/// Time to close per group: incidents, closed, without date, open, median, p90, mean.
pub fn close_table(by: &[Facet], times: &[CloseTimes], labels: &Labels<'_>) -> Table {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let mut columns: Vec<String> = by.iter().map(|f| labels.facet(*f)).collect();
    if columns.is_empty() {
        columns.push(String::new());
    }
    let label_columns = columns.len();
    columns.extend(
        [
            "incidents",
            "stats_closed",
            "stats_undated",
            "open",
            "stats_median_hours",
            "stats_p90_hours",
            "stats_mean_hours",
        ]
        .map(t),
    );
    let rows = times
        .iter()
        .map(|time| {
            let mut cells: Vec<String> = if time.key.is_empty() {
                vec![t("stats_all")]
            } else {
                by.iter()
                    .zip(&time.key)
                    .map(|(f, k)| labels.value(*f, k))
                    .collect()
            };
            cells.extend([
                time.incidents.to_string(),
                time.closed.to_string(),
                time.undated.to_string(),
                time.open.to_string(),
                hours(time.median_hours),
                hours(time.p90_hours),
                hours(time.mean_hours),
            ]);
            cells
        })
        .collect();
    Table {
        columns,
        label_columns,
        rows,
    }
}
