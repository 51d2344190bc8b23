//! Statistics pages: the overview, yearly, quarterly, monthly and weekly reports, the
//! year-on-year comparison and time to close, plus the CSV files of the home page's
//! dashboard. Every figure is a chart, a table and a CSV file made from one
//! [`Figure`], so that the three always show the same numbers.

use std::hash::{Hash, Hasher};

use serde::Serialize;
use tera::Context;

use super::{BuildError, Generator, Input, Job, paths};
use crate::render::context::PageMeta;
use crate::stats::chart::{Figure, Kind, tenths};
use crate::stats::labels::Labels;
use crate::stats::table::Table;
use crate::stats::{self, DateRange, Facet, NONE, Period, Record, Span};

/// Incidents listed at most in a report's lists (the newest).
const LIST_LIMIT: usize = 50;

/// One statistics page (or, for the dashboard, only its CSV files).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Report {
    Overview,
    Dashboard,
    Year(Span),
    Quarter(Span),
    Month(Span),
    Week(Span),
    /// A year compared with the one before.
    Compare(Span),
    TimeToClose,
}

impl Report {
    fn dir(self) -> String {
        match self {
            Report::Overview => "stats".to_string(),
            Report::Dashboard => paths::report_dir("dashboard", None),
            Report::Year(s) => paths::report_dir("year", Some(&s.slug())),
            Report::Quarter(s) => paths::report_dir("quarter", Some(&s.slug())),
            Report::Month(s) => paths::report_dir("month", Some(&s.slug())),
            Report::Week(s) => paths::report_dir("week", Some(&s.slug())),
            Report::Compare(s) => paths::report_dir("compare", Some(&s.slug())),
            Report::TimeToClose => paths::report_dir("time-to-close", None),
        }
    }

    fn page(self) -> Option<String> {
        match self {
            Report::Dashboard => None,
            other => Some(paths::report_file(&other.dir(), "index.html")),
        }
    }

    /// The figures' ids, in page order: their CSV files are `<id>.csv`.
    fn figure_ids(self) -> &'static [&'static str] {
        match self {
            Report::Overview => &["backlog", "by-year"],
            Report::Dashboard => &["trend", "open-by-severity", "by-category"],
            Report::Year(_) => &[
                "trend",
                "by-category",
                "by-severity",
                "by-business-line",
                "business-line-by-detection",
                "business-line-by-severity",
            ],
            Report::Quarter(_) | Report::Month(_) | Report::Week(_) => {
                &["trend", "by-category", "by-severity"]
            }
            Report::Compare(_) => &["months", "by-category", "by-business-line"],
            Report::TimeToClose => &["by-year", "by-category", "by-severity"],
        }
    }

    fn outputs(self) -> Vec<String> {
        let dir = self.dir();
        self.page()
            .into_iter()
            .chain(
                self.figure_ids()
                    .iter()
                    .map(|id| paths::report_file(&dir, &format!("{id}.csv"))),
            )
            .collect()
    }

    /// The span of a period report.
    fn span(self) -> Option<Span> {
        match self {
            Report::Year(s)
            | Report::Quarter(s)
            | Report::Month(s)
            | Report::Week(s)
            | Report::Compare(s) => Some(s),
            _ => None,
        }
    }
}

/// A figure as templates see it.
#[derive(Debug, Clone, Serialize)]
pub struct FigureView {
    pub id: String,
    pub title: String,
    /// The ECharts option, JSON.
    pub option: String,
    pub height: usize,
    pub table: Table,
    /// The CSV file, from the site root.
    pub csv: String,
    pub empty: bool,
}

/// The dashboard of the home page.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardView {
    pub figures: Vec<FigureView>,
    pub stats_url: String,
}

#[derive(Debug, Clone, Serialize)]
struct LinkItem {
    label: String,
    url: String,
}

#[derive(Debug, Clone, Serialize)]
struct LinkGroup {
    title: String,
    links: Vec<LinkItem>,
}

