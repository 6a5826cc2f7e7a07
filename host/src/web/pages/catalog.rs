//! `/catalog`: the entity table with facets, full-text search, sorting and paging. All state
//! is in the URL (`?q=&kind=&owner=&sort=&dir=&page=&size=`), so a view can be shared.
//!
//! Facet counts come from the catalog's facet queries; each facet counts with the other
//! facets' selections applied but not its own, so choosing a second value of one facet
//! widens the result as the counts promise. The search term filters the table, not the
//! counts.

use super::{Page, PageError, render};
use crate::server::AppState;
use crate::web::urls::{entity_path, entity_ref_path};
use axum::extract::{RawQuery, State};
use axum::response::Response;
use portico_catalog::api::{
    FacetsRequest, FullTextFilter, OrderBy, QueryEntitiesRequest, SortOrder,
};
use serde::Deserialize;
use serde_json::{Value, json};
use std::sync::Arc;

/// URL parameter, catalog field, label.
const FACETS: &[(&str, &str, &str)] = &[
    ("kind", "kind", "Kind"),
    ("type", "spec.type", "Type"),
    ("owner", "spec.owner", "Owner"),
    ("lifecycle", "spec.lifecycle", "Lifecycle"),
    ("namespace", "metadata.namespace", "Namespace"),
    ("tag", "metadata.tags", "Tags"),
];

/// URL `sort` value, catalog field, column label.
const SORTS: &[(&str, &str, &str)] = &[
    ("name", "metadata.name", "Name"),
    ("kind", "kind", "Kind"),
    ("type", "spec.type", "Type"),
    ("owner", "spec.owner", "Owner"),
    ("lifecycle", "spec.lifecycle", "Lifecycle"),
];

const SEARCH_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.title",
    "metadata.description",
    "spec.owner",
    "metadata.tags",
];

const PAGE_SIZES: &[usize] = &[25, 50, 100];
/// Facet values shown before "more".
const FACET_VALUES_SHOWN: usize = 8;
/// Facet values listed under "more" (hundreds of owners would bloat every page).
const FACET_VALUES_MORE: usize = 40;

const FIELDS: &[&str] = &[
    "kind",
    "metadata.name",
    "metadata.namespace",
    "metadata.title",
    "metadata.description",
    "metadata.tags",
    "spec.type",
    "spec.owner",
    "spec.lifecycle",
];

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
pub struct CatalogParams {
    q: String,
    kind: Vec<String>,
    #[serde(rename = "type")]
    spec_type: Vec<String>,
    owner: Vec<String>,
    lifecycle: Vec<String>,
    namespace: Vec<String>,
    tag: Vec<String>,
    sort: String,
    dir: String,
    page: usize,
    size: usize,
}

impl CatalogParams {
    fn selected(&self, param: &str) -> &[String] {
        match param {
            "kind" => &self.kind,
            "type" => &self.spec_type,
            "owner" => &self.owner,
            "lifecycle" => &self.lifecycle,
            "namespace" => &self.namespace,
            "tag" => &self.tag,
            _ => &[],
        }
    }

    fn selected_mut(&mut self, param: &str) -> Option<&mut Vec<String>> {
        Some(match param {
            "kind" => &mut self.kind,
            "type" => &mut self.spec_type,
            "owner" => &mut self.owner,
            "lifecycle" => &mut self.lifecycle,
            "namespace" => &mut self.namespace,
            "tag" => &mut self.tag,
            _ => return None,
        })
    }

    fn normalize(mut self) -> Self {
        self.q = self.q.trim().chars().take(200).collect();
        for (param, ..) in FACETS {
            if let Some(values) = self.selected_mut(param) {
                values.retain(|v| !v.trim().is_empty());
                values.sort();
                values.dedup();
                values.truncate(50);
            }
        }
        if !SORTS.iter().any(|(s, ..)| *s == self.sort) {
            self.sort = "name".into();
        }
        if self.dir != "desc" {
            self.dir = "asc".into();
        }
        self.page = self.page.max(1);
        if !PAGE_SIZES.contains(&self.size) {
            self.size = PAGE_SIZES[0];
        }
        self
    }

