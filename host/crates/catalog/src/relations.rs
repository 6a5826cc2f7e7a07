//! Relations derived from spec fields, in both directions, as Backstage's
//! `BuiltinKindsEntityProcessor` (and the AiResource and Template models) emit them.
//!
//! Each [`RelationRule`] says: for entities of `kind` (and optionally `spec.type`), every
//! reference in `spec.<field>` (a string or an array of strings) yields `source -forward-> target`
//! and `target -reverse-> source`. References are parsed with the rule's default kind and the
//! entity's own namespace as defaults; a reference without kind where the rule has no default
//! (`spec.dependsOn`) fails the whole entity, as it does in Backstage. Kind names match
//! case-sensitively (Backstage compares `entity.kind === 'Component'`). Organizations add rules
//! for their own kinds with [`RelationRules::add`].

use std::collections::BTreeSet;

use serde_json::Value;

use crate::entity::{Entity, EntityRelation};
use crate::refs::{EntityRef, RefContext, RefError};

/// `ownedBy`: an entity is owned by a group or user.
pub const RELATION_OWNED_BY: &str = "ownedBy";
/// `ownerOf`: reverse of [`RELATION_OWNED_BY`].
pub const RELATION_OWNER_OF: &str = "ownerOf";
/// `consumesApi`: a component consumes an API.
pub const RELATION_CONSUMES_API: &str = "consumesApi";
/// `apiConsumedBy`: reverse of [`RELATION_CONSUMES_API`].
pub const RELATION_API_CONSUMED_BY: &str = "apiConsumedBy";
/// `providesApi`: a component provides an API.
pub const RELATION_PROVIDES_API: &str = "providesApi";
/// `apiProvidedBy`: reverse of [`RELATION_PROVIDES_API`].
pub const RELATION_API_PROVIDED_BY: &str = "apiProvidedBy";
/// `dependsOn`: an entity depends on another.
pub const RELATION_DEPENDS_ON: &str = "dependsOn";
/// `dependencyOf`: reverse of [`RELATION_DEPENDS_ON`].
pub const RELATION_DEPENDENCY_OF: &str = "dependencyOf";
/// `parentOf`: a group is the parent of another group.
pub const RELATION_PARENT_OF: &str = "parentOf";
/// `childOf`: reverse of [`RELATION_PARENT_OF`].
pub const RELATION_CHILD_OF: &str = "childOf";
/// `memberOf`: a user is a member of a group.
pub const RELATION_MEMBER_OF: &str = "memberOf";
/// `hasMember`: reverse of [`RELATION_MEMBER_OF`].
pub const RELATION_HAS_MEMBER: &str = "hasMember";
/// `partOf`: an entity is part of a system, domain or component.
pub const RELATION_PART_OF: &str = "partOf";
/// `hasPart`: reverse of [`RELATION_PART_OF`].
pub const RELATION_HAS_PART: &str = "hasPart";
/// `hasSkill`: an AI plugin contains an AI skill.
pub const RELATION_HAS_SKILL: &str = "hasSkill";
/// `skillOf`: reverse of [`RELATION_HAS_SKILL`].
pub const RELATION_SKILL_OF: &str = "skillOf";
/// `hasPlugin`: an AI marketplace contains an AI plugin.
pub const RELATION_HAS_PLUGIN: &str = "hasPlugin";
/// `pluginOf`: reverse of [`RELATION_HAS_PLUGIN`].
pub const RELATION_PLUGIN_OF: &str = "pluginOf";

/// One directed relation between two entities.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Relation {
    /// The entity the relation starts from.
    pub source: EntityRef,
    /// The relation type, e.g. [`RELATION_OWNED_BY`].
    pub relation_type: String,
    /// The entity the relation points to.
    pub target: EntityRef,
}

/// How one spec field of one kind turns into a pair of relations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationRule {
    /// The entity kind the rule applies to (exact match).
    pub kind: String,
    /// Restricts the rule to one `spec.type` (the AiResource variants), if set.
    pub spec_type: Option<String>,
    /// The `spec` field holding one reference or an array of references.
    pub field: String,
    /// The kind assumed for references without one; `None` means a kind is required.
    pub default_kind: Option<String>,
    /// The relation from this entity to the referenced one.
    pub forward: String,
    /// The relation from the referenced entity back to this one.
    pub reverse: String,
}

