//! The search page in headless Chromium, over HTTP and from `file://`: type a query,
//! apply a facet, check the results. Opt in with FIR_BROWSER_TESTS=1.

mod common;
#[path = "../examples/synth.rs"]
#[allow(dead_code)] // `main` and its arguments are for the example binary only.
mod synth;

use std::collections::HashSet;
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

/// The note shown above the results once `query` is typed, when it holds `awaited`.
fn note_for(browser: &Browser, input: &str, query: &str, awaited: &str) -> String {
    browser.clear(input);
    browser.type_into(input, &format!("{query} "));
    let note = browser.wait_for(
        "var n = document.querySelector('#search-results .search-note'); return n ? n.textContent : ''",
        WAIT,
        |v| v.as_str().is_some_and(|n| n.contains(awaited)),
    );
    note.as_str().unwrap().to_string()
}

fn check_search_page(browser: &Browser, base: &str) {
    browser.goto(&format!("{base}search.html"));
    browser.wait_for(
        "return document.getElementById('search-results').dataset.ready || ''",
        WAIT,
        |v| v == "true",
    );
    // Opened without a query, the page warmed its loops up while it waited.
    let warmed = browser.run("return firSearch.warmMs");
    assert!(warmed.as_f64().is_some_and(|ms| ms >= 0.0), "{warmed}");
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
    // Badges in fir.toml's colours, as on the site's pages: an open incident's status.
    let badge = browser.run(
        "return document.querySelector('#search-results .hit[data-id=\"S-2024-0005\"] .hit-meta .badge:last-child').className",
    );
    assert_eq!(badge, "badge c-1565c0", "{base}");

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
    let count =
        browser.run("return document.querySelector('#search-results .search-count').textContent");
    assert_eq!(count, "1 result", "one result is singular ({base})");
    // A range finds the addresses in it, from its block's file; a block the site
    // names nothing in has no file, and adds nothing.
    browser.clear(&input);
    browser.type_into(&input, "artifact:185.12.0.0/16 ");
    expect_hits(browser, &["S-2023-0001"]);
    browser.clear(&input);
    browser.type_into(
        &input,
        "artifact:91.0.0.0/8 OR artifact:185[.]12[.]3[.]0/24 ",
    );
    expect_hits(browser, &["S-2023-0001"]);
    browser.clear(&input);
    browser.type_into(&input, "page -\"fake page\" ");
    expect_hits(browser, &["S-2024-0003", "S-2024-0001", "S-2023-0001"]);

    // A configured alias finds its value; a value no column has is said, with the
    // values there are.
    browser.clear(&input);
    browser.type_into(&input, "tlp:white ");
    expect_hits(browser, &["S-2024-0003"]);
    let note = note_for(browser, &input, "category:phising", "“phising”");
    assert!(
        note.starts_with("category has no value “phising”; its values: ")
            && note.contains("Phishing, Malware"),
        "{note} ({base})"
    );
    expect_hits(browser, &[]);
    // A tag no incident has: said too, without a list of values.
    let note = note_for(browser, &input, "tag:vipp", "“vipp”");
    assert_eq!(note, "No incident has tag “vipp”", "{base}");
    expect_hits(browser, &[]);
    // Not while the value is still being typed: only once a blank ends it.
    browser.clear(&input);
    browser.type_into(&input, "tag:vip ");
    expect_hits(browser, &["S-2024-0001"]);
    browser.clear(&input);
    browser.type_into(&input, "tag:vi");
    expect_hits(browser, &[]);
    let notes =
        browser.run("return document.querySelectorAll('#search-results .search-note').length");
    assert_eq!(notes, 0, "{base}");
    assert_eq!(
        note_for(browser, &input, "tag:vi", "“vi”"),
        "No incident has tag “vi”"
    );

    // A range reads the chunks of its group that may hold values inside it, those
    // on both sides of a cut when values that begin at one address lie on both.
    browser.run(
        r#"firSearch.load({type: "net", name: "4-0b", starts: ["0b000000", "0b000004"]});
           var chunk = function (values) {
             return values.map(function (v) { return [v, ""]; });
           };
           firSearch.load({type: "net", name: "4-0b-0", values: chunk(["11.0.0.0", "11.0.0.1",
             "11.0.0.2", "11.0.0.3", "11.0.0.4", "11.0.0.4/31"])});
           firSearch.load({type: "net", name: "4-0b-1", values: chunk(["11.0.0.4/30", "11.0.0.5",
             "11.0.0.6", "11.0.0.7", "11.0.1.0"])});
           return true"#,
    );
    let inside = |range: &str| {
        browser.run(&format!(
            "window.firInside = null; firSearch.valuesInside({range:?}).then(function (v) {{ window.firInside = v.join(' '); }}); return true"
        ));
        browser.wait_for("return window.firInside", WAIT, |v| !v.is_null())
    };
    assert_eq!(
        inside("11.0.0.4/30"),
        "11.0.0.4 11.0.0.4/31 11.0.0.4/30 11.0.0.5 11.0.0.6 11.0.0.7"
    );
    assert_eq!(inside("11[.]0[.]0[.]1/31"), "11.0.0.0 11.0.0.1");
    assert_eq!(
        inside("11.0.0.0/8").as_str().unwrap().split(' ').count(),
        11
    );
    assert_eq!(inside("11.0.1.0/24"), "11.0.1.0");
    // With the last address each chunk reaches, a chunk whose values all lie inside
    // the range is read from its file of documents alone.
    browser.run(
        r#"firSearch.load({type: "net", name: "4-0c", starts: ["0c000000", "0c000004"],
             ends: ["0c000005", "0c000100"]});
           ["4-0c-0", "4-0c-1"].forEach(function (name) {
             firSearch.load({type: "net", name: name, values: [["12.0.0.4", ""]]});
             firSearch.load({type: "net", name: name + "-docs", docs: ""});
           });
           return true"#,
    );
    assert_eq!(inside("12.0.0.0/8"), "4-0c-0-docs 4-0c-1-docs");
    assert_eq!(inside("12.0.0.0/24"), "4-0c-0-docs 12.0.0.4");
    assert_eq!(
        inside("12.0.0.4/30"),
        "12.0.0.4 12.0.0.4",
        "the first reaches past it"
    );
    assert_eq!(inside("12.0.0.0/29"), "4-0c-0-docs 12.0.0.4");

    // A business line's list leads to a search for the same incidents, with its
    // children's (the filter quoted, its `>` sent in the address).
    browser.goto(&format!("{base}business-line/retail-banking/index.html"));
    let mut listed = ids(&browser
        .run("return Array.from(document.querySelectorAll('td.id a')).map(a => a.textContent)"));
    listed.sort();
    assert!(listed.len() >= 2, "{listed:?}");
    let within = browser.find("a.search-within");
    browser.click(&within);
    browser.wait_for(IDS, WAIT, |v| {
        let mut found = ids(v);
        found.sort();
        found == listed
    });
    let query = browser.run("return document.getElementById('search-q').value");
    assert_eq!(query, "bl:\"Retail Banking\"", "{base}");

    // The box on every page leads to the results.
    browser.goto(&format!("{base}index.html"));
    let box_input = browser.find(".search-box input");
    browser.type_into(&box_input, "ransomware\u{E007}");
    expect_hits(browser, &["S-2024-0004"]);
    // A query that came with the page ran at once, without warming up first.
    assert_eq!(browser.run("return firSearch.warmMs"), Value::Null);
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
    common::run_ok(dir.path(), &["build"]);
    let site = dir.path().join("site");
    let browser = Browser::start();
    check_search_page(&browser, &webdriver::serve(&site));
    check_search_page(&browser, &format!("file://{}/", site.display()));
}

