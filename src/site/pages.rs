//! The built-in page generators: incident pages, lists, facets, home, feed, data, and
//! the theme's static files. Each one lists its jobs with a fingerprint of everything
//! they show, so that an incremental build renders only the jobs whose fingerprint
//! changed; then renders a job on demand.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};

use rayon::prelude::*;
use serde::Serialize;
use tera::Context;

use super::data::{JsonArray, Line};
use super::index::{Facet, FacetValue, chunks};
use super::{BuildError, Generator, Input, Job, Output, paths};
use crate::artifacts::correlate::MAX_FANOUT;
use crate::config::Taxonomy;
use crate::incident::{Attribute, Incident, Legacy};
use crate::render::context::{
    DateView, LinkView, PageMeta, PagerView, RowView, TermView, text_color_on,
};
use crate::render::{escape_html_into, html_value, markdown};

/// Incidents per list page (the newest page of a list holds up to twice as many).
pub const PER_PAGE: usize = 50;
/// Incidents in each list of the home page.
const HOME_LIST: usize = 10;
/// Entries in the Atom feed.
const FEED_ENTRIES: usize = 20;

pub(super) use super::fingerprint::hasher;

// ---------------------------------------------------------------------------------
// Views shared by several pages

impl Input<'_> {
    /// A taxonomy value as a badge, linked to its facet page when `linked`.
    pub fn term(
        &self,
        facet: &str,
        taxonomy: Option<&Taxonomy>,
        slug: &str,
        linked: bool,
    ) -> TermView {
        let term = taxonomy.and_then(|t| t.get(slug));
        let label = term.map_or(slug, |t| t.label.as_str());
        let color = term.and_then(|t| t.color.as_deref());
        let url = if linked {
            self.index.value_url(facet, slug)
        } else {
            None
        };
        TermView::new(slug, label, color, url)
    }

    /// [`Input::term`] as a template value, made once per build
    /// ([`super::term_values::TermValues`]).
    pub fn term_value(
        &self,
        facet: &str,
        taxonomy: Option<&Taxonomy>,
        slug: &str,
        linked: bool,
    ) -> tera::Value {
        self.terms.get_or_make(facet, slug, linked, || {
            self.badge_value(self.term(facet, taxonomy, slug, linked))
        })
    }

    /// `term` as a template value, with its badge rendered ([`TermView::html`]).
    pub fn badge_value(&self, mut term: TermView) -> tera::Value {
        let mut context = tera::Context::new();
        context.insert("term", &term);
        if let Ok(html) = self.renderer.render("partials/badges.html", &context) {
            term.html = Some(html_value(&html));
        }
        tera::Value::from_serializable(&term)
    }

    /// The list row of summary `i`.
    pub fn row_view(&self, i: u32) -> RowView {
        let s = &self.summaries[i as usize];
        let c = self.config;
        RowView {
            id: s.id.clone(),
            url: paths::incident(&s.id),
            title: s.title.clone(),
            date: DateView::new(&s.date, c.tz()),
            category: self.term_value("category", Some(&c.categories), &s.category, false),
            severity: self.term_value(
                "severity",
                Some(&c.severities),
                &s.severity.to_string(),
                false,
            ),
            status: self.term_value("status", Some(&c.statuses), &s.status, false),
            tlp: self.term_value("tlp", Some(&c.tlp), &s.tlp, false),
            major: s.major,
            is_event: !s.incident,
            closed: s.closed,
            business_lines: s.business_lines.clone(),
        }
    }

    /// The rendered list rows of `members`, newest first, each followed by a newline:
    /// one string that `partials/rows.html` writes out whole, rather than a list of
    /// strings copied into the template's values and looped over (50 rows a list page).
    pub fn rows_newest_first(&self, members: &[u32]) -> Result<tera::Value, BuildError> {
        let rows = members
            .iter()
            .rev()
            .map(|&i| self.row(i))
            .collect::<Result<Vec<&str>, BuildError>>()?;
        // Sized once: the rows of a list page are some 30 KB.
        let mut html = String::with_capacity(rows.iter().map(|row| row.len() + 1).sum());
        for row in rows {
            html.push_str(row);
            html.push('\n');
        }
        Ok(html_value(&html))
    }

    pub(super) fn fingerprint_of(&self, members: &[u32], hasher: &mut impl Hasher) {
        for &i in members {
            self.fingerprints.rows[i as usize].hash(hasher);
        }
    }

    /// `template` rendered for the page at `path` (named in errors).
    pub(crate) fn render_page(
        &self,
        template: &str,
        path: &str,
        context: &Context,
    ) -> Result<Vec<u8>, BuildError> {
        self.renderer
            .render_bytes(template, context)
            .map_err(|source| BuildError::Page {
                path: path.to_string(),
                source,
            })
    }
}

pub(super) fn page_context<T: Serialize>(meta: &PageMeta, key: &str, value: &T) -> Context {
    let mut context = Context::new();
    context.insert("page", meta);
    context.insert(key.to_string(), value);
    context
}

// ---------------------------------------------------------------------------------
// Incident pages

/// One page per incident, which prints as its follow-up sheet (print CSS).
#[derive(Debug)]
pub struct IncidentPages<'a> {
    pub input: &'a Input<'a>,
}

