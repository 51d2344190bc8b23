//! Markdown from incident files to safe HTML.
//!
//! The text is untrusted: it comes from a public form and from old spreadsheets. Links
//! may only use harmless schemes, images never load (they become links, so that no page
//! fetches anything from outside), and raw HTML is shown as text unless it is only
//! markup the sanitiser keeps ([`shows_as_html`]); what is kept still goes through
//! ammonia. An analyst's pasted `<script>` or phishing `<form>` is evidence: dropping
//! it, as a sanitiser does, would lose it from the page. Documents without raw HTML
//! kept skip ammonia: pulldown-cmark escapes all their text already, and it is the
//! slow part.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::LazyLock;

use pulldown_cmark::{CodeBlockKind, CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// URL schemes a link in incident text may use; anything else is dropped.
const SAFE_SCHEMES: &[&str] = &["http", "https", "mailto", "ftp", "sftp"];

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .url_schemes(SAFE_SCHEMES.iter().copied().collect())
        .link_rel(Some("noopener noreferrer nofollow"));
    builder
});

/// What [`SANITIZER`] keeps: tags, attributes on any tag, attributes by tag.
struct Kept {
    tags: HashSet<&'static str>,
    generic: HashSet<&'static str>,
    by_tag: HashMap<&'static str, HashSet<&'static str>>,
}

static KEPT: LazyLock<Kept> = LazyLock::new(|| Kept {
    tags: SANITIZER.clone_tags(),
    generic: SANITIZER.clone_generic_attributes(),
    by_tag: SANITIZER.clone_tag_attributes(),
});

/// Whether raw HTML `fragment` is only markup the sanitiser keeps as it is: tags and
/// attributes it allows, links to safe URLs, comments (hidden, as on GitHub). Anything
/// else (a script, a form, an event handler, a stray `<`) is shown as text instead.
fn shows_as_html(fragment: &str) -> bool {
    let mut rest = fragment;
    while let Some(at) = rest.find('<') {
        rest = &rest[at..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            match comment.find("-->") {
                Some(end) => rest = &comment[end + 3..],
                None => return false,
            }
            continue;
        }
        let Some((closing, name, after_name)) = tag_name(rest) else {
            return false;
        };
        if !KEPT.tags.contains(name.as_str()) {
            return false;
        }
        let after = if closing {
            after_name.trim_start().strip_prefix('>')
        } else {
            kept_attributes(&name, after_name)
        };
        match after {
            Some(after) => rest = after,
            None => return false,
        }
    }
    true
}

/// The text after the `>` ending a tag named `tag` whose attributes start `attributes`,
/// when each is one the sanitiser keeps, with a safe URL; `None` otherwise.
fn kept_attributes<'t>(tag: &str, mut attributes: &'t str) -> Option<&'t str> {
    loop {
        attributes = attributes.trim_start();
        if let Some(after) = attributes.strip_prefix("/>") {
            return Some(after);
        }
        if let Some(after) = attributes.strip_prefix('>') {
            return Some(after);
        }
        let name_len = attributes
            .find(|c: char| c.is_whitespace() || matches!(c, '=' | '>' | '/' | '<'))
            .unwrap_or(attributes.len());
        if name_len == 0 {
            return None;
        }
        let name = attributes[..name_len].to_ascii_lowercase();
        attributes = attributes[name_len..].trim_start();
        let mut value = "";
        if let Some(after) = attributes.strip_prefix('=') {
            let after = after.trim_start();
            let (quoted, end) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => (true, after[1..].find(quote)? + 1),
                _ => (
                    false,
                    after
                        .find(|c: char| c.is_whitespace() || c == '>')
                        .unwrap_or(after.len()),
                ),
            };
            value = &after[usize::from(quoted)..end];
            attributes = &after[end + usize::from(quoted)..];
        }
        let kept = KEPT.generic.contains(name.as_str())
            || KEPT
                .by_tag
                .get(tag)
                .is_some_and(|a| a.contains(name.as_str()));
        let url = matches!(name.as_str(), "href" | "src" | "cite" | "action");
        if !kept || (url && !is_safe_url(value)) {
            return None;
        }
    }
}

/// Raw HTML as [`shows_as_html`] decides: kept (noted in `kept_html`), or made text; an
/// HTML block shown as text becomes a code block, so that its lines stay lines.
struct RawHtml<'a, I: Iterator<Item = Event<'a>>> {
    events: I,
    pending: VecDeque<Event<'a>>,
    kept_html: bool,
    /// Names of the inline start tags shown as text whose end tag has not come.
    text_tags: Vec<String>,
}

