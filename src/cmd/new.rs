//! `fir new`: create an incident file with the next free id.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, bail};

use crate::config::Config;
use crate::incident::{DateTime, Incident};
use crate::store;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// One line saying what happened.
    #[arg(long)]
    pub title: String,
    /// Category slug or label.
    #[arg(long, default_value = "other")]
    pub category: String,
    /// Severity number (default: the lowest configured).
    #[arg(long)]
    pub severity: Option<u8>,
    /// Status slug (default: the initial status).
    #[arg(long)]
    pub status: Option<String>,
    /// TLP level (default: default_tlp from fir.toml).
    #[arg(long)]
    pub tlp: Option<String>,
    /// Business line path; repeat for several.
    #[arg(long = "business-line")]
    pub business_lines: Vec<String>,
    /// How it was detected (a detection slug of fir.toml).
    #[arg(long)]
    pub detection: Option<String>,
    /// Who handles it (an actor slug of fir.toml).
    #[arg(long)]
    pub actor: Option<String>,
    /// When it happened (RFC 3339 or YYYY-MM-DD; default: now).
    #[arg(long)]
    pub date: Option<DateTime>,
    /// The response plan it follows (a plan slug of fir.toml).
    #[arg(long)]
    pub plan: Option<String>,
    /// A free tag; repeat for several.
    #[arg(long = "tag")]
    pub tags: Vec<String>,
    /// Who opens it.
    #[arg(long, env = "FIR_AUTHOR")]
    pub opened_by: Option<String>,
    /// An event, not an incident.
    #[arg(long)]
    pub event: bool,
    /// A major incident.
    #[arg(long)]
    pub major: bool,
    /// The description (Markdown).
    #[arg(long, short = 'm', default_value = "")]
    pub description: String,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let mut incident = incident_from(&config, args)?;
    let path = store::create(root, &config, &mut incident)
        .with_context(|| format!("creating an incident file under {}", root.display()))?;
    println!("{}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// Resolves the command-line values against the configuration, refusing unknown ones.
fn incident_from(config: &Config, args: Args) -> anyhow::Result<Incident> {
    if args.title.trim().is_empty() {
        bail!("--title cannot be empty");
    }
    let date = args.date.unwrap_or_else(|| DateTime::now(config.tz()));
    let mut incident = Incident::new(String::new(), args.title.trim(), date);
    let resolve = |taxonomy: &crate::config::Taxonomy, value: &str, option: &str| {
        taxonomy
            .resolve(value)
            .map(|t| t.slug.clone())
            .with_context(|| {
                format!(
                    "--{option} {value:?} is not one of: {}",
                    taxonomy.slugs().join(", ")
                )
            })
    };
    incident.category = resolve(&config.categories, &args.category, "category")?;
    let lowest = config
        .severities
        .iter()
        .next()
        .map_or("1", |t| t.slug.as_str());
    let severity = args
        .severity
        .map_or_else(|| lowest.to_string(), |s| s.to_string());
    incident.severity = resolve(&config.severities, &severity, "severity")?.parse()?;
    incident.status = match &args.status {
        Some(status) => resolve(&config.statuses, status, "status")?,
        None => config.initial_status().slug.clone(),
    };
    incident.tlp = Some(match &args.tlp {
        Some(tlp) => resolve(&config.tlp, tlp, "tlp")?,
        None => config.default_tlp.clone(),
    });
    for line in &args.business_lines {
        if !config.business_lines.contains(line) {
            bail!("--business-line {line:?} is not declared in fir.toml");
        }
        incident
            .business_lines
            .push(crate::config::business_lines::normalize(line));
    }
    incident.detection = args
        .detection
        .map(|d| resolve(&config.detections, &d, "detection"))
        .transpose()?;
    incident.actor = args
        .actor
        .map(|a| resolve(&config.actors, &a, "actor"))
        .transpose()?;
    incident.plan = args
        .plan
        .map(|p| resolve(&config.plans, &p, "plan"))
        .transpose()?;
    incident.tags = args.tags;
    incident.opened_by = args.opened_by;
    incident.incident = !args.event;
    incident.major = args.major;
    incident.description = args.description;
    incident.normalize();
    Ok(incident)
}
