//! Intake: what a reporter submits through the form or the API, checked against
//! fir.toml and turned into an incident (or a timeline entry). Pure: no I/O.
//!
//! Both the form (`application/x-www-form-urlencoded`) and the API (JSON) decode into
//! the same list of fields, so one validation path serves both.

mod decode;

pub use decode::{DecodeError, decode_form, decode_json};

use crate::config::Config;
use crate::incident::{Attribute, DateTime, Incident, TimelineEntry};

/// Longest title, name or contact, in characters.
pub const MAX_LINE: usize = 500;

/// Fields a reporter fills in, in form order.
pub const INCIDENT_FIELDS: [&str; 9] = [
    "title",
    "description",
    "category",
    "severity",
    "business_line",
    "detection",
    "tlp",
    "reporter",
    "contact",
];

/// Fields of a timeline entry.
pub const TIMELINE_FIELDS: [&str; 11] = [
    "action",
    "text",
    "author",
    "date",
    "status",
    "severity",
    "category",
    "tlp",
    "detection",
    "actor",
    "plan",
];
/// Fields of a follow-up task.
pub const TODO_FIELDS: [&str; 3] = ["task", "business_line", "deadline"];
/// Fields of a nugget sent to the API.
pub const NUGGET_FIELDS: [&str; 6] = [
    "raw",
    "source",
    "interpretation",
    "found_by",
    "start",
    "end",
];

/// The label of the attribute that keeps the reporter's contact.
pub const CONTACT_ATTRIBUTE: &str = "Reporter contact";
/// The label of the attribute that names the authenticated submitter.
pub const SUBMITTER_ATTRIBUTE: &str = "Submitted by";

/// Decoded fields as name/value pairs, in the order they came.
pub type Fields = Vec<(String, String)>;

/// What is wrong with one field; [`Problem::key`] names its UI string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    Required,
    TooLong {
        max: usize,
    },
    /// Not one of the values fir.toml lists.
    NotAllowed,
    /// Control characters (other than tab and line breaks) are refused.
    ControlCharacter,
    Repeated,
    /// A field this request does not have.
    Unknown,
    /// Not a date like `2024-05-31` (or a date and time in RFC 3339).
    NotADate,
    /// An end before the start it goes with.
    BeforeStart,
}

impl Problem {
    /// The key of the message in the theme's i18n catalogue.
    pub fn key(&self) -> &'static str {
        match self {
            Problem::Required => "error_required",
            Problem::TooLong { .. } => "error_too_long",
            Problem::NotAllowed => "error_not_allowed",
            Problem::ControlCharacter => "error_control_character",
            Problem::Repeated => "error_repeated",
            Problem::Unknown => "error_unknown_field",
            Problem::NotADate => "error_not_a_date",
            Problem::BeforeStart => "error_before_start",
        }
    }
}

/// A problem and the field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub problem: Problem,
}

/// A checked submission; values are slugs from fir.toml.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Submission {
    pub title: String,
    pub description: String,
    pub category: String,
    pub severity: u8,
    pub business_line: Option<String>,
    pub detection: Option<String>,
    pub tlp: String,
    pub reporter: Option<String>,
    pub contact: Option<String>,
}

/// A checked timeline entry, and the fields it changes (a new status, a severity
/// raised, a category or TLP corrected, the incident handed to an actor or a plan).
#[derive(Debug, Clone, PartialEq)]
pub struct TimelineRequest {
    pub action: String,
    pub text: String,
    pub author: Option<String>,
    /// When it happened, if not now (an action written down afterwards).
    pub date: Option<DateTime>,
    pub status: Option<String>,
    pub severity: Option<String>,
    pub category: Option<String>,
    pub tlp: Option<String>,
    pub detection: Option<String>,
    pub actor: Option<String>,
    pub plan: Option<String>,
}

/// A follow-up task to add to an incident.
#[derive(Debug, Clone, PartialEq)]
pub struct TodoRequest {
    pub task: String,
    pub business_line: Option<String>,
    pub deadline: Option<DateTime>,
}

/// A nugget to add to an incident: a piece of evidence as it was found (a log line, a
/// mail header) and what it says.
#[derive(Debug, Clone, PartialEq)]
pub struct NuggetRequest {
    pub raw: String,
    pub source: Option<String>,
    pub interpretation: Option<String>,
    pub found_by: Option<String>,
    pub start: Option<DateTime>,
    pub end: Option<DateTime>,
}

