//! Ordered lists of labelled values: categories, severities, statuses, TLP, …

use std::fmt;

use serde::Deserialize;
use serde::de::{self, MapAccess, Visitor};

/// One value of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// What incident files store.
    pub slug: String,
    /// What people read.
    pub label: String,
    /// A CSS colour for badges and charts.
    pub color: Option<String>,
    pub description: Option<String>,
    /// Other spellings that mean this term (legacy sheets, another language).
    pub aliases: Vec<String>,
    /// Categories: incidents of this category count as major.
    pub major: bool,
    /// Statuses: given to new incidents.
    pub initial: bool,
    /// Statuses: the incident is over.
    pub is_final: bool,
}

/// The values of one taxonomy, in the order the configuration lists them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taxonomy {
    terms: Vec<Term>,
}

impl Taxonomy {
    pub fn iter(&self) -> std::slice::Iter<'_, Term> {
        self.terms.iter()
    }

    pub fn len(&self) -> usize {
        self.terms.len()
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The term whose slug is exactly `slug`.
    pub fn get(&self, slug: &str) -> Option<&Term> {
        self.terms.iter().find(|t| t.slug == slug)
    }

    /// Position of `slug` in the configured order.
    pub fn position(&self, slug: &str) -> Option<usize> {
        self.terms.iter().position(|t| t.slug == slug)
    }

    /// The term meant by `text`: its slug, label or an alias, ignoring case and
    /// surrounding blanks. Used to read what people typed or legacy sheets hold.
    pub fn resolve(&self, text: &str) -> Option<&Term> {
        let wanted = text.trim();
        self.get(wanted).or_else(|| {
            self.terms.iter().find(|t| {
                t.slug.eq_ignore_ascii_case(wanted)
                    || t.label.to_lowercase() == wanted.to_lowercase()
                    || t.aliases
                        .iter()
                        .any(|a| a.to_lowercase() == wanted.to_lowercase())
            })
        })
    }

    /// The slug of the term `value` names ([`Taxonomy::resolve`]), or `value` itself
    /// when no term has it.
    pub fn slug_of<'a>(&'a self, value: &'a str) -> &'a str {
        self.resolve(value).map_or(value, |t| t.slug.as_str())
    }

    /// The label of `slug`, or the slug itself when it is not configured.
    pub fn label<'a>(&'a self, slug: &'a str) -> &'a str {
        self.get(slug).map_or(slug, |t| t.label.as_str())
    }

    /// The slugs, for messages that list what is allowed.
    pub fn slugs(&self) -> Vec<&str> {
        self.terms.iter().map(|t| t.slug.as_str()).collect()
    }
}

impl<'a> IntoIterator for &'a Taxonomy {
    type Item = &'a Term;
    type IntoIter = std::slice::Iter<'a, Term>;
    fn into_iter(self) -> Self::IntoIter {
        self.terms.iter()
    }
}

/// A term's entry: a bare label, or a table.
#[derive(Deserialize)]
#[serde(untagged)]
enum TermSpec {
    Label(String),
    Full(TermTable),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TermTable {
    label: String,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    major: bool,
    #[serde(default)]
    initial: bool,
    #[serde(default, rename = "final")]
    is_final: bool,
}

impl<'de> Deserialize<'de> for Taxonomy {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TaxonomyVisitor;
        impl<'de> Visitor<'de> for TaxonomyVisitor {
            type Value = Taxonomy;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of slug = \"Label\" or slug = { label = \"Label\", … }")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Taxonomy, A::Error> {
                let mut terms: Vec<Term> = Vec::new();
                while let Some((slug, spec)) = map.next_entry::<String, TermSpec>()? {
                    if slug.trim().is_empty() {
                        return Err(de::Error::custom("a taxonomy slug cannot be empty"));
                    }
                    let term = match spec {
                        TermSpec::Label(label) => Term {
                            slug,
                            label,
                            color: None,
                            description: None,
                            aliases: Vec::new(),
                            major: false,
                            initial: false,
                            is_final: false,
                        },
                        TermSpec::Full(t) => Term {
                            slug,
                            label: t.label,
                            color: t.color,
                            description: t.description,
                            aliases: t.aliases,
                            major: t.major,
                            initial: t.initial,
                            is_final: t.is_final,
                        },
                    };
                    terms.push(term);
                }
                Ok(Taxonomy { terms })
            }
        }
        deserializer.deserialize_map(TaxonomyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_resolves_spellings() {
        let tax: Taxonomy = toml::from_str(
            "zeta = \"Zeta\"\nalpha = { label = \"Alpha One\", aliases = [\"A1\"] }\n",
        )
        .unwrap();
        assert_eq!(tax.slugs(), ["zeta", "alpha"]);
        assert_eq!(tax.resolve(" alpha one ").unwrap().slug, "alpha");
        assert_eq!(tax.resolve("a1").unwrap().slug, "alpha");
        assert_eq!(tax.resolve("ZETA").unwrap().slug, "zeta");
        assert!(tax.resolve("beta").is_none());
        assert_eq!(tax.label("beta"), "beta");
    }
}
