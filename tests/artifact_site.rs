//! End-to-end: artifact pages, indexes, incident pages, data and export on the
//! fixture site tests/fixtures/sites/artifacts.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use common::{assert_same_site, build_to_temp, copy_fixture, fixture, ok, read, run, site_files};
use fir::site::paths;

const SITE: &str = "sites/artifacts";

/// A site built into a temporary directory, removed with it.
struct Built {
    _dir: tempfile::TempDir,
    site: std::path::PathBuf,
}

impl Built {
    fn path(&self) -> &Path {
        &self.site
    }
}

/// Builds into `site/` of a new temporary directory: the build cache, kept beside
/// the output, goes with it.
fn build(root: &Path, extra: &[&str]) -> Built {
    let (dir, site) = build_to_temp(root, extra);
    Built { _dir: dir, site }
}

/// The text of the first `<section class="NAME">` of a page.
fn section<'a>(html: &'a str, name: &str) -> &'a str {
    let start = html
        .find(&format!("<section class=\"{name}\">"))
        .unwrap_or_else(|| panic!("no {name} section"));
    let end = html[start..].find("</section>").unwrap() + start;
    &html[start..end]
}

/// Incident ids linked from `html`, in order, without repeats.
fn linked_ids(html: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for part in html.split("href=\"incidents/").skip(1) {
        let id = part.split(".html").next().unwrap().to_string();
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

#[test]
fn artifact_pages_list_every_incident_with_date_category_and_status() {
    let out = build(&fixture(SITE), &[]);
    let site = out.path();
    let page = read(site, &paths::artifact("domain", "login-bank.com"));
    assert_eq!(
        linked_ids(&page),
        vec!["FIR-2024-0003", "FIR-2024-0002", "FIR-2024-0001"],
        "newest first"
    );
    assert!(
        page.contains("<code>login-bank[.]com</code>"),
        "defanged title"
    );
    assert!(page.contains("data-copy=\"login-bank.com\""));
    // One value: its type in the singular, then how many incidents it is in.
    assert!(
        page.contains("<p class=\"summary\">Domain · Seen in 3 incidents</p>"),
        "{page}"
    );
    for shown in [
        "2024-03-05 08:30",
        "Malware",
        "Blocked",
        "2024-01-10 09:00",
        "Phishing",
        "Closed",
    ] {
        assert!(page.contains(shown), "{shown} missing");
    }
    // A value of one incident only has no page by default, and its type index only
    // counts it.
    let url = "https://login-bank.com/verify?id=42";
    let url_page = paths::artifact("url", url);
    assert!(!site.join(&url_page).exists());
    let urls = read(site, "artifacts/url/index.html");
    assert!(!urls.contains("login-bank[.]com/verify"));
    assert!(urls.contains("1 more value is seen in fewer incidents"));
    // With `page_min_incidents = 1` every value has one, URLs under a hashed,
    // path-safe directory name.
    let root = copy_fixture(SITE);
    let config = root.path().join("fir.toml");
    let text = fs::read_to_string(&config)
        .unwrap()
        .replace("[artifacts]\n", "[artifacts]\npage_min_incidents = 1\n");
    fs::write(&config, text).unwrap();
    let every = build(root.path(), &[]);
    assert!(url_page.starts_with("artifacts/url/https-login-bank.com-verify-id-42-"));
    assert_eq!(
        linked_ids(&read(every.path(), &url_page)),
        vec!["FIR-2024-0001"]
    );
    let ipv6 = read(every.path(), &paths::artifact("ipv6", "2a01:4f8::1"));
    assert!(ipv6.contains("2a01[:]4f8[:][:]1"), "canonical, defanged");
    let incident = read(every.path(), &paths::incident("FIR-2024-0001"));
    assert!(incident.contains(&format!("<a href=\"{url_page}\"><code>hxxps[://]")));
    let urls = read(every.path(), "artifacts/url/index.html");
    assert!(urls.contains(&format!(
        "<a href=\"{url_page}\"><code>hxxps[://]login-bank[.]com/verify?id=42</code>"
    )));
    // Never artifacts: blocklisted domains and values, private addresses.
    let all = site_files(site);
    for absent in ["mybank.fr", "8.8.8.8", "10.0.0.5"] {
        assert!(
            !all.keys().any(|path| path.contains(absent)),
            "{absent} has a page"
        );
    }
}

#[test]
fn type_indexes_sort_by_incident_count_and_the_overview_counts_types() {
    let out = build(&fixture(SITE), &[]);
    let site = out.path();
    let ipv4 = read(site, "artifacts/ipv4/index.html");
    assert!(ipv4.contains("<code>185[.]220[.]101[.]4</code>"));
    assert!(ipv4.contains("data-value=\"3\""));
    // Each value has a copy button for its real form, as on incident pages.
    assert!(ipv4.contains("<td data-copy=\"185.220.101.4\">"), "{ipv4}");
    assert!(ipv4.contains("data-copy-label=\"Copy\""));
    let domains = read(site, "artifacts/domain/index.html");
    assert!(domains.contains("artifacts/domain/login-bank.com/index.html"));
    let overview = read(site, paths::ARTIFACTS);
    assert!(overview.contains("7 distinct artifacts"), "{overview}");
    for (label, count) in [
        ("IPv4 addresses", 1),
        ("Domains", 1),
        ("URLs", 1),
        ("CVE ids", 1),
    ] {
        assert!(
            overview.contains(&format!(
                "<span class=\"label\">{label}</span> <span class=\"count\">{count}</span>"
            )),
            "{label}"
        );
    }
    // Most shared first: the two values seen 3 times, then the others.
    let most = &overview[overview.find("<table class=\"kv artifacts").unwrap()..];
    let first = most.find("185[.]220[.]101[.]4").unwrap();
    let second = most.find("login-bank[.]com</code>").unwrap();
    assert!(first < second);
    assert!(!most.contains("CVE-2024-3400"), "in one incident only");
    // Navigation links the overview.
    assert!(read(site, "index.html").contains("href=\"artifacts/index.html\""));
}

#[test]
fn incident_pages_show_artifacts_defanged_and_rank_related_incidents() {
    let out = build(&fixture(SITE), &[]);
    let site = out.path();
    let page = read(site, &paths::incident("FIR-2024-0001"));
    let artifacts = section(&page, "artifacts");
    for defanged in [
        "<code>185[.]220[.]101[.]4</code>",
        "<code>login-bank[.]com</code>",
        "<code>hxxps[://]login-bank[.]com/verify?id=42</code>",
        "<code>noreply[@]login-bank[.]com</code>",
    ] {
        assert!(artifacts.contains(defanged), "{defanged} in {artifacts}");
    }
    assert!(
        !artifacts.contains("href=\"https://"),
        "no clickable indicator"
    );
    assert!(artifacts.contains("data-copy=\"https://login-bank.com/verify?id=42\""));
    // A value with a page links it and says how many incidents mention it.
    assert!(
        artifacts.contains(
            "<tr><td>domain</td><td data-copy=\"login-bank.com\"><a href=\"artifacts/domain/login-bank.com/index.html\"><code>login-bank[.]com</code></a></td><td class=\"count\">3</td></tr>\n"
        ),
        "{artifacts}"
    );
    assert!(
        artifacts.contains("data-copy-label=\"Copy\"") && !artifacts.contains("<button"),
        "copy buttons are made by fir.js, which has the labels"
    );
    assert!(!artifacts.contains("mybank"), "blocklisted");
    // 0004: explicit relation (3); 0002: two shared (2); 0005 and 0003: one each,
    // newest first.
    assert_eq!(
        linked_ids(section(&page, "related")),
        vec![
            "FIR-2024-0004",
            "FIR-2024-0002",
            "FIR-2024-0005",
            "FIR-2024-0003"
        ]
    );
    // A reference by id in a text relates both ways.
    let referenced = read(site, &paths::incident("FIR-2024-0004"));
    assert!(linked_ids(section(&referenced, "related")).contains(&"FIR-2024-0003".to_string()));
    let js = read(site, "static/fir.js");
    assert!(js.contains("querySelectorAll(\"[data-copy]\")") && js.contains("execCommand"));
}

#[test]
fn data_file_maps_each_value_to_its_type_and_incidents() {
    let out = build(&fixture(SITE), &[]);
    let text = read(out.path(), paths::ARTIFACTS_DATA);
    let data: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    assert_eq!(data.len(), 7);
    assert_eq!(data["login-bank.com"]["type"], "domain");
    assert_eq!(
        data["login-bank.com"]["incidents"],
        serde_json::json!(["FIR-2024-0001", "FIR-2024-0002", "FIR-2024-0003"])
    );
    assert_eq!(data["noreply@login-bank.com"]["type"], "email");
    assert_eq!(data["2a01:4f8::1"]["type"], "ipv6");
    let incidents: serde_json::Value =
        serde_json::from_str(&read(out.path(), paths::DATA)).unwrap();
    assert_eq!(
        incidents[4]["indicators"],
        serde_json::json!([
            {"type": "ipv4", "value": "185.220.101.4"},
            {"type": "cve", "value": "CVE-2024-3400"}
        ])
    );
}

#[test]
fn audience_builds_show_only_artifacts_of_their_incidents() {
    let everyone = build(&fixture(SITE), &[]);
    assert!(everyone.path().join("artifacts/sha256/index.html").exists());
    let out = build(&fixture(SITE), &["--audience", "public"]);
    let site = out.path();
    let data: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&read(site, paths::ARTIFACTS_DATA)).unwrap();
    assert_eq!(data.len(), 6, "the RED incident's hash is gone");
    assert!(!read(site, paths::ARTIFACTS_DATA).contains("FIR-2024-0003"));
    assert_eq!(
        data["login-bank.com"]["incidents"],
        serde_json::json!(["FIR-2024-0001", "FIR-2024-0002"])
    );
    let hash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert!(!site.join(paths::artifact("sha256", hash)).exists());
    assert!(!site.join("artifacts/sha256/index.html").exists());
    let page = read(site, &paths::artifact("domain", "login-bank.com"));
    assert_eq!(linked_ids(&page), vec!["FIR-2024-0002", "FIR-2024-0001"]);
    for page in site_files(site).keys() {
        let text = read(site, page);
        assert!(
            !text.contains("FIR-2024-0003"),
            "{page} names the RED incident"
        );
        assert!(!text.contains(hash), "{page} shows the RED incident's hash");
    }
}

#[test]
fn export_csv_has_one_row_per_incident_and_artifact() {
    let text = ok(&run(
        &fixture(SITE),
        &[
            "export",
            "--format",
            "csv",
            "--artifacts",
            "--audience",
            "public",
        ],
    ));
    let text = text.strip_prefix('\u{feff}').unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    assert_eq!(
        reader.headers().unwrap().iter().collect::<Vec<_>>(),
        vec![
            "id", "date", "category", "severity", "status", "tlp", "type", "value"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect();
    let pairs: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[0].as_str(), r[6].as_str(), r[7].as_str()))
        .collect();
    assert_eq!(
        pairs,
        vec![
            ("FIR-2024-0001", "ipv4", "185.220.101.4"),
            ("FIR-2024-0001", "domain", "login-bank.com"),
            (
                "FIR-2024-0001",
                "url",
                "https://login-bank.com/verify?id=42"
            ),
            ("FIR-2024-0001", "email", "noreply@login-bank.com"),
            ("FIR-2024-0002", "ipv4", "185.220.101.4"),
            ("FIR-2024-0002", "domain", "login-bank.com"),
            ("FIR-2024-0004", "ipv6", "2a01:4f8::1"),
            ("FIR-2024-0005", "ipv4", "185.220.101.4"),
            ("FIR-2024-0005", "cve", "CVE-2024-3400"),
        ]
    );
    assert_eq!(rows[0][5], "GREEN");
    assert_eq!(rows[0][2], "phishing");
    // One row per incident: every indicator in a cell of its own, one per line, beside
    // the front matter's `artifacts:`.
    let text = ok(&run(&fixture(SITE), &["export", "--format", "csv"]));
    let mut reader = csv::Reader::from_reader(text.strip_prefix('\u{feff}').unwrap().as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let first = reader
        .records()
        .map(Result::unwrap)
        .find(|r| &r[col("id")] == "FIR-2024-0001")
        .unwrap();
    assert_eq!(
        &first[col("indicators")],
        "ipv4: 185.220.101.4\ndomain: login-bank.com\nurl: https://login-bank.com/verify?id=42\n\
         email: noreply@login-bank.com"
    );
    assert_eq!(
        &first[col("artifacts")],
        "email: noreply[@]login-bank[.]com"
    );
    let json = run(
        &fixture(SITE),
        &["export", "--format", "json", "--artifacts"],
    );
    assert!(!json.status.success(), "--artifacts is for CSV");
}

/// A copy of the fixture built into its `site/`: its root and the site.
fn built_copy() -> (tempfile::TempDir, std::path::PathBuf) {
    let root = copy_fixture(SITE);
    let site = root.path().join("site");
    ok(&run(root.path(), &["build"]));
    (root, site)
}

/// FIR-2024-0002 of the fixture gains a domain no incident had: kit-mirror.net.
fn mention_a_new_domain(root: &Path) {
    let two = root.join("content/incidents/2024/FIR-2024-0002.md");
    let text = fs::read_to_string(&two)
        .unwrap()
        .replace("fraud team.", "fraud team, also on kit-mirror.net.");
    fs::write(&two, text).unwrap();
}

#[test]
fn incremental_artifact_pages_match_a_full_build() {
    let (root, site) = built_copy();
    // 0005 no longer mentions the shared address; 0002 gains a new domain.
    let five = root.path().join("content/incidents/2024/FIR-2024-0005.md");
    let text = fs::read_to_string(&five)
        .unwrap()
        .replace("185.220.101.4", "a host");
    fs::write(&five, text).unwrap();
    mention_a_new_domain(root.path());
    let second = ok(&run(root.path(), &["build"]));
    assert!(second.starts_with("updated"), "{second}");
    let ip = read(&site, &paths::artifact("ipv4", "185.220.101.4"));
    assert_eq!(linked_ids(&ip), vec!["FIR-2024-0002", "FIR-2024-0001"]);
    assert!(read(&site, paths::ARTIFACTS_DATA).contains(
        "\"kit-mirror.net\": {\"type\": \"domain\", \"incidents\": [\"FIR-2024-0002\"]}"
    ));
    let full = build(root.path(), &["--full"]);
    assert_same_site(&site, full.path());
}

/// An incremental build changes the lines of the artifacts whose incidents changed
/// and copies the others from the published data file, which a full build writes
/// whole.
#[test]
fn the_artifact_data_file_is_spliced_not_written_again() {
    let (root, site) = built_copy();
    // A mark on a line no change touches: kept by a splice, gone with a whole file.
    let data = site.join(paths::ARTIFACTS_DATA);
    let line = "\"2a01:4f8::1\": {\"type\": \"ipv6\", \"incidents\": [\"FIR-2024-0004\"]}";
    let marked = line.replace("0004\"", "0004-kept\"");
    let published = fs::read_to_string(&data).unwrap();
    assert!(published.contains(line), "{published}");
    fs::write(&data, published.replace(line, &marked)).unwrap();
    mention_a_new_domain(root.path());
    ok(&run(root.path(), &["build"]));
    let spliced = read(&site, paths::ARTIFACTS_DATA);
    assert!(spliced.contains(&marked), "{spliced}");
    assert!(spliced.contains(
        "\"kit-mirror.net\": {\"type\": \"domain\", \"incidents\": [\"FIR-2024-0002\"]}"
    ));
    serde_json::from_str::<serde_json::Value>(&spliced).expect("still one JSON object");
    ok(&run(root.path(), &["build", "--full"]));
    let whole = read(&site, paths::ARTIFACTS_DATA);
    assert!(whole.contains(line) && !whole.contains(&marked), "{whole}");
    assert_eq!(spliced.replace(&marked, line), whole);
}

/// The inode of a file: a file replaced in place gets a new one.
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .ino()
}

#[test]
fn an_older_incident_without_artifacts_leaves_the_artifact_data_alone() {
    let (root, site) = built_copy();
    let data = site.join(paths::ARTIFACTS_DATA);
    let before = (inode(&data), fs::read(&data).unwrap());
    // Dated before every other incident: each one moves up a position, but the data
    // file names incidents by id, so it stays the same bytes and is not written again.
    fs::write(
        root.path().join("content/incidents/2024/FIR-2024-0000.md"),
        "---\nid: FIR-2024-0000\ntitle: Lost badge\ndate: 2024-01-01T09:00:00+01:00\n\
         category: other\nseverity: 1\nstatus: closed\n---\nNothing to correlate.\n",
    )
    .unwrap();
    let second = ok(&run(root.path(), &["build"]));
    assert!(second.starts_with("updated"), "{second}");
    assert_eq!(inode(&data), before.0, "the data file was written again");
    assert_eq!(fs::read(&data).unwrap(), before.1);
    assert!(read(&site, "incidents/FIR-2024-0000.html").contains("Lost badge"));
    let full = build(root.path(), &["--full"]);
    assert_eq!(site_files(&site), site_files(full.path()));
}

#[test]
fn a_build_with_nothing_changed_writes_nothing() {
    let (root, site) = built_copy();
    let cache = root.path().join(".site-cache");
    let marker = site.join(".fir-build");
    let before = (inode(&cache), inode(&marker), site_files(&site));
    let second = ok(&run(root.path(), &["build"]));
    assert!(second.contains("0 written"), "{second}");
    assert_eq!((inode(&cache), inode(&marker)), (before.0, before.1));
    assert_eq!(site_files(&site), before.2);
    // A change after it is still seen: the cache and the output still agree.
    let one = root.path().join("content/incidents/2024/FIR-2024-0001.md");
    let body = fs::read_to_string(&one).unwrap() + "\nOne more line.\n";
    fs::write(&one, body).unwrap();
    let third = ok(&run(root.path(), &["build"]));
    assert!(
        third.starts_with("updated") && !third.contains(" 0 written"),
        "{third}"
    );
    assert!(read(&site, "incidents/FIR-2024-0001.html").contains("One more line."));
}

#[test]
fn a_value_seen_once_more_rewrites_only_the_first_page_of_its_type() {
    // Two incidents sharing 600 addresses: 600 pages, and a type index of two pages.
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("fir.toml"), "title = \"Pages\"\n").unwrap();
    let dir = root.path().join("content/incidents/2024");
    fs::create_dir_all(&dir).unwrap();
    let addresses: Vec<String> = (0..600)
        .map(|i| format!("45.33.{}.{}", i / 200 + 1, i % 200 + 1))
        .collect();
    for n in 1..=2 {
        fs::write(
            dir.join(format!("FIR-2024-000{n}.md")),
            format!(
                "---\nid: FIR-2024-000{n}\ntitle: Scan {n}\ndate: 2024-03-0{n}T10:00:00+01:00\n\
                 category: scan\nseverity: 2\nstatus: open\n---\nSources: {}\n",
                addresses.join(", ")
            ),
        )
        .unwrap();
    }
    let site = root.path().join("site");
    ok(&run(root.path(), &["build"]));
    let first = site.join(paths::artifact_type("ipv4", 0));
    let second = site.join(paths::artifact_type("ipv4", 1));
    assert!(read(&site, &paths::artifact_type("ipv4", 0)).contains("600"));
    let before = (inode(&first), inode(&second));
    // A third incident with an address of its own: one more value, no new page.
    fs::write(
        dir.join("FIR-2024-0003.md"),
        "---\nid: FIR-2024-0003\ntitle: Scan 3\ndate: 2024-03-03T10:00:00+01:00\n\
         category: scan\nseverity: 2\nstatus: open\n---\nSource: 45.33.9.9\n",
    )
    .unwrap();
    let again = ok(&run(root.path(), &["build"]));
    assert!(again.starts_with("updated"), "{again}");
    assert_ne!(
        inode(&first),
        before.0,
        "the first page counts the new value"
    );
    assert_eq!(
        inode(&second),
        before.1,
        "the second page was written again"
    );
    assert!(!read(&site, &paths::artifact_type("ipv4", 1)).contains("601"));
    let full = build(root.path(), &["--full"]);
    assert_eq!(site_files(&site), site_files(full.path()));
}

