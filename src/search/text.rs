//! Words as the index sees them: lowercase, accents folded, lightly stemmed.
//!
//! The browser applies the same rules (`search.js`); the folding table travels in the
//! index's meta file, so that both sides fold exactly alike.

/// Letters folded to plain ASCII: each string of the left column becomes the right one.
pub const FOLDS: &[(&str, &str)] = &[
    ("àáâãäåāăą", "a"),
    ("çćĉċč", "c"),
    ("ďđ", "d"),
    ("èéêëēĕėęě", "e"),
    ("ĝğġģ", "g"),
    ("ìíîïĩīĭį", "i"),
    ("ñńņňŉ", "n"),
    ("òóôõöøōŏő", "o"),
    ("ŕŗř", "r"),
    ("śŝşš", "s"),
    ("ţťŧ", "t"),
    ("ùúûüũūŭůűų", "u"),
    ("ýÿŷ", "y"),
    ("źżž", "z"),
    ("ł", "l"),
    ("œ", "oe"),
    ("æ", "ae"),
    ("ß", "ss"),
];

/// Longest word kept, in characters: longer runs (hashes, base64) are not words.
pub const MAX_WORD: usize = 64;

fn fold_char(c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    for (from, to) in FOLDS {
        if from.contains(c) {
            out.push_str(to);
            return;
        }
    }
    out.push(c);
}

/// Lowercase with accents folded: `Hameçonnage` → `hameconnage`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    fold_into(text, &mut out);
    out
}

/// [`fold`], appending to `out`.
pub fn fold_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
        return;
    }
    for c in text.chars().flat_map(char::to_lowercase) {
        fold_char(c, out);
    }
}

/// Calls `each` with every index term of `text`, in order, reusing one buffer: the
/// allocation-free form of [`terms`] for indexing. Words are cut and folded in one
/// pass over the bytes (the index reads every text of the site through here); the
/// result is that of [`terms`], which a property test checks.
pub fn for_each_term(text: &str, mut each: impl FnMut(&str)) {
    let bytes = text.as_bytes();
    let mut buffer = String::with_capacity(4 * MAX_WORD);
    let mut at = 0;
    while at < bytes.len() {
        let first = bytes[at];
        if first.is_ascii() {
            if LOWER[usize::from(first)] == 0 {
                at += 1;
                continue;
            }
            // Most words are ASCII to their end: measured with a table, given as
            // they are written when already lowercase (most are), else lowercased
            // in the buffer.
            let (mut end, mut digits, mut upper) = (at, false, false);
            while let Some(&byte) = bytes.get(end) {
                let lower = LOWER[usize::from(byte)];
                if lower == 0 {
                    break;
                }
                digits |= lower <= b'9';
                upper |= lower != byte;
                end += 1;
            }
            if bytes.get(end).is_none_or(u8::is_ascii) {
                if end - at <= MAX_WORD {
                    let (kept, ending) = if digits {
                        (end - at, "")
                    } else {
                        ascii_stem(&bytes[at..end])
                    };
                    let word = &text[at..at + kept];
                    if upper || !ending.is_empty() {
                        buffer.clear();
                        buffer.push_str(word);
                        buffer.make_ascii_lowercase();
                        buffer.push_str(ending);
                        each(&buffer);
                    } else {
                        each(word);
                    }
                }
                at = end;
                continue;
            }
            // A wider character follows: the word is read again below, by characters.
        }
        let (in_word, width) = class(text, at);
        if !in_word {
            at += width;
            continue;
        }
        buffer.clear();
        let mut chars = 0;
        while at < bytes.len() {
            let byte = bytes[at];
            if byte.is_ascii() {
                if !byte.is_ascii_alphanumeric() {
                    break;
                }
                buffer.push(char::from(byte.to_ascii_lowercase()));
                at += 1;
            } else {
                let c = text[at..].chars().next().unwrap_or_default();
                if !c.is_alphanumeric() {
                    break;
                }
                for lower in c.to_lowercase() {
                    fold_char(lower, &mut buffer);
                }
                at += c.len_utf8();
            }
            chars += 1;
        }
        if chars <= MAX_WORD {
            stem_in_place(&mut buffer);
            each(&buffer);
        }
    }
}

/// Each byte's lowercase form if it is an ASCII letter or digit, else 0.
static LOWER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        if (b as u8).is_ascii_alphanumeric() {
            table[b] = (b as u8).to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// Whether the character at byte `at` of `text` is a letter or digit, and its length
/// in bytes: bytes below 128 are classified without decoding (most text is ASCII).
fn class(text: &str, at: usize) -> (bool, usize) {
    let byte = text.as_bytes()[at];
    if byte.is_ascii() {
        return (byte.is_ascii_alphanumeric(), 1);
    }
    let c = text[at..].chars().next().unwrap_or_default();
    (c.is_alphanumeric(), c.len_utf8())
}

/// Runs of letters and digits, as written, of at most [`MAX_WORD`] characters.
fn raw_words(text: &str) -> RawWords<'_> {
    RawWords { text, at: 0 }
}

