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
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen} (in use? pass --listen ADDR)"))?;
    let (state, _app) = start(config)?;
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
    let settings = config.plugins.settings.clone();
    let app = Arc::new(App::open(config)?);
    if install_bundled {
        for installed in crate::plugins::bundled::install_missing(&app.manager, &settings) {
            tracing::info!(plugin = %installed, "installed bundled plugin");
        }
    }
    let failures = app.manager.load_all()?;
    let mut metrics = Registry::default();
    app.runtime.services().metrics.register(&mut metrics);
    let state = Arc::new(AppState {
        manager: app.manager.clone(),
        runtime: app.runtime.clone(),
        metrics,
        ready: AtomicBool::new(false),
        admin_token,
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
