//! Writes a synthetic incident corpus for benchmarks.
//!
//! ```text
//! cargo run --release --example synth -- OUT N [--seed S]
//! ```
//!
//! OUT gets a `fir.toml` and N incidents under `content/incidents/YYYY/ID.md`. Every field
//! of the file format is used, with values from the default taxonomies; descriptions have
//! 100–600 words and indicators of every kind, some defanged, reused across incidents the
//! way campaigns and scanners reuse infrastructure. The output depends only on N and the
//! seed: the generator carries its own PRNG so that it never changes with dependencies.
//!
//! `tests/synth.rs` includes this file as a module to test the generator.

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use fir::Config;
use fir::artifacts::Kind;
use fir::config::DEFAULT_TOML;
use fir::incident::{
    Artifact, Attribute, DateTime, Incident, Legacy, Nugget, TimelineEntry, Todo, to_markdown,
};
use fir::store::{self, INCIDENTS_DIR};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use rayon::prelude::*;

/// Writes a synthetic incident corpus for benchmarks.
#[derive(Debug, Parser)]
struct Args {
    /// Directory to create the site in; must not hold incidents yet.
    out: PathBuf,
    /// Number of incidents.
    n: usize,
    /// Seed of the generator: the same seed and N give the same bytes.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let started = Instant::now();
    let summary = write_corpus(&args.out, args.n, args.seed)
        .with_context(|| format!("writing the corpus into {}", args.out.display()))?;
    eprintln!(
        "wrote {} incidents ({:.1} MB) into {} in {:.2?}",
        summary.files,
        summary.bytes as f64 / 1e6,
        args.out.display(),
        started.elapsed()
    );
    Ok(())
}

/// What [`write_corpus`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub files: usize,
    /// Total size of the incident files.
    pub bytes: u64,
}

/// Writes `OUT/fir.toml` and `n` incident files made from `seed`.
///
/// Refuses to write into a site that already has incidents: files left from another run
/// would silently change the corpus.
pub fn write_corpus(out: &Path, n: usize, seed: u64) -> io::Result<Summary> {
    let incidents_dir = out.join(INCIDENTS_DIR);
    if incidents_dir.exists() && fs::read_dir(&incidents_dir)?.next().is_some() {
        return Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} already holds incidents; remove it or pick another directory",
                incidents_dir.display()
            ),
        ));
    }
    let corpus = Corpus::new(n, seed);
    fs::create_dir_all(out)?;
    fs::write(out.join(fir::config::FILE_NAME), corpus.fir_toml())?;
    let years: BTreeSet<i16> = corpus.plan.iter().map(|p| p.date.civil().year()).collect();
    for year in years {
        fs::create_dir_all(incidents_dir.join(year.to_string()))?;
    }
    // Plain writes: a benchmark corpus needs no fsync, and 100k of them would dominate.
    let bytes = (0..n)
        .into_par_iter()
        .map(|i| {
            let incident = corpus.incident(i);
            let text = to_markdown(&incident);
            fs::write(store::incident_path(out, &incident), &text)?;
            Ok::<_, io::Error>(text.len() as u64)
        })
        .try_reduce(|| 0, |a, b| Ok(a + b))?;
    Ok(Summary { files: n, bytes })
}

/// The first and last instants incidents are spread over (ten years, Europe/Paris).
const SPAN_START: i64 = 1_451_606_400; // 2016-01-01T00:00:00Z
const SPAN_END: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
/// What "now" is for the corpus: recent incidents are still open.
const NOW: i64 = SPAN_END;
const DAY: i64 = 86_400;

/// A planned corpus: the date and id of every incident, from which each incident is
/// generated on its own (so that they can be generated in parallel, in any order).
#[derive(Debug)]
pub struct Corpus {
    seed: u64,
    config: Config,
    tz: TimeZone,
    id_format: String,
    /// Per incident, in index order.
    plan: Vec<Planned>,
    /// Incident indices in date order, to relate incidents close in time.
    by_date: Vec<usize>,
    /// How many shared indicators of each kind exist.
    pool_size: u64,
}

#[derive(Debug)]
struct Planned {
    when: i64,
    date: DateTime,
    id: String,
    /// Position in date order.
    rank: usize,
}

impl Corpus {
    /// Plans `n` incidents from `seed`: dates first, then ids numbered per year in date order.
    pub fn new(n: usize, seed: u64) -> Corpus {
        let tz = TimeZone::get("Europe/Paris").expect("the bundled time zone database has Paris");
        let mut plan: Vec<Planned> = (0..n)
            .map(|i| {
                let mut rng = Rng::new(mix(seed, mix(PLAN, i as u64)));
                // Half uniform, half growing over the years: registers fill up over time.
                let u = rng.unit();
                let u = if rng.chance(0.5) { u } else { u.sqrt() };
                let when = SPAN_START + ((SPAN_END - SPAN_START - DAY) as f64 * u) as i64;
                let date = written_date(&mut rng, when, &tz);
                Planned {
                    when,
                    date,
                    id: String::new(),
                    rank: 0,
                }
            })
            .collect();
        let mut by_date: Vec<usize> = (0..n).collect();
        by_date.sort_by_key(|&i| (plan[i].when, i));
        let mut per_year: std::collections::BTreeMap<i16, u64> = Default::default();
        let mut seqs = vec![0u64; n];
        for &i in &by_date {
            let seq = per_year.entry(plan[i].date.civil().year()).or_insert(0);
            *seq += 1;
            seqs[i] = *seq;
        }
        let widest = per_year.values().max().copied().unwrap_or(1);
        let width = widest.to_string().len().max(4);
        let id_format = format!("FIR-{{year}}-{{seq:{width:02}}}");
        for (rank, &i) in by_date.iter().enumerate() {
            let year = plan[i].date.civil().year();
            plan[i].id = store::format_id(&id_format, year, seqs[i]);
            plan[i].rank = rank;
        }
        Corpus {
            seed,
            config: Config::default(),
            tz,
            id_format,
            plan,
            by_date,
            pool_size: (n as u64 / 6).max(200),
        }
    }

