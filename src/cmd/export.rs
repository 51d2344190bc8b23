//! `fir export`: all incidents as CSV (for spreadsheets) or JSON, one per row.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::artifacts;
use crate::site::data;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One row per incident, lists joined with "; ", UTF-8 with a byte order mark
    /// so that spreadsheet programs read accents right.
    Csv,
    /// The same records as the site's data/incidents.json.
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum)]
    pub format: Format,
    /// File to write [default: standard output].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Export only what this audience from fir.toml may read.
    #[arg(long)]
    pub audience: Option<String>,
    /// With `--format csv`: one row per (incident, artifact) instead of one per
    /// incident, for blocklists and SIEM imports.
    #[arg(long)]
    pub artifacts: bool,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    if args.artifacts && args.format != Format::Csv {
        anyhow::bail!(
            "--artifacts goes with --format csv (JSON always has each incident's `indicators`)"
        );
    }
    let audience = super::find_audience(&config, args.audience.as_deref())?;
    let Some(entries) = super::load_published(root, &config, audience, "nothing exported") else {
        return Ok(ExitCode::FAILURE);
    };
    let bytes = match args.format {
        Format::Json => {
            let mut array = data::JsonArray::with_capacity(0);
            for entry in &entries {
                let found = artifacts::extract(&entry.incident, &config.artifacts);
                array.push_with_artifacts(&entry.incident, &found);
            }
            array.finish()
        }
        Format::Csv => {
            let mut out = "\u{feff}".as_bytes().to_vec();
            {
                let mut writer = csv::Writer::from_writer(&mut out);
                if args.artifacts {
                    writer.write_record(data::ARTIFACT_CSV_COLUMNS)?;
                    for entry in &entries {
                        let found = artifacts::extract(&entry.incident, &config.artifacts);
                        for row in data::artifact_rows(&entry.incident, &found, &config) {
                            writer.write_record(&row)?;
                        }
                    }
                } else {
                    writer.write_record(data::CSV_COLUMNS)?;
                    for entry in &entries {
                        let found = artifacts::extract(&entry.incident, &config.artifacts);
                        writer.write_record(data::csv_row(&entry.incident, &found, &config))?;
                    }
                }
                writer.flush()?;
            }
            out
        }
    };
    match &args.out {
        Some(path) => crate::store::replace(path, &bytes)
            .with_context(|| format!("writing {}", path.display()))?,
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    if let Some(path) = &args.out {
        eprintln!(
            "exported {} to {}",
            crate::counted(entries.len(), "incident"),
            path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
