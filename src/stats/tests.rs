//! The engine against a small fixture whose numbers are worked out by hand in comments.

use super::*;
use crate::content::Entry;
use crate::incident::{DateTime, Incident};
use jiff::civil::date;

struct Spec {
    id: &'static str,
    date: &'static str,
    category: &'static str,
    severity: u8,
    closed: Option<&'static str>,
    status: &'static str,
    business_lines: &'static [&'static str],
    incident: bool,
    major: bool,
}

/// Times are UTC unless they say otherwise; the site is in Europe/Paris (UTC+1 in winter).
const FIXTURE: &[Spec] = &[
    // 23:30 UTC on 31 December is 00:30 on 1 January in Paris: January 2024, 2024-W01.
    // Closed 2024-01-01T23:30Z: 24 h.
    Spec {
        id: "A",
        date: "2023-12-31T23:30:00Z",
        category: "phishing",
        severity: 2,
        closed: Some("2024-01-01T23:30:00Z"),
        status: "closed",
        business_lines: &["Retail Banking > France"],
        incident: true,
        major: false,
    },
    // 1 February in Paris, still open; two lines under one top level.
    Spec {
        id: "B",
        date: "2024-01-31T23:30:00Z",
        category: "phishing",
        severity: 3,
        closed: None,
        status: "open",
        business_lines: &["Retail Banking > Spain", "Retail Banking > France"],
        incident: true,
        major: false,
    },
    // Opened and closed the same day: 10 h.
    Spec {
        id: "C",
        date: "2024-01-15T10:00:00+01:00",
        category: "malware",
        severity: 3,
        closed: Some("2024-01-15T20:00:00+01:00"),
        status: "closed",
        business_lines: &["Corporate IT"],
        incident: true,
        major: false,
    },
    // A whole day (midnight in Paris, a Sunday: 2023-W52); closed without a close date;
    // an event without business line.
    Spec {
        id: "D",
        date: "2023-12-31",
        category: "phishing",
        severity: 1,
        closed: None,
        status: "closed",
        business_lines: &[],
        incident: false,
        major: false,
    },
    // Major, 48 h.
    Spec {
        id: "E",
        date: "2024-04-10T12:00:00Z",
        category: "malware",
        severity: 4,
        closed: Some("2024-04-12T12:00:00Z"),
        status: "closed",
        business_lines: &["Corporate IT"],
        incident: true,
        major: true,
    },
    // 45 days: 1080 h, open at the end of January and February.
    Spec {
        id: "F",
        date: "2024-01-20T09:00:00Z",
        category: "phishing",
        severity: 2,
        closed: Some("2024-03-05T09:00:00Z"),
        status: "closed",
        business_lines: &["Retail Banking"],
        incident: true,
        major: false,
    },
];

fn config(tz: &str) -> Config {
    Config::from_toml(&format!("timezone = \"{tz}\"\n")).unwrap()
}

fn summaries(config: &Config) -> Vec<Summary> {
    let mut out: Vec<Summary> = FIXTURE
        .iter()
        .map(|spec| {
            let mut incident =
                Incident::new(spec.id, spec.id, spec.date.parse::<DateTime>().unwrap());
            incident.category = spec.category.into();
            incident.severity = spec.severity;
            incident.status = spec.status.into();
            incident.closed = spec.closed.map(|c| c.parse().unwrap());
            incident.business_lines = spec.business_lines.iter().map(|s| s.to_string()).collect();
            incident.incident = spec.incident;
            incident.major = spec.major;
            let entry = Entry {
                path: format!("{}.md", spec.id).into(),
                incident,
                fields: Default::default(),
                source_hash: 0,
                stamp: Default::default(),
            };
            Summary::new(&entry, config, 0)
        })
        .collect();
    crate::site::index::sort(&mut out);
    out
}

/// December 2023 to April 2024, both included.
fn winter() -> DateRange {
    DateRange::inclusive(date(2023, 12, 1), date(2024, 4, 30))
}

fn labels(counts: &Counts) -> Vec<String> {
    counts.periods.iter().map(|s| s.label()).collect()
}

#[test]
fn monthly_counts_in_the_site_zone_with_empty_months() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let counts = count(&records, &[], Some(Period::Month), winter());
    assert_eq!(
        labels(&counts),
        ["2023-12", "2024-01", "2024-02", "2024-03", "2024-04"]
    );
    // Dec: D. Jan: A (00:30 local), C, F. Feb: B. Mar: nothing. Apr: E.
    assert_eq!(counts.totals, [1, 3, 1, 0, 1]);
    assert_eq!(counts.rows.len(), 1);
    assert_eq!(counts.rows[0].counts, [1, 3, 1, 0, 1]);
    assert_eq!(counts.total(), 6);

    // In UTC, A and B stay in the month they were written in.
    let utc = self::config("UTC");
    let utc_summaries = self::summaries(&utc);
    let utc_records = super::records(&utc_summaries, &utc);
    let counts = count(&utc_records, &[], Some(Period::Month), winter());
    assert_eq!(counts.totals, [2, 3, 0, 0, 1]);
}

