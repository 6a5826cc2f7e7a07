//! Entity filters: Backstage's legacy `filter=` strings (`parseEntityFilterParams`) and its
//! predicate queries (`$all`, `$any`, `$not`, `$exists`, `$in`, `$hasPrefix`), as one [`Filter`].
//!
//! Keys and values are lowercased here, as Backstage matches them against its `search` table.

use serde_json::Value;

/// A filter over the search postings of entities.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter {
    /// Every sub-filter matches (`All([])` matches everything).
    All(Vec<Filter>),
    /// At least one sub-filter matches.
    Any(Vec<Filter>),
    /// The sub-filter does not match.
    Not(Box<Filter>),
    /// The key has a posting (any value, `null` included).
    Exists(String),
    /// The key has one of these values.
    In(String, Vec<String>),
    /// The key has a value starting with this prefix.
    Prefix(String, String),
}

/// Parses repeated `filter` parameters: each is `a=b,c` (comma = AND), the list is OR'ed.
/// Returns `None` when there is no condition at all.
pub fn parse_filter_params(filters: &[String]) -> Result<Option<Filter>, String> {
    let mut sets = Vec::new();
    for filter in filters {
        if let Some(set) = parse_filter_string(filter)? {
            sets.push(set);
        }
    }
    Ok((!sets.is_empty()).then_some(Filter::Any(sets)))
}

/// One filter string, `kind=component,spec.type=service,metadata.tags.java` (Backstage's
/// `parseEntityFilterString`): repeated keys collect their values (OR), a bare key is an
/// existence check.
pub fn parse_filter_string(filter: &str) -> Result<Option<Filter>, String> {
    let mut by_key: Vec<(String, Option<Vec<String>>)> = Vec::new();
    for statement in filter.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (key, value) = match statement.find('=') {
            None => (statement, None),
            Some(i) => (statement[..i].trim(), Some(statement[i + 1..].trim())),
        };
        if key.is_empty() {
            return Err(format!(
                "Invalid filter, '{statement}' is not a valid statement (expected a string on the form a=b or a= or a)"
            ));
        }
        let key = key.to_lowercase();
        let slot = match by_key.iter().position(|(k, _)| *k == key) {
            Some(i) => &mut by_key[i].1,
            None => {
                by_key.push((key, None));
                &mut by_key.last_mut().expect("just pushed").1
            }
        };
        if let Some(value) = value {
            slot.get_or_insert_with(Vec::new).push(value.to_lowercase());
        }
    }
    if by_key.is_empty() {
        return Ok(None);
    }
    Ok(Some(Filter::All(
        by_key
            .into_iter()
            .map(|(key, values)| match values {
                Some(values) => Filter::In(key, values),
                None => Filter::Exists(key),
            })
            .collect(),
    )))
}

/// Parses a predicate query (`POST /entities/by-query` `query`), as Backstage's
/// `applyPredicateEntityFilterToQuery` reads it.
pub fn parse_predicate(query: &Value) -> Result<Filter, String> {
    parse_predicate_at(query, 0)
}

const MAX_DEPTH: usize = 64;

fn parse_predicate_at(query: &Value, depth: usize) -> Result<Filter, String> {
    if depth > MAX_DEPTH {
        return Err(format!(
            "Invalid filter predicate: nested deeper than {MAX_DEPTH} levels"
        ));
    }
    let list = |v: &Value, op: &str| -> Result<Vec<Filter>, String> {
        v.as_array()
            .ok_or_else(|| format!("Invalid filter predicate: {op} expects an array"))?
            .iter()
            .map(|q| parse_predicate_at(q, depth + 1))
            .collect()
    };
    match query {
        Value::Object(map) => {
            if let Some(v) = map.get("$all") {
                return Ok(Filter::All(list(v, "$all")?));
            }
            if let Some(v) = map.get("$any") {
                return Ok(Filter::Any(list(v, "$any")?));
            }
            if let Some(v) = map.get("$not") {
                return Ok(Filter::Not(Box::new(parse_predicate_at(v, depth + 1)?)));
            }
            let mut all = Vec::new();
            for (key, value) in map {
                let key = key.to_lowercase();
                all.push(field_expression(&key, value)?);
            }
            Ok(Filter::All(all))
        }
        Value::String(_) | Value::Number(_) | Value::Bool(_) => Err(format!(
            "Invalid filter predicate: top-level primitive values are not supported. Wrap the value in a field expression, e.g. {{ \"kind\": {query} }}"
        )),
        other => Err(format!(
            "Invalid filter predicate: expected an object, got {other}"
        )),
    }
}

