//! `/`: the search box, the reader's entities (a guest in the demo has none), recently
//! changed entities, the catalog at a glance and the organization's quick links.

use super::{Page, render};
use crate::server::AppState;
use crate::web::urls::entity_ref_path;
use axum::extract::State;
use axum::response::Response;
use portico_catalog::api::FacetsRequest;
use serde_json::json;
use std::sync::Arc;

pub async fn page(State(state): State<Arc<AppState>>) -> Result<Response, super::PageError> {
    let org = state.manager.org().clone();
    let facets = state.catalog.entity_facets(
        &org,
        &FacetsRequest {
            facet: vec!["kind".into()],
            ..Default::default()
        },
    )?;
    let kinds: Vec<_> = facets
        .facets
        .get("kind")
        .map(|values| {
            values
                .iter()
                .map(|f| {
                    json!({
                        "kind": f.value,
                        "count": f.count,
                        "href": format!("/catalog?kind={}", crate::web::urls::segment(&f.value.to_lowercase())),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let total: usize = facets
        .facets
        .get("kind")
        .map(|v| v.iter().map(|f| f.count).sum())
        .unwrap_or(0);
    let changes = state.portal.recent.get(state.catalog.clone(), org).await;
    let recent: Vec<_> = changes
        .iter()
        .map(|c| {
            let (kind, name) = c.entity_ref.split_once(':').unwrap_or(("", &c.entity_ref));
            json!({
                "kind": kind,
                "name": name.strip_prefix("default/").unwrap_or(name),
                "href": (c.change != "deleted").then(|| entity_ref_path(&c.entity_ref, None)).flatten(),
                "change": c.change,
                "timestamp": c.timestamp,
            })
        })
        .collect();
    let plugins = state.runtime.active().len();
    Ok(render(
        &state,
        Page::new(
            "home",
            "Home",
            "home",
            json!({
                "kinds": kinds,
                "total": total,
                "recent": recent,
                "links": state.portal.theme.links,
                "plugins": plugins,
                // No sign-in for readers yet: everyone is a guest, who owns nothing.
                "user": null,
            }),
        ),
    ))
}
