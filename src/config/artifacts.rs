//! `[artifacts]` in fir.toml: what counts as an indicator of compromise.

use serde::Deserialize;

/// How indicators are found in incident texts.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactConfig {
    /// Find indicators in texts and build the artifact pages. When false, only the
    /// `artifacts:` listed in front matter are shown and no artifact pages are built.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Keep private, loopback, documentation and other reserved IP addresses.
    #[serde(default)]
    pub private_ips: bool,
    /// Values that are never indicators, like the organisation's own domains.
    #[serde(default)]
    pub blocklist: Vec<BlockRule>,
    /// Domains of the sites analyses and advisories are read on (VirusTotal,
    /// MalwareBazaar, MITRE, …): a link to them, or their name, is a reference that
    /// incidents share without being related; the hashes in such a link still are
    /// indicators. Like `domain` entries of the blocklist, but listed apart so that a
    /// site's own blocklist does not replace them. Missing: those of [`DEFAULT_TOML`].
    ///
    /// [`DEFAULT_TOML`]: super::DEFAULT_TOML
    #[serde(default = "default_references")]
    pub references: Vec<String>,
    /// An artifact gets its own page when at least this many incidents mention it.
    /// 2 by default: a large register has about ten distinct values per incident,
    /// most of them in one incident only, and a page each would multiply the files
    /// of the site (the incident page already lists them). 1 gives every value a page.
    #[serde(default = "two")]
    pub page_min_incidents: usize,
    /// `blocklist` read as artifacts, on first use ([`ArtifactConfig::blocked_values`]).
    #[serde(skip)]
    pub(crate) parsed_blocklist: ParsedRules,
}

/// Blocklist entries once parsed: every artifact found is checked against them, and
/// parsing each entry again for each one made extraction seven times slower with
/// twenty entries. Not part of the configuration's value: equal whatever it holds,
/// and a clone starts empty (a clone's blocklist may then be changed).
#[derive(Debug, Default)]
pub(crate) struct ParsedRules(std::sync::OnceLock<Vec<crate::artifacts::Artifact>>);

impl Clone for ParsedRules {
    fn clone(&self) -> Self {
        ParsedRules::default()
    }
}

impl PartialEq for ParsedRules {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ParsedRules {}

/// One blocklist entry. A `domain` entry also blocks its subdomains and the URLs and
/// e-mail addresses on them; other types block that exact (normalised) value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRule {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

fn default_references() -> Vec<String> {
    super::DEFAULTS.artifacts.references.clone()
}

fn yes() -> bool {
    true
}

fn two() -> usize {
    2
}

impl Default for ArtifactConfig {
    fn default() -> Self {
        ArtifactConfig {
            enabled: true,
            private_ips: false,
            blocklist: Vec::new(),
            references: default_references(),
            page_min_incidents: two(),
            parsed_blocklist: ParsedRules::default(),
        }
    }
}

impl ArtifactConfig {
    /// True when an artifact mentioned by `incidents` incidents gets its own page.
    pub fn has_page(&self, incidents: usize) -> bool {
        self.enabled && incidents >= self.page_min_incidents.max(1)
    }

    /// The blocklist's valid entries as artifacts (invalid ones are reported by
    /// [`ArtifactConfig::check`] when the configuration is read), parsed once.
    pub fn blocked_values(&self) -> &[crate::artifacts::Artifact] {
        self.parsed_blocklist.0.get_or_init(|| {
            (self.blocklist.iter())
                .filter_map(|rule| {
                    crate::artifacts::parse_value(&rule.kind, &rule.value, self).ok()
                })
                .collect()
        })
    }

    /// Checks that every blocklist entry is a valid value of a known type, and every
    /// reference a domain.
    pub fn check(&self) -> Result<(), String> {
        for (i, rule) in self.blocklist.iter().enumerate() {
            crate::artifacts::parse_value(&rule.kind, &rule.value, self)
                .map_err(|e| format!("artifacts.blocklist[{i}]: {e}"))?;
        }
        for (i, domain) in self.references.iter().enumerate() {
            crate::artifacts::parse_value("domain", domain, self)
                .map_err(|e| format!("artifacts.references[{i}]: {e}"))?;
        }
        Ok(())
    }
}
