//! `fir init DIR`: scaffold a working site.

use std::fs;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::config::{DEFAULT_TOML, FILE_NAME};
use crate::store::INCIDENTS_DIR;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to create the site in (created if missing).
    pub dir: PathBuf,
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let dir = args.dir;
    let config = dir.join(FILE_NAME);
    if config.exists() {
        bail!("{} already exists; not overwriting it", config.display());
    }
    let incidents = dir.join(INCIDENTS_DIR);
    fs::create_dir_all(&incidents).with_context(|| format!("creating {}", incidents.display()))?;
    fs::write(&config, DEFAULT_TOML).with_context(|| format!("writing {}", config.display()))?;
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        // The site, and what builds keep beside it (cache, spares of data files).
        fs::write(&gitignore, "/site/\n/.site-*\n")
            .with_context(|| format!("writing {}", gitignore.display()))?;
    }
    let keep = incidents.join(".gitkeep");
    fs::write(&keep, "").with_context(|| format!("writing {}", keep.display()))?;
    println!("created a fir site in {}", dir.display());
    println!(
        "next: cd {} && fir new --title \"First incident\"",
        dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