#[derive(Debug, Clone, Serialize)]
struct Card {
    label: String,
    value: String,
    note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct ListSection {
    title: String,
    rows: tera::Value,
    /// "Showing the newest 50 of 120", when cut.
    note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
struct ReportView {
    kind: &'static str,
    title: String,
    span: Option<String>,
    note: Option<String>,
    previous: Option<LinkItem>,
    next: Option<LinkItem>,
    cards: Vec<Card>,
    figures: Vec<FigureView>,
    lists: Vec<ListSection>,
    groups: Vec<LinkGroup>,
}

/// The statistics pages of a site.
#[derive(Debug)]
pub struct Reports<'a> {
    input: &'a Input<'a>,
    reports: Vec<Report>,
    extent: Option<DateRange>,
}

impl<'a> Reports<'a> {
    pub fn new(input: &'a Input<'a>) -> Self {
        let extent = stats::extent(&input.records);
        let mut reports = vec![Report::Overview, Report::Dashboard, Report::TimeToClose];
        if let Some(extent) = extent {
            for year in Period::Year.spans(extent) {
                reports.push(Report::Year(year));
                if year.previous().start >= Period::Year.containing(extent.start).start {
                    reports.push(Report::Compare(year));
                }
            }
            // Quarters, months and weeks get a report only when something happened in
            // them: a register with a gap (or one far-future date) would otherwise get a
            // page for every empty week.
            let busy = |span: &Span| opened_within(&input.records, span.range());
            reports.extend(
                Period::Quarter
                    .spans(extent)
                    .into_iter()
                    .filter(busy)
                    .map(Report::Quarter),
            );
            reports.extend(
                Period::Month
                    .spans(extent)
                    .into_iter()
                    .filter(busy)
                    .map(Report::Month),
            );
            reports.extend(
                Period::Week
                    .spans(extent)
                    .into_iter()
                    .filter(busy)
                    .map(Report::Week),
            );
        }
        Reports {
            input,
            reports,
            extent,
        }
    }

    /// Summary positions of the incidents opened within `range`.
    fn positions(&self, range: DateRange) -> std::ops::Range<usize> {
        let records = &self.input.records;
        records.partition_point(|r| r.day < range.start)
            ..records.partition_point(|r| r.day < range.end)
    }

    /// Is `span` within the incidents' extent?
    fn within(&self, span: Span) -> bool {
        self.extent
            .is_some_and(|e| span.start < e.end && span.end() > e.start)
    }

    /// Is there a report for `span`? Every year of the extent has one; quarters, months
    /// and weeks only when an incident was opened in them.
    fn exists(&self, span: Span) -> bool {
        self.within(span)
            && (span.period == Period::Year || opened_within(&self.input.records, span.range()))
    }

    /// The nearest period before (`step` = [`Span::previous`]) or after
    /// (`step` = [`Span::next`]) `span` that has a report.
    fn nearest(&self, mut span: Span, step: fn(Span) -> Span) -> Option<Span> {
        loop {
            span = step(span);
            if !self.within(span) {
                return None;
            }
            if self.exists(span) {
                return Some(span);
            }
        }
    }

    fn render_report(&self, report: Report) -> Result<Vec<Vec<u8>>, BuildError> {
        let input = self.input;
        let (view, csvs): (Option<ReportView>, Vec<Vec<u8>>) = match report {
            Report::Dashboard => (
                None,
                dashboard_figures(input)
                    .iter()
                    .map(|f| f.table().to_csv())
                    .collect(),
            ),
            other => {
                let view = self.view(other);
                let csvs = view.figures.iter().map(|f| f.table.to_csv()).collect();
                (Some(view), csvs)
            }
        };
        debug_assert_eq!(csvs.len(), report.figure_ids().len());
        let mut files = Vec::with_capacity(csvs.len() + 1);
        if let (Some(view), Some(path)) = (view, report.page()) {
            let meta = PageMeta::new(&path, view.title.clone(), "stats");
            let mut context = Context::new();
            context.insert("page", &meta);
            context.insert("report", &view);
            files.push(input.render_page("report.html", &path, &context)?);
        }
        files.extend(csvs);
        Ok(files)
    }

