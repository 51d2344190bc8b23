//! Recognising one value of each type and bringing it to its normal form: lowercase
//! domains and hashes, canonical IPv6, upper-case CVE ids. Every function here looks
//! at its input once (or a fixed number of times): linear.

use std::borrow::Cow;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::Kind;

/// Characters trimmed from both ends of a value found in text.
pub const EDGE_PUNCTUATION: &[char] = &[
    '.', ',', ';', ':', '!', '?', '\'', '"', '*', '_', '-', '@', '=', '&', '+', '%', '~', '#', '/',
];

/// Whether each ASCII byte is one of [`EDGE_PUNCTUATION`] (all ASCII).
static IS_EDGE: [bool; 128] = {
    let mut table = [false; 128];
    let mut i = 0;
    while i < EDGE_PUNCTUATION.len() {
        table[EDGE_PUNCTUATION[i] as usize] = true;
        i += 1;
    }
    table
};

fn is_edge(byte: u8) -> bool {
    byte < 128 && IS_EDGE[byte as usize]
}

/// `text` without [`EDGE_PUNCTUATION`] at either end: `text.trim_matches(EDGE_PUNCTUATION)`,
/// byte by byte (every word of a candidate chunk goes through here).
pub fn trim_edges(text: &str) -> &str {
    let start = text.bytes().position(|b| !is_edge(b)).unwrap_or(text.len());
    trim_edges_end(&text[start..])
}

/// [`trim_edges`], but an IPv6 address or range that starts or ends with `::` keeps
/// its colons (`::ffff:b9c7:107`, `2001:db8::`, `::ffff:185.12.3.0/120`): trimmed as
/// punctuation, they left no address.
pub fn trim_word(text: &str) -> &str {
    let word = trim_edges(text);
    if word.len() == text.len() || !text.contains("::") {
        return word;
    }
    let kept = text.trim_matches(|c: char| c != ':' && EDGE_PUNCTUATION.contains(&c));
    let address = kept.split_once('/').map_or(kept, |(address, _)| address);
    if ipv6(address).is_some() { kept } else { word }
}

/// `text` without [`EDGE_PUNCTUATION`] at its end.
pub fn trim_edges_end(text: &str) -> &str {
    let end = text
        .bytes()
        .rposition(|b| !is_edge(b))
        .map_or(0, |at| at + 1);
    &text[..end]
}

/// Top-level domains that are more often file extensions in incident notes
/// (`invoice.zip`, `run.py`, `README.md`, OneNote's `invoice.one`, Java's
/// `log4j.properties` and `login.do`): a two-label name ending in one of these is
/// taken for a file name.
const FILE_EXTENSION_TLDS: &[&str] = &[
    "zip",
    "mov",
    "py",
    "sh",
    "md",
    "rs",
    "ps",
    "cab",
    "run",
    "ai",
    "pl",
    "so",
    "exe",
    "one",
    "properties",
    "do",
];

/// A hash by its length in hex digits.
pub fn hash_kind(len: usize) -> Option<Kind> {
    match len {
        32 => Some(Kind::Md5),
        40 => Some(Kind::Sha1),
        64 => Some(Kind::Sha256),
        128 => Some(Kind::Sha512),
        _ => None,
    }
}

/// A lowercase hash if `text` is only hex digits of a hash's length.
pub fn hash(text: &str) -> Option<(Kind, Cow<'_, str>)> {
    let kind = hash_kind(text.len())?;
    text.bytes()
        .all(|b| b.is_ascii_hexdigit())
        .then(|| (kind, ascii_lowercase(text)))
}

/// `text` in lowercase, borrowed when it is already: most values are written so, and
/// the scan tries many words that turn out to be none.
fn ascii_lowercase(text: &str) -> Cow<'_, str> {
    if text.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(text.to_ascii_lowercase())
    } else {
        Cow::Borrowed(text)
    }
}

/// Whether `text` starts as a CVE id does (`cve-`, any case).
pub fn has_cve_prefix(text: &str) -> bool {
    text.get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("cve-"))
}

