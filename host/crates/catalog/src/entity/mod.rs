//! The Backstage entity model: an [`Entity`] with typed envelope and metadata fields that keeps
//! every unknown field, so any descriptor round-trips through it without loss.
//!
//! Field names and defaults follow Backstage's `Entity`/`EntityMeta` types (and the corpus
//! `Entity.schema.json`). Typed fields cover what the catalog reads; `spec`, `status` and all
//! unknown keys stay as [`serde_json`] values. An explicit `null` on an optional typed field is
//! read as "absent" (the schema would reject it anyway). Parsing lives in [`parse`].

pub mod parse;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::refs::EntityRef;

/// The namespace an entity is in when `metadata.namespace` is absent (Backstage's
/// `DEFAULT_NAMESPACE`).
pub const DEFAULT_NAMESPACE: &str = "default";

/// A catalog entity: Backstage's envelope of `apiVersion`, `kind`, `metadata`, `spec`, plus the
/// `relations` and `status` the catalog adds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entity {
    /// `apiVersion`, e.g. `backstage.io/v1alpha1`.
    pub api_version: String,
    /// `kind`, e.g. `Component`; kept in the case it was written.
    pub kind: String,
    /// `metadata`.
    pub metadata: EntityMeta,
    /// `spec`, untyped: each kind defines its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Map<String, Value>>,
    /// `relations`, computed by the catalog (see [`crate::relations`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relations: Option<Vec<EntityRelation>>,
    /// `status`, e.g. `status.items` with processing errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Map<String, Value>>,
    /// Any other root field, kept verbatim (validation rejects them in source documents).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// `metadata`: the fields common to all kinds (Backstage's `EntityMeta`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EntityMeta {
    /// `metadata.name`.
    pub name: String,
    /// `metadata.namespace`; see [`EntityMeta::namespace`] for the defaulted value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `metadata.description`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `metadata.labels`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<BTreeMap<String, String>>,
    /// `metadata.annotations`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annotations: Option<BTreeMap<String, String>>,
    /// `metadata.tags`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// `metadata.links`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<Vec<EntityLink>>,
    /// `metadata.uid`, set by the catalog (see [`crate::identity::new_uid`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
    /// `metadata.etag`, set by the catalog (see [`crate::identity::etag`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// Any other metadata field, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `metadata.links`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EntityLink {
    /// `url`.
    pub url: String,
    /// `title`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `icon`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// `type`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub link_type: Option<String>,
    /// Any other field, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One entry of `relations`: a directed edge from this entity to `target_ref`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityRelation {
    /// The relation type, e.g. `ownedBy`.
    #[serde(rename = "type")]
    pub relation_type: String,
    /// The target as a string ref, `kind:namespace/name`, lowercased as Backstage stores it.
    pub target_ref: String,
    /// The deprecated compound form of the target that Backstage still returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<EntityRef>,
    /// Any other field, kept verbatim.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// Why a JSON value could not be read as an [`Entity`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("not a valid entity envelope: {0}")]
pub struct EnvelopeError(pub String);

impl EntityMeta {
    /// `metadata.namespace`, or [`DEFAULT_NAMESPACE`] when it is absent or empty (as Backstage's
    /// `DefaultNamespaceEntityPolicy` and `getCompoundEntityRef` treat it).
    pub fn namespace(&self) -> &str {
        match self.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => ns,
            _ => DEFAULT_NAMESPACE,
        }
    }

    /// The annotation `key`, if set.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.annotations.as_ref()?.get(key).map(String::as_str)
    }

    /// The label `key`, if set.
    pub fn label(&self, key: &str) -> Option<&str> {
        self.labels.as_ref()?.get(key).map(String::as_str)
    }

    /// Sets (or replaces) the annotation `key`.
    pub fn set_annotation(&mut self, key: &str, value: impl Into<String>) {
        self.annotations
            .get_or_insert_with(BTreeMap::new)
            .insert(key.to_owned(), value.into());
    }
}

impl Entity {
    /// Reads an entity from a JSON value. Only the envelope is checked here (an object with string
    /// `apiVersion`, `kind` and `metadata.name`, and well-typed known fields); the full rules are
    /// in [`crate::validation`].
    pub fn from_value(value: Value) -> Result<Entity, EnvelopeError> {
        if !value.is_object() {
            return Err(EnvelopeError(format!(
                "expected an object at the root, got {}",
                json_type_name(&value)
            )));
        }
        serde_json::from_value(value).map_err(|e| EnvelopeError(e.to_string()))
    }

    /// The entity as a JSON value (the inverse of [`Entity::from_value`]).
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).expect("an Entity always serializes to JSON")
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// `metadata.namespace` with the `default` fallback.
    pub fn namespace(&self) -> &str {
        self.metadata.namespace()
    }

    /// This entity's reference, in the case it was written.
    pub fn entity_ref(&self) -> EntityRef {
        EntityRef::new(&self.kind, self.namespace(), &self.metadata.name)
    }

    /// A `spec` field, if `spec` is present and has it.
    pub fn spec_field(&self, key: &str) -> Option<&Value> {
        self.spec.as_ref()?.get(key)
    }

    /// A `spec` field that is a string.
    pub fn spec_str(&self, key: &str) -> Option<&str> {
        self.spec_field(key)?.as_str()
    }
}

/// The JavaScript-style name of a JSON value's type, for messages like Backstage's
/// `Expected object at root, got string`.
pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
