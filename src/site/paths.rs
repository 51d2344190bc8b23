//! Where each page lives in the built site. Every link is made here, so the URL scheme
//! is in one place. Links point at files (`…/index.html`, not `…/`), because a browser
//! opening the site from `file://` shows a directory listing for a bare directory.

/// The page of one incident.
pub fn incident(id: &str) -> String {
    format!("incidents/{id}.html")
}

/// The directory of the list of all incidents.
pub const ALL_INCIDENTS: &str = "list";

/// The overview page of a facet, listing its values.
pub fn facet(key: &str) -> String {
    format!("{key}/index.html")
}

/// The directory of a facet value's list pages.
pub fn facet_value_dir(key: &str, slug_path: &str) -> String {
    format!("{key}/{slug_path}")
}

/// Page `chunk` (0 = oldest) of a list of `chunks` pages in `dir`: the newest page is
/// the directory's `index.html`, older ones are numbered from the oldest, so that their
/// names do not change when incidents are added.
pub fn list_page(dir: &str, chunk: usize, chunks: usize) -> String {
    if chunk + 1 >= chunks {
        format!("{dir}/index.html")
    } else {
        format!("{dir}/{}.html", chunk + 1)
    }
}

/// The search page with `query` in its address: the page runs it as it opens.
pub fn search_for(query: &str) -> String {
    let mut url = format!("{}?q=", super::search::PAGE);
    for byte in query.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            url.push(char::from(byte));
        } else {
            url.push_str(&format!("%{byte:02X}"));
        }
    }
    url
}

pub const HOME: &str = "index.html";

/// Follow-up tasks not done yet, across incidents.
pub const TASKS: &str = "tasks/index.html";
pub const FEED: &str = "feed.xml";
pub const DATA: &str = "data/incidents.json";

/// The overview of artifacts by type.
pub const ARTIFACTS: &str = "artifacts/index.html";
/// Every artifact with its type and incidents.
pub const ARTIFACTS_DATA: &str = "data/artifacts.json";

/// Page `page` (0 = the most shared values) of the index of one artifact type.
pub fn artifact_type(kind: &str, page: usize) -> String {
    if page == 0 {
        format!("artifacts/{kind}/index.html")
    } else {
        format!("artifacts/{kind}/pages/{}.html", page + 1)
    }
}

/// The page of one artifact: `artifacts/<type>/<segment>/index.html`.
pub fn artifact(kind: &str, value: &str) -> String {
    // One string, the segment borrowed when it is the value: made for every artifact
    // page a build plans (108,000 at 100k incidents in a full build, where planning them
    // took 72-76 ms this way against 84-100 ms with `format!` and a string for each
    // segment; an update of the index plans only those of the artifacts it changed).
    let segment = artifact_segment(value);
    let mut path = String::with_capacity(30 + kind.len() + segment.len());
    for piece in ["artifacts/", kind, "/", &segment, "/index.html"] {
        path.push_str(piece);
    }
    path
}

/// A directory name for an artifact value, safe on every file system and in URLs.
/// Values made only of letters, digits, `.`, `_` and `-` (domains, IPv4 addresses,
/// hashes, CVE ids) are their own name; others (URLs, e-mail and IPv6 addresses) become
/// a readable lowercase slug and a hash of the exact value, so that two values never
/// share a directory (a plain value never ends in `-` and 16 hex digits). Stable
/// across builds and versions: links to artifact pages can be bookmarked.
pub fn artifact_segment(value: &str) -> std::borrow::Cow<'_, str> {
    const MAX: usize = 80;
    let plain = !value.is_empty()
        && value.len() <= MAX
        && !value.starts_with('.')
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if plain {
        return value.into();
    }
    let mut slug = String::with_capacity(MAX.min(value.len()) + 17);
    for c in value.chars() {
        if slug.len() >= 60 {
            break;
        }
        if c.is_ascii_alphanumeric() || c == '.' {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches(['-', '.']);
    format!("{slug}-{:016x}", crate::fnv1a(value.as_bytes())).into()
}

/// A theme static file.
pub fn static_file(name: &str) -> String {
    format!("static/{name}")
}

/// The statistics overview.
pub const STATS: &str = "stats/index.html";

/// The directory of a statistics report: `stats/year/2024`, `stats/quarter/2024-q1`,
/// `stats/time-to-close`. Its page is `index.html`, its figures' CSV files sit beside it.
pub fn report_dir(kind: &str, slug: Option<&str>) -> String {
    match slug {
        Some(slug) => format!("stats/{kind}/{slug}"),
        None => format!("stats/{kind}"),
    }
}

/// A file in a report's directory.
pub fn report_file(dir: &str, name: &str) -> String {
    format!("{dir}/{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_pages_are_named_from_the_oldest() {
        assert_eq!(list_page("list", 0, 1), "list/index.html");
        assert_eq!(list_page("list", 0, 3), "list/1.html");
        assert_eq!(list_page("list", 1, 3), "list/2.html");
        assert_eq!(list_page("list", 2, 3), "list/index.html");
    }

    #[test]
    fn artifact_paths_are_safe_and_distinct() {
        assert_eq!(
            artifact("domain", "evil.com"),
            "artifacts/domain/evil.com/index.html"
        );
        assert_eq!(
            artifact("cve", "CVE-2024-1234"),
            "artifacts/cve/CVE-2024-1234/index.html"
        );
        assert_eq!(artifact_type("url", 0), "artifacts/url/index.html");
        assert_eq!(artifact_type("url", 1), "artifacts/url/pages/2.html");
        let values = [
            "https://evil.com/a?b=c:d",
            "https://evil.com/A?b=c:d",
            "https://evil.com/a?b=c;d",
            "http://evil.com/",
            "a@evil.com",
            "2001:db8::1",
            "2001:db8::1:0",
            "../../etc/passwd",
            "..",
            ".hidden",
            "con",
            "%2e%2e",
            &"x".repeat(300),
        ];
        let mut seen = std::collections::HashSet::new();
        for value in values {
            let segment = artifact_segment(value);
            assert!(seen.insert(segment.clone()), "{value} → {segment} twice");
            assert!(!segment.is_empty() && segment.len() <= 80, "{segment}");
            assert!(!segment.starts_with('.'), "{segment}");
            assert!(
                segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-')),
                "{segment}"
            );
            assert_eq!(artifact_segment(value), segment, "stable");
        }
        assert_eq!(
            artifact_segment("https://evil.com/a?b=c:d"),
            format!(
                "https-evil.com-a-b-c-d-{:016x}",
                crate::fnv1a(b"https://evil.com/a?b=c:d")
            )
        );
        // Fixed value: FNV-1a is the same in every version.
        assert_eq!(crate::fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