/// Looks fields up by name, recording every problem met on the way.
struct Checker<'a> {
    fields: &'a Fields,
    errors: Vec<FieldError>,
}

impl<'a> Checker<'a> {
    fn new(fields: &'a Fields, known: &[&str]) -> Self {
        let mut checker = Checker {
            fields,
            errors: Vec::new(),
        };
        for (i, (name, _)) in fields.iter().enumerate() {
            if !known.contains(&name.as_str()) {
                checker.fail(name, Problem::Unknown);
            } else if fields[..i].iter().any(|(n, _)| n == name) {
                checker.fail(name, Problem::Repeated);
            }
        }
        checker
    }

    fn fail(&mut self, field: &str, problem: Problem) {
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError {
                field: field.to_string(),
                problem,
            });
        }
    }

    /// Free text, kept exactly as sent; `None` when absent or blank.
    fn text(&mut self, field: &str, max: usize, required: bool) -> Option<String> {
        let value = self
            .fields
            .iter()
            .find(|(name, _)| name == field)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.trim().is_empty());
        let Some(value) = value else {
            if required {
                self.fail(field, Problem::Required);
            }
            return None;
        };
        if value.chars().count() > max {
            self.fail(field, Problem::TooLong { max });
            return None;
        }
        if value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        {
            self.fail(field, Problem::ControlCharacter);
            return None;
        }
        Some(value.to_string())
    }

    /// One value of a taxonomy, by slug, label or alias; its slug.
    fn term(
        &mut self,
        field: &str,
        taxonomy: &crate::config::Taxonomy,
        required: bool,
    ) -> Option<String> {
        let value = self.text(field, MAX_LINE, required)?;
        match taxonomy.resolve(&value) {
            Some(term) => Some(term.slug.clone()),
            None => {
                self.fail(field, Problem::NotAllowed);
                None
            }
        }
    }

    /// A business line fir.toml declares, normalized.
    fn business_line(&mut self, field: &str, config: &Config) -> Option<String> {
        let line = self.text(field, MAX_LINE, false)?;
        if config.business_lines.contains(&line) {
            Some(crate::config::business_lines::normalize(&line))
        } else {
            self.fail(field, Problem::NotAllowed);
            None
        }
    }

    /// A date, or a date and time.
    fn date(&mut self, field: &str) -> Option<DateTime> {
        let value = self.text(field, MAX_LINE, false)?;
        match value.trim().parse() {
            Ok(date) => Some(date),
            Err(_) => {
                self.fail(field, Problem::NotADate);
                None
            }
        }
    }

    fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self.errors)
        }
    }
}

/// Checks a new-incident submission against `config`; every problem is reported.
/// `extra` names fields the caller handles itself (the form's CSRF token).
pub fn check_submission(
    fields: &Fields,
    config: &Config,
    extra: &[&str],
) -> Result<Submission, Vec<FieldError>> {
    let known: Vec<&str> = INCIDENT_FIELDS.iter().chain(extra).copied().collect();
    let mut c = Checker::new(fields, &known);
    let lowest = config.severities.iter().next().map(|t| t.slug.clone());
    let submission = Submission {
        title: c.text("title", MAX_LINE, true).unwrap_or_default(),
        description: c
            .text("description", config.serve.max_description, false)
            .unwrap_or_default(),
        category: c
            .term("category", &config.categories, true)
            .unwrap_or_default(),
        severity: c
            .term("severity", &config.severities, false)
            .or(lowest)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1),
        business_line: c.business_line("business_line", config),
        detection: c.term("detection", &config.detections, false),
        tlp: c
            .term("tlp", &config.tlp, false)
            .unwrap_or_else(|| config.default_tlp.clone()),
        reporter: c.text("reporter", MAX_LINE, false),
        contact: c.text("contact", MAX_LINE, false),
    };
    c.finish(submission)
}

/// Checks a timeline entry request against `config`.
pub fn check_timeline(
    fields: &Fields,
    config: &Config,
) -> Result<TimelineRequest, Vec<FieldError>> {
    let mut c = Checker::new(fields, &TIMELINE_FIELDS);
    let request = TimelineRequest {
        action: c.term("action", &config.actions, true).unwrap_or_default(),
        text: c
            .text("text", config.serve.max_description, true)
            .unwrap_or_default(),
        author: c.text("author", MAX_LINE, false),
        date: c.date("date"),
        status: c.term("status", &config.statuses, false),
        severity: c.term("severity", &config.severities, false),
        category: c.term("category", &config.categories, false),
        tlp: c.term("tlp", &config.tlp, false),
        detection: c.term("detection", &config.detections, false),
        actor: c.term("actor", &config.actors, false),
        plan: c.term("plan", &config.plans, false),
    };
    c.finish(request)
}

