//! Selecting what an audience may read. Applied right after loading, so that nothing
//! outside the audience reaches any later step (pages, lists, counts, feeds, data).

use crate::config::business_lines;
use crate::config::{Audience, Config, Include};
use crate::incident::Incident;

/// True when `audience` may read `incident`.
pub fn admits(audience: &Audience, incident: &Incident, config: &Config) -> bool {
    let tlp = incident.tlp.as_deref().filter(|t| !t.trim().is_empty());
    if config.tlp_rank(tlp) > config.tlp_rank(Some(&audience.max_tlp)) {
        return false;
    }
    let kind_ok = match audience.include {
        Include::All => true,
        Include::Incidents => incident.incident,
        Include::Events => !incident.incident,
    };
    if !kind_ok {
        return false;
    }
    if audience.business_lines.is_empty() {
        return true;
    }
    let allowed: Vec<String> = audience
        .business_lines
        .iter()
        .map(|bl| business_lines::normalize(bl))
        .collect();
    incident.business_lines.iter().any(|bl| {
        let bl = business_lines::normalize(bl);
        allowed.iter().any(|line| business_lines::within(&bl, line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::DateTime;

    fn incident(tlp: Option<&str>, bls: &[&str], is_incident: bool) -> Incident {
        let mut i = Incident::new("X-1", "t", "2024-01-01".parse::<DateTime>().unwrap());
        i.tlp = tlp.map(str::to_string);
        i.business_lines = bls.iter().map(|s| s.to_string()).collect();
        i.incident = is_incident;
        i
    }

    fn audience(max: &str, bls: &[&str], include: Include) -> Audience {
        Audience {
            max_tlp: max.into(),
            business_lines: bls.iter().map(|s| s.to_string()).collect(),
            include,
        }
    }

    #[test]
    fn tlp_ceiling_with_default_and_unknown_levels() {
        let config = Config::default();
        let green = audience("GREEN", &[], Include::All);
        assert!(admits(&green, &incident(Some("CLEAR"), &[], true), &config));
        assert!(admits(&green, &incident(Some("white"), &[], true), &config));
        assert!(admits(&green, &incident(Some("green"), &[], true), &config));
        assert!(!admits(
            &green,
            &incident(Some("AMBER"), &[], true),
            &config
        ));
        assert!(!admits(&green, &incident(Some("RED"), &[], true), &config));
        assert!(!admits(
            &green,
            &incident(Some("R E D"), &[], true),
            &config
        ));
        // No TLP means the default, AMBER.
        assert!(!admits(&green, &incident(None, &[], true), &config));
        assert!(!admits(&green, &incident(Some(""), &[], true), &config));
        let amber = audience("AMBER", &[], Include::All);
        assert!(admits(&amber, &incident(None, &[], true), &config));
    }

    #[test]
    fn business_lines_include_children() {
        let config = Config::default();
        let retail = audience("RED", &["Retail Banking"], Include::All);
        assert!(admits(
            &retail,
            &incident(None, &["Retail Banking > France"], true),
            &config
        ));
        assert!(admits(
            &retail,
            &incident(None, &["Retail Banking"], true),
            &config
        ));
        assert!(admits(
            &retail,
            &incident(None, &["Corporate IT", "Retail Banking>France"], true),
            &config
        ));
        assert!(!admits(
            &retail,
            &incident(None, &["Corporate IT"], true),
            &config
        ));
        assert!(!admits(&retail, &incident(None, &[], true), &config));
        assert!(!admits(
            &retail,
            &incident(None, &["Retail"], true),
            &config
        ));
        let france = audience("RED", &["Retail Banking > France"], Include::All);
        assert!(!admits(
            &france,
            &incident(None, &["Retail Banking"], true),
            &config
        ));
    }

    #[test]
    fn incidents_or_events() {
        let config = Config::default();
        let only_incidents = audience("RED", &[], Include::Incidents);
        let only_events = audience("RED", &[], Include::Events);
        assert!(admits(&only_incidents, &incident(None, &[], true), &config));
        assert!(!admits(
            &only_incidents,
            &incident(None, &[], false),
            &config
        ));
        assert!(admits(&only_events, &incident(None, &[], false), &config));
        assert!(!admits(&only_events, &incident(None, &[], true), &config));
    }
}
