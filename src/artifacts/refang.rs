//! Undoing defanging: `hxxp://evil[.]com` back to `http://evil.com`. One pass over the
//! text, looking at most a few bytes ahead at each position: linear in the input.

use std::borrow::Cow;

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
    ("[://]", "://"),
    ("[:]//", "://"),
    ("[:]", ":"),
    ("[/]", "/"),
];

/// The bytes a defanged notation starts with: `[`, `(`, `{` and the `h` of `hxxp`.
static MAY_START: [bool; 256] = {
    let mut table = [false; 256];
    let mut i = 0;
    while i < 5 {
        table[b"[({hH"[i] as usize] = true;
        i += 1;
    }
    table
};

/// `text` with defanged notations replaced; borrowed when there were none.
/// `steps` counts the bytes looked at (for the linearity test).
pub fn refang_counted<'t>(text: &'t str, steps: &mut u64) -> Cow<'t, str> {
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    // Start of the text not yet copied into `out`.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most bytes start no notation: jump to the next one that may.
        let Some(skip) = bytes[i..].iter().position(|&b| MAY_START[b as usize]) else {
            *steps += (bytes.len() - i) as u64;
            break;
        };
        *steps += skip as u64 + 1;
        i += skip;
        let replacement = match bytes[i] {
            b'[' | b'(' | b'{' => BRACKETED
                .iter()
                .find(|(from, _)| starts_with_ignore_case(&bytes[i..], from.as_bytes()))
                .map(|(from, to)| (from.len(), *to)),
            // `hxxp`, `hXXp`, `hxxps`: only as a scheme, followed by `:` or `[:` (so
            // that a name with an `hxxp` label, `hxxp[.]co`, stays itself).
            b'h' | b'H' => {
                let rest = &bytes[i..];
                (rest.len() > 4
                    && rest[1].eq_ignore_ascii_case(&b'x')
                    && rest[2].eq_ignore_ascii_case(&b'x')
                    && rest[3].eq_ignore_ascii_case(&b'p')
                    && {
                        let after = &rest[4..];
                        let after = match after.first() {
                            Some(b's' | b'S') => &after[1..],
                            _ => after,
                        };
                        after.starts_with(b":") || after.starts_with(b"[:")
                    })
                .then_some((4, "http"))
            }
            _ => None,
        };
        match replacement {
            Some((len, to)) => {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..i]);
                out.push_str(to);
                i += len;
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

/// `text` with defanged notations replaced.
pub fn refang(text: &str) -> Cow<'_, str> {
    refang_counted(text, &mut 0)
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
    }
}
