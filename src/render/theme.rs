//! The theme: templates, static files and UI strings, embedded in the binary, each one
//! overridable by a file of the same name in the site.
//!
//! Lookup order for a file `X`: `<root>/templates/X` (templates only), then
//! `<root>/themes/<theme>/{templates,static,i18n}/X`, then the embedded default theme.
//! A site may also add templates and static files the default theme does not have.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

macro_rules! embed {
    ($kind:literal: $($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../themes/default/", $kind, "/", $name)))),*]
    };
}

macro_rules! embed_bytes {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_bytes!(concat!("../../themes/default/static/", $name)).as_slice())),*]
    };
}

/// The default theme's templates. Add a line here for each new template.
const TEMPLATES: &[(&str, &str)] = embed!("templates":
    "base.html",
    "home.html",
    "incident.html",
    "list.html",
    "facets.html",
    "search.html",
    "404.html",
    "tasks.html",
    "feed.xml",
    "new.html",
    "submitted.html",
    "partials/row.html",
    "partials/rows.html",
    "partials/pager.html",
    "partials/badges.html",
    "partials/bars.html",
    "partials/fields.html",
    "partials/details.html",
    "partials/api.html",
    "partials/todo-done.html",
    "partials/change.html",
    "partials/form-entry.html",
    "partials/form-nugget.html",
    "partials/form-todo.html",
    "partials/header.html",
    "artifact.html",
    "artifacts.html",
    "report.html",
    "partials/figure.html",
    "partials/chart-scripts.html",
    "alert.txt",
    "remind.txt",
);

/// The default theme's static files, copied under `static/` in the site.
const STATIC: &[(&str, &[u8])] = embed_bytes!(
    "fir.css",
    "fir.js",
    "favicon.svg",
    "fir-charts.js",
    "search.js",
    "vendor/echarts/echarts.min.js",
    "vendor/echarts/LICENSE",
    "vendor/echarts/NOTICE",
    "vendor/echarts/LICENSE-d3",
);

/// The default theme's UI strings, one catalogue per language.
const I18N: &[(&str, &str)] = embed!("i18n": "en.toml", "fr.toml");

/// Where a theme file came from, to name it in error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Embedded,
    File(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded => f.write_str("the embedded default theme"),
            Origin::File(path) => write!(f, "{}", path.display()),
        }
    }
}

/// One theme file's content and origin.
#[derive(Debug, Clone)]
pub struct ThemeFile<T> {
    pub content: T,
    pub origin: Origin,
}

/// Everything the renderer needs from the theme, overrides applied.
#[derive(Debug, Clone, Default)]
pub struct Theme {
    pub templates: BTreeMap<String, ThemeFile<String>>,
    pub statics: BTreeMap<String, ThemeFile<Vec<u8>>>,
    /// Language code → TOML text of the catalogue (overrides are merged by key later).
    pub i18n: BTreeMap<String, Vec<ThemeFile<String>>>,
}

impl Theme {
    /// The embedded default theme with the site's overrides from `root`.
    pub fn load(root: &Path, theme: &str) -> std::io::Result<Theme> {
        let mut out = Theme::default();
        for (name, text) in TEMPLATES {
            out.templates
                .insert(name.to_string(), embedded(text.to_string()));
        }
        for (name, bytes) in STATIC {
            out.statics
                .insert(name.to_string(), embedded(bytes.to_vec()));
        }
        for (name, text) in I18N {
            let lang = name.trim_end_matches(".toml").to_string();
            out.i18n.insert(lang, vec![embedded(text.to_string())]);
        }
        let theme_dir = root.join("themes").join(theme);
        // Later directories win: the site's own templates/ beats its theme.
        for dir in [theme_dir.join("templates"), root.join("templates")] {
            for (name, path) in files_under(&dir)? {
                let content = std::fs::read_to_string(&path)?;
                out.templates.insert(name, from_file(content, path));
            }
        }
        for dir in [theme_dir.join("static"), root.join("static")] {
            for (name, path) in files_under(&dir)? {
                let content = std::fs::read(&path)?;
                out.statics.insert(name, from_file(content, path));
            }
        }
        for (name, path) in files_under(&theme_dir.join("i18n"))? {
            if let Some(lang) = name.strip_suffix(".toml") {
                let content = std::fs::read_to_string(&path)?;
                out.i18n
                    .entry(lang.to_string())
                    .or_default()
                    .push(from_file(content, path));
            }
        }
        Ok(out)
    }

    /// A hash of every file: a change anywhere means every page may look different.
    pub fn fingerprint(&self) -> u64 {
        let mut hasher = std::hash::DefaultHasher::new();
        for (name, file) in &self.templates {
            (name, &file.content).hash(&mut hasher);
        }
        for (name, file) in &self.statics {
            (name, &file.content).hash(&mut hasher);
        }
        for (lang, files) in &self.i18n {
            lang.hash(&mut hasher);
            for file in files {
                file.content.hash(&mut hasher);
            }
        }
        hasher.finish()
    }
}

fn embedded<T>(content: T) -> ThemeFile<T> {
    ThemeFile {
        content,
        origin: Origin::Embedded,
    }
}

fn from_file<T>(content: T, path: PathBuf) -> ThemeFile<T> {
    ThemeFile {
        content,
        origin: Origin::File(path),
    }
}

/// Files under `dir` by their `/`-separated path relative to it; none if it is missing.
fn files_under(dir: &Path) -> std::io::Result<Vec<(String, PathBuf)>> {
    if !dir.is_dir() {
        return Ok(Vec::new());
    }
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() || entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let name = relative
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        found.push((name, entry.into_path()));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn site_files_override_single_templates() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("themes/corp/templates/partials")).unwrap();
        std::fs::create_dir_all(root.join("templates")).unwrap();
        std::fs::write(root.join("themes/corp/templates/home.html"), "theme home").unwrap();
        std::fs::write(
            root.join("themes/corp/templates/incident.html"),
            "theme incident",
        )
        .unwrap();
        std::fs::write(root.join("templates/incident.html"), "site incident").unwrap();
        let theme = Theme::load(root, "corp").unwrap();
        assert_eq!(theme.templates["home.html"].content, "theme home");
        assert_eq!(theme.templates["incident.html"].content, "site incident");
        assert_eq!(theme.templates["list.html"].origin, Origin::Embedded);
        let default = Theme::load(root, "other").unwrap();
        assert_eq!(default.templates["home.html"].origin, Origin::Embedded);
        assert_ne!(theme.fingerprint(), default.fingerprint());
    }
}
