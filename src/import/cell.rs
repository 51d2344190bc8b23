//! Spreadsheet cells and what they mean: dates in all their legacy forms, severities,
//! booleans. Pure functions that never panic, whatever a cell holds.

use std::fmt;

use jiff::civil;

use crate::incident::DateTime;

/// One cell as the importer sees it, whatever file format it came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A cell formatted as a date: the wall-clock value, and whether it has a time.
    Date(DateTime),
    /// An error value such as `#N/A` or `#DIV/0!`.
    Error(String),
}

impl Cell {
    /// True for empty cells and cells of blanks only.
    pub fn is_blank(&self) -> bool {
        match self {
            Cell::Empty => true,
            Cell::Text(text) => text.trim().is_empty(),
            _ => false,
        }
    }

    /// The text a spreadsheet would show, for attributes, reports and messages.
    pub fn raw(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Empty => Ok(()),
            Cell::Text(text) => f.write_str(text),
            Cell::Int(n) => write!(f, "{n}"),
            Cell::Float(x) => write!(f, "{x}"),
            Cell::Bool(b) => f.write_str(if *b { "TRUE" } else { "FALSE" }),
            Cell::Date(date) => write!(f, "{date}"),
            Cell::Error(error) => f.write_str(error),
        }
    }
}

/// Why a cell could not be read as the value its column needs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CellError {
    #[error(
        "cannot read {0:?} as a date (expected 31/12/2014, 31/12/2014 14:05, 2014-12-31 or a date cell)"
    )]
    Date(String),
    #[error("cannot read {0:?} as a severity (expected a number like 1-4 or a severity label)")]
    Severity(String),
    #[error("cannot read {0:?} as yes or no (expected Yes/No, Oui/Non, Y/N, X or empty)")]
    Bool(String),
    #[error("error value {0} in the cell")]
    Formula(String),
}

/// Largest Excel serial (9999-12-31) and the smallest we take for a date (1900-01-01).
const SERIAL_RANGE: std::ops::RangeInclusive<f64> = 1.0..=2_958_465.999_999;

/// A date from a cell of a date column.
///
/// Accepts date cells, Excel serial numbers (numbers or numeric text), ISO text
/// (`2014-12-31`, `2014-12-31 14:05`, RFC 3339) and day-first text (`31/12/2014`,
/// `31-12-14 14:05:33`, `31.12.2014`); `day_first = false` reads `12/31/2014` instead.
/// Times are rounded to the second. `Ok(None)` for an empty cell.
pub fn parse_date(cell: &Cell, day_first: bool) -> Result<Option<DateTime>, CellError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Date(date) => Ok(Some(*date)),
        Cell::Int(n) => from_serial(*n as f64)
            .map(Some)
            .ok_or_else(|| CellError::Date(cell.raw())),
        Cell::Float(x) => from_serial(*x)
            .map(Some)
            .ok_or_else(|| CellError::Date(cell.raw())),
        Cell::Text(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            parse_date_text(text, day_first)
                .map(Some)
                .ok_or_else(|| CellError::Date(text.to_string()))
        }
        Cell::Bool(_) => Err(CellError::Date(cell.raw())),
        Cell::Error(error) => Err(CellError::Formula(error.clone())),
    }
}

/// An Excel serial date (1900 system, days since 1899-12-30), to the nearest second.
/// A whole number is a date without a time.
pub fn from_serial(serial: f64) -> Option<DateTime> {
    if !serial.is_finite() || !SERIAL_RANGE.contains(&serial) {
        return None;
    }
    let epoch = civil::date(1899, 12, 30);
    let seconds = (serial * 86_400.0).round() as i64;
    let (days, seconds) = (seconds.div_euclid(86_400), seconds.rem_euclid(86_400));
    let date = epoch.checked_add(jiff::Span::new().days(days)).ok()?;
    if seconds == 0 && serial.fract() == 0.0 {
        return Some(DateTime::date_only(date));
    }
    let time = civil::Time::midnight()
        .checked_add(jiff::Span::new().seconds(seconds))
        .ok()?;
    Some(DateTime::naive(date.to_datetime(time)))
}

fn parse_date_text(text: &str, day_first: bool) -> Option<DateTime> {
    // A number in a date column is a serial that lost its date format.
    if let Ok(serial) = text.replace(',', ".").parse::<f64>() {
        return from_serial(serial);
    }
    if let Some(date) = parse_numeric_date(text, day_first) {
        return Some(date);
    }
    text.parse::<DateTime>().ok()
}

