//! Ranges in artifact filters: `artifact:194.26.0.0/16` finds the incidents that name
//! the range, and those that name any address or smaller range in it, as correlation
//! relates them ([`crate::artifacts::correlate::Ranges`]). Artifact keys are hashed
//! into shards, so the index cannot be scanned for them: the build writes the site's
//! addresses and ranges apart, by where they lie.
//!
//! Values are grouped per /8 of IPv4 (`search/n/4-c2.js` for 194.0.0.0/8), per /16 of
//! IPv6 (`6-2a01.js`), the widest range that is an artifact. A group's values, in order
//! of their addresses, are cut into chunks of [`CHUNK`] (`4-c2-0.js`, `4-c2-1.js`…),
//! and the group's file lists the first address of each chunk and the last address
//! its values reach. Each value comes with its documents, so that a range is answered
//! from its group's file and the chunks that may hold values inside it, without a
//! shard per address (a /8 of the synthetic 100k site names thousands). One chunk for
//! most ranges, whatever the site's size (a file per /16 would make tens of thousands
//! of files of a few values each at 100k incidents, a file per /8 more than a
//! megabyte). A chunk all of whose values lie inside the range is read from a file of
//! its documents alone (`4-c2-0-docs.js`: 2 KB for the median chunk of 29 KB on the
//! synthetic 100k site), so that a wide range does not load the values of every chunk
//! it spans. Pure.

use std::net::IpAddr;

use rayon::prelude::*;
use serde::Deserialize;

use super::codec;
use crate::artifacts::values;

/// Where the files of groups and chunks are, in the site.
pub(super) const DIR: &str = "search/n/";

/// The path of the file of group or chunk `name`.
fn path(name: &str) -> String {
    format!("{DIR}{name}.js")
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
        let (first, last) = values::value_bounds(value)?;
        let bits = |ip: IpAddr| match ip {
            IpAddr::V4(v4) => u128::from(v4.to_bits()),
            IpAddr::V6(v6) => v6.to_bits(),
        };
        let bounds = Bounds {
            v6: first.is_ipv6(),
            first: bits(first),
            last: bits(last),
        };
        (bounds.group_number(bounds.first) == bounds.group_number(bounds.last)).then_some(bounds)
    }

    /// The group of `address` in this family: its first 8 bits (IPv4) or 16 (IPv6).
    fn group_number(&self, address: u128) -> u128 {
        address >> if self.v6 { 112 } else { 24 }
    }

    /// The name of the group of `address`: the family, then the address's first 8 bits
    /// (IPv4) or 16 (IPv6) in hexadecimal.
    fn group(&self, address: u128) -> String {
        let mut name = String::with_capacity(6);
        name.push_str(if self.v6 { "6-" } else { "4-" });
        name.push_str(&self.hex(address)[..if self.v6 { 4 } else { 2 }]);
        name
    }

    /// `address` as hexadecimal digits, as many as the family's addresses have: they
    /// order as the addresses do.
    fn hex(&self, address: u128) -> String {
        let digits = if self.v6 { 32 } else { 8 };
        let mut out = String::with_capacity(digits);
        for at in (0..digits).rev() {
            let digit = (address >> (4 * at)) & 0xf;
            out.push(char::from_digit(digit as u32, 16).expect("a hexadecimal digit"));
        }
        out
    }

    fn holds(&self, other: &Bounds) -> bool {
        self.v6 == other.v6 && self.first <= other.first && other.last <= self.last
    }
}

/// Values per chunk of a group: about 20 KB of IPv4 addresses, 30 KB of IPv6.
const CHUNK: usize = 1000;

/// The name of the group of an address or network value in its normal form, read
/// from its first digits without parsing it (as [`Bounds::of`] would name it): a
/// rebuild picks the values of the groups it changes out of hundreds of thousands.
pub fn group_of(value: &str) -> Option<String> {
    if value.contains(':') {
        let digits = value.split(':').next()?;
        let number = if digits.is_empty() {
            0
        } else {
            u16::from_str_radix(digits, 16).ok()?
        };
        Some(format!("6-{number:04x}"))
    } else {
        let octet: u8 = value.split('.').next()?.parse().ok()?;
        Some(format!("4-{octet:02x}"))
    }
}

