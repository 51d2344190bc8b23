//! Inverting documents: every key of every document (its words, word pairs for
//! phrases, term field values, one key per column value) with the documents that
//! have it. Each run of documents fills a table of its own on its own core; the runs
//! are then merged in document order, so that every key's documents come out sorted.

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;

use rayon::prelude::*;

use super::{Column, Document, Postings, Term};
use crate::HashedMap;
use crate::search::text;

/// Keys are hashed once, then handled as numbers: eight bytes at a time, each block
/// mixed in, the length in the seed. The mix is a bijection, so keys of up to eight
/// bytes without a NUL byte (most words) never collide.
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = 0x9e37_79b9_7f4a_7c15 ^ bytes.len() as u64;
    let mut blocks = bytes.chunks_exact(8);
    for block in &mut blocks {
        h = mix(h ^ u64::from_le_bytes(block.try_into().expect("eight bytes")));
    }
    let tail = blocks.remainder();
    if !tail.is_empty() || bytes.is_empty() {
        h = mix(h ^ tail_block(tail));
    }
    h
}

/// The last 0–7 bytes of a key as a little-endian number, zero-padded. Read by two
/// overlapping loads rather than copied into a padded block: the copy was a call to
/// `memcpy` and a stalled load for most words (they are shorter than eight bytes).
fn tail_block(tail: &[u8]) -> u64 {
    let len = tail.len();
    let byte = |i: usize| u64::from(tail[i]) << (8 * i);
    match len {
        0 => 0,
        1..=3 => byte(0) | byte(len / 2) | byte(len - 1),
        _ => {
            let word = |at: usize| {
                u64::from(u32::from_le_bytes(
                    tail[at..at + 4].try_into().expect("four bytes"),
                ))
            };
            // Bytes read by both loads land on the same bits.
            word(0) | word(len - 4) << (8 * (len - 4))
        }
    }
}

fn mix(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn pair_hash(first: u64, second: u64) -> u64 {
    mix(first.rotate_left(21) ^ second ^ 0x9e37_79b9_7f4a_7c15)
}

/// The name of a hashed key: a term (a range of a text), or a pair of terms (for
/// phrases) by the numbers of those terms' keys in the same table (the document's,
/// then the run's), named after its terms once all are known. A pair is always met
/// after both its terms, so their numbers are known before its own.
#[derive(Debug, Clone, Copy)]
enum Name {
    Text(u32, u32),
    Pair(u32, u32),
}

/// A key of the current document: its hash, its name (a range of the document's
/// scratch text, or a pair), whether it is in the title.
#[derive(Debug, Clone, Copy)]
struct Seen {
    hash: u64,
    name: Name,
    title: bool,
}

/// The distinct keys of one document, in the order first met. Every term of every
/// text is looked up here, so it is a table of its own rather than a general map:
/// open addressing on the keys' hashes (mixed already), small slots, and emptied
/// between documents by a new stamp instead of by clearing.
#[derive(Debug)]
struct DocKeys {
    slots: Vec<DocSlot>,
    /// Slots of another stamp are free.
    stamp: u32,
    keys: Vec<Seen>,
}

#[derive(Debug, Clone, Copy, Default)]
struct DocSlot {
    hash: u64,
    stamp: u32,
    key: u32,
}

impl Default for DocKeys {
    fn default() -> DocKeys {
        DocKeys {
            slots: vec![DocSlot::default(); 4096],
            stamp: 1,
            keys: Vec::new(),
        }
    }
}

impl DocKeys {
    /// Empties the table for the next document.
    fn clear(&mut self) {
        self.keys.clear();
        self.stamp = self.stamp.wrapping_add(1);
        if self.stamp == 0 {
            self.slots.fill(DocSlot::default());
            self.stamp = 1;
        }
    }

    /// The number of the key of hash `hash`, added (named by `name`) if the document
    /// had no such key.
    // Inlined: it runs for every word and word pair of every text, and the call cost
    // about as much as the lookup.
    #[inline(always)]
    fn get_or_add(&mut self, hash: u64, name: impl FnOnce() -> Name) -> u32 {
        if 2 * (self.keys.len() + 1) > self.slots.len() {
            self.grow();
        }
        let at = self.slot_of(hash);
        let slot = &mut self.slots[at];
        if slot.stamp == self.stamp {
            return slot.key;
        }
        let key = self.keys.len() as u32;
        *slot = DocSlot {
            hash,
            stamp: self.stamp,
            key,
        };
        self.keys.push(Seen {
            hash,
            name: name(),
            title: false,
        });
        key
    }

    /// The slot of the key `hash`, or the free slot where it goes. The hashes are
    /// mixed: their low bits spread as well as any.
    fn slot_of(&self, hash: u64) -> usize {
        let mask = self.slots.len() - 1;
        let mut at = hash as usize & mask;
        while self.slots[at].stamp == self.stamp && self.slots[at].hash != hash {
            at = (at + 1) & mask;
        }
        at
    }

    /// Twice the slots, the document's keys placed again.
    fn grow(&mut self) {
        self.slots = vec![DocSlot::default(); 2 * self.slots.len()];
        self.stamp = 1;
        for (key, seen) in self.keys.iter().enumerate() {
            let at = self.slot_of(seen.hash);
            self.slots[at] = DocSlot {
                hash: seen.hash,
                stamp: self.stamp,
                key: key as u32,
            };
        }
    }
}

/// Scratch space reused from document to document.
#[derive(Debug, Default)]
struct Scratch {
    seen: DocKeys,
    text: String,
    /// The key of a term field's value, written here rather than allocated.
    key: String,
    /// The run's number of each of the document's keys.
    numbers: Vec<u32>,
}

/// The key of each value of each column, made once: every document has a value in
/// each column, and a column has few values.
type ColumnKeys<'c> = Vec<HashMap<&'c str, (u64, String)>>;

fn column_keys(columns: &[Column]) -> ColumnKeys<'_> {
    columns
        .iter()
        .map(|column| {
            column
                .values
                .iter()
                .map(|(raw, _)| {
                    let key = crate::search::field_key(&column.key, raw);
                    (raw.as_str(), (hash_bytes(key.as_bytes()), key))
                })
                .collect()
        })
        .collect()
}