    /// The site configuration: the defaults, with a title, Paris time and wide enough ids.
    pub fn fir_toml(&self) -> String {
        let mut text = DEFAULT_TOML.to_string();
        for (line, replacement) in [
            (
                "title = \"Incident register\"",
                "title = \"Synthetic incident register\"".to_string(),
            ),
            (
                "timezone = \"UTC\"",
                "timezone = \"Europe/Paris\"".to_string(),
            ),
            (
                "id_format = \"FIR-{year}-{seq:04}\"",
                format!("id_format = \"{}\"", self.id_format),
            ),
        ] {
            assert!(
                text.contains(line),
                "default.toml no longer has `{line}`; update the synth generator"
            );
            text = text.replacen(line, &replacement, 1);
        }
        text
    }

    /// Incident number `index`; the same corpus always gives the same incident.
    pub fn incident(&self, index: usize) -> Incident {
        let planned = &self.plan[index];
        let mut rng = Rng::new(mix(self.seed, mix(CONTENT, index as u64)));
        let config = &self.config;
        let slugs = |taxonomy: &fir::config::Taxonomy| -> Vec<String> {
            taxonomy.iter().map(|t| t.slug.clone()).collect()
        };

        let category = rng.weighted(CATEGORY_WEIGHTS).to_string();
        let severity = *rng.weighted(&[(1u8, 30), (2, 40), (3, 22), (4, 8)]);
        let age_days = (NOW - planned.when) / DAY;
        let status = if age_days > 120 && rng.chance(0.97) {
            "closed"
        } else {
            *rng.weighted(&[("open", 45), ("blocked", 20), ("closed", 35)])
        };
        let french = rng.chance(0.12);

        // Indicators of this incident: its campaign's, shared ones (scanners, bulletproof
        // hosts, commodity malware) and fresh ones.
        let campaign = rng
            .chance(0.3)
            .then_some(planned.rank as u64 / CAMPAIGN_SIZE);
        let mut indicators: Vec<(Kind, String)> = Vec::new();
        if let Some(campaign) = campaign {
            for j in 0..rng.range(2, 5) {
                let mut crng = Rng::new(mix(self.seed, mix(CAMPAIGN, campaign * 16 + j)));
                let kind = *crng.weighted(KIND_WEIGHTS);
                indicators.push((kind, kind.generate(&mut crng)));
            }
        }
        for _ in 0..rng.range(2, 12) {
            let kind = *rng.weighted(KIND_WEIGHTS);
            let value = if rng.chance(0.35) {
                let slot = rng.skewed(self.pool_size);
                let mut prng = Rng::new(mix(self.seed, mix(POOL + kind.pool_tag(), slot)));
                kind.generate(&mut prng)
            } else {
                kind.generate(&mut rng)
            };
            indicators.push((kind, value));
        }
        let mut seen = std::collections::HashSet::new();
        indicators.retain(|(_, value)| seen.insert(value.clone()));

        let date = planned.date;
        let closed_at = planned.when + rng.range(3_600, 45 * DAY as u64) as i64;
        let closed = (status == "closed").then(|| self.date_like(&date, closed_at));
        let last = if status == "closed" {
            closed_at
        } else {
            (planned.when + 20 * DAY).min(NOW)
        };

        let mut incident = Incident::new(
            planned.id.clone(),
            title(&mut rng, &category, &indicators, french),
            date,
        );
        incident.severity = severity;
        incident.status = status.to_string();
        if rng.chance(0.9) {
            incident.tlp = Some(
                rng.weighted(&[
                    ("CLEAR", 5),
                    ("GREEN", 25),
                    ("AMBER", 50),
                    ("AMBER+STRICT", 12),
                    ("RED", 8),
                ])
                .to_string(),
            );
        }
        let lines = config.business_lines.paths();
        for _ in 0..rng
            .weighted(&[(0, 15), (1, 60), (2, 20), (3, 5)])
            .to_owned()
        {
            let line = rng.pick(lines).clone();
            if !incident.business_lines.contains(&line) {
                incident.business_lines.push(line);
            }
        }
        if rng.chance(0.9) {
            incident.detection = Some(rng.pick(&slugs(&config.detections)).clone());
        }
        if rng.chance(0.85) {
            incident.actor = Some(rng.pick(&slugs(&config.actors)).clone());
        }
        if rng.chance(0.6) {
            incident.plan = Some(rng.pick(&slugs(&config.plans)).clone());
        }
        let major_category = config.categories.get(&category).is_some_and(|t| t.major);
        incident.major = (major_category && severity >= 3) || (severity == 4 && rng.chance(0.5));
        incident.incident = !rng.chance(0.07);
        incident.opened_by = Some(rng.pick(ANALYSTS).to_string());
        incident.closed = closed;
        for _ in 0..rng.range(0, 5) {
            let tag = rng.pick(TAGS).to_string();
            if !incident.tags.contains(&tag) {
                incident.tags.push(tag);
            }
        }
        if rng.chance(0.4) {
            for (kind, value) in indicators.iter().take(rng.range(1, 4) as usize) {
                incident.artifacts.push(Artifact {
                    kind: kind.name().to_string(),
                    value: value.clone(),
                });
            }
        }
        incident.timeline = self.timeline(&mut rng, planned, last, status, &indicators, french);
        if rng.chance(0.3) {
            for _ in 0..rng.range(1, 4) {
                incident
                    .nuggets
                    .push(self.nugget(&mut rng, planned, &indicators));
            }
        }
        if rng.chance(0.3) {
            for _ in 0..rng.range(1, 4) {
                let done = status == "closed" || rng.chance(0.3);
                let done_at = (done && rng.chance(0.8))
                    .then(|| self.date_like(&date, rng.between(planned.when, last)));
                incident.todos.push(Todo {
                    task: {
                        let template = rng_pick_str(&mut rng, TODOS);
                        fill(&mut rng, template, &indicators)
                    },
                    business_line: rng.chance(0.5).then(|| rng.pick(lines).clone()),
                    deadline: rng.chance(0.6).then(|| {
                        DateTime::date_only(
                            self.zoned(
                                planned.when + rng.range(DAY as u64, 30 * DAY as u64) as i64,
                            )
                            .date(),
                        )
                    }),
                    done,
                    done_at,
                });
            }
        }
        if rng.chance(0.25) {
            for _ in 0..rng.range(1, 4) {
                let (name, unit, max) = *rng.pick(ATTRIBUTES);
                incident.attributes.push(Attribute {
                    name: name.to_string(),
                    value: rng.range(1, max).to_string(),
                    unit: unit.map(str::to_string),
                });
            }
        }
        if campaign.is_some() || rng.chance(0.05) {
            for _ in 0..rng.range(1, 4) {
                let offset = rng.range(1, CAMPAIGN_SIZE) as usize;
                let rank = if rng.chance(0.5) {
                    planned.rank.checked_sub(offset)
                } else {
                    Some(planned.rank + offset).filter(|&r| r < self.by_date.len())
                };
                if let Some(rank) = rank {
                    let id = &self.plan[self.by_date[rank]].id;
                    if !incident.relations.contains(id) {
                        incident.relations.push(id.clone());
                    }
                }
            }
        }
        if planned.date.is_date_only() {
            incident.legacy = Some(Legacy {
                source: format!("registre-{}.xlsx", date.civil().year()),
                sheet: Some("Incidents".to_string()),
                row: Some(rng.range(2, 900) as u32),
                reference: Some(format!("INC-{}", rng.range(100, 9999))),
            });
        }
        incident.category = category;
        let seen = self.zoned(planned.when - rng.range(0, 6 * 3_600) as i64);
        incident.description = description(&mut rng, &incident, &indicators, &seen, french);
        incident.normalize();
        incident
    }