/// A spec field that could not be turned into relations.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelationError {
    /// A reference did not parse (Backstage's `parseEntityRef` message inside).
    #[error("spec.{field}: {source}")]
    BadRef {
        /// The spec field.
        field: String,
        /// The parse error.
        source: RefError,
    },
    /// The field is neither a string nor an array of strings.
    #[error("spec.{field} must be an entity reference string or an array of them")]
    NotARef {
        /// The spec field.
        field: String,
    },
}

/// Identifies a list of extra rules, stably across processes (0 for none): entities are
/// processed again when their relation rules change.
pub fn fingerprint(rules: &[RelationRule]) -> u64 {
    use sha2::{Digest, Sha256};
    if rules.is_empty() {
        return 0;
    }
    let mut hasher = Sha256::new();
    for r in rules {
        for part in [
            r.kind.as_str(),
            r.spec_type.as_deref().unwrap_or(""),
            r.field.as_str(),
            r.default_kind.as_deref().unwrap_or(""),
            r.forward.as_str(),
            r.reverse.as_str(),
        ] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part.as_bytes());
        }
    }
    u64::from_be_bytes(hasher.finalize()[..8].try_into().expect("8 of 32 bytes"))
}

/// A set of relation rules; [`RelationRules::builtin`] holds Backstage's.
#[derive(Debug, Clone, Default)]
pub struct RelationRules {
    rules: Vec<RelationRule>,
}

