//! Calling plugin views over HTTP: `POST /api/plugins/{id}/views` (which views apply to an
//! entity) and `POST /api/plugins/{id}/views/{view}` (render one). The portal's entity pages
//! use the same runtime calls; this API lets tools and tests reach them directly.

use super::AppState;
use super::admin_plugins::ApiError;
use crate::runtime::bindings::latest::{Entity, EntityRef};
use crate::runtime::{CallContext, CallError, CallErrorKind};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

/// Behind the admin token: these calls take any entity from the caller, so a plugin's granted
/// hosts and secrets could be driven with made-up entities. (Entity pages call views for
/// catalog entities, server-side.)
pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/plugins/{id}/views", post(views_for))
        .route("/api/plugins/{id}/views/{view}", post(render))
        .layer(axum::middleware::from_fn_with_state(
            state,
            super::admin_plugins::require_admin,
        ))
}

#[derive(Deserialize)]
struct ViewRequest {
    /// The entity in Backstage's descriptor shape.
    entity: serde_json::Value,
    #[serde(default)]
    params: Vec<(String, String)>,
}

fn to_entity(descriptor: &serde_json::Value) -> Result<Entity, ApiError> {
    let text = |path: &[&str]| {
        let mut v = descriptor;
        for p in path {
            v = &v[*p];
        }
        v.as_str().map(str::to_string)
    };
    let kind = text(&["kind"])
        .ok_or_else(|| ApiError(StatusCode::BAD_REQUEST, "entity.kind is missing".into()))?;
    let name = text(&["metadata", "name"]).ok_or_else(|| {
        ApiError(
            StatusCode::BAD_REQUEST,
            "entity.metadata.name is missing".into(),
        )
    })?;
    let namespace = text(&["metadata", "namespace"]).unwrap_or_else(|| "default".into());
    Ok(Entity {
        ref_: EntityRef {
            kind,
            namespace,
            name,
        },
        descriptor: descriptor.to_string(),
    })
}

fn call_error(err: CallError) -> ApiError {
    let status = match err.kind {
        CallErrorKind::NotAvailable => StatusCode::NOT_FOUND,
        CallErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
        CallErrorKind::Deadline => StatusCode::GATEWAY_TIMEOUT,
        _ => StatusCode::BAD_GATEWAY,
    };
    ApiError(status, err.to_string())
}

async fn views_for(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(request): Json<ViewRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let entity = to_entity(&request.entity)?;
    let ctx = CallContext::org(state.manager.org().clone());
    let views = state
        .runtime
        .views_for(&id, &ctx, entity)
        .await
        .map_err(call_error)?;
    Ok(Json(serde_json::to_value(views).unwrap_or_default()))
}

async fn render(
    State(state): State<Arc<AppState>>,
    Path((id, view)): Path<(String, String)>,
    Json(request): Json<ViewRequest>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let entity = to_entity(&request.entity)?;
    let ctx = CallContext::org(state.manager.org().clone());
    let rendered = state
        .runtime
        .render_view(&id, &ctx, view, entity, request.params)
        .await
        .map_err(call_error)?;
    Ok(Json(serde_json::to_value(rendered).unwrap_or_default()))
}
