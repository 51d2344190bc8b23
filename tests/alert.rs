//! Alerts: `fir alert` and the incident pages' alert links, on a copy of the basic
//! fixture site given `[alerting]` contacts.

mod common;

use base64::Engine as _;

const ALERTING: &str = r#"
[alerting]
from = "cert@bank.example"
cc = ["cert@bank.example", "soc@bank.example"]
[alerting.contacts]
"Group Security" = ["ciso@bank.example", "security@bank.example"]
"Retail Banking" = ["retail.security@bank.example"]
"#;

/// The basic fixture with the contacts above.
fn site() -> tempfile::TempDir {
    let site = common::copy_fixture("sites/basic");
    let config = site.path().join("fir.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}{ALERTING}")).unwrap();
    site
}

fn message(eml: &[u8]) -> mail_parser::Message<'_> {
    mail_parser::MessageParser::default()
        .parse(eml)
        .expect("an Internet message")
}

/// The text of a message, with `\n` line ends.
fn body(message: &mail_parser::Message<'_>) -> String {
    message.body_text(0).unwrap().replace("\r\n", "\n")
}

/// The `.eml` draft an incident page offers for download.
fn page_draft(page: &str) -> Vec<u8> {
    let data = link(page, "Alert draft (.eml)").expect("a draft link");
    base64::engine::general_purpose::STANDARD
        .decode(data.strip_prefix("data:message/rfc822;base64,").unwrap())
        .unwrap()
}

fn addresses(message: &mail_parser::Message<'_>, header: &str) -> Vec<String> {
    let list = match header {
        "to" => message.to(),
        "cc" => message.cc(),
        _ => message.from(),
    };
    list.map(|list| {
        list.iter()
            .filter_map(|a| a.address().map(str::to_string))
            .collect()
    })
    .unwrap_or_default()
}

#[test]
fn an_alert_goes_to_the_lines_contacts_and_is_recorded_in_the_timeline() {
    let site = site();
    let root = site.path();
    let file = root.join("content/incidents/2024/FIR-2024-0002.md");
    let before = std::fs::read_to_string(&file).unwrap();

    let eml = common::run_ok(root, &["alert", "FIR-2024-0002"]).stdout;
    let parsed = message(&eml);
    assert_eq!(addresses(&parsed, "from"), ["cert@bank.example"]);
    assert_eq!(
        addresses(&parsed, "to"),
        ["ciso@bank.example", "security@bank.example"]
    );
    // The team's own address once, not again as a copy of itself.
    assert_eq!(
        addresses(&parsed, "cc"),
        ["cert@bank.example", "soc@bank.example"]
    );
    assert_eq!(
        parsed.subject(),
        Some("[TLP:RED] FIR-2024-0002: Secret board-level investigation")
    );
    let body = body(&parsed);
    assert!(
        body.starts_with(
            "Hello,\n\nWe are handling the incident below, which concerns Group Security.\n"
        ),
        "{body}"
    );
    assert!(
        body.contains("\nSeverity: Critical\nStatus: Open\n"),
        "{body}"
    );
    assert!(
        body.contains("Follow-up: https://cert.example.internal/fir/incidents/FIR-2024-0002.html"),
        "{body}"
    );
    assert!(body.contains("TOPSECRET-CANARY: only the CERT may read this."));
    assert!(
        body.trim_end()
            .ends_with("This message is TLP:RED: share it only as that level allows.")
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before,
        "nothing recorded without --record"
    );

    // Another line's contacts, named in another case; written to a file; recorded.
    let draft = root.join("alert.eml");
    let out = common::fir()
        .env("FIR_AUTHOR", "ana")
        .arg("--root")
        .arg(root)
        .args([
            "alert",
            "FIR-2024-0002",
            "--business-line",
            "retail banking > france",
        ])
        .args(["--out", draft.to_str().unwrap(), "--record"])
        .output()
        .unwrap();
    assert!(common::ok(&out).is_empty(), "the draft goes to the file");
    let eml = std::fs::read(&draft).unwrap();
    assert_eq!(
        addresses(&message(&eml), "to"),
        ["retail.security@bank.example"]
    );
    // One block added, in its place among the fields; every other line as it was.
    let after = std::fs::read_to_string(&file).unwrap();
    let (head, tail) = before.split_once("relations:").unwrap();
    let added = after
        .strip_prefix(head)
        .and_then(|rest| rest.strip_suffix(&format!("relations:{tail}")))
        .unwrap_or_else(|| panic!("other lines changed: {after}"));
    assert!(added.starts_with("timeline:\n  - date: "), "{added}");
    assert!(
        added.ends_with(
            "\n    action: alerting\n    author: ana\n    text: Alert sent to retail.security@bank.example, cert@bank.example, soc@bank.example.\n"
        ),
        "{added}"
    );
    let check = common::run_ok(root, &["check"]);
    assert!(!String::from_utf8_lossy(&check.stderr).contains("FIR-2024-0002"));
}