    fn zoned(&self, when: i64) -> jiff::ZonedDateTime {
        Timestamp::from_second(when)
            .expect("corpus dates are in range")
            .to_zoned_datetime(self.tz.clone())
    }

    /// `when`, written with the same precision as `like` (the incident's own date).
    fn date_like(&self, like: &DateTime, when: i64) -> DateTime {
        let zoned = self.zoned(when);
        if like.is_date_only() {
            DateTime::date_only(zoned.date())
        } else if like.offset().is_none() {
            DateTime::naive(zoned.datetime())
        } else {
            DateTime::from_zoned(&zoned)
        }
    }

    fn timeline(
        &self,
        rng: &mut Rng,
        planned: &Planned,
        last: i64,
        status: &str,
        indicators: &[(Kind, String)],
        french: bool,
    ) -> Vec<TimelineEntry> {
        let count = rng.range(1, 9) as usize;
        let opened = planned.when + rng.range(60, 3_600) as i64;
        let mut times: Vec<i64> = (1..count).map(|_| rng.between(opened, last)).collect();
        times.sort_unstable();
        let author = rng.pick(ANALYSTS);
        let mut entries = vec![TimelineEntry {
            date: self.date_like(&planned.date, opened),
            action: Some("open".to_string()),
            author: Some(author.to_string()),
            text: if french {
                "Incident ouvert, premières vérifications en cours.".to_string()
            } else {
                "Incident opened, first checks under way.".to_string()
            },
        }];
        for (i, &when) in times.iter().enumerate() {
            let closing = status == "closed" && i + 1 == times.len();
            let (action, text) = if closing {
                ("close", rng_pick_str(rng, CLOSING))
            } else {
                *rng.pick(TIMELINE)
            };
            entries.push(TimelineEntry {
                date: self.date_like(&planned.date, if closing { last } else { when }),
                action: Some(action.to_string()),
                author: rng.chance(0.9).then(|| rng.pick(ANALYSTS).to_string()),
                text: fill(rng, text, indicators),
            });
        }
        entries
    }

    fn nugget(&self, rng: &mut Rng, planned: &Planned, indicators: &[(Kind, String)]) -> Nugget {
        let start = planned.when - rng.range(0, 6 * 3_600) as i64;
        let seen = self.zoned(start);
        let (source, raw, interpretation) = *rng.pick(NUGGETS);
        let raw = stamp(&fill(rng, raw, indicators), &seen);
        Nugget {
            date: Some(DateTime::from_zoned(
                &self.zoned(planned.when + rng.range(600, 2 * DAY as u64) as i64),
            )),
            source: Some(source.to_string()),
            raw,
            interpretation: Some(fill(rng, interpretation, indicators)),
            start: rng.chance(0.7).then(|| DateTime::from_zoned(&seen)),
            end: rng.chance(0.5).then(|| {
                DateTime::from_zoned(&self.zoned(start + rng.range(60, DAY as u64) as i64))
            }),
            found_by: rng.chance(0.8).then(|| rng.pick(ANALYSTS).to_string()),
        }
    }
}

/// The incident's own date: mostly with the Paris offset, some in UTC, a few naive local
/// times and whole days (what legacy registers knew).
fn written_date(rng: &mut Rng, when: i64, tz: &TimeZone) -> DateTime {
    let zoned = Timestamp::from_second(when)
        .expect("corpus dates are in range")
        .to_zoned_datetime(tz.clone());
    match rng.below(100) {
        0..90 => DateTime::from_zoned(&zoned),
        90..95 => DateTime::from_timestamp(zoned.timestamp()),
        95..98 => DateTime::naive(zoned.datetime()),
        _ => DateTime::date_only(zoned.date()),
    }
}

fn title(rng: &mut Rng, category: &str, indicators: &[(Kind, String)], french: bool) -> String {
    let templates: &[&str] = match (category, french) {
        ("phishing", false) => &[
            "Phishing campaign impersonating {brand}",
            "Credential phishing page on {domain}",
            "Phishing emails sent from {email}",
            "Smishing wave targeting {brand} customers",
        ],
        ("phishing", true) => &[
            "Campagne d'hameçonnage usurpant {brand}",
            "Page de phishing sur {domain}",
        ],
        ("malware", _) => &[
            "{malware} infection on {host}",
            "Malicious attachment delivering {malware}",
            "EDR alert: {malware} beaconing to {ip}",
        ],
        ("denial-of-service", _) => &[
            "DDoS against {service}",
            "Volumetric attack from {ip} on {service}",
        ],
        ("data-leak", _) => &[
            "Customer data exposed on {domain}",
            "Internal documents found on a paste site",
        ],
        ("defacement", _) => &[
            "Defacement of {service}",
            "Web shell and defacement on {host}",
        ],
        ("scam", _) => &[
            "CEO fraud attempt from {email}",
            "Fake investment scheme using the {brand} name",
        ],
        ("account-compromise", _) => &[
            "Compromised mailbox of a {team} employee",
            "Suspicious VPN login from {ip}",
            "MFA fatigue attack on a {team} account",
        ],
        ("vulnerability", _) => &[
            "{cve} on {service}",
            "Exploitation attempts of {cve}",
            "Vulnerable {product} exposed to the Internet",
        ],
        ("lost-device", false) => &["Laptop stolen from a {team} employee", "Lost smartphone"],
        ("lost-device", true) => &["Vol d'un ordinateur portable", "Perte d'un smartphone"],
        ("spam", _) => &["Spam wave from {domain}", "Bulk spam on a shared mailbox"],
        ("insider", _) => &[
            "Unusual data export by a {team} employee",
            "Privileged access misuse",
        ],
        ("fraud", _) => &[
            "Fraudulent transfers after account takeover",
            "Supplier bank details change fraud",
            "SIM swap fraud on customer accounts",
        ],
        _ => &[
            "Suspicious activity reported by {team}",
            "Unclassified alert on {host}",
        ],
    };
    let template = rng_pick_str(rng, templates);
    fill(rng, template, indicators)
}