/// Thirty incidents without artifacts, older than the fixture's: enough that a change
/// of one or two incidents is small to the site, so that an incremental build updates
/// the index the cache kept instead of building it anew.
fn add_quiet_incidents(root: &Path) {
    for n in 0..30 {
        fs::write(
            root.join(format!("content/incidents/2024/FIR-2023-{n:04}.md")),
            format!(
                "---\nid: FIR-2023-{n:04}\ntitle: Lost badge {n}\ndate: 2023-06-{day:02}T09:00:00Z\n\
                 category: other\nseverity: 1\nstatus: closed\n---\nNothing to correlate.\n",
                day = n % 28 + 1,
            ),
        )
        .unwrap();
    }
}

/// An incremental build of `root` into its `site/`, which updates the index (checked
/// in the step log), then the site against a full build's.
fn rebuild_by_update_like_a_full_build(root: &Path) {
    let out = run(root, &["-v", "build"]);
    let stdout = ok(&out);
    assert!(stdout.starts_with("updated"), "{stdout}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("step update index"), "{log}");
    let full = build(root, &["--full"]);
    assert_same_site(&root.join("site"), full.path());
}

/// After an update of the index, only the pages of the artifacts it changed are
/// planned (the others are known to be as the last build made them), and the site is
/// still the one a full build makes: an artifact page gains an incident, shows an
/// incident edited in place anew, appears with a second mention, and goes with it.
#[test]
fn artifact_pages_follow_an_updated_index_like_a_full_build() {
    let root = copy_fixture(SITE);
    let root = root.path();
    add_quiet_incidents(root);
    ok(&run(root, &["build"]));
    let incident = |id: &str, day: u32, text: &str| {
        let path = root.join(format!("content/incidents/2024/{id}.md"));
        fs::write(
            &path,
            format!(
                "---\nid: {id}\ntitle: Seen again\ndate: 2024-06-{day:02}T09:00:00Z\n\
                 category: phishing\nseverity: 2\nstatus: open\n---\n{text}\n"
            ),
        )
        .unwrap();
        path
    };
    let ip_page = paths::artifact("ipv4", "185.220.101.4");
    // A new incident on the address three others share: its page lists four.
    incident(
        "FIR-2024-0006",
        1,
        "From 185.220.101.4, see kit-mirror.net.",
    );
    rebuild_by_update_like_a_full_build(root);
    assert_eq!(linked_ids(&read(&root.join("site"), &ip_page)).len(), 4);
    // A second mention of the new domain gives it a page.
    let seventh = incident("FIR-2024-0007", 2, "Again kit-mirror.net.");
    rebuild_by_update_like_a_full_build(root);
    let domain_page = paths::artifact("domain", "kit-mirror.net");
    assert!(root.join("site").join(&domain_page).is_file());
    // An incident edited in place: the address's page shows its new status.
    let two = root.join("content/incidents/2024/FIR-2024-0002.md");
    let text = fs::read_to_string(&two).unwrap();
    fs::write(&two, text.replace("status: open", "status: closed")).unwrap();
    rebuild_by_update_like_a_full_build(root);
    // The second mention gone, so is the domain's page.
    fs::remove_file(seventh).unwrap();
    rebuild_by_update_like_a_full_build(root);
    assert!(!root.join("site").join(&domain_page).exists());
}

/// Writes incident `id` of 2024 into the site at `root`, dated `date`, with `text`.
fn add_incident(root: &Path, id: &str, date: &str, text: &str) {
    let file = root.join(format!("content/incidents/2024/{id}.md"));
    let front = format!(
        "---\nid: {id}\ntitle: Incident {id}\ndate: {date}\ncategory: phishing\n\
         severity: 2\nstatus: open\ntlp: GREEN\n---\n{text}\n"
    );
    fs::write(file, front).unwrap();
}

#[test]
fn a_domain_in_a_url_or_an_address_relates_incidents_that_name_it_bare() {
    let root = copy_fixture(SITE);
    add_incident(
        root.path(),
        "FIR-2024-0006",
        "2024-06-01T10:00:00Z",
        "The payload came from hxxps://kit-drop[.]net/stage2.bin.",
    );
    add_incident(
        root.path(),
        "FIR-2024-0007",
        "2024-06-02T10:00:00Z",
        "The invoice came from billing[@]kit-drop[.]net.",
    );
    add_incident(
        root.path(),
        "FIR-2024-0008",
        "2024-06-03T10:00:00Z",
        "DNS logs show lookups of kit-drop.net.",
    );
    ok(&run(root.path(), &["build"]));
    let site = &root.path().join("site");
    let all = ["FIR-2024-0006", "FIR-2024-0007", "FIR-2024-0008"];
    // The domain's page, newest first, and the data file list all three.
    let page = read(site, &paths::artifact("domain", "kit-drop.net"));
    assert_eq!(linked_ids(&page), [all[2], all[1], all[0]]);
    let data: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&read(site, paths::ARTIFACTS_DATA)).unwrap();
    assert_eq!(data["kit-drop.net"]["incidents"], serde_json::json!(all));
    assert_eq!(data["billing@kit-drop.net"]["type"], "email");
    // The URL's incident lists the host beside the URL, shared by three, and is
    // related to the two others.
    let incident = read(site, &paths::incident(all[0]));
    let artifacts = section(&incident, "artifacts");
    assert!(
        artifacts.contains("<code>kit-drop[.]net</code></a></td><td class=\"count\">3</td>"),
        "{artifacts}"
    );
    assert!(artifacts.contains("<code>hxxps[://]kit-drop[.]net/stage2.bin</code>"));
    assert_eq!(linked_ids(section(&incident, "related")), [all[2], all[1]]);
    // Searching for the domain, typed defanged, finds every incident that names it.
    assert_eq!(search_ids(root.path(), "artifact:kit-drop[.]net"), all);
}