/// `CVE-2024-12345` (any case) in upper case.
pub fn cve(text: &str) -> Option<String> {
    let rest = has_cve_prefix(text).then(|| &text[4..])?;
    let (year, number) = rest.split_once('-')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (year.len() == 4 && digits(year) && (4..=7).contains(&number.len()) && digits(number))
        .then(|| ["CVE-", year, "-", number].concat())
}

/// A dotted-quad IPv4 address, with an optional `:port`, and the address's own text
/// (without the port), which is its normal form: `std` reads only the canonical dotted
/// quad (no leading zeros, no spaces), so the value needs no formatting.
pub fn ipv4(text: &str) -> Option<(Ipv4Addr, &str)> {
    let address = match text.split_once(':') {
        Some((address, port)) if port.parse::<u16>().is_ok() => address,
        Some(_) => return None,
        None => text,
    };
    address.parse().ok().map(|ip| (ip, address))
}

/// An IPv6 address (at least two colons, as `std` reads it; a `%zone` is dropped).
pub fn ipv6(text: &str) -> Option<Ipv6Addr> {
    if text.bytes().filter(|&b| b == b':').count() < 2 {
        return None;
    }
    let address = text.split_once('%').map_or(text, |(a, _)| a);
    address.parse().ok()
}

/// The type and normal form of an IP address as an artifact. An IPv4-mapped IPv6
/// address (`::ffff:185.1.2.3`, as a dual-stack server logs an IPv4 client) is that
/// IPv4 address: one artifact with it, wherever each was seen.
pub fn ip_artifact(ip: IpAddr) -> (Kind, String) {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (Kind::Ipv4, v4.to_string()),
            None => (Kind::Ipv6, v6.to_string()),
        },
        IpAddr::V4(v4) => (Kind::Ipv4, v4.to_string()),
    }
}

/// The shortest prefixes read as networks: a wider range (`0.0.0.0/0`, "any" in a
/// firewall rule) names no one.
const MIN_PREFIX_V4: u8 = 8;
const MIN_PREFIX_V6: u8 = 16;

/// A network in CIDR notation (`194.26.29.0/24`, `2001:db8:12::/48`), as notes name
/// a hosting provider's range to block or search: its type, normal form and whether
/// the whole range is internal ([`is_internal_v4`] of its first and last address).
/// The normal form is the network's own address and prefix (`194.26.29.77/24` is
/// `194.26.29.0/24`: the range is the indicator); a one-address prefix (`/32`,
/// `/128`) is that address, an IPv4-mapped range its IPv4 range. `None` for anything
/// else, and for prefixes shorter than a /8 (IPv4) or a /16 (IPv6).
pub fn network(text: &str) -> Option<(Kind, String, bool)> {
    let (address, prefix) = text.split_once('/')?;
    if prefix.is_empty() || prefix.len() > 3 || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut prefix: u8 = prefix.parse().ok()?;
    let ip: IpAddr = match ipv4(address).filter(|(_, text)| text.len() == address.len()) {
        Some((v4, _)) => v4.into(),
        None => {
            let v6 = ipv6(address).filter(|_| !address.contains('%'))?;
            match v6.to_ipv4_mapped() {
                Some(v4) => {
                    prefix = prefix.checked_sub(96)?;
                    v4.into()
                }
                None => v6.into(),
            }
        }
    };
    let (shortest, whole) = if ip.is_ipv4() {
        (MIN_PREFIX_V4, 32)
    } else {
        (MIN_PREFIX_V6, 128)
    };
    if prefix < shortest {
        return None;
    }
    let (first, last) = network_bounds(ip, prefix)?;
    let internal = is_internal(first) && is_internal(last);
    Some(if prefix == whole {
        let (kind, value) = ip_artifact(first);
        (kind, value, internal)
    } else {
        (Kind::Network, format!("{first}/{prefix}"), internal)
    })
}

/// The first and last address of an address or network artifact's value in its
/// normal form (`194.26.29.112`, `194.26.29.0/24`, `2a01:4f8::/32`); `None` for any
/// other value.
pub fn value_bounds(value: &str) -> Option<(IpAddr, IpAddr)> {
    match value.split_once('/') {
        Some((address, prefix)) => network_bounds(address.parse().ok()?, prefix.parse().ok()?),
        None => value.parse().ok().map(|ip| (ip, ip)),
    }
}

