//! The sorted summaries of an incremental build, made from the last build's in place:
//! on a large site they are a hundred thousand, and a copy of them took longer than
//! the rest of an intake rebuild's index work.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::path::PathBuf;

use super::{Summary, index};

/// The last build's summaries with the changed ones taken out and the fresh ones in.
#[derive(Debug)]
pub struct Merged {
    /// Sorted: the order every index position refers to.
    pub summaries: Vec<Summary>,
    /// The first `keep` summaries are the last build's first `keep`, unchanged.
    pub keep: usize,
    /// The last build's summaries from `keep` on, as they were.
    pub was_tail: Vec<Summary>,
}

impl Merged {
    /// Takes the last build's summaries `was` (sorted), leaving them empty: those whose
    /// files are `touched` go, `fresh` ones come. Only the part from the first change
    /// on is copied and sorted.
    pub fn new(was: &mut Vec<Summary>, touched: &HashSet<PathBuf>, fresh: Vec<Summary>) -> Merged {
        // Looked up once per summary: by the path's bytes (as the build cache's keys
        // are), not by `Path`'s hash, which parses every path into components.
        let touched: foldhash::HashSet<&OsStr> = touched.iter().map(|p| p.as_os_str()).collect();
        let first_touched = was
            .iter()
            .position(|s| touched.contains(s.path.as_os_str()))
            .unwrap_or(was.len());
        let first_fresh = fresh
            .iter()
            .map(|f| was.partition_point(|s| s.sort_key() < f.sort_key()))
            .min()
            .unwrap_or(was.len());
        let keep = first_touched.min(first_fresh);
        let mut summaries = std::mem::take(was);
        let was_tail = summaries.split_off(keep);
        summaries.extend(
            was_tail
                .iter()
                .filter(|s| !touched.contains(s.path.as_os_str()))
                .cloned(),
        );
        summaries.extend(fresh);
        index::sort(&mut summaries[keep..]);
        Merged {
            summaries,
            keep,
            was_tail,
        }
    }

    /// How many summaries the last build had.
    pub fn was_len(&self) -> usize {
        self.keep + self.was_tail.len()
    }

    /// The last build's summary at position `i`.
    pub fn was(&self, i: usize) -> &Summary {
        match i.checked_sub(self.keep) {
            Some(k) => &self.was_tail[k],
            None => &self.summaries[i],
        }
    }

    /// The summaries that changed in place, with their positions and as they were,
    /// when no incident came, went or moved (an incident edited without a change of
    /// date, say: closed); None otherwise.
    pub fn edited_in_place(&self) -> Option<Vec<(usize, &Summary)>> {
        if self.summaries.len() != self.was_len() {
            return None;
        }
        let mut edited = Vec::new();
        for (k, was) in self.was_tail.iter().enumerate() {
            let now = &self.summaries[self.keep + k];
            if now.id != was.id {
                return None;
            }
            if now != was {
                edited.push((self.keep + k, was));
            }
        }
        Some(edited)
    }

    /// Puts the last build's summaries back into `was`, as they were.
    pub fn restore(self, was: &mut Vec<Summary>) {
        let mut summaries = self.summaries;
        summaries.truncate(self.keep);
        summaries.extend(self.was_tail);
        *was = summaries;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::index::update::tests::{Drawn, drawn, summary};

    proptest::proptest! {
        /// The merge is what sorting the kept and fresh summaries gives, keeps what it
        /// says it keeps, and puts the last build's summaries back as they were.
        #[test]
        fn a_merge_sorts_like_a_full_sort_and_restores(
            old in proptest::collection::vec(drawn(), 0..30),
            touched_at in proptest::collection::vec(0usize..30, 0..4),
            fresh in proptest::collection::vec(drawn(), 0..5),
        ) {
            // Summaries named `{prefix}{n}`, each in a file of its own.
            let named = |prefix: &str, drawn: &[Drawn]| -> Vec<Summary> {
                drawn
                    .iter()
                    .enumerate()
                    .map(|(n, d)| {
                        let mut s = summary(format!("{prefix}{n}"), 1_600_000_000, d);
                        s.path = format!("{prefix}{n}.md").into();
                        s
                    })
                    .collect()
            };
            let mut was = named("A", &old);
            index::sort(&mut was);
            let original = was.clone();
            let touched: HashSet<PathBuf> = touched_at
                .iter()
                .filter(|&&i| i < was.len())
                .map(|&i| was[i].path.clone())
                .collect();
            let fresh = named("B", &fresh);
            let mut expected: Vec<Summary> = original
                .iter()
                .filter(|s| !touched.contains(&s.path))
                .cloned()
                .chain(fresh.iter().cloned())
                .collect();
            index::sort(&mut expected);
            let merged = Merged::new(&mut was, &touched, fresh);
            proptest::prop_assert!(was.is_empty());
            proptest::prop_assert_eq!(&merged.summaries, &expected);
            proptest::prop_assert_eq!(&merged.summaries[..merged.keep], &original[..merged.keep]);
            proptest::prop_assert_eq!(merged.was_len(), original.len());
            for (i, s) in original.iter().enumerate() {
                proptest::prop_assert_eq!(merged.was(i), s);
            }
            merged.restore(&mut was);
            proptest::prop_assert_eq!(was, original);
        }
    }
}
