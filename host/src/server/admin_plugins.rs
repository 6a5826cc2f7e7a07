//! The admin API for plugins: what `portico plugin ...` calls when a server is running.
//!
//! `GET /api/admin/plugins`, `POST /api/admin/plugins` (body: the component; query: `sha256`,
//! `grant` (repeated) or `yes=true`), `POST /api/admin/plugins/inspect`,
//! `POST /api/admin/plugins/{id}/enable|disable|rollback`, `PUT /api/admin/plugins/{id}/grants`
//! (JSON list of grant strings), `DELETE /api/admin/plugins/{id}?purge=true`.

use super::AppState;
use crate::plugins::manager::{GrantChoice, NotInstalled};
use crate::plugins::{InstallOptions, InstalledPlugin};
use crate::runtime::metrics::CallSummary;
use crate::runtime::services::PluginEvent;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Largest plugin upload (componentize-py output is ~20 MB).
const MAX_UPLOAD_BYTES: usize = 256 * 1024 * 1024;

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/api/admin/plugins", get(list).post(install))
        .route("/api/admin/plugins/inspect", post(inspect))
        .route("/api/admin/plugins/{id}", axum::routing::delete(remove))
        .route("/api/admin/plugins/{id}/enable", post(enable))
        .route("/api/admin/plugins/{id}/disable", post(disable))
        .route("/api/admin/plugins/{id}/rollback", post(rollback))
        .route("/api/admin/plugins/{id}/grants", put(set_grants))
        .route("/api/admin/plugins/{id}/discover", post(discover))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .layer(middleware::from_fn_with_state(state, require_admin))
}

/// An error body in Backstage's shape: `{"error": {"name", "message"}}`.
pub struct ApiError(pub(crate) StatusCode, pub(crate) String);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let name = match self.0 {
            StatusCode::NOT_FOUND => "NotFoundError",
            StatusCode::UNAUTHORIZED => "AuthenticationError",
            StatusCode::CONFLICT => "ConflictError",
            s if s.is_client_error() => "InputError",
            _ => "Error",
        };
        (
            self.0,
            Json(serde_json::json!({ "error": { "name": name, "message": self.1 }, "response": { "statusCode": self.0.as_u16() } })),
        )
            .into_response()
    }
}

fn bad_request(err: anyhow::Error) -> ApiError {
    let status = if err.downcast_ref::<NotInstalled>().is_some() {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError(status, format!("{err:#}"))
}

pub(crate) async fn require_admin(
    State(state): State<Arc<AppState>>,
    request: Request,
    next: Next,
) -> Response {
    if let Some(token) = &state.admin_token {
        let presented = request
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if presented != Some(token.as_str()) {
            return ApiError(
                StatusCode::UNAUTHORIZED,
                "the admin API needs `Authorization: Bearer <server.admin_token>`".into(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

/// One plugin as the admin API shows it.
#[derive(Serialize)]
pub struct PluginView {
    #[serde(flatten)]
    pub record: InstalledPlugin,
    /// Loaded in the runtime and receiving calls.
    pub active: bool,
    /// Extension points the component actually exports.
    pub exports: Vec<&'static str>,
    pub metrics: CallSummary,
    pub recent_events: Vec<PluginEvent>,
}

async fn list(State(state): State<Arc<AppState>>) -> Result<Json<Vec<PluginView>>, ApiError> {
    let records = state
        .manager
        .list()
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, format!("{e:#}")))?;
    let services = state.runtime.services();
    Ok(Json(
        records
            .into_iter()
            .map(|record| {
                let loaded = state.runtime.get(&record.id);
                PluginView {
                    active: loaded.is_some(),
                    exports: loaded.map(|l| l.exports.worlds()).unwrap_or_default(),
                    metrics: services.metrics.summary(&record.id),
                    recent_events: services.events.recent(&record.id),
                    record,
                }
            })
            .collect(),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InstallQuery {
    sha256: Option<String>,
    /// Comma-separated grant strings.
    grant: Option<String>,
    yes: bool,
}

async fn install(
    State(state): State<Arc<AppState>>,
    Query(query): Query<InstallQuery>,
    body: Bytes,
) -> Result<impl IntoResponse, ApiError> {
    let grants = match (query.grant, query.yes) {
        (Some(specs), _) => GrantChoice::Specs(
            specs
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
        ),
        (None, true) => GrantChoice::AllRequested,
        (None, false) => GrantChoice::Specs(Vec::new()),
    };
    let options = InstallOptions {
        expected_sha256: query.sha256,
        grants,
    };
    let manager = state.manager.clone();
    // Compiling a large component takes seconds: keep it off the async workers.
    let report = tokio::task::spawn_blocking(move || manager.install(&body, &options))
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map_err(bad_request)?;
    Ok((StatusCode::CREATED, Json(report)))
}

async fn inspect(body: Bytes) -> Result<impl IntoResponse, ApiError> {
    let package = portico_package::Package::parse(&body)
        .map_err(|e| ApiError(StatusCode::BAD_REQUEST, e.to_string()))?;
    Ok(Json(package))
}

async fn enable(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<InstalledPlugin>, ApiError> {
    let manager = state.manager.clone();
    blocking(move || manager.set_enabled(&id, true)).await
}

async fn disable(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<InstalledPlugin>, ApiError> {
    let manager = state.manager.clone();
    blocking(move || manager.set_enabled(&id, false)).await
}

async fn rollback(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<InstalledPlugin>, ApiError> {
    let manager = state.manager.clone();
    blocking(move || manager.rollback(&id)).await
}

async fn set_grants(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Json(specs): Json<Vec<String>>,
) -> Result<Json<InstalledPlugin>, ApiError> {
    let manager = state.manager.clone();
    blocking(move || manager.set_grants(&id, &GrantChoice::Specs(specs))).await
}

/// Runs an entity-provider plugin now and applies what it discovers to the catalog.
async fn discover(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
) -> Result<Json<portico_catalog::processing::ProcessReport>, ApiError> {
    crate::providers::run_provider(&state.runtime, &state.catalog, state.manager.org(), &id)
        .await
        .map(Json)
        .map_err(
            |err| match err.downcast_ref::<crate::runtime::CallError>() {
                Some(call) if call.kind == crate::runtime::CallErrorKind::NotAvailable => {
                    ApiError(StatusCode::NOT_FOUND, format!("{err:#}"))
                }
                _ => ApiError(StatusCode::BAD_GATEWAY, format!("{err:#}")),
            },
        )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct RemoveQuery {
    purge: bool,
}

async fn remove(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(query): Query<RemoveQuery>,
) -> Result<Json<InstalledPlugin>, ApiError> {
    let manager = state.manager.clone();
    blocking(move || manager.remove(&id, query.purge)).await
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<Json<T>, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
        .map(Json)
        .map_err(bad_request)
}
