//! The catalog REST API under `/api/catalog`, compatible with Backstage's
//! (`corpus/backstage/catalog-openapi.yaml`): same paths, parameters, bodies, error names and
//! status codes, so `@backstage/catalog-client` and existing tools work unchanged.
//!
//! Handlers only translate HTTP to [`portico_catalog::Catalog`] calls; repeated query
//! parameters (`filter=…&filter=…`) are read with `serde_html_form`.

use super::AppState;
use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use portico_catalog::Catalog;
use portico_catalog::api::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use std::sync::Arc;

mod entity_status;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .merge(entity_status::routes())
        .route("/api/catalog/entities", get(entities))
        .route(
            "/api/catalog/entities/by-query",
            get(query_get).post(query_post),
        )
        .route("/api/catalog/entities/by-refs", post(by_refs))
        .route(
            "/api/catalog/entities/by-uid/{uid}",
            get(by_uid).delete(delete_by_uid),
        )
        .route(
            "/api/catalog/entities/by-name/{kind}/{namespace}/{name}",
            get(by_name),
        )
        .route(
            "/api/catalog/entities/by-name/{kind}/{namespace}/{name}/ancestry",
            get(ancestry),
        )
        .route(
            "/api/catalog/entities/by-name/{kind}/{namespace}/{name}/history",
            get(history),
        )
        .route(
            "/api/catalog/entity-facets",
            get(facets_get).post(facets_post),
        )
        .route("/api/catalog/refresh", post(refresh))
        .route("/api/catalog/validate-entity", post(validate_entity))
        .route("/api/catalog/locations", get(locations).post(add_location))
        .route("/api/catalog/locations/by-query", post(locations_by_query))
        .route(
            "/api/catalog/locations/{id}",
            get(location).put(update_location).delete(delete_location),
        )
        .route("/api/catalog/analyze-location", post(analyze_location))
        .route(
            "/api/catalog/locations/by-entity/{kind}/{namespace}/{name}",
            get(location_by_entity),
        )
}

/// A catalog error rendered as Backstage's error body.
struct ApiFailure {
    error: CatalogError,
    method: Method,
    url: String,
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status =
            StatusCode::from_u16(self.error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (
            status,
            Json(self.error.body(self.method.as_str(), &self.url)),
        )
            .into_response()
    }
}

/// What every handler gets: the catalog, the organization, and the request line for errors.
struct Ctx {
    state: Arc<AppState>,
    method: Method,
    url: String,
}

impl Ctx {
    fn fail(&self, error: CatalogError) -> ApiFailure {
        ApiFailure {
            error,
            method: self.method.clone(),
            url: self.url.clone(),
        }
    }

    fn catalog(&self) -> &Catalog {
        &self.state.catalog
    }

    fn org(&self) -> &portico_storage::OrgId {
        self.state.manager.org()
    }

    fn query<T: DeserializeOwned>(&self, raw: Option<&str>) -> Result<T, ApiFailure> {
        let form = serde_html_form::Deserializer::from_bytes(raw.unwrap_or_default().as_bytes());
        serde_path_to_error::deserialize(form).map_err(|e| {
            // Name the parameter (`limit`, `dryRun`, ...): the parser's own message does not.
            let message = match e.path().to_string() {
                path if path == "." => format!("invalid query parameters: {}", e.inner()),
                path => format!("Invalid query parameter {path}: {}", e.inner()),
            };
            self.fail(CatalogError::Input(message))
        })
    }

    fn body<T: DeserializeOwned + Default>(&self, body: &Bytes) -> Result<T, ApiFailure> {
        if body.is_empty() {
            return Ok(T::default());
        }
        serde_json::from_slice(body)
            .map_err(|e| self.fail(CatalogError::Input(format!("invalid JSON body: {e}"))))
    }

    /// Runs a catalog write off the async workers (ingestion can take a while).
    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Catalog, &portico_storage::OrgId) -> CatalogResult<T> + Send + 'static,
    ) -> Result<T, ApiFailure> {
        let state = self.state.clone();
        tokio::task::spawn_blocking(move || f(&state.catalog, state.manager.org()))
            .await
            .map_err(|e| {
                self.fail(CatalogError::Storage(format!(
                    "the catalog task failed: {e}"
                )))
            })?
            .map_err(|e| self.fail(e))
    }
}

fn ctx(state: Arc<AppState>, method: Method, uri: &OriginalUri) -> Ctx {
    Ctx {
        state,
        method,
        url: uri.0.to_string(),
    }
}

