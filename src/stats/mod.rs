//! Statistics over incidents: counts and trends by facet and period, time to close,
//! open backlog and variation between periods. Pure: no I/O.
//!
//! Every date is placed in the site's time zone once, when a [`Record`] is made, so that
//! an incident at 23:30 UTC on 31 January counts in February in Europe/Paris. Periods
//! without incidents are present with zeros.

pub mod chart;
pub mod labels;
pub mod period;
pub mod table;

use foldhash::HashMap;
use foldhash::HashMapExt;
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::Serialize;

use crate::config::Config;
use crate::config::business_lines::SEPARATOR;
use crate::site::Summary;
pub use period::{DateRange, Period, Span};

/// What statistics need to know about one incident, with its dates in the site's zone.
#[derive(Debug, Clone)]
pub struct Record<'a> {
    pub id: &'a str,
    /// The local day it was opened.
    pub day: Date,
    /// When it was opened, Unix seconds.
    pub opened: i64,
    /// Its status is final.
    pub closed: bool,
    /// When it was closed (Unix seconds, local day), if the file says.
    pub closed_at: Option<(i64, Date)>,
    pub category: &'a str,
    pub severity: u8,
    pub status: &'a str,
    pub tlp: &'a str,
    /// Canonical paths like `Retail Banking > France`.
    pub business_lines: &'a [compact_str::CompactString],
    pub detection: Option<&'a str>,
    pub actor: Option<&'a str>,
    pub major: bool,
    /// False for events.
    pub incident: bool,
}

impl<'a> Record<'a> {
    /// The record of an indexed incident; dates are placed in `tz`.
    pub fn from_summary(summary: &'a Summary, tz: &TimeZone) -> Record<'a> {
        let local = |ts: i64| {
            let ts = jiff::Timestamp::from_second(ts).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
            tz.to_datetime(ts).date()
        };
        let closed_at = summary.closed_at.map(|d| {
            let ts = d.timestamp(tz).as_second();
            (ts, local(ts))
        });
        Record {
            id: &summary.id,
            day: local(summary.timestamp),
            opened: summary.timestamp,
            closed: summary.closed,
            closed_at,
            category: &summary.category,
            severity: summary.severity,
            status: &summary.status,
            tlp: &summary.tlp,
            business_lines: &summary.business_lines,
            detection: summary.detection.as_deref(),
            actor: summary.actor.as_deref(),
            major: summary.major,
            incident: summary.incident,
        }
    }

    /// Still open: its status is not final.
    pub fn is_open(&self) -> bool {
        !self.closed
    }
}

/// The records of a whole site, oldest first.
pub fn records<'a>(summaries: &'a [Summary], config: &Config) -> Vec<Record<'a>> {
    let mut out: Vec<Record<'a>> = summaries
        .iter()
        .map(|s| Record::from_summary(s, config.tz()))
        .collect();
    if !out.is_sorted_by_key(|r| r.day) {
        out.sort_by_key(|r| r.day);
    }
    out
}

/// The records opened within `range`, from records sorted by day.
pub fn within<'r, 'a>(records: &'r [Record<'a>], range: DateRange) -> &'r [Record<'a>] {
    let start = records.partition_point(|r| r.day < range.start);
    let end = records.partition_point(|r| r.day < range.end);
    &records[start..end.max(start)]
}

/// The first and last day with an incident.
pub fn extent(records: &[Record<'_>]) -> Option<DateRange> {
    Some(DateRange::inclusive(
        records.first()?.day,
        records.last()?.day,
    ))
}

/// A way of grouping incidents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Facet {
    Category,
    Severity,
    Status,
    Tlp,
    /// Business lines as written (an incident counts once in each of its lines).
    BusinessLine,
    /// Business lines rolled up to their top level.
    TopBusinessLine,
    Detection,
    Actor,
    /// `incident` or `event`.
    Kind,
    /// `major` or `other`.
    Major,
}

impl Facet {
    pub const ALL: [Facet; 10] = [
        Facet::Category,
        Facet::Severity,
        Facet::Status,
        Facet::Tlp,
        Facet::BusinessLine,
        Facet::TopBusinessLine,
        Facet::Detection,
        Facet::Actor,
        Facet::Kind,
        Facet::Major,
    ];

