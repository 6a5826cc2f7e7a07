//! `portico catalog ...`: validate descriptor files in CI pipelines, and import locations.

use super::Cli;
use crate::app::App;
use anyhow::{Context, Result, bail};
use clap::Subcommand;
use portico_catalog::LocationSpec;
use portico_catalog::api::AddLocationRequest;
use portico_catalog::location::{
    FileReader, LocationReader, ReadError, Readers, TreeRead, walk_location,
};
use std::path::{Path, PathBuf};

#[derive(Subcommand, Debug)]
pub enum CatalogCommand {
    /// Validate catalog descriptor files (and the Location targets they reference) as the
    /// catalog would, with the configured `catalog.kinds`; exits 1 with every error found.
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
        CatalogCommand::Validate { paths } => validate(cli, paths),
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

fn validate(cli: &Cli, paths: &[PathBuf]) -> Result<()> {
    // The organization's own kinds (`catalog.kinds`) are checked as the server checks them.
    let config = super::load_config(cli.config.as_ref())?;
    let (registry, _) = crate::app::kind_registry(&config.catalog)?;
    let not_fetched = NotFetched::default();
    let mut errors = 0usize;
    let mut entities = 0usize;
    for path in paths {
        let absolute = path
            .canonicalize()
            .with_context(|| format!("cannot read {}", path.display()))?;
        let root = absolute.parent().unwrap_or(Path::new("/"));
        let readers = Readers::new()
            .with(FileReader::confined_to(root)?)
            .with(&not_fetched);
        let walked = walk_location(
            &LocationSpec::new("file", &absolute.display().to_string()),
            &readers,
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
            let mut problems: Vec<String> = match registry.validate(&emitted.entity.to_value()) {
                Ok(()) => Vec::new(),
                Err(problems) => problems.into_iter().map(|p| p.message).collect(),
            };
            // The catalog refuses an entity whose relation fields are not references (e.g. a
            // `dependsOn` without a kind), after its schema passed.
            if problems.is_empty()
                && let Err(err) = portico_catalog::relations::builtin_relations(&emitted.entity)
            {
                problems.push(err.to_string());
            }
            for problem in problems {
                errors += 1;
                println!(
                    "{}: {}: {problem}",
                    emitted.location.target,
                    emitted.entity.entity_ref(),
                );
            }
        }
    }
    for url in not_fetched
        .urls
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
    {
        println!(
            "note: {url} was not fetched (validate reads local files only; the server reads URLs through its url-reader)"
        );
    }
    if errors > 0 {
        bail!("{errors} error(s) in {entities} entities");
    }
    println!("{entities} entities valid");
    Ok(())
}

/// Stands in for the server's url-reader, which `validate` does not run (it needs no data
/// directory and no network): a `$text`/`$json`/`$yaml` URL reads as `{}` (a string for
/// `$text`, an empty object otherwise), so the rest of the entity is still checked, and a `url`
/// Location target leads to nothing. Each URL is listed as not fetched.
#[derive(Default)]
struct NotFetched {
    urls: std::sync::Mutex<std::collections::BTreeSet<String>>,
}

impl NotFetched {
    fn note(&self, target: &str) {
        self.urls
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(target.to_owned());
    }
}

impl LocationReader for NotFetched {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        if location_type != "url" {
            return Err(ReadError::Unsupported {
                location_type: location_type.into(),
                target: target.into(),
            });
        }
        self.note(target);
        Ok(b"{}".to_vec())
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        if location.location_type != "url" {
            return None;
        }
        self.note(&location.target);
        Some(Ok(TreeRead {
            entities: Vec::new(),
            errors: Vec::new(),
        }))
    }
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
    let bar = ImportBar::new(&request.target);
    let result = match server {
        Some(base) => import_remote(base, &request, token.as_deref(), &bar),
        None => match import_local(config, &request, &bar) {
            Err(err) if format!("{err:#}").contains("in use by another Portico process") => {
                import_remote(
                    &format!("http://{listen}"),
                    &request,
                    token.as_deref(),
                    &bar,
                )
            }
            other => other,
        },
    };
    bar.bar.finish_and_clear();
    let response = result?;
    if dry_run {
        let count = response["entities"].as_array().map_or(0, Vec::len);
        println!("would import {count} entities from {}", request.target);
    } else {
        println!(
            "registered location {} ({}:{}) with {} entities; it is read now and on every refresh",
            response["location"]["id"].as_str().unwrap_or("?"),
            request.location_type,
            request.target,
            response["entities"].as_array().map_or(0, Vec::len),
        );
    }
    Ok(())
}

