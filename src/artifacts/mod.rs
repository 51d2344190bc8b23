//! Artifacts: indicators of compromise (IP addresses, domains, URLs, e-mail addresses,
//! hashes, CVE ids) found in incident texts, and the links they make between incidents.
//!
//! Pure: no I/O. The pipeline is [`refang`] → [`scan`] (cut text into candidate words,
//! linear time) → [`values`] (validate and normalise one value per type) → exclusions
//! (private addresses, the fir.toml blocklist) → [`correlate`] (artifact → incidents,
//! incident → related incidents).
//!
//! The API other features call:
//! - [`extract`]: every artifact of an incident (front matter and texts), normalised,
//!   sorted, without duplicates.
//! - [`extract_text`]: what one piece of text mentions (without the hosts that
//!   [`add_hosts`] lists for an incident).
//! - [`refang_query`]: a search query with defanged notations undone.
//! - [`identify`]: the artifact a whole query is, if it is one (`evil[.]com` → domain
//!   `evil.com`), for exact artifact look-ups.
//! - [`defang`]: the value as shown on pages, not clickable.

pub mod correlate;
mod next_byte;
mod refang;
mod scan;
mod shared_str;
pub mod values;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use correlate::{Correlation, Related};
pub use refang::refang;
pub use scan::Found;
pub use shared_str::SharedStr;

use crate::config::artifacts::ArtifactConfig;
use crate::incident::Incident;

/// The type of an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Ipv4,
    Ipv6,
    /// A range of addresses in CIDR notation (`194.26.29.0/24`), IPv4 or IPv6.
    Network,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
    Cve,
    /// A file name (of an e-mail attachment, say): only from front matter, never
    /// found in texts, where any `word.ext` would be one.
    File,
}

impl Kind {
    /// Every type, in display order.
    pub const ALL: [Kind; 12] = [
        Kind::Ipv4,
        Kind::Ipv6,
        Kind::Network,
        Kind::Domain,
        Kind::Url,
        Kind::Email,
        Kind::Md5,
        Kind::Sha1,
        Kind::Sha256,
        Kind::Sha512,
        Kind::Cve,
        Kind::File,
    ];

    /// The name front matter, paths and data files use.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ipv4 => "ipv4",
            Kind::Ipv6 => "ipv6",
            Kind::Network => "network",
            Kind::Domain => "domain",
            Kind::Url => "url",
            Kind::Email => "email",
            Kind::Md5 => "md5",
            Kind::Sha1 => "sha1",
            Kind::Sha256 => "sha256",
            Kind::Sha512 => "sha512",
            Kind::Cve => "cve",
            Kind::File => "file",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Kind {
    type Err = InvalidArtifact;

    fn from_str(s: &str) -> Result<Kind, InvalidArtifact> {
        let lower = s.trim().to_ascii_lowercase();
        Kind::ALL
            .into_iter()
            .find(|k| k.name() == lower)
            .ok_or_else(|| InvalidArtifact::UnknownType(s.to_string()))
    }
}

/// One indicator, in normal form: two artifacts are the same when they are equal.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Artifact {
    #[serde(rename = "type")]
    pub kind: Kind,
    /// Shared, not copied, by the incidents that mention it once the build cache has
    /// been read (the synthetic 100k site mentions 1.4 million artifacts), and read
    /// from the cache into one text per part of its table of values.
    pub value: SharedStr,
}

/// Why an explicit artifact (front matter, blocklist) is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidArtifact {
    #[error(
        "unknown artifact type {0:?} (known: ip, ipv4, ipv6, network (or cidr), domain, url, email, hash, md5, sha1, sha256, sha512, cve, file)"
    )]
    UnknownType(String),
    #[error("{value:?} is not a valid {kind}")]
    InvalidValue { kind: String, value: String },
}

/// Every artifact of `incident`: the valid `artifacts:` of its front matter and, when
/// extraction is enabled, what its title, description, timeline and nuggets mention,
/// with the hosts of its URLs and e-mail addresses ([`host_of`]). Normalised,
/// blocklist applied, sorted by type then value, without duplicates.
pub fn extract(incident: &Incident, config: &ArtifactConfig) -> Vec<Artifact> {
    scan_incident(incident, config).artifacts
}

/// [`extract`], plus the words of the texts that look like incident ids (the caller
/// knows which ids exist).
pub fn scan_incident(incident: &Incident, config: &ArtifactConfig) -> Found {
    let mut found = Found::default();
    for explicit in &incident.artifacts {
        if let Ok(artifact) = parse_value(&explicit.kind, &explicit.value, config)
            && !blocked(&artifact, config)
        {
            found.artifacts.push(artifact);
        }
    }
    if config.enabled {
        let mut steps = 0;
        for text in incident.texts() {
            scan::scan(
                &refang::refang_counted(text, &mut steps),
                config,
                &mut found,
                &mut steps,
            );
        }
    }
    add_hosts(&mut found.artifacts, config);
    found.artifacts.sort_unstable();
    found.artifacts.dedup();
    found.mentions.sort_unstable();
    found.mentions.dedup();
    found.mentions.retain(|id| *id != incident.id);
    // Kept with the incident's summary for the whole build (a hundred thousand of
    // them at 100k): no room left over from growing.
    found.artifacts.shrink_to_fit();
    found.mentions.shrink_to_fit();
    found
}

