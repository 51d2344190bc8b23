//! End-to-end runs of `fir stats` on the basic fixture site.

mod common;

use std::path::Path;

const FIXTURE: &str = "tests/fixtures/sites/basic";

fn stats(args: &[&str]) -> String {
    let mut all = vec!["stats"];
    all.extend(args);
    common::ok(&common::run(Path::new(FIXTURE), &all))
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[test]
fn counts_by_category_and_year_in_csv() {
    let rows = csv_rows(&stats(&[
        "--by", "category", "--period", "year", "--format", "csv",
    ]));
    assert_eq!(rows[0], ["Category", "2023", "2024", "Total"]);
    // Configured order (phishing, malware, …), unknown categories last.
    assert_eq!(rows[1], ["Phishing", "1", "0", "1"]);
    assert_eq!(rows[2], ["Malware", "0", "1", "1"]);
    assert_eq!(rows[6][0], "<script>alert(\"category\")</script>");
    assert_eq!(rows.last().unwrap(), &["Total", "1", "5", "6"]);
}

#[test]
fn months_without_incidents_are_zeros_and_dates_limit_the_range() {
    let rows = csv_rows(&stats(&[
        "--period",
        "month",
        "--from",
        "2024-01-01",
        "--to",
        "2024-06-30",
        "--format",
        "csv",
    ]));
    assert_eq!(
        rows[0][1..],
        [
            "2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06", "Total"
        ]
    );
    assert_eq!(rows[1][1..], ["0", "1", "1", "1", "2", "0", "5"]);
}

#[test]
fn two_fields_with_business_lines_rolled_up() {
    let text = stats(&["--by", "top-business-line,severity", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let total = |key: [&str; 2]| {
        json["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == serde_json::json!(key))
            .map(|r| r["total"].as_u64().unwrap())
    };
    // FIR-2024-0005 names Retail Banking > France and Private Banking: once in each.
    assert_eq!(total(["Retail Banking", "3"]), Some(2));
    assert_eq!(total(["Private Banking", "3"]), Some(1));
    assert_eq!(total(["Retail Banking", "4"]), Some(1));
    assert_eq!(json["total"], 6);
}

#[test]
fn time_to_close_and_backlog() {
    let table = stats(&["--measure", "time-to-close", "--by", "category"]);
    // Phishing: 2023-11-20 08:15 to 2023-11-22 17:00 is 56.75 h.
    let phishing = table.lines().find(|l| l.starts_with("Phishing")).unwrap();
    assert!(
        phishing.ends_with("56.8                 56.8      56.8"),
        "{table}"
    );
    // Malware: closed on 2024-02-10 (a whole day, midnight in Paris): 154 h.
    assert!(table.contains("154.0"), "{table}");
    let rows = csv_rows(&stats(&[
        "--measure",
        "backlog",
        "--period",
        "quarter",
        "--format",
        "csv",
    ]));
    assert_eq!(
        rows,
        [
            ["quarter", "Open"],
            ["2023-Q4", "0"],
            ["2024-Q1", "1"],
            ["2024-Q2", "3"]
        ]
    );
}

#[test]
fn an_audience_sees_only_its_incidents() {
    let text = stats(&["--by", "kind", "--format", "json", "--audience", "public"]);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["total"], 3);
    assert!(!text.contains("Insider"));
    let out = common::run(Path::new(FIXTURE), &["stats", "--audience", "nobody"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown audience \"nobody\""));
}

#[test]
fn bad_arguments_are_explained() {
    let out = common::run(Path::new(FIXTURE), &["stats", "--by", "colour"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown field \"colour\""), "{stderr}");
    assert!(stderr.contains("top-business-line"), "{stderr}");
    let out = common::run(
        Path::new(FIXTURE),
        &["stats", "--from", "2024-05-01", "--to", "2024-01-01"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is before --from"));
    let out = common::run(Path::new(FIXTURE), &["stats", "--from", "31/12/2024"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn without_options_an_overview_by_status_severity_and_category() {
    let text = stats(&[]);
    assert!(
        text.starts_with("6 incidents from 2023-11-20 to 2024-05-28\n\n"),
        "{text}"
    );
    let lines: Vec<Vec<&str>> = text
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    for expected in [
        vec!["Status", "Total", "%"],
        vec!["Open", "2", "33"],
        vec!["Closed", "3", "50"],
        vec!["Critical", "2", "33"],
        vec!["Phishing", "1", "17"],
        vec!["Total", "6", "100"],
    ] {
        assert!(lines.contains(&expected), "{expected:?} in {text}");
    }
    // Scripts keep the plain total.
    let json: serde_json::Value = serde_json::from_str(&stats(&["--format", "json"])).unwrap();
    assert_eq!(json["total"], 6);
}
