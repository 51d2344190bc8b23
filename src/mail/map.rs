//! A decoded [`Mail`] → a new incident, or the items to add to an existing one. Pure:
//! the caller passes the current time and stores the evidence this module describes.

use std::collections::HashSet;

use md5::Md5;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::Mail;
use super::analyse::hex;
use crate::config::Config;
use crate::incident::{Artifact, Attribute, DateTime, Incident, Nugget, TimelineEntry};

/// The attribute that records which message an incident (or entry) came from; the
/// ingester looks it up to make re-ingesting a message a no-op.
pub const MESSAGE_ID: &str = "Message-ID";
/// Longest description or timeline text taken from a message, in bytes; the whole
/// message is always kept in the evidence store.
const MAX_TEXT: usize = 64 * 1024;
/// Most explicit artifacts taken from one message.
const MAX_ARTIFACTS: usize = 500;
/// Who the nuggets say found them.
const FOUND_BY: &str = "fir ingest-mail";

/// A file to keep as evidence: what the incident records about it and where it goes.
#[derive(Debug, Clone)]
pub struct Evidence<'a> {
    pub name: String,
    pub mime: String,
    pub data: &'a [u8],
    pub md5: String,
    pub sha1: String,
    pub sha256: String,
    /// Path under the site root: `<evidence_dir>/<sha256[..2]>/<sha256>`.
    pub path: String,
    /// An attachment (recorded with nugget and hashes) or the reported message itself.
    pub is_attachment: bool,
}

impl<'a> Evidence<'a> {
    fn of(name: String, mime: String, data: &'a [u8], dir: &str, is_attachment: bool) -> Self {
        let sha256 = hex(&Sha256::digest(data));
        Evidence {
            name,
            mime,
            md5: hex(&Md5::digest(data)),
            sha1: hex(&Sha1::digest(data)),
            path: format!("{}/{}/{sha256}", dir.trim_end_matches('/'), &sha256[..2]),
            sha256,
            data,
            is_attachment,
        }
    }
}

/// Every file of `mail` to keep: the reported message itself (`raw`), then each
/// attachment and attached message.
pub fn evidence<'a>(mail: &'a Mail, raw: &'a [u8], config: &Config) -> Vec<Evidence<'a>> {
    let dir = &config.mail.evidence_dir;
    let mut out = vec![Evidence::of(
        "message.eml".into(),
        "message/rfc822".into(),
        raw,
        dir,
        false,
    )];
    for (i, attachment) in mail.attachments.iter().enumerate() {
        let name = attachment
            .name
            .clone()
            .unwrap_or_else(|| format!("attachment-{}", i + 1));
        out.push(Evidence::of(
            name,
            attachment.mime.clone(),
            &attachment.data,
            dir,
            true,
        ));
    }
    out
}

/// The subject without reply and forward prefixes (`Re:`, `RE :`, `Fwd:`, `TR:`,
/// `AW:`, `Re[2]:`, …), however many.
pub fn clean_subject(subject: &str) -> &str {
    const PREFIXES: [&str; 10] = [
        "re", "fwd", "fw", "tr", "aw", "wg", "sv", "vs", "rif", "enc",
    ];
    let mut rest = subject.trim();
    'strip: loop {
        for prefix in PREFIXES {
            let Some(head) = rest.get(..prefix.len()) else {
                continue;
            };
            if !head.eq_ignore_ascii_case(prefix) {
                continue;
            }
            let mut after = &rest[prefix.len()..];
            // A counter: `Re[2]:` or `Re(2):`.
            if let Some(inner) = after.strip_prefix(['[', '(']) {
                let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
                if digits > 0 && inner[digits..].starts_with([']', ')']) {
                    after = &inner[digits + 1..];
                }
            }
            if let Some(tail) = after.trim_start_matches(' ').strip_prefix(':') {
                rest = tail.trim_start();
                continue 'strip;
            }
        }
        return rest;
    }
}