#[test]
fn a_category_template_of_the_site_replaces_the_default() {
    let site = site();
    let root = site.path();
    common::put(
        root,
        "templates/alert-insider.txt",
        "{{ incident.id }} needs your attention\n\nCall the CERT about {{ incident.title | lower }}.\n{% for a in incident.artifacts %}{{ a.defanged }}\n{% endfor %}",
    );
    let eml = common::run_ok(root, &["alert", "FIR-2024-0002"]).stdout;
    let parsed = message(&eml);
    assert_eq!(parsed.subject(), Some("FIR-2024-0002 needs your attention"));
    assert_eq!(
        body(&parsed),
        "Call the CERT about secret board-level investigation.\n"
    );
    // Another category keeps the default template.
    let other = common::run_ok(root, &["alert", "FIR-2024-0001"]).stdout;
    assert!(message(&other).subject().unwrap().starts_with("[TLP:"));
}

#[test]
fn without_contacts_or_with_bad_ones_fir_says_what_to_fix() {
    let site = site();
    let root = site.path();
    // Corporate IT has no contacts, nor any line above it.
    let out = common::run(root, &["alert", "FIR-2024-0004"]);
    assert_eq!(out.status.code(), Some(1));
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains("FIR-2024-0004: no contact to alert for Corporate IT: add them under [alerting.contacts] in fir.toml"),
        "{error}"
    );
    let out = common::run(
        root,
        &["alert", "FIR-2024-0004", "--business-line", "Legal"],
    );
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("\"Legal\" is not a business line of fir.toml")
    );
    let out = common::run(root, &["alert", "FIR-2099-0001"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("no incident FIR-2099-0001"));

    let config = root.join("fir.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    // A site whose timeline has no `alerting` action cannot record an alert.
    std::fs::write(
        &config,
        format!("{text}[actions]\ninfo = \"Information\"\n"),
    )
    .unwrap();
    let out = common::run(root, &["alert", "FIR-2024-0002", "--record"]);
    assert!(out.stdout.is_empty(), "no draft printed");
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("add the action alerting to [actions] in fir.toml")
    );
    let line = text.lines().position(|l| l == "[alerting]").unwrap() + 1;
    std::fs::write(
        &config,
        text.replace("\"Retail Banking\" =", "\"Retail\" ="),
    )
    .unwrap();
    let out = common::run(
        root,
        &["build", "--out", root.join("out").to_str().unwrap()],
    );
    assert!(!out.status.success());
    let error = String::from_utf8_lossy(&out.stderr);
    assert!(
        error.contains(&format!(
            "fir.toml:{line}: alerting.contacts names \"Retail\", which is not a business line of business_lines"
        )),
        "{error}"
    );
    std::fs::write(
        &config,
        text.replace("\"soc@bank.example\"", "\"SOC <soc@bank.example>\""),
    )
    .unwrap();
    let error = String::from_utf8_lossy(&common::run(root, &["alert", "FIR-2024-0002"]).stderr)
        .into_owned();
    assert!(
        error.contains("\"SOC <soc@bank.example>\" is not an email address"),
        "{error}"
    );
}

/// The `href` of the page's link whose text is `text`, unescaped.
fn link(page: &str, text: &str) -> Option<String> {
    let end = page.find(&format!("\">{text}</a>"))?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    let href = page[start..end].split('"').next()?;
    Some(href.replace("&amp;", "&").replace("&#x2F;", "/"))
}