/// The first and last address of the network of `prefix` bits that holds `ip`;
/// `None` for a prefix longer than the address.
pub fn network_bounds(ip: IpAddr, prefix: u8) -> Option<(IpAddr, IpAddr)> {
    let (value, bits) = match ip {
        IpAddr::V4(v4) => (u128::from(v4.to_bits()), 32),
        IpAddr::V6(v6) => (v6.to_bits(), 128),
    };
    let prefix = u32::from(prefix);
    if prefix > bits {
        return None;
    }
    let host_bits = u128::MAX.checked_shr(128 - bits + prefix).unwrap_or(0);
    let address = |value: u128| -> IpAddr {
        match ip {
            // Below 2^32: an IPv4 address's bits, host bits set or not.
            IpAddr::V4(_) => Ipv4Addr::from(value as u32).into(),
            IpAddr::V6(_) => Ipv6Addr::from(value).into(),
        }
    };
    Some((address(value & !host_bits), address(value | host_bits)))
}

/// [`is_internal_v4`] or [`is_internal_v6`], by the address's family.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_internal_v4(v4),
        IpAddr::V6(v6) => is_internal_v6(v6),
    }
}

/// True for addresses that name no one outside: private, loopback, link-local,
/// documentation, shared, benchmarking, multicast, broadcast, reserved, unspecified.
pub fn is_internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_unspecified()
        || ip.is_multicast()
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || (a == 192 && b == 0 && c == 0)
}

/// The IPv6 counterpart of [`is_internal_v4`] (IPv4-mapped addresses are judged as IPv4).
pub fn is_internal_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_internal_v4(v4);
    }
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// A registrable domain name or subdomain, in lowercase: labels of letters, digits and
/// dashes, ending in a suffix of the embedded public suffix list, with at least one
/// label of its own (`co.uk` alone is not a domain). Two-label names ending in a
/// file-extension-like TLD (`invoice.zip`) are taken for file names. A name written
/// in another script (`bücher.de`, a look-alike `аpple.com` with a Cyrillic `а`) is
/// brought to its ASCII form (`xn--bcher-kva.de`), as browsers and DNS see it: so
/// both spellings are one artifact, and a look-alike is listed under a name no one
/// mistakes for the one it imitates.
pub fn domain(text: &str) -> Option<Cow<'_, str>> {
    if text.len() > 253 {
        return None;
    }
    // One pass over the bytes checks every label and finds where the last one starts.
    let bytes = text.as_bytes();
    let (mut labels, mut label_start) = (0, 0);
    for at in 0..=bytes.len() {
        match bytes.get(at) {
            Some(128..) => return international_domain(text),
            None | Some(b'.') => {
                let label = &bytes[label_start..at];
                if label.is_empty()
                    || label.len() > 63
                    || label[0] == b'-'
                    || label[label.len() - 1] == b'-'
                {
                    return None;
                }
                labels += 1;
                label_start = at + 1;
            }
            Some(b) if b.is_ascii_alphanumeric() || *b == b'-' => {}
            Some(_) => return None,
        }
    }
    let tld_start = text.rfind('.')? + 1;
    let lower = ascii_lowercase(text);
    let tld = &lower[tld_start..];
    // Top-level domains are letters, or Punycode for other scripts (`xn--p1ai`, `.рф`).
    let punycode = tld.starts_with("xn--");
    if !tld
        .bytes()
        .all(|b| b.is_ascii_alphabetic() || b == b'-' || (punycode && b.is_ascii_digit()))
    {
        return None;
    }
    if labels == 2 && FILE_EXTENSION_TLDS.contains(&tld) {
        return None;
    }
    // Most names have a registrable part: one lookup of the list. A name without one
    // may still be a suffix of the list's private section (github.io,
    // cloudaccess.net), which is also a company's own host; an ICANN one (co.uk,
    // com) never is.
    let known = match psl::domain(lower.as_bytes()) {
        Some(registrable) => registrable.suffix().is_known(),
        None => psl::suffix(lower.as_bytes()).is_some_and(|suffix| {
            suffix.is_known()
                && suffix.typ() == Some(psl::Type::Private)
                && suffix.as_bytes() == lower.as_bytes()
        }),
    };
    known.then_some(lower)
}

