//! `[audiences.<name>]`: who may read a build, and so what it may contain.

use serde::Deserialize;

/// One audience: the most restricted TLP it may read, the business lines it belongs
/// to, and whether it sees incidents, events or both.
///
/// ```toml
/// [audiences.retail]
/// max_tlp = "GREEN"
/// business_lines = ["Retail Banking"]   # children included
/// include = "incidents"                 # "all" (default), "incidents" or "events"
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    /// Highest TLP level shown, in `[tlp]` order; unknown levels are never shown.
    pub max_tlp: String,
    /// Business lines (with their children) whose incidents are shown; empty means all.
    /// When set, incidents without any business line are left out.
    #[serde(default)]
    pub business_lines: Vec<String>,
    #[serde(default)]
    pub include: Include,
}

/// Which kinds of records an audience sees.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Include {
    #[default]
    All,
    Incidents,
    Events,
}