    /// The URL of this state (defaults left out, so URLs stay short).
    fn url(&self) -> String {
        let mut pairs: Vec<(String, String)> = Vec::new();
        if !self.q.is_empty() {
            pairs.push(("q".into(), self.q.clone()));
        }
        for (param, ..) in FACETS {
            for value in self.selected(param) {
                pairs.push((param.to_string(), value.clone()));
            }
        }
        if self.sort != "name" {
            pairs.push(("sort".into(), self.sort.clone()));
        }
        if self.dir != "asc" {
            pairs.push(("dir".into(), self.dir.clone()));
        }
        if self.page > 1 {
            pairs.push(("page".into(), self.page.to_string()));
        }
        if self.size != PAGE_SIZES[0] {
            pairs.push(("size".into(), self.size.to_string()));
        }
        if pairs.is_empty() {
            "/catalog".into()
        } else {
            format!("/catalog?{}", crate::web::urls::query(&pairs))
        }
    }

    /// This state with `value` of facet `param` toggled, back on page 1.
    fn toggled(&self, param: &str, value: &str) -> String {
        let mut next = self.clone();
        next.page = 1;
        if let Some(values) = next.selected_mut(param) {
            match values.iter().position(|v| v.eq_ignore_ascii_case(value)) {
                Some(i) => {
                    values.remove(i);
                }
                None => values.push(value.to_string()),
            }
        }
        next.url()
    }

    /// The predicate of every facet selection except `skip`'s.
    fn predicate(&self, skip: Option<&str>) -> Option<Value> {
        let parts: Vec<Value> = FACETS
            .iter()
            .filter(|(param, ..)| Some(*param) != skip)
            .filter(|(param, ..)| !self.selected(param).is_empty())
            .map(|(param, field, _)| json!({ *field: { "$in": self.selected(param) } }))
            .collect();
        (!parts.is_empty()).then(|| json!({ "$all": parts }))
    }
}

fn text<'a>(entity: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut v = entity;
    for p in path {
        v = v.get(p)?;
    }
    v.as_str()
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// One table row.
pub fn row(entity: &Value) -> Value {
    let kind = text(entity, &["kind"]).unwrap_or_default();
    let name = text(entity, &["metadata", "name"]).unwrap_or_default();
    let namespace = text(entity, &["metadata", "namespace"]).unwrap_or("default");
    let owner = text(entity, &["spec", "owner"]);
    json!({
        "href": entity_path(kind, namespace, name),
        "name": name,
        "namespace": (namespace != "default").then_some(namespace),
        "title": text(entity, &["metadata", "title"]),
        "kind": kind,
        "type": text(entity, &["spec", "type"]),
        "owner": owner.map(|o| json!({
            "label": o.strip_prefix("group:").or_else(|| o.strip_prefix("user:")).unwrap_or(o),
            "href": entity_ref_path(o, Some("group")),
        })),
        "lifecycle": text(entity, &["spec", "lifecycle"]),
        "tags": entity.pointer("/metadata/tags").cloned().unwrap_or(json!([])),
        "description": text(entity, &["metadata", "description"]).map(|d| truncate(&crate::web::markdown::plain(d), 160)),
    })
}

struct Listing {
    items: Vec<Value>,
    total: usize,
}

/// One page of the table. Sorting by a field some entities lack (owner, type...) lists
/// those entities after the others, by name: the catalog's ordered query leaves them out,
/// so they come from a second query.
fn listing(state: &AppState, params: &CatalogParams) -> Result<Listing, PageError> {
    let org = state.manager.org();
    let (_, sort_field, _) = SORTS
        .iter()
        .find(|(s, ..)| *s == params.sort)
        .copied()
        .unwrap_or(SORTS[0]);
    let order = if params.dir == "desc" {
        SortOrder::Desc
    } else {
        SortOrder::Asc
    };
    let full_text = (!params.q.is_empty()).then(|| FullTextFilter {
        term: params.q.clone(),
        fields: SEARCH_FIELDS.iter().map(|f| f.to_string()).collect(),
    });
    let base = params.predicate(None);
    let request =
        |query: Option<Value>, field: &str, offset: usize, limit: usize| QueryEntitiesRequest {
            query,
            fields: FIELDS.iter().map(|f| f.to_string()).collect(),
            limit: Some(limit),
            offset: Some(offset),
            order_by: vec![OrderBy {
                field: field.to_string(),
                order,
            }],
            full_text_filter: full_text.clone(),
            ..Default::default()
        };
    let offset = (params.page - 1) * params.size;
    let first = state
        .catalog
        .query_entities(org, &request(base.clone(), sort_field, offset, params.size))?;
    let always_present = matches!(sort_field, "metadata.name" | "kind");
    if always_present {
        return Ok(Listing {
            items: first.items,
            total: first.total_items,
        });
    }
    let missing = {
        let mut parts = match &base {
            Some(Value::Object(map)) => map["$all"].as_array().cloned().unwrap_or_default(),
            _ => Vec::new(),
        };
        parts.push(json!({ sort_field: { "$exists": false } }));
        Some(json!({ "$all": parts }))
    };
    let mut items = first.items;
    let with_field = first.total_items;
    let rest_offset = offset.saturating_sub(with_field);
    let rest_limit = params.size - items.len();
    let rest = state.catalog.query_entities(
        org,
        &request(missing, "metadata.name", rest_offset, rest_limit.max(1)),
    )?;
    if rest_limit > 0 {
        items.extend(rest.items.into_iter().take(rest_limit));
    }
    Ok(Listing {
        items,
        total: with_field + rest.total_items,
    })
}

