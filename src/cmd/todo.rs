//! `fir todo`: add a follow-up task to an incident, as the API's `…/todos` does.

use std::path::Path;
use std::process::ExitCode;

use crate::incident;
use crate::intake;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The incident's id.
    pub id: String,
    /// What must be done.
    #[arg(long)]
    pub task: String,
    /// The business line that must do it (as declared in fir.toml).
    #[arg(long)]
    pub business_line: Option<String>,
    /// By when (YYYY-MM-DD, or a date and time in RFC 3339).
    #[arg(long)]
    pub deadline: Option<String>,
}

pub fn run(root: &Path, args: Args) -> anyhow::Result<ExitCode> {
    let config = super::load_config(root)?;
    let fields = super::editing::fields([
        ("task", Some(args.task)),
        ("business_line", args.business_line),
        ("deadline", args.deadline),
    ]);
    let todo = match intake::check_todo(&fields, &config) {
        Ok(request) => request.to_todo(),
        Err(errors) => return super::editing::refuse(root, &config, &errors),
    };
    let add = |incident: &mut incident::Incident| incident.todos.push(todo.clone());
    super::editing::add_item(root, &args.id, "task", add, |incident| incident.todos.len())
}
