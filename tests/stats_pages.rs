//! The statistics pages of a built fixture site: every chart's option, its HTML table and
//! its CSV file carry the same numbers; reports have the hand-checked figures; audience
//! builds count only what the audience may read; nothing is loaded from outside.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::read;

const FIXTURE: &str = "tests/fixtures/sites/basic";

fn build(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    common::build_to_temp(Path::new(FIXTURE), extra)
}

fn unescape(html: &str) -> String {
    html.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&#x2F;", "/")
        .replace("&amp;", "&")
}

/// The text between `start` and the next `end` after it, for each occurrence.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    text.split(start)
        .skip(1)
        .map(|rest| rest.split(end).next().unwrap())
        .collect()
}

/// One figure of a page: chart option (if drawn), table, CSV link.
#[derive(Debug)]
struct Figure {
    id: String,
    option: Option<serde_json::Value>,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
    csv: String,
}

fn figures(html: &str) -> Vec<Figure> {
    html.split("<figure class=\"figure\" id=\"figure-")
        .skip(1)
        .map(|part| {
            let part = part.split("</figure>").next().unwrap();
            let id = part.split('"').next().unwrap().to_string();
            let option = between(part, "data-chart=\"", "\"")
                .first()
                .map(|json| serde_json::from_str(&unescape(json)).unwrap());
            let header = between(part, "<thead>", "</thead>")[0];
            let header: Vec<String> = between(header, "<th scope=\"col\">", "</th>")
                .into_iter()
                .map(unescape)
                .collect();
            let body = between(part, "<tbody>", "</tbody>")[0];
            let rows = between(body, "<tr>", "</tr>")
                .into_iter()
                .map(|row| {
                    between(row, "<t", "</t")
                        .into_iter()
                        .map(|cell| unescape(cell.split_once('>').unwrap().1))
                        .collect()
                })
                .collect();
            let csv = between(part, "<a href=\"", "\" download")[0].to_string();
            Figure {
                id,
                option,
                header,
                rows,
                csv,
            }
        })
        .collect()
}

fn number(text: &str) -> f64 {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number"))
}

/// Checks that the chart (when drawn), the table and the CSV file of every figure of
/// `page` agree, and returns the figures by id.
fn check_page(site: &Path, page: &str) -> BTreeMap<String, Figure> {
    let html = read(site, page);
    let figures = figures(&html);
    assert!(!figures.is_empty(), "{page} has no figure");
    for figure in &figures {
        let what = format!("{page} #{}", figure.id);
        // The CSV file says what the table says.
        let csv = std::fs::read(site.join(&figure.csv)).unwrap_or_else(|e| panic!("{what}: {e}"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(csv.as_slice());
        let csv_rows: Vec<Vec<String>> = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_string).collect())
            .collect();
        assert_eq!(csv_rows[0], figure.header, "{what}: CSV header");
        assert_eq!(csv_rows[1..], figure.rows[..], "{what}: CSV rows");
        let Some(option) = &figure.option else {
            continue;
        };
        // The chart draws the table's labels and numbers.
        let horizontal = option["yAxis"]["type"] == "category";
        let axis = if horizontal {
            &option["yAxis"]
        } else {
            &option["xAxis"]
        };
        let mut labels: Vec<String> = axis["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        if horizontal {
            labels.reverse();
        }
        let table_labels: Vec<String> = figure.rows.iter().map(|r| r[0].clone()).collect();
        assert_eq!(labels, table_labels, "{what}: labels");
        let series = option["series"].as_array().unwrap();
        assert!(!series.is_empty(), "{what}");
        for (s, serie) in series.iter().enumerate() {
            assert_eq!(serie["name"], figure.header[s + 1], "{what}: series name");
            let mut values: Vec<f64> = serie["data"]
                .as_array()
                .unwrap()
                .iter()
                // A bar in its own colour is an object with its value.
                .map(|v| v.as_f64().or_else(|| v["value"].as_f64()).unwrap())
                .collect();
            if horizontal {
                values.reverse();
            }
            let column: Vec<f64> = figure.rows.iter().map(|r| number(&r[s + 1])).collect();
            assert_eq!(values, column, "{what}: series {s}");
        }
    }
    figures.into_iter().map(|f| (f.id.clone(), f)).collect()
}

