//! fir: Fast Incident Response as Markdown files and a static site.
//!
//! The pipeline reads top to bottom: [`config`] and [`content`] load the site,
//! [`incident`] is the model (pure: no I/O), [`store`] writes files safely, and
//! [`cmd`] holds one thin module per subcommand.

pub mod alerting;
pub mod artifacts;
pub mod cmd;
pub mod config;
pub mod content;
pub mod diagnostic;
pub mod import;
pub mod incident;
pub mod intake;
pub mod json;
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

#[cfg(test)]
mod tests {
    #[test]
    fn counted_nouns_agree_with_their_number() {
        assert_eq!(super::counted(0, "incident"), "0 incidents");
        assert_eq!(super::counted(1, "incident file"), "1 incident file");
        assert_eq!(super::counted(2, "warning"), "2 warnings");
    }
}
