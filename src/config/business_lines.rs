//! The business-line tree, declared as paths like `Retail Banking > France`.

use serde::Deserialize;

/// Separator between levels of a business-line path.
pub const SEPARATOR: &str = " > ";

/// All declared business lines, parents included, in declaration order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BusinessLines {
    paths: Vec<String>,
}

impl BusinessLines {
    /// Builds the tree from paths; parents of each path are added before it.
    pub fn from_paths<I: IntoIterator<Item = S>, S: AsRef<str>>(paths: I) -> Self {
        let mut tree = BusinessLines::default();
        for path in paths {
            let path = normalize(path.as_ref());
            for ancestor in ancestors_and_self(&path) {
                if !tree.paths.iter().any(|p| p == ancestor) {
                    tree.paths.push(ancestor.to_string());
                }
            }
        }
        tree
    }

    /// Every declared path, parents before children.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    pub fn contains(&self, path: &str) -> bool {
        let path = normalize(path);
        self.paths.contains(&path)
    }

    /// The declared path that `path` names in another case (`retail banking >
    /// France`), when it is not declared as written.
    pub fn resolve(&self, path: &str) -> Option<&str> {
        let wanted = normalize(path).to_lowercase();
        self.paths
            .iter()
            .find(|p| p.to_lowercase() == wanted)
            .map(String::as_str)
    }

    /// Direct children of `parent` (`None` for the top level).
    pub fn children<'a>(&'a self, parent: Option<&'a str>) -> impl Iterator<Item = &'a str> + 'a {
        self.paths
            .iter()
            .map(String::as_str)
            .filter(move |p| parent_of(p) == parent)
    }
}

/// `a > b > c` gives `a`, `a > b`, `a > b > c`.
pub fn ancestors_and_self(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices(SEPARATOR)
        .map(|(i, _)| &path[..i])
        .chain(std::iter::once(path))
}

/// Whether the business line `path` is `line` or below it (both normalized):
/// `Retail > France` is within `Retail`.
pub fn within(path: &str, line: &str) -> bool {
    ancestors_and_self(path).any(|ancestor| ancestor == line)
}

/// The path one level up, if any.
pub fn parent_of(path: &str) -> Option<&str> {
    path.rfind(SEPARATOR).map(|i| &path[..i])
}

/// Canonical spelling: levels trimmed and joined by ` > `.
pub fn normalize(path: &str) -> String {
    path.split('>')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(SEPARATOR)
}

impl<'de> Deserialize<'de> for BusinessLines {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Vec::<String>::deserialize(deserializer).map(BusinessLines::from_paths)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implies_parents() {
        let tree = BusinessLines::from_paths(["Retail > France > Paris", "Retail>Spain", "IT"]);
        assert_eq!(
            tree.paths(),
            [
                "Retail",
                "Retail > France",
                "Retail > France > Paris",
                "Retail > Spain",
                "IT"
            ]
        );
        assert!(tree.contains("Retail >France"));
        assert_eq!(tree.children(None).collect::<Vec<_>>(), ["Retail", "IT"]);
        assert_eq!(
            tree.children(Some("Retail")).collect::<Vec<_>>(),
            ["Retail > France", "Retail > Spain"]
        );
        assert_eq!(parent_of("Retail > France"), Some("Retail"));
        assert!(within("Retail > France", "Retail") && within("Retail", "Retail"));
        // Whole levels only: "Retail Banking" is not below "Retail".
        assert!(!within("Retail Banking", "Retail") && !within("Retail", "Retail > France"));
    }
}