/// The ids `fir search --json QUERY` finds, sorted.
fn search_ids(root: &Path, query: &str) -> Vec<String> {
    let found: serde_json::Value =
        serde_json::from_slice(&common::run_ok(root, &["search", "--json", query]).stdout).unwrap();
    let mut ids: Vec<String> = found["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort_unstable();
    ids
}

#[test]
fn a_look_alike_name_and_its_ascii_form_are_one_artifact() {
    let root = copy_fixture(SITE);
    // `аpple-id.com` with a Cyrillic `а`: what a reader sees as a known brand.
    add_incident(
        root.path(),
        "FIR-2024-0006",
        "2024-06-01T10:00:00Z",
        "Users were sent to hxxps://\u{430}pple-id[.]com/verify from support@\u{430}pple-id.com.",
    );
    add_incident(
        root.path(),
        "FIR-2024-0007",
        "2024-06-02T10:00:00Z",
        "Proxy logs show xn--pple-id-1fg.com and a beacon to https://[2a01:4f8:c0c:1::5]/gate.",
    );
    add_incident(
        root.path(),
        "FIR-2024-0008",
        "2024-06-03T10:00:00Z",
        "Same beacon: hxxps://[2A01:4F8:C0C:1:0:0:0:5]/gate, no look-alike.",
    );
    ok(&run(root.path(), &["build"]));
    let site = &root.path().join("site");
    let (lookalike, beacon) = ("FIR-2024-0006", "FIR-2024-0007");
    let page = read(site, &paths::artifact("domain", "xn--pple-id-1fg.com"));
    assert_eq!(linked_ids(&page), [beacon, lookalike]);
    assert!(
        page.contains("<code>\u{430}pple-id[.]com</code>"),
        "the page shows the name as written"
    );
    let data: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&read(site, paths::ARTIFACTS_DATA)).unwrap();
    assert_eq!(data["support@xn--pple-id-1fg.com"]["type"], "email");
    assert_eq!(
        data["https://xn--pple-id-1fg.com/verify"]["incidents"],
        serde_json::json!([lookalike])
    );
    // A URL on a bracketed IPv6 address is one URL, whichever way it was written.
    assert_eq!(
        data["https://[2a01:4f8:c0c:1::5]/gate"]["incidents"],
        serde_json::json!([beacon, "FIR-2024-0008"])
    );
    let incident = read(site, &paths::incident(beacon));
    assert_eq!(
        linked_ids(section(&incident, "related")),
        ["FIR-2024-0008", lookalike]
    );
    // Its table shows the name as written beside its ASCII form.
    assert!(
        section(&incident, "artifacts").contains(
            "<code>xn--pple-id-1fg[.]com</code></a> <span class=\"written\">(<code>\u{430}pple-id[.]com</code>)</span>"
        ),
        "{}",
        section(&incident, "artifacts")
    );
    for query in [
        "artifact:\u{430}pple-id.com",
        "artifact:xn--pple-id-1fg[.]com",
    ] {
        assert_eq!(
            search_ids(root.path(), query),
            [lookalike, beacon],
            "{query}"
        );
    }
}

