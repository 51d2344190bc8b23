//! The site configuration, `fir.toml`: site settings and the taxonomies incidents use.

pub mod alerting;
pub mod artifacts;
pub mod audience;
pub mod business_lines;
pub mod mail;
pub mod serve;
mod taxonomy;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use jiff::tz::TimeZone;
use serde::Deserialize;

pub use audience::{Audience, Include};
pub use business_lines::BusinessLines;
pub use taxonomy::{Taxonomy, Term};

/// The configuration file's name at the site root.
pub const FILE_NAME: &str = "fir.toml";

/// The text `fir init` writes: every key with its default value, commented.
pub const DEFAULT_TOML: &str = include_str!("default.toml");

static DEFAULTS: LazyLock<Config> = LazyLock::new(|| {
    Config::from_toml(DEFAULT_TOML).expect("the embedded default fir.toml is valid")
});

/// Language of the site's interface.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    En,
    Fr,
}

impl Language {
    /// The code of the language's UI catalogue: `en`, `fr`.
    pub fn code(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Fr => "fr",
        }
    }
}

/// A site's configuration. Missing keys take the values of [`DEFAULT_TOML`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "d::title")]
    pub title: String,
    #[serde(default = "d::base_url")]
    pub base_url: String,
    /// Where an incident file is edited, with `{path}` for its path from the site root
    /// (empty: no edit link).
    #[serde(default = "d::edit_url")]
    pub edit_url: String,
    /// Where the intake form is, for a "Report an incident" link on every page (empty:
    /// no link).
    #[serde(default = "d::report_url")]
    pub report_url: String,
    /// Where the JSON API of `fir serve` is, for the forms of incident pages (a timeline
    /// entry, a nugget, a task) and the buttons that mark tasks done (empty: none).
    #[serde(default = "d::api_url")]
    pub api_url: String,
    #[serde(default = "d::language")]
    pub language: Language,
    /// IANA name; see [`Config::tz`] for the resolved zone.
    #[serde(default = "d::timezone")]
    pub timezone: String,
    #[serde(default = "d::id_format")]
    pub id_format: String,
    #[serde(default = "d::default_tlp")]
    pub default_tlp: String,
    #[serde(default = "d::business_lines")]
    pub business_lines: BusinessLines,
    #[serde(default = "d::categories")]
    pub categories: Taxonomy,
    #[serde(default = "d::severities")]
    pub severities: Taxonomy,
    #[serde(default = "d::statuses")]
    pub statuses: Taxonomy,
    #[serde(default = "d::tlp")]
    pub tlp: Taxonomy,
    #[serde(default = "d::detections")]
    pub detections: Taxonomy,
    #[serde(default = "d::actors")]
    pub actors: Taxonomy,
    #[serde(default = "d::plans")]
    pub plans: Taxonomy,
    #[serde(default = "d::actions")]
    pub actions: Taxonomy,
    /// Theme whose templates, static files and i18n override the embedded default.
    #[serde(default = "d::theme")]
    pub theme: String,
    /// Named reader groups for `fir build --audience NAME`.
    #[serde(default)]
    pub audiences: std::collections::BTreeMap<String, Audience>,
    /// What counts as an indicator of compromise (`[artifacts]`).
    #[serde(default)]
    pub artifacts: artifacts::ArtifactConfig,
    /// How `fir ingest-mail` maps messages to incidents (`[mail]`).
    #[serde(default)]
    pub mail: mail::MailConfig,
    /// `fir serve`: authentication and limits.
    #[serde(default)]
    pub serve: serve::Serve,
    /// Whom `fir alert` and the incident pages' alert links address (`[alerting]`).
    #[serde(default)]
    pub alerting: alerting::Alerting,
    #[serde(skip, default = "d::tz")]
    tz: TimeZone,
}

/// Default values for missing keys, taken from the embedded default file.
/// (Never called while that file itself is parsed: it has every key.)
mod d {
    use super::*;
    macro_rules! defaults {
        ($($name:ident: $ty:ty),* $(,)?) => {
            $(pub fn $name() -> $ty { DEFAULTS.$name.clone() })*
        };
    }
    defaults! {
        title: String, base_url: String, edit_url: String, report_url: String, api_url: String,
        language: Language, timezone: String,
        id_format: String, default_tlp: String, business_lines: BusinessLines,
        categories: Taxonomy, severities: Taxonomy, statuses: Taxonomy, tlp: Taxonomy,
        detections: Taxonomy, actors: Taxonomy, plans: Taxonomy, actions: Taxonomy,
        theme: String,
    }
    pub fn tz() -> TimeZone {
        TimeZone::UTC
    }
}