/// The keys and postings of a run of documents. The hash table only maps a key to
/// its number: small slots probe faster than whole entries. The names share one
/// string, and the postings go to one flat list, document after document: no small
/// allocation per key or per list. This is where a build's memory peaks, so it is
/// kept lean: a posting is one number, its document implied by [`Partial::ends`].
#[derive(Debug, Default)]
struct Partial {
    slots: HashedMap<u32>,
    /// Each key's hash and name, by key number.
    keys: Vec<(u64, Name)>,
    /// The text of the names.
    text: String,
    /// `key number << 1 | title hit`, the keys of one document after another.
    postings: Vec<u32>,
    /// Where each document's postings end.
    ends: Vec<u32>,
}

/// A length or position inside the index's lists as stored: they stay far below
/// 4 GiB (a key number also leaves a bit for the title flag).
fn offset(n: usize) -> u32 {
    u32::try_from(n)
        .ok()
        .filter(|&n| n < 1 << 31)
        .expect("search index lists under 2^31 entries")
}

impl Partial {
    /// The number of the key `h`, named by `name` (which may add to the text) when
    /// it is new.
    fn number(&mut self, h: u64, name: impl FnOnce(&mut String) -> Name) -> u32 {
        match self.slots.entry(h) {
            Slot::Occupied(slot) => *slot.get(),
            Slot::Vacant(slot) => {
                let number = offset(self.keys.len());
                slot.insert(number);
                self.keys.push((h, name(&mut self.text)));
                number
            }
        }
    }

