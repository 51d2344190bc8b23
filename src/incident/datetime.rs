//! Dates as they are written in incident files.
//!
//! A date keeps the precision and offset it was written with, so a file that says
//! `2014-03-02` (the day is all a legacy sheet knew) or `2024-05-01T09:30:00` (a naive
//! local time) is written back exactly so. Naive values are placed on the timeline with
//! the site's time zone when they are resolved, never when they are parsed.

use std::fmt;
use std::str::FromStr;

use jiff::civil;
use jiff::fmt::temporal::Pieces;
use jiff::tz::{Offset, TimeZone};
use jiff::{Timestamp, ZonedDateTime};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A point in time as written in front matter: RFC 3339, a naive date-time, or a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DateTime {
    civil: civil::DateTime,
    offset: Option<Offset>,
    date_only: bool,
}

/// Why a date string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid date {input:?}: expected RFC 3339 like 2024-05-01T09:30:00+02:00, or 2024-05-01 ({reason})"
)]
pub struct DateError {
    input: String,
    reason: String,
}

impl DateTime {
    /// A date and time with a known offset from UTC.
    pub fn from_zoned(zoned: &ZonedDateTime) -> Self {
        DateTime {
            civil: zoned.datetime(),
            offset: Some(zoned.offset()),
            date_only: false,
        }
    }

    /// The current moment to the second, in time zone `tz`.
    pub fn now(tz: &jiff::tz::TimeZone) -> Self {
        DateTime::from_zoned(
            &ZonedDateTime::now()
                .with_time_zone(tz.clone())
                .round(jiff::Unit::Second)
                .expect("rounding to seconds"),
        )
    }

    /// A moment in UTC, written with `Z`.
    pub fn from_timestamp(ts: Timestamp) -> Self {
        DateTime {
            civil: Offset::UTC.to_datetime(ts),
            offset: Some(Offset::UTC),
            date_only: false,
        }
    }

    /// A naive local date-time: its moment depends on the site's time zone.
    pub fn naive(civil: civil::DateTime) -> Self {
        DateTime {
            civil,
            offset: None,
            date_only: false,
        }
    }

    /// A whole day, when the source knew nothing finer.
    pub fn date_only(date: civil::Date) -> Self {
        DateTime {
            civil: date.to_datetime(civil::Time::midnight()),
            offset: None,
            date_only: true,
        }
    }

    /// The wall-clock value as written.
    pub fn civil(&self) -> civil::DateTime {
        self.civil
    }

    /// The offset as written, if any.
    pub fn offset(&self) -> Option<Offset> {
        self.offset
    }

    /// True when only the day is known.
    pub fn is_date_only(&self) -> bool {
        self.date_only
    }

    /// The moment this value denotes; naive values are read in `tz`.
    pub fn timestamp(&self, tz: &TimeZone) -> Timestamp {
        match self.offset {
            Some(offset) => offset
                .to_timestamp(self.civil)
                .unwrap_or_else(|_| tz_fallback(self.civil, tz)),
            None => tz_fallback(self.civil, tz),
        }
    }

    /// The wall-clock time of this moment in `tz` (not through a zoned date-time,
    /// which takes a copy of the zone: an atomic count every thread would share).
    pub fn local(&self, tz: &TimeZone) -> civil::DateTime {
        tz.to_datetime(self.timestamp(tz))
    }
}