impl IncidentPages<'_> {
    /// The files of incident `id`'s job, in the order [`Generator::render`] gives them.
    pub fn outputs(id: &str) -> Vec<String> {
        vec![paths::incident(id)]
    }
}

#[derive(Debug, Serialize)]
struct IncidentView {
    id: String,
    title: String,
    url: String,
    source: String,
    /// Where the file is edited (fir.toml's `edit_url`).
    edit_url: Option<String>,
    date: DateView,
    closed_at: Option<DateView>,
    // Badges: template values made once per build (see `Input::term_value`).
    category: tera::Value,
    severity: tera::Value,
    status: tera::Value,
    tlp: tera::Value,
    business_lines: Vec<tera::Value>,
    detection: Option<tera::Value>,
    actor: Option<tera::Value>,
    plan: Option<tera::Value>,
    major: bool,
    is_event: bool,
    kind: tera::Value,
    opened_by: Option<String>,
    tags: Vec<tera::Value>,
    /// The artifact table's rows ([`artifact_rows`]); empty without artifacts.
    artifact_rows: tera::Value,
    description: tera::Value,
    timeline: Vec<TimelineView>,
    nuggets: Vec<NuggetView>,
    todos: Vec<TodoView>,
    attributes: Vec<Attribute>,
    legacy: Option<Legacy>,
    related: tera::Value,
    /// Links to the alert of the incident's business lines (`[alerting]`), if any.
    alert: Option<AlertLinks>,
}

/// The incident's alert ([`crate::alerting`]) as the page links to it.
#[derive(Debug, Serialize)]
struct AlertLinks {
    mailto: String,
    /// The `.eml` draft, whole, as a `data:` address.
    eml: String,
    recipients: String,
}

/// An artifact's share count as incident pages show it: exact up to
/// [`MAX_FANOUT`], then `MAX_FANOUT+`. A value that common no longer relates
/// incidents, and a page that showed its exact count would have to be rendered again,
/// on every one of its thousands of incidents, each time one more mentions it (a
/// company's own mail domain, a public resolver). Its artifact page has the number.
fn shown_share(count: usize) -> usize {
    count.min(MAX_FANOUT + 1)
}

/// The rows of an incident's artifact table, as HTML: one per artifact, its type, its
/// value defanged (linked to its page if it has one, the real value on the copy
/// button) and how many incidents mention it. Written here rather than by a template
/// loop: with some 25 artifacts on each of 10,000 pages (the synthetic corpus), the
/// loop was a tenth of the incident pages' rendering.
fn artifact_rows(input: &Input<'_>, i: u32) -> String {
    let summary = &input.summaries[i as usize];
    let correlation = &input.index.artifacts;
    let config = &input.config.artifacts;
    let mut html = String::with_capacity(summary.artifacts.len() * 160);
    for (k, artifact) in summary.artifacts.iter().enumerate() {
        let count = correlation.of_incident[i as usize]
            .get(k)
            .map(|&at| &correlation.shared[at as usize])
            .filter(|shared| shared.artifact == *artifact)
            .map_or(1, |shared| shared.incidents.len());
        let defanged = crate::artifacts::defang(artifact);
        html.push_str("<tr><td>");
        escape_html_into(&mut html, artifact.kind.name());
        html.push_str("</td><td data-copy=\"");
        escape_html_into(&mut html, &artifact.value);
        html.push_str("\">");
        let url = config
            .has_page(count)
            .then(|| paths::artifact(artifact.kind.name(), &artifact.value));
        if let Some(url) = &url {
            html.push_str("<a href=\"");
            escape_html_into(&mut html, url);
            html.push_str("\">");
        }
        html.push_str("<code>");
        escape_html_into(&mut html, &defanged);
        html.push_str("</code>");
        if url.is_some() {
            html.push_str("</a>");
        }
        // A name in Punycode, as a reader would see it (a look-alike shows here).
        if let Some(written) = crate::artifacts::defang_as_written(artifact) {
            html.push_str(" <span class=\"written\">(<code>");
            escape_html_into(&mut html, &written);
            html.push_str("</code>)</span>");
        }
        html.push_str("</td><td class=\"count\">");
        // Writing to a String cannot fail.
        if config.enabled {
            if shown_share(count) > MAX_FANOUT {
                let _ = write!(html, "{MAX_FANOUT}+");
            } else {
                let _ = write!(html, "{count}");
            }
        }
        html.push_str("</td></tr>\n");
    }
    html
}

#[derive(Debug, Serialize)]
struct TimelineView {
    date: DateView,
    action: Option<tera::Value>,
    author: Option<String>,
    text: tera::Value,
}

#[derive(Debug, Serialize)]
struct NuggetView {
    date: Option<DateView>,
    source: Option<String>,
    raw: String,
    interpretation: tera::Value,
    start: Option<DateView>,
    end: Option<DateView>,
    found_by: Option<String>,
}

#[derive(Debug, Serialize)]
struct TodoView {
    task: String,
    business_line: Option<String>,
    deadline: Option<DateView>,
    done: bool,
    done_at: Option<DateView>,
}

