//! The map of output files: every file of the site and the fingerprint of the job that
//! made it. At 100k incidents it holds about 290,000 paths, read from the build cache
//! and looked up once each by every incremental build: as one text of all the paths
//! and a table of entries into it, reading it makes three allocations rather than one
//! per path (a string each, and a map of them, took about a tenth of a second then).

use std::hash::BuildHasher;

/// Output paths (relative to the output, `/`-separated) and their jobs' fingerprints.
#[derive(Clone, Default)]
pub struct PageMap {
    /// Every path, one after the other (those removed stay until the map is saved).
    text: String,
    /// In the order they were first added.
    entries: Vec<Entry>,
    /// Positions in `entries` of the paths in the map, by their hash.
    table: hashbrown::HashTable<u32>,
}

#[derive(Clone, Copy)]
struct Entry {
    start: usize,
    len: u32,
    /// Still in the map.
    live: bool,
    fingerprint: u64,
    hash: u64,
}

/// The hash of a path in the table: fixed, so that it is the same in every process.
fn hash(path: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0x6669_725f_7061_6765).hash_one(path)
}

impl PageMap {
    /// How many paths the map holds.
    pub fn len(&self) -> usize {
        self.table.len()
    }

    /// True when the map holds no path.
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The fingerprint of `path`, if the map holds it.
    pub fn get(&self, path: &str) -> Option<u64> {
        self.position(path, hash(path))
            .map(|at| self.entries[at].fingerprint)
    }

    /// Each path and its fingerprint, in the order the paths were first added.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.entries
            .iter()
            .filter(|e| e.live)
            .map(|e| (self.path(e), e.fingerprint))
    }

    /// Puts `path` in the map with `fingerprint` (in place of the one it had).
    pub fn insert(&mut self, path: &str, fingerprint: u64) {
        let hash = hash(path);
        match self.position(path, hash) {
            Some(at) => self.entries[at].fingerprint = fingerprint,
            None => {
                let start = self.text.len();
                self.text.push_str(path);
                self.push(start, path.len(), fingerprint, hash);
            }
        }
    }

    /// Takes `path` out of the map.
    pub fn remove(&mut self, path: &str) {
        let hash = hash(path);
        let Some(at) = self.position(path, hash) else {
            return;
        };
        if let Ok(found) = self.table.find_entry(hash, |&other| other as usize == at) {
            found.remove();
        }
        self.entries[at].live = false;
    }

    /// The map of paths given as one `text` of them back to back, their `lengths` in
    /// bytes and their `fingerprints` (a later entry of a path wins), or `None` when
    /// these do not fit together.
    pub(super) fn from_columns(
        text: String,
        lengths: &[u32],
        fingerprints: &[u64],
    ) -> Option<PageMap> {
        if lengths.len() != fingerprints.len() {
            return None;
        }
        let mut map = PageMap {
            text,
            entries: Vec::with_capacity(lengths.len()),
            table: hashbrown::HashTable::with_capacity(lengths.len()),
        };
        let mut start = 0;
        for (&len, &fingerprint) in lengths.iter().zip(fingerprints) {
            let end = start + len as usize;
            // Within the text, on character boundaries.
            let path = map.text.get(start..end)?;
            let hash = hash(path);
            match map.position(path, hash) {
                Some(at) => map.entries[at].fingerprint = fingerprint,
                None => map.push(start, len as usize, fingerprint, hash),
            }
            start = end;
        }
        (start == map.text.len()).then_some(map)
    }

    fn push(&mut self, start: usize, len: usize, fingerprint: u64, hash: u64) {
        let at = self.entries.len() as u32;
        self.entries.push(Entry {
            start,
            len: len as u32,
            live: true,
            fingerprint,
            hash,
        });
        let entries = &self.entries;
        self.table
            .insert_unique(hash, at, |&at| entries[at as usize].hash);
    }

    fn position(&self, path: &str, hash: u64) -> Option<usize> {
        self.table
            .find(hash, |&at| self.path(&self.entries[at as usize]) == path)
            .map(|&at| at as usize)
    }

    fn path(&self, entry: &Entry) -> &str {
        &self.text[entry.start..entry.start + entry.len as usize]
    }
}

impl<S: AsRef<str>> Extend<(S, u64)> for PageMap {
    fn extend<I: IntoIterator<Item = (S, u64)>>(&mut self, pages: I) {
        for (path, fingerprint) in pages {
            self.insert(path.as_ref(), fingerprint);
        }
    }
}

impl<S: AsRef<str>> FromIterator<(S, u64)> for PageMap {
    fn from_iter<I: IntoIterator<Item = (S, u64)>>(pages: I) -> PageMap {
        let mut map = PageMap::default();
        map.extend(pages);
        map
    }
}

/// Equal when they hold the same paths with the same fingerprints, in any order.
impl PartialEq for PageMap {
    fn eq(&self, other: &PageMap) -> bool {
        self.len() == other.len() && self.iter().all(|(path, f)| other.get(path) == Some(f))
    }
}

impl Eq for PageMap {}

impl std::fmt::Debug for PageMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_found_replaced_and_removed() {
        let mut map: PageMap = [("a/index.html", 1), ("b/index.html", 2)]
            .into_iter()
            .collect();
        map.insert("a/index.html", 10);
        map.insert("c/index.html", 3);
        map.remove("b/index.html");
        map.remove("never/there.html");
        assert_eq!(map.len(), 2);
        assert_eq!(map.get("a/index.html"), Some(10));
        assert_eq!(map.get("b/index.html"), None);
        assert_eq!(map.get("a/index.htm"), None);
        let listed: Vec<_> = map.iter().collect();
        assert_eq!(listed, [("a/index.html", 10), ("c/index.html", 3)]);
        // Put back after its removal: a new entry, found again.
        map.insert("b/index.html", 20);
        assert_eq!(map.get("b/index.html"), Some(20));
        assert_eq!(map.len(), 3);
    }

    #[test]
    fn columns_give_the_map_with_later_entries_winning() {
        let map =
            PageMap::from_columns("abcabcab".into(), &[1, 2, 1, 2, 2], &[1, 2, 3, 4, 5]).unwrap();
        let expected: PageMap = [("a", 3), ("bc", 4), ("ab", 5)].into_iter().collect();
        assert_eq!(map, expected);
        assert_eq!(
            map.iter().collect::<Vec<_>>(),
            [("a", 3), ("bc", 4), ("ab", 5)]
        );
        // Lengths past the text, short of it, or cutting a character.
        assert!(PageMap::from_columns("abc".into(), &[4], &[1]).is_none());
        assert!(PageMap::from_columns("abc".into(), &[2], &[1]).is_none());
        assert!(PageMap::from_columns("é".into(), &[1, 1], &[1, 2]).is_none());
        assert!(PageMap::from_columns("ab".into(), &[1, 1], &[1]).is_none());
    }

    #[test]
    fn many_paths_stay_apart() {
        let map: PageMap = (0..10_000u64)
            .map(|n| (format!("p/{n}/index.html"), n))
            .collect();
        assert_eq!(map.len(), 10_000);
        assert!((0..10_000u64).all(|n| map.get(&format!("p/{n}/index.html")) == Some(n)));
    }
}
