//! Any request body, as a form and as JSON: decoding never panics, and whatever the
//! checks accept becomes an incident (or timeline entry) that fir writes and reads
//! back unchanged.
#![no_main]

use std::sync::OnceLock;

use fir::Config;
use fir::incident::{DateTime, parse, to_markdown};
use fir::intake::{check_submission, check_timeline, decode_form, decode_json};
use libfuzzer_sys::fuzz_target;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    let now: DateTime = "2024-03-01T10:00:00+01:00".parse().unwrap();
    for fields in [decode_form(data), decode_json(data)].into_iter().flatten() {
        if let Ok(submission) = check_submission(&fields, config, &["csrf"]) {
            for user in [None, Some("analyst")] {
                let mut incident = submission.to_incident(config, now, user);
                incident.id = "FUZZ-1".into();
                let written = to_markdown(&incident);
                let read = parse(&written).unwrap_or_else(|e| {
                    panic!("fir cannot read what intake wrote: {e}\n{written}")
                });
                assert_eq!(read.incident, incident, "{written}");
            }
        }
        if let Ok(request) = check_timeline(&fields, config) {
            let mut incident = fir::Incident::new("FUZZ-1", "t", now);
            incident
                .timeline
                .push(request.to_entry(now, Some("analyst")));
            incident.normalize();
            let written = to_markdown(&incident);
            let read = parse(&written)
                .unwrap_or_else(|e| panic!("fir cannot read the entry it wrote: {e}\n{written}"));
            assert_eq!(read.incident, incident, "{written}");
        }
    }
});