fn text(value: &Option<String>) -> Option<String> {
    value
        .as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

impl IncidentPages<'_> {
    /// The links to the incident's alert, when its business lines have contacts.
    fn alert(
        &self,
        incident: &Incident,
        artifacts: &[crate::artifacts::Artifact],
    ) -> Result<Option<AlertLinks>, BuildError> {
        let config = self.input.config;
        if !config.alerting.is_set() {
            return Ok(None);
        }
        let sender = crate::alerting::Sender {
            config,
            renderer: self.input.renderer,
            base_url: self.input.base_url,
        };
        // The incident's own lines are declared or not, never unknown: only the
        // template fails a page; no contacts means no links.
        let draft = match crate::alerting::prepare(sender, incident, artifacts, &[]) {
            Ok(draft) => draft,
            Err(crate::alerting::AlertError::Template(source)) => {
                return Err(BuildError::Page {
                    path: paths::incident(&incident.id),
                    source,
                });
            }
            Err(_) => return Ok(None),
        };
        Ok(Some(AlertLinks {
            mailto: draft.to_mailto(),
            eml: draft.to_data_url(),
            recipients: draft.to.join(", "),
        }))
    }

    fn view(&self, i: u32, incident: &Incident) -> Result<IncidentView, BuildError> {
        let input = self.input;
        let c = input.config;
        let tz = c.tz();
        let s = &input.summaries[i as usize];
        let optional = |facet: &str, taxonomy: &Taxonomy, value: &Option<String>, linked: bool| {
            text(value).map(|v| input.term_value(facet, Some(taxonomy), &v, linked))
        };
        let source = input.source_path(&s.path);
        let related = input.rows_newest_first(
            &input.index.related[i as usize]
                .iter()
                .rev()
                .copied()
                .collect::<Vec<_>>(),
        )?;
        Ok(IncidentView {
            id: s.id.to_string(),
            title: incident.title.clone(),
            url: paths::incident(&s.id),
            edit_url: c.edit_link(&source),
            source,
            date: DateView::new(&incident.date, tz),
            closed_at: incident.closed.as_ref().map(|d| DateView::new(d, tz)),
            category: input.term_value("category", Some(&c.categories), &s.category, true),
            severity: input.term_value(
                "severity",
                Some(&c.severities),
                &s.severity.to_string(),
                true,
            ),
            status: input.term_value("status", Some(&c.statuses), &s.status, true),
            tlp: input.term_value("tlp", Some(&c.tlp), &s.tlp, true),
            business_lines: s
                .business_lines
                .iter()
                .map(|bl| input.term_value("business-line", None, bl, true))
                .collect(),
            detection: optional("detection", &c.detections, &incident.detection, true),
            actor: optional("actor", &c.actors, &incident.actor, true),
            plan: optional("plan", &c.plans, &incident.plan, false),
            major: s.major,
            is_event: !s.incident,
            kind: {
                let kind = if s.incident { "incident" } else { "event" };
                // Labelled in the site's language, not by a taxonomy.
                input.terms.get_or_make("kind", kind, true, || {
                    let mut term = input.term("kind", None, kind, true);
                    term.label = input
                        .renderer
                        .catalogue()
                        .get(&format!("kind_{kind}"))
                        .to_string();
                    input.badge_value(term)
                })
            },
            opened_by: text(&incident.opened_by),
            tags: s
                .tags
                .iter()
                .map(|t| input.term_value("tag", None, t, true))
                .collect(),
            artifact_rows: html_value(&artifact_rows(input, i)),
            description: html_value(&markdown::to_html(&incident.description)),
            timeline: incident
                .timeline
                .iter()
                .map(|entry| TimelineView {
                    date: DateView::new(&entry.date, tz),
                    action: optional("action", &c.actions, &entry.action, false),
                    author: text(&entry.author),
                    text: html_value(&markdown::to_html(&entry.text)),
                })
                .collect(),
            nuggets: incident
                .nuggets
                .iter()
                .map(|n| NuggetView {
                    date: n.date.as_ref().map(|d| DateView::new(d, tz)),
                    source: text(&n.source),
                    raw: n.raw.clone(),
                    interpretation: html_value(&markdown::to_html(
                        n.interpretation.as_deref().unwrap_or(""),
                    )),
                    start: n.start.as_ref().map(|d| DateView::new(d, tz)),
                    end: n.end.as_ref().map(|d| DateView::new(d, tz)),
                    found_by: text(&n.found_by),
                })
                .collect(),
            todos: incident
                .todos
                .iter()
                .map(|t| TodoView {
                    task: t.task.clone(),
                    business_line: text(&t.business_line),
                    deadline: t.deadline.as_ref().map(|d| DateView::new(d, tz)),
                    done: t.done,
                    done_at: t.done_at.as_ref().map(|d| DateView::new(d, tz)),
                })
                .collect(),
            attributes: incident.attributes.clone(),
            legacy: incident.legacy.clone(),
            related,
            alert: self.alert(incident, &s.artifacts)?,
        })
    }
}

