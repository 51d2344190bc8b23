//! Ranges in artifact filters: `artifact:194.26.0.0/16` finds the incidents that name
//! the range, and those that name any address or smaller range in it, as correlation
//! relates them ([`crate::artifacts::correlate::Ranges`]). Artifact keys are hashed
//! into shards, so the index cannot be scanned for them: the build writes the site's
//! addresses and ranges apart, one file per block (a /8 of IPv4, a /16 of IPv6, the
//! widest range that is an artifact), each value with its first and last address, and
//! a query reads the one block of its range. Pure.

use std::net::IpAddr;

use rayon::prelude::*;
use serde::Deserialize;

use crate::artifacts::values;

/// Where the files of blocks are, in the site.
const DIR: &str = "search/n/";

/// The path of the file of block `block`.
pub(super) fn block_path(block: &str) -> String {
    format!("{DIR}{block}.js")
}

/// True for the path of a block's file: each build writes them all anew.
pub fn is_block_path(path: &str) -> bool {
    path.starts_with(DIR)
}

/// Where an address or range value lies: its block (`4-c2` for 194.0.0.0/8,
/// `6-2a01` for 2a01::/16), and its first and last address as hexadecimal digits of
/// a fixed width per family, which order as the addresses do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Span {
    pub block: String,
    pub first: String,
    pub last: String,
}

/// The first and last address of a value, as numbers, and its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Bounds {
    v6: bool,
    first: u128,
    last: u128,
}

impl Bounds {
    /// The bounds of an address or network value in its normal form
    /// (`194.26.29.112`, `194.26.29.0/24`, `2a01:4f8::/32`); none for any other
    /// value, or a range wider than a block (`0.0.0.0/0` is no artifact).
    fn of(value: &str) -> Option<Bounds> {
        let (address, prefix) = match value.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (value, None),
        };
        let ip: IpAddr = address.parse().ok()?;
        let (first, last) = match prefix {
            Some(prefix) => values::network_bounds(ip, prefix)?,
            None => (ip, ip),
        };
        let bits = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => u128::from(v4.to_bits()),
            IpAddr::V6(v6) => v6.to_bits(),
        };
        let bounds = Bounds {
            v6: ip.is_ipv6(),
            first: bits(first),
            last: bits(last),
        };
        (bounds.block_of(bounds.first) == bounds.block_of(bounds.last)).then_some(bounds)
    }

    /// The number of the block of `address`, in this family.
    fn block_of(&self, address: u128) -> u128 {
        address >> if self.v6 { 112 } else { 24 }
    }

    /// The block's name: the family, then the block's first bits in hexadecimal.
    fn block(&self) -> String {
        let mut name = String::with_capacity(6);
        name.push_str(if self.v6 { "6-" } else { "4-" });
        self.push_hex(
            &mut name,
            self.block_of(self.first),
            if self.v6 { 4 } else { 2 },
        );
        name
    }

    /// Hexadecimal digits of `address` as wide as the family's addresses.
    fn push_address(&self, out: &mut String, address: u128) {
        self.push_hex(out, address, if self.v6 { 32 } else { 8 });
    }

    fn push_hex(&self, out: &mut String, number: u128, digits: u32) {
        for at in (0..digits).rev() {
            let digit = (number >> (4 * at)) & 0xf;
            out.push(char::from_digit(digit as u32, 16).expect("a hexadecimal digit"));
        }
    }
}

/// The span of an address or network value in its normal form; none for any other
/// value ([`Bounds::of`]).
pub(super) fn span(value: &str) -> Option<Span> {
    let bounds = Bounds::of(value)?;
    let hex = |address| {
        let mut out = String::new();
        bounds.push_address(&mut out, address);
        out
    };
    Some(Span {
        block: bounds.block(),
        first: hex(bounds.first),
        last: hex(bounds.last),
    })
}

/// The files of the blocks of `values` (the site's address and network artifacts,
/// any others left out, none twice), as `(path, contents)`, by path. A block's values
/// are in order of their first address, then of their last.
pub fn block_files(values: &[&str]) -> Vec<(String, String)> {
    let mut bounds: Vec<(Bounds, &str)> = values
        .par_iter()
        .filter_map(|value| Some((Bounds::of(value)?, *value)))
        .collect();
    // An address and a range are never one span: no two values tie.
    bounds.par_sort_unstable_by_key(|(bounds, _)| *bounds);
    let blocks: Vec<&[(Bounds, &str)]> = bounds
        .chunk_by(|(a, _), (b, _)| (a.v6, a.block_of(a.first)) == (b.v6, b.block_of(b.first)))
        .collect();
    blocks
        .par_iter()
        .map(|block| {
            let name = block[0].0.block();
            let mut out = String::with_capacity(64 + block.len() * 80);
            out.push_str("firSearch.load({\"type\":\"net\",\"block\":\"");
            out.push_str(&name);
            out.push_str("\",\"values\":[");
            for (n, (bounds, value)) in block.iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                // An address parsed: hexadecimal digits, dots, colons and a prefix,
                // nothing JSON escapes.
                out.push_str("[\"");
                out.push_str(value);
                out.push_str("\",\"");
                bounds.push_address(&mut out, bounds.first);
                out.push_str("\",\"");
                bounds.push_address(&mut out, bounds.last);
                out.push_str("\"]");
            }
            out.push_str("]});\n");
            (block_path(&name), out)
        })
        .collect()
}

