//! The follow-up tasks page: every task not done yet, across incidents, soonest
//! deadline first, so that whoever follows up sees what is due (and the browser marks
//! what is overdue: the page itself does not change with the calendar).

use std::hash::{Hash, Hasher};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde::Serialize;

use super::fingerprint::hasher;
use super::index::{OpenTodo, Summary};
use super::pages::page_context;
use super::{BuildError, Generator, Input, Job, paths};
use crate::incident::DateTime;
use crate::render::context::{DateView, PageMeta, RowView};

/// One task, with the incident it belongs to.
#[derive(Debug, Serialize)]
struct TaskView {
    /// Its place among its incident's tasks, from 1.
    number: usize,
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
        let tasks = ordered(input.summaries, tz)
            .into_iter()
            .map(|(i, todo)| TaskView {
                number: todo.number,
                task: todo.task.clone(),
                business_line: todo.business_line.clone(),
                deadline: todo.deadline.as_ref().map(|d| DateView::new(d, tz)),
                incident: input.row_view(i),
            })
            .collect();
        let view = TasksView {
            tasks,
            incidents: self.with_tasks().len(),
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

/// The open tasks of `summaries` (sorted as every list is) as `(summary position,
/// task)`: soonest deadline first, tasks without one last, then newest incident first.
pub fn ordered<'s>(summaries: &'s [Summary], tz: &TimeZone) -> Vec<(u32, &'s OpenTodo)> {
    let mut tasks: Vec<(Option<i64>, std::cmp::Reverse<u32>, &OpenTodo)> = summaries
        .iter()
        .enumerate()
        .flat_map(|(i, summary)| {
            summary.todos.iter().map(move |todo| {
                let due = todo.deadline.map(|d| d.timestamp(tz).as_second());
                (due, std::cmp::Reverse(i as u32), todo)
            })
        })
        .collect();
    tasks.sort_by_key(|&(due, newest_first, _)| (due.is_none(), due, newest_first));
    tasks
        .into_iter()
        .map(|(_, std::cmp::Reverse(i), todo)| (i, todo))
        .collect()
}

/// Whether a task due at `deadline` is late at `now`: a deadline of a whole day is met
/// until that day ends in `tz`.
pub fn is_overdue(deadline: &DateTime, now: Timestamp, tz: &TimeZone) -> bool {
    if deadline.is_date_only() {
        deadline.civil().date() < now.to_zoned_datetime(tz.clone()).date()
    } else {
        deadline.timestamp(tz) < now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_deadline_is_met_until_the_day_ends_in_the_site_zone() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let day: DateTime = "2024-06-01".parse().unwrap();
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        // 23:30 in Paris on the day itself: still on time.
        assert!(!is_overdue(&day, at("2024-06-01T21:30:00Z"), &paris));
        // 00:30 in Paris the next day (22:30 UTC on the 1st): late.
        assert!(is_overdue(&day, at("2024-06-01T22:30:00Z"), &paris));
        let moment: DateTime = "2024-06-01T10:00:00+02:00".parse().unwrap();
        assert!(!is_overdue(&moment, at("2024-06-01T07:59:00Z"), &paris));
        assert!(is_overdue(&moment, at("2024-06-01T08:01:00Z"), &paris));
    }
}
