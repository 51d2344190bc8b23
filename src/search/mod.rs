//! Full-text and faceted search over incidents. Pure: no I/O.
//!
//! At build time [`build`] turns the published incidents into a compact sharded index:
//! terms (words, word pairs for phrases, field and column values) sharded by prefix
//! (artifact values, only ever looked up whole, by a hash of the key) with compressed
//! postings, a bit-packed facet table, and display data in small chunks.
//! Frequent terms also carry their facet counts and the display rows of their first
//! page ([`index::Frequent`]), so that a query of one such term loads one shard; each
//! column value's newest display rows have a file of their own, which a query of
//! filters only loads with its shards ([`index::VALUE_ROWS`]).
//! Each part is a `.js` file (see [`wrap`]) so that the browser loads it with a script
//! tag, also from `file://`. [`Searcher`] answers queries from those files, for
//! `fir search`; `search.js` does the same in the browser.
//!
//! Pipeline: incident → [`Document`] (site side) → [`build`] → files → [`Searcher`].

pub mod codec;
mod engine;
mod index;
pub mod networks;
pub mod query;
pub mod text;
mod update;

pub use engine::{
    Facet, FacetCount, Hit, Outcome, SearchError, Searcher, Sort, Source, UnknownValue,
};
pub use index::{Column, Document, Meta, ValueName, build, build_with_names};
pub use query::{Query, parse};
pub use update::{Patch, PatchError, files_past_the_end, patch, replace_tail};

/// The one form under which an artifact value is indexed and looked up: the
/// artifact extractor's own normal form (`evil[.]COM` → `evil.com`, IPv6 canonical,
/// URLs refanged), so that a query typed plain or defanged finds what the build
/// indexed from [`crate::artifacts`]. Anything that is no artifact is refanged and
/// lowercased, what follows its last `@` brought to ASCII as a host would be
/// ([`crate::artifacts::values::host_in_ascii`]): the search page does the same.
pub fn normalize_artifact(value: &str) -> String {
    match crate::artifacts::identify(value) {
        Some(artifact) => artifact.value.to_string(),
        None => {
            let text = crate::artifacts::refang_query(value);
            let host_at = text.rfind('@').map_or(0, |at| at + 1);
            let (mailbox, host) = text.split_at(host_at);
            mailbox.to_lowercase() + &crate::artifacts::values::host_in_ascii(host)
        }
    }
}

/// The form under which the build indexes an artifact it extracted: its value, which
/// [`normalize_artifact`] gives back unchanged (a property test holds extraction to
/// that), except a file name, which is no artifact type a query can be recognised as.
pub fn indexed_artifact(artifact: &crate::artifacts::Artifact) -> String {
    match artifact.kind {
        crate::artifacts::Kind::File => normalize_artifact(&artifact.value),
        _ => artifact.value.to_string(),
    }
}

/// What starts the key of a word pair: pairs sort apart from words, so that a prefix
/// query (`ransom*`) reads the shards of words only.
pub(crate) const PAIR_MARK: char = '~';

/// The key of two words that follow each other, for phrases.
pub(crate) fn pair_key(first: &str, second: &str) -> String {
    format!("{PAIR_MARK}{first} {second}")
}

/// [`document_key_into`], as a new string.
#[cfg(test)]
fn document_key(field: &str, value: &str) -> String {
    let mut key = String::new();
    document_key_into(&mut key, field, value);
    key
}

/// The key of a [`Document`]'s term field value, written into `key` (the build makes
/// one per artifact mention): artifacts come in their indexed form
/// ([`indexed_artifact`]: not recognised again, the build has thousands), other values
/// as [`field_key`] makes them.
fn document_key_into(key: &mut String, field: &str, value: &str) {
    match field {
        "artifact" => key_into(key, field, value),
        _ => *key = field_key(field, value),
    }
}

/// The key of `value`, already in the form its field indexes.
fn key(field: &str, value: &str) -> String {
    let mut key = String::new();
    key_into(&mut key, field, value);
    key
}

/// [`key`], written into `key`.
fn key_into(key: &mut String, field: &str, value: &str) {
    key.clear();
    key.reserve(field.len() + value.len() + 2);
    key.push(':');
    key.push_str(field);
    key.push(':');
    key.push_str(value);
}

/// The index key of a value of a term field (`bl`, `tag`, `artifact`, …), typed in a
/// query. Keys start with `:`, which no word does.
pub fn field_key(field: &str, value: &str) -> String {
    let value = match field {
        "artifact" => normalize_artifact(value),
        "bl" => text::fold(&crate::config::business_lines::normalize(value)),
        _ => text::fold(value.trim()),
    };
    key(field, &value)
}

/// The start of a text for result lists: its prose first (headings such as a
/// template's `## Summary` say nothing about the incident, so they are left out unless
/// the text has nothing else), Markdown marks, quote marks, list bullets and code
/// fences dropped, white space folded, cut at a word boundary after at most `max`
/// characters.
pub fn excerpt(markdown: &str, max: usize) -> String {
    let prose = excerpt_of(markdown, max, false);
    if prose.is_empty() {
        excerpt_of(markdown, max, true)
    } else {
        prose
    }
}

