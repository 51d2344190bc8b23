//! End-to-end tests of `fir init`, `fir new` and `fir check`.

mod common;

use common::{assert_snapshot, copy_fixture, fir, fixture, run};
use fir::incident::{parse, to_markdown};

/// stderr with the fixture's location and the timing taken out, so it can be compared.
fn normalized_stderr(output: &std::process::Output, root: &std::path::Path) -> String {
    let text = String::from_utf8_lossy(&output.stderr);
    let prefix = format!("{}/", root.display());
    text.lines()
        .map(|line| {
            let line = line.replace(&prefix, "");
            match (line.find(" in "), line.find("s: ")) {
                (Some(start), Some(end)) if line.starts_with("checked ") => {
                    format!("{}{}", &line[..start], &line[end + 1..])
                }
                _ => line,
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_error_class_is_reported_with_file_line_and_field() {
    let root = fixture("check/broken");
    let output = run(&root, &["check"]);
    assert_eq!(output.status.code(), Some(1));
    assert_snapshot("check/broken.expected", &normalized_stderr(&output, &root));
}

#[test]
fn clean_files_in_every_accepted_form_pass_strict_check() {
    let root = fixture("check/good");
    let output = run(&root, &["check", "--strict"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn warnings_fail_only_under_strict() {
    let site = copy_fixture("check/broken");
    let incidents = site.path().join("content/incidents");
    for entry in walkdir::WalkDir::new(&incidents) {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy();
        if entry.file_type().is_file() && !name.starts_with('W') {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
    assert_eq!(run(site.path(), &["check"]).status.code(), Some(0));
    assert_eq!(
        run(site.path(), &["check", "--strict"]).status.code(),
        Some(1)
    );
}

#[test]
fn fix_writes_values_spelt_another_way_as_their_slugs() {
    let site = copy_fixture("check/good");
    let dir = site.path().join("content/incidents/2024");
    std::fs::create_dir_all(&dir).unwrap();
    let spelt = dir.join("F01-spelt.md");
    let text = "---\r\nid: F01-spelt\r\ntitle: Labels typed by hand\r\ndate: 2024-03-01T10:00:00Z\r\ncategory: Phishing  # from the HR report\r\nseverity: 2\r\nstatus: CLOSED\r\ndetection: \"SIEM correlation\"\r\nactor: it operations\r\nbusiness_lines:\r\n  - retail banking > FRANCE\r\n  - Corporate IT\r\nclosed: 2024-03-02\r\ntimeline:\r\n  - date: 2024-03-01T11:00:00Z\r\n    action: Investigation\r\n    text: Looked.\r\ntodos:\r\n  - task: Call them\r\n    business_line: corporate it\r\n---\r\nBody # not a comment.\r\n";
    std::fs::write(&spelt, text).unwrap();
    let unknown = dir.join("F02-unknown.md");
    let unknown_text = "---\nid: F02-unknown\ntitle: A category nobody declared\ndate: 2024-03-01T10:00:00Z\ncategory: cryptojacking\nseverity: 2\nstatus: open\n---\n";
    std::fs::write(&unknown, unknown_text).unwrap();

    let output = run(site.path(), &["check", "--fix"]);
    let said = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{said}");
    assert!(
        said.contains(
            "F01-spelt.md: category, status, detection, actor, timeline actions, business lines, task business lines"
        ),
        "{said}"
    );
    // Only those lines change; their comment, the line endings and the rest stay.
    let expected = text
        .replace("category: Phishing  # from", "category: phishing # from")
        .replace("status: CLOSED", "status: closed")
        .replace("detection: \"SIEM correlation\"", "detection: siem")
        .replace("actor: it operations", "actor: it-ops")
        .replace("action: Investigation", "action: investigation")
        .replace("- retail banking > FRANCE", "- Retail Banking > France")
        .replace("business_line: corporate it", "business_line: Corporate IT");
    assert_eq!(std::fs::read_to_string(&spelt).unwrap(), expected);
    assert_eq!(std::fs::read_to_string(&unknown).unwrap(), unknown_text);
    // What is left is said: the category no term has.
    let left: Vec<&str> = said.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(left.len(), 1, "{said}");
    assert!(
        left[0].contains("unknown category \"cryptojacking\""),
        "{said}"
    );

    // Nothing left to fix: nothing written.
    let again = run(site.path(), &["check", "--fix"]);
    assert!(!String::from_utf8_lossy(&again.stderr).contains("fixed"));
    assert_eq!(std::fs::read_to_string(&spelt).unwrap(), expected);
}

#[test]
fn odd_but_valid_files_survive_a_rewrite() {
    for entry in walkdir::WalkDir::new(fixture("check/good/content")) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let text = std::fs::read_to_string(entry.path()).unwrap();
        let first = parse(&text).unwrap().incident;
        let written = to_markdown(&first);
        let second = parse(&written).unwrap().incident;
        assert_eq!(first, second, "{}", entry.path().display());
        assert_eq!(to_markdown(&second), written, "writing is stable");
    }
    let windows =
        std::fs::read_to_string(fixture("check/good/content/incidents/2024/G01-crlf-bom.md"))
            .unwrap();
    let incident = parse(&windows).unwrap().incident;
    assert_eq!(
        incident.title,
        "Windows file: --- with a fence-like title ---"
    );
    assert_eq!(incident.timeline[0].text, "line one\n---\nline three\n");
    assert_eq!(incident.description, "Body line 1\nBody line 2");
    assert_eq!(incident.date.to_string(), "2024-03-01T10:00:00");
}

#[test]
fn init_new_check_round() {
    let dir = tempfile::tempdir().unwrap();
    let site = dir.path().join("s");
    let init = fir().arg("init").arg(&site).output().unwrap();
    common::ok(&init);
    assert!(site.join("fir.toml").is_file());

    common::run_ok(&site, &["new", "--title", "Test"]);
    // Counts agree with their nouns.
    let check = common::run_ok(&site, &["check"]);
    let check = String::from_utf8_lossy(&check.stderr);
    assert!(check.contains("checked 1 incident file in "), "{check}");
    assert!(check.ends_with(": 0 errors, 0 warnings\n"), "{check}");
    let built = common::ok(&common::run(&site, &["build"]));
    assert!(built.starts_with("built 1 incident into "), "{built}");
    assert!(built.contains(" files, "), "{built}");
    let second = common::run_ok(
        &site,
        &[
            "new",
            "--title",
            "Fake bank page",
            "--category",
            "Phishing",
            "--severity",
            "3",
            "--date",
            "2024-02-03T04:05:06+01:00",
            "-m",
            "Seen at hxxp://evil[.]example",
            "--plan",
            "Phishing takedown",
            "--tag",
            "vip",
            "--tag",
            "bank",
        ],
    );
    let path = String::from_utf8(second.stdout).unwrap();
    let path = std::path::Path::new(path.trim());
    assert!(
        path.ends_with("content/incidents/2024/FIR-2024-0001.md"),
        "{}",
        path.display()
    );
    let incident = parse(&std::fs::read_to_string(path).unwrap())
        .unwrap()
        .incident;
    assert_eq!(incident.category, "phishing");
    assert_eq!(incident.severity, 3);
    assert_eq!(incident.status, "open");
    assert_eq!(incident.tlp.as_deref(), Some("AMBER"));
    assert_eq!(incident.description, "Seen at hxxp://evil[.]example");
    assert_eq!(incident.plan.as_deref(), Some("phishing-takedown"));
    assert_eq!(incident.tags, ["vip", "bank"]);

    let third = run(
        &site,
        &["new", "--title", "Same year", "--date", "2024-05-01"],
    );
    assert!(
        String::from_utf8_lossy(&third.stdout)
            .trim()
            .ends_with("FIR-2024-0002.md")
    );

    let check = run(&site, &["check", "--strict"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );

    let again = fir().arg("init").arg(&site).output().unwrap();
    assert_eq!(
        again.status.code(),
        Some(1),
        "init refuses to overwrite a site"
    );
}

#[test]
fn new_refuses_unknown_values() {
    let dir = tempfile::tempdir().unwrap();
    fir().arg("init").arg(dir.path()).output().unwrap();
    let output = run(dir.path(), &["new", "--title", "x", "--category", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--category \"nope\" is not one of"));
    let output = run(dir.path(), &["new", "--title", "x", "--plan", "nope"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--plan \"nope\" is not one of"));
}

#[test]
fn concurrent_new_never_reuses_an_id() {
    let dir = tempfile::tempdir().unwrap();
    fir().arg("init").arg(dir.path()).output().unwrap();
    let children: Vec<_> = (0..8)
        .map(|i| {
            fir()
                .arg("--root")
                .arg(dir.path())
                .args([
                    "new",
                    "--title",
                    &format!("parallel {i}"),
                    "--date",
                    "2024-01-01",
                ])
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut paths: Vec<String> = children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            assert!(output.status.success());
            String::from_utf8(output.stdout).unwrap()
        })
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 8, "eight distinct files: {paths:?}");
    assert_eq!(run(dir.path(), &["check"]).status.code(), Some(0));
}

#[test]
fn missing_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no fir.toml"));
    std::fs::write(
        dir.path().join("fir.toml"),
        "title = \"x\"\nlanguage = \"de\"\n",
    )
    .unwrap();
    let output = run(dir.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("fir.toml:2"), "{stderr}");
}

/// Many files are read on threads of their own (more than the cores, for cold disks):
/// the same problems come out, in the same order, as when the build's threads read.
#[test]
fn many_files_read_on_reading_threads_report_what_few_threads_do() {
    let site = copy_fixture("check/broken");
    let dir = site.path().join("content/incidents/2023");
    std::fs::create_dir_all(&dir).unwrap();
    for n in 1..=300 {
        let severity = if n % 97 == 0 { "eleven" } else { "2" };
        std::fs::write(
            dir.join(format!("FIR-2023-{n:04}.md")),
            format!(
                "---\nid: FIR-2023-{n:04}\ntitle: Generated {n}\ndate: 2023-02-01T10:00:00Z\ncategory: phishing\nseverity: {severity}\nstatus: open\n---\nText {n}.\n"
            ),
        )
        .unwrap();
    }
    let check = |threads: &str| {
        let output = fir()
            .env("FIR_READ_THREADS", threads)
            .arg("--root")
            .arg(site.path())
            .arg("check")
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        normalized_stderr(&output, site.path())
    };
    let wide = check("16");
    assert_eq!(wide, check("1"));
    for n in [97, 194, 291] {
        let file = format!("content/incidents/2023/FIR-2023-{n:04}.md:6: field `severity`");
        assert!(wide.contains(&file), "{file} in {wide}");
    }
    assert!(wide.contains("checked 3"), "{wide}");
}