/// `31/12/2014`, `31-12-14`, `31.12.2014`, optionally followed by `14:05` or `14:05:33`
/// (or `14h05`). Year first (`2014/12/31`) is read too, whatever `day_first` says.
fn parse_numeric_date(text: &str, day_first: bool) -> Option<DateTime> {
    let (date_part, time_part) = match text.split_once([' ', 'T']) {
        Some((date, time)) => (date, Some(time.trim())),
        None => (text, None),
    };
    let mut fields = date_part.split(['/', '-', '.']);
    let (a, b, c) = (fields.next()?, fields.next()?, fields.next()?);
    if fields.next().is_some() || [a, b, c].iter().any(|f| f.is_empty() || f.len() > 4) {
        return None;
    }
    let number = |s: &str| -> Option<i32> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = if a.len() == 4 {
        (number(a)?, number(b)?, number(c)?)
    } else if day_first {
        (full_year(c, number(c)?), number(b)?, number(a)?)
    } else {
        (full_year(c, number(c)?), number(a)?, number(b)?)
    };
    let date = civil::Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()?;
    match time_part {
        None | Some("") => Some(DateTime::date_only(date)),
        Some(time) => Some(DateTime::naive(date.to_datetime(parse_time(time)?))),
    }
}

/// Two-digit years: 00-69 are 2000-2069, 70-99 are 1970-1999 (as spreadsheets do).
fn full_year(text: &str, year: i32) -> i32 {
    match (text.len(), year) {
        (1 | 2, 0..=69) => 2000 + year,
        (1 | 2, _) => 1900 + year,
        _ => year,
    }
}

/// `14:05`, `14:05:33`, `14h05`, `9:05:33.250` (fractions rounded away).
fn parse_time(text: &str) -> Option<civil::Time> {
    let text = text.trim();
    let mut parts = text.split([':', 'h', 'H']);
    let hour: i8 = parts.next()?.trim().parse().ok()?;
    let minute: i8 = parts.next().map_or(Some(0), |m| m.trim().parse().ok())?;
    let second: i8 = match parts.next() {
        None => 0,
        Some(s) => {
            let whole = s.split(['.', ',']).next()?;
            whole.trim().parse().ok()?
        }
    };
    if parts.next().is_some() {
        return None;
    }
    civil::Time::new(hour, minute, second, 0).ok()
}

/// A severity number from a cell: `3`, `3.0`, `"3"`, `"3.0"`. Text that is not a
/// number (a label like `High`) is returned as `Err` for the caller to resolve.
pub fn parse_severity(cell: &Cell) -> Result<Option<u8>, CellError> {
    let bad = || CellError::Severity(cell.raw());
    match cell {
        Cell::Empty => Ok(None),
        Cell::Int(n) => u8::try_from(*n).map(Some).map_err(|_| bad()),
        Cell::Float(x) => whole_u8(*x).map(Some).ok_or_else(bad),
        Cell::Text(text) => {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            match text.replace(',', ".").parse::<f64>() {
                Ok(x) => whole_u8(x).map(Some).ok_or_else(bad),
                Err(_) => Err(bad()),
            }
        }
        Cell::Error(error) => Err(CellError::Formula(error.clone())),
        Cell::Bool(_) | Cell::Date(_) => Err(bad()),
    }
}

fn whole_u8(x: f64) -> Option<u8> {
    (x.is_finite() && x.fract() == 0.0 && (0.0..=255.0).contains(&x)).then_some(x as u8)
}

/// Yes or no: Yes/No, Y/N, Oui/Non, O/N, True/False, Vrai/Faux, 1/0, X (a ticked box),
/// boolean cells. `Ok(None)` for an empty cell.
pub fn parse_bool(cell: &Cell) -> Result<Option<bool>, CellError> {
    match cell {
        Cell::Empty => Ok(None),
        Cell::Bool(b) => Ok(Some(*b)),
        Cell::Int(n) if *n == 0 || *n == 1 => Ok(Some(*n == 1)),
        Cell::Float(x) if *x == 0.0 || *x == 1.0 => Ok(Some(*x == 1.0)),
        Cell::Text(text) => {
            let key = super::mapping::normalize(text);
            match key.as_str() {
                "" => Ok(None),
                "yes" | "y" | "oui" | "o" | "true" | "vrai" | "x" | "1" | "ok" => Ok(Some(true)),
                "no" | "n" | "non" | "false" | "faux" | "0" | "-" => Ok(Some(false)),
                _ => Err(CellError::Bool(text.clone())),
            }
        }
        Cell::Error(error) => Err(CellError::Formula(error.clone())),
        _ => Err(CellError::Bool(cell.raw())),
    }
}