    /// Adds the keys of the run's next document: its words, word pairs, term fields and
    /// one key per column value (so that filters are answered by postings). Most work
    /// is on the small per-document map; the big map is touched once per distinct key
    /// of the document.
    fn add(
        &mut self,
        doc: &Document<'_>,
        columns: &[Column],
        column_keys: &ColumnKeys<'_>,
        scratch: &mut Scratch,
    ) {
        let Scratch {
            seen,
            text: names,
            key: key_buffer,
            numbers,
        } = scratch;
        seen.clear();
        names.clear();
        let mut add_text = |text: &str, title: bool| {
            let mut previous: Option<(u64, u32)> = None;
            text::for_each_term(text, |term| {
                let h = hash_bytes(term.as_bytes());
                let key = seen.get_or_add(h, || push_name(names, term));
                seen.keys[key as usize].title |= title;
                if let Some((before, before_key)) = previous {
                    seen.get_or_add(pair_hash(before, h), || Name::Pair(before_key, key));
                }
                previous = Some((h, key));
            });
        };
        add_text(doc.title, true);
        add_text(doc.id, false);
        for text in &doc.texts {
            add_text(text, false);
        }
        for (field, value) in &doc.keywords {
            crate::search::document_key_into(key_buffer, field, value);
            let key = key_buffer.as_str();
            seen.get_or_add(hash_bytes(key.as_bytes()), || push_name(names, key));
        }
        for ((column, keys), raw) in columns.iter().zip(column_keys).zip(&doc.columns) {
            match keys.get(raw.as_str()) {
                Some((hash, key)) => seen.get_or_add(*hash, || push_name(names, key)),
                // A value the column does not list: only when the caller's columns
                // are not complete.
                None => {
                    let key = crate::search::field_key(&column.key, raw);
                    seen.get_or_add(hash_bytes(key.as_bytes()), || push_name(names, &key))
                }
            };
        }
        numbers.clear();
        for s in &seen.keys {
            let number = self.number(s.hash, |text| match s.name {
                Name::Text(from, to) => push_name(text, &names[from as usize..to as usize]),
                Name::Pair(a, b) => Name::Pair(numbers[a as usize], numbers[b as usize]),
            });
            numbers.push(number);
            self.postings.push(number << 1 | u32::from(s.title));
        }
        self.ends.push(offset(self.postings.len()));
    }

    /// Takes in the keys of `later` (a run of documents after this one's) and gives
    /// back its postings with the keys renumbered, and their documents' ends: each
    /// run's postings stay in their own list, so that no list of millions is copied
    /// to grow.
    fn absorb(&mut self, later: Partial) -> (Vec<u32>, Vec<u32>) {
        let Partial {
            slots,
            keys,
            text,
            mut postings,
            ends,
        } = later;
        drop(slots);
        let mut renumber: Vec<u32> = Vec::with_capacity(keys.len());
        for (h, name) in keys {
            let number = self.number(h, |own| match name {
                Name::Text(from, to) => push_name(own, &text[from as usize..to as usize]),
                Name::Pair(a, b) => Name::Pair(renumber[a as usize], renumber[b as usize]),
            });
            renumber.push(number);
        }
        for posting in &mut postings {
            *posting = renumber[(*posting >> 1) as usize] << 1 | (*posting & 1);
        }
        (postings, ends)
    }
}

/// Appends `name` to `text`, giving its range.
fn push_name(text: &mut String, name: &str) -> Name {
    let from = offset(text.len());
    text.push_str(name);
    Name::Text(from, offset(text.len()))
}

/// Every key of a set of documents with its postings, as flat lists, keys sorted by
/// name: the documents of the `i`-th key are `all[all_spans[i].0..all_spans[i].1]`,
/// those with a title hit likewise in `title`, and its name is
/// `names[name_at[i]..name_at[i + 1]]`.
#[derive(Debug)]
pub(in crate::search) struct Inverted {
    names: String,
    name_at: Vec<u32>,
    all: Vec<u32>,
    all_spans: Vec<(u32, u32)>,
    title: Vec<u32>,
    title_spans: Vec<(u32, u32)>,
}

