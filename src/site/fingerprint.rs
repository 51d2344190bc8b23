//! The hash behind every page fingerprint (same fingerprint, same bytes: the page is
//! not rendered again). Hashed for every page of the site on every build, so it must
//! be fast; kept in the build cache, so it must not change from run to run.

use std::hash::{BuildHasher, Hash, Hasher};

use super::Summary;

/// What fingerprints are hashed with.
pub type Fingerprinter = foldhash::quality::FoldHasher<'static>;

/// A new fingerprint hasher, always seeded alike.
pub fn hasher() -> Fingerprinter {
    foldhash::quality::FixedState::with_seed(0xf12e_5173_0000_0001).build_hasher()
}

/// The fingerprint of one value.
pub fn of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = hasher();
    value.hash(&mut h);
    h.finish()
}

/// [`Summary::fingerprint`] and [`Summary::artifacts_fingerprint`] of each summary,
/// in order. Kept with the summaries from build to build, so that a rebuild hashes
/// only those that changed rather than a hundred thousand at 100k incidents.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fingerprints {
    pub rows: Vec<u64>,
    pub artifacts: Vec<u64>,
}

impl Fingerprints {
    /// Those of `summaries`, of which the first `kept` are those that `known` was
    /// made for (the last build's, unchanged): taken from it, the others hashed.
    pub fn of(summaries: &[Summary], known: &Fingerprints, kept: usize) -> Fingerprints {
        use rayon::prelude::*;
        let kept = if known.rows.len() >= kept && known.artifacts.len() >= kept {
            kept
        } else {
            0
        };
        let (rows, artifacts): (Vec<u64>, Vec<u64>) = summaries[kept..]
            .par_iter()
            .map(|s| (s.fingerprint(), s.artifacts_fingerprint()))
            .unzip();
        let joined = |known: &[u64], new: Vec<u64>| {
            let mut all = Vec::with_capacity(kept + new.len());
            all.extend_from_slice(&known[..kept]);
            all.extend(new);
            all
        };
        Fingerprints {
            rows: joined(&known.rows, rows),
            artifacts: joined(&known.artifacts, artifacts),
        }
    }

    /// Whether there is one of each for each of `summaries`.
    pub fn fit(&self, summaries: &[Summary]) -> bool {
        self.rows.len() == summaries.len() && self.artifacts.len() == summaries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kept_summaries_keep_their_known_fingerprints_and_the_others_are_hashed() {
        let summaries: Vec<Summary> = (0..3u8)
            .map(|n| {
                let drawn = (0, 0, 0, 0, vec![n], Vec::new(), Vec::new());
                super::super::index::update::tests::summary(format!("S{n}"), n.into(), &drawn)
            })
            .collect();
        let hashed = Fingerprints::of(&summaries, &Fingerprints::default(), 0);
        assert_eq!(hashed.rows[2], summaries[2].fingerprint());
        // Known values, not those of these summaries: taken as they are for the kept.
        let known = Fingerprints {
            rows: vec![7, 8, 9],
            artifacts: vec![1, 2, 3],
        };
        let reused = Fingerprints::of(&summaries, &known, 2);
        assert_eq!(reused.rows, [7, 8, hashed.rows[2]]);
        assert_eq!(reused.artifacts, [1, 2, hashed.artifacts[2]]);
        // Too few known for what is kept: all hashed.
        let short = Fingerprints {
            rows: vec![7],
            artifacts: vec![1],
        };
        assert_eq!(Fingerprints::of(&summaries, &short, 2), hashed);
    }
}
