//! The query language, end to end: `fir build` on a fixture site, then `fir search
//! --json` reads the same index files the browser does.

mod common;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde_json::Value;

/// The fixture site, built once for every test of this file.
fn built() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    let (_, root) = SITE.get_or_init(|| {
        let dir = common::copy_fixture("sites/search");
        let root = dir.path().to_path_buf();
        common::run_ok(&root, &["build"]);
        (dir, root)
    });
    root
}

fn search_in(root: &Path, args: &[&str]) -> Value {
    let mut all = vec!["search", "--json"];
    if !args.contains(&"--limit") {
        all.extend(["--limit", "100"]);
    }
    all.extend_from_slice(args);
    serde_json::from_slice(&common::run_ok(root, &all).stdout).expect("JSON output")
}

/// Ids of the results, in the order given.
fn ids_in(root: &Path, args: &[&str]) -> Vec<String> {
    let outcome = search_in(root, args);
    let ids: Vec<String> = outcome["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    if !args.contains(&"--limit") {
        assert_eq!(outcome["total"].as_u64().unwrap() as usize, ids.len());
    }
    ids
}

fn ids(query: &str) -> Vec<String> {
    ids_in(built(), &[query])
}

/// Ids newest first, to compare sets without depending on scores.
fn by_date(query: &str) -> Vec<String> {
    ids_in(built(), &["--by-date", query])
}

#[test]
fn plurals_and_singulars_match() {
    let both = ["S-2024-0001", "S-2023-0002"];
    assert_eq!(by_date("incident"), both);
    assert_eq!(by_date("incidents"), both);
    assert_eq!(by_date("INCIDENTS"), both);
}

#[test]
fn accents_and_case_do_not_matter() {
    let both = ["S-2024-0005", "S-2024-0001"];
    assert_eq!(by_date("hameçonnage"), both);
    assert_eq!(by_date("hameconnage"), both);
    assert_eq!(by_date("HAMEÇONNAGE"), both);
    assert_eq!(by_date("reseau"), ["S-2024-0005"]);
    assert_eq!(by_date("Réseau"), ["S-2024-0005"]);
}

#[test]
fn phrases_keep_word_order() {
    assert_eq!(by_date("\"fake page\""), ["S-2024-0002"]);
    assert!(by_date("\"page fake\"").is_empty());
    assert_eq!(by_date("\"fausse page\""), ["S-2024-0001"]);
    // Words of a phrase are found apart, a phrase is not.
    assert_eq!(by_date("fake invoice"), ["S-2023-0002"]);
    assert!(by_date("\"invoice fake\"").is_empty());
}

#[test]
fn negation_and_or() {
    assert_eq!(
        by_date("page -\"fake page\""),
        ["S-2024-0003", "S-2024-0001", "S-2023-0001"]
    );
    assert_eq!(
        by_date("-status:closed -kind:event"),
        ["S-2024-0004", "S-2024-0002", "S-2024-0001"]
    );
    assert_eq!(
        by_date("ransomware OR laptop"),
        ["S-2024-0004", "S-2024-0003"]
    );
    assert_eq!(
        by_date("category:phishing OR category:lost-device"),
        ["S-2024-0005", "S-2024-0003", "S-2023-0001"]
    );
}

#[test]
fn field_filters() {
    assert_eq!(by_date("category:malware"), ["S-2024-0004", "S-2023-0002"]);
    assert_eq!(by_date("category:Malware"), ["S-2024-0004", "S-2023-0002"]);
    assert_eq!(by_date("severity:>=4"), ["S-2024-0004", "S-2024-0001"]);
    assert_eq!(by_date("severity:<2"), ["S-2024-0003"]);
    assert_eq!(by_date("severity:3"), ["S-2024-0002", "S-2023-0001"]);
    assert_eq!(by_date("status:blocked"), ["S-2024-0002"]);
    assert_eq!(by_date("tlp:amber"), ["S-2024-0001"]);
    assert_eq!(by_date("tlp:red"), ["S-2024-0004"]);
    assert_eq!(by_date("year:2023"), ["S-2023-0002", "S-2023-0001"]);
    assert_eq!(
        by_date("year:>=2024 severity:<3"),
        ["S-2024-0005", "S-2024-0003"]
    );
    assert_eq!(by_date("kind:event"), ["S-2024-0005"]);
    assert_eq!(by_date("tag:VIP"), ["S-2024-0001"]);
    assert_eq!(by_date("encrypted status:open"), ["S-2024-0004"]);
}