/// Checks that a request has no fields (it says everything in its address).
pub fn check_nothing(fields: &Fields) -> Result<(), Vec<FieldError>> {
    Checker::new(fields, &[]).finish(())
}

/// Checks a follow-up task request against `config`.
pub fn check_todo(fields: &Fields, config: &Config) -> Result<TodoRequest, Vec<FieldError>> {
    let mut c = Checker::new(fields, &TODO_FIELDS);
    let request = TodoRequest {
        task: c.text("task", MAX_LINE, true).unwrap_or_default(),
        business_line: c.business_line("business_line", config),
        deadline: c.date("deadline"),
    };
    c.finish(request)
}

/// Checks a nugget request against `config`.
pub fn check_nugget(fields: &Fields, config: &Config) -> Result<NuggetRequest, Vec<FieldError>> {
    let mut c = Checker::new(fields, &NUGGET_FIELDS);
    let long = config.serve.max_description;
    let request = NuggetRequest {
        raw: c.text("raw", long, true).unwrap_or_default(),
        source: c.text("source", MAX_LINE, false),
        interpretation: c.text("interpretation", long, false),
        found_by: c.text("found_by", MAX_LINE, false),
        start: c.date("start"),
        end: c.date("end"),
    };
    if let (Some(start), Some(end)) = (&request.start, &request.end)
        && end.timestamp(config.tz()) < start.timestamp(config.tz())
    {
        c.fail("end", Problem::BeforeStart);
    }
    c.finish(request)
}

impl NuggetRequest {
    /// The nugget as the incident file keeps it, dated `now`; `user` (who the server
    /// authenticated) found it unless the request says who did.
    pub fn to_nugget(&self, now: DateTime, user: Option<&str>) -> crate::incident::Nugget {
        crate::incident::Nugget {
            date: Some(now),
            source: self.source.clone(),
            raw: self.raw.clone(),
            interpretation: self.interpretation.clone(),
            start: self.start,
            end: self.end,
            found_by: self.found_by.clone().or(user.map(str::to_string)),
        }
    }
}

impl TodoRequest {
    /// The task as the incident file keeps it: not done.
    pub fn to_todo(&self) -> crate::incident::Todo {
        crate::incident::Todo {
            task: self.task.clone(),
            business_line: self.business_line.clone(),
            deadline: self.deadline,
            done: false,
            done_at: None,
        }
    }
}

impl Submission {
    /// The incident to store: no id yet, the initial status, dated `now`.
    /// `user` is who the server authenticated, if anybody.
    pub fn to_incident(&self, config: &Config, now: DateTime, user: Option<&str>) -> Incident {
        let mut incident = Incident::new(String::new(), self.title.clone(), now);
        incident.category = self.category.clone();
        incident.severity = self.severity;
        incident.status = config.initial_status().slug.clone();
        incident.tlp = Some(self.tlp.clone());
        incident.business_lines = self.business_line.iter().cloned().collect();
        incident.detection = self.detection.clone();
        incident.opened_by = self.reporter.clone().or(user.map(str::to_string));
        let mut attribute = |name: &str, value: &str| {
            incident.attributes.push(Attribute {
                name: name.into(),
                value: value.into(),
                unit: None,
            })
        };
        if let Some(contact) = &self.contact {
            attribute(CONTACT_ATTRIBUTE, contact);
        }
        if let Some(user) = user
            && self.reporter.as_deref() != Some(user)
        {
            attribute(SUBMITTER_ATTRIBUTE, user);
        }
        incident.description = self.description.clone();
        incident.normalize();
        incident
    }
}

impl TimelineRequest {
    /// The top-level fields the request sets, as `(key, slug)`, in file order.
    pub fn changes(&self) -> Vec<(&'static str, String)> {
        [
            ("category", &self.category),
            ("severity", &self.severity),
            ("status", &self.status),
            ("tlp", &self.tlp),
            ("detection", &self.detection),
            ("actor", &self.actor),
            ("plan", &self.plan),
        ]
        .into_iter()
        .filter_map(|(key, value)| Some((key, value.clone()?)))
        .collect()
    }

