//! Plugin views on entity pages. The page never waits for a plugin's content: it lists the
//! views plugins offer (`views-for`, within a short budget) and leaves a placeholder per tab
//! or card whose content comes from its own fragment URL, fetched by the page's script. A
//! slow or failing plugin gives an error card in its own place, nothing else.
//!
//! - `/catalog/{ns}/{kind}/{name}/views/{plugin}/{view}`: the entity page on that tab.
//! - `/fragments/catalog/{ns}/{kind}/{name}/views/{plugin}/{view}?params`: the rendered view
//!   (just the HTML, for the script; or, opened without the script's header, as a page).

use super::entity::{EntityContext, load_entity};
use super::{Page, PageError, render, render_fragment};
use crate::runtime::bindings::latest::views::Placement;
use crate::runtime::{CallContext, CallError, CallErrorKind};
use crate::server::AppState;
use crate::web::urls::{query, segment};
use crate::web::view_tree::ViewLinks;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use futures_util::future::join_all;
use serde::Serialize;
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

/// How long an entity page waits for plugins to say which views they offer. A plugin that
/// answers later is left out of this page view (and named in a notice).
const DISCOVERY_BUDGET: Duration = Duration::from_millis(300);

/// Sent by the page's script: answer with the fragment alone.
pub const FRAGMENT_HEADER: &str = "x-portico-fragment";

#[derive(Debug, Clone, Serialize)]
pub struct PluginView {
    pub plugin: String,
    pub plugin_name: String,
    pub view: String,
    pub title: String,
    /// The entity page on this view's tab.
    pub page: String,
    /// The view's HTML.
    pub fragment: String,
}

#[derive(Debug, Default, Serialize)]
pub struct Discovered {
    pub tabs: Vec<PluginView>,
    pub cards: Vec<PluginView>,
    /// Plugins that failed or were too slow to list their views.
    pub problems: Vec<String>,
}

fn view_paths(entity: &EntityContext, plugin: &str, view: &str) -> (String, String) {
    let page = format!(
        "{}/views/{}/{}",
        entity.path,
        segment(plugin),
        segment(view)
    );
    (page.clone(), format!("/fragments{page}"))
}

/// Asks every active `entity-view` plugin which views it has for `entity`, concurrently.
pub async fn discover(state: &AppState, entity: &EntityContext) -> Discovered {
    let ctx = CallContext::org(state.manager.org().clone());
    let plugins: Vec<_> = state
        .runtime
        .active()
        .into_iter()
        .filter(|p| p.exports.views.is_some())
        .collect();
    let calls = plugins.iter().map(|plugin| {
        let ctx = ctx.clone();
        let binding = entity.binding();
        async move {
            let id = plugin.id().to_string();
            let result = tokio::time::timeout(
                DISCOVERY_BUDGET,
                state.runtime.views_for(&id, &ctx, binding),
            )
            .await;
            (plugin.clone(), result)
        }
    });
    let mut found = Discovered::default();
    for (plugin, result) in join_all(calls).await {
        let id = plugin.id().to_string();
        match result {
            Ok(Ok(views)) => {
                for info in views.into_iter().take(8) {
                    let (page, fragment) = view_paths(entity, &id, &info.id);
                    let view = PluginView {
                        plugin: id.clone(),
                        plugin_name: plugin.manifest.name.clone(),
                        view: info.id,
                        title: info.title.chars().take(60).collect(),
                        page,
                        fragment,
                    };
                    match info.placement {
                        Placement::Tab => found.tabs.push(view),
                        Placement::Card => found.cards.push(view),
                    }
                }
            }
            Ok(Err(err)) => found.problems.push(format!(
                "{} could not list its views: {}",
                plugin.manifest.name, err.message
            )),
            Err(_) => found.problems.push(format!(
                "{} did not answer within {} ms",
                plugin.manifest.name,
                DISCOVERY_BUDGET.as_millis()
            )),
        }
    }
    found
}

/// `GET /catalog/{ns}/{kind}/{name}/views/{plugin}/{view}`.
pub async fn tab_page(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name, plugin, view)): Path<(String, String, String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let entity = load_entity(&state, &namespace, &kind, &name)?;
    let active = super::entity_tabs::plugin_tab_id(&plugin, &view);
    let suffix = raw.map(|q| format!("?{q}")).unwrap_or_default();
    let (_, fragment) = view_paths(&entity, &plugin, &view);
    super::entity::page(
        &state,
        entity,
        &active,
        json!({ "plugin_panel": {
            "fragment": format!("{fragment}{suffix}"),
            "plugin": plugin,
            "view": view,
        }}),
    )
    .await
}

fn error_card(err: &CallError) -> (&'static str, String) {
    let title = match err.kind {
        CallErrorKind::Deadline => "The plugin took too long",
        CallErrorKind::Busy => "The plugin is busy",
        CallErrorKind::NotAvailable => "The plugin is not available",
        CallErrorKind::Plugin => "The plugin reported an error",
        _ => "The plugin failed",
    };
    (title, err.to_string())
}

/// `GET /fragments/catalog/{ns}/{kind}/{name}/views/{plugin}/{view}`.
pub async fn fragment(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name, plugin, view)): Path<(String, String, String, String, String)>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let entity = load_entity(&state, &namespace, &kind, &name)?;
    let params: Vec<(String, String)> =
        serde_html_form::from_str(raw.as_deref().unwrap_or("")).unwrap_or_default();
    let (page_path, _) = view_paths(&entity, &plugin, &view);
    let ctx = CallContext::org(state.manager.org().clone());
    let started = std::time::Instant::now();
    let result = state
        .runtime
        .render_view(
            &plugin,
            &ctx,
            view.clone(),
            entity.binding(),
            params.clone(),
        )
        .await;
    let plugin_name = state
        .runtime
        .get(&plugin)
        .map(|p| p.manifest.name.clone())
        .unwrap_or_else(|| plugin.clone());
    let data = match result {
        Ok(tree) => {
            let links = ViewLinks {
                view_path: &page_path,
            };
            json!({
                "plugin": plugin,
                "plugin_name": plugin_name,
                "view": links.view(tree),
                "took_ms": started.elapsed().as_millis() as u64,
            })
        }
        Err(err) => {
            let (title, message) = error_card(&err);
            json!({
                "plugin": plugin,
                "plugin_name": plugin_name,
                "error": { "title": title, "message": message, "kind": err.kind.as_str() },
                "retry": if params.is_empty() { page_path.clone() } else { format!("{page_path}?{}", query(&params)) },
            })
        }
    };
    let mut response = if headers.contains_key(FRAGMENT_HEADER) {
        render_fragment(&state, "partials/plugin_view", &data)
    } else {
        // Opened without the script (a link from the no-JS placeholder): a page of its own.
        let mut page_data = data;
        page_data["entity"] = json!({
            "path": entity.path,
            "title": entity.display_name(),
            "kind": entity.kind,
        });
        render(
            &state,
            Page::new(
                "plugin_view_page",
                format!("{plugin_name} · {}", entity.display_name()),
                "catalog",
                page_data,
            ),
        )
    };
    response
        .headers_mut()
        .insert(header::VARY, HeaderValue::from_static(FRAGMENT_HEADER));
    Ok(response)
}
