//! The `portico` binary: parse the command line, run the command, map errors to exit codes.

use clap::Parser;
use portico::cli::{Cli, init_logging, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