impl Generator for IncidentPages<'_> {
    fn name(&self) -> &'static str {
        "incidents"
    }

    fn jobs(&self) -> Vec<Job> {
        let input = self.input;
        // How many incidents share each artifact, in a list of its own: looked up by
        // every incident's artifacts (1.4 million at 100k), in an eighth of the memory
        // of the correlation's entries, which missed the processor's caches.
        let shared_by: Vec<u32> = (input.index.artifacts.shared)
            .par_iter()
            .map(|s| s.incidents.len() as u32)
            .collect();
        (0..input.summaries.len())
            .into_par_iter()
            .map(|i| {
                let s = &input.summaries[i];
                let mut h = hasher();
                input.fingerprints.rows[i].hash(&mut h);
                input.fingerprint_of(&input.index.related[i], &mut h);
                for &at in &input.index.artifacts.of_incident[i] {
                    let count = shared_by[at as usize] as usize;
                    shown_share(count).hash(&mut h);
                    input.config.artifacts.has_page(count).hash(&mut h);
                }
                // Links to facet pages: their paths may change when slugs collide.
                for (facet, raw) in [
                    ("category", &s.category),
                    ("status", &s.status),
                    ("tlp", &s.tlp),
                ] {
                    input.index.value_slug(facet, raw).hash(&mut h);
                }
                for bl in &s.business_lines {
                    input.index.value_slug("business-line", bl).hash(&mut h);
                }
                Job {
                    item: i,
                    outputs: IncidentPages::outputs(&s.id),
                    fingerprint: h.finish(),
                }
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        let entry = input.entries.get(item, input)?;
        let view = self.view(item as u32, &entry.incident)?;
        let title = format!("{} · {}", view.id, view.title);
        let path = paths::incident(&view.id);
        let context = page_context(&PageMeta::new(&path, &title, "all"), "incident", &view);
        Ok(vec![input.render_page("incident.html", &path, &context)?])
    }
}

// ---------------------------------------------------------------------------------
// Lists: all incidents, and one list per facet value

/// The paginated list of all incidents and of every facet value.
#[derive(Debug)]
pub struct Listings<'a> {
    input: &'a Input<'a>,
    lists: Vec<List<'a>>,
    /// (list, chunk) of each job.
    items: Vec<(usize, usize)>,
}

#[derive(Debug)]
struct List<'a> {
    dir: String,
    /// The facet and value this list is for; `None` for all incidents.
    facet: Option<(&'a Facet, &'a FacetValue)>,
    members: &'a [u32],
    chunks: Vec<std::ops::Range<usize>>,
}

#[derive(Debug, Serialize)]
struct ListView {
    /// `all`, or the facet's key.
    facet: String,
    facet_url: Option<String>,
    facet_label: String,
    title: String,
    color: Option<String>,
    fg: Option<&'static str>,
    newest: bool,
    /// Shown on the newest page only: older pages do not change when incidents are added.
    total: usize,
    first: Option<DateView>,
    last: Option<DateView>,
    rows: tera::Value,
    pager: PagerView,
    parents: Vec<LinkView>,
    children: Vec<LinkView>,
    /// The search page asked for this list's incidents, to narrow them down.
    search_url: Option<String>,
}

impl<'a> Listings<'a> {
    pub fn new(input: &'a Input<'a>) -> Self {
        let mut lists = vec![List {
            dir: paths::ALL_INCIDENTS.to_string(),
            facet: None,
            members: &input.all,
            chunks: chunks(input.all.len(), PER_PAGE),
        }];
        for facet in &input.index.facets {
            for value in &facet.values {
                lists.push(List {
                    dir: paths::facet_value_dir(facet.key, &value.slug_path),
                    facet: Some((facet, value)),
                    members: &value.members,
                    chunks: chunks(value.members.len(), PER_PAGE),
                });
            }
        }
        let items = lists
            .iter()
            .enumerate()
            .flat_map(|(l, list)| (0..list.chunks.len()).map(move |c| (l, c)))
            .collect();
        Listings {
            input,
            lists,
            items,
        }
    }

    fn links(&self, facet: &Facet, values: &[usize]) -> Vec<LinkView> {
        let max = values
            .iter()
            .map(|&v| facet.values[v].members.len())
            .max()
            .unwrap_or(1)
            .max(1);
        values
            .iter()
            .map(|&v| value_link(facet, &facet.values[v], 0, max))
            .collect()
    }

    fn view(&self, list: &List<'_>, chunk: usize) -> Result<ListView, BuildError> {
        let input = self.input;
        let n = list.chunks.len();
        let newest = chunk + 1 == n;
        let range = list.chunks[chunk].clone();
        let page = |k: usize| paths::list_page(&list.dir, k, n);
        let members = &list.members[range];
        let date = |i: Option<&u32>| {
            i.map(|&i| DateView::new(&input.summaries[i as usize].date, input.config.tz()))
        };
        let catalogue = input.renderer.catalogue();
        let (facet, facet_url, title, color, parents, children) = match list.facet {
            None => (
                "all".to_string(),
                None,
                catalogue.get("all_incidents").to_string(),
                None,
                Vec::new(),
                Vec::new(),
            ),
            Some((facet, value)) => {
                let mut parents = Vec::new();
                let mut at = value.parent;
                while let Some(p) = at {
                    parents.insert(0, value_link(facet, &facet.values[p], 0, 1));
                    at = facet.values[p].parent;
                }
                let children = if newest {
                    self.links(facet, &value.children)
                } else {
                    Vec::new()
                };
                (
                    facet.key.to_string(),
                    Some(paths::facet(facet.key)),
                    value.label.clone(),
                    value.color.clone(),
                    parents,
                    children,
                )
            }
        };
        let facet_label = catalogue.get(&format!("facet_{facet}")).to_string();
        Ok(ListView {
            facet_label,
            facet,
            facet_url,
            title,
            fg: color.as_deref().map(text_color_on),
            color,
            newest,
            total: if newest { list.members.len() } else { 0 },
            first: date(members.first()),
            last: date(members.last()),
            rows: input.rows_newest_first(members)?,
            pager: PagerView {
                newest: (!newest).then(|| page(n - 1)),
                newer: (!newest).then(|| page(chunk + 1)),
                older: (chunk > 0).then(|| page(chunk - 1)),
                oldest: (chunk > 0).then(|| page(0)),
                page: n - chunk,
                pages: n,
            },
            parents,
            children,
            search_url: list
                .facet
                .and_then(|(facet, value)| {
                    crate::search::query::facet_filter(facet.key, &value.raw)
                })
                .map(|filter| paths::search_for(&filter)),
        })
    }
}

