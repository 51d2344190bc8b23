//! `fir ingest-mail` end to end: hand-written messages under tests/fixtures/mail/,
//! hostile ones generated here, a Maildir watched by the running binary, and a
//! property test of the parsing entry point.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Output, Stdio};
use std::time::{Duration, Instant};

use common::{copy_fixture, fixture, run};
use fir::incident::{Incident, parse};
use proptest::prelude::*;
use sha2::Digest;

fn site() -> tempfile::TempDir {
    copy_fixture("mail/site")
}

fn mail(name: &str) -> String {
    fixture(&format!("mail/{name}")).display().to_string()
}

fn ingest(root: &Path, args: &[&str]) -> Output {
    let mut all = vec!["ingest-mail"];
    all.extend_from_slice(args);
    run(root, &all)
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn incident_file(root: &Path, id: &str) -> PathBuf {
    root.join(format!("content/incidents/{}/{id}.md", &id[4..8]))
}

fn incident(root: &Path, id: &str) -> Incident {
    let text = fs::read_to_string(incident_file(root, id)).unwrap();
    parse(&text).unwrap().incident
}

fn incident_files(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content/incidents"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    files
}

/// Every file under content/ is complete, and `fir check --strict` finds nothing.
fn assert_site_checks(root: &Path) {
    let leftovers: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
    let check = run(root, &["check", "--strict"]);
    assert!(check.status.success(), "fir check: {}", stderr(&check));
}

fn attribute<'a>(incident: &'a Incident, name: &str) -> Option<&'a str> {
    incident
        .attributes
        .iter()
        .find(|a| a.name == name)
        .map(|a| a.value.as_str())
}

fn has_artifact(incident: &Incident, kind: &str, value: &str) -> bool {
    incident
        .artifacts
        .iter()
        .any(|a| a.kind == kind && a.value == value)
}