/// [`domain`] for a name with characters beyond ASCII: its ASCII form by the mapping
/// of UTS 46 that URLs use (lowercase, compatibility forms folded, each label in
/// Punycode), then the checks of an ASCII name. The mapping takes every character
/// once: linear.
fn international_domain(text: &str) -> Option<Cow<'static, str>> {
    // Most words of prose that get here are hyphenated (`réseau-interne`): no name.
    if !text.contains('.') {
        return None;
    }
    let ascii = ascii_form(text)?;
    // Folding may leave nothing beyond ASCII; either way the result is checked as one.
    if !ascii.is_ascii() {
        return None;
    }
    domain(&ascii).map(|name| Cow::Owned(name.into_owned()))
}

/// A host (with an optional `:port`) in lowercase, and in its ASCII form when it is a
/// dotted name beyond ASCII — whether or not it is a registrable domain. The search
/// page's script makes the same key with the browser's URL parser, which cannot tell
/// a domain from a file name (`facture_décembre.pdf`): both sides then agree on any
/// value (`crate::search::normalize_artifact`).
pub fn host_in_ascii(host_port: &str) -> String {
    if host_port.is_ascii() || !host_port.contains('.') {
        return host_port.to_lowercase();
    }
    // A port is kept as written.
    let (host, port) = match host_port.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => {
            (host, &host_port[host.len()..])
        }
        _ => (host_port, ""),
    };
    match ascii_form(host) {
        Some(ascii) => [&*ascii, port].concat(),
        None => host_port.to_lowercase(),
    }
}

/// A name's ASCII form by UTS 46 as URLs map it (the WHATWG URL standard's domain to
/// ASCII, its forbidden code points refused): what browsers make of a host, and so
/// what the search page's script (search.js) makes with the browser's URL parser.
fn ascii_form(name: &str) -> Option<Cow<'_, str>> {
    idna::domain_to_ascii_cow(name.as_bytes(), idna::AsciiDenyList::URL).ok()
}

/// The name a reader knows a domain by, when its ASCII form holds Punycode labels
/// (`xn--bcher-kva.de` is `bücher.de`); none for a name without any, or one that
/// does not decode.
pub fn domain_as_written(ascii: &str) -> Option<String> {
    if !ascii.starts_with("xn--") && !ascii.contains(".xn--") {
        return None;
    }
    let (unicode, decoded) = idna::domain_to_unicode(ascii);
    (decoded.is_ok() && unicode != ascii).then_some(unicode)
}

/// The host of a URL, as a domain or an IP address: what [`url`] returns with the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Host {
    Domain(String),
    Ipv4(Ipv4Addr),
    Ipv6(Ipv6Addr),
}

impl Host {
    /// The host as a domain name (for blocklists of domain suffixes).
    pub fn domain(&self) -> Option<&str> {
        match self {
            Host::Domain(d) => Some(d),
            _ => None,
        }
    }

    /// Whether the host is a private, loopback or otherwise reserved address
    /// ([`is_internal_v4`], [`is_internal_v6`]); a domain never is.
    pub fn is_internal(&self) -> bool {
        match self {
            Host::Ipv4(ip) => is_internal_v4(*ip),
            Host::Ipv6(ip) => is_internal_v6(*ip),
            Host::Domain(_) => false,
        }
    }
}

/// Schemes taken for URLs.
const SCHEMES: &[&str] = &["http", "https", "ftp", "ftps", "sftp"];

/// True when `scheme` starts a URL.
pub fn is_scheme(scheme: &str) -> bool {
    SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
}

/// A URL's parts as written: its scheme, its authority (user info, host, port) and
/// the rest (path, query, fragment: from the first `/`, `?` or `#` after `://`).
pub fn url_parts(text: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = text.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    Some((scheme, authority, tail))
}

