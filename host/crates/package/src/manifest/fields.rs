//! Reading typed values out of a TOML table while recording every problem under the full
//! key path (`capabilities.http.hosts[1]`), so one pass reports all mistakes at once.

use toml::{Table, Value};

use super::KeyError;

/// A table being read, with the path that leads to it and the keys it allows.
pub(super) struct Fields<'a> {
    table: &'a Table,
    prefix: String,
}

impl<'a> Fields<'a> {
    pub(super) fn new(table: &'a Table, prefix: &str) -> Self {
        Fields {
            table,
            prefix: prefix.to_string(),
        }
    }

    /// The full path of `key` in this table.
    pub(super) fn path(&self, key: &str) -> String {
        match self.prefix.is_empty() {
            true => key.to_string(),
            false => format!("{}.{key}", self.prefix),
        }
    }

    /// Records an error for each key not in `allowed`.
    pub(super) fn deny_unknown(&self, allowed: &[&str], errors: &mut Vec<KeyError>) {
        for key in self.table.keys() {
            if !allowed.contains(&key.as_str()) {
                errors.push(KeyError::new(
                    self.path(key),
                    format!("unknown key; allowed here: {}", allowed.join(", ")),
                ));
            }
        }
    }

    /// A string; an error if it is missing (when `required`) or not a string.
    pub(super) fn string(
        &self,
        key: &str,
        required: bool,
        errors: &mut Vec<KeyError>,
    ) -> Option<&'a str> {
        match self.table.get(key) {
            None if required => {
                errors.push(KeyError::new(self.path(key), "is missing; it is required"));
                None
            }
            None => None,
            Some(Value::String(s)) => Some(s),
            Some(other) => {
                errors.push(wrong_type(self.path(key), "a string", other));
                None
            }
        }
    }

    /// An array of strings, each with its index in error paths.
    pub(super) fn strings(
        &self,
        key: &str,
        required: bool,
        errors: &mut Vec<KeyError>,
    ) -> Option<Vec<(String, &'a str)>> {
        match self.table.get(key) {
            None if required => {
                errors.push(KeyError::new(self.path(key), "is missing; it is required"));
                None
            }
            None => None,
            Some(Value::Array(items)) => {
                let mut out = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    let path = format!("{}[{i}]", self.path(key));
                    match item {
                        Value::String(s) => out.push((path, s.as_str())),
                        other => errors.push(wrong_type(path, "a string", other)),
                    }
                }
                Some(out)
            }
            Some(other) => {
                errors.push(wrong_type(self.path(key), "an array of strings", other));
                None
            }
        }
    }

    /// A sub-table.
    pub(super) fn table(&self, key: &str, errors: &mut Vec<KeyError>) -> Option<Fields<'a>> {
        match self.table.get(key) {
            None => None,
            Some(Value::Table(t)) => Some(Fields::new(t, &self.path(key))),
            Some(other) => {
                errors.push(wrong_type(self.path(key), "a table", other));
                None
            }
        }
    }
}

fn wrong_type(path: String, expected: &str, got: &Value) -> KeyError {
    KeyError::new(path, format!("must be {expected}, not {}", got.type_str()))
}
