//! The [`KindRegistry`]: which JSON Schema validates which kind, apiVersion and `spec.type`, with
//! Backstage's built-in kinds preloaded and room for an organization's own, supplied at runtime.
//!
//! A kind schema is selected the way Backstage's `entityKindSchemaValidator` treats its schemas:
//! the schema's `kind` and `apiVersion` enums (or consts) say which entities it is for. Where a
//! kind has typed variants (`spec.type` as enum/const: API `mcp-server`, AiResource `skill`,
//! `rule`, `plugin`, `marketplace`) the variant wins over the kind's base schema. Schemas added
//! later win over earlier ones for the same (kind, apiVersion, type), so an organization can
//! replace a built-in; [`KindRegistry::extend_kind`] adds constraints on top instead.

use std::sync::{Arc, LazyLock};

use jsonschema::Validator;
use serde_json::Value;

use super::schema::{self, KIND_SCHEMAS};
use super::{Rule, ValidateOptions, ValidationError, check_root_fields, format};

/// What a registered kind schema applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KindInfo {
    /// The schema's name: its `$id`, or the name given when registering.
    pub name: String,
    /// The kind, exactly as entities must spell it.
    pub kind: String,
    /// The apiVersions it accepts.
    pub api_versions: Vec<String>,
    /// The `spec.type` it is specific to, for typed variants.
    pub spec_type: Option<String>,
}

/// A schema that cannot be registered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    /// The schema does not compile as draft-07.
    #[error("schema {name} does not compile: {message}")]
    Invalid {
        /// The schema's name.
        name: String,
        /// Why.
        message: String,
    },
    /// The schema does not say which kind or apiVersion it is for.
    #[error(
        "schema {0} must constrain `kind` and `apiVersion` with `enum` or `const` (in `properties` or an `allOf` member)"
    )]
    NoKind(String),
}

#[derive(Clone)]
struct Entry {
    info: KindInfo,
    validator: Arc<Validator>,
}

/// The kind schemas in force, plus the core envelope schemas.
#[derive(Clone)]
pub struct KindRegistry {
    envelope: Arc<Validator>,
    entity: Arc<Validator>,
    kinds: Vec<Entry>,
    extensions: Vec<(String, Entry)>,
    /// What was added to the built-in kinds, hashed (0 for the built-in set): processing
    /// hashes it into each entity's input hash, so that a change of schemas re-validates
    /// every entity, also across restarts.
    fingerprint: u64,
}

impl std::fmt::Debug for KindRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KindRegistry")
            .field(
                "kinds",
                &self.kinds.iter().map(|e| &e.info).collect::<Vec<_>>(),
            )
            .field("extensions", &self.extensions.len())
            .finish()
    }
}

static BUILTIN: LazyLock<KindRegistry> = LazyLock::new(|| {
    let mut registry = KindRegistry::empty();
    for (file, text) in KIND_SCHEMAS {
        registry
            .add_kind(schema::parse_embedded(text))
            .unwrap_or_else(|e| panic!("built-in schema {file} is broken: {e}"));
    }
    // The built-in set is the baseline: stored hashes from before fingerprints stay valid.
    registry.fingerprint = 0;
    registry
});

impl Default for KindRegistry {
    fn default() -> Self {
        Self::builtin()
    }
}

impl KindRegistry {
    /// The corpus kinds (Component, API and its mcp-server variant, Resource, System, Domain,
    /// Group, User, Location, AiResource and its variants) and Template. Compiled once per
    /// process; this clones handles to them.
    pub fn builtin() -> Self {
        BUILTIN.clone()
    }

    /// Only the envelope schemas, no kinds: every entity is an unknown kind until one is added.
    pub fn empty() -> Self {
        let compile_core = |text: &str| {
            Arc::new(schema::compile(&schema::parse_embedded(text)).expect("core schemas compile"))
        };
        KindRegistry {
            envelope: compile_core(schema::ENTITY_ENVELOPE),
            entity: compile_core(schema::ENTITY),
            kinds: Vec::new(),
            extensions: Vec::new(),
            fingerprint: 0,
        }
    }

    /// Registers a kind schema; what it applies to is read from its `kind`/`apiVersion` enums and
    /// optional `spec.type` enum/const. It may `$ref` `Entity`, `EntityMeta` and `common#...`.
    pub fn add_kind(&mut self, schema: Value) -> Result<KindInfo, SchemaError> {
        let name = schema_name(&schema);
        let kind = single(constraint(&schema, &["kind"]));
        let api_versions = constraint(&schema, &["apiVersion"]);
        let (Some(kind), false) = (kind, api_versions.is_empty()) else {
            return Err(SchemaError::NoKind(name));
        };
        let spec_type = single(constraint(&schema, &["spec", "type"]));
        let info = KindInfo {
            name,
            kind,
            api_versions,
            spec_type,
        };
        self.add_kind_as(info.clone(), schema)?;
        Ok(info)
    }

    /// Registers a kind schema for an explicitly given kind, apiVersions and `spec.type`.
    pub fn add_kind_as(&mut self, info: KindInfo, schema: Value) -> Result<(), SchemaError> {
        let validator = compile(&info.name, &schema)?;
        self.mix_fingerprint(&(
            "kind",
            &info.kind,
            &info.api_versions,
            &info.spec_type,
            &schema,
        ));
        self.kinds.push(Entry { info, validator });
        Ok(())
    }

    /// Identifies the schemas added to the built-in ones (0 when none): equal for equal
    /// schemas added in the same order, in any process.
    pub fn fingerprint(&self) -> u64 {
        self.fingerprint
    }