/// A Markdown description of 100–600 words: summary, indicators, evidence, analysis.
fn description(
    rng: &mut Rng,
    incident: &Incident,
    indicators: &[(Kind, String)],
    seen: &jiff::ZonedDateTime,
    french: bool,
) -> String {
    let target = rng.range(100, 601) as usize;
    let mut out = String::with_capacity(target * 8);
    let sentences = if french { FRENCH } else { ENGLISH };

    out.push_str(if french {
        "## Résumé\n\n"
    } else {
        "## Summary\n\n"
    });
    out.push_str(&incident.title);
    out.push('.');
    let own: Vec<&str> = CATEGORY_SENTENCES
        .iter()
        .filter(|(category, _)| *category == incident.category)
        .map(|(_, sentence)| *sentence)
        .collect();
    if !french && !own.is_empty() {
        let sentence = rng_pick_str(rng, &own);
        out.push(' ');
        out.push_str(&fill(rng, sentence, indicators));
    }
    for _ in 0..rng.range(1, 3) {
        let sentence = rng_pick_str(rng, sentences);
        out.push(' ');
        out.push_str(&fill(rng, sentence, indicators));
    }
    out.push_str("\n\n");

    if !indicators.is_empty() {
        out.push_str(if french {
            "## Indicateurs\n\n"
        } else {
            "## Indicators\n\n"
        });
        for (kind, value) in indicators {
            let shown = if rng.chance(0.25) {
                kind.defang(value)
            } else {
                value.clone()
            };
            if rng.chance(0.5) {
                out.push_str(&format!("- {}: `{shown}`\n", kind.label()));
            } else {
                out.push_str(&format!("- {} {shown}\n", kind.label()));
            }
        }
        out.push('\n');
    }

    if rng.chance(0.3) {
        out.push_str(if french {
            "## Extrait\n\n```text\n"
        } else {
            "## Evidence\n\n```text\n"
        });
        for _ in 0..rng.range(2, 6) {
            let (_, raw, _) = *rng.pick(NUGGETS);
            let line = raw.lines().next().unwrap_or(raw);
            out.push_str(&stamp(&fill(rng, line, indicators), seen));
            out.push('\n');
        }
        out.push_str("```\n\n");
    }

    out.push_str(if french {
        "## Analyse\n\n"
    } else {
        "## Analysis\n\n"
    });
    let mut words = out.split_whitespace().count();
    while words < target {
        let mut paragraph = Vec::new();
        for _ in 0..rng.range(3, 7) {
            let sentence = if rng.chance(0.8) {
                let template = rng_pick_str(rng, sentences);
                fill(rng, template, indicators)
            } else {
                word_salad(rng)
            };
            words += sentence.split_whitespace().count();
            paragraph.push(sentence);
        }
        out.push_str(&paragraph.join(" "));
        out.push_str("\n\n");
    }

    if rng.chance(0.4) {
        out.push_str(if french {
            "## Actions\n\n"
        } else {
            "## Actions taken\n\n"
        });
        for n in 1..=rng.range(2, 5) {
            let (_, text) = *rng.pick(TIMELINE);
            out.push_str(&format!("{n}. {}\n", fill(rng, text, indicators)));
        }
    }
    out
}

/// Fills the date slots of a log line with `when` in the formats logs use.
fn stamp(line: &str, when: &jiff::ZonedDateTime) -> String {
    let mut out = line.to_string();
    for (slot, format) in [
        ("{clf}", "%d/%b/%Y:%H:%M:%S %z"),
        ("{iso}", "%Y-%m-%dT%H:%M:%S%:z"),
        ("{rfc2822}", "%a, %d %b %Y %H:%M:%S %z"),
    ] {
        if out.contains(slot) {
            out = out.replace(slot, &when.strftime(format).to_string());
        }
    }
    out
}

/// A sentence of vocabulary words, so that the corpus has a realistic spread of terms.
fn word_salad(rng: &mut Rng) -> String {
    let count = rng.range(8, 21);
    let mut sentence = String::new();
    for i in 0..count {
        let word = rng_pick_str(rng, VOCABULARY);
        if i == 0 {
            let mut chars = word.chars();
            if let Some(first) = chars.next() {
                sentence.extend(first.to_uppercase());
                sentence.push_str(chars.as_str());
            }
        } else {
            sentence.push(' ');
            sentence.push_str(word);
        }
    }
    sentence.push('.');
    sentence
}

