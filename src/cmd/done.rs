//! `fir done`: mark an incident's follow-up task done, as the API's
//! `…/todos/{n}/done` does.

use std::path::Path;
use std::process::ExitCode;

use crate::incident::{self, DateTime};
use crate::store::EditError;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id.
    pub id: String,
    /// The task's number in its incident, from 1, done tasks counted (as `fir tasks`
    /// shows it).
    #[arg(value_parser = clap::value_parser!(u32).range(1..))]
    pub number: u32,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let now = DateTime::now(config.tz());
    let index = args.number as usize - 1;
    let edited = super::editing::edit_incident(root, &args.id, |text, before| {
        incident::with_todo_done(text, before, index, now).map_err(EditError::Missing)
    })?;
    let task = &edited.incident.todos[index];
    println!(
        "{}: task {} done: {}",
        edited.path.display(),
        args.number,
        task.task
    );
    Ok(ExitCode::SUCCESS)
}
