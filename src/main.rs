use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    fir::memory::map_large_blocks();
    fir::site::publish::remove_with_this_program();
    let cli = fir::cmd::Cli::parse();
    fir::cmd::init_logging(cli.verbose, cli.quiet);
    let code = match fir::cmd::run(cli) {
        Ok(code) => code,
        // A reader that stopped early (`fir tasks | head`) is not an error of fir's.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    };
    // Files a build replaced may still be being removed on other threads.
    fir::site::publish::finish_removals();
    code
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    let broken = Some(std::io::ErrorKind::BrokenPipe);
    error.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().map(|e| e.kind());
        let json = cause.downcast_ref::<serde_json::Error>();
        io == broken || json.is_some_and(|e| e.io_error_kind() == broken)
    })
}

#[cfg(test)]
mod tests {
    use std::io::{self, Write};

    /// A reader that went away.
    struct Closed;

    impl Write for Closed {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::ErrorKind::BrokenPipe.into())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_closed_pipe_is_told_from_other_errors() {
        let io = anyhow::Error::from(Closed.write_all(b"x").unwrap_err());
        assert!(super::is_broken_pipe(&io.context("printing")));
        let json = serde_json::to_writer(Closed, &[1, 2]).unwrap_err();
        assert!(super::is_broken_pipe(&json.into()));
        let other = anyhow::Error::from(io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(!super::is_broken_pipe(&other));
    }
}
