//! The bundled example site (`fir.toml` and `content/` at the repository root) loads
//! without a single warning, shows every taxonomy value, and is stored in canonical form.
//!
//! After editing an example incident by hand, `FIR_BLESS=1 cargo test --test example_site`
//! rewrites the files that differ in the form `to_markdown` writes (and still fails, so
//! that the rewrite is reviewed before committing).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;
use std::process::Command;

use fir::Config;
use fir::content::{Content, load};
use fir::incident::to_markdown;
use fir::store::{incident_path, parse_seq};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn site() -> (Config, Content) {
    let config = Config::load(root()).expect("the bundled fir.toml is valid");
    let content = load(root(), &config);
    (config, content)
}

#[test]
fn loads_without_errors_or_warnings() {
    let (config, content) = site();
    let problems: Vec<String> = content.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    assert!(
        (35..=60).contains(&content.entries.len()),
        "{} incidents",
        content.entries.len()
    );
    assert_eq!(config.tz().iana_name(), Some("Europe/Paris"));
    let depth = config
        .business_lines
        .paths()
        .iter()
        .map(|p| p.matches(" > ").count() + 1)
        .max();
    assert_eq!(depth, Some(3), "the business-line tree has three levels");
}

#[test]
fn files_are_canonical_and_named_after_their_id() {
    let (config, content) = site();
    let bless = std::env::var_os("FIR_BLESS").is_some();
    let mut differing = Vec::new();
    for entry in &content.entries {
        let incident = &entry.incident;
        let year = incident.date.civil().year();
        assert!(
            parse_seq(&config.id_format, year, &incident.id).is_some(),
            "{}: id {} does not follow {} for {year}",
            entry.path.display(),
            incident.id,
            config.id_format
        );
        assert_eq!(
            root().join(&entry.path),
            incident_path(root(), incident),
            "files live in content/incidents/<year>/<id>.md"
        );
        let on_disk = fs::read_to_string(&entry.path).unwrap();
        let canonical = to_markdown(incident);
        if on_disk != canonical {
            if bless {
                fs::write(&entry.path, &canonical).unwrap();
            }
            differing.push(entry.path.display().to_string());
        }
    }
    assert!(
        differing.is_empty(),
        "not in canonical form{}: {differing:#?}",
        if bless { " (rewritten)" } else { "" }
    );
}

#[test]
fn covers_every_taxonomy_value() {
    let (config, content) = site();
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for entry in &content.entries {
        let incident = &entry.incident;
        let mut note = |what: &'static str, value: String| {
            seen.entry(what).or_default().insert(value);
        };
        note("categories", incident.category.clone());
        note("severities", incident.severity.to_string());
        note("statuses", incident.status.clone());
        note("tlp", config.tlp_slug(incident.tlp.as_deref()).to_string());
        note("years", incident.date.civil().year().to_string());
        note("kind", incident.incident.to_string());
        note("major", incident.major.to_string());
    }
    let all = |taxonomy: &fir::config::Taxonomy| -> BTreeSet<String> {
        taxonomy.iter().map(|t| t.slug.clone()).collect()
    };
    assert_eq!(seen["categories"], all(&config.categories));
    assert_eq!(seen["severities"], all(&config.severities));
    assert_eq!(seen["statuses"], all(&config.statuses));
    assert_eq!(seen["tlp"], all(&config.tlp));
    let years: Vec<&str> = seen["years"].iter().map(String::as_str).collect();
    assert_eq!(years, ["2021", "2022", "2023", "2024", "2025", "2026"]);
    assert_eq!(seen["kind"].len(), 2, "incidents and events");
    assert_eq!(seen["major"].len(), 2, "major and ordinary incidents");
}

