//! Reading one registered `url` location and everything it leads to: its YAML documents, the
//! targets of its Location entities (relative ones resolved against the URL they were found in,
//! `presence: optional` honoured), and the placeholders of every entity. Each failure is
//! reported against the location it belongs to and never stops the rest.

use std::collections::HashSet;

use serde::Deserialize;
use serde_json::Value;

use crate::fetch::FetchError;
use crate::placeholder;
use crate::scm::resolve;

/// Where the walk gets bytes from (`wasi:http` in the plugin, a map in tests).
pub trait Source {
    fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError>;
}

/// Walk limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Most fetches (files and placeholders) in one walk.
    pub max_locations: usize,
    /// Deepest chain of Location entities.
    pub max_depth: usize,
}

/// What a walk found: entities as `(location ref, document)`, errors as `(location ref,
/// message)`.
#[derive(Debug, Default)]
pub struct Found {
    pub entities: Vec<(String, Value)>,
    pub errors: Vec<(String, String)>,
}

/// Reads `root` and everything it leads to.
pub fn walk(root: &str, source: &dyn Source, limits: Limits) -> Found {
    let mut walker = Walker {
        source,
        limits,
        budget: limits.max_locations,
        visited: HashSet::new(),
        found: Found::default(),
    };
    walker.visit(root, false, &mut Vec::new());
    walker.found
}

/// The documents of a multi-document YAML (or JSON) source, in order.
pub fn parse_documents(data: &[u8]) -> Result<Vec<Value>, String> {
    let mut docs = Vec::new();
    for (index, doc) in serde_yaml::Deserializer::from_slice(data).enumerate() {
        let value = Value::deserialize(doc).map_err(|e| match index {
            0 => e.to_string(),
            _ => format!("document {}: {e}", index + 1),
        })?;
        docs.push(value);
    }
    Ok(docs)
}

fn location_ref(url: &str) -> String {
    format!("url:{url}")
}

fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `kind:namespace/name` of a document, as far as it has them (for messages).
fn describe(doc: &Value) -> String {
    let get = |p: &str| doc.pointer(p).and_then(Value::as_str);
    format!(
        "{}:{}/{}",
        get("/kind").unwrap_or("?").to_ascii_lowercase(),
        get("/metadata/namespace").unwrap_or("default"),
        get("/metadata/name").unwrap_or("?")
    )
}

struct Walker<'a> {
    source: &'a dyn Source,
    limits: Limits,
    budget: usize,
    visited: HashSet<String>,
    found: Found,
}

impl Walker<'_> {
    fn error(&mut self, url: &str, message: String) {
        self.found.errors.push((location_ref(url), message));
    }

    fn visit(&mut self, url: &str, optional: bool, ancestors: &mut Vec<String>) {
        if ancestors.iter().any(|a| a == url) {
            let chain: Vec<String> = ancestors
                .iter()
                .map(String::as_str)
                .chain([url])
                .map(location_ref)
                .collect();
            self.error(url, format!("Location cycle: {}", chain.join(" -> ")));
            return;
        }
        if !self.visited.insert(url.to_owned()) {
            return; // Already read through another Location.
        }
        if ancestors.len() >= self.limits.max_depth {
            self.error(
                url,
                format!(
                    "Location not read: more than {} levels of Location entities (max_depth)",
                    self.limits.max_depth
                ),
            );
            return;
        }
        if self.budget == 0 {
            self.error(
                url,
                format!(
                    "Location not read: more than {} files in one location (max_locations)",
                    self.limits.max_locations
                ),
            );
            return;
        }
        self.budget -= 1;
        let data = match self.source.fetch(url) {
            Ok(data) => data,
            Err(FetchError::NotFound(_)) if optional => return,
            Err(e) => {
                self.error(url, format!("Unable to read url, {}", e.message()));
                return;
            }
        };
        let docs = match parse_documents(&data) {
            Ok(docs) => docs,
            Err(e) => {
                self.error(url, format!("YAML error at url:{url}, {e}"));
                return;
            }
        };
        for doc in docs {
            match doc {
                Value::Null => {}
                Value::Object(_) => self.emit(url, doc, ancestors),
                other => self.error(
                    url,
                    format!("Expected object at root, got {}", json_type(&other)),
                ),
            }
        }
    }

    fn emit(&mut self, url: &str, doc: Value, ancestors: &mut Vec<String>) {
        let entity = describe(&doc);
        let doc = match placeholder::substitute(doc.clone(), url, self.source, &mut self.budget) {
            Ok(doc) => doc,
            Err(message) => {
                // The document as read, with the failure where Backstage keeps processing
                // errors: the host keeps its last good version, or serves this one with it.
                self.found
                    .entities
                    .push((location_ref(url), with_error(doc, &message)));
                return;
            }
        };
        let targets = if doc.get("kind").and_then(Value::as_str) == Some("Location") {
            location_targets(&doc, url)
        } else {
            Ok((Vec::new(), false))
        };
        self.found.entities.push((location_ref(url), doc));
        match targets {
            Err(message) => self.error(url, format!("Location {entity}: {message}")),
            Ok((targets, optional)) => {
                ancestors.push(url.to_owned());
                for target in targets {
                    match target {
                        Ok(child) => self.visit(&child, optional, ancestors),
                        Err(message) => self.error(url, format!("Location {entity}: {message}")),
                    }
                }
                ancestors.pop();
            }
        }
    }
}

