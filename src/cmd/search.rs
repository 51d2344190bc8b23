//! `fir search QUERY`: answers a query from the built site's search index, the same
//! files the browser reads.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::search::{self, Searcher, Sort};
use crate::site::search::SiteDir;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The query, e.g. `phishing severity:>=3 -status:closed` (several words are joined).
    #[arg(required = true, allow_hyphen_values = true)]
    pub query: Vec<String>,
    /// Print the results and facet counts as JSON.
    #[arg(long)]
    pub json: bool,
    /// The built site [default: site/ in the site root].
    #[arg(long)]
    pub site: Option<PathBuf>,
    /// Newest first instead of most relevant first.
    #[arg(long)]
    pub by_date: bool,
    /// How many results to print.
    #[arg(long, default_value_t = 20)]
    pub limit: usize,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let site = args.site.unwrap_or_else(|| root.join("site"));
    let mut searcher = Searcher::open(SiteDir(&site))
        .with_context(|| format!("cannot open the search index of {}", site.display()))?;
    // The query takes words that start with `-` (negation), so options after it
    // would be read as words: say so rather than search for `--limit`.
    if let Some(option) = args.query.iter().find(|w| {
        ["--json", "--site", "--by-date", "--limit"]
            .iter()
            .any(|o| w.as_str() == *o || w.starts_with(&format!("{o}=")))
    }) {
        anyhow::bail!(
            "{option} comes after the query: put options before it (fir search {option} … QUERY)"
        );
    }
    let query = search::parse(&args.query.join(" "), false);
    let sort = if args.by_date {
        Sort::Date
    } else {
        Sort::Relevance
    };
    let outcome = searcher
        .search(&query, sort, 0, args.limit)
        .with_context(|| format!("searching {}", site.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&outcome)?);
        return Ok(ExitCode::SUCCESS);
    }
    for unknown in &outcome.unknown {
        if unknown.known.is_empty() {
            eprintln!(
                "note: no incident has {} {:?}",
                unknown.field, unknown.value
            );
        } else {
            eprintln!(
                "note: {} has no value {:?}; its values: {}",
                unknown.field,
                unknown.value,
                unknown.known.join(", ")
            );
        }
    }
    for hit in &outcome.hits {
        println!(
            "{}  {}  {}  [{} · sev {} · {}]",
            hit.id, hit.date, hit.title, hit.category, hit.severity, hit.status
        );
    }
    let shown = outcome.hits.len();
    let results = crate::counted(outcome.total, "result");
    if outcome.total > shown {
        println!("{shown} of {results} (--limit for more)");
    } else {
        println!("{results}");
    }
    Ok(ExitCode::SUCCESS)
}
