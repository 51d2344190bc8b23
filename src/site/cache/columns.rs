//! Long lists of numbers in the build cache, stored as columns of little-endian bytes:
//! written and read as blocks. Postcard spends a varint on each number, one at a time,
//! and the correlation holds millions (an artifact's incidents, an incident's
//! artifacts, at 100k incidents): its lists were over a third of the time of saving the
//! cache and about a third of reading it.

use serde::{Deserialize, Serialize};

use super::Part;
use crate::artifacts::correlate::Related;

/// A value stored as [`Words::WIDTH`] numbers.
pub(super) trait Words: Sized {
    const WIDTH: usize;
    fn put(&self, out: &mut Vec<u32>);
    /// The value of `words` (`WIDTH` of them), if they make one.
    fn get(words: &[u32]) -> Option<Self>;
}

impl Words for u32 {
    const WIDTH: usize = 1;

    fn put(&self, out: &mut Vec<u32>) {
        out.push(*self);
    }

    fn get(words: &[u32]) -> Option<u32> {
        words.first().copied()
    }
}

impl Words for Related {
    const WIDTH: usize = 3;

    fn put(&self, out: &mut Vec<u32>) {
        let flags = u32::from(self.explicit) | u32::from(self.mentioned) << 1;
        out.extend([self.incident, self.shared, flags]);
    }

    fn get(words: &[u32]) -> Option<Related> {
        let &[incident, shared, flags] = words else {
            return None;
        };
        (flags < 4).then_some(Related {
            incident,
            shared,
            explicit: flags & 1 != 0,
            mentioned: flags & 2 != 0,
        })
    }
}

/// `numbers` as a column: how many bytes each takes (1 to 4, as many as the largest
/// needs), then each one in that many bytes, little-endian.
pub(super) fn column(numbers: &[u32]) -> Part<'static> {
    let largest = numbers.iter().copied().max().unwrap_or(0);
    let width = (4 - largest.leading_zeros() as usize / 8).max(1);
    let mut bytes = vec![0; 1 + width * numbers.len()];
    bytes[0] = width as u8;
    // One loop per width, each a copy of a fixed size.
    fn write<const W: usize>(numbers: &[u32], bytes: &mut [u8]) {
        for (to, n) in bytes.chunks_exact_mut(W).zip(numbers) {
            to.copy_from_slice(&n.to_le_bytes()[..W]);
        }
    }
    let to = &mut bytes[1..];
    match width {
        1 => write::<1>(numbers, to),
        2 => write::<2>(numbers, to),
        3 => write::<3>(numbers, to),
        _ => write::<4>(numbers, to),
    }
    Part(bytes.into())
}

/// The numbers of a [`column`].
pub(super) fn numbers(column: &[u8]) -> postcard::Result<Vec<u32>> {
    let bad = postcard::Error::DeserializeBadEncoding;
    let (&width, bytes) = column.split_first().ok_or(bad.clone())?;
    let width = usize::from(width);
    if !(1..=4).contains(&width) || !bytes.len().is_multiple_of(width) {
        return Err(bad);
    }
    // One loop per width, each a copy of a fixed size.
    fn read<const W: usize>(bytes: &[u8]) -> Vec<u32> {
        bytes
            .chunks_exact(W)
            .map(|b| {
                let mut n = [0; 4];
                n[..W].copy_from_slice(b);
                u32::from_le_bytes(n)
            })
            .collect()
    }
    Ok(match width {
        1 => read::<1>(bytes),
        2 => read::<2>(bytes),
        3 => read::<3>(bytes),
        _ => read::<4>(bytes),
    })
}

/// `numbers` as a column of eight bytes each, little-endian (hashes: no byte to
/// spare).
pub(super) fn wide(numbers: &[u64]) -> Part<'static> {
    Part(
        numbers
            .iter()
            .flat_map(|n| n.to_le_bytes())
            .collect::<Vec<u8>>()
            .into(),
    )
}

/// The numbers of a [`wide`] column.
pub(super) fn decode_wide(column: Part<'_>) -> postcard::Result<Vec<u64>> {
    if !column.0.len().is_multiple_of(8) {
        return Err(postcard::Error::DeserializeBadEncoding);
    }
    Ok(column
        .0
        .chunks_exact(8)
        .map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
        .collect())
}

/// A list made from a slice of its items.
pub(super) trait List<T> {
    fn of(items: &[T]) -> Self;
}

impl<T: Clone> List<T> for Vec<T> {
    fn of(items: &[T]) -> Vec<T> {
        items.to_vec()
    }
}

impl List<u32> for crate::artifacts::correlate::Incidents {
    // A copy: `From<&[u32]>` goes through an iterator, item by item (a million lists).
    fn of(items: &[u32]) -> Self {
        Self::from_slice(items)
    }
}

/// Lists of [`Words`] as two [`column`]s: the length of each list, then the words of
/// all their items.
#[derive(Serialize, Deserialize)]
pub(super) struct Lists<'a> {
    #[serde(borrow)]
    lengths: Part<'a>,
    #[serde(borrow)]
    items: Part<'a>,
}

