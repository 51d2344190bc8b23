//! Ranges in artifact filters: `artifact:194.26.0.0/16` finds the incidents that name
//! the range, and those that name any address or smaller range in it, as correlation
//! relates them ([`crate::artifacts::correlate::Ranges`]). Artifact keys are hashed
//! into shards, so the index cannot be scanned for them: the build writes the site's
//! addresses and ranges apart, by where they lie.
//!
//! - A block file per /16 of IPv4 (`search/n/4-c21a.js` for 194.26.0.0/16), per /32 of
//!   IPv6 (`6-2a0104f8.js`), lists the values whose first address is in it.
//! - A group file per /8 of IPv4 (`4-c2.js`), per /16 of IPv6 (`6-2a01.js`), the widest
//!   range that is an artifact, lists its blocks that have a file.
//!
//! A range as narrow as a block reads that block's file (none there: nothing to find),
//! a wider one its group's file, then the files of its blocks. Pure.

use std::net::IpAddr;

use rayon::prelude::*;
use serde::Deserialize;

use crate::artifacts::values;

/// Where the files of blocks and groups are, in the site.
const DIR: &str = "search/n/";

/// The path of the file of block or group `name`.
fn path(name: &str) -> String {
    format!("{DIR}{name}.js")
}

/// True for the path of a block's or a group's file: each build writes them all anew.
pub fn is_block_path(path: &str) -> bool {
    path.starts_with(DIR)
}

/// The first and last address of an address or network value, and its family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Bounds {
    v6: bool,
    first: u128,
    last: u128,
}

impl Bounds {
    /// The bounds of an address or network value in its normal form
    /// (`194.26.29.112`, `194.26.29.0/24`, `2a01:4f8::/32`); none for any other
    /// value, or a range wider than a group (`0.0.0.0/0` is no artifact).
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
        (bounds.group(bounds.first) == bounds.group(bounds.last)).then_some(bounds)
    }

    /// The name of the block (`group: false`) or group of `address`: the family, then
    /// the address's first 16 or 8 bits (IPv4), 32 or 16 (IPv6), in hexadecimal.
    fn name(&self, address: u128, group: bool) -> String {
        let (width, bits) = match (self.v6, group) {
            (false, true) => (32, 8),
            (false, false) => (32, 16),
            (true, true) => (128, 16),
            (true, false) => (128, 32),
        };
        let mut name = String::with_capacity(2 + bits as usize / 4);
        name.push_str(if self.v6 { "6-" } else { "4-" });
        push_hex(&mut name, address >> (width - bits), bits / 4);
        name
    }

    fn group(&self, address: u128) -> String {
        self.name(address, true)
    }

    fn block(&self, address: u128) -> String {
        self.name(address, false)
    }

    fn holds(&self, other: &Bounds) -> bool {
        self.v6 == other.v6 && self.first <= other.first && other.last <= self.last
    }
}

fn push_hex(out: &mut String, number: u128, digits: u32) {
    for at in (0..digits).rev() {
        let digit = (number >> (4 * at)) & 0xf;
        out.push(char::from_digit(digit as u32, 16).expect("a hexadecimal digit"));
    }
}

/// The files of the blocks and groups of `values` (the site's address and network
/// artifacts, any others left out, none twice), as `(path, contents)`. A block's values
/// are in order of their first address, then of their last; a group's blocks in order.
pub fn block_files(values: &[&str]) -> Vec<(String, String)> {
    let mut bounds: Vec<(Bounds, &str)> = values
        .par_iter()
        .filter_map(|value| Some((Bounds::of(value)?, *value)))
        .collect();
    // An address and a range are never one span: no two values tie.
    bounds.par_sort_unstable_by_key(|(bounds, _)| *bounds);
    // Names carry the family: values of one block or group have the same names.
    let named: Vec<(String, String, &str)> = bounds
        .par_iter()
        .map(|(b, value)| (b.group(b.first), b.block(b.first), *value))
        .collect();
    let blocks: Vec<&[(String, String, &str)]> = named.chunk_by(|a, b| a.1 == b.1).collect();
    let mut files: Vec<(String, String)> = blocks
        .par_iter()
        // Parsed addresses: hexadecimal digits, dots, colons and a prefix, nothing
        // JSON escapes.
        .map(|block| file(&block[0].1, "values", block.iter().map(|v| v.2)))
        .collect();
    for group in blocks.chunk_by(|a, b| a[0].0 == b[0].0) {
        let digits = group.iter().map(|block| &block[0].1[2..]);
        files.push(file(&group[0][0].0, "blocks", digits));
    }
    files.sort_unstable();
    files
}

/// The file of block or group `name` listing `items` (none that JSON escapes) as its
/// `list`.
fn file<'i>(name: &str, list: &str, items: impl Iterator<Item = &'i str>) -> (String, String) {
    let mut out = String::with_capacity(64);
    out.push_str("firSearch.load({\"type\":\"net\",\"name\":\"");
    out.push_str(name);
    out.push_str("\",\"");
    out.push_str(list);
    out.push_str("\":[");
    for (n, item) in items.enumerate() {
        if n > 0 {
            out.push(',');
        }
        out.push('"');
        out.push_str(item);
        out.push('"');
    }
    out.push_str("]});\n");
    (path(name), out)
}

/// A block's or a group's file as a query reads it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NetFile {
    /// A block's values.
    #[serde(default)]
    values: Vec<String>,
    /// A group's blocks, by their hexadecimal digits.
    #[serde(default)]
    blocks: Vec<String>,
}

/// The network a normalised artifact filter value names, if it is one (`194.26.0.0/16`;
/// an address is looked up as itself).
pub(super) fn range_filter(normalized: &str) -> Option<Bounds> {
    if normalized.contains('/') && !normalized.contains("://") {
        Bounds::of(normalized)
    } else {
        None
    }
}

