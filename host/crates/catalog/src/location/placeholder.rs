//! `$text`, `$json` and `$yaml` placeholders, substituted anywhere in a document as Backstage's
//! `PlaceholderProcessor` does, reading through a [`LocationReader`].
//!
//! An object whose only key is `$text`/`$json`/`$yaml` is replaced by the target's content (as a
//! string, parsed JSON, or the single parsed YAML document). Objects with several keys where one
//! starts with `$`, and unknown `$keys` (e.g. JSON Schema's `$ref`), are left alone, untouched
//! inside too. Substituted content is not scanned again.
//!
//! Targets resolve against the entity's own location ([`super::resolve`]). One deliberate
//! difference: Backstage cannot resolve a relative placeholder in a `file` location (its URL
//! resolver throws "could not form a URL out of <path> and <value>", refusing on purpose to avoid
//! path traversal), so the corpus' `petstore` APIs fail there. Portico resolves it against the
//! file's directory and relies on [`super::FileReader::confined_to`] for the safety Backstage
//! gets by refusing. Absolute URLs in a file location are read as `url` locations.

use serde_json::Value;

use super::LocationSpec;
use super::reader::{LocationReader, ReadError};
use super::resolve::{join_file, resolve_url};
use crate::entity::parse::{self, ParseError};

/// Most placeholders substituted in one entity.
pub const MAX_PLACEHOLDERS: usize = 100;

/// The result of substitution: the new document and every location read (refresh keys).
#[derive(Debug, Clone, PartialEq)]
pub struct Substituted {
    /// The document with placeholders replaced.
    pub value: Value,
    /// The locations read, in order (Backstage emits them as `url:<target>` refresh keys).
    pub reads: Vec<LocationSpec>,
}

/// A placeholder that could not be substituted. Messages follow Backstage's.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct PlaceholderError {
    /// The placeholder key without `$` (`text`, `json`, `yaml`).
    pub key: String,
    /// The placeholder's value as written.
    pub value: String,
    /// The read failure, if reading was the problem (e.g. a `url` target with only a file reader).
    pub read_error: Option<ReadError>,
    /// Backstage-style message.
    pub message: String,
}

/// Substitutes every placeholder in `document`, which was read from `base`.
pub fn resolve_placeholders(
    document: Value,
    base: &LocationSpec,
    reader: &dyn LocationReader,
) -> Result<Substituted, PlaceholderError> {
    let mut state = State {
        base,
        reader,
        reads: Vec::new(),
    };
    let value = state.process(document)?;
    Ok(Substituted {
        value,
        reads: state.reads,
    })
}

struct State<'a> {
    base: &'a LocationSpec,
    reader: &'a dyn LocationReader,
    reads: Vec<LocationSpec>,
}

impl State<'_> {
    fn process(&mut self, data: Value) -> Result<Value, PlaceholderError> {
        match data {
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
                let key = key[1..].to_owned();
                if !matches!(key.as_str(), "text" | "json" | "yaml") {
                    return Ok(Value::Object(map));
                }
                self.substitute(&key, value)
            }
            scalar => Ok(scalar),
        }
    }

    fn substitute(&mut self, key: &str, value: &Value) -> Result<Value, PlaceholderError> {
        let fail = |message: String, read_error: Option<ReadError>| PlaceholderError {
            key: key.to_owned(),
            value: value
                .as_str()
                .map_or_else(|| value.to_string(), str::to_owned),
            read_error,
            message,
        };
        if self.reads.len() >= MAX_PLACEHOLDERS {
            return Err(fail(
                format!(
                    "Placeholder ${key}: more than {MAX_PLACEHOLDERS} placeholders in one entity"
                ),
                None,
            ));
        }
        let Some(target) = value.as_str() else {
            return Err(fail(
                format!(
                    "Placeholder ${key} expected a string value parameter, in the form of an absolute URL or a relative path"
                ),
                None,
            ));
        };
        let location = placeholder_location(self.base, target).map_err(|e| {
            fail(
                format!(
                    "Placeholder ${key} could not form a URL out of {} and {target}, {e}",
                    self.base.target
                ),
                None,
            )
        })?;
        let data = self
            .reader
            .read(&location.location_type, &location.target)
            .map_err(|e| {
                fail(
                    format!("Placeholder ${key} could not read location {target}, {e}"),
                    Some(e),
                )
            })?;
        self.reads.push(location);
        match key {
            "text" => Ok(Value::String(String::from_utf8_lossy(&data).into_owned())),
            "json" => parse::parse_json(&data).map_err(|e| {
                fail(
                    format!("Placeholder ${key} failed to parse JSON data at {target}, {e}"),
                    None,
                )
            }),
            _ => {
                let docs = parse::parse_yaml(&data);
                if let Some(Err(e)) = docs.iter().find(|d| d.is_err()) {
                    let e: &ParseError = e;
                    return Err(fail(
                        format!("Placeholder ${key} found an error in the data at {target}, {e}"),
                        None,
                    ));
                }
                let mut values: Vec<Value> = docs
                    .into_iter()
                    .filter_map(Result::ok)
                    .map(|d| d.value)
                    .collect();
                if values.len() != 1 {
                    return Err(fail(
                        format!(
                            "Placeholder ${key} expected to find exactly one document of data at {target}, found {}",
                            values.len()
                        ),
                        None,
                    ));
                }
                Ok(values.remove(0))
            }
        }
    }
}

/// Where a placeholder value points, seen from the document's location.
pub fn placeholder_location(base: &LocationSpec, value: &str) -> Result<LocationSpec, String> {
    let is_absolute_url = url::Url::parse(value).is_ok_and(|u| u.scheme().len() > 1);
    if is_absolute_url {
        return Ok(LocationSpec::url(value));
    }
    match base.location_type.as_str() {
        "url" => resolve_url(&base.target, value).map(|u| LocationSpec::url(&u)),
        "file" if value.starts_with('/') => Ok(LocationSpec::new("file", value)),
        "file" => Ok(LocationSpec::new("file", &join_file(&base.target, value))),
        other => Err(format!(
            "TypeError: cannot resolve relative targets in {other} locations"
        )),
    }
}
