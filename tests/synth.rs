//! The synthetic corpus generator (`examples/synth.rs`): what it writes is a valid site,
//! canonical, varied and reproducible.

#[path = "../examples/synth.rs"]
#[allow(dead_code)] // `main` and its arguments are for the example binary only.
mod synth;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use fir::Config;
use fir::incident::{parse, to_markdown};

const N: usize = 400;

fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(root).unwrap().display().to_string();
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

#[test]
fn writes_a_valid_varied_canonical_site() {
    let dir = tempfile::tempdir().unwrap();
    let summary = synth::write_corpus(dir.path(), N, 7).unwrap();
    assert_eq!(summary.files, N);

    let config = Config::load(dir.path()).unwrap();
    assert_eq!(config.tz().iana_name(), Some("Europe/Paris"));
    let content = fir::content::load(dir.path(), &config);
    let problems: Vec<String> = content.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(content.entries.len(), N);

    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut bytes = 0;
    for entry in &content.entries {
        let text = fs::read_to_string(&entry.path).unwrap();
        bytes += text.len() as u64;
        assert_eq!(
            to_markdown(&entry.incident),
            text,
            "{} is not what the writer gives",
            entry.path.display()
        );
        let incident = &entry.incident;
        let words = incident.description.split_whitespace().count();
        assert!(
            (100..=700).contains(&words),
            "{}: {words} words",
            incident.id
        );
        assert!(
            (1..=8).contains(&incident.timeline.len()),
            "{}",
            incident.id
        );
        assert_eq!(
            incident.closed.is_some(),
            incident.status == "closed",
            "{}",
            incident.id
        );
        let year = incident.date.civil().year().to_string();
        assert!(
            entry.path.ends_with(format!("{year}/{}.md", incident.id)),
            "{}",
            entry.path.display()
        );
        let mut note = |what: &'static str, value: String| {
            seen.entry(what).or_default().insert(value);
        };
        note("category", incident.category.clone());
        note("severity", incident.severity.to_string());
        note("status", incident.status.clone());
        note("tlp", incident.tlp.clone().unwrap_or_default());
        note("year", year);
        note("incident", incident.incident.to_string());
        note("major", incident.major.to_string());
        for (field, present) in [
            ("artifacts", !incident.artifacts.is_empty()),
            ("nuggets", !incident.nuggets.is_empty()),
            ("todos", !incident.todos.is_empty()),
            ("attributes", !incident.attributes.is_empty()),
            ("relations", !incident.relations.is_empty()),
            ("tags", !incident.tags.is_empty()),
            ("legacy", incident.legacy.is_some()),
            ("defanged", incident.description.contains("[.]")),
            ("french", incident.description.contains("## Résumé")),
        ] {
            note(field, present.to_string());
        }
    }
    assert_eq!(bytes, summary.bytes);

    let all = |taxonomy: &fir::config::Taxonomy| -> BTreeSet<String> {
        taxonomy.iter().map(|t| t.slug.clone()).collect()
    };
    assert_eq!(seen["category"], all(&config.categories));
    assert_eq!(seen["severity"], all(&config.severities));
    assert_eq!(seen["status"], all(&config.statuses));
    let mut tlps = all(&config.tlp);
    tlps.insert(String::new()); // some files leave the TLP to `default_tlp`
    assert_eq!(seen["tlp"], tlps);
    assert!(seen["year"].len() >= 10, "{:?}", seen["year"]);
    for both in [
        "incident",
        "major",
        "artifacts",
        "nuggets",
        "todos",
        "attributes",
        "relations",
        "tags",
        "legacy",
        "defanged",
        "french",
    ] {
        assert_eq!(seen[both].len(), 2, "{both}: only {:?}", seen[both]);
    }
}

#[test]
fn indicators_recur_across_incidents() {
    let corpus = synth::Corpus::new(N, 3);
    let mut incidents_per_ip: BTreeMap<String, usize> = BTreeMap::new();
    for i in 0..N {
        let incident = corpus.incident(i);
        let ips: BTreeSet<String> = incident
            .description
            .split(|c: char| c.is_whitespace() || c == '`')
            .map(|word| word.trim_matches(|c: char| !c.is_ascii_alphanumeric()))
            .filter(|word| {
                word.parse::<std::net::Ipv4Addr>()
                    .is_ok_and(|ip| !ip.is_private())
            })
            .map(str::to_string)
            .collect();
        for ip in ips {
            *incidents_per_ip.entry(ip).or_default() += 1;
        }
    }
    let shared = incidents_per_ip.values().filter(|&&n| n > 1).count();
    let most = incidents_per_ip.values().max().copied().unwrap_or(0);
    // Most addresses are seen once, some recur, and a few are everywhere.
    assert!(
        shared * 10 < incidents_per_ip.len(),
        "{shared} of {}",
        incidents_per_ip.len()
    );
    assert!(shared >= 10, "only {shared} addresses recur");
    assert!(
        most >= 10,
        "the most common address is in {most} incidents only"
    );
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let write = |seed| {
        let dir = tempfile::tempdir().unwrap();
        synth::write_corpus(dir.path(), 60, seed).unwrap();
        files(dir.path())
    };
    let first = write(11);
    assert_eq!(first.len(), 61, "60 incidents and fir.toml");
    assert_eq!(first, write(11));
    assert_ne!(first, write(12));
}

#[test]
fn refuses_to_mix_with_existing_incidents() {
    let dir = tempfile::tempdir().unwrap();
    synth::write_corpus(dir.path(), 5, 1).unwrap();
    let err = synth::write_corpus(dir.path(), 5, 2).unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::AlreadyExists);
    assert!(err.to_string().contains("already holds incidents"), "{err}");
}

#[test]
fn parses_back_to_the_generated_value() {
    let corpus = synth::Corpus::new(50, 5);
    for i in 0..50 {
        let incident = corpus.incident(i);
        let parsed = parse(&to_markdown(&incident)).unwrap().incident;
        assert_eq!(parsed, incident);
    }
}
