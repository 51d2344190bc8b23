//! Undoing defanging: `hxxp://evil[.]com` back to `http://evil.com`. One pass over the
//! text, looking at most a few bytes ahead at each position: linear in the input.
//!
//! A dot or an at sign in brackets may be written apart from its neighbours
//! (`evil [.] com`, `jean [at] evil [dot] com`, as some reports and mailing lists
//! spell them): one space on each side goes with it. Brackets say the writer meant a
//! name, so this reads no prose as one; a bare `dot` or `at` is left alone.
//!
//! For the same reason a capital after a defanged dot is lowered (`evil[.]It` →
//! `evil.it`), outside URLs: the scanner takes `done.It` for two sentences run
//! together, which `evil[.]It` is not. Names are lowercased anyway; the path of a URL
//! keeps its case, so a word with a `/` before the dot is left as it is.

use std::borrow::Cow;

use super::next_byte::NextByte;

/// Defanged notations and what they stand for, matched ASCII-case-insensitively.
const BRACKETED: &[(&str, &str)] = &[
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[@]", "@"),
    ("(@)", "@"),
    ("{@}", "@"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("{at}", "@"),
    // Above: the notations that take a space on each side with them ([`SPACED`]).
    ("[://]", "://"),
    ("[:]//", "://"),
    ("[:]", ":"),
    ("[/]", "/"),
];

/// How many of [`BRACKETED`]'s notations, from its start, take one space on each
/// side with them: those of a dot and an at sign.
const SPACED: usize = 12;

/// `text` with defanged notations replaced; borrowed when there were none.
/// `steps` counts the bytes looked at (for the linearity test).
pub fn refang_counted<'t>(text: &'t str, steps: &mut u64) -> Cow<'t, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Start of the text not yet copied into `out`.
    let mut copied = 0;
    // The bytes a notation is found by: `[`, `(`, `{`, and the first `x` of `hxxp`
    // and `fxp` (rarer in prose than the letter before it, which the match then
    // looks back to).
    let mut candidates = NextByte::new(bytes, b"[({", b"xX");
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes start no notation: jump to the next one that may.
        let Some(at) = candidates.next(i) else {
            *steps += (bytes.len() - i) as u64;
            break;
        };
        *steps += (at - i) as u64 + 1;
        i = at;
        let replacement = match bytes[i] {
            b'[' | b'(' | b'{' => bracketed(&bytes[i..]).map(|(len, to, spaced)| {
                // The space before goes too, unless a replacement already took it.
                let space_before = spaced && i > copied && bytes[i - 1] == b' ';
                let space_after = spaced && bytes.get(i + len) == Some(&b' ');
                if space_before {
                    i -= 1;
                }
                (
                    len + usize::from(space_before) + usize::from(space_after),
                    to,
                )
            }),
            // The letter before it, unless a replacement took it (a lowered capital).
            _ if i > copied => defanged_scheme(&bytes[i - 1..]).inspect(|_| i -= 1),
            _ => None,
        };
        match replacement {
            Some((len, to)) => {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..i]);
                out.push_str(to);
                i += len;
                if to == "." && starts_capitalised(&bytes[i..]) && !in_a_path(out, steps) {
                    out.push(char::from(bytes[i].to_ascii_lowercase()));
                    i += 1;
                }
                copied = i;
            }
            None => i += 1,
        }
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// Whether `rest` starts with a capital then a small letter (`It`, `Com`, not `COM`).
fn starts_capitalised(rest: &[u8]) -> bool {
    rest.first().is_some_and(u8::is_ascii_uppercase)
        && rest.get(1).is_some_and(u8::is_ascii_lowercase)
}

/// Longest a word is looked back through: longer than any name (253 bytes).
const LOOK_BACK: usize = 256;

/// Whether the word `out` ends with may be part of a URL or a path: it has a `/`, or
/// is longer than any name. Looks back [`LOOK_BACK`] bytes at most, counted in `steps`.
fn in_a_path(out: &str, steps: &mut u64) -> bool {
    let word = out
        .as_bytes()
        .iter()
        .rev()
        .take(LOOK_BACK)
        .take_while(|b| !b.is_ascii_whitespace());
    let mut length = 0;
    for &b in word {
        length += 1;
        if b == b'/' {
            *steps += length;
            return true;
        }
    }
    *steps += length;
    length as usize == LOOK_BACK
}

/// `text` with defanged notations replaced.
pub fn refang(text: &str) -> Cow<'_, str> {
    refang_counted(text, &mut 0)
}

/// The bracketed notation at the start of `rest`: its length, what it stands for,
/// and whether it takes a space on each side with it ([`SPACED`]).
fn bracketed(rest: &[u8]) -> Option<(usize, &'static str, bool)> {
    BRACKETED
        .iter()
        .position(|(from, _)| starts_with_ignore_case(rest, from.as_bytes()))
        .map(|at| (BRACKETED[at].0.len(), BRACKETED[at].1, at < SPACED))
}

/// Defanged schemes and what they stand for, matched ASCII-case-insensitively.
const SCHEMES: &[(&str, &str)] = &[("hxxp", "http"), ("fxp", "ftp")];

/// A defanged scheme (`hxxp`, `hXXps`, `fxp`) at the start of `rest`, only as a
/// scheme: followed by `:` or `[:`, after an `s` or not (so that a name with an
/// `hxxp` label, `hxxp[.]co`, stays itself). Its length and what it stands for.
fn defanged_scheme(rest: &[u8]) -> Option<(usize, &'static str)> {
    SCHEMES
        .iter()
        .find(|(from, _)| {
            rest.len() > from.len()
                && starts_with_ignore_case(rest, from.as_bytes())
                && is_scheme_end(&rest[from.len()..])
        })
        .map(|(from, to)| (from.len(), *to))
}

