//! The index brought up to date after a change among the newest incidents (the intake
//! case: one more incident, the newest): facets, links and correlation of the
//! incidents before the change are kept. Pure: no I/O.

use std::collections::HashSet;

use rayon::prelude::*;

use super::{Facet, Index, Summary, build_facet, for_each_value, links, positions, resolve};
use crate::config::Config;
use crate::render::Catalogue;

impl Index {
    /// Makes this index of the last build's summaries the index of `summaries`, whose
    /// first `keep` are the last build's first `keep`, unchanged: the result is what
    /// [`Index::build`] gives for `summaries`. False when it cannot (two artifacts
    /// share a hash); the index is then left half updated and must be built anew.
    pub fn update(
        &mut self,
        summaries: &[Summary],
        keep: usize,
        config: &Config,
        catalogue: &Catalogue,
    ) -> bool {
        // Ids that went or came: the links of earlier incidents that name one resolve
        // to other positions now.
        let mut moved: Vec<String> = self
            .by_id
            .iter()
            .filter(|&(_, &at)| at as usize >= keep)
            .map(|(id, _)| id.clone())
            .collect();
        moved.extend(summaries[keep..].iter().map(|s| s.id.clone()));
        self.by_id.retain(|_, at| (*at as usize) < keep);
        self.by_id.extend(
            summaries[keep..]
                .iter()
                .enumerate()
                .map(|(k, s)| (s.id.clone(), (keep + k) as u32)),
        );
        let moved: HashSet<&str> = moved.iter().map(String::as_str).collect();
        let names_moved = |ids: &[String]| ids.iter().any(|id| moved.contains(id.as_str()));
        self.relations.truncate(keep);
        self.mentions.truncate(keep);
        for (i, summary) in summaries[..keep].iter().enumerate() {
            if names_moved(&summary.relations) {
                self.relations[i] = resolve(&self.by_id, &summary.relations);
            }
            if names_moved(&summary.mentions) {
                self.mentions[i] = resolve(&self.by_id, &summary.mentions);
            }
        }
        for summary in &summaries[keep..] {
            self.relations
                .push(resolve(&self.by_id, &summary.relations));
            self.mentions.push(resolve(&self.by_id, &summary.mentions));
        }

        let links = links(summaries, &self.relations, &self.mentions);
        let (_, correlated) = rayon::join(
            || {
                self.facets.par_iter_mut().for_each(|facet| {
                    if !update_facet(facet, summaries, keep, config) {
                        *facet = build_facet(facet.key, summaries, config, catalogue);
                    }
                })
            },
            || self.artifacts.update(&links, keep),
        );
        let Ok(ranked_again) = correlated else {
            return false;
        };
        self.related.truncate(keep);
        for &i in &ranked_again {
            self.related[i as usize] = positions(&self.artifacts.related[i as usize]);
        }
        self.related.extend(
            self.artifacts.related[keep..]
                .iter()
                .map(|list| positions(list)),
        );
        true
    }
}

/// Brings the members of `facet`'s values up to date; false when the values themselves
/// change (one comes or goes), for which the facet is built anew: values are ordered
/// and slugged as a whole.
fn update_facet(facet: &mut Facet, summaries: &[Summary], keep: usize, config: &Config) -> bool {
    for value in &mut facet.values {
        let members = &mut value.members;
        members.truncate(members.partition_point(|&i| (i as usize) < keep));
    }
    let (lookup, values) = (&facet.lookup, &mut facet.values);
    let mut known = true;
    for (i, summary) in summaries.iter().enumerate().skip(keep) {
        for_each_value(facet.key, summary, config, |raw| match lookup.get(raw) {
            Some(&at) => {
                let members = &mut values[at].members;
                if members.last() != Some(&(i as u32)) {
                    members.push(i as u32);
                }
            }
            None => known = false,
        });
    }
    known && values.iter().all(|v| !v.members.is_empty())
}

#[cfg(test)]
pub(in crate::site) mod tests {
    use super::*;
    use crate::artifacts::{Artifact, Kind};
    use crate::site::index::sort;

    /// One incident as drawn: day offset, category, tag, business line, artifacts (from
    /// a small pool), relations and references (by name, some to no incident).
    pub(in crate::site) type Drawn = (u16, u8, u8, u8, Vec<u8>, Vec<u8>, Vec<u8>);

