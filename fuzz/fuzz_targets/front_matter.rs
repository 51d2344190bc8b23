//! Any file content: parsing never panics, the fast reader agrees with the full YAML
//! parser, what parses writes back stably, and listing every problem of what does not
//! parse starts with the first.
#![no_main]

use fir::incident::{all_errors, parse, parse_without_fast_path, to_markdown, without_errors};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = parse(text);
    let full = parse_without_fast_path(text);
    match (&parsed, &full) {
        (Ok(a), Ok(b)) => assert_eq!(a.incident, b.incident),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("fast path {parsed:?} disagrees with full parser {full:?}"),
    }
    if let Err(first) = &parsed {
        let errors = all_errors(text, first.clone());
        assert_eq!(&errors[0], first);
        // The rest of the file decodes, or is not given.
        let _ = without_errors(text, &errors);
    }
    if let Ok(parsed) = parsed {
        let written = to_markdown(&parsed.incident);
        let again = parse(&written).expect("what fir writes, fir reads");
        assert_eq!(again.incident, parsed.incident);
        assert_eq!(to_markdown(&again.incident), written);
    }
});
