//! End-to-end runs of `fir build` on the fixture sites under tests/fixtures/sites/.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
#[path = "../examples/synth.rs"]
#[allow(dead_code)] // `main` and its arguments are for the example binary only.
mod synth;

use common::{assert_same_site, build_to_temp, copy_fixture, ok, put, read, run, site_files};

const FIXTURE: &str = "tests/fixtures/sites/basic";

fn build_fixture(extra: &[&str]) -> (tempfile::TempDir, PathBuf) {
    build_to_temp(Path::new(FIXTURE), extra)
}

/// A copy of the fixture site whose fir.toml starts with `line`, and its fir.toml.
fn fixture_configured(line: &str) -> (tempfile::TempDir, PathBuf) {
    let root = copy_fixture("sites/basic");
    let config = root.path().join("fir.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("{line}\n{text}")).unwrap();
    (root, config)
}

#[test]
fn builds_every_page_with_its_content() {
    let (_dir, site) = build_fixture(&[]);
    // Home: counts and lists.
    let home = read(&site, "index.html");
    assert!(home.contains("<title>CERT Fixture</title>"), "{home}");
    assert!(home.contains("<span class=\"num\">6</span> <span class=\"what\">Total</span>"));
    assert!(home.contains("<span class=\"num\">2</span> <span class=\"what\">Major</span>"));
    assert!(home.contains("href=\"incidents/FIR-2024-0005.html\""));
    assert!(home.contains("<base href=\"./\">"));

    // An incident page shows every field, rendered Markdown and related incidents.
    let page = read(&site, "incidents/FIR-2023-0001.html");
    assert!(page.contains("<base href=\"../\">"));
    for expected in [
        "Phishing campaign against retail customers",
        "href=\"category/phishing/index.html\"",
        "class=\"badge c-ef6c00\" href=\"severity/3/index.html\">High</a>", // severity colour
        ">TLP:GREEN</a>",
        ">Closed</a>",
        "href=\"business-line/retail-banking/france/index.html\"",
        ">User report</a>",
        ">CERT</a>",
        "Phishing takedown",
        "alice",
        "<time datetime=\"2023-11-20T07:15:00Z\">2023-11-20 08:15</time>",
        "Reported by <strong>three</strong> customers.",
        "<td>login-secure-bank.example</td>", // a Markdown table
        ">Takedown</span>",
        // Read out by screen readers: a label on a plain span would not be.
        "<span class=\"check\" role=\"img\" aria-label=\"Done\">☑</span> Warn customers on the website",
        "<th scope=\"row\">Customers reporting</th><td>3</td>",
        "href=\"tag/takedown/index.html\"",
        "href=\"incidents/FIR-2024-0001.html\"", // related, by the other side's relation
        "data-print",                            // the page prints as the follow-up sheet
        "content/incidents/2023/FIR-2023-0001.md",
    ] {
        assert!(page.contains(expected), "incident page lacks {expected:?}");
    }
    let nugget = read(&site, "incidents/FIR-2024-0001.html");
    assert!(nugget.contains(
        "<pre class=\"raw\">process: C:\\Users\\x\\evil.exe &lt;b&gt;not bold&lt;/b&gt;</pre>"
    ));
    assert!(nugget.contains("The dropper, <em>before</em> encryption."));
    let legacy = read(&site, "incidents/FIR-2024-0005.html");
    assert!(
        legacy.contains("registre-2024.xlsx / Incidents, row 42 (INC-778)"),
        "{legacy}"
    );
    // Naive times are in the site's zone (Europe/Paris).
    assert!(legacy.contains("<time datetime=\"2024-05-28T14:45:00Z\">2024-05-28 16:45</time>"));

    // The incident page prints as its follow-up sheet: a heading and a footer shown on
    // paper only, and no separate copy of the page.
    assert!(page.contains("<p class=\"print-only kicker\">Incident follow-up · "));
    assert!(page.contains("<p class=\"print-only print-footer\">Printed from "));
    // Badge colours come from a stylesheet made from fir.toml, not inline styles.
    assert!(
        !page.contains("style=\"background"),
        "no inline badge colours"
    );
    assert!(
        read(&site, "static/fir-colors.css")
            .contains(".badge.c-ef6c00 { background: #ef6c00; color: #000; }")
    );
    assert!(page.contains("href=\"static/fir-colors.css\""));
    let css = read(&site, "static/fir.css");
    assert!(css.contains(".print-only { display: none; }"));
    assert!(css.contains("@media print") && css.contains(".print-only { display: block; }"));
    assert!(!site.join("print").exists(), "no separate print pages");

    // Lists and facets, with counts and roll-up of business-line children.
    let all = read(&site, "list/index.html");
    assert!(all.contains("6 incidents in total"));
    let newest = all.find("FIR-2024-0005.html").unwrap();
    let oldest = all.find("FIR-2023-0001.html").unwrap();
    assert!(newest < oldest, "newest first");
    let retail = read(&site, "business-line/retail-banking/index.html");
    assert!(retail.contains("3 incidents in total"), "{retail}");
    for id in ["FIR-2023-0001", "FIR-2024-0001", "FIR-2024-0005"] {
        assert!(
            retail.contains(&format!("incidents/{id}.html")),
            "{id} rolls up"
        );
    }
    assert!(retail.contains("href=\"business-line/retail-banking/france/index.html\""));
    let facets = read(&site, "business-line/index.html");
    assert!(facets.contains("<li class=\"depth-1\"><a href=\"business-line/retail-banking/france/index.html\"><span class=\"label\">France</span> <span class=\"count\">2</span>"), "{facets}");
    let severity = read(&site, "severity/index.html");
    assert!(
        severity.contains("<span class=\"label\">Critical</span> <span class=\"count\">2</span>")
    );
    let may = read(&site, "archive/2024/05/index.html");
    assert!(
        may.contains("May 2024") && may.contains("2 incidents in total"),
        "{may}"
    );
    let events = read(&site, "kind/event/index.html");
    assert!(events.contains("FIR-2024-0004") && !events.contains("FIR-2024-0001.html"));
    // Counts of one are singular.
    let malware = read(&site, "category/malware/index.html");
    assert!(malware.contains("1 incident in total"), "{malware}");
    for page in [
        "category/malware/index.html",
        "status/blocked/index.html",
        "tlp/amber/index.html",
        "detection/siem/index.html",
        "actor/soc/index.html",
        "tag/campaign/index.html",
        "archive/2023/index.html",
    ] {
        assert!(site.join(page).is_file(), "{page}");
    }

    // Feed and data.
    let feed = read(&site, "feed.xml");
    assert!(feed.contains("<link rel=\"alternate\" type=\"text/html\" href=\"https://cert.example.internal/fir/incidents/FIR-2024-0005.html\"/>"), "{feed}");
    assert_eq!(feed.matches("<entry>").count(), 6);
    let data: serde_json::Value =
        serde_json::from_str(&read(&site, "data/incidents.json")).unwrap();
    let records = data.as_array().unwrap();
    assert_eq!(records.len(), 6);
    assert_eq!(records[0]["id"], "FIR-2023-0001");
    assert_eq!(records[0]["timeline"][0]["author"], "alice");
    assert!(
        records[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("Customers received")
    );
}

/// Tags are told apart as search tells them, without case or accents: one page per
/// tag, named as its oldest incident spells it, in full and incremental builds.
#[test]
fn tags_spelt_two_ways_are_one_tag() {
    let root = copy_fixture("sites/basic");
    let incidents = root.path().join("content/incidents/2024");
    let add_tags = |file: &str, tags: &str| {
        let path = incidents.join(file);
        let text = fs::read_to_string(&path).unwrap();
        let text = text.replacen("\n---\n", &format!("\ntags: {tags}\n---\n"), 1);
        fs::write(&path, text).unwrap();
    };
    add_tags("FIR-2024-0001.md", "[Campaign, TAKEDOWN, Hameçonnage]");
    add_tags("FIR-2024-0002.md", "[hameconnage]");
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    for second in ["tag/campaign-2", "tag/takedown-2", "tag/hameconnage-2"] {
        assert!(!site.join(second).exists(), "{second}");
    }
    let campaign = read(&site, "tag/campaign/index.html");
    assert!(
        campaign.contains("FIR-2023-0001") && campaign.contains("FIR-2024-0001"),
        "{campaign}"
    );
    // Named as the oldest incident writes it (FIR-2023-0001: `campaign`).
    assert!(campaign.contains("<h1>campaign"), "{campaign}");
    let phishing = read(&site, "tag/hameconnage/index.html");
    assert!(phishing.contains("FIR-2024-0002"), "{phishing}");
    assert!(phishing.contains("<h1>Hameçonnage"), "{phishing}");
    // An incident shows its own spelling, linked to the one page.
    let page = read(&site, "incidents/FIR-2024-0001.html");
    assert!(
        page.contains("href=\"tag/takedown/index.html\">TAKEDOWN<"),
        "{page}"
    );

    // The oldest spelling changes: the page's name follows, rebuilt incrementally.
    let oldest = root.path().join("content/incidents/2023/FIR-2023-0001.md");
    let text = fs::read_to_string(&oldest).unwrap();
    fs::write(
        &oldest,
        text.replace("[campaign, takedown]", "[CAMPAIGN, takedown]"),
    )
    .unwrap();
    let rebuilt = ok(&run(root.path(), &["build"]));
    assert!(rebuilt.starts_with("updated"), "{rebuilt}");
    let campaign = read(&site, "tag/campaign/index.html");
    assert!(campaign.contains("<h1>CAMPAIGN"), "{campaign}");
}

#[test]
fn values_written_as_labels_count_as_their_terms() {
    let root = copy_fixture("sites/basic");
    let file = root.path().join("content/incidents/2024/FIR-2024-0004.md");
    let text = fs::read_to_string(&file)
        .unwrap()
        .replace("category: other", "category: Phishing")
        .replace("status: closed", "status: Closed")
        .replace("detection: ids", "detection: IDS / network detection")
        .replace("  - Corporate IT", "  - corporate it");
    fs::write(&file, &text).unwrap();
    let out = run(root.path(), &["build"]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{said}");
    // The file is left as it is, and its author is told.
    assert_eq!(fs::read_to_string(&file).unwrap(), text);
    assert!(
        said.contains("FIR-2024-0004.md:5: field `category`")
            && said.contains(r#"category "Phishing" is read as "phishing""#),
        "{said}"
    );
    assert!(
        said.contains(r#"status "Closed" is read as "closed""#),
        "{said}"
    );

    let site = root.path().join("site");
    for second_value in [
        "category/phishing-2",
        "status/closed-2",
        "detection/ids-2",
        "business-line/corporate-it-2",
    ] {
        assert!(!site.join(second_value).exists(), "{second_value}");
    }
    assert!(read(&site, "category/phishing/index.html").contains("FIR-2024-0004"));
    assert!(read(&site, "detection/ids/index.html").contains("FIR-2024-0004"));
    assert!(read(&site, "business-line/corporate-it/index.html").contains("FIR-2024-0004"));
    let closed = read(&site, "status/closed/index.html");
    assert!(closed.contains("FIR-2024-0004"), "{closed}");
    // Closed in the counts: not among the open incidents of the dashboard.
    let home = read(&site, "index.html");
    let open_list = home.split("Open incidents").nth(1).unwrap_or_default();
    let open_list = open_list.split("</table>").next().unwrap_or_default();
    assert!(!open_list.contains("FIR-2024-0004"), "{open_list}");
    let data = read(&site, "data/incidents.json");
    let record = data
        .lines()
        .find(|l| l.contains(r#""id":"FIR-2024-0004""#))
        .unwrap();
    assert!(
        record.contains(r#""category":"phishing""#)
            && record.contains(r#""status":"closed""#)
            && record.contains(r#""business_lines":["Corporate IT"]"#),
        "{record}"
    );

    // A rebuild that reads the file again (its relation's page renders anew) reads it
    // the same way: the same site as a full build.
    let relating = root.path().join("content/incidents/2024/FIR-2024-0005.md");
    let mut relating_text = fs::read_to_string(&relating).unwrap();
    relating_text = relating_text.replacen("\n---\n", "\nrelations: [FIR-2024-0004]\n---\n", 1);
    fs::write(&relating, relating_text).unwrap();
    ok(&run(root.path(), &["build"]));
    let full = root.path().join("full");
    ok(&run(
        root.path(),
        &["build", "--full", "--out", full.to_str().unwrap()],
    ));
    assert_same_site(&site, &full);
}

#[test]
fn follow_up_tasks_not_done_are_listed_soonest_deadline_first() {
    let (_dir, site) = build_fixture(&[]);
    let page = read(&site, "tasks/index.html");
    assert!(page.contains("3 tasks to do · in 2 incidents"), "{page}");
    let order: Vec<usize> = [
        "<time datetime=\"2024-06-01\">2024-06-01</time>",
        "Restore the branch file share from the offline backup",
        "Replace the branch&#39;s end-of-life workstations",
        "&lt;script&gt;alert(&quot;todo&quot;)&lt;/script&gt;", // no deadline: last
    ]
    .iter()
    .map(|text| {
        page.find(text)
            .unwrap_or_else(|| panic!("{text} in {page}"))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{order:?}");
    assert!(page.contains("data-due=\"2099-12-31\""), "{page}");
    assert!(page.contains("<a href=\"incidents/FIR-2024-0001.html\">FIR-2024-0001</a>"));
    // Done tasks are not listed.
    assert!(!page.contains("Reset the branch"), "{page}");
    assert!(!page.contains("Warn customers on the website"), "{page}");
    // Every page links to it; the home page counts the tasks.
    let home = read(&site, "index.html");
    assert!(home.contains("<a href=\"tasks/index.html\">Tasks</a>"));
    assert!(home.contains("<a class=\"card\" href=\"tasks/index.html\"><span class=\"num\">3</span> <span class=\"what\">Tasks to do</span></a>"), "{home}");

    // An audience sees only the tasks of incidents it may read (FIR-2024-0001 is AMBER).
    let (_dir, public) = build_fixture(&["--audience", "public"]);
    let page = read(&public, "tasks/index.html");
    assert!(page.contains("1 task to do · in 1 incident"), "{page}");
    assert!(!page.contains("Restore the branch") && !page.contains("FIR-2024-0001"));
}

#[test]
fn incident_pages_link_to_where_their_file_is_edited_when_configured() {
    let (_dir, site) = build_fixture(&[]);
    assert!(!read(&site, "incidents/FIR-2023-0001.html").contains(">Edit</a>"));
    let (root, _) = fixture_configured(
        "edit_url = \"https://gitlab.example/cert/register/-/edit/main/{path}\"",
    );
    ok(&run(root.path(), &["build"]));
    let page = read(&root.path().join("site"), "incidents/FIR-2023-0001.html");
    assert!(
        page.contains("<a class=\"screen-only\" href=\"https://gitlab.example/cert/register/-/edit/main/content/incidents/2023/FIR-2023-0001.md\">Edit</a>"),
        "{page}"
    );
}

#[test]
fn every_page_links_to_the_intake_form_when_configured() {
    let link = "<li><a href=\"/new\">Report an incident</a></li>";
    let (_dir, site) = build_fixture(&[]);
    assert!(!read(&site, "index.html").contains("Report an incident"));
    let (root, config) = fixture_configured("report_url = \"/new\"");
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    for page in [
        "index.html",
        "incidents/FIR-2023-0001.html",
        "stats/index.html",
        "category/index.html",
    ] {
        assert!(read(&site, page).contains(link), "{page}");
    }
    // A link that would run code is refused, with the line to fix.
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, text.replacen("/new", "javascript:alert(1)", 1)).unwrap();
    let output = run(root.path(), &["build"]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("fir.toml:1: report_url must be a path"),
        "{stderr}"
    );
}

#[test]
fn a_missing_page_has_a_page_of_its_own_linked_from_the_base_url_path() {
    // The fixture's base_url is https://cert.example.internal/fir: the page may be
    // served at any depth below it, so its links start from /fir/, never another host.
    let (_dir, site) = build_fixture(&[]);
    let page = read(&site, "404.html");
    assert!(page.contains("<base href=\"/fir/\">"), "{page}");
    assert!(page.contains("<h1>Page not found</h1>"), "{page}");
    assert!(
        page.contains("<a href=\"list/index.html\">All incidents</a>"),
        "{page}"
    );
    assert!(page.contains("action=\"search.html\""), "{page}");
    let (_dir, site) = build_fixture(&["--base-url", "/"]);
    assert!(read(&site, "404.html").contains("<base href=\"/\">"));
}

/// Every tag opening in `html`, lowercased.
fn tags(html: &str) -> Vec<String> {
    html.split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or("").to_lowercase())
        .collect()
}

#[test]
fn a_script_in_any_field_never_runs() {
    let (_dir, site) = build_fixture(&[]);
    let mut pages = 0;
    for (name, bytes) in site_files(&site) {
        if !name.ends_with(".html") {
            continue;
        }
        pages += 1;
        let html = String::from_utf8(bytes).unwrap();
        for tag in tags(&html) {
            if tag.starts_with("script") {
                // Only the theme's own scripts: no inline script, nothing from fields.
                let allowed = [
                    "script src=\"static/fir.js\"",
                    "script src=\"static/fir-charts.js\"",
                    "script src=\"static/search.js\"",
                    "script src=\"static/vendor/echarts/echarts.min.js\"",
                ];
                assert!(allowed.contains(&tag.as_str()), "{name}: <{tag}>");
            }
            assert!(
                !tag.starts_with("iframe") && !tag.starts_with("img"),
                "{name}: <{tag}>"
            );
            // No event handler attribute anywhere (` onerror=`, ` onmouseover=` …).
            // Quoted attribute values are left out: escaped, they are only text.
            let mut quoted = false;
            let unquoted: String = tag
                .chars()
                .filter(|&c| {
                    if c == '"' {
                        quoted = !quoted;
                    }
                    !quoted && c != '"'
                })
                .collect();
            let handler = unquoted
                .split_whitespace()
                .skip(1)
                .any(|attr| attr.starts_with("on") && attr.contains('='));
            assert!(!handler, "{name}: <{tag}>");
            assert!(!tag.contains("javascript:"), "{name}: <{tag}>");
        }
    }
    assert!(pages > 40);
    let page = read(&site, "incidents/FIR-2024-0003.html");
    assert!(page.contains(
        "&lt;script&gt;alert(&quot;title&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;"
    ));
    assert!(page.contains("&lt;script&gt;alert(&#39;raw&#39;)&lt;/script&gt;"));
    assert!(page.contains("<b>kept</b>"), "harmless HTML is kept");
    // Raw HTML the sanitiser would change is shown as the text it is: evidence.
    assert!(page.contains("Body &lt;script&gt;alert(\"body\")&lt;/script&gt; with"));
    assert!(page.contains("&lt;b onmouseover=\"alert('b')\"&gt;bold&lt;/b&gt;"));
    assert!(page.contains("&lt;a href=\"javascript:alert('html-link')\"&gt;a link&lt;/a&gt;"));
    // The feed escapes too (its HTML content is text in the XML).
    let feed = read(&site, "feed.xml");
    assert!(!feed.contains("<script"));
}

#[test]
fn no_page_loads_anything_from_outside() {
    let (_dir, site) = build_fixture(&[]);
    for (name, bytes) in site_files(&site) {
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        if name.ends_with(".html") {
            for tag in tags(&text) {
                // Links a reader may follow are fine; what loads by itself must be local.
                let loads = tag.starts_with("script")
                    || tag.starts_with("link")
                    || tag.starts_with("img")
                    || tag.starts_with("iframe")
                    || tag.starts_with("base")
                    || tag.contains(" src=");
                if loads {
                    assert!(!tag.contains("//"), "{name}: <{tag}>");
                }
            }
        }
        if name.ends_with(".css") {
            assert!(
                !text.contains("@import") && !text.contains("url(http") && !text.contains("url(//"),
                "{name}"
            );
        }
    }
}

#[test]
fn a_green_audience_never_sees_red_or_amber() {
    let (dir, site) = build_fixture(&["--audience", "public"]);
    let published = ["FIR-2023-0001", "FIR-2024-0003", "FIR-2024-0004"];
    let hidden = [
        "FIR-2024-0002",
        "TOPSECRET-CANARY",
        "Secret board-level",
        "Insider threat", // RED
        "FIR-2024-0001",
        "Ransomware",
        "FIR-2024-0005",
        "hameçonnage", // AMBER (explicit and default)
    ];
    for (name, bytes) in site_files(&site) {
        let text = common::incident_data(Path::new(&name), &String::from_utf8_lossy(&bytes));
        for word in hidden {
            assert!(!text.contains(word), "{name} shows {word:?}");
        }
    }
    for id in published {
        assert!(site.join(format!("incidents/{id}.html")).is_file());
    }
    let home = read(&site, "index.html");
    assert!(home.contains("<span class=\"num\">3</span> <span class=\"what\">Total</span>"));
    assert!(home.contains("Audience: public"));
    assert!(!site.join("category/insider").exists());
    let data: serde_json::Value =
        serde_json::from_str(&read(&site, "data/incidents.json")).unwrap();
    assert_eq!(data.as_array().unwrap().len(), 3);
    // FIR-2024-0003 relates to the RED incident: not even the id shows.
    assert!(data[1].get("relations").is_none(), "{}", data[1]);
    // The build cache names every file: it stays outside the published directory.
    assert!(dir.path().join(".site-cache").is_file());
    assert!(!site.join(".site-cache").exists());
}

#[test]
fn an_audience_by_business_line_and_kind() {
    let (_dir, site) = build_fixture(&["--audience", "retail"]);
    let data: serde_json::Value =
        serde_json::from_str(&read(&site, "data/incidents.json")).unwrap();
    let ids: Vec<&str> = data
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["FIR-2023-0001", "FIR-2024-0001", "FIR-2024-0005"]);
}

#[test]
fn unknown_audience_is_an_error() {
    let out = run(
        Path::new(FIXTURE),
        &["build", "--audience", "nobody", "--out", "/nonexistent/x"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("unknown audience \"nobody\"; fir.toml defines: public, retail"),
        "{stderr}"
    );
}

#[test]
fn a_failed_build_leaves_the_previous_site() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    let before = site_files(&site);
    // Broken content: nothing is published, every problem is named with file:line.
    let broken = root.path().join("content/incidents/2024/FIR-2024-0099.md");
    fs::write(&broken, "---\nid: FIR-2024-0099\ntitle: Broken\ndate: not a date\ncategory: spam\nseverity: 1\nstatus: open\n---\n").unwrap();
    let out = run(root.path(), &["build", "--full"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("content/incidents/2024/FIR-2024-0099.md:4: field `date`"),
        "{stderr}"
    );
    assert_eq!(site_files(&site), before);
    fs::remove_file(&broken).unwrap();
    // A template error half-way through rendering: same.
    put(
        root.path(),
        "templates/list.html",
        "{% extends \"base.html\" %}{% block main %}{{ list.no_such_field }}{% endblock main %}",
    );
    let out = run(root.path(), &["build", "--full"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("list.html"), "{stderr}");
    assert_eq!(site_files(&site), before);
    let leftovers: Vec<_> = fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("-tmp-") || n.contains("-old-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// An incremental build whose render fails (here a site template that fails on one
/// title) publishes nothing and keeps the last build's cache, which the cache's writer
/// had begun replacing meanwhile: once the incident is fixed, the next build is still
/// an incremental one, and publishes what a full build does.
#[test]
fn a_failed_render_keeps_the_last_cache() {
    let root = copy_fixture("sites/basic");
    let theme = fs::read_to_string("themes/default/templates/incident.html").unwrap();
    let failing = theme.replacen(
        "{{ incident.title }}",
        "{% if incident.title == \"BOOM\" %}{{ no_such_value.field }}{% endif %}{{ incident.title }}",
        1,
    );
    assert_ne!(failing, theme, "the template names the title");
    put(root.path(), "templates/incident.html", &failing);
    let site = root.path().join("site");
    ok(&run(root.path(), &["build"]));
    let before = site_files(&site);
    let file = root.path().join("content/incidents/2024/FIR-2024-0004.md");
    let original = fs::read_to_string(&file).unwrap();
    let title = original.lines().find(|l| l.starts_with("title: ")).unwrap();
    fs::write(&file, original.replacen(title, "title: BOOM", 1)).unwrap();
    let out = run(root.path(), &["build"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert_eq!(site_files(&site), before, "nothing published");
    fs::write(&file, original.replacen(title, "title: Fixed", 1)).unwrap();
    let fixed = ok(&run(root.path(), &["build"]));
    assert!(fixed.starts_with("updated 6 incidents"), "{fixed}");
    assert!(read(&site, "incidents/FIR-2024-0004.html").contains("Fixed"));
    let (_full_dir, full) = build_to_temp(root.path(), &["--full"]);
    let (built, expected) = (site_files(&site), site_files(&full));
    let differing: Vec<&String> = expected
        .keys()
        .filter(|k| k.as_str() != ".fir-build" && built.get(*k) != expected.get(*k))
        .collect();
    assert!(differing.is_empty(), "{differing:?}");
}

/// A build killed while rendering leaves its staging directory beside the site (it
/// holds gigabytes on a large site): the next build removes it, in the background,
/// and leaves alone the staging directory of a build still running.
#[cfg(unix)]
#[test]
fn the_next_build_removes_what_a_killed_build_left() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let mut gone = Command::new("true").spawn().unwrap();
    let gone_pid = gone.id();
    gone.wait().unwrap();
    let killed = root.path().join(format!(".site-tmp-{gone_pid}-0"));
    fs::create_dir_all(killed.join("incidents")).unwrap();
    fs::write(killed.join("incidents/FIR-2024-0001.html"), "half").unwrap();
    let running = root
        .path()
        .join(format!(".site-tmp-{}-0", std::process::id()));
    fs::create_dir_all(&running).unwrap();
    ok(&run(root.path(), &["build"]));
    wait_up_to_30_s(|| !killed.exists());
    assert!(!killed.exists(), "{} is still there", killed.display());
    assert!(running.is_dir());
    assert!(root.path().join("site/index.html").is_file());
}

/// The site a full build replaced is removed by a `fir` process of its own, which
/// waits while the site is busy (another build holds the lock beside it: here this
/// test) and goes on once it is free.
#[cfg(unix)]
#[test]
fn a_replaced_site_is_removed_once_no_build_runs() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let lock = fs::File::open(root.path().join(".site-lock")).unwrap();
    lock.lock_shared().unwrap();
    ok(&run(root.path(), &["build", "--full"]));
    let old_sites = || -> Vec<PathBuf> {
        fs::read_dir(root.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.to_string_lossy().contains(".site-old-"))
            .collect()
    };
    std::thread::sleep(std::time::Duration::from_millis(300));
    let [old] = &old_sites()[..] else {
        panic!("one replaced site: {:?}", old_sites());
    };
    // The replaced site was the same as the new one.
    let entries = |dir: &Path| walkdir::WalkDir::new(dir).into_iter().count();
    let site = entries(&root.path().join("site"));
    assert!(site > 100, "{site} entries");
    assert_eq!(entries(old), site, "nothing removed while the site is busy");
    lock.unlock().unwrap();
    wait_up_to_30_s(|| old_sites().is_empty());
    assert_eq!(old_sites(), Vec::<PathBuf>::new(), "still there");
    assert!(root.path().join("site/index.html").is_file());
}

/// Waits until `done` holds, for 30 s at most: removals run in the background.
fn wait_up_to_30_s(done: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !done() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn site_templates_override_single_theme_files() {
    let root = copy_fixture("sites/basic");
    put(
        root.path(),
        "templates/home.html",
        "<p>{{ site.title }}: {{ home.total }}</p>",
    );
    put(
        root.path(),
        "themes/default/i18n/en.toml",
        "related = \"Linked cases\"\n",
    );
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    assert_eq!(read(&site, "index.html"), "<p>CERT Fixture: 6</p>");
    let page = read(&site, "incidents/FIR-2024-0001.html");
    assert!(page.contains("<h2>Linked cases</h2>"), "i18n override");
    assert!(page.contains("<h2>Description</h2>"), "other strings stay");
}

/// The header is rendered once per navigation section: each page marks its own
/// section; a site's header that uses more of the page is rendered for each page.
#[test]
fn each_page_header_marks_its_section_and_a_site_header_may_use_the_page() {
    let out = build_fixture(&[]);
    let site = out.1.as_path();
    let current = |path: &str| -> Vec<String> {
        read(site, path)
            .split(" aria-current=\"page\">")
            .skip(1)
            .map(|rest| rest.split('<').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(current("index.html"), ["Home"]);
    assert_eq!(current("incidents/FIR-2024-0001.html"), ["All incidents"]);
    assert_eq!(current("tasks/index.html"), ["Tasks"]);
    assert_eq!(current("category/phishing/index.html"), ["Categories"]);
    assert_eq!(current("search.html"), Vec::<String>::new());

    let root = copy_fixture("sites/basic");
    put(
        root.path(),
        "templates/partials/header.html",
        "<header>{{ page.title }} in {{ page.section }}</header>\n",
    );
    ok(&run(root.path(), &["build"]));
    let page = read(&root.path().join("site"), "incidents/FIR-2024-0002.html");
    assert!(
        page.contains("<header>FIR-2024-0002 · "),
        "{}",
        &page[..page.len().min(1500)]
    );
    assert!(page.contains(" in all</header>"));
}

/// Badges are rendered once per term by the theme's `partials/badges.html`, a site's
/// own included.
#[test]
fn badges_come_from_the_site_badge_template() {
    let root = copy_fixture("sites/basic");
    put(
        root.path(),
        "templates/partials/badges.html",
        "<b class=\"mine\">{{ term.label }}</b>",
    );
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    let page = read(&site, "incidents/FIR-2024-0002.html");
    // The head's badges, the fields' (category, business line…), the related rows'.
    let head = "<p class=\"badges\"><b class=\"mine\">Critical</b> <b class=\"mine\">Open</b> <b class=\"mine\">TLP:RED</b>";
    assert!(page.contains(head), "{page}");
    assert!(
        page.contains("<dd><b class=\"mine\">Insider threat</b></dd>"),
        "{page}"
    );
    assert!(
        page.contains("<b class=\"mine\">Group Security</b>"),
        "{page}"
    );
    assert!(page.contains("<b class=\"mine\">TLP:AMBER</b>"), "{page}");
    assert!(!page.contains("<a class=\"badge"), "{page}");
    let list = read(&site, "list/index.html");
    assert!(list.contains("<b class=\"mine\">Open</b>"), "{list}");

    // Badges are the same on every page (list rows are rendered once, with `row`
    // alone): one that needs the page is an error that names the template.
    put(
        root.path(),
        "templates/partials/badges.html",
        "<b>{{ term.label }} on {{ page.title }}</b>",
    );
    let failed = run(root.path(), &["build"]);
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("partials/badges.html"), "{stderr}");
    assert!(stderr.contains("`page` is not defined"), "{stderr}");
}

#[test]
fn french_interface() {
    let root = copy_fixture("sites/basic");
    let config = root.path().join("fir.toml");
    let text = fs::read_to_string(&config).unwrap();
    fs::write(&config, format!("language = \"fr\"\n{text}")).unwrap();
    ok(&run(root.path(), &["build"]));
    let home = read(&root.path().join("site"), "index.html");
    assert!(home.contains("<html lang=\"fr\">"));
    assert!(home.contains("Tableau de bord") && home.contains("Incidents ouverts"));
    let may = read(&root.path().join("site"), "archive/2024/05/index.html");
    assert!(may.contains("mai 2024"));
    // French counts: 0 and 1 are singular.
    let malware = read(&root.path().join("site"), "category/malware/index.html");
    assert!(malware.contains("1 incident au total"), "{malware}");
    assert!(may.contains("2 incidents au total"), "{may}");
    // One major incident is "majeur"; the home page counts the "majeurs".
    assert!(home.contains("<span class=\"what\">Majeurs</span>"));
    let major = read(&root.path().join("site"), "incidents/FIR-2024-0001.html");
    assert!(major.contains("<span class=\"flag major\">Majeur</span>"));
    assert!(!major.contains(">Majeurs<"));
    let missing = read(&root.path().join("site"), "404.html");
    assert!(missing.contains("<h1>Page introuvable</h1>"), "{missing}");
}

#[test]
fn incremental_builds_match_full_builds_and_touch_only_what_changed() {
    let root = copy_fixture("sites/basic");
    let site = root.path().join("site");
    let first = ok(&run(root.path(), &["build"]));
    assert!(first.starts_with("built 6 incidents"), "{first}");
    let unchanged = fs::metadata(site.join("incidents/FIR-2024-0004.html"))
        .unwrap()
        .modified()
        .unwrap();

    // Add an incident related to an old one.
    let added = root.path().join("content/incidents/2024/FIR-2024-0006.md");
    fs::write(&added, "---\nid: FIR-2024-0006\ntitle: New phishing wave\ndate: 2024-06-02T10:00:00+02:00\ncategory: phishing\nseverity: 2\nstatus: open\ntlp: GREEN\nrelations: [FIR-2023-0001]\n---\nSame kit as last year.\n").unwrap();
    let second = ok(&run(root.path(), &["build"]));
    assert!(second.starts_with("updated 7 incidents"), "{second}");
    let written: usize = second
        .split(", ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // About 30 incident and list pages, and the statistics of the periods the new
    // incident falls in (overview, dashboard, year, quarter, month and week reports with
    // their CSV files, comparison, time to close, the new periods' neighbours).
    assert!(written < 70, "only dependent pages are written: {second}");
    assert!(read(&site, "incidents/FIR-2024-0006.html").contains("Same kit as last year."));
    assert!(
        read(&site, "incidents/FIR-2023-0001.html").contains("incidents/FIR-2024-0006.html"),
        "related both ways"
    );
    assert!(read(&site, "category/phishing/index.html").contains("2 incidents in total"));
    // The data file was extended from its kept start: the same as a full build's.
    let full_now = root.path().join("full-now");
    ok(&run(
        root.path(),
        &["build", "--full", "--out", full_now.to_str().unwrap()],
    ));
    assert_eq!(
        read(&site, "data/incidents.json"),
        read(&full_now, "data/incidents.json")
    );
    fs::remove_dir_all(&full_now).unwrap();
    assert_eq!(
        fs::metadata(site.join("incidents/FIR-2024-0004.html"))
            .unwrap()
            .modified()
            .unwrap(),
        unchanged
    );

    // Change one and delete another.
    let changed = root.path().join("content/incidents/2024/FIR-2024-0004.md");
    let text = fs::read_to_string(&changed)
        .unwrap()
        .replace("Port scan from a partner network", "Port scan, renamed");
    fs::write(&changed, text).unwrap();
    fs::remove_file(root.path().join("content/incidents/2024/FIR-2024-0003.md")).unwrap();
    // A follow-up task done: it leaves the tasks page.
    let tasks_of = root.path().join("content/incidents/2024/FIR-2024-0001.md");
    let text = fs::read_to_string(&tasks_of).unwrap().replace(
        "    deadline: 2024-06-01\n",
        "    deadline: 2024-06-01\n    done: true\n",
    );
    fs::write(&tasks_of, text).unwrap();
    assert!(read(&site, "tasks/index.html").contains("Restore the branch file share"));
    let third = ok(&run(root.path(), &["build"]));
    assert!(third.starts_with("updated 6 incidents"), "{third}");
    assert!(third.contains("removed"), "{third}");
    assert!(!site.join("incidents/FIR-2024-0003.html").exists());
    assert!(read(&site, "list/index.html").contains("Port scan, renamed"));
    let tasks = read(&site, "tasks/index.html");
    assert!(tasks.contains("1 task to do · in 1 incident"), "{tasks}");
    assert!(!tasks.contains("Restore the branch file share"), "{tasks}");

    // The incremental result is exactly what a full build gives.
    let full_out = root.path().join("full");
    ok(&run(
        root.path(),
        &["build", "--full", "--out", full_out.to_str().unwrap()],
    ));
    assert_same_site(&site, &full_out);

    // Nothing changed: nothing written.
    let fourth = ok(&run(root.path(), &["build"]));
    assert!(fourth.contains("0 written"), "{fourth}");
}

/// Removing the newest incidents leaves the search index shorter: the files of its
/// end (display chunks of eight incidents) go, as a full build would not make them.
#[test]
fn removing_the_newest_incidents_leaves_what_a_full_build_makes() {
    let root = copy_fixture("sites/basic");
    let dir = root.path().join("content/incidents/2024");
    let added: Vec<_> = (10..14)
        .map(|n| {
            let path = dir.join(format!("FIR-2024-00{n}.md"));
            fs::write(&path, format!("---\nid: FIR-2024-00{n}\ntitle: Later alert {n}\ndate: 2024-09-{n}T10:00:00Z\ncategory: phishing\nseverity: 2\nstatus: open\n---\nAnother one.\n")).unwrap();
            path
        })
        .collect();
    ok(&run(root.path(), &["build"]));
    let site = root.path().join("site");
    assert!(
        site.join("search/d/1.js").exists(),
        "10 incidents: two display chunks"
    );
    for path in &added[1..] {
        fs::remove_file(path).unwrap();
    }
    let rebuilt = ok(&run(root.path(), &["build"]));
    assert!(rebuilt.starts_with("updated 7 incidents"), "{rebuilt}");
    let full = root.path().join("full");
    ok(&run(
        root.path(),
        &["build", "--full", "--out", full.to_str().unwrap()],
    ));
    assert_eq!(
        site_files(&site).keys().collect::<Vec<_>>(),
        site_files(&full).keys().collect::<Vec<_>>()
    );
    assert!(!site.join("search/d/1.js").exists());
}

/// A file moved elsewhere under the content directory: as many files are listed as
/// the last build knew, yet one of them is new and one known is gone.
#[test]
fn a_moved_file_is_seen_though_as_many_files_are_listed() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let dir = root.path().join("content/incidents/2024");
    fs::create_dir(dir.join("moved")).unwrap();
    fs::rename(
        dir.join("FIR-2024-0003.md"),
        dir.join("moved/FIR-2024-0003.md"),
    )
    .unwrap();
    let rebuilt = ok(&run(root.path(), &["build"]));
    assert!(rebuilt.starts_with("updated 6 incidents"), "{rebuilt}");
    let site = root.path().join("site");
    let full = root.path().join("full");
    ok(&run(
        root.path(),
        &["build", "--full", "--out", full.to_str().unwrap()],
    ));
    assert_same_site(&site, &full);
}

#[test]
fn the_library_rebuilds_in_process_from_a_list_of_changed_files() {
    use fir::site::{BuildOptions, Site};
    let root = copy_fixture("sites/basic");
    let mut site = Site::load(root.path(), BuildOptions::default()).unwrap();
    let first = site.build().unwrap();
    assert!(!first.incremental);
    let path = root.path().join("content/incidents/2024/FIR-2024-0007.md");
    fs::write(&path, "---\nid: FIR-2024-0007\ntitle: Submitted through the form\ndate: 2024-07-01T09:00:00Z\ncategory: spam\nseverity: 1\nstatus: open\n---\nHello.\n").unwrap();
    let report = site.rebuild(std::slice::from_ref(&path)).unwrap();
    assert!(report.incremental, "{report}");
    assert_eq!(report.incidents, 7);
    let out = root.path().join("site");
    assert!(read(&out, "incidents/FIR-2024-0007.html").contains("Submitted through the form"));
    assert!(read(&out, "index.html").contains("incidents/FIR-2024-0007.html"));
    // A second rebuild of the same file with the same bytes writes nothing.
    let again = site.rebuild(&[path]).unwrap();
    assert_eq!(again.written, 0, "{again}");
}

/// An incremental build's reported time and steps include reading the cache and
/// listing the content, which only the first build of a process does.
#[test]
fn the_first_incremental_build_counts_reading_the_cache() {
    use fir::site::{BuildOptions, Site};
    let root = copy_fixture("sites/basic");
    let steps = |report: &fir::site::Report| report.steps.iter().map(|s| s.0).collect::<Vec<_>>();
    let report = Site::load(root.path(), BuildOptions::default())
        .unwrap()
        .build()
        .unwrap();
    assert!(!report.incremental, "{report}");
    assert!(
        !steps(&report).contains(&"read cache and list files"),
        "{report}"
    );

    // A new process: its first build reads the cache the last one saved.
    let mut site = Site::load(root.path(), BuildOptions::default()).unwrap();
    let report = site.build().unwrap();
    assert!(report.incremental, "{report}");
    assert_eq!(steps(&report).first(), Some(&"read cache and list files"));
    let whole: std::time::Duration = report.steps.iter().map(|s| s.1).sum();
    assert!(report.elapsed >= whole, "{report}: {:?}", report.steps);

    // Later builds of the same process read nothing again.
    let report = site.build().unwrap();
    assert!(
        !steps(&report).contains(&"read cache and list files"),
        "{report}"
    );
}

/// The intake server's rebuilds publish the submitted incident's page first; it is the
/// page a full build makes, and the rest of the site follows in the same rebuild.
#[test]
fn a_rebuild_can_publish_changed_incident_pages_first() {
    use fir::site::{BuildOptions, Site};
    let root = copy_fixture("sites/basic");
    let options = BuildOptions {
        publish_changed_first: true,
        ..BuildOptions::default()
    };
    let mut site = Site::load(root.path(), options).unwrap();
    site.build().unwrap();
    let path = root.path().join("content/incidents/2024/FIR-2024-0007.md");
    fs::write(&path, "---\nid: FIR-2024-0007\ntitle: Submitted through the form\ndate: 2024-07-01T09:00:00Z\ncategory: spam\nseverity: 1\nstatus: open\n---\nHello.\n").unwrap();
    let report = site.rebuild(std::slice::from_ref(&path)).unwrap();
    assert!(report.incremental, "{report}");
    let steps: Vec<&str> = report.steps.iter().map(|s| s.0).collect();
    let early = steps.iter().position(|s| *s == "publish changed incidents");
    let search = steps.iter().position(|s| *s == "search index");
    assert!(early.is_some() && early < search, "{steps:?}");
    let out = root.path().join("site");
    assert!(read(&out, "index.html").contains("incidents/FIR-2024-0007.html"));
    let full = root.path().join("full");
    let full_options = BuildOptions {
        out: Some(full.clone()),
        full: true,
        ..BuildOptions::default()
    };
    Site::load(root.path(), full_options)
        .unwrap()
        .build()
        .unwrap();
    let page = "incidents/FIR-2024-0007.html";
    assert_eq!(read(&out, page), read(&full, page), "{page}");
    // Nothing changed: nothing is published first, nothing written.
    let again = site.rebuild(&[path]).unwrap();
    assert_eq!(again.written, 0, "{again}");
}

/// Adds 30 incidents to the fixture's 2024 incidents in `dir`: enough that one more is
/// a change small enough for an intake rebuild to update the index; they share
/// artifacts.
fn add_scans(dir: &Path) {
    for n in 10..40 {
        fs::write(
            dir.join(format!("FIR-2024-{n:04}.md")),
            format!(
                "---\nid: FIR-2024-{n:04}\ntitle: Scan {n}\ndate: 2024-03-{day:02}T08:00:00Z\ncategory: phishing\nseverity: 2\nstatus: open\n---\nFrom 198.51.100.{ip} and evil{dom}.example.\n",
                day = n % 28 + 1,
                ip = n % 5,
                dom = n % 3,
            ),
        )
        .unwrap();
    }
}

/// A server started on a site built before reads its state from the build cache,
/// which keeps the index's correlation: its first rebuild restores the index from it
/// (or finds it readied when idle) and updates it instead of building it anew, and
/// publishes what a full build does.
#[test]
fn a_site_read_from_the_cache_gets_its_index_before_the_first_rebuild() {
    use fir::site::{BuildOptions, Site};
    let root = copy_fixture("sites/basic");
    add_scans(&root.path().join("content/incidents/2024"));
    // Built in process: the build cache is only good for the program that wrote it.
    let build = || {
        let mut site = Site::load(root.path(), BuildOptions::default()).unwrap();
        let report = site.build().unwrap();
        (site, report)
    };
    let newest = root.path().join("content/incidents/2024/FIR-2024-0100.md");
    let first_rebuild = |prepare: bool| {
        let _ = fs::remove_file(&newest);
        drop(build());
        let (mut site, report) = build();
        assert!(report.incremental && report.written == 0, "{report}");
        if prepare {
            site.prepare_updates();
        }
        fs::write(&newest, "---\nid: FIR-2024-0100\ntitle: Submitted\ndate: 2024-12-01T09:00:00Z\ncategory: malware\nseverity: 3\nstatus: open\n---\nSeen: 198.51.100.2.\n").unwrap();
        let report = site.rebuild(std::slice::from_ref(&newest)).unwrap();
        assert!(report.incremental, "{report}");
        report.steps.iter().map(|s| s.0).collect::<Vec<_>>()
    };
    let steps = first_rebuild(false);
    assert!(
        steps.contains(&"restore index")
            && steps.contains(&"update index")
            && !steps.contains(&"index"),
        "{steps:?}"
    );
    let steps = first_rebuild(true);
    assert!(
        steps.contains(&"update index")
            && !steps.contains(&"restore index")
            && !steps.contains(&"index"),
        "{steps:?}"
    );
    let (_full, full_site) = build_to_temp(root.path(), &["--full"]);
    assert_eq!(
        site_files(&root.path().join("site")),
        site_files(&full_site)
    );
}

/// The intake server's rebuilds update the index of the last build when only the
/// newest incidents changed; the site they publish is the one a full build makes, file
/// for file: lists, facets, artifact pages, related incidents both ways, statistics.
#[test]
fn a_rebuild_that_updates_the_index_publishes_what_a_full_build_does() {
    use fir::site::{BuildOptions, Site};
    let root = copy_fixture("sites/basic");
    let dir = root.path().join("content/incidents/2024");
    add_scans(&dir);
    let options = BuildOptions {
        publish_changed_first: true,
        ..BuildOptions::default()
    };
    let mut site = Site::load(root.path(), options).unwrap();
    site.build().unwrap();
    // As the intake server does when idle: the first update does not make its tables.
    site.prepare_updates();
    let out = root.path().join("site");
    let full = root.path().join("full");
    // Rebuilds in process after `changed`, by updating the index, then checks the
    // site against a full build's.
    let rebuild_and_compare = |site: &mut Site, changed: &Path, updates: bool| {
        let report = site.rebuild(&[changed.to_path_buf()]).unwrap();
        assert!(report.incremental, "{report}");
        let steps: Vec<&str> = report.steps.iter().map(|s| s.0).collect();
        assert_eq!(steps.contains(&"update index"), updates, "{steps:?}");
        let _ = fs::remove_dir_all(&full);
        let options = BuildOptions {
            out: Some(full.clone()),
            full: true,
            ..BuildOptions::default()
        };
        Site::load(root.path(), options).unwrap().build().unwrap();
        let (mut published, mut expected) = (site_files(&out), site_files(&full));
        for tree in [&mut published, &mut expected] {
            tree.remove(".fir-build");
        }
        let differ: Vec<&String> = expected
            .keys()
            .chain(published.keys())
            .filter(|path| published.get(*path) != expected.get(*path))
            .collect();
        assert!(differ.is_empty(), "differ from a full build: {differ:?}");
    };
    // A new newest incident that shares an address, names an old incident and a new
    // artifact, and is named by no one yet.
    let newest = dir.join("FIR-2024-0100.md");
    fs::write(&newest, "---\nid: FIR-2024-0100\ntitle: Submitted\ndate: 2024-12-01T09:00:00Z\ncategory: malware\nseverity: 3\nstatus: open\nrelations: [FIR-2024-0011]\n---\nSeen again: 198.51.100.2, new.example and FIR-2024-0012.\n").unwrap();
    // A rebuild that fails once the summaries are merged (its page cannot be written)
    // leaves the last build's summaries as they were: the next rebuild is still
    // incremental (the index, updated by the failed one, is built anew).
    let blocker = out.join("incidents/FIR-2024-0100.html");
    fs::create_dir_all(blocker.join("in-the-way")).unwrap();
    assert!(site.rebuild(std::slice::from_ref(&newest)).is_err());
    fs::remove_dir_all(&blocker).unwrap();
    rebuild_and_compare(&mut site, &newest, false);
    assert!(read(&out, "incidents/FIR-2024-0011.html").contains("incidents/FIR-2024-0100.html"));
    // It goes again: the artifact it brought goes with it.
    fs::remove_file(&newest).unwrap();
    rebuild_and_compare(&mut site, &newest, true);
    // An old incident closed and moved to another category, in place: its facet
    // members move (a change from its position to the newest would be too large).
    let old = dir.join("FIR-2024-0011.md");
    let text = fs::read_to_string(&old).unwrap();
    let closed = text
        .replace("status: open", "status: closed")
        .replace("category: phishing", "category: malware");
    fs::write(&old, &closed).unwrap();
    rebuild_and_compare(&mut site, &old, true);
    assert!(read(&out, "category/malware/index.html").contains("FIR-2024-0011"));
    // Then to a category of its own (a facet value comes), and back (it goes).
    fs::write(&old, closed.replace("category: malware", "category: ddos")).unwrap();
    rebuild_and_compare(&mut site, &old, true);
    fs::write(&old, &text).unwrap();
    rebuild_and_compare(&mut site, &old, true);
    // An edit that brings an artifact changes the correlation from its position on.
    fs::write(
        &old,
        text.replace("---\nFrom", "---\nAlso 203.0.113.9. From"),
    )
    .unwrap();
    rebuild_and_compare(&mut site, &old, true);
}

#[test]
fn the_cache_is_shared_by_relative_and_absolute_spellings_of_the_root() {
    let root = copy_fixture("sites/basic");
    let absolute = ok(&run(root.path(), &["build"]));
    assert!(absolute.starts_with("built 6 incidents"), "{absolute}");
    let relative = |args: &[&str]| {
        let name = root.path().file_name().unwrap();
        Command::new(env!("CARGO_BIN_EXE_fir"))
            .current_dir(root.path().parent().unwrap())
            .arg("--root")
            .arg(Path::new(".").join(name))
            .args(args)
            .env_remove("FIR_LOG")
            .output()
            .expect("fir runs")
    };
    let again = ok(&relative(&["build"]));
    assert!(
        again.starts_with("updated 6 incidents") && again.contains("0 written"),
        "{again}"
    );
    let changed = root.path().join("content/incidents/2024/FIR-2024-0004.md");
    let text = fs::read_to_string(&changed)
        .unwrap()
        .replace("Port scan from a partner network", "Port scan, renamed");
    fs::write(&changed, text).unwrap();
    let third = ok(&relative(&["build"]));
    assert!(third.starts_with("updated 6 incidents"), "{third}");
    assert!(!third.contains("removed"), "{third}");
    let site = root.path().join("site");
    assert!(read(&site, "list/index.html").contains("Port scan, renamed"));
    let fourth = ok(&run(root.path(), &["build"]));
    assert!(fourth.contains("0 written"), "{fourth}");
}

#[test]
fn another_fir_program_builds_the_site_anew() {
    // A copy of fir stands for an upgraded one: same version number, other file.
    let root = copy_fixture("sites/basic");
    let program = root.path().join("fir-copy");
    fs::copy(env!("CARGO_BIN_EXE_fir"), &program).unwrap();
    let build = || {
        ok(&Command::new(&program)
            .arg("--root")
            .arg(root.path())
            .arg("build")
            .env_remove("FIR_LOG")
            .output()
            .expect("the copy of fir runs"))
    };
    assert!(build().starts_with("built 6 incidents"));
    let again = build();
    assert!(
        again.starts_with("updated 6 incidents") && again.contains(" 0 written"),
        "{again}"
    );
    // The program changes (here only its modification time): its output may differ
    // from the last one's for the same incidents, so nothing of the cache is trusted.
    let later =
        fs::metadata(&program).unwrap().modified().unwrap() + std::time::Duration::from_secs(60);
    fs::File::options()
        .write(true)
        .open(&program)
        .unwrap()
        .set_modified(later)
        .unwrap();
    let upgraded = build();
    assert!(upgraded.starts_with("built 6 incidents"), "{upgraded}");
}

/// Relations are checked against every incident of the register, also when an
/// incremental build reads only the changed files: one to a kept incident is quiet,
/// one to no incident warns with its file, line and field, as `fir check` does.
#[test]
fn incremental_builds_check_relations_against_the_whole_register() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let dir = root.path().join("content/incidents/2024");
    let incident = |id: &str, related: &str| {
        format!(
            "---\nid: {id}\ntitle: Related\ndate: 2024-06-02T10:00:00+02:00\ncategory: phishing\n\
             severity: 2\nstatus: open\nrelations: [{related}]\n---\nText.\n"
        )
    };
    fs::write(
        dir.join("FIR-2024-0006.md"),
        incident("FIR-2024-0006", "FIR-2023-0001"),
    )
    .unwrap();
    let quiet = run(root.path(), &["build"]);
    ok(&quiet);
    let stderr = String::from_utf8_lossy(&quiet.stderr);
    assert!(!stderr.contains("does not exist"), "{stderr}");
    fs::write(
        dir.join("FIR-2024-0007.md"),
        incident("FIR-2024-0007", "FIR-1999-0001"),
    )
    .unwrap();
    let warned = run(root.path(), &["build"]);
    assert!(ok(&warned).starts_with("updated"));
    let expected = "FIR-2024-0007.md:8: field `relations[0]`: related incident \"FIR-1999-0001\" does not exist";
    let stderr = String::from_utf8_lossy(&warned.stderr);
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!stderr.contains("FIR-2024-0006.md"), "{stderr}");
    let check = run(root.path(), &["check"]);
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains(expected), "{stderr}");
    assert!(!stderr.contains("FIR-2024-0006.md"), "{stderr}");
}

/// A new file that takes the id of a kept one fails the incremental build, which names
/// the new file (line and field) and the kept one, and leaves the site as it was.
#[test]
fn an_incremental_build_rejects_a_new_file_with_a_kept_id() {
    let root = copy_fixture("sites/basic");
    ok(&run(root.path(), &["build"]));
    let before = site_files(&root.path().join("site"));
    let kept = root.path().join("content/incidents/2024/FIR-2024-0001.md");
    let taken = fs::read_to_string(&kept).unwrap();
    assert!(taken.contains("\nid: FIR-2024-0001\n"), "{taken}");
    let copy = root.path().join("content/incidents/2025/FIR-2024-0001.md");
    fs::create_dir_all(copy.parent().unwrap()).unwrap();
    fs::write(&copy, &taken).unwrap();
    let failed = run(root.path(), &["build"]);
    assert_eq!(failed.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&failed.stderr);
    let expected = "content/incidents/2025/FIR-2024-0001.md:2: field `id`: duplicate id \
                    \"FIR-2024-0001\", already used by ";
    assert!(stderr.contains(expected), "{stderr}");
    assert!(
        stderr.contains("content/incidents/2024/FIR-2024-0001.md"),
        "{stderr}"
    );
    assert!(site_files(&root.path().join("site")) == before);
}

/// A CLI build after a small change restores the last build's index from the
/// correlation its cache kept and updates it, instead of correlating every artifact
/// again: the site it publishes is the one a full build makes.
#[test]
fn the_cli_updates_the_index_restored_from_the_cache() {
    let root = copy_fixture("sites/basic");
    let dir = root.path().join("content/incidents/2024");
    add_scans(&dir);
    ok(&run(root.path(), &["build"]));
    fs::write(dir.join("FIR-2024-0100.md"), "---\nid: FIR-2024-0100\ntitle: Submitted\ndate: 2024-12-01T09:00:00Z\ncategory: malware\nseverity: 3\nstatus: open\nrelations: [FIR-2024-0011]\n---\nSeen again: 198.51.100.2, new.example and FIR-2024-0012.\n").unwrap();
    // Debug logging names the steps.
    let logged = common::fir()
        .env("FIR_LOG", "fir=debug")
        .arg("--root")
        .arg(root.path())
        .arg("build")
        .output()
        .unwrap();
    let second = ok(&logged);
    assert!(second.starts_with("updated"), "{second}");
    let log = String::from_utf8_lossy(&logged.stderr);
    assert!(log.contains("step restore index"), "{log}");
    assert!(log.contains("step update index"), "{log}");
    assert!(
        !log.contains("artifacts numbered"),
        "correlated again: {log}"
    );
    assert!(
        read(&root.path().join("site"), "incidents/FIR-2024-0011.html").contains("FIR-2024-0100")
    );
    let (_full, full_site) = build_to_temp(root.path(), &["--full"]);
    assert_eq!(
        site_files(&root.path().join("site")),
        site_files(&full_site)
    );
}

/// The term shards a full build writes as it makes them (before the render, so that
/// they are not all held in memory) are counted as written, and recorded with the
/// fingerprints of their bytes: a rebuild that makes the index anew (a category no
/// incident had cannot be patched in) rewrites only the shards whose bytes changed.
#[test]
fn term_shards_written_ahead_are_counted_and_kept_by_rebuilds() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    synth::write_corpus(root, 300, 11).unwrap();
    let first = ok(&run(root, &["build"]));
    let counts: Vec<&str> = first
        .split(['(', ')'])
        .nth(1)
        .unwrap()
        .split(", ")
        .collect();
    let files: usize = counts[0].strip_suffix(" files").unwrap().parse().unwrap();
    assert_eq!(counts[1], format!("{files} written"), "{first}");
    let shard_dir = root.join("site/search/t");
    let shards = |dir: &Path| -> Vec<(String, std::time::SystemTime, Vec<u8>)> {
        let mut shards: Vec<_> = fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let name = e.file_name().into_string().unwrap();
                (
                    name,
                    e.metadata().unwrap().modified().unwrap(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        shards.sort();
        shards
    };
    let before = shards(&shard_dir);
    assert!(before.len() > 50, "{} shards", before.len());
    assert_eq!(site_files(&root.join("site")).len(), files);

    let edited = walkdir::WalkDir::new(root.join("content/incidents"))
        .into_iter()
        .map(Result::unwrap)
        .find(|e| e.path().extension().is_some_and(|x| x == "md"))
        .unwrap()
        .into_path();
    let text = fs::read_to_string(&edited).unwrap();
    let at = text.rfind("\n---\n").unwrap() + 5;
    let text = format!("{}Quetzalcoatl {}", &text[..at], &text[at..]);
    let category = text.lines().find(|l| l.starts_with("category: ")).unwrap();
    fs::write(&edited, text.replace(category, "category: quetzal")).unwrap();
    let second = run(root, &["-v", "build"]);
    let log = String::from_utf8_lossy(&second.stderr);
    assert!(log.contains("search index built anew"), "{log}");
    let second = ok(&second);
    assert!(second.starts_with("updated 300 incidents"), "{second}");
    let after = shards(&shard_dir);
    assert_eq!(
        before.iter().map(|s| &s.0).collect::<Vec<_>>(),
        after.iter().map(|s| &s.0).collect::<Vec<_>>()
    );
    let rewritten = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.1 != a.1)
        .count();
    let changed = before
        .iter()
        .zip(&after)
        .filter(|(b, a)| b.2 != a.2)
        .count();
    assert!(changed >= 1, "the new word is in a shard");
    assert_eq!(rewritten, changed, "only changed shards are rewritten");
    assert!(
        changed < before.len() / 4,
        "{changed} of {} shards",
        before.len()
    );
}

#[test]
fn incident_pages_have_the_api_forms_when_configured() {
    let (_dir, site) = build_fixture(&[]);
    let plain = read(&site, "incidents/FIR-2024-0001.html");
    assert!(!plain.contains("add-entry") && !plain.contains("data-api-post"));
    assert!(!plain.contains("fir-forms.js") && !site.join("static/fir-forms.js").exists());
    let (root, config) = fixture_configured("api_url = \"/api/\"");
    // A task done ahead of the open ones: the buttons keep the file's numbers.
    let file = root.path().join("content/incidents/2024/FIR-2024-0001.md");
    let text = fs::read_to_string(&file).unwrap();
    let done_first = "todos:\n  - task: Isolate the workstation\n    done: true\n";
    fs::write(&file, text.replacen("todos:\n", done_first, 1)).unwrap();
    ok(&run(root.path(), &["build"]));
    let page = read(&root.path().join("site"), "incidents/FIR-2024-0001.html");
    // The forms are the same on every page, so they are written once, into
    // static/fir-forms.js, which the pages load and fir.js reads: a page has slots
    // naming its incident, and the entry's with the values its lists start with.
    assert!(
        page.contains("<section class=\"add-entry screen-only\" data-api-part hidden data-api-form=\"entry\" data-incident=\"FIR-2024-0001\" data-status=\"closed\" data-severity=\"4\" data-category=\"malware\" data-tlp=\"AMBER\" data-detection=\"antivirus\"></section>"),
        "{page}"
    );
    assert!(!page.contains("<form class=\"intake"), "{page}");
    assert!(page.contains("<script src=\"static/fir-forms.js\"></script>"));
    let script = read(&root.path().join("site"), "static/fir-forms.js");
    let forms: serde_json::Value = serde_json::from_str(
        script
            .split_once("window.firForms = ")
            .and_then(|(_, rest)| rest.trim_end().strip_suffix(';'))
            .unwrap_or_else(|| panic!("{script}")),
    )
    .unwrap();
    // Calls go to the API's address, its trailing / dropped.
    assert_eq!(forms["api"], "/api");
    let entry = forms["forms"]["entry"].as_str().unwrap();
    assert!(
        entry.contains("<form class=\"intake\" data-api-path=\"timeline\">"),
        "{entry}"
    );
    for select in [
        "<select id=\"entry-action\" name=\"action\" required data-options=\"actions\"><option value=\"\">(choose)</option></select>",
        "<select id=\"entry-status\" name=\"status\" data-options=\"statuses\" data-kept=\"{value} (unchanged)\"><option value=\"\">(unchanged)</option></select>",
        "<select id=\"entry-tlp\" name=\"tlp\" data-options=\"tlp\" data-kept=\"{value} (unchanged)\"><option value=\"\">(unchanged)</option></select>",
        "<input id=\"api-token\" type=\"password\" autocomplete=\"off\">",
        "<input id=\"entry-date\" name=\"date\" type=\"datetime-local\" step=\"1\">",
    ] {
        assert!(entry.contains(select), "{select}\n{entry}");
    }
    let choices = &forms["choices"];
    let values = |list: &str| -> Vec<String> {
        let choices = choices[list].as_array().unwrap();
        choices
            .iter()
            .map(|c| c["value"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(values("statuses"), ["open", "blocked", "closed"]);
    assert_eq!(values("severities"), ["1", "2", "3", "4"]);
    assert_eq!(choices["severities"][0]["label"], "1 · Low");
    assert!(values("actions").contains(&"takedown".to_string()));
    assert!(values("tlp").contains(&"AMBER+STRICT".to_string()));
    assert!(values("actors").contains(&"soc".to_string()));
    assert!(values("plans").contains(&"crisis".to_string()));
    assert!(values("detections").contains(&"antivirus".to_string()));
    assert!(entry.contains("<select id=\"entry-actor\" name=\"actor\" data-options=\"actors\""));
    assert!(values("business_lines").contains(&"Retail Banking > France".to_string()));
    // A button for each open task, numbered as the file lists them (the API's
    // numbers): tasks 2 and 3 are open, tasks 1 and 4 are done.
    let buttons: Vec<&str> = page
        .match_indices("data-api-post=\"")
        .map(|(at, key)| page[at + key.len()..].split('"').next().unwrap())
        .collect();
    assert_eq!(
        buttons,
        [
            "/api/incidents/FIR-2024-0001/todos/2/done",
            "/api/incidents/FIR-2024-0001/todos/3/done"
        ]
    );
    // So has the Tasks page, which lists only the open ones.
    let tasks = read(&root.path().join("site"), "tasks/index.html");
    let on_tasks: Vec<&str> = tasks
        .match_indices("data-api-post=\"")
        .map(|(at, key)| tasks[at + key.len()..].split('"').next().unwrap())
        .filter(|url| url.contains("FIR-2024-0001"))
        .collect();
    assert_eq!(on_tasks.len(), 2, "{tasks}");
    assert!(buttons.iter().all(|b| on_tasks.contains(b)), "{on_tasks:?}");
    // A task is added with a form offering the business lines; an incident without
    // tasks has it too.
    let todo = forms["forms"]["todo"].as_str().unwrap();
    assert!(todo.starts_with("<summary>Add a task</summary>\n<form class=\"intake add-todo\" data-api-path=\"todos\">"), "{todo}");
    assert!(todo.contains("<select id=\"todo-business_line\" name=\"business_line\" data-options=\"business_lines\">"), "{todo}");
    let nugget = forms["forms"]["nugget"].as_str().unwrap();
    assert!(nugget.starts_with("<summary>Add a nugget</summary>\n<form class=\"intake add-nugget\" data-api-path=\"nuggets\">"), "{nugget}");
    let other = read(&root.path().join("site"), "incidents/FIR-2024-0002.html");
    for form in ["nugget", "todo"] {
        let slot = format!(
            "<details class=\"add-form screen-only\" data-api-part hidden data-api-form=\"{form}\" data-incident=\"FIR-2024-0002\"></details>"
        );
        assert!(other.contains(&slot), "{slot}\n{other}");
    }
    // Their sections, empty but for the forms, show only with them.
    for section in ["nuggets", "todos"] {
        let hidden = format!("<section class=\"{section}\" data-api-part hidden>");
        assert!(other.contains(&hidden), "{section}: {other}");
        assert!(!page.contains(&hidden), "{section}: {page}");
        let plain = read(&site, "incidents/FIR-2024-0002.html");
        assert!(
            !plain.contains(&format!("<section class=\"{section}\"")),
            "{section}"
        );
    }
    // An address relative to the page, or one that could run code, is refused.
    for bad in ["api", "javascript:alert(1)//"] {
        let text = fs::read_to_string(&config).unwrap();
        let (_, rest) = text.split_once('\n').unwrap();
        fs::write(&config, format!("api_url = \"{bad}\"\n{rest}")).unwrap();
        let output = run(root.path(), &["build"]);
        assert!(!output.status.success(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("fir.toml:1: api_url must be a path from the server's root"),
            "{bad}: {stderr}"
        );
    }
}
