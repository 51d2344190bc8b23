//! Property tests of the importer's cell readers: whatever a legacy sheet holds, they
//! answer (a value or an error) and never panic; valid day-first dates read back exactly.

use fir::import::cell::{self, Cell};
use fir::import::sheet;
use proptest::prelude::*;

fn any_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Empty),
        any::<String>().prop_map(Cell::Text),
        // Text shaped like dates and numbers, where parsers have the most branches.
        "[0-9]{1,4}[/.-][0-9]{1,4}[/.-][0-9]{1,5}( [0-9]{1,3}[:h][0-9]{0,3}(:[0-9]{0,3}([.,][0-9]{0,4})?)?)?"
            .prop_map(Cell::Text),
        "[ +-]?[0-9]{0,8}([.,][0-9]{0,8})?(e[+-]?[0-9]{1,3})?".prop_map(Cell::Text),
        any::<i64>().prop_map(Cell::Int),
        any::<f64>().prop_map(Cell::Float),
        prop_oneof![Just(f64::NAN), Just(f64::INFINITY), Just(-0.0), Just(2_958_465.9999999)]
            .prop_map(Cell::Float),
        any::<bool>().prop_map(Cell::Bool),
        "#[A-Z/0!?]{1,6}".prop_map(Cell::Error),
    ]
}

proptest! {
    #[test]
    fn cell_readers_never_panic(cell in any_cell(), day_first in any::<bool>()) {
        let _ = cell::parse_date(&cell, day_first);
        let _ = cell::parse_severity(&cell);
        let _ = cell::parse_bool(&cell);
        let _ = cell::text(&cell);
        let _ = cell.raw();
    }

    #[test]
    fn day_first_dates_read_back(
        year in 1950i16..2100,
        month in 1i8..=12,
        day in 1i8..=28,
        hour in 0i8..24,
        minute in 0i8..60,
        with_time in any::<bool>(),
    ) {
        let text = if with_time {
            format!("{day:02}/{month:02}/{year} {hour:02}:{minute:02}")
        } else {
            format!("{day}/{month}/{year}")
        };
        let date = cell::parse_date(&Cell::Text(text.clone()), true).unwrap().unwrap();
        let civil = date.civil();
        prop_assert_eq!((civil.year(), civil.month(), civil.day()), (year, month, day), "{}", text);
        prop_assert_eq!(date.is_date_only(), !with_time);
        if with_time {
            prop_assert_eq!((civil.hour(), civil.minute()), (hour, minute));
        }
    }

    #[test]
    fn serials_are_days_since_1899_12_30(days in 61u32..2_958_465, seconds in 0u32..86_400) {
        let serial = f64::from(days) + f64::from(seconds) / 86_400.0;
        let date = cell::from_serial(serial).unwrap();
        let start = jiff::civil::date(1899, 12, 30).to_datetime(jiff::civil::Time::midnight());
        let expected = start
            .checked_add(jiff::Span::new().days(i64::from(days)).seconds(i64::from(seconds)))
            .unwrap();
        prop_assert_eq!(date.civil(), expected);
    }

    #[test]
    fn csv_reading_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = sheet::read_csv(&bytes, &sheet::CsvSettings::default());
    }

    #[test]
    fn csv_text_never_panics(text in "[a-z;,\t|\"\r\n é]{0,200}") {
        let _ = sheet::sniff_delimiter(&text);
        let _ = sheet::read_csv(text.as_bytes(), &sheet::CsvSettings::default());
    }
}