fn value_link(facet: &Facet, value: &FacetValue, depth: usize, max: usize) -> LinkView {
    LinkView {
        label: value.label.clone(),
        url: paths::list_page(&paths::facet_value_dir(facet.key, &value.slug_path), 0, 1),
        count: value.members.len(),
        color: value.color.clone(),
        fg: value.color.as_deref().map(text_color_on),
        depth,
        percent: value.members.len() * 100 / max.max(1),
    }
}

impl Generator for Listings<'_> {
    fn name(&self) -> &'static str {
        "lists"
    }

    fn jobs(&self) -> Vec<Job> {
        self.items
            .par_iter()
            .enumerate()
            .map(|(item, &(l, chunk))| {
                let list = &self.lists[l];
                let n = list.chunks.len();
                let newest = chunk + 1 == n;
                let mut h = hasher();
                (&list.dir, chunk, newest, chunk + 2 == n).hash(&mut h);
                if let Some((facet, value)) = list.facet {
                    (&value.label, &value.color).hash(&mut h);
                    let mut at = value.parent;
                    while let Some(p) = at {
                        (&facet.values[p].label, &facet.values[p].slug_path).hash(&mut h);
                        at = facet.values[p].parent;
                    }
                    if newest {
                        for &c in &value.children {
                            let child = &facet.values[c];
                            (&child.label, &child.slug_path, child.members.len()).hash(&mut h);
                        }
                    }
                }
                if newest {
                    (n, list.members.len()).hash(&mut h);
                }
                self.input
                    .fingerprint_of(&list.members[list.chunks[chunk].clone()], &mut h);
                Job {
                    item,
                    outputs: vec![paths::list_page(&list.dir, chunk, n)],
                    fingerprint: h.finish(),
                }
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let (l, chunk) = self.items[item];
        let list = &self.lists[l];
        let view = self.view(list, chunk)?;
        let path = paths::list_page(&list.dir, chunk, list.chunks.len());
        let meta = PageMeta::new(&path, &view.title, &view.facet);
        let page =
            self.input
                .render_page("list.html", &path, &page_context(&meta, "list", &view))?;
        Ok(vec![page])
    }
}

// ---------------------------------------------------------------------------------
// Facet overviews

/// One page per facet listing its values with their counts.
#[derive(Debug)]
pub struct FacetPages<'a> {
    pub input: &'a Input<'a>,
}

#[derive(Debug, Serialize)]
struct FacetView {
    key: String,
    values: Vec<LinkView>,
}

fn facet_values(facet: &Facet) -> Vec<LinkView> {
    let max = facet
        .values
        .iter()
        .map(|v| v.members.len())
        .max()
        .unwrap_or(1);
    let mut out = Vec::with_capacity(facet.values.len());
    fn walk(facet: &Facet, at: usize, depth: usize, max: usize, out: &mut Vec<LinkView>) {
        out.push(value_link(facet, &facet.values[at], depth, max));
        for &child in &facet.values[at].children {
            walk(facet, child, depth + 1, max, out);
        }
    }
    for (i, value) in facet.values.iter().enumerate() {
        if value.parent.is_none() {
            walk(facet, i, 0, max, &mut out);
        }
    }
    out
}

impl Generator for FacetPages<'_> {
    fn name(&self) -> &'static str {
        "facets"
    }

    fn jobs(&self) -> Vec<Job> {
        self.input
            .index
            .facets
            .iter()
            .enumerate()
            .map(|(item, facet)| {
                let mut h = hasher();
                for value in &facet.values {
                    (
                        &value.label,
                        &value.slug_path,
                        &value.color,
                        value.members.len(),
                        value.parent,
                    )
                        .hash(&mut h);
                }
                Job {
                    item,
                    outputs: vec![paths::facet(facet.key)],
                    fingerprint: h.finish(),
                }
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let facet = &self.input.index.facets[item];
        let path = paths::facet(facet.key);
        let title = self
            .input
            .renderer
            .catalogue()
            .get(&format!("facet_{}", facet.key))
            .to_string();
        let view = FacetView {
            key: facet.key.to_string(),
            values: facet_values(facet),
        };
        let meta = PageMeta::new(&path, title, facet.key);
        Ok(vec![self.input.render_page(
            "facets.html",
            &path,
            &page_context(&meta, "facet", &view),
        )?])
    }
}

// ---------------------------------------------------------------------------------
// Home, feed, data

/// The home page: counts and the open, latest and major incidents.
#[derive(Debug)]
pub struct Home<'a> {
    pub input: &'a Input<'a>,
}