#[test]
fn incidents_are_rich_enough_to_show_every_feature() {
    let (_, content) = site();
    let incidents: Vec<_> = content.entries.iter().map(|e| &e.incident).collect();
    let count = |f: &dyn Fn(&fir::Incident) -> bool| incidents.iter().filter(|i| f(i)).count();

    for incident in &incidents {
        let words = incident.description.split_whitespace().count();
        assert!(
            (80..=400).contains(&words),
            "{}: {words} words",
            incident.id
        );
        assert!(
            !incident.timeline.is_empty(),
            "{} has no timeline",
            incident.id
        );
    }
    assert!(count(&|i| i.timeline.len() >= 3) * 4 >= incidents.len() * 3);
    assert!(count(&|i| !i.nuggets.is_empty()) >= 10);
    assert!(count(&|i| !i.todos.is_empty()) >= 10);
    assert!(count(&|i| i.todos.iter().any(|t| t.done)) >= 5);
    assert!(count(&|i| i.todos.iter().any(|t| !t.done)) >= 2);
    assert!(count(&|i| !i.attributes.is_empty()) >= 10);
    assert!(count(&|i| !i.tags.is_empty()) >= 30);
    assert!(count(&|i| !i.business_lines.is_empty()) >= 35);
    assert!(count(&|i| i.detection.is_some() && i.actor.is_some()) >= 35);
    assert!(count(&|i| i.plan.is_some()) >= 20);
    assert!(count(&|i| !i.incident) >= 3, "events");
    assert!(count(&|i| i.major) >= 5);
    assert!(count(&|i| i.tlp.as_deref() == Some("RED")) >= 2);
    assert!(count(&|i| i.tlp.as_deref() == Some("CLEAR")) >= 2);
    assert!(
        count(&|i| i.description.contains("## Résumé")) >= 2,
        "French"
    );
    assert!(
        count(&|i| i.description.contains("```")) >= 5,
        "code blocks"
    );
    assert!(count(&|i| i.description.contains("<script")) >= 1);
    for defanged in ["hxxp", "[.]", "[@]"] {
        assert!(
            count(&|i| i.description.contains(defanged)) >= 2,
            "{defanged}"
        );
    }
    for prefix in ["CVE-", "2a0", ":"] {
        assert!(count(&|i| i.description.contains(prefix)) >= 2, "{prefix}");
    }
}

#[test]
fn related_incidents_share_indicators() {
    let (_, content) = site();
    let by_id: BTreeMap<&str, &fir::Incident> = content
        .entries
        .iter()
        .map(|e| (e.incident.id.as_str(), &e.incident))
        .collect();
    let ipv4s = |incident: &fir::Incident| -> BTreeSet<String> {
        incident
            .texts()
            .flat_map(|text| text.split(|c: char| c.is_whitespace() || "`(),;:<>\"'".contains(c)))
            .map(|word| word.replace("[.]", "."))
            .map(|word| word.trim_end_matches('.').to_string())
            .filter(|word| word.parse::<std::net::Ipv4Addr>().is_ok())
            .collect()
    };
    let mut related_pairs_sharing = 0;
    for incident in by_id.values() {
        for other in &incident.relations {
            let other = by_id[other.as_str()];
            if !ipv4s(incident).is_disjoint(&ipv4s(other)) {
                related_pairs_sharing += 1;
            }
        }
    }
    assert!(related_pairs_sharing >= 4, "{related_pairs_sharing}");

    // Some addresses recur across several incidents, related or not.
    let mut incidents_per_ip: BTreeMap<String, usize> = BTreeMap::new();
    for incident in by_id.values() {
        for ip in ipv4s(incident) {
            *incidents_per_ip.entry(ip).or_default() += 1;
        }
    }
    assert!(
        incidents_per_ip.values().filter(|&&n| n >= 3).count() >= 2,
        "{incidents_per_ip:?}"
    );
}

#[test]
fn fir_check_strict_passes_on_the_bundled_site() {
    let output = Command::new(env!("CARGO_BIN_EXE_fir"))
        .args(["--root", root().to_str().unwrap(), "check", "--strict"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("0 errors, 0 warnings"), "{stderr}");
}