impl Inverted {
    /// Inverts `docs`, whose column values are those of `columns`; `docs[i]` is
    /// document `first + i`.
    pub(super) fn of(docs: &[Document<'_>], columns: &[Column], first: u32) -> Inverted {
        let runs = rayon::current_num_threads().max(1);
        let run = docs.len().div_ceil(runs).max(1);
        let column_keys = column_keys(columns);
        let partials: Vec<Partial> = docs
            .par_chunks(run)
            .map(|part| {
                let mut partial = Partial::default();
                let mut scratch = Scratch::default();
                for doc in part {
                    partial.add(doc, columns, &column_keys, &mut scratch);
                }
                partial
            })
            .collect();
        // In document order, so that every key's postings come out sorted.
        let mut partials = partials.into_iter();
        let mut first_run = partials.next().unwrap_or_default();
        let mut runs = vec![(
            std::mem::take(&mut first_run.postings),
            std::mem::take(&mut first_run.ends),
        )];
        for later in partials {
            runs.push(first_run.absorb(later));
        }
        let Partial {
            slots, keys, text, ..
        } = first_run;
        drop(slots);

        // Grouping postings by key, and naming keys then sorting them, are independent:
        // side by side (the grouping takes one core the longest). Keys are sorted once,
        // then laid out in that order: the steps after read keys in order.
        let keys_len = keys.len();
        let ((all, all_at, title, title_at), (names, name_at, order)) = rayon::join(
            || group_by_key(runs, keys_len, first),
            || {
                let (names, name_at) = name_keys(keys, &text);
                let order = sort_by_name(&names, &name_at);
                (names, name_at, order)
            },
        );
        drop(text);
        let spans = |at: &[u32]| -> Vec<(u32, u32)> {
            order
                .par_iter()
                .map(|&k| (at[k as usize], at[k as usize + 1]))
                .collect()
        };
        let ((all_spans, title_spans), (names, name_at)) = rayon::join(
            || (spans(&all_at), spans(&title_at)),
            || {
                let mut sorted = String::with_capacity(names.len());
                let mut sorted_at = Vec::with_capacity(order.len() + 1);
                sorted_at.push(0);
                for &k in &order {
                    sorted.push_str(name(&names, &name_at, k as usize));
                    sorted_at.push(offset(sorted.len()));
                }
                (sorted, sorted_at)
            },
        );
        Inverted {
            names,
            name_at,
            all,
            all_spans,
            title,
            title_spans,
        }
    }

    /// The number of keys.
    pub(super) fn len(&self) -> usize {
        self.name_at.len() - 1
    }

    /// The `i`-th key by name: its name, its documents, those with a title hit.
    pub(super) fn term(&self, i: usize) -> (&str, &[u32], &[u32]) {
        let (all, title) = (self.all_spans[i], self.title_spans[i]);
        (
            name(&self.names, &self.name_at, i),
            &self.all[all.0 as usize..all.1 as usize],
            &self.title[title.0 as usize..title.1 as usize],
        )
    }

    /// The keys and postings as separate lists, keys sorted.
    pub(super) fn into_terms(self) -> Vec<Term> {
        (0..self.len())
            .map(|i| {
                let (key, all, title) = self.term(i);
                let postings = Postings {
                    all: all.to_vec(),
                    title: title.to_vec(),
                };
                (key.to_string(), postings)
            })
            .collect()
    }
}

/// The runs' postings grouped by key, each key's documents in order (a counting
/// sort; documents numbered from `first`, run after run): `(all, all_at, title,
/// title_at)`, key `k`'s documents being `all[all_at[k]..all_at[k + 1]]`.
fn group_by_key(
    runs: Vec<(Vec<u32>, Vec<u32>)>,
    keys: usize,
    first: u32,
) -> (Vec<u32>, Vec<u32>, Vec<u32>, Vec<u32>) {
    let mut all_at = vec![0u32; keys + 1];
    let mut title_at = vec![0u32; keys + 1];
    for &posting in runs.iter().flat_map(|(postings, _)| postings) {
        all_at[(posting >> 1) as usize + 1] += 1;
        title_at[(posting >> 1) as usize + 1] += posting & 1;
    }
    for k in 1..all_at.len() {
        all_at[k] += all_at[k - 1];
        title_at[k] += title_at[k - 1];
    }
    let mut all = vec![0u32; all_at[keys] as usize];
    let mut title = vec![0u32; title_at[keys] as usize];
    let mut next_all = all_at.clone();
    let mut next_title = title_at.clone();
    let mut doc = first;
    for (postings, ends) in runs {
        let mut from = 0;
        for end in ends {
            for &posting in &postings[from..end as usize] {
                let key = (posting >> 1) as usize;
                all[next_all[key] as usize] = doc;
                next_all[key] += 1;
                if posting & 1 == 1 {
                    title[next_title[key] as usize] = doc;
                    next_title[key] += 1;
                }
            }
            from = end as usize;
            doc += 1;
        }
    }
    (all, all_at, title, title_at)
}

/// Every key's name in one string, by key number (key `k`'s is
/// `names[name_at[k]..name_at[k + 1]]`): pairs are named after their terms.
fn name_keys(keys: Vec<(u64, Name)>, text: &str) -> (String, Vec<u32>) {
    let text_of = |k: &u32| match keys[*k as usize].1 {
        Name::Text(from, to) => &text[from as usize..to as usize],
        Name::Pair(..) => "",
    };
    let mut names = String::with_capacity(text.len() * 3);
    let mut name_at = Vec::with_capacity(keys.len() + 1);
    name_at.push(0);
    for (_, name) in &keys {
        match name {
            Name::Text(from, to) => names.push_str(&text[*from as usize..*to as usize]),
            Name::Pair(a, b) => {
                names.push(crate::search::PAIR_MARK);
                names.push_str(text_of(a));
                names.push(' ');
                names.push_str(text_of(b));
            }
        }
        name_at.push(offset(names.len()));
    }
    (names, name_at)
}

/// Key `k`'s name in `names`, where names end at `name_at[k + 1]` (`name_at[0]` is 0).
fn name<'n>(names: &'n str, name_at: &[u32], k: usize) -> &'n str {
    &names[name_at[k] as usize..name_at[k + 1] as usize]
}

