//! Where each page lives in the built site. Every link is made here, so the URL scheme
//! is in one place. Links point at files (`…/index.html`, not `…/`), because a browser
//! opening the site from `file://` shows a directory listing for a bare directory.

/// The page of one incident.
pub fn incident(id: &str) -> String {
    format!("incidents/{id}.html")
}

/// The printable follow-up page of one incident.
pub fn print(id: &str) -> String {
    format!("print/{id}.html")
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

pub const HOME: &str = "index.html";
pub const FEED: &str = "feed.xml";
pub const DATA: &str = "data/incidents.json";

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
}