/// The group whose files `path` is one of (`search/n/4-c2-3.js` is of `4-c2`).
pub fn group_of_path(path: &str) -> Option<&str> {
    let name = path.strip_prefix(DIR)?.strip_suffix(".js")?;
    let mut parts = name.splitn(3, '-');
    let (family, digits) = (parts.next()?, parts.next()?);
    Some(&name[..family.len() + 1 + digits.len()])
}

/// The files of the groups and chunks of `values` (the site's address and network
/// artifacts with their documents, any others left out, none twice) in the groups
/// `wanted` takes ([`group_of`]), as `(path, contents)`. A chunk's values are in order
/// of their first address, then of their last.
pub fn range_files(
    values: &[(&str, &[u32])],
    wanted: impl Fn(&str) -> bool + Sync,
) -> Vec<(String, String)> {
    let mut bounds: Vec<(Bounds, &str, &[u32])> = values
        .par_iter()
        .filter(|(value, _)| group_of(value).is_some_and(|group| wanted(&group)))
        .filter_map(|&(value, docs)| Some((Bounds::of(value)?, value, docs)))
        .collect();
    // An address and a range are never one span: no two values tie.
    bounds.par_sort_unstable_by_key(|(bounds, ..)| *bounds);
    let groups: Vec<&[(Bounds, &str, &[u32])]> = bounds
        .chunk_by(|(a, ..), (b, ..)| {
            a.v6 == b.v6 && a.group_number(a.first) == b.group_number(b.first)
        })
        .collect();
    groups
        .par_iter()
        .flat_map_iter(|group| {
            let (first, ..) = group[0];
            let name = first.group(first.first);
            let chunks = group.chunks(CHUNK);
            let mut files = vec![file(&name, |out| {
                // Hexadecimal digits, dots, colons, a prefix, base64: nothing in these
                // files needs JSON's escapes.
                out.push_str("\"starts\":[");
                for (n, chunk) in chunks.clone().enumerate() {
                    push_item(out, n, &chunk[0].0.hex(chunk[0].0.first));
                }
                out.push_str("],\"ends\":[");
                for (n, chunk) in chunks.clone().enumerate() {
                    let end = chunk.iter().map(|(b, ..)| b.last).max().expect("a value");
                    push_item(out, n, &chunk[0].0.hex(end));
                }
                out.push(']');
            })];
            for (n, chunk) in chunks.enumerate() {
                files.push(file(&format!("{name}-{n}"), |out| {
                    out.push_str("\"values\":[");
                    for (k, (_, value, docs)) in chunk.iter().enumerate() {
                        out.push_str(if k > 0 { ",[" } else { "[" });
                        push_item(out, 0, value);
                        push_item(out, 1, &codec::base64(&codec::encode_postings(docs)));
                        out.push(']');
                    }
                    out.push(']');
                }));
                let mut docs: Vec<u32> =
                    chunk.iter().flat_map(|(.., docs)| *docs).copied().collect();
                docs.sort_unstable();
                docs.dedup();
                files.push(file(&format!("{name}-{n}-docs"), |out| {
                    out.push_str("\"docs\":");
                    push_item(out, 0, &codec::base64(&codec::encode_postings(&docs)));
                }));
            }
            files
        })
        .collect()
}

/// The file of group or chunk `name`, whose fields after its name `write` writes.
fn file(name: &str, write: impl FnOnce(&mut String)) -> (String, String) {
    let mut out = String::with_capacity(64);
    out.push_str("firSearch.load({\"type\":\"net\",\"name\":\"");
    out.push_str(name);
    out.push_str("\",");
    write(&mut out);
    out.push_str("});\n");
    (path(name), out)
}

