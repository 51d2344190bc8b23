//! `fir check`: load every incident and list all problems.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use crate::content;
use crate::diagnostic::count;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Treat warnings (unknown categories, missing close dates, …) as errors.
    #[arg(long)]
    pub strict: bool,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = super::load_config(root)?;
    let content = content::load(root, &config);
    for diagnostic in &content.diagnostics {
        eprintln!("{diagnostic}");
    }
    let (errors, warnings) = count(&content.diagnostics);
    eprintln!(
        "checked {} in {:.2?}: {}, {}",
        crate::counted(
            content.entries.len() + files_with_errors(&content),
            "incident file"
        ),
        started.elapsed(),
        crate::counted(errors, "error"),
        crate::counted(warnings, "warning"),
    );
    Ok(if content.has_errors(args.strict) {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// Files that failed to parse are not entries; count them once each.
fn files_with_errors(content: &content::Content) -> usize {
    let loaded: std::collections::HashSet<&Path> =
        content.entries.iter().map(|e| e.path.as_path()).collect();
    let mut failed: Vec<&Path> = content
        .diagnostics
        .iter()
        .map(|d| d.path.as_path())
        .filter(|p| !loaded.contains(p))
        .collect();
    failed.dedup();
    failed.len()
}
