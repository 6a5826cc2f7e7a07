//! Ingesting the Backstage corpus through the `Catalog` facade into a temporary store: counts,
//! specific entities, relations both ways (also across locations), annotations, uid/etag,
//! `status.items` for the remote `$text` APIs, ancestry, locations and reopening from disk.

mod common;

use std::sync::Arc;

use portico_catalog::api::*;
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions};
use portico_storage::{OrgId, SledOptions, SledStorage, Storage};
use serde_json::{Value, json};

use common::corpus;

fn catalog_on(storage: Arc<dyn Storage>) -> Catalog {
    let reader = FileReader::confined_to(corpus()).unwrap();
    Catalog::new(storage, Arc::new(reader), CatalogOptions::default())
}

fn catalog() -> Catalog {
    catalog_on(Arc::new(SledStorage::temporary().unwrap()))
}

fn org() -> OrgId {
    OrgId::default_org()
}

fn add(catalog: &Catalog, org: &OrgId, file: &str) -> AddLocationResponse {
    let target = corpus().join(file).to_string_lossy().into_owned();
    catalog
        .add_location(
            org,
            &AddLocationRequest {
                location_type: "file".into(),
                target,
                dry_run: false,
            },
        )
        .unwrap()
}

fn count(catalog: &Catalog, org: &OrgId, filter: &str) -> usize {
    let request = QueryEntitiesRequest {
        filter: vec![filter.into()],
        limit: Some(0),
        ..Default::default()
    };
    catalog.query_entities(org, &request).unwrap().total_items
}

