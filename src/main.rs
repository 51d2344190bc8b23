use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    map_large_blocks();
    let cli = fir::cmd::Cli::parse();
    fir::cmd::init_logging(cli.verbose, cli.quiet);
    let code = match fir::cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    };
    // Files a build replaced may still be being removed on other threads.
    fir::site::publish::finish_removals();
    code
}

/// Makes glibc's allocator give every block of 1 MiB or more its own mapping, returned
/// to the system when freed. By default the threshold for that rises (up to 32 MiB) as
/// the program frees such blocks, after which the big buffers a build grows and drops
/// (search postings, shard and data files) are carved from the heaps and fragment
/// them: a 10k build peaked at 340 MB of RSS with the default, 288 MB with this, in
/// the same time (BENCHMARKS.md). `MALLOC_MMAP_THRESHOLD_` in the environment still
/// wins.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
fn map_large_blocks() {
    const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
    unsafe extern "C" {
        fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
    }
    if std::env::var_os("MALLOC_MMAP_THRESHOLD_").is_none() {
        // SAFETY: mallopt only changes a tuning parameter of the C allocator; it is
        // called first thing in main, before any other thread exists.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn map_large_blocks() {}