#[test]
fn a_value_too_common_to_relate_shows_a_bounded_count_and_leaves_pages_alone() {
    use fir::artifacts::correlate::MAX_FANOUT;
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("fir.toml"), "title = \"Common\"\n").unwrap();
    fs::create_dir_all(root.path().join("content/incidents/2024")).unwrap();
    let mention = |n: usize| {
        add_incident(
            root.path(),
            &format!("FIR-2024-{n:04}"),
            &format!("2024-01-01T00:{:02}:{:02}Z", n / 60, n % 60),
            "Mail relayed through smtp.relay-hub.net, as usual.",
        );
    };
    for n in 1..=MAX_FANOUT + 1 {
        mention(n);
    }
    let site = root.path().join("site");
    ok(&run(root.path(), &["build"]));
    let first = paths::incident("FIR-2024-0001");
    let row_end = format!(
        "<code>smtp[.]relay-hub[.]net</code></a></td><td class=\"count\">{MAX_FANOUT}+</td>"
    );
    assert!(
        read(&site, &first).contains(&row_end),
        "{}",
        read(&site, &first)
    );
    let before = inode(&site.join(&first));
    // One more: the artifact page counts it, the other incident pages stay as they are.
    mention(MAX_FANOUT + 2);
    ok(&run(root.path(), &["build"]));
    assert_eq!(
        inode(&site.join(&first)),
        before,
        "FIR-2024-0001 was rendered again"
    );
    let page = read(&site, &paths::artifact("domain", "smtp.relay-hub.net"));
    assert!(
        page.contains(&format!("Seen in {} incidents", MAX_FANOUT + 2)),
        "{page}"
    );
    assert!(
        read(
            &site,
            &paths::incident(&format!("FIR-2024-{:04}", MAX_FANOUT + 2))
        )
        .contains(&row_end)
    );
    let full = build(root.path(), &["--full"]);
    assert_eq!(site_files(&site), site_files(full.path()));
}

