//! Catalog entities: the descriptor JSON parsed into a struct with easy access to metadata,
//! annotations, labels, tags and `spec` fields.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

pub use crate::bindings::portico::plugin::types::{Entity, EntityRef};
use crate::error::{PluginError, Result};

impl Entity {
    /// Parses the entity's descriptor JSON (`apiVersion`, `kind`, `metadata`, `spec`, ...).
    pub fn parse(&self) -> Result<Descriptor> {
        Descriptor::parse(&self.descriptor)
            .map_err(|e| e.context(format_args!("entity {}", self.ref_)))
    }
}

impl core::fmt::Display for EntityRef {
    /// `kind:namespace/name`, as Backstage writes references.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}:{}/{}", self.kind, self.namespace, self.name)
    }
}

/// An entity in Backstage's descriptor shape. Unknown fields are kept in `metadata.extra`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Descriptor {
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub metadata: Metadata,
    /// The kind-specific `spec` object (`Value::Null` when absent).
    #[serde(default)]
    pub spec: Value,
    #[serde(default)]
    pub relations: Vec<Relation>,
    #[serde(default)]
    pub status: Option<Value>,
}

/// `metadata` of an entity.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub links: Vec<EntityLink>,
    /// Any other metadata field.
    #[serde(flatten)]
    pub extra: BTreeMap<String, Value>,
}

/// One of `metadata.links`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntityLink {
    pub url: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub icon: Option<String>,
    #[serde(default, rename = "type")]
    pub link_type: Option<String>,
}

/// One of `relations` (`ownedBy`, `partOf`, `dependsOn`, ...).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Relation {
    #[serde(rename = "type")]
    pub relation_type: String,
    pub target_ref: String,
}

impl Descriptor {
    /// Parses descriptor JSON text; a malformed descriptor is `invalid-input`.
    pub fn parse(json: &str) -> Result<Self> {
        serde_json::from_str(json)
            .map_err(|e| PluginError::invalid_input(format!("malformed entity descriptor: {e}")))
    }

    /// `metadata.name`.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }

    /// `metadata.namespace`, `default` when absent.
    pub fn namespace(&self) -> &str {
        self.metadata.namespace.as_deref().unwrap_or("default")
    }

    /// `metadata.title`, or the name.
    pub fn title(&self) -> &str {
        self.metadata
            .title
            .as_deref()
            .unwrap_or(&self.metadata.name)
    }

    /// `metadata.description`, if set and not blank.
    pub fn description(&self) -> Option<&str> {
        non_blank(self.metadata.description.as_deref())
    }

    /// `metadata.annotations[key]`, if set and not blank.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        non_blank(self.metadata.annotations.get(key).map(String::as_str))
    }

    /// `metadata.labels[key]`, if set and not blank.
    pub fn label(&self, key: &str) -> Option<&str> {
        non_blank(self.metadata.labels.get(key).map(String::as_str))
    }

    /// Whether `metadata.tags` contains `tag`.
    pub fn has_tag(&self, tag: &str) -> bool {
        self.metadata.tags.iter().any(|t| t == tag)
    }

    /// A `spec` value by dotted path (`"owner"`, `"profile.email"`).
    pub fn spec(&self, path: &str) -> Option<&Value> {
        path.split('.')
            .try_fold(&self.spec, |value, key| value.as_object()?.get(key))
    }

    /// A `spec` string by dotted path, if set and not blank.
    pub fn spec_str(&self, path: &str) -> Option<&str> {
        non_blank(self.spec(path)?.as_str())
    }

    /// `spec.owner`.
    pub fn owner(&self) -> Option<&str> {
        self.spec_str("owner")
    }

    /// `spec.lifecycle`.
    pub fn lifecycle(&self) -> Option<&str> {
        self.spec_str("lifecycle")
    }

    /// `spec.type`.
    pub fn spec_type(&self) -> Option<&str> {
        self.spec_str("type")
    }

    /// `spec.system`.
    pub fn system(&self) -> Option<&str> {
        self.spec_str("system")
    }

    /// Target refs of the relations of `relation_type` (`ownedBy`, `dependsOn`, ...).
    pub fn related<'a>(&'a self, relation_type: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.relations
            .iter()
            .filter(move |r| r.relation_type == relation_type)
            .map(|r| r.target_ref.as_str())
    }
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.filter(|s| !s.trim().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r#"{
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": "payments",
            "description": "Takes money",
            "annotations": {"github.com/project-slug": "acme/payments", "blank": " "},
            "labels": {"tier": "1"},
            "tags": ["java", "payments"],
            "links": [{"url": "https://runbook", "title": "Runbook", "type": "runbook"}],
            "customField": 3
        },
        "spec": {"type": "service", "owner": "team-a", "lifecycle": "production",
                 "profile": {"email": "a@b.c"}},
        "relations": [{"type": "ownedBy", "targetRef": "group:default/team-a"}]
    }"#;

    #[test]
    fn parses_backstage_descriptor() {
        let d = Descriptor::parse(DOC).unwrap();
        assert_eq!(d.kind, "Component");
        assert_eq!(d.name(), "payments");
        assert_eq!(d.namespace(), "default");
        assert_eq!(d.title(), "payments");
        assert_eq!(d.description(), Some("Takes money"));
        assert_eq!(
            d.annotation("github.com/project-slug"),
            Some("acme/payments")
        );
        assert_eq!(d.annotation("blank"), None);
        assert_eq!(d.annotation("missing"), None);
        assert_eq!(d.label("tier"), Some("1"));
        assert!(d.has_tag("java") && !d.has_tag("go"));
        assert_eq!(d.owner(), Some("team-a"));
        assert_eq!(d.lifecycle(), Some("production"));
        assert_eq!(d.spec_type(), Some("service"));
        assert_eq!(d.spec_str("profile.email"), Some("a@b.c"));
        assert_eq!(d.spec_str("profile.missing.deeper"), None);
        assert_eq!(d.metadata.links[0].link_type.as_deref(), Some("runbook"));
        assert_eq!(d.metadata.extra["customField"], 3);
        assert_eq!(
            d.related("ownedBy").collect::<Vec<_>>(),
            ["group:default/team-a"]
        );
    }

    #[test]
    fn minimal_and_malformed_descriptors() {
        let d = Descriptor::parse(r#"{"kind":"Group","metadata":{"name":"x"}}"#).unwrap();
        assert_eq!(d.owner(), None);
        assert!(d.spec.is_null());
        let e = Descriptor::parse("{not json").unwrap_err();
        assert_eq!(e.kind, crate::error::ErrorKind::InvalidInput);
    }

    #[test]
    fn entity_parse_names_the_entity_on_error() {
        let entity = Entity {
            ref_: EntityRef {
                kind: "component".into(),
                namespace: "default".into(),
                name: "x".into(),
            },
            descriptor: "[".into(),
        };
        let e = entity.parse().unwrap_err();
        assert!(
            e.message.starts_with("entity component:default/x: "),
            "{}",
            e.message
        );
    }
}
