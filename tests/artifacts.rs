//! Artifact extraction: properties (never panics, linear work) and accuracy on the
//! truth data of the sample legacy register (tests/fixtures/artifacts/truth.jsonl,
//! copied from the shared samples; see its README.md).

use std::collections::HashSet;

use fir::artifacts::{self, Artifact, Kind, extract_text, extract_text_counted};
use fir::config::artifacts::ArtifactConfig;
use proptest::prelude::*;

/// Pieces that stress the scanner: defanged notations, separators, near-misses.
fn adversarial() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        "[a-zA-Z0-9]{0,10}",
        "[0-9a-f]{28,70}",
        "[0-9]{1,3}",
        Just(".".to_string()),
        Just(":".to_string()),
        Just("::".to_string()),
        Just("@".to_string()),
        Just("://".to_string()),
        Just("http".to_string()),
        Just("hxxp".to_string()),
        Just("hXXps[:]//".to_string()),
        Just("[.]".to_string()),
        Just("(.)".to_string()),
        Just("{.}".to_string()),
        Just("[dot]".to_string()),
        Just("[@]".to_string()),
        Just("[at]".to_string()),
        Just("[://]".to_string()),
        Just("[".to_string()),
        Just("(".to_string()),
        Just("-".to_string()),
        Just("CVE-2024-".to_string()),
        Just("FIR-2024-0001".to_string()),
        Just(".com".to_string()),
        Just(".co.uk".to_string()),
        Just(" ".to_string()),
        Just("\n".to_string()),
        Just("é漢🦀".to_string()),
        // Names beyond ASCII, their Punycode, full-width letters, a bracketed host.
        Just("bücher".to_string()),
        Just("\u{430}pple".to_string()),
        Just("xn--".to_string()),
        Just(".рф".to_string()),
        Just("ｅｖｉｌ".to_string()),
        Just("[2a01:4f8::1]".to_string()),
        Just("]".to_string()),
        Just("\u{0}\u{feff}".to_string()),
    ];
    proptest::collection::vec(fragment, 0..60).prop_map(|parts| parts.concat())
}

fn steps(text: &str) -> u64 {
    let mut steps = 0;
    extract_text_counted(text, &ArtifactConfig::default(), &mut steps);
    steps
}

proptest! {
    #[test]
    fn extraction_never_panics_and_finds_only_valid_values(text in any::<String>()) {
        for artifact in extract_text(&text, &ArtifactConfig::default()) {
            // Whatever is found is a value `identify` recognises as itself.
            prop_assert_eq!(artifacts::identify(&artifact.value), Some(artifact.clone()));
        }
    }

    #[test]
    fn adversarial_text_never_panics(text in adversarial()) {
        let found = extract_text(&text, &ArtifactConfig::default());
        let unique: HashSet<&Artifact> = found.iter().collect();
        prop_assert_eq!(unique.len(), found.len());
        for artifact in &found {
            prop_assert_eq!(artifacts::identify(&artifact.value), Some(artifact.clone()));
        }
    }

    /// Work is bounded by a constant times the input length, whatever the input.
    #[test]
    fn work_is_linear_in_the_input(text in adversarial()) {
        let n = text.len() as u64;
        prop_assert!(steps(&text) <= 16 * n + 16, "{} steps for {} bytes", steps(&text), n);
    }

    /// 256 copies of a text take about four times the work of 64 (words glued at the
    /// seams may be classified differently, hence some slack; quadratic work would
    /// take sixteen times). Many copies, not one: a short chunk that the scanner
    /// passes over quickly (no `.`, `:`, `@`, `-` or 32 characters) can glue with its
    /// copies into one that it reads in full; from 64 copies on, such a chunk is
    /// long in both runs.
    #[test]
    fn repeating_the_input_scales_the_work_linearly(text in adversarial()) {
        let small = steps(&text.repeat(64));
        let large = steps(&text.repeat(256));
        prop_assert!(large <= 6 * small + 64, "{small} steps for 64 copies, {large} for 256");
    }
}