    pub(in crate::site) fn drawn() -> impl proptest::strategy::Strategy<Value = Drawn> {
        use proptest::collection::vec;
        (
            0u16..400,
            0u8..4,
            0u8..3,
            0u8..4,
            vec(0u8..12, 0..4),
            vec(0u8..48, 0..2),
            vec(0u8..48, 0..2),
        )
    }

    /// Names 0..32 are old incidents (`A…`), 32..44 new ones (`B…`), the rest nobody.
    fn name(n: u8) -> String {
        match n {
            0..32 => format!("A{n}"),
            32..44 => format!("B{}", n - 32),
            _ => format!("C{n}"),
        }
    }

    pub(in crate::site) fn summary(id: String, base: i64, d: &Drawn) -> Summary {
        let timestamp = base + i64::from(d.0) * 86_400;
        let date = crate::incident::DateTime::from_timestamp(
            jiff::Timestamp::from_second(timestamp).unwrap(),
        );
        let lines = ["Retail", "Retail > France", "Retail > Spain", "Corporate"];
        Summary {
            id,
            title: "t".into(),
            date,
            timestamp,
            category: ["phishing", "malware", "ddos", "odd one"][d.1 as usize].into(),
            severity: d.1 + 1,
            status: ["open", "closed"][(d.1 % 2) as usize].into(),
            tlp: "amber".into(),
            business_lines: vec![lines[d.3 as usize].into()],
            detection: None,
            actor: Some(format!("actor {}", d.2)),
            tags: vec![format!("tag{}", d.2)],
            major: false,
            incident: d.2 != 0,
            closed: d.1 % 2 == 1,
            closed_at: None,
            relations: d.5.iter().map(|&n| name(n)).collect(),
            artifacts: d
                .4
                .iter()
                .map(|&n| Artifact {
                    kind: Kind::Domain,
                    value: format!("d{n}.example"),
                })
                .collect(),
            mentions: d.6.iter().map(|&n| name(n)).collect(),
            todos: Vec::new(),
            path: format!("{n}.md", n = d.0).into(),
            source_hash: 0,
        }
    }

    fn assert_same(updated: &Index, built: &Index) {
        assert_eq!(updated.facets, built.facets);
        assert_eq!(updated.related, built.related);
        assert_eq!(updated.by_id, built.by_id);
        assert_eq!(updated.relations, built.relations);
        assert_eq!(updated.mentions, built.mentions);
        assert_eq!(updated.artifacts.shared, built.artifacts.shared);
        assert_eq!(updated.artifacts.of_incident, built.artifacts.of_incident);
        assert_eq!(updated.artifacts.related, built.artifacts.related);
    }

    proptest::proptest! {
        /// Updating the index of the old incidents after the ones from `keep` on were
        /// replaced by newer ones gives what building the index anew gives: facets
        /// (values that come and go included), links and correlation.
        #[test]
        fn an_updated_index_equals_one_built_anew(
            old in proptest::collection::vec(drawn(), 1..32),
            keep in 0usize..33,
            tail in proptest::collection::vec(drawn(), 0..12),
        ) {
            let config = Config::default();
            let catalogue = Catalogue::default();
            let base = 1_600_000_000;
            let mut was: Vec<Summary> = old
                .iter()
                .enumerate()
                .map(|(i, d)| summary(format!("A{i}"), base, d))
                .collect();
            sort(&mut was);
            let keep = keep.min(was.len());
            // The new incidents sort after the kept ones, as the newest do.
            let after = was[..keep].last().map_or(base, |s| s.timestamp);
            let mut now: Vec<Summary> = was[..keep].to_vec();
            now.extend(
                tail.iter()
                    .enumerate()
                    .map(|(k, d)| summary(format!("B{k}"), after, d)),
            );
            sort(&mut now);
            let mut index = Index::build(&was, &config, &catalogue);
            proptest::prop_assert!(index.update(&now, keep, &config, &catalogue));
            assert_same(&index, &Index::build(&now, &config, &catalogue));
            // And back again, with the numbers the first update kept.
            proptest::prop_assert!(index.update(&was, keep, &config, &catalogue));
            assert_same(&index, &Index::build(&was, &config, &catalogue));
        }
    }
}