/// Filters take the names fir.toml gives values, not only what files store: labels
/// and aliases (the default configuration's).
#[test]
fn field_filters_take_labels_and_aliases() {
    let malware = ["S-2024-0004", "S-2023-0002"];
    assert_eq!(by_date("category:ransomware"), malware);
    assert_eq!(by_date("category:VIRUS"), malware);
    assert_eq!(
        by_date("category:hameconnage"),
        by_date("category:phishing")
    );
    assert_eq!(by_date("tlp:white"), by_date("tlp:clear"));
    assert_eq!(by_date("tlp:white").len(), 1);
    assert_eq!(by_date("-tlp:white").len(), 6);
    assert_eq!(by_date("detection:siem"), ["S-2024-0004"]);
    assert_eq!(by_date("detection:\"SIEM correlation\""), ["S-2024-0004"]);
    // A file that stores the label (`fir check` warns of it) is read as its value.
    assert_eq!(by_date("detection:user"), ["S-2024-0002", "S-2023-0001"]);
    assert_eq!(
        by_date("detection:\"user report\""),
        ["S-2024-0002", "S-2023-0001"]
    );
    assert_eq!(by_date("actor:\"IT operations\""), ["S-2024-0004"]);
    assert_eq!(by_date("actor:it-ops"), ["S-2024-0004"]);
    // A name of another field's value is no name of this one's.
    assert!(by_date("category:white").is_empty());
}

#[test]
fn business_lines_include_their_children() {
    assert_eq!(
        by_date("bl:\"Retail Banking\""),
        ["S-2024-0005", "S-2024-0004", "S-2024-0001", "S-2023-0001"]
    );
    assert_eq!(
        by_date("bl:\"retail banking > france\""),
        ["S-2024-0004", "S-2023-0001"]
    );
    assert_eq!(
        by_date("bl:\"Retail Banking>Czech Republic\""),
        ["S-2024-0001"]
    );
    assert_eq!(by_date("bl:\"Corporate IT\" severity:>=3"), ["S-2024-0002"]);
}

#[test]
fn artifacts_typed_plain_or_defanged() {
    for query in [
        "artifact:185.12.3.4",
        "artifact:185[.]12[.]3[.]4",
        "artifact:login-secure-bank.top",
        "artifact:login-secure-bank[.]top",
        "artifact:LOGIN-SECURE-BANK.TOP",
    ] {
        assert_eq!(by_date(query), ["S-2023-0001"], "{query}");
    }
    for query in [
        "artifact:http://invoices.evil.top/pay.exe",
        "artifact:hxxp://invoices[.]evil[.]top/pay.exe",
        "artifact:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "artifact:9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
    ] {
        assert_eq!(by_date(query), ["S-2023-0002"], "{query}");
    }
    assert_eq!(
        by_date("artifact:conseiller[@]banque[.]top"),
        ["S-2024-0001"]
    );
    assert!(by_date("artifact:185.12.3.5").is_empty());
    assert!(by_date("artifact:185.12.3").is_empty());
}

/// A range finds the incidents that name an address or a range inside it, however
/// it is typed; a range wider than any artifact, or one the site names nothing in,
/// finds none.
#[test]
fn ranges_find_the_addresses_inside_them() {
    for query in [
        "artifact:185.12.0.0/16",
        "artifact:185.12.3.0/24",
        "artifact:185[.]12[.]3[.]200/24",
        "artifact:185.0.0.0/8",
        "artifact:185.12.3.4/32",
        "artifact:::ffff:185.12.3.0/120",
        "artifact:185.12.3.0/24 -status:open",
    ] {
        assert_eq!(by_date(query), ["S-2023-0001"], "{query}");
    }
    assert_eq!(
        by_date("artifact:185.12.0.0/16 OR artifact:203.0.113.0/24"),
        ["S-2024-0002", "S-2023-0001"]
    );
    assert_eq!(by_date("artifact:45.155.205.0/24"), ["S-2024-0004"]);
    for query in [
        "artifact:185.12.3.0/30",
        "artifact:185.13.0.0/16",
        "artifact:0.0.0.0/0",
        "artifact:128.0.0.0/1",
        "artifact:186.0.0.0/8",
        "artifact:2a01:4f8::/32",
    ] {
        assert!(by_date(query).is_empty(), "{query}");
    }
}

