//! The plugin's configuration schema: checking that `[config] schema` is a valid JSON Schema,
//! and validating a configuration against it with messages that name the config key.

use serde_json::Value;

/// Parses schema text as JSON and compiles it; the error says what is wrong.
pub(super) fn compile_schema(text: &str) -> Result<Value, String> {
    let schema: Value = serde_json::from_str(text)
        .map_err(|e| format!("is not valid JSON ({e}); write the JSON Schema as JSON text"))?;
    if !schema.is_object() && !schema.is_boolean() {
        return Err("must be a JSON Schema object like {\"type\": \"object\"}".into());
    }
    jsonschema::validator_for(&schema).map_err(|e| {
        format!(
            "is not a valid JSON Schema: {e} (at {}); external $refs are not resolved, \
             so inline every definition",
            pointer_or_root(e.instance_path().as_str())
        )
    })?;
    Ok(schema)
}

/// Validates `config` against `schema` (or, without one, accepts only `{}` and null).
pub(super) fn validate(schema: Option<&Value>, config: &Value) -> Result<(), Vec<String>> {
    let Some(schema) = schema else {
        return match config {
            Value::Null => Ok(()),
            Value::Object(map) if map.is_empty() => Ok(()),
            _ => Err(vec![
                "this plugin declares no configuration schema, so it takes no configuration; \
                 remove its configuration"
                    .to_string(),
            ]),
        };
    };
    let validator = jsonschema::validator_for(schema)
        .map_err(|e| vec![format!("the plugin's configuration schema is invalid: {e}")])?;
    let errors: Vec<String> = validator
        .iter_errors(config)
        .map(|e| {
            let key = key_path(config, e.instance_path().as_str());
            match key.is_empty() {
                true => format!("config: {e}"),
                false => format!("config key {key:?}: {e}"),
            }
        })
        .collect();
    match errors.is_empty() {
        true => Ok(()),
        false => Err(errors),
    }
}

fn pointer_or_root(pointer: &str) -> &str {
    match pointer {
        "" => "the schema's root",
        p => p,
    }
}

/// Turns a JSON pointer into `server.hosts[1].name`, walking `value` to tell array indexes
/// from object keys.
fn key_path(value: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut current = Some(value);
    for raw in pointer.split('/').skip(1) {
        let segment = raw.replace("~1", "/").replace("~0", "~");
        match current {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{segment}]"));
                current = segment.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&segment);
                current = match other {
                    Some(Value::Object(map)) => map.get(&segment),
                    _ => None,
                };
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_paths_distinguish_arrays_from_objects() {
        let v = json!({"servers": [{"name": "a"}, {"port": 1}], "0": {"a/b": 1}});
        assert_eq!(key_path(&v, "/servers/1/port"), "servers[1].port");
        assert_eq!(key_path(&v, "/0/a~1b"), "0.a/b");
        assert_eq!(key_path(&v, ""), "");
    }
}
