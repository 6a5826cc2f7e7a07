//! The tab list of an entity page: the built-in tabs, the API definition for API entities,
//! and the tabs plugins contribute. Each tab has its own URL under the entity's path.
//!
//! Adding a source of tabs (the Docs tab of the docs service, for one) means pushing a
//! [`Tab`] in [`tabs`] — with its own route in `pages/mod.rs` that renders the entity page
//! with `active` set to its id and its panel in `entity.hbs`.

use super::entity::EntityContext;
use super::plugin_views::PluginView;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Tab {
    pub id: String,
    pub title: String,
    pub href: String,
    pub active: bool,
    /// `builtin` or `plugin` (plugin tabs load their content separately).
    pub source: &'static str,
}

/// Built-in tabs that have their own path segment (`/catalog/ns/kind/name/{id}`).
pub const BUILTIN: &[&str] = &["definition", "yaml", "history"];

pub fn plugin_tab_id(plugin: &str, view: &str) -> String {
    format!("plugin:{plugin}:{view}")
}

/// The tabs of `entity`, in display order, `active` marked.
pub fn tabs(entity: &EntityContext, plugin_tabs: &[PluginView], active: &str) -> Vec<Tab> {
    let mut tabs = Vec::new();
    let mut push = |id: String, title: &str, href: String, source| {
        tabs.push(Tab {
            active: id == active,
            id,
            title: title.to_string(),
            href,
            source,
        })
    };
    push(
        "overview".into(),
        "Overview",
        entity.path.clone(),
        "builtin",
    );
    if entity.definition().is_some() {
        push(
            "definition".into(),
            "Definition",
            format!("{}/definition", entity.path),
            "builtin",
        );
    }
    if super::docs_tab::has_docs(entity) {
        push(
            "docs".into(),
            "Docs",
            super::docs_tab::page_href(&entity.path, ""),
            "builtin",
        );
    }
    for view in plugin_tabs {
        push(
            plugin_tab_id(&view.plugin, &view.view),
            &view.title,
            view.page.clone(),
            "plugin",
        );
    }
    push(
        "yaml".into(),
        "YAML",
        format!("{}/yaml", entity.path),
        "builtin",
    );
    push(
        "history".into(),
        "History",
        format!("{}/history", entity.path),
        "builtin",
    );
    tabs
}