fn relations(entity: &Value) -> Vec<(String, String)> {
    entity["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["type"].as_str().unwrap().to_owned(),
                r["targetRef"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn has(entity: &Value, kind: &str, target: &str) -> bool {
    relations(entity)
        .iter()
        .any(|(k, t)| k == kind && t == target)
}

#[test]
fn all_yaml_ingests_with_counts_relations_and_kept_errors() {
    let catalog = catalog();
    let org = org();
    let added = add(&catalog, &org, "examples/all.yaml");
    // The generated Location for the registration + the 40 entities the walk reaches (37
    // processed, 3 APIs whose remote `$text` the file reader cannot read, served with errors).
    assert_eq!(added.entities.len(), 41);
    let total = catalog
        .query_entities(&org, &QueryEntitiesRequest::default())
        .unwrap()
        .total_items;
    assert_eq!(total, 41);
    for (kind, n) in [
        ("location", 8),
        ("api", 10),
        ("component", 13),
        ("domain", 3),
        ("resource", 1),
        ("system", 3),
        ("airesource", 3),
    ] {
        assert_eq!(count(&catalog, &org, &format!("kind={kind}")), n, "{kind}");
    }

    let lookup = catalog
        .entity_by_name(&org, "Component", "Default", "ARTIST-LOOKUP")
        .unwrap();
    assert_eq!(lookup["metadata"]["namespace"], "default");
    assert_eq!(lookup["metadata"]["uid"].as_str().unwrap().len(), 36);
    assert_eq!(lookup["metadata"]["etag"].as_str().unwrap().len(), 40);
    assert!(lookup.get("status").is_none());
    let annotations = &lookup["metadata"]["annotations"];
    let file = corpus().join("examples/components/artist-lookup-component.yaml");
    assert_eq!(
        annotations["backstage.io/managed-by-location"],
        format!("file:{}", file.display())
    );
    assert_eq!(
        annotations["backstage.io/managed-by-origin-location"],
        format!("file:{}", corpus().join("examples/all.yaml").display())
    );
    // Outgoing relations, as Backstage stores them: `{type, targetRef}`, sorted.
    assert_eq!(
        relations(&lookup),
        vec![
            (
                "dependsOn".to_owned(),
                "resource:default/artists-db".to_owned()
            ),
            ("ownedBy".to_owned(), "group:default/team-a".to_owned()),
            (
                "partOf".to_owned(),
                "system:default/artist-engagement-portal".to_owned()
            ),
        ]
    );
    assert!(lookup["relations"][0].get("target").is_none());
    // ...and the reverse direction on the targets.
    let system = catalog
        .entity_by_name(&org, "system", "default", "artist-engagement-portal")
        .unwrap();
    assert!(has(&system, "hasPart", "component:default/artist-lookup"));
    assert!(has(&system, "partOf", "domain:default/artists"));
    let db = catalog
        .entity_by_name(&org, "resource", "default", "artists-db")
        .unwrap();
    assert!(has(&db, "dependencyOf", "component:default/artist-lookup"));
    let domain = catalog
        .entity_by_name(&org, "domain", "default", "artists")
        .unwrap();
    assert!(has(
        &domain,
        "hasPart",
        "system:default/artist-engagement-portal"
    ));

    // The three APIs whose `$text` points at github.com: errors in status.items, not fatal.
    for name in ["spotify", "wayback-archive", "wayback-search"] {
        let api = catalog
            .entity_by_name(&org, "api", "default", name)
            .unwrap();
        let items = api["status"]["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{name}");
        assert_eq!(items[0]["type"], "backstage.io/catalog-processing");
        assert_eq!(items[0]["level"], "error");
        assert_eq!(items[0]["error"]["name"], "InputError");
        let message = items[0]["message"].as_str().unwrap();
        assert!(
            message.starts_with("InputError: Processor PlaceholderProcessor threw an error"),
            "{message}"
        );
        assert!(message.contains("https://github.com/"), "{message}");
    }
    // The local `$text` ones are substituted and have no status.
    let petstore = catalog
        .entity_by_name(&org, "api", "default", "petstore")
        .unwrap();
    assert!(
        petstore["spec"]["definition"]
            .as_str()
            .unwrap()
            .contains("openapi")
    );
    assert!(petstore.get("status").is_none());

    // Ancestry: the API <- its file's Location entity <- all.yaml's Location <- the generated one.
    let ancestry = catalog
        .entity_ancestry(&org, "api", "default", "petstore")
        .unwrap();
    assert_eq!(ancestry.root_entity_ref, "api:default/petstore");
    let chain: Vec<String> = ancestry
        .items
        .iter()
        .map(|i| {
            format!(
                "{}:{}",
                i.entity["kind"].as_str().unwrap(),
                i.entity["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(chain.len(), 4, "{chain:?}");
    assert_eq!(chain[0], "API:petstore");
    assert_eq!(chain[1], "Location:example-apis");
    assert_eq!(chain[2], "Location:example-all");
    assert!(chain[3].starts_with("Location:generated-"), "{chain:?}");
    assert_eq!(
        ancestry.items[0].parent_entity_refs,
        ["location:default/example-apis"]
    );
    assert!(ancestry.items[3].parent_entity_refs.is_empty());

    // Locations.
    let locations = catalog.locations(&org).unwrap();
    assert_eq!(locations.len(), 1);
    assert_eq!(locations[0], added.location);
    let by_entity = catalog
        .location_by_entity(&org, "component", "default", "artist-lookup")
        .unwrap();
    assert_eq!(by_entity, added.location);
    // Registering the same location again is a conflict.
    let target = corpus()
        .join("examples/all.yaml")
        .to_string_lossy()
        .into_owned();
    let err = catalog
        .add_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target,
                dry_run: false,
            },
        )
        .unwrap_err();
    assert_eq!((err.name(), err.status()), ("ConflictError", 409));
}

#[test]
fn acme_corp_and_cross_location_relations() {
    let catalog = catalog();
    let org = org();
    add(&catalog, &org, "examples/all.yaml");
    add(&catalog, &org, "examples/acme-corp.yaml");
    assert_eq!(count(&catalog, &org, "kind=group"), 8);
    assert_eq!(count(&catalog, &org, "kind=user"), 17);
    assert_eq!(count(&catalog, &org, "kind=location"), 8 + 3);
    // Users in two namespaces with the same name.
    assert!(
        catalog
            .entity_by_name(&org, "user", "default", "guest")
            .is_ok()
    );
    assert!(
        catalog
            .entity_by_name(&org, "user", "development", "guest")
            .is_ok()
    );

    let team_a = catalog
        .entity_by_name(&org, "group", "default", "team-a")
        .unwrap();
    // From the group's own spec (parent) and its users' memberOf...
    assert!(has(&team_a, "childOf", "group:default/backstage"));
    assert!(has(&team_a, "hasMember", "user:default/breanna.davison"));
    // ...and from entities of the other location (ownership), stitched across locations.
    assert!(has(&team_a, "ownerOf", "component:default/artist-lookup"));
    assert!(has(
        &team_a,
        "ownerOf",
        "system:default/artist-engagement-portal"
    ));
    let backstage = catalog
        .entity_by_name(&org, "group", "default", "backstage")
        .unwrap();
    assert!(has(&backstage, "parentOf", "group:default/team-a"));
    let user = catalog
        .entity_by_name(&org, "user", "default", "breanna.davison")
        .unwrap();
    assert_eq!(
        relations(&user),
        vec![("memberOf".to_owned(), "group:default/team-a".to_owned())]
    );

    // relations.<type> filters, the index Backstage documents.
    assert_eq!(
        count(
            &catalog,
            &org,
            "kind=user,relations.memberof=group:default/team-a"
        ),
        5
    );
    let history = catalog
        .entity_history(&org, "group", "default", "team-a")
        .unwrap();
    // Created by its location, then re-stitched when ownership came from the other location?
    // No: all.yaml came first, so team-a was created with every relation already known.
    assert_eq!(history.items.len(), 1, "{:#?}", history.items);
    assert_eq!(history.items[0].change, "created");
}

#[test]
fn dry_run_and_validate_entity() {
    let catalog = catalog();
    let org = org();
    let target = corpus()
        .join("examples/acme-corp.yaml")
        .to_string_lossy()
        .into_owned();
    let dry = catalog
        .add_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target,
                dry_run: true,
            },
        )
        .unwrap();
    assert_eq!(dry.exists, Some(false));
    assert_eq!(dry.entities.len(), 28);
    assert!(catalog.locations(&org).unwrap().is_empty());
    assert_eq!(count(&catalog, &org, "kind=group"), 0);

    let ok = ValidateEntityRequest {
        entity: json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "ok"}, "spec": {"type": "service", "lifecycle": "x", "owner": "me"}}),
        location: "url:https://example.com/catalog-info.yaml".into(),
    };
    catalog.validate_entity(&org, &ok).unwrap();
    let bad = ValidateEntityRequest {
        entity: json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": "not ok!"}, "spec": {"type": "service"}}),
        location: "url:https://example.com/catalog-info.yaml".into(),
    };
    let err = catalog.validate_entity(&org, &bad).unwrap_err();
    assert_eq!(err.status(), 400);
    let body = err.body("POST", "/api/catalog/validate-entity");
    assert_eq!(body["error"]["name"], "InputError");
    assert_eq!(body["response"]["statusCode"], 400);
    assert!(body["errors"].as_array().unwrap().len() >= 2, "{body}");
}

