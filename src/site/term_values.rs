//! Taxonomy badges as template values, each made once per build. An incident page
//! shows a dozen badges (category, severity, status, TLP, business lines, tags,
//! timeline actions…), and a site has few distinct ones: turning each into a template
//! value anew, map and strings, cost more than the rest of the page's view. A value
//! made here is shared: the template engine takes it as it is (a reference count).

use std::sync::RwLock;

// Looked up a dozen times a page: a fast hash, not a DoS-resistant one (the keys are
// the site's own taxonomy values).
use foldhash::HashMap;

/// The badge values made so far, by facet, then by slug: linked to their facet page
/// or not.
#[derive(Debug, Default)]
pub struct TermValues {
    made: RwLock<HashMap<String, BySlug>>,
}

/// A facet's badges by slug, unlinked then linked.
type BySlug = HashMap<String, [Option<tera::Value>; 2]>;

impl TermValues {
    /// The badge of `slug` in `facet`, `make` making it the first time.
    pub fn get_or_make(
        &self,
        facet: &str,
        slug: &str,
        linked: bool,
        make: impl FnOnce() -> tera::Value,
    ) -> tera::Value {
        let made = self
            .made
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(value) = made
            .get(facet)
            .and_then(|slugs| slugs.get(slug))
            .and_then(|both| both[usize::from(linked)].as_ref())
        {
            return value.clone();
        }
        drop(made);
        let value = make();
        let mut made = self
            .made
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        made.entry(facet.to_string())
            .or_default()
            .entry(slug.to_string())
            .or_default()[usize::from(linked)] = Some(value.clone());
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_badge_is_made_once_per_facet_slug_and_link() {
        let values = TermValues::default();
        let made = std::cell::Cell::new(0);
        let get = |facet: &str, slug: &str, linked: bool| {
            values.get_or_make(facet, slug, linked, || {
                made.set(made.get() + 1);
                tera::Value::from(format!("{facet}/{slug}/{linked}"))
            })
        };
        assert_eq!(
            get("status", "open", true).as_str(),
            Some("status/open/true")
        );
        assert_eq!(
            get("status", "open", true).as_str(),
            Some("status/open/true")
        );
        assert_eq!(
            get("status", "open", false).as_str(),
            Some("status/open/false")
        );
        assert_eq!(get("tag", "open", true).as_str(), Some("tag/open/true"));
        assert_eq!(
            get("status", "closed", true).as_str(),
            Some("status/closed/true")
        );
        assert_eq!(made.get(), 4);
    }
}
