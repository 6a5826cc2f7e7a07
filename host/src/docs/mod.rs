//! Docs (TechDocs without MkDocs or Docker): the host side of the `docs-renderer` extension
//! point. A docs plugin renders Markdown inside its sandbox; the host
//!
//! - finds the entity in the catalog and the plugin that has docs for it ([`service`]);
//! - resolves and confines a local docs folder and mounts it read-only for the call, for a
//!   plugin granted `docs-files` ([`folder`]);
//! - sanitizes every page with a strict allow-list ([`sanitize`]);
//! - keeps rendered pages for a while ([`cache`]) and their text in a search index
//!   ([`search`]), filled on render and by a periodic indexer ([`indexer`]);
//! - serves them at `/api/docs/...` (`server::docs_api`).

pub mod cache;
pub mod folder;
pub mod indexer;
pub mod sanitize;
pub mod search;
pub mod service;

pub use service::{DocsOptions, DocsService};

use serde::Serialize;

/// A rendered, sanitized docs page as the API serves it.
#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DocsPage {
    pub entity: PageEntity,
    /// The plugin that rendered it.
    pub plugin: String,
    /// The page's path within the entity's docs (empty for the index).
    pub path: String,
    pub title: String,
    /// Sanitized HTML.
    pub html: String,
    pub toc: Vec<TocHeading>,
    pub nav: Vec<NavLink>,
    /// Plain text, for search (not served).
    #[serde(skip)]
    pub text: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PageEntity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TocHeading {
    pub level: u8,
    pub text: String,
    /// The heading's element id in `html` (prefixed by the sanitizer).
    pub anchor: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct NavLink {
    pub title: String,
    /// A page path within the docs, or an absolute http(s) URL when `external`.
    pub path: String,
    pub depth: u8,
    pub external: bool,
}

/// Why a docs request failed; the message is shown to users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocsError {
    pub kind: DocsErrorKind,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocsErrorKind {
    NotFound,
    Denied,
    Invalid,
    /// The plugin or a remote source failed.
    Unavailable,
    Timeout,
    Busy,
}

impl DocsError {
    pub fn new(kind: DocsErrorKind, message: impl Into<String>) -> Self {
        DocsError {
            kind,
            message: message.into(),
        }
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(DocsErrorKind::NotFound, message)
    }
    pub fn denied(message: impl Into<String>) -> Self {
        Self::new(DocsErrorKind::Denied, message)
    }
}

impl std::fmt::Display for DocsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Builds the docs service of a running Portico: local docs folders confined to
/// `catalog.file_root` and kept away from the data directory and the secrets file.
pub fn service_for(app: &crate::app::App) -> anyhow::Result<DocsService> {
    use anyhow::Context;
    let config = &app.config;
    let root = config
        .catalog
        .file_root
        .clone()
        .unwrap_or_else(|| std::path::PathBuf::from("."));
    let mut protected = vec![config.storage.path.clone()];
    protected.extend(config.secrets.file.clone());
    let folders = folder::FolderPolicy::new(&root, &protected).with_context(|| {
        format!(
            "config key `catalog.file_root`: {} is not a readable directory",
            root.display()
        )
    })?;
    Ok(DocsService::new(
        app.runtime.clone(),
        app.catalog.clone(),
        app.manager.org().clone(),
        folders,
        DocsOptions {
            cache_ttl: config.docs.cache_ttl,
            cache_pages: config.docs.cache_pages,
            pages_per_site: config.docs.pages_per_site,
            ..DocsOptions::default()
        },
    ))
}