/// Inputs made to trip backtracking scanners: long runs of near-matches.
#[test]
fn pathological_inputs_take_linear_work() {
    let patterns = [
        "a.",
        "1.",
        "a@",
        "http://",
        "hxxp",
        "[.]",
        ":",
        "a-",
        "x@y.",
        "CVE-2024-",
        "://a.",
        "aaaa",
    ];
    for pattern in patterns {
        let small = pattern.repeat(1_000);
        let large = pattern.repeat(4_000);
        let (s, l) = (steps(&small), steps(&large));
        assert!(
            l <= 4 * s + 64,
            "{pattern:?}: {s} steps for 1k copies, {l} for 4k"
        );
        assert!(
            l <= 16 * large.len() as u64,
            "{pattern:?}: {l} steps for {} bytes",
            large.len()
        );
    }
}

/// Truth type names (`ip` covers both families).
fn truth_type(kind: Kind) -> &'static str {
    match kind {
        Kind::Ipv4 | Kind::Ipv6 => "ip",
        other => other.name(),
    }
}

#[derive(serde::Deserialize)]
struct TruthRow {
    comments: String,
    iocs: Vec<(String, String)>,
}

/// Recall and precision over every row's `comments`. Hosts of URLs and e-mail
/// addresses are reported as artifacts of their own (a domain or an IP address): one
/// that is the host of a truth URL or address counts as correct, as the issue allows.
#[test]
fn accuracy_on_the_legacy_register_truth() {
    let text = include_str!("fixtures/artifacts/truth.jsonl");
    let config = ArtifactConfig::default();
    let (mut expected, mut recalled, mut reported, mut correct) = (0, 0, 0, 0);
    let mut hosts_of_truth = 0;
    let mut misses = Vec::new();
    let mut false_positives = Vec::new();
    for line in text.lines() {
        let row: TruthRow = serde_json::from_str(line).unwrap();
        // What the build lists for a text: its artifacts and their hosts, once each.
        let mut listed = extract_text(&row.comments, &config);
        artifacts::add_hosts(&mut listed, &config);
        let mut seen = HashSet::new();
        listed.retain(|a| seen.insert(a.clone()));
        let found: Vec<(String, String)> = listed
            .into_iter()
            .map(|a| (truth_type(a.kind).to_string(), a.value.to_string()))
            .collect();
        let identified: Vec<(String, Option<Artifact>)> = row
            .iocs
            .iter()
            .map(|(t, v)| (t.clone(), artifacts::identify(v)))
            .collect();
        let truth: HashSet<(String, String)> = row
            .iocs
            .iter()
            .zip(&identified)
            .map(|((t, v), (_, artifact))| {
                let value = artifact
                    .as_ref()
                    .map_or_else(|| v.clone(), |a| a.value.to_string());
                (t.clone(), value)
            })
            .collect();
        let hosts: HashSet<(String, String)> = identified
            .iter()
            .filter_map(|(_, artifact)| artifacts::host_of(artifact.as_ref()?, &config))
            .map(|host| (truth_type(host.kind).to_string(), host.value.to_string()))
            .collect();
        expected += truth.len();
        for ioc in &truth {
            if found.contains(ioc) {
                recalled += 1;
            } else {
                misses.push(ioc.clone());
            }
        }
        for item in &found {
            reported += 1;
            if truth.contains(item) {
                correct += 1;
            } else if hosts.contains(item) {
                hosts_of_truth += 1;
                correct += 1;
            } else {
                false_positives.push(item.clone());
            }
        }
    }
    let recall = recalled as f64 / expected as f64;
    let precision = correct as f64 / reported as f64;
    println!(
        "recall {recalled}/{expected} = {:.2} %, precision {correct}/{reported} = {:.2} %",
        recall * 100.0,
        precision * 100.0
    );
    println!("of those correct, hosts of truth URLs and addresses: {hosts_of_truth}");
    println!("first misses: {:?}", &misses[..misses.len().min(10)]);
    println!(
        "first false positives: {:?}",
        &false_positives[..false_positives.len().min(10)]
    );
    assert!(expected > 2_500, "the truth file lists {expected} iocs");
    assert!(recall >= 0.99, "recall {recall}");
    assert!(precision >= 0.98, "precision {precision}");
}
