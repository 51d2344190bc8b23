//! Alerts, as FIR's alerting plugin makes them: a message to the contacts of an
//! incident's business lines ([`crate::config::alerting`]), written from a template
//! chosen by its category ([`prepare`]); and reminders of a business line's open tasks
//! to the same contacts ([`reminder`]). fir sends nothing: each message is a draft for
//! the analyst's own mail client, as an `.eml` file ([`Draft::to_eml`]) or a `mailto:`
//! link ([`Draft::to_mailto`]). No I/O here: the caller has the incident and the
//! renderer.

use base64::Engine as _;
use serde::Serialize;

use crate::artifacts::{self, Kind};
use crate::config::Config;
use crate::incident::Incident;
use crate::render::context::DateView;
use crate::render::{RenderError, Renderer};

/// The theme's template of alerts: the first line is the subject, the rest the body.
pub const TEMPLATE: &str = "alert.txt";

/// Characters of a body carried whole in a `mailto:` link: some mail clients cut or
/// refuse longer links. A longer body is cut there, and the `.eml` draft has it all.
const MAILTO_BODY: usize = 1500;

/// Why no alert could be prepared.
#[derive(Debug, thiserror::Error)]
pub enum AlertError {
    #[error(
        "{id}: no contact to alert for {}: add them under [alerting.contacts] in fir.toml",
        lines_text(.lines)
    )]
    NoContacts { id: String, lines: Vec<String> },
    #[error("{line:?} is not a business line of fir.toml")]
    UnknownLine { line: String },
    #[error(transparent)]
    Template(#[from] RenderError),
}

fn lines_text(lines: &[String]) -> String {
    if lines.is_empty() {
        "an incident without business lines".to_string()
    } else {
        lines.join(", ")
    }
}

/// An alert ready for a mail client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft {
    pub from: Option<String>,
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub subject: String,
    pub body: String,
}

/// What the alert template sees of the incident, as `incident`: values as people read
/// them (labels, local dates), the description as written.
#[derive(Debug, Serialize)]
struct AlertView<'a> {
    id: &'a str,
    title: &'a str,
    date: String,
    category: &'a str,
    severity: &'a str,
    status: &'a str,
    tlp: &'a str,
    business_lines: &'a [String],
    detection: Option<&'a str>,
    actor: Option<&'a str>,
    plan: Option<&'a str>,
    opened_by: Option<&'a str>,
    major: bool,
    incident: bool,
    description: &'a str,
    /// The incident's page, when the site has an absolute `base_url`.
    url: Option<String>,
    artifacts: Vec<ArtifactView>,
}

#[derive(Debug, Serialize)]
struct ArtifactView {
    #[serde(rename = "type")]
    kind: Kind,
    value: String,
    defanged: String,
}

/// Where an alert is made: the site's settings and templates, and the address of the
/// site its links point to.
#[derive(Debug, Clone, Copy)]
pub struct Sender<'a> {
    pub config: &'a Config,
    pub renderer: &'a Renderer,
    pub base_url: &'a str,
}

/// The alert of `incident` (whose indicators are `artifacts`, as
/// [`artifacts::scan_incident`] finds them) to the contacts of `lines` (default: the
/// incident's own business lines), from `alert-<category>.txt` when the theme has one,
/// else [`TEMPLATE`].
pub fn prepare(
    sender: Sender<'_>,
    incident: &Incident,
    artifacts: &[artifacts::Artifact],
    lines: &[String],
) -> Result<Draft, AlertError> {
    let config = sender.config;
    let lines = if lines.is_empty() {
        incident.business_lines.clone()
    } else {
        lines
            .iter()
            .map(|line| {
                config
                    .business_lines
                    .resolve(line)
                    .map(str::to_string)
                    .ok_or_else(|| AlertError::UnknownLine { line: line.clone() })
            })
            .collect::<Result<_, _>>()?
    };
    let to: Vec<String> = config
        .alerting
        .recipients(&lines)
        .into_iter()
        .map(str::to_string)
        .collect();
    if to.is_empty() {
        return Err(AlertError::NoContacts {
            id: incident.id.clone(),
            lines,
        });
    }
    let text = message(sender, incident, artifacts)?;
    Ok(Draft::new(config, to, &text))
}

