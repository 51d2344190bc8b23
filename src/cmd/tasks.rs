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