fn tz_fallback(civil: civil::DateTime, tz: &TimeZone) -> Timestamp {
    // `compatible` picks the later time in a gap and the earlier one in a fold,
    // which is what a person writing a local time means in both cases.
    tz.to_ambiguous_timestamp(civil)
        .compatible()
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl FromStr for DateTime {
    type Err = DateError;

    fn from_str(input: &str) -> Result<Self, DateError> {
        let err = |reason: String| DateError {
            input: input.to_string(),
            reason,
        };
        let text = input.trim();
        if text.is_empty() {
            return Err(err("empty".into()));
        }
        let pieces = Pieces::parse(text).map_err(|e| err(e.to_string()))?;
        if pieces.time_zone_annotation().is_some() {
            return Err(err(
                "time zone annotations like [Europe/Paris] are not supported; write an offset"
                    .into(),
            ));
        }
        let date = pieces.date();
        let Some(time) = pieces.time() else {
            if pieces.offset().is_some() {
                return Err(err("an offset needs a time".into()));
            }
            return Ok(DateTime::date_only(date));
        };
        let civil = date.to_datetime(time);
        let offset = pieces.to_numeric_offset();
        if let Some(offset) = offset {
            offset.to_timestamp(civil).map_err(|e| err(e.to_string()))?;
        }
        Ok(DateTime {
            civil,
            offset,
            date_only: false,
        })
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Digits laid out by hand and written once: every file the importer and the
        // intake form write holds several dates, and `write!` per field adds up.
        let mut text = ShortText::default();
        let date = self.civil.date();
        let year = date.year();
        if year < 0 {
            text.push(b'-');
        }
        text.number(u32::from(year.unsigned_abs()), 4);
        text.push(b'-');
        text.number(date.month() as u32, 2);
        text.push(b'-');
        text.number(date.day() as u32, 2);
        if !self.date_only {
            let time = self.civil.time();
            text.push(b'T');
            text.number(time.hour() as u32, 2);
            text.push(b':');
            text.number(time.minute() as u32, 2);
            text.push(b':');
            text.number(time.second() as u32, 2);
            let nanos = time.subsec_nanosecond() as u32;
            if nanos != 0 {
                text.push(b'.');
                let mut width = 9;
                let mut fraction = nanos;
                while fraction.is_multiple_of(10) {
                    fraction /= 10;
                    width -= 1;
                }
                text.number(fraction, width);
            }
            match self.offset {
                None => {}
                Some(offset) if offset == Offset::UTC => text.push(b'Z'),
                Some(offset) => {
                    let secs = offset.seconds();
                    text.push(if secs < 0 { b'-' } else { b'+' });
                    let abs = secs.unsigned_abs();
                    text.number(abs / 3600, 2);
                    text.push(b':');
                    text.number((abs % 3600) / 60, 2);
                }
            }
        }
        f.write_str(text.as_str())
    }
}

/// A short text on the stack, of numbers and ASCII: [`DateTime`]'s `Display`, and keys
/// made for every incident (facet values), without a string made for each.
pub(crate) struct ShortText {
    bytes: [u8; 40],
    len: usize,
}

impl Default for ShortText {
    fn default() -> Self {
        ShortText {
            bytes: [0; 40],
            len: 0,
        }
    }
}

impl ShortText {
    fn push(&mut self, byte: u8) {
        self.bytes[self.len] = byte;
        self.len += 1;
    }

    /// Appends ASCII `text`.
    pub(crate) fn push_ascii(&mut self, text: &str) {
        for byte in text.bytes() {
            self.push(byte);
        }
    }

    /// `n` in decimal, zero-padded to at least `width` digits.
    pub(crate) fn number(&mut self, mut n: u32, width: usize) {
        let mut digits = [0u8; 10];
        let mut count = 0;
        while n > 0 || count < width {
            digits[count] = b'0' + (n % 10) as u8;
            n /= 10;
            count += 1;
        }
        for &digit in digits[..count].iter().rev() {
            self.push(digit);
        }
    }

    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).expect("ASCII")
    }
}

/// A [`DateTime`] in binary formats (the build cache): its fields as numbers (civil
/// date and time, offset seconds, whether only a date was written). Writing and reading
/// them as text took a tenth of an incremental build of 100k incidents.
type Packed = (i16, i8, i8, i8, i8, i8, i32, Option<i32>, bool);

impl Serialize for DateTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if serializer.is_human_readable() {
            return serializer.collect_str(self);
        }
        let c = self.civil;
        let packed: Packed = (
            c.year(),
            c.month(),
            c.day(),
            c.hour(),
            c.minute(),
            c.second(),
            c.subsec_nanosecond(),
            self.offset.map(|o| o.seconds()),
            self.date_only,
        );
        packed.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        if deserializer.is_human_readable() {
            return deserializer.deserialize_any(DateVisitor);
        }
        let (year, month, day, hour, minute, second, nanos, offset, date_only) =
            Packed::deserialize(deserializer)?;
        let civil = civil::DateTime::new(year, month, day, hour, minute, second, nanos)
            .map_err(de::Error::custom)?;
        let offset = offset
            .map(Offset::from_seconds)
            .transpose()
            .map_err(de::Error::custom)?;
        Ok(DateTime {
            civil,
            offset,
            date_only,
        })
    }
}

struct DateVisitor;

