//! Times the search index's build alone over every incident of a site: tokenising
//! only, then the whole [`fir::search::build`] (inverting, encoding the files).
//!
//! cargo run --release --example index_bench -- SITE_ROOT [ROUNDS]   (default 3)
//!
//! The documents carry titles, texts and extracted artifacts, not the facet columns a
//! site build adds: the figure is the index's own work, on every core.

mod common;

use std::time::{Duration, Instant};

use fir::search::{Document, build, text};

fn main() -> anyhow::Result<()> {
    // `FIR_LOG=fir=debug` shows the build's steps, as `fir build -v` does.
    if let Ok(filter) = tracing_subscriber::EnvFilter::try_from_env("FIR_LOG") {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let site = common::Site::from_args(3)?;
    let (config, rounds) = (&site.config, site.rounds);
    let incidents = site.incidents();
    let artifacts: Vec<Vec<(&'static str, String)>> = incidents
        .iter()
        .map(|i| {
            fir::artifacts::scan_incident(i, &config.artifacts)
                .artifacts
                .iter()
                .map(|a| ("artifact", fir::search::indexed_artifact(a)))
                .collect()
        })
        .collect();
    let docs: Vec<Document<'_>> = incidents
        .iter()
        .zip(artifacts)
        .map(|(i, keywords)| Document {
            id: &i.id,
            title: &i.title,
            texts: i.texts().skip(1).collect(),
            keywords,
            ..Document::default()
        })
        .collect();
    let bytes: usize = incidents.iter().flat_map(|i| i.texts()).map(str::len).sum();

    let mut tokenising = Duration::MAX;
    let mut terms = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        terms = 0;
        for text in incidents.iter().flat_map(|i| i.texts()) {
            text::for_each_term(text, |_| terms += 1);
        }
        tokenising = tokenising.min(started.elapsed());
    }
    let mut building = Duration::MAX;
    let mut files = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        files = build(&docs, &[]).len();
        building = building.min(started.elapsed());
    }
    println!(
        "{} incidents, {:.1} MB of text, {terms} terms: tokenising (one core) {tokenising:.1?}, \
         index built (every core) {:.0} ms, {files} files; best of {rounds}",
        incidents.len(),
        bytes as f64 / 1e6,
        building.as_secs_f64() * 1e3,
    );
    Ok(())
}