/// The `n`-th string of a JSON list, one that needs no escaping.
fn push_item(out: &mut String, n: usize, item: &str) {
    if n > 0 {
        out.push(',');
    }
    out.push('"');
    out.push_str(item);
    out.push('"');
}

/// A group's or a chunk's file as a query reads it.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NetFile {
    /// A group's: the first address of each of its chunks, in hexadecimal.
    #[serde(default)]
    starts: Vec<String>,
    /// A group's: the last address each of its chunks' values reach, in hexadecimal.
    #[serde(default)]
    ends: Vec<String>,
    /// A chunk's values, each with its documents (postings in base64).
    #[serde(default)]
    values: Vec<(String, String)>,
    /// A chunk's documents, all its values' (postings in base64).
    #[serde(default)]
    docs: String,
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

/// The documents of the site's values inside `range` (its own value included), from
/// the files `read` gives by path (none when there is no such file), as postings in
/// base64, each with what it is of: a value, or a chunk whose values all lie inside
/// the range.
pub(super) fn inside<E>(
    range: &Bounds,
    mut read: impl FnMut(&str) -> Result<Option<NetFile>, E>,
) -> Result<Vec<(String, String)>, E> {
    let name = range.group(range.first);
    let group = read(&path(&name))?.unwrap_or_default();
    let (first, last) = (range.hex(range.first), range.hex(range.last));
    let mut found = Vec::new();
    for (n, start) in group.starts.iter().enumerate() {
        // A chunk holds values from its start to the next one's, both included: values
        // that begin at one address may lie on both sides of a cut.
        let next = group.starts.get(n + 1);
        if *start > last || next.is_some_and(|next| *next < first) {
            continue;
        }
        let chunk_name = format!("{name}-{n}");
        if *start >= first && group.ends.get(n).is_some_and(|end| *end <= last) {
            let docs_name = chunk_name + "-docs";
            if let Some(whole) = read(&path(&docs_name))? {
                found.push((docs_name, whole.docs));
            }
            continue;
        }
        let chunk = read(&path(&chunk_name))?.unwrap_or_default();
        found.extend(
            chunk
                .values
                .into_iter()
                .filter(|(value, _)| Bounds::of(value).is_some_and(|b| range.holds(&b))),
        );
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files of `values`, the `n`-th value in document `n` alone.
    fn files_of(values: &[&str], wanted: impl Fn(&str) -> bool + Sync) -> Vec<(String, String)> {
        let docs: Vec<[u32; 1]> = (0..values.len() as u32).map(|n| [n]).collect();
        let with_docs: Vec<(&str, &[u32])> = values
            .iter()
            .zip(&docs)
            .map(|(v, d)| (*v, &d[..]))
            .collect();
        range_files(&with_docs, wanted)
    }

    /// What [`inside`] finds of `range` among the files of `values`: what each
    /// posting list is of, with its documents, and the files it read.
    fn inside_of(values: &[&str], range: &str) -> (Vec<(String, Vec<u32>)>, Vec<String>) {
        let files = files_of(values, |_| true);
        let range = range_filter(range).expect(range);
        let mut read_paths = Vec::new();
        let read = |path: &str| -> Result<Option<NetFile>, String> {
            read_paths.push(path.to_string());
            match files.iter().find(|(p, _)| p == path) {
                Some((_, text)) => super::super::engine::parse_file(path, text)
                    .map(Some)
                    .map_err(|e| e.to_string()),
                None => Ok(None),
            }
        };
        let found = inside(&range, read).unwrap();
        let found = found
            .into_iter()
            .map(|(what, b64)| {
                let bytes = codec::unbase64(&b64).unwrap();
                (what, codec::decode_postings(&bytes).unwrap())
            })
            .collect();
        (found, read_paths)
    }

    /// The documents of the values inside `range`, from the files of `values`.
    fn docs_inside(values: &[&str], range: &str) -> Vec<u32> {
        let mut docs: Vec<u32> = inside_of(values, range)
            .0
            .into_iter()
            .flat_map(|(_, docs)| docs)
            .collect();
        docs.sort_unstable();
        docs.dedup();
        docs
    }

    /// The documents of the values inside `range`, by a look at every value.
    fn docs_by_looking(values: &[&str], range: &str) -> Vec<u32> {
        let range = range_filter(range).expect(range);
        (0..values.len() as u32)
            .filter(|&n| Bounds::of(values[n as usize]).is_some_and(|b| range.holds(&b)))
            .collect()
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
    fn values_go_to_the_files_of_their_groups_and_chunks() {
        let files = files_of(VALUES, |_| true);
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "search/n/4-c2.js",
                "search/n/4-c2-0.js",
                "search/n/4-c2-0-docs.js",
                "search/n/4-c3.js",
                "search/n/4-c3-0.js",
                "search/n/4-c3-0-docs.js",
                "search/n/6-2a01.js",
                "search/n/6-2a01-0.js",
                "search/n/6-2a01-0-docs.js",
                "search/n/6-2a02.js",
                "search/n/6-2a02-0.js",
                "search/n/6-2a02-0-docs.js",
            ]
        );
        let text = |path: &str| &files.iter().find(|(p, _)| p == path).unwrap().1;
        // The chunk's values reach the end of 194.16.0.0/12.
        assert_eq!(
            text("search/n/4-c2.js"),
            "firSearch.load({\"type\":\"net\",\"name\":\"4-c2\",\"starts\":[\"c2100000\"],\"ends\":[\"c21fffff\"]});\n"
        );
        assert!(
            text("search/n/4-c2-0.js").starts_with(
                "firSearch.load({\"type\":\"net\",\"name\":\"4-c2-0\",\"values\":[[\"194.16.0.0/12\",\""
            ),
            "{}",
            text("search/n/4-c2-0.js")
        );
        // In address order, each with its documents.
        let docs = |pairs: &[(&str, u32)]| -> Vec<(String, Vec<u32>)> {
            pairs
                .iter()
                .map(|(v, d)| (v.to_string(), vec![*d]))
                .collect()
        };
        assert_eq!(
            inside_of(VALUES, "194.26.0.0/15").0,
            docs(&[
                ("194.26.0.0/16", 1),
                ("194.26.29.0/24", 2),
                ("194.26.29.112", 0),
                ("194.26.255.255", 4),
                ("194.27.0.1", 3),
            ])
        );
        // A chunk whose values all lie inside the range: its documents alone.
        let (found, read) = inside_of(VALUES, "194.0.0.0/8");
        assert_eq!(found, [("4-c2-0-docs".to_string(), vec![0, 1, 2, 3, 4, 5])]);
        assert_eq!(read, ["search/n/4-c2.js", "search/n/4-c2-0-docs.js"]);
        assert_eq!(
            inside_of(VALUES, "194.16.0.0/12").0,
            found,
            "its first value's range"
        );
    }

    /// In a group of several chunks, with values that begin at one address on both
    /// sides of a cut, a range finds what a look at every value finds, from the
    /// documents of the chunks it holds whole and the values of the others.
    #[test]
    fn ranges_over_chunks_find_every_value_inside_them() {
        let mut owned: Vec<String> = (0..2600u32)
            .map(|i| format!("185.1.{}.{}", i / 256, i % 256))
            .collect();
        // 185.1.3.224 is the 997th value: it and its ranges, which begin there too,
        // lie on both sides of the cut after the 1000th.
        owned.push("185.0.0.0/15".into());
        for third in 0..3 {
            owned.push(format!("185.1.{third}.0/24"));
        }
        for prefix in 27..32 {
            owned.push(format!("185.1.3.224/{prefix}"));
        }
        let values: Vec<&str> = owned.iter().map(String::as_str).collect();
        let chunks = files_of(&values, |_| true)
            .iter()
            .filter(|(p, _)| p.starts_with("search/n/4-b9-") && !p.ends_with("-docs.js"))
            .count();
        assert_eq!(chunks, 3, "three chunks");
        for range in [
            "185.1.3.0/24",
            "185.1.3.224/27",
            "185.1.3.232/29",
            "185.1.7.0/24",
            "185.1.0.0/22",
            "185.1.0.0/21",
            "185.1.0.0/16",
            "185.0.0.0/8",
            "185.1.9.0/24",
            "185.1.10.0/24",
            "185.2.0.0/16",
        ] {
            assert_eq!(
                docs_inside(&values, range),
                docs_by_looking(&values, range),
                "{range}"
            );
        }
        // The /8 holds every chunk whole; a /21 only the middle one: the first holds
        // 185.0.0.0/15, wider than the /21, and the last reaches past it (to 185.1.10.39).
        let (_, read) = inside_of(&values, "185.0.0.0/8");
        assert_eq!(
            read,
            [
                "search/n/4-b9.js",
                "search/n/4-b9-0-docs.js",
                "search/n/4-b9-1-docs.js",
                "search/n/4-b9-2-docs.js"
            ]
        );
        let (_, read) = inside_of(&values, "185.1.0.0/21");
        assert_eq!(
            read,
            [
                "search/n/4-b9.js",
                "search/n/4-b9-0.js",
                "search/n/4-b9-1-docs.js",
                "search/n/4-b9-2.js"
            ]
        );
    }

    #[test]
    fn a_range_finds_the_values_inside_it() {
        let values_inside = |range: &str| -> Vec<&str> {
            docs_inside(VALUES, range)
                .into_iter()
                .map(|d| VALUES[d as usize])
                .collect()
        };
        assert_eq!(
            values_inside("194.26.0.0/16"),
            [
                "194.26.29.112",
                "194.26.0.0/16",
                "194.26.29.0/24",
                "194.26.255.255"
            ]
        );
        assert_eq!(
            values_inside("194.26.29.0/24"),
            ["194.26.29.112", "194.26.29.0/24"]
        );
        assert_eq!(
            values_inside("194.26.29.64/26"),
            ["194.26.29.112"],
            "no wider range"
        );
        assert_eq!(values_inside("194.27.0.0/16"), ["194.27.0.1"]);
        assert!(values_inside("196.0.0.0/8").is_empty(), "no group");
        assert!(values_inside("194.30.0.0/16").is_empty(), "nothing there");
        assert_eq!(values_inside("2a01:4f8:c0c::/48"), ["2a01:4f8:c0c::1"]);
        for range in [
            "194.0.0.0/8",
            "194.16.0.0/12",
            "194.24.0.0/14",
            "194.26.0.0/15",
            "195.0.0.0/8",
            "2a01:4f8::/32",
            "2a01::/16",
            "2a02::/16",
        ] {
            assert_eq!(
                docs_inside(VALUES, range),
                docs_by_looking(VALUES, range),
                "{range}"
            );
        }
    }

    #[test]
    fn groups_read_from_digits_are_those_of_the_files() {
        for value in VALUES.iter().chain(&["::1", "0.1.2.3", "::/16", "ffff::1"]) {
            let Some(bounds) = Bounds::of(value) else {
                continue;
            };
            assert_eq!(group_of(value), Some(bounds.group(bounds.first)), "{value}");
        }
        assert_eq!(group_of_path("search/n/4-c2-3.js"), Some("4-c2"));
        assert_eq!(group_of_path("search/n/6-2a01.js"), Some("6-2a01"));
        assert_eq!(group_of_path("search/t/x.js"), None);
        // Only the wanted groups' files.
        let files = files_of(VALUES, |group| group == "4-c3");
        let paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            [
                "search/n/4-c3.js",
                "search/n/4-c3-0.js",
                "search/n/4-c3-0-docs.js"
            ]
        );
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
