//! Correlation: which incidents share each artifact, and for each incident the others
//! most related to it. Incidents are numbered by the caller (positions in its list);
//! pure: no I/O.

use rayon::prelude::*;

use super::Artifact;

mod ranges;
mod update;
pub use ranges::Ranges;
pub use update::{Collision, Updated};

/// An artifact mentioned by more incidents than this is too common to relate them
/// (a scanner's address, a public resolver): it still gets its page, but pairing all
/// of its incidents would cost the square of their number.
pub const MAX_FANOUT: usize = 200;
/// Related incidents kept per incident, besides explicit relations and references.
pub const MAX_RELATED: usize = 10;
/// Weight of an explicit `relations:` entry (either way) in the ranking.
pub const RELATION_WEIGHT: u32 = 3;
/// Weight of a reference by id in a text (either way) in the ranking.
pub const MENTION_WEIGHT: u32 = 2;

/// What the caller knows of one incident.
#[derive(Debug, Clone, Copy, Default)]
pub struct Links<'a> {
    /// Its artifacts, without duplicates.
    pub artifacts: &'a [Artifact],
    /// Positions of the incidents its `relations:` name.
    pub relations: &'a [u32],
    /// Positions of the incidents its texts name by id.
    pub mentions: &'a [u32],
}

/// One artifact and the incidents that mention it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    pub artifact: Artifact,
    /// Incident positions, ascending.
    pub incidents: Incidents,
}

/// The incident positions of an artifact: up to four kept inline, in the space a
/// `Vec` takes. Most artifacts have one incident (the synthetic 100k site mentions
/// 1.1 million values 1.4 million times), and a list of their own for each was a
/// million small allocations to make, save, read back and free.
pub type Incidents = smallvec::SmallVec<[u32; 4]>;

/// Why another incident is related to one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Related {
    pub incident: u32,
    /// Artifacts both mention, and pairs of a range one names and an address in it
    /// the other names (artifacts of more than [`MAX_FANOUT`] incidents are not
    /// counted).
    pub shared: u32,
    /// One names the other in `relations:`.
    pub explicit: bool,
    /// One names the other's id in its texts.
    pub mentioned: bool,
}

impl Related {
    /// The ranking score: shared artifacts, plus weights for relations and references.
    pub fn score(&self) -> u32 {
        self.shared
            + if self.explicit { RELATION_WEIGHT } else { 0 }
            + if self.mentioned { MENTION_WEIGHT } else { 0 }
    }
}

/// Artifacts with their incidents, and related incidents per incident.
#[derive(Debug, Clone, Default)]
pub struct Correlation {
    /// Every distinct artifact, in order of first mention.
    pub shared: Vec<Shared>,
    /// Per incident: positions in `shared` of its artifacts, in the order of its
    /// list (each artifact once).
    pub of_incident: Vec<Vec<u32>>,
    /// Per incident: related incidents, best first (highest score, then newest, i.e.
    /// highest position). Explicit relations and references are always kept; others
    /// up to [`MAX_RELATED`] in all.
    pub related: Vec<Vec<Related>>,
    /// Networks and the addresses in them, linked (derived from `shared`).
    pub ranges: Ranges,
    /// Artifact numbers by hash, made by [`Correlation::prepare_updates`] or the first
    /// [`Correlation::update`], and kept up to date by the next ones.
    numbers: Option<update::Numbers>,
}

