//! The UI string catalogue: every word the site shows that is not incident data.

use std::collections::BTreeMap;

use super::theme::{Origin, Theme};

/// UI strings of one language, by key. Keys missing from a language fall back to English.
#[derive(Debug, Clone, Default, serde::Serialize)]
#[serde(transparent)]
pub struct Catalogue {
    strings: BTreeMap<String, String>,
}

/// A catalogue file that is not a flat table of strings.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: i18n/{lang}.toml: {message}")]
pub struct CatalogueError {
    pub origin: Origin,
    pub lang: String,
    pub message: String,
}

impl Catalogue {
    /// English, then `lang` from the embedded theme, then the site's overrides of `lang`.
    pub fn load(theme: &Theme, lang: &str) -> Result<Catalogue, CatalogueError> {
        let mut catalogue = Catalogue::default();
        let mut layers: Vec<(&str, _)> = Vec::new();
        if lang != "en" {
            layers.extend(
                theme
                    .i18n
                    .get("en")
                    .into_iter()
                    .flatten()
                    .map(|f| ("en", f)),
            );
        }
        layers.extend(
            theme
                .i18n
                .get(lang)
                .into_iter()
                .flatten()
                .map(|f| (lang, f)),
        );
        for (lang, file) in layers {
            let table: BTreeMap<String, String> =
                toml::from_str(&file.content).map_err(|e| CatalogueError {
                    origin: file.origin.clone(),
                    lang: lang.to_string(),
                    message: e.to_string(),
                })?;
            catalogue.strings.extend(table);
        }
        Ok(catalogue)
    }

    /// The string for `key`, or the key itself so that a missing string shows up.
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.strings.get(key).map_or(key, String::as_str)
    }

    /// What the intake's `problem` with a field is, in words.
    pub fn problem(&self, problem: &crate::intake::Problem) -> String {
        let message = self.get(problem.key());
        match problem {
            crate::intake::Problem::TooLong { max } => message.replace("{max}", &max.to_string()),
            _ => message.to_string(),
        }
    }

    /// Every key, for checks that two languages say the same things.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.strings.keys().map(String::as_str)
    }
}

/// The form of a string with plural forms (`"{n} incident|{n} incidents"`) that fits a
/// count of `n` in language `lang`: the first form for one (and for zero in French),
/// the second otherwise. A string without `|` has one form for every count.
pub fn plural_form<'a>(text: &'a str, lang: &str, n: f64) -> &'a str {
    let Some((one, other)) = text.split_once('|') else {
        return text;
    };
    let singular = match lang {
        "fr" => n.abs() < 2.0,
        _ => n == 1.0,
    };
    if singular { one } else { other }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plural_forms_follow_the_language() {
        let text = "{n} incident|{n} incidents";
        assert_eq!(plural_form(text, "en", 1.0), "{n} incident");
        assert_eq!(plural_form(text, "en", 0.0), "{n} incidents");
        assert_eq!(plural_form(text, "en", 2.0), "{n} incidents");
        assert_eq!(plural_form(text, "fr", 0.0), "{n} incident");
        assert_eq!(plural_form(text, "fr", 1.0), "{n} incident");
        assert_eq!(plural_form(text, "fr", 2.0), "{n} incidents");
        assert_eq!(plural_form("{n} résultats", "fr", 1.0), "{n} résultats");
    }

    #[test]
    fn english_and_french_have_the_same_keys() {
        let theme = Theme::load(std::path::Path::new("/nonexistent"), "default").unwrap();
        let parse = |lang: &str| -> BTreeMap<String, String> {
            toml::from_str(&theme.i18n[lang][0].content).unwrap()
        };
        let en = parse("en");
        let fr = parse("fr");
        let missing: Vec<_> = en.keys().filter(|k| !fr.contains_key(*k)).collect();
        let extra: Vec<_> = fr.keys().filter(|k| !en.contains_key(*k)).collect();
        assert!(missing.is_empty(), "missing in fr.toml: {missing:?}");
        assert!(extra.is_empty(), "only in fr.toml: {extra:?}");
        let fr = Catalogue::load(&theme, "fr").unwrap();
        assert_eq!(fr.get("incidents"), "Incidents");
        assert_eq!(fr.get("latest"), "Derniers incidents");
        assert_eq!(fr.get("no.such.key"), "no.such.key");
    }
}
