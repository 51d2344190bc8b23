//! A correlation brought up to date after a change among the newest incidents, without
//! numbering every artifact again: the intake case, where each submission is one more
//! incident, the newest, on a site of a hundred thousand. Pure: no I/O.

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use rayon::prelude::*;

use super::{Correlation, Incidents, Links, MAX_FANOUT, Ranges, Related, Shared, both_ways, rank};
use crate::artifacts::Artifact;

/// Two artifacts with the same 64-bit hash: the caller correlates anew.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collision;

/// What [`Correlation::update`] changed, for those who show the correlation: the
/// rest is as it was before the update.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Updated {
    /// Positions before `keep` whose related incidents were ranked again.
    pub ranked_again: Vec<u32>,
    /// The artifacts whose incidents may have changed (those that the incidents from
    /// `keep` on mention, before or after), and those linked to them by containment
    /// before or after ([`super::Ranges`]), in order. Any other artifact has the same
    /// number, value, incidents (all before `keep`) and linked artifacts as before.
    pub artifacts: Vec<u32>,
}

/// Artifact numbers by a 64-bit hash of the artifact: a table of numbers, not of a
/// second copy of a million artifacts. A hash met twice is reported, never guessed.
pub type Numbers = foldhash::HashMap<u64, u32>;

fn hash(artifact: &Artifact) -> u64 {
    foldhash::fast::FixedState::with_seed(0x5eed_f12e).hash_one(artifact)
}

fn numbers_of(shared: &[Shared]) -> Result<Numbers, Collision> {
    let mut numbers = Numbers::with_capacity_and_hasher(shared.len(), Default::default());
    for (n, s) in shared.iter().enumerate() {
        if numbers.insert(hash(&s.artifact), n as u32).is_some() {
            return Err(Collision);
        }
    }
    Ok(numbers)
}

/// How many artifact mentions of the incidents updated are looked up without a table
/// of every artifact's number: at 1.1 million artifacts the pass takes 6–10 ms (it
/// took 20–25 ms when first measured), making the table 0.20–0.24 s.
const MAX_SCANNED: usize = 64;

