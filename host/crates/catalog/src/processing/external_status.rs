//! Stitching of external status (Backstage's built-in status merger): each source's payload is
//! served as `status.<source>` beside the processing errors in `status.items`, and is part of
//! the entity's etag. Used by [`super::build`] for every entity the engine writes, and by
//! [`stitched`] when only the external status changed.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::store::EntityRecord;
use crate::store::external_status::ExternalStatuses;

/// `metadata.etag`: a digest of everything stitching adds to the processed entity (its content
/// hash, relations, processing errors, orphan state and external status).
pub fn etag(
    hash: &str,
    relations: &[Value],
    items: &[Value],
    orphan: bool,
    external: &ExternalStatuses,
) -> String {
    let mut hasher = Sha256::new();
    hasher.update(hash.as_bytes());
    hasher.update(serde_json::to_vec(&(relations, items, orphan)).unwrap_or_default());
    // Only entities with external status hash it, so every other etag stays as it was.
    if !external.is_empty() {
        let payloads: Vec<(&String, &Map<String, Value>)> =
            external.iter().map(|(s, e)| (s, &e.status)).collect();
        hasher.update(b"\0external-status\0");
        hasher.update(serde_json::to_vec(&payloads).unwrap_or_default());
    }
    let mut e = hex::encode(hasher.finalize());
    e.truncate(40);
    e
}

/// Sets the entity's `status`: `items` (if any) and one key per external source; removes
/// `status` when there is neither.
pub fn set_status(root: &mut Map<String, Value>, items: Vec<Value>, external: &ExternalStatuses) {
    if items.is_empty() && external.is_empty() {
        root.remove("status");
        return;
    }
    let mut status = Map::new();
    if !items.is_empty() {
        status.insert("items".into(), Value::Array(items));
    }
    for (source, reported) in external {
        status.insert(source.clone(), Value::Object(reported.status.clone()));
    }
    root.insert("status".into(), Value::Object(status));
}

/// The served entity stitched again with the record's external status (new `status` and
/// `metadata.etag`), or `None` if that changes nothing.
pub fn stitched(record: &EntityRecord, served: &Value) -> Option<Value> {
    let relations = served
        .get("relations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let items: Vec<Value> = served
        .pointer("/status/items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let etag = etag(
        &record.source_hash,
        relations,
        &items,
        record.producer.is_none(),
        &record.external_status,
    );
    let mut value = served.clone();
    let Value::Object(root) = &mut value else {
        return None;
    };
    set_status(root, items, &record.external_status);
    if let Some(Value::Object(meta)) = root.get_mut("metadata") {
        meta.insert("etag".into(), Value::String(etag));
    }
    (value != *served).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::external_status::ExternalStatus;
    use serde_json::json;

    fn record(external: &[(&str, Value)]) -> EntityRecord {
        EntityRecord {
            uid: "u".into(),
            entity_ref: "component:default/x".into(),
            producer: Some("location:l".into()),
            parents: Vec::new(),
            source_location: None,
            source_hash: "h".into(),
            emits: Vec::new(),
            revision: 1,
            good: true,
            served_in_history: false,
            external_status: external
                .iter()
                .map(|(s, v)| {
                    let status = v.as_object().unwrap().clone();
                    let updated_at = "2026-01-01T00:00:00Z".into();
                    (s.to_string(), ExternalStatus { status, updated_at })
                })
                .collect(),
        }
    }

    fn served(items: Value) -> Value {
        let mut value = json!({
            "kind": "Component",
            "metadata": {"name": "x", "uid": "u"},
            "relations": [{"type": "ownedBy", "targetRef": "group:default/g"}],
        });
        let root = value.as_object_mut().unwrap();
        let items = items.as_array().unwrap().clone();
        let e = etag(
            "h",
            &[json!({"type": "ownedBy", "targetRef": "group:default/g"})],
            &items,
            false,
            &ExternalStatuses::new(),
        );
        root["metadata"]["etag"] = e.into();
        set_status(root, items, &ExternalStatuses::new());
        value
    }

    #[test]
    fn sources_are_merged_beside_the_processing_items() {
        let error = json!({"type": "backstage.io/catalog-processing", "level": "error"});
        let before = served(json!([error.clone()]));
        let record = record(&[
            ("ci", json!({"build": "ok"})),
            ("alerts", json!({"open": 2})),
        ]);
        let after = stitched(&record, &before).unwrap();
        assert_eq!(
            after["status"],
            json!({"items": [error], "ci": {"build": "ok"}, "alerts": {"open": 2}})
        );
        assert_ne!(after["metadata"]["etag"], before["metadata"]["etag"]);
        assert_eq!(after["relations"], before["relations"]);
    }

    #[test]
    fn nothing_to_stitch_without_a_change_and_no_status_without_sources() {
        let before = served(json!([]));
        assert!(before.get("status").is_none());
        assert_eq!(stitched(&record(&[]), &before), None);
        let with = stitched(&record(&[("ci", json!({}))]), &before).unwrap();
        assert_eq!(with["status"], json!({"ci": {}}));
        assert_eq!(stitched(&record(&[("ci", json!({}))]), &with), None);
        // Removing the last source restores the entity (and etag) as processing served it.
        assert_eq!(stitched(&record(&[]), &with), Some(before));
    }
}
