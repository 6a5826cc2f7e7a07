//! `$text`, `$json` and `$yaml` substitution, as Backstage's `PlaceholderProcessor` does it: an
//! object whose only key is one of them is replaced by the content of the URL it names
//! (relative to the document's URL) — as a string, parsed JSON, or the single YAML document.
//! Other `$` keys (e.g. JSON Schema's `$ref`) and objects with several keys are left alone.

use serde_json::Value;

use crate::scm::resolve;
use crate::walk::Source;

/// Most placeholders substituted in one entity.
pub const MAX_PLACEHOLDERS: usize = 100;

/// Substitutes every placeholder in `document`, read from `base`. `budget` counts fetches
/// left for the whole read; each placeholder uses one.
pub fn substitute(
    document: Value,
    base: &str,
    source: &dyn Source,
    budget: &mut usize,
) -> Result<Value, String> {
    let mut state = State {
        base,
        source,
        budget,
        count: 0,
    };
    state.process(document)
}

struct State<'a> {
    base: &'a str,
    source: &'a dyn Source,
    budget: &'a mut usize,
    count: usize,
}

impl State<'_> {
    fn process(&mut self, value: Value) -> Result<Value, String> {
        match value {
            Value::Array(items) => items
                .into_iter()
                .map(|item| self.process(item))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                if !map.keys().any(|k| k.starts_with('$')) {
                    let mut out = serde_json::Map::new();
                    for (k, v) in map {
                        out.insert(k, self.process(v)?);
                    }
                    return Ok(Value::Object(out));
                }
                if map.len() != 1 {
                    return Ok(Value::Object(map));
                }
                let (key, value) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "$text" | "$json" | "$yaml" => self.read(&key[1..], value),
                    _ => Ok(Value::Object(map)),
                }
            }
            scalar => Ok(scalar),
        }
    }

    fn read(&mut self, key: &str, value: &Value) -> Result<Value, String> {
        self.count += 1;
        if self.count > MAX_PLACEHOLDERS {
            return Err(format!(
                "Placeholder ${key}: more than {MAX_PLACEHOLDERS} placeholders in one entity"
            ));
        }
        let Some(target) = value.as_str() else {
            return Err(format!(
                "Placeholder ${key} expected a string value parameter, in the form of an absolute URL or a relative path"
            ));
        };
        let url = resolve(self.base, target).map_err(|e| {
            format!(
                "Placeholder ${key} could not form a URL out of {} and {target}, {e}",
                self.base
            )
        })?;
        if *self.budget == 0 {
            return Err(format!(
                "Placeholder ${key} could not read location {target}: the read limit of this location (max_locations) was reached"
            ));
        }
        *self.budget -= 1;
        let data = self.source.fetch(&url).map_err(|e| {
            format!(
                "Placeholder ${key} could not read location {target}, {}",
                e.message()
            )
        })?;
        match key {
            "text" => Ok(Value::String(String::from_utf8_lossy(&data).into_owned())),
            "json" => serde_json::from_slice(&data).map_err(|e| {
                format!("Placeholder ${key} failed to parse JSON data at {target}, {e}")
            }),
            _ => {
                let mut docs = crate::walk::parse_documents(&data).map_err(|e| {
                    format!("Placeholder ${key} found an error in the data at {target}, {e}")
                })?;
                docs.retain(|d| !d.is_null());
                if docs.len() != 1 {
                    return Err(format!(
                        "Placeholder ${key} expected to find exactly one document of data at {target}, found {}",
                        docs.len()
                    ));
                }
                Ok(docs.remove(0))
            }
        }
    }
}
