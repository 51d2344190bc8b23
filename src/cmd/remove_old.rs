//! `fir remove-old` (hidden): what a build starts in the background to remove the site
//! it replaced, pausing while builds of that site run
//! ([`crate::site::publish::remove_pausing`]).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site (output directory) whose builds the removal waits for.
    #[arg(long)]
    site: PathBuf,
    /// The files and directories to remove.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    crate::site::publish::remove_pausing(&args.site, &args.paths)
        .with_context(|| format!("removing {:?}", args.paths))?;
    Ok(ExitCode::SUCCESS)
}