    fn mix_fingerprint(&mut self, added: &impl serde::Serialize) {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        hasher.update(self.fingerprint.to_be_bytes());
        hasher.update(serde_json::to_vec(added).unwrap_or_default());
        let digest = hasher.finalize();
        self.fingerprint = u64::from_be_bytes(digest[..8].try_into().expect("8 of 32 bytes"));
    }

    /// Adds constraints to every entity of `kind` (any apiVersion), on top of its kind schema —
    /// e.g. an organization requiring `spec.costCenter` on Components.
    pub fn extend_kind(&mut self, kind: &str, schema: Value) -> Result<(), SchemaError> {
        let name = schema_name(&schema);
        let validator = compile(&name, &schema)?;
        let info = KindInfo {
            name,
            kind: kind.to_owned(),
            api_versions: Vec::new(),
            spec_type: None,
        };
        self.mix_fingerprint(&("extends", kind, &schema));
        self.extensions
            .push((kind.to_owned(), Entry { info, validator }));
        Ok(())
    }

    /// The registered kind schemas, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &KindInfo> {
        self.kinds.iter().map(|e| &e.info)
    }

    /// The kind schema that applies to an entity, if any.
    pub fn schema_for(&self, entity: &Value) -> Option<&KindInfo> {
        self.select(entity).map(|e| &e.info)
    }

    /// Validates a source entity: every step listed in [`crate::validation`].
    pub fn validate(&self, entity: &Value) -> Result<(), Vec<ValidationError>> {
        self.validate_with(entity, ValidateOptions::default())
    }

    /// Validates an entity with options (e.g. a stored entity with `relations` and `status`).
    pub fn validate_with(
        &self,
        entity: &Value,
        options: ValidateOptions,
    ) -> Result<(), Vec<ValidationError>> {
        let envelope = entity_schema_errors(&self.entity, entity);
        if !envelope.is_empty() {
            return Err(envelope);
        }
        let mut errors = check_root_fields(entity, options);
        errors.extend(format::check_field_formats(entity));
        match self.select(entity) {
            None => errors.push(unknown_kind()),
            Some(entry) => errors.extend(kind_schema_errors(entry, entity)),
        }
        let kind = entity
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        for (_, entry) in self.extensions.iter().filter(|(k, _)| k == kind) {
            errors.extend(kind_schema_errors(entry, entity));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// Checks only `EntityEnvelope.schema.json`, the check Backstage runs before preprocessing
    /// (placeholders) so that an entity has a ref at all.
    pub fn validate_envelope(&self, entity: &Value) -> Result<(), Vec<ValidationError>> {
        let errors = entity_schema_errors(&self.envelope, entity);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    fn select(&self, entity: &Value) -> Option<&Entry> {
        let kind = entity.get("kind")?.as_str()?;
        let api_version = entity.get("apiVersion")?.as_str()?;
        let spec_type = entity.pointer("/spec/type").and_then(Value::as_str);
        let candidates = || {
            self.kinds.iter().rev().filter(move |e| {
                e.info.kind == kind && e.info.api_versions.iter().any(|v| v == api_version)
            })
        };
        candidates()
            .find(|e| e.info.spec_type.is_some() && e.info.spec_type.as_deref() == spec_type)
            .or_else(|| candidates().find(|e| e.info.spec_type.is_none()))
    }
}

fn compile(name: &str, schema: &Value) -> Result<Arc<Validator>, SchemaError> {
    schema::compile(schema)
        .map(Arc::new)
        .map_err(|message| SchemaError::Invalid {
            name: name.to_owned(),
            message,
        })
}

fn unknown_kind() -> ValidationError {
    ValidationError {
        field: "kind".to_owned(),
        rule: Rule::UnknownKind,
        message: "No processor recognized the entity as valid, possibly caused by a foreign kind or apiVersion".to_owned(),
    }
}

fn entity_schema_errors(validator: &Validator, entity: &Value) -> Vec<ValidationError> {
    schema::violations(validator, entity)
        .into_iter()
        .map(|v| ValidationError {
            field: v.field,
            rule: Rule::EntitySchema(v.keyword),
            message: v.message,
        })
        .collect()
}

fn kind_schema_errors(entry: &Entry, entity: &Value) -> Vec<ValidationError> {
    schema::violations(&entry.validator, entity)
        .into_iter()
        .map(|v| ValidationError {
            field: v.field,
            rule: Rule::KindSchema {
                schema: entry.info.name.clone(),
                keyword: v.keyword,
            },
            message: v.message,
        })
        .collect()
}

fn schema_name(schema: &Value) -> String {
    schema
        .get("$id")
        .and_then(Value::as_str)
        .unwrap_or("(unnamed schema)")
        .to_owned()
}

/// The values an `enum`/`const` at `properties.<path>` allows, looking at the root and at each
/// `allOf` member.
fn constraint(schema: &Value, path: &[&str]) -> Vec<String> {
    let members = std::iter::once(schema).chain(
        schema
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten(),
    );
    for member in members {
        let mut node = Some(member);
        for key in path {
            node = node
                .and_then(|n| n.get("properties"))
                .and_then(|p| p.get(key));
        }
        let Some(node) = node else { continue };
        if let Some(Value::String(c)) = node.get("const") {
            return vec![c.clone()];
        }
        if let Some(Value::Array(options)) = node.get("enum") {
            return options
                .iter()
                .filter_map(|o| o.as_str().map(str::to_owned))
                .collect();
        }
    }
    Vec::new()
}

fn single(values: Vec<String>) -> Option<String> {
    match values.as_slice() {
        [one] => Some(one.clone()),
        _ => None,
    }
}
