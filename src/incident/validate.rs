//! Checks of one incident against the site configuration, and the values it spells
//! another way than its taxonomy read as their slugs.
//!
//! Values a taxonomy does not list are warnings: content stays readable (and gets its
//! own facet pages) while somebody fixes either the file or `fir.toml`. Values that
//! name a term by its label, an alias or in another case (`Closed`, `Phishing`) are
//! warned of too, and read as that term: a hand-edited `status: Closed` must close
//! the incident in every count, not open a second "closed" value.

use std::path::Path;

use super::{FieldLines, Incident};
use crate::config::{BusinessLines, Config, Taxonomy};
use crate::diagnostic::Diagnostic;

/// True for ids made of `[A-Za-z0-9._-]`, not empty and not starting with a dot.
pub fn is_valid_id(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('.')
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Everything wrong with `incident`, read from `path`, given `config`.
pub fn validate(
    incident: &Incident,
    config: &Config,
    path: &Path,
    fields: &FieldLines,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let error = |field: &str, message: String| {
        Diagnostic::error(path, Some(fields.line_of(field)), Some(field), message)
    };
    let warning = |field: &str, message: String| {
        Diagnostic::warning(path, Some(fields.line_of(field)), Some(field), message)
    };

    if !is_valid_id(&incident.id) {
        out.push(error(
            "id",
            format!(
                "id {:?} may only use letters, digits, '.', '_' and '-'",
                incident.id
            ),
        ));
    }
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    if stem != incident.id {
        out.push(error(
            "id",
            format!(
                "id {:?} differs from the file name {stem:?}; they must match",
                incident.id
            ),
        ));
    }
    if incident.title.trim().is_empty() {
        out.push(error("title", "the title is empty".into()));
    }

    let mut unknown = |field: &str, value: &str, taxonomy: &Taxonomy, what: &str| {
        if taxonomy.get(value).is_none() {
            out.push(warning(
                field,
                match taxonomy.resolve(value) {
                    Some(term) => read_as(what, value, &term.slug),
                    None => format!(
                        "unknown {what} {value:?} (known: {})",
                        taxonomy.slugs().join(", ")
                    ),
                },
            ));
        }
    };
    unknown(
        "category",
        &incident.category,
        &config.categories,
        "category",
    );
    unknown(
        "severity",
        &incident.severity.to_string(),
        &config.severities,
        "severity",
    );
    unknown("status", &incident.status, &config.statuses, "status");
    if let Some(tlp) = &incident.tlp
        && config.tlp.resolve(tlp).is_none()
    {
        unknown("tlp", tlp, &config.tlp, "TLP");
    }
    for (field, value, taxonomy, what) in [
        (
            "detection",
            &incident.detection,
            &config.detections,
            "detection",
        ),
        ("actor", &incident.actor, &config.actors, "actor"),
        ("plan", &incident.plan, &config.plans, "plan"),
    ] {
        if let Some(value) = value {
            unknown(field, value, taxonomy, what);
        }
    }
    for (i, entry) in incident.timeline.iter().enumerate() {
        if let Some(action) = &entry.action {
            unknown(
                &format!("timeline[{i}].action"),
                action,
                &config.actions,
                "timeline action",
            );
        }
    }

    for (i, line) in incident.business_lines.iter().enumerate() {
        if !config.business_lines.contains(line) {
            out.push(warning(
                &format!("business_lines[{i}]"),
                match config.business_lines.resolve(line) {
                    Some(declared) => read_as("business line", line, declared),
                    None => format!(
                        "unknown business line {line:?}; declare it in fir.toml's business_lines"
                    ),
                },
            ));
        }
    }
    for (i, todo) in incident.todos.iter().enumerate() {
        if let Some(line) = &todo.business_line
            && !config.business_lines.contains(line)
        {
            out.push(warning(
                &format!("todos[{i}].business_line"),
                match config.business_lines.resolve(line) {
                    Some(declared) => read_as("business line", line, declared),
                    None => format!("unknown business line {line:?}"),
                },
            ));
        }
    }

    let tz = config.tz();
    match &incident.closed {
        None if config.is_final_status(config.statuses.slug_of(&incident.status)) => {
            out.push(Diagnostic::warning(
                path,
                Some(fields.line_of("status")),
                Some("closed"),
                format!(
                    "status {:?} is final but no `closed` date is given",
                    incident.status
                ),
            ))
        }
        Some(closed) if closed.timestamp(tz) < incident.date.timestamp(tz) => out.push(warning(
            "closed",
            format!(
                "closed ({closed}) is before the incident's date ({})",
                incident.date
            ),
        )),
        // A reopened incident that kept its close date: statistics count it as open,
        // and the date no longer says anything true.
        // (An unknown status has its own warning: mapped, it may well be final.)
        Some(closed)
            if config
                .statuses
                .resolve(&incident.status)
                .is_some_and(|status| !status.is_final) =>
        {
            out.push(warning(
                "closed",
                format!(
                    "closed ({closed}) is given but status {:?} is not final: if the incident was reopened, remove the date",
                    incident.status
                ),
            ))
        }
        _ => {}
    }
    for (i, artifact) in incident.artifacts.iter().enumerate() {
        if artifact.kind.trim().is_empty() || artifact.value.trim().is_empty() {
            out.push(error(
                &format!("artifacts[{i}]"),
                "an artifact needs both a type and a value".into(),
            ));
        } else if let Err(e) =
            crate::artifacts::parse_value(&artifact.kind, &artifact.value, &config.artifacts)
        {
            // Kept in the file, but not shown or correlated until fixed.
            out.push(warning(
                &format!("artifacts[{i}]"),
                format!("{e}; it is ignored"),
            ));
        }
    }
    for (i, relation) in incident.relations.iter().enumerate() {
        if relation == &incident.id {
            out.push(warning(
                &format!("relations[{i}]"),
                "an incident cannot relate to itself".into(),
            ));
        }
    }
    out
}

/// How a warning says that `fir check --fix` mends what it names.
pub const FIXED_BY_CHECK: &str = "(`fir check --fix` does)";

/// The warning for a value read as `meant`, which the file spells `value`.
fn read_as(what: &str, value: &str, meant: &str) -> String {
    format!("{what} {value:?} is read as {meant:?}; write {meant:?} in the file {FIXED_BY_CHECK}")
}

/// Reads every taxonomy value of `incident` that names a term other than by its
/// slug (label, alias, another case) as that term's slug. Values no term has stay
/// as they are. The file is not changed: [`validate`] tells its author.
pub fn resolve_terms(incident: &mut Incident, config: &Config) {
    for (_, value, taxonomy) in fixable(incident, config) {
        if let Some(value) = value {
            resolve(value, taxonomy);
        }
    }
    if let Some(tlp) = &mut incident.tlp {
        resolve(tlp, &config.tlp);
    }
    for entry in &mut incident.timeline {
        if let Some(action) = &mut entry.action {
            resolve(action, &config.actions);
        }
    }
    for line in business_lines(incident) {
        resolve_business_line(line, &config.business_lines);
    }
}

/// Every business line `incident` names: its own and its tasks'.
fn business_lines(incident: &mut Incident) -> impl Iterator<Item = &mut String> {
    (incident.business_lines.iter_mut()).chain(
        incident
            .todos
            .iter_mut()
            .filter_map(|t| t.business_line.as_mut()),
    )
}

/// `line` as the declared business line it names in another case, if it does.
fn resolve_business_line(line: &mut String, declared: &BusinessLines) -> bool {
    if declared.contains(line) {
        return false;
    }
    let Some(path) = declared.resolve(line) else {
        return false;
    };
    *line = path.to_string();
    true
}

/// `value` as the slug of the term it names, when it names one other than by its slug.
fn resolve(value: &mut String, taxonomy: &Taxonomy) -> bool {
    if taxonomy.get(value).is_some() {
        return false;
    }
    let Some(term) = taxonomy.resolve(value) else {
        return false;
    };
    value.clone_from(&term.slug);
    true
}

/// The top-level taxonomy values `fir check --fix` writes as their slugs (with the
/// timeline's actions), with their field and taxonomy: those warned of when spelt
/// another way (a TLP alias is no mistake).
fn fixable<'a>(
    incident: &'a mut Incident,
    config: &'a Config,
) -> [(&'static str, Option<&'a mut String>, &'a Taxonomy); 5] {
    [
        ("category", Some(&mut incident.category), &config.categories),
        ("status", Some(&mut incident.status), &config.statuses),
        ("detection", incident.detection.as_mut(), &config.detections),
        ("actor", incident.actor.as_mut(), &config.actors),
        ("plan", incident.plan.as_mut(), &config.plans),
    ]
}

/// `text` with each [`fixable`] value and timeline action that names a term other
/// than by its slug (label, alias, another case) written as that slug, every other
/// byte as it was, and the fields so changed. `None` when there is nothing to fix, or when the file is not laid
/// out the way a line edit understands (TOML front matter, say) or reading the result
/// back would not give the same incident with those values fixed.
pub fn fix_terms(text: &str, config: &Config) -> Option<(String, Vec<&'static str>)> {
    let mut expected = super::parse(text).ok()?.incident;
    let mut out = text.to_string();
    let mut fixed = Vec::new();
    for (field, value, taxonomy) in fixable(&mut expected, config) {
        if let Some(value) = value
            && resolve(value, taxonomy)
        {
            out = super::edit::set_field(&out, field, value)?;
            fixed.push(field);
        }
    }
    let actions = |value: &mut String| resolve(value, &config.actions);
    let lines = |value: &mut String| resolve_business_line(value, &config.business_lines);
    type Fix<'f> = &'f dyn Fn(&mut String) -> bool;
    // (what, the values, the list that holds them, their field in its items, the fix)
    let items = [
        (
            "timeline actions",
            (expected
                .timeline
                .iter_mut()
                .filter_map(|e| e.action.as_mut()))
            .collect::<Vec<_>>(),
            "timeline",
            Some("action"),
            &actions as Fix,
        ),
        (
            "business lines",
            expected.business_lines.iter_mut().collect(),
            "business_lines",
            None,
            &lines,
        ),
        (
            "task business lines",
            (expected
                .todos
                .iter_mut()
                .filter_map(|t| t.business_line.as_mut()))
            .collect(),
            "todos",
            Some("business_line"),
            &lines,
        ),
    ];
    for (what, values, list, field, fix) in items {
        if values
            .into_iter()
            .fold(false, |any, value| fix(value) | any)
        {
            out = super::edit::set_item_values(&out, list, field, |value| {
                let mut value = value.to_string();
                fix(&mut value).then_some(value)
            })?;
            fixed.push(what);
        }
    }
    let reread = super::parse(&out).ok()?.incident;
    (!fixed.is_empty() && reread == expected).then_some((out, fixed))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Level;
    use crate::incident::parse;

    fn check(text: &str, file: &str) -> Vec<Diagnostic> {
        let parsed = parse(text).unwrap();
        validate(
            &parsed.incident,
            &Config::default(),
            Path::new(file),
            &parsed.fields,
        )
    }

    const OK: &str = "---\nid: FIR-1\ntitle: Test\ndate: 2024-05-01T09:30:00Z\ncategory: phishing\nseverity: 2\nstatus: open\n---\n";

    #[test]
    fn a_clean_incident_has_no_findings() {
        assert!(check(OK, "FIR-1.md").is_empty());
    }

    #[test]
    fn id_must_match_file_name() {
        let found = check(OK, "FIR-2.md");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].level, Level::Error);
        assert_eq!(found[0].line, Some(2));
    }

    #[test]
    fn unknown_values_are_warnings_with_hints() {
        let text = OK
            .replace("category: phishing", "category: Phishing")
            .replace(
                "status: open",
                "status: closed\nbusiness_lines:\n  - Nowhere",
            );
        let found = check(&text, "FIR-1.md");
        let messages: Vec<String> = found.iter().map(|d| d.to_string()).collect();
        assert!(
            found.iter().all(|d| d.level == Level::Warning),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(
                |m| m.contains(":5: field `category`") && m.contains("is read as \"phishing\"")
            ),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("`closed` date")),
            "{messages:?}"
        );
        assert!(
            messages
                .iter()
                .any(|m| m.contains(":9: field `business_lines[0]`")),
            "{messages:?}"
        );
    }

    #[test]
    fn a_close_date_on_an_incident_not_closed_is_a_warning() {
        let text = OK.replace("status: open", "status: open\nclosed: 2024-05-03");
        let found = check(&text, "FIR-1.md");
        let messages: Vec<String> = found.iter().map(|d| d.to_string()).collect();
        assert_eq!(
            messages,
            [
                "warning: FIR-1.md:8: field `closed`: closed (2024-05-03) is given but status \"open\" is not final: if the incident was reopened, remove the date"
            ]
        );
        let closed = text.replace("status: open", "status: closed");
        assert!(check(&closed, "FIR-1.md").is_empty());
        // An unknown status is said once, by its own warning.
        let unknown = text.replace("status: open", "status: C");
        let found = check(&unknown, "FIR-1.md");
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].field.as_deref(), Some("status"));
    }
}