/// (kind, spec.type, field, default kind, forward, reverse).
type BuiltinRule = (
    &'static str,
    Option<&'static str>,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

const BUILTIN: &[BuiltinRule] = &[
    // BuiltinKindsEntityProcessor: Component.
    (
        "Component",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "Component",
        None,
        "subcomponentOf",
        Some("Component"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    (
        "Component",
        None,
        "providesApis",
        Some("API"),
        RELATION_PROVIDES_API,
        RELATION_API_PROVIDED_BY,
    ),
    (
        "Component",
        None,
        "consumesApis",
        Some("API"),
        RELATION_CONSUMES_API,
        RELATION_API_CONSUMED_BY,
    ),
    (
        "Component",
        None,
        "dependsOn",
        None,
        RELATION_DEPENDS_ON,
        RELATION_DEPENDENCY_OF,
    ),
    (
        "Component",
        None,
        "dependencyOf",
        None,
        RELATION_DEPENDENCY_OF,
        RELATION_DEPENDS_ON,
    ),
    (
        "Component",
        None,
        "system",
        Some("System"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    // API.
    (
        "API",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "API",
        None,
        "system",
        Some("System"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    // Resource.
    (
        "Resource",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "Resource",
        None,
        "dependsOn",
        None,
        RELATION_DEPENDS_ON,
        RELATION_DEPENDENCY_OF,
    ),
    (
        "Resource",
        None,
        "dependencyOf",
        None,
        RELATION_DEPENDENCY_OF,
        RELATION_DEPENDS_ON,
    ),
    (
        "Resource",
        None,
        "system",
        Some("System"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    // User.
    (
        "User",
        None,
        "memberOf",
        Some("Group"),
        RELATION_MEMBER_OF,
        RELATION_HAS_MEMBER,
    ),
    // Group.
    (
        "Group",
        None,
        "parent",
        Some("Group"),
        RELATION_CHILD_OF,
        RELATION_PARENT_OF,
    ),
    (
        "Group",
        None,
        "children",
        Some("Group"),
        RELATION_PARENT_OF,
        RELATION_CHILD_OF,
    ),
    (
        "Group",
        None,
        "members",
        Some("User"),
        RELATION_HAS_MEMBER,
        RELATION_MEMBER_OF,
    ),
    // System.
    (
        "System",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "System",
        None,
        "domain",
        Some("Domain"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    // Domain.
    (
        "Domain",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "Domain",
        None,
        "subdomainOf",
        Some("Domain"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    // AiResource (catalog-model's `aiResourceEntityModel` relation fields).
    (
        "AiResource",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
    (
        "AiResource",
        None,
        "system",
        Some("System"),
        RELATION_PART_OF,
        RELATION_HAS_PART,
    ),
    (
        "AiResource",
        Some("skill"),
        "dependsOn",
        Some("AiResource"),
        RELATION_DEPENDS_ON,
        RELATION_DEPENDENCY_OF,
    ),
    (
        "AiResource",
        Some("plugin"),
        "skills",
        Some("AiResource"),
        RELATION_HAS_SKILL,
        RELATION_SKILL_OF,
    ),
    (
        "AiResource",
        Some("marketplace"),
        "plugins",
        Some("AiResource"),
        RELATION_HAS_PLUGIN,
        RELATION_PLUGIN_OF,
    ),
    // Template (the scaffolder backend's `ScaffolderEntitiesProcessor`).
    (
        "Template",
        None,
        "owner",
        Some("Group"),
        RELATION_OWNED_BY,
        RELATION_OWNER_OF,
    ),
];

impl RelationRules {
    /// Backstage's built-in rules for Component, API, Resource, User, Group, System, Domain,
    /// AiResource and Template.
    pub fn builtin() -> Self {
        let rules = BUILTIN
            .iter()
            .map(
                |&(kind, spec_type, field, default_kind, forward, reverse)| RelationRule {
                    kind: kind.to_owned(),
                    spec_type: spec_type.map(str::to_owned),
                    field: field.to_owned(),
                    default_kind: default_kind.map(str::to_owned),
                    forward: forward.to_owned(),
                    reverse: reverse.to_owned(),
                },
            )
            .collect();
        RelationRules { rules }
    }

    /// Adds a rule (e.g. for an organization's own kind).
    pub fn add(&mut self, rule: RelationRule) {
        self.rules.push(rule);
    }

    /// The rules, in the order they apply.
    pub fn rules(&self) -> &[RelationRule] {
        &self.rules
    }

    /// Every relation `entity`'s spec implies, outgoing and incoming, in rule order.
    pub fn relations_for(&self, entity: &Entity) -> Result<Vec<Relation>, RelationError> {
        let self_ref = entity.entity_ref();
        let spec_type = entity.spec_str("type");
        let mut out = Vec::new();
        for rule in self.rules.iter().filter(|r| r.kind == entity.kind) {
            if rule.spec_type.is_some() && rule.spec_type.as_deref() != spec_type {
                continue;
            }
            let context = RefContext::new(rule.default_kind.as_deref(), Some(entity.namespace()));
            for target in field_refs(entity.spec_field(&rule.field), &rule.field)? {
                let target =
                    EntityRef::parse(target, context).map_err(|source| RelationError::BadRef {
                        field: rule.field.clone(),
                        source,
                    })?;
                out.push(Relation {
                    source: self_ref.clone(),
                    relation_type: rule.forward.clone(),
                    target: target.clone(),
                });
                out.push(Relation {
                    source: target,
                    relation_type: rule.reverse.clone(),
                    target: self_ref.clone(),
                });
            }
        }
        Ok(out)
    }
}

/// The references in a spec field: none for absent/empty, one for a string, each for an array.
fn field_refs<'v>(value: Option<&'v Value>, field: &str) -> Result<Vec<&'v str>, RelationError> {
    let not_a_ref = || RelationError::NotARef {
        field: field.to_owned(),
    };
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if s.is_empty() => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.as_str()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_str().ok_or_else(not_a_ref))
            .collect(),
        Some(_) => Err(not_a_ref()),
    }
}

/// Backstage's built-in relations for one entity (see [`RelationRules::builtin`]).
pub fn builtin_relations(entity: &Entity) -> Result<Vec<Relation>, RelationError> {
    static RULES: std::sync::LazyLock<RelationRules> =
        std::sync::LazyLock::new(RelationRules::builtin);
    RULES.relations_for(entity)
}

/// The `relations` array of the entity `source`, built from every relation known to the catalog:
/// the outgoing ones, deduplicated by type and target, with lowercased `targetRef` and `target`
/// as Backstage's stitcher writes them, sorted by type then target.
pub fn entity_relations<'a>(
    source: &EntityRef,
    all: impl IntoIterator<Item = &'a Relation>,
) -> Vec<EntityRelation> {
    let unique: BTreeSet<(String, String)> = all
        .into_iter()
        .filter(|r| &r.source == source)
        .map(|r| (r.relation_type.clone(), r.target.stringify()))
        .collect();
    unique
        .into_iter()
        .map(|(relation_type, target_ref)| {
            let target = EntityRef::parse_full(&target_ref).ok();
            EntityRelation {
                relation_type,
                target_ref,
                target,
                extra: Default::default(),
            }
        })
        .collect()
}
