//! `[mail]` in fir.toml: how `fir ingest-mail` turns reported e-mails into incidents.

use serde::Deserialize;

/// Where ingested mail goes, how it is classified, and the limits hostile mail meets.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    /// How a subject names an existing incident: `{id}` stands for the incident's id.
    /// A message whose subject holds it is appended to that incident's timeline.
    pub reply_pattern: String,
    /// Where attachments are stored, content-addressed by SHA-256; relative to the site
    /// root. Never under `content/` or the built site: evidence is not published.
    pub evidence_dir: String,
    /// Where messages that cannot be ingested are copied, with the reason beside them.
    pub quarantine_dir: String,
    /// Category of a new incident when no rule matches (default: `other` when the site
    /// has it, else its first category).
    pub category: Option<String>,
    /// Severity of a new incident when no rule matches (default: the lowest configured).
    pub severity: Option<u8>,
    /// Detection slug given to new incidents (left out when the site does not define it).
    pub detection: Option<String>,
    /// Timeline action of an entry appended from a reply.
    pub action: String,
    /// Largest message accepted, in bytes; larger ones are quarantined unread.
    pub max_message_bytes: u64,
    /// Most MIME parts in one message, nested messages included.
    pub max_parts: usize,
    /// Deepest nesting of multiparts and attached messages.
    pub max_depth: usize,
    /// Classification rules, first match wins.
    pub rules: Vec<MailRule>,
}

/// One classification rule. Every condition given must hold; a rule without any
/// condition matches every message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailRule {
    /// Sender addresses or domains (`cert.example` also matches its subdomains); any of them.
    #[serde(default)]
    pub from: Vec<String>,
    /// Words the subject contains, case-insensitively; any of them.
    #[serde(default)]
    pub subject: Vec<String>,
    #[serde(default)]
    pub category: Option<String>,
    #[serde(default)]
    pub severity: Option<u8>,
}

impl Default for MailConfig {
    fn default() -> Self {
        MailConfig {
            reply_pattern: "[{id}]".into(),
            evidence_dir: "evidence".into(),
            quarantine_dir: "quarantine".into(),
            category: None,
            severity: None,
            detection: Some("user".into()),
            action: "info".into(),
            max_message_bytes: 25 * 1024 * 1024,
            max_parts: 500,
            max_depth: 16,
            rules: Vec::new(),
        }
    }
}

impl MailConfig {
    /// Checks the settings against the site's taxonomies; the error says which key.
    pub fn check(&self, config: &super::Config) -> Result<(), String> {
        let (prefix, suffix) = self.reply_pattern.split_once("{id}").ok_or_else(|| {
            format!(
                "mail.reply_pattern {:?} must contain {{id}}",
                self.reply_pattern
            )
        })?;
        if prefix.is_empty() && suffix.is_empty() {
            return Err("mail.reply_pattern needs text around {id}, like \"[{id}]\"".into());
        }
        for (key, dir) in [
            ("evidence_dir", &self.evidence_dir),
            ("quarantine_dir", &self.quarantine_dir),
        ] {
            let path = std::path::Path::new(dir);
            let first = path.components().next();
            let published = matches!(first, Some(c) if c.as_os_str() == "content" || c.as_os_str() == "site" || c.as_os_str() == "themes");
            if dir.trim().is_empty() || published || dir.contains("..") {
                return Err(format!(
                    "mail.{key} {dir:?} must be a directory outside content/, site/ and themes/"
                ));
            }
        }
        if self.max_parts == 0 || self.max_depth == 0 || self.max_message_bytes == 0 {
            return Err(
                "mail limits (max_message_bytes, max_parts, max_depth) must be above 0".into(),
            );
        }
        let category = |value: &str, key: &str| {
            if config.categories.get(value).is_none() {
                return Err(format!(
                    "{key} {value:?} is not one of: {}",
                    config.categories.slugs().join(", ")
                ));
            }
            Ok(())
        };
        let severity = |value: u8, key: &str| {
            if config.severities.get(&value.to_string()).is_none() {
                return Err(format!(
                    "{key} {value} is not one of: {}",
                    config.severities.slugs().join(", ")
                ));
            }
            Ok(())
        };
        if let Some(value) = &self.category {
            category(value, "mail.category")?;
        }
        if let Some(value) = self.severity {
            severity(value, "mail.severity")?;
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if let Some(value) = &rule.category {
                category(value, &format!("mail.rules[{i}].category"))?;
            }
            if let Some(value) = rule.severity {
                severity(value, &format!("mail.rules[{i}].severity"))?;
            }
        }
        Ok(())
    }
}