type Res = Result<Response, ApiFailure>;

/// `{kind}/{namespace}/{name}` from the path.
type EntityPath = (String, String, String);

/// A read of one entity by name through `read`, answered as JSON.
fn by_entity<T: serde::Serialize>(
    c: Ctx,
    (kind, namespace, name): EntityPath,
    read: impl FnOnce(&Catalog, &portico_storage::OrgId, &str, &str, &str) -> CatalogResult<T>,
) -> Res {
    let value = read(c.catalog(), c.org(), &kind, &namespace, &name).map_err(|e| c.fail(e))?;
    Ok(json(&value))
}

/// A JSON body the catalog already serialized (from stored bytes, without re-parsing).
fn json_bytes(body: Vec<u8>) -> Res {
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn json<T: serde::Serialize>(value: &T) -> Response {
    Json(value).into_response()
}

async fn entities(State(state): State<Arc<AppState>>, method: Method, uri: OriginalUri) -> Res {
    let c = ctx(state, method, &uri);
    let request: EntitiesRequest = c.query(uri.0.query())?;
    let response = c
        .catalog()
        .entities(c.org(), &request)
        .map_err(|e| c.fail(e))?;
    let mut headers = HeaderMap::new();
    if let Some(after) = &response.next_after {
        // As Backstage does: the same query without `offset`, with `after` set to the cursor.
        let mut pairs: Vec<(String, String)> =
            serde_html_form::from_str(uri.0.query().unwrap_or_default()).unwrap_or_default();
        pairs.retain(|(key, _)| key != "offset" && key != "after");
        pairs.push(("after".into(), after.clone()));
        let query = serde_html_form::to_string(&pairs).unwrap_or_default();
        let link = format!("<{}?{query}>; rel=\"next\"", uri.0.path());
        if let Ok(value) = HeaderValue::from_str(&link) {
            headers.insert(header::LINK, value);
        }
    }
    Ok((headers, Json(&response.entities)).into_response())
}

async fn query_get(State(state): State<Arc<AppState>>, method: Method, uri: OriginalUri) -> Res {
    let c = ctx(state, method, &uri);
    let request: QueryEntitiesRequest = c.query(uri.0.query())?;
    json_bytes(
        c.catalog()
            .query_entities_json(c.org(), &request)
            .map_err(|e| c.fail(e))?,
    )
}

async fn query_post(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: QueryEntitiesRequest = c.body(&body)?;
    json_bytes(
        c.catalog()
            .query_entities_json(c.org(), &request)
            .map_err(|e| c.fail(e))?,
    )
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct FieldsQuery {
    fields: Vec<String>,
}

async fn by_refs(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let mut request: EntitiesBatchRequest = c.body(&body)?;
    // `fields` may also come in the query string, as the catalog client sends it.
    let query: FieldsQuery = c.query(uri.0.query())?;
    request.fields.extend(query.fields);
    Ok(json(
        &c.catalog()
            .entities_by_refs(c.org(), &request)
            .map_err(|e| c.fail(e))?,
    ))
}

async fn by_uid(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(uid): Path<String>,
) -> Res {
    let c = ctx(state, method, &uri);
    Ok(json(
        &c.catalog()
            .entity_by_uid(c.org(), &uid)
            .map_err(|e| c.fail(e))?,
    ))
}

async fn delete_by_uid(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(uid): Path<String>,
) -> Res {
    let c = ctx(state, method, &uri);
    c.blocking(move |catalog, org| catalog.delete_entity_by_uid(org, &uid))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn by_name(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path((kind, namespace, name)): Path<(String, String, String)>,
) -> Res {
    let c = ctx(state, method, &uri);
    // The stored JSON goes out as is: no parse and re-serialize on the hottest path.
    let raw = c
        .catalog()
        .entity_by_name_raw(c.org(), &kind, &namespace, &name)
        .map_err(|e| c.fail(e))?;
    Ok((
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        raw,
    )
        .into_response())
}

async fn ancestry(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(entity): Path<EntityPath>,
) -> Res {
    by_entity(ctx(state, method, &uri), entity, Catalog::entity_ancestry)
}

async fn history(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(entity): Path<EntityPath>,
) -> Res {
    by_entity(ctx(state, method, &uri), entity, Catalog::entity_history)
}

async fn facets_get(State(state): State<Arc<AppState>>, method: Method, uri: OriginalUri) -> Res {
    let c = ctx(state, method, &uri);
    let request: FacetsRequest = c.query(uri.0.query())?;
    Ok(json(
        &c.catalog()
            .entity_facets(c.org(), &request)
            .map_err(|e| c.fail(e))?,
    ))
}

async fn facets_post(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: FacetsRequest = c.body(&body)?;
    Ok(json(
        &c.catalog()
            .entity_facets(c.org(), &request)
            .map_err(|e| c.fail(e))?,
    ))
}

async fn refresh(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: RefreshRequest = c.body(&body)?;
    c.blocking(move |catalog, org| catalog.refresh(org, &request))
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn validate_entity(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: ValidateEntityRequest = c.body(&body)?;
    c.catalog()
        .validate_entity(c.org(), &request)
        .map_err(|e| c.fail(e))?;
    Ok(StatusCode::OK.into_response())
}

async fn locations(State(state): State<Arc<AppState>>, method: Method, uri: OriginalUri) -> Res {
    let c = ctx(state, method, &uri);
    let list = c.catalog().locations(c.org()).map_err(|e| c.fail(e))?;
    // Backstage wraps each location: `[{ "data": { id, type, target } }]`.
    let wrapped: Vec<serde_json::Value> = list
        .iter()
        .map(|l| serde_json::json!({ "data": l }))
        .collect();
    Ok(json(&wrapped))
}

async fn locations_by_query(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: super::location_query::LocationsQuery = c.body(&body)?;
    let locations = c.catalog().locations(c.org()).map_err(|e| c.fail(e))?;
    let page = super::location_query::page(locations, request).map_err(|e| c.fail(e))?;
    Ok(json(&page))
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct AddLocationQuery {
    dry_run: Option<bool>,
    /// `reject` (default): 409 for an existing location; `refresh`: refresh it instead.
    on_conflict: Option<String>,
}

async fn add_location(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let mut request: AddLocationRequest = c.body(&body)?;
    let query: AddLocationQuery = c.query(uri.0.query())?;
    if let Some(dry_run) = query.dry_run {
        request.dry_run = dry_run;
    }
    let refresh_on_conflict = match query.on_conflict.as_deref() {
        None | Some("reject") => false,
        Some("refresh") => true,
        Some(other) => {
            return Err(c.fail(CatalogError::Input(format!(
                "onConflict must be `reject` or `refresh`, not {other:?}"
            ))));
        }
    };
    let response = c
        .blocking(
            move |catalog, org| match catalog.add_location(org, &request) {
                Err(CatalogError::Conflict(_)) if refresh_on_conflict => {
                    let existing = catalog
                        .locations(org)?
                        .into_iter()
                        .find(|l| {
                            l.location_type == request.location_type && l.target == request.target
                        })
                        .ok_or_else(|| {
                            CatalogError::Conflict("the location changed concurrently".into())
                        })?;
                    catalog.refresh_location(org, &existing.id)?;
                    Ok(AddLocationResponse {
                        location: existing,
                        entities: Vec::new(),
                        exists: Some(true),
                    })
                }
                other => other,
            },
        )
        .await?;
    // Backstage answers 201 for a dry run too.
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

async fn location(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Res {
    let c = ctx(state, method, &uri);
    Ok(json(
        &c.catalog().location(c.org(), &id).map_err(|e| c.fail(e))?,
    ))
}

async fn update_location(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(id): Path<String>,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let input: portico_catalog::catalog::LocationInput = c.body(&body)?;
    let updated = c
        .blocking(move |catalog, org| catalog.update_location(org, &id, &input))
        .await?;
    Ok(json(&updated))
}

async fn analyze_location(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    body: Bytes,
) -> Res {
    let c = ctx(state, method, &uri);
    let request: portico_catalog::catalog::AnalyzeLocationRequest = c.body(&body)?;
    let analysis = c
        .blocking(move |catalog, org| catalog.analyze_location(org, &request))
        .await?;
    Ok(json(&analysis))
}

async fn delete_location(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(id): Path<String>,
) -> Res {
    let c = ctx(state, method, &uri);
    c.blocking(move |catalog, org| catalog.delete_location(org, &id))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn location_by_entity(
    State(state): State<Arc<AppState>>,
    method: Method,
    uri: OriginalUri,
    Path(entity): Path<EntityPath>,
) -> Res {
    by_entity(
        ctx(state, method, &uri),
        entity,
        Catalog::location_by_entity,
    )
}
