//! The search page in headless Chromium, over HTTP and from `file://`: type a query,
//! apply a facet, check the results. Opt in with FIR_BROWSER_TESTS=1.

mod common;

use std::time::Duration;

use common::webdriver::{self, Browser};
use serde_json::Value;

const IDS: &str =
    "return Array.from(document.querySelectorAll('#search-results .hit')).map(h => h.dataset.id)";
const WAIT: Duration = Duration::from_secs(10);

fn ids(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Waits until the result list shows exactly `expected`.
fn expect_hits(browser: &Browser, expected: &[&str]) {
    browser.wait_for(IDS, WAIT, |v| ids(v) == expected);
}

fn check_search_page(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}search.html"));
    browser.wait_for(
        "return document.getElementById('search-results').dataset.ready || ''",
        WAIT,
        |v| v == "true",
    );
    let input = browser.find("#search-q");

    // Typing: the unfinished last word is a prefix, accents do not matter.
    browser.type_into(&input, "hamecon");
    expect_hits(browser, &["S-2024-0005", "S-2024-0001"]);
    let marked =
        browser.run("return document.querySelector('#search-results .hit a mark').textContent");
    assert_eq!(marked, "hameconnage", "{base}");

    // A filter with a phrase-like value, then a facet click narrows the results.
    browser.clear(&input);
    browser.type_into(&input, "bl:\"Retail Banking\" ");
    expect_hits(
        browser,
        &["S-2024-0005", "S-2024-0004", "S-2024-0001", "S-2023-0001"],
    );
    let count = browser.run(
        "return document.querySelector('#search-facets [data-filter=\"status:open\"] .count').textContent",
    );
    assert_eq!(count, "3", "{base}");
    let open = browser.find("#search-facets [data-filter=\"status:open\"]");
    browser.click(&open);
    expect_hits(browser, &["S-2024-0005", "S-2024-0004", "S-2024-0001"]);
    let query = browser.run("return document.getElementById('search-q').value");
    assert_eq!(query, "bl:\"Retail Banking\" status:open ", "{base}");

    // Relevance puts the title match first; date order puts the newest first.
    browser.clear(&input);
    browser.type_into(&input, "fake \u{E007}");
    expect_hits(browser, &["S-2023-0002", "S-2024-0002"]);
    browser.run("var s = document.getElementById('search-sort'); s.value = 'date'; s.dispatchEvent(new Event('change')); return true");
    expect_hits(browser, &["S-2024-0002", "S-2023-0002"]);
    let snippet = browser.run(
        "return document.querySelector('#search-results .hit[data-id=\"S-2024-0002\"] .snippet').innerHTML",
    );
    assert!(
        snippet.as_str().unwrap().contains("<mark>fake</mark> page"),
        "{snippet}"
    );

    // Defanged artifacts, negation.
    browser.clear(&input);
    browser.type_into(&input, "artifact:hxxp://invoices[.]evil[.]top/pay.exe ");
    expect_hits(browser, &["S-2023-0002"]);
    browser.clear(&input);
    browser.type_into(&input, "page -\"fake page\" ");
    expect_hits(browser, &["S-2024-0003", "S-2024-0001", "S-2023-0001"]);

    // The box on every page leads to the results.
    browser.goto(&format!("{base}index.html"));
    let box_input = browser.find(".search-box input");
    browser.type_into(&box_input, "ransomware\u{E007}");
    expect_hits(browser, &["S-2024-0004"]);
    let link = browser.run("return document.querySelector('#search-results .hit a').href");
    assert!(
        link.as_str()
            .unwrap()
            .ends_with("incidents/S-2024-0004.html"),
        "{link}"
    );
}

#[test]
fn search_page_works_over_http_and_from_file_urls() {
    if !webdriver::enabled() {
        return;
    }
    let dir = common::copy_fixture("sites/search");
    let out = common::run(dir.path(), &["build"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let site = dir.path().join("site");
    let browser = Browser::start();
    check_search_page(&browser, &webdriver::serve(&site));
    check_search_page(&browser, &format!("file://{}/", site.display()));
}
