//! The index brought up to date after a change among the newest incidents (the intake
//! case: one more incident, the newest): facets, links and correlation of the
//! incidents before the change are kept. Pure: no I/O.

use compact_str::CompactString;

use rayon::prelude::*;

use super::{
    Facet, Index, Summary, build_facet, for_each_value, label_tags, links, positions, resolve,
};
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
        // to other positions now. None went when the incidents were only appended.
        let mut moved: Vec<CompactString> = Vec::new();
        if self.relations.len() > keep {
            moved.extend(
                self.by_id
                    .iter()
                    .filter(|&(_, &at)| at as usize >= keep)
                    .map(|(id, _)| id.clone()),
            );
            self.by_id.retain(|_, at| (*at as usize) < keep);
        }
        moved.extend(summaries[keep..].iter().map(|s| s.id.clone()));
        self.by_id.extend(
            summaries[keep..]
                .iter()
                .enumerate()
                .map(|(k, s)| (s.id.clone(), (keep + k) as u32)),
        );
        let moved: foldhash::HashSet<&str> = moved.iter().map(CompactString::as_str).collect();
        let by_id = &self.by_id;
        let again = |ids: &[CompactString]| {
            ids.iter()
                .any(|id| moved.contains(id.as_str()))
                .then(|| resolve(by_id, ids))
        };
        // Every kept incident's links looked at, on every core.
        let relinked: Vec<_> = summaries[..keep]
            .par_iter()
            .enumerate()
            .filter_map(|(i, summary)| {
                let (relations, mentions) = (again(&summary.relations), again(&summary.mentions));
                (relations.is_some() || mentions.is_some()).then_some((i, relations, mentions))
            })
            .collect();
        self.relations.truncate(keep);
        self.mentions.truncate(keep);
        for (i, relations, mentions) in relinked {
            if let Some(relations) = relations {
                self.relations[i] = relations;
            }
            if let Some(mentions) = mentions {
                self.mentions[i] = mentions;
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
        let Ok(updated) = correlated else {
            return false;
        };
        self.changed_artifacts = Some(updated.artifacts);
        self.related.truncate(keep);
        for &i in &updated.ranked_again {
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

impl Index {
    /// Makes this index of the last build's summaries the index of `summaries`, which
    /// differ from them only at the positions of `edited` (position, summary as it
    /// was): the same incident in the same place, with the same artifacts, relations
    /// and references (a status changed, a comment added), so that only facet members
    /// move. The result is what [`Index::build`] gives for `summaries`. False, with
    /// the index left as it was, when an edit changes more.
    pub fn update_edited(
        &mut self,
        summaries: &[Summary],
        edited: &[(usize, &Summary)],
        config: &Config,
        catalogue: &Catalogue,
    ) -> bool {
        let links_kept = edited.iter().all(|&(i, was)| {
            let now = &summaries[i];
            now.id == was.id
                && now.artifacts == was.artifacts
                && now.relations == was.relations
                && now.mentions == was.mentions
        });
        if !links_kept {
            return false;
        }
        self.facets.par_iter_mut().for_each(|facet| {
            if !move_members(facet, summaries, edited, config) {
                *facet = build_facet(facet.key, summaries, config, catalogue);
            }
        });
        // Their artifacts list the same incidents, but show the edited ones anew.
        let mut changed: Vec<u32> = edited
            .iter()
            .flat_map(|&(i, _)| self.artifacts.of_incident[i].iter().copied())
            .collect();
        changed.sort_unstable();
        changed.dedup();
        self.changed_artifacts = Some(changed);
        true
    }
}

/// Moves the `edited` incidents between `facet`'s values; false when a value comes
/// or goes, for which the facet is built anew (see [`update_facet`]).
fn move_members(
    facet: &mut Facet,
    summaries: &[Summary],
    edited: &[(usize, &Summary)],
    config: &Config,
) -> bool {
    for &(i, was) in edited {
        let values_of = |summary: &Summary| {
            let mut at = Vec::new();
            let mut known = true;
            for_each_value(facet.key, summary, config, |raw| {
                match facet.lookup.get(raw) {
                    Some(&value) => at.push(value),
                    None => known = false,
                }
            });
            at.sort_unstable();
            at.dedup();
            known.then_some(at)
        };
        let (Some(before), Some(after)) = (values_of(was), values_of(&summaries[i])) else {
            return false;
        };
        let i = i as u32;
        for &value in before.iter().filter(|v| !after.contains(v)) {
            let members = &mut facet.values[value].members;
            if let Ok(k) = members.binary_search(&i) {
                members.remove(k);
            }
        }
        for &value in after.iter().filter(|v| !before.contains(v)) {
            let members = &mut facet.values[value].members;
            if let Err(k) = members.binary_search(&i) {
                members.insert(k, i);
            }
        }
    }
    members_moved(facet, summaries)
}

/// Whether `facet`, its members moved, still has the same values (each has a member),
/// then with its tags named as an index built anew names them.
fn members_moved(facet: &mut Facet, summaries: &[Summary]) -> bool {
    if facet.values.iter().any(|v| v.members.is_empty()) {
        return false;
    }
    if facet.key == "tag" {
        label_tags(facet, summaries);
    }
    true
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
    known && members_moved(facet, summaries)
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
            id: id.into(),
            title: "t".into(),
            date,
            timestamp,
            category: ["phishing", "malware", "ddos", "odd one"][d.1 as usize].into(),
            severity: d.1 + 1,
            status: ["open", "closed"][(d.1 % 2) as usize].into(),
            tlp: "amber".into(),
            business_lines: vec![lines[d.3 as usize].into()],
            detection: None,
            actor: Some(format!("actor {}", d.2).into()),
            // Two spellings of one tag: the value's name is its oldest incident's.
            tags: vec![["tag0", "tag1", "Tág1"][d.2 as usize].into()],
            major: false,
            incident: d.2 != 0,
            closed: d.1 % 2 == 1,
            closed_at: None,
            relations: d.5.iter().map(|&n| name(n).into()).collect(),
            artifacts: d
                .4
                .iter()
                .map(|&n| Artifact {
                    kind: Kind::Domain,
                    value: format!("d{n}.example").into(),
                })
                .collect(),
            mentions: d.6.iter().map(|&n| name(n).into()).collect(),
            todos: Vec::new(),
            path: format!("{n}.md", n = d.0).into(),
            source_hash: 0,
        }
    }

    /// Incidents `A0`, `A1`… as drawn, sorted.
    fn sorted_summaries(drawn: &[Drawn], base: i64) -> Vec<Summary> {
        let mut summaries: Vec<Summary> = drawn
            .iter()
            .enumerate()
            .map(|(i, d)| summary(format!("A{i}"), base, d))
            .collect();
        sort(&mut summaries);
        summaries
    }

    pub(in crate::site) fn assert_same(updated: &Index, built: &Index) {
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
            let was = sorted_summaries(&old, base);
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

        /// Incidents edited in place (category, status, tag, business line changed;
        /// artifacts and links kept): moving their facet members gives the index built
        /// anew, values that come or go included. An edit of an artifact is refused.
        #[test]
        fn an_index_updated_for_edits_equals_one_built_anew(
            old in proptest::collection::vec(drawn(), 1..32),
            edits in proptest::collection::vec((0usize..32, drawn()), 1..4),
        ) {
            let config = Config::default();
            let catalogue = Catalogue::default();
            let base = 1_600_000_000;
            let was = sorted_summaries(&old, base);
            let mut now = was.clone();
            for (at, d) in &edits {
                let at = at % now.len();
                let kept = &old[now[at].id[1..].parse::<usize>().unwrap()];
                // Same day, artifacts and links; other fields as drawn.
                let edited = (kept.0, d.1, d.2, d.3, kept.4.clone(), kept.5.clone(), kept.6.clone());
                now[at] = summary(now[at].id.to_string(), base, &edited);
            }
            let edited: Vec<(usize, &Summary)> = (0..now.len())
                .filter(|&i| now[i] != was[i])
                .map(|i| (i, &was[i]))
                .collect();
            let mut index = Index::build(&was, &config, &catalogue);
            proptest::prop_assert!(index.update_edited(&now, &edited, &config, &catalogue));
            assert_same(&index, &Index::build(&now, &config, &catalogue));
            // The artifacts said to have changed are those of the edited incidents.
            let changed = index.changed_artifacts.clone().expect("an update says");
            for (a, shared) in index.artifacts.shared.iter().enumerate() {
                let shows_an_edit = shared
                    .incidents
                    .iter()
                    .any(|&i| edited.iter().any(|&(at, _)| at == i as usize));
                proptest::prop_assert_eq!(changed.binary_search(&(a as u32)).is_ok(), shows_an_edit);
            }
            // An artifact added: refused, the index as it was.
            let before = index.clone();
            let mut more = now.clone();
            more[0].artifacts.push(Artifact { kind: Kind::Domain, value: "new.example".into() });
            proptest::prop_assert!(!index.update_edited(&more, &[(0, &now[0])], &config, &catalogue));
            assert_same(&index, &before);
        }
    }
}
