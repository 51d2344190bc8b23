//! Jumping through text to the next byte of a small set, for the scans that look at
//! only a few kinds of byte: `memchr` searches many bytes at a time.

/// The next position, at or after a given one, of any byte of two groups of up to
/// three bytes each (what one `memchr` call searches for). Each group's next position
/// is searched for once and kept until passed: positions must be asked in order.
pub(super) struct NextByte<'b> {
    bytes: &'b [u8],
    groups: [(&'static [u8], Option<usize>); 2],
}

impl<'b> NextByte<'b> {
    pub(super) fn new(bytes: &'b [u8], first: &'static [u8], second: &'static [u8]) -> Self {
        NextByte {
            bytes,
            groups: [first, second].map(|group| (group, find(group, bytes))),
        }
    }

    /// The first position at or after `from` of a byte of either group.
    pub(super) fn next(&mut self, from: usize) -> Option<usize> {
        for (group, next) in &mut self.groups {
            if next.is_some_and(|at| at < from) {
                *next = find(group, &self.bytes[from..]).map(|at| at + from);
            }
        }
        match self.groups.map(|(_, next)| next) {
            [Some(a), Some(b)] => Some(a.min(b)),
            [a, b] => a.or(b),
        }
    }
}

fn find(group: &[u8], haystack: &[u8]) -> Option<usize> {
    match *group {
        [a] => memchr::memchr(a, haystack),
        [a, b] => memchr::memchr2(a, b, haystack),
        [a, b, c] => memchr::memchr3(a, b, c, haystack),
        _ => unreachable!("a group is one to three bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn finds_what_a_plain_search_finds(text in "[a-e.]{0,80}", step in 1usize..5) {
            let bytes = text.as_bytes();
            let mut next = NextByte::new(bytes, b"ab", b".");
            for from in (0..=bytes.len()).step_by(step) {
                let expected = bytes[from..]
                    .iter()
                    .position(|b| b"ab.".contains(b))
                    .map(|at| at + from);
                proptest::prop_assert_eq!(next.next(from), expected);
            }
        }
    }
}
