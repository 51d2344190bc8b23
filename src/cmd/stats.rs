//! `fir stats`: the numbers of the site's statistics pages, in the terminal.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;
use jiff::civil::Date;

use crate::render::{Catalogue, Theme};
use crate::stats::labels::Labels;
use crate::stats::table::{Table, close_table};
use crate::stats::{self, DateRange, Facet, Period};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    Csv,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Measure {
    /// Incidents opened.
    Count,
    /// Median, 90th percentile and mean hours from opening to closing.
    TimeToClose,
    /// Incidents still open at the end of each period.
    Backlog,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Group by these fields, comma-separated: category, severity, status, tlp,
    /// business-line, top-business-line, detection, actor, kind, major. Without --by
    /// or --period, the table shows an overview: by status, severity and category.
    #[arg(long, value_delimiter = ',', value_parser = parse_facet)]
    pub by: Vec<Facet>,
    /// Cut into periods (day, week, month, quarter, year) in the site's time zone.
    #[arg(long, value_parser = parse_period)]
    pub period: Option<Period>,
    /// First day (YYYY-MM-DD) [default: the first incident's].
    #[arg(long, value_parser = parse_date)]
    pub from: Option<Date>,
    /// Last day, included [default: the last incident's].
    #[arg(long, value_parser = parse_date)]
    pub to: Option<Date>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// What to measure.
    #[arg(long, value_enum, default_value = "count")]
    pub measure: Measure,
    /// Count only what this audience from fir.toml may read.
    #[arg(long)]
    pub audience: Option<String>,
}

fn parse_facet(text: &str) -> Result<Facet, String> {
    text.parse()
}

fn parse_period(text: &str) -> Result<Period, String> {
    text.parse()
}

fn parse_date(text: &str) -> Result<Date, String> {
    text.trim()
        .parse()
        .map_err(|e| format!("expected a day like 2024-01-31: {e}"))
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let audience = super::find_audience(&config, args.audience.as_deref())?;
    let theme = Theme::load(root, &config.theme).context("reading the theme")?;
    let catalogue = Catalogue::load(&theme, config.language.code())?;
    let Some(entries) = super::load_published(root, &config, audience, "no statistics") else {
        return Ok(ExitCode::FAILURE);
    };
    let summaries = super::summaries(&entries, &config);
    let records = stats::records(&summaries, &config);
    let extent = stats::extent(&records);
    let (Some(first), Some(last)) = (
        args.from.or(extent.map(|r| r.start)),
        args.to
            .or(extent.and_then(|r| r.end.yesterday().ok()))
            .or(args.from),
    ) else {
        eprintln!("no incidents");
        return Ok(ExitCode::SUCCESS);
    };
    if last < first {
        anyhow::bail!("--to {last} is before --from {first}");
    }
    let range = DateRange::inclusive(first, last);
    let labels = Labels::new(&config, &catalogue);
    let plain = args.by.is_empty() && args.period.is_none() && args.measure == Measure::Count;
    if plain && args.format == Format::Table {
        print!("{}", overview(&records, range, &labels));
        return Ok(ExitCode::SUCCESS);
    }
    let (table, json) = match args.measure {
        Measure::Count => {
            let mut counts = stats::count(&records, &args.by, args.period, range);
            labels.sort(&mut counts);
            (counts.table(&labels), counts_json(&counts, range, &labels))
        }
        Measure::TimeToClose => {
            let mut times = stats::time_to_close(&records, &args.by, range);
            labels.sort_times(&args.by, &mut times);
            (
                close_table(&args.by, &times, &labels),
                serde_json::to_value(&times)?,
            )
        }
        Measure::Backlog => {
            let period = args.period.unwrap_or(Period::Month);
            let backlog = stats::backlog(&records, period, range);
            let table = Table {
                columns: vec![period.name().to_string(), catalogue.get("open").to_string()],
                label_columns: 1,
                rows: backlog
                    .iter()
                    .map(|(span, n)| vec![span.label(), n.to_string()])
                    .collect(),
            };
            let json = backlog
                .iter()
                .map(|(span, n)| serde_json::json!({"period": span.label(), "open": n}))
                .collect();
            (table, json)
        }
    };
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Table => out.write_all(table.to_text().as_bytes())?,
        Format::Csv => out.write_all(&table.to_csv())?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &json)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// What `fir stats` shows without options: how many incidents between which days, and
/// their numbers and shares (%) by status, severity and category.
fn overview(records: &[stats::Record<'_>], range: DateRange, labels: &Labels<'_>) -> String {
    let last = range.end.yesterday().unwrap_or(range.end);
    let counts: Vec<stats::Counts> = [Facet::Status, Facet::Severity, Facet::Category]
        .into_iter()
        .map(|facet| {
            let mut counts = stats::count(records, &[facet], None, range);
            labels.sort(&mut counts);
            counts
        })
        .collect();
    // Every incident has one status: the same total for each table.
    let total = counts.first().map_or(0, stats::Counts::total);
    let tables: Vec<String> = counts
        .iter()
        .map(|counts| {
            let mut table = counts.table(labels);
            table.columns.push("%".to_string());
            for row in &mut table.rows {
                let n: f64 = row.last().and_then(|n| n.parse().ok()).unwrap_or(0.0);
                row.push(format!("{:.0}", 100.0 * n / total.max(1) as f64));
            }
            table.to_text()
        })
        .collect();
    format!(
        "{} from {} to {}\n\n{}\n(--by and --period for other views, see fir stats --help)\n",
        crate::counted(total as usize, "incident"),
        range.start,
        last,
        tables.join("\n")
    )
}

/// Counts as JSON: raw values with their labels; periods only when cut by period.
fn counts_json(counts: &stats::Counts, range: DateRange, labels: &Labels<'_>) -> serde_json::Value {
    let by_period = counts.period.is_some();
    let rows: Vec<serde_json::Value> = counts
        .rows
        .iter()
        .map(|row| {
            let mut value = serde_json::json!({
                "key": row.key,
                "label": labels.key(&counts.by, &row.key),
                "total": row.total,
            });
            if by_period {
                value["counts"] = serde_json::json!(row.counts);
            }
            value
        })
        .collect();
    let mut value = serde_json::json!({
        "by": counts.by,
        "from": range.start.to_string(),
        "to": range.end.yesterday().unwrap_or(range.end).to_string(),
        "rows": rows,
        "total": counts.total(),
    });
    if let Some(period) = counts.period {
        value["period"] = serde_json::json!(period);
        value["periods"] = serde_json::json!(counts.periods);
        value["totals"] = serde_json::json!(counts.totals);
    }
    value
}