/// The artifacts mentioned in `text`, in order of first appearance, without
/// duplicates. Hosts are not added ([`add_hosts`] does that for an incident's list):
/// this is what the text itself says, as front matter would record it.
pub fn extract_text(text: &str, config: &ArtifactConfig) -> Vec<Artifact> {
    extract_text_counted(text, config, &mut 0).artifacts
}

/// [`extract_text`] with the count of steps taken, for the linearity test.
#[doc(hidden)]
pub fn extract_text_counted(text: &str, config: &ArtifactConfig, steps: &mut u64) -> Found {
    let mut found = Found::default();
    scan::scan(
        &refang::refang_counted(text, steps),
        config,
        &mut found,
        steps,
    );
    let mut seen = std::collections::HashSet::new();
    found.artifacts.retain(|a| seen.insert(a.clone()));
    found
}

/// The host of a URL (a domain or an IP address) or the domain of an e-mail address,
/// as an artifact of its own. `None` for other types, and for an internal address
/// unless fir.toml keeps those.
pub fn host_of(artifact: &Artifact, config: &ArtifactConfig) -> Option<Artifact> {
    let (kind, value) = match artifact.kind {
        Kind::Email => (Kind::Domain, artifact.value.rsplit_once('@')?.1.to_string()),
        Kind::Url => {
            let host = values::url(&artifact.value)?.1;
            if host.is_internal() && !config.private_ips {
                return None;
            }
            match host {
                values::Host::Domain(domain) => (Kind::Domain, domain),
                values::Host::Ipv4(ip) => values::ip_artifact(ip.into()),
                values::Host::Ipv6(ip) => values::ip_artifact(ip.into()),
            }
        }
        _ => return None,
    };
    Some(Artifact {
        kind,
        value: value.into(),
    })
}

/// Lists after each URL and e-mail address its host ([`host_of`]), unless the
/// blocklist rules it out: a domain seen bare in one incident and in a link or a
/// sender's address in another is the same indicator, and must relate them (FIR's
/// extraction reports both too). A host already listed comes twice: callers dedup.
pub fn add_hosts(artifacts: &mut Vec<Artifact>, config: &ArtifactConfig) {
    let with_host = artifacts
        .iter()
        .filter(|a| matches!(a.kind, Kind::Url | Kind::Email))
        .count();
    if with_host == 0 {
        return;
    }
    let mut with_hosts = Vec::with_capacity(artifacts.len() + with_host);
    for artifact in artifacts.drain(..) {
        let host = host_of(&artifact, config).filter(|host| !blocked(host, config));
        with_hosts.push(artifact);
        with_hosts.extend(host);
    }
    *artifacts = with_hosts;
}

/// A search query with defanged notations undone (`hxxp://evil[.]com` →
/// `http://evil.com`), so that it matches what pages and indexes hold.
pub fn refang_query(query: &str) -> String {
    refang(query.trim()).into_owned()
}

/// The artifact the whole of `query` is (after refanging), whatever the exclusions:
/// `evil[.]COM` is the domain `evil.com`. `None` for anything else.
pub fn identify(query: &str) -> Option<Artifact> {
    let text = refang_query(query);
    if text.contains("://") {
        return values::url(&text).map(|(value, _)| Artifact {
            kind: Kind::Url,
            value: value.into(),
        });
    }
    scan::classify(values::trim_word(&text)).map(|(kind, value)| Artifact {
        kind,
        value: value.into(),
    })
}

/// An explicit artifact (front matter `artifacts:`, blocklist) checked and normalised.
/// `kind` is a type name, or `ip` (v4 or v6) or `hash` (by length); values may be
/// defanged. Explicit artifacts are kept even when they are private addresses.
pub fn parse_value(
    kind: &str,
    value: &str,
    _config: &ArtifactConfig,
) -> Result<Artifact, InvalidArtifact> {
    let lower = kind.trim().to_ascii_lowercase();
    let text = refang_query(value);
    let invalid = || InvalidArtifact::InvalidValue {
        kind: lower.clone(),
        value: value.to_string(),
    };
    let found = match lower.as_str() {
        "ip" => scan::classify(&text).filter(|(k, _)| matches!(k, Kind::Ipv4 | Kind::Ipv6)),
        // A `/32` is its address: kept, as the network it was given as.
        "network" | "cidr" => values::network(&text).map(|(kind, value, _)| (kind, value)),
        "hash" => values::hash(&text).map(|(kind, value)| (kind, value.into_owned())),
        "url" => values::url(&text).map(|(u, _)| (Kind::Url, u)),
        "file" => file_name(value).map(|name| (Kind::File, name)),
        _ => {
            let wanted: Kind = lower.parse()?;
            let classified = if wanted == Kind::Url {
                None
            } else {
                scan::classify(&text)
            };
            // An IPv4-mapped IPv6 address given as `ipv6` is its IPv4 address.
            let mapped = |k: &Kind| wanted == Kind::Ipv6 && *k == Kind::Ipv4 && text.contains(':');
            classified.filter(|(k, _)| *k == wanted || mapped(k))
        }
    };
    let (kind, value) = found.ok_or_else(invalid)?;
    Ok(Artifact {
        kind,
        value: value.into(),
    })
}

