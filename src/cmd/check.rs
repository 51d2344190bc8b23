//! `fir check`: load every incident and list all problems.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;

use crate::config::Config;
use crate::diagnostic::count;
use crate::{content, incident, store};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Treat warnings (unknown categories, missing close dates, …) as errors.
    #[arg(long)]
    pub strict: bool,
    /// Write the values that name a term by its label, an alias or in another case
    /// (category, status, detection, actor, plan, timeline actions) as its slug, and
    /// business lines in another case as declared, then check.
    #[arg(long)]
    pub fix: bool,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let config = super::load_config(root)?;
    if args.fix {
        fix(root, &config)?;
    }
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

/// Rewrites the lines of every file whose taxonomy values are spelt another way than
/// their slugs ([`incident::fix_terms`]), one file at a time under the site's lock (as
/// the intake server edits), and says which.
fn fix(root: &Path, config: &Config) -> anyhow::Result<()> {
    let _lock = store::lock(root).context("locking the incident files")?;
    let files = content::incident_files(root).context("listing the incident files")?;
    for path in files {
        // Unreadable or broken files are reported by the check that follows.
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Some((fixed, fields)) = incident::fix_terms(&text, config) {
            store::replace(&path, fixed.as_bytes())
                .with_context(|| format!("writing {}", path.display()))?;
            eprintln!("fixed {}: {}", path.display(), fields.join(", "));
        }
    }
    Ok(())
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