    fn view(&self, report: Report) -> ReportView {
        let input = self.input;
        let t = |key: &str| input.renderer.catalogue().get(key).to_string();
        let labels = Labels::new(input.config, input.renderer.catalogue());
        let records = &input.records[..];
        let dir = report.dir();
        let make = |figures: Vec<Figure>| -> Vec<FigureView> {
            figures.into_iter().map(|f| figure_view(f, &dir)).collect()
        };
        let mut view = ReportView {
            kind: "overview",
            title: String::new(),
            span: None,
            note: None,
            previous: None,
            next: None,
            cards: Vec::new(),
            figures: Vec::new(),
            lists: Vec::new(),
            groups: Vec::new(),
        };
        if let Some(span) = report.span() {
            let last = span.end().yesterday().unwrap_or(span.start);
            view.span = Some(
                t("stats_period_span")
                    .replace("{first}", &span.start.to_string())
                    .replace("{last}", &last.to_string()),
            );
            let neighbour = |s: Span| {
                let other = match report {
                    Report::Year(_) => Report::Year(s),
                    Report::Quarter(_) => Report::Quarter(s),
                    Report::Month(_) => Report::Month(s),
                    Report::Week(_) => Report::Week(s),
                    _ => Report::Compare(s),
                };
                LinkItem {
                    label: s.label(),
                    url: other.page().unwrap_or_default(),
                }
            };
            let (previous, next) = match report {
                Report::Compare(_) => {
                    let compared = |s: Span| self.exists(s) && self.exists(s.previous());
                    (
                        Some(span.previous()).filter(|s| compared(*s)),
                        Some(span.next()).filter(|s| compared(*s)),
                    )
                }
                _ => (
                    self.nearest(span, Span::previous),
                    self.nearest(span, Span::next),
                ),
            };
            view.previous = previous.map(neighbour);
            view.next = next.map(neighbour);
        }
        match report {
            Report::Overview | Report::Dashboard => {
                view.title = t("stats");
                view.figures = make(self.overview_figures(&labels));
                view.groups = self.overview_links(&t);
            }
            Report::TimeToClose => {
                view.kind = "time-to-close";
                view.title = t("stats_time_to_close");
                view.note = Some(t("stats_undated_note"));
                let all = self.extent.unwrap_or(DateRange::new(
                    jiff::civil::Date::MIN,
                    jiff::civil::Date::MIN,
                ));
                view.figures = make(close_figures(records, all, &labels));
            }
            Report::Compare(year) => {
                view.kind = "compare";
                let previous = year.previous();
                view.title = t("stats_compare_title")
                    .replace("{year}", &year.label())
                    .replace("{previous}", &previous.label());
                view.cards = self.cards(year.range(), Some(previous.range()), &t);
                view.figures = make(compare_figures(records, year, previous, &labels));
            }
            Report::Year(span)
            | Report::Quarter(span)
            | Report::Month(span)
            | Report::Week(span) => {
                let (kind, title_key, step) = match report {
                    Report::Year(_) => ("year", "stats_yearly_title", Period::Month),
                    Report::Quarter(_) => ("quarter", "stats_quarterly_title", Period::Month),
                    Report::Month(_) => ("month", "stats_monthly_title", Period::Day),
                    _ => ("week", "stats_weekly_title", Period::Day),
                };
                view.kind = kind;
                view.title = t(title_key).replace("{period}", &span.label());
                let previous = span.previous();
                view.cards = self.cards(span.range(), Some(previous.range()), &t);
                let range = span.range();
                let mut figures = vec![match report {
                    Report::Quarter(_) => months_against(records, span, previous, &labels),
                    _ => trend(records, step, range, "trend", &labels),
                }];
                figures.push(match report {
                    Report::Year(_) => {
                        by_facet(records, Facet::Category, range, "by-category", &labels)
                    }
                    _ => compare_facet(
                        records,
                        Facet::Category,
                        span,
                        previous,
                        "by-category",
                        &labels,
                    ),
                });
                figures.push(by_facet(
                    records,
                    Facet::Severity,
                    range,
                    "by-severity",
                    &labels,
                ));
                if let Report::Year(_) = report {
                    figures.push(by_facet(
                        records,
                        Facet::TopBusinessLine,
                        range,
                        "by-business-line",
                        &labels,
                    ));
                    figures.push(crossing(
                        records,
                        Facet::TopBusinessLine,
                        Facet::Detection,
                        range,
                        "business-line-by-detection",
                        &labels,
                    ));
                    figures.push(crossing(
                        records,
                        Facet::TopBusinessLine,
                        Facet::Severity,
                        range,
                        "business-line-by-severity",
                        &labels,
                    ));
                }
                view.figures = make(figures);
                view.lists = self.lists(range, report, &t);
            }
        }
        view
    }

