//! The Docs tab of an entity page: one page of the entity's docs (rendered by a
//! `docs-renderer` plugin and sanitized by the docs service) with the site's navigation and
//! the page's table of contents. `GET /catalog/{namespace}/{kind}/{name}/docs[/{*path}]`.

use super::PageError;
use super::entity::{self, EntityContext, load_entity};
use crate::docs::{DocsErrorKind, DocsPage};
use crate::server::AppState;
use crate::web::urls::{is_external, safe_href, segment};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};
use std::sync::Arc;

/// Whether the entity declares docs (the tab is offered without calling a plugin).
pub fn has_docs(entity: &EntityContext) -> bool {
    entity
        .value
        .pointer("/metadata/annotations/backstage.io~1techdocs-ref")
        .and_then(Value::as_str)
        .is_some_and(|r| !r.trim().is_empty())
}

/// The portal path of docs page `path` of the entity at `entity_path`.
pub fn page_href(entity_path: &str, path: &str) -> String {
    match path.is_empty() {
        true => format!("{entity_path}/docs"),
        false => {
            let segments: Vec<String> = path.split('/').map(segment).collect();
            format!("{entity_path}/docs/{}", segments.join("/"))
        }
    }
}

/// `GET /catalog/{namespace}/{kind}/{name}/docs`.
pub async fn index(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    show(&state, &namespace, &kind, &name, "").await
}

/// `GET /catalog/{namespace}/{kind}/{name}/docs/{*path}`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    Path((namespace, kind, name, path)): Path<(String, String, String, String)>,
) -> Result<Response, PageError> {
    show(&state, &namespace, &kind, &name, &path).await
}

async fn show(
    state: &AppState,
    namespace: &str,
    kind: &str,
    name: &str,
    path: &str,
) -> Result<Response, PageError> {
    let entity = load_entity(state, namespace, kind, name)?;
    if !has_docs(&entity) {
        return Err(PageError::not_found(format!(
            "{} has no docs (annotate it with backstage.io/techdocs-ref).",
            entity.display_name()
        )));
    }
    let rendered = state
        .docs
        .page(&entity.kind, &entity.namespace, &entity.name, path)
        .await;
    let (extra, status) = match rendered {
        Ok(page) => (
            json!({ "docs": panel(&entity.path, &page) }),
            StatusCode::OK,
        ),
        Err(err) => {
            let status = match err.kind {
                DocsErrorKind::NotFound => StatusCode::NOT_FOUND,
                _ => StatusCode::OK,
            };
            (
                json!({ "docs_error": err.message, "docs_index": page_href(&entity.path, "") }),
                status,
            )
        }
    };
    let mut response = entity::page(state, entity, "docs", extra).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// What the template shows: the sanitized HTML, the navigation with portal links (the
/// current page marked) and the table of contents.
fn panel(entity_path: &str, page: &DocsPage) -> Value {
    let current = page
        .nav
        .iter()
        .rposition(|n| !n.external && n.path == page.path);
    let nav: Vec<Value> = page
        .nav
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let href = match n.external {
                true => safe_href(&n.path)
                    .filter(|u| is_external(u))
                    .map(str::to_string),
                false => Some(page_href(entity_path, &n.path)),
            };
            json!({
                "title": n.title,
                "href": href,
                "depth": n.depth.min(4),
                "external": n.external,
                "current": Some(i) == current,
            })
        })
        .collect();
    let toc: Vec<Value> = page
        .toc
        .iter()
        .filter(|h| h.level >= 2)
        .map(|h| json!({ "level": h.level.min(4), "text": h.text, "anchor": h.anchor }))
        .collect();
    json!({
        "title": page.title,
        "html": page.html,
        "nav": nav,
        "toc": toc,
        "plugin": page.plugin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_links() {
        assert_eq!(
            page_href("/catalog/default/component/x", ""),
            "/catalog/default/component/x/docs"
        );
        assert_eq!(
            page_href("/catalog/default/component/x", "guides/set up"),
            "/catalog/default/component/x/docs/guides/set%20up"
        );
    }
}
