//! Entity validation exactly as Backstage does it: the corpus JSON Schemas, its field-format
//! rules, and per-kind schemas chosen by kind, apiVersion and `spec.type`.
//!
//! Order (Backstage's `CatalogBuilder` policies, then `validateEntityKind`):
//! 1. `Entity.schema.json` (`SchemaValidEntityPolicy`); if it fails nothing else runs;
//! 2. `DefaultNamespaceEntityPolicy` — see [`apply_default_namespace`] (a mutation, run it first);
//! 3. no root fields besides `apiVersion`, `kind`, `metadata`, `spec`
//!    (`NoForeignRootFieldsEntityPolicy`; skipped for stored entities that carry
//!    `relations`/`status`, see [`ValidateOptions`]);
//! 4. field formats (`FieldFormatEntityPolicy`, [`format`]);
//! 5. the kind's schema from the [`KindRegistry`] (built-in kinds' `validateEntityKind`).
//!
//! Backstage throws at the first failure; we collect every failure in that order, so the first
//! [`ValidationError`] is the one Backstage would report and the rest save the author round trips.

pub mod format;
pub mod kinds;
pub mod schema;

use serde_json::Value;

pub use format::Format;
pub use kinds::{KindInfo, KindRegistry, SchemaError};

/// Which rule a [`ValidationError`] broke.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// A keyword of `Entity.schema.json` / `EntityEnvelope.schema.json` (e.g. `required`).
    EntitySchema(String),
    /// A keyword of a kind's schema; `schema` names it (e.g. `ComponentV1alpha1`).
    KindSchema {
        /// The schema's `$id` (or the name it was registered under).
        schema: String,
        /// The failing keyword.
        keyword: String,
    },
    /// No schema is registered for the entity's kind and apiVersion.
    UnknownKind,
    /// A root field other than `apiVersion`, `kind`, `metadata`, `spec`.
    ForeignRootField,
    /// A required field is missing or null (`... must have a value`).
    MissingValue,
    /// A field-format rule.
    Format(Format),
}

/// One validation failure: the field path, the rule, and Backstage's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The field, e.g. `metadata.name`, `tags.1`, `spec.owner` or `<root>`.
    pub field: String,
    /// The rule that failed.
    pub rule: Rule,
    /// The message, worded as Backstage words it.
    pub message: String,
}

/// Switches for [`KindRegistry::validate_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValidateOptions {
    /// Accept `relations` and `status` at the root (entities as the catalog stores and serves
    /// them). Source documents must not have them, as in Backstage.
    pub allow_catalog_fields: bool,
}

/// The root fields a source document may have (`NoForeignRootFieldsEntityPolicy`).
pub const KNOWN_ROOT_FIELDS: &[&str] = &["apiVersion", "kind", "metadata", "spec"];

/// Sets `metadata.namespace` to `default` when it is absent or empty, as Backstage's
/// `DefaultNamespaceEntityPolicy` does. Does nothing if `metadata` is not an object.
pub fn apply_default_namespace(entity: &mut Value) {
    if let Some(Value::Object(metadata)) = entity.get_mut("metadata") {
        let missing = match metadata.get("namespace") {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if missing {
            metadata.insert(
                "namespace".to_owned(),
                Value::String(crate::entity::DEFAULT_NAMESPACE.to_owned()),
            );
        }
    }
}

/// `NoForeignRootFieldsEntityPolicy`: `Unknown field <name>` for each unexpected root field.
pub fn check_root_fields(entity: &Value, options: ValidateOptions) -> Vec<ValidationError> {
    let Some(root) = entity.as_object() else {
        return Vec::new();
    };
    root.keys()
        .filter(|k| {
            !KNOWN_ROOT_FIELDS.contains(&k.as_str())
                && !(options.allow_catalog_fields && (*k == "relations" || *k == "status"))
        })
        .map(|k| ValidationError {
            field: k.clone(),
            rule: Rule::ForeignRootField,
            message: format!("Unknown field {k}"),
        })
        .collect()
}
