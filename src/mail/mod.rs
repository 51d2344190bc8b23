//! Mail ingestion: reported e-mails (.eml, mbox, Maildir) become incidents.
//!
//! The pipeline: [`source`] reads messages (I/O) → [`analyse`] decodes one message
//! within [`Limits`] into a [`Mail`] (pure) → [`map`] turns it into a new incident or
//! additions to an existing one (pure) → [`ingest`] stores evidence, writes incident
//! files through [`crate::store`] and quarantines what cannot be ingested (I/O).
//!
//! MIME decoding is done by the `mail-parser` crate (no unsafe code, RFC 2047 encoded
//! words, charsets, nested messages); the limits on size, part count and depth are
//! enforced here, before and after it runs.

mod analyse;
mod forward;
pub mod ingest;
pub mod map;
pub mod source;

pub use analyse::{Limits, analyse};
pub use ingest::{Ingester, Outcome};

/// One decoded message: what the mapping to an incident needs, nothing borrowed.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    /// The Message-ID without angle brackets; for a message without one, a name made
    /// from the SHA-256 of its bytes, so that re-ingesting it is still recognised.
    pub message_id: String,
    /// Decoded subject on one line (control characters and line breaks removed).
    pub subject: String,
    /// The Date header as RFC 3339, when it is a valid date.
    pub date: Option<String>,
    /// The sender: display name and address.
    pub from: Option<Mailbox>,
    /// Text of the message: its text part, or its HTML part converted to text.
    pub text: String,
    /// True when the text came from an HTML part.
    pub from_html: bool,
    /// Some part could not be decoded cleanly (bad charset, broken base64, …).
    pub encoding_problems: bool,
    /// Attached files and attached messages, in order, nested ones included.
    pub attachments: Vec<Attachment>,
    /// Messages forwarded inside this one: attached (message/rfc822) or inline.
    pub forwarded: Vec<Forwarded>,
}

/// A name and an e-mail address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: Option<String>,
}

impl std::fmt::Display for Mailbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.name, &self.address) {
            (Some(name), Some(address)) => write!(f, "{name} <{address}>"),
            (Some(name), None) => f.write_str(name),
            (None, Some(address)) => f.write_str(address),
            (None, None) => f.write_str("unknown sender"),
        }
    }
}

/// A file attached to the message, decoded, never interpreted.
#[derive(Debug, Clone, Default)]
pub struct Attachment {
    /// The name the sender gave it (sanitised to one line), if any.
    pub name: Option<String>,
    /// Declared MIME type, like `application/zip`.
    pub mime: String,
    pub data: Vec<u8>,
}

/// A message forwarded inside the reported one.
#[derive(Debug, Clone, Default)]
pub struct Forwarded {
    /// Headers that tell where it came from (From, Return-Path, Received, Message-ID,
    /// Reply-To, …), in order, as `Name: value` lines.
    pub headers: Vec<(String, String)>,
    /// Sender addresses it names: From, Reply-To, Return-Path.
    pub senders: Vec<String>,
    /// Its text, for indicators.
    pub text: String,
    /// Forwarded in the body text rather than attached.
    pub inline: bool,
}

/// Why a message was not ingested.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the message is {size} bytes, over the limit of {limit} (mail.max_message_bytes)")]
    TooLarge { size: u64, limit: u64 },
    #[error("the message has more than {limit} MIME parts (mail.max_parts)")]
    TooManyParts { limit: usize },
    #[error("the message's MIME parts are nested deeper than {limit} (mail.max_depth)")]
    TooDeep { limit: usize },
    #[error("not an e-mail message: no From, Subject, Date or Message-ID header")]
    NotAMessage,
}