/// The iterator of [`raw_words`], characters classified by [`class`].
#[derive(Debug)]
struct RawWords<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Iterator for RawWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let len = self.text.len();
        loop {
            while self.at < len {
                let (in_word, width) = class(self.text, self.at);
                if in_word {
                    break;
                }
                self.at += width;
            }
            if self.at >= len {
                return None;
            }
            let start = self.at;
            let mut chars = 0;
            while self.at < len {
                let (in_word, width) = class(self.text, self.at);
                if !in_word {
                    break;
                }
                self.at += width;
                chars += 1;
            }
            if chars <= MAX_WORD {
                return Some(&self.text[start..self.at]);
            }
        }
    }
}

/// The index form of a folded word: plurals of French and English reduced, so that
/// `incidents` finds `incident` and `chevaux` finds `cheval`.
pub fn stem(word: &str) -> String {
    let mut word = word.to_string();
    stem_in_place(&mut word);
    word
}

/// [`stem`] without a new allocation.
pub fn stem_in_place(word: &mut String) {
    if !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let (kept, ending) = ascii_stem(word.as_bytes());
    word.truncate(kept);
    word.push_str(ending);
}

/// The stem of an ASCII word without digits, in any case (endings are compared
/// lowercase): how many of its bytes it keeps, and the lowercase ending put after them.
fn ascii_stem(word: &[u8]) -> (usize, &'static str) {
    let len = word.len();
    if len < 4 {
        return (len, "");
    }
    let lower = |i: usize| word[i].to_ascii_lowercase();
    let ends = |end: &[u8]| {
        end.iter()
            .rev()
            .enumerate()
            .all(|(i, &b)| lower(len - 1 - i) == b)
    };
    if ends(b"ies") {
        (len - 3, "y")
    } else if ends(b"aux") {
        (len - 3, "al")
    } else if ends(b"s") && !ends(b"ss") && !ends(b"us") && !ends(b"is") {
        (len - 1, "")
    } else {
        (len, "")
    }
}

/// The folded words of `text`, in order, not stemmed: runs of letters and digits.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    raw_words(text).map(fold)
}

/// The index terms of `text`, in order: folded and stemmed words.
pub fn terms(text: &str) -> impl Iterator<Item = String> + '_ {
    words(text).map(|mut w| {
        stem_in_place(&mut w);
        w
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_accent_and_case_insensitive() {
        assert_eq!(fold("Hameçonnage"), "hameconnage");
        assert_eq!(fold("ÉTÉ Œuvre"), "ete oeuvre");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn plurals_are_stemmed() {
        assert_eq!(stem("incidents"), "incident");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("chevaux"), "cheval");
        assert_eq!(stem("virus"), "virus");
        assert_eq!(stem("analysis"), "analysis");
        assert_eq!(stem("access"), "access");
        assert_eq!(stem("bus"), "bus");
        assert_eq!(stem("2024s"), "2024s");
    }

    #[test]
    fn indexing_and_queries_see_the_same_terms() {
        let text = "Les INCIDENTS d'hameçonnage — Œuvre: policies POLICIES Chevaux \
                    CHEVAUX Bus ANALYSIS Virus 2024s WS Ies 185.12.3.4";
        let mut seen = Vec::new();
        for_each_term(text, |t| seen.push(t.to_string()));
        assert_eq!(seen, terms(text).collect::<Vec<_>>());
    }

    proptest::proptest! {
        /// The byte-wise word scanner cuts text exactly where splitting on every
        /// character that is no letter or digit does.
        #[test]
        fn words_are_runs_of_letters_and_digits(text in "(?s)[a-zA-Z0-9 .,:'é€ß\u{2014}\u{0301}\u{1F600}\u{0660}-]{0,300}") {
            let expected: Vec<&str> = text
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD)
                .collect();
            proptest::prop_assert_eq!(raw_words(&text).collect::<Vec<_>>(), expected);
        }
    }

    proptest::proptest! {
        /// Indexing cuts, folds and stems in one pass exactly as queries do in steps.
        #[test]
        fn one_pass_terms_are_the_query_terms(text in "(?s)[a-zA-Z0-9 .,:'éÉèÆŒœßİK\u{212A}\u{2014}\u{0301}\u{1F600}\u{0660}ǅ-]{0,400}") {
            let mut seen = Vec::new();
            for_each_term(&text, |t| seen.push(t.to_string()));
            proptest::prop_assert_eq!(seen, terms(&text).collect::<Vec<_>>());
        }

        #[test]
        fn one_pass_terms_handle_long_runs(word in "[aé1]{60,70}", other in "[a-zA-Z]{1,8}") {
            let text = format!("{other} {word}s {other}");
            let mut seen = Vec::new();
            for_each_term(&text, |t| seen.push(t.to_string()));
            proptest::prop_assert_eq!(seen, terms(&text).collect::<Vec<_>>());
        }
    }

    #[test]
    fn long_runs_are_not_words() {
        let long = "a".repeat(MAX_WORD + 1);
        let text = format!("x {long} y é{} z", "é".repeat(MAX_WORD - 1));
        let got: Vec<&str> = raw_words(&text).collect();
        assert_eq!(got, ["x", "y", "é".repeat(MAX_WORD).as_str(), "z"]);
    }

    #[test]
    fn text_splits_into_terms() {
        let got: Vec<String> = terms("Les incidents d'hameçonnage: 185.12.3.4!").collect();
        assert_eq!(
            got,
            ["les", "incident", "d", "hameconnage", "185", "12", "3", "4"]
        );
    }
}
