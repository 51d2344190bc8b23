use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fir::cmd::Cli::parse();
    fir::cmd::init_logging(cli.verbose, cli.quiet);
    match fir::cmd::run(cli) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