#[derive(Debug, Serialize)]
struct HomeView {
    total: usize,
    incidents: usize,
    events: usize,
    open: usize,
    major: usize,
    /// Follow-up tasks not done.
    tasks: usize,
    open_rows: tera::Value,
    latest_rows: tera::Value,
    major_rows: tera::Value,
    by_severity: Vec<LinkView>,
    by_status: Vec<LinkView>,
    by_category: Vec<LinkView>,
    dashboard: super::reports::DashboardView,
}

/// The newest `n` summaries that pass `keep`, oldest first.
fn newest(input: &Input<'_>, n: usize, keep: impl Fn(&super::Summary) -> bool) -> Vec<u32> {
    let mut found: Vec<u32> = input
        .all
        .iter()
        .rev()
        .filter(|&&i| keep(&input.summaries[i as usize]))
        .take(n)
        .copied()
        .collect();
    found.reverse();
    found
}

impl Generator for Home<'_> {
    fn name(&self) -> &'static str {
        "home"
    }

    fn jobs(&self) -> Vec<Job> {
        let mut h = hasher();
        self.input.fingerprint_of(&self.input.all, &mut h);
        vec![Job {
            item: 0,
            outputs: vec![paths::HOME.to_string()],
            fingerprint: h.finish(),
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        let s = input.summaries;
        let facet_links = |key: &str| input.index.facet(key).map(facet_values).unwrap_or_default();
        let view = HomeView {
            total: s.len(),
            incidents: s.iter().filter(|s| s.incident).count(),
            events: s.iter().filter(|s| !s.incident).count(),
            open: s.iter().filter(|s| !s.closed).count(),
            major: s.iter().filter(|s| s.major).count(),
            tasks: s.iter().map(|s| s.todos.len()).sum(),
            open_rows: input.rows_newest_first(&newest(input, HOME_LIST, |s| !s.closed))?,
            latest_rows: input.rows_newest_first(&newest(input, HOME_LIST, |_| true))?,
            major_rows: input.rows_newest_first(&newest(input, HOME_LIST, |s| s.major))?,
            by_severity: facet_links("severity"),
            by_status: facet_links("status"),
            by_category: facet_links("category"),
            dashboard: super::reports::dashboard(input),
        };
        let meta = PageMeta::new(paths::HOME, input.config.title.clone(), "home");
        Ok(vec![input.render_page(
            "home.html",
            paths::HOME,
            &page_context(&meta, "home", &view),
        )?])
    }
}

/// The Atom feed of the latest incidents.
#[derive(Debug)]
pub struct Feed<'a> {
    pub input: &'a Input<'a>,
}

#[derive(Debug, Serialize)]
struct FeedEntry {
    id: String,
    title: String,
    url: String,
    updated: String,
    category: String,
    summary: String,
}

impl Generator for Feed<'_> {
    fn name(&self) -> &'static str {
        "feed"
    }

    fn jobs(&self) -> Vec<Job> {
        let mut h = hasher();
        self.input
            .fingerprint_of(&newest(self.input, FEED_ENTRIES, |_| true), &mut h);
        self.input.base_url.hash(&mut h);
        vec![Job {
            item: 0,
            outputs: vec![paths::FEED.to_string()],
            fingerprint: h.finish(),
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        let latest = newest(input, FEED_ENTRIES, |_| true);
        let mut entries = Vec::with_capacity(latest.len());
        for &i in latest.iter().rev() {
            let s = &input.summaries[i as usize];
            let entry = input.entries.get(i as usize, input)?;
            entries.push(FeedEntry {
                id: s.id.to_string(),
                title: s.title.clone(),
                url: input.absolute_url(&paths::incident(&s.id)),
                updated: s.date.timestamp(input.config.tz()).to_string(),
                category: input.config.categories.label(&s.category).to_string(),
                summary: markdown::to_html(&entry.incident.description),
            });
        }
        let updated = entries.first().map_or_else(
            || jiff::Timestamp::UNIX_EPOCH.to_string(),
            |e| e.updated.clone(),
        );
        let mut context = Context::new();
        context.insert("entries", &entries);
        context.insert("updated", &updated);
        context.insert("self_url", &input.absolute_url(paths::FEED));
        context.insert("home_url", &input.absolute_url(""));
        Ok(vec![input.render_page(
            "feed.xml",
            paths::FEED,
            &context,
        )?])
    }
}

/// `data/incidents.json`: every published incident, front matter and text.
#[derive(Debug)]
pub struct Data<'a> {
    pub input: &'a Input<'a>,
}