/// What the page shows for a query: the total, the first page's ids, and every facet
/// count as `key:value=count`, sorted.
fn page_answer(browser: &Browser, query: &str, by_date: bool, typing: bool) -> Value {
    let script = format!(
        "window.firAnswer = null;
         document.getElementById('search-q').value = {query};
         document.getElementById('search-sort').value = {sort};
         firSearch.run({typing}).then(function () {{
           var r = document.getElementById('search-results');
           var count = r.querySelector('.search-count');
           window.firAnswer = {{
             state: r.getAttribute('data-state'),
             total: count ? Number(count.textContent.replace(/[^0-9]/g, '')) : -1,
             ids: Array.from(r.querySelectorAll('.hit')).map(function (h) {{ return h.dataset.id; }}),
             facets: Array.from(document.querySelectorAll('#search-facets button[data-filter]')).map(function (b) {{
               return b.getAttribute('data-filter') + '=' + b.querySelector('.count').textContent;
             }}).sort()
           }};
         }});
         return true",
        query = serde_json::to_string(query).unwrap(),
        sort = if by_date { "'date'" } else { "'relevance'" },
    );
    browser.run(&script);
    browser.wait_for("return window.firAnswer", WAIT, |v| !v.is_null())
}

/// The same query through `fir search --json` on the same files, shaped like
/// [`page_answer`] (the page quotes a facet value that holds a space).
fn cli_answer(root: &std::path::Path, query: &str, by_date: bool) -> Value {
    let mut args = vec!["search", "--json", "--limit", "10"];
    if by_date {
        args.push("--by-date");
    }
    args.push(query);
    let out = common::run_ok(root, &args);
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<Value> = answer["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].clone())
        .collect();
    let mut facets: Vec<String> = answer["facets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let key = f["key"].as_str().unwrap().to_string();
            f["values"].as_array().unwrap().iter().map(move |v| {
                let value = v["value"].as_str().unwrap();
                let value = if value.contains(char::is_whitespace) {
                    format!("\"{value}\"")
                } else {
                    value.to_string()
                };
                format!("{key}:{value}={}", v["count"])
            })
        })
        .collect();
    facets.sort();
    serde_json::json!({"state": "done", "total": answer["total"], "ids": ids, "facets": facets})
}

