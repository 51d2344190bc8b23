//! Messages forwarded inline: a marker line (`---------- Forwarded message ---------`,
//! `-----Original Message-----`, `Début du message réexpédié :`, …) followed by the
//! forwarded message's header lines. Pure.

use super::Forwarded;
use super::analyse::one_line;

/// Marker lines, lower-cased, without the dashes, underscores and stars around them.
const MARKERS: [&str; 10] = [
    "forwarded message",
    "original message",
    "begin forwarded message:",
    "message transféré",
    "message d'origine",
    "message original",
    "début du message réexpédié :",
    "début du message transféré :",
    "weitergeleitete nachricht",
    "ursprüngliche nachricht",
];

/// Header names of inline forwards, in the languages mail clients write them, and the
/// name they stand for.
const NAMES: [(&str, &str); 17] = [
    ("from", "From"),
    ("de", "From"),
    ("von", "From"),
    ("reply-to", "Reply-To"),
    ("répondre à", "Reply-To"),
    ("return-path", "Return-Path"),
    ("message-id", "Message-ID"),
    ("date", "Date"),
    ("sent", "Date"),
    ("envoyé", "Date"),
    ("gesendet", "Date"),
    ("subject", "Subject"),
    ("objet", "Subject"),
    ("betreff", "Subject"),
    ("to", "To"),
    ("à", "To"),
    ("an", "To"),
];

/// The first message forwarded inline in `text`, if any.
pub fn inline(text: &str) -> Option<Forwarded> {
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.iter().position(|line| is_marker(line))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines[start + 1..]
        .iter()
        .skip_while(|l| l.trim().is_empty())
    {
        if line.trim().is_empty() {
            break;
        }
        if line.starts_with([' ', '\t'])
            && let Some((_, value)) = headers.last_mut()
        {
            value.push(' ');
            value.push_str(line.trim());
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            break;
        };
        let name = name.trim().trim_matches('*').trim().to_lowercase();
        let Some((_, canonical)) = NAMES.iter().find(|(n, _)| *n == name) else {
            break;
        };
        headers.push((
            canonical.to_string(),
            value.trim().trim_matches('*').trim().to_string(),
        ));
    }
    if headers.is_empty() {
        return None;
    }
    for (_, value) in &mut headers {
        *value = one_line(value);
    }
    let senders = headers
        .iter()
        .filter(|(name, _)| matches!(name.as_str(), "From" | "Reply-To" | "Return-Path"))
        .filter_map(|(_, value)| address_in(value))
        .collect();
    Some(Forwarded {
        headers,
        senders,
        text: lines[start + 1..].join("\n"),
        inline: true,
    })
}

fn is_marker(line: &str) -> bool {
    let core = line
        .trim()
        .trim_matches(|c: char| c == '-' || c == '_' || c == '*' || c == '=' || c == ' ')
        .to_lowercase();
    MARKERS.contains(&core.as_str())
}

/// The e-mail address in a header value: `Name <a@b>`, `a@b`, `[mailto:a@b]`.
fn address_in(value: &str) -> Option<String> {
    if let Some(start) = value.find('<')
        && let Some(len) = value[start + 1..].find('>')
    {
        let inner = value[start + 1..start + 1 + len].trim();
        let inner = inner.strip_prefix("mailto:").unwrap_or(inner);
        if inner.contains('@') {
            return Some(inner.to_string());
        }
    }
    value
        .split(|c: char| {
            c.is_whitespace() || matches!(c, '<' | '>' | '[' | ']' | '(' | ')' | '"' | ',')
        })
        .map(|w| w.strip_prefix("mailto:").unwrap_or(w))
        .find(|w| w.contains('@') && !w.starts_with('@') && !w.ends_with('@'))
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_an_outlook_style_forward() {
        let text = "Please look at this.\n\n-----Original Message-----\nFrom: Bank Support <support@evil-bank.example>\nSent: Monday, May 6, 2024 8:01 AM\nTo: me@corp.example\nSubject: Verify your account\n\nClick http://evil-bank.example/login\n";
        let found = inline(text).unwrap();
        assert_eq!(found.headers.len(), 4);
        assert_eq!(
            found.headers[1],
            ("Date".into(), "Monday, May 6, 2024 8:01 AM".into())
        );
        assert_eq!(found.senders, vec!["support@evil-bank.example".to_string()]);
        assert!(found.text.contains("http://evil-bank.example/login"));
        assert!(!found.text.contains("Please look"));
    }

    #[test]
    fn french_forward_and_no_forward() {
        let text =
            "---------- Message transféré ---------\nDe : <x@y.example>\nObjet : Facture\n\ncorps";
        let found = inline(text).unwrap();
        assert_eq!(found.headers[0], ("From".into(), "<x@y.example>".into()));
        assert_eq!(found.senders, vec!["x@y.example".to_string()]);
        assert!(inline("Hello,\nFrom: nobody in particular\n").is_none());
        assert!(inline("-----Original Message-----\nnot a header\n").is_none());
    }
}
