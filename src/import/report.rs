//! The `--report` CSV: one line per row that was not imported as a new incident.

use std::io::Write;

use super::{Outcome, RowResult};

/// Column names of the report.
pub const HEADER: [&str; 7] = ["file", "sheet", "row", "outcome", "id", "reason", "values"];

/// Writes the report of `rows` (all but `imported` ones). `values` holds the row's
/// non-empty cells as a JSON object, header → raw text, so nothing is lost.
pub fn write<W: Write>(out: W, rows: &[RowResult]) -> csv::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(HEADER)?;
    for row in rows.iter().filter(|r| r.outcome != Outcome::Imported) {
        let values: serde_json::Map<String, serde_json::Value> = row
            .values
            .iter()
            .map(|(header, value)| (header.clone(), serde_json::Value::String(value.clone())))
            .collect();
        writer.write_record([
            row.location.source.as_str(),
            row.location.sheet.as_deref().unwrap_or(""),
            &row.location.row.to_string(),
            row.outcome.name(),
            row.id.as_deref().unwrap_or(""),
            &row.reason,
            &serde_json::Value::Object(values).to_string(),
        ])?;
    }
    writer.flush()?;
    Ok(())
}
