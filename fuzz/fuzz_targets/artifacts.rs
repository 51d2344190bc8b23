//! Any text: extraction never panics, every value found is in normal form (it
//! identifies, parses and re-extracts as itself) and its defanged form refangs back.
#![no_main]

use fir::artifacts::{self, defang, extract_text, identify, parse_value, refang};
use fir::config::artifacts::ArtifactConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let config = ArtifactConfig::default();
    let found = extract_text(text, &config);
    let mut with_private = config.clone();
    with_private.private_ips = true;
    let _ = extract_text(text, &with_private);
    let _ = artifacts::refang_query(text);
    let _ = identify(text);
    for artifact in found {
        let value: &str = &artifact.value;
        assert_eq!(
            identify(value).as_ref(),
            Some(&artifact),
            "identify({value:?})"
        );
        assert_eq!(
            parse_value(artifact.kind.name(), value, &config).as_ref(),
            Ok(&artifact),
            "parse_value({value:?})"
        );
        // Prose trims colons at word edges, so `1::` or `::1:2` alone is not found in
        // text (`1::0` and `0::1:2` are, and normalise to those); the same holds for a
        // URL whose host is such an address (`http://[::2:db:8]:1`).
        let edge_colons = value.starts_with(':')
            || value.ends_with(':')
            || value.contains("[:")
            || value.contains(":]");
        if !edge_colons {
            assert_eq!(
                extract_text(value, &config),
                [artifact.clone()],
                "re-extracting {value:?}"
            );
        }
        // `hxxp:` (or `hxxps[:`…) inside a URL reads as a defanged scheme: nothing can
        // tell them apart.
        let lower = value.to_ascii_lowercase();
        if ["hxxp:", "hxxps:", "hxxp[:", "hxxps[:"]
            .iter()
            .any(|scheme| lower.contains(scheme))
        {
            continue;
        }
        let defanged = defang(&artifact);
        assert_eq!(
            refang(&defanged),
            value,
            "refang(defang({value:?}))"
        );
    }
});