#[test]
fn quoted_links_alerts_and_mapped_addresses_relate_what_they_should() {
    let root = copy_fixture(SITE);
    let sha256 = "9f2c4a7be1d0c3b5a6e8f7d9c0b1a2e3f4d5c6b7a8e9f0d1c2b3a4e5f6d7c8b9";
    // A sample named by an analysis service's link in one incident, bare in another;
    // both quote an alert's fields, and one sees an IPv4 client through IPv6.
    add_incident(
        root.path(),
        "FIR-2024-0006",
        "2024-06-01T10:00:00Z",
        &format!(
            "Alert host.name: WS-0042, user.name: jdupont. Report: \
             https://www.virustotal.com/gui/file/{sha256}/detection. Client ::ffff:185.199.1.7."
        ),
    );
    add_incident(
        root.path(),
        "FIR-2024-0007",
        "2024-06-02T10:00:00Z",
        &format!("Alert host.name: WS-0107. Sample {sha256} from 185.199.1.7 again."),
    );
    ok(&run(root.path(), &["build"]));
    let site = &root.path().join("site");
    let data: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&read(site, paths::ARTIFACTS_DATA)).unwrap();
    let both = serde_json::json!(["FIR-2024-0006", "FIR-2024-0007"]);
    assert_eq!(data[sha256]["type"], "sha256");
    assert_eq!(data[sha256]["incidents"], both);
    assert_eq!(data["185.199.1.7"]["incidents"], both);
    for field in [
        "host.name",
        "user.name",
        "::ffff:185.199.1.7",
        "www.virustotal.com",
    ] {
        assert!(!data.contains_key(field), "{field} is no artifact");
    }
    let incident = read(site, &paths::incident("FIR-2024-0007"));
    assert_eq!(linked_ids(section(&incident, "related")), ["FIR-2024-0006"]);
    assert_eq!(
        search_ids(root.path(), "artifact:::ffff:b9c7:107"),
        ["FIR-2024-0006", "FIR-2024-0007"]
    );
}