/// The user info (with its `@`), host and port (with its `:`) of an authority as
/// [`url_parts`] gives it, each empty when absent; an IPv6 host keeps its brackets.
/// For URLs in their normal form ([`url`]), whose hosts are checked already.
pub fn authority_parts(authority: &str) -> (&str, &str, &str) {
    let (user, host_port) = authority.split_at(authority.rfind('@').map_or(0, |at| at + 1));
    let host_end = match host_port.strip_prefix('[') {
        Some(inside) => inside.find(']').map_or(host_port.len(), |end| end + 2),
        None => host_port.find(':').unwrap_or(host_port.len()),
    };
    let (host, port) = host_port.split_at(host_end);
    (user, host, port)
}

/// The host of a URL in its normal form ([`url`]), as written in it: an address in
/// brackets is no name, and gives `None`. Read without checking the URL again (the
/// blocklist asks for every URL found).
pub fn url_host(url: &str) -> Option<&str> {
    let (_, authority, _) = url_parts(url)?;
    let (_, host, _) = authority_parts(authority);
    (!host.starts_with('[')).then_some(host)
}

/// A URL with a known scheme and a valid host, normalised: lowercase scheme and host,
/// the rest as written (paths are case-sensitive), trailing punctuation trimmed.
pub fn url(text: &str) -> Option<(String, Host)> {
    let text = text.trim_end_matches(|c: char| {
        matches!(
            c,
            '.' | ',' | ';' | ':' | '!' | '?' | '\'' | '"' | '*' | '>'
        )
    });
    let (scheme, authority, tail) = url_parts(text)?;
    if !is_scheme(scheme) {
        return None;
    }
    // Credentials in the URL are kept in the value but not part of the host.
    let (userinfo, host_port) = match authority.rsplit_once('@') {
        Some((user, host)) => (Some(user), host),
        None => (None, authority),
    };
    let (host_text, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (inside, after) = inner.split_once(']')?;
        (inside, after.strip_prefix(':'))
    } else {
        match host_port.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (host_port, None),
        }
    };
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return None;
    }
    // An IPv6 host must be bracketed: `http://0:2::db:8` is ambiguous (port or not).
    let bracketed = host_port.starts_with('[');
    let host = if let Ok(v4) = host_text.parse::<Ipv4Addr>() {
        Host::Ipv4(v4)
    } else if bracketed && let Some(v6) = ipv6(host_text) {
        Host::Ipv6(v6)
    } else {
        Host::Domain(domain(host_text)?.into_owned())
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&scheme.to_ascii_lowercase());
    out.push_str("://");
    if let Some(user) = userinfo {
        out.push_str(user);
        out.push('@');
    }
    match &host {
        Host::Domain(d) => out.push_str(d),
        // Read by `std`, so already canonical ([`ipv4`]).
        Host::Ipv4(_) => out.push_str(host_text),
        Host::Ipv6(ip) => {
            out.push('[');
            out.push_str(&ip.to_string());
            out.push(']');
        }
    }
    if let Some(port) = port {
        out.push(':');
        out.push_str(port);
    }
    out.push_str(tail);
    Some((out, host))
}