/// Of the tag `html` starts with: whether it is an end tag, its name (lowercase), and
/// what follows the name.
fn tag_name(html: &str) -> Option<(bool, String, &str)> {
    let rest = html.strip_prefix('<')?;
    let (closing, rest) = match rest.strip_prefix('/') {
        Some(rest) => (true, rest),
        None => (false, rest),
    };
    let len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
    (len > 0).then(|| (closing, rest[..len].to_ascii_lowercase(), &rest[len..]))
}

impl<'a, I: Iterator<Item = Event<'a>>> Iterator for RawHtml<'a, I> {
    type Item = Event<'a>;

    fn next(&mut self) -> Option<Event<'a>> {
        if let Some(event) = self.pending.pop_front() {
            return Some(event);
        }
        match self.events.next()? {
            Event::Start(Tag::HtmlBlock) => {
                let mut block = Vec::new();
                for event in self.events.by_ref() {
                    if event == Event::End(TagEnd::HtmlBlock) {
                        break;
                    }
                    block.push(event);
                }
                let text: String = block
                    .iter()
                    .filter_map(|e| match e {
                        Event::Html(t) | Event::Text(t) => Some(t.as_ref()),
                        _ => None,
                    })
                    .collect();
                if shows_as_html(&text) {
                    self.kept_html = true;
                    self.pending.extend(block);
                    self.pending.push_back(Event::End(TagEnd::HtmlBlock));
                    Some(Event::Start(Tag::HtmlBlock))
                } else {
                    // Indented: a language class would not outlive the sanitiser
                    // when other raw HTML of the text is kept.
                    self.pending.push_back(Event::Text(text.into()));
                    self.pending.push_back(Event::End(TagEnd::CodeBlock));
                    Some(Event::Start(Tag::CodeBlock(CodeBlockKind::Indented)))
                }
            }
            Event::Html(html) | Event::InlineHtml(html) => {
                // The end tag of an element whose start tag is shown as text is too.
                let name = tag_name(&html).map(|(closing, name, _)| (closing, name));
                let ends_text = match &name {
                    Some((true, name)) => match self.text_tags.iter().rposition(|t| t == name) {
                        Some(at) => {
                            self.text_tags.remove(at);
                            true
                        }
                        None => false,
                    },
                    _ => false,
                };
                if ends_text || !shows_as_html(&html) {
                    if let Some((false, name)) = name {
                        self.text_tags.push(name);
                    }
                    Some(Event::Text(html))
                } else {
                    self.kept_html = true;
                    Some(Event::InlineHtml(html))
                }
            }
            event => Some(event),
        }
    }
}

/// Renders Markdown to HTML that is safe to put in a page as is.
pub fn to_html(markdown: &str) -> String {
    match plain_line(markdown) {
        Some(line) => {
            let mut html = String::with_capacity(line.len() + 9);
            html.push_str("<p>");
            html.push_str(line);
            html.push_str("</p>\n");
            html
        }
        None => to_html_parsed(markdown),
    }
}

/// `markdown`'s one line when it is a paragraph of plain text that Markdown leaves as
/// it is and HTML needs no escaping of: what most timeline entries are. Starting a
/// parser costs more than such a line's whole rendering. Conservative: a letter first,
/// nothing last that a paragraph trims, and none of the characters that start
/// anything in Markdown or need escaping in HTML (the property test below holds it to
/// the parser's output).
fn plain_line(markdown: &str) -> Option<&str> {
    let line = markdown.trim_end_matches('\n');
    let bytes = line.as_bytes();
    let plain = bytes.first()?.is_ascii_alphabetic()
        && !bytes.last()?.is_ascii_whitespace()
        && bytes.iter().all(|&b| {
            b >= 0x80
                || b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b' ' | b','
                        | b'.'
                        | b';'
                        | b':'
                        | b'\''
                        | b'"'
                        | b'('
                        | b')'
                        | b'-'
                        | b'/'
                        | b'?'
                        | b'%'
                        | b'+'
                        | b'='
                        | b'@'
                        | b'$'
                        | b'^'
                        | b'{'
                        | b'}'
                )
        });
    plain.then_some(line)
}