/// The facet panel: each facet counted with the other facets' selections.
fn facets(state: &AppState, params: &CatalogParams) -> Result<Vec<Value>, PageError> {
    let org = state.manager.org();
    let mut counts = std::collections::BTreeMap::new();
    // Facets without a selection share one query.
    let unselected: Vec<String> = FACETS
        .iter()
        .filter(|(p, ..)| params.selected(p).is_empty())
        .map(|(_, f, _)| f.to_string())
        .collect();
    if !unselected.is_empty() {
        let response = state.catalog.entity_facets(
            org,
            &FacetsRequest {
                facet: unselected,
                query: params.predicate(None),
                ..Default::default()
            },
        )?;
        counts.extend(response.facets);
    }
    for (param, field, _) in FACETS
        .iter()
        .filter(|(p, ..)| !params.selected(p).is_empty())
    {
        let response = state.catalog.entity_facets(
            org,
            &FacetsRequest {
                facet: vec![field.to_string()],
                query: params.predicate(Some(param)),
                ..Default::default()
            },
        )?;
        counts.extend(response.facets);
    }
    Ok(FACETS
        .iter()
        .map(|(param, field, label)| {
            let selected = params.selected(param);
            let mut values: Vec<Value> = counts
                .get(*field)
                .map(|v| v.as_slice())
                .unwrap_or_default()
                .iter()
                .map(|f| {
                    let is_selected = selected.iter().any(|s| s.eq_ignore_ascii_case(&f.value));
                    json!({
                        "value": f.value,
                        "count": f.count,
                        "selected": is_selected,
                        "href": params.toggled(param, &f.value),
                    })
                })
                .collect();
            // A selected value with no matches left still shows, so it can be cleared.
            for s in selected {
                if !values.iter().any(|v| v["value"].as_str().is_some_and(|v| v.eq_ignore_ascii_case(s))) {
                    values.push(json!({"value": s, "count": 0, "selected": true, "href": params.toggled(param, s)}));
                }
            }
            values.sort_by_key(|v| !v["selected"].as_bool().unwrap_or(false));
            let mut more = values.split_off(values.len().min(FACET_VALUES_SHOWN));
            let hidden = more.len().saturating_sub(FACET_VALUES_MORE);
            more.truncate(FACET_VALUES_MORE);
            json!({
                "param": param,
                "label": label,
                "values": values,
                "more": more,
                "unlisted": hidden,
                "active": !selected.is_empty(),
            })
        })
        .filter(|f| f["values"].as_array().is_some_and(|v| !v.is_empty()))
        .collect())
}

