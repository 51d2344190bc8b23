//! Addresses in ranges: a network artifact (`194.26.29.0/24`) and the address
//! artifacts in it (`194.26.29.112`) are linked, so that an incident naming a hoster's
//! range and one naming an address of it are related, as by a shared artifact. Derived
//! from the artifacts alone: made again whenever they change, never stored. Pure.

use std::net::IpAddr;

use super::Shared;
use crate::artifacts::{Kind, values};

/// Per artifact, the artifacts linked to it by containment: a network's addresses,
/// an address's networks (a network's sub-ranges are not linked: each is a range of
/// its own). Empty, and free to make, on a site that names no network.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranges {
    /// `(artifact, linked artifact)`, sorted, both ways.
    links: Vec<(u32, u32)>,
}

/// The first and last address of a network artifact's value (`first/prefix`).
fn span(network: &str) -> Option<(IpAddr, IpAddr)> {
    let (first, prefix) = network.split_once('/')?;
    values::network_bounds(first.parse().ok()?, prefix.parse().ok()?)
}

impl Ranges {
    /// The links among `shared` (artifacts numbered by position).
    pub fn of(shared: &[Shared]) -> Ranges {
        let networks: Vec<(u32, (IpAddr, IpAddr))> = shared
            .iter()
            .enumerate()
            .filter(|(_, s)| s.artifact.kind == Kind::Network)
            .filter_map(|(n, s)| Some((n as u32, span(&s.artifact.value)?)))
            .collect();
        if networks.is_empty() {
            return Ranges::default();
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
        let mut links = Vec::new();
        for (network, (first, last)) in networks {
            let from = addresses.partition_point(|(a, _)| *a < first);
            let to = addresses.partition_point(|(a, _)| *a <= last);
            for &(_, ip) in &addresses[from..to] {
                links.push((network, ip));
                links.push((ip, network));
            }
        }
        links.sort_unstable();
        Ranges { links }
    }

    /// The artifacts linked to artifact `artifact`, in order.
    pub fn linked(&self, artifact: u32) -> impl Iterator<Item = u32> + '_ {
        let from = self.links.partition_point(|&(a, _)| a < artifact);
        self.links[from..]
            .iter()
            .take_while(move |&&(a, _)| a == artifact)
            .map(|&(_, linked)| linked)
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
        assert_eq!(
            linked(1),
            [0, 8],
            "the /24's addresses, its last one included"
        );
        assert_eq!(linked(3), [0, 2, 8], "the /16's");
        assert_eq!(linked(0), [1, 3], "an address's networks");
        assert_eq!(linked(5), [4]);
        assert_eq!(linked(4), [5]);
        assert!(linked(6).is_empty() && linked(7).is_empty());
    }

    #[test]
    fn a_site_without_networks_has_no_links() {
        let all = shared(&[(Kind::Ipv4, "194.26.29.112"), (Kind::Domain, "evil.com")]);
        assert!(Ranges::of(&all).is_empty());
    }
}
