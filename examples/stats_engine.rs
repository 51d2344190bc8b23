//! Times the statistics engine alone on N incidents made up in memory (no files).
//!
//! cargo run --release --example stats_engine -- [N]   (default 100000)
//!
//! Incidents are spread over ten years, with the taxonomies of the default fir.toml;
//! the timings are the best of five runs of each step.

use std::time::{Duration, Instant};

use fir::Config;
use fir::incident::DateTime;
use fir::site::Summary;
use fir::stats::{self, DateRange, Facet, Period};

/// A small deterministic generator (64-bit LCG), enough to spread values.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn summaries(n: usize, config: &Config) -> Vec<Summary> {
    let mut rng = Lcg(7);
    let categories = config.categories.slugs();
    let lines = config.business_lines.paths();
    let start = jiff::Timestamp::from_second(1_451_606_400).unwrap(); // 2016-01-01
    let ten_years = 10 * 365 * 86_400;
    let mut out: Vec<Summary> = (0..n)
        .map(|i| {
            let opened = start.as_second() + rng.next(ten_years) as i64;
            let closed = rng.next(10) < 8;
            let closed_at = (closed && rng.next(20) > 0).then(|| {
                let ts =
                    jiff::Timestamp::from_second(opened + rng.next(90 * 86_400) as i64).unwrap();
                DateTime::from_timestamp(ts)
            });
            let date = DateTime::from_timestamp(jiff::Timestamp::from_second(opened).unwrap());
            Summary {
                id: format!("FIR-{i:06}").into(),
                title: String::new(),
                date,
                timestamp: opened,
                category: categories[rng.next(categories.len() as u64) as usize].into(),
                severity: 1 + rng.next(4) as u8,
                status: if closed { "closed" } else { "open" }.into(),
                tlp: "AMBER".into(),
                business_lines: if lines.is_empty() {
                    Vec::new()
                } else {
                    vec![lines[rng.next(lines.len() as u64) as usize].as_str().into()]
                },
                detection: Some("siem".into()),
                actor: None,
                tags: Vec::new(),
                major: rng.next(50) == 0,
                incident: rng.next(10) > 0,
                closed,
                closed_at,
                relations: Vec::new(),
                artifacts: Vec::new(),
                mentions: Vec::new(),
                todos: Vec::new(),
                path: Default::default(),
                source_hash: 0,
            }
        })
        .collect();
    fir::site::index::sort(&mut out);
    out
}

fn best<T>(mut step: impl FnMut() -> T) -> (Duration, T) {
    let mut fastest = Duration::MAX;
    let mut last = None;
    for _ in 0..5 {
        let started = Instant::now();
        let out = step();
        fastest = fastest.min(started.elapsed());
        last = Some(out);
    }
    (fastest, last.expect("five runs"))
}

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .map_or(100_000, |a| a.parse().expect("N is a number"));
    let config = Config::from_toml("timezone = \"Europe/Paris\"\n").expect("valid");
    let summaries = summaries(n, &config);
    let (took, records) = best(|| stats::records(&summaries, &config));
    println!("{n} incidents");
    println!("records (dates in the site zone): {took:.2?}");
    let all = stats::extent(&records).expect("incidents");
    let (took, _) = best(|| stats::count(&records, &[Facet::Category], Some(Period::Month), all));
    println!("count by category and month, all years: {took:.2?}");
    let (took, _) = best(|| {
        stats::count(
            &records,
            &[Facet::TopBusinessLine, Facet::Severity],
            None,
            all,
        )
    });
    println!("count by top business line × severity: {took:.2?}");
    let (took, _) = best(|| stats::time_to_close(&records, &[Facet::Category], all));
    println!("time to close by category: {took:.2?}");
    let (took, _) = best(|| stats::backlog(&records, Period::Month, all));
    println!("backlog at the end of each month: {took:.2?}");
    // What the report pages compute: for every week, month, quarter and year, counts by
    // category and severity of the period and the one before.
    let (took, pages) = best(|| {
        let mut pages = 0;
        for period in [Period::Week, Period::Month, Period::Quarter, Period::Year] {
            for span in period.spans(all) {
                for range in [span.range(), span.previous().range()] {
                    for facet in [Facet::Category, Facet::Severity] {
                        std::hint::black_box(stats::count(&records, &[facet], None, range));
                    }
                }
                pages += 1;
            }
        }
        pages
    });
    println!("per-period counts of {pages} reports: {took:.2?}");
    let range = DateRange::new(all.start, all.end);
    let (took, _) = best(|| stats::count(&records, &[], Some(Period::Day), range));
    println!("count per day, all years: {took:.2?}");
}