pub async fn page(
    State(state): State<Arc<AppState>>,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let params: CatalogParams = serde_html_form::from_str(query.as_deref().unwrap_or(""))
        .map_err(|e| PageError::bad_request(format!("The catalog URL has a bad parameter: {e}")))?;
    let params = params.normalize();
    let listing = listing(&state, &params)?;
    let facets = facets(&state, &params)?;
    let pages = listing.total.div_ceil(params.size).max(1);
    let first_row = if listing.total == 0 {
        0
    } else {
        (params.page - 1) * params.size + 1
    };
    let last_row = ((params.page - 1) * params.size + listing.items.len()).min(listing.total);
    let page_url = |page: usize| {
        let mut p = params.clone();
        p.page = page;
        p.url()
    };
    let columns: Vec<Value> = SORTS
        .iter()
        .map(|(sort, _, label)| {
            let mut p = params.clone();
            p.page = 1;
            let active = params.sort == *sort;
            p.sort = sort.to_string();
            p.dir = if active && params.dir == "asc" {
                "desc".into()
            } else {
                "asc".into()
            };
            json!({
                "label": label,
                "href": p.url(),
                "active": active,
                "dir": if active { params.dir.as_str() } else { "" },
            })
        })
        .collect();
    let chips: Vec<Value> = FACETS
        .iter()
        .flat_map(|(param, _, label)| {
            params.selected(param).iter().map(move |v| (param, label, v))
        })
        .map(|(param, label, value)| json!({"label": label, "value": value, "href": params.toggled(param, value)}))
        .collect();
    let sizes: Vec<Value> = PAGE_SIZES
        .iter()
        .map(|size| {
            let mut p = params.clone();
            p.size = *size;
            p.page = 1;
            json!({"size": size, "selected": *size == params.size, "href": p.url()})
        })
        .collect();
    let hidden: Vec<Value> = FACETS
        .iter()
        .flat_map(|(param, ..)| {
            params
                .selected(param)
                .iter()
                .map(move |v| json!({"name": param, "value": v}))
        })
        .collect();
    let q_clear = {
        let mut p = params.clone();
        p.q.clear();
        p.page = 1;
        p.url()
    };
    let title = if params.q.is_empty() {
        "Catalog".to_string()
    } else {
        format!("“{}” in the catalog", params.q)
    };
    Ok(render(
        &state,
        Page::new(
            "catalog",
            title,
            "catalog",
            json!({
                "q": params.q,
                "q_clear": q_clear,
                "rows": listing.items.iter().map(row).collect::<Vec<_>>(),
                "total": listing.total,
                "first_row": first_row,
                "last_row": last_row,
                "page": params.page,
                "pages": pages,
                "prev": (params.page > 1).then(|| page_url(params.page - 1)),
                "next": (params.page < pages).then(|| page_url(params.page + 1)),
                "facets": facets,
                "columns": columns,
                "chips": chips,
                "clear": (!chips_empty(&params)).then_some("/catalog"),
                "sizes": sizes,
                "sort": params.sort,
                "dir": params.dir,
                "hidden": hidden,
                "share": params.url(),
                "docs_hits": docs_hits(&state, &params.q),
            }),
        ),
    ))
}

fn chips_empty(params: &CatalogParams) -> bool {
    params.q.is_empty() && FACETS.iter().all(|(p, ..)| params.selected(p).is_empty())
}

/// Docs pages matching the search (the docs service's index), linked to their Docs tab.
fn docs_hits(state: &AppState, q: &str) -> Vec<Value> {
    if q.is_empty() {
        return Vec::new();
    }
    state
        .docs
        .search(q, 5)
        .into_iter()
        .map(|hit| {
            let entity = entity_path(&hit.kind, &hit.namespace, &hit.name);
            json!({
                "title": hit.title,
                "entity": hit.name,
                "href": super::docs_tab::page_href(&entity, &hit.path),
                "snippet": hit.snippet,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_round_trips_through_the_url() {
        let params: CatalogParams = serde_html_form::from_str(
            "q=pay&kind=Component&kind=API&sort=owner&dir=desc&page=3&size=50",
        )
        .unwrap();
        let params = params.normalize();
        assert_eq!(params.kind, ["API", "Component"]);
        assert_eq!(
            params.url(),
            "/catalog?q=pay&kind=API&kind=Component&sort=owner&dir=desc&page=3&size=50"
        );
        assert_eq!(
            params.toggled("kind", "api"),
            "/catalog?q=pay&kind=Component&sort=owner&dir=desc&size=50"
        );
        let p = params.predicate(Some("kind"));
        assert!(p.is_none(), "{p:?}");
        let p = params.predicate(None).unwrap();
        assert_eq!(
            p,
            json!({"$all": [{"kind": {"$in": ["API", "Component"]}}]})
        );
    }

    #[test]
    fn bad_values_fall_back_to_defaults() {
        let params: CatalogParams = serde_html_form::from_str("sort=evil&dir=x&size=7").unwrap();
        let params = params.normalize();
        assert_eq!(
            (
                params.sort.as_str(),
                params.dir.as_str(),
                params.size,
                params.page
            ),
            ("name", "asc", 25, 1)
        );
    }
}