/// What follows a defanged scheme's name: `:` or `[:`, after an `s` or not.
fn is_scheme_end(after: &[u8]) -> bool {
    let after = match after.first() {
        Some(b's' | b'S') => &after[1..],
        _ => after,
    };
    after.starts_with(b":") || after.starts_with(b"[:")
}

fn starts_with_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.len() >= needle.len() && haystack[..needle.len()].eq_ignore_ascii_case(needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form() {
        let cases = [
            ("hxxp://a.com", "http://a.com"),
            ("hXXp://a.com", "http://a.com"),
            ("HXXPS://a.com", "httpS://a.com"),
            ("evil[.]com", "evil.com"),
            ("evil(.)com", "evil.com"),
            ("evil{.}com", "evil.com"),
            ("evil[dot]com", "evil.com"),
            ("evil[DOT]com", "evil.com"),
            ("a[@]b.com", "a@b.com"),
            ("a[at]b.com", "a@b.com"),
            ("a(at)b.com", "a@b.com"),
            ("http[://]a.com", "http://a.com"),
            ("http[:]//a.com", "http://a.com"),
            ("hxxps[:]//a[.]b[.]com", "https://a.b.com"),
            ("fxp://a.com/x", "ftp://a.com/x"),
            ("FXPS[:]//a[.]com", "ftpS://a.com"),
            ("evil [.] com", "evil.com"),
            ("evil [.]com and evil[.] com", "evil.com and evil.com"),
            ("jean [at] evil (dot) com", "jean@evil.com"),
            ("a [.] [.] b", "a..b"),
            ("a  [.]  b", "a . b"),
            ("hxxp [:]//a.com [/] x", "hxxp ://a.com / x"),
            // A capital after a defanged dot, outside a path.
            ("evil[.]It, EVIL[.]COM", "evil.it, EVIL.COM"),
            ("hxxp://a[.]Com/Invoice[.]Pdf", "http://a.Com/Invoice.Pdf"),
            ("a[.]com[/]Invoice[.]Pdf", "a.com/Invoice.Pdf"),
        ];
        for (defanged, plain) in cases {
            assert_eq!(refang(defanged), plain, "{defanged}");
        }
    }

    #[test]
    fn leaves_other_text_alone() {
        for text in ["hxxx", "[x]", "(note)", "hex", "[.", "hxx", "ahxxp", "{at"] {
            assert!(matches!(refang(text), Cow::Borrowed(_)), "{text}");
        }
        // `hxxp` is a scheme only when followed by `:` or `[:` (after an `s` or not).
        assert_eq!(refang("the hxxpie"), "the hxxpie");
        assert_eq!(refang("hxxp[.]co"), "hxxp.co");
        assert_eq!(refang("hxxps[.]example"), "hxxps.example");
        assert_eq!(refang("hxxpsx[.]com"), "hxxpsx.com");
        assert_eq!(refang("hxxp[/]x"), "hxxp/x");
        assert_eq!(refang("hxxps[://]hxxp[.]co"), "https://hxxp.co");
        assert_eq!(refang("é[.]ü"), "é.ü");
        assert_eq!(refang("fxp[.]example, fxpx://a"), "fxp.example, fxpx://a");
    }

    /// The notations replaced as they are met, left to right, each position tried
    /// against every notation: what the jumping scanner must do.
    fn refang_by_position(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = String::new();
        let mut i = 0;
        let space_after = |at: usize| usize::from(bytes.get(at) == Some(&b' '));
        // After a dot: a capital then a small letter, in a word of a name's length
        // without a `/`.
        let lowers = |out: &str, at: usize| {
            let word = out
                .rsplit(|c: char| c.is_ascii_whitespace())
                .next()
                .unwrap_or("");
            bytes.get(at).is_some_and(u8::is_ascii_uppercase)
                && bytes.get(at + 1).is_some_and(u8::is_ascii_lowercase)
                && !word.contains('/')
                && word.len() < LOOK_BACK
        };
        while i < bytes.len() {
            let spaced_next = bytes[i] == b' ' && bracketed(&bytes[i + 1..]).is_some_and(|b| b.2);
            let notation = if spaced_next {
                bracketed(&bytes[i + 1..]).map(|(len, to, _)| (1 + len, to, true))
            } else {
                bracketed(&bytes[i..])
            };
            if let Some((len, to, spaced)) = notation {
                out.push_str(to);
                i += len;
                if spaced {
                    i += space_after(i);
                }
                if to == "." && lowers(&out, i) {
                    out.push(char::from(bytes[i].to_ascii_lowercase()));
                    i += 1;
                }
            } else if let Some((len, to)) = defanged_scheme(&bytes[i..]) {
                out.push_str(to);
                i += len;
            } else {
                let c = text[i..].chars().next().expect("a char boundary");
                out.push(c);
                i += c.len_utf8();
            }
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn jumping_finds_what_trying_every_position_finds(
            pieces in proptest::collection::vec(
                "h|H|x|X|xx|\\[\\.\\] |\\(at\\)|\\{DoT\\}| \\[:\\]|Co|It|COM|\n|a{120}|hxxp|hXxp|HxXPs|f|fxp|FxPs|p|P|s|:|\\[:|//|\\[|\\]|\\(|\\)|\\{|\\}|\\.|dot|at|@|/|a|é| ",
                0..40,
            )
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(refang(&text).into_owned(), refang_by_position(&text));
        }
    }
}
