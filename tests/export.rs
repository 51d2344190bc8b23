//! End-to-end runs of `fir export`.

mod common;

use std::path::Path;
use std::process::Output;

const FIXTURE: &str = "tests/fixtures/sites/basic";

fn fir(args: &[&str]) -> Output {
    common::run(Path::new(FIXTURE), args)
}

#[test]
fn csv_has_one_row_per_incident_with_lists_joined() {
    let text = common::ok(&fir(&["export", "--format", "csv"]));
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a BOM for spreadsheets");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert_eq!(&headers[headers.len() - 1], "description");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 6);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let first = &rows[0];
    assert_eq!(&first[col("id")], "FIR-2023-0001");
    assert_eq!(&first[col("category")], "Phishing");
    assert_eq!(&first[col("status")], "Closed");
    assert_eq!(&first[col("tlp")], "GREEN");
    assert_eq!(&first[col("tags")], "campaign; takedown");
    assert_eq!(&first[col("detection")], "User report");
    assert!(
        first[col("timeline")].contains("[Investigation] alice: Reported by **three** customers.")
    );
    assert!(first[col("description")].starts_with("Customers received"));
    let legacy = rows
        .iter()
        .find(|r| &r[col("id")] == "FIR-2024-0005")
        .unwrap();
    assert_eq!(
        &legacy[col("business_lines")],
        "Retail Banking > France; Private Banking"
    );
    assert_eq!(
        &legacy[col("legacy")],
        "registre-2024.xlsx / Incidents row 42"
    );
    assert_eq!(
        &legacy[col("tlp")],
        "AMBER",
        "the default TLP is spelled out"
    );
}

#[test]
fn json_is_the_sites_data_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("out.json");
    let out = fir(&[
        "export",
        "--format",
        "json",
        "--out",
        file.to_str().unwrap(),
    ]);
    common::ok(&out);
    let site = dir.path().join("site");
    common::ok(&fir(&["build", "--out", site.to_str().unwrap()]));
    assert_eq!(
        std::fs::read(&file).unwrap(),
        std::fs::read(site.join("data/incidents.json")).unwrap()
    );
    let data: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    assert_eq!(data.as_array().unwrap().len(), 6);
}

#[test]
fn audience_export_leaves_out_what_it_may_not_read() {
    let text = common::ok(&fir(&[
        "export",
        "--format",
        "json",
        "--audience",
        "public",
    ]));
    assert!(!text.contains("FIR-2024-0002") && !text.contains("TOPSECRET"));
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data.as_array().unwrap().len(), 3);
    let bad = fir(&["export", "--format", "csv", "--audience", "nope"]);
    assert!(!bad.status.success());
    assert!(Path::new(FIXTURE).join("fir.toml").exists());
}
