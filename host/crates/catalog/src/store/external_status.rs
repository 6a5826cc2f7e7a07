//! External entity status (Backstage's `entity_status` table): what other systems (CI, alerting,
//! scanners) report about an entity, one JSON object per named source, kept beside the entity.
//!
//! Each entity's sources live in its [`super::EntityRecord`] (`externalStatus`), so writing one
//! is the same single-key batch as any entity change, and deleting the entity deletes them. This
//! module owns what may be stored: the source name and payload rules and the size limits.
//! Merging them into the served `status` is stitching's job ([`crate::processing::external_status`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Longest source name (Backstage's limit).
pub const MAX_SOURCE_LENGTH: usize = 128;
/// Largest status payload of one source, serialized (Backstage's 64 KiB).
pub const MAX_STATUS_BYTES: usize = 64 * 1024;
/// Most sources one entity may have: every served copy of the entity carries all of them, so an
/// unbounded set would make every read of it slower.
pub const MAX_SOURCES_PER_ENTITY: usize = 64;
/// Deepest nesting of a payload (objects and arrays): far beyond any real status, and shallow
/// enough that walking and serializing it can never exhaust a thread's stack.
pub const MAX_STATUS_DEPTH: usize = 32;
/// Keys of `status` the catalog itself writes: neither a source nor a payload may use them.
pub const RESERVED_KEYS: &[&str] = &["items"];

/// The status one source reported for an entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalStatus {
    /// The payload, merged into the served entity as `status.<source>`.
    pub status: Map<String, Value>,
    /// When it was written (RFC 3339).
    pub updated_at: String,
}

/// An entity's external status by source name (sorted, so serialization is stable).
pub type ExternalStatuses = BTreeMap<String, ExternalStatus>;

/// Checks a source name: 1–128 characters of `A-Za-z0-9._-`, not a reserved key.
pub fn validate_source(source: &str) -> Result<(), String> {
    if source.is_empty() {
        return Err("source must not be empty".into());
    }
    if source.len() > MAX_SOURCE_LENGTH {
        return Err(format!(
            "source must be at most {MAX_SOURCE_LENGTH} characters, got {}",
            source.chars().count()
        ));
    }
    if let Some(bad) = source
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
    {
        return Err(format!(
            "source {:?} may only contain letters, digits, '.', '-' and '_' (found {bad:?})",
            truncated(source)
        ));
    }
    if RESERVED_KEYS.contains(&source) {
        return Err(format!(
            "source {source:?} is reserved for the catalog's own status"
        ));
    }
    Ok(())
}

/// Checks a status payload and returns it as an object: a JSON object of at most
/// [`MAX_STATUS_BYTES`] serialized, without reserved top-level keys, and without
/// `javascript:`/`vbscript:` URLs anywhere (the portal renders status values as links).
pub fn validate_status(status: &Value) -> Result<Map<String, Value>, String> {
    let Value::Object(map) = status else {
        return Err(format!(
            "status must be a JSON object, got {}",
            type_name(status)
        ));
    };
    if depth(status) > MAX_STATUS_DEPTH {
        return Err(format!(
            "status is nested more than {MAX_STATUS_DEPTH} levels deep"
        ));
    }
    if let Some(key) = RESERVED_KEYS.iter().find(|k| map.contains_key(**k)) {
        return Err(format!(
            "status must not contain the reserved key {key:?} (the catalog's processing status)"
        ));
    }
    let size = serde_json::to_vec(status).map_or(usize::MAX, |b| b.len());
    if size > MAX_STATUS_BYTES {
        return Err(format!(
            "status payload too large ({size} bytes, at most {MAX_STATUS_BYTES})"
        ));
    }
    if let Some(path) = script_url(status, &mut String::from("status")) {
        return Err(format!(
            "{path} holds a script URL (javascript:/vbscript:), which is not accepted"
        ));
    }
    Ok(map.clone())
}

