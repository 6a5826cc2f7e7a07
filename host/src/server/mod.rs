//! The HTTP server: one router composed from one function per area.

mod admin_plugins;
mod catalog_api;
pub mod docs_api;
mod health;
mod location_query;
mod plugin_calls;

pub use admin_plugins::ApiError;

use crate::plugins::PluginManager;
use crate::runtime::Runtime;
use axum::Router;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

/// Shared state of every handler.
pub struct AppState {
    pub catalog: Arc<portico_catalog::Catalog>,
    pub manager: Arc<PluginManager>,
    pub runtime: Arc<Runtime>,
    pub metrics: Registry,
    /// Set once startup work (loading plugins) is done; `/readyz` reports it.
    pub ready: AtomicBool,
    /// Required as a bearer token by the admin API when set.
    pub admin_token: Option<String>,
    /// The portal's templates, theme, sessions and caches.
    pub portal: Arc<crate::web::Portal>,
    /// Docs pages: rendering, cache and search.
    pub docs: Arc<crate::docs::DocsService>,
}

pub fn router(state: Arc<AppState>) -> Router {
    let docs = docs_api::routes(Arc::new(docs_api::DocsApiState {
        docs: state.docs.clone(),
        admin_token: state.admin_token.clone(),
    }));
    Router::new()
        .merge(health::routes())
        .merge(admin_plugins::routes(state.clone()))
        .merge(plugin_calls::routes(state.clone()))
        .merge(catalog_api::routes())
        .merge(crate::web::routes(state.clone()))
        .with_state(state)
        .merge(docs)
}