/// The import's progress bar: locations read, then entities written (one tick per entity).
struct ImportBar {
    bar: indicatif::ProgressBar,
    read: std::sync::atomic::AtomicUsize,
}

impl ImportBar {
    fn new(target: &str) -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.enable_steady_tick(std::time::Duration::from_millis(100));
        bar.set_message(format!("reading {target}"));
        ImportBar {
            bar,
            read: Default::default(),
        }
    }

    /// Switches to a bar of `total` entities (or a counter when the total is unknown).
    fn entities(&self, total: Option<usize>) {
        let template = match total {
            Some(total) => {
                self.bar.set_length(total as u64);
                "{spinner} writing entities [{bar:40}] {pos}/{len} ({per_sec}, {eta} left)"
            }
            None => "{spinner} {pos} entities imported ({per_sec}) {msg}",
        };
        if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }
}

impl portico_catalog::catalog::ImportProgress for ImportBar {
    fn read(&self, location: &LocationSpec) {
        let n = self.read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        self.bar
            .set_message(format!("read {n} location(s), last {location}"));
    }

    fn written(&self, written: usize, total: usize) {
        if written == 1 {
            self.entities(Some(total));
        }
        // Entities are written while the walk still reads, so the total grows.
        self.bar.set_length(total as u64);
        self.bar.set_position(written as u64);
    }
}

/// Imports into the data directory (no server holds it). `url` locations are read by the
/// url-reader plugin, so the plugins are loaded on a runtime of our own.
fn import_local(
    config: crate::config::Config,
    request: &AddLocationRequest,
    bar: &ImportBar,
) -> Result<serde_json::Value> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let _entered = runtime.enter();
    let app = App::open(config)?;
    // Plugins that read location types (`url`) may be needed anywhere in the tree.
    for failure in app.manager.load_all()? {
        tracing::warn!("{failure:?}");
    }
    let response = app
        .catalog
        .add_location_with(app.manager.org(), request, bar)?;
    Ok(serde_json::to_value(response)?)
}

/// Imports through a running server. The server answers when the import is done, so progress
/// is the count of the location's entities it serves, polled meanwhile.
fn import_remote(
    base: &str,
    request: &AddLocationRequest,
    token: Option<&str>,
    bar: &ImportBar,
) -> Result<serde_json::Value> {
    let base = base.trim_end_matches('/').to_string();
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(3600))
        .build()?;
    let authorized = |call: reqwest::blocking::RequestBuilder| match token {
        Some(token) => call.bearer_auth(token),
        None => call,
    };
    let done = std::sync::atomic::AtomicBool::new(false);
    let origin = format!("{}:{}", request.location_type, request.target);
    std::thread::scope(|scope| {
        if !request.dry_run {
            bar.entities(None);
            scope.spawn(|| {
                let poll = reqwest::blocking::Client::new();
                while !done.load(std::sync::atomic::Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(250));
                    let count = authorized(
                        poll.get(format!("{base}/api/catalog/entities/by-query")).query(&[
                            (
                                "filter",
                                format!(
                                    "metadata.annotations.backstage.io/managed-by-origin-location={origin}"
                                ),
                            ),
                            ("limit", "1".into()),
                        ]),
                    )
                    .send()
                    .and_then(|r| r.json::<serde_json::Value>());
                    if let Ok(count) = count
                        && let Some(total) = count["totalItems"].as_u64()
                    {
                        bar.bar.set_position(total);
                    }
                }
            });
        }
        let call = authorized(
            client
                .post(format!("{base}/api/catalog/locations"))
                .query(&[("dryRun", request.dry_run.to_string())])
                .json(
                    &serde_json::json!({ "type": request.location_type, "target": request.target }),
                ),
        );
        let outcome = call
            .send()
            .with_context(|| format!("cannot reach the Portico server at {base}"));
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        let response = outcome?;
        let status = response.status();
        let body: serde_json::Value = response.json().unwrap_or_default();
        if !status.is_success() {
            bail!(
                "the server refused ({status}): {}",
                body["error"]["message"].as_str().unwrap_or("no message")
            );
        }
        Ok(body)
    })
}