    /// The entry to append, dated `now` unless the request gives its date; the author
    /// defaults to the authenticated user.
    pub fn to_entry(&self, now: DateTime, user: Option<&str>) -> TimelineEntry {
        TimelineEntry {
            date: self.date.unwrap_or(now),
            action: Some(self.action.clone()),
            author: self.author.clone().or(user.map(str::to_string)),
            text: self.text.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(pairs: &[(&str, &str)]) -> Fields {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_good_submission_becomes_an_incident() {
        let config = Config::default();
        let submission = check_submission(
            &fields(&[
                ("title", "Phishing mail"),
                ("category", "Phishing"),
                ("severity", "3"),
                ("tlp", "green"),
                ("reporter", "Ana"),
                ("contact", "ana@example.org"),
                ("description", "Got *this*.\n"),
            ]),
            &config,
            &[],
        )
        .unwrap();
        assert_eq!(submission.category, "phishing");
        assert_eq!(submission.tlp, "GREEN");
        let now = "2024-05-01T10:00:00Z".parse().unwrap();
        let incident = submission.to_incident(&config, now, Some("ana.b"));
        assert_eq!(incident.status, "open");
        assert_eq!(incident.opened_by.as_deref(), Some("Ana"));
        assert_eq!(incident.attributes.len(), 2);
        assert_eq!(incident.description, "Got *this*.");
    }

    #[test]
    fn todo_requests_check_business_lines_and_dates() {
        let config = Config::default();
        let request = check_todo(
            &fields(&[
                ("task", "Call the bank"),
                ("business_line", "Retail Banking  >  France"),
                ("deadline", "2024-05-31T18:00:00+02:00"),
            ]),
            &config,
        )
        .unwrap();
        assert_eq!(
            request.business_line.as_deref(),
            Some("Retail Banking > France")
        );
        let todo = request.to_todo();
        assert_eq!(
            todo.deadline.unwrap().to_string(),
            "2024-05-31T18:00:00+02:00"
        );
        assert!(!todo.done && todo.done_at.is_none());
        let errors = check_todo(
            &fields(&[("task", "x"), ("deadline", "31/05/2024")]),
            &config,
        )
        .unwrap_err();
        assert_eq!(
            errors,
            [FieldError {
                field: "deadline".into(),
                problem: Problem::NotADate
            }]
        );
    }

    #[test]
    fn every_problem_is_reported_once_per_field() {
        let config = Config::default();
        let long = "x".repeat(MAX_LINE + 1);
        let errors = check_submission(
            &fields(&[
                ("title", &long),
                ("category", "nope"),
                ("severity", "9"),
                ("reporter", "a\u{0}b"),
                ("reporter", "again"),
                ("admin", "1"),
            ]),
            &config,
            &[],
        )
        .unwrap_err();
        let found: Vec<(&str, &Problem)> = errors
            .iter()
            .map(|e| (e.field.as_str(), &e.problem))
            .collect();
        assert_eq!(
            found,
            [
                ("reporter", &Problem::Repeated),
                ("admin", &Problem::Unknown),
                ("title", &Problem::TooLong { max: MAX_LINE }),
                ("category", &Problem::NotAllowed),
                ("severity", &Problem::NotAllowed),
            ]
        );
        let errors = check_submission(&fields(&[]), &config, &[]).unwrap_err();
        assert_eq!(errors.len(), 2, "title and category are required");
    }

    #[test]
    fn timeline_requests_check_actions_and_statuses() {
        let config = Config::default();
        let ok = check_timeline(
            &fields(&[("action", "info"), ("text", "Called"), ("status", "Closed")]),
            &config,
        )
        .unwrap();
        assert_eq!(ok.changes(), [("status", "closed".to_string())]);
        let raised = check_timeline(
            &fields(&[
                ("action", "info"),
                ("text", "Worse"),
                ("severity", "Critical"),
                ("tlp", "red"),
            ]),
            &config,
        )
        .unwrap();
        let changes = [("severity", "4".to_string()), ("tlp", "RED".to_string())];
        assert_eq!(raised.changes(), changes);
        let bad = check_timeline(&fields(&[("action", "dance")]), &config).unwrap_err();
        assert_eq!(bad.len(), 2);
    }
}
