//! The corpus JSON Schemas (draft-07, embedded at build time) and their compilation, with error
//! messages in the shape Backstage's ajv-based validators print (`/spec must have required ...`).
//!
//! Backstage's schemas name each other by relative `$id` (`Entity`, `EntityMeta`, `common`, ...);
//! every compiled schema here resolves those against the four core schemas, as Backstage's
//! `compileAjvSchema` does with its `refDependencyCandidates`.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, Validator};
use serde_json::Value;

macro_rules! corpus_schema {
    ($path:literal) => {
        include_str!(concat!("../../../../../corpus/backstage/schema/", $path))
    };
}

/// `EntityEnvelope.schema.json`: the minimum needed to give an entity a ref.
pub const ENTITY_ENVELOPE: &str = corpus_schema!("EntityEnvelope.schema.json");
/// `Entity.schema.json`: the parts common to all kinds.
pub const ENTITY: &str = corpus_schema!("Entity.schema.json");
/// `EntityMeta.schema.json`: `metadata`.
pub const ENTITY_META: &str = corpus_schema!("EntityMeta.schema.json");
/// `shared/common.schema.json`: references, relations, status.
pub const COMMON: &str = corpus_schema!("shared/common.schema.json");

/// The built-in kind schemas of the corpus, by file name.
pub const KIND_SCHEMAS: &[(&str, &str)] = &[
    (
        "API.v1alpha1.schema.json",
        corpus_schema!("kinds/API.v1alpha1.schema.json"),
    ),
    (
        "API.v1alpha1.mcp-server.schema.json",
        corpus_schema!("kinds/API.v1alpha1.mcp-server.schema.json"),
    ),
    (
        "AiResource.v1alpha1.schema.json",
        corpus_schema!("kinds/AiResource.v1alpha1.schema.json"),
    ),
    (
        "AiResource.v1alpha1.skill.schema.json",
        corpus_schema!("kinds/AiResource.v1alpha1.skill.schema.json"),
    ),
    (
        "AiResource.v1alpha1.rule.schema.json",
        corpus_schema!("kinds/AiResource.v1alpha1.rule.schema.json"),
    ),
    (
        "AiResource.v1alpha1.plugin.schema.json",
        corpus_schema!("kinds/AiResource.v1alpha1.plugin.schema.json"),
    ),
    (
        "AiResource.v1alpha1.marketplace.schema.json",
        corpus_schema!("kinds/AiResource.v1alpha1.marketplace.schema.json"),
    ),
    (
        "Component.v1alpha1.schema.json",
        corpus_schema!("kinds/Component.v1alpha1.schema.json"),
    ),
    (
        "Domain.v1alpha1.schema.json",
        corpus_schema!("kinds/Domain.v1alpha1.schema.json"),
    ),
    (
        "Group.v1alpha1.schema.json",
        corpus_schema!("kinds/Group.v1alpha1.schema.json"),
    ),
    (
        "Location.v1alpha1.schema.json",
        corpus_schema!("kinds/Location.v1alpha1.schema.json"),
    ),
    (
        "Resource.v1alpha1.schema.json",
        corpus_schema!("kinds/Resource.v1alpha1.schema.json"),
    ),
    (
        "System.v1alpha1.schema.json",
        corpus_schema!("kinds/System.v1alpha1.schema.json"),
    ),
    (
        "User.v1alpha1.schema.json",
        corpus_schema!("kinds/User.v1alpha1.schema.json"),
    ),
    // Not in the corpus: Portico's own statement of the scaffolder's Template.v1beta3 shape.
    (
        "Template.v1beta3.schema.json",
        include_str!("template.v1beta3.schema.json"),
    ),
];

/// The base URI the schemas' relative `$id`s resolve against.
const BASE: &str = "json-schema:///";

/// One schema violation, already worded the way Backstage reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaViolation {
    /// JSON pointer to the offending value (`""` for the root).
    pub instance_path: String,
    /// The JSON Schema keyword that failed (`required`, `type`, `enum`, ...).
    pub keyword: String,
    /// `<path> <message> - <params>`, as Backstage's `throwAjvError` formats an ajv error.
    pub message: String,
    /// The path as dotted field names (`spec.owner`), or `<root>`.
    pub field: String,
}

/// Parses one of the embedded schemas.
pub fn parse_embedded(text: &str) -> Value {
    serde_json::from_str(text).expect("embedded schemas are valid JSON")
}

