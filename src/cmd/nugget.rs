//! `fir nugget`: add a piece of evidence (a log line, a mail header) to an incident, as
//! the API's `…/nuggets` does; the raw data can come from a pipe.

use std::path::Path;
use std::process::ExitCode;

use crate::incident::{self, DateTime};
use crate::intake;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id.
    pub id: String,
    /// The raw data, kept byte for byte (default: read from standard input).
    #[arg(long)]
    pub raw: Option<String>,
    /// Where it comes from (`proxy logs`, `mail headers`…).
    #[arg(long)]
    pub source: Option<String>,
    /// What it shows.
    #[arg(long)]
    pub interpretation: Option<String>,
    /// Who found it.
    #[arg(long, env = "FIR_AUTHOR")]
    pub found_by: Option<String>,
    /// When the activity it shows started (RFC 3339 or YYYY-MM-DD).
    #[arg(long)]
    pub start: Option<String>,
    /// When that activity ended.
    #[arg(long)]
    pub end: Option<String>,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let raw = super::editing::given_or_piped(args.raw, "the raw data", "--raw")?;
    let fields = super::editing::fields([
        ("raw", Some(raw)),
        ("source", args.source),
        ("interpretation", args.interpretation),
        ("found_by", args.found_by),
        ("start", args.start),
        ("end", args.end),
    ]);
    let nugget = match intake::check_nugget(&fields, &config) {
        Ok(request) => request.to_nugget(DateTime::now(config.tz()), None),
        Err(errors) => return super::editing::refuse(root, &config, &errors),
    };
    let add = |incident: &mut incident::Incident| incident.nuggets.push(nugget.clone());
    super::editing::add_item(root, &args.id, "nugget", add, |incident| {
        incident.nuggets.len()
    })
}
