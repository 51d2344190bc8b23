//! `fir import`: migrate legacy registers (xlsx, xlsm, xls, ods, csv) to incident files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::content;
use crate::import::{self, Input, Mapping, Options, Outcome, sheet};

/// Warnings printed one by one; the rest are counted.
const SHOWN_WARNINGS: usize = 20;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Register files: .xlsx, .xlsm, .xls, .ods or .csv.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Mapping file (TOML). Without it, a mapping is guessed and printed; nothing is imported.
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Only this sheet (repeat for several); overrides the mapping's `sheets`.
    #[arg(long = "sheet")]
    pub sheets: Vec<String>,
    /// Show what would happen; write no incident file.
    #[arg(long)]
    pub dry_run: bool,
    /// Write one CSV line per row not imported as a new incident (file, sheet, row, reason, values).
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Replace fields edited in fir since the last import with the register's values.
    #[arg(long)]
    pub overwrite: bool,
    /// CSV delimiter (detected when absent).
    #[arg(long)]
    pub delimiter: Option<char>,
    /// CSV encoding, e.g. utf-8 or windows-1252 (detected when absent).
    #[arg(long)]
    pub encoding: Option<String>,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let mapping = match &args.mapping {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the mapping file {}", path.display()))?;
            Some(Mapping::from_toml(&text, &path.display().to_string())?)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let inputs = read_inputs(&args, mapping.as_ref())?;
    tracing::debug!("import: read at {:.2?}", started.elapsed());
    let Some(mapping) = mapping else {
        print!("{}", import::guess::guess(&inputs, &config));
        eprintln!(
            "nothing imported: review the mapping above, save it to a file and run again with --mapping FILE"
        );
        return Ok(ExitCode::SUCCESS);
    };

    let existing = content::load(root, &config);
    tracing::debug!("import: existing files loaded at {:.2?}", started.elapsed());
    if existing.has_errors(false) {
        for diagnostic in existing.diagnostics.iter().take(SHOWN_WARNINGS) {
            eprintln!("{diagnostic}");
        }
        bail!(
            "incident files under {} have errors (see above, or run `fir check`); fix them first so that re-imported rows find their files",
            root.display()
        );
    }
    let options = Options {
        overwrite: args.overwrite,
    };
    let plan = import::plan(
        root,
        &inputs,
        &mapping,
        &config,
        &existing.entries,
        &options,
    );
    tracing::debug!("import: planned at {:.2?}", started.elapsed());

    for (sheet, reason) in &plan.skipped_sheets {
        eprintln!("note: {sheet}: not imported: {reason}");
    }
    // The same problem on many rows is one line, with the first row and a count.
    let mut grouped: Vec<(&import::Warning, usize)> = Vec::new();
    let mut positions: std::collections::HashMap<(&Option<String>, &str), usize> =
        Default::default();
    for warning in &plan.warnings {
        let key = (&warning.column, warning.message.as_str());
        match positions.get(&key) {
            Some(&i) => grouped[i].1 += 1,
            None => {
                positions.insert(key, grouped.len());
                grouped.push((warning, 0));
            }
        }
    }
    for (warning, more) in grouped.iter().take(SHOWN_WARNINGS) {
        match more {
            0 => eprintln!("warning: {warning}"),
            n => eprintln!("warning: {warning} (and {n} more rows)"),
        }
    }
    if grouped.len() > SHOWN_WARNINGS {
        eprintln!(
            "warning: … and {} more kinds of problems",
            grouped.len() - SHOWN_WARNINGS
        );
    }
    if let Some(path) = &args.report {
        let file = std::fs::File::create(path)
            .with_context(|| format!("cannot create the report {}", path.display()))?;
        import::report::write(std::io::BufWriter::new(file), &plan.rows)
            .with_context(|| format!("cannot write the report {}", path.display()))?;
    }
    if !args.dry_run {
        import::apply(root, &plan).context("writing incident files")?;
    }

    let counts = plan.counts();
    let summary = Outcome::ALL
        .iter()
        .map(|o| format!("{} {}", counts.get(o).copied().unwrap_or(0), o.name()))
        .collect::<Vec<_>>()
        .join(", ");
    println!(
        "{}{} read: {summary}",
        if args.dry_run {
            "dry run, nothing written: "
        } else {
            ""
        },
        crate::counted(plan.rows.len(), "row")
    );
    let mut reasons: std::collections::BTreeMap<&str, usize> = Default::default();
    for row in plan.rows.iter().filter(|r| r.outcome == Outcome::Skipped) {
        let reason = row.reason.split(':').next().unwrap_or_default();
        *reasons.entry(reason).or_default() += 1;
    }
    for (reason, count) in reasons {
        println!("  skipped {count}: {reason}");
    }
    // The process ends here: its memory goes back at once, without freeing every
    // row, cell and file text one by one (a tenth of a small import's time).
    std::mem::forget((plan, inputs, existing));
    Ok(ExitCode::SUCCESS)
}

/// Reads every file, with CSV settings from the flags, else the mapping.
fn read_inputs(args: &Args, mapping: Option<&Mapping>) -> anyhow::Result<Vec<Input>> {
    let mut wanted: Vec<String> = args.sheets.clone();
    if wanted.is_empty()
        && let Some(mapping) = mapping
    {
        wanted.clone_from(&mapping.sheets);
    }
    let csv_options = mapping.map(|m| m.csv.clone()).unwrap_or_default();
    let delimiter = match args
        .delimiter
        .map(String::from)
        .or(csv_options.delimiter.clone())
    {
        Some(d) if d.len() == 1 => Some(d.as_bytes()[0]),
        Some(d) => bail!("the CSV delimiter must be one ASCII character, not {d:?}"),
        None => None,
    };
    let encoding =
        match args.encoding.as_ref().or(csv_options.encoding.as_ref()) {
            Some(label) => Some(sheet::encoding_for(label).with_context(|| {
                format!("unknown encoding {label:?} (try utf-8 or windows-1252)")
            })?),
            None => None,
        };
    let settings = sheet::CsvSettings {
        delimiter,
        encoding,
    };
    let mut inputs = Vec::new();
    for path in &args.files {
        let source = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        let sheets = match extension.as_str() {
            "csv" | "txt" | "tsv" => {
                let bytes = std::fs::read(path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let (sheet, encoding, delimiter) = sheet::read_csv(&bytes, &settings)
                    .with_context(|| format!("{}", path.display()))?;
                tracing::debug!(
                    "{}: {encoding}, delimiter {:?}",
                    path.display(),
                    delimiter as char
                );
                vec![sheet]
            }
            "xlsx" | "xlsm" | "xlsb" | "xls" | "xla" | "ods" => {
                let (sheets, names) = sheet::read_workbook(path, &wanted)
                    .with_context(|| format!("{}", path.display()))?;
                // Sheets named on the command line must exist; the mapping's list may
                // name sheets that only some files have, as long as one is there.
                let missing = wanted.iter().find(|w| !names.contains(w));
                if let Some(missing) = missing
                    && (!args.sheets.is_empty() || sheets.is_empty())
                {
                    bail!(
                        "{}: no sheet named {missing:?} (sheets: {})",
                        path.display(),
                        names.join(", ")
                    );
                }
                sheets
            }
            other => bail!(
                "{}: {}",
                path.display(),
                sheet::ReadError::Extension(other.to_string())
            ),
        };
        inputs.push(Input { source, sheets });
    }
    Ok(inputs)
}