    /// Totals of `range`: incidents (with the change from `previous`), still open, major.
    fn cards(
        &self,
        range: DateRange,
        previous: Option<DateRange>,
        t: &dyn Fn(&str) -> String,
    ) -> Vec<Card> {
        let records = stats::within(&self.input.records, range);
        let total = records.len() as u64;
        let note = previous.map(|p| {
            let before = stats::within(&self.input.records, p).len() as u64;
            let change = stats::variation(total, before);
            t("stats_vs_previous")
                .replace("{previous}", &before.to_string())
                .replace("{change}", &change.percent_text(&t("stats_new")))
                + " "
                + change.trend.arrow()
        });
        vec![
            Card {
                label: t("incidents"),
                value: total.to_string(),
                note,
            },
            Card {
                label: t("stats_still_open"),
                value: records.iter().filter(|r| r.is_open()).count().to_string(),
                note: None,
            },
            Card {
                label: t("major"),
                value: records.iter().filter(|r| r.major).count().to_string(),
                note: None,
            },
        ]
    }

    /// Major incidents and those still open, newest first, at most [`LIST_LIMIT`] each.
    fn lists(
        &self,
        range: DateRange,
        report: Report,
        t: &dyn Fn(&str) -> String,
    ) -> Vec<ListSection> {
        let positions = self.positions(range);
        let input = self.input;
        let pick = |keep: &dyn Fn(&Record<'_>) -> bool| -> (Vec<u32>, usize) {
            let all: Vec<u32> = positions
                .clone()
                .filter(|&i| keep(&input.records[i]))
                .map(|i| i as u32)
                .collect();
            let total = all.len();
            (all[total.saturating_sub(LIST_LIMIT)..].to_vec(), total)
        };
        let mut sections = vec![
            (t("major_incidents"), pick(&|r| r.major)),
            (t("stats_still_open"), pick(&|r| r.is_open())),
        ];
        if let Report::Week(_) = report {
            sections.push((t("stats_week_incidents"), pick(&|_| true)));
        }
        sections
            .into_iter()
            .map(|(title, (members, total))| ListSection {
                title,
                rows: input
                    .rows_newest_first(&members)
                    .unwrap_or_else(|_| crate::render::html_value("")),
                note: (total > members.len()).then(|| {
                    t("stats_more")
                        .replace("{shown}", &members.len().to_string())
                        .replace("{total}", &total.to_string())
                }),
            })
            .collect()
    }

    fn overview_figures(&self, labels: &Labels<'_>) -> Vec<Figure> {
        let t = |key: &str| labels.catalogue.get(key).to_string();
        let records = &self.input.records[..];
        let Some(extent) = self.extent else {
            return vec![
                Figure::new(
                    "backlog",
                    t("stats_fig_backlog"),
                    Kind::Lines,
                    t("stats_month"),
                ),
                Figure::new(
                    "by-year",
                    t("stats_fig_by_year"),
                    Kind::Bars,
                    t("stats_year"),
                ),
            ];
        };
        let backlog = stats::backlog(records, Period::Month, extent);
        let backlog_figure = Figure::new(
            "backlog",
            t("stats_fig_backlog"),
            Kind::Lines,
            t("stats_month"),
        )
        .labels(backlog.iter().map(|(s, _)| s.label()).collect())
        .counts(
            t("open"),
            &backlog.iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            None,
        );
        let mut years = trend(records, Period::Year, extent, "by-year", labels);
        years.title = t("stats_fig_by_year");
        years.label_header = t("stats_year");
        vec![backlog_figure, years]
    }