/// The id of an existing incident that `subject` names through `pattern` (like
/// `[{id}]`); `exists` says which ids are incidents.
pub fn reply_target(subject: &str, pattern: &str, exists: impl Fn(&str) -> bool) -> Option<String> {
    let (prefix, suffix) = pattern.split_once("{id}")?;
    let is_id_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
    let mut candidates = Vec::new();
    if prefix.is_empty() {
        for (at, _) in subject.match_indices(suffix) {
            let before = &subject[..at];
            let start = before
                .char_indices()
                .rev()
                .take_while(|(_, c)| is_id_char(*c))
                .last()
                .map_or(at, |(i, _)| i);
            candidates.push(&subject[start..at]);
        }
    } else {
        for (at, _) in subject.match_indices(prefix) {
            let after = &subject[at + prefix.len()..];
            let candidate = if suffix.is_empty() {
                let end = after.find(|c: char| !is_id_char(c)).unwrap_or(after.len());
                &after[..end]
            } else {
                match after.find(suffix) {
                    Some(end) => &after[..end],
                    None => continue,
                }
            };
            candidates.push(candidate);
        }
    }
    candidates
        .into_iter()
        .map(str::trim)
        .find(|c| crate::incident::is_valid_id(c) && exists(c))
        .map(str::to_string)
}

/// Category and severity from the first matching `[mail]` rule, or the defaults.
pub fn classify(mail: &Mail, config: &Config) -> (String, u8) {
    let sender = mail
        .from
        .as_ref()
        .and_then(|f| f.address.as_deref())
        .unwrap_or("")
        .to_lowercase();
    let domain = sender.rsplit_once('@').map_or("", |(_, d)| d);
    let subject = mail.subject.to_lowercase();
    let matches = |rule: &crate::config::mail::MailRule| {
        let from_ok = rule.from.is_empty()
            || rule.from.iter().any(|f| {
                let f = f.trim().to_lowercase();
                if f.contains('@') {
                    sender == f
                } else {
                    let f = f.trim_start_matches('@');
                    !domain.is_empty()
                        && (domain == f || domain.strip_suffix(f).is_some_and(|r| r.ends_with('.')))
                }
            });
        let subject_ok = rule.subject.is_empty()
            || rule
                .subject
                .iter()
                .any(|word| subject.contains(&word.trim().to_lowercase()));
        from_ok && subject_ok
    };
    let rule = config.mail.rules.iter().find(|r| matches(r));
    let category = rule
        .and_then(|r| r.category.clone())
        .or_else(|| config.mail.category.clone())
        .or_else(|| config.categories.get("other").map(|t| t.slug.clone()))
        .or_else(|| config.categories.iter().next().map(|t| t.slug.clone()))
        .unwrap_or_else(|| "other".into());
    let severity = rule
        .and_then(|r| r.severity)
        .or(config.mail.severity)
        .or_else(|| {
            config
                .severities
                .iter()
                .next()
                .and_then(|t| t.slug.parse().ok())
        })
        .unwrap_or(1);
    (category, severity)
}

