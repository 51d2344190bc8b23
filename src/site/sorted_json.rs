//! A JSON object written one member per line, members sorted by key
//! (`data/artifacts.json`): written whole by a full build, changed in place by an
//! incremental one. Each changed key is looked up in the published file by bisection
//! over its lines, so changing a few members of a file of a million reads a few
//! kilobytes of it and copies the rest in stretches (by the kernel).
//!
//! ```text
//! {
//! "a": 1,
//! "b": 2
//! }
//! ```

use std::io::{self, Read, Seek, SeekFrom};

use super::framing::OBJECT;
use super::publish::{Piece, Pieces};

/// A member of the new file that differs from the published one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change<K> {
    pub key: K,
    /// Its line (without separator); none when the key is gone.
    pub line: Option<Vec<u8>>,
}

/// How to make the new file from the published `file`, given every member that
/// changed (`changes`, in key order, each key once) and how to read a key from the
/// start of a line (`key_of` gets the line's first bytes, the whole line at most, and
/// says `None` when they do not hold the key yet). None when the file is not such an
/// object (or holds no member): the caller writes the whole file.
pub fn splice<K: Ord>(
    file: &mut (impl Read + Seek),
    changes: &[Change<K>],
    key_of: impl Fn(&[u8]) -> Option<K>,
) -> io::Result<Option<Vec<Piece>>> {
    let Some(mut lines) = Lines::open(file, key_of)? else {
        return Ok(None);
    };
    let mut parts: Vec<Part> = Vec::new();
    // The first byte of the published members not yet placed.
    let mut rest = lines.first;
    for change in changes {
        let Some((at, found)) = lines.lower_bound(&change.key)? else {
            return Ok(None);
        };
        if at < rest {
            // Keys out of order, or the file's members are.
            return Ok(None);
        }
        if at > rest {
            parts.push(Part::Kept(rest, at));
        }
        if let Some(line) = &change.line {
            parts.push(Part::New(line));
        }
        rest = match found {
            Some(next) => next,
            None => at,
        };
    }
    if lines.end > rest {
        parts.push(Part::Kept(rest, lines.end));
    }
    let mut pieces = Pieces::default();
    pieces.keep(0, OBJECT.open.len() as u64);
    for (n, part) in parts.iter().enumerate() {
        if n > 0 {
            pieces.add(OBJECT.separator);
        }
        match *part {
            // The members from `from` up to `to`, less the separator of the last.
            Part::Kept(from, to) => {
                if to != lines.end && lines.byte(to - 2)? != OBJECT.separator[0] {
                    return Ok(None);
                }
                pieces.keep(from, to - from - 2);
            }
            Part::New(line) => pieces.add(line),
        }
    }
    pieces.add(OBJECT.end(!parts.is_empty()));
    Ok(Some(pieces.finish()))
}

/// A part of the new file: published members (from the start of one to the start of
/// the one after the last), or a new line.
enum Part<'l> {
    Kept(u64, u64),
    New(&'l [u8]),
}

/// The published file's members, read where they are needed.
///
/// Positions are where a member's line starts; every member is taken to be followed
/// by two bytes (`,\n`, or `\n}` for the last), so that `end`, one past the last
/// member's, is where a member after it would start.
struct Lines<'f, F, K> {
    file: &'f mut F,
    key_of: K,
    /// Where the first member starts.
    first: u64,
    /// Where a member after the last would start.
    end: u64,
    buffer: Vec<u8>,
}

/// Bytes read at a time when looking for a line's start or key.
const WINDOW: usize = 512;

impl<'f, F: Read + Seek, K> Lines<'f, F, K> {
    fn open(file: &'f mut F, key_of: K) -> io::Result<Option<Self>> {
        let len = file.seek(SeekFrom::End(0))?;
        let mut lines = Lines {
            file,
            key_of,
            first: OBJECT.open.len() as u64,
            end: len.saturating_sub(1),
            buffer: Vec::new(),
        };
        let shortest = (OBJECT.open.len() + 1 + OBJECT.close.len()) as u64;
        if len < shortest
            || lines.read(0, OBJECT.open.len())? != OBJECT.open
            || lines.read(len - OBJECT.close.len() as u64, OBJECT.close.len())? != OBJECT.close
        {
            return Ok(None);
        }
        Ok(Some(lines))
    }

    /// Up to `len` bytes from `at`, into `buffer`.
    fn fill(&mut self, at: u64, len: usize) -> io::Result<()> {
        self.file.seek(SeekFrom::Start(at))?;
        self.buffer.clear();
        self.file
            .by_ref()
            .take(len as u64)
            .read_to_end(&mut self.buffer)?;
        Ok(())
    }

    /// Up to `len` bytes from `at`.
    fn read(&mut self, at: u64, len: usize) -> io::Result<&[u8]> {
        self.fill(at, len)?;
        Ok(&self.buffer)
    }

    fn byte(&mut self, at: u64) -> io::Result<u8> {
        Ok(self.read(at, 1)?.first().copied().unwrap_or(0))
    }

    /// Where the first member starting at `at` or after starts (`end` if none does).
    fn next_start(&mut self, at: u64) -> io::Result<u64> {
        if at <= self.first {
            return Ok(self.first);
        }
        // A member starts after a `\n`; the `\n` of `\n}` starts no member.
        let mut from = at - 1;
        while from < self.end {
            let chunk = self.read(from, WINDOW)?;
            if chunk.is_empty() {
                break;
            }
            if let Some(n) = chunk.iter().position(|&b| b == b'\n') {
                let start = from + n as u64 + 1;
                return Ok(if start + 1 >= self.end {
                    self.end
                } else {
                    start
                });
            }
            from += chunk.len() as u64;
        }
        Ok(self.end)
    }
}

