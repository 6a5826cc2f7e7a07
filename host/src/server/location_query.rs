//! `POST /api/catalog/locations/by-query`: locations filtered by a predicate on their fields
//! (`id`, `type`, `target`), paged with an opaque cursor, as Backstage serves it.
//!
//! Predicates use the catalog's operators: a field equal to a value (case-insensitive),
//! `{"$in": [...]}`, `{"$hasPrefix": "..."}`, `{"$exists": bool}`, and `$all`, `$any`, `$not`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use portico_catalog::api::{CatalogError, Location};
use serde::Deserialize;
use serde_json::{Value, json};

const DEFAULT_LIMIT: usize = 1000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct LocationsQuery {
    pub cursor: Option<String>,
    pub limit: Option<usize>,
    pub query: Option<Value>,
}

#[derive(Debug, serde::Serialize, Deserialize)]
struct Cursor {
    offset: usize,
    limit: usize,
    query: Option<Value>,
}

fn field<'a>(location: &'a Location, name: &str) -> Option<&'a str> {
    match name {
        "id" => Some(&location.id),
        "type" => Some(&location.location_type),
        "target" => Some(&location.target),
        _ => None,
    }
}

fn matches_value(actual: Option<&str>, expected: &Value) -> Result<bool, CatalogError> {
    let text = |v: &Value| match v {
        Value::String(s) => Ok(s.to_lowercase()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(CatalogError::Input(format!(
            "unsupported value in a location query: {other}"
        ))),
    };
    let actual = actual.map(str::to_lowercase);
    match expected {
        Value::Object(op) if op.len() == 1 => {
            let (name, argument) = op.iter().next().expect("one entry");
            match name.as_str() {
                "$exists" => Ok(actual.is_some() == argument.as_bool().unwrap_or(true)),
                "$in" => {
                    let options = argument
                        .as_array()
                        .ok_or_else(|| CatalogError::Input("$in needs an array".into()))?;
                    for option in options {
                        if actual.as_deref() == Some(text(option)?.as_str()) {
                            return Ok(true);
                        }
                    }
                    Ok(false)
                }
                "$hasPrefix" => {
                    let prefix = text(argument)?;
                    Ok(actual.is_some_and(|a| a.starts_with(&prefix)))
                }
                other => Err(CatalogError::Input(format!(
                    "unknown operator {other} in a location query"
                ))),
            }
        }
        value => Ok(actual.as_deref() == Some(text(value)?.as_str())),
    }
}

/// Whether `location` satisfies `predicate`.
pub fn matches(location: &Location, predicate: &Value) -> Result<bool, CatalogError> {
    let Value::Object(entries) = predicate else {
        return Err(CatalogError::Input(
            "a location query must be an object".into(),
        ));
    };
    for (key, value) in entries {
        let ok = match key.as_str() {
            "$all" => all_of(location, value, true)?,
            "$any" => all_of(location, value, false)?,
            "$not" => !matches(location, value)?,
            name => {
                if field(location, name).is_none() && !matches!(name, "id" | "type" | "target") {
                    return Err(CatalogError::Input(format!(
                        "locations have no field {name:?} (use id, type or target)"
                    )));
                }
                matches_value(field(location, name), value)?
            }
        };
        if !ok {
            return Ok(false);
        }
    }
    Ok(true)
}

fn all_of(location: &Location, list: &Value, all: bool) -> Result<bool, CatalogError> {
    let items = list
        .as_array()
        .ok_or_else(|| CatalogError::Input("$all and $any need an array".into()))?;
    for item in items {
        let hit = matches(location, item)?;
        if all && !hit {
            return Ok(false);
        }
        if !all && hit {
            return Ok(true);
        }
    }
    Ok(all)
}

/// One page of `locations` (sorted by id) for `request`.
pub fn page(mut locations: Vec<Location>, request: LocationsQuery) -> Result<Value, CatalogError> {
    let (offset, limit, query) = match &request.cursor {
        Some(cursor) => {
            let bytes = URL_SAFE_NO_PAD
                .decode(cursor)
                .map_err(|_| CatalogError::Input("malformed cursor".into()))?;
            let cursor: Cursor = serde_json::from_slice(&bytes)
                .map_err(|_| CatalogError::Input("malformed cursor".into()))?;
            (
                cursor.offset,
                request.limit.unwrap_or(cursor.limit),
                cursor.query,
            )
        }
        None => (0, request.limit.unwrap_or(DEFAULT_LIMIT), request.query),
    };
    locations.sort_by(|a, b| a.id.cmp(&b.id));
    let mut selected = Vec::new();
    for location in locations {
        if query.as_ref().map_or(Ok(true), |q| matches(&location, q))? {
            selected.push(location);
        }
    }
    let total = selected.len();
    let items: Vec<&Location> = selected.iter().skip(offset).take(limit.max(1)).collect();
    let next = offset + items.len();
    let mut page_info = json!({});
    if next < total {
        let cursor = Cursor {
            offset: next,
            limit,
            query,
        };
        page_info["nextCursor"] =
            Value::String(URL_SAFE_NO_PAD.encode(serde_json::to_vec(&cursor).unwrap_or_default()));
    }
    Ok(json!({ "items": items, "totalItems": total, "pageInfo": page_info }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(id: &str, kind: &str, target: &str) -> Location {
        Location::new(id, kind, target)
    }

    #[test]
    fn predicates() {
        let l = loc(
            "1",
            "url",
            "https://github.com/acme/x/blob/main/catalog-info.yaml",
        );
        assert!(matches(&l, &json!({ "type": "URL" })).unwrap());
        assert!(
            matches(
                &l,
                &json!({ "target": { "$hasPrefix": "https://github.com/acme/" } })
            )
            .unwrap()
        );
        assert!(matches(&l, &json!({ "type": { "$in": ["file", "url"] } })).unwrap());
        assert!(!matches(&l, &json!({ "$not": { "type": "url" } })).unwrap());
        assert!(matches(&l, &json!({ "$any": [{ "type": "file" }, { "id": "1" }] })).unwrap());
        assert!(!matches(&l, &json!({ "$all": [{ "type": "url" }, { "id": "2" }] })).unwrap());
        assert!(matches(&l, &json!({ "nope": "x" })).is_err());
        assert!(matches(&l, &json!({ "type": { "$regex": "x" } })).is_err());
    }

    #[test]
    fn paging_with_cursors() {
        let all: Vec<Location> = (0..5)
            .map(|i| loc(&format!("id{i}"), "file", &format!("/c/{i}.yaml")))
            .collect();
        let first = page(
            all.clone(),
            LocationsQuery {
                limit: Some(2),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(first["totalItems"], 5);
        assert_eq!(first["items"].as_array().unwrap().len(), 2);
        let mut ids: Vec<String> = first["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["id"].as_str().unwrap().to_string())
            .collect();
        let mut cursor = first["pageInfo"]["nextCursor"].as_str().map(str::to_string);
        while let Some(c) = cursor {
            let next = page(
                all.clone(),
                LocationsQuery {
                    cursor: Some(c),
                    ..Default::default()
                },
            )
            .unwrap();
            ids.extend(
                next["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|l| l["id"].as_str().unwrap().to_string()),
            );
            cursor = next["pageInfo"]["nextCursor"].as_str().map(str::to_string);
        }
        assert_eq!(ids, ["id0", "id1", "id2", "id3", "id4"]);
        assert!(
            page(
                all,
                LocationsQuery {
                    cursor: Some("!!".into()),
                    ..Default::default()
                }
            )
            .is_err()
        );
    }
}
