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
}

/// One blocklist entry. A `domain` entry also blocks its subdomains and the URLs and
/// e-mail addresses on them; other types block that exact (normalised) value.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BlockRule {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

fn yes() -> bool {
    true
}

impl Default for ArtifactConfig {
    fn default() -> Self {
        ArtifactConfig {
            enabled: true,
            private_ips: false,
            blocklist: Vec::new(),
        }
    }
}

impl ArtifactConfig {
    /// Checks that every blocklist entry is a valid value of a known type.
    pub fn check(&self) -> Result<(), String> {
        for (i, rule) in self.blocklist.iter().enumerate() {
            crate::artifacts::parse_value(&rule.kind, &rule.value, &ArtifactConfig::default())
                .map_err(|e| format!("artifacts.blocklist[{i}]: {e}"))?;
        }
        Ok(())
    }
}
