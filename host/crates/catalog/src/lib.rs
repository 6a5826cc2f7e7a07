//! Portico's software catalog: Backstage-compatible entities, references, validation,
//! relations, location ingestion, persistence, processing and queries — everything but HTTP.
//!
//! The host's catalog API is a thin axum layer over [`Catalog`] (one method per Backstage
//! endpoint, typed request/response structs in [`api`], errors as [`CatalogError`]). It owns:
//!
//! - [`entity`]: the [`Entity`] envelope (lossless round-trip of any Backstage descriptor) and
//!   bounded parsing of multi-document YAML and JSON ([`entity::parse`]).
//! - [`refs`]: entity references (`kind:namespace/name`) as Backstage parses and prints them.
//! - [`validation`]: the corpus JSON Schemas plus Backstage's field-format rules, and the
//!   [`KindRegistry`] through which an organization adds kinds by JSON Schema at runtime.
//! - [`relations`]: the relations Backstage's processors derive from spec fields, both ways.
//! - [`location`]: Location entities, `$text`/`$json`/`$yaml` placeholders, location
//!   annotations and a recursive walk of a root location through a [`LocationReader`].
//! - [`identity`]: `metadata.uid`, `metadata.etag` and the content hash used to skip work.
//! - [`store`]: entities per organization on a `portico_storage::Storage`, with the name index,
//!   history, locations, and the derived search/relation indexes.
//! - [`processing`]: the ingestion pipeline (validation, relations, stitching, orphans,
//!   conflicts, errors in `status.items`, eager deletion) over location walks and providers.
//! - [`query`]: Backstage's filter, predicate, ordering, paging, full-text and facet semantics.
//! - [`catalog`] and [`api`]: the facade and the API types; [`synthetic`]: generated catalogs.
//!
//! It does not own I/O beyond the host-native [`location::FileReader`]; remote reads belong to
//! the url-reader plugin, which the host plugs in as another [`LocationReader`].

pub mod api;
pub mod catalog;
pub mod entity;
pub mod identity;
pub mod location;
pub mod processing;
pub mod query;
pub mod refs;
pub mod relations;
pub mod store;
pub mod synthetic;
pub mod validation;

pub use api::{CatalogError, CatalogResult};
pub use catalog::{Catalog, CatalogOptions, SharedReader};
pub use entity::{Entity, EntityLink, EntityMeta, EntityRelation};
pub use location::{LocationReader, LocationSpec};
pub use processing::OrphanStrategy;
pub use refs::EntityRef;
pub use relations::Relation;
pub use validation::{KindRegistry, ValidationError};