    fn overview_links(&self, t: &dyn Fn(&str) -> String) -> Vec<LinkGroup> {
        let group = |title: &str, keep: &dyn Fn(&Report) -> bool| LinkGroup {
            title: t(title),
            links: self
                .reports
                .iter()
                .filter(|r| keep(r))
                .rev()
                .filter_map(|r| {
                    Some(LinkItem {
                        label: r.span()?.label(),
                        url: r.page()?,
                    })
                })
                .collect(),
        };
        let mut groups = vec![
            group("stats_years", &|r| matches!(r, Report::Year(_))),
            group("stats_compare", &|r| matches!(r, Report::Compare(_))),
            group("stats_quarters", &|r| matches!(r, Report::Quarter(_))),
            group("stats_months", &|r| matches!(r, Report::Month(_))),
            group("stats_weeks", &|r| matches!(r, Report::Week(_))),
        ];
        groups.push(LinkGroup {
            title: t("stats_time_to_close"),
            links: vec![LinkItem {
                label: t("stats_time_to_close"),
                url: Report::TimeToClose.page().unwrap_or_default(),
            }],
        });
        groups
    }

    fn fingerprint(&self, report: Report) -> u64 {
        let input = self.input;
        let mut h = super::fingerprint::hasher();
        report.hash(&mut h);
        let mut ranges: Vec<DateRange> = Vec::new();
        match report.span() {
            Some(span) => {
                ranges.push(span.range());
                ranges.push(span.previous().range());
                // Links to the neighbours depend on which periods have reports.
                (self.exists(span.previous()), self.exists(span.next())).hash(&mut h);
                let neighbours = (
                    self.nearest(span, Span::previous),
                    self.nearest(span, Span::next),
                );
                (neighbours.0.map(|s| s.start), neighbours.1.map(|s| s.start)).hash(&mut h);
                span.previous().previous().range().start.hash(&mut h);
                self.exists(span.previous().previous()).hash(&mut h);
            }
            None => {
                // Overview, dashboard, time to close: every incident.
                for &f in &input.fingerprints.rows {
                    f.hash(&mut h);
                }
                self.reports.len().hash(&mut h);
                for r in &self.reports {
                    r.hash(&mut h);
                }
            }
        }
        for range in ranges {
            for i in self.positions(range) {
                input.fingerprints.rows[i].hash(&mut h);
            }
        }
        h.finish()
    }
}

impl Generator for Reports<'_> {
    fn name(&self) -> &'static str {
        "stats"
    }

    fn jobs(&self) -> Vec<Job> {
        use rayon::prelude::*;
        self.reports
            .par_iter()
            .enumerate()
            .map(|(item, &report)| Job {
                item,
                outputs: report.outputs(),
                fingerprint: self.fingerprint(report),
            })
            .collect()
    }

    fn render(&self, item: usize) -> Result<Vec<Vec<u8>>, BuildError> {
        self.render_report(self.reports[item])
    }
}

fn figure_view(figure: Figure, dir: &str) -> FigureView {
    FigureView {
        id: figure.id.clone(),
        title: figure.title.clone(),
        option: figure.option_json(),
        height: figure.height(),
        table: figure.table(),
        csv: paths::report_file(dir, &format!("{}.csv", figure.id)),
        empty: figure.is_empty()
            || figure
                .series
                .iter()
                .all(|s| s.values.iter().all(|v| *v == 0.0)),
    }
}

/// The home page's figures: the last 12 months (up to the newest incident's month), open
/// incidents by severity, and the last 12 months by category.
pub fn dashboard(input: &Input<'_>) -> DashboardView {
    let dir = Report::Dashboard.dir();
    DashboardView {
        figures: dashboard_figures(input)
            .into_iter()
            .map(|f| figure_view(f, &dir))
            .collect(),
        stats_url: paths::STATS.to_string(),
    }
}

