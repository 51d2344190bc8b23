//! `fir import` end to end: the sample legacy register against its truth file, messy
//! sheets built here with rust_xlsxwriter, a French Excel CSV, re-imports, reports.

mod common;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use fir::Incident;
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};
use serde_json::Value;

/// The example register and its mapping, shipped in `imports/`.
fn imports(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("imports")
        .join(relative)
}

/// A fresh site whose fir.toml declares the sample register's business lines.
fn sample_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        common::fixture("import/fir.toml"),
        dir.path().join("fir.toml"),
    )
    .unwrap();
    dir
}

fn import(root: &Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    common::run_ok(root, &all)
}

/// The `N rows read: a imported, b updated, …` line, as counts by outcome; also checks
/// that the counts add up to the rows read.
fn summary(output: &std::process::Output) -> HashMap<String, usize> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains(" read: "))
        .unwrap_or_else(|| panic!("no summary in {stdout}"));
    let (read, counts) = line.split_once(" read: ").unwrap();
    let read = read.strip_suffix(" rows").unwrap_or(read);
    let read = read.strip_suffix(" row").unwrap_or(read);
    let read: usize = read.rsplit(' ').next().unwrap().parse().unwrap();
    let counts: HashMap<String, usize> = counts
        .split(", ")
        .map(|part| {
            let (n, name) = part.split_once(' ').unwrap();
            (name.to_string(), n.parse().unwrap())
        })
        .collect();
    assert_eq!(
        counts.values().sum::<usize>(),
        read,
        "outcomes add up to the rows read: {line}"
    );
    counts
}

/// Every incident under the site, parsed.
fn incidents(root: &Path) -> Vec<Incident> {
    files(root)
        .values()
        .map(|bytes| {
            fir::incident::parse(std::str::from_utf8(bytes).unwrap())
                .unwrap()
                .incident
        })
        .collect()
}