/// Replaces `{ip}`, `{domain}`, … with the incident's indicators (or fresh values when
/// it has none of that kind) and `{brand}`, `{host}`, … with names from lists.
fn fill(rng: &mut Rng, template: &str, indicators: &[(Kind, String)]) -> String {
    let mut out = String::with_capacity(template.len() + 64);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(len) = rest[start..].find('}') else {
            break;
        };
        let slot = &rest[start + 1..start + len];
        let indicator = |rng: &mut Rng, kind: Kind| {
            let own: Vec<&String> = indicators
                .iter()
                .filter(|(k, _)| *k == kind)
                .map(|(_, v)| v)
                .collect();
            let value = if own.is_empty() {
                kind.generate(rng)
            } else {
                rng.pick(&own).to_string()
            };
            if rng.chance(0.15) {
                kind.defang(&value)
            } else {
                value
            }
        };
        let value = match slot {
            "ip" => indicator(rng, Kind::Ipv4),
            "ip6" => indicator(rng, Kind::Ipv6),
            "domain" => indicator(rng, Kind::Domain),
            "url" => indicator(rng, Kind::Url),
            "email" => indicator(rng, Kind::Email),
            "md5" => indicator(rng, Kind::Md5),
            "sha1" => indicator(rng, Kind::Sha1),
            "sha256" => indicator(rng, Kind::Sha256),
            "cve" => indicator(rng, Kind::Cve),
            "brand" => rng_pick_str(rng, BRANDS).to_string(),
            "malware" => rng_pick_str(rng, MALWARE).to_string(),
            "host" => format!(
                "{}-{:04}",
                rng_pick_str(rng, &["PC", "LT", "SRV", "VDI"]),
                rng.below(10_000)
            ),
            "service" => rng_pick_str(rng, SERVICES).to_string(),
            "product" => rng_pick_str(rng, PRODUCTS).to_string(),
            "team" => rng_pick_str(rng, TEAMS).to_string(),
            "n" => rng.range(2, 400).to_string(),
            "octet" => rng.range(1, 255).to_string(),
            "hex" => format!("{:016x}", rng.next_u64()),
            // Left for the caller (dates of log lines).
            other => format!("{{{other}}}"),
        };
        out.push_str(&value);
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

fn rng_pick_str<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    items[rng.below(items.len() as u64) as usize]
}

const KIND_WEIGHTS: &[(Kind, u32)] = &[
    (Kind::Ipv4, 25),
    (Kind::Ipv6, 5),
    (Kind::Domain, 18),
    (Kind::Url, 15),
    (Kind::Email, 10),
    (Kind::Md5, 6),
    (Kind::Sha1, 5),
    (Kind::Sha256, 10),
    (Kind::Cve, 6),
];

/// How the generator writes indicators of each kind (those of [`KIND_WEIGHTS`]).
trait Indicator {
    /// The kind's place in [`KIND_WEIGHTS`]: the tag of its shared pool (the corpus of
    /// a seed stays the same as long as that list keeps its order).
    fn pool_tag(self) -> u64;
    fn label(self) -> &'static str;
    fn generate(self, rng: &mut Rng) -> String;
    fn defang(self, value: &str) -> String;
}

impl Indicator for Kind {
    fn pool_tag(self) -> u64 {
        let at = KIND_WEIGHTS.iter().position(|&(kind, _)| kind == self);
        at.expect("a generated kind") as u64
    }

    fn label(self) -> &'static str {
        match self {
            Kind::Sha512 | Kind::File | Kind::Network => unreachable!("not generated"),
            Kind::Ipv4 | Kind::Ipv6 => "IP",
            Kind::Domain => "Domain",
            Kind::Url => "URL",
            Kind::Email => "Sender",
            Kind::Md5 => "MD5",
            Kind::Sha1 => "SHA-1",
            Kind::Sha256 => "SHA-256",
            Kind::Cve => "CVE",
        }
    }

    fn generate(self, rng: &mut Rng) -> String {
        match self {
            Kind::Ipv4 => format!(
                "{}.{}.{}.{}",
                rng.pick(PUBLIC_FIRST_OCTETS),
                rng.below(256),
                rng.below(256),
                rng.range(1, 255)
            ),
            Kind::Ipv6 => format!(
                "{}:{:x}:{:x}::{:x}",
                rng_pick_str(
                    rng,
                    &["2a01", "2a02", "2a03", "2a05", "2a06", "2604", "2001:41d0"]
                ),
                rng.below(0x10000),
                rng.below(0x10000),
                rng.range(1, 0x10000)
            ),
            Kind::Domain => domain(rng),
            Kind::Url => {
                let scheme = if rng.chance(0.8) { "https" } else { "http" };
                let host = domain(rng);
                let dir = rng_pick_str(rng, URL_PATHS);
                let page = rng_pick_str(
                    rng,
                    &[
                        "login.php",
                        "index.html",
                        "verify",
                        "auth/",
                        "update.php",
                        "invoice.zip",
                        "doc.html",
                    ],
                );
                if rng.chance(0.4) {
                    format!(
                        "{scheme}://{host}/{dir}/{page}?id={:x}",
                        rng.next_u64() >> 24
                    )
                } else {
                    format!("{scheme}://{host}/{dir}/{page}")
                }
            }
            Kind::Email => {
                let user = rng_pick_str(rng, MAILBOXES);
                format!("{user}@{}", domain(rng))
            }
            Kind::Md5 => hex(rng, 32),
            Kind::Sha1 => hex(rng, 40),
            Kind::Sha256 => hex(rng, 64),
            Kind::Cve => format!("CVE-{}-{}", rng.range(2014, 2026), rng.range(1_000, 50_000)),
            Kind::Sha512 | Kind::File | Kind::Network => unreachable!("not generated"),
        }
    }

    /// The value as analysts paste it to keep it from being clickable.
    fn defang(self, value: &str) -> String {
        match self {
            Kind::Ipv4 | Kind::Domain => match value.rfind('.') {
                Some(dot) => format!("{}[.]{}", &value[..dot], &value[dot + 1..]),
                None => value.to_string(),
            },
            Kind::Url => value.replacen("http", "hxxp", 1).replacen('.', "[.]", 1),
            Kind::Email => value.replacen('@', "[@]", 1),
            _ => value.to_string(),
        }
    }
}

fn domain(rng: &mut Rng) -> String {
    let first = rng_pick_str(rng, DOMAIN_WORDS);
    let second = rng_pick_str(rng, DOMAIN_WORDS);
    let tld = rng_pick_str(rng, TLDS);
    match rng.below(4) {
        0 => format!("{first}{second}.{tld}"),
        1 => format!("{first}-{second}.{tld}"),
        2 => format!("{first}-{second}{}.{tld}", rng.range(1, 99)),
        _ => format!(
            "{}.{first}-{second}.{tld}",
            rng_pick_str(rng, &["secure", "login", "www", "mail", "cdn"])
        ),
    }
}