#[test]
fn a_late_evening_in_utc_is_the_next_day_in_paris() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let a = records.iter().find(|r| r.id == "A").unwrap();
    assert_eq!(a.day, date(2024, 1, 1));
    assert_eq!(a.closed_at.unwrap().1, date(2024, 1, 2));
    let days = count(
        &records,
        &[],
        Some(Period::Day),
        DateRange::inclusive(date(2023, 12, 31), date(2024, 1, 1)),
    );
    // D (a whole day, 31 December) and A (1 January in Paris).
    assert_eq!(days.totals, [1, 1]);
}

#[test]
fn by_facet_and_period_across_the_year_boundary() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let counts = count(&records, &[Facet::Category], Some(Period::Month), winter());
    assert_eq!(counts.row(&["phishing"]).unwrap().counts, [1, 2, 1, 0, 0]);
    assert_eq!(counts.row(&["malware"]).unwrap().counts, [0, 1, 0, 0, 1]);
    let years = count(
        &records,
        &[Facet::Category],
        Some(Period::Year),
        DateRange::inclusive(date(2022, 1, 1), date(2024, 12, 31)),
    );
    assert_eq!(labels(&years), ["2022", "2023", "2024"]);
    assert_eq!(years.totals, [0, 1, 5]);
    assert_eq!(years.row(&["phishing"]).unwrap().counts, [0, 1, 3]);
    let quarters = count(&records, &[], Some(Period::Quarter), winter());
    assert_eq!(labels(&quarters), ["2023-Q4", "2024-Q1", "2024-Q2"]);
    assert_eq!(quarters.totals, [1, 4, 1]);
}

#[test]
fn iso_weeks() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let weeks = count(
        &records,
        &[],
        Some(Period::Week),
        DateRange::inclusive(date(2023, 12, 25), date(2024, 1, 21)),
    );
    assert_eq!(
        labels(&weeks),
        ["2023-W52", "2024-W01", "2024-W02", "2024-W03"]
    );
    // D on Sunday 31 Dec; A on Monday 1 Jan; C on Monday 15 Jan; F on Saturday 20 Jan.
    assert_eq!(weeks.totals, [1, 1, 0, 2]);
}

#[test]
fn business_lines_as_written_and_rolled_up() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let lines = count(&records, &[Facet::BusinessLine], None, winter());
    let total = |c: &Counts, key: &str| c.row(&[key]).map(|r| r.total);
    assert_eq!(total(&lines, "Retail Banking > France"), Some(2));
    assert_eq!(total(&lines, "Retail Banking > Spain"), Some(1));
    assert_eq!(total(&lines, "Retail Banking"), Some(1));
    assert_eq!(total(&lines, "Corporate IT"), Some(2));
    assert_eq!(total(&lines, NONE), Some(1));
    // Rolled up, B counts once for Retail Banking although it names two of its lines.
    let top = count(&records, &[Facet::TopBusinessLine], None, winter());
    assert_eq!(total(&top, "Retail Banking"), Some(3));
    assert_eq!(total(&top, "Corporate IT"), Some(2));
    assert_eq!(total(&top, NONE), Some(1));
    assert_eq!(top.rows.len(), 3);
    // Each incident counts once in the totals.
    assert_eq!(top.total(), 6);
}

#[test]
fn other_facets_and_crossings() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let kind = count(&records, &[Facet::Kind], None, winter());
    assert_eq!(kind.row(&["incident"]).unwrap().total, 5);
    assert_eq!(kind.row(&["event"]).unwrap().total, 1);
    let major = count(&records, &[Facet::Major], None, winter());
    assert_eq!(major.row(&["major"]).unwrap().total, 1);
    assert_eq!(major.row(&["other"]).unwrap().total, 5);
    let status = count(&records, &[Facet::Status], None, winter());
    assert_eq!(status.row(&["open"]).unwrap().total, 1);
    let mut cross = count(
        &records,
        &[Facet::Category, Facet::Severity],
        None,
        winter(),
    );
    assert_eq!(cross.row(&["phishing", "2"]).unwrap().total, 2);
    assert_eq!(cross.row(&["phishing", "1"]).unwrap().total, 1);
    assert_eq!(cross.row(&["phishing", "3"]).unwrap().total, 1);
    assert_eq!(cross.row(&["malware", "3"]).unwrap().total, 1);
    assert_eq!(cross.row(&["malware", "4"]).unwrap().total, 1);
    assert_eq!(cross.rows.len(), 5);
    cross.sort_rows(|facet, key| match facet {
        0 => ["malware", "phishing"].iter().position(|k| *k == key),
        _ => key.parse().ok(),
    });
    let keys: Vec<String> = cross.rows.iter().map(|r| r.key.join("/")).collect();
    assert_eq!(
        keys,
        [
            "malware/3",
            "malware/4",
            "phishing/1",
            "phishing/2",
            "phishing/3"
        ]
    );
}