fn excerpt_of(markdown: &str, max: usize, with_headings: bool) -> String {
    let mut out = String::with_capacity(max + 4);
    let mut count = 0;
    for line in markdown.lines() {
        let line = line.trim_start();
        if (!with_headings && is_heading(line))
            || line.starts_with("```")
            || line.starts_with("~~~")
        {
            continue;
        }
        // Quote marks lead a line; elsewhere `>` is text (`<script>` shown as text, `->`).
        let line = line.trim_start_matches(['>', ' ']);
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("+ "))
            .unwrap_or(line);
        // A line break is a space between words.
        let mut space = !out.is_empty();
        for c in line.chars() {
            if matches!(c, '*' | '_' | '#' | '`' | '|' | '[' | ']') {
                continue;
            }
            if c.is_whitespace() {
                space = !out.is_empty();
                continue;
            }
            if space {
                if count >= max {
                    out.push('…');
                    return out;
                }
                out.push(' ');
                count += 1;
                space = false;
            }
            out.push(c);
            count += 1;
            if count >= max + 20 {
                out.push('…');
                return out;
            }
        }
    }
    out
}

/// A Markdown ATX heading line (`#` to `######`, then a space or nothing).
fn is_heading(line: &str) -> bool {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    let rest = &line[hashes..];
    (1..=6).contains(&hashes) && (rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// The `.js` form of an index file: a call that hands the JSON to `search.js`.
pub fn wrap(json: &str) -> String {
    format!("firSearch.load({json});\n")
}

/// The JSON inside a file made by [`wrap`].
pub fn unwrap(js: &str) -> Option<&str> {
    js.trim_end()
        .strip_prefix("firSearch.load(")?
        .strip_suffix(");")
}

#[cfg(test)]
mod tests_core;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifacts_are_refanged_and_lowercased() {
        assert_eq!(normalize_artifact(" 185.12.3[.]4 "), "185.12.3.4");
        assert_eq!(
            normalize_artifact("hxxps://Evil[.]Example/x"),
            "https://evil.example/x"
        );
        assert_eq!(normalize_artifact("bob[@]corp(.)com"), "bob@corp.com");
        // Names beyond ASCII are looked up in their ASCII form, as they are indexed.
        assert_eq!(normalize_artifact("Bücher[.]de"), "xn--bcher-kva.de");
        assert_eq!(
            normalize_artifact("hxxps://Bücher.de:8443/Konto"),
            "https://xn--bcher-kva.de:8443/Konto"
        );
        // And so is anything else, as the search page's script (search.js) cannot
        // tell a file name from a domain.
        assert_eq!(
            normalize_artifact("Facture_Décembre.pdf"),
            "xn--facture_dcembre-jnb.pdf"
        );
        assert_eq!(normalize_artifact("Rapport-Été"), "rapport-été");
        assert_eq!(normalize_artifact("a@É.x:25"), "a@xn--9ca.x:25");
    }

    /// The build indexes each artifact under the key a query for it, typed plain or
    /// defanged, looks up.
    #[test]
    fn indexed_artifacts_are_found_by_their_query_keys() {
        use crate::artifacts::{self, Artifact, Kind};
        let config = crate::config::artifacts::ArtifactConfig::default();
        let mut all = artifacts::extract_text(
            "185.12.3[.]4 2A01:4F8:0:0::1 Evil-Domain.COM hxxps://Evil-CDN[.]net/a?b=c \
             Bob[@]corp(.)com d41d8cd98f00b204e9800998ecf8427e CVE-2024-1234 \
             0123456789abcdef0123456789abcdef01234567",
            &config,
        );
        assert_eq!(all.len(), 8, "{all:?}");
        for (kind, value) in [
            ("file", "Invoice.PDF"),
            ("file", "report.zip"),
            ("ip", "10.0.0.1"),
        ] {
            all.push(artifacts::parse_value(kind, value, &config).unwrap());
        }
        for artifact in &all {
            let indexed = document_key("artifact", &indexed_artifact(artifact));
            assert_eq!(
                indexed,
                field_key("artifact", &artifact.value),
                "{artifact:?}"
            );
            let defanged = artifacts::defang(artifact);
            assert_eq!(indexed, field_key("artifact", &defanged), "{defanged}");
        }
        let file = Artifact {
            kind: Kind::File,
            value: "Invoice.PDF".into(),
        };
        assert_eq!(indexed_artifact(&file), "invoice.pdf");
    }

    #[test]
    fn field_keys() {
        assert_eq!(
            field_key("bl", "Retail Banking>France"),
            ":bl:retail banking > france"
        );
        assert_eq!(field_key("artifact", "EVIL[.]com"), ":artifact:evil.com");
        assert_eq!(field_key("tag", " Ré "), ":tag:re");
    }

    #[test]
    fn excerpts() {
        assert_eq!(
            excerpt("# Title\n\nSome *bold*   text.", 100),
            "Some bold text."
        );
        assert_eq!(excerpt("one two three four", 5), "one two…");
        // Prose before headings; bullets and code fences dropped, their text kept.
        assert_eq!(
            excerpt(
                "## Summary\nStolen laptop.\n\n## Indicators\n- Sender: a@b.c\n+ two\n```\nlog line\n```\n#tag line",
                100
            ),
            "Stolen laptop. Sender: a@b.c two log line tag line"
        );
        // Quote marks go; other `>` stay, as the page shows raw HTML and arrows.
        assert_eq!(
            excerpt("> > quoted\nNote: <script>x</script> a -> b", 100),
            "quoted Note: <script>x</script> a -> b"
        );
        // Only headings: they are the excerpt.
        assert_eq!(excerpt("# Only\n## Headings", 100), "Only Headings");
        assert!(is_heading("###### six") && is_heading("#") && is_heading("## "));
        assert!(!is_heading("#tag") && !is_heading("####### seven") && !is_heading("text #"));
        assert_eq!(wrap("{}"), "firSearch.load({});\n");
        assert_eq!(unwrap(&wrap("[1]")), Some("[1]"));
    }
}
