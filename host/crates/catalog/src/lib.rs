//! Portico's software catalog model: Backstage-compatible entities, references, validation,
//! relations and location ingestion, as pure functions with no server, storage or wasm.
//!
//! This crate is what the catalog's HTTP API, storage and provider plugins build on. It owns:
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
//!
//! It does not own I/O beyond the host-native [`location::FileReader`]; remote reads belong to
//! the url-reader plugin, which the host plugs in as another [`LocationReader`].

pub mod entity;
pub mod identity;
pub mod location;
pub mod processing;
pub mod refs;
pub mod relations;
pub mod store;
pub mod validation;

pub use entity::{Entity, EntityLink, EntityMeta, EntityRelation};
pub use location::{LocationReader, LocationSpec};
pub use refs::EntityRef;
pub use relations::Relation;
pub use validation::{KindRegistry, ValidationError};