impl<F: Read + Seek, K: Fn(&[u8]) -> Option<T>, T: Ord> Lines<'_, F, K> {
    /// The key of the member starting at `at`: from its first bytes, or more of its
    /// line if they do not hold it. None when not even its whole line does.
    fn key_at(&mut self, at: u64) -> io::Result<Option<T>> {
        let mut len = WINDOW;
        loop {
            self.fill(at, len)?;
            let bytes = &self.buffer;
            let line = match bytes.iter().position(|&b| b == b'\n') {
                Some(n) => &bytes[..n],
                None => bytes,
            };
            let whole = line.len() < bytes.len() || bytes.len() < len;
            if let Some(key) = (self.key_of)(line) {
                return Ok(Some(key));
            }
            if whole {
                return Ok(None);
            }
            len *= 4;
        }
    }

    /// Where the first member whose key is not below `key` starts (`end` if there is
    /// none), and, if its key is `key`, where the member after it starts. None when a
    /// line holds no key.
    fn lower_bound(&mut self, key: &T) -> io::Result<Option<(u64, Option<u64>)>> {
        // Every member starting before `low` is below `key`; the answer is `found` or
        // a member starting in `low..high`.
        let (mut low, mut high, mut found) = (self.first, self.end, self.end);
        while low < high {
            let middle = low + (high - low) / 2;
            let start = self.next_start(middle)?;
            if start >= high {
                high = middle;
                continue;
            }
            let Some(at) = self.key_at(start)? else {
                return Ok(None);
            };
            if at < *key {
                low = start + 1;
            } else {
                found = start;
                high = middle;
            }
        }
        if found == self.end {
            return Ok(Some((found, None)));
        }
        let Some(at) = self.key_at(found)? else {
            return Ok(None);
        };
        let next = if at == *key {
            Some(self.next_start(found + 1)?)
        } else {
            None
        };
        Ok(Some((found, next)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::site::publish::apply;
    use proptest::prelude::*;

    fn member(key: u32, text_len: usize) -> Vec<u8> {
        format!("\"k{key:05}\": \"{}\"", "x".repeat(text_len)).into_bytes()
    }

    fn key_of(line: &[u8]) -> Option<u32> {
        let digits = line.strip_prefix(b"\"k")?.get(..5)?;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }

    /// A key read only from a whole line (its separator included): long lines take
    /// several reads.
    fn key_of_whole_line(line: &[u8]) -> Option<u32> {
        let whole = line.ends_with(b"\"") || line.ends_with(b"\",");
        whole.then(|| key_of(line)).flatten()
    }

    fn file_of(members: &std::collections::BTreeMap<u32, Vec<u8>>) -> Vec<u8> {
        OBJECT.whole(members.values().map(Vec::as_slice))
    }

    proptest! {
        /// Whatever members stay, change, go or come (the whole file among them), the
        /// spliced file is the whole new file.
        #[test]
        fn a_spliced_object_is_the_whole_new_object(
            old in proptest::collection::btree_map(0u32..400, 0usize..1500, 1..60),
            edits in proptest::collection::btree_map(0u32..400, proptest::option::of(0usize..1500), 0..12),
        ) {
            let old: std::collections::BTreeMap<u32, Vec<u8>> =
                old.into_iter().map(|(k, len)| (k, member(k, len))).collect();
            let published = file_of(&old);
            let mut new = old.clone();
            let mut changes = Vec::new();
            for (&key, &len) in &edits {
                let line = len.map(|len| member(key, len + 1));
                match &line {
                    Some(line) => new.insert(key, line.clone()),
                    None => new.remove(&key),
                };
                changes.push(Change { key, line });
            }
            let pieces = splice(&mut io::Cursor::new(&published), &changes, key_of_whole_line)
                .unwrap()
                .expect("a well-formed file is spliced");
            prop_assert_eq!(
                String::from_utf8(apply(&published, &pieces)).unwrap(),
                String::from_utf8(file_of(&new)).unwrap()
            );
        }
    }

    /// One member changed among 5,000: the rest is kept in two stretches.
    #[test]
    fn one_changed_member_keeps_the_rest() {
        let old: std::collections::BTreeMap<u32, Vec<u8>> =
            (0..5000).map(|k| (k, member(k, 40))).collect();
        let published = file_of(&old);
        let changes = [Change {
            key: 2500,
            line: Some(member(2500, 3)),
        }];
        let pieces = splice(&mut io::Cursor::new(&published), &changes, key_of)
            .unwrap()
            .unwrap();
        let mut new = old.clone();
        new.insert(2500, member(2500, 3));
        assert_eq!(apply(&published, &pieces), file_of(&new));
        assert_eq!(pieces.len(), 4, "{pieces:?}");
    }

    /// What is not such an object is not spliced: the caller writes it whole.
    #[test]
    fn other_files_are_not_spliced() {
        let changes = [Change {
            key: 1,
            line: Some(member(1, 1)),
        }];
        for file in [
            &b""[..],
            b"{\n}\n",
            b"[\n\"k00001\": 1\n]\n",
            b"{\n\"x\": 1\n}\n",
        ] {
            let pieces = splice(&mut io::Cursor::new(file), &changes, key_of).unwrap();
            assert_eq!(pieces, None, "{:?}", String::from_utf8_lossy(file));
        }
        assert_eq!(OBJECT.whole([]), b"{\n}\n");
    }
}