fn dashboard_figures(input: &Input<'_>) -> Vec<Figure> {
    let labels = Labels::new(input.config, input.renderer.catalogue());
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let records = &input.records[..];
    let last_month = records
        .last()
        .map(|r| Period::Month.containing(r.day))
        .unwrap_or(Span {
            period: Period::Month,
            start: jiff::civil::date(1970, 1, 1),
        });
    let mut first = last_month;
    for _ in 0..11 {
        first = first.previous();
    }
    let months = DateRange::new(first.start, last_month.end());
    let mut trend_figure = trend(records, Period::Month, months, "trend", &labels);
    trend_figure.title = t("stats_fig_last_12_months");
    let open: Vec<Record<'_>> = records.iter().filter(|r| r.is_open()).cloned().collect();
    let everything = stats::extent(records).unwrap_or(months);
    let mut open_figure = by_facet(
        &open,
        Facet::Severity,
        everything,
        "open-by-severity",
        &labels,
    );
    open_figure.title = t("stats_fig_open_by_severity");
    open_figure.kind = Kind::Bars;
    let mut category = by_facet(records, Facet::Category, months, "by-category", &labels);
    category.title = t("stats_fig_category_12_months");
    vec![trend_figure, open_figure, category]
}

/// Incidents and major incidents per period of `range`.
fn trend(
    records: &[Record<'_>],
    step: Period,
    range: DateRange,
    id: &str,
    labels: &Labels<'_>,
) -> Figure {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let counts = stats::count(records, &[Facet::Major], Some(step), range);
    let major = counts
        .row(&["major"])
        .map_or_else(|| vec![0; counts.periods.len()], |r| r.counts.clone());
    let (title, header) = match step {
        Period::Day => ("stats_fig_per_day", "stats_day"),
        Period::Week => ("stats_fig_per_week", "stats_week"),
        Period::Month => ("stats_fig_per_month", "stats_month"),
        Period::Quarter => ("stats_fig_per_quarter", "stats_quarter"),
        Period::Year => ("stats_fig_by_year", "stats_year"),
    };
    Figure::new(id, t(title), Kind::Bars, t(header))
        .labels(counts.periods.iter().map(|s| s.label()).collect())
        .counts(t("incidents"), &counts.totals, None)
        .counts(t("major"), &major, Some("#b3261e"))
}

/// Incidents of `range` per value of `facet`, in configured order.
fn by_facet(
    records: &[Record<'_>],
    facet: Facet,
    range: DateRange,
    id: &str,
    labels: &Labels<'_>,
) -> Figure {
    let mut counts = stats::count(records, &[facet], None, range);
    labels.sort(&mut counts);
    let title = labels
        .catalogue
        .get(&format!("stats_fig_by_{}", facet.name()))
        .to_string();
    Figure::new(id, title, Kind::HorizontalBars, labels.facet(facet))
        .labels(
            counts
                .rows
                .iter()
                .map(|r| labels.value(facet, &r.key[0]))
                .collect(),
        )
        .counts(
            labels.catalogue.get("incidents"),
            &counts.rows.iter().map(|r| r.total).collect::<Vec<_>>(),
            None,
        )
        .label_colors(
            counts
                .rows
                .iter()
                .map(|r| labels.color(facet, &r.key[0]).map(String::from))
                .collect(),
        )
}

/// Incidents of `range` per value of `rows` (labels), one stacked series per value of
/// `series`.
fn crossing(
    records: &[Record<'_>],
    rows: Facet,
    series: Facet,
    range: DateRange,
    id: &str,
    labels: &Labels<'_>,
) -> Figure {
    let mut counts = stats::count(records, &[rows, series], None, range);
    labels.sort(&mut counts);
    let mut row_keys: Vec<&str> = Vec::new();
    let mut series_keys: Vec<&str> = Vec::new();
    for row in &counts.rows {
        if !row_keys.contains(&row.key[0].as_str()) {
            row_keys.push(&row.key[0]);
        }
        if !series_keys.contains(&row.key[1].as_str()) {
            series_keys.push(&row.key[1]);
        }
    }
    let rank = |facet: Facet, key: &str| {
        labels
            .rank(facet, key)
            .unwrap_or(usize::MAX - usize::from(key != NONE))
    };
    series_keys.sort_by(|a, b| rank(series, a).cmp(&rank(series, b)).then(a.cmp(b)));
    let title = labels
        .catalogue
        .get(&format!("stats_fig_{}_by_{}", rows.name(), series.name()))
        .to_string();
    let mut figure = Figure::new(id, title, Kind::StackedHorizontalBars, labels.facet(rows))
        .labels(row_keys.iter().map(|k| labels.value(rows, k)).collect());
    for key in &series_keys {
        let values: Vec<u64> = row_keys
            .iter()
            .map(|r| counts.row(&[r, key]).map_or(0, |row| row.total))
            .collect();
        figure = figure.counts(
            labels.value(series, key),
            &values,
            labels.color(series, key),
        );
    }
    figure
}

/// Per value of `facet`: this period, the previous one, the change and its direction.
fn compare_facet(
    records: &[Record<'_>],
    facet: Facet,
    span: Span,
    previous: Span,
    id: &str,
    labels: &Labels<'_>,
) -> Figure {
    let mut now = stats::count(records, &[facet], None, span.range());
    let before = stats::count(records, &[facet], None, previous.range());
    // Values of either period, in configured order.
    for row in &before.rows {
        if now.row(&[row.key[0].as_str()]).is_none() {
            now.rows.push(stats::Row {
                key: row.key.clone(),
                counts: vec![0],
                total: 0,
            });
        }
    }
    labels.sort(&mut now);
    let keys: Vec<&str> = now.rows.iter().map(|r| r.key[0].as_str()).collect();
    let current: Vec<u64> = now.rows.iter().map(|r| r.total).collect();
    let earlier: Vec<u64> = keys
        .iter()
        .map(|k| before.row(&[k]).map_or(0, |r| r.total))
        .collect();
    let title = labels
        .catalogue
        .get(&format!("stats_fig_by_{}", facet.name()))
        .to_string();
    let figure = Figure::new(id, title, Kind::HorizontalBars, labels.facet(facet))
        .labels(keys.iter().map(|k| labels.value(facet, k)).collect());
    against_previous(figure, (span, &current), (previous, &earlier), labels)
}

/// `figure` with the counts of the previous period beside this one's, then the change
/// and its direction for each label.
fn against_previous(
    figure: Figure,
    (span, current): (Span, &[u64]),
    (previous, earlier): (Span, &[u64]),
    labels: &Labels<'_>,
) -> Figure {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let changes: Vec<stats::Variation> = current
        .iter()
        .zip(earlier)
        .map(|(c, p)| stats::variation(*c, *p))
        .collect();
    figure
        .counts(previous.label(), earlier, Some("#9aa5b5"))
        .counts(span.label(), current, None)
        .extra(
            t("stats_change"),
            changes
                .iter()
                .map(|v| v.percent_text(&t("stats_new")))
                .collect(),
        )
        .extra(
            t("stats_trend"),
            changes
                .iter()
                .map(|v| v.trend.arrow().to_string())
                .collect(),
        )
}

/// Each month of a quarter beside the same month of the previous quarter.
fn months_against(
    records: &[Record<'_>],
    span: Span,
    previous: Span,
    labels: &Labels<'_>,
) -> Figure {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let now = stats::count(records, &[], Some(Period::Month), span.range());
    let before = stats::count(records, &[], Some(Period::Month), previous.range());
    let month_name = |s: &Span| t(&format!("month_{}", s.start.month()));
    let figure = Figure::new(
        "trend",
        t("stats_fig_months_vs_previous"),
        Kind::Bars,
        t("stats_month"),
    )
    .labels(
        now.periods
            .iter()
            .zip(&before.periods)
            .map(|(a, b)| format!("{} / {}", month_name(a), month_name(b)))
            .collect(),
    );
    against_previous(
        figure,
        (span, &now.totals),
        (previous, &before.totals),
        labels,
    )
}

fn compare_figures(
    records: &[Record<'_>],
    year: Span,
    previous: Span,
    labels: &Labels<'_>,
) -> Vec<Figure> {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let now = stats::count(records, &[], Some(Period::Month), year.range());
    let before = stats::count(records, &[], Some(Period::Month), previous.range());
    let months = Figure::new(
        "months",
        t("stats_fig_per_month"),
        Kind::Bars,
        t("stats_month"),
    )
    .labels((1..=12).map(|m| t(&format!("month_{m}"))).collect())
    .counts(previous.label(), &before.totals, Some("#9aa5b5"))
    .counts(year.label(), &now.totals, None);
    vec![
        months,
        compare_facet(
            records,
            Facet::Category,
            year,
            previous,
            "by-category",
            labels,
        ),
        compare_facet(
            records,
            Facet::TopBusinessLine,
            year,
            previous,
            "by-business-line",
            labels,
        ),
    ]
}

/// Median and 90th percentile hours to close: per year of opening, per category, per
/// severity.
fn close_figures(records: &[Record<'_>], all: DateRange, labels: &Labels<'_>) -> Vec<Figure> {
    let t = |key: &str| labels.catalogue.get(key).to_string();
    let figure =
        |id: &str, title: String, header: String, groups: Vec<(String, stats::CloseTimes)>| {
            let hours = |value: Option<f64>| tenths(value.unwrap_or(0.0));
            Figure::new(id, title, Kind::HorizontalBars, header)
                .labels(groups.iter().map(|(l, _)| l.clone()).collect())
                .series(
                    t("stats_median_hours"),
                    groups.iter().map(|(_, g)| hours(g.median_hours)).collect(),
                    None,
                )
                .series(
                    t("stats_p90_hours"),
                    groups.iter().map(|(_, g)| hours(g.p90_hours)).collect(),
                    Some("#9aa5b5"),
                )
                .extra(
                    t("incidents"),
                    groups
                        .iter()
                        .map(|(_, g)| g.incidents.to_string())
                        .collect(),
                )
                .extra(
                    t("stats_closed"),
                    groups.iter().map(|(_, g)| g.closed.to_string()).collect(),
                )
                .extra(
                    t("stats_undated"),
                    groups.iter().map(|(_, g)| g.undated.to_string()).collect(),
                )
                .extra(
                    t("open"),
                    groups.iter().map(|(_, g)| g.open.to_string()).collect(),
                )
        };
    let years: Vec<(String, stats::CloseTimes)> = Period::Year
        .spans(all)
        .into_iter()
        .filter_map(|year| {
            let times = stats::time_to_close(records, &[], year.range())
                .into_iter()
                .next()?;
            Some((year.label(), times))
        })
        .collect();
    let grouped = |facet: Facet| -> Vec<(String, stats::CloseTimes)> {
        let mut times = stats::time_to_close(records, &[facet], all);
        labels.sort_times(&[facet], &mut times);
        times
            .into_iter()
            .map(|g| (labels.value(facet, &g.key[0]), g))
            .collect()
    };
    vec![
        figure(
            "by-year",
            t("stats_fig_close_by_year"),
            t("stats_year"),
            years,
        ),
        figure(
            "by-category",
            t("stats_fig_close_by_category"),
            labels.facet(Facet::Category),
            grouped(Facet::Category),
        ),
        figure(
            "by-severity",
            t("stats_fig_close_by_severity"),
            labels.facet(Facet::Severity),
            grouped(Facet::Severity),
        ),
    ]
}

/// Was an incident opened within `range`? (`records` are sorted by day.)
fn opened_within(records: &[Record<'_>], range: DateRange) -> bool {
    let first = records.partition_point(|r| r.day < range.start);
    records.get(first).is_some_and(|r| r.day < range.end)
}
