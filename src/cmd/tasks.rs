//! `fir tasks`: the follow-up tasks not done yet, as the site's tasks page lists them,
//! for reminders and scripts.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use crate::config::business_lines;
use crate::site::tasks::{is_overdue, ordered};
use crate::stats::table::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns.
    Table,
    Csv,
    Json,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only tasks past their deadline (a deadline of a day is met until it ends, in the
    /// site's time zone).
    #[arg(long)]
    pub overdue: bool,
    /// Only tasks of this business line or of the lines below it ("Retail Banking"
    /// includes "Retail Banking > France").
    #[arg(long)]
    pub business_line: Option<String>,
    #[arg(long, value_enum, default_value = "table")]
    pub format: Format,
    /// Only tasks of incidents this audience from fir.toml may read.
    #[arg(long)]
    pub audience: Option<String>,
    /// Instead of listing them, write into this directory one reminder (`.eml` draft)
    /// per business line, to its contacts from `[alerting]`, listing its tasks.
    #[arg(long, value_name = "DIR")]
    pub remind: Option<std::path::PathBuf>,
}

/// One task as printed.
#[derive(Debug, Serialize)]
struct Task<'a> {
    /// Its place among its incident's tasks, from 1: the API's `todos/{n}/done`.
    number: usize,
    deadline: Option<String>,
    overdue: bool,
    task: &'a str,
    business_line: Option<&'a str>,
    incident: &'a str,
    title: &'a str,
    status: &'a str,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let audience = super::find_audience(&config, args.audience.as_deref())?;
    let Some(entries) = super::load_published(root, &config, audience, "no tasks listed") else {
        return Ok(ExitCode::FAILURE);
    };
    let summaries = super::summaries(&entries, &config);
    let tz = config.tz();
    let now = jiff::Timestamp::now();
    let line = args.business_line.as_deref().map(business_lines::normalize);
    let tasks: Vec<Task<'_>> = ordered(&summaries, tz)
        .into_iter()
        .map(|(i, todo)| {
            let summary = &summaries[i as usize];
            Task {
                number: todo.number,
                deadline: todo.deadline.map(|d| d.to_string()),
                overdue: todo.deadline.is_some_and(|d| is_overdue(&d, now, tz)),
                task: &todo.task,
                business_line: todo.business_line.as_deref(),
                incident: &summary.id,
                title: &summary.title,
                status: &summary.status,
            }
        })
        .filter(|task| !args.overdue || task.overdue)
        .filter(|task| match (&line, task.business_line) {
            (None, _) => true,
            (Some(wanted), Some(owner)) => {
                business_lines::within(&business_lines::normalize(owner), wanted)
            }
            (Some(_), None) => false,
        })
        .collect();
    if let Some(dir) = &args.remind {
        return remind(root, &config, dir, &tasks);
    }
    let mut out = std::io::stdout().lock();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &tasks)?;
            out.write_all(b"\n")?;
        }
        Format::Csv => out.write_all(&table(&tasks).to_csv())?,
        Format::Table if tasks.is_empty() => writeln!(out, "no task to do")?,
        Format::Table => {
            out.write_all(table(&tasks).to_text().as_bytes())?;
            writeln!(out, "{}", crate::counted(tasks.len(), "task"))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes a reminder per business line of `tasks` into `dir` (see [`Args::remind`]),
/// and says which; tasks of no business line, or of a line without contacts, are
/// named on standard error.
fn remind(
    root: &Path,
    config: &crate::config::Config,
    dir: &Path,
    tasks: &[Task<'_>],
) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    let renderer = crate::site::page_renderer(root, config, None, &config.base_url)?;
    let sender = crate::alerting::Sender {
        config,
        renderer: &renderer,
        base_url: &config.base_url,
    };
    let mut by_line: std::collections::BTreeMap<String, Vec<_>> = Default::default();
    let mut unowned = 0;
    for task in tasks {
        let Some(line) = task.business_line else {
            unowned += 1;
            continue;
        };
        let line = config
            .business_lines
            .resolve(line)
            .map_or_else(|| business_lines::normalize(line), str::to_string);
        let listed = crate::alerting::ReminderTask {
            number: task.number,
            task: task.task,
            deadline: task.deadline.clone(),
            overdue: task.overdue,
            incident: task.incident,
            title: task.title,
            url: None,
        };
        by_line
            .entry(line)
            .or_default()
            .push(listed.with_url(sender));
    }
    if unowned > 0 {
        eprintln!(
            "{} of no business line: in no reminder",
            crate::counted(unowned, "task")
        );
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (line, listed) in &by_line {
        let Some(draft) = crate::alerting::reminder(sender, line, listed)? else {
            eprintln!(
                "{} of {line}: in no reminder, the line has no contacts in [alerting.contacts]",
                crate::counted(listed.len(), "task")
            );
            continue;
        };
        let path = dir.join(format!("{}.eml", crate::site::index::slugify(line)));
        std::fs::write(&path, draft.to_eml())
            .with_context(|| format!("writing {}", path.display()))?;
        println!(
            "{}: {} of {line}, to {}",
            path.display(),
            crate::counted(listed.len(), "task"),
            draft.to.join(", ")
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn table(tasks: &[Task<'_>]) -> Table {
    Table {
        columns: [
            "deadline",
            "overdue",
            "task",
            "business line",
            "incident",
            "number",
            "title",
            "status",
        ]
        .map(String::from)
        .to_vec(),
        label_columns: 8,
        rows: tasks
            .iter()
            .map(|t| {
                vec![
                    t.deadline.clone().unwrap_or_default(),
                    if t.overdue { "overdue" } else { "" }.to_string(),
                    t.task.to_string(),
                    t.business_line.unwrap_or_default().to_string(),
                    t.incident.to_string(),
                    t.number.to_string(),
                    t.title.to_string(),
                    t.status.to_string(),
                ]
            })
            .collect(),
    }
}
