//! The query language: free words, `"phrases"`, `-negation`, `OR`, `word*` prefixes
//! and field filters (`category:phishing severity:>=3 bl:"Retail Banking"`).
//!
//! Parsing never fails: whatever cannot be read as an operator is read as text.
//! `search.js` parses with the same rules.

use super::text;

/// Fields answered by the facet table (one value per incident).
pub const COLUMN_FIELDS: &[&str] = &["category", "severity", "status", "tlp", "kind", "year"];
/// Fields answered by index terms (any number of values per incident).
pub const TERM_FIELDS: &[&str] = &[
    "bl",
    "tag",
    "artifact",
    "detection",
    "actor",
    "plan",
    "month",
];

/// The filter that selects what the site lists under facet `key`'s value `raw`
/// (`category:phishing`, `bl:"Retail Banking > France"`, `month:2024-05` for the
/// archive's `2024 > 05`), if the language has one: a value holding a `"` has none.
pub fn facet_filter(key: &str, raw: &str) -> Option<String> {
    if key == "archive"
        && let Some((year, month)) = raw.split_once(crate::config::business_lines::SEPARATOR)
    {
        return Some(format!("month:{year}-{month}"));
    }
    let field = match key {
        "business-line" => "bl",
        "archive" if raw.bytes().all(|b| b.is_ascii_digit()) => "year",
        _ if COLUMN_FIELDS.contains(&key) || TERM_FIELDS.contains(&key) => key,
        _ => return None,
    };
    if raw.is_empty() || raw.contains('"') {
        return None;
    }
    let plain = raw
        .chars()
        .all(|c| c.is_alphanumeric() || "-_.+".contains(c));
    Some(if plain {
        format!("{field}:{raw}")
    } else {
        format!("{field}:\"{raw}\"")
    })
}

/// A comparison in a field filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

/// One thing an incident may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Atom {
    /// A stemmed term; `prefix` also matches longer terms that start with `folded`.
    Word {
        term: String,
        folded: String,
        prefix: bool,
    },
    /// Stemmed terms that must follow each other.
    Phrase(Vec<String>),
    /// A filter on a field of [`COLUMN_FIELDS`] or [`TERM_FIELDS`].
    Field {
        field: String,
        op: Op,
        value: String,
    },
}

/// Atoms joined by `OR`, possibly negated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    pub negated: bool,
    pub any: Vec<Atom>,
}

/// A parsed query: every clause must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    pub clauses: Vec<Clause>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }
}

/// A raw piece of the query before it becomes an atom.
#[derive(Debug, PartialEq)]
enum Token {
    Or,
    Item {
        negated: bool,
        field: Option<String>,
        text: String,
        quoted: bool,
    },
}

fn is_field(name: &str) -> bool {
    COLUMN_FIELDS.contains(&name) || TERM_FIELDS.contains(&name)
}

/// Splits the query into tokens, honouring quotes.
fn tokenize(query: &str) -> Vec<Token> {
    let chars: Vec<char> = query.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let mut negated = false;
        if chars[i] == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            negated = true;
            i += 1;
        }
        if chars[i] == '"' {
            let (text, next) = quoted(&chars, i);
            tokens.push(Token::Item {
                negated,
                field: None,
                text,
                quoted: true,
            });
            i = next;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '"' {
            i += 1;
        }
        let word: String = chars[start..i].iter().collect();
        if !negated && word == "OR" {
            tokens.push(Token::Or);
            continue;
        }
        if let Some((name, rest)) = word.split_once(':') {
            let name = name.to_lowercase();
            if is_field(&name) {
                let (text, quoted_value) = if rest.is_empty() && i < chars.len() && chars[i] == '"'
                {
                    let (text, next) = quoted(&chars, i);
                    i = next;
                    (text, true)
                } else if rest.ends_with(['=', '<', '>']) && i < chars.len() && chars[i] == '"' {
                    let (text, next) = quoted(&chars, i);
                    i = next;
                    (format!("{rest}{text}"), true)
                } else {
                    (rest.to_string(), false)
                };
                tokens.push(Token::Item {
                    negated,
                    field: Some(name),
                    text,
                    quoted: quoted_value,
                });
                continue;
            }
        }
        tokens.push(Token::Item {
            negated,
            field: None,
            text: word,
            quoted: false,
        });
    }
    tokens
}

/// The text of a quoted string starting at `chars[at] == '"'`, and the position after
/// it; an unterminated quote runs to the end.
fn quoted(chars: &[char], at: usize) -> (String, usize) {
    let mut i = at + 1;
    let start = i;
    while i < chars.len() && chars[i] != '"' {
        i += 1;
    }
    let text = chars[start..i].iter().collect();
    (text, (i + 1).min(chars.len()))
}

fn split_op(value: &str) -> (Op, &str) {
    for (sign, op) in [
        (">=", Op::Ge),
        ("<=", Op::Le),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ] {
        if let Some(rest) = value.strip_prefix(sign) {
            return (op, rest);
        }
    }
    (Op::Eq, value)
}

/// The atom of free text: a word, a prefix, or a phrase when it holds several words.
fn text_atom(text: &str, quoted: bool, typing_last: bool) -> Option<Atom> {
    let star = !quoted && text.ends_with('*');
    let words: Vec<String> = text::words(text).collect();
    match words.as_slice() {
        [] => None,
        [word] => Some(Atom::Word {
            term: text::stem(word),
            folded: word.clone(),
            prefix: star || (typing_last && !quoted),
        }),
        _ => Some(Atom::Phrase(words.iter().map(|w| text::stem(w)).collect())),
    }
}

