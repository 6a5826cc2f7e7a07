//! A repository's catalog file: YAML documents (one or several, `---`-separated) turned into
//! entity descriptors with the annotations Backstage puts on entities read from a URL.

use serde::Deserialize;
use serde_json::{Map, Value};

/// Where a file lives on GitHub, for locations and annotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileLocation {
    /// `https://github.com`.
    pub web: String,
    /// `owner/repo`.
    pub slug: String,
    pub branch: String,
    /// Path inside the repository, e.g. `catalog-info.yaml`.
    pub path: String,
}

impl FileLocation {
    /// `https://github.com/ORG/REPO/blob/BRANCH/catalog-info.yaml`.
    pub fn blob_url(&self) -> String {
        format!(
            "{}/{}/blob/{}/{}",
            self.web, self.slug, self.branch, self.path
        )
    }

    /// `url:<blob url>`, the value of `backstage.io/managed-by-location`.
    pub fn location(&self) -> String {
        format!("url:{}", self.blob_url())
    }

    fn edit_url(&self) -> String {
        format!(
            "{}/{}/edit/{}/{}",
            self.web, self.slug, self.branch, self.path
        )
    }

    /// `url:https://github.com/ORG/REPO/tree/BRANCH/<dir of the file>/`.
    fn source_location(&self) -> String {
        let dir = match self.path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/"),
            None => String::new(),
        };
        format!("url:{}/{}/tree/{}/{dir}", self.web, self.slug, self.branch)
    }
}

/// The entities of a catalog file, as JSON descriptors; a file that does not parse, or a
/// document that is not an entity, is an error naming the document and the problem.
pub fn parse(text: &str, at: &FileLocation) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for (index, document) in serde_yaml::Deserializer::from_str(text).enumerate() {
        let value = Value::deserialize(document).map_err(|e| {
            let place = e
                .location()
                .map(|l| format!(" at line {}, column {}", l.line(), l.column()))
                .unwrap_or_default();
            format!("{} is not valid YAML{place}: {e}", at.path)
        })?;
        let mut entity = match value {
            Value::Null => continue, // an empty document (e.g. a trailing `---`)
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "document {} of {} is not an entity (a mapping with apiVersion, kind and \
                     metadata) but {}",
                    index + 1,
                    at.path,
                    kind_of(&other)
                ));
            }
        };
        for field in ["apiVersion", "kind"] {
            if !entity.get(field).is_some_and(Value::is_string) {
                return Err(format!(
                    "document {} of {} has no `{field}` string",
                    index + 1,
                    at.path
                ));
            }
        }
        if !entity
            .get("metadata")
            .and_then(|m| m.get("name"))
            .is_some_and(Value::is_string)
        {
            return Err(format!(
                "document {} of {} has no `metadata.name`",
                index + 1,
                at.path
            ));
        }
        annotate(&mut entity, at);
        out.push(Value::Object(entity).to_string());
    }
    Ok(out)
}

/// Backstage's location annotations (always set), plus links and the repository slug unless
/// the file sets them itself.
fn annotate(entity: &mut Map<String, Value>, at: &FileLocation) {
    let Some(metadata) = entity.get_mut("metadata").and_then(Value::as_object_mut) else {
        return;
    };
    let annotations = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    if !annotations.is_object() {
        *annotations = Value::Object(Map::new());
    }
    let Some(annotations) = annotations.as_object_mut() else {
        return;
    };
    let location = at.location();
    for key in [
        "backstage.io/managed-by-location",
        "backstage.io/managed-by-origin-location",
    ] {
        annotations.insert(key.into(), Value::String(location.clone()));
    }
    for (key, value) in [
        ("backstage.io/view-url", at.blob_url()),
        ("backstage.io/edit-url", at.edit_url()),
        ("backstage.io/source-location", at.source_location()),
        ("github.com/project-slug", at.slug.clone()),
    ] {
        annotations.entry(key).or_insert(Value::String(value));
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "empty",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(path: &str) -> FileLocation {
        FileLocation {
            web: "https://github.com".into(),
            slug: "acme/payments".into(),
            branch: "main".into(),
            path: path.into(),
        }
    }

    #[test]
    fn documents_become_annotated_entities() {
        let text = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: payments\n  annotations:\n    github.com/project-slug: acme/other\nspec:\n  type: service\n---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\n---\n";
        let found = parse(text, &at("catalog-info.yaml")).unwrap();
        assert_eq!(found.len(), 2);
        let c: Value = serde_json::from_str(&found[0]).unwrap();
        let a = &c["metadata"]["annotations"];
        assert_eq!(
            a["backstage.io/managed-by-location"],
            "url:https://github.com/acme/payments/blob/main/catalog-info.yaml"
        );
        assert_eq!(
            a["backstage.io/managed-by-origin-location"],
            a["backstage.io/managed-by-location"]
        );
        assert_eq!(
            a["github.com/project-slug"], "acme/other",
            "kept as written"
        );
        assert_eq!(
            a["backstage.io/source-location"],
            "url:https://github.com/acme/payments/tree/main/"
        );
        let api: Value = serde_json::from_str(&found[1]).unwrap();
        assert_eq!(
            api["metadata"]["annotations"]["github.com/project-slug"],
            "acme/payments"
        );
        let nested = at(".backstage/catalog.yaml");
        assert_eq!(
            nested.source_location(),
            "url:https://github.com/acme/payments/tree/main/.backstage/"
        );
    }

    #[test]
    fn problems_name_the_document() {
        let e = parse("kind: [unclosed", &at("catalog-info.yaml")).unwrap_err();
        assert!(e.contains("not valid YAML at line"), "{e}");
        let e = parse("- a\n- b\n", &at("catalog-info.yaml")).unwrap_err();
        assert!(e.contains("document 1") && e.contains("a list"), "{e}");
        let e = parse(
            "apiVersion: v1\nkind: Component\nmetadata: {}\n",
            &at("c.yaml"),
        )
        .unwrap_err();
        assert!(e.contains("metadata.name"), "{e}");
    }
}
