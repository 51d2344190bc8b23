//! One raw message → [`Mail`], within limits. Pure.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::{Attachment, Forwarded, Mail, MailError, Mailbox, forward};
use crate::config::mail::MailConfig;

/// Bounds a message must stay within to be decoded at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_bytes: u64,
    pub max_parts: usize,
    pub max_depth: usize,
}

impl Limits {
    pub fn from_config(config: &MailConfig) -> Limits {
        Limits {
            max_bytes: config.max_message_bytes,
            max_parts: config.max_parts,
            max_depth: config.max_depth,
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::from_config(&MailConfig::default())
    }
}

/// Longest subject, name or header value kept, in characters.
const MAX_LINE: usize = 1000;

/// Headers of a forwarded message that tell where it came from.
const ORIGIN_HEADERS: [&str; 10] = [
    "From",
    "Sender",
    "Reply-To",
    "Return-Path",
    "Received",
    "Message-ID",
    "Date",
    "Subject",
    "To",
    "X-Originating-IP",
];

/// Decodes `raw` into a [`Mail`]. Never panics; refuses messages over `limits` (the
/// size before parsing, a bound on MIME boundaries before parsing, the exact part
/// count and depth after) and bytes that are not a message at all.
pub fn analyse(raw: &[u8], limits: &Limits) -> Result<Mail, MailError> {
    if raw.len() as u64 > limits.max_bytes {
        return Err(MailError::TooLarge {
            size: raw.len() as u64,
            limit: limits.max_bytes,
        });
    }
    // Every part but the first starts after a boundary line, and boundary lines start
    // with "--" and a non-blank: counting them bounds the parser's work before it runs.
    let boundary_lines = raw
        .split(|&b| b == b'\n')
        .filter(|line| {
            line.starts_with(b"--") && line.get(2).is_some_and(|b| !b.is_ascii_whitespace())
        })
        .count();
    if boundary_lines > 2 * limits.max_parts + 16 {
        return Err(MailError::TooManyParts {
            limit: limits.max_parts,
        });
    }
    let message = MessageParser::default()
        .parse(raw)
        .ok_or(MailError::NotAMessage)?;
    if message.from().is_none()
        && message.subject().is_none()
        && message.date().is_none()
        && message.message_id().is_none()
    {
        return Err(MailError::NotAMessage);
    }
    let mut mail = Mail {
        message_id: match message
            .message_id()
            .map(one_line)
            .filter(|id| !id.is_empty())
        {
            Some(id) => id,
            None => format!("sha256-{}@fir.invalid", hex(&Sha256::digest(raw))),
        },
        subject: message.subject().map(one_line).unwrap_or_default(),
        date: message
            .date()
            .filter(|d| d.is_valid())
            .map(|d| d.to_rfc3339()),
        from: message.from().and_then(|a| a.first()).map(|a| Mailbox {
            name: a.name().map(one_line).filter(|n| !n.is_empty()),
            address: a.address().map(one_line).filter(|n| !n.is_empty()),
        }),
        ..Mail::default()
    };
    let (text, from_html) = body_text(&message);
    mail.text = text;
    mail.from_html = from_html;
    // Undecodable bytes (unknown charset, invalid UTF-8) came through as U+FFFD.
    mail.encoding_problems = mail.text.contains('\u{fffd}') || mail.subject.contains('\u{fffd}');
    let mut parts = 0;
    walk(&message, 0, limits, &mut parts, &mut mail)?;
    if let Some(inline) = forward::inline(&mail.text) {
        mail.forwarded.push(inline);
    }
    Ok(mail)
}

/// The message's text: its text parts, or its HTML parts converted to text (scripts,
/// styles and tags dropped, entities decoded), and whether HTML was the source.
fn body_text(message: &Message<'_>) -> (String, bool) {
    let mut text = String::new();
    let mut from_html = false;
    for part in message.text_bodies() {
        let piece = match &part.body {
            PartType::Text(t) => t.to_string(),
            PartType::Html(h) => {
                from_html = true;
                mail_parser::decoders::html::html_to_text(&with_block_breaks(h))
            }
            _ => continue,
        };
        if !text.is_empty() {
            text.push_str("\n\n");
        }
        text.push_str(&piece);
    }
    (text, from_html)
}

/// `html` with a line break after each block element, which the converter would
/// otherwise run together with the next one (`<div>a</div><div>b</div>` → `a b`).
fn with_block_breaks(html: &str) -> String {
    const BLOCKS: [&str; 13] = [
        "/div",
        "/li",
        "/tr",
        "/h1",
        "/h2",
        "/h3",
        "/h4",
        "/h5",
        "/h6",
        "/table",
        "/blockquote",
        "/ul",
        "hr",
    ];
    let mut out = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let Some(len) = rest[start..].find('>') else {
            break;
        };
        let tag = &rest[start + 1..start + len];
        let name = tag
            .split(|c: char| c.is_ascii_whitespace())
            .next()
            .unwrap_or("")
            .trim_end_matches('/');
        out.push_str(&rest[..start + len + 1]);
        if BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            out.push_str("<br>");
        }
        rest = &rest[start + len + 1..];
    }
    out.push_str(rest);
    out
}