    /// The name on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Facet::Category => "category",
            Facet::Severity => "severity",
            Facet::Status => "status",
            Facet::Tlp => "tlp",
            Facet::BusinessLine => "business-line",
            Facet::TopBusinessLine => "top-business-line",
            Facet::Detection => "detection",
            Facet::Actor => "actor",
            Facet::Kind => "kind",
            Facet::Major => "major",
        }
    }

    /// Calls `f` with each value `record` has: none, one, or several for business lines.
    /// A missing detection or actor is the value [`NONE`].
    fn each_value<'a>(self, record: &Record<'a>, mut f: impl FnMut(&'a str)) {
        match self {
            Facet::Category => f(record.category),
            Facet::Severity => f(SEVERITIES[usize::from(record.severity)].as_str()),
            Facet::Status => f(record.status),
            Facet::Tlp => f(record.tlp),
            Facet::BusinessLine | Facet::TopBusinessLine if record.business_lines.is_empty() => {
                f(NONE)
            }
            Facet::BusinessLine => {
                for (i, line) in record.business_lines.iter().enumerate() {
                    if !record.business_lines[..i].contains(line) {
                        f(line);
                    }
                }
            }
            Facet::TopBusinessLine => {
                let top = |line: &'a compact_str::CompactString| {
                    line.split(SEPARATOR).next().unwrap_or(line)
                };
                for (i, line) in record.business_lines.iter().enumerate() {
                    let value = top(line);
                    if !record.business_lines[..i].iter().any(|l| top(l) == value) {
                        f(value);
                    }
                }
            }
            Facet::Detection => f(record.detection.unwrap_or(NONE)),
            Facet::Actor => f(record.actor.unwrap_or(NONE)),
            Facet::Kind => f(if record.incident { "incident" } else { "event" }),
            Facet::Major => f(if record.major { "major" } else { "other" }),
        }
    }
}

impl fmt::Display for Facet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Facet {
    type Err = String;
    fn from_str(s: &str) -> Result<Facet, String> {
        let wanted = s.trim().to_lowercase().replace('_', "-");
        Facet::ALL
            .into_iter()
            .find(|f| f.name() == wanted)
            .ok_or_else(|| {
                let names: Vec<&str> = Facet::ALL.iter().map(|f| f.name()).collect();
                format!("unknown field {s:?}: expected one of {}", names.join(", "))
            })
    }
}

/// The value of a facet an incident does not fill in (no detection, no business line).
pub const NONE: &str = "";

/// Severities as text, so that every facet value is a borrowed string.
static SEVERITIES: LazyLock<Vec<String>> =
    LazyLock::new(|| (0..=255).map(|n: u16| n.to_string()).collect());

/// Counts of incidents by facet values (a row) and period (a column).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counts {
    /// The facets that make a row's key, in order.
    pub by: Vec<Facet>,
    /// The length of the columns; `None` for one column over the whole range.
    pub period: Option<Period>,
    /// The columns; one span covering the whole range when not cut by period.
    pub periods: Vec<Span>,
    pub rows: Vec<Row>,
    /// Per period: incidents counted (each once, whatever its number of values).
    pub totals: Vec<u64>,
}

/// One combination of facet values and its counts per period.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub key: Vec<String>,
    pub counts: Vec<u64>,
    pub total: u64,
}

impl Counts {
    /// The sum over every period.
    pub fn total(&self) -> u64 {
        self.totals.iter().sum()
    }

    /// The row with this key.
    pub fn row(&self, key: &[&str]) -> Option<&Row> {
        self.rows.iter().find(|r| r.key.iter().eq(key.iter()))
    }

    /// Puts rows in the order of `rank` (lowest first, unranked last), then by key.
    pub fn sort_rows(&mut self, rank: impl Fn(usize, &str) -> Option<usize>) {
        self.rows
            .sort_by(|a, b| compare_keys(&a.key, &b.key, &rank));
    }
}

