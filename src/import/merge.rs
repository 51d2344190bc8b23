//! Re-imports: what changed in the register, and what an analyst changed in fir.
//!
//! Each imported file carries an attribute `legacy.hash` with a short hash of every
//! field the importer wrote (`title=1a2b3c4d date=…`). On the next import, a field whose
//! current value still has that hash was not touched in fir and takes the register's
//! new value; a field whose hash differs was edited by someone and is kept, unless the
//! import runs with `--overwrite`.

use std::collections::{BTreeMap, HashSet};

use serde_json::Value;

use super::mapping::Field;
use crate::incident::{Attribute, Incident};

/// Name of the attribute holding the hashes of the imported values.
pub const HASH_ATTRIBUTE: &str = "legacy.hash";

/// A part of an incident the importer owns: a mapped field, or the attributes made
/// from unmapped columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Part {
    Field(Field),
    Attributes,
}

impl Part {
    fn key(self) -> &'static str {
        match self {
            Part::Field(field) => field.key(),
            Part::Attributes => "attributes",
        }
    }
}

/// The parts a mapping writes, in a fixed order. `Ref` lives in `legacy`, not a field.
pub fn owned_parts(fields: impl IntoIterator<Item = Field>) -> Vec<Part> {
    let mut parts: Vec<Part> = fields
        .into_iter()
        .filter(|f| *f != Field::Ref)
        .map(Part::Field)
        .collect();
    parts.push(Part::Attributes);
    parts.sort();
    parts.dedup();
    parts
}

/// The value of `part` in `incident`, as JSON, for comparing.
/// `columns` are the register's header names: attributes with those names are owned.
fn value_of(incident: &Incident, part: Part, columns: &HashSet<&str>) -> Value {
    read_part(incident, part, columns, |v| v.to_json())
}

/// The [`short_hash`] of `part` in `incident`, hashed as it is serialised.
fn hash_of(incident: &Incident, part: Part, columns: &HashSet<&str>) -> String {
    read_part(incident, part, columns, |v| v.short_hash())
}

/// `read` applied to the value of `part` in `incident`.
fn read_part<R>(
    incident: &Incident,
    part: Part,
    columns: &HashSet<&str>,
    read: impl Fn(&dyn erased::Serialize) -> R,
) -> R {
    match part {
        Part::Attributes => {
            let owned: Vec<&Attribute> = incident
                .attributes
                .iter()
                .filter(|a| columns.contains(a.name.as_str()))
                .collect();
            read(&owned)
        }
        Part::Field(field) => match field {
            Field::Ref => read(&()),
            Field::Title => read(&incident.title),
            Field::Date => read(&incident.date),
            Field::Closed => read(&incident.closed),
            Field::Category => read(&incident.category),
            Field::Severity => read(&incident.severity),
            Field::Status => read(&incident.status),
            Field::Tlp => read(&incident.tlp),
            Field::BusinessLines => read(&incident.business_lines),
            Field::Detection => read(&incident.detection),
            Field::Actor => read(&incident.actor),
            Field::Plan => read(&incident.plan),
            Field::Major => read(&incident.major),
            Field::Incident => read(&incident.incident),
            Field::OpenedBy => read(&incident.opened_by),
            Field::Tags => read(&incident.tags),
            Field::Description => read(&incident.description),
            Field::Timeline => read(&incident.timeline),
        },
    }
}

/// Copies `part` from `from` into `to`.
fn copy_part(from: &Incident, to: &mut Incident, part: Part, columns: &HashSet<&str>) {
    match part {
        Part::Attributes => {
            // Keep the analyst's own attributes, replace the register's.
            to.attributes
                .retain(|a| !columns.contains(a.name.as_str()) && a.name != HASH_ATTRIBUTE);
            to.attributes.extend(
                from.attributes
                    .iter()
                    .filter(|a| columns.contains(a.name.as_str()))
                    .cloned(),
            );
        }
        Part::Field(field) => match field {
            Field::Ref => {}
            Field::Title => to.title.clone_from(&from.title),
            Field::Date => to.date = from.date,
            Field::Closed => to.closed = from.closed,
            Field::Category => to.category.clone_from(&from.category),
            Field::Severity => to.severity = from.severity,
            Field::Status => to.status.clone_from(&from.status),
            Field::Tlp => to.tlp.clone_from(&from.tlp),
            Field::BusinessLines => to.business_lines.clone_from(&from.business_lines),
            Field::Detection => to.detection.clone_from(&from.detection),
            Field::Actor => to.actor.clone_from(&from.actor),
            Field::Plan => to.plan.clone_from(&from.plan),
            Field::Major => to.major = from.major,
            Field::Incident => to.incident = from.incident,
            Field::OpenedBy => to.opened_by.clone_from(&from.opened_by),
            Field::Tags => to.tags.clone_from(&from.tags),
            Field::Description => to.description.clone_from(&from.description),
            Field::Timeline => to.timeline.clone_from(&from.timeline),
        },
    }
}