impl Data<'_> {
    /// Adds the incidents at `positions`: those loaded written anew, the others as
    /// their lines of the previous file.
    fn push(
        &self,
        array: &mut super::data::JsonArray,
        positions: &[u32],
        old_lines: &std::collections::HashMap<&str, &str>,
    ) -> Result<(), BuildError> {
        let input = self.input;
        for &i in positions {
            let summary = &input.summaries[i as usize];
            match input.entries.loaded(i as usize) {
                Some(entry) => array.push_with_artifacts(&entry.incident, &summary.artifacts),
                None => {
                    let id = summary.id.as_str();
                    let line = old_lines.get(id).ok_or_else(|| {
                        BuildError::Stale(format!("{} has no line for {id}", paths::DATA))
                    })?;
                    array.push_line(line);
                }
            }
        }
        Ok(())
    }
}

impl Generator for Data<'_> {
    fn name(&self) -> &'static str {
        "data"
    }

    fn jobs(&self) -> Vec<Job> {
        let mut h = hasher();
        self.input.fingerprint_of(&self.input.all, &mut h);
        vec![Job {
            item: 0,
            outputs: vec![paths::DATA.to_string()],
            fingerprint: h.finish(),
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        // Unchanged incidents are not loaded in an incremental build: their lines are
        // taken from the previous file.
        let previous = if input.entries.all_loaded() {
            String::new()
        } else {
            std::fs::read_to_string(input.out.join(paths::DATA)).map_err(|source| {
                BuildError::Io {
                    path: input.out.join(paths::DATA),
                    source,
                }
            })?
        };
        let old_lines = super::data::lines_by_id(&previous);
        let estimate = if previous.is_empty() {
            input.summaries.len() * 4096
        } else {
            previous.len() + 64 * 1024
        };
        let mut array = super::data::JsonArray::with_capacity(estimate);
        self.push(&mut array, &input.all, &old_lines)?;
        Ok(vec![array.finish()])
    }

    /// In an incremental build the published file is spliced: the lines of unchanged
    /// incidents are copied from it in stretches (the kernel copies them, they are not
    /// read into memory), the others written anew. Closing an old incident of a large
    /// site rewrites one line, not every line after it.
    fn render_update(&self, item: usize) -> Result<Vec<Output>, BuildError> {
        let input = self.input;
        let path = input.out.join(paths::DATA);
        let io = |source| BuildError::Io {
            path: path.clone(),
            source,
        };
        let (kept, was_tail) = (input.kept, input.was_tail);
        let old_id = |p: u32| match (p as usize).checked_sub(kept) {
            Some(t) => was_tail[t].id.as_str(),
            None => input.summaries[p as usize].id.as_str(),
        };
        let tail_at: std::collections::HashMap<&str, u32> = was_tail
            .iter()
            .enumerate()
            .map(|(t, s)| (s.id.as_str(), (kept + t) as u32))
            .collect();
        let old_position = |i: u32| -> Option<u32> {
            if (i as usize) < kept {
                Some(i)
            } else {
                tail_at
                    .get(input.summaries[i as usize].id.as_str())
                    .copied()
            }
        };
        let old_count = (kept + was_tail.len()) as u32;
        // A published file gone is written whole.
        let Ok(mut file) = std::fs::File::open(&path) else {
            return Ok(self.render(item)?.into_iter().map(Output::Whole).collect());
        };
        // Incidents read again were changed, or only looked at (one that relates to a
        // changed one): the published lines of those that were not published anew.
        let reread: Vec<(&str, u32)> = input
            .all
            .iter()
            .filter(|&&i| input.entries.loaded(i as usize).is_some())
            .filter_map(|&i| Some((input.summaries[i as usize].id.as_str(), old_position(i)?)))
            .collect();
        let published = super::data::lines_near(&mut file, old_count, reread).map_err(io)?;
        // An incident not read again is unchanged: its line is the published one. So
        // is one read again whose line comes out the same, which then stays in the
        // stretches kept (the file's beginning is copied ahead of the build, `EarlyCopies`).
        let lines: Option<Vec<Line>> = input
            .all
            .iter()
            .map(|&i| {
                let summary = &input.summaries[i as usize];
                Some(match input.entries.loaded(i as usize) {
                    Some(entry) => {
                        let line =
                            JsonArray::line_with_artifacts(&entry.incident, &summary.artifacts);
                        match published.get(summary.id.as_str()) {
                            Some(old) if old.as_bytes() == line => Line::Old(old_position(i)?),
                            _ => Line::New(line),
                        }
                    }
                    None => Line::Old(old_position(i)?),
                })
            })
            .collect();
        let pieces = match lines {
            Some(lines) => super::data::splice(&mut file, old_count, old_id, &lines).map_err(io)?,
            None => None,
        };
        Ok(match pieces {
            Some(pieces) => vec![Output::Splice(pieces)],
            None => self.render(item)?.into_iter().map(Output::Whole).collect(),
        })
    }
}

// ---------------------------------------------------------------------------------
// Static files

/// The theme's CSS, scripts and images, and the files made from fir.toml: the
/// stylesheet of badge colours ([`COLORS_CSS`]) and, with `api_url`, the pages' forms
/// ([`FORMS_JS`]).
#[derive(Debug)]
pub struct Statics<'a> {
    pub input: &'a Input<'a>,
    names: Vec<&'a str>,
    /// Made from fir.toml, after the theme's files: name and contents.
    made: Vec<(&'static str, String)>,
}

/// The stylesheet of badge colours, among the static files.
pub const COLORS_CSS: &str = "fir-colors.css";
/// The API forms and the choices of their lists (actions, statuses…), once for every
/// page.
pub const FORMS_JS: &str = "fir-forms.js";

impl<'a> Statics<'a> {
    pub fn new(input: &'a Input<'a>) -> Result<Self, BuildError> {
        let names = input
            .renderer
            .theme()
            .statics
            .keys()
            .map(String::as_str)
            .collect();
        let colors = crate::render::context::color_css(
            input
                .config
                .taxonomies()
                .into_iter()
                .flat_map(|taxonomy| taxonomy.iter())
                .filter_map(|term| term.color.as_deref()),
        );
        let mut made = vec![(COLORS_CSS, colors)];
        if let Some(forms) = crate::render::context::ApiForms::of(input.config) {
            let script = forms.script(input.renderer).map_err(BuildError::Theme)?;
            made.push((FORMS_JS, script));
        }
        Ok(Statics { input, names, made })
    }
}

impl Statics<'_> {
    /// The name and bytes of static file `item`: a theme file, or (after them) one
    /// made from fir.toml.
    fn file(&self, item: usize) -> (&str, &[u8]) {
        match self.names.get(item) {
            Some(name) => (name, &self.input.renderer.theme().statics[*name].content),
            None => {
                let (name, content) = &self.made[item - self.names.len()];
                (name, content.as_bytes())
            }
        }
    }
}