fn hex(rng: &mut Rng, digits: usize) -> String {
    let mut out = String::with_capacity(digits + 16);
    while out.len() < digits {
        out.push_str(&format!("{:016x}", rng.next_u64()));
    }
    out.truncate(digits);
    out
}

// Stream tags, so that the plan, contents, shared pools and campaigns draw independent numbers.
const PLAN: u64 = 0x706c_616e;
const CONTENT: u64 = 0x636f_6e74;
const CAMPAIGN: u64 = 0x6361_6d70;
const POOL: u64 = 0x706f_6f6c_0000;
/// Incidents close in time that may belong to one campaign.
const CAMPAIGN_SIZE: u64 = 24;

/// Mixes two numbers into a seed (SplitMix64's finaliser).
fn mix(a: u64, b: u64) -> u64 {
    let mut z = a ^ b.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// SplitMix64: tiny, fast and good enough for test data; written here so that the
/// corpus never changes with a dependency's version.
#[derive(Debug, Clone)]
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `lo..hi`.
    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo)
    }

    /// Uniform in `lo..=hi`, for instants.
    fn between(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo).max(0) as u64 + 1) as i64
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut roll = self.below(u64::from(total)) as u32;
        for (item, weight) in items {
            if roll < *weight {
                return item;
            }
            roll -= weight;
        }
        &items[items.len() - 1].0
    }

    /// In `0..n`, strongly favouring small numbers: a few shared indicators are seen
    /// everywhere, most only a few times.
    fn skewed(&mut self, n: u64) -> u64 {
        let u = self.unit();
        ((u * u * u) * n as f64) as u64
    }
}

const CATEGORY_WEIGHTS: &[(&str, u32)] = &[
    ("phishing", 30),
    ("malware", 14),
    ("denial-of-service", 5),
    ("data-leak", 4),
    ("defacement", 2),
    ("scam", 7),
    ("account-compromise", 10),
    ("vulnerability", 9),
    ("lost-device", 5),
    ("spam", 6),
    ("insider", 2),
    ("fraud", 4),
    ("other", 2),
];

/// First octets of ranges that are routed on the public Internet.
const PUBLIC_FIRST_OCTETS: &[u8] = &[
    5, 31, 37, 45, 46, 62, 77, 78, 79, 80, 82, 85, 89, 91, 92, 93, 94, 95, 103, 104, 109, 141, 146,
    149, 151, 154, 156, 159, 162, 167, 176, 178, 185, 188, 193, 194, 195, 212, 213, 217,
];

const TLDS: &[&str] = &[
    "com", "net", "org", "info", "xyz", "top", "online", "site", "ru", "io", "co", "biz", "live",
    "shop", "fr", "eu",
];

const DOMAIN_WORDS: &[&str] = &[
    "secure", "account", "verify", "client", "banque", "online", "portal", "service", "update",
    "login", "support", "mobile", "access", "pay", "transfer", "credit", "cloud", "mail", "office",
    "document", "invoice", "delivery", "parcel", "tax", "refund", "wallet", "token", "auth",
    "identity", "alert", "notice", "espace", "compte", "releve", "colis", "impots", "ameli",
    "crypto", "trade", "invest",
];

const URL_PATHS: &[&str] = &[
    "wp-content/plugins",
    "wp-includes",
    "secure",
    "fr/client",
    "login",
    "assets/js",
    "docs",
    "~user",
    "app",
    "includes",
];

const MAILBOXES: &[&str] = &[
    "noreply",
    "support",
    "security",
    "service.client",
    "info",
    "billing",
    "no-reply",
    "alerte",
    "ceo.office",
    "hr",
    "it-helpdesk",
    "contact",
];

const BRANDS: &[&str] = &[
    "the bank",
    "Microsoft 365",
    "DHL",
    "the tax office",
    "La Poste",
    "DocuSign",
    "the online banking portal",
    "a card scheme",
    "the mobile app",
    "the HR portal",
];

const MALWARE: &[&str] = &[
    "Emotet",
    "Qakbot",
    "IcedID",
    "AgentTesla",
    "Formbook",
    "Lumma Stealer",
    "RedLine",
    "Cobalt Strike",
    "AsyncRAT",
    "Remcos",
    "LockBit",
    "Akira",
    "SocGholish",
    "Raccoon",
];

const SERVICES: &[&str] = &[
    "the online banking portal",
    "the mobile banking API",
    "the corporate website",
    "the careers site",
    "the VPN gateway",
    "the webmail",
    "the payment gateway",
    "the marketing microsite",
    "the customer support chat",
    "the DNS resolvers",
];

const PRODUCTS: &[&str] = &[
    "Exchange",
    "Confluence",
    "Citrix NetScaler",
    "Ivanti Connect Secure",
    "FortiGate",
    "GitLab",
    "Jenkins",
    "Apache Tomcat",
    "vCenter",
    "MOVEit Transfer",
];

const TEAMS: &[&str] = &[
    "Retail Banking",
    "Private Banking",
    "Investment Banking",
    "HR",
    "Finance",
    "IT operations",
    "customer support",
    "legal",
    "trading desk",
    "procurement",
];

const ANALYSTS: &[&str] = &[
    "a.durand",
    "b.lefevre",
    "c.moreau",
    "d.nguyen",
    "e.rossi",
    "f.bernard",
    "g.petit",
    "h.kowalski",
    "i.santos",
    "j.muller",
];

const TAGS: &[&str] = &[
    "emotet",
    "qakbot",
    "lockbit",
    "akira",
    "aitm",
    "mfa-fatigue",
    "credential-harvesting",
    "bec",
    "smishing",
    "vishing",
    "typosquatting",
    "webshell",
    "c2",
    "infostealer",
    "ddos",
    "hacktivism",
    "third-party",
    "gdpr",
    "customer-impact",
    "vip",
    "supply-chain",
    "cloud",
    "o365",
    "vpn",
    "exchange",
    "log4j",
    "ransomware",
    "botnet",
    "tor",
    "bulletproof-hosting",
];

const ATTRIBUTES: &[(&str, Option<&str>, u64)] = &[
    ("Compromised accounts", None, 60),
    ("Financial loss", Some("EUR"), 250_000),
    ("Emails received", None, 5_000),
    ("Affected hosts", None, 40),
    ("Downtime", Some("min"), 600),
    ("Customers notified", None, 2_000),
    ("Records exposed", None, 100_000),
];

