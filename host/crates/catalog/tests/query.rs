//! Backstage query semantics on a small provider-fed catalog: legacy filters (AND/OR, exists,
//! case-insensitivity, arrays, relations, unknown keys), predicates, `fields`, ordering with
//! missing values, offset/limit/after, cursor paging with totals, full-text, facets, by-refs.

use std::collections::HashSet;
use std::sync::Arc;

use portico_catalog::api::*;
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, synthetic};
use portico_storage::{OrgId, SledStorage};
use serde_json::{Value, json};

fn entity(kind: &str, name: &str, spec: Value, meta: Value) -> Value {
    let mut metadata = json!({"name": name});
    if let Value::Object(extra) = meta {
        metadata.as_object_mut().unwrap().extend(extra);
    }
    json!({"apiVersion": "backstage.io/v1alpha1", "kind": kind, "metadata": metadata, "spec": spec})
}

fn setup() -> (Catalog, OrgId) {
    let catalog = Catalog::new(
        Arc::new(SledStorage::temporary().unwrap()),
        Arc::new(FileReader::new()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    let svc = |name: &str, t: &str, owner: &str, tags: Value, title: Option<&str>| {
        let mut meta = json!({"tags": tags, "description": format!("{name} does things")});
        if let Some(title) = title {
            meta["title"] = json!(title);
        }
        entity(
            "Component",
            name,
            json!({"type": t, "lifecycle": "production", "owner": owner}),
            meta,
        )
    };
    let entities = vec![
        entity(
            "Group",
            "ops",
            json!({"type": "team", "children": []}),
            json!({}),
        ),
        entity(
            "Group",
            "web",
            json!({"type": "team", "children": []}),
            json!({}),
        ),
        entity("User", "ann", json!({"memberOf": ["ops"]}), json!({})),
        entity(
            "User",
            "bob",
            json!({"memberOf": ["ops", "web"]}),
            json!({}),
        ),
        svc(
            "billing",
            "service",
            "ops",
            json!(["java", "kafka"]),
            Some("Billing Service"),
        ),
        svc(
            "checkout",
            "website",
            "web",
            json!(["react"]),
            Some("checkout"),
        ),
        svc("ledger", "service", "ops", json!(["java"]), None),
        svc(
            "Search",
            "library",
            "group:default/web",
            json!([]),
            Some("Zed search"),
        ),
        entity(
            "API",
            "billing-api",
            json!({"type": "openapi", "lifecycle": "production", "owner": "ops", "definition": "x"}),
            json!({"labels": {"tier": "gold"}}),
        ),
    ];
    catalog.apply_provider(&org, "test", entities).unwrap();
    (catalog, org)
}

fn names(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap_or("?").to_owned())
        .collect()
}

fn filter(catalog: &Catalog, org: &OrgId, filters: &[&str]) -> Vec<String> {
    let request = EntitiesRequest {
        filter: filters.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut out = names(&catalog.entities(org, &request).unwrap().entities);
    out.sort();
    out
}

fn predicate(catalog: &Catalog, org: &OrgId, query: Value) -> Result<Vec<String>, CatalogError> {
    let request = QueryEntitiesRequest {
        query: Some(query),
        ..Default::default()
    };
    let mut out = names(&catalog.query_entities(org, &request)?.items);
    out.sort();
    Ok(out)
}

#[test]
fn legacy_filters() {
    let (c, o) = setup();
    assert_eq!(filter(&c, &o, &["kind=user"]), ["ann", "bob"]);
    // Case-insensitive keys and values.
    assert_eq!(
        filter(&c, &o, &["KIND=Component,Spec.Type=SERVICE"]),
        ["billing", "ledger"]
    );
    // Comma = AND; repeated = OR; repeated key within one = either value.
    assert_eq!(
        filter(&c, &o, &["kind=group", "kind=user"]),
        ["ann", "bob", "ops", "web"]
    );
    assert_eq!(
        filter(&c, &o, &["spec.type=website,spec.type=library"]),
        ["Search", "checkout"]
    );
    // Existence.
    assert_eq!(
        filter(&c, &o, &["kind=component,metadata.title"]),
        ["Search", "billing", "checkout"]
    );
    // Arrays: item value and `path.item` = true forms.
    assert_eq!(filter(&c, &o, &["metadata.tags=KAFKA"]), ["billing"]);
    assert_eq!(
        filter(&c, &o, &["metadata.tags.java"]),
        ["billing", "ledger"]
    );
    assert_eq!(
        filter(&c, &o, &["metadata.tags.java=true"]),
        ["billing", "ledger"]
    );
    assert_eq!(filter(&c, &o, &["spec.memberof=web"]), ["bob"]);
    // Labels, relations, namespace, defaulted.
    assert_eq!(
        filter(&c, &o, &["metadata.labels.tier=GOLD"]),
        ["billing-api"]
    );
    assert_eq!(
        filter(&c, &o, &["relations.memberOf=group:default/ops"]),
        ["ann", "bob"]
    );
    assert_eq!(
        filter(&c, &o, &["relations.ownerof=component:default/search"]),
        ["web"]
    );
    assert_eq!(
        filter(&c, &o, &["kind=api,metadata.namespace=default"]),
        ["billing-api"]
    );
    // Unknown keys and values match nothing; empty filters match everything.
    assert!(filter(&c, &o, &["spec.nope=1"]).is_empty());
    assert!(filter(&c, &o, &["kind=nope"]).is_empty());
    assert_eq!(filter(&c, &o, &[]).len(), 9);
    assert_eq!(filter(&c, &o, &[" , "]).len(), 9);
    let err = c
        .entities(
            &o,
            &EntitiesRequest {
                filter: vec!["=x".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!((err.name(), err.status()), ("InputError", 400));
}

#[test]
fn predicates() {
    let (c, o) = setup();
    assert_eq!(
        predicate(&c, &o, json!({"kind": "USER"})).unwrap(),
        ["ann", "bob"]
    );
    assert_eq!(
        predicate(
            &c,
            &o,
            json!({"$all": [{"kind": "component"}, {"$not": {"spec.type": "service"}}]})
        )
        .unwrap(),
        ["Search", "checkout"]
    );
    assert_eq!(
        predicate(
            &c,
            &o,
            json!({"$any": [{"kind": "api"}, {"metadata.name": {"$in": ["ANN", "nobody"]}}]})
        )
        .unwrap(),
        ["ann", "billing-api"]
    );
    assert_eq!(
        predicate(
            &c,
            &o,
            json!({"kind": "component", "metadata.title": {"$exists": false}})
        )
        .unwrap(),
        ["ledger"]
    );
    assert_eq!(
        predicate(&c, &o, json!({"metadata.name": {"$hasPrefix": "BILL"}})).unwrap(),
        ["billing", "billing-api"]
    );
    assert_eq!(predicate(&c, &o, json!({})).unwrap().len(), 9);
    for bad in [
        json!("component"),
        json!({"kind": {"$regex": "x"}}),
        json!({"$all": "x"}),
        json!([1]),
    ] {
        let err = predicate(&c, &o, bad.clone()).unwrap_err();
        assert_eq!(err.status(), 400, "{bad}");
    }
}

#[test]
fn fields_order_and_legacy_paging() {
    let (c, o) = setup();
    let request = EntitiesRequest {
        filter: vec!["kind=component".into()],
        fields: vec!["metadata.name,metadata.title".into()],
        order: vec!["asc:metadata.title".into()],
        ..Default::default()
    };
    let page = c.entities(&o, &request).unwrap().entities;
    // Ordered by lowercased title; `ledger` has none and comes last.
    assert_eq!(names(&page), ["billing", "checkout", "Search", "ledger"]);
    assert_eq!(
        page[0],
        json!({"metadata": {"name": "billing", "title": "Billing Service"}})
    );
    assert_eq!(page[3], json!({"metadata": {"name": "ledger"}}));
    let desc = EntitiesRequest {
        order: vec!["desc:metadata.title".into()],
        ..request.clone()
    };
    assert_eq!(
        names(&c.entities(&o, &desc).unwrap().entities),
        ["Search", "checkout", "billing", "ledger"]
    );
    // Default order: entity ref ascending.
    let all = c
        .entities(&o, &EntitiesRequest::default())
        .unwrap()
        .entities;
    assert_eq!(names(&all)[..3], ["billing-api", "billing", "checkout"]);
    // limit/offset/after.
    let first = c
        .entities(
            &o,
            &EntitiesRequest {
                limit: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(first.entities.len(), 4);
    let after = first.next_after.clone().unwrap();
    let second = c
        .entities(
            &o,
            &EntitiesRequest {
                after: Some(after),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(second.entities.len(), 4);
    let third = c
        .entities(
            &o,
            &EntitiesRequest {
                after: second.next_after.clone(),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(third.entities.len(), 1);
    assert!(third.next_after.is_none());
    let mut seen: Vec<String> = [first, second, third]
        .iter()
        .flat_map(|p| names(&p.entities))
        .collect();
    seen.dedup();
    assert_eq!(seen, names(&all));
    let err = c
        .entities(
            &o,
            &EntitiesRequest {
                order: vec!["up:x".into()],
                ..Default::default()
            },
        )
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(
        c.entities(
            &o,
            &EntitiesRequest {
                after: Some("%%".into()),
                ..Default::default()
            }
        )
        .unwrap_err()
        .status(),
        400
    );
}

#[test]
fn cursor_paging_totals_and_full_text() {
    let (c, o) = setup();
    let first = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                limit: Some(4),
                order_field: vec!["metadata.name,asc".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(first.total_items, 9);
    assert!(first.page_info.prev_cursor.is_none());
    assert_eq!(
        names(&first.items),
        ["ann", "billing", "billing-api", "bob"]
    );
    let next = first.page_info.next_cursor.clone().unwrap();
    let second = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                cursor: Some(next),
                limit: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        names(&second.items),
        ["checkout", "ledger", "ops", "Search"]
    );
    assert_eq!(second.total_items, 9);
    let third = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                cursor: second.page_info.next_cursor.clone(),
                limit: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(names(&third.items), ["web"]);
    assert!(third.page_info.next_cursor.is_none());
    // Like Backstage, the page size is not part of the cursor: pass `limit` with each request.
    // Back from the third page lands on the second.
    let back = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                cursor: third.page_info.prev_cursor.clone(),
                limit: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(names(&back.items), names(&second.items));
    let back_again = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                cursor: back.page_info.prev_cursor.clone(),
                limit: Some(4),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(names(&back_again.items), names(&first.items));
    assert!(back_again.page_info.prev_cursor.is_none());

    // Default order (by uid) pages through everything exactly once.
    let mut seen = HashSet::new();
    let mut cursor = None;
    loop {
        let page = c
            .query_entities(
                &o,
                &QueryEntitiesRequest {
                    limit: Some(2),
                    cursor: cursor.clone(),
                    ..Default::default()
                },
            )
            .unwrap();
        for e in &page.items {
            assert!(seen.insert(e["metadata"]["uid"].as_str().unwrap().to_owned()));
        }
        match page.page_info.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), 9);

    // The serialized fast path answers the same.
    let request = QueryEntitiesRequest {
        limit: Some(4),
        order_field: vec!["metadata.name,asc".into()],
        ..Default::default()
    };
    let body: Value =
        serde_json::from_slice(&c.query_entities_json(&o, &request).unwrap()).unwrap();
    assert_eq!(
        body,
        serde_json::to_value(c.query_entities(&o, &request).unwrap()).unwrap()
    );
    assert_eq!(body["totalItems"], 9);
    assert!(body["pageInfo"]["nextCursor"].is_string());
    let projected = QueryEntitiesRequest {
        fields: vec!["kind".into()],
        ..request
    };
    let body: Value =
        serde_json::from_slice(&c.query_entities_json(&o, &projected).unwrap()).unwrap();
    assert_eq!(body["items"][0], json!({"kind": "User"}));

    // Descending by title: entities without a title are left out (by-query semantics).
    let desc = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                order_by: vec![OrderBy {
                    field: "metadata.title".into(),
                    order: SortOrder::Desc,
                }],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(names(&desc.items), ["Search", "checkout", "billing"]);
    assert_eq!(desc.total_items, 3);
    // totalItems=exclude.
    let excluded = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                total_items: Some("exclude".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(excluded.total_items, 0);
    assert_eq!(excluded.items.len(), 9);

    // Full text: case-insensitive substring over the given fields.
    let ft = |term: &str, fields: &[&str]| {
        let mut n = names(
            &c.query_entities(
                &o,
                &QueryEntitiesRequest {
                    full_text_filter_term: Some(term.into()),
                    full_text_filter_fields: fields.iter().map(|s| s.to_string()).collect(),
                    ..Default::default()
                },
            )
            .unwrap()
            .items,
        );
        n.sort();
        n
    };
    assert_eq!(ft("BILL", &["metadata.name"]), ["billing", "billing-api"]);
    assert_eq!(
        ft("does thi", &["metadata.description"]),
        ["Search", "billing", "checkout", "ledger"]
    );
    assert_eq!(
        ft("KAFK", &["metadata.tags", "metadata.title"]),
        ["billing"]
    );
    assert_eq!(ft("zed", &["metadata.name,metadata.title"]), ["Search"]);
    assert!(ft("nothing-like-it", &["metadata.name"]).is_empty());
    // Combined with a filter.
    let combined = c
        .query_entities(
            &o,
            &QueryEntitiesRequest {
                filter: vec!["kind=component".into()],
                full_text_filter: Some(FullTextFilter {
                    term: "bill".into(),
                    fields: vec!["metadata.name".into()],
                }),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(names(&combined.items), ["billing"]);
}

#[test]
fn facets_by_refs_and_lookups() {
    let (c, o) = setup();
    let facets = c
        .entity_facets(
            &o,
            &FacetsRequest {
                facet: vec!["kind".into(), "spec.type".into(), "metadata.tags".into()],
                filter: vec!["kind=component".into(), "kind=api".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let json = serde_json::to_value(&facets).unwrap();
    assert_eq!(
        json["facets"]["kind"],
        json!([{"value": "Component", "count": 4}, {"value": "API", "count": 1}])
    );
    assert_eq!(
        json["facets"]["spec.type"],
        json!([{"value": "service", "count": 2}, {"value": "library", "count": 1},
               {"value": "openapi", "count": 1}, {"value": "website", "count": 1}])
    );
    assert_eq!(
        json["facets"]["metadata.tags"],
        json!([{"value": "java", "count": 2}, {"value": "kafka", "count": 1}, {"value": "react", "count": 1}])
    );
    let unknown = c
        .entity_facets(
            &o,
            &FacetsRequest {
                facet: vec!["spec.nope".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        serde_json::to_value(&unknown).unwrap(),
        json!({"facets": {"spec.nope": []}})
    );

    let batch = c
        .entities_by_refs(
            &o,
            &EntitiesBatchRequest {
                entity_refs: vec![
                    "user:default/bob".into(),
                    "component:default/missing".into(),
                    "Component:Default/SEARCH".into(),
                    "not a ref".into(),
                ],
                fields: vec!["kind".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        serde_json::to_value(&batch).unwrap(),
        json!({"items": [{"kind": "User"}, null, {"kind": "Component"}, null]})
    );
    let search = c
        .entity_by_name(&o, "COMPONENT", "default", "search")
        .unwrap();
    assert_eq!(search["metadata"]["name"], "Search");
    let uid = search["metadata"]["uid"].as_str().unwrap();
    assert_eq!(c.entity_by_uid(&o, uid).unwrap(), search);
    let raw = c
        .entity_by_name_raw(&o, "component", "default", "SEARCH")
        .unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&raw).unwrap(), search);
    let err = c
        .entity_by_name(&o, "component", "default", "nope")
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "No entity named 'nope' found, with kind 'component' in namespace 'default'"
    );
    assert_eq!(err.status(), 404);
}

#[test]
fn synthetic_catalog_relations_resolve_both_ways() {
    let catalog = Catalog::new(
        Arc::new(SledStorage::temporary().unwrap()),
        Arc::new(FileReader::new()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    let entities = synthetic::generate(3, 500);
    let report = catalog.apply_provider(&org, "synthetic", entities).unwrap();
    assert_eq!(report.created, 500);
    assert!(
        report.errors.is_empty() && report.pending == 0,
        "{report:?}"
    );
    // Every relation's reverse exists on its (existing) target.
    let all = catalog
        .entities(&org, &EntitiesRequest::default())
        .unwrap()
        .entities;
    let refs: HashSet<String> = all
        .iter()
        .map(|e| {
            format!(
                "{}:default/{}",
                e["kind"].as_str().unwrap(),
                e["metadata"]["name"].as_str().unwrap()
            )
            .to_lowercase()
        })
        .collect();
    let mut checked = 0;
    for e in &all {
        let me = format!(
            "{}:default/{}",
            e["kind"].as_str().unwrap(),
            e["metadata"]["name"].as_str().unwrap()
        )
        .to_lowercase();
        for r in e["relations"].as_array().unwrap() {
            let target = r["targetRef"].as_str().unwrap();
            assert!(refs.contains(target), "{me} -> {target}");
            checked += 1;
            let request = QueryEntitiesRequest {
                filter: vec![format!(
                    "relations.{}={me}",
                    reverse(r["type"].as_str().unwrap())
                )],
                ..Default::default()
            };
            let back = catalog.query_entities(&org, &request).unwrap();
            assert!(
                back.items
                    .iter()
                    .any(|b| b["metadata"]["name"].as_str().unwrap()
                        == target.split('/').nth(1).unwrap()),
                "no reverse of {me} {} {target}",
                r["type"]
            );
        }
    }
    assert!(checked > 1000, "{checked}");
}

fn reverse(kind: &str) -> &'static str {
    match kind {
        "ownedBy" => "ownerOf",
        "ownerOf" => "ownedBy",
        "partOf" => "hasPart",
        "hasPart" => "partOf",
        "dependsOn" => "dependencyOf",
        "dependencyOf" => "dependsOn",
        "providesApi" => "apiProvidedBy",
        "apiProvidedBy" => "providesApi",
        "consumesApi" => "apiConsumedBy",
        "apiConsumedBy" => "consumesApi",
        "memberOf" => "hasMember",
        "hasMember" => "memberOf",
        "childOf" => "parentOf",
        "parentOf" => "childOf",
        other => panic!("unexpected relation {other}"),
    }
}
