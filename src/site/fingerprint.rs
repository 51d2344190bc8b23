//! The hash behind every page fingerprint (same fingerprint, same bytes: the page is
//! not rendered again). Hashed for every page of the site on every build, so it must
//! be fast; kept in the build cache, so it must not change from run to run.

use std::hash::BuildHasher;

/// What fingerprints are hashed with.
pub type Fingerprinter = foldhash::quality::FoldHasher<'static>;

/// A new fingerprint hasher, always seeded alike.
pub fn hasher() -> Fingerprinter {
    foldhash::quality::FixedState::with_seed(0xf12e_5173_0000_0001).build_hasher()
}
