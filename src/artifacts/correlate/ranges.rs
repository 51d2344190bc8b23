//! Addresses in ranges: a network artifact (`194.26.0.0/16`) and the address and
//! network artifacts in it (`194.26.29.112`, `194.26.29.0/24`) are linked, so that an
//! incident naming a hoster's range and one naming an address or a smaller range of it
//! are related, as by a shared artifact. Derived from the artifacts alone: made again
//! whenever they change, never stored. Pure.

use std::net::IpAddr;

use super::Shared;
use crate::artifacts::{Kind, values};

/// Per artifact, the artifacts linked to it by containment: the networks that hold
/// it, and for a network the addresses and smaller networks it holds. Empty, and free
/// to make, on a site that names no network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges {
    /// `(artifact, linked artifact, whether the linked one holds the artifact)`,
    /// sorted, both ways.
    links: Vec<(u32, u32, bool)>,
}

impl Ranges {
    /// The links among `shared` (artifacts numbered by position).
    pub fn of(shared: &[Shared]) -> Ranges {
        let mut networks: Vec<(u32, (IpAddr, IpAddr))> = shared
            .iter()
            .enumerate()
            .filter(|(_, s)| s.artifact.kind == Kind::Network)
            .filter_map(|(n, s)| Some((n as u32, values::value_bounds(&s.artifact.value)?)))
            .collect();
        if networks.is_empty() {
            return Ranges::default();
        }
        // By first address, the wider of two with the same one first. Two ranges are
        // either apart or one inside the other: the ones after a range that begin
        // before its end are inside it.
        networks.sort_unstable_by_key(|&(_, (first, last))| (first, std::cmp::Reverse(last)));
        let mut links = Vec::new();
        for (at, &(network, (_, last))) in networks.iter().enumerate() {
            for &(inner, _) in networks[at + 1..]
                .iter()
                .take_while(|(_, (first, _))| *first <= last)
            {
                links.push((network, inner, false));
                links.push((inner, network, true));
            }
        }
        // IPv4 addresses order before IPv6 ones, each family in its own order: a
        // network's addresses are one run.
        let mut addresses: Vec<(IpAddr, u32)> = shared
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.artifact.kind, Kind::Ipv4 | Kind::Ipv6))
            .filter_map(|(n, s)| Some((s.artifact.value.parse().ok()?, n as u32)))
            .collect();
        addresses.sort_unstable();
        for (network, (first, last)) in networks {
            let from = addresses.partition_point(|(a, _)| *a < first);
            let to = addresses.partition_point(|(a, _)| *a <= last);
            for &(_, ip) in &addresses[from..to] {
                links.push((network, ip, false));
                links.push((ip, network, true));
            }
        }
        links.sort_unstable();
        Ranges { links }
    }

    /// The artifacts linked to artifact `artifact`, in order.
    pub fn linked(&self, artifact: u32) -> impl Iterator<Item = u32> + '_ {
        self.links_of(artifact).map(|&(_, linked, _)| linked)
    }

    /// The artifacts linked to artifact `artifact` that hold it (`holds`), or that
    /// it holds, in order.
    pub fn linked_as(&self, artifact: u32, holds: bool) -> impl Iterator<Item = u32> + '_ {
        self.links_of(artifact)
            .filter(move |&&(_, _, h)| h == holds)
            .map(|&(_, linked, _)| linked)
    }

    fn links_of(&self, artifact: u32) -> impl Iterator<Item = &(u32, u32, bool)> + '_ {
        let from = self.links.partition_point(|&(a, ..)| a < artifact);
        self.links[from..]
            .iter()
            .take_while(move |&&(a, ..)| a == artifact)
    }

    /// True when no artifact is linked to another.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::artifacts::Artifact;

    fn shared(values: &[(Kind, &str)]) -> Vec<Shared> {
        values
            .iter()
            .map(|&(kind, value)| Shared {
                artifact: Artifact {
                    kind,
                    value: value.into(),
                },
                incidents: Default::default(),
            })
            .collect()
    }

    #[test]
    fn networks_and_their_addresses_are_linked_both_ways() {
        let all = shared(&[
            (Kind::Ipv4, "194.26.29.112"),
            (Kind::Network, "194.26.29.0/24"),
            (Kind::Ipv4, "194.26.30.1"),
            (Kind::Network, "194.26.0.0/16"),
            (Kind::Ipv6, "2a01:4f8:c0c::1"),
            (Kind::Network, "2a01:4f8::/32"),
            (Kind::Domain, "evil.com"),
            (Kind::Ipv6, "::1"),
            (Kind::Ipv4, "194.26.29.255"),
        ]);
        let ranges = Ranges::of(&all);
        let linked = |n: u32| ranges.linked(n).collect::<Vec<_>>();
        let inside = |n: u32| ranges.linked_as(n, false).collect::<Vec<_>>();
        let holding = |n: u32| ranges.linked_as(n, true).collect::<Vec<_>>();
        assert_eq!(
            inside(1),
            [0, 8],
            "the /24's addresses, its last one included"
        );
        assert_eq!(holding(1), [3], "the /16 holds the /24");
        assert_eq!(linked(1), [0, 3, 8]);
        assert_eq!(inside(3), [0, 1, 2, 8], "the /16's addresses and its /24");
        assert!(holding(3).is_empty());
        assert_eq!(holding(0), [1, 3], "an address's networks");
        assert!(inside(0).is_empty());
        assert_eq!(linked(5), [4]);
        assert_eq!(linked(4), [5]);
        assert!(linked(6).is_empty() && linked(7).is_empty());
    }

    #[test]
    fn ranges_inside_ranges_are_linked_to_every_range_that_holds_them() {
        let all = shared(&[
            (Kind::Network, "10.0.0.0/8"),
            (Kind::Network, "45.0.0.0/8"),
            (Kind::Network, "45.12.0.0/16"),
            (Kind::Network, "45.12.7.0/24"),
            (Kind::Network, "45.12.8.0/24"),
            (Kind::Network, "45.13.0.0/16"),
            (Kind::Network, "2a01:4f8::/32"),
            (Kind::Network, "2a01:4f8:c0c::/48"),
            (Kind::Network, "2a01:4f9::/32"),
        ]);
        let ranges = Ranges::of(&all);
        let inside = |n: u32| ranges.linked_as(n, false).collect::<Vec<_>>();
        let holding = |n: u32| ranges.linked_as(n, true).collect::<Vec<_>>();
        assert!(ranges.linked(0).next().is_none(), "a range apart from all");
        assert_eq!(inside(1), [2, 3, 4, 5]);
        assert_eq!(inside(2), [3, 4]);
        assert_eq!(holding(3), [1, 2], "both ranges that hold it");
        assert!(inside(3).is_empty() && inside(5).is_empty());
        assert_eq!(holding(5), [1], "a /16 beside another: apart");
        assert_eq!(inside(6), [7]);
        assert_eq!(holding(7), [6]);
        assert!(ranges.linked(8).next().is_none(), "the next /32 holds none");
    }

    #[test]
    fn a_site_without_networks_has_no_links() {
        let all = shared(&[(Kind::Ipv4, "194.26.29.112"), (Kind::Domain, "evil.com")]);
        assert!(Ranges::of(&all).is_empty());
    }
}