/// A configuration that cannot be used, with the place to fix it.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
}

impl Default for Config {
    fn default() -> Self {
        DEFAULTS.clone()
    }
}

impl Config {
    /// The address where the incident file at `path` (from the site root) is edited.
    pub fn edit_link(&self, path: &str) -> Option<String> {
        (!self.edit_url.is_empty()).then(|| self.edit_url.replace("{path}", path))
    }

    /// Every taxonomy, in the order of the file.
    pub fn taxonomies(&self) -> [&Taxonomy; 8] {
        [
            &self.categories,
            &self.severities,
            &self.statuses,
            &self.tlp,
            &self.detections,
            &self.actors,
            &self.plans,
            &self.actions,
        ]
    }

    /// The taxonomy of an incident's field `name` (`category`, `status`, a timeline
    /// entry's `action`…), if it has one.
    pub fn taxonomy(&self, name: &str) -> Option<&Taxonomy> {
        Some(match name {
            "category" => &self.categories,
            "severity" => &self.severities,
            "status" => &self.statuses,
            "tlp" => &self.tlp,
            "detection" => &self.detections,
            "actor" => &self.actors,
            "plan" => &self.plans,
            "action" => &self.actions,
            _ => return None,
        })
    }

    /// Reads `fir.toml` from the site root.
    pub fn load(root: &Path) -> Result<Config, ConfigError> {
        let path = root.join(FILE_NAME);
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: path.clone(),
            source,
        })?;
        Config::from_toml(&text).map_err(|(line, message)| ConfigError::Invalid {
            path,
            line,
            message,
        })
    }

    /// Parses and checks configuration text; errors carry a 1-based line.
    pub fn from_toml(text: &str) -> Result<Config, (usize, String)> {
        let line_at = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let mut config: Config = toml::from_str(text).map_err(|e| {
            (
                e.span().map_or(1, |span| line_at(span.start)),
                e.message().to_string(),
            )
        })?;
        let key_line = |key: &str| {
            text.lines()
                .position(|l| {
                    l.trim_start().starts_with(key)
                        || l.trim() == format!("[{key}]")
                        || l.trim_start().starts_with(&format!("[{key}."))
                })
                .map_or(1, |i| i + 1)
        };
        config.tz = TimeZone::get(&config.timezone).map_err(|e| {
            (
                key_line("timezone"),
                format!("unknown time zone {:?}: {e}", config.timezone),
            )
        })?;
        config
            .check()
            .map_err(|(key, message)| (key_line(key), message))?;
        Ok(config)
    }

    /// Consistency rules a TOML schema cannot say; the error names the key to fix.
    fn check(&self) -> Result<(), (&'static str, String)> {
        if !self.edit_url.is_empty() && !self.edit_url.contains("{path}") {
            return Err((
                "edit_url",
                "edit_url must contain {path}, the incident file's path".into(),
            ));
        }
        if !crate::render::markdown::is_safe_url(&self.report_url) {
            return Err((
                "report_url",
                "report_url must be a path (/new) or an http(s) address".into(),
            ));
        }
        // Pages sit at several depths: a relative address would differ between them.
        let api_is_usable = self.api_url.is_empty()
            || (["/", "http://", "https://"]
                .iter()
                .any(|start| self.api_url.starts_with(start))
                && crate::render::markdown::is_safe_url(&self.api_url));
        if !api_is_usable {
            return Err((
                "api_url",
                "api_url must be a path from the server's root (/api) or an http(s) address".into(),
            ));
        }
        // An origin is what browsers send in `Origin`: a scheme and a host, no path.
        if let Some(origin) = self.serve.api_origins.iter().find(|origin| {
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            !authority.is_some_and(|a| !a.is_empty() && !a.contains(['/', ' ', '?', '#']))
        }) {
            return Err((
                "api_origins",
                format!(
                    "api_origins lists origins like \"https://intranet.example\" (a scheme and a host, no path), not {origin:?}"
                ),
            ));
        }
        self.alerting
            .check(&self.business_lines)
            .map_err(|message| ("alerting", message))?;
        if !self.id_format.contains("{seq") {
            return Err(("id_format", "id_format must contain {seq}".into()));
        }
        let sample = crate::store::format_id(&self.id_format, 2024, 1);
        if !crate::incident::is_valid_id(&sample) {
            return Err((
                "id_format",
                format!("id_format gives ids like {sample:?}, which are not [A-Za-z0-9._-]+"),
            ));
        }
        if let Some(term) = self
            .severities
            .iter()
            .find(|t| t.slug.parse::<u8>().is_err())
        {
            return Err((
                "severities",
                format!("severity keys are numbers 1-255, not {:?}", term.slug),
            ));
        }
        let initial = self.statuses.iter().filter(|t| t.initial).count();
        if initial != 1 {
            return Err((
                "statuses",
                format!("exactly one status must be `initial = true`, found {initial}"),
            ));
        }
        if !self.statuses.iter().any(|t| t.is_final) {
            return Err((
                "statuses",
                "at least one status must be `final = true`".into(),
            ));
        }
        if self.tlp.get(&self.default_tlp).is_none() {
            return Err((
                "default_tlp",
                format!("default_tlp {:?} is not in [tlp]", self.default_tlp),
            ));
        }
        self.artifacts.check().map_err(|e| ("artifacts", e))?;
        self.mail.check(self).map_err(|e| ("mail", e))?;
        for (name, audience) in &self.audiences {
            if self.tlp.resolve(&audience.max_tlp).is_none() {
                return Err((
                    "audiences",
                    format!(
                        "audience {name:?}: max_tlp {:?} is not in [tlp] (known: {})",
                        audience.max_tlp,
                        self.tlp.slugs().join(", ")
                    ),
                ));
            }
            if let Some(unknown) = audience
                .business_lines
                .iter()
                .find(|bl| !self.business_lines.contains(bl))
            {
                return Err((
                    "audiences",
                    format!(
                        "audience {name:?}: business line {unknown:?} is not in business_lines"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The site's time zone, in which naive dates are read.
    pub fn tz(&self) -> &TimeZone {
        &self.tz
    }

    /// The status given to new incidents.
    pub fn initial_status(&self) -> &Term {
        self.statuses
            .iter()
            .find(|t| t.initial)
            .expect("checked at load: one initial status")
    }

    /// True when `status` closes an incident.
    pub fn is_final_status(&self, status: &str) -> bool {
        self.statuses.get(status).is_some_and(|t| t.is_final)
    }

    /// Canonical TLP slug for `value` (case-insensitive, aliases accepted).
    pub fn tlp_slug<'a>(&'a self, value: Option<&'a str>) -> &'a str {
        self.tlp.slug_of(value.unwrap_or(&self.default_tlp))
    }

    /// Rank of a TLP level, 0 for the least restricted; unknown levels rank as the most
    /// restricted, so that a typo never widens who may read an incident.
    pub fn tlp_rank(&self, value: Option<&str>) -> usize {
        let slug = self.tlp_slug(value);
        self.tlp
            .position(slug)
            .unwrap_or(self.tlp.len().saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_complete_and_consistent() {
        let config = Config::default();
        assert_eq!(config.categories.len(), 13);
        assert_eq!(config.severities.len(), 4);
        assert_eq!(config.initial_status().slug, "open");
        assert!(config.is_final_status("closed"));
        assert_eq!(config.tlp_slug(Some("white")), "CLEAR");
        assert_eq!(config.tlp_rank(Some("RED")), 4);
        assert_eq!(config.tlp_rank(Some("typo")), 4);
        assert_eq!(config.tlp_rank(None), 2);
    }

    #[test]
    fn partial_file_keeps_other_defaults() {
        let config = Config::from_toml(
            "title = \"CERT-X\"\ntimezone = \"Europe/Paris\"\n[categories]\nspam = \"Spam\"\n",
        )
        .unwrap();
        assert_eq!(config.title, "CERT-X");
        assert_eq!(config.categories.len(), 1);
        assert_eq!(config.severities.len(), 4);
        assert_eq!(config.tz().iana_name(), Some("Europe/Paris"));
    }

    #[test]
    fn errors_point_at_the_line() {
        let (line, message) =
            Config::from_toml("title = \"x\"\ntimezone = \"Mars/Olympus\"\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("Mars/Olympus"), "{message}");
        let (line, message) =
            Config::from_toml("title = \"x\"\n\nlanguage = \"de\"\n").unwrap_err();
        assert_eq!(line, 3, "{message}");
        let (line, _) = Config::from_toml("titel = \"x\"\n").unwrap_err();
        assert_eq!(line, 1);
        let (line, message) =
            Config::from_toml("title = \"x\"\nedit_url = \"https://git/edit\"\n").unwrap_err();
        assert_eq!(line, 2);
        assert!(message.contains("{path}"), "{message}");
    }

    #[test]
    fn edit_links_fill_in_the_path() {
        let config = Config::from_toml("edit_url = \"https://git/-/edit/main/{path}\"\n").unwrap();
        assert_eq!(
            config.edit_link("content/incidents/2024/X.md").as_deref(),
            Some("https://git/-/edit/main/content/incidents/2024/X.md")
        );
        assert_eq!(Config::default().edit_link("a.md"), None);
    }
}