/// What the template gives for `incident`: its subject line, then the body.
fn message(
    Sender {
        config,
        renderer,
        base_url,
    }: Sender<'_>,
    incident: &Incident,
    artifacts: &[artifacts::Artifact],
) -> Result<String, RenderError> {
    let label = |taxonomy: &crate::config::Taxonomy, slug: &str| -> String {
        taxonomy.label(slug).to_string()
    };
    let severity = incident.severity.to_string();
    let tlp = incident.tlp.as_deref().unwrap_or(&config.default_tlp);
    let (category, severity, status, tlp) = (
        label(&config.categories, &incident.category),
        label(&config.severities, &severity),
        label(&config.statuses, &incident.status),
        label(&config.tlp, tlp),
    );
    let optional = |taxonomy: &'_ crate::config::Taxonomy, value: &Option<String>| {
        value
            .as_deref()
            .map(|slug| taxonomy.label(slug).to_string())
    };
    let (detection, actor, plan) = (
        optional(&config.detections, &incident.detection),
        optional(&config.actors, &incident.actor),
        optional(&config.plans, &incident.plan),
    );
    let view = AlertView {
        id: &incident.id,
        title: &incident.title,
        date: DateView::new(&incident.date, config.tz()).text,
        category: &category,
        severity: &severity,
        status: &status,
        tlp: &tlp,
        business_lines: &incident.business_lines,
        detection: detection.as_deref(),
        actor: actor.as_deref(),
        plan: plan.as_deref(),
        opened_by: incident.opened_by.as_deref(),
        major: incident.major,
        incident: incident.incident,
        description: incident.description.trim(),
        url: page_url(base_url, &incident.id),
        artifacts: (artifacts.iter())
            .map(|artifact| ArtifactView {
                kind: artifact.kind,
                value: artifact.value.to_string(),
                defanged: artifacts::defang(artifact),
            })
            .collect(),
    };
    let own = format!("alert-{}.txt", incident.category);
    let template = if renderer.theme().templates.contains_key(&own) {
        own
    } else {
        TEMPLATE.to_string()
    };
    let mut context = tera::Context::new();
    context.insert("incident", &view);
    renderer.render(&template, &context)
}

/// The theme's template of task reminders: the first line is the subject, the rest the
/// body.
pub const REMINDER_TEMPLATE: &str = "remind.txt";

/// A task not done yet, as a reminder lists it.
#[derive(Debug, Serialize)]
pub struct ReminderTask<'a> {
    /// Its place among its incident's tasks, from 1 (`fir done ID N`).
    pub number: usize,
    pub task: &'a str,
    pub deadline: Option<String>,
    pub overdue: bool,
    pub incident: &'a str,
    pub title: &'a str,
    /// The incident's page, when the site has an absolute `base_url`.
    pub url: Option<String>,
}