/// The browser's engine (search.js) and `fir search` (src/search) answer every query
/// of the language alike on a synthetic site large enough for bitmaps, stored facet
/// counts, facet chunks, parts and the whole facet table: same totals, same first page
/// in the same order, same facet counts.
#[test]
fn the_page_and_the_cli_answer_alike() {
    if !webdriver::enabled() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    synth::write_corpus(root, 5000, 11).unwrap();
    // Names beyond ASCII, indexed in their ASCII form, and IPv6 addresses, in their
    // canonical one: the page makes those forms with the browser's URL parser, the CLI
    // with the extractor's own code.
    std::fs::write(
        root.join("content/incidents/2024/FIR-2024-9001.md"),
        "---\nid: FIR-2024-9001\ntitle: Look-alike bank domain\ndate: 2024-03-02T10:00:00+01:00\n\
         category: phishing\nseverity: 2\nstatus: open\nartifacts:\n  - type: file\n    value: Facture_Décembre.pdf\n---\n\
         Mail from hameçonnage@bücher.de, link hxxps://www.bücher[.]de:8443/Konto, \
         and \u{430}pple.com; beacon to https://[2a01:4f8:c0c:1::5]:8443/gate, \
         relayed by http://[::ffff:185.199.1.7]/relay; hoster ranges 194.26.29.0/24 \
         and 2a01:4f8:c0c::/48; staged on fxp://files.evil-ftp[.]com/pub/x.bin, \
         panel at kit-panel [.] evil-ftp [dot] com.\n",
    )
    .unwrap();
    // Thousands of addresses in one /8: its values come in several chunks, with an
    // address and the ranges that begin at it on both sides of a cut.
    let mut sweep: Vec<String> = (0..2600u32)
        .map(|i| format!("185.1.{}.{}", i / 256, i % 256))
        .collect();
    sweep.extend((24..32).map(|prefix| format!("185.1.3.224/{prefix}")));
    std::fs::write(
        root.join("content/incidents/2024/FIR-2024-9002.md"),
        format!(
            "---\nid: FIR-2024-9002\ntitle: Scan from a whole hoster\ndate: 2024-03-03T10:00:00+01:00\n\
             category: other\nseverity: 1\nstatus: closed\n---\nSources: {}.\n",
            sweep.join(", ")
        ),
    )
    .unwrap();
    common::run_ok(root, &["build"]);
    let chunks = std::fs::read_dir(root.join("site/search/n"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("4-b9-")
        })
        .count();
    assert!(chunks >= 3, "{chunks} chunks");

    // Artifacts as the build found them: one shared by several incidents, typed
    // defanged, and one of a single incident.
    let data = std::fs::read_to_string(root.join("site/data/artifacts.json")).unwrap();
    let artifacts: Value = serde_json::from_str(&data).unwrap();
    let artifacts = artifacts.as_object().expect("artifacts.json maps values");
    let of = |wanted: &dyn Fn(&Value) -> bool| -> String {
        let (value, _) = artifacts
            .iter()
            .find(|(_, a)| wanted(a))
            .expect("such an artifact");
        value.clone()
    };
    let shared_domain =
        of(&|a| a["type"] == "domain" && a["incidents"].as_array().unwrap().len() > 2);
    let single = of(&|a| a["type"] == "ipv4" && a["incidents"].as_array().unwrap().len() == 1);
    let defanged = shared_domain.replace('.', "[.]");
    // Seen in five years or more: its newest incidents lie in more display chunks
    // than an artifact's entry needs to carry its first page (SPREAD_CHUNKS).
    let far_apart = of(&|a| {
        let years: HashSet<&str> = a["incidents"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| &id.as_str().unwrap()[4..8])
            .collect();
        years.len() >= 5
    });

    let mut queries: Vec<(String, bool)> = [
        "phishing",
        "qakbot",
        "account",
        "accounts mule",
        "\"scheduled task\"",
        "\"the customer\"",
        "ransom*",
        "ransom* year:2024",
        "phishing -status:closed",
        "phishing OR malware",
        "category:malware severity:>=3 status:open",
        "severity:<2 tlp:amber",
        "kind:event",
        "bl:\"Retail Banking\"",
        "bl:\"Retail Banking > France\" -phishing",
        "detection:siem",
        "tag:doesnotexist",
        "hameconnage",
        "customer -\"the customer\"",
        "year:2019 OR year:2020 severity:4",
        "month:2024-03",
        "phishing -plan:crisis",
        "phishing month:2019-01 OR month:2019-02",
        "-status:closed severity:>=3 -tlp:red",
        // Labels and aliases of fir.toml (the default one's).
        "category:ransomware",
        "tlp:white -category:virus",
        "detection:\"SIEM correlation\"",
        "actor:\"it operations\" severity:>=3",
    ]
    .iter()
    .map(|q| (q.to_string(), false))
    .collect();
    for artifact in [&shared_domain, &defanged, &single] {
        queries.push((format!("artifact:{artifact}"), false));
    }
    // A month finds its incidents, and only them.
    let out = common::run_ok(
        root,
        &["search", "--json", "--limit", "1000", "month:2024-03"],
    );
    let march: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hits = march["hits"].as_array().unwrap();
    assert!(
        !hits.is_empty() && hits.len() as u64 == march["total"],
        "{march}"
    );
    for hit in hits {
        assert!(
            hit["date"].as_str().unwrap().starts_with("2024-03-"),
            "{hit}"
        );
    }
    // An address with a port is the address.
    let with_port = format!("artifact:{single}:8443");
    assert_eq!(cli_answer(root, &with_port, false)["total"], 1);
    queries.push((with_port, false));
    let international = [
        "artifact:bücher.de",
        "artifact:www.Bücher[.]de",
        "artifact:xn--bcher-kva.de",
        "artifact:Hameçonnage[@]Bücher.de",
        "artifact:https://www.bücher.de:8443/Konto",
        "artifact:\u{430}pple.com",
        "artifact:facture_décembre.pdf",
        // IPv6 addresses typed in any of their forms.
        "artifact:2A01:4F8:C0C:1:0:0:0:5",
        "artifact:2a01[:]4f8[:]c0c[:]1[:][:]5",
        "artifact:hxxps://[2A01:4F8:C0C:1:0::5]:8443/gate",
        // An IPv4-mapped address is its IPv4 address; in a URL's host Rust writes it
        // dotted, the URL parser in hex.
        "artifact:::ffff:185.199.1.7",
        "artifact:::FFFF:B9C7:107",
        "artifact:0:0:0:0:0:ffff:b9c7:0107",
        "artifact:185.199.1.7",
        "artifact:http://[::FFFF:B9C7:107]/relay",
        // A network typed as a host in it with the prefix, defanged, in long form.
        "artifact:194.26.29.77/24",
        "artifact:194[.]26[.]29[.]0/24",
        "artifact:2A01:4F8:C0C:1::5/48",
        "artifact:2a01:04f8:0c0c:0:0:0:0:0/48",
        "artifact:FXP[:]//files.evil-ftp[.]com/pub/x.bin",
        "artifact:ftp://files.evil-ftp.com/pub/x.bin",
        // A name whose dots are bracketed and written apart, in the text and typed.
        "artifact:kit-panel.evil-ftp.com",
        "artifact:\"kit-panel [.] evil-ftp (dot) com\"",
    ];
    for query in international {
        let cli = cli_answer(root, query, false);
        assert_eq!(ids(&cli["ids"]), ["FIR-2024-9001"], "{query}");
        queries.push((query.to_string(), false));
    }
    // Ranges: the addresses and ranges inside them, read from their block's file,
    // one that has none (no such file), a range wider than any artifact.
    let octets: Vec<&str> = single.split('.').collect();
    let unused_block = (1..=223)
        .find(|o| {
            !artifacts
                .keys()
                .any(|v| v.split(['.', ':']).next() == Some(&o.to_string()))
        })
        .expect("a /8 the site names nothing in");
    for range in [
        format!("{}.{}.{}.0/24", octets[0], octets[1], octets[2]),
        format!("{}.{}.0.0/16", octets[0], octets[1]),
        format!("{}[.]0[.]0[.]0/8 -status:closed", octets[0]),
        format!("{unused_block}.0.0.0/8"),
        "194.26.0.0/16".to_string(),
        "185.1.3.224/29".to_string(),
        "185.1.3.224/27 -status:open".to_string(),
        "185.1.0.0/16".to_string(),
        "185[.]0[.]0[.]0/8".to_string(),
        "::ffff:194.26.29.0/120".to_string(),
        "2a01:4f8::/32".to_string(),
        "0.0.0.0/0".to_string(),
    ] {
        let query = format!("artifact:{range}");
        let cli = cli_answer(root, &query, false);
        let finds = range != "0.0.0.0/0" && !range.starts_with(&format!("{unused_block}."));
        assert_eq!(cli["total"].as_u64().unwrap() > 0, finds, "{query}: {cli}");
        queries.push((query, false));
    }
    let by_date: Vec<(String, bool)> = queries
        .iter()
        .take(8)
        .map(|(q, _)| (q.clone(), true))
        .collect();
    queries.extend(by_date);

    let site = root.join("site");
    let browser = Browser::start();
    let page = format!("{}search.html", webdriver::serve(&site));
    let fresh_page = || {
        browser.goto(&page);
        browser.wait_for(
            "return document.getElementById('search-results').dataset.ready || ''",
            WAIT,
            |v| v == "true",
        );
    };
    // Results crowded into the first years: their facet rows come from a part file.
    fresh_page();
    let crowded = "year:<2021 customer";
    assert_eq!(
        page_answer(&browser, crowded, false, false),
        cli_answer(root, crowded, false)
    );
    let loaded = browser.run("return firSearch.loaded.join(' ')");
    assert!(
        loaded.as_str().unwrap().contains("search/f/p0.js"),
        "{loaded}"
    );
    // A frequent word brings its first page with its postings: no display file. A
    // query whose results all fit on one page counts facets from their display rows:
    // no facet file.
    let loaded_for = |query: &str| {
        fresh_page();
        assert_eq!(
            page_answer(&browser, query, false, false),
            cli_answer(root, query, false)
        );
        // The facet list, dimmed while its counts load, is shown plainly again.
        let busy = browser
            .run("return document.getElementById('search-facets').getAttribute('aria-busy')");
        assert!(busy.is_null(), "{busy}");
        let loaded = browser.run("return firSearch.loaded.join(' ')");
        loaded.as_str().unwrap().to_string()
    };
    let loaded = loaded_for("phishing");
    assert!(!loaded.contains("search/d/"), "{loaded}");
    // An artifact's shard comes from a hash of its key: no directory file first.
    let loaded = loaded_for(&format!("artifact:{single}"));
    assert!(!loaded.contains("search/t/dir_"), "{loaded}");
    assert!(loaded.contains("search/d/"), "{loaded}");
    assert!(!loaded.contains("search/f/"), "{loaded}");
    // A range reads its group's file, then a chunk of the group's values.
    let loaded = loaded_for(&format!("artifact:{}.{}.0.0/16", octets[0], octets[1]));
    let group = format!("search/n/4-{:02x}", octets[0].parse::<u8>().unwrap());
    assert!(loaded.contains(&format!("{group}.js")), "{loaded}");
    assert!(loaded.contains(&format!("{group}-0.js")), "{loaded}");
    // One seen years apart brings its first page with its postings.
    let loaded = loaded_for(&format!("artifact:{far_apart}"));
    assert!(!loaded.contains("search/d/"), "{loaded}");
    // Filters only: the newest rows of a value every result has come with the shards
    // and hold the first page, no display file.
    let filters = "category:malware severity:>=3";
    let loaded = loaded_for(filters);
    assert!(loaded.contains("search/r/"), "{loaded}");
    assert!(!loaded.contains("search/d/"), "{loaded}");
    // Its total and facet counts from the cube: no shard, until the next page.
    assert!(!loaded.contains("search/t/"), "{loaded}");
    let hit_ids = "return Array.from(document.querySelectorAll('#search-results .hit')).map(function (h) { return h.dataset.id; })";
    let first = browser.run(hit_ids);
    browser.click(&browser.find("#search-results button[data-page=\"1\"]"));
    let second = browser.wait_for(hit_ids, WAIT, |v| *v != first);
    let out = common::run_ok(root, &["search", "--json", "--limit", "20", filters]);
    let cli: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli_ids: Vec<Value> = cli["hits"].as_array().unwrap()[10..]
        .iter()
        .map(|h| h["id"].clone())
        .collect();
    assert_eq!(second, Value::from(cli_ids));
    // Every incident that says `mule` says `accounts`: the answer is the frequent
    // word `mule`'s documents, whose stored counts are its facet counts, no facet file.
    let loaded = loaded_for("accounts mule");
    assert!(!loaded.contains("search/f/"), "{loaded}");
    fresh_page();
    let mut broad = 0;
    for (query, by_date) in &queries {
        let page = page_answer(&browser, query, *by_date, false);
        let cli = cli_answer(root, query, *by_date);
        assert_eq!(page, cli, "query {query:?}, by date: {by_date}");
        if cli["total"].as_u64().unwrap() > 512 {
            broad += 1;
        }
    }
    // The list reaches the paths it is meant to: queries with many results.
    assert!(broad >= 5, "only {broad} queries with over 512 results");
    // Typing: the unfinished last word is a prefix, as `word*` in the CLI.
    let page = page_answer(&browser, "phishing cust", false, true);
    assert_eq!(page, cli_answer(root, "phishing cust*", false));
    // Browsers without `Uint8Array.fromBase64` decode through `atob`: the same answers.
    fresh_page();
    browser.run("Uint8Array.fromBase64 = undefined; return null");
    for (query, by_date) in queries.iter().take(12) {
        let page = page_answer(&browser, query, *by_date, false);
        assert_eq!(
            page,
            cli_answer(root, query, *by_date),
            "query {query:?} via atob"
        );
    }

    // Posting lists as the page decodes them, through `atob` (this page) and
    // `Uint8Array.fromBase64` (a fresh one).
    let samples = posting_samples();
    check_decoding(&browser, &samples, "atob");
    fresh_page();
    check_decoding(&browser, &samples, "fromBase64");
}

