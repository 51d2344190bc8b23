//! The statistics charts in a real browser: opt-in with FIR_BROWSER_TESTS=1 (then a
//! missing Chromium is a failure, not a skip). FIR_CHROMIUM names another binary.
//!
//! The fixture site is built, then headless Chromium opens pages from `file://` with
//! every network feature off, runs their scripts for a few seconds of virtual time and
//! dumps the DOM; its log on stderr carries every console message. Each chart container
//! must have been drawn (class `drawn`, set after ECharts' `setOption`) and hold an SVG
//! with shapes, and no page may log anything to the console (errors included).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    if std::env::var_os("FIR_BROWSER_TESTS").is_none_or(|v| v != "1") {
        eprintln!("skipped: set FIR_BROWSER_TESTS=1 to run the browser checks");
        return None;
    }
    let path = std::env::var_os("FIR_CHROMIUM")
        .map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    assert!(
        path.is_file(),
        "FIR_BROWSER_TESTS=1 but there is no browser at {} (install chromium or set FIR_CHROMIUM)",
        path.display()
    );
    Some(path)
}

/// The DOM after scripts ran, and the console messages.
fn open(browser: &Path, page: &Path) -> (String, Vec<String>) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args(common::webdriver::HEADLESS)
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--window-size=1280,2000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        out.status.success(),
        "chromium failed on {}: {}",
        page.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let console = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.contains(":CONSOLE"))
        .map(str::to_string)
        .collect();
    (String::from_utf8_lossy(&out.stdout).into_owned(), console)
}

#[test]
fn dashboard_and_report_charts_render_without_console_errors() {
    let Some(browser) = chromium() else {
        return;
    };
    let (_dir, site) = common::build_to_temp(&common::fixture("sites/basic"), &[]);
    for (page, charts) in [
        ("index.html", 3),
        ("stats/index.html", 2),
        ("stats/year/2024/index.html", 6),
        ("stats/quarter/2024-q1/index.html", 3),
        ("stats/time-to-close/index.html", 3),
    ] {
        let (dom, console) = open(&browser, &site.join(page));
        assert!(console.is_empty(), "{page} logged: {console:#?}");
        let drawn: Vec<&str> = dom
            .split("class=\"chart drawn\"")
            .skip(1)
            .map(|rest| rest.split("</figure>").next().unwrap())
            .collect();
        assert_eq!(drawn.len(), charts, "{page}: drawn charts");
        assert!(
            !dom.contains("class=\"chart\"") && !dom.contains("chart failed"),
            "{page}: a chart was not drawn"
        );
        for chart in drawn {
            let svg = chart
                .split("<svg")
                .nth(1)
                .unwrap_or_else(|| panic!("{page}: a chart container has no SVG"));
            assert!(
                svg.matches("<path").count() >= 3,
                "{page}: an empty SVG: {}",
                &svg[..svg.len().min(300)]
            );
        }
    }
}
