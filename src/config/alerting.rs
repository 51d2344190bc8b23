//! `[alerting]`: whom to alert for each business line, as FIR's alerting does. fir
//! sends nothing itself: `fir alert` and the incident pages prepare the message for the
//! analyst's own mail client.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::business_lines::{self, BusinessLines};

/// Contacts of business lines, and the addresses every alert carries.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alerting {
    /// The `From:` of alerts (empty: the mail client's own).
    #[serde(default)]
    pub from: String,
    /// Copied on every alert (the team's own list, say).
    #[serde(default)]
    pub cc: Vec<String>,
    /// Addresses to alert, by business line path (`Retail Banking > France`), the paths
    /// normalized as read. A line without contacts of its own is alerted through its
    /// nearest parent's.
    #[serde(default, deserialize_with = "normalized_lines")]
    pub contacts: BTreeMap<String, Vec<String>>,
}

/// The contacts table with its business lines spelt as [`business_lines::normalize`]
/// does, so that every look-up (one per incident page and line) is a plain one; of two
/// spellings of a line, the first in the table's order with addresses counts.
fn normalized_lines<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, Vec<String>>, D::Error> {
    let written = BTreeMap::<String, Vec<String>>::deserialize(deserializer)?;
    let mut contacts = BTreeMap::new();
    for (line, addresses) in written {
        let kept: &mut Vec<String> = contacts
            .entry(business_lines::normalize(&line))
            .or_default();
        if kept.is_empty() {
            *kept = addresses;
        }
    }
    Ok(contacts)
}

impl Alerting {
    /// Whether any business line has contacts.
    pub fn is_set(&self) -> bool {
        self.contacts
            .values()
            .any(|addresses| !addresses.is_empty())
    }

    /// The addresses to alert for an incident of these business lines, each once, in
    /// the order of `lines`: each line's own contacts, or its nearest parent's.
    pub fn recipients<'a>(&'a self, lines: &[String]) -> Vec<&'a str> {
        let mut found: Vec<&str> = Vec::new();
        for line in lines {
            let line = business_lines::normalize(line);
            let nearest =
                std::iter::successors(Some(line.as_str()), |path| business_lines::parent_of(path))
                    .find_map(|path| self.contacts.get(path).filter(|a| !a.is_empty()));
            for address in nearest.into_iter().flatten() {
                if !found.contains(&address.as_str()) {
                    found.push(address);
                }
            }
        }
        found
    }

    /// What a TOML schema cannot say: contacts of declared business lines only, and
    /// addresses that a mail client takes.
    pub fn check(&self, declared: &BusinessLines) -> Result<(), String> {
        if let Some(line) = self.contacts.keys().find(|line| !declared.contains(line)) {
            return Err(format!(
                "alerting.contacts names {line:?}, which is not a business line of business_lines"
            ));
        }
        let addresses = self
            .contacts
            .values()
            .flatten()
            .chain(&self.cc)
            .chain((!self.from.is_empty()).then_some(&self.from));
        for address in addresses {
            if !is_address(address) {
                return Err(format!(
                    "alerting: {address:?} is not an email address (name@domain, nothing else)"
                ));
            }
        }
        Ok(())
    }
}

/// `name@domain`, without what would break a header or a `mailto:` list (spaces,
/// commas, angle brackets, line breaks).
fn is_address(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text
            .contains(|c: char| c.is_whitespace() || c.is_control() || ",;<>\"()[]\\".contains(c))
        && !domain.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alerting(toml_text: &str) -> Alerting {
        toml::from_str(toml_text).unwrap()
    }

    #[test]
    fn a_line_without_contacts_is_alerted_through_its_nearest_parent() {
        let alerting = alerting(
            r#"
            [contacts]
            "Retail" = ["retail@bank.example"]
            "Retail > France" = ["fr@bank.example", "retail@bank.example"]
            "IT" = []
            "#,
        );
        assert_eq!(
            alerting.recipients(&["Retail > France > Paris".into()]),
            ["fr@bank.example", "retail@bank.example"]
        );
        assert_eq!(
            alerting.recipients(&["Retail>Spain".into(), "Retail > France".into()]),
            ["retail@bank.example", "fr@bank.example"],
            "each address once, in the order of the lines"
        );
        // An empty list is no contacts: nothing above IT either.
        assert!(
            alerting
                .recipients(&["IT".into(), "Legal".into()])
                .is_empty()
        );
        assert!(alerting.is_set());
        assert!(!Alerting::default().is_set());
    }

    #[test]
    fn contacts_of_undeclared_lines_and_bad_addresses_are_refused() {
        let declared = BusinessLines::from_paths(["Retail > France", "IT"]);
        let ok = alerting(
            "cc = [\"cert@bank.example\"]\n[contacts]\n\"Retail>France\" = [\"a@b.example\"]\n",
        );
        assert_eq!(ok.check(&declared), Ok(()));
        let unknown = alerting("[contacts]\n\"Legal\" = [\"a@b.example\"]\n");
        assert!(unknown.check(&declared).unwrap_err().contains("\"Legal\""));
        for bad in [
            "a b@c.example",
            "a@b",
            "Name <a@b.example>",
            "a@b.example,c@d.example",
            "@b.example",
        ] {
            let config = alerting(&format!("from = {bad:?}\n"));
            assert!(config.check(&declared).is_err(), "{bad} refused");
        }
    }
}
