//! External entity status under `/api/catalog`: `GET`/`POST`/`DELETE
//! /entities/by-name/{kind}/{namespace}/{name}/status` and `POST /entities/status-batch`,
//! as Backstage's catalog OpenAPI defines them (`?stitch=skip`, `204`/`207`, error bodies).
//!
//! Bodies are read with their own limits (one source's payload is at most 64 KiB, a batch at
//! most 100 of them), answered with a `PayloadTooLargeError` body when exceeded.

use super::{AppState, Ctx, EntityPath, Res, ctx, json};
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{Method, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use portico_catalog::api::*;
use portico_catalog::catalog::MAX_BATCH_ENTRIES;
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// Largest body of a single status write: a 64 KiB payload with room for JSON escaping.
pub const MAX_STATUS_BODY: usize = 256 * 1024;
/// Largest batch body: 100 entries of 64 KiB payloads, with room for escaping.
pub const MAX_BATCH_BODY: usize = 8 * 1024 * 1024;

pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/api/catalog/entities/by-name/{kind}/{namespace}/{name}/status",
            get(sources).post(write).delete(remove),
        )
        .route("/api/catalog/entities/status-batch", post(batch))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StatusQuery {
    /// `skip`: write without stitching (`deferred` is Backstage's deprecated spelling).
    stitch: Option<String>,
    /// The source to delete.
    source: Option<String>,
}

impl StatusQuery {
    fn stitch(&self) -> bool {
        !matches!(self.stitch.as_deref(), Some("skip" | "deferred"))
    }
}

/// The request body, at most `limit` bytes.
async fn read_body(c: &Ctx, body: Body, limit: usize) -> Result<Bytes, super::ApiFailure> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let inner = e.into_inner();
        let mut source: Option<&(dyn std::error::Error + 'static)> = Some(inner.as_ref());
        while let Some(err) = source {
            if err.is::<http_body_util::LengthLimitError>() {
                return c.fail(CatalogError::PayloadTooLarge(format!(
                    "request entity too large: the body of this request may be at most {limit} bytes"
                )));
            }
            source = err.source();
        }
        c.fail(CatalogError::Input(format!(
            "could not read the request body: {inner}"
        )))
    })
}

async fn sources(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path((kind, namespace, name)): Path<EntityPath>,
) -> Res {
    let c = ctx(state, method, &uri);
    let sources = c
        .catalog()
        .entity_status_sources(c.org(), &kind, &namespace, &name)
        .map_err(|e| c.fail(e))?;
    Ok(json(&sources))
}

async fn write(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path((kind, namespace, name)): Path<EntityPath>,
    body: Body,
) -> Res {
    let c = ctx(state, method, &uri);
    let query: StatusQuery = c.query(uri.0.query())?;
    let body = read_body(&c, body, MAX_STATUS_BODY).await?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(c.fail(CatalogError::Input(
            "the body must be a JSON object with `source` and `status`".into(),
        )));
    }
    let update: EntityStatusUpdate = serde_json::from_slice(&body)
        .map_err(|e| c.fail(CatalogError::Input(format!("invalid JSON body: {e}"))))?;
    let stitch = query.stitch();
    c.blocking(move |catalog, org| {
        catalog.set_entity_status(org, (&kind, &namespace, &name), &update, stitch)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path((kind, namespace, name)): Path<EntityPath>,
) -> Res {
    let c = ctx(state, method, &uri);
    let query: StatusQuery = c.query(uri.0.query())?;
    let stitch = query.stitch();
    let source = query.source.unwrap_or_default();
    c.blocking(move |catalog, org| {
        catalog.delete_entity_status(org, (&kind, &namespace, &name), &source, stitch)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn batch(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Body,
) -> Res {
    let c = ctx(state, method, &uri);
    let query: StatusQuery = c.query(uri.0.query())?;
    let body = read_body(&c, body, MAX_BATCH_BODY).await?;
    let entries = parse_batch(&body).map_err(|e| c.fail(e))?;
    let stitch = query.stitch();
    let response = c
        .blocking(move |catalog, org| catalog.batch_set_entity_status(org, &entries, stitch))
        .await?;
    if response.results.iter().all(|r| r.ok) {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok((StatusCode::MULTI_STATUS, axum::Json(response)).into_response())
}

/// The batch body: a JSON array of 1–100 `{entityRef, source, status}` objects. Every
/// malformed entry is reported (by index), and none is written.
fn parse_batch(body: &[u8]) -> CatalogResult<Vec<BatchStatusEntry>> {
    let shape = || {
        format!(
            "the body must be a JSON array of 1 to {MAX_BATCH_ENTRIES} {{entityRef, source, status}} objects"
        )
    };
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| CatalogError::Input(format!("invalid JSON body: {e}; {}", shape())))?;
    let Value::Array(items) = value else {
        return Err(CatalogError::Input(shape()));
    };
    if items.is_empty() || items.len() > MAX_BATCH_ENTRIES {
        return Err(CatalogError::Input(format!(
            "{}, got {} entries",
            shape(),
            items.len()
        )));
    }
    let count = items.len();
    let mut entries = Vec::with_capacity(count);
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        match serde_json::from_value::<BatchStatusEntry>(item) {
            Ok(entry) => entries.push(entry),
            Err(e) => {
                errors.push(json!({"name": "InputError", "message": format!("entry {i}: {e}")}))
            }
        }
    }
    if errors.is_empty() {
        return Ok(entries);
    }
    Err(CatalogError::Invalid {
        message: format!(
            "Invalid status batch: {} of {count} entries are invalid, nothing was written",
            errors.len()
        ),
        errors,
    })
}
