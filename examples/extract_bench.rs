//! Times artifact extraction alone, on one core, over every incident of a site.
//!
//! cargo run --release --example extract_bench -- SITE_ROOT [ROUNDS]   (default 5)
//!
//! Prints the bytes of text scanned, the artifacts found and the best round's time
//! and throughput: the figure behind extraction's share of `fir build`.

mod common;

use std::time::{Duration, Instant};

fn main() -> anyhow::Result<()> {
    let site = common::Site::from_args(5)?;
    let (config, rounds) = (&site.config, site.rounds);
    let incidents = site.incidents();
    let bytes: usize = incidents.iter().flat_map(|i| i.texts()).map(str::len).sum();
    let mut best = Duration::MAX;
    let mut found = 0;
    for _ in 0..rounds {
        let started = Instant::now();
        found = incidents
            .iter()
            .map(|i| {
                fir::artifacts::scan_incident(i, &config.artifacts)
                    .artifacts
                    .len()
            })
            .sum::<usize>();
        best = best.min(started.elapsed());
    }
    println!(
        "{} incidents, {:.1} MB of text, {found} artifacts: best of {rounds} {:.1?} ({:.0} MB/s)",
        incidents.len(),
        bytes as f64 / 1e6,
        best,
        bytes as f64 / 1e6 / best.as_secs_f64()
    );
    Ok(())
}