/// A new incident for `mail`; `now` stands in for a missing or invalid Date.
pub fn new_incident(
    mail: &Mail,
    evidence: &[Evidence<'_>],
    config: &Config,
    now: DateTime,
) -> Incident {
    let subject = clean_subject(&mail.subject);
    let title = if subject.is_empty() {
        format!("E-mail from {}", sender(mail))
    } else {
        truncate(subject, 200).to_string()
    };
    let mut incident = additions(mail, evidence, config, now);
    incident.timeline.clear();
    incident.title = title;
    incident.date = date(mail, now);
    let (category, severity) = classify(mail, config);
    incident.category = category;
    incident.severity = severity;
    incident.status = config.initial_status().slug.clone();
    incident.tlp = Some(config.default_tlp.clone());
    incident.detection = config
        .mail
        .detection
        .as_ref()
        .and_then(|d| config.detections.get(d))
        .map(|t| t.slug.clone());
    incident.opened_by = Some(sender(mail));
    incident.description = description(mail, evidence);
    incident.normalize();
    incident
}

/// What a message adds to an existing incident: a timeline entry with its text, its
/// Message-ID, and what its attachments and forwarded messages show. Only the list
/// fields of the result are meant to be used (see [`crate::incident::append`]).
pub fn additions(
    mail: &Mail,
    evidence: &[Evidence<'_>],
    config: &Config,
    now: DateTime,
) -> Incident {
    let mut add = Incident::new(String::new(), String::new(), now);
    let mut seen = HashSet::new();
    let mut push = |add: &mut Incident, kind: &str, value: String| {
        if add.artifacts.len() < MAX_ARTIFACTS && seen.insert((kind.to_string(), value.clone())) {
            add.artifacts.push(Artifact {
                kind: kind.into(),
                value,
            });
        }
    };
    let found_date = date(mail, now);
    for forwarded in &mail.forwarded {
        let headers: String = forwarded
            .headers
            .iter()
            .map(|(name, value)| format!("{name}: {value}\n"))
            .collect();
        add.nuggets.push(Nugget {
            date: Some(found_date),
            source: Some(if forwarded.inline {
                "headers of a message forwarded inline".into()
            } else {
                "headers of an attached message".into()
            }),
            raw: headers.trim_end().to_string(),
            interpretation: Some(
                "Where the forwarded message came from: sender, return path, relays (Received, most recent first).".into(),
            ),
            start: None,
            end: None,
            found_by: Some(FOUND_BY.into()),
        });
        for sender in &forwarded.senders {
            if let Ok(artifact) = crate::artifacts::parse_value("email", sender, &config.artifacts)
                && !crate::artifacts::blocked(&artifact, &config.artifacts)
            {
                push(&mut add, artifact.kind.name(), artifact.value.to_string());
            }
        }
        let text = format!("{headers}\n{}", truncate(&forwarded.text, MAX_TEXT));
        for artifact in crate::artifacts::extract_text(&text, &config.artifacts) {
            push(&mut add, artifact.kind.name(), artifact.value.to_string());
        }
    }
    for item in evidence.iter().filter(|e| e.is_attachment) {
        add.nuggets.push(Nugget {
            date: Some(found_date),
            source: Some("attachment".into()),
            raw: format!(
                "name: {}\ntype: {}\nsize: {} bytes\nmd5: {}\nsha1: {}\nsha256: {}\nstored: {}",
                item.name,
                item.mime,
                item.data.len(),
                item.md5,
                item.sha1,
                item.sha256,
                item.path
            ),
            interpretation: Some("Stored as evidence, never opened by fir.".into()),
            start: None,
            end: None,
            found_by: Some(FOUND_BY.into()),
        });
        if !item.name.is_empty() {
            push(&mut add, "file", item.name.clone());
        }
        push(&mut add, "md5", item.md5.clone());
        push(&mut add, "sha1", item.sha1.clone());
        push(&mut add, "sha256", item.sha256.clone());
    }
    add.timeline.push(TimelineEntry {
        date: found_date,
        action: config
            .actions
            .get(&config.mail.action)
            .map(|t| t.slug.clone()),
        author: Some(sender(mail)),
        text: format!(
            "E-mail \"{}\" from {}\n\n{}",
            mail.subject,
            sender(mail),
            truncate(mail.text.trim(), MAX_TEXT).trim_end()
        ),
    });
    add.attributes.push(Attribute {
        name: MESSAGE_ID.into(),
        value: mail.message_id.clone(),
        unit: None,
    });
    if let Some(original) = evidence.iter().find(|e| !e.is_attachment) {
        add.attributes.push(Attribute {
            name: "Original message".into(),
            value: original.path.clone(),
            unit: None,
        });
    }
    add.normalize();
    add
}

/// The description of a new incident: where it came from, then the message's headers
/// and text verbatim in a code block, so that nothing in it renders as a link or markup.
fn description(mail: &Mail, evidence: &[Evidence<'_>]) -> String {
    let mut head = format!("From: {}\n", sender(mail));
    if let Some(date) = &mail.date {
        head.push_str(&format!("Date: {date}\n"));
    }
    head.push_str(&format!(
        "Subject: {}\nMessage-ID: {}\n",
        mail.subject, mail.message_id
    ));
    let attachments: Vec<String> = evidence
        .iter()
        .filter(|e| e.is_attachment)
        .map(|e| format!("{} ({}, {} bytes)", e.name, e.mime, e.data.len()))
        .collect();
    if !attachments.is_empty() {
        head.push_str(&format!("Attachments: {}\n", attachments.join(", ")));
    }
    let body = mail.text.trim();
    let mut body_text = truncate(body, MAX_TEXT).to_string();
    if body_text.len() < body.len() {
        body_text.push_str(&format!(
            "\n[… {} more bytes: see the original message in the evidence store]",
            body.len() - body_text.len()
        ));
    }
    let mut verbatim = format!("{head}\n{body_text}");
    for forwarded in mail.forwarded.iter().filter(|f| !f.inline) {
        verbatim.push_str("\n\n----- attached message -----\n");
        for (name, value) in &forwarded.headers {
            verbatim.push_str(&format!("{name}: {value}\n"));
        }
        verbatim.push('\n');
        verbatim.push_str(truncate(forwarded.text.trim(), MAX_TEXT));
    }
    let longest_run = verbatim
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest_run.max(2) + 1);
    let mut out = String::from("Reported by e-mail");
    if mail.from_html {
        out.push_str(" (HTML only, shown as text)");
    }
    out.push('.');
    if !attachments.is_empty() {
        out.push_str(
            " Attachments are kept in the evidence store, never opened, and listed under nuggets.",
        );
    }
    out.push('\n');
    if mail.encoding_problems {
        out.push_str("\nSome parts of the message could not be decoded cleanly; the original is in the evidence store.\n");
    }
    out.push_str(&format!("\n{fence}text\n{verbatim}\n{fence}\n"));
    out
}

fn sender(mail: &Mail) -> String {
    mail.from.clone().unwrap_or_default().to_string()
}

fn date(mail: &Mail, now: DateTime) -> DateTime {
    mail.date
        .as_deref()
        .and_then(|d| d.parse().ok())
        .unwrap_or(now)
}

/// At most `max` bytes of `text`, cut on a character boundary.
fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mail::Mailbox;

    #[test]
    fn subjects_lose_their_prefixes() {
        assert_eq!(clean_subject("Re: Fwd: TR : RE[2]: Invoice"), "Invoice");
        assert_eq!(clean_subject("FW:Invoice"), "Invoice");
        assert_eq!(clean_subject("Report: phishing"), "Report: phishing");
        assert_eq!(clean_subject("Trésor"), "Trésor");
        assert_eq!(clean_subject("Re:"), "");
    }

    #[test]
    fn reply_targets_must_exist() {
        let exists = |id: &str| id == "FIR-2024-0042";
        assert_eq!(
            reply_target("Re: [FIR-2024-0042] update", "[{id}]", exists).as_deref(),
            Some("FIR-2024-0042")
        );
        assert_eq!(reply_target("[FIR-2024-0043] new", "[{id}]", exists), None);
        assert_eq!(
            reply_target("[x] and [FIR-2024-0042]", "[{id}]", exists).as_deref(),
            Some("FIR-2024-0042")
        );
        assert_eq!(
            reply_target("ref FIR-2024-0042: hi", "ref {id}", exists).as_deref(),
            Some("FIR-2024-0042")
        );
        assert_eq!(
            reply_target("about FIR-2024-0042#", "{id}#", exists).as_deref(),
            Some("FIR-2024-0042")
        );
    }

    #[test]
    fn rules_pick_category_and_severity() {
        let mut config = Config::from_toml(
            "[mail]\nrules = [{ from = [\"cert.example\"], category = \"vulnerability\", severity = 3 }, { subject = [\"password\"], category = \"phishing\" }]\n",
        )
        .unwrap();
        let mut mail = Mail {
            subject: "Reset your PASSWORD".into(),
            from: Some(Mailbox {
                name: None,
                address: Some("alerts@soc.cert.example".into()),
            }),
            ..Mail::default()
        };
        assert_eq!(classify(&mail, &config), ("vulnerability".into(), 3));
        mail.from = None;
        assert_eq!(classify(&mail, &config), ("phishing".into(), 1));
        mail.subject = "hello".into();
        assert_eq!(classify(&mail, &config), ("other".into(), 1));
        config.mail.severity = Some(2);
        assert_eq!(classify(&mail, &config).1, 2);
    }
}
