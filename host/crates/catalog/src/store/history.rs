//! Entity history: one [`HistoryEntry`] per accepted change (revision, time, producer, kind of
//! change, and an RFC 6902-style JSON diff from the previous served version), last N kept.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

/// One accepted change of one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// 1 for the first version, then +1 per change; never reused for the same entity ref.
    pub revision: u64,
    /// When the change was written (RFC 3339, UTC).
    pub timestamp: String,
    /// What produced it: `location:<id>`, `provider:<name>`, `stitch`, `api`.
    pub producer: String,
    /// `created`, `updated`, `relations`, `orphaned`, `errors` or `deleted`.
    pub change: String,
    /// The entity's uid at that revision.
    pub uid: String,
    /// The etag after the change (absent for deletions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    /// JSON-Patch operations turning the previous version into this one (`[]` for deletions).
    pub diff: Vec<Value>,
    /// Stored only: the diff is one `add` of the entity as served at this revision, which the
    /// entry does not copy while the entity is still at this revision (a creation would
    /// otherwise write every entity twice). [`crate::store::Store::history`] fills it in; the
    /// writer copies it into the entry before the entity changes or is deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub diff_is_served: bool,
}

/// A stored entry whose diff is the served entity (see [`HistoryEntry::diff_is_served`]) with
/// that entity copied in: `served` is the entity's JSON as stored.
pub fn with_served_diff(entry: &[u8], served: &[u8]) -> serde_json::Result<Vec<u8>> {
    let mut entry: HistoryEntry = serde_json::from_slice(entry)?;
    entry.diff_is_served = false;
    entry.diff.clear();
    let mut out = serde_json::to_vec(&entry)?;
    // `"diff":[]` is followed by nothing but the closing brace once the flag is cleared.
    debug_assert!(out.ends_with(b"[]}"));
    out.truncate(out.len() - 3);
    out.extend_from_slice(br#"[{"op":"add","path":"","value":"#);
    out.extend_from_slice(served);
    out.extend_from_slice(b"}]}");
    Ok(out)
}

/// RFC 6902 operations (`add`, `remove`, `replace`) from `old` to `new`. Arrays that differ are
/// replaced whole; objects are compared key by key. `old = None` yields one `add` of the root.
pub fn diff(old: Option<&Value>, new: &Value) -> Vec<Value> {
    let mut ops = Vec::new();
    match old {
        None => ops.push(json!({"op": "add", "path": "", "value": new})),
        Some(old) => diff_into("", old, new, &mut ops),
    }
    ops
}

fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

fn diff_into(path: &str, old: &Value, new: &Value, ops: &mut Vec<Value>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => diff_objects(path, a, b, ops),
        _ => ops.push(json!({"op": "replace", "path": path, "value": new})),
    }
}

fn diff_objects(path: &str, a: &Map<String, Value>, b: &Map<String, Value>, ops: &mut Vec<Value>) {
    for (key, old) in a {
        let child = format!("{path}/{}", escape(key));
        match b.get(key) {
            None => ops.push(json!({"op": "remove", "path": child})),
            Some(new) => diff_into(&child, old, new, ops),
        }
    }
    for (key, new) in b {
        if !a.contains_key(key) {
            let child = format!("{path}/{}", escape(key));
            ops.push(json!({"op": "add", "path": child, "value": new}));
        }
    }
}

/// Now as RFC 3339 UTC with milliseconds, e.g. `2026-11-29T15:34:00.123Z`.
pub fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_are_minimal_json_patches() {
        let old = json!({"a": 1, "b": {"c": [1, 2], "d/e": "x"}, "gone": true});
        let new = json!({"a": 1, "b": {"c": [1, 3], "d/e": "y"}, "new": null});
        let ops = diff(Some(&old), &new);
        assert_eq!(
            ops,
            vec![
                json!({"op": "replace", "path": "/b/c", "value": [1, 3]}),
                json!({"op": "replace", "path": "/b/d~1e", "value": "y"}),
                json!({"op": "remove", "path": "/gone"}),
                json!({"op": "add", "path": "/new", "value": null}),
            ]
        );
        assert!(diff(Some(&old), &old).is_empty());
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_786), (2026, 11, 29));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
