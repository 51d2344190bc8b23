//! `fir alert`: prepare the alert of an incident for the contacts of its business lines
//! (`[alerting]` in fir.toml), as an `.eml` draft to open in a mail client, and record
//! in its timeline that it was sent.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use crate::alerting;
use crate::incident::{self, DateTime};
use crate::intake;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id.
    pub id: String,
    /// Alert this business line's contacts instead of those of the incident's own
    /// lines (repeat for several).
    #[arg(long = "business-line")]
    pub business_lines: Vec<String>,
    /// Write the draft to this file (`alert.eml`, to open in the mail client) instead
    /// of printing it.
    #[arg(long, short = 'o')]
    pub out: Option<PathBuf>,
    /// Also add an `alerting` entry to the incident's timeline naming whom it alerts.
    #[arg(long)]
    pub record: bool,
    /// Who alerts (for the timeline entry).
    #[arg(long, env = "FIR_AUTHOR")]
    pub author: Option<String>,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    if args.record && config.actions.get("alerting").is_none() {
        anyhow::bail!(
            "--record adds an `alerting` entry to the timeline: add the action alerting to [actions] in fir.toml"
        );
    }
    let found = incident::is_valid_id(&args.id)
        .then(|| crate::store::find(root, &args.id).ok().flatten())
        .flatten();
    let path =
        found.with_context(|| format!("no incident {} under {}", args.id, root.display()))?;
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let parsed = incident::parse(&text).map_err(|e| {
        let line = e.line.map_or_else(String::new, |line| format!(":{line}"));
        anyhow::anyhow!("{}{line}: {e}", path.display())
    })?;
    let renderer = crate::site::page_renderer(root, &config, None, &config.base_url)?;
    let sender = alerting::Sender {
        config: &config,
        renderer: &renderer,
        base_url: &config.base_url,
    };
    let found = crate::artifacts::scan_incident(&parsed.incident, &config.artifacts);
    let draft = alerting::prepare(
        sender,
        &parsed.incident,
        &found.artifacts,
        &args.business_lines,
    )?;
    match &args.out {
        Some(out) => std::fs::write(out, draft.to_eml())
            .with_context(|| format!("writing {}", out.display()))?,
        None => print!("{}", draft.to_eml()),
    }
    if !args.record {
        return Ok(ExitCode::SUCCESS);
    }
    let whom = draft
        .to
        .iter()
        .chain(&draft.cc)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let fields = super::editing::fields([
        ("action", Some("alerting".to_string())),
        (
            "text",
            Some(
                renderer
                    .catalogue()
                    .get("alert_recorded")
                    .replace("{recipients}", &whom),
            ),
        ),
        ("author", args.author),
    ]);
    let request = match intake::check_timeline(&fields, &config) {
        Ok(request) => request,
        Err(errors) => return super::editing::refuse(root, &config, &errors),
    };
    let entry = request.to_entry(DateTime::now(config.tz()), None);
    let is_final = |status: &str| config.is_final_status(status);
    let edited = super::editing::edit_incident(root, &args.id, |text, before| {
        Ok(incident::with_timeline_entry(
            text,
            before,
            entry,
            &[],
            is_final,
        ))
    })?;
    eprintln!("{}: alerting entry added", edited.path.display());
    Ok(ExitCode::SUCCESS)
}
