//! Calendar periods (day, ISO week, month, quarter, year) as ranges of local days.

use std::fmt;
use std::str::FromStr;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Serialize;

/// The length of a period statistics are cut into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    /// ISO 8601 week: Monday to Sunday, numbered in its ISO year.
    Week,
    Month,
    Quarter,
    Year,
}

impl Period {
    pub const ALL: [Period; 5] = [
        Period::Day,
        Period::Week,
        Period::Month,
        Period::Quarter,
        Period::Year,
    ];

    /// The name used on the command line and in file names.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Quarter => "quarter",
            Period::Year => "year",
        }
    }

    /// The period of this length that contains `day`.
    pub fn containing(self, day: Date) -> Span {
        let start = match self {
            Period::Day => day,
            Period::Week => {
                let back = i64::from(day.weekday().to_monday_zero_offset());
                day.saturating_sub(back.days())
            }
            Period::Month => day.first_of_month(),
            Period::Quarter => {
                let month = (day.month() - 1) / 3 * 3 + 1;
                Date::new(day.year(), month, 1).unwrap_or(day)
            }
            Period::Year => day.first_of_year(),
        };
        Span {
            period: self,
            start,
        }
    }

    /// Every period of this length that meets `range`, in order, empty ones included.
    pub fn spans(self, range: DateRange) -> Vec<Span> {
        let mut out = Vec::new();
        if range.is_empty() {
            return out;
        }
        let mut span = self.containing(range.start);
        while span.start < range.end {
            out.push(span);
            let next = span.next();
            if next.start <= span.start {
                break;
            }
            span = next;
        }
        out
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Period {
    type Err = String;
    fn from_str(s: &str) -> Result<Period, String> {
        Period::ALL
            .into_iter()
            .find(|p| p.name() == s.trim().to_lowercase())
            .ok_or_else(|| {
                format!("unknown period {s:?}: expected day, week, month, quarter or year")
            })
    }
}

/// One period: its length and first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Span {
    pub period: Period,
    pub start: Date,
}

impl Span {
    /// The day after the period's last day.
    pub fn end(self) -> Date {
        let length = match self.period {
            Period::Day => 1.day(),
            Period::Week => 7.days(),
            Period::Month => 1.month(),
            Period::Quarter => 3.months(),
            Period::Year => 1.year(),
        };
        self.start.saturating_add(length)
    }

    pub fn next(self) -> Span {
        Span {
            period: self.period,
            start: self.end(),
        }
    }

    pub fn previous(self) -> Span {
        self.period
            .containing(self.start.yesterday().unwrap_or(self.start))
    }

    pub fn range(self) -> DateRange {
        DateRange::new(self.start, self.end())
    }

    /// `2024-01-05`, `2024-W01`, `2024-01`, `2024-Q1`, `2024`.
    pub fn label(self) -> String {
        let d = self.start;
        match self.period {
            Period::Day => format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            Period::Week => {
                let iso = d.iso_week_date();
                format!("{:04}-W{:02}", iso.year(), iso.week())
            }
            Period::Month => format!("{:04}-{:02}", d.year(), d.month()),
            Period::Quarter => format!("{:04}-Q{}", d.year(), (d.month() - 1) / 3 + 1),
            Period::Year => format!("{:04}", d.year()),
        }
    }

    /// The label in lowercase, for file and directory names (`2024-w01`, `2024-q1`).
    pub fn slug(self) -> String {
        self.label().to_lowercase()
    }
}

impl Serialize for Span {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

/// Local days from `start` (included) to `end` (excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateRange {
    pub start: Date,
    pub end: Date,
}

impl DateRange {
    pub fn new(start: Date, end: Date) -> DateRange {
        DateRange { start, end }
    }

    /// From the first to the last day, both included.
    pub fn inclusive(first: Date, last: Date) -> DateRange {
        DateRange::new(first, last.tomorrow().unwrap_or(last))
    }

    pub fn is_empty(self) -> bool {
        self.start >= self.end
    }

    pub fn contains(self, day: Date) -> bool {
        self.start <= day && day < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn labels(period: Period, first: Date, last: Date) -> Vec<String> {
        period
            .spans(DateRange::inclusive(first, last))
            .into_iter()
            .map(Span::label)
            .collect()
    }

    #[test]
    fn iso_weeks_across_the_year_boundary() {
        // 2024-12-30 is the Monday of week 1 of ISO year 2025; 2021-01-03 is in 2020-W53.
        assert_eq!(
            Period::Week.containing(date(2025, 1, 1)).label(),
            "2025-W01"
        );
        assert_eq!(
            Period::Week.containing(date(2025, 1, 1)).start,
            date(2024, 12, 30)
        );
        assert_eq!(
            Period::Week.containing(date(2021, 1, 3)).label(),
            "2020-W53"
        );
        assert_eq!(
            labels(Period::Week, date(2020, 12, 25), date(2021, 1, 11)),
            ["2020-W52", "2020-W53", "2021-W01", "2021-W02"]
        );
    }

    #[test]
    fn months_quarters_years() {
        assert_eq!(
            labels(Period::Month, date(2023, 11, 15), date(2024, 2, 1)),
            ["2023-11", "2023-12", "2024-01", "2024-02"]
        );
        assert_eq!(
            labels(Period::Quarter, date(2023, 12, 31), date(2024, 4, 1)),
            ["2023-Q4", "2024-Q1", "2024-Q2"]
        );
        assert_eq!(
            labels(Period::Year, date(2023, 12, 31), date(2024, 1, 1)),
            ["2023", "2024"]
        );
        let q = Period::Quarter.containing(date(2024, 8, 9));
        assert_eq!((q.start, q.end()), (date(2024, 7, 1), date(2024, 10, 1)));
        assert_eq!(q.previous().label(), "2024-Q2");
        assert_eq!(
            Period::Quarter
                .containing(date(2024, 1, 9))
                .previous()
                .label(),
            "2023-Q4"
        );
        assert_eq!(
            Period::Day.containing(date(2024, 2, 29)).end(),
            date(2024, 3, 1)
        );
        assert_eq!("Quarter".parse::<Period>(), Ok(Period::Quarter));
        assert!("fortnight".parse::<Period>().is_err());
    }
}