/// Compiles `schema` as draft-07, resolving `$ref`s to the core schemas and never fetching.
pub fn compile(schema: &Value) -> Result<Validator, String> {
    let registry = Registry::new()
        .extend([
            (
                format!("{BASE}EntityEnvelope"),
                parse_embedded(ENTITY_ENVELOPE),
            ),
            (format!("{BASE}Entity"), parse_embedded(ENTITY)),
            (format!("{BASE}EntityMeta"), parse_embedded(ENTITY_META)),
            (format!("{BASE}common"), parse_embedded(COMMON)),
        ])
        .and_then(|b| b.prepare())
        .map_err(|e| format!("cannot prepare the core schemas: {e}"))?;
    jsonschema::options()
        .with_draft(Draft::Draft7)
        .with_registry(&registry)
        .offline()
        .should_validate_formats(false)
        .build(schema)
        .map_err(|e| e.to_string())
}

/// Every violation of `validator` by `instance`, in Backstage's wording.
pub fn violations(validator: &Validator, instance: &Value) -> Vec<SchemaViolation> {
    validator
        .iter_errors(instance)
        .map(|error| {
            let instance_path = error.instance_path().as_str().to_owned();
            let (keyword, text, params) = describe(error.kind(), &error.to_string());
            let shown_path = if instance_path.is_empty() {
                "<root>".to_owned()
            } else {
                instance_path.clone()
            };
            let message = match params {
                Some(params) => format!("{shown_path} {text} - {params}"),
                None => format!("{shown_path} {text}"),
            };
            let field = pointer_to_field(&instance_path);
            SchemaViolation {
                instance_path,
                keyword: keyword.to_owned(),
                message,
                field,
            }
        })
        .collect()
}

/// `/spec/owner` → `spec.owner`; `""` → `<root>`. JSON-pointer escapes are undone.
pub fn pointer_to_field(pointer: &str) -> String {
    if pointer.is_empty() {
        return "<root>".to_owned();
    }
    pointer
        .trim_start_matches('/')
        .split('/')
        .map(|part| part.replace("~1", "/").replace("~0", "~"))
        .collect::<Vec<_>>()
        .join(".")
}

/// Keyword, ajv message and ajv params for an error; falls back to the crate's own message.
fn describe(kind: &ValidationErrorKind, fallback: &str) -> (&'static str, String, Option<String>) {
    use ValidationErrorKind as K;
    match kind {
        K::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            (
                "required",
                format!("must have required property '{name}'"),
                Some(format!("missingProperty: {name}")),
            )
        }
        K::Type { kind } => {
            let expected = format!("{kind:?}").to_lowercase();
            let expected = expected
                .trim_start_matches("single(")
                .trim_end_matches(')')
                .to_owned();
            (
                "type",
                format!("must be {expected}"),
                Some(format!("type: {expected}")),
            )
        }
        K::Enum { .. } => (
            "enum",
            "must be equal to one of the allowed values".to_owned(),
            None,
        ),
        K::Constant { expected_value } => (
            "const",
            "must be equal to constant".to_owned(),
            Some(format!("allowedValue: {}", display_json(expected_value))),
        ),
        K::MinLength { limit } => (
            "minLength",
            format!("must NOT have fewer than {limit} characters"),
            Some(format!("limit: {limit}")),
        ),
        K::MaxLength { limit } => (
            "maxLength",
            format!("must NOT have more than {limit} characters"),
            Some(format!("limit: {limit}")),
        ),
        K::MinItems { limit } => (
            "minItems",
            format!("must NOT have fewer than {limit} items"),
            Some(format!("limit: {limit}")),
        ),
        K::Pattern { pattern } => (
            "pattern",
            format!("must match pattern \"{pattern}\""),
            Some(format!("pattern: {pattern}")),
        ),
        K::AdditionalProperties { unexpected } => (
            "additionalProperties",
            "must NOT have additional properties".to_owned(),
            Some(format!("additionalProperty: {}", unexpected.join(", "))),
        ),
        K::AnyOf { .. } => ("anyOf", "must match a schema in anyOf".to_owned(), None),
        K::OneOfNotValid { .. } | K::OneOfMultipleValid { .. } => (
            "oneOf",
            "must match exactly one schema in oneOf".to_owned(),
            None,
        ),
        _ => ("schema", fallback.to_owned(), None),
    }
}

fn display_json(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
