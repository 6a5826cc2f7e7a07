//! Identity and change detection: `metadata.uid` (a time-ordered UUID v7; see [`new_uid`]),
//! `metadata.etag` (an opaque string that changes with the content) and a stable content hash.
//!
//! The content hash is SHA-256 over a canonical JSON form (object keys sorted, no whitespace), so
//! it does not depend on key order in the source or on serde_json's map implementation. Storage
//! uses it to skip entities whose content did not change since the last refresh.

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::entity::Entity;

/// A fresh `metadata.uid`: a UUID v7 (RFC 9562) in its hyphenated lowercase form. Backstage
/// generates v4 and treats uids as opaque; v7 is as unique and unguessable (74 random bits)
/// but ordered by creation time, so the store, which keys entities by uid, appends new
/// entities at the end of its tree instead of touching a random leaf for each (at 1,000,000
/// entities most leaves are no longer cached, and each random insert paged one in).
pub fn new_uid() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// SHA-256 (hex) of the canonical JSON form of `value`.
pub fn content_hash(value: &Value) -> String {
    let mut hasher = Sha256::new();
    write_canonical(value, &mut hasher);
    hex::encode(hasher.finalize())
}

/// The `metadata.etag` for an entity: a hash of its content without `metadata.uid` and
/// `metadata.etag`, so it changes exactly when something else in the entity changes. Backstage
/// treats etags as opaque strings; ours are 40 hex characters.
pub fn etag(entity: &Entity) -> String {
    let mut entity = entity.clone();
    entity.metadata.uid = None;
    entity.metadata.etag = None;
    let mut hash = content_hash(&entity.to_value());
    hash.truncate(40);
    hash
}

/// Feeds `value` to `out` as canonical JSON: sorted keys, no insignificant whitespace.
fn write_canonical(value: &Value, out: &mut Sha256) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.update(b"{");
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.update(b",");
                }
                out.update(Value::String(key.clone()).to_string().as_bytes());
                out.update(b":");
                write_canonical(&map[key], out);
            }
            out.update(b"}");
        }
        Value::Array(items) => {
            out.update(b"[");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.update(b",");
                }
                write_canonical(item, out);
            }
            out.update(b"]");
        }
        scalar => out.update(scalar.to_string().as_bytes()),
    }
}
