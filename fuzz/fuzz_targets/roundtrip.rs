//! Any field content: an incident written by fir reads back as the same value.
#![no_main]

use fir::incident::{Incident, TimelineEntry, Todo, parse, to_markdown};
use libfuzzer_sys::arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

fn build(u: &mut Unstructured) -> Result<Incident> {
    let date = "2024-03-01T10:00:00+01:00".parse().unwrap();
    let title: String = u.arbitrary()?;
    let mut incident = Incident::new(
        "FUZZ-1",
        if title.is_empty() { "t".into() } else { title },
        date,
    );
    incident.category = u.arbitrary()?;
    incident.severity = u.arbitrary()?;
    incident.status = u.arbitrary()?;
    incident.tlp = u.arbitrary()?;
    incident.business_lines = u.arbitrary()?;
    incident.detection = u.arbitrary()?;
    incident.major = u.arbitrary()?;
    incident.incident = u.arbitrary()?;
    incident.tags = u.arbitrary()?;
    for _ in 0..u.int_in_range(0..=3)? {
        incident.timeline.push(TimelineEntry {
            date,
            action: u.arbitrary()?,
            author: u.arbitrary()?,
            text: u.arbitrary()?,
        });
    }
    for _ in 0..u.int_in_range(0..=2)? {
        incident.todos.push(Todo {
            task: u.arbitrary()?,
            business_line: u.arbitrary()?,
            deadline: None,
            done: u.arbitrary()?,
            done_at: None,
        });
    }
    incident.relations = u.arbitrary()?;
    incident.description = u.arbitrary()?;
    Ok(incident)
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let Ok(mut incident) = build(&mut u) else {
        return;
    };
    let written = to_markdown(&incident);
    let parsed = match parse(&written) {
        Ok(parsed) => parsed.incident,
        Err(e) => panic!("fir cannot read what it wrote: {e}\n{written}"),
    };
    incident.normalize();
    assert_eq!(parsed, incident, "{written}");
    assert_eq!(to_markdown(&parsed), written);
});
