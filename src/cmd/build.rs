//! `fir build`: render the static site.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::site::{BuildError, BuildOptions, Site};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output directory [default: site/ in the site root].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Publish only what this audience from fir.toml may read.
    #[arg(long)]
    pub audience: Option<String>,
    /// URL the site is published at, for the feed's links; overrides fir.toml.
    #[arg(long)]
    pub base_url: Option<String>,
    /// Render every page, ignoring what the last build left.
    #[arg(long)]
    pub full: bool,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    super::load_config(root)?;
    let options = BuildOptions {
        out: args.out,
        audience: args.audience,
        base_url: args.base_url,
        full: args.full,
        ..BuildOptions::default()
    };
    let outcome = Site::load(root, options).and_then(|mut site| {
        let report = site.build();
        // The process ends next: freeing a large site's memory piece by piece took
        // about a second at 100k incidents; the system takes it back at once.
        std::mem::forget(site);
        report
    });
    match outcome {
        Ok(report) => {
            for warning in &report.warnings {
                eprintln!("{warning}");
            }
            for (step, took) in &report.steps {
                tracing::debug!("step {step}: {took:.2?}");
            }
            println!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            report_error(&error);
            Ok(ExitCode::FAILURE)
        }
    }
}

/// Prints every problem; content errors are already one `file:line: …` per line.
pub fn report_error(error: &BuildError) {
    match error {
        BuildError::Content(_) => eprintln!("{error}"),
        other => eprintln!("error: {other}"),
    }
}
