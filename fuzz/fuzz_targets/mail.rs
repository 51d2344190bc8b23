//! Any bytes as a message: analysis never panics, and the incident a message becomes is
//! one fir writes and reads back unchanged.
#![no_main]

use std::sync::OnceLock;

use fir::Config;
use fir::incident::{DateTime, parse, to_markdown};
use fir::mail::{Limits, analyse, map};
use libfuzzer_sys::fuzz_target;

fn config() -> &'static Config {
    static CONFIG: OnceLock<Config> = OnceLock::new();
    CONFIG.get_or_init(Config::default)
}

fuzz_target!(|data: &[u8]| {
    let config = config();
    let Ok(mail) = analyse(data, &Limits::from_config(&config.mail)) else {
        return;
    };
    let now: DateTime = "2024-03-01T10:00:00+01:00".parse().unwrap();
    let evidence = map::evidence(&mail, data, config);
    let mut incident = map::new_incident(&mail, &evidence, config, now);
    incident.id = "FUZZ-1".into();
    let written = to_markdown(&incident);
    let read = parse(&written)
        .unwrap_or_else(|e| panic!("fir cannot read what mail ingestion wrote: {e}\n{written}"));
    assert_eq!(read.incident, incident, "{written}");
});
