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
        out.extend(text.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    for c in text.chars().flat_map(char::to_lowercase) {
        fold_char(c, out);
    }
}

/// Calls `each` with every index term of `text`, in order, reusing one buffer: the
/// allocation-free form of [`terms`] for indexing.
pub fn for_each_term(text: &str, mut each: impl FnMut(&str)) {
    let mut buffer = String::new();
    for word in raw_words(text) {
        buffer.clear();
        fold_into(word, &mut buffer);
        stem_in_place(&mut buffer);
        each(&buffer);
    }
}

/// Runs of letters and digits, as written.
fn raw_words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD)
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
    if word.len() < 4 || !word.is_ascii() || word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    if word.ends_with("ies") {
        word.truncate(word.len() - 3);
        word.push('y');
    } else if word.ends_with("aux") {
        word.truncate(word.len() - 3);
        word.push_str("al");
    } else if word.ends_with('s') && !["ss", "us", "is"].iter().any(|end| word.ends_with(end)) {
        word.pop();
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
        let text = "Les INCIDENTS d'hameçonnage — Œuvre: policies 185.12.3.4";
        let mut seen = Vec::new();
        for_each_term(text, |t| seen.push(t.to_string()));
        assert_eq!(seen, terms(text).collect::<Vec<_>>());
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