/// Orders two keys value by value: ranked values by `rank` (facet position, value),
/// before unranked ones; then by text.
pub fn compare_keys(
    a: &[String],
    b: &[String],
    rank: impl Fn(usize, &str) -> Option<usize>,
) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    a.iter()
        .zip(b)
        .enumerate()
        .map(|(i, (x, y))| match (rank(i, x), rank(i, y)) {
            (Some(rx), Some(ry)) => rx.cmp(&ry),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
        .then_with(|| a.cmp(b))
}

/// Counts the records opened within `range` by the values of `by` (none: one row with
/// an empty key) and by `period` (none: one column for the whole range). Rows come in
/// the order of the facet values' first appearance; see [`Counts::sort_rows`].
pub fn count(
    records: &[Record<'_>],
    by: &[Facet],
    period: Option<Period>,
    range: DateRange,
) -> Counts {
    let periods = match period {
        Some(p) => p.spans(range),
        None => vec![Span {
            period: Period::Day,
            start: range.start,
        }],
    };
    let column = |day: Date| match period {
        Some(_) => periods
            .partition_point(|s| s.start <= day)
            .saturating_sub(1),
        None => 0,
    };
    let mut totals = vec![0u64; periods.len()];
    let mut rows: Vec<Row> = Vec::new();
    let mut lookup: HashMap<Vec<&str>, usize> = HashMap::new();
    let mut key: Vec<&str> = Vec::with_capacity(by.len());
    for record in within(records, range) {
        let col = column(record.day);
        totals[col] += 1;
        for_each_key(by, record, &mut key, &mut |key| {
            let at = match lookup.get(key) {
                Some(&at) => at,
                None => {
                    rows.push(Row {
                        key: key.iter().map(|k| k.to_string()).collect(),
                        counts: vec![0; periods.len()],
                        total: 0,
                    });
                    lookup.insert(key.to_vec(), rows.len() - 1);
                    rows.len() - 1
                }
            };
            rows[at].counts[col] += 1;
            rows[at].total += 1;
        });
    }
    if by.is_empty() && rows.is_empty() {
        rows.push(Row {
            key: Vec::new(),
            counts: vec![0; periods.len()],
            total: 0,
        });
    }
    Counts {
        by: by.to_vec(),
        period,
        periods,
        rows,
        totals,
    }
}

/// Calls `f` with every combination of the values `record` has for the facets `by`
/// (one empty key when `by` is empty), built in `key` without allocating.
fn for_each_key<'a>(
    by: &[Facet],
    record: &Record<'a>,
    key: &mut Vec<&'a str>,
    f: &mut impl FnMut(&[&'a str]),
) {
    match by.split_first() {
        None => f(key),
        Some((facet, rest)) => facet.each_value(record, |value| {
            key.push(value);
            for_each_key(rest, record, key, f);
            key.pop();
        }),
    }
}

/// How long incidents took to close, in hours.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CloseTimes {
    pub key: Vec<String>,
    /// Incidents in the group.
    pub incidents: u64,
    /// Closed with a close date: the durations measured.
    pub closed: u64,
    /// Closed without a close date: not measured.
    pub undated: u64,
    /// Still open.
    pub open: u64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
    pub mean_hours: Option<f64>,
}

/// Time to close of the incidents opened within `range`, overall (`by` empty) or per
/// group. A close date before the opening counts as zero.
pub fn time_to_close(records: &[Record<'_>], by: &[Facet], range: DateRange) -> Vec<CloseTimes> {
    struct Group {
        key: Vec<String>,
        durations: Vec<i64>,
        incidents: u64,
        undated: u64,
        open: u64,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut lookup: HashMap<Vec<&str>, usize> = HashMap::new();
    let mut key: Vec<&str> = Vec::with_capacity(by.len());
    for record in within(records, range) {
        for_each_key(by, record, &mut key, &mut |key| {
            let at = match lookup.get(key) {
                Some(&at) => at,
                None => {
                    groups.push(Group {
                        key: key.iter().map(|k| k.to_string()).collect(),
                        durations: Vec::new(),
                        incidents: 0,
                        undated: 0,
                        open: 0,
                    });
                    lookup.insert(key.to_vec(), groups.len() - 1);
                    groups.len() - 1
                }
            };
            let group = &mut groups[at];
            group.incidents += 1;
            match (record.closed, record.closed_at) {
                (false, _) => group.open += 1,
                (true, None) => group.undated += 1,
                (true, Some((closed, _))) => group.durations.push((closed - record.opened).max(0)),
            }
        });
    }
    if by.is_empty() && groups.is_empty() {
        groups.push(Group {
            key: Vec::new(),
            durations: Vec::new(),
            incidents: 0,
            undated: 0,
            open: 0,
        });
    }
    groups
        .into_iter()
        .map(|mut g| {
            g.durations.sort_unstable();
            let hours = |seconds: f64| seconds / 3600.0;
            let n = g.durations.len();
            CloseTimes {
                key: g.key,
                incidents: g.incidents,
                closed: n as u64,
                undated: g.undated,
                open: g.open,
                median_hours: percentile(&g.durations, 0.5).map(hours),
                p90_hours: percentile(&g.durations, 0.9).map(hours),
                mean_hours: (n > 0)
                    .then(|| hours(g.durations.iter().sum::<i64>() as f64 / n as f64)),
            }
        })
        .collect()
}

/// The `p` quantile (0–1) of sorted values, interpolating linearly between the two
/// nearest ranks (so the median of 1, 2, 3, 4 is 2.5).
pub fn percentile(sorted: &[i64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let position = p.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = position.ceil() as usize;
    let fraction = position - below as f64;
    Some(sorted[below] as f64 + (sorted[above] - sorted[below]) as f64 * fraction)
}

/// Incidents open at the end of each period of `range`: opened by then, and either still
/// open or closed later. Incidents closed without a close date are never counted, as
/// when they closed is unknown.
pub fn backlog(records: &[Record<'_>], period: Period, range: DateRange) -> Vec<(Span, u64)> {
    let spans = period.spans(range);
    let Some(last) = spans.last() else {
        return Vec::new();
    };
    let horizon = last.end();
    // +1 on the day an incident opens, −1 on the day it closes: a running sum.
    let mut changes: Vec<(Date, i64)> = Vec::new();
    for record in records.iter().take_while(|r| r.day < horizon) {
        match (record.closed, record.closed_at) {
            (false, _) => changes.push((record.day, 1)),
            (true, Some((_, day))) if day > record.day => {
                changes.push((record.day, 1));
                changes.push((day, -1));
            }
            _ => {}
        }
    }
    changes.sort_unstable();
    let mut open = 0i64;
    let mut at = 0;
    spans
        .into_iter()
        .map(|span| {
            let end = span.end();
            while at < changes.len() && changes[at].0 < end {
                open += changes[at].1;
                at += 1;
            }
            (span, open.max(0) as u64)
        })
        .collect()
}

/// Which way a number went compared with the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Trend {
    Up,
    Down,
    Flat,
}

impl Trend {
    /// An arrow for tables: ↑, ↓ or →.
    pub fn arrow(self) -> &'static str {
        match self {
            Trend::Up => "↑",
            Trend::Down => "↓",
            Trend::Flat => "→",
        }
    }
}

/// The change from `previous` to `current`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Variation {
    pub current: u64,
    pub previous: u64,
    /// Percent change; `None` when there was nothing before (no base to compare with).
    pub percent: Option<f64>,
    pub trend: Trend,
}

pub fn variation(current: u64, previous: u64) -> Variation {
    let trend = match current.cmp(&previous) {
        std::cmp::Ordering::Greater => Trend::Up,
        std::cmp::Ordering::Less => Trend::Down,
        std::cmp::Ordering::Equal => Trend::Flat,
    };
    let percent =
        (previous > 0).then(|| (current as f64 - previous as f64) * 100.0 / previous as f64);
    Variation {
        current,
        previous,
        percent,
        trend,
    }
}

impl Variation {
    /// `+25%`, `-10%`, `0%`, or the word for `new` when there is no base.
    pub fn percent_text(&self, new: &str) -> String {
        match self.percent {
            Some(p) if p.abs() < 0.05 => "0%".to_string(),
            Some(p) => format!("{p:+.0}%"),
            None if self.current == 0 => "0%".to_string(),
            None => new.to_string(),
        }
    }
}

#[cfg(test)]
mod tests;