#[test]
fn a_network_named_in_any_form_is_one_artifact_with_its_page() {
    let root = copy_fixture(SITE);
    // One range as two analysts write it: plain, and defanged with a host's address.
    add_incident(
        root.path(),
        "FIR-2024-0006",
        "2024-06-01T10:00:00Z",
        "Block the hoster range 194.26.29.0/24 at the egress firewall.",
    );
    add_incident(
        root.path(),
        "FIR-2024-0007",
        "2024-06-02T10:00:00Z",
        "Beacon to 194[.]26[.]29[.]112/24 again, and to 2A01:4F8:C0C::/48.",
    );
    ok(&run(root.path(), &["build"]));
    let site = &root.path().join("site");
    let data: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(&read(site, paths::ARTIFACTS_DATA)).unwrap();
    let both = serde_json::json!(["FIR-2024-0006", "FIR-2024-0007"]);
    assert_eq!(data["194.26.29.0/24"]["type"], "network");
    assert_eq!(data["194.26.29.0/24"]["incidents"], both);
    assert_eq!(data["2a01:4f8:c0c::/48"]["type"], "network");
    // The host written with the range is listed; the range's own address is not.
    assert_eq!(
        data["194.26.29.112"]["incidents"],
        serde_json::json!(["FIR-2024-0007"])
    );
    assert!(!data.contains_key("194.26.29.0"));

    let page = read(site, &paths::artifact("network", "194.26.29.0/24"));
    assert!(page.contains("194[.]26[.]29[.]0/24"), "shown defanged");
    assert!(page.contains("Network (CIDR)"), "named by its type");
    assert_eq!(linked_ids(&page), ["FIR-2024-0007", "FIR-2024-0006"]);
    let incident = read(site, &paths::incident("FIR-2024-0006"));
    assert_eq!(linked_ids(section(&incident, "related")), ["FIR-2024-0007"]);
    assert_eq!(
        search_ids(root.path(), "artifact:194.26.29.5/24"),
        ["FIR-2024-0006", "FIR-2024-0007"]
    );
    let csv = common::run_ok(root.path(), &["export", "--format", "csv", "--artifacts"]).stdout;
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains("FIR-2024-0006") && l.contains("network,194.26.29.0/24")),
        "{csv}"
    );
}