#[test]
fn plain_text_mail_becomes_an_incident() {
    let site = site();
    let out = ingest(site.path(), &[&mail("plain.eml")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("created FIR-2024-0002 "),
        "{}",
        stdout(&out)
    );
    let found = incident(site.path(), "FIR-2024-0002");
    assert_eq!(found.title, "Scanning from your network");
    assert_eq!(found.date.to_string(), "2024-05-14T10:05:00Z");
    assert_eq!(
        found.opened_by.as_deref(),
        Some("Partner CERT <alerts@cert.example>")
    );
    // The first [mail] rule: sender domain cert.example.
    assert_eq!(
        (found.category.as_str(), found.severity),
        ("vulnerability", 2)
    );
    assert_eq!(found.status, "open");
    assert_eq!(found.detection.as_deref(), Some("user"));
    assert_eq!(
        attribute(&found, "Message-ID"),
        Some("plain-0001@cert.example")
    );
    // Quoted-printable soft breaks and UTF-8 decoded, kept verbatim in a code block.
    assert!(
        found
            .description
            .contains("185.220.101.4 towards our network between"),
        "{}",
        found.description
    );
    assert!(found.description.contains("Régards,"));
    assert!(found.description.contains("```text\nFrom: Partner CERT"));
    assert!(found.timeline.is_empty() && found.artifacts.is_empty());
    assert_site_checks(site.path());
}

#[test]
fn html_only_mail_is_converted_to_text_safely() {
    let site = site();
    let out = ingest(site.path(), &[&mail("html-only.eml")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found = incident(site.path(), "FIR-2024-0002");
    assert_eq!(
        found.title, "Étrange message",
        "TR: and RFC 2047 b-encoding"
    );
    assert_eq!(
        found.opened_by.as_deref(),
        Some("Zélie Martin <zelie.martin@corp.example>")
    );
    let text = &found.description;
    assert!(text.contains("HTML only"), "{text}");
    assert!(
        text.contains("Bonjour, I got this from Café & co <billing>."),
        "{text}"
    );
    assert!(
        text.contains("It asks me to log in at this page."),
        "{text}"
    );
    for hidden in [
        "stolen cookie",
        "alert(",
        "color: red",
        "ignored title",
        "<p>",
        "href",
    ] {
        assert!(!text.contains(hidden), "{hidden:?} leaked into {text}");
    }
    assert_site_checks(site.path());
}

#[test]
fn forwarded_phishing_is_analysed_and_its_attachment_kept_as_evidence() {
    let site = site();
    let out = ingest(site.path(), &[&mail("phishing-forward.eml")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found = incident(site.path(), "FIR-2024-0002");
    assert_eq!(found.title, "Unpaid invoice 2024-0517 - action required");
    assert_eq!((found.category.as_str(), found.severity), ("phishing", 3));
    assert_eq!(
        found.opened_by.as_deref(),
        Some("Bob Durand <bob.durand@corp.example>")
    );

    // The forwarded message's headers, Received chain included, in one nugget.
    let headers = found
        .nuggets
        .iter()
        .find(|n| n.source.as_deref() == Some("headers of an attached message"))
        .expect("a nugget with the forwarded headers");
    for line in [
        "Return-Path: <bounce-77@mailer.evil-billing.top>",
        "Received: from mx1.corp.example (mx1.corp.example [192.0.2.10]) by mail.corp.example",
        "Received: from smtp.evil-billing.top (unknown [185.220.101.4]) by mx1.corp.example",
        "From: \"Accounts Receivable\" <billing@evil-billing.top>",
        "Reply-To: payments@collect-now.xyz",
        "Message-ID: <a1b2c3@evil-billing.top>",
    ] {
        assert!(
            headers.raw.contains(line),
            "{line:?} not in {}",
            headers.raw
        );
    }

    // Its senders, URLs, domains and public IPs as explicit artifacts; the reporter is not one.
    for (kind, value) in [
        ("email", "billing@evil-billing.top"),
        ("email", "payments@collect-now.xyz"),
        ("email", "bounce-77@mailer.evil-billing.top"),
        ("ipv4", "185.220.101.4"),
        ("url", "https://pay-invoice.click/secure?id=517"),
        ("domain", "smtp.evil-billing.top"),
    ] {
        assert!(
            has_artifact(&found, kind, value),
            "no {kind} {value}: {:?}",
            found.artifacts
        );
    }
    assert!(
        !has_artifact(&found, "ipv4", "192.0.2.10"),
        "documentation range kept"
    );
    assert!(
        !found
            .artifacts
            .iter()
            .any(|a| a.value.contains("bob.durand"))
    );

    // The zip inside the forwarded message: stored by hash, bytes intact, hashes recorded.
    let zip: &[u8] = b"PK\x03\x04 fake invoice archive: never opened by fir\n";
    let sha256 = hex(&sha2::Sha256::digest(zip));
    let md5 = hex(&md5::Md5::digest(zip));
    let sha1 = hex(&sha1::Sha1::digest(zip));
    let stored = site
        .path()
        .join("evidence")
        .join(&sha256[..2])
        .join(&sha256);
    assert_eq!(fs::read(&stored).unwrap(), zip);
    assert!(has_artifact(&found, "sha256", &sha256));
    assert!(has_artifact(&found, "md5", &md5));
    assert!(has_artifact(&found, "sha1", &sha1));
    assert!(has_artifact(&found, "file", "invoice-2024-0517.zip"));
    let nugget = found
        .nuggets
        .iter()
        .find(|n| n.raw.contains("name: invoice-2024-0517.zip"))
        .expect("a nugget for the attachment");
    assert!(
        nugget
            .raw
            .contains("type: application/zip\nsize: 47 bytes\n"),
        "{}",
        nugget.raw
    );
    assert!(
        nugget
            .raw
            .contains(&format!("stored: evidence/{}/{sha256}", &sha256[..2]))
    );
    // The forwarded message itself is evidence too, and nothing lands in the site.
    assert!(
        found
            .nuggets
            .iter()
            .any(|n| n.raw.contains("type: message/rfc822"))
    );
    assert!(!site.path().join("content").join("evidence").exists());
    assert!(found.description.contains("----- attached message -----"));
    assert_site_checks(site.path());
}

#[test]
fn inline_forward_headers_become_a_nugget() {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("inline.eml");
    fs::write(
        &path,
        "From: erin@corp.example\nSubject: TR: Votre colis\nDate: Fri, 24 May 2024 10:00:00 +0200\nMessage-ID: <inline-1@corp.example>\n\nBizarre ?\n\n-------- Message transféré --------\nDe : Livraison <noreply@colis-suivi.top>\nObjet : Votre colis\n\nPayez 1,99 EUR sur http://colis-suivi.top/pay\n",
    )
    .unwrap();
    let out = ingest(site.path(), &[path.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let found = incident(site.path(), "FIR-2024-0002");
    assert_eq!(found.title, "Votre colis");
    let nugget = &found.nuggets[0];
    assert_eq!(
        nugget.source.as_deref(),
        Some("headers of a message forwarded inline")
    );
    assert!(
        nugget
            .raw
            .contains("From: Livraison <noreply@colis-suivi.top>")
    );
    assert!(has_artifact(&found, "email", "noreply@colis-suivi.top"));
    assert!(has_artifact(&found, "url", "http://colis-suivi.top/pay"));
    assert_site_checks(site.path());
}

#[test]
fn a_reply_appends_to_the_timeline_and_keeps_the_rest_of_the_file() {
    let site = site();
    let path = incident_file(site.path(), "FIR-2024-0001");
    let before = fs::read_to_string(&path).unwrap();
    let out = ingest(site.path(), &[&mail("reply.eml")]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("appended to FIR-2024-0001 "),
        "{}",
        stdout(&out)
    );
    assert_eq!(incident_files(site.path()).len(), 1, "no new incident");
    let after = fs::read_to_string(&path).unwrap();

    // The new lines are exactly the new timeline entry and attributes, spliced in.
    let added_entry = "  - date: 2024-05-20T11:00:00+02:00\n    action: info\n    author: Carol <carol@corp.example>\n    text: |-\n      E-mail \"RE: [FIR-2024-0001] Phishing: fake invoices sent to accounting\" from Carol <carol@corp.example>\n\n      Two more colleagues received the same mail this morning.\n";
    assert!(after.contains(added_entry), "{after}");
    let added_attributes_start = "  - name: Message-ID\n    value: reply-0001@corp.example\n  - name: Original message\n    value: evidence/";
    let start = after
        .find(added_attributes_start)
        .expect("attributes appended");
    let end = start + after[start..].find("\n---\n").unwrap() + 1;
    let restored = format!("{}{}", &after[..start], &after[end..]).replacen(added_entry, "", 1);
    assert_eq!(restored, before, "every other byte is unchanged");

    let found = incident(site.path(), "FIR-2024-0001");
    assert_eq!(found.timeline.len(), 2);
    assert_eq!(found.timeline[0].text, "Blocked the sender domain.");
    assert_eq!(attribute(&found, "Mailboxes reached"), Some("12"));
    assert_eq!(
        attribute(&found, "Message-ID"),
        Some("reply-0001@corp.example")
    );
    assert_site_checks(site.path());

    // The same reply again changes nothing.
    let again = ingest(site.path(), &[&mail("reply.eml")]);
    assert!(again.status.success());
    assert!(
        stdout(&again).contains("already in FIR-2024-0001"),
        "{}",
        stdout(&again)
    );
    assert_eq!(fs::read_to_string(&path).unwrap(), after);
}

#[test]
fn a_reply_to_a_file_that_cannot_be_spliced_is_quarantined_untouched() {
    let site = site();
    let toml = site.path().join("content/incidents/2024/FIR-2024-0042.md");
    let original = "+++\nid = \"FIR-2024-0042\"\ntitle = \"Written in TOML\"\ndate = \"2024-05-03\"\ncategory = \"phishing\"\nseverity = 2\nstatus = \"open\"\n+++\n\nBody.\n";
    fs::write(&toml, original).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let reply = dir.path().join("reply.eml");
    let text = fs::read_to_string(fixture("mail/reply.eml"))
        .unwrap()
        .replace("FIR-2024-0001", "FIR-2024-0042");
    fs::write(&reply, text).unwrap();
    let out = ingest(site.path(), &[reply.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("the subject names incident FIR-2024-0042, but"),
        "{}",
        stderr(&out)
    );
    assert_eq!(fs::read_to_string(&toml).unwrap(), original);
    assert_eq!(incident_files(site.path()).len(), 2);
}

#[test]
fn the_same_message_id_twice_is_a_no_op() {
    let site = site();
    let first = ingest(site.path(), &[&mail("plain.eml"), &mail("plain.eml")]);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(stdout(&first).contains("skipped"), "{}", stdout(&first));
    let files = incident_files(site.path());
    assert_eq!(files.len(), 2);
    let snapshot: Vec<String> = files
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    // A later run finds the Message-ID in the files.
    let second = ingest(site.path(), &[&mail("plain.eml")]);
    assert!(second.status.success());
    assert!(
        stdout(&second).contains("Message-ID plain-0001@cert.example is already in FIR-2024-0002")
    );
    let again: Vec<String> = incident_files(site.path())
        .iter()
        .map(|f| fs::read_to_string(f).unwrap())
        .collect();
    assert_eq!(again, snapshot);
}

#[test]
fn an_mbox_gives_one_incident_per_message() {
    let site = site();
    let out = ingest(site.path(), &[&mail("mailbox.mbox")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let titles: Vec<String> = ["FIR-2024-0002", "FIR-2024-0003", "FIR-2024-0004"]
        .iter()
        .map(|id| incident(site.path(), id).title)
        .collect();
    assert_eq!(
        titles,
        [
            "First alert",
            "Second report",
            "Third report: password reset page"
        ]
    );
    let first = incident(site.path(), "FIR-2024-0002");
    assert!(
        first
            .description
            .contains("\nFrom the archive: this line was quoted.")
    );
    assert_eq!(incident(site.path(), "FIR-2024-0004").category, "phishing");
    assert!(
        stdout(&out).contains("mailbox.mbox:10 (message 2)"),
        "{}",
        stdout(&out)
    );
    assert_site_checks(site.path());
}

#[test]
fn an_oversized_message_in_an_mbox_is_quarantined_and_the_others_ingested() {
    let site = site();
    let toml = site.path().join("fir.toml");
    let config = fs::read_to_string(&toml).unwrap();
    fs::write(
        &toml,
        config.replace("[mail]\n", "[mail]\nmax_message_bytes = 400\n"),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mbox = dir.path().join("big.mbox");
    let big = "x".repeat(2000);
    fs::write(
        &mbox,
        format!(
            "From a Mon May 27 08:00:00 2024\nFrom: a@b.example\nSubject: small one\nMessage-ID: <s1@b>\n\nok\n\nFrom a Mon May 27 08:00:00 2024\nFrom: a@b.example\nSubject: big one\nMessage-ID: <b1@b>\n\n{big}\n\nFrom a Mon May 27 08:00:00 2024\nFrom: a@b.example\nSubject: small two\nMessage-ID: <s2@b>\n\nok\n"
        ),
    )
    .unwrap();
    let out = ingest(site.path(), &[mbox.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr(&out)
            .contains("big.mbox:8 (message 2): the message is 2057 bytes, over the limit of 400"),
        "{}",
        stderr(&out)
    );
    let titles: Vec<String> = incident_files(site.path())
        .iter()
        .map(|f| {
            parse(&fs::read_to_string(f).unwrap())
                .unwrap()
                .incident
                .title
        })
        .collect();
    assert_eq!(titles.len(), 3);
    assert!(titles.contains(&"small one".to_string()) && titles.contains(&"small two".to_string()));
    let kept = fs::read_dir(site.path().join("quarantine"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .unwrap();
    assert_eq!(
        fs::metadata(kept).unwrap().len(),
        401,
        "only the first bytes are held"
    );
    assert_site_checks(site.path());
}

#[test]
fn malformed_mails_are_ingested_as_well_as_they_decode() {
    let site = site();
    let out = ingest(
        site.path(),
        &[
            &mail("bad-charset.eml"),
            &mail("truncated.eml"),
            &mail("header-injection.eml"),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));

    let bad = incident(site.path(), "FIR-2024-0002");
    assert!(bad.title.starts_with("Pri"), "{}", bad.title);
    assert!(bad.description.contains("could not be decoded cleanly"));

    let truncated = incident(site.path(), "FIR-2024-0003");
    assert_eq!(truncated.title, "Truncated upload");
    assert!(
        truncated
            .description
            .contains("could not be decoded cleanly")
    );
    assert!(
        truncated
            .nuggets
            .iter()
            .any(|n| n.raw.contains("name: report.pdf"))
    );

    // The encoded CR LF in the subject stays inside the title: one line, no new keys.
    let text = fs::read_to_string(incident_file(site.path(), "FIR-2024-0004")).unwrap();
    let injected = parse(&text).unwrap().incident;
    assert_eq!(injected.id, "FIR-2024-0004");
    assert_eq!(injected.severity, 3);
    assert_eq!(
        injected.title,
        "Invoice Bcc: victim@corp.example --- id: HACKED severity: 9"
    );
    let front = text.split("\n---\n").next().unwrap();
    assert!(
        !front
            .lines()
            .any(|l| l.starts_with("Bcc") || l.starts_with("id: HACKED"))
    );
    assert_eq!(front.matches("\nid: ").count(), 1);
    assert_site_checks(site.path());
}

/// Runs `fir ingest-mail` on a generated message; it must be refused, quarantined with
/// its reason, and leave the incidents untouched.
fn assert_quarantined(message: &[u8], reason: &str) {
    let site = site();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hostile.eml");
    fs::write(&path, message).unwrap();
    let before = incident_files(site.path());
    let out = ingest(site.path(), &[path.to_str().unwrap()]);
    assert!(!out.status.success(), "a quarantined message fails the run");
    let err = stderr(&out);
    assert!(err.contains("hostile.eml") && err.contains(reason), "{err}");
    assert_eq!(incident_files(site.path()), before, "no incident written");
    let quarantine: Vec<PathBuf> = fs::read_dir(site.path().join("quarantine"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let copy = quarantine
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "eml"))
        .expect("a copy in quarantine/");
    assert_eq!(fs::metadata(copy).unwrap().len(), message.len() as u64);
    let note = fs::read_to_string(copy.with_extension("txt")).unwrap();
    assert!(note.contains(reason), "{note}");
    assert_site_checks(site.path());
}

#[test]
fn a_mime_bomb_of_ten_thousand_parts_is_quarantined() {
    let mut message = String::from(
        "From: bomb@example.net\r\nSubject: parts\r\nMessage-ID: <bomb@example.net>\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n",
    );
    for i in 0..10_000 {
        message.push_str(&format!(
            "--b\r\nContent-Type: text/plain\r\n\r\npart {i}\r\n"
        ));
    }
    message.push_str("--b--\r\n");
    assert_quarantined(message.as_bytes(), "more than 500 MIME parts");
}

#[test]
fn deeply_nested_multiparts_are_quarantined() {
    let depth = 100;
    let mut message = String::from(
        "From: deep@example.net\r\nSubject: nesting\r\nMessage-ID: <deep@example.net>\r\n",
    );
    for level in 0..depth {
        message.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"l{level}\"\r\n\r\n--l{level}\r\n"
        ));
    }
    message.push_str("Content-Type: text/plain\r\n\r\ncore\r\n");
    for level in (0..depth).rev() {
        message.push_str(&format!("--l{level}--\r\n"));
    }
    assert_quarantined(message.as_bytes(), "nested deeper than 16");
}

#[test]
fn a_fifty_megabyte_body_is_quarantined_unread() {
    let mut message =
        b"From: big@example.net\r\nSubject: big\r\nMessage-ID: <big@example.net>\r\n\r\n".to_vec();
    let line = [b'A'; 998];
    while message.len() < 50 * 1024 * 1024 {
        message.extend_from_slice(&line);
        message.extend_from_slice(b"\r\n");
    }
    assert_quarantined(&message, "over the limit of 26214400");
}

#[test]
fn bytes_that_are_no_message_are_quarantined() {
    assert_quarantined(b"\x00\x01 not a mail at all \xff", "not an e-mail message");
}

#[test]
fn a_watched_maildir_is_ingested_until_sigterm() {
    let site = site();
    let maildir = tempfile::tempdir().unwrap();
    for sub in ["new", "cur", "tmp"] {
        fs::create_dir_all(maildir.path().join(sub)).unwrap();
    }
    let mut child = common::fir()
        .arg("--root")
        .arg(site.path())
        .args(["ingest-mail", "--watch", "--interval-ms", "50", "--maildir"])
        .arg(maildir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Delivered the Maildir way: written in tmp/, then renamed into new/.
    let tmp = maildir.path().join("tmp/1716800000.M1P1.test");
    fs::copy(fixture("mail/plain.eml"), &tmp).unwrap();
    fs::rename(&tmp, maildir.path().join("new/1716800000.M1P1.test")).unwrap();
    let created = incident_file(site.path(), "FIR-2024-0002");
    let seen = maildir.path().join("cur/1716800000.M1P1.test:2,S");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !(created.exists() && seen.exists()) {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the watched message was not ingested");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        fs::read_dir(maildir.path().join("new"))
            .unwrap()
            .next()
            .is_none()
    );
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(30);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("fir ingest-mail --watch did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let output = child.wait_with_output().unwrap();
    assert!(exit.success(), "{}", stderr(&output));
    assert!(stdout(&output).contains("created FIR-2024-0002"));
    assert_eq!(
        incident(site.path(), "FIR-2024-0002").title,
        "Scanning from your network"
    );
    assert_site_checks(site.path());
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Arbitrary bytes never make the parsing entry point panic.
    #[test]
    fn analyse_never_panics_on_bytes(raw in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let _ = fir::mail::analyse(&raw, &fir::mail::Limits::default());
    }

    /// Nor do message-shaped inputs: header lines, boundaries and encodings shuffled.
    #[test]
    fn analyse_never_panics_on_message_shapes(pieces in proptest::collection::vec(
        prop_oneof![
            Just("From: a@b.example\r\n".to_string()),
            Just("Subject: =?utf-8?q?x=0D=0Ay?=\r\n".to_string()),
            Just("Subject: =?bogus?b?////?=\r\n".to_string()),
            Just("Content-Type: multipart/mixed; boundary=\"q\"\r\n".to_string()),
            Just("Content-Type: message/rfc822\r\n".to_string()),
            Just("Content-Transfer-Encoding: base64\r\n".to_string()),
            Just("Content-Transfer-Encoding: quoted-printable\r\n".to_string()),
            Just("--q\r\n".to_string()),
            Just("--q--\r\n".to_string()),
            Just("\r\n".to_string()),
            Just("-----Original Message-----\r\nFrom: <x@y>\r\n".to_string()),
            "[ -~]{0,40}\r\n",
            "[=A-Za-z0-9+/]{0,40}\r\n",
        ],
        0..60,
    )) {
        let raw = pieces.concat();
        let _ = fir::mail::analyse(raw.as_bytes(), &fir::mail::Limits::default());
    }
}