/// Every incident file's bytes, by path under the site.
fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let dir = root.join("content/incidents");
    if !dir.exists() {
        return BTreeMap::new();
    }
    walkdir::WalkDir::new(&dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| {
            (
                e.path().strip_prefix(root).unwrap().to_path_buf(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

fn report_rows(path: &Path) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

// ---------------------------------------------------------------------------------
// The sample register against truth.jsonl

/// Minutes are what the register knows; a date-only truth compares by day.
fn minute(date: &fir::incident::DateTime) -> String {
    let c = date.civil();
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        c.year(),
        c.month(),
        c.day(),
        c.hour(),
        c.minute()
    )
}

/// The truth's slugs in the example site's taxonomy (the mapping's job to get there).
fn expected_category(truth: &str) -> &str {
    match truth {
        "ddos" => "denial-of-service",
        other => other,
    }
}

fn expected_detection(label: &str) -> &'static str {
    match label {
        "Threat intel feed" => "threat-intel",
        "Partner CERT" => "partner",
        "User" => "user",
        "Antivirus" => "antivirus",
        "CERT" => "cert",
        "SOC" => "soc",
        "Law enforcement" => "law-enforcement",
        "IDS" => "ids",
        other => panic!("unknown detection in truth: {other}"),
    }
}

/// The comment as an incident body holds it: line endings folded, outer blank lines
/// and trailing blanks trimmed (the file format's rule), every other byte kept.
fn expected_body(comments: &str) -> String {
    comments
        .replace("\r\n", "\n")
        .trim_start_matches('\n')
        .trim_end()
        .to_string()
}

fn check_sample(file: &str, sheets: &[&str]) {
    let site = sample_site();
    let report = site.path().join("report.csv");
    let output = import(
        site.path(),
        &[
            imports(&format!("legacy-register/{file}"))
                .to_str()
                .unwrap(),
            "--mapping",
            imports("legacy-register.toml").to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let counts = summary(&output);

    let truth: Vec<Value> = std::fs::read_to_string(common::fixture("import/truth.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .filter(|t: &Value| sheets.contains(&t["year_sheet"].as_str().unwrap()))
        .collect();
    let meta: Value = serde_json::from_str(
        &std::fs::read_to_string(common::fixture("import/meta.json")).unwrap(),
    )
    .unwrap();
    let duplicates: Vec<&str> = meta["duplicates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d.as_str().unwrap())
        .filter(|d| sheets.iter().any(|s| d.starts_with(s)))
        .collect();

    assert_eq!(
        counts["imported"],
        truth.len(),
        "{file}: every incident imported"
    );
    assert_eq!(counts["duplicate"], duplicates.len(), "{file}: duplicates");
    let rows = report_rows(&report);
    let mut reported: Vec<String> = rows
        .iter()
        .filter(|r| r["outcome"] == "duplicate")
        .map(|r| {
            let values: Value = serde_json::from_str(&r["values"]).unwrap();
            values["Ref"].as_str().unwrap().to_string()
        })
        .collect();
    reported.sort();
    assert_eq!(
        reported, duplicates,
        "{file}: the duplicated refs are reported"
    );
    // Whatever else was skipped is no incident: blank rows and totals.
    for row in rows.iter().filter(|r| r["outcome"] == "skipped") {
        assert!(
            row["reason"] == "blank row" || row["reason"] == "totals row",
            "{file}: unexpected skip {row:?}"
        );
    }

    let imported: HashMap<String, Incident> = incidents(site.path())
        .into_iter()
        .map(|i| (i.legacy.as_ref().unwrap().reference.clone().unwrap(), i))
        .collect();
    assert_eq!(imported.len(), truth.len());
    let (mut equal, mut total) = (0usize, 0usize);
    let mut mismatches = Vec::new();
    for t in &truth {
        let reference = t["ref"].as_str().unwrap();
        let incident = imported
            .get(reference)
            .unwrap_or_else(|| panic!("{file}: {reference} not imported"));
        let date_only = t["opened_date_only"].as_bool().unwrap();
        let opened = t["opened"].as_str().unwrap();
        let fields: Vec<(&str, String, String)> = vec![
            ("id", incident.id.clone(), reference.to_string()),
            (
                "opened",
                if date_only {
                    minute(&incident.date)[..10].to_string()
                } else {
                    minute(&incident.date)
                },
                if date_only {
                    opened[..10].to_string()
                } else {
                    opened.to_string()
                },
            ),
            (
                "closed",
                incident.closed.as_ref().map(minute).unwrap_or_default(),
                t["closed"].as_str().unwrap_or_default().to_string(),
            ),
            (
                "category",
                incident.category.clone(),
                expected_category(t["category"].as_str().unwrap()).to_string(),
            ),
            (
                "severity",
                incident.severity.to_string(),
                t["severity"].to_string(),
            ),
            (
                "status",
                incident.status.clone(),
                t["status"].as_str().unwrap().to_string(),
            ),
            ("major", incident.major.to_string(), t["major"].to_string()),
            (
                "business_line",
                incident.business_lines.join("|"),
                t["business_line"].as_str().unwrap().to_string(),
            ),
            (
                "detection",
                incident.detection.clone().unwrap_or_default(),
                expected_detection(t["detection"].as_str().unwrap()).to_string(),
            ),
            (
                "subject",
                incident.title.clone(),
                t["subject"].as_str().unwrap().to_string(),
            ),
            (
                "comments",
                incident.description.clone(),
                expected_body(t["comments"].as_str().unwrap()),
            ),
        ];
        for (name, got, want) in fields {
            total += 1;
            if got == want {
                equal += 1;
            } else {
                mismatches.push(format!("{reference} {name}: got {got:?}, want {want:?}"));
            }
        }
    }
    let ratio = equal as f64 / total as f64;
    eprintln!(
        "{file}: {equal}/{total} fields equal ({:.3} %)",
        ratio * 100.0
    );
    assert!(
        ratio >= 0.999,
        "{file}: {equal}/{total} fields equal; first mismatches:\n{}",
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn sample_xlsx_matches_the_truth() {
    check_sample(
        "register_en.xlsx",
        &["2012", "2013", "2014", "2015", "2016"],
    );
}

#[test]
fn sample_xls_matches_the_truth() {
    check_sample("register_en.xls", &["2012", "2013", "2014", "2015", "2016"]);
}

#[test]
fn sample_ods_matches_the_truth() {
    check_sample("register_en.ods", &["2012", "2013"]);
}

#[test]
fn sample_csv_matches_the_truth() {
    check_sample("register_en_2014.csv", &["2014"]);
}

// ---------------------------------------------------------------------------------
// Messy sheets built here

const MAPPING: &str = r#"
id = "{ref}"
ignore = ["Days open"]
[columns]
ref = "Réf."
title = "Subject"
date = "Opened"
closed = "Closed"
category = "Category"
severity = "Severity"
status = "Status"
major = "Major?"
description = "Comments"
timeline = "Comments"
[values.status]
"C" = "closed"
"Fermé" = "closed"
[values.severity]
"High" = 3
"#;

fn site_with_mapping(mapping: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("fir.toml"), fir::config::DEFAULT_TOML).unwrap();
    let path = dir.path().join("mapping.toml");
    std::fs::write(&path, mapping).unwrap();
    (dir, path)
}

/// One register row: ref, opened, category, severity, status, subject, comments, major, closed.
type Row<'a> = (
    &'a str,
    Opened,
    &'a str,
    Sev,
    &'a str,
    &'a str,
    &'a str,
    &'a str,
    Opened,
);

#[derive(Clone, Copy)]
enum Opened {
    None,
    /// A date-time cell.
    Cell(u16, u8, u8, u16, u8),
    /// A date cell without time.
    Day(u16, u8, u8),
    Serial(f64),
    Text(&'static str),
    /// A formula with `#N/A` as its cached value.
    NotAvailable,
}

#[derive(Clone, Copy)]
enum Sev {
    Int(f64),
    Text(&'static str),
}

/// A messy workbook: title rows and a merged title above the header, one sheet per
/// year, a repeated header mid-sheet, a blank row, a TOTAL row with a formula, a
/// formula column with cached values, and a sheet of lists to ignore.
fn write_register(path: &Path, sheets: &[(&str, Vec<Row<'_>>)]) {
    let mut workbook = Workbook::new();
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    let headers = [
        "Réf.",
        "Opened",
        "Category",
        "Severity",
        "Status",
        "Subject",
        "Comments",
        "Major?",
        "Closed",
        "Days open",
        "Owner team",
    ];
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        sheet
            .merge_range(0, 0, 0, 5, &format!("Incident log {name}"), &Format::new())
            .unwrap();
        sheet.write_string(1, 0, "Internal use only").unwrap();
        let mut r = 3u32;
        let write_header = |sheet: &mut rust_xlsxwriter::Worksheet, r: u32| {
            for (c, h) in headers.iter().enumerate() {
                sheet.write_string(r, c as u16, *h).unwrap();
            }
        };
        write_header(sheet, r);
        for (i, row) in rows.iter().enumerate() {
            r += 1;
            if i == 2 {
                // A header repeated mid-sheet, then a blank row.
                write_header(sheet, r);
                r += 2;
            }
            let (reference, opened, category, sev, status, subject, comments, major, closed) = *row;
            sheet.write_string(r, 0, reference).unwrap();
            for (col, value) in [(1u16, opened), (8u16, closed)] {
                match value {
                    Opened::None => {}
                    Opened::Cell(y, m, d, h, min) => {
                        let dt = ExcelDateTime::from_ymd(y, m, d)
                            .unwrap()
                            .and_hms(h, min, 0)
                            .unwrap();
                        sheet
                            .write_datetime_with_format(r, col, &dt, &date_time)
                            .unwrap();
                    }
                    Opened::Day(y, m, d) => {
                        let dt = ExcelDateTime::from_ymd(y, m, d).unwrap();
                        sheet.write_datetime_with_format(r, col, &dt, &day).unwrap();
                    }
                    Opened::Serial(x) => {
                        sheet.write_number(r, col, x).unwrap();
                    }
                    Opened::Text(text) => {
                        sheet.write_string(r, col, text).unwrap();
                    }
                    Opened::NotAvailable => {
                        sheet
                            .write_formula(r, col, Formula::new("=NA()").set_result("#N/A"))
                            .unwrap();
                    }
                }
            }
            sheet.write_string(r, 2, category).unwrap();
            match sev {
                Sev::Int(x) => sheet.write_number(r, 3, x).unwrap(),
                Sev::Text(t) => sheet.write_string(r, 3, t).unwrap(),
            };
            sheet.write_string(r, 4, status).unwrap();
            sheet.write_string(r, 5, subject).unwrap();
            if !comments.is_empty() {
                sheet.write_string(r, 6, comments).unwrap();
            }
            if !major.is_empty() {
                sheet.write_string(r, 7, major).unwrap();
            }
            // A formula with a cached value: the value is what counts.
            sheet
                .write_formula(
                    r,
                    9,
                    Formula::new(format!("=I{0}-B{0}", r + 1)).set_result("12"),
                )
                .unwrap();
            sheet.write_string(r, 10, "SOC L2").unwrap();
        }
        r += 2;
        sheet.write_string(r, 0, "TOTAL").unwrap();
        sheet
            .write_formula(
                r,
                1,
                Formula::new(format!("=COUNTA(B5:B{r})")).set_result(rows.len().to_string()),
            )
            .unwrap();
    }
    let lists = workbook.add_worksheet();
    lists.set_name("Listes").unwrap();
    lists.write_string(0, 0, "Ouvert").unwrap();
    lists.write_string(1, 0, "Fermé").unwrap();
    workbook.save(path).unwrap();
}

fn messy_rows() -> Vec<(&'static str, Vec<Row<'static>>)> {
    vec![
        (
            "2014",
            vec![
                (
                    "A-1",
                    Opened::Cell(2014, 3, 2, 14, 5),
                    "Phishing",
                    Sev::Int(2.0),
                    "C",
                    "Fake bank page",
                    "line one\r\nline two\r\n\r\nhxxp://evil[.]example",
                    "Yes",
                    Opened::Cell(2014, 3, 4, 9, 0),
                ),
                (
                    "A-2",
                    Opened::Serial(41703.5),
                    "malware",
                    Sev::Text("High"),
                    "Fermé",
                    "Dropper on WKS-1",
                    "unix\nline endings",
                    "X",
                    Opened::NotAvailable,
                ),
                (
                    "A-3",
                    Opened::Text("31/12/2014"),
                    "Spam",
                    Sev::Int(1.0),
                    "open",
                    "Spam wave",
                    "",
                    "Non",
                    Opened::None,
                ),
                (
                    "A-4",
                    Opened::Text("31/12/2014 23:59"),
                    "Scam",
                    Sev::Text("4"),
                    "open",
                    "CEO fraud",
                    "",
                    "oui",
                    Opened::None,
                ),
                (
                    "A-5",
                    Opened::NotAvailable,
                    "Scam",
                    Sev::Int(1.0),
                    "open",
                    "No date at all",
                    "",
                    "",
                    Opened::None,
                ),
            ],
        ),
        (
            "2015",
            vec![
                (
                    "B-1",
                    Opened::Day(2015, 1, 9),
                    "Vuln",
                    Sev::Int(3.0),
                    "open",
                    "Exposed console",
                    "",
                    "no",
                    Opened::None,
                ),
                (
                    "B-2",
                    Opened::Text("2015-02-10 08:15"),
                    "Other",
                    Sev::Int(2.5),
                    "open",
                    "Odd severity",
                    "",
                    "maybe",
                    Opened::None,
                ),
                // An exact copy of B-1.
                (
                    "B-1",
                    Opened::Day(2015, 1, 9),
                    "Vuln",
                    Sev::Int(3.0),
                    "open",
                    "Exposed console",
                    "",
                    "no",
                    Opened::None,
                ),
            ],
        ),
    ]
}

fn by_id(root: &Path) -> HashMap<String, Incident> {
    incidents(root)
        .into_iter()
        .map(|i| (i.id.clone(), i))
        .collect()
}

#[test]
fn messy_xlsx_edge_cases() {
    let (site, mapping) = site_with_mapping(MAPPING);
    let register = site.path().join("register.xlsx");
    write_register(&register, &messy_rows());
    let report = site.path().join("report.csv");
    let output = import(
        site.path(),
        &[
            register.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let counts = summary(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(counts["imported"], 6, "{stderr}");
    assert_eq!(counts["duplicate"], 1);
    // A-5 (no date), 2 repeated headers, 4 blank rows, 2 totals.
    assert_eq!(counts["skipped"], 9);
    assert!(
        stderr.contains("note: register.xlsx: Listes: not imported"),
        "{stderr}"
    );

    let all = by_id(site.path());
    let a1 = &all["A-1"];
    assert_eq!(a1.date.to_string(), "2014-03-02T14:05:00");
    assert_eq!(a1.closed.unwrap().to_string(), "2014-03-04T09:00:00");
    assert_eq!(
        (a1.category.as_str(), a1.severity, a1.status.as_str()),
        ("phishing", 2, "closed")
    );
    assert!(a1.major);
    assert_eq!(
        a1.description,
        "line one\nline two\n\nhxxp://evil[.]example"
    );
    assert_eq!(a1.timeline.len(), 1);
    assert_eq!(a1.timeline[0].text, a1.description);
    assert_eq!(a1.timeline[0].action.as_deref(), Some("info"));
    assert_eq!(a1.timeline[0].date, a1.date);
    let legacy = a1.legacy.as_ref().unwrap();
    assert_eq!(
        (
            legacy.source.as_str(),
            legacy.sheet.as_deref(),
            legacy.row,
            legacy.reference.as_deref()
        ),
        ("register.xlsx", Some("2014"), Some(5), Some("A-1"))
    );
    // The unmapped column is kept; the ignored formula column is not.
    let attribute = |i: &Incident, name: &str| {
        i.attributes
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.value.clone())
    };
    assert_eq!(attribute(a1, "Owner team").as_deref(), Some("SOC L2"));
    assert_eq!(attribute(a1, "Days open"), None);

    let a2 = &all["A-2"];
    assert_eq!(
        a2.date.to_string(),
        "2014-03-05T12:00:00",
        "serial in a date column"
    );
    assert_eq!(
        (a2.severity, a2.status.as_str()),
        (3, "closed"),
        "mapped severity and status"
    );
    assert!(a2.major, "X is yes");
    assert_eq!(a2.closed, None, "#N/A closes nothing…");
    assert_eq!(
        attribute(a2, "Closed").as_deref(),
        Some("#N/A"),
        "…but is kept"
    );
    assert_eq!(a2.description, "unix\nline endings");

    let a3 = &all["A-3"];
    assert_eq!(a3.date.to_string(), "2014-12-31");
    assert!(a3.date.is_date_only());
    assert!(!a3.major);
    assert_eq!(all["A-4"].date.to_string(), "2014-12-31T23:59:00");
    assert_eq!(all["A-4"].severity, 4);
    assert!(all["A-4"].major);
    assert!(!all.contains_key("A-5"));

    let b1 = &all["B-1"];
    assert_eq!(b1.date.to_string(), "2015-01-09");
    assert_eq!(b1.category, "vulnerability");
    let b2 = &all["B-2"];
    assert_eq!(b2.date.to_string(), "2015-02-10T08:15:00");
    assert_eq!(attribute(b2, "Severity").as_deref(), Some("2.5"));
    assert_eq!(attribute(b2, "Major?").as_deref(), Some("maybe"));
    assert!(
        stderr.contains(
            "warning: register.xlsx, sheet \"2015\", row 6, column \"Severity\": cannot read \"2.5\" as a severity"
        ),
        "warnings name file, sheet, row and column:\n{stderr}"
    );

    // The report: one line per row not imported, with its raw values.
    let rows = report_rows(&report);
    let a5 = rows.iter().find(|r| r["values"].contains("A-5")).unwrap();
    assert_eq!(a5["outcome"], "skipped");
    assert_eq!(
        (
            a5["file"].as_str(),
            a5["sheet"].as_str(),
            a5["row"].as_str()
        ),
        ("register.xlsx", "2014", "11")
    );
    assert_eq!(
        a5["reason"],
        "column \"Opened\": error value #N/A in the cell"
    );
    let values: Value = serde_json::from_str(&a5["values"]).unwrap();
    assert_eq!(values["Subject"], "No date at all");
    assert_eq!(values["Opened"], "#N/A");
    let duplicate = rows.iter().find(|r| r["outcome"] == "duplicate").unwrap();
    assert_eq!(duplicate["row"], "9");
    assert!(duplicate["reason"].contains("row 5"), "{duplicate:?}");
    let mut reasons: Vec<&str> = rows.iter().map(|r| r["reason"].as_str()).collect();
    reasons.sort();
    reasons.dedup();
    assert!(reasons.contains(&"repeated header row"));
    assert!(reasons.contains(&"totals row"));
    assert!(reasons.contains(&"blank row"));
    assert_eq!(rows.len(), 10, "every row not imported, and only those");
}

#[test]
fn french_excel_csv_in_windows_1252() {
    let mapping = r#"
id = "CSV-{ref}"
[columns]
ref = "N°"
title = "Objet"
date = "Date d'ouverture"
category = "Catégorie"
status = "Statut"
severity = "Gravité"
major = "Majeur"
description = "Commentaires"
[values.status]
"Fermé" = "closed"
"En cours" = "open"
"#;
    let (site, mapping_path) = site_with_mapping(mapping);
    let text = "Registre des incidents 2014;;;;;;;\r\n\
        N°;Date d'ouverture;Catégorie;Gravité;Statut;Objet;Commentaires;Majeur;Coût (€)\r\n\
        1;31/12/2014 14:05;Hameçonnage;2;Fermé;Faux site « banque »;\"Signalé par l'accueil\r\nURL : hxxp://faux[.]fr\";Oui;1 200,50\r\n\
        2;02/01/2015;Virus;3,0;En cours;Poste infecté;;Non;\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(text);
    assert!(!unmappable);
    let register = site.path().join("registre.csv");
    std::fs::write(&register, &bytes).unwrap();
    let output = import(
        site.path(),
        &[
            register.to_str().unwrap(),
            "--mapping",
            mapping_path.to_str().unwrap(),
        ],
    );
    let counts = summary(&output);
    assert_eq!(
        counts["imported"],
        2,
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let all = by_id(site.path());
    let one = &all["CSV-1"];
    assert_eq!(one.title, "Faux site « banque »");
    assert_eq!(one.date.to_string(), "2014-12-31T14:05:00");
    assert_eq!(
        (one.category.as_str(), one.status.as_str(), one.severity),
        ("phishing", "closed", 2)
    );
    assert!(one.major);
    assert_eq!(
        one.description,
        "Signalé par l'accueil\nURL : hxxp://faux[.]fr"
    );
    assert_eq!(one.attributes[0].name, "Coût (€)");
    assert_eq!(one.attributes[0].value, "1 200,50");
    assert_eq!(one.legacy.as_ref().unwrap().row, Some(3));
    let two = &all["CSV-2"];
    assert_eq!(
        (two.category.as_str(), two.status.as_str(), two.severity),
        ("malware", "open", 3)
    );
    assert_eq!(two.date.to_string(), "2015-01-02");

    // Forcing a wrong encoding is the user's call: it is honoured.
    let (other, _) = site_with_mapping(mapping);
    let output = import(
        other.path(),
        &[
            register.to_str().unwrap(),
            "--mapping",
            mapping_path.to_str().unwrap(),
            "--encoding",
            "utf-8",
            "--delimiter",
            ";",
        ],
    );
    assert_eq!(summary(&output)["imported"], 2);
    assert!(by_id(other.path())["CSV-1"].title.contains('\u{fffd}'));
}

// ---------------------------------------------------------------------------------
// Re-imports

#[test]
fn importing_twice_changes_no_byte() {
    let site = sample_site();
    let args = [
        imports("legacy-register/register_en.xlsx")
            .to_str()
            .unwrap()
            .to_string(),
        "--mapping".into(),
        imports("legacy-register.toml")
            .to_str()
            .unwrap()
            .to_string(),
    ];
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    import(site.path(), &args);
    let first = files(site.path());
    let again = summary(&import(site.path(), &args));
    assert_eq!(files(site.path()), first, "no byte changed");
    assert_eq!(again["unchanged"], 1500);
    assert_eq!(again["imported"] + again["updated"], 0);
    assert_eq!(again["duplicate"], 2);
}

#[test]
fn newer_register_updates_changed_rows_and_keeps_analyst_edits() {
    let (site, mapping) = site_with_mapping(MAPPING);
    let register = site.path().join("register.xlsx");
    let mut sheets = messy_rows();
    write_register(&register, &sheets);
    let args = [
        register.to_str().unwrap(),
        "--mapping",
        mapping.to_str().unwrap(),
    ];
    import(site.path(), &args);
    let before = files(site.path());

    // An analyst works in fir: renames A-3 and adds a tag, reclassifies B-1.
    let path_of = |id: &str| {
        before
            .keys()
            .find(|p| p.file_stem().unwrap() == id)
            .unwrap()
            .clone()
    };
    let edit = |id: &str, change: &dyn Fn(&mut Incident)| {
        let path = site.path().join(path_of(id));
        let mut incident = fir::incident::parse(&std::fs::read_to_string(&path).unwrap())
            .unwrap()
            .incident;
        change(&mut incident);
        std::fs::write(&path, fir::incident::to_markdown(&incident)).unwrap();
    };
    edit("A-3", &|i| {
        i.title = "Spam wave against HR".into();
        i.tags.push("hr".into());
    });
    edit("B-1", &|i| i.category = "other".into());
    let edited = files(site.path());

    // The newer register: A-1 closed later, A-3 retitled and closed, B-1 recategorised,
    // and rows inserted above B-1 (its row number moves).
    sheets[0].1[0].8 = Opened::Cell(2014, 3, 5, 10, 0);
    sheets[0].1[2].4 = "C";
    sheets[0].1[2].5 = "Spam wave (closed)";
    sheets[1].1[0].2 = "Phishing";
    sheets[1].1.insert(
        0,
        (
            "B-0",
            Opened::Day(2015, 1, 2),
            "Spam",
            Sev::Int(1.0),
            "open",
            "New row",
            "",
            "",
            Opened::None,
        ),
    );
    write_register(&register, &sheets);
    let report = site.path().join("report.csv");
    let mut with_report = args.to_vec();
    with_report.extend(["--report", report.to_str().unwrap()]);
    let counts = summary(&import(site.path(), &with_report));
    assert_eq!(counts["imported"], 1, "B-0");
    assert_eq!(
        counts["updated"],
        2,
        "A-1 and A-3: {:?}",
        report_rows(&report)
    );
    let after = files(site.path());
    for (path, bytes) in &edited {
        let id = path.file_stem().unwrap().to_str().unwrap();
        if !["A-1", "A-3"].contains(&id) {
            assert_eq!(&after[path], bytes, "{id} untouched");
        }
    }
    let all = by_id(site.path());
    assert_eq!(
        all["A-1"].closed.unwrap().to_string(),
        "2014-03-05T10:00:00"
    );
    let a3 = &all["A-3"];
    assert_eq!(a3.status, "closed", "the register's change is taken");
    assert_eq!(
        a3.title, "Spam wave against HR",
        "the analyst's title stays"
    );
    assert_eq!(a3.tags, ["hr"], "fields the import does not own stay");
    assert_eq!(all["B-1"].category, "other", "the analyst's category stays");
    let rows = report_rows(&report);
    let b1 = rows.iter().find(|r| r["id"] == "B-1").unwrap();
    assert_eq!(b1["outcome"], "unchanged");
    assert!(
        b1["reason"].contains("kept fields edited in fir: category"),
        "{b1:?}"
    );
    let a3_row = rows.iter().find(|r| r["id"] == "A-3").unwrap();
    assert!(a3_row["reason"].contains("changed: status"), "{a3_row:?}");
    assert!(
        a3_row["reason"].contains("kept fields edited in fir: title"),
        "{a3_row:?}"
    );

    // Same newer register again: nothing moves.
    let settled = files(site.path());
    import(site.path(), &args);
    assert_eq!(files(site.path()), settled);

    // --overwrite gives the register the last word.
    let mut overwrite = args.to_vec();
    overwrite.push("--overwrite");
    import(site.path(), &overwrite);
    let all = by_id(site.path());
    assert_eq!(all["A-3"].title, "Spam wave (closed)");
    assert_eq!(
        all["A-3"].tags,
        ["hr"],
        "--overwrite only touches imported fields"
    );
    assert_eq!(all["B-1"].category, "phishing");
}

#[test]
fn dry_run_writes_nothing_but_reports() {
    let site = sample_site();
    let report = site.path().join("report.csv");
    let output = import(
        site.path(),
        &[
            imports("legacy-register/register_en_2014.csv")
                .to_str()
                .unwrap(),
            "--mapping",
            imports("legacy-register.toml").to_str().unwrap(),
            "--dry-run",
            "--report",
            report.to_str().unwrap(),
        ],
    );
    let counts = summary(&output);
    assert_eq!(counts["imported"], 300, "what would happen");
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("dry run, nothing written"));
    assert!(files(site.path()).is_empty());
    assert!(!site.path().join("content").exists());
    assert_eq!(report_rows(&report).len(), 1, "the duplicate");
}

#[test]
fn without_mapping_prints_a_guess_and_imports_nothing() {
    let site = sample_site();
    let output = import(
        site.path(),
        &[imports("legacy-register/register_en.xlsx")
            .to_str()
            .unwrap()],
    );
    let guessed = String::from_utf8(output.stdout).unwrap();
    assert!(files(site.path()).is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("nothing imported"));
    let mapping = fir::import::Mapping::from_toml(&guessed, "guess").unwrap();
    assert_eq!(mapping.sheets, ["2012", "2013", "2014", "2015", "2016"]);
    for (field, header) in [
        ("ref", "Ref"),
        ("date", "Opened"),
        ("title", "Subject"),
        ("description", "Comments"),
        ("major", "Major?"),
        ("business_lines", "Business line"),
    ] {
        assert!(
            guessed.contains(&format!("\n{field} = \"{header}\"\n")),
            "{field}: {guessed}"
        );
    }
    // The guess is usable as is: saved and given back, it imports every row.
    let path = site.path().join("guessed.toml");
    std::fs::write(&path, &guessed).unwrap();
    let counts = summary(&import(
        site.path(),
        &[
            imports("legacy-register/register_en.xlsx")
                .to_str()
                .unwrap(),
            "--mapping",
            path.to_str().unwrap(),
        ],
    ));
    assert_eq!(counts["imported"], 1500);
    // Every status reads as the truth has it, the one-letter ones (`C`, `O`, `B`) by
    // the one status each starts; `?` categories are "other", as the truth has them.
    assert!(
        guessed.contains("\n\"C\" = \"closed\"  # 341 rows\n"),
        "{guessed}"
    );
    assert!(
        guessed.contains("\n\"?\" = \"other\"  # 29 rows\n"),
        "{guessed}"
    );
    let truth: HashMap<String, (String, String)> =
        std::fs::read_to_string(common::fixture("import/truth.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .map(|t| {
                let text = |key: &str| t[key].as_str().unwrap().to_string();
                let category = expected_category(&text("category")).to_string();
                (text("ref"), (text("status"), category))
            })
            .collect();
    let wrong: Vec<(String, (String, String))> = incidents(site.path())
        .into_iter()
        .map(|i| (i.legacy.unwrap().reference.unwrap(), (i.status, i.category)))
        .filter(|(reference, read)| truth.get(reference) != Some(read))
        .collect();
    assert_eq!(wrong, [], "statuses and categories the guess reads wrong");
}

#[test]
fn errors_name_the_file_and_the_place() {
    let (site, mapping) = site_with_mapping("[columns]\ntitle = \"Subject\"\ndate = 12\n");
    let output = common::run(
        site.path(),
        &["import", "x.xlsx", "--mapping", mapping.to_str().unwrap()],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mapping.toml:3:"), "{stderr}");

    let (site, mapping) = site_with_mapping(MAPPING);
    let missing = site.path().join("missing.xlsx");
    let output = common::run(
        site.path(),
        &[
            "import",
            missing.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
        ],
    );
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("missing.xlsx"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let register = site.path().join("register.xlsx");
    write_register(&register, &messy_rows());
    let output = common::run(
        site.path(),
        &[
            "import",
            register.to_str().unwrap(),
            "--mapping",
            mapping.to_str().unwrap(),
            "--sheet",
            "2099",
        ],
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("register.xlsx: no sheet named \"2099\" (sheets: 2014, 2015, Listes)"),
        "{stderr}"
    );
}
