//! The portal: server-rendered HTML pages over the catalog, the plugin runtime and the plugin
//! manager (issue 4). Plain HTML that works without JavaScript; a small script in
//! `web/static` loads plugin views, switches the theme and adds keyboard shortcuts.
//!
//! - [`pages`]: one module per page (home, catalog, entity, plugin views, admin, errors).
//! - [`templates`], [`assets`], [`theme`]: handlebars templates and static files built into
//!   the binary, the organization's overrides looked up first, the theme from `portal:`.
//! - [`view_tree`], [`markdown`], [`highlight`], [`graph`]: content made safe for a page —
//!   plugin view trees, Markdown, source code and the relations graph.
//! - [`security`], [`auth`]: security headers; admin sign-in, sessions and CSRF.
//! - [`urls`]: allowed link targets and the portal's paths; [`recent`]: recent changes.

pub mod assets;
pub mod auth;
pub mod graph;
pub mod highlight;
pub mod markdown;
pub mod pages;
pub mod recent;
pub mod security;
pub mod templates;
pub mod theme;
pub mod uploads;
pub mod urls;
pub mod view_tree;

use crate::config::PortalConfig;
use crate::server::AppState;
use axum::Router;
use std::sync::Arc;

/// The portal's own state, part of [`AppState`].
pub struct Portal {
    pub theme: theme::Theme,
    pub templates: templates::Templates,
    pub assets: assets::Assets,
    pub sessions: auth::Sessions,
    pub uploads: uploads::PendingUploads,
    pub recent: recent::RecentChanges,
}

impl Portal {
    /// Reads the overrides folder (problems are kept for the admin page, never fatal).
    pub fn new(config: &PortalConfig) -> Portal {
        let theme = theme::Theme::from_config(config);
        let overrides = config.overrides.as_deref();
        Portal {
            templates: templates::Templates::load(overrides),
            assets: assets::Assets::new(overrides, &theme),
            theme,
            sessions: auth::Sessions::default(),
            uploads: uploads::PendingUploads::default(),
            recent: recent::RecentChanges::default(),
        }
    }
}

impl Default for Portal {
    fn default() -> Self {
        Portal::new(&PortalConfig::default())
    }
}

/// Every page route, with the security headers and error pages.
pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    pages::routes(state.clone())
        .layer(axum::middleware::from_fn_with_state(
            state,
            pages::render_error_pages,
        ))
        .layer(axum::middleware::from_fn(security::headers))
}
