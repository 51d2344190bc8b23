//! fir: Fast Incident Response as Markdown files and a static site.
//!
//! The pipeline reads top to bottom: [`config`] and [`content`] load the site,
//! [`incident`] is the model (pure: no I/O), [`store`] writes files safely, and
//! [`cmd`] holds one thin module per subcommand.

pub mod artifacts;
pub mod cmd;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod import;
pub mod incident;
pub mod intake;
pub mod mail;
pub mod memory;
pub mod progress;
pub mod render;
pub mod search;
pub mod serve;
pub mod site;
pub mod stats;
pub mod store;

pub use config::Config;
pub use incident::Incident;

/// FNV-1a, 64 bits: a hash that, unlike the standard library's, is the same in every
/// Rust version, so that what is named after it (artifact paths, badge classes) does
/// not move.
#[inline]
pub(crate) fn fnv1a(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A hasher for keys that are 64-bit hashes already: tables keyed by them hash nothing
/// again. (Bytes, which such keys never are, go through [`fnv1a`].)
#[derive(Debug, Default)]
pub(crate) struct Prehashed(u64);

impl std::hash::Hasher for Prehashed {
    fn write(&mut self, bytes: &[u8]) {
        self.0 = fnv1a(bytes);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A table keyed by 64-bit hashes ([`Prehashed`]).
pub(crate) type HashedMap<V> =
    std::collections::HashMap<u64, V, std::hash::BuildHasherDefault<Prehashed>>;

/// `n` and an English noun that takes an s: "1 incident", "0 incidents", "2 incidents".
/// For the command line's messages, which are in English.
pub(crate) fn counted(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Frees `value` on another thread: large indexes take a tenth of a second or more to
/// free piece by piece, which a build need not wait for (and a command-line build
/// exits before it matters).
pub(crate) fn drop_later<T: Send + 'static>(value: T) {
    std::thread::spawn(move || drop(value));
}

/// Writes `text` as a JSON string, as serde_json does: between quotes as it is when
/// nothing in it needs escaping (search keys, artifact values and ids nearly always),
/// else escaped by serde_json.
pub(crate) fn push_json_str(out: &mut Vec<u8>, text: &str) {
    if text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
    } else {
        serde_json::to_writer(out, text).expect("strings serialise");
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// Strings are written as JSON exactly as serde_json writes them.
        #[test]
        fn json_strings_as_serde_writes_them(text in "[a \"\\\\\x00-\x1f\x7fé~:]{0,12}") {
            let mut ours = Vec::new();
            super::push_json_str(&mut ours, &text);
            proptest::prop_assert_eq!(
                String::from_utf8(ours).unwrap(),
                serde_json::to_string(&text).unwrap()
            );
        }
    }

    #[test]
    fn counted_nouns_agree_with_their_number() {
        assert_eq!(super::counted(0, "incident"), "0 incidents");
        assert_eq!(super::counted(1, "incident file"), "1 incident file");
        assert_eq!(super::counted(2, "warning"), "2 warnings");
    }
}
