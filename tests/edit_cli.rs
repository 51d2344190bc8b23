//! End-to-end runs of the commands that change an incident file in place: `fir comment`,
//! `fir todo` and `fir done`, on a copy of the basic fixture site. They check what the
//! API checks, and change only the lines they must.

mod common;

use std::path::Path;

const FILE: &str = "content/incidents/2024/FIR-2024-0002.md";

fn read(root: &Path) -> String {
    std::fs::read_to_string(root.join(FILE)).unwrap()
}

/// Runs fir, which must fail, and gives its standard error.
fn refused(root: &Path, args: &[&str]) -> String {
    let out = common::run(root, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Runs fir as `ana` with `input` piped to it.
fn piped(root: &Path, args: &[&str], input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = common::fir()
        .env("FIR_AUTHOR", "ana")
        .arg("--root")
        .arg(root)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

/// `fir check` finds nothing wrong with the edited file (the fixture's other files
/// have warnings of their own).
fn assert_checks_clean(root: &Path) {
    let out = common::run_ok(root, &["check"]);
    let report = String::from_utf8_lossy(&out.stderr);
    assert!(!report.contains("FIR-2024-0002"), "{report}");
}

#[test]
fn comments_close_and_reopen_keeping_the_files_other_lines() {
    let site = common::copy_fixture("sites/basic");
    let root = site.path();
    let commented = read(root).replace("tlp: RED\n", "tlp: RED # board's request\n");
    std::fs::write(root.join(FILE), &commented).unwrap();

    let out = common::fir()
        .env("FIR_AUTHOR", "ana")
        .arg("--root")
        .arg(root)
        .args([
            "comment",
            "FIR-2024-0002",
            "-m",
            "Board informed; case handed to legal.",
        ])
        .args(["--action", "Close", "--status", "closed", "--severity", "3"])
        .args(["--actor", "soc", "--plan", "Crisis"])
        .args(["--date", "2024-03-20T17:00:00+01:00"])
        .output()
        .unwrap();
    assert!(common::ok(&out).trim_end().ends_with("FIR-2024-0002.md"));
    let closed = read(root);
    assert_eq!(
        closed,
        commented
            .replace("severity: 4\nstatus: open\n", "severity: 3\nstatus: closed\n")
            .replace(
                "relations: [",
                "actor: soc\nplan: crisis\nclosed: 2024-03-20T17:00:00+01:00\ntimeline:\n  - date: 2024-03-20T17:00:00+01:00\n    action: close\n    author: ana\n    text: Board informed; case handed to legal.\nrelations: ["
            )
    );

    // Reopened: the close date's line goes, the entry is added, the comment stays.
    // Its text is piped in.
    let out = piped(
        root,
        &["comment", "FIR-2024-0002", "--status", "Open"],
        "Legal asks for more.\n\n- the logs\n",
    );
    common::ok(&out);
    let reopened = read(root);
    assert!(!reopened.contains("\nclosed:"), "{reopened}");
    assert!(reopened.contains("tlp: RED # board's request\n"));
    assert!(
        reopened.contains("    action: info\n    author: ana\n    text: |-\n      Legal asks for more.\n\n      - the logs\n"),
        "{reopened}"
    );
    assert_checks_clean(root);
}

#[test]
fn bad_values_are_refused_naming_the_option_and_the_choices() {
    let site = common::copy_fixture("sites/basic");
    let root = site.path();
    let before = read(root);
    let errors = refused(
        root,
        &[
            "comment",
            "FIR-2024-0002",
            "-m",
            "x",
            "--action",
            "dance",
            "--status",
            "finished",
            "--tlp",
            "PURPLE",
        ],
    );
    assert!(
        errors.contains("--action: Choose one of the listed values. (open, "),
        "{errors}"
    );
    assert!(
        errors.contains("--status: Choose one of the listed values. (open, blocked, closed)"),
        "{errors}"
    );
    assert!(errors.contains("--tlp: "), "{errors}");
    let errors = refused(root, &["comment", "FIR-2024-0002", "-m", " "]);
    assert!(
        errors.contains("--text: This field is required."),
        "{errors}"
    );
    let errors = refused(root, &["comment", "FIR-1999-0001", "-m", "x"]);
    assert!(errors.contains("no incident \"FIR-1999-0001\""), "{errors}");
    // A file that does not read as an incident is named, and left as it is.
    let broken = "---\nid: FIR-2024-0002\ntitle: [unclosed\n---\n";
    std::fs::write(root.join(FILE), broken).unwrap();
    let errors = refused(root, &["comment", "FIR-2024-0002", "-m", "x"]);
    assert!(
        errors.contains("FIR-2024-0002.md:3: the incident file cannot be edited: field `title`: "),
        "{errors}"
    );
    assert_eq!(read(root), broken);
    std::fs::write(root.join(FILE), &before).unwrap();
    let errors = refused(root, &["comment", "../fir", "-m", "x"]);
    assert!(errors.contains("no incident \"../fir\""), "{errors}");
    let errors = refused(
        root,
        &["todo", "FIR-2024-0002", "--task", "x", "--deadline", "soon"],
    );
    assert!(errors.contains("--deadline: "), "{errors}");
    let errors = refused(
        root,
        &[
            "todo",
            "FIR-2024-0002",
            "--task",
            "x",
            "--business-line",
            "Nowhere",
        ],
    );
    assert!(
        errors.contains("--business-line: ") && errors.contains("Retail Banking"),
        "{errors}"
    );
    assert_eq!(read(root), before);
}

#[test]
fn tasks_are_added_then_done_by_their_number() {
    let site = common::copy_fixture("sites/basic");
    let root = site.path();
    let out = common::run_ok(
        root,
        &[
            "todo",
            "FIR-2024-0002",
            "--task",
            "Brief the board",
            "--deadline",
            "2024-04-01",
            "--business-line",
            "Group Security",
        ],
    );
    assert!(common::ok(&out).ends_with("FIR-2024-0002.md: task 1 added\n"));
    assert!(read(root).contains(
        "todos:\n  - task: Brief the board\n    business_line: Group Security\n    deadline: 2024-04-01\nrelations: ["
    ), "{}", read(root));
    let listed = common::ok(&common::run_ok(root, &["tasks", "--format", "json"]));
    let tasks: serde_json::Value = serde_json::from_str(&listed).unwrap();
    let task = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["incident"] == "FIR-2024-0002")
        .unwrap();
    assert_eq!(task["number"], 1);

    let out = common::run_ok(root, &["done", "FIR-2024-0002", "1"]);
    assert!(common::ok(&out).ends_with("task 1 done: Brief the board\n"));
    assert!(read(root).contains("    deadline: 2024-04-01\n    done: true\n    done_at: "));
    let listed = common::ok(&common::run_ok(root, &["tasks", "--format", "json"]));
    assert!(!listed.contains("Brief the board"), "{listed}");
    // Done again: nothing changes. A task that is not there: an error saying so.
    let done = read(root);
    common::run_ok(root, &["done", "FIR-2024-0002", "1"]);
    assert_eq!(read(root), done);
    let errors = refused(root, &["done", "FIR-2024-0002", "2"]);
    assert!(
        errors.contains("no task 2 in FIR-2024-0002: it has 1"),
        "{errors}"
    );
    refused(root, &["done", "FIR-2024-0002", "0"]);
    assert_checks_clean(root);
}

#[test]
fn nuggets_take_their_raw_data_from_a_pipe_byte_for_byte() {
    let site = common::copy_fixture("sites/basic");
    let root = site.path();
    let raw = "2024-03-15 08:59:01\tGET http://intra.example/board.pdf\t200\n2024-03-15 09:00:12\tPOST /upload\n";
    let out = piped(
        root,
        &[
            "nugget",
            "FIR-2024-0002",
            "--source",
            "proxy logs",
            "--start",
            "2024-03-15T08:59:01+01:00",
        ],
        raw,
    );
    assert!(common::ok(&out).ends_with("FIR-2024-0002.md: nugget 1 added\n"));
    let text = read(root);
    let parsed = fir::incident::parse(&text).unwrap().incident;
    let nugget = &parsed.nuggets[0];
    assert_eq!(nugget.raw, raw);
    assert_eq!(nugget.source.as_deref(), Some("proxy logs"));
    assert_eq!(nugget.found_by.as_deref(), Some("ana"));
    assert!(nugget.date.is_some() && nugget.start.is_some());
    // The rest of the file is as it was: the nugget list goes before `relations`.
    let before = std::fs::read_to_string(common::fixture("sites/basic").join(FILE)).unwrap();
    let (head, tail) = before.split_once("relations: [").unwrap();
    assert!(text.starts_with(&format!("{head}nuggets:\n")), "{text}");
    assert!(text.ends_with(&format!("relations: [{tail}")), "{text}");

    let errors = refused(
        root,
        &[
            "nugget",
            "FIR-2024-0002",
            "--raw",
            "x",
            "--start",
            "2024-03-15",
            "--end",
            "2024-03-14",
        ],
    );
    assert!(errors.contains("--end: "), "{errors}");
    assert_checks_clean(root);
}