/// [`to_html`] by the Markdown parser.
fn to_html_parsed(markdown: &str) -> String {
    if markdown.trim().is_empty() {
        return String::new();
    }
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    // One entry per open link or image: whether its start tag was dropped.
    let mut dropped: Vec<bool> = Vec::new();
    let events = Parser::new_ext(markdown, options).filter_map(|event| match event {
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => link_start(&mut dropped, link_type, dest_url, title, id),
        // An image would be fetched when the page opens: show a link to it instead.
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => link_start(&mut dropped, link_type, dest_url, title, id),
        Event::End(TagEnd::Link | TagEnd::Image) => {
            let was_dropped = dropped.pop().unwrap_or(true);
            (!was_dropped).then_some(Event::End(TagEnd::Link))
        }
        other => Some(other),
    });
    let mut raw = RawHtml {
        events,
        pending: VecDeque::new(),
        kept_html: false,
        text_tags: Vec::new(),
    };
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, &mut raw);
    if raw.kept_html {
        SANITIZER.clean(&html).to_string()
    } else {
        html
    }
}

fn link_start<'a>(
    dropped: &mut Vec<bool>,
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    id: CowStr<'a>,
) -> Option<Event<'a>> {
    let safe = is_safe_url(&dest_url);
    dropped.push(!safe);
    safe.then_some(Event::Start(Tag::Link {
        link_type,
        dest_url,
        title,
        id,
    }))
}

