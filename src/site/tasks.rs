//! The follow-up tasks page: every task not done yet, across incidents, soonest
//! deadline first, so that whoever follows up sees what is due (and the browser marks
//! what is overdue: the page itself does not change with the calendar).

use std::hash::{Hash, Hasher};

use serde::Serialize;

use super::fingerprint::hasher;
use super::pages::page_context;
use super::{BuildError, Generator, Input, Job, paths};
use crate::render::context::{DateView, PageMeta, RowView};

/// One task, with the incident it belongs to.
#[derive(Debug, Serialize)]
struct TaskView {
    task: String,
    business_line: Option<String>,
    deadline: Option<DateView>,
    incident: RowView,
}

#[derive(Debug, Serialize)]
struct TasksView {
    tasks: Vec<TaskView>,
    /// How many incidents the tasks belong to.
    incidents: usize,
}

/// The page of open follow-up tasks.
#[derive(Debug)]
pub struct Tasks<'a> {
    pub input: &'a Input<'a>,
}

impl Tasks<'_> {
    /// Positions of the incidents with open tasks, oldest first.
    fn with_tasks(&self) -> Vec<u32> {
        let summaries = self.input.summaries;
        self.input
            .all
            .iter()
            .copied()
            .filter(|&i| !summaries[i as usize].todos.is_empty())
            .collect()
    }
}

impl Generator for Tasks<'_> {
    fn name(&self) -> &'static str {
        "tasks"
    }

    fn jobs(&self) -> Vec<Job> {
        let mut h = hasher();
        let members = self.with_tasks();
        // An incident's fingerprint covers its tasks and what its row shows.
        self.input.fingerprint_of(&members, &mut h);
        members.len().hash(&mut h);
        vec![Job {
            item: 0,
            outputs: vec![paths::TASKS.to_string()],
            fingerprint: h.finish(),
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        let tz = input.config.tz();
        let members = self.with_tasks();
        let mut tasks: Vec<(Option<i64>, i64, TaskView)> = Vec::new();
        for &i in &members {
            let summary = &input.summaries[i as usize];
            for todo in &summary.todos {
                let due = todo.deadline.map(|d| d.timestamp(tz).as_second());
                let view = TaskView {
                    task: todo.task.clone(),
                    business_line: todo.business_line.clone(),
                    deadline: todo.deadline.as_ref().map(|d| DateView::new(d, tz)),
                    incident: input.row_view(i),
                };
                tasks.push((due, -summary.timestamp, view));
            }
        }
        // Soonest deadline first, tasks without one last; then the newest incident.
        tasks.sort_by_key(|(due, newest_first, _)| (due.is_none(), *due, *newest_first));
        let view = TasksView {
            tasks: tasks.into_iter().map(|(_, _, view)| view).collect(),
            incidents: members.len(),
        };
        let title = input.renderer.catalogue().get("tasks_title");
        let meta = PageMeta::new(paths::TASKS, title, "tasks");
        Ok(vec![input.render_page(
            "tasks.html",
            paths::TASKS,
            &page_context(&meta, "tasks", &view),
        )?])
    }
}
