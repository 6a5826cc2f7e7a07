//! `portico catalog ...`: validate descriptor files in CI pipelines, and import locations.

use super::Cli;
use crate::app::App;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use portico_catalog::KindRegistry;
use portico_catalog::LocationSpec;
use portico_catalog::api::AddLocationRequest;
use portico_catalog::location::{FileReader, walk_location};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Validate catalog descriptor files (and the Location targets they reference) as the
    /// catalog would; exits 1 with every error found.
    Validate {
        /// catalog-info.yaml files (or Location files such as all.yaml).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Write a realistic synthetic catalog (domains, systems, components, APIs, resources,
    /// groups, users with owners and relations) for load tests and demos.
    Generate {
        /// About how many entities (exactly this many from 100 up).
        #[arg(long, default_value_t = 10_000)]
        entities: usize,
        /// The directory to write into (created).
        #[arg(long)]
        out: PathBuf,
        /// Same seed, same catalog.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Register a location (a file path or an https:// URL) and ingest it.
    Import {
        /// A descriptor file, or an https:// URL.
        target: String,
        /// Show what would be ingested without registering anything.
        #[arg(long)]
        dry_run: bool,
        /// A running server's base URL (default: the data directory, or the configured
        /// server when it holds the data directory).
        #[arg(long)]
        server: Option<String>,
    },
}

pub fn run(cli: &Cli, command: &CatalogCommand) -> Result<()> {
    match command {
        CatalogCommand::Validate { paths } => validate(paths),
        CatalogCommand::Generate {
            entities,
            out,
            seed,
        } => generate(*entities, out, *seed),
        CatalogCommand::Import {
            target,
            dry_run,
            server,
        } => import(cli, target, *dry_run, server.as_deref()),
    }
}

fn generate(size: usize, out: &Path, seed: u64) -> Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let entities = portico_catalog::synthetic::generate(seed, size);
    let root = portico_catalog::synthetic::write_files(out, &entities, 500)
        .with_context(|| format!("cannot write into {}", out.display()))?;
    println!(
        "wrote {} entities; root location: {}",
        entities.len(),
        root.display()
    );
    Ok(())
}

fn validate(paths: &[PathBuf]) -> Result<()> {
    let registry = KindRegistry::builtin();
    let mut errors = 0usize;
    let mut entities = 0usize;
    for path in paths {
        let absolute = path
            .canonicalize()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let root = absolute.parent().unwrap_or(Path::new("/"));
        let reader = FileReader::confined_to(root)?;
        let walked = walk_location(
            &LocationSpec::new("file", &absolute.display().to_string()),
            &reader,
        );
        for error in &walked.errors {
            errors += 1;
            let entity = error
                .entity
                .as_ref()
                .map(|e| format!(" {e}:"))
                .unwrap_or_default();
            println!("{}:{entity} {}", error.location.target, error.message);
        }
        for emitted in &walked.entities {
            entities += 1;
            if let Err(problems) = registry.validate(&emitted.entity.to_value()) {
                for problem in problems {
                    errors += 1;
                    println!(
                        "{}: {}: {}",
                        emitted.location.target,
                        emitted.entity.entity_ref(),
                        problem.message
                    );
                }
            }
        }
    }
    if errors > 0 {
        bail!("{errors} error(s) in {entities} entities");
    }
    println!("{entities} entities valid");
    Ok(())
}

fn import(cli: &Cli, target: &str, dry_run: bool, server: Option<&str>) -> Result<()> {
    let request = if target.starts_with("https://") || target.starts_with("http://") {
        AddLocationRequest {
            location_type: "url".into(),
            target: target.into(),
            dry_run,
        }
    } else {
        let absolute = Path::new(target)
            .canonicalize()
            .with_context(|| format!("cannot read {target}"))?;
        AddLocationRequest {
            location_type: "file".into(),
            target: absolute.display().to_string(),
            dry_run,
        }
    };
    let config = super::load_config(cli.config.as_ref())?;
    let listen = config.server.listen;
    let token = config.server.admin_token.clone();
    let spinner = indicatif::ProgressBar::new_spinner();
    spinner.enable_steady_tick(std::time::Duration::from_millis(100));
    spinner.set_message(format!("importing {}", request.target));
    let remote = |base: String| -> Result<serde_json::Value> {
        let client = reqwest::blocking::Client::builder()
            .timeout(std::time::Duration::from_secs(3600))
            .build()?;
        let mut call = client
            .post(format!(
                "{}/api/catalog/locations",
                base.trim_end_matches('/')
            ))
            .query(&[("dryRun", dry_run.to_string())])
            .json(&serde_json::json!({ "type": request.location_type, "target": request.target }));
        if let Some(token) = &token {
            call = call.bearer_auth(token);
        }
        let response = call
            .send()
            .with_context(|| format!("cannot reach the Portico server at {base}"))?;
        let status = response.status();
        let body: serde_json::Value = response.json().unwrap_or_default();
        if !status.is_success() {
            bail!(
                "the server refused ({status}): {}",
                body["error"]["message"].as_str().unwrap_or("no message")
            );
        }
        Ok(body)
    };
    let result = match server {
        Some(base) => remote(base.to_string()),
        None => match App::open(config) {
            Ok(app) => app
                .catalog
                .add_location(app.manager.org(), &request)
                .map(|r| serde_json::to_value(r).unwrap_or_default())
                .map_err(anyhow::Error::from),
            Err(err) if format!("{err:#}").contains("in use by another Portico process") => {
                remote(format!("http://{listen}"))
            }
            Err(err) => Err(err),
        },
    };
    spinner.finish_and_clear();
    let response = result?;
    if dry_run {
        let count = response["entities"].as_array().map_or(0, Vec::len);
        println!("would import {count} entities from {}", request.target);
    } else {
        println!(
            "registered location {} ({}:{}); it is read now and on every refresh",
            response["location"]["id"].as_str().unwrap_or("?"),
            request.location_type,
            request.target
        );
    }
    Ok(())
}