/// True for relative URLs and URLs with a scheme from [`SAFE_SCHEMES`].
///
/// Browsers ignore tabs, newlines and leading blanks in URLs (`java\tscript:`), so the
/// scheme is read with those removed.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_control() && !c.is_whitespace())
        .take(32)
        .collect();
    let Some(colon) = cleaned.find(':') else {
        return true;
    };
    if cleaned[..colon].contains(['/', '?', '#']) {
        return true; // a colon in a path or query, not a scheme
    }
    let scheme = cleaned[..colon].to_ascii_lowercase();
    SAFE_SCHEMES.contains(&scheme.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        // Cheap cases, and a wrongly allowed character shows in few of them.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4096))]

        /// A line taken as plain text renders as the parser renders it.
        #[test]
        fn plain_lines_render_as_the_parser_renders_them(
            text in "[a-zA-Z0-9 \t\n\r!-/:-@\\[-`{-~é\u{a0}\u{2028}\u{3000}]{0,24}",
        ) {
            proptest::prop_assert_eq!(to_html(&text), to_html_parsed(&text));
        }

        /// The same with letters first, which most such lines start with, and words
        /// around any punctuation.
        #[test]
        fn lines_of_words_render_as_the_parser_renders_them(
            text in "[A-Za-z][a-z ,.;:'\"()/?%+=@$^{}-]{0,30}[ \u{a0}\n]{0,2}",
            marked in "[A-Za-z]{1,3}( ?[!-/:-@\\[-`{-~]{1,2}[a-z]{0,2}){0,6}",
        ) {
            proptest::prop_assert_eq!(to_html(&text), to_html_parsed(&text));
            proptest::prop_assert_eq!(to_html(&marked), to_html_parsed(&marked));
        }
    }

    #[test]
    fn a_plain_line_is_a_paragraph() {
        assert_eq!(
            plain_line("Accounts reset; closing.\n"),
            Some("Accounts reset; closing.")
        );
        assert_eq!(
            to_html("Accounts reset; closing.\n"),
            "<p>Accounts reset; closing.</p>\n"
        );
        for markdown in [
            "- item",
            "1. one",
            "a *b*",
            "a _b_",
            "a `b`",
            "a ~~b~~",
            "a \\* b",
            "a <b>",
            "a & b",
            "a\nb",
            "a  ",
            "a [b]",
            "a ![b](c)",
            " a",
            "a\tb",
        ] {
            assert_eq!(plain_line(markdown), None, "{markdown:?}");
        }
    }

    #[test]
    fn renders_common_markdown() {
        let html =
            to_html("# Title\n\nSome *text* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text_unless_the_sanitiser_keeps_it_all() {
        let html = to_html(
            "Hello <script>alert(1)</script> <b onclick=\"x()\">bold</b> <i>kept</i>\n\n\
             <iframe src=\"http://e.vil\"></iframe>\n\n<details><summary>More</summary>\n\n\
             Text <sup>2</sup> <a href=\"https://example.org/\" title=\"t\">ok</a><!-- hidden -->\n\n</details>\n",
        );
        // Evidence is read, not run and not dropped.
        assert!(
            html.contains("Hello &lt;script&gt;alert(1)&lt;/script&gt;"),
            "{html}"
        );
        assert!(
            html.contains("&lt;b onclick=\"x()\"&gt;bold&lt;/b&gt;"),
            "{html}"
        );
        assert!(
            html.contains(
                "<pre><code>&lt;iframe src=\"http://e.vil\"&gt;&lt;/iframe&gt;\n</code></pre>"
            ),
            "{html}"
        );
        // Markup the sanitiser keeps as it is stays markup.
        assert!(html.contains("<i>kept</i>"), "{html}");
        assert!(html.contains("<details><summary>More</summary>"), "{html}");
        assert!(html.contains("<sup>2</sup>"), "{html}");
        assert!(
            html.contains("<a href=\"https://example.org/\" title=\"t\""),
            "{html}"
        );
        assert!(!html.contains("hidden"), "{html}");
        // Nothing runs: the only tags are the kept ones.
        for tag in html.split('<').skip(1) {
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(char::is_ascii_alphanumeric)
                .collect();
            assert!(
                ["p", "i", "pre", "code", "details", "summary", "sup", "a"]
                    .contains(&name.as_str()),
                "<{tag} in {html}"
            );
        }
    }

    proptest::proptest! {
        /// Whatever the raw HTML, the page gets no tag the sanitiser would not keep, and
        /// no attribute that runs code.
        #[test]
        fn raw_html_never_gives_a_tag_the_sanitiser_would_drop(
            markdown in "([a-z ]{0,4}|<|>|/|=|\"|'|!--|-->|\n\n?|script|b|i|a|details|iframe| href| onclick| title|javascript:|https://x)*",
        ) {
            let html = to_html(&markdown);
            for tag in html.split('<').skip(1) {
                let (_, name, _) = tag_name(&format!("<{tag}")).expect("a tag");
                proptest::prop_assert!(KEPT.tags.contains(name.as_str()), "<{} in {}", tag, html);
                let tag = tag.split('>').next().unwrap_or_default();
                for attribute in tag.split(' ').skip(1) {
                    proptest::prop_assert!(!attribute.starts_with("on"), "<{} in {}", tag, html);
                    if let Some(url) = attribute.strip_prefix("href=\"") {
                        proptest::prop_assert!(is_safe_url(url.split('"').next().unwrap_or_default()), "<{} in {}", tag, html);
                    }
                }
            }
        }
    }

    #[test]
    fn dangerous_links_are_dropped_but_their_text_kept() {
        for markdown in [
            "[click](javascript:alert(1))",
            "[click](JavaScript:alert(1))",
            "[click](java\tscript:alert(1))",
            "[click](&#106;avascript:alert(1))",
            "[click](data:text/html;base64,PHNjcmlwdD4=)",
            "[click](vbscript:msgbox)",
            "<a href=\"javascript:alert(1)\">click</a>",
            "[click][r]\n\n[r]: javascript:alert(1)",
        ] {
            let html = to_html(markdown);
            // A link may survive as plain text, never as an href.
            for href in html.split("<a href=\"").skip(1) {
                let url = href.split('"').next().unwrap_or_default();
                assert!(is_safe_url(url), "{markdown:?} gave {html}");
            }
            assert!(html.contains("click"), "{markdown:?} lost its text: {html}");
        }
        let html = to_html("[ok](https://example.org/a) [rel](../x.html) [mail](mailto:a@b.c)");
        assert!(html.contains("href=\"https://example.org/a\""), "{html}");
        assert!(html.contains("href=\"../x.html\""), "{html}");
        assert!(html.contains("href=\"mailto:a@b.c\""), "{html}");
    }

    #[test]
    fn images_never_load() {
        let html = to_html(
            "![tracker](http://evil.example/p.png) <img src=\"http://evil.example/q.png\">",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(
            html.contains("href=\"http://evil.example/p.png\""),
            "{html}"
        );
        assert!(html.contains("tracker"), "{html}");
    }

    #[test]
    fn empty_text_gives_nothing() {
        assert_eq!(to_html("  \n"), "");
    }

    #[test]
    fn scheme_detection() {
        assert!(is_safe_url("a/b:c"));
        assert!(is_safe_url("?q=a:b"));
        assert!(is_safe_url("#x"));
        assert!(!is_safe_url(" javascript:x"));
        assert!(!is_safe_url("file:///etc/passwd"));
    }
}
