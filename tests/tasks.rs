//! End-to-end runs of `fir tasks` on the basic fixture site, whose open tasks are due
//! 2024-06-01 (FIR-2024-0001, AMBER), 2099-12-31 (the same) and never (FIR-2024-0003,
//! CLEAR); a third task of FIR-2024-0001 is done.

mod common;

use std::path::Path;

fn tasks(args: &[&str]) -> String {
    let mut all = vec!["tasks"];
    all.extend(args);
    common::ok(&common::run(&common::fixture("sites/basic"), &all))
}

fn column(text: &str, header: &str) -> Vec<String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let at = reader
        .headers()
        .unwrap()
        .iter()
        .position(|h| h == header)
        .unwrap();
    reader
        .records()
        .map(|r| r.unwrap()[at].to_string())
        .collect()
}

#[test]
fn open_tasks_soonest_deadline_first_done_ones_left_out() {
    let text = tasks(&["--format", "csv"]);
    assert_eq!(
        column(&text, "task"),
        [
            "Restore the branch file share from the offline backup",
            "Replace the branch's end-of-life workstations",
            "<script>alert(\"todo\")</script>",
        ]
    );
    assert_eq!(column(&text, "deadline"), ["2024-06-01", "2099-12-31", ""]);
    assert_eq!(column(&text, "overdue"), ["overdue", "", ""]);
    assert_eq!(column(&text, "incident")[0], "FIR-2024-0001");
    // The number `fir done` and the API take: the file's third task is done.
    assert_eq!(column(&text, "number"), ["1", "2", "1"]);
    let table = tasks(&[]);
    assert!(table.ends_with("\n3 tasks\n"), "{table}");
}

#[test]
fn filters_overdue_business_line_and_audience() {
    let overdue = tasks(&["--overdue", "--format", "csv"]);
    assert_eq!(
        column(&overdue, "task"),
        ["Restore the branch file share from the offline backup"]
    );
    // A business line takes in the lines below it.
    let retail = tasks(&["--business-line", "Retail Banking", "--format", "csv"]);
    assert_eq!(
        column(&retail, "business line"),
        ["Retail Banking > Czech Republic"]
    );
    assert_eq!(tasks(&["--business-line", "Nowhere"]), "no task to do\n");
    // The public audience reads GREEN at most: FIR-2024-0001's tasks are not its to see.
    let public: serde_json::Value =
        serde_json::from_str(&tasks(&["--audience", "public", "--format", "json"])).unwrap();
    let public = public.as_array().unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0]["incident"], "FIR-2024-0003");
    assert_eq!(public[0]["deadline"], serde_json::Value::Null);
    assert_eq!(public[0]["overdue"], false);
    assert_eq!(public[0]["number"], 1);
    // Each task's number is its place in its file, done tasks counted: what the API's
    // `todos/{n}/done` takes.
    let all: serde_json::Value = serde_json::from_str(&tasks(&["--format", "json"])).unwrap();
    let numbers: Vec<(&str, u64)> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["incident"].as_str().unwrap(),
                t["number"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        numbers,
        [
            ("FIR-2024-0001", 1),
            ("FIR-2024-0001", 2),
            ("FIR-2024-0003", 1)
        ]
    );
}

#[test]
fn an_unknown_audience_is_an_error() {
    let out = common::run(
        Path::new("tests/fixtures/sites/basic"),
        &["tasks", "--audience", "x"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown audience \"x\""));
}