/// Checks the structure of `message` (nested `depth` deep) against the limits and
/// collects its attachments and attached messages into `mail`.
fn walk(
    message: &Message<'_>,
    depth: usize,
    limits: &Limits,
    parts: &mut usize,
    mail: &mut Mail,
) -> Result<(), MailError> {
    let mut stack = vec![(0usize, depth)];
    let mut visited = 0;
    while let Some((id, level)) = stack.pop() {
        *parts += 1;
        visited += 1;
        if *parts > limits.max_parts || visited > message.parts.len() {
            return Err(MailError::TooManyParts {
                limit: limits.max_parts,
            });
        }
        if level > limits.max_depth {
            return Err(MailError::TooDeep {
                limit: limits.max_depth,
            });
        }
        let Some(part) = message.parts.get(id) else {
            continue;
        };
        mail.encoding_problems |= part.is_encoding_problem;
        if let PartType::Multipart(children) = &part.body {
            stack.extend(children.iter().map(|&c| (c as usize, level + 1)));
        }
    }
    for &id in &message.attachments {
        let Some(part) = message.parts.get(id as usize) else {
            continue;
        };
        let name = part
            .attachment_name()
            .map(one_line)
            .filter(|n| !n.is_empty());
        let mime = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .map(|m| one_line(&m).to_ascii_lowercase())
            .unwrap_or_else(|| "application/octet-stream".into());
        match &part.body {
            PartType::Message(nested) => {
                mail.attachments.push(Attachment {
                    name: name.or_else(|| Some("forwarded.eml".into())),
                    mime: "message/rfc822".into(),
                    data: nested.raw_message.to_vec(),
                });
                mail.forwarded.push(attached(nested));
                walk(nested, depth + 1, limits, parts, mail)?;
            }
            PartType::Binary(data) | PartType::InlineBinary(data) => {
                mail.attachments.push(Attachment {
                    name,
                    mime,
                    data: data.to_vec(),
                })
            }
            PartType::Text(_) | PartType::Html(_) => mail.attachments.push(Attachment {
                name,
                mime,
                data: part.contents().to_vec(),
            }),
            PartType::Multipart(_) => {}
        }
    }
    Ok(())
}

/// What an attached message tells about its origin.
fn attached(message: &Message<'_>) -> Forwarded {
    let headers: Vec<(String, String)> = message
        .headers_raw()
        .filter_map(|(name, value)| {
            let known = ORIGIN_HEADERS
                .iter()
                .find(|h| h.eq_ignore_ascii_case(name.trim()))?;
            Some((known.to_string(), one_line(value)))
        })
        .collect();
    let mut senders = Vec::new();
    for address in [message.from(), message.reply_to(), message.sender()]
        .into_iter()
        .flatten()
    {
        senders.extend(address.iter().filter_map(|a| a.address()).map(one_line));
    }
    if let Some(path) = message.return_address() {
        senders.push(one_line(path));
    }
    let (text, _) = body_text(message);
    Forwarded {
        headers,
        senders,
        text,
        inline: false,
    }
}

/// `text` on one line: line breaks, tabs and other control characters become spaces,
/// runs of spaces one space, cut to [`MAX_LINE`] characters. This is what keeps a
/// header from smuggling extra lines into anything built from it.
pub(super) fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LINE));
    let mut count = 0;
    for c in text.chars() {
        let c = if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            continue;
        }
        out.push(c);
        count += 1;
        if count >= MAX_LINE {
            break;
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_removes_breaks_and_controls() {
        assert_eq!(one_line(" a\r\nBcc: x\t\u{0}b  "), "a Bcc: x b");
        assert_eq!(one_line(&"é".repeat(5000)).chars().count(), MAX_LINE);
    }

    #[test]
    fn html_blocks_become_lines() {
        let raw = b"Subject: x\r\nContent-Type: text/html\r\n\r\n<div>one</div><DIV class=a>two</DIV><ul><li>three</li></ul><hr/>four";
        let mail = analyse(raw, &Limits::default()).unwrap();
        assert!(mail.from_html);
        let lines: Vec<&str> = mail
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines, ["one", "two", "three", "four"], "{:?}", mail.text);
    }

    #[test]
    fn limits_are_checked_before_parsing() {
        let limits = Limits {
            max_bytes: 10,
            ..Limits::default()
        };
        assert!(matches!(
            analyse(b"Subject: far too long for ten bytes\r\n\r\n", &limits),
            Err(MailError::TooLarge { .. })
        ));
        assert_eq!(
            analyse(b"just some words", &Limits::default()).unwrap_err(),
            MailError::NotAMessage
        );
    }

    #[test]
    fn decodes_encoded_words_and_synthesises_a_message_id() {
        let raw = b"From: =?utf-8?q?J=C3=A9r=C3=B4me?= <j@example.org>\r\nSubject: =?iso-8859-1?q?R=E9sum=E9?=\r\nDate: Wed, 1 May 2024 09:30:00 +0200\r\n\r\nHello\r\n";
        let mail = analyse(raw, &Limits::default()).unwrap();
        assert_eq!(mail.subject, "Résumé");
        assert_eq!(mail.from.unwrap().to_string(), "Jérôme <j@example.org>");
        assert_eq!(mail.date.as_deref(), Some("2024-05-01T09:30:00+02:00"));
        assert!(mail.message_id.starts_with("sha256-"));
        assert_eq!(mail.text.trim(), "Hello");
    }
}