/// Encoded posting lists of a 5,000-document index and their documents: gap lists,
/// bitmaps as the index writes them (from a multiple of 8), and bitmaps from other
/// starts, as indexes written before that rounding hold, whose bytes straddle the
/// page's 32-bit words.
fn posting_samples() -> Vec<(Vec<u8>, Vec<u32>)> {
    use fir::search::codec::{decode_postings, encode_postings, put_varint};
    let lists: [Vec<u32>; 4] = [
        vec![0, 7, 4999],
        vec![31, 32, 33, 63, 64],
        (1003..2000).collect(),
        (0..4999).step_by(3).collect(),
    ];
    let mut samples: Vec<(Vec<u8>, Vec<u32>)> = lists
        .into_iter()
        .map(|docs| (encode_postings(&docs), docs))
        .collect();
    for base in [1u32, 3, 25, 29, 31, 4001] {
        let bitmap: Vec<u8> = (0..40u32).map(|i| (i * 37 + base) as u8 | 0x81).collect();
        let docs: Vec<u32> = (0..bitmap.len() as u32 * 8)
            .filter(|bit| bitmap[(bit / 8) as usize] & (1 << (bit % 8)) != 0)
            .map(|bit| base + bit)
            .collect();
        let mut bytes = Vec::new();
        put_varint(&mut bytes, (docs.len() as u32) << 1 | 1);
        put_varint(&mut bytes, base);
        bytes.extend(&bitmap);
        samples.push((bytes, docs));
    }
    for (bytes, docs) in &samples {
        assert_eq!(&decode_postings(bytes).unwrap(), docs, "the Rust decoder");
    }
    samples
}

fn check_decoding(browser: &Browser, samples: &[(Vec<u8>, Vec<u32>)], how: &str) {
    for (bytes, docs) in samples {
        let b64 = fir::search::codec::base64(bytes);
        let decoded = browser.run(&format!("return firSearch.decode({b64:?})"));
        let decoded: Vec<u32> = serde_json::from_value(decoded).unwrap();
        assert_eq!(&decoded, docs, "{b64} via {how}");
    }
}