impl<'de> Visitor<'de> for DateVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a date like 2024-05-01T09:30:00+02:00 or 2024-05-01")
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<DateTime, E> {
        value.parse().map_err(E::custom)
    }

    /// TOML front matter hands its native datetimes over as a one-entry map.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<DateTime, A::Error> {
        match map.next_entry::<String, String>()? {
            Some((_, value)) => self.visit_str(&value),
            None => Err(de::Error::invalid_type(de::Unexpected::Map, &self)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round(s: &str) -> String {
        s.parse::<DateTime>().unwrap().to_string()
    }

    proptest::proptest! {
        /// Numbers come out as `format!` writes them, padding included.
        #[test]
        fn numbers_are_written_as_format_writes_them(n in proptest::prelude::any::<u32>(), width in 0usize..6) {
            let mut text = ShortText::default();
            text.number(n, width);
            proptest::prop_assert_eq!(text.as_str(), format!("{n:0width$}"));
        }
    }

    /// Binary formats keep every field as numbers, and give the same date back; a
    /// human-readable one still writes the text.
    #[test]
    fn binary_formats_give_the_same_date_back() {
        for text in [
            "2024-05-01T09:30:00+02:00",
            "2024-05-01T09:30:00.125-05:30",
            "2024-05-01T09:30:00Z",
            "2024-05-01T09:30:00",
            "2024-05-01",
            "0001-01-01",
        ] {
            let date: DateTime = text.parse().unwrap();
            let bytes = postcard::to_stdvec(&date).unwrap();
            assert!(bytes.len() <= text.len(), "{text}: {} bytes", bytes.len());
            let back: DateTime = postcard::from_bytes(&bytes).unwrap();
            assert_eq!(back, date, "{text}");
            assert_eq!(back.to_string(), date.to_string(), "{text}");
            assert_eq!(
                serde_json::to_string(&date).unwrap(),
                format!("{:?}", date.to_string())
            );
        }
        // Fields out of range are an error, not a date.
        let bad: super::Packed = (2024, 13, 1, 0, 0, 0, 0, None, false);
        let bytes = postcard::to_stdvec(&bad).unwrap();
        assert!(postcard::from_bytes::<DateTime>(&bytes).is_err());
    }

    #[test]
    fn keeps_the_form_it_was_written_in() {
        assert_eq!(
            round("2024-05-01T09:30:00+02:00"),
            "2024-05-01T09:30:00+02:00"
        );
        assert_eq!(round("2024-05-01T09:30:00Z"), "2024-05-01T09:30:00Z");
        assert_eq!(
            round("2024-05-01T09:30:00-05:30"),
            "2024-05-01T09:30:00-05:30"
        );
        assert_eq!(round("2024-05-01"), "2024-05-01");
        assert_eq!(round("2024-05-01T09:30:00"), "2024-05-01T09:30:00");
        assert_eq!(round("2024-05-01 09:30"), "2024-05-01T09:30:00");
        assert_eq!(round("2024-05-01T09:30:00.250Z"), "2024-05-01T09:30:00.25Z");
    }

    proptest::proptest! {
        /// Written as RFC 3339 spells it, and read back to the same value.
        #[test]
        fn writes_rfc_3339(
            year in 0i16..=9999, month in 1i8..=12, day in 1i8..=28,
            hour in 0i8..=23, minute in 0i8..=59, second in 0i8..=59,
            nanos in proptest::prop_oneof![proptest::strategy::Just(0), 0i32..1_000_000_000],
            offset in proptest::option::of(-86_399i32..=86_399),
            date_only: bool,
        ) {
            let civil = if date_only {
                civil::date(year, month, day).at(0, 0, 0, 0)
            } else {
                civil::DateTime::new(year, month, day, hour, minute, second, nanos).unwrap()
            };
            let offset = offset.map(|secs| Offset::from_seconds(secs / 60 * 60).unwrap());
            let value = DateTime { civil, offset: if date_only { None } else { offset }, date_only };
            let mut expected = format!("{year:04}-{month:02}-{day:02}");
            if !date_only {
                expected += &format!("T{hour:02}:{minute:02}:{second:02}");
                if nanos != 0 {
                    expected += format!(".{nanos:09}").trim_end_matches('0');
                }
                match value.offset {
                    None => {}
                    Some(o) if o == Offset::UTC => expected += "Z",
                    Some(o) => {
                        let secs = o.seconds();
                        let sign = if secs < 0 { '-' } else { '+' };
                        let abs = secs.unsigned_abs();
                        expected += &format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60);
                    }
                }
            }
            proptest::prop_assert_eq!(value.to_string(), expected.clone());
            proptest::prop_assert_eq!(expected.parse::<DateTime>().unwrap(), value);
        }
    }

    #[test]
    fn naive_times_resolve_in_the_site_zone() {
        let paris = TimeZone::get("Europe/Paris").unwrap();
        let d: DateTime = "2024-07-01T12:00:00".parse().unwrap();
        assert_eq!(d.timestamp(&paris).to_string(), "2024-07-01T10:00:00Z");
        let z: DateTime = "2024-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(z.timestamp(&paris).to_string(), "2024-07-01T12:00:00Z");
        let day: DateTime = "2024-01-15".parse().unwrap();
        assert_eq!(day.timestamp(&paris).to_string(), "2024-01-14T23:00:00Z");
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "31/12/2014",
            "2024-05-01+02:00",
        ] {
            assert!(
                bad.parse::<DateTime>().is_err(),
                "{bad:?} should be rejected"
            );
        }
    }
}