/// A block's file as a query reads it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct BlockFile {
    /// `(value, first, last)`, in order of their first address.
    values: Vec<(String, String, String)>,
}

impl BlockFile {
    /// The values of the block inside `range` (its own value included).
    pub(super) fn inside<'b>(&'b self, range: &'b Span) -> impl Iterator<Item = &'b str> + 'b {
        let from = self
            .values
            .partition_point(|(_, first, _)| *first < range.first);
        self.values[from..]
            .iter()
            .take_while(|(_, first, _)| *first <= range.last)
            .filter(|(_, _, last)| *last <= range.last)
            .map(|(value, _, _)| value.as_str())
    }
}

/// The network a normalised artifact filter value names, if it is one (`194.26.0.0/16`;
/// an address is looked up as itself).
pub(super) fn range_filter(normalized: &str) -> Option<Span> {
    if normalized.contains('/') && !normalized.contains("://") {
        span(normalized)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(values: &[&str]) -> Vec<(String, BlockFile)> {
        block_files(values)
            .into_iter()
            .map(|(path, contents)| {
                let file = super::super::engine::parse_file(&path, &contents).unwrap();
                (path, file)
            })
            .collect()
    }

    #[test]
    fn spans_of_addresses_and_ranges() {
        let s = span("194.26.29.0/24").unwrap();
        assert_eq!(
            (s.block.as_str(), s.first.as_str(), s.last.as_str()),
            ("4-c2", "c21a1d00", "c21a1dff")
        );
        let s = span("194.26.29.112").unwrap();
        assert_eq!(
            (s.first.as_str(), s.last.as_str()),
            ("c21a1d70", "c21a1d70")
        );
        let s = span("2a01:4f8::/32").unwrap();
        assert_eq!(s.block, "6-2a01");
        assert_eq!(s.first, format!("2a0104f8{}", "0".repeat(24)));
        assert_eq!(s.last, format!("2a0104f8{}", "f".repeat(24)));
        assert_eq!(span("evil.com"), None);
        assert_eq!(span("194.26.29.0/33"), None);
        assert_eq!(span("0.0.0.0/0"), None, "wider than a block");
        assert_eq!(span("194.0.0.0/7"), None);
        assert_eq!(span("2a00::/15"), None);
        assert_eq!(range_filter("194.26.29.112"), None, "an address is itself");
        assert_eq!(range_filter("http://194.26.29.1/a/b"), None);
    }

    #[test]
    fn a_range_reads_the_values_inside_it_from_its_block() {
        let files = file_of(&[
            "194.26.29.112",
            "194.26.0.0/16",
            "194.26.29.0/24",
            "194.27.0.1",
            "194.26.255.255",
            "195.1.2.3",
            "evil.com",
            "2a01:4f8:c0c::1",
            "2a01:4f8::/32",
            "2a02::1",
        ]);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "search/n/4-c2.js",
                "search/n/4-c3.js",
                "search/n/6-2a01.js",
                "search/n/6-2a02.js"
            ]
        );
        let inside = |range: &str| {
            let range = range_filter(range).unwrap();
            let (_, file) = files
                .iter()
                .find(|(p, _)| *p == block_path(&range.block))
                .unwrap();
            file.inside(&range).map(str::to_string).collect::<Vec<_>>()
        };
        assert_eq!(
            inside("194.26.0.0/16"),
            [
                "194.26.0.0/16",
                "194.26.29.0/24",
                "194.26.29.112",
                "194.26.255.255"
            ]
        );
        assert_eq!(
            inside("194.26.29.0/24"),
            ["194.26.29.0/24", "194.26.29.112"]
        );
        assert_eq!(
            inside("194.26.29.64/26"),
            ["194.26.29.112"],
            "no wider range"
        );
        assert_eq!(inside("194.0.0.0/8").len(), 5);
        assert_eq!(
            inside("2a01:4f8::/32"),
            ["2a01:4f8::/32", "2a01:4f8:c0c::1"]
        );
    }
}