/// A file name as an artifact: trimmed, at most 255 bytes, no control characters and
/// no directory part. Kept as written (not refanged, case kept).
fn file_name(value: &str) -> Option<String> {
    let name = value.trim();
    let valid = !name.is_empty()
        && name.len() <= 255
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control);
    valid.then(|| name.to_string())
}

/// True when the fir.toml blocklist or references rule `artifact` out.
pub fn blocked(artifact: &Artifact, config: &ArtifactConfig) -> bool {
    if config.blocklist.is_empty() && config.references.is_empty() {
        return false;
    }
    let host: Option<&str> = match artifact.kind {
        Kind::Domain => Some(&artifact.value),
        Kind::Email => artifact.value.rsplit_once('@').map(|(_, d)| d),
        Kind::Url => values::url_host(&artifact.value),
        _ => None,
    };
    if let Some(host) = &host
        && config.references.iter().any(|domain| is_on(host, domain))
    {
        return true;
    }
    config
        .blocked_values()
        .iter()
        .any(|blocked| match (&host, blocked.kind) {
            (Some(host), Kind::Domain) => is_on(host, &blocked.value),
            _ => blocked == artifact,
        })
}

/// Whether `host` (an artifact's, in its normal form) is `domain` or one of its
/// subdomains, `domain` in any case.
fn is_on(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.as_bytes(), domain.as_bytes());
    // Most hosts end otherwise: the last letters first, before a whole comparison.
    let last = |name: &[u8]| name.last().map(u8::to_ascii_lowercase);
    last(host) == last(domain)
        && host.len() >= domain.len()
        && host[host.len() - domain.len()..].eq_ignore_ascii_case(domain)
        && (host.len() == domain.len() || host[host.len() - domain.len() - 1] == b'.')
}

/// The value made unclickable, as pages show it: `evil[.]com`, `hxxps://evil[.]com/x`,
/// `a[@]evil[.]com`, `2001[:]db8[:][:]1`. Hashes, CVE ids and file names are unchanged.
/// [`refang`] gives the value back.
pub fn defang(artifact: &Artifact) -> String {
    let value: &str = &artifact.value;
    match artifact.kind {
        Kind::Ipv4 | Kind::Domain => value.replace('.', "[.]"),
        Kind::Ipv6 => value.replace(':', "[:]"),
        Kind::Network => value.replace('.', "[.]").replace(':', "[:]"),
        Kind::Email => match value.rsplit_once('@') {
            Some((local, host)) => format!("{local}[@]{}", host.replace('.', "[.]")),
            None => value.to_string(),
        },
        Kind::Url => match values::url_parts(value) {
            Some((scheme, authority, tail)) => {
                let scheme = scheme.replacen("http", "hxxp", 1);
                format!("{scheme}[://]{}{tail}", authority.replace('.', "[.]"))
            }
            None => value.to_string(),
        },
        Kind::Md5 | Kind::Sha1 | Kind::Sha256 | Kind::Sha512 | Kind::Cve | Kind::File => {
            value.to_string()
        }
    }
}

/// The value as a reader writes it, when its domain is in Punycode: `bücher.de` for
/// `xn--bcher-kva.de` (also in an address or a URL), so that a page can show both —
/// the ASCII form is what DNS and logs see, and it shows a look-alike for what it is.
/// Defanged as [`defang`] does. None for every other value.
pub fn defang_as_written(artifact: &Artifact) -> Option<String> {
    let value: &str = &artifact.value;
    // Incident pages ask for every value they list: most have no Punycode at all.
    if !value.contains("xn--") {
        return None;
    }
    let written = match artifact.kind {
        Kind::Domain => values::domain_as_written(value)?,
        Kind::Email => {
            let (local, host) = value.rsplit_once('@')?;
            format!("{local}@{}", values::domain_as_written(host)?)
        }
        Kind::Url => {
            let (scheme, authority, tail) = values::url_parts(value)?;
            let (user, host, port) = values::authority_parts(authority);
            format!(
                "{scheme}://{user}{}{port}{tail}",
                values::domain_as_written(host)?
            )
        }
        _ => return None,
    };
    Some(defang(&Artifact {
        kind: artifact.kind,
        value: written.into(),
    }))
}

#[cfg(test)]
mod tests;
