//! The disk's ceiling for the intake path: how many incident files per second the
//! server's own writer ([`fir::store::Creator`]: temp file written and fsynced, linked
//! exclusively, directory fsynced with group commit) can make, with no HTTP, no
//! parsing and no rebuild, from THREADS threads at once for SECONDS.
//!
//! cargo run --release --example durable_creates -- SITE_ROOT [THREADS] [SECONDS]
//!
//! `scripts/bench-serve.sh` runs it beside wrk: `POST /new` cannot go faster than this.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fir::incident::{DateTime, Incident};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let threads: usize = args.next().map_or(Ok(16), |t| t.parse())?;
    let seconds: f64 = args.next().map_or(Ok(10.0), |s| s.parse())?;
    let config = fir::Config::load(&root)?;
    let creator = fir::store::Creator::new(&root, &config);
    let now = DateTime::now(config.tz());
    creator.reserve_warm(now.civil().year())?;
    let made = AtomicU64::new(0);
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (creator, made, stop) = (&creator, &made, &stop);
                scope.spawn(move || -> std::io::Result<()> {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        // About the size of a form submission's file.
                        let mut incident =
                            Incident::new("", format!("Durable create {t}-{n}"), now);
                        incident.category = "phishing".into();
                        incident.description = "Suspicious mail with a link. ".repeat(8);
                        creator.create(&mut incident)?;
                        made.fetch_add(1, Ordering::Relaxed);
                        n += 1;
                    }
                    Ok(())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
        for worker in workers {
            worker.join().expect("a writer thread")?;
        }
        Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let made = made.load(Ordering::Relaxed);
    println!(
        "{made} files in {elapsed:.2} s from {threads} threads: {:.0} files/s",
        made as f64 / elapsed
    );
    Ok(())
}
