//! `portico serve`: open the data directory, load plugins, serve HTTP until Ctrl-C.

use super::Cli;
use crate::app::App;
use crate::server::{AppState, router};
use anyhow::{Context, Result};
use clap::Args;
use prometheus_client::registry::Registry;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (default from config: 127.0.0.1:7007).
    #[arg(long)]
    pub listen: Option<SocketAddr>,
    /// Data directory (default from config: .portico).
    #[arg(long)]
    pub data: Option<PathBuf>,
}

pub fn run(cli: &Cli, args: &ServeArgs) -> Result<()> {
    let mut config = super::load_config(cli.config.as_ref())?;
    if let Some(listen) = args.listen {
        config.server.listen = listen;
    }
    if let Some(data) = &args.data {
        config.storage.path = data.clone();
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config))
}

/// Starts the server; returns when it shuts down.
pub async fn serve(config: crate::config::Config) -> Result<()> {
    let listen = config.server.listen;
    if !listen.ip().is_loopback() && config.server.admin_token.is_none() {
        anyhow::bail!(
            "refusing to listen on {listen} without `server.admin_token`: anyone who can reach it \
             could install plugins. Set server.admin_token (e.g. `admin_token: ${{PORTICO_ADMIN_TOKEN}}`) \
             or listen on a loopback address"
        );
    }
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (in use? pass --listen ADDR)"))?;
    let (state, app) = start(config)?;
    // The first docs run waits a little for the catalog's locations to be read.
    crate::docs::indexer::spawn(
        state.docs.clone(),
        std::time::Duration::from_secs(10),
        app.config.docs.index_interval,
    );
    // Locations are read in the background: the server answers (from what is stored) at once.
    let background = app.clone();
    tokio::task::spawn_blocking(move || register_static_locations(&background));
    crate::providers::spawn_scheduler(
        app.runtime.clone(),
        app.catalog.clone(),
        app.manager.org().clone(),
        app.config.catalog.provider_interval,
    );
    spawn_refresh_loop(app);
    tracing::info!(address = %listener.local_addr()?, "Portico is listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("shutting down");
        })
        .await
        .context("the HTTP server failed")
}

/// Opens the app, installs bundled plugins, loads every enabled plugin.
pub fn start(config: crate::config::Config) -> Result<(Arc<AppState>, Arc<App>)> {
    let admin_token = config.server.admin_token.clone();
    let install_bundled = config.plugins.install_bundled;
    let portal = Arc::new(crate::web::Portal::new(&config.portal));
    let settings = config.plugins.settings.clone();
    let app = Arc::new(App::open(config)?);
    if install_bundled {
        for installed in crate::plugins::bundled::install_missing(&app.manager, &settings) {
            tracing::info!(plugin = %installed, "installed bundled plugin");
        }
    }
    let failures = app.manager.load_all()?;
    let docs = Arc::new(crate::docs::service_for(&app)?);
    let mut metrics = Registry::default();
    app.runtime.services().metrics.register(&mut metrics);
    let state = Arc::new(AppState {
        catalog: app.catalog.clone(),
        manager: app.manager.clone(),
        runtime: app.runtime.clone(),
        metrics,
        ready: AtomicBool::new(false),
        admin_token,
        portal,
        docs,
    });
    state.ready.store(true, Ordering::Release);
    if !failures.is_empty() {
        tracing::warn!(
            count = failures.len(),
            "some plugins failed to load; see the errors above"
        );
    }
    Ok((state, app))
}

/// Registers `catalog.locations` (or refreshes them when already registered). A failing
/// location is logged; it never stops the server.
fn register_static_locations(app: &App) {
    let org = app.manager.org();
    // Build the in-memory indexes now rather than on the first query.
    let started = std::time::Instant::now();
    match app.catalog.warm_up(org) {
        Ok(()) => tracing::info!(
            took_ms = started.elapsed().as_millis() as u64,
            "catalog indexes ready"
        ),
        Err(err) => tracing::error!(error = %err, "cannot load the catalog indexes"),
    }
    let existing = app.catalog.locations(org).unwrap_or_default();
    for location in &app.config.catalog.locations {
        let started = std::time::Instant::now();
        let known = existing
            .iter()
            .find(|l| l.location_type == location.location_type && l.target == location.target);
        let result = match known {
            Some(known) => app.catalog.refresh_location(org, &known.id).map(|_| ()),
            None => app
                .catalog
                .register_location(
                    org,
                    &portico_catalog::api::AddLocationRequest {
                        location_type: location.location_type.clone(),
                        target: location.target.clone(),
                        dry_run: false,
                    },
                    &portico_catalog::catalog::NoProgress,
                )
                .map(|_| ()),
        };
        match result {
            Ok(()) => tracing::info!(
                location = %location.target,
                took_ms = started.elapsed().as_millis() as u64,
                "catalog location read"
            ),
            Err(err) => {
                tracing::error!(location = %location.target, error = %err, "catalog location failed")
            }
        }
    }
}

/// Reads every location again every `catalog.refresh_interval`.
pub fn spawn_refresh_loop(app: Arc<App>) {
    let interval = app.config.catalog.refresh_interval;
    if interval.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.tick().await;
        loop {
            ticker.tick().await;
            let app = app.clone();
            let outcome =
                tokio::task::spawn_blocking(move || app.catalog.refresh_all(app.manager.org()))
                    .await;
            match outcome {
                Ok(Ok(report)) => tracing::debug!(?report, "catalog refreshed"),
                Ok(Err(err)) => tracing::warn!(error = %err, "catalog refresh failed"),
                Err(err) => tracing::error!(error = %err, "catalog refresh task failed"),
            }
        }
    });
}