impl Generator for Statics<'_> {
    fn name(&self) -> &'static str {
        "static"
    }

    fn jobs(&self) -> Vec<Job> {
        (0..self.names.len() + self.made.len())
            .map(|item| {
                let (name, content) = self.file(item);
                let mut h = hasher();
                content.hash(&mut h);
                Job {
                    item,
                    outputs: vec![paths::static_file(name)],
                    fingerprint: h.finish(),
                }
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        Ok(vec![self.file(item).1.to_vec()])
    }
}

/// A page made of the theme and the configuration alone (both are in the build key):
/// the search page, whose results are made in the browser, and the page a web server
/// shows for a missing file.
#[derive(Debug)]
pub struct FixedPage<'a> {
    input: &'a Input<'a>,
    /// The generator's name in build logs.
    name: &'static str,
    template: &'static str,
    path: &'static str,
    /// The catalogue key of its title.
    title: &'static str,
    section: &'static str,
    /// Its `<base href>` when that is not the relative one of its path.
    root: Option<String>,
}

/// The page a web server shows for a missing file (`fir serve` does, and most static
/// hosts do or can be told to).
pub const NOT_FOUND: &str = "404.html";

impl<'a> FixedPage<'a> {
    pub fn search(input: &'a Input<'a>) -> FixedPage<'a> {
        FixedPage {
            input,
            name: "search page",
            template: "search.html",
            path: super::search::PAGE,
            title: "search",
            section: "search",
            root: None,
        }
    }

    /// Served at any depth, so its links start from the path of `base_url` (`/fir/` for
    /// `https://cert.example/fir`), not from its own path: with the default `/`, the
    /// site is taken to be at the root of its host. Never a whole URL: no page loads
    /// anything from another address.
    pub fn not_found(input: &'a Input<'a>) -> FixedPage<'a> {
        FixedPage {
            input,
            name: "not found page",
            template: NOT_FOUND,
            path: NOT_FOUND,
            title: "not_found_title",
            section: "not-found",
            root: Some(url_path(input.base_url)),
        }
    }
}

impl Generator for FixedPage<'_> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn jobs(&self) -> Vec<Job> {
        vec![Job {
            item: 0,
            outputs: vec![self.path.to_string()],
            fingerprint: 1,
        }]
    }

    fn render(&self, _: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        let catalogue = self.input.renderer.catalogue();
        let mut meta = PageMeta::new(self.path, catalogue.get(self.title), self.section);
        if let Some(root) = &self.root {
            meta.root.clone_from(root);
        }
        let mut context = tera::Context::new();
        context.insert("page", &meta);
        let page = self
            .input
            .renderer
            .render(self.template, &context)
            .map_err(|source| BuildError::Page {
                path: self.path.to_string(),
                source,
            })?;
        Ok(vec![page.into_bytes()])
    }
}

/// The path of `url` from its host's root, between slashes: `https://h/fir` → `/fir/`,
/// `/` → `/`.
fn url_path(url: &str) -> String {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("", |at| &rest[at..]),
        None => url,
    };
    let path = path.trim_matches('/');
    if path.is_empty() {
        "/".to_string()
    } else {
        format!("/{path}/")
    }
}

#[cfg(test)]
mod tests {
    use super::url_path;

    #[test]
    fn url_path_keeps_the_path_of_a_base_url() {
        assert_eq!(url_path("/"), "/");
        assert_eq!(url_path(""), "/");
        assert_eq!(url_path("https://cert.example"), "/");
        assert_eq!(url_path("https://cert.example/"), "/");
        assert_eq!(url_path("https://cert.example/fir"), "/fir/");
        assert_eq!(url_path("http://h:8080/a/b/"), "/a/b/");
        assert_eq!(url_path("/cert/fir"), "/cert/fir/");
    }
}