/// `doc` with `message` as a processing error in `status.items` (Backstage's shape).
pub fn with_error(mut doc: Value, message: &str) -> Value {
    if let Value::Object(map) = &mut doc {
        map.insert(
            "status".into(),
            serde_json::json!({"items": [{
                "type": "backstage.io/catalog-processing",
                "level": "error",
                "message": format!("Error: {message}"),
                "error": {"name": "Error", "message": message},
            }]}),
        );
    }
    doc
}

/// The URLs a Location entity points to, and whether they are optional.
#[allow(clippy::type_complexity)]
fn location_targets(doc: &Value, url: &str) -> Result<(Vec<Result<String, String>>, bool), String> {
    let spec = doc.get("spec");
    let field = |name: &str| spec.and_then(|s| s.get(name));
    let spec_type = match field("type") {
        None => "url",
        Some(Value::String(t)) => t.as_str(),
        Some(_) => return Err("spec.type must be a string".into()),
    };
    let optional = match field("presence") {
        None => false,
        Some(Value::String(p)) if p == "required" => false,
        Some(Value::String(p)) if p == "optional" => true,
        Some(_) => return Err("spec.presence must be \"required\" or \"optional\"".into()),
    };
    let mut targets: Vec<&str> = Vec::new();
    match field("target") {
        None => {}
        Some(Value::String(t)) => targets.push(t),
        Some(_) => return Err("spec.target must be a string".into()),
    }
    match field("targets") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                targets.push(item.as_str().ok_or("spec.targets must be strings")?);
            }
        }
        Some(_) => return Err("spec.targets must be an array of strings".into()),
    }
    let resolved = targets
        .into_iter()
        .map(|target| {
            if spec_type != "url" {
                return Err(format!(
                    "target {target} of type `{spec_type}` is not followed: a url location can only lead to url locations"
                ));
            }
            resolve(url, target)
        })
        .collect();
    Ok((resolved, optional))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::collections::HashMap;

    struct Map {
        files: HashMap<String, Result<String, FetchError>>,
        fetched: RefCell<Vec<String>>,
    }

    impl Map {
        fn new(files: &[(&str, &str)]) -> Self {
            Map {
                files: files
                    .iter()
                    .map(|(k, v)| (k.to_string(), Ok(v.to_string())))
                    .collect(),
                fetched: RefCell::new(Vec::new()),
            }
        }
    }

    impl Source for Map {
        fn fetch(&self, url: &str) -> Result<Vec<u8>, FetchError> {
            self.fetched.borrow_mut().push(url.to_owned());
            match self.files.get(url) {
                Some(Ok(text)) => Ok(text.clone().into_bytes()),
                Some(Err(e)) => Err(e.clone()),
                None => Err(FetchError::NotFound(format!(
                    "could not read {url}, {url} answered 404"
                ))),
            }
        }
    }

    const LIMITS: Limits = Limits {
        max_locations: 100,
        max_depth: 8,
    };

    fn names(found: &Found) -> Vec<(String, String)> {
        found
            .entities
            .iter()
            .map(|(loc, doc)| {
                (
                    loc.clone(),
                    doc["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    #[test]
    fn follows_relative_targets_and_substitutes_placeholders() {
        let source = Map::new(&[
            (
                "http://h/c/all.yaml",
                "kind: Location\nmetadata: {name: all}\nspec:\n  targets: [./a.yaml, ../b/b.yaml]\n",
            ),
            (
                "http://h/c/a.yaml",
                "kind: API\nmetadata: {name: a}\nspec:\n  definition: {$text: ./a.oas.yaml}\n  j: {$json: /x.json}\n  y: {$yaml: ./y.yaml}\n  schema: {$ref: '#/x'}\n",
            ),
            ("http://h/c/a.oas.yaml", "openapi: 3.0.0\n"),
            ("http://h/x.json", "{\"n\": 1}"),
            ("http://h/c/y.yaml", "k: v\n"),
            (
                "http://h/b/b.yaml",
                "kind: Component\nmetadata: {name: b}\n---\nkind: Group\nmetadata: {name: g}\n",
            ),
        ]);
        let found = walk("http://h/c/all.yaml", &source, LIMITS);
        assert_eq!(found.errors, vec![]);
        assert_eq!(
            names(&found),
            vec![
                ("url:http://h/c/all.yaml".into(), "all".into()),
                ("url:http://h/c/a.yaml".into(), "a".into()),
                ("url:http://h/b/b.yaml".into(), "b".into()),
                ("url:http://h/b/b.yaml".into(), "g".into()),
            ]
        );
        let api = &found.entities[1].1["spec"];
        assert_eq!(api["definition"], "openapi: 3.0.0\n");
        assert_eq!(api["j"], serde_json::json!({"n": 1}));
        assert_eq!(api["y"], serde_json::json!({"k": "v"}));
        assert_eq!(api["schema"], serde_json::json!({"$ref": "#/x"}));
    }

    #[test]
    fn optional_targets_may_be_missing_required_ones_may_not() {
        let source = Map::new(&[(
            "http://h/o.yaml",
            "kind: Location\nmetadata: {name: o}\nspec: {presence: optional, targets: [gone.yaml]}\n---\nkind: Location\nmetadata: {name: r}\nspec: {target: gone-too.yaml}\n",
        )]);
        let found = walk("http://h/o.yaml", &source, LIMITS);
        assert_eq!(found.entities.len(), 2);
        assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
        assert_eq!(found.errors[0].0, "url:http://h/gone-too.yaml");
        assert!(
            found.errors[0].1.starts_with(
                "Unable to read url, NotFoundError: could not read http://h/gone-too.yaml"
            ),
            "{}",
            found.errors[0].1
        );
    }

    #[test]
    fn errors_stay_with_their_location_and_the_rest_is_read() {
        let mut source = Map::new(&[
            (
                "http://h/root.yaml",
                "kind: Location\nmetadata: {name: root}\nspec: {targets: [bad.yaml, list.yaml, broken.yaml, ph.yaml, file.yaml, ok.yaml]}\n",
            ),
            ("http://h/bad.yaml", "kind: [unclosed\n"),
            ("http://h/list.yaml", "- 1\n- 2\n"),
            (
                "http://h/ph.yaml",
                "kind: API\nmetadata: {name: p}\nspec: {definition: {$text: missing.txt}}\n",
            ),
            (
                "http://h/file.yaml",
                "kind: Location\nmetadata: {name: f}\nspec: {type: file, target: /etc/passwd}\n",
            ),
            (
                "http://h/ok.yaml",
                "kind: Component\nmetadata: {name: ok}\n",
            ),
        ]);
        source.files.insert(
            "http://h/broken.yaml".into(),
            Err(FetchError::Failed(
                "could not read http://h/broken.yaml, http://h/broken.yaml answered 500".into(),
            )),
        );
        let found = walk("http://h/root.yaml", &source, LIMITS);
        let entity_names: Vec<_> = names(&found).into_iter().map(|(_, n)| n).collect();
        assert_eq!(entity_names, vec!["root", "p", "f", "ok"]);
        let p = &found.entities[1].1;
        assert_eq!(
            p["spec"]["definition"],
            serde_json::json!({"$text": "missing.txt"})
        );
        let failure = p["status"]["items"][0]["error"]["message"]
            .as_str()
            .unwrap();
        assert!(
            failure.starts_with(
                "Placeholder $text could not read location missing.txt, NotFoundError"
            ),
            "{failure}"
        );
        let errors: HashMap<_, _> = found.errors.iter().cloned().collect();
        assert!(errors["url:http://h/bad.yaml"].starts_with("YAML error at url:http://h/bad.yaml"));
        assert_eq!(
            errors["url:http://h/list.yaml"],
            "Expected object at root, got array"
        );
        assert!(errors["url:http://h/broken.yaml"].contains("answered 500"));
        assert!(!errors.contains_key("url:http://h/ph.yaml"));
        assert!(errors["url:http://h/file.yaml"].contains("is not followed"));
        assert!(!source.fetched.borrow().iter().any(|u| u.contains("passwd")));
    }

    #[test]
    fn cycles_and_limits_are_reported() {
        let source = Map::new(&[
            (
                "http://h/a.yaml",
                "kind: Location\nmetadata: {name: a}\nspec: {target: b.yaml}\n",
            ),
            (
                "http://h/b.yaml",
                "kind: Location\nmetadata: {name: b}\nspec: {target: a.yaml}\n",
            ),
        ]);
        let found = walk("http://h/a.yaml", &source, LIMITS);
        assert_eq!(found.errors.len(), 1);
        assert!(found.errors[0].1.starts_with(
            "Location cycle: url:http://h/a.yaml -> url:http://h/b.yaml -> url:http://h/a.yaml"
        ));

        let chain: Vec<(String, String)> = (0..10)
            .map(|i| {
                (
                    format!("http://h/{i}.yaml"),
                    format!(
                        "kind: Location\nmetadata: {{name: l{i}}}\nspec: {{target: {}.yaml}}\n",
                        i + 1
                    ),
                )
            })
            .collect();
        let refs: Vec<(&str, &str)> = chain
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let source = Map::new(&refs);
        let found = walk(
            "http://h/0.yaml",
            &source,
            Limits {
                max_locations: 100,
                max_depth: 3,
            },
        );
        assert_eq!(found.entities.len(), 3);
        assert!(found.errors[0].1.contains("max_depth"));
        let found = walk(
            "http://h/0.yaml",
            &source,
            Limits {
                max_locations: 2,
                max_depth: 30,
            },
        );
        assert_eq!(found.entities.len(), 2);
        assert!(found.errors[0].1.contains("max_locations"));
        assert_eq!(source.fetched.borrow().len(), 3 + 2);
    }
}
