//! Any CSV bytes, with encoding and delimiter sniffed: reading never panics, the import
//! plan under the example mapping never panics, and every file it would write is an
//! incident fir reads back.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use fir::Config;
use fir::import::sheet::{CsvSettings, read_csv};
use fir::import::{Input, Mapping, Options, plan};
use fir::incident::parse;
use libfuzzer_sys::fuzz_target;

fn setup() -> &'static (Mapping, Config) {
    static SETUP: OnceLock<(Mapping, Config)> = OnceLock::new();
    SETUP.get_or_init(|| {
        let text = include_str!("../../imports/legacy-register.toml");
        let mapping = Mapping::from_toml(text, "legacy-register.toml").expect("example mapping");
        (mapping, Config::default())
    })
}

fuzz_target!(|data: &[u8]| {
    let (mapping, config) = setup();
    let Ok((sheet, _, _)) = read_csv(data, &CsvSettings::default()) else {
        return;
    };
    let input = Input {
        source: "fuzz.csv".into(),
        sheets: vec![sheet],
    };
    let planned = plan(
        Path::new("/nonexistent"),
        &[input],
        mapping,
        config,
        &[],
        &Options::default(),
    );
    for write in &planned.writes {
        if let Err(e) = parse(&write.text) {
            panic!(
                "{}: fir cannot read what import wrote: {e}\n{}",
                write.path.display(),
                write.text
            );
        }
    }
});