/// A range named by one incident and an address or a smaller range in it named by
/// another relate them, in a full build and in an update of the index, either way
/// round and when the address goes again.
#[test]
fn a_range_and_an_address_in_it_relate_their_incidents_through_updates() {
    let root = copy_fixture(SITE);
    let root = root.path();
    add_quiet_incidents(root);
    add_incident(
        root,
        "FIR-2024-0006",
        "2024-06-01T10:00:00Z",
        "Block the hoster range 194.26.29.0/24.",
    );
    // A second incident on the range: it has a page, which lists its addresses.
    add_incident(
        root,
        "FIR-2024-0009",
        "2024-05-01T10:00:00Z",
        "Scans from 194.26.29.0/24 again.",
    );
    ok(&run(root, &["build"]));
    let range_page = || {
        read(
            &root.join("site"),
            &paths::artifact("network", "194.26.29.0/24"),
        )
    };
    assert!(!range_page().contains("artifact-linked"));
    let related = |id: &str| {
        let page = read(&root.join("site"), &paths::incident(id));
        linked_ids(section(&page, "related"))
    };
    assert_eq!(related("FIR-2024-0006"), ["FIR-2024-0009"]);
    // A new incident on an address of the range: related to the older ones.
    add_incident(
        root,
        "FIR-2024-0007",
        "2024-06-02T10:00:00Z",
        "Beacon to 194.26.29.112 every five minutes.",
    );
    rebuild_by_update_like_a_full_build(root);
    assert_eq!(related("FIR-2024-0006"), ["FIR-2024-0007", "FIR-2024-0009"]);
    assert_eq!(related("FIR-2024-0007"), ["FIR-2024-0006", "FIR-2024-0009"]);
    let page = range_page();
    let linked = &page[page.find("artifact-linked").expect("addresses listed")..];
    assert!(linked.contains("In this range"), "{linked}");
    assert!(linked.contains("count as related"), "the hint: {linked}");
    assert!(linked.contains("194[.]26[.]29[.]112"), "{linked}");
    assert_eq!(linked_ids(linked), ["FIR-2024-0007"], "its only incident");
    // A newer range holding the address of an older incident.
    add_incident(
        root,
        "FIR-2024-0008",
        "2024-06-03T10:00:00Z",
        "The whole 194.26.0.0/16 belongs to the same hoster.",
    );
    rebuild_by_update_like_a_full_build(root);
    assert_eq!(
        related("FIR-2024-0007"),
        ["FIR-2024-0008", "FIR-2024-0006", "FIR-2024-0009"]
    );
    // The /24 is inside the /16: their incidents are related too.
    assert_eq!(
        related("FIR-2024-0006"),
        ["FIR-2024-0008", "FIR-2024-0007", "FIR-2024-0009"]
    );
    let page = range_page();
    let holding = section(&page, "artifact-linked");
    assert!(holding.contains("Ranges that hold this range"), "{holding}");
    assert!(holding.contains("194[.]26[.]0[.]0/16"), "{holding}");
    assert!(!holding.contains("194[.]26[.]29[.]112"), "{holding}");
    assert!(
        page.contains("In this range"),
        "the address: still in the range"
    );
    assert_eq!(
        page.matches("count as related").count(),
        1,
        "the hint once, over both lists: {page}"
    );
    // The address gone, so are its links, and its line on the range's page.
    fs::remove_file(root.join("content/incidents/2024/FIR-2024-0007.md")).unwrap();
    rebuild_by_update_like_a_full_build(root);
    assert_eq!(related("FIR-2024-0006"), ["FIR-2024-0008", "FIR-2024-0009"]);
    let page = range_page();
    assert!(page.contains("Ranges that hold this range"));
    assert!(!page.contains("In this range"));
}