fn primitive(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.to_lowercase()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn field_expression(key: &str, value: &Value) -> Result<Filter, String> {
    if let Some(v) = primitive(value) {
        return Ok(Filter::In(key.to_owned(), vec![v]));
    }
    let invalid = || {
        format!(
            "Invalid filter predicate value for field \"{key}\": expected a primitive value, $exists, $in, or $hasPrefix operator, but got {value}"
        )
    };
    let Value::Object(op) = value else {
        return Err(invalid());
    };
    if let Some(exists) = op.get("$exists") {
        let exists = exists.as_bool().ok_or_else(invalid)?;
        let filter = Filter::Exists(key.to_owned());
        return Ok(if exists {
            filter
        } else {
            Filter::Not(Box::new(filter))
        });
    }
    if let Some(values) = op.get("$in") {
        let values = values
            .as_array()
            .ok_or_else(invalid)?
            .iter()
            .map(|v| primitive(v).ok_or_else(invalid))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Filter::In(key.to_owned(), values));
    }
    if let Some(prefix) = op.get("$hasPrefix") {
        let prefix = prefix.as_str().ok_or_else(invalid)?;
        return Ok(Filter::Prefix(key.to_owned(), prefix.to_lowercase()));
    }
    Err(invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn legacy_strings() {
        let f =
            parse_filter_params(&["kind=Component,spec.type=service,spec.type=website,x".into()])
                .unwrap()
                .unwrap();
        assert_eq!(
            f,
            Filter::Any(vec![Filter::All(vec![
                Filter::In("kind".into(), vec!["component".into()]),
                Filter::In("spec.type".into(), vec!["service".into(), "website".into()]),
                Filter::Exists("x".into()),
            ])])
        );
        assert_eq!(parse_filter_params(&[" , ".into()]).unwrap(), None);
        assert!(
            parse_filter_params(&["=x".into()])
                .unwrap_err()
                .contains("a=b")
        );
    }

    #[test]
    fn predicates() {
        let f = parse_predicate(&json!({"$all": [{"kind": "API"}, {"$not": {"spec.type": {"$in": ["grpc", 1]}}}, {"spec.owner": {"$exists": false}}, {"metadata.name": {"$hasPrefix": "Pet"}}]})).unwrap();
        assert_eq!(
            f,
            Filter::All(vec![
                Filter::All(vec![Filter::In("kind".into(), vec!["api".into()])]),
                Filter::Not(Box::new(Filter::All(vec![Filter::In(
                    "spec.type".into(),
                    vec!["grpc".into(), "1".into()]
                )]))),
                Filter::All(vec![Filter::Not(Box::new(Filter::Exists(
                    "spec.owner".into()
                )))]),
                Filter::All(vec![Filter::Prefix("metadata.name".into(), "pet".into())]),
            ])
        );
        assert!(
            parse_predicate(&json!("x"))
                .unwrap_err()
                .contains("top-level primitive")
        );
        assert!(parse_predicate(&json!({"kind": {"$regex": "x"}})).is_err());
        assert!(parse_predicate(&json!({"$all": {}})).is_err());
        let mut deep = json!({"kind": "x"});
        for _ in 0..200 {
            deep = json!({ "$not": deep });
        }
        assert!(parse_predicate(&deep).is_err());
    }
}