/// An e-mail address, lowercase (mailboxes are case-insensitive in practice), with the
/// domain after its `@`. The mailbox may be written in any script (`hameçonnage@…`,
/// as internationalised mail allows); the domain comes in its ASCII form ([`domain`]).
pub fn email(text: &str) -> Option<(String, String)> {
    let (local, host) = text.rsplit_once('@')?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && local.chars().all(|c| {
            c.is_ascii_alphanumeric()
                || "._%+-".contains(c)
                || (!c.is_ascii() && c.is_alphanumeric())
        });
    if !local_ok {
        return None;
    }
    let host = domain(host)?;
    let mut email = String::with_capacity(local.len() + 1 + host.len());
    if local.is_ascii() {
        email.push_str(local);
        email.make_ascii_lowercase();
    } else {
        email.push_str(&local.to_lowercase());
    }
    email.push('@');
    email.push_str(&host);
    Some((email, host.into_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn edges_trim_as_the_character_list_does(text in "[a.,;:!?'\"*_@=&+%~#/()é-]{0,12}") {
            proptest::prop_assert_eq!(trim_edges(&text), text.trim_matches(EDGE_PUNCTUATION));
            proptest::prop_assert_eq!(trim_edges_end(&text), text.trim_end_matches(EDGE_PUNCTUATION));
        }

        /// An IPv4 value is the address as written ([`ipv4`]): that holds only
        /// because `std` reads nothing but the canonical form, which this checks.
        #[test]
        fn an_address_read_is_written_as_its_normal_form(text in "[0-9]{1,3}(\\.[0-9]{1,3}){3}(:[0-9]{1,5})?") {
            if let Some((ip, written)) = ipv4(&text) {
                proptest::prop_assert_eq!(ip.to_string(), written);
            }
        }
    }

    #[test]
    fn hashes_by_length() {
        assert_eq!(
            hash(&"A".repeat(32)),
            Some((Kind::Md5, "a".repeat(32).into()))
        );
        assert_eq!(hash(&"b".repeat(40)).unwrap().0, Kind::Sha1);
        assert_eq!(hash(&"c".repeat(64)).unwrap().0, Kind::Sha256);
        assert_eq!(hash(&"d".repeat(128)).unwrap().0, Kind::Sha512);
        assert_eq!(hash(&"e".repeat(33)), None);
        assert_eq!(hash(&"g".repeat(32)), None);
        assert_eq!(hash(""), None);
    }

    #[test]
    fn cves() {
        assert_eq!(cve("cve-2024-3094").as_deref(), Some("CVE-2024-3094"));
        assert_eq!(cve("CVE-2021-44228").as_deref(), Some("CVE-2021-44228"));
        assert_eq!(cve("CVE-2021-1234567").as_deref(), Some("CVE-2021-1234567"));
        for bad in [
            "CVE-21-1234",
            "CVE-2021-123",
            "CVE-2021-",
            "CVE2021-1234",
            "CVE-2021-12a4",
        ] {
            assert_eq!(cve(bad), None, "{bad}");
        }
    }

    #[test]
    fn ips() {
        assert_eq!(
            ipv4("8.8.8.8"),
            Some((Ipv4Addr::new(8, 8, 8, 8), "8.8.8.8"))
        );
        assert_eq!(
            ipv4("8.8.8.8:53"),
            Some((Ipv4Addr::new(8, 8, 8, 8), "8.8.8.8"))
        );
        for bad in [
            "1.2.3",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.2.3.4:99999",
            "01.2.3.4",
            "a.b.c.d",
        ] {
            assert_eq!(ipv4(bad), None, "{bad}");
        }
        assert_eq!(
            ipv6("2001:0DB8:0000:0000:0000:0000:0000:0001")
                .unwrap()
                .to_string(),
            "2001:db8::1"
        );
        assert_eq!(ipv6("fe80::1%eth0").unwrap().to_string(), "fe80::1");
        for bad in [
            "12:30",
            "12:30:45",
            "std::fmt",
            "gggg::1",
            "1:2:3:4:5:6:7:8:9",
        ] {
            assert_eq!(ipv6(bad), None, "{bad}");
        }
        for internal in [
            "10.1.2.3",
            "192.168.0.1",
            "127.0.0.1",
            "172.16.5.4",
            "169.254.1.1",
        ] {
            assert!(is_internal_v4(internal.parse().unwrap()), "{internal}");
        }
        for internal in [
            "100.64.0.1",
            "0.1.2.3",
            "255.255.255.255",
            "224.0.0.1",
            "198.51.100.7",
        ] {
            assert!(is_internal_v4(internal.parse().unwrap()), "{internal}");
        }
        assert!(!is_internal_v4("185.220.101.4".parse().unwrap()));
        for internal in [
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "2001:db8::5",
            "ff02::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(is_internal_v6(internal.parse().unwrap()), "{internal}");
        }
        assert!(!is_internal_v6("2a01:4f8::1".parse().unwrap()));
    }

    #[test]
    fn domains() {
        assert_eq!(domain("Evil.COM").as_deref(), Some("evil.com"));
        assert_eq!(domain("a.b.co.uk").as_deref(), Some("a.b.co.uk"));
        assert_eq!(domain("x-y.example.fr").as_deref(), Some("x-y.example.fr"));
        for bad in [
            "login.php",
            "1.2.3",
            "co.uk",
            "com",
            "evil..com",
            "-evil.com",
            "evil-.com",
            "evil.notatld",
            "invoice.zip",
            "run.py",
            "a.123",
        ] {
            assert_eq!(domain(bad), None, "{bad}");
        }
        // More than two labels: a real host on a file-like TLD.
        assert_eq!(domain("cdn.evil.zip").as_deref(), Some("cdn.evil.zip"));
        // Private-section suffixes are hosts too (a site's own URL was refused).
        assert_eq!(
            domain("cloudaccess.net").as_deref(),
            Some("cloudaccess.net")
        );
        assert_eq!(domain("GitHub.io").as_deref(), Some("github.io"));
        assert_eq!(
            url("https://cloudaccess.net/docs/login.php").unwrap().0,
            "https://cloudaccess.net/docs/login.php"
        );
    }

    #[test]
    fn urls() {
        let (url_, host) = url("HTTPS://Evil.com/Path?q=1.").unwrap();
        assert_eq!(url_, "https://evil.com/Path?q=1");
        assert_eq!(host, Host::Domain("evil.com".into()));
        assert_eq!(
            url("http://1.2.3.4:8080/x").unwrap().0,
            "http://1.2.3.4:8080/x"
        );
        assert_eq!(
            url("http://[2001:DB8::1]/a").unwrap().0,
            "http://[2001:db8::1]/a"
        );
        assert_eq!(
            url("http://user@evil.com").unwrap().0,
            "http://user@evil.com"
        );
        for bad in [
            "javascript://x",
            "http://",
            "http://login.php/x",
            "http://a.com:port/",
            "http//a.com",
            // Unbracketed IPv6 host: the last group could be a port.
            "http://0:2::db:8",
            "http://2001:db8::1/a",
        ] {
            assert_eq!(url(bad), None, "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            email("John.Doe+x@Evil.com"),
            Some(("john.doe+x@evil.com".into(), "evil.com".into()))
        );
        for bad in [
            "@evil.com",
            "a@b",
            "a@login.php",
            ".a@evil.com",
            "a b@evil.com",
            "a’b@evil.com",
        ] {
            assert_eq!(email(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_in_other_scripts_take_their_ascii_form() {
        for (written, ascii) in [
            ("é.com", "xn--9ca.com"),
            ("Bücher.DE", "xn--bcher-kva.de"),
            ("www.bücher.de", "www.xn--bcher-kva.de"),
            // A look-alike of apple.com: its first letter is Cyrillic.
            ("\u{430}pple.com", "xn--pple-43d.com"),
            ("пример.рф", "xn--e1afmkfd.xn--p1ai"),
            ("xn--e1afmkfd.xn--p1ai", "xn--e1afmkfd.xn--p1ai"),
            ("münchen-bank.de", "xn--mnchen-bank-thb.de"),
            // Full-width letters are the ASCII ones.
            ("ｅｖｉｌ.com", "evil.com"),
        ] {
            assert_eq!(domain(written).as_deref(), Some(ascii), "{written}");
        }
        for bad in [
            "réseau-interne",
            "café.notatld",
            "é.zip",
            "éé..com",
            "x.xn--zz",
        ] {
            assert_eq!(domain(bad), None, "{bad}");
        }
        assert_eq!(
            email("Hameçonnage@Bücher.de"),
            Some((
                "hameçonnage@xn--bcher-kva.de".into(),
                "xn--bcher-kva.de".into()
            ))
        );
        let (value, host) = url("https://Bücher.de/Konto?id=1").unwrap();
        assert_eq!(value, "https://xn--bcher-kva.de/Konto?id=1");
        assert_eq!(host, Host::Domain("xn--bcher-kva.de".into()));
        assert_eq!(
            domain_as_written("www.xn--bcher-kva.de").as_deref(),
            Some("www.bücher.de")
        );
        assert_eq!(
            domain_as_written("xn--pple-43d.com").as_deref(),
            Some("\u{430}pple.com")
        );
        assert_eq!(domain_as_written("evil.com"), None);
        assert_eq!(domain_as_written("xn--zz.com"), None);
    }
}
