//! Writes a large legacy register for `fir import` benchmarks: one sheet of N rows
//! (default 100,000) with the columns of the sample register in `imports/`, so that
//! `imports/legacy-register.toml` imports it (with `--sheet Register`).
//!
//! ```text
//! cargo run --release --example big_register -- OUT.xlsx [N]
//! ```
//!
//! Dates come as date cells, serial numbers and day-first text; severities as numbers
//! and text; comments span several lines. The output depends only on N.

use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const CATEGORIES: [&str; 8] = [
    "Phishing",
    "PHISHING",
    "Virus/Malware",
    "Spam",
    "CEO fraud",
    "Vuln",
    "DDoS",
    "Data leak",
];
const STATUSES: [&str; 6] = ["C", "Closed", "Done", "O", "open", "B"];
const LINES: [&str; 6] = [
    "Corporate IT",
    "Private Banking",
    "Retail Banking > France",
    "Retail Banking > Czech Republic",
    "Insurance",
    "Équipements & Services",
];
const DETECTIONS: [&str; 5] = ["CERT", "User", "SOC", "IDS", "Partner CERT"];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: big_register OUT.xlsx [N]")?;
    let rows: u32 = args.next().map_or(Ok(100_000), |n| n.parse())?;
    let started = std::time::Instant::now();

    let mut workbook = Workbook::new();
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    let sheet = workbook.add_worksheet();
    sheet.set_name("Register")?;
    sheet.write_string(0, 0, "CERT incident log (generated)")?;
    let headers = [
        "Ref",
        "Opened",
        "Category",
        "Severity",
        "Status",
        "Business line",
        "Subject",
        "Comments",
        "Detection",
        "Major?",
        "Closed",
    ];
    for (c, h) in headers.iter().enumerate() {
        sheet.write_string(2, c as u16, *h)?;
    }
    // A small linear congruential generator: the output never changes with dependencies.
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |n: usize| {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((state >> 33) as usize) % n
    };
    for i in 0..rows {
        let r = i + 3;
        let day = 40_909.0 + f64::from(i) * 1_826.0 / f64::from(rows); // 2012-2016
        let minute = next(1440) as f64 / 1440.0;
        sheet.write_string(r, 0, format!("BIG-{i:06}"))?;
        match next(3) {
            0 => {
                let dt = ExcelDateTime::from_serial_datetime(day.floor() + minute)?;
                sheet.write_datetime_with_format(r, 1, &dt, &date_time)?;
            }
            1 => {
                sheet.write_number(r, 1, day.floor() + minute)?;
            }
            _ => {
                let date = fir::import::cell::from_serial(day.floor())
                    .ok_or("serial out of range")?
                    .civil();
                let (y, m, d) = (date.year(), date.month(), date.day());
                sheet.write_string(r, 1, format!("{d:02}/{m:02}/{y}"))?;
            }
        }
        sheet.write_string(r, 2, CATEGORIES[next(CATEGORIES.len())])?;
        if next(4) == 0 {
            sheet.write_string(r, 3, (1 + next(4)).to_string())?;
        } else {
            sheet.write_number(r, 3, (1 + next(4)) as f64)?;
        }
        sheet.write_string(r, 4, STATUSES[next(STATUSES.len())])?;
        sheet.write_string(r, 5, LINES[next(LINES.len())])?;
        sheet.write_string(r, 6, format!("Incident {i} on host WKS-{}", next(10_000)))?;
        sheet.write_string(
            r,
            7,
            format!(
                "Source IP: 203.0.113.{}\r\nPhishing URL hxxp://login-{}[.]example/a\r\nTicket INC-{}",
                next(255),
                next(1000),
                next(100_000)
            ),
        )?;
        sheet.write_string(r, 8, DETECTIONS[next(DETECTIONS.len())])?;
        sheet.write_string(r, 9, if next(20) == 0 { "Yes" } else { "no" })?;
    }
    workbook.save(&out)?;
    eprintln!("wrote {rows} rows to {out} in {:.2?}", started.elapsed());
    Ok(())
}
