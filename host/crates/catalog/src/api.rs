//! Request and response types of the catalog API, serialized exactly as Backstage's catalog
//! REST API (`catalog-openapi.yaml`) reads and writes them, plus its typed errors.
//!
//! The HTTP layer deserializes query strings or bodies into the `*Request` types, calls
//! [`crate::Catalog`], and serializes the `*Response` types; [`CatalogError`] carries the
//! Backstage error name and status code and renders the error body.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::store::HistoryEntry;

/// `GET /entities` (legacy listing).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntitiesRequest {
    /// Filter sets: comma = AND, repeated = OR.
    pub filter: Vec<String>,
    /// Fields to keep (dot paths; commas allowed inside one value).
    pub fields: Vec<String>,
    /// Page size.
    pub limit: Option<usize>,
    /// Items to skip.
    pub offset: Option<usize>,
    /// The opaque cursor of the previous page (`Link: rel="next"`).
    pub after: Option<String>,
    /// Sort orders, `asc:<field>` or `desc:<field>`.
    pub order: Vec<String>,
}

/// The legacy listing: the body is `entities`; `next_after` goes in the `Link` header as
/// `after=<cursor>` when there is a next page.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntitiesResponse {
    /// The entities (the JSON array body).
    pub entities: Vec<Value>,
    /// The cursor of the next page, if any.
    pub next_after: Option<String>,
}

/// One sort order of `POST /entities/by-query`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderBy {
    /// The field path.
    pub field: String,
    /// `asc` or `desc`.
    pub order: SortOrder,
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortOrder {
    /// Ascending.
    #[default]
    Asc,
    /// Descending.
    Desc,
}

/// The full-text filter of `POST /entities/by-query`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct FullTextFilter {
    /// The term (substring, case-insensitive).
    pub term: String,
    /// The fields searched; default the order field, else `metadata.uid`.
    pub fields: Vec<String>,
}

/// `GET /entities/by-query` (query parameters) and `POST /entities/by-query` (body) in one.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct QueryEntitiesRequest {
    /// Legacy filter sets (GET).
    pub filter: Vec<String>,
    /// A predicate query (POST).
    pub query: Option<Value>,
    /// Fields to keep.
    pub fields: Vec<String>,
    /// Page size (default 200).
    pub limit: Option<usize>,
    /// Items to skip on the first page.
    pub offset: Option<usize>,
    /// GET form of the order: `<field>,<asc|desc>`.
    pub order_field: Vec<String>,
    /// POST form of the order.
    pub order_by: Vec<OrderBy>,
    /// A cursor from `pageInfo`; when set, the other query parameters come from it.
    pub cursor: Option<String>,
    /// GET form of the full-text term.
    pub full_text_filter_term: Option<String>,
    /// GET form of the full-text fields (commas allowed).
    pub full_text_filter_fields: Vec<String>,
    /// POST form of the full-text filter.
    pub full_text_filter: Option<FullTextFilter>,
    /// `include` (default) or `exclude`.
    pub total_items: Option<String>,
}

/// `pageInfo` of a query response.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageInfo {
    /// The cursor of the next page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The cursor of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prev_cursor: Option<String>,
}

/// `EntitiesQueryResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueryEntitiesResponse {
    /// The page.
    pub items: Vec<Value>,
    /// Matching entities in all pages (0 when excluded).
    pub total_items: usize,
    /// Cursors.
    pub page_info: PageInfo,
}

/// `POST /entities/by-refs`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct EntitiesBatchRequest {
    /// The refs, answered in order.
    pub entity_refs: Vec<String>,
    /// Fields to keep.
    pub fields: Vec<String>,
    /// Legacy filter sets (query parameter).
    pub filter: Vec<String>,
    /// A predicate query.
    pub query: Option<Value>,
}

/// `EntitiesBatchResponse`: `null` where no entity has the ref.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntitiesBatchResponse {
    /// One item per requested ref.
    pub items: Vec<Option<Value>>,
}

/// `GET`/`POST /entity-facets`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FacetsRequest {
    /// The facet field paths.
    pub facet: Vec<String>,
    /// POST spelling of `facet`.
    pub facets: Vec<String>,
    /// Legacy filter sets.
    pub filter: Vec<String>,
    /// A predicate query.
    pub query: Option<Value>,
}

/// One facet value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facet {
    /// The value as written in the entities.
    pub value: String,
    /// How many matching entities have it.
    pub count: usize,
}

/// `EntityFacetsResponse`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FacetsResponse {
    /// Facet field → values.
    pub facets: BTreeMap<String, Vec<Facet>>,
}

/// One item of `EntityAncestryResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AncestryItem {
    /// The entity.
    pub entity: Value,
    /// Refs of the entities that emitted it.
    pub parent_entity_refs: Vec<String>,
}

/// `EntityAncestryResponse`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AncestryResponse {
    /// The ref asked about.
    pub root_entity_ref: String,
    /// The entity and its ancestors.
    pub items: Vec<AncestryItem>,
}

/// A registered location, as Backstage's `Location` schema has it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    /// The id.
    pub id: String,
    /// `file`, `url`, ...
    #[serde(rename = "type")]
    pub location_type: String,
    /// The target.
    pub target: String,
    /// The Location entity generated for it, `location:default/generated-<sha1>`.
    #[serde(rename = "entityRef")]
    pub entity_ref: String,
}