/// Key numbers in order of their names. Each name's first 16 bytes, as one number,
/// decide most comparisons without reading the names (a name's zero padding sorts
/// before any byte it could have); the rest are ties, compared whole.
fn sort_by_name(names: &str, name_at: &[u32]) -> Vec<u32> {
    let mut by_name: Vec<(u128, u32)> = (0..name_at.len() - 1)
        .map(|k| (name_prefix(name(names, name_at, k)), k as u32))
        .collect();
    by_name.par_sort_unstable_by(|a, b| {
        a.0.cmp(&b.0).then_with(|| {
            let whole = |k: u32| name(names, name_at, k as usize);
            whole(a.1).cmp(whole(b.1))
        })
    });
    by_name.into_iter().map(|(_, k)| k).collect()
}

/// The first 16 bytes of `name`, zero-padded, as a number that orders as they do.
fn name_prefix(name: &str) -> u128 {
    let mut bytes = [0u8; 16];
    let len = name.len().min(16);
    bytes[..len].copy_from_slice(&name.as_bytes()[..len]);
    u128::from_be_bytes(bytes)
}

/// Every key with its postings, keys sorted; `docs[i]` is document `first + i`.
pub(in crate::search) fn invert(
    docs: &[Document<'_>],
    columns: &[Column],
    first: u32,
) -> Vec<Term> {
    Inverted::of(docs, columns, first).into_terms()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// A key's last bytes read by two loads are the zero-padded block they stand
        /// for, whatever their length.
        #[test]
        fn tail_blocks_are_the_padded_bytes(tail in proptest::collection::vec(any::<u8>(), 0..8)) {
            let mut padded = [0u8; 8];
            padded[..tail.len()].copy_from_slice(&tail);
            prop_assert_eq!(super::tail_block(&tail), u64::from_le_bytes(padded));
        }

        /// Sorting by prefix number, then whole names on ties, is the order of the
        /// names: names sharing long beginnings (`:artifact:…`), NUL bytes (the
        /// prefix's padding) and names that begin others included.
        #[test]
        fn names_sort_as_strings(
            tails in proptest::collection::hash_set("[a\\x00b]{0,3}(:artifact:)?[ab\\x00~é]{0,20}", 0..60)
        ) {
            let mut names = String::new();
            let mut name_at = vec![0];
            for tail in &tails {
                names.push_str(tail);
                name_at.push(names.len() as u32);
            }
            let sorted: Vec<&str> = super::sort_by_name(&names, &name_at)
                .into_iter()
                .map(|k| super::name(&names, &name_at, k as usize))
                .collect();
            let mut expected: Vec<&str> = tails.iter().map(String::as_str).collect();
            expected.sort_unstable();
            prop_assert_eq!(sorted, expected);
        }
    }
}
