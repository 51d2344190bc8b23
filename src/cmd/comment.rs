//! `fir comment`: add a timeline entry to an incident, and change its status, severity,
//! category, TLP, detection, actor or plan with it, as the API's `…/timeline` does.

use std::path::Path;
use std::process::ExitCode;

use crate::incident::{self, DateTime};
use crate::intake;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id.
    pub id: String,
    /// What was done or found (Markdown; default: read from standard input).
    #[arg(long, short = 'm')]
    pub text: Option<String>,
    /// The entry's action label (a timeline action of fir.toml).
    #[arg(long, default_value = "info")]
    pub action: String,
    /// Who writes it.
    #[arg(long, env = "FIR_AUTHOR")]
    pub author: Option<String>,
    /// When it happened (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub date: Option<DateTime>,
    /// The incident's new status (closing it records the close date).
    #[arg(long)]
    pub status: Option<String>,
    /// Its new severity.
    #[arg(long)]
    pub severity: Option<String>,
    /// Its new category.
    #[arg(long)]
    pub category: Option<String>,
    /// Its new TLP.
    #[arg(long)]
    pub tlp: Option<String>,
    /// How it was detected, corrected.
    #[arg(long)]
    pub detection: Option<String>,
    /// Who handles it from now on.
    #[arg(long)]
    pub actor: Option<String>,
    /// The response plan it now follows.
    #[arg(long)]
    pub plan: Option<String>,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    // A piped text ends with a line break that is not part of the entry.
    let text = super::editing::given_or_piped(args.text, "the text", "-m")?
        .trim_end()
        .to_string();
    let fields = super::editing::fields([
        ("action", Some(args.action)),
        ("text", Some(text)),
        ("author", args.author),
        ("date", args.date.map(|date| date.to_string())),
        ("status", args.status),
        ("severity", args.severity),
        ("category", args.category),
        ("tlp", args.tlp),
        ("detection", args.detection),
        ("actor", args.actor),
        ("plan", args.plan),
    ]);
    let request = match intake::check_timeline(&fields, &config) {
        Ok(request) => request,
        Err(errors) => return super::editing::refuse(root, &config, &errors),
    };
    let entry = request.to_entry(DateTime::now(config.tz()), None);
    let changes = request.changes();
    let is_final = |status: &str| config.is_final_status(status);
    let edited = super::editing::edit_incident(root, &args.id, |text, before| {
        Ok(incident::with_timeline_entry(
            text, before, entry, &changes, is_final,
        ))
    })?;
    println!("{}", edited.path.display());
    Ok(ExitCode::SUCCESS)
}
