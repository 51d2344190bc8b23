use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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