#[test]
fn an_empty_range_has_zero_rows_and_zero_periods() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let summer = DateRange::inclusive(date(2024, 6, 1), date(2024, 8, 31));
    let counts = count(&records, &[], Some(Period::Month), summer);
    assert_eq!(counts.totals, [0, 0, 0]);
    assert_eq!(counts.rows[0].counts, [0, 0, 0]);
    let by_category = count(&records, &[Facet::Category], Some(Period::Month), summer);
    assert!(by_category.rows.is_empty());
    let times = time_to_close(&records, &[], summer);
    assert_eq!(times[0].closed, 0);
    assert_eq!(times[0].median_hours, None);
}

#[test]
fn time_to_close_overall_and_per_category() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let overall = &time_to_close(&records, &[], winter())[0];
    // Measured: C 10 h, A 24 h, E 48 h, F 1080 h. D is closed without a date, B is open.
    assert_eq!((overall.incidents, overall.closed), (6, 4));
    assert_eq!((overall.undated, overall.open), (1, 1));
    assert_eq!(overall.median_hours, Some(36.0));
    // p90: rank 0.9 × 3 = 2.7, between 48 and 1080: 48 + 0.7 × 1032.
    assert!((overall.p90_hours.unwrap() - 770.4).abs() < 1e-9);
    assert_eq!(overall.mean_hours, Some(290.5));
    let per_category = time_to_close(&records, &[Facet::Category], winter());
    let phishing = per_category.iter().find(|t| t.key == ["phishing"]).unwrap();
    assert_eq!(phishing.median_hours, Some(552.0));
    assert!((phishing.p90_hours.unwrap() - 974.4).abs() < 1e-9);
    assert_eq!((phishing.undated, phishing.open), (1, 1));
    let malware = per_category.iter().find(|t| t.key == ["malware"]).unwrap();
    assert_eq!(malware.median_hours, Some(29.0));
    assert!((malware.p90_hours.unwrap() - 44.2).abs() < 1e-9);
    let per_severity = time_to_close(&records, &[Facet::Severity], winter());
    let four = per_severity.iter().find(|t| t.key == ["4"]).unwrap();
    assert_eq!(four.median_hours, Some(48.0));
}

#[test]
fn percentiles_interpolate() {
    assert_eq!(percentile(&[], 0.5), None);
    assert_eq!(percentile(&[7], 0.9), Some(7.0));
    assert_eq!(percentile(&[1, 2, 3, 4], 0.5), Some(2.5));
    assert_eq!(percentile(&[1, 2, 3], 0.5), Some(2.0));
    let ten: Vec<i64> = (1..=10).collect();
    assert!((percentile(&ten, 0.9).unwrap() - 9.1).abs() < 1e-9);
}

#[test]
fn backlog_at_the_end_of_each_month() {
    let config = config("Europe/Paris");
    let summaries = summaries(&config);
    let records = records(&summaries, &config);
    let backlog = backlog(&records, Period::Month, winter());
    let values: Vec<u64> = backlog.iter().map(|(_, n)| *n).collect();
    // End of Dec: D is closed without a date, never counted. End of Jan: F (A closed on
    // 2 Jan, C the same day). End of Feb: F and B. March: F closed on 5 Mar, B. April: E
    // opened and closed, B.
    assert_eq!(values, [0, 1, 2, 1, 1]);
    assert_eq!(backlog[2].0.label(), "2024-02");
}

#[test]
fn variations() {
    let up = variation(5, 4);
    assert_eq!((up.percent, up.trend), (Some(25.0), Trend::Up));
    assert_eq!(up.percent_text("new"), "+25%");
    let down = variation(2, 4);
    assert_eq!((down.percent, down.trend), (Some(-50.0), Trend::Down));
    assert_eq!(down.percent_text("new"), "-50%");
    let new = variation(3, 0);
    assert_eq!((new.percent, new.trend), (None, Trend::Up));
    assert_eq!(new.percent_text("new"), "new");
    let none = variation(0, 0);
    assert_eq!(
        (none.percent_text("new"), none.trend),
        ("0%".to_string(), Trend::Flat)
    );
    assert_eq!(Trend::Down.arrow(), "↓");
}

#[test]
fn facet_names_round_trip() {
    for facet in Facet::ALL {
        assert_eq!(facet.name().parse::<Facet>(), Ok(facet));
    }
    assert_eq!("Business_Line".parse::<Facet>(), Ok(Facet::BusinessLine));
    let err = "colour".parse::<Facet>().unwrap_err();
    assert!(err.contains("category, severity"), "{err}");
}