#[test]
fn prefixes() {
    assert_eq!(by_date("pass*"), ["S-2024-0002", "S-2024-0001"]);
    assert_eq!(by_date("ransom*"), ["S-2024-0004"]);
    assert_eq!(by_date("hamec*"), ["S-2024-0005", "S-2024-0001"]);
    assert!(by_date("zzz*").is_empty());
}

#[test]
fn title_matches_rank_first_and_date_sort_is_newest_first() {
    // `fake` is in the title of the older incident, in the text of the newer one.
    assert_eq!(ids("fake"), ["S-2023-0002", "S-2024-0002"]);
    assert_eq!(by_date("fake"), ["S-2024-0002", "S-2023-0002"]);
}

#[test]
fn facet_counts_cover_the_whole_result_set() {
    let outcome = search_in(built(), &["--limit", "1", "bl:\"Retail Banking\""]);
    assert_eq!(outcome["total"], 4);
    assert_eq!(outcome["hits"].as_array().unwrap().len(), 1);
    let facet = |key: &str| -> Vec<(String, u64)> {
        outcome["facets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["key"] == key)
            .unwrap()["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["value"].as_str().unwrap().to_string(),
                    v["count"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    let pairs = |list: &[(&str, u64)]| -> Vec<(String, u64)> {
        list.iter().map(|(v, n)| (v.to_string(), *n)).collect()
    };
    assert_eq!(facet("status"), pairs(&[("open", 3), ("closed", 1)]));
    assert_eq!(facet("year"), pairs(&[("2023", 1), ("2024", 3)]));
    assert_eq!(facet("kind"), pairs(&[("incident", 3), ("event", 1)]));
    let hit = &outcome["hits"][0];
    assert_eq!(hit["id"], "S-2024-0005");
    assert_eq!(
        hit["title"],
        "Réseau lent — hameconnage signalé par un client"
    );
    assert_eq!(hit["date"], "2024-07-01");
    assert_eq!(hit["category"], "phishing");
    assert_eq!(hit["severity"], "2");
    assert_eq!(hit["status"], "open");
    assert!(
        hit["excerpt"]
            .as_str()
            .unwrap()
            .starts_with("Un client signale")
    );
}

/// A column filter that no value passes is said, with the column's values; a
/// comparison that nothing passes is not.
#[test]
fn unknown_filter_values_are_said() {
    let outcome = search_in(built(), &["category:phising OR tlp:white"]);
    assert_eq!(outcome["total"], 1);
    let unknown = outcome["unknown"].as_array().unwrap();
    assert_eq!(unknown.len(), 1, "{outcome}");
    assert_eq!(unknown[0]["field"], "category");
    assert_eq!(unknown[0]["value"], "phising");
    let known: Vec<&str> = unknown[0]["known"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    // The values incidents have, as the column orders them.
    assert_eq!(
        known,
        [
            "Phishing",
            "Malware",
            "Account compromise",
            "Lost or stolen device"
        ]
    );
    for query in [
        "severity:>=5",
        "category:malware",
        "year:>2030",
        "tag:vip",
        "bl:\"retail banking\"",
        "detection:\"user report\"",
        // An artifact not found is a plain answer, not a typo.
        "artifact:203.0.113.77",
    ] {
        let outcome = search_in(built(), &[query]);
        assert!(outcome.get("unknown").is_none(), "{query}: {outcome}");
    }
    // A business line, tag, detection or actor no incident has: said, without a list.
    let outcome = search_in(
        built(),
        &["tag:vipp OR bl:\"Retail Bankin\" OR actor:nobody OR month:2024-13 OR tag:campaign"],
    );
    assert_eq!(outcome["total"], 1);
    let unknown: Vec<(&str, &str, usize)> = outcome["unknown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["field"].as_str().unwrap(),
                u["value"].as_str().unwrap(),
                u["known"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        unknown,
        [
            ("tag", "vipp", 0),
            ("bl", "Retail Bankin", 0),
            ("actor", "nobody", 0),
            ("month", "2024-13", 0)
        ]
    );
    let out = common::run(built(), &["search", "-tag:vipp"]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("note: no incident has tag \"vipp\""),
        "{out:?}"
    );
    let out = common::run(built(), &["search", "severity:9"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr
            .contains("note: severity has no value \"9\"; its values: Low, Medium, High, Critical"),
        "{stderr}"
    );
    assert_eq!(common::ok(&out), "0 results\n");
}

#[test]
fn text_output_lists_results() {
    let text = common::ok(&common::run(built(), &["search", "ransomware"]));
    assert!(
        text.contains("S-2024-0004  2024-06-20  Ransomware note on a file server"),
        "{text}"
    );
    assert!(text.ends_with("\n1 result\n"), "{text}");
}

#[test]
fn an_audience_index_holds_only_its_incidents() {
    let dir = common::copy_fixture("sites/search");
    let out = common::run(dir.path(), &["build", "--audience", "public"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // AMBER and RED incidents are out: not found, and not in any index file.
    assert!(ids_in(dir.path(), &["ransomware"]).is_empty());
    assert!(ids_in(dir.path(), &["compte"]).is_empty());
    assert!(ids_in(dir.path(), &["artifact:conseiller@banque.top"]).is_empty());
    assert!(ids_in(dir.path(), &["artifact:45.155.0.0/16"]).is_empty());
    assert!(!dir.path().join("site/search/n/4-2d.js").exists());
    assert_eq!(ids_in(dir.path(), &["phishing"]), ["S-2023-0001"]);
    assert_eq!(ids_in(dir.path(), &["-zzz"]).len(), 5);
    for entry in walkdir::WalkDir::new(dir.path().join("site/search")) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let raw = std::fs::read_to_string(entry.path()).unwrap();
            let text = common::incident_data(entry.path(), &raw);
            for secret in [
                "S-2024-0001",
                "S-2024-0004",
                "ransom",
                "conseiller",
                "decrypt-help",
                "45.155.205",
            ] {
                assert!(
                    !text.contains(secret),
                    "{} holds {secret}",
                    entry.path().display()
                );
            }
        }
    }
}

#[test]
fn an_option_after_the_query_is_a_clear_error() {
    let out = common::run(built(), &["search", "phishing", "--limit", "2"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--limit comes after the query"), "{err}");
}

#[test]
fn an_unbuilt_site_is_a_clear_error() {
    let dir = common::copy_fixture("sites/search");
    let out = common::run(dir.path(), &["search", "phishing"]);
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("search/meta.js"), "{err}");
    assert!(err.contains("build the site first"), "{err}");
}

/// New reports, one the newest and one dated before the newest ones: the incremental
/// build patches the published index (it does not index everything again) and every
/// query answers as after a full build.
#[test]
fn new_incidents_patch_the_index_as_a_full_build_would() {
    let dir = common::copy_fixture("sites/search");
    let root = dir.path();
    assert!(common::run(root, &["build"]).status.success());
    let base = std::fs::read_to_string(root.join("content/incidents/2024/S-2024-0005.md")).unwrap();
    let report = |id: &str, date: &str, text: &str| {
        let body = base
            .replace("id: S-2024-0005", &format!("id: {id}"))
            .replace("2024-07-01T11:00:00+02:00", date)
            .replace("Un client signale", text);
        std::fs::write(root.join(format!("content/incidents/2024/{id}.md")), body).unwrap();
    };
    report(
        "S-2024-0006",
        "2024-07-02T09:00:00+02:00",
        "Zebra wharf 203.0.113.77, un client signale",
    );
    report(
        "S-2024-0007",
        "2024-06-25T09:00:00+02:00",
        "Zebra quay, un client signale",
    );
    assert_patched_like_full(
        root,
        &[
            "zebra",
            "\"zebra wharf\"",
            "hameçonnage",
            "reseau -zebra",
            "artifact:203.0.113[.]77",
            "artifact:203.0.113.0/24",
            "severity:2 status:open",
            "-zzz",
            "signale",
            // Names from fir.toml, which the patched meta file keeps.
            "detection:\"SIEM correlation\"",
            "tlp:white OR category:ransomware",
        ],
    );
    assert_eq!(
        ids_in(root, &["--by-date", "detection:\"SIEM correlation\""]),
        ["S-2024-0004"]
    );
    assert_eq!(ids_in(root, &["-zzz"]).len(), 9);
    assert_eq!(
        ids_in(root, &["--by-date", "zebra"]),
        ["S-2024-0006", "S-2024-0007"]
    );
}

/// The first report of a new year: the year column gains a value at its end, which
/// keeps every other value's number, so the index is still patched.
#[test]
fn the_first_incident_of_a_new_year_patches_the_index() {
    let dir = common::copy_fixture("sites/search");
    let root = dir.path();
    assert!(common::run(root, &["build"]).status.success());
    let body = std::fs::read_to_string(root.join("content/incidents/2024/S-2024-0005.md"))
        .unwrap()
        .replace("id: S-2024-0005", "id: S-2025-0001")
        .replace("2024-07-01T11:00:00+02:00", "2025-01-02T09:00:00+01:00")
        .replace("Un client signale", "Narwhal, un client signale");
    std::fs::create_dir_all(root.join("content/incidents/2025")).unwrap();
    std::fs::write(root.join("content/incidents/2025/S-2025-0001.md"), body).unwrap();
    assert_patched_like_full(
        root,
        &[
            "year:2025",
            "year:2024",
            "narwhal",
            "signale",
            "-zzz",
            "reseau",
        ],
    );
    assert_eq!(ids_in(root, &["year:2025"]), ["S-2025-0001"]);
}

/// Builds `root` again (it was edited): the index was patched, not built anew, and
/// answers `queries` as a full build's does.
fn assert_patched_like_full(root: &Path, queries: &[&str]) {
    let out = common::run(root, &["-v", "build"]);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("updated"));
    assert!(!log.contains("search index built anew"), "{log}");
    let full = root.join("full");
    let _ = std::fs::remove_dir_all(&full);
    let out = common::run(root, &["build", "--full", "--out", full.to_str().unwrap()]);
    assert!(out.status.success());
    // The files only the browser reads (the facet table, its parts, the cube of
    // column values) are the same bytes as a full build's.
    let facets = full.join("search/f");
    for entry in std::fs::read_dir(&facets).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name == "all.js" || name == "cube.js" || name.starts_with('p') {
            let patched = std::fs::read(root.join("site/search/f").join(&name));
            assert_eq!(
                patched.ok(),
                std::fs::read(facets.join(&name)).ok(),
                "search/f/{name}"
            );
        }
    }
    assert!(facets.join("cube.js").exists());
    let full = full.to_str().unwrap();
    for query in queries {
        for order in [&[][..], &["--by-date"][..]] {
            let mut args = order.to_vec();
            args.push(query);
            let patched = search_in(root, &args);
            args.splice(0..0, ["--site", full]);
            assert_eq!(patched, search_in(root, &args), "{query} {order:?}");
        }
    }
}

/// An older incident edited (words, status) and another removed: the
/// index is patched from what the data file says they were.
#[test]
fn edited_and_removed_incidents_patch_the_index_as_a_full_build_would() {
    let dir = common::copy_fixture("sites/search");
    let root = dir.path();
    assert!(common::run(root, &["build"]).status.success());
    let queries = [
        "taxi",
        "zebra",
        "\"zebra crossing\"",
        "status:closed",
        "severity:>=3",
        "ransomware",
        "-zzz",
        "reseau",
        "walrus",
        "artifact:91.215.85.0/24",
    ];
    let file = root.join("content/incidents/2024/S-2024-0003.md");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains("taxi"), "the fixture changed");
    let edited = text.replace("taxi", "zebra crossing");
    let edited = if edited.contains("status: open") {
        edited.replace("status: open", "status: closed")
    } else {
        edited.replace("status: closed", "status: open")
    };
    std::fs::write(&file, edited).unwrap();
    // And one added among older ones (its values all in use), removed below.
    let copy = std::fs::read_to_string(root.join("content/incidents/2024/S-2024-0005.md"))
        .unwrap()
        .replace("id: S-2024-0005", "id: S-2024-0008")
        .replace("2024-07-01T11:00:00+02:00", "2024-05-01T11:00:00+02:00")
        .replace(
            "Un client signale",
            "Walrus from 91.215.85.9, un client signale",
        );
    let added = root.join("content/incidents/2024/S-2024-0008.md");
    std::fs::write(&added, copy).unwrap();
    assert_patched_like_full(root, &queries);
    assert_eq!(ids_in(root, &["zebra"]), ["S-2024-0003"]);
    assert!(ids_in(root, &["taxi"]).is_empty());
    assert_eq!(ids_in(root, &["walrus"]), ["S-2024-0008"]);
    assert_eq!(ids_in(root, &["artifact:91.215.0.0/16"]), ["S-2024-0008"]);
    let block = root.join("site/search/n/4-5b.js");
    assert!(block.exists(), "the block of 91.0.0.0/8");

    // Removed: what it was comes from the data file. (Removing an incident that is
    // the only one with some value, such as the only blocked one, changes the facet
    // columns and builds the index anew.)
    std::fs::remove_file(&added).unwrap();
    assert_patched_like_full(root, &queries);
    assert!(ids_in(root, &["walrus"]).is_empty());
    assert!(ids_in(root, &["artifact:91.215.0.0/16"]).is_empty());
    assert!(!block.exists(), "a block no longer named goes");
    assert_eq!(ids_in(root, &["-zzz"]).len(), 7);
}

#[test]
fn an_incremental_build_updates_the_index() {
    let dir = common::copy_fixture("sites/search");
    let root = dir.path();
    assert!(common::run(root, &["build"]).status.success());
    assert!(ids_in(root, &["zebra"]).is_empty());
    let file = root.join("content/incidents/2024/S-2024-0003.md");
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("taxi", "zebra crossing")).unwrap();
    std::fs::remove_file(root.join("content/incidents/2024/S-2024-0004.md")).unwrap();
    let out = common::run(root, &["build"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("updated"));
    assert_eq!(ids_in(root, &["zebra"]), ["S-2024-0003"]);
    assert!(ids_in(root, &["taxi"]).is_empty());
    assert!(ids_in(root, &["ransomware"]).is_empty());
    assert_eq!(ids_in(root, &["-zzz"]).len(), 6);
}

#[test]
fn the_search_page_names_its_help() {
    let page = std::fs::read_to_string(built().join("site/search.html")).unwrap();
    // The query language's help opens from a label that says what it is.
    assert!(
        page.contains("<details class=\"search-help\"><summary>How to search</summary>"),
        "{page}"
    );
    assert!(
        page.contains("bl:&quot;Retail Banking&quot;"),
        "the syntax is listed"
    );
}

/// Every facet value's list links to the search page with a filter that finds the
/// same incidents, the archive's months included (`month:2024-05`).
#[test]
fn each_facet_list_links_to_a_search_for_its_incidents() {
    let site = built().join("site");
    let facets = fir::site::index::FACETS;
    let mut checked = std::collections::BTreeSet::new();
    let mut months = 0;
    for entry in walkdir::WalkDir::new(&site).min_depth(3) {
        let entry = entry.unwrap();
        let relative = entry
            .path()
            .strip_prefix(&site)
            .unwrap()
            .to_string_lossy()
            .to_string();
        let facet = relative.split('/').next().unwrap();
        if !facets.contains(&facet) || !relative.ends_with("/index.html") {
            continue;
        }
        let page = std::fs::read_to_string(entry.path()).unwrap();
        let listed: std::collections::BTreeSet<String> = page
            .split("<td class=\"id\"><a href=\"incidents/")
            .skip(1)
            .map(|rest| rest.split(".html").next().unwrap().to_string())
            .collect();
        let query = page
            .split("<a class=\"search-within screen-only\" href=\"search.html?q=")
            .nth(1)
            .map(|rest| percent_decode(rest.split('"').next().unwrap()))
            .unwrap_or_else(|| panic!("{relative} has no search link"));
        if relative.starts_with("archive/") && relative.matches('/').count() == 3 {
            assert!(query.starts_with("month:"), "{relative}: {query}");
            months += 1;
        }
        let found: std::collections::BTreeSet<String> = ids(&query).into_iter().collect();
        assert_eq!(found, listed, "{relative}: {query}");
        assert!(!listed.is_empty(), "{relative}");
        checked.insert(facet.to_string());
    }
    let all: std::collections::BTreeSet<String> = facets.iter().map(|f| f.to_string()).collect();
    assert_eq!(checked, all, "facets with a search link");
    assert!(months > 0, "no month's archive checked");
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// `plan:` finds incidents by their response plan, by slug, label or alias, however
/// the file spells it.
#[test]
fn plans_are_found_by_slug_or_label() {
    let site = common::copy_fixture("sites/basic");
    let root = site.path();
    let file = root.join("content/incidents/2023/FIR-2023-0001.md");
    let text = std::fs::read_to_string(&file).unwrap();
    let hand = text.replace("plan: phishing-takedown\n", "plan: Phishing Takedown\n");
    assert_ne!(hand, text);
    std::fs::write(&file, hand).unwrap();
    common::run_ok(root, &["build"]);
    for query in ["plan:phishing-takedown", "plan:\"phishing takedown\""] {
        assert_eq!(ids_in(root, &[query]), ["FIR-2023-0001"], "{query}");
    }
    let outcome = search_in(root, &["plan:crisis"]);
    assert_eq!(outcome["total"], 0);
    assert_eq!(outcome["unknown"][0]["field"], "plan", "{outcome}");
}