impl Location {
    /// A location with its generated entity's ref.
    pub fn new(id: &str, location_type: &str, target: &str) -> Self {
        let spec = crate::location::LocationSpec::new(location_type, target);
        Location {
            id: id.to_owned(),
            location_type: location_type.to_owned(),
            target: target.to_owned(),
            entity_ref: format!(
                "location:default/{}",
                crate::location::generated_location_name(&spec)
            ),
        }
    }
}

/// `POST /locations` body (`dryRun` is a query parameter in Backstage; accepted here too).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AddLocationRequest {
    /// `file`, `url`, ...
    #[serde(rename = "type")]
    pub location_type: String,
    /// The target.
    pub target: String,
    /// Read and process without storing anything.
    #[serde(default)]
    pub dry_run: bool,
}

/// `POST /locations` response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AddLocationResponse {
    /// The location.
    pub location: Location,
    /// The entities it yields (as stored, or as they would be for a dry run).
    pub entities: Vec<Value>,
    /// For dry runs: whether the location was already registered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exists: Option<bool>,
}

/// `POST /refresh`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The entity to refresh.
    pub entity_ref: String,
}

/// `POST /validate-entity`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct ValidateEntityRequest {
    /// The entity document.
    #[serde(default)]
    pub entity: Value,
    /// A location ref (`url:...`) for error context.
    #[serde(default)]
    pub location: String,
}

/// `GET /entities/by-name/{kind}/{namespace}/{name}/history` (Portico's addition).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryResponse {
    /// The entity ref.
    pub entity_ref: String,
    /// Revisions, newest last.
    pub items: Vec<HistoryEntry>,
}

/// `POST /entities/by-name/{kind}/{namespace}/{name}/status`: one source's status.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EntityStatusUpdate {
    /// The source reporting it (e.g. `github-actions`).
    pub source: String,
    /// The payload (a JSON object), served as `status.<source>`.
    pub status: Value,
}

/// `GET /entities/by-name/{kind}/{namespace}/{name}/status`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct EntityStatusSources {
    /// The sources with status for the entity, sorted.
    pub sources: Vec<String>,
}

/// One entry of `POST /entities/status-batch`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchStatusEntry {
    /// The entity (`kind:namespace/name`).
    pub entity_ref: String,
    /// The source reporting it.
    pub source: String,
    /// The payload (a JSON object).
    pub status: Value,
}

/// The outcome of one batch entry (`207` response).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BatchStatusResult {
    /// The entry's `entityRef`, as sent.
    pub entity_ref: String,
    /// Whether its status was written.
    pub ok: bool,
    /// Why not (`<ErrorName>: <message>`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// `POST /entities/status-batch` when some entries failed (`207 Multi-Status`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BatchStatusResponse {
    /// One result per entry, in request order.
    pub results: Vec<BatchStatusResult>,
}

/// A catalog error, with Backstage's error name and HTTP status.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CatalogError {
    /// `NotFoundError`, 404.
    #[error("{0}")]
    NotFound(String),
    /// `InputError`, 400.
    #[error("{0}")]
    Input(String),
    /// `InputError` with the validation failures of an entity, 400.
    #[error("{message}")]
    Invalid {
        /// Summary.
        message: String,
        /// `{name, message}` per failure, as `validate-entity` returns them.
        errors: Vec<Value>,
    },
    /// `ConflictError`, 409.
    #[error("{0}")]
    Conflict(String),
    /// `PayloadTooLargeError`, 413: a request body over the route's limit.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// Storage failure, 500.
    #[error("{0}")]
    Storage(String),
}

impl CatalogError {
    /// Backstage's error name.
    pub fn name(&self) -> &'static str {
        match self {
            CatalogError::NotFound(_) => "NotFoundError",
            CatalogError::Input(_) | CatalogError::Invalid { .. } => "InputError",
            CatalogError::Conflict(_) => "ConflictError",
            CatalogError::PayloadTooLarge(_) => "PayloadTooLargeError",
            CatalogError::Storage(_) => "Error",
        }
    }

    /// The HTTP status code.
    pub fn status(&self) -> u16 {
        match self {
            CatalogError::NotFound(_) => 404,
            CatalogError::Input(_) | CatalogError::Invalid { .. } => 400,
            CatalogError::Conflict(_) => 409,
            CatalogError::PayloadTooLarge(_) => 413,
            CatalogError::Storage(_) => 500,
        }
    }

    /// Backstage's error body for a request `method url`.
    pub fn body(&self, method: &str, url: &str) -> Value {
        let mut body = json!({
            "error": {"name": self.name(), "message": self.to_string()},
            "request": {"method": method, "url": url},
            "response": {"statusCode": self.status()},
        });
        if let CatalogError::Invalid { errors, .. } = self {
            body["errors"] = Value::Array(errors.clone());
        }
        body
    }
}

impl From<crate::store::StoreError> for CatalogError {
    fn from(e: crate::store::StoreError) -> Self {
        CatalogError::Storage(e.to_string())
    }
}

/// Result of catalog operations.
pub type CatalogResult<T> = Result<T, CatalogError>;