/// The numbers of those of `shared` that `tail` mentions, found in one pass (equal
/// artifacts, not hashes, are matched: no collision here).
fn numbers_found(shared: &[Shared], tail: &[Links<'_>]) -> Numbers {
    let wanted: foldhash::HashMap<&Artifact, u64> = tail
        .iter()
        .flat_map(|l| l.artifacts)
        .map(|artifact| (artifact, hash(artifact)))
        .collect();
    let lengths: foldhash::HashSet<usize> = wanted.keys().map(|a| a.value.len()).collect();
    shared
        .par_iter()
        .enumerate()
        .filter(|(_, s)| lengths.contains(&s.artifact.value.len()))
        .filter_map(|(n, s)| wanted.get(&s.artifact).map(|&h| (h, n as u32)))
        .collect()
}

impl Correlation {
    /// Makes the table of artifact numbers that [`Correlation::update`] needs for
    /// large updates, ahead of the first one (its cost: see `MAX_SCANNED`).
    pub fn prepare_updates(&mut self) {
        if self.numbers.is_none() {
            self.numbers = numbers_of(&self.shared).ok();
        }
    }

    /// Makes this correlation, built over the last build's incidents, the one of
    /// `links`, whose first `keep` incidents are the last build's first `keep`,
    /// unchanged: the result is what [`Correlation::build`] gives for `links`. Only
    /// the incidents from `keep` on and those that share something with them are
    /// ranked again. Tells which incidents were ranked again and which artifacts
    /// changed ([`Updated`]).
    ///
    /// On a [`Collision`] this correlation is left half updated: build anew.
    pub fn update(&mut self, links: &[Links<'_>], keep: usize) -> Result<Updated, Collision> {
        let old_len = self.of_incident.len();
        assert!(
            keep <= old_len && keep <= links.len(),
            "keep is a common prefix"
        );
        let tail_mentions: usize = links[keep..].iter().map(|l| l.artifacts.len()).sum();
        if self.numbers.is_none() && tail_mentions > MAX_SCANNED {
            self.numbers = Some(numbers_of(&self.shared)?);
        }

        // Incident counts, before the change, of the artifacts it touches: an artifact
        // relates its incidents only while it has at most MAX_FANOUT of them.
        let mut count_before: foldhash::HashMap<u32, usize> = Default::default();
        for mine in &self.of_incident[keep..] {
            for &a in mine {
                count_before
                    .entry(a)
                    .or_insert(self.shared[a as usize].incidents.len());
            }
        }
        for &a in count_before.keys() {
            let incidents = &mut self.shared[a as usize].incidents;
            incidents.truncate(incidents.partition_point(|&j| (j as usize) < keep));
        }
        // Artifacts linked by containment to those of the old tail, while the links
        // still name them: an address gone with the tail leaves its ranges changed.
        let linked_before: Vec<u32> = count_before
            .keys()
            .flat_map(|&a| self.ranges.linked(a))
            .collect();
        // Artifacts are numbered by first mention: those first mentioned in the old
        // tail are the last ones, and nothing before `keep` mentions them now.
        let first_of_tail = self.shared.partition_point(|s| !s.incidents.is_empty());
        if let Some(numbers) = self.numbers.as_mut() {
            for gone in &self.shared[first_of_tail..] {
                numbers.remove(&hash(&gone.artifact));
            }
        }
        self.shared.truncate(first_of_tail);
        // Without a table of every artifact's number, the few the tail mentions are
        // looked up in one pass, a table of their own kept for this update only.
        let mut scanned;
        let numbers = match self.numbers.as_mut() {
            Some(numbers) => numbers,
            None => {
                scanned = numbers_found(&self.shared, &links[keep..]);
                &mut scanned
            }
        };
        count_before.retain(|&a, _| (a as usize) < first_of_tail);
        self.of_incident.truncate(keep);

        for (i, incident) in links.iter().enumerate().skip(keep) {
            let mut mine = Vec::with_capacity(incident.artifacts.len());
            for artifact in incident.artifacts {
                let at = match numbers.entry(hash(artifact)) {
                    Entry::Occupied(found) => {
                        let at = *found.get();
                        if self.shared[at as usize].artifact != *artifact {
                            return Err(Collision);
                        }
                        at
                    }
                    Entry::Vacant(free) => {
                        self.shared.push(Shared {
                            artifact: artifact.clone(),
                            incidents: Incidents::new(),
                        });
                        *free.insert(self.shared.len() as u32 - 1)
                    }
                };
                let incidents = &mut self.shared[at as usize].incidents;
                count_before.entry(at).or_insert(incidents.len());
                if incidents.last() != Some(&(i as u32)) {
                    incidents.push(i as u32);
                    mine.push(at);
                }
            }
            self.of_incident.push(mine);
        }

        // Links by containment, among the artifacts as they are now: a link to an
        // artifact gone went with its incidents of the old tail, whose old lists are
        // ranked again below.
        self.ranges = Ranges::of(&self.shared);
        // The artifacts of the old tail still numbered, those of the new one, and
        // those linked to either (what they are linked to changed).
        let mut touched: Vec<u32> = count_before.keys().copied().collect();
        let linked_now: Vec<u32> = touched
            .iter()
            .flat_map(|&a| self.ranges.linked(a))
            .collect();
        touched.extend(
            linked_before
                .into_iter()
                .filter(|&a| (a as usize) < first_of_tail),
        );
        touched.extend(linked_now);
        touched.sort_unstable();
        touched.dedup();

        // Who is ranked again: the incidents of a touched artifact that relates them
        // before or after, those whose list named an incident of the old tail, and
        // those a relation or reference ties to the new tail.
        let (explicit, mentioned) = both_ways(links);
        let mut again: Vec<u32> = Vec::new();
        let in_prefix = |a: u32| {
            let incidents = &self.shared[a as usize].incidents;
            &incidents[..incidents.partition_point(|&j| (j as usize) < keep)]
        };
        for (&a, &before) in &count_before {
            if before <= MAX_FANOUT || self.shared[a as usize].incidents.len() <= MAX_FANOUT {
                // Those who count it: its incidents, and those of the artifacts
                // linked to it by containment.
                again.extend_from_slice(in_prefix(a));
                for linked in self.ranges.linked(a) {
                    again.extend_from_slice(in_prefix(linked));
                }
            }
        }
        let reaches_tail = |list: &[u32]| list.iter().any(|&j| j as usize >= keep);
        for i in 0..keep {
            let old_list = self.related[i].iter().any(|r| r.incident as usize >= keep);
            if old_list || reaches_tail(&explicit[i]) || reaches_tail(&mentioned[i]) {
                again.push(i as u32);
            }
        }
        again.sort_unstable();
        again.dedup();

        let rank_of = |i: usize| {
            rank(
                i as u32,
                &self.of_incident[i],
                (&self.shared, &self.ranges),
                &explicit[i],
                &mentioned[i],
            )
        };
        let tail: Vec<Vec<Related>> = (keep..links.len()).into_par_iter().map(rank_of).collect();
        let ranked: Vec<Vec<Related>> = again.par_iter().map(|&i| rank_of(i as usize)).collect();
        self.related.truncate(keep);
        for (&i, list) in again.iter().zip(ranked) {
            self.related[i as usize] = list;
        }
        self.related.extend(tail);
        Ok(Updated {
            ranked_again: again,
            artifacts: touched,
        })
    }
}