impl Lists<'static> {
    pub(super) fn of<T: Words, L: AsRef<[T]>>(lists: &[L]) -> Lists<'static> {
        let lengths: Vec<u32> = lists.iter().map(|l| l.as_ref().len() as u32).collect();
        let count: usize = lengths.iter().map(|&n| n as usize).sum();
        let mut words = Vec::with_capacity(T::WIDTH * count);
        for item in lists.iter().flat_map(|l| l.as_ref()) {
            item.put(&mut words);
        }
        Lists {
            lengths: column(&lengths),
            items: column(&words),
        }
    }
}

impl Lists<'_> {
    /// The lists back, each made from its items.
    pub(super) fn lists<T: Words, L: List<T>>(&self) -> postcard::Result<Vec<L>> {
        let bad = postcard::Error::DeserializeBadEncoding;
        let lengths = numbers(&self.lengths.0)?;
        let words = numbers(&self.items.0)?;
        // Every item taken by a list: no list cut short, none left over.
        let count: u64 = lengths.iter().map(|&n| u64::from(n)).sum();
        if count * T::WIDTH as u64 != words.len() as u64 {
            return Err(bad);
        }
        let items: Vec<T> = words
            .chunks_exact(T::WIDTH)
            .map(T::get)
            .collect::<Option<_>>()
            .ok_or(bad)?;
        let mut at = 0;
        Ok(lengths
            .iter()
            .map(|&len| {
                let list = L::of(&items[at..at + len as usize]);
                at += len as usize;
                list
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::correlate::Incidents;

    fn round_trip<T: Words, L: AsRef<[T]> + List<T>>(lists: &[L]) -> Vec<L> {
        let bytes = postcard::to_stdvec(&Lists::of(lists)).unwrap();
        let read: Lists<'_> = postcard::from_bytes(&bytes).unwrap();
        read.lists().unwrap()
    }

    #[test]
    fn lists_come_back_as_they_were() {
        let lists: Vec<Vec<u32>> = vec![vec![], vec![7], vec![1, u32::MAX, 0], vec![]];
        assert_eq!(round_trip(&lists), lists);
        let inline: Vec<Incidents> = vec![[1, 2, 3, 4, 5][..].into(), [9][..].into()];
        assert_eq!(round_trip(&inline), inline);
        let related = |incident, explicit, mentioned| Related {
            incident,
            shared: incident / 3,
            explicit,
            mentioned,
        };
        let lists = vec![
            vec![related(1, false, false), related(2, true, false)],
            vec![],
            vec![related(3, false, true), related(u32::MAX, true, true)],
        ];
        assert_eq!(round_trip(&lists), lists);
        assert!(round_trip::<u32, Vec<u32>>(&[]).is_empty());
    }

    #[test]
    fn lengths_that_do_not_add_up_or_bad_items_are_errors() {
        let cut = |lengths: &[u32], items: &[u32]| Lists {
            lengths: column(lengths),
            items: column(items),
        };
        let lists = |l: Lists<'_>| l.lists::<u32, Vec<u32>>();
        assert_eq!(lists(cut(&[1, 1], &[1, 2])).unwrap(), [[1], [2]]);
        assert!(lists(cut(&[1, 2], &[1, 2])).is_err());
        assert!(lists(cut(&[1], &[1, 2])).is_err());
        // A flag no `Related` has.
        let flags = cut(&[1], &[1, 1, 4]);
        assert!(flags.lists::<Related, Vec<Related>>().is_err());
        assert!(cut(&[1], &[1, 1]).lists::<Related, Vec<Related>>().is_err());
    }

    #[test]
    fn wide_columns_come_back_as_they_were() {
        let numbers = vec![0, 1, u64::MAX, 1 << 40];
        let bytes = postcard::to_stdvec(&wide(&numbers)).unwrap();
        assert_eq!(bytes.len(), 1 + 8 * numbers.len());
        let column: Part<'_> = postcard::from_bytes(&bytes).unwrap();
        assert_eq!(decode_wide(column).unwrap(), numbers);
        assert!(decode_wide(Part(vec![0; 7].into())).is_err());
    }

    #[test]
    fn a_column_takes_as_many_bytes_per_number_as_its_largest_needs() {
        for (numbers, width) in [
            (vec![], 1),
            (vec![0, 255], 1),
            (vec![256, 3], 2),
            (vec![70_000], 3),
            (vec![1, u32::MAX], 4),
        ] {
            let column = column(&numbers);
            assert_eq!(column.0[0], width);
            assert_eq!(column.0.len(), 1 + width as usize * numbers.len());
            assert_eq!(super::numbers(&column.0).unwrap(), numbers);
        }
        for bad in [
            &[][..],
            &[0],
            &[5, 0, 0, 0, 0, 0],
            &[2, 1],
            &[3, 1, 2, 3, 4],
        ] {
            assert!(numbers(bad).is_err(), "{bad:?}");
        }
    }
}