fn stats_pages(site: &Path) -> Vec<String> {
    let mut pages: Vec<String> = walkdir::WalkDir::new(site.join("stats"))
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| {
            e.path()
                .strip_prefix(site)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    pages.sort();
    pages
}

#[test]
fn charts_tables_and_csv_files_carry_the_same_numbers() {
    let (_dir, site) = build(&[]);
    let pages = stats_pages(&site);
    // Overview, time to close; years 2023-2024 and one comparison; the quarters, months
    // and weeks in which an incident was opened: 2023-Q4 to 2024-Q2; 2023-11 and 2024-02
    // to 2024-05; weeks 2023-W47, 2024-W05, W11, W14, W19 and W22.
    for expected in [
        "stats/index.html",
        "stats/time-to-close/index.html",
        "stats/year/2023/index.html",
        "stats/year/2024/index.html",
        "stats/compare/2024/index.html",
        "stats/quarter/2023-q4/index.html",
        "stats/quarter/2024-q2/index.html",
        "stats/month/2023-11/index.html",
        "stats/month/2024-05/index.html",
        "stats/week/2023-w47/index.html",
        "stats/week/2024-w22/index.html",
    ] {
        assert!(pages.iter().any(|p| p == expected), "{expected} missing");
    }
    assert!(!pages.iter().any(|p| p == "stats/compare/2023/index.html"));
    // Empty periods get no report; the links between reports step over them.
    for empty in [
        "stats/month/2023-12/index.html",
        "stats/week/2024-w06/index.html",
    ] {
        assert!(
            !pages.iter().any(|p| p == empty),
            "{empty} should not exist"
        );
    }
    assert_eq!(pages.len(), 2 + 2 + 1 + 3 + 5 + 6);
    let november = std::fs::read_to_string(site.join("stats/month/2023-11/index.html")).unwrap();
    assert!(
        november.contains(r#"<a rel="next" href="stats/month/2024-02/index.html">"#),
        "the next report after 2023-11 is 2024-02"
    );
    let mut checked = 0;
    for page in pages.iter().map(String::as_str).chain(["index.html"]) {
        checked += check_page(&site, page).len();
    }
    assert!(checked > 50, "{checked} figures");
}

#[test]
fn reports_show_the_hand_checked_numbers() {
    let (_dir, site) = build(&[]);
    // Dashboard: the 12 months up to May 2024, incidents and major ones.
    let home = check_page(&site, "index.html");
    let trend = &home["trend"];
    assert_eq!(trend.rows.len(), 12);
    assert_eq!(trend.rows[0][0], "2023-06");
    let may = trend.rows.iter().find(|r| r[0] == "2024-05").unwrap();
    assert_eq!(may[1..], ["2", "0"]);
    let open = &home["open-by-severity"];
    let total_open: f64 = open.rows.iter().map(|r| number(&r[1])).sum();
    assert_eq!(total_open, 3.0);
    // Each severity's bar is in that severity's colour (fir.toml's defaults).
    let bars = open.option.as_ref().unwrap()["series"][0]["data"].clone();
    for (row, bar) in open.rows.iter().zip(bars.as_array().unwrap()) {
        let color = match row[0].as_str() {
            "Low" => "#2e7d32",
            "Medium" => "#f9a825",
            "High" => "#ef6c00",
            "Critical" => "#c62828",
            other => panic!("severity {other}"),
        };
        assert_eq!(bar["itemStyle"]["color"], color, "{}", row[0]);
    }
    // Quarter 2024-Q1 against 2023-Q4, per category with change and trend.
    let quarter = check_page(&site, "stats/quarter/2024-q1/index.html");
    let categories = &quarter["by-category"];
    assert_eq!(
        categories.header,
        ["Category", "2023-Q4", "2024-Q1", "Change", "Trend"]
    );
    assert_eq!(categories.rows[0], ["Phishing", "1", "0", "-100%", "↓"]);
    assert_eq!(categories.rows[1], ["Malware", "0", "1", "new", "↑"]);
    let months = &quarter["trend"];
    assert_eq!(months.rows[1], ["February / November", "1", "1", "0%", "→"]);
    let html = read(&site, "stats/quarter/2024-q1/index.html");
    // Major incidents and still-open lists name the incidents.
    assert!(html.contains("incidents/FIR-2024-0001.html"));
    assert!(html.contains("incidents/FIR-2024-0002.html"));
    // Time to close: phishing 56.75 h, malware 154 h (closed on a whole day).
    let close = check_page(&site, "stats/time-to-close/index.html");
    let phishing = &close["by-category"].rows[0];
    assert_eq!(phishing[..4], ["Phishing", "56.8", "56.8", "1"]);
    // Year 2024 crossings: Retail Banking has one High and one Critical incident.
    let year = check_page(&site, "stats/year/2024/index.html");
    let crossing = &year["business-line-by-severity"];
    assert_eq!(crossing.header[1..], ["Low", "Medium", "High", "Critical"]);
    let retail = crossing
        .rows
        .iter()
        .find(|r| r[0] == "Retail Banking")
        .unwrap();
    assert_eq!(retail[1..], ["0", "0", "1", "1"]);
    // Compare 2024 with 2023 by business line.
    let compare = check_page(&site, "stats/compare/2024/index.html");
    let retail = compare["by-business-line"]
        .rows
        .iter()
        .find(|r| r[0] == "Retail Banking")
        .unwrap()
        .clone();
    assert_eq!(retail[1..], ["1", "2", "+100%", "↑"]);
    // Accessible tables: caption and header scopes.
    assert!(html.contains("<caption>"));
    assert!(html.contains("<th scope=\"row\">Phishing</th>"));
    // Reports print: a print button, and the print rules in the stylesheet.
    assert!(html.contains("data-print"));
    // "Printed from …" is for paper only, as on incident pages.
    assert!(html.contains("<p class=\"print-only print-footer\">Printed from "));
    let css = read(&site, "static/fir.css");
    assert!(css.contains("break-inside: avoid") && css.contains("size: A4"));
}

#[test]
fn audience_builds_count_only_what_the_audience_reads() {
    let (_dir, site) = build(&["--audience", "public"]);
    // Public reads FIR-2023-0001 (phishing), FIR-2024-0003 and FIR-2024-0004 (an event).
    let year = check_page(&site, "stats/year/2024/index.html");
    let total: f64 = year["trend"].rows.iter().map(|r| number(&r[1])).sum();
    assert_eq!(total, 2.0);
    let html = read(&site, "stats/year/2024/index.html");
    assert!(html.contains("<span class=\"num\">2</span> <span class=\"what\">Incidents</span>"));
    assert!(!html.contains("Insider") && !html.contains("Malware"));
    // The same numbers as `fir stats` for the same audience.
    let out = common::run(
        Path::new(FIXTURE),
        &[
            "stats",
            "--audience",
            "public",
            "--by",
            "category",
            "--from",
            "2024-01-01",
            "--to",
            "2024-12-31",
            "--format",
            "csv",
        ],
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let by_category = &year["by-category"];
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let cli: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    // The terminal adds a total row.
    assert_eq!(cli[..cli.len() - 1], by_category.rows[..]);
    // No page of any audience shows a figure of an incident it may not read.
    let home = check_page(&site, "index.html");
    let open: f64 = home["open-by-severity"]
        .rows
        .iter()
        .map(|r| number(&r[1]))
        .sum();
    assert_eq!(open, 1.0, "only FIR-2024-0003 is open and public");
}

#[test]
fn charts_are_drawn_by_the_shipped_echarts_and_nothing_is_fetched() {
    let (_dir, site) = build(&[]);
    for file in ["echarts.min.js", "LICENSE", "NOTICE"] {
        assert!(
            site.join("static/vendor/echarts").join(file).is_file(),
            "{file}"
        );
    }
    let echarts = read(&site, "static/vendor/echarts/echarts.min.js");
    assert!(echarts.contains("Apache Software Foundation"));
    let script = read(&site, "static/fir-charts.js");
    assert!(script.contains("data-chart") && !script.contains("http"));
    for page in stats_pages(&site)
        .iter()
        .map(String::as_str)
        .chain(["index.html"])
    {
        let html = read(&site, page);
        assert!(html.contains("<script src=\"static/vendor/echarts/echarts.min.js\"></script>"));
        for url in between(&html, "=\"", "\"") {
            assert!(
                !url.starts_with("http") && !url.starts_with("//"),
                "{page} refers to {url}"
            );
        }
    }
}
