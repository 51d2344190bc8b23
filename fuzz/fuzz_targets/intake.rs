//! Any request body, as a form and as JSON: decoding never panics, and whatever the
//! checks accept becomes an incident (or timeline entry, or follow-up task) that fir
//! writes and reads back unchanged.
#![no_main]

use std::sync::OnceLock;

use fir::Config;
use fir::Incident;
use fir::incident::{DateTime, parse, to_markdown};
use fir::intake::{check_submission, check_timeline, check_todo, decode_form, decode_json};
use libfuzzer_sys::fuzz_target;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

/// fir reads back exactly the incident it wrote.
fn round_trip(incident: &Incident) {
    let written = to_markdown(incident);
    let read = parse(&written)
        .unwrap_or_else(|e| panic!("fir cannot read what intake wrote: {e}\n{written}"));
    assert_eq!(&read.incident, incident, "{written}");
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    let now: DateTime = "2024-03-01T10:00:00+01:00".parse().unwrap();
    for fields in [decode_form(data), decode_json(data)].into_iter().flatten() {
        if let Ok(submission) = check_submission(&fields, config, &["csrf"]) {
            for user in [None, Some("analyst")] {
                let mut incident = submission.to_incident(config, now, user);
                incident.id = "FUZZ-1".into();
                round_trip(&incident);
            }
        }
        let mut incident = Incident::new("FUZZ-1", "t", now);
        if let Ok(request) = check_timeline(&fields, config) {
            incident
                .timeline
                .push(request.to_entry(now, Some("analyst")));
        }
        if let Ok(request) = check_todo(&fields, config) {
            incident.todos.push(request.to_todo());
        }
        incident.normalize();
        round_trip(&incident);
    }
});
