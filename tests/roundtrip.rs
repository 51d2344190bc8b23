//! Property test: writing an incident and reading it back gives the same value, and
//! writing it again gives the same bytes, whatever its text fields contain.

use fir::incident::{
    Artifact, Attribute, DateTime, Incident, Legacy, Nugget, TimelineEntry, Todo, parse,
    to_markdown,
};
use proptest::prelude::*;

/// Text that stresses YAML: indicators, fences, quotes, line breaks, unicode, blanks.
fn text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        Just("---".to_string()),
        Just("\n---\n".to_string()),
        Just(": ".to_string()),
        Just(" #".to_string()),
        Just("'\"\\".to_string()),
        Just("- ".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
        Just("  ".to_string()),
        Just("true".to_string()),
        Just("null".to_string()),
        Just("1.5".to_string()),
        Just("0x1F".to_string()),
        Just("&anchor *alias !tag |>{}[],%@`".to_string()),
        Just("hameçonnage é ü 漢字 🦀".to_string()),
        Just("\u{feff}\u{85}\u{2028}\u{0}\u{7f}\u{fffe}".to_string()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(fragment, 0..6).prop_map(|parts| parts.concat())
}

fn opt_text() -> impl Strategy<Value = Option<String>> {
    prop::option::of(text())
}

fn date() -> impl Strategy<Value = DateTime> {
    (
        1990i16..2100,
        1i8..=12,
        1i8..=28,
        0i8..24,
        0i8..60,
        0i8..60,
        prop::option::of(-14 * 60i32..=14 * 60),
        any::<bool>(),
    )
        .prop_map(|(y, mo, d, h, mi, s, offset_minutes, date_only)| {
            let civil = jiff::civil::date(y, mo, d).at(h, mi, s, 0);
            if date_only {
                return DateTime::date_only(civil.date());
            }
            let text = match offset_minutes {
                None => civil.to_string(),
                Some(m) => {
                    let sign = if m < 0 { '-' } else { '+' };
                    format!("{civil}{sign}{:02}:{:02}", m.abs() / 60, m.abs() % 60)
                }
            };
            text.parse().expect("generated dates are valid")
        })
}

fn incident() -> impl Strategy<Value = Incident> {
    let head = (
        "[A-Za-z0-9][A-Za-z0-9._-]{0,20}",
        text().prop_filter("titles are not empty", |t| !t.is_empty()),
        date(),
        text(),
        any::<u8>(),
        text(),
        opt_text(),
        prop::collection::vec(text(), 0..3),
        (opt_text(), opt_text(), opt_text()),
        (
            any::<bool>(),
            any::<bool>(),
            opt_text(),
            prop::option::of(date()),
        ),
    );
    let timeline = prop::collection::vec(
        (date(), opt_text(), opt_text(), text()).prop_map(|(date, action, author, text)| {
            TimelineEntry {
                date,
                action,
                author,
                text,
            }
        }),
        0..3,
    );
    let nuggets = prop::collection::vec(
        (
            prop::option::of(date()),
            opt_text(),
            text(),
            opt_text(),
            prop::option::of(date()),
            prop::option::of(date()),
            opt_text(),
        )
            .prop_map(
                |(date, source, raw, interpretation, start, end, found_by)| Nugget {
                    date,
                    source,
                    raw,
                    interpretation,
                    start,
                    end,
                    found_by,
                },
            ),
        0..2,
    );
    let todos = prop::collection::vec(
        (
            text(),
            opt_text(),
            prop::option::of(date()),
            any::<bool>(),
            prop::option::of(date()),
        )
            .prop_map(|(task, business_line, deadline, done, done_at)| Todo {
                task,
                business_line,
                deadline,
                done,
                done_at,
            }),
        0..2,
    );
    let rest = (
        prop::collection::vec(text(), 0..3),
        prop::collection::vec(
            (text(), text()).prop_map(|(kind, value)| Artifact { kind, value }),
            0..3,
        ),
        timeline,
        nuggets,
        todos,
        prop::collection::vec(
            (text(), text(), opt_text()).prop_map(|(name, value, unit)| Attribute {
                name,
                value,
                unit,
            }),
            0..2,
        ),
        prop::collection::vec("[A-Z]{3}-[0-9]{1,4}", 0..3),
        prop::option::of(
            (
                text(),
                opt_text(),
                prop::option::of(1u32..100_000),
                opt_text(),
            )
                .prop_map(|(source, sheet, row, reference)| Legacy {
                    source,
                    sheet,
                    row,
                    reference,
                }),
        ),
        text(),
    );
    (head, rest).prop_map(|(head, rest)| {
        let (id, title, date, category, severity, status, tlp, business_lines, dap, flags) = head;
        let (tags, artifacts, timeline, nuggets, todos, attributes, relations, legacy, description) =
            rest;
        let mut incident = Incident::new(id, title, date);
        incident.category = category;
        incident.severity = severity;
        incident.status = status;
        incident.tlp = tlp;
        incident.business_lines = business_lines;
        (incident.detection, incident.actor, incident.plan) = dap;
        (incident.major, incident.incident, incident.opened_by, incident.closed) = flags;
        incident.tags = tags;
        incident.artifacts = artifacts;
        incident.timeline = timeline;
        incident.nuggets = nuggets;
        incident.todos = todos;
        incident.attributes = attributes;
        incident.relations = relations;
        incident.legacy = legacy;
        incident.description = description;
        incident
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn write_then_read_gives_the_same_incident(original in incident()) {
        let text = to_markdown(&original);
        let parsed = match parse(&text) {
            Ok(parsed) => parsed.incident,
            Err(e) => panic!("written file does not parse: {e}\n{text}"),
        };
        let mut expected = original.clone();
        expected.normalize();
        prop_assert_eq!(&parsed, &expected, "file was:\n{}", text);
        prop_assert_eq!(to_markdown(&parsed), text);
    }

    /// The site's data file writes incidents with fir's own JSON writer: byte for byte
    /// what serde_json writes.
    #[test]
    fn incidents_as_json_as_serde_json_writes_them(incident in incident()) {
        prop_assert_eq!(
            fir::json::to_string(&incident).unwrap(),
            serde_json::to_string(&incident).unwrap()
        );
    }

    #[test]
    fn parsing_never_panics(input in "(---\n)?[ -~\n\r\t]{0,200}(\n---\n)?[ -~]{0,20}") {
        let _ = parse(&input);
    }
}

/// Small edits that take a canonical file outside (or just inside) the fast reader's subset.
fn mutate(text: &str, kind: usize, at: usize) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    // Only touch the front matter, between the fences.
    let end = lines
        .iter()
        .skip(1)
        .position(|l| l == "---")
        .map_or(1, |p| p + 1);
    let i = 1 + at % end.max(2).saturating_sub(1).max(1);
    let i = i.min(end.saturating_sub(1)).max(1);
    let edits: [&dyn Fn(&str) -> String; 12] = [
        &|l| format!("{l} # comment"),
        &|l| format!(" {l}"),
        &|l| l.trim_start().to_string(),
        &|l| l.replace(": ", ":  "),
        &|l| l.replace(": ", ": '").to_string() + "'",
        &|l| l.replace('"', "'"),
        &|l| format!("{l}\n"),
        &|l| l.replace("- ", "-   "),
        &|l| format!("{l}\n  extra"),
        &|l| l.replacen(':', ": &a", 1),
        &|l| l.replace("|-", "|+").replace("|\n", ">\n"),
        &|l| format!("{l}\n{l}"),
    ];
    if let Some(line) = lines.get_mut(i) {
        *line = edits[kind % edits.len()](line);
    }
    lines.join("\n") + "\n"
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    /// The fast reader for canonical YAML never disagrees with the full parser.
    #[test]
    fn fast_reader_agrees_with_full_parser(original in incident(), kind in 0usize..12, at in 0usize..64) {
        let canonical = to_markdown(&original);
        for text in [canonical.clone(), mutate(&canonical, kind, at)] {
            let fast = parse(&text).map(|p| p.incident);
            let full = fir::incident::parse_without_fast_path(&text).map(|p| p.incident);
            match (&fast, &full) {
                (Ok(a), Ok(b)) => prop_assert_eq!(a, b, "{}", text),
                (Err(a), Err(b)) => prop_assert_eq!(a, b),
                _ => prop_assert!(false, "fast {:?} vs full {:?} on\n{}", fast, full, text),
            }
        }
    }
}

/// How a hand-edited file may spell a taxonomy value: its slug, its label in any case,
/// the slug in capitals, or a value no term has.
fn spelling(slug: &'static str, label: &'static str) -> impl Strategy<Value = String> {
    prop_oneof![
        Just(slug.to_string()),
        Just(label.to_string()),
        Just(label.to_uppercase()),
        Just(slug.to_uppercase()),
        Just(format!("{slug}-nowhere")),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// `fir check --fix` on any written incident: the file read back is the incident
    /// with its spelt values read as slugs (TLP aside), and nothing else changes.
    #[test]
    fn fix_writes_exactly_the_values_read_as_slugs(
        original in incident(),
        category in spelling("phishing", "Phishing"),
        status in spelling("closed", "Closed"),
        detection in prop::option::of(spelling("siem", "SIEM correlation")),
        actor in prop::option::of(spelling("it-ops", "IT operations")),
        action in spelling("investigation", "Investigation"),
    ) {
        let config = fir::Config::default();
        let mut spelt = original;
        spelt.category = category;
        spelt.status = status;
        spelt.detection = detection;
        spelt.actor = actor;
        for entry in &mut spelt.timeline {
            entry.action = Some(action.clone());
        }
        let text = to_markdown(&spelt);
        let read = parse(&text).unwrap().incident;
        let mut expected = read.clone();
        fir::incident::resolve_terms(&mut expected, &config);
        expected.tlp = read.tlp.clone();
        match fir::incident::fix_terms(&text, &config) {
            Some((fixed, fields)) => {
                prop_assert!(!fields.is_empty());
                prop_assert_eq!(parse(&fixed).unwrap().incident, expected, "file was:\n{}", text);
            }
            None => prop_assert_eq!(read, expected, "nothing fixed in:\n{}", text),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// A timeline entry and the changes it makes (a status that closes or reopens, a
    /// severity, a category, a TLP, an actor or a plan the file may not have), made by
    /// line edits on any
    /// written incident, give the file the writer would write for the result.
    #[test]
    fn entries_edit_written_files_as_the_writer_would_write_them(
        original in incident(),
        entry_date in date(),
        entry_text in text(),
        status in prop::option::of(prop_oneof![Just("open"), Just("closed"), Just("blocked")]),
        severity in prop::option::of(1u8..5),
        category in prop::option::of(prop_oneof![Just("phishing"), Just("malware")]),
        tlp in prop::option::of(prop_oneof![Just("RED"), Just("CLEAR")]),
        actor in prop::option::of(prop_oneof![Just("soc"), Just("cert")]),
        plan in prop::option::of(Just("data-breach")),
    ) {
        let text = to_markdown(&original);
        let before = parse(&text).unwrap().incident;
        let entry = TimelineEntry {
            date: entry_date,
            action: Some("info".into()),
            author: None,
            text: entry_text,
        };
        let mut changes: Vec<(&str, String)> = Vec::new();
        changes.extend(category.map(|c| ("category", c.to_string())));
        changes.extend(severity.map(|s| ("severity", s.to_string())));
        changes.extend(status.map(|s| ("status", s.to_string())));
        changes.extend(tlp.map(|t| ("tlp", t.to_string())));
        changes.extend(actor.map(|a| ("actor", a.to_string())));
        changes.extend(plan.map(|p| ("plan", p.to_string())));
        let is_final = |status: &str| status == "closed";
        let (out, incident) = fir::incident::with_timeline_entry(
            &text, &before, entry.clone(), &changes, is_final,
        );
        let mut expected = before.clone();
        expected.timeline.push(entry.clone());
        for (key, value) in &changes {
            fir::incident::set_scalar(&mut expected, key, value);
        }
        match status {
            Some("closed") if before.closed.is_none() => expected.closed = Some(entry.date),
            Some("open" | "blocked") => expected.closed = None,
            _ => {}
        }
        expected.normalize();
        prop_assert_eq!(&incident, &expected);
        prop_assert_eq!(&parse(&out).unwrap().incident, &expected, "file was:\n{}", out);
        prop_assert_eq!(out, to_markdown(&expected));
    }
}
