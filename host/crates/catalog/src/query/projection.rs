//! The `fields` parameter (Backstage's `parseEntityTransformParams`): keep only the listed dot
//! paths of each entity, e.g. `fields=kind,metadata.name,relations`.

use serde_json::{Map, Value};

/// Splits and trims `fields` values (each may hold several comma-separated paths); refuses
/// array syntax as Backstage does.
pub fn parse_fields(fields: &[String]) -> Result<Vec<String>, String> {
    let out: Vec<String> = fields
        .iter()
        .flat_map(|f| f.split(','))
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(str::to_owned)
        .collect();
    if out.iter().any(|f| f.contains('[')) {
        return Err("invalid fields, array type fields are not supported".into());
    }
    Ok(out)
}

/// The entity with only `fields` (all of it when `fields` is empty). Paths that do not exist
/// are left out; `{}` if none exists.
pub fn project(entity: Value, fields: &[String]) -> Value {
    if fields.is_empty() {
        return entity;
    }
    let mut out = Value::Object(Map::new());
    for field in fields {
        if let Some(value) = get(&entity, field) {
            set(&mut out, field, value.clone());
        }
    }
    out
}

fn get<'v>(mut value: &'v Value, path: &str) -> Option<&'v Value> {
    for part in path.split('.') {
        value = match value {
            Value::Object(map) => map.get(part)?,
            Value::Array(items) => items.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(value)
}

fn set(root: &mut Value, path: &str, value: Value) {
    let parts: Vec<&str> = path.split('.').collect();
    let mut current = root;
    for part in &parts[..parts.len() - 1] {
        let Value::Object(map) = current else {
            return;
        };
        current = map
            .entry((*part).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    if let Value::Object(map) = current {
        map.insert(parts[parts.len() - 1].to_owned(), value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keeps_only_listed_paths() {
        let e = json!({"kind": "Component", "metadata": {"name": "a", "tags": ["x"]}, "spec": {"type": "service"}});
        let fields = parse_fields(&["kind,metadata.name".into(), " spec.missing ".into()]).unwrap();
        assert_eq!(
            project(e.clone(), &fields),
            json!({"kind": "Component", "metadata": {"name": "a"}})
        );
        assert_eq!(project(e.clone(), &["nope".into()]), json!({}));
        assert_eq!(project(e.clone(), &[]), e);
        assert!(parse_fields(&["metadata.tags[0]".into()]).is_err());
    }
}