/// How deeply arrays and objects nest in `value` (1 for a flat object), without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut todo = vec![(value, 1)];
    while let Some((value, level)) = todo.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match value {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(level);
        todo.extend(children.map(|child| (child, level + 1)));
    }
    deepest
}

/// The path of the first string under `value` that a browser would run as a script URL.
fn script_url(value: &Value, path: &mut String) -> Option<String> {
    match value {
        Value::String(s) if is_script_url(s) => Some(path.clone()),
        Value::Array(items) => items.iter().enumerate().find_map(|(i, v)| {
            let len = path.len();
            path.push_str(&format!("[{i}]"));
            let found = script_url(v, path);
            path.truncate(len);
            found
        }),
        Value::Object(map) => map.iter().find_map(|(k, v)| {
            let len = path.len();
            path.push('.');
            path.push_str(&truncated(k));
            let found = script_url(v, path);
            path.truncate(len);
            found
        }),
        _ => None,
    }
}

/// Whether a string starts like a `javascript:` or `vbscript:` URL as browsers read one:
/// leading spaces/control characters skipped, tabs and newlines inside the scheme ignored,
/// any case (the same trick Backstage's annotation sanitizer guards against).
fn is_script_url(s: &str) -> bool {
    let scheme: String = s
        .trim_start_matches(|c: char| c <= ' ' || c == '-')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .take(11)
        .collect::<String>()
        .to_ascii_lowercase();
    scheme.starts_with("javascript:") || scheme.starts_with("vbscript:")
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// At most 64 characters of `s`, for error messages about hostile input.
fn truncated(s: &str) -> String {
    if s.chars().count() <= 64 {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(64).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sources_follow_backstages_rules() {
        for good in ["ci", "github-actions", "pager.duty_2", &"a".repeat(128)] {
            assert_eq!(validate_source(good), Ok(()), "{good}");
        }
        assert!(validate_source("").unwrap_err().contains("empty"));
        assert!(
            validate_source(&"a".repeat(129))
                .unwrap_err()
                .contains("at most 128")
        );
        assert!(validate_source("a b").unwrap_err().contains("' '"));
        assert!(validate_source("ci/cd").unwrap_err().contains("'/'"));
        assert!(validate_source("naïve").is_err());
        assert!(validate_source("items").unwrap_err().contains("reserved"));
    }

    #[test]
    fn payloads_are_objects_of_bounded_size_without_reserved_keys() {
        assert_eq!(
            validate_status(&json!({"build": "ok"})).unwrap()["build"],
            "ok"
        );
        assert!(
            validate_status(&json!([1]))
                .unwrap_err()
                .contains("an array")
        );
        assert!(
            validate_status(&json!("x"))
                .unwrap_err()
                .contains("a string")
        );
        assert!(
            validate_status(&json!({"items": []}))
                .unwrap_err()
                .contains("reserved")
        );
        let nested = |levels: usize| {
            let mut value = json!({});
            for _ in 1..levels {
                value = json!({ "a": value });
            }
            value
        };
        assert!(validate_status(&nested(MAX_STATUS_DEPTH)).is_ok());
        let err = validate_status(&nested(MAX_STATUS_DEPTH + 1)).unwrap_err();
        assert!(err.contains("nested more than 32"), "{err}");
        assert!(validate_status(&nested(1_000)).is_err());
        let big = json!({"log": "x".repeat(MAX_STATUS_BYTES)});
        assert!(validate_status(&big).unwrap_err().contains("too large"));
    }

    #[test]
    fn script_urls_are_refused_wherever_they_hide() {
        for hostile in [
            "javascript:alert(1)",
            "  JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "\u{1}vbscript:msgbox",
            "-javascript:x",
        ] {
            let err = validate_status(&json!({"links": [{"url": hostile}]})).unwrap_err();
            assert!(err.contains("status.links[0].url"), "{hostile}: {err}");
        }
        assert!(validate_status(&json!({"url": "https://ci.example.com/javascript:"})).is_ok());
        assert!(validate_status(&json!({"note": "see javascript: docs"})).is_ok());
    }
}