#[test]
fn a_store_reopened_from_disk_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let org = org();
    let (before, facets_before) = {
        let storage = Arc::new(SledStorage::open(dir.path(), &SledOptions::default()).unwrap());
        let catalog = catalog_on(storage.clone());
        add(&catalog, &org, "examples/all.yaml");
        add(&catalog, &org, "examples/acme-corp.yaml");
        storage.flush().unwrap();
        let before = catalog
            .entities(&org, &EntitiesRequest::default())
            .unwrap()
            .entities;
        let facets = catalog
            .entity_facets(
                &org,
                &FacetsRequest {
                    facet: vec!["kind".into(), "spec.type".into()],
                    ..Default::default()
                },
            )
            .unwrap();
        (before, facets)
    };
    // sled's background threads release the directory lock shortly after the drop.
    let mut reopened = SledStorage::open(dir.path(), &SledOptions::default());
    for _ in 0..200 {
        if reopened.is_ok() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
        reopened = SledStorage::open(dir.path(), &SledOptions::default());
    }
    let storage = Arc::new(reopened.expect("the data directory is free again after the drop"));
    let catalog = catalog_on(storage);
    let after = catalog
        .entities(&org, &EntitiesRequest::default())
        .unwrap()
        .entities;
    assert_eq!(after.len(), 41 + 28);
    assert_eq!(before, after);
    let facets_after = catalog
        .entity_facets(
            &org,
            &FacetsRequest {
                facet: vec!["kind".into(), "spec.type".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(facets_before, facets_after);
    // The derived relation index is rebuilt too: a refresh after reopening changes nothing.
    for location in catalog.locations(&org).unwrap() {
        let report = catalog.refresh_location(&org, &location.id).unwrap();
        assert_eq!(
            report.created + report.updated + report.restitched,
            0,
            "{report:?}"
        );
    }
    assert_eq!(
        catalog
            .entities(&org, &EntitiesRequest::default())
            .unwrap()
            .entities,
        before
    );
}

#[test]
fn organizations_never_see_each_other() {
    let catalog = catalog();
    let acme = OrgId::new("acme").unwrap();
    let globex = OrgId::new("globex").unwrap();
    add(&catalog, &acme, "examples/acme-corp.yaml");
    add(&catalog, &globex, "examples/all.yaml");
    assert_eq!(count(&catalog, &acme, "kind=group"), 8);
    assert_eq!(count(&catalog, &globex, "kind=group"), 0);
    assert_eq!(count(&catalog, &acme, "kind=component"), 0);
    assert_eq!(count(&catalog, &globex, "kind=component"), 13);
    assert!(
        catalog
            .entity_by_name(&globex, "group", "default", "team-a")
            .is_err()
    );
    let uid = catalog
        .entity_by_name(&acme, "group", "default", "team-a")
        .unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        catalog.entity_by_uid(&globex, &uid).unwrap_err().name(),
        "NotFoundError"
    );
    assert_eq!(catalog.locations(&acme).unwrap().len(), 1);
    assert_eq!(catalog.locations(&globex).unwrap().len(), 1);
    // Same entity ref in both: independent.
    add(&catalog, &globex, "examples/acme-corp.yaml");
    let a = catalog
        .entity_by_name(&acme, "group", "default", "team-a")
        .unwrap();
    let g = catalog
        .entity_by_name(&globex, "group", "default", "team-a")
        .unwrap();
    assert_ne!(a["metadata"]["uid"], g["metadata"]["uid"]);
    assert!(!has(&a, "ownerOf", "component:default/artist-lookup"));
    assert!(has(&g, "ownerOf", "component:default/artist-lookup"));
}
