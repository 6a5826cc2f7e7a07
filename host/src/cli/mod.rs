//! The `portico` command line: `serve` and `plugin ...`.
//!
//! Exit codes: 0 success, 1 the operation failed, 2 bad usage (clap's own).

mod catalog;
mod dev;
mod plugin;
mod scaffold;
mod serve;

/// Assembles a server (the data directory opened, plugins loaded) as `portico serve` does, for
/// embedding and tests.
pub use serve::start;

use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "portico",
    version,
    about = "A developer portal whose every integration is a sandboxed WebAssembly component"
)]
pub struct Cli {
    /// The configuration file (default: ./portico.yaml when it exists, else built-in defaults).
    #[arg(long, global = true, env = "PORTICO_CONFIG")]
    pub config: Option<PathBuf>,

    /// Log filter, e.g. `info` or `portico=debug,plugin=trace` (default: `info` for `serve`,
    /// `warn` for other commands).
    #[arg(long, global = true, env = "PORTICO_LOG")]
    pub log: Option<String>,

    /// Logs as JSON lines instead of text.
    #[arg(long, global = true)]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal server.
    Serve(serve::ServeArgs),
    /// Inspect, install and manage plugins.
    #[command(subcommand)]
    Plugin(plugin::PluginCommand),
    /// Validate descriptor files and import catalog locations.
    #[command(subcommand)]
    Catalog(catalog::CatalogCommand),
}

pub fn init_logging(cli: &Cli) {
    let default = match cli.command {
        Command::Serve(_) => "info",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_new(cli.log.as_deref().unwrap_or(default))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if cli.log_json {
        builder.json().init();
    } else {
        builder.init();
    }
}

/// Loads the config named on the command line, `./portico.yaml`, or the defaults.
pub fn load_config(path: Option<&PathBuf>) -> Result<crate::config::Config> {
    match path {
        Some(path) => crate::config::Config::load(path),
        None => {
            let default = PathBuf::from("portico.yaml");
            if default.exists() {
                crate::config::Config::load(&default)
            } else {
                Ok(crate::config::Config::demo())
            }
        }
    }
}

pub fn run(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Serve(args) => serve::run(&cli, args),
        Command::Plugin(command) => plugin::run(&cli, command),
        Command::Catalog(command) => catalog::run(&cli, command),
    }
}