impl<'a> ReminderTask<'a> {
    /// [`ReminderTask::url`] for the site of `sender`.
    pub fn with_url(mut self, sender: Sender<'_>) -> ReminderTask<'a> {
        self.url = page_url(sender.base_url, self.incident);
        self
    }
}

/// The reminder to business line `line` of its `tasks`, to its contacts (or its nearest
/// parent's); `None` when it has none.
pub fn reminder(
    Sender {
        config, renderer, ..
    }: Sender<'_>,
    line: &str,
    tasks: &[ReminderTask<'_>],
) -> Result<Option<Draft>, RenderError> {
    let to: Vec<String> = config
        .alerting
        .recipients(&[line.to_string()])
        .into_iter()
        .map(str::to_string)
        .collect();
    if to.is_empty() {
        return Ok(None);
    }
    let mut context = tera::Context::new();
    context.insert("line", line);
    context.insert("tasks", tasks);
    let text = renderer.render(REMINDER_TEMPLATE, &context)?;
    Ok(Some(Draft::new(config, to, &text)))
}

/// The address of the incident's page on a site published at `base_url`, when that is
/// an absolute http(s) address (a path only would be no use in a mail).
fn page_url(base_url: &str, id: &str) -> Option<String> {
    let absolute = base_url.starts_with("https://") || base_url.starts_with("http://");
    absolute.then(|| {
        format!(
            "{}/{}",
            base_url.trim_end_matches('/'),
            crate::site::paths::incident(id)
        )
    })
}

impl Draft {
    /// The draft to `to` of a template's `text` (its first line the subject, the rest
    /// the body), from and copied as `[alerting]` says.
    fn new(config: &Config, to: Vec<String>, text: &str) -> Draft {
        let text = text.trim_start_matches(['\r', '\n']);
        let (subject, body) = text.split_once('\n').unwrap_or((text, ""));
        // A subject is one line of text: whatever the template left at its ends goes.
        let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
        let body = body.trim_matches(['\r', '\n']).replace("\r\n", "\n");
        let alerting = &config.alerting;
        Draft {
            from: (!alerting.from.is_empty()).then(|| alerting.from.clone()),
            cc: (alerting.cc.iter())
                .filter(|address| !to.contains(address))
                .cloned()
                .collect(),
            to,
            subject,
            body: format!("{body}\n"),
        }
    }

    /// The draft as an Internet message (RFC 5322, CRLF line ends) that mail clients
    /// open as a message to send: `X-Unsent: 1` asks Outlook to, and Thunderbird opens
    /// it with "Edit as New Message". The subject is encoded when it is not ASCII, the
    /// body is quoted-printable UTF-8, so no line is too long for any transport.
    pub fn to_eml(&self) -> String {
        let mut out = String::new();
        if let Some(from) = &self.from {
            out.push_str(&format!("From: {from}\r\n"));
        }
        out.push_str(&format!("To: {}\r\n", self.to.join(", ")));
        if !self.cc.is_empty() {
            out.push_str(&format!("Cc: {}\r\n", self.cc.join(", ")));
        }
        out.push_str(&format!("Subject: {}\r\n", encoded_header(&self.subject)));
        out.push_str("X-Unsent: 1\r\n");
        out.push_str("MIME-Version: 1.0\r\n");
        out.push_str("Content-Type: text/plain; charset=utf-8\r\n");
        out.push_str("Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        out.push_str(&quoted_printable(&self.body));
        out
    }

    /// The draft as a `mailto:` link (RFC 6068). A body longer than [`MAILTO_BODY`]
    /// characters is cut, with `…` where it was.
    pub fn to_mailto(&self) -> String {
        let mut link = format!(
            "mailto:{}",
            self.to
                .iter()
                .map(|a| percent(a))
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut fields = Vec::new();
        if !self.cc.is_empty() {
            fields.push(format!("cc={}", percent(&self.cc.join(","))));
        }
        fields.push(format!("subject={}", percent(&self.subject)));
        let body = match self.body.char_indices().nth(MAILTO_BODY) {
            Some((cut, _)) => format!("{}…\n", &self.body[..cut]),
            None => self.body.clone(),
        };
        fields.push(format!("body={}", percent(&body.replace('\n', "\r\n"))));
        link.push('?');
        link.push_str(&fields.join("&"));
        link
    }

    /// The `.eml` draft as a `data:` address, for a download link that works from
    /// `file://` as well as from a server.
    pub fn to_data_url(&self) -> String {
        format!(
            "data:message/rfc822;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(self.to_eml())
        )
    }
}

/// Everything but RFC 3986's unreserved characters percent-encoded, as RFC 6068 asks
/// of the parts of a `mailto:` link (`@` too is kept: it is allowed in addresses).
fn percent(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~@".contains(&byte) {
            out.push(byte as char);
        } else {
            push_hex(&mut out, '%', byte);
        }
    }
    out
}

/// `mark` then `byte` as two upper-case hexadecimal digits (`%2F`, `=3D`).
fn push_hex(out: &mut String, mark: char, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push(mark);
    out.push(HEX[usize::from(byte >> 4)] as char);
    out.push(HEX[usize::from(byte & 15)] as char);
}

/// A header value as it is when ASCII, else as RFC 2047 encoded words (base64 UTF-8),
/// each of at most 75 characters and holding whole characters, on folded lines.
fn encoded_header(text: &str) -> String {
    if text.is_ascii() && !text.contains("=?") {
        return text.to_string();
    }
    let mut words = Vec::new();
    let mut start = 0;
    // 39 bytes of text are 52 of base64: a word of 64 characters with its markers,
    // which leaves room for `Subject: ` on a line of 78.
    while start < text.len() {
        let mut end = (start + 39).min(text.len());
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let chunk = base64::engine::general_purpose::STANDARD.encode(&text[start..end]);
        words.push(format!("=?utf-8?b?{chunk}?="));
        start = end;
    }
    words.join("\r\n ")
}

/// `text` as quoted-printable (RFC 2045) with CRLF line ends: lines of at most 76
/// characters, soft breaks (`=` at a line's end) where a line was longer.
fn quoted_printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        let mut width = 0;
        let bytes = line.as_bytes();
        for (i, &byte) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            // A space or tab ending a line would be lost in transport: encoded.
            let plain = (byte == b' ' || byte == b'\t') && !last
                || (33..=126).contains(&byte) && byte != b'=';
            let len = if plain { 1 } else { 3 };
            if width + len > 75 {
                out.push_str("=\r\n");
                width = 0;
            }
            if plain {
                out.push(byte as char);
            } else {
                push_hex(&mut out, '=', byte);
            }
            width += len;
        }
        out.push_str("\r\n");
    }
    // The split gave one line more than the text ends with.
    out.truncate(out.len() - 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(subject: &str, body: &str) -> Draft {
        Draft {
            from: Some("cert@bank.example".into()),
            to: vec!["a@bank.example".into(), "b@bank.example".into()],
            cc: vec!["soc@bank.example".into()],
            subject: subject.into(),
            body: body.into(),
        }
    }

    #[test]
    fn an_eml_draft_has_the_headers_and_a_quoted_printable_body() {
        let eml = draft(
            "[TLP:AMBER] FIR-1: Phishing",
            "Hello,\n\nSee evil[.]com = bad.\n",
        )
        .to_eml();
        assert_eq!(
            eml,
            "From: cert@bank.example\r\nTo: a@bank.example, b@bank.example\r\nCc: soc@bank.example\r\n\
             Subject: [TLP:AMBER] FIR-1: Phishing\r\nX-Unsent: 1\r\nMIME-Version: 1.0\r\n\
             Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
             Hello,\r\n\r\nSee evil[.]com =3D bad.\r\n"
        );
    }

    #[test]
    fn a_subject_not_in_ascii_is_encoded_and_reads_back() {
        let subject =
            "[TLP:RED] FIR-2024-0001 : hameçonnage usurpant la Société Générale, très ciblé";
        let eml = draft(subject, "x\n").to_eml();
        let parsed = mail_parser::MessageParser::default()
            .parse(eml.as_bytes())
            .expect("a message");
        assert_eq!(parsed.subject(), Some(subject));
        assert_eq!(parsed.body_text(0).as_deref(), Some("x\r\n"));
        for line in eml.split("\r\n") {
            assert!(line.len() <= 78, "{line:?} is too long");
        }
    }

    proptest::proptest! {
        /// Any body comes back byte for byte from the encoded message, in lines of at
        /// most 76 characters.
        #[test]
        fn any_body_survives_quoted_printable(body in "[a-zé =\t\\.]{0,200}(\n[a-z =€]{0,90}){0,4}\n") {
            let eml = draft("s", &body).to_eml();
            let parsed = mail_parser::MessageParser::default().parse(eml.as_bytes()).unwrap();
            let text = parsed.body_text(0).unwrap_or_default().replace("\r\n", "\n");
            proptest::prop_assert_eq!(text, body.clone());
            let encoded = eml.split("\r\n\r\n").nth(1).unwrap();
            for line in encoded.split("\r\n") {
                proptest::prop_assert!(line.len() <= 76, "{:?}", line);
            }
        }
    }

    #[test]
    fn a_mailto_link_is_percent_encoded_and_a_long_body_cut() {
        let link = draft("FIR-1: a & b?", "Line 1\nLine 2\n").to_mailto();
        assert_eq!(
            link,
            "mailto:a@bank.example,b@bank.example?cc=soc%40bank.example&subject=FIR-1%3A%20a%20%26%20b%3F&body=Line%201%0D%0ALine%202%0D%0A"
                .replace("soc%40", "soc@")
        );
        let long = draft("s", &"é".repeat(MAILTO_BODY + 10)).to_mailto();
        assert!(long.ends_with("%E2%80%A6%0D%0A"), "cut with an ellipsis");
        assert_eq!(long.matches("%C3%A9").count(), MAILTO_BODY);
    }

    #[test]
    fn a_page_address_only_for_an_absolute_base_url() {
        assert_eq!(
            page_url("https://cert.example/site/", "FIR-1").as_deref(),
            Some("https://cert.example/site/incidents/FIR-1.html")
        );
        assert_eq!(page_url("/", "FIR-1"), None);
    }
}