impl Correlation {
    /// Correlates incidents `0..links.len()`.
    pub fn build(links: &[Links<'_>]) -> Correlation {
        let started = std::time::Instant::now();
        let (shared, of_incident) = number_artifacts(links);
        tracing::debug!(
            "correlation: {} artifacts numbered in {:.2?}",
            shared.len(),
            started.elapsed()
        );
        let (explicit, mentioned) = both_ways(links);
        let ranges = Ranges::of(&shared);
        let related = (0..links.len())
            .into_par_iter()
            .map(|i| {
                rank(
                    i as u32,
                    &of_incident[i],
                    (&shared, &ranges),
                    &explicit[i],
                    &mentioned[i],
                )
            })
            .collect();
        Correlation {
            shared,
            of_incident,
            related,
            ranges,
            numbers: None,
        }
    }
}

impl Correlation {
    /// The correlation [`Correlation::build`] made of `links`, from what it found
    /// (as a build cache keeps it): its artifacts in order, per artifact its incidents,
    /// per incident its artifacts' numbers and related incidents. None when the parts
    /// do not fit `links` or one another.
    pub fn from_parts(
        links: &[Links<'_>],
        shared: Vec<Shared>,
        of_incident: Vec<Vec<u32>>,
        related: Vec<Vec<Related>>,
    ) -> Option<Correlation> {
        let fits = related.len() == links.len()
            && numbers_fit(&of_incident, links.iter().map(|l| l.artifacts))
            && of_incident
                .iter()
                .flatten()
                .all(|&n| (n as usize) < shared.len());
        if !fits {
            return None;
        }
        Some(Correlation {
            ranges: Ranges::of(&shared),
            shared,
            of_incident,
            related,
            numbers: None,
        })
    }
}

/// True when `of_incident` numbers the artifacts of each list of `incidents`: one
/// entry per incident, one number per artifact.
pub fn numbers_fit<'a>(
    of_incident: &[Vec<u32>],
    incidents: impl ExactSizeIterator<Item = &'a [Artifact]>,
) -> bool {
    of_incident.len() == incidents.len()
        && incidents
            .zip(of_incident)
            .all(|(artifacts, numbers)| numbers.len() == artifacts.len())
}

/// Per incident: the incidents it names in `relations:` or that name it there, and the
/// same for references by id in texts (relations and references count both ways).
fn both_ways(links: &[Links<'_>]) -> (Vec<Vec<u32>>, Vec<Vec<u32>>) {
    let mut explicit: Vec<Vec<u32>> = vec![Vec::new(); links.len()];
    let mut mentioned: Vec<Vec<u32>> = vec![Vec::new(); links.len()];
    for (i, incident) in links.iter().enumerate() {
        for (lists, targets) in [
            (&mut explicit, incident.relations),
            (&mut mentioned, incident.mentions),
        ] {
            for &j in targets {
                if j as usize != i && (j as usize) < links.len() {
                    lists[i].push(j);
                    lists[j as usize].push(i as u32);
                }
            }
        }
    }
    (explicit, mentioned)
}

/// Mentions per shard: (incident, position in its list, hash of the artifact).
type Mentions = Vec<(u32, u32, u64)>;

/// What one shard of [`number_artifacts`] found.
struct Shard {
    /// Its distinct artifacts, in order of first mention.
    found: Vec<Shared>,
    /// Per artifact of `found`: where it is first mentioned, as a position among all
    /// mentions (for the final order).
    first: Vec<u64>,
    /// Per mention kept (not a repeat within its incident): position among all
    /// mentions, and artifact in `found`.
    kept: Vec<(u64, u32)>,
}

/// Numbers every distinct artifact in order of first mention with the incidents that
/// mention it, and gives each incident the numbers of its artifacts. A large site
/// has millions of mentions: artifacts are split into shards by hash, each shard
/// numbered on its own core with a table small enough to stay in cache, then the
/// shards are merged in order of first mention.
fn number_artifacts(links: &[Links<'_>]) -> (Vec<Shared>, Vec<Vec<u32>>) {
    use std::hash::BuildHasher;
    let state = foldhash::fast::FixedState::default();
    number_artifacts_by(links, |artifact| state.hash_one(artifact))
}

/// [`number_artifacts`] with the 64-bit hash `hash_one` (tests give one that collides).
fn number_artifacts_by(
    links: &[Links<'_>],
    hash_one: impl Fn(&Artifact) -> u64 + Sync,
) -> (Vec<Shared>, Vec<Vec<u32>>) {
    use std::collections::hash_map::Entry;
    const SHARDS: usize = 64;
    const CHUNK: usize = 4096;
    // Each artifact is hashed once: the hash picks its shard (from a product, whose
    // top bits depend on all of the hash's) and is its key in the shard's table.
    let shard_of = |hash: u64| (hash.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 58) as usize % SHARDS;
    let mut starts: Vec<u64> = Vec::with_capacity(links.len() + 1);
    let mut total = 0u64;
    for incident in links {
        starts.push(total);
        total += incident.artifacts.len() as u64;
    }
    starts.push(total);

    // Mentions bucketed by shard, chunk by chunk of incidents (in order).
    let buckets: Vec<Vec<Mentions>> = links
        .par_chunks(CHUNK)
        .enumerate()
        .map(|(c, chunk)| {
            let mut bucket: Vec<Mentions> = vec![Vec::new(); SHARDS];
            for (offset, incident) in chunk.iter().enumerate() {
                let i = (c * CHUNK + offset) as u32;
                for (k, artifact) in incident.artifacts.iter().enumerate() {
                    let hash = hash_one(artifact);
                    bucket[shard_of(hash)].push((i, k as u32, hash));
                }
            }
            bucket
        })
        .collect();

    let shards: Vec<Shard> = (0..SHARDS)
        .into_par_iter()
        .map(|s| {
            // Sized for every mention at once: growing a table rehashes its keys, and
            // most artifacts of a site are mentioned once.
            let mentions: usize = buckets.iter().map(|bucket| bucket[s].len()).sum();
            let mut shard = Shard {
                found: Vec::with_capacity(mentions),
                first: Vec::with_capacity(mentions),
                kept: Vec::with_capacity(mentions),
            };
            let mut lookup: crate::HashedMap<u32> =
                crate::HashedMap::with_capacity_and_hasher(mentions, Default::default());
            // Artifacts whose hash another one has already (hardly ever any).
            let mut collided: foldhash::HashMap<&Artifact, u32> = Default::default();
            for &(i, k, hash) in buckets.iter().flat_map(|bucket| &bucket[s]) {
                let artifact = &links[i as usize].artifacts[k as usize];
                let position = starts[i as usize] + u64::from(k);
                let found_new = |shard: &mut Shard| {
                    shard.found.push(Shared {
                        artifact: artifact.clone(),
                        incidents: Incidents::new(),
                    });
                    shard.first.push(position);
                    shard.found.len() as u32 - 1
                };
                let at = match lookup.entry(hash) {
                    Entry::Vacant(slot) => *slot.insert(found_new(&mut shard)),
                    Entry::Occupied(slot) => {
                        let at = *slot.get();
                        if shard.found[at as usize].artifact == *artifact {
                            at
                        } else {
                            *collided
                                .entry(artifact)
                                .or_insert_with(|| found_new(&mut shard))
                        }
                    }
                };
                let incidents = &mut shard.found[at as usize].incidents;
                if incidents.last() != Some(&i) {
                    incidents.push(i);
                    shard.kept.push((position, at));
                }
            }
            shard
        })
        .collect();
    drop(buckets);

    // The global order: by first mention.
    let mut order: Vec<(u64, u32, u32)> = shards
        .iter()
        .enumerate()
        .flat_map(|(s, shard)| {
            shard
                .first
                .iter()
                .enumerate()
                .map(move |(at, &first)| (first, s as u32, at as u32))
        })
        .collect();
    order.par_sort_unstable();
    let mut number: Vec<Vec<u32>> = shards.iter().map(|s| vec![0; s.found.len()]).collect();
    for (n, &(_, s, at)) in order.iter().enumerate() {
        number[s as usize][at as usize] = n as u32;
    }
    let mut slots = vec![u32::MAX; total as usize];
    for (s, shard) in shards.iter().enumerate() {
        for &(position, at) in &shard.kept {
            slots[position as usize] = number[s][at as usize];
        }
    }
    let of_incident = (0..links.len())
        .into_par_iter()
        .map(|i| {
            slots[starts[i] as usize..starts[i + 1] as usize]
                .iter()
                .copied()
                .filter(|&n| n != u32::MAX)
                .collect()
        })
        .collect();
    let mut taken: Vec<std::vec::IntoIter<Shared>> =
        shards.into_iter().map(|s| s.found.into_iter()).collect();
    // Each shard's artifacts come out in its own order, which the global one keeps.
    let shared = order
        .iter()
        .map(|&(_, s, _)| taken[s as usize].next().expect("one artifact per entry"))
        .collect();
    (shared, of_incident)
}

/// The incidents related to incident `me`, whose artifacts are `mine`: those that
/// share an artifact with it, or name an artifact linked to one of its own by
/// containment (an address in a range it names, a range holding an address it
/// names), each such artifact counting once; those it names or that name it.
fn rank(
    me: u32,
    mine: &[u32],
    (shared, ranges): (&[Shared], &Ranges),
    explicit: &[u32],
    mentioned: &[u32],
) -> Vec<Related> {
    let mut found: foldhash::HashMap<u32, Related> = foldhash::HashMap::default();
    let mut count = |a: u32| {
        let incidents = &shared[a as usize].incidents;
        if incidents.len() > MAX_FANOUT {
            return;
        }
        for &j in incidents {
            if j != me {
                found.entry(j).or_insert_with(|| blank(j)).shared += 1;
            }
        }
    };
    for &a in mine {
        count(a);
        if !ranges.is_empty() {
            ranges.linked(a).for_each(&mut count);
        }
    }
    for &j in explicit {
        found.entry(j).or_insert_with(|| blank(j)).explicit = true;
    }
    for &j in mentioned {
        found.entry(j).or_insert_with(|| blank(j)).mentioned = true;
    }
    let mut ranked: Vec<Related> = found.into_values().collect();
    ranked.sort_unstable_by(|a, b| b.score().cmp(&a.score()).then(b.incident.cmp(&a.incident)));
    let mut kept = 0;
    ranked.retain(|r| {
        kept += 1;
        r.explicit || r.mentioned || kept <= MAX_RELATED
    });
    // Kept for the whole build, one list per incident: the few kept, not the room
    // that every candidate took.
    ranked.shrink_to_fit();
    ranked
}

fn blank(incident: u32) -> Related {
    Related {
        incident,
        shared: 0,
        explicit: false,
        mentioned: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Kind;

    fn at(c: &Correlation, artifact: &Artifact) -> u32 {
        c.shared
            .iter()
            .position(|s| s.artifact == *artifact)
            .expect("an artifact of the correlation") as u32
    }

    fn a(kind: Kind, value: &str) -> Artifact {
        Artifact {
            kind,
            value: value.into(),
        }
    }

    #[test]
    fn shared_artifacts_relations_and_references_rank_together() {
        let evil = a(Kind::Domain, "evil.com");
        let ip = a(Kind::Ipv4, "185.1.2.3");
        let hash = a(Kind::Md5, &"a".repeat(32));
        let zero = [evil.clone(), ip.clone(), hash.clone()];
        let one = [evil.clone(), ip.clone()];
        let two = [evil.clone()];
        let links = [
            Links {
                artifacts: &zero,
                ..Links::default()
            },
            Links {
                artifacts: &one,
                ..Links::default()
            },
            Links {
                artifacts: &two,
                relations: &[0],
                ..Links::default()
            },
            Links {
                mentions: &[0],
                ..Links::default()
            },
            Links::default(),
        ];
        let c = Correlation::build(&links);
        assert_eq!(c.shared.len(), 3);
        assert_eq!(c.shared[at(&c, &evil) as usize].incidents[..], [0, 1, 2]);
        assert_eq!(c.shared[at(&c, &hash) as usize].incidents[..], [0]);
        assert_eq!(c.of_incident[1], vec![at(&c, &evil), at(&c, &ip)]);
        let order: Vec<(u32, u32)> = c.related[0]
            .iter()
            .map(|r| (r.incident, r.score()))
            .collect();
        // 2: one shared + relation (4); 1: two shared (2); 3: reference (2), older.
        assert_eq!(order, vec![(2, 4), (3, 2), (1, 2)]);
        assert!(c.related[3][0].mentioned && c.related[3][0].incident == 0);
        assert!(c.related[4].is_empty());
        assert!(c.related[2].iter().any(|r| r.incident == 0 && r.explicit));
    }

    #[test]
    fn a_range_and_an_address_in_it_relate_their_incidents() {
        let range = [a(Kind::Network, "194.26.29.0/24")];
        let inside = [a(Kind::Ipv4, "194.26.29.112")];
        let outside = [a(Kind::Ipv4, "194.26.30.1")];
        let both = [range[0].clone(), inside[0].clone()];
        let links: Vec<Links> = [&range[..], &inside, &outside, &both]
            .into_iter()
            .map(|artifacts| Links {
                artifacts,
                ..Links::default()
            })
            .collect();
        let c = Correlation::build(&links);
        let related = |i: usize| -> Vec<(u32, u32)> {
            c.related[i]
                .iter()
                .map(|r| (r.incident, r.shared))
                .collect()
        };
        // 3 names the range and the address: two links to each of 0 and 1.
        assert_eq!(related(0), [(3, 2), (1, 1)]);
        assert_eq!(related(1), [(3, 2), (0, 1)]);
        assert!(related(2).is_empty(), "an address outside the range");
        assert_eq!(related(3), [(1, 2), (0, 2)]);
        // What an artifact's incidents are does not change: only who is related.
        assert_eq!(c.shared[at(&c, &range[0]) as usize].incidents[..], [0, 3]);
    }

    #[test]
    fn common_artifacts_do_not_relate_and_lists_are_capped() {
        let common = [a(Kind::Ipv4, "8.8.8.8")];
        let many: Vec<Links> = (0..MAX_FANOUT + 1)
            .map(|_| Links {
                artifacts: &common,
                ..Links::default()
            })
            .collect();
        let c = Correlation::build(&many);
        assert_eq!(c.shared[0].incidents.len(), MAX_FANOUT + 1);
        assert!(c.related.iter().all(Vec::is_empty));
        let few: Vec<Links> = many[..MAX_RELATED + 5].to_vec();
        let c = Correlation::build(&few);
        assert_eq!(c.related[0].len(), MAX_RELATED);
        // Newest first among equals.
        assert_eq!(c.related[0][0].incident, (MAX_RELATED + 4) as u32);
    }

    /// The numbering done one mention after the other, as a reference.
    fn numbered_in_order(links: &[Links<'_>]) -> (Vec<Shared>, Vec<Vec<u32>>) {
        let mut shared: Vec<Shared> = Vec::new();
        let mut of_incident = Vec::new();
        for (i, incident) in links.iter().enumerate() {
            let mut mine = Vec::new();
            for artifact in incident.artifacts {
                let at = match shared.iter().position(|s| s.artifact == *artifact) {
                    Some(at) => at,
                    None => {
                        shared.push(Shared {
                            artifact: artifact.clone(),
                            incidents: Incidents::new(),
                        });
                        shared.len() - 1
                    }
                };
                if shared[at].incidents.last() != Some(&(i as u32)) {
                    shared[at].incidents.push(i as u32);
                    mine.push(at as u32);
                }
            }
            of_incident.push(mine);
        }
        (shared, of_incident)
    }

    /// One incident as the update tests draw it: artifacts from a small pool (so that
    /// incidents share them), relations and references by position.
    type Drawn = (Vec<u8>, Vec<u32>, Vec<u32>);

    fn drawn() -> impl proptest::strategy::Strategy<Value = Drawn> {
        use proptest::collection::vec;
        (vec(0u8..24, 0..5), vec(0u32..40, 0..2), vec(0u32..40, 0..2))
    }

    /// Correlates `old`, updates it to `old[..keep]` followed by `tail` and checks the
    /// result against building anew. `hot` incidents before them share one artifact,
    /// which the others have where their flag says so: the tail can carry it over or
    /// under [`MAX_FANOUT`].
    fn check_update(old: &[(Drawn, bool)], keep: usize, tail: &[(Drawn, bool)], hot: usize) {
        // Names, and addresses with ranges that hold some of them.
        let pool: Vec<Artifact> = (0..24)
            .map(|n| match n {
                0..14 => a(Kind::Domain, &format!("d{n}.example")),
                14..20 => a(Kind::Ipv4, &format!("185.1.{}.{n}", n % 2)),
                20 => a(Kind::Network, "185.1.0.0/24"),
                21 => a(Kind::Network, "185.1.0.0/16"),
                22 => a(Kind::Ipv6, "2a01:4f8::22"),
                _ => a(Kind::Network, "2a01:4f8::/32"),
            })
            .collect();
        let hot_artifact = a(Kind::Ipv4, "203.0.113.7");
        let hot_prefix = vec![((Vec::new(), Vec::new(), Vec::new()), true); hot];
        let keep = hot + keep.min(old.len());
        let owned = |list: &[&(Drawn, bool)]| -> Vec<(Vec<Artifact>, Vec<u32>, Vec<u32>)> {
            list.iter()
                .map(|((artifacts, relations, mentions), is_hot)| {
                    let mut artifacts: Vec<Artifact> = artifacts
                        .iter()
                        .map(|&n| pool[n as usize].clone())
                        .collect();
                    if *is_hot {
                        artifacts.push(hot_artifact.clone());
                    }
                    (artifacts, relations.clone(), mentions.clone())
                })
                .collect()
        };
        let old_all: Vec<&(Drawn, bool)> = hot_prefix.iter().chain(old).collect();
        let new_all: Vec<&(Drawn, bool)> = old_all[..keep].iter().copied().chain(tail).collect();
        let old_owned = owned(&old_all);
        let new_owned = owned(&new_all);
        fn borrow(owned: &[(Vec<Artifact>, Vec<u32>, Vec<u32>)]) -> Vec<Links<'_>> {
            owned
                .iter()
                .map(|(artifacts, relations, mentions)| Links {
                    artifacts,
                    relations,
                    mentions,
                })
                .collect()
        }
        // With the table of every artifact's number (the intake server's), and without
        // it: the few artifacts of a small tail are then looked up one by one.
        for prepared in [true, false] {
            let mut updated = Correlation::build(&borrow(&old_owned));
            if prepared {
                updated.prepare_updates();
            }
            let before = updated.shared.clone();
            let ranges_before = updated.ranges.clone();
            let changed = updated
                .update(&borrow(&new_owned), keep)
                .expect("no collision")
                .artifacts;
            assert_eq!(updated.numbers.is_some(), prepared);
            assert!(changed.is_sorted(), "{changed:?}");
            // An artifact not said to have changed is the one it was, with the
            // incidents it had, all before `keep`.
            for (a, shared) in updated.shared.iter().enumerate() {
                if changed.binary_search(&(a as u32)).is_err() {
                    assert_eq!(Some(shared), before.get(a), "artifact {a}");
                    assert!(shared.incidents.iter().all(|&i| (i as usize) < keep));
                    let linked = |r: &Ranges| r.linked(a as u32).collect::<Vec<_>>();
                    assert_eq!(linked(&updated.ranges), linked(&ranges_before), "{a}");
                }
            }
            let expected = Correlation::build(&borrow(&new_owned));
            assert_eq!(updated.shared, expected.shared);
            assert_eq!(updated.of_incident, expected.of_incident);
            assert_eq!(updated.related, expected.related);
            assert_eq!(updated.ranges, expected.ranges);
            // Numbers kept by the update serve the next one.
            let again = Correlation::build(&borrow(&old_owned));
            updated
                .update(&borrow(&old_owned), keep)
                .expect("no collision");
            assert_eq!(updated.shared, again.shared);
            assert_eq!(updated.related, again.related);
        }
    }

    proptest::proptest! {
        /// What a build cache keeps of a correlation (no artifact) gives it back, and
        /// parts that do not fit the incidents are refused.
        #[test]
        fn a_correlation_comes_back_from_its_parts(
            drawn in proptest::collection::vec(drawn(), 0..30),
        ) {
            let owned: Vec<(Vec<Artifact>, Vec<u32>, Vec<u32>)> = drawn
                .iter()
                .map(|(artifacts, relations, mentions)| {
                    let mut artifacts: Vec<Artifact> = artifacts
                        .iter()
                        .map(|&n| a(Kind::Domain, &format!("d{n}.example")))
                        .collect();
                    artifacts.sort_unstable();
                    artifacts.dedup();
                    (artifacts, relations.clone(), mentions.clone())
                })
                .collect();
            let links: Vec<Links<'_>> = owned
                .iter()
                .map(|(artifacts, relations, mentions)| Links {
                    artifacts,
                    relations,
                    mentions,
                })
                .collect();
            let built = Correlation::build(&links);
            let parts = || {
                (built.shared.clone(), built.of_incident.clone(), built.related.clone())
            };
            let (shared, of_incident, related) = parts();
            let back = Correlation::from_parts(&links, shared, of_incident, related)
                .expect("the parts fit");
            proptest::prop_assert_eq!(&back.shared, &built.shared);
            proptest::prop_assert_eq!(&back.of_incident, &built.of_incident);
            proptest::prop_assert_eq!(&back.related, &built.related);
            if let Some(last) = links.len().checked_sub(1) {
                let (shared, of_incident, related) = parts();
                proptest::prop_assert!(
                    Correlation::from_parts(&links[..last], shared, of_incident, related).is_none()
                );
            }
        }
    }

    #[test]
    fn an_update_carries_a_common_artifact_over_and_under_the_fanout() {
        let plain = ((vec![1], vec![], vec![]), false);
        let hot = ((vec![1], vec![], vec![]), true);
        // MAX_FANOUT - 1 incidents share the hot artifact; the tail adds two more.
        let over = [hot.clone(), hot.clone()];
        check_update(std::slice::from_ref(&plain), 1, &over, MAX_FANOUT - 1);
        // MAX_FANOUT + 1 share it; with the tail, MAX_FANOUT do.
        check_update(&over, 1, &[plain], MAX_FANOUT - 1);
    }

    proptest::proptest! {
        /// Sharded numbering gives what numbering in order gives, repeats within an
        /// incident included; across chunk boundaries too (5,000 incidents).
        #[test]
        fn sharded_numbering_equals_numbering_in_order(
            lists in proptest::collection::vec(proptest::collection::vec(0u16..300, 0..6), 0..40),
            spread in 1usize..150,
        ) {
            let artifacts: Vec<Vec<Artifact>> = lists
                .iter()
                .map(|l| l.iter().map(|n| a(Kind::Domain, &format!("d{n}.example"))).collect())
                .collect();
            // Many empty incidents between the listed ones, to cross chunks.
            let mut links = Vec::new();
            for list in &artifacts {
                links.push(Links { artifacts: list, ..Links::default() });
                links.extend(std::iter::repeat_n(Links::default(), spread));
            }
            let (expected_shared, expected_of_incident) = numbered_in_order(&links);
            let (shared, of_incident) = number_artifacts(&links);
            proptest::prop_assert_eq!(&shared, &expected_shared);
            proptest::prop_assert_eq!(&of_incident, &expected_of_incident);
            // A hash that collides often (the value's length): the same numbers.
            let (shared, of_incident) =
                number_artifacts_by(&links, |artifact| artifact.value.len() as u64);
            proptest::prop_assert_eq!(shared, expected_shared);
            proptest::prop_assert_eq!(of_incident, expected_of_incident);
        }

        /// An update after any change from some position on gives what building the
        /// correlation anew gives.
        #[test]
        fn an_update_equals_building_anew(
            old in proptest::collection::vec(drawn(), 0..30),
            keep in 0usize..32,
            tail in proptest::collection::vec(drawn(), 0..8),
        ) {
            let flagged = |list: &[Drawn]| list.iter().map(|d| (d.clone(), false)).collect::<Vec<_>>();
            check_update(&flagged(&old), keep, &flagged(&tail), 0);
        }
    }
}