/// The site's values inside `range` (its own value included), from the files `read`
/// gives by path (none when there is no such file).
pub(super) fn inside<E>(
    range: &Bounds,
    mut read: impl FnMut(&str) -> Result<Option<NetFile>, E>,
) -> Result<Vec<String>, E> {
    let (low, high) = (range.block(range.first), range.block(range.last));
    let blocks = if low == high {
        vec![low]
    } else {
        let group = read(&path(&range.group(range.first)))?.unwrap_or_default();
        // Block names of one family have one width: as text, they order as numbers.
        let family = &low[..2];
        group
            .blocks
            .iter()
            .map(|digits| format!("{family}{digits}"))
            .filter(|name| low <= *name && *name <= high)
            .collect()
    };
    let mut found = Vec::new();
    for block in blocks {
        let file = read(&path(&block))?.unwrap_or_default();
        found.extend(
            file.values
                .into_iter()
                .filter(|value| Bounds::of(value).is_some_and(|b| range.holds(&b))),
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The values inside `range` among the files of `values`.
    fn inside_of(values: &[&str], range: &str) -> Vec<String> {
        let files = block_files(values);
        let range = range_filter(range).expect(range);
        let read = |path: &str| -> Result<Option<NetFile>, String> {
            match files.iter().find(|(p, _)| p == path) {
                Some((_, text)) => super::super::engine::parse_file(path, text)
                    .map(Some)
                    .map_err(|e| e.to_string()),
                None => Ok(None),
            }
        };
        inside(&range, read).unwrap()
    }

    const VALUES: &[&str] = &[
        "194.26.29.112",
        "194.26.0.0/16",
        "194.26.29.0/24",
        "194.27.0.1",
        "194.26.255.255",
        "194.16.0.0/12",
        "195.1.2.3",
        "evil.com",
        "2a01:4f8:c0c::1",
        "2a01:4f8::/32",
        "2a01:4f9::1",
        "2a02::1",
    ];

    #[test]
    fn values_go_to_the_files_of_their_blocks_and_groups() {
        let files = block_files(VALUES);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "search/n/4-c2.js",
                "search/n/4-c210.js",
                "search/n/4-c21a.js",
                "search/n/4-c21b.js",
                "search/n/4-c3.js",
                "search/n/4-c301.js",
                "search/n/6-2a01.js",
                "search/n/6-2a0104f8.js",
                "search/n/6-2a0104f9.js",
                "search/n/6-2a02.js",
                "search/n/6-2a020000.js",
            ]
        );
        let text = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap().1;
        assert_eq!(
            text("search/n/4-c2.js"),
            "firSearch.load({\"type\":\"net\",\"name\":\"4-c2\",\"blocks\":[\"c210\",\"c21a\",\"c21b\"]});\n"
        );
        assert_eq!(
            text("search/n/4-c21a.js"),
            "firSearch.load({\"type\":\"net\",\"name\":\"4-c21a\",\"values\":\
             [\"194.26.0.0/16\",\"194.26.29.0/24\",\"194.26.29.112\",\"194.26.255.255\"]});\n"
        );
    }

    #[test]
    fn a_range_reads_the_values_inside_it() {
        assert_eq!(
            inside_of(VALUES, "194.26.0.0/16"),
            [
                "194.26.0.0/16",
                "194.26.29.0/24",
                "194.26.29.112",
                "194.26.255.255"
            ]
        );
        assert_eq!(
            inside_of(VALUES, "194.26.29.0/24"),
            ["194.26.29.0/24", "194.26.29.112"]
        );
        assert_eq!(
            inside_of(VALUES, "194.26.29.64/26"),
            ["194.26.29.112"],
            "no wider range"
        );
        // Wider than a block: through the group's file.
        assert_eq!(inside_of(VALUES, "194.0.0.0/8").len(), 6);
        assert_eq!(
            inside_of(VALUES, "194.16.0.0/12"),
            [
                "194.16.0.0/12",
                "194.26.0.0/16",
                "194.26.29.0/24",
                "194.26.29.112",
                "194.26.255.255",
                "194.27.0.1"
            ]
        );
        assert_eq!(
            inside_of(VALUES, "194.24.0.0/14"),
            inside_of(VALUES, "194.26.0.0/15")
        );
        assert_eq!(inside_of(VALUES, "194.26.0.0/15").len(), 5);
        assert_eq!(inside_of(VALUES, "194.27.0.0/16"), ["194.27.0.1"]);
        assert!(inside_of(VALUES, "196.0.0.0/8").is_empty(), "no group");
        assert!(inside_of(VALUES, "194.30.0.0/16").is_empty(), "no block");
        assert_eq!(
            inside_of(VALUES, "2a01:4f8::/32"),
            ["2a01:4f8::/32", "2a01:4f8:c0c::1"]
        );
        assert_eq!(inside_of(VALUES, "2a01::/16").len(), 3);
        assert_eq!(inside_of(VALUES, "2a01:4f8:c0c::/48"), ["2a01:4f8:c0c::1"]);
    }

    #[test]
    fn filters_that_name_no_range() {
        assert_eq!(range_filter("194.26.29.112"), None, "an address is itself");
        assert_eq!(range_filter("http://194.26.29.1/a/b"), None);
        assert_eq!(range_filter("evil.com/24"), None);
        assert_eq!(range_filter("194.26.29.0/33"), None);
        assert_eq!(range_filter("0.0.0.0/0"), None, "wider than a group");
        assert_eq!(range_filter("194.0.0.0/7"), None);
        assert_eq!(range_filter("2a00::/15"), None);
        assert!(range_filter("194.0.0.0/8").is_some());
        assert!(range_filter("2a00::/16").is_some());
    }
}
