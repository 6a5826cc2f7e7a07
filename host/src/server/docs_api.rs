//! Docs over HTTP:
//!
//! - `GET /api/docs/{kind}/{namespace}/{name}` and `.../{*path}`: one rendered, sanitized
//!   page (JSON: title, html, toc, nav);
//! - `GET /api/docs-assets/{kind}/{namespace}/{name}/{*path}`: an image or PDF of a local docs
//!   folder;
//! - `GET /api/docs/search?q=…&limit=…`: full-text search over indexed pages;
//! - `POST /api/admin/docs/{kind}/{namespace}/{name}/refresh`: render the entity's docs
//!   again (admin token).
//!
//! Reading is open like the catalog API and the entity pages: the entity comes from the
//! catalog, never from the caller (unlike `/api/plugins/{id}/views`, which takes any entity
//! and therefore sits behind the admin token). A refresh re-runs plugins on demand, so it is
//! an admin call. Errors use the catalog API's body shape.

use super::admin_plugins::ApiError;
use crate::docs::{DocsError, DocsErrorKind, DocsService};
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use std::sync::Arc;

/// What the docs routes need.
pub struct DocsApiState {
    pub docs: Arc<DocsService>,
    /// Required as a bearer token by the refresh route when set.
    pub admin_token: Option<String>,
}

/// The docs routes, with their own state (merge into the server's router).
pub fn routes(state: Arc<DocsApiState>) -> Router {
    Router::new()
        .route("/api/docs/search", get(search))
        .route("/api/docs/{kind}/{namespace}/{name}", get(index_page))
        .route("/api/docs/{kind}/{namespace}/{name}/", get(index_page))
        .route("/api/docs/{kind}/{namespace}/{name}/{*path}", get(page))
        .route(
            "/api/docs-assets/{kind}/{namespace}/{name}/{*path}",
            get(asset),
        )
        .route(
            "/api/admin/docs/{kind}/{namespace}/{name}/refresh",
            post(refresh),
        )
        .with_state(state)
}

fn api_error(err: DocsError) -> ApiError {
    let status = match err.kind {
        DocsErrorKind::NotFound => StatusCode::NOT_FOUND,
        DocsErrorKind::Denied => StatusCode::FORBIDDEN,
        DocsErrorKind::Invalid => StatusCode::UNPROCESSABLE_ENTITY,
        DocsErrorKind::Unavailable => StatusCode::BAD_GATEWAY,
        DocsErrorKind::Timeout => StatusCode::GATEWAY_TIMEOUT,
        DocsErrorKind::Busy => StatusCode::SERVICE_UNAVAILABLE,
    };
    ApiError(status, err.message)
}

async fn index_page(
    State(state): State<Arc<DocsApiState>>,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    render(&state, &kind, &namespace, &name, "").await
}

async fn page(
    State(state): State<Arc<DocsApiState>>,
    Path((kind, namespace, name, path)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    render(&state, &kind, &namespace, &name, &path).await
}

async fn render(
    state: &DocsApiState,
    kind: &str,
    namespace: &str,
    name: &str,
    path: &str,
) -> Result<Response, ApiError> {
    let page = state
        .docs
        .page(kind, namespace, name, path)
        .await
        .map_err(api_error)?;
    Ok(Json(page.as_ref()).into_response())
}

async fn asset(
    State(state): State<Arc<DocsApiState>>,
    Path((kind, namespace, name, path)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let asset = state
        .docs
        .asset(&kind, &namespace, &name, &path)
        .await
        .map_err(api_error)?;
    let bytes = tokio::fs::read(&asset.path)
        .await
        .map_err(|e| ApiError(StatusCode::NOT_FOUND, format!("cannot read `{path}`: {e}")))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // An SVG opened directly must not run script in the portal's origin.
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; sandbox"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
    limit: Option<usize>,
}

async fn search(
    State(state): State<Arc<DocsApiState>>,
    Query(query): Query<SearchQuery>,
) -> Result<Response, ApiError> {
    if query.q.trim().is_empty() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "give the words to search for as `q`".into(),
        ));
    }
    let hits = state.docs.search(&query.q, query.limit.unwrap_or(20));
    Ok(Json(serde_json::json!({ "query": query.q, "results": hits })).into_response())
}

async fn refresh(
    State(state): State<Arc<DocsApiState>>,
    Path((kind, namespace, name)): Path<(String, String, String)>,
    request: Request,
) -> Result<Response, ApiError> {
    if let Some(token) = &state.admin_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(token.as_str()) {
            return Err(ApiError(
                StatusCode::UNAUTHORIZED,
                "the admin API needs `Authorization: Bearer <server.admin_token>`".into(),
            ));
        }
    }
    let report = state
        .docs
        .refresh(&kind, &namespace, &name)
        .await
        .map_err(api_error)?;
    Ok(Json(report).into_response())
}
