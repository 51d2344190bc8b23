//! Settings of the C allocator (glibc's) where fir knows which of memory and time it
//! can spare. Elsewhere these do nothing.

#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
mod glibc {
    pub const M_TOP_PAD: std::ffi::c_int = -2;
    pub const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    /// glibc's own `top_pad`, for [`super::grow_heaps_in_large_steps`] to go back to.
    pub const DEFAULT_TOP_PAD: std::ffi::c_int = 128 * 1024;

    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }

    pub fn set(param: std::ffi::c_int, value: std::ffi::c_int) {
        // SAFETY: mallopt only changes a tuning parameter of the C allocator, under
        // the allocator's own lock.
        unsafe {
            mallopt(param, value);
        }
    }
}

/// Makes glibc's allocator give every block of 1 MiB or more its own mapping, returned
/// to the system when freed. By default the threshold for that rises (up to 32 MiB) as
/// the program frees such blocks, after which the big buffers a build grows and drops
/// (search postings, shard and data files) are carved from the heaps and fragment
/// them: a 10k build peaked at 340 MB of RSS with the default, 288 MB with this, in
/// the same time (BENCHMARKS.md). `MALLOC_MMAP_THRESHOLD_` in the environment still
/// wins. Called first thing in `main`.
pub fn map_large_blocks() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        glibc::set(glibc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

/// With `true`, makes glibc grow (and trim) its heaps 64 MiB at a time rather than by
/// what each allocation needs; `false` goes back to its default. For a process that
/// reads the build cache and ends: decoding it makes millions of small blocks, a few
/// hundred megabytes at 100k incidents, and each growth of a thread's heap is a system
/// call (`mprotect`). An incremental `fir build` at 100k took 5 % less time with it,
/// and kept some 50 MiB more (BENCHMARKS.md); a full build would keep more than the
/// memory it is allowed, so it is for the cache's reader only.
/// `MALLOC_TOP_PAD_` in the environment still wins.
pub fn grow_heaps_in_large_steps(large: bool) {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_TOP_PAD_").is_none() {
        let pad = if large {
            64 << 20
        } else {
            glibc::DEFAULT_TOP_PAD
        };
        glibc::set(glibc::M_TOP_PAD, pad);
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    let _ = large;
}
