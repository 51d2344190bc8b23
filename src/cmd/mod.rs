//! The command line: one module per subcommand, each a thin layer over the library.

pub mod alert;
pub mod build;
pub mod check;
pub mod comment;
pub mod done;
mod editing;
pub mod export;
pub mod import;
pub mod ingest_mail;
pub mod init;
pub mod new;
pub mod nugget;
pub mod remove_old;
pub mod search;
pub mod serve;
pub mod stats;
pub mod tasks;
pub mod todo;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::config::Config;

/// Fast Incident Response: incidents as Markdown files, published as a static site.
#[derive(Debug, Parser)]
#[command(name = "fir", version, about)]
pub struct Cli {
    /// The site's root directory (where fir.toml is).
    #[arg(long, global = true, default_value = ".", env = "FIR_ROOT")]
    pub root: PathBuf,
    /// More logging (-v: debug, -vv: trace). FIR_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new site: fir.toml and an empty content directory.
    Init(init::Args),
    /// Create a new incident file with the next free id and print its path.
    New(Box<new::Args>),
    /// Check every incident file and list all problems.
    Check(check::Args),
    /// Render the static site.
    Build(build::Args),
    /// Import incidents from legacy registers (xlsx, xls, ods, csv).
    Import(import::Args),
    /// Serve the site with the intake form and API.
    Serve(serve::Args),
    /// Export incidents as CSV or JSON.
    Export(export::Args),
    /// Search incidents from the terminal.
    Search(search::Args),
    /// Print statistics.
    Stats(stats::Args),
    /// List the follow-up tasks not done yet, soonest deadline first.
    Tasks(tasks::Args),
    /// Add a timeline entry to an incident (and change its status, severity, category,
    /// TLP, detection, actor or plan with it).
    Comment(comment::Args),
    /// Add a piece of evidence (raw data, its source, what it shows) to an incident.
    Nugget(nugget::Args),
    /// Add a follow-up task to an incident.
    Todo(todo::Args),
    /// Mark an incident's follow-up task done.
    Done(done::Args),
    /// Prepare an incident's alert to its business lines' contacts (an .eml draft).
    Alert(alert::Args),
    /// Create incidents from reported emails.
    IngestMail(ingest_mail::Args),
    /// Remove a site a build replaced (started by builds, in the background).
    #[command(hide = true)]
    RemoveOld(remove_old::Args),
}

/// Runs the command line; the exit code says whether the work succeeded.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let root = cli.root;
    match cli.command {
        Command::Init(args) => init::run(args),
        Command::New(args) => new::run(&root, *args),
        Command::Check(args) => check::run(&root, args),
        Command::Build(args) => build::run(&root, args),
        Command::Import(args) => import::run(&root, args),
        Command::Serve(args) => serve::run(&root, args),
        Command::Export(args) => export::run(&root, args),
        Command::Search(args) => search::run(&root, args),
        Command::Stats(args) => stats::run(&root, args),
        Command::Tasks(args) => tasks::run(&root, args),
        Command::Comment(args) => comment::run(&root, args),
        Command::Nugget(args) => nugget::run(&root, args),
        Command::Todo(args) => todo::run(&root, args),
        Command::Done(args) => done::run(&root, args),
        Command::Alert(args) => alert::run(&root, args),
        Command::IngestMail(args) => ingest_mail::run(&root, args),
        Command::RemoveOld(args) => remove_old::run(args),
    }
}

/// Loads `fir.toml` from the site root, with a hint when there is none.
pub fn load_config(root: &std::path::Path) -> anyhow::Result<Config> {
    if !root.join(crate::config::FILE_NAME).exists() {
        anyhow::bail!(
            "no {} in {}: run `fir init DIR` to create a site, or pass --root",
            crate::config::FILE_NAME,
            root.display()
        );
    }
    Config::load(root).context("invalid site configuration")
}

/// The audience `name` from fir.toml (none without a name), or an error listing them.
pub fn find_audience<'c>(
    config: &'c Config,
    name: Option<&str>,
) -> anyhow::Result<Option<&'c crate::config::Audience>> {
    let Some(name) = name else {
        return Ok(None);
    };
    match config.audiences.get(name) {
        Some(audience) => Ok(Some(audience)),
        None => anyhow::bail!(
            "unknown audience {name:?}; fir.toml defines: {}",
            config
                .audiences
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The incidents `audience` may read (all without one), oldest first, after printing
/// every problem found in the files; `None` when one of them is an error (then nothing
/// is `done`: the message says so).
pub fn load_published(
    root: &std::path::Path,
    config: &Config,
    audience: Option<&crate::config::Audience>,
    done: &str,
) -> Option<Vec<crate::content::Entry>> {
    let content = crate::content::load(root, config);
    for diagnostic in &content.diagnostics {
        eprintln!("{diagnostic}");
    }
    if content.has_errors(false) {
        eprintln!("{done}: fix the errors above first");
        return None;
    }
    Some(crate::site::publishable(content.entries, config, audience))
}

/// The summaries of `entries`, sorted as every list is (oldest first).
pub fn summaries(entries: &[crate::content::Entry], config: &Config) -> Vec<crate::site::Summary> {
    let mut summaries: Vec<_> = entries
        .iter()
        .map(|e| crate::site::Summary::new(e, config, e.source_hash))
        .collect();
    crate::site::index::sort(&mut summaries);
    summaries
}

/// Logs to stderr; `FIR_LOG` (e.g. `FIR_LOG=fir=debug`) overrides the flags.
pub fn init_logging(verbose: u8, quiet: bool) {
    let level = match (quiet, verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "debug",
        (false, _) => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("FIR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("fir={level}")));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .without_time()
        .try_init();
}