/// Parses `query`. With `typing`, the last word is also read as a prefix (the query is
/// being typed and the word may be unfinished).
pub fn parse(query: &str, typing: bool) -> Query {
    let tokens = tokenize(query);
    let typing_last = typing && !query.ends_with(char::is_whitespace);
    let last_item = tokens.iter().rposition(|t| matches!(t, Token::Item { .. }));
    let mut clauses: Vec<Clause> = Vec::new();
    let mut join_next = false;
    for (index, token) in tokens.into_iter().enumerate() {
        let (negated, field, text, quoted) = match token {
            Token::Or => {
                join_next = !clauses.is_empty();
                continue;
            }
            Token::Item {
                negated,
                field,
                text,
                quoted,
            } => (negated, field, text, quoted),
        };
        let atom = match field {
            Some(field) => {
                let (op, value) = split_op(&text);
                let value = value.trim();
                if value.is_empty() {
                    None
                } else {
                    Some(Atom::Field {
                        field,
                        op,
                        value: value.to_string(),
                    })
                }
            }
            None => text_atom(&text, quoted, typing_last && Some(index) == last_item),
        };
        let Some(atom) = atom else {
            continue;
        };
        match clauses.last_mut() {
            // `a OR -b`: a negation inside an alternative is read as the plain atom.
            Some(clause) if join_next => clause.any.push(atom),
            _ => clauses.push(Clause {
                negated,
                any: vec![atom],
            }),
        }
        join_next = false;
    }
    Query { clauses }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facet_values_read_back_as_the_filters_they_are() {
        let filter = |key, raw| facet_filter(key, raw);
        assert_eq!(filter("tlp", "AMBER+STRICT").unwrap(), "tlp:AMBER+STRICT");
        assert_eq!(filter("archive", "2024").unwrap(), "year:2024");
        assert_eq!(filter("archive", "2024 > 05").unwrap(), "month:2024-05");
        assert_eq!(filter("tag", "say \"hi\""), None);
        let line = filter("business-line", "Retail Banking > France").unwrap();
        assert_eq!(line, "bl:\"Retail Banking > France\"");
        let [Clause { any, .. }] = &parse(&line, false).clauses[..] else {
            panic!("{line}");
        };
        assert_eq!(any, &[field("bl", Op::Eq, "Retail Banking > France")]);
    }

    fn word(term: &str) -> Atom {
        Atom::Word {
            term: term.into(),
            folded: term.into(),
            prefix: false,
        }
    }

    fn field(field: &str, op: Op, value: &str) -> Atom {
        Atom::Field {
            field: field.into(),
            op,
            value: value.into(),
        }
    }

    fn clause(negated: bool, any: Vec<Atom>) -> Clause {
        Clause { negated, any }
    }

    #[test]
    fn words_phrases_negation_and_or() {
        let q = parse(
            r#"Phishing "fausse page" -malware ransomware OR wiper"#,
            false,
        );
        assert_eq!(
            q.clauses,
            vec![
                clause(false, vec![word("phishing")]),
                clause(
                    false,
                    vec![Atom::Phrase(vec!["fausse".into(), "page".into()])]
                ),
                clause(true, vec![word("malware")]),
                clause(false, vec![word("ransomware"), word("wiper")]),
            ]
        );
    }

    #[test]
    fn field_filters() {
        let q = parse(
            r#"category:phishing severity:>=3 bl:"Retail Banking" tlp:amber year:2024 artifact:185.12.3.4 -status:closed"#,
            false,
        );
        assert_eq!(
            q.clauses,
            vec![
                clause(false, vec![field("category", Op::Eq, "phishing")]),
                clause(false, vec![field("severity", Op::Ge, "3")]),
                clause(false, vec![field("bl", Op::Eq, "Retail Banking")]),
                clause(false, vec![field("tlp", Op::Eq, "amber")]),
                clause(false, vec![field("year", Op::Eq, "2024")]),
                clause(false, vec![field("artifact", Op::Eq, "185.12.3.4")]),
                clause(true, vec![field("status", Op::Eq, "closed")]),
            ]
        );
    }

    #[test]
    fn unknown_fields_and_dotted_values_are_text() {
        let q = parse("http://evil.example 185.12.3.4", false);
        assert_eq!(
            q.clauses,
            vec![
                clause(
                    false,
                    vec![Atom::Phrase(vec![
                        "http".into(),
                        "evil".into(),
                        "example".into()
                    ])]
                ),
                clause(
                    false,
                    vec![Atom::Phrase(vec![
                        "185".into(),
                        "12".into(),
                        "3".into(),
                        "4".into()
                    ])]
                ),
            ]
        );
    }

    #[test]
    fn prefixes() {
        let q = parse("hamec* incid", true);
        let prefix = |term: &str, folded: &str| Atom::Word {
            term: term.into(),
            folded: folded.into(),
            prefix: true,
        };
        assert_eq!(
            q.clauses,
            vec![
                clause(false, vec![prefix("hamec", "hamec")]),
                clause(false, vec![prefix("incid", "incid")]),
            ]
        );
        // A finished word (followed by a space) is not a prefix.
        assert_eq!(
            parse("incid ", true).clauses,
            vec![clause(false, vec![word("incid")])]
        );
    }

    #[test]
    fn odd_input_is_text() {
        assert!(parse("", false).is_empty());
        assert!(parse(" - OR \" :", false).is_empty());
        assert_eq!(
            parse("OR a", false).clauses,
            vec![clause(false, vec![word("a")])]
        );
        assert_eq!(
            parse("\"unterminated phrase", false).clauses,
            vec![clause(
                false,
                vec![Atom::Phrase(vec!["unterminated".into(), "phrase".into()])]
            )]
        );
    }
}