const TODOS: &[&str] = &[
    "Reset the passwords of the affected users",
    "Request the takedown of {domain}",
    "Block {ip} on the perimeter firewalls",
    "Notify the DPO",
    "Add {sha256} to the EDR blocklist",
    "Review VPN logs for the last 30 days",
    "Brief the business line management",
    "File a complaint with law enforcement",
    "Search the mail gateway for messages from {email}",
    "Patch {product} to the fixed release",
];

const TIMELINE: &[(&str, &str)] = &[
    (
        "investigation",
        "Mail gateway search: {n} messages from {email} delivered, quarantined.",
    ),
    (
        "investigation",
        "Proxy logs show {n} hits on {url} from internal hosts.",
    ),
    (
        "investigation",
        "Sample {sha256} detonated in the sandbox; it contacts {domain}.",
    ),
    (
        "investigation",
        "Host {host} isolated and imaged for analysis.",
    ),
    (
        "investigation",
        "{domain} resolves to {ip}; hosting provider identified.",
    ),
    (
        "info",
        "Business line informed; no customer impact confirmed so far.",
    ),
    ("info", "Related to earlier reports, see relations."),
    (
        "alerting",
        "Alert sent to the SOC to watch for {ip} and {domain}.",
    ),
    (
        "alerting",
        "Warning published on the intranet about {brand} lures.",
    ),
    ("takedown", "Takedown requested for {url}."),
    ("takedown", "Registrar suspended {domain}."),
    (
        "abuse",
        "Abuse report sent to the hosting provider of {ip}.",
    ),
    ("abuse", "Abuse report sent for the sender {email}."),
    ("monitor", "{domain} under monitoring for new DNS records."),
    ("monitor", "Watching for new logins from {ip6}."),
    (
        "block",
        "Waiting for the provider to answer the abuse report.",
    ),
];

const CLOSING: &[&str] = &[
    "Threat contained, indicators blocked; closing.",
    "No further activity seen for 7 days; closing.",
    "Accounts reset and sessions revoked; closing.",
    "Takedown confirmed; closing.",
    "False positive after review; closing.",
];

/// (source, raw evidence, interpretation).
const NUGGETS: &[(&str, &str, &str)] = &[
    (
        "proxy",
        "{ip} - - [{clf}] \"GET /{hex}/login.php HTTP/1.1\" 200 5123 \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"",
        "An internal user loaded the phishing page hosted at {ip}.",
    ),
    (
        "mail headers",
        "Received: from mail.{domain} ([{ip}])\n\tby mx1.example-bank.fr with ESMTPS id {hex}\n\tfor <victim@example-bank.fr>; {rfc2822}\nReturn-Path: <{email}>",
        "The message came from {ip}, which is not an authorised sender for the spoofed domain.",
    ),
    (
        "firewall",
        "{iso} fw-par-01 DENY TCP {ip}:{n} -> 10.20.1.15:443 flags=S",
        "Scanning from {ip} blocked at the perimeter.",
    ),
    (
        "EDR",
        "{iso} host={host} process=powershell.exe parent=winword.exe sha256={sha256}",
        "Office spawned PowerShell: typical of a macro dropper ({md5}).",
    ),
    (
        "DNS",
        "{iso} query: {domain} IN A from 10.12.4.{octet} -> {ip}",
        "Internal host resolved the C2 domain {domain}.",
    ),
    (
        "VPN",
        "{iso} vpn-gw-02 user=j.doe auth=success src={ip} mfa=push-approved",
        "Successful VPN login from {ip} after a burst of MFA pushes.",
    ),
    (
        "web server",
        "{ip6} - - [{clf}] \"POST /wp-admin/admin-ajax.php HTTP/1.1\" 200 312",
        "Exploitation attempt of {cve} against the CMS.",
    ),
];

/// Summary sentences proper to a category.
const CATEGORY_SENTENCES: &[(&str, &str)] = &[
    (
        "phishing",
        "Recipients were asked to sign in on a copy of the login page at {url}.",
    ),
    (
        "phishing",
        "The lure came from {email} and pointed to {domain}.",
    ),
    (
        "malware",
        "The EDR flagged {sha256} on {host} shortly after a user opened an attachment.",
    ),
    (
        "malware",
        "The sample beacons to {domain} ({ip}) over HTTPS.",
    ),
    (
        "denial-of-service",
        "Traffic from thousands of sources, {ip} among the largest, saturated {service}.",
    ),
    (
        "denial-of-service",
        "The attack was announced on a hacktivist channel an hour before it started.",
    ),
    (
        "data-leak",
        "A file with customer records was found at {url}.",
    ),
    (
        "data-leak",
        "The exposure was reported by a researcher who wrote from {email}.",
    ),
    (
        "defacement",
        "The home page of {service} was replaced by a political message.",
    ),
    (
        "defacement",
        "A web shell was uploaded through a vulnerable plugin ({cve}).",
    ),
    (
        "scam",
        "The fraudster wrote from {email} and insisted on urgency and secrecy.",
    ),
    (
        "scam",
        "Victims were directed to {domain}, which copies the bank's branding.",
    ),
    (
        "account-compromise",
        "The account signed in from {ip} a few minutes after a login from France.",
    ),
    (
        "account-compromise",
        "An inbox rule forwarding mail to {email} was created by the attacker.",
    ),
    (
        "vulnerability",
        "{cve} affects {product}, and a public exploit exists.",
    ),
    (
        "vulnerability",
        "The Internet-facing instance was checked for signs of exploitation of {cve}.",
    ),
    (
        "lost-device",
        "The device was reported missing by its owner the next morning.",
    ),
    (
        "lost-device",
        "The laptop was encrypted; the risk is limited to the hardware.",
    ),
    (
        "spam",
        "Around {n} messages from {email} reached internal mailboxes.",
    ),
    (
        "spam",
        "The messages advertised {domain} and carried no attachment.",
    ),
    (
        "insider",
        "The data loss prevention tool flagged a large export to a personal mailbox.",
    ),
    (
        "insider",
        "The activity was discovered during a routine access review.",
    ),
    (
        "fraud",
        "The customer's session came from {ip}, unknown for this customer.",
    ),
    (
        "fraud",
        "The beneficiary account had been opened a week before the transfers.",
    ),
    (
        "other",
        "The event does not fit any category and is tracked for the record.",
    ),
];