/// The text of a cell for a text field: line endings normalised to `\n`, nothing else
/// touched. Numbers print as a spreadsheet shows them (`3`, `2.5`).
pub fn text(cell: &Cell) -> Result<String, CellError> {
    match cell {
        Cell::Error(error) => Err(CellError::Formula(error.clone())),
        Cell::Text(text) if text.contains('\r') => {
            Ok(text.replace("\r\n", "\n").replace('\r', "\n"))
        }
        other => Ok(other.raw()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(cell: Cell) -> String {
        parse_date(&cell, true).unwrap().unwrap().to_string()
    }

    fn text_date(text: &str) -> String {
        date(Cell::Text(text.into()))
    }

    #[test]
    fn reads_every_legacy_date_form() {
        assert_eq!(text_date("31/12/2014"), "2014-12-31");
        assert_eq!(text_date("31/12/2014 14:05"), "2014-12-31T14:05:00");
        assert_eq!(text_date(" 1/2/14 9:05:33 "), "2014-02-01T09:05:33");
        assert_eq!(text_date("31.12.2014 14h05"), "2014-12-31T14:05:00");
        assert_eq!(text_date("2014-12-31"), "2014-12-31");
        assert_eq!(text_date("2014-12-31 14:05"), "2014-12-31T14:05:00");
        assert_eq!(text_date("2014/12/31"), "2014-12-31");
        assert_eq!(
            text_date("2014-12-31T14:05:00+01:00"),
            "2014-12-31T14:05:00+01:00"
        );
        assert_eq!(text_date("40922.66597222222"), "2012-01-14T15:59:00");
        assert_eq!(date(Cell::Float(40922.66597222222)), "2012-01-14T15:59:00");
        assert_eq!(date(Cell::Int(42004)), "2014-12-31");
        assert_eq!(
            parse_date(&Cell::Text("12/31/2014".into()), false)
                .unwrap()
                .unwrap()
                .to_string(),
            "2014-12-31"
        );
        assert_eq!(parse_date(&Cell::Empty, true), Ok(None));
        assert_eq!(parse_date(&Cell::Text("  ".into()), true), Ok(None));
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "32/12/2014",
            "31/13/2014",
            "yesterday",
            "12/2014",
            "1/2/3/4",
        ] {
            assert!(
                parse_date(&Cell::Text(bad.into()), true).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(
            parse_date(&Cell::Error("#N/A".into()), true),
            Err(CellError::Formula("#N/A".into()))
        );
        assert!(parse_date(&Cell::Float(-3.0), true).is_err());
        assert!(parse_date(&Cell::Float(f64::NAN), true).is_err());
    }

    #[test]
    fn severities_as_int_float_and_text() {
        assert_eq!(parse_severity(&Cell::Int(3)), Ok(Some(3)));
        assert_eq!(parse_severity(&Cell::Float(2.0)), Ok(Some(2)));
        assert_eq!(parse_severity(&Cell::Text(" 4 ".into())), Ok(Some(4)));
        assert_eq!(parse_severity(&Cell::Text("2.0".into())), Ok(Some(2)));
        assert_eq!(parse_severity(&Cell::Empty), Ok(None));
        assert!(parse_severity(&Cell::Float(2.5)).is_err());
        assert!(parse_severity(&Cell::Text("High".into())).is_err());
        assert!(parse_severity(&Cell::Int(300)).is_err());
    }

    #[test]
    fn booleans_in_english_and_french() {
        for yes in ["Yes", "y", "OUI", "X", "x ", "true", "Vrai"] {
            assert_eq!(parse_bool(&Cell::Text(yes.into())), Ok(Some(true)), "{yes}");
        }
        for no in ["No", "n", "Non", "false", "FAUX", "0"] {
            assert_eq!(parse_bool(&Cell::Text(no.into())), Ok(Some(false)), "{no}");
        }
        assert_eq!(parse_bool(&Cell::Text("".into())), Ok(None));
        assert_eq!(parse_bool(&Cell::Bool(true)), Ok(Some(true)));
        assert!(parse_bool(&Cell::Text("maybe".into())).is_err());
    }

    #[test]
    fn text_keeps_content_and_folds_line_endings() {
        assert_eq!(
            text(&Cell::Text("a\r\nb\rc\n d ".into())).unwrap(),
            "a\nb\nc\n d "
        );
        assert_eq!(text(&Cell::Float(2.5)).unwrap(), "2.5");
        assert_eq!(text(&Cell::Int(7)).unwrap(), "7");
    }
}
