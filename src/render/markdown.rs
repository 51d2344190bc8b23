//! Markdown from incident files to safe HTML.
//!
//! The text is untrusted: it comes from a public form and from old spreadsheets. Links
//! may only use harmless schemes, images never load (they become links, so that no page
//! fetches anything from outside), and raw HTML goes through ammonia. Documents without
//! raw HTML skip ammonia: pulldown-cmark escapes all their text already, and it is the
//! slow part.

use std::sync::LazyLock;

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

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
    let mut has_raw_html = false;
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
        Event::Html(_) | Event::InlineHtml(_) => {
            has_raw_html = true;
            Some(event)
        }
        other => Some(other),
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    if has_raw_html {
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
    fn raw_html_is_sanitised() {
        let html = to_html(
            "Hello <script>alert(1)</script> <b onclick=\"x()\">bold</b>\n\n<iframe src=\"http://e.vil\"></iframe>",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("onclick"), "{html}");
        assert!(!html.contains("iframe"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
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
            for href in html.split("href=\"").skip(1) {
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