const ENGLISH: &[&str] = &[
    "A user reported an email impersonating {brand} that asked recipients to confirm their credentials.",
    "The message was sent from {email} and contained a link to {url}.",
    "The landing page on {domain} reproduced the login form of {brand} pixel for pixel.",
    "Passive DNS shows that {domain} resolved to {ip} during the campaign.",
    "The same infrastructure was already seen in earlier incidents, which suggests one actor.",
    "The attachment had the hash {sha256} and was detected by only a few engines at the time.",
    "Its MD5 is {md5} and its SHA-1 {sha1}, as reported by the sandbox.",
    "The EDR blocked the execution on {host} before any persistence was installed.",
    "Firewall logs show repeated connections from {ip} to the VPN gateway outside business hours.",
    "The vulnerability {cve} affects the version of {product} in use on this server.",
    "The vendor published a fix and a mitigation; the mitigation was applied first.",
    "No data exfiltration was observed in the proxy logs for the affected period.",
    "About {n} customers received the message according to the mail gateway.",
    "The {team} team confirmed that no transaction was validated with the stolen credentials.",
    "The hosting provider answered the abuse report within a day and removed the content.",
    "The registrar of {domain} was asked to suspend the domain for phishing.",
    "The IPv6 address {ip6} also appears in the web server logs of the same day.",
    "Users who clicked were identified from the proxy logs and their passwords were reset.",
    "The SOC added a detection rule for the user agent and the URL pattern.",
    "Threat intelligence links {ip} to a bulletproof hosting provider used by several crews.",
    "The kit checks the visitor's IP address and language before showing the fake page.",
    "Credentials typed into the form are posted to {url} and forwarded to a Telegram channel.",
    "A second wave used the same template with a different sender, {email}.",
    "Forensic analysis of {host} found a scheduled task that started the payload at logon.",
    "The payload contacts its command and control server at {domain} every five minutes.",
    "The sample is a loader that downloads {malware} from {url}.",
    "The traffic peaked at several gigabits per second and lasted about forty minutes.",
    "Scrubbing was activated with the upstream provider and the service stayed available.",
    "The exposed files contained names, account numbers and phone numbers of customers.",
    "The DPO was informed to decide whether the regulator must be notified within 72 hours.",
    "The device was encrypted and remotely wiped through the MDM console.",
    "The employee's manager and HR were involved before any interview took place.",
    "Logs were preserved and a copy was sent to the legal department.",
    "The fraudulent transfers went to mule accounts at foreign banks; recalls were requested.",
    "The caller pretended to be a bank advisor and asked the customer for a one-time code.",
    "Scanning for {cve} started a few hours after the public disclosure.",
    "Indicators were shared with the sector CERT community under TLP:AMBER.",
    "Further monitoring showed no new activity from this infrastructure.",
];

const FRENCH: &[&str] = &[
    "Un utilisateur a signalé un courriel usurpant {brand} qui demandait de confirmer ses identifiants.",
    "Le message provenait de {email} et contenait un lien vers {url}.",
    "La page de phishing hébergée sur {domain} imitait le portail de la banque.",
    "Le domaine {domain} pointait vers l'adresse {ip} au moment de l'analyse.",
    "La pièce jointe avait pour empreinte {sha256}.",
    "Les journaux du proxy montrent {n} accès à {url} depuis le réseau interne.",
    "Une demande de suppression a été envoyée à l'hébergeur.",
    "Les mots de passe des utilisateurs concernés ont été réinitialisés.",
    "Aucune fuite de données n'a été constatée à ce stade.",
    "Le poste {host} a été isolé puis réinstallé.",
    "La vulnérabilité {cve} concerne la version de {product} utilisée.",
    "Le DPO a été informé afin d'évaluer une notification à la CNIL.",
    "Le client a reçu un appel d'un faux conseiller qui lui demandait un code de validation.",
    "Une plainte a été déposée auprès des services de police.",
    "Les indicateurs ont été partagés avec la communauté des CERT du secteur.",
];

const VOCABULARY: &[&str] = &[
    "analysis",
    "attacker",
    "credential",
    "mailbox",
    "gateway",
    "endpoint",
    "payload",
    "loader",
    "beacon",
    "persistence",
    "lateral",
    "movement",
    "privilege",
    "escalation",
    "exfiltration",
    "archive",
    "script",
    "macro",
    "document",
    "invoice",
    "transfer",
    "beneficiary",
    "account",
    "customer",
    "advisor",
    "branch",
    "session",
    "token",
    "cookie",
    "browser",
    "proxy",
    "firewall",
    "signature",
    "sandbox",
    "detonation",
    "verdict",
    "quarantine",
    "isolation",
    "containment",
    "eradication",
    "recovery",
    "lessons",
    "report",
    "regulator",
    "notification",
    "deadline",
    "contract",
    "supplier",
    "vendor",
    "patch",
    "version",
    "exposure",
    "scanner",
    "exploit",
    "webshell",
    "directory",
    "upload",
    "server",
    "cluster",
    "backup",
    "restore",
    "encryption",
    "ransom",
    "negotiation",
    "leak",
    "forum",
    "market",
    "telegram",
    "channel",
    "campaign",
    "wave",
    "template",
    "lure",
    "pretext",
    "urgency",
    "invoice",
    "parcel",
    "delivery",
    "identity",
    "verification",
    "password",
    "reset",
    "multifactor",
    "push",
    "approval",
    "helpdesk",
    "ticket",
    "escalated",
    "weekend",
    "night",
    "shift",
    "duty",
    "analyst",
    "manager",
    "board",
    "risk",
    "impact",
    "severity",
    "priority",
    "timeline",
    "evidence",
    "hash",
    "domain",
    "registrar",
    "hosting",
    "provider",
    "abuse",
    "takedown",
    "monitoring",
    "rule",
    "detection",
    "correlation",
    "alert",
    "false",
    "positive",
    "confirmed",
    "suspected",
    "ongoing",
    "resolved",
];