#[test]
fn incident_pages_link_to_the_alert_of_their_lines() {
    let site = site();
    let root = site.path();
    let (_dir, out) = common::build_to_temp(root, &[]);
    let page = common::read(&out, "incidents/FIR-2024-0002.html");
    let mailto = link(&page, "Alert by email").expect("a mailto link");
    assert!(
        mailto.starts_with(
            "mailto:ciso@bank.example,security@bank.example?cc=cert@bank.example%2Csoc@bank.example&subject=%5BTLP%3ARED%5D%20FIR-2024-0002%3A%20Secret%20board-level%20investigation&body=Hello%2C%0D%0A"
        ),
        "{mailto}"
    );
    assert!(page.contains("title=\"Open an email to ciso@bank.example, security@bank.example\""));
    // The draft is the one `fir alert` prints, byte for byte.
    assert_eq!(
        page_draft(&page),
        common::run_ok(root, &["alert", "FIR-2024-0002"]).stdout
    );
    assert!(page.contains("download=\"FIR-2024-0002-alert.eml\""));

    // No contacts for Corporate IT, nor for a line that is markup: no links.
    for id in ["FIR-2024-0004", "FIR-2024-0003"] {
        let page = common::read(&out, &format!("incidents/{id}.html"));
        assert!(!page.contains("Alert by email"), "{id}");
    }
    // A site published elsewhere links its alerts there.
    let (_dir, moved) =
        common::build_to_temp(root, &["--base-url", "https://intranet.example/cert/"]);
    let page = common::read(&moved, "incidents/FIR-2024-0002.html");
    let body = body(&message(&page_draft(&page)));
    assert!(
        body.contains("Follow-up: https://intranet.example/cert/incidents/FIR-2024-0002.html"),
        "{body}"
    );
    // Without [alerting], no page has them.
    let (_dir, plain) = common::build_to_temp(&common::fixture("sites/basic"), &[]);
    assert!(!common::read(&plain, "incidents/FIR-2024-0002.html").contains("mailto:"));
}

#[test]
fn the_french_site_writes_its_alerts_in_french() {
    let site = site();
    let root = site.path();
    let config = root.join("fir.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("language = \"fr\"\n{text}")).unwrap();
    let eml = common::run_ok(root, &["alert", "FIR-2024-0002"]).stdout;
    let body = body(&message(&eml));
    assert!(
        body.starts_with(
            "Bonjour,\n\nNous traitons l'incident ci-dessous, qui concerne Group Security.\n"
        ),
        "{body}"
    );
    assert!(check_lines(&eml));
}

/// Every line of a message is at most 78 characters, as RFC 5322 asks.
fn check_lines(eml: &[u8]) -> bool {
    String::from_utf8_lossy(eml)
        .split("\r\n")
        .all(|l| l.len() <= 78)
}

#[test]
fn task_reminders_go_to_each_lines_contacts() {
    let site = site();
    let root = site.path();
    let dir = root.join("reminders");
    let out = common::run(root, &["tasks", "--remind", dir.to_str().unwrap()]);
    let file = dir.join("retail-banking-czech-republic.eml");
    assert_eq!(
        common::ok(&out),
        format!(
            "{}: 1 task of Retail Banking > Czech Republic, to retail.security@bank.example\n",
            file.display()
        )
    );
    // The other open tasks have no business line.
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("2 tasks of no business line: in no reminder")
    );
    let eml = std::fs::read(&file).unwrap();
    let parsed = message(&eml);
    assert_eq!(addresses(&parsed, "to"), ["retail.security@bank.example"]);
    assert_eq!(
        parsed.subject(),
        Some("1 follow-up task for Retail Banking > Czech Republic")
    );
    let body = body(&parsed);
    assert!(
        body.contains(
            "\n- [Overdue] 2024-06-01: Restore the branch file share from the offline backup\n  FIR-2024-0001 (task 1), Ransomware on a branch workstation\n  https://cert.example.internal/fir/incidents/FIR-2024-0001.html\n"
        ),
        "{body}"
    );
    assert_eq!(dir.read_dir().unwrap().count(), 1);

    // A line without contacts gets no reminder, and fir says so.
    let config = root.join("fir.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace(
            "\"Retail Banking\" = [\"retail.security@bank.example\"]\n",
            "",
        ),
    )
    .unwrap();
    let elsewhere = root.join("none");
    let out = common::run(root, &["tasks", "--remind", elsewhere.to_str().unwrap()]);
    assert_eq!(common::ok(&out), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "1 task of Retail Banking > Czech Republic: in no reminder, the line has no contacts in [alerting.contacts]"
    ));
    assert_eq!(elsewhere.read_dir().unwrap().count(), 0);
}