/// Serialising any field to JSON, or hashing it, without naming its type.
mod erased {
    pub trait Serialize {
        fn to_json(&self) -> serde_json::Value;
        fn short_hash(&self) -> String;
    }
    impl<T: serde::Serialize> Serialize for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
        fn short_hash(&self) -> String {
            super::short_hash(self)
        }
    }
}

/// 32 bits of FNV-1a of `value` as JSON: stable across Rust releases and platforms,
/// unlike std's hasher, and plenty to notice that a field changed. A value and its
/// [`Value`] hash alike (objects keep their fields' order).
fn short_hash<T: serde::Serialize + ?Sized>(value: &T) -> String {
    // The hash of the JSON text, fed as it is written.
    struct Fnv(u64);
    impl std::io::Write for Fnv {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            for &byte in bytes {
                self.0 ^= u64::from(byte);
                self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
            }
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut fnv = Fnv(0xcbf2_9ce4_8422_2325);
    serde_json::to_writer(&mut fnv, value).expect("hashing cannot fail");
    let hash = fnv.0;
    format!("{:08x}", (hash ^ (hash >> 32)) as u32)
}

fn hashes_of(incident: &Incident) -> BTreeMap<String, String> {
    incident
        .attributes
        .iter()
        .find(|a| a.name == HASH_ATTRIBUTE)
        .map(|a| {
            a.value
                .split_whitespace()
                .filter_map(|pair| pair.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn set_hashes(incident: &mut Incident, hashes: &[(Part, String)]) {
    let value = hashes
        .iter()
        .map(|(part, hash)| format!("{}={hash}", part.key()))
        .collect::<Vec<_>>()
        .join(" ");
    incident.attributes.retain(|a| a.name != HASH_ATTRIBUTE);
    incident.attributes.push(Attribute {
        name: HASH_ATTRIBUTE.into(),
        value,
        unit: None,
    });
}

/// Stamps a freshly built incident with the hashes of its imported values.
pub fn stamp(incident: &mut Incident, parts: &[Part], columns: &HashSet<&str>) {
    let hashes: Vec<(Part, String)> = parts
        .iter()
        .map(|&p| (p, hash_of(incident, p, columns)))
        .collect();
    set_hashes(incident, &hashes);
}

/// The result of bringing an existing file up to date with a register row.
#[derive(Debug, Clone)]
pub struct Merged {
    pub incident: Incident,
    /// Parts that took the register's new value.
    pub updated: Vec<&'static str>,
    /// Parts edited in fir that differ from the register and were kept.
    pub kept: Vec<&'static str>,
}

/// Merges the register's `new` values into `existing` (see the module comment).
pub fn merge(
    existing: &Incident,
    new: &Incident,
    parts: &[Part],
    columns: &HashSet<&str>,
    overwrite: bool,
) -> Merged {
    let previous = hashes_of(existing);
    let mut out = existing.clone();
    let mut hashes = Vec::with_capacity(parts.len());
    let (mut updated, mut kept) = (Vec::new(), Vec::new());
    for &part in parts {
        let current = value_of(existing, part, columns);
        let incoming = value_of(new, part, columns);
        let incoming_hash = short_hash(&incoming);
        if current == incoming {
            hashes.push((part, incoming_hash));
            continue;
        }
        let last = previous.get(part.key());
        if last == Some(&incoming_hash) && !overwrite {
            // The register still says what it said: the edit made in fir stands.
            hashes.push((part, incoming_hash));
            continue;
        }
        let untouched = last == Some(&short_hash(&current));
        if untouched || overwrite {
            copy_part(new, &mut out, part, columns);
            updated.push(part.key());
            hashes.push((part, incoming_hash));
        } else {
            kept.push(part.key());
            // Remember what was imported last, so the edit stays recognisable.
            let last = last.cloned().unwrap_or_else(|| short_hash(&current));
            hashes.push((part, last));
        }
    }
    if !updated.is_empty() {
        out.legacy.clone_from(&new.legacy);
    }
    let unstamped = !existing.attributes.iter().any(|a| a.name == HASH_ATTRIBUTE);
    if !updated.is_empty() || !unstamped || overwrite {
        set_hashes(&mut out, &hashes);
    }
    Merged {
        incident: out,
        updated,
        kept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn imported(title: &str, status: &str) -> Incident {
        let mut incident = Incident::new("A-1", title, "2014-01-02".parse().unwrap());
        incident.status = status.into();
        incident.category = "other".into();
        incident
    }

    #[test]
    fn updates_untouched_fields_and_keeps_edits() {
        let parts = owned_parts([Field::Title, Field::Status]);
        let columns = HashSet::new();
        let mut first = imported("Phish", "open");
        stamp(&mut first, &parts, &columns);

        // Same register row again: nothing to do.
        let mut again = imported("Phish", "open");
        stamp(&mut again, &parts, &columns);
        let merged = merge(&first, &again, &parts, &columns, false);
        assert_eq!(merged.incident, first);
        assert!(merged.updated.is_empty());

        // The analyst renamed it; the register closed it.
        let mut edited = first.clone();
        edited.title = "Phishing of the HR team".into();
        let newer = imported("Phish", "closed");
        let merged = merge(&edited, &newer, &parts, &columns, false);
        assert_eq!(merged.incident.title, "Phishing of the HR team");
        assert_eq!(merged.incident.status, "closed");
        assert_eq!(merged.updated, ["status"]);
        assert!(
            merged.kept.is_empty(),
            "the register's title did not change"
        );

        // Once more with a register that also renamed it: the edit still wins …
        let renamed = imported("Phishing wave", "closed");
        let merged2 = merge(&merged.incident, &renamed, &parts, &columns, false);
        assert_eq!(merged2.incident.title, "Phishing of the HR team");
        assert_eq!(merged2.kept, ["title"]);
        // … unless asked to overwrite.
        let merged3 = merge(&merged.incident, &renamed, &parts, &columns, true);
        assert_eq!(merged3.incident.title, "Phishing wave");
    }

    /// Files written by earlier imports carry these hashes: they must never change.
    #[test]
    fn short_hashes_are_stable() {
        let value = serde_json::json!({"b": null, "a": [1, "é\n"]});
        assert_eq!(value.to_string(), r#"{"b":null,"a":[1,"é\n"]}"#);
        assert_eq!(short_hash(&value), "498610c0");
        assert_eq!(
            short_hash(&Value::String("Phish".into())),
            short_hash("Phish")
        );
    }

    /// New files are stamped by hashing their fields as they serialise; re-imports
    /// compare hashes of their JSON values: both must agree on every part.
    #[test]
    fn fields_hash_like_their_json_values() {
        let mut incident = imported("Phish \"bank\"", "open");
        incident.business_lines = vec!["Retail".into(), "Retail > Cards".into()];
        incident.closed = Some("2014-01-03T10:00:00Z".parse().unwrap());
        incident.timeline.push(crate::incident::TimelineEntry {
            date: "2014-01-02T09:00:00Z".parse().unwrap(),
            action: Some("info".into()),
            author: None,
            text: "line\nother".into(),
        });
        incident.attributes.push(Attribute {
            name: "Owner".into(),
            value: "Bob".into(),
            unit: Some("team".into()),
        });
        let columns: HashSet<&str> = ["Owner"].into();
        let parts = super::super::mapping::FIELDS.map(Part::Field);
        for part in parts.into_iter().chain([Part::Attributes]) {
            assert_eq!(
                hash_of(&incident, part, &columns),
                short_hash(&value_of(&incident, part, &columns)),
                "{part:?}"
            );
        }
    }
}
