//! The search postings of an entity: every scalar leaf path with its value, as Backstage's
//! `buildEntitySearch` derives its `search` rows, so any `filter=a.b.c=value` is an index read.
//!
//! Rules kept from Backstage: keys and values are lowercased; arrays are descended into and each
//! string item also yields `<path>.<item>` = `true` (so `metadata.tags.java` works); `relations`,
//! `status`, `metadata.uid/etag/name/namespace` are skipped in the walk and `metadata.name`,
//! `metadata.namespace`, `metadata.uid` and `relations.<type>` = target ref added explicitly;
//! keys over 200 characters are dropped and values over 200 characters become `null`.

use std::collections::BTreeSet;

use serde_json::Value;

/// Longest indexed key (Backstage's `MAX_KEY_LENGTH`).
pub const MAX_KEY_LENGTH: usize = 200;
/// Longest indexed value (Backstage's `MAX_VALUE_LENGTH`); longer ones are indexed as `null`.
pub const MAX_VALUE_LENGTH: usize = 200;

const SPECIAL_KEYS: &[&str] = &[
    "attachments",
    "relations",
    "status",
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "metadata.etag",
];

/// One posting: lowercased key, lowercased value (`None` for null), and the value as written.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Posting {
    /// The field path, lowercased.
    pub key: String,
    /// The value, lowercased; `None` for null or over-long values.
    pub value: Option<String>,
    /// The value as written (empty for null).
    pub original: String,
}

/// Every posting of a stored entity, deduplicated by (key, value).
pub fn postings(entity: &Value) -> BTreeSet<Posting> {
    let mut raw: Vec<(String, Option<String>)> = Vec::with_capacity(48);
    visit(String::new(), entity, &mut raw);
    let meta = entity.get("metadata");
    let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_owned);
    raw.push((
        "metadata.name".into(),
        text(meta.and_then(|m| m.get("name"))),
    ));
    let namespace = text(meta.and_then(|m| m.get("namespace")));
    if namespace.as_deref().is_none_or(str::is_empty) {
        raw.push((
            "metadata.namespace".into(),
            Some(crate::entity::DEFAULT_NAMESPACE.into()),
        ));
    } else {
        raw.push(("metadata.namespace".into(), namespace));
    }
    raw.push(("metadata.uid".into(), text(meta.and_then(|m| m.get("uid")))));
    push_relations(entity, &mut raw);
    normalize(raw)
}

/// The `relations.<type>` postings of an entity: all that differs between two versions of an
/// entity that only a re-stitch changed (the etag is not indexed).
pub fn relation_postings(entity: &Value) -> BTreeSet<Posting> {
    let mut raw = Vec::new();
    push_relations(entity, &mut raw);
    normalize(raw)
}

fn push_relations(entity: &Value, raw: &mut Vec<(String, Option<String>)>) {
    if let Some(Value::Array(relations)) = entity.get("relations") {
        for relation in relations {
            if let (Some(t), Some(target)) = (
                relation.get("type").and_then(Value::as_str),
                relation.get("targetRef").and_then(Value::as_str),
            ) {
                raw.push((format!("relations.{t}"), Some(target.to_owned())));
            }
        }
    }
}

/// Lowercased, length-checked postings, deduplicated.
fn normalize(raw: Vec<(String, Option<String>)>) -> BTreeSet<Posting> {
    raw.into_iter()
        .filter_map(|(key, value)| {
            let key = key.to_lowercase();
            if key.len() > MAX_KEY_LENGTH || !super::keys::clean(&key) {
                return None;
            }
            let (value, original) = match value {
                Some(v) if v.chars().count() <= MAX_VALUE_LENGTH && super::keys::clean(&v) => {
                    (Some(v.to_lowercase()), v)
                }
                _ => (None, String::new()),
            };
            Some(Posting {
                key,
                value,
                original,
            })
        })
        .collect()
}

fn visit(path: String, current: &Value, out: &mut Vec<(String, Option<String>)>) {
    if SPECIAL_KEYS.contains(&path.as_str()) {
        return;
    }
    match current {
        Value::Null => out.push((path, None)),
        Value::Bool(b) => out.push((path, Some(b.to_string()))),
        Value::Number(n) => out.push((path, Some(n.to_string()))),
        Value::String(s) => out.push((path, Some(s.clone()))),
        Value::Array(items) => {
            for item in items {
                visit(path.clone(), item, out);
                if let Value::String(s) = item {
                    out.push((format!("{path}.{s}"), Some("true".into())));
                }
            }
        }
        Value::Object(map) => {
            for (key, value) in map {
                let child = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                visit(child, value, out);
            }
        }
    }
}
