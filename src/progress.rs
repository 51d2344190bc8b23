//! Progress bars for long work, shown only on a terminal.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// Below this many items the work takes well under a second: no bar.
const MIN_ITEMS: u64 = 2_000;

/// A bar counting `len` items, hidden when stderr is not a terminal or the work is small.
pub fn bar(len: u64, label: &'static str) -> ProgressBar {
    if len < MIN_ITEMS {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} ({eta})")
            .expect("static template")
            .progress_chars("=> "),
    );
    bar.set_message(label);
    bar
}
