//! The catalog REST API over HTTP: what the catalog-client conformance does not reach
//! (the legacy listing's Link paging, error bodies, history, the catalog capability).

mod common;

use common::{TestHost, entity};
use portico::runtime::CallContext;
use portico_storage::OrgId;
use serde_json::Value;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn legacy_listing_pages_through_link_headers() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let mut url = format!(
        "http://{addr}/api/catalog/entities?filter=kind=user&fields=metadata.name,metadata.namespace&limit=5"
    );
    let mut names = Vec::new();
    let mut pages = 0;
    loop {
        let response = client.get(&url).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let link = response
            .headers()
            .get("link")
            .map(|v| v.to_str().unwrap().to_string());
        let page: Vec<Value> = response.json().await.unwrap();
        names.extend(page.iter().map(|e| {
            format!(
                "{}/{}",
                e["metadata"]["namespace"].as_str().unwrap_or("default"),
                e["metadata"]["name"].as_str().unwrap()
            )
        }));
        pages += 1;
        let Some(link) = link else { break };
        let path = link.trim_start_matches('<').split('>').next().unwrap();
        assert!(link.ends_with("rel=\"next\""), "{link}");
        url = format!("http://{addr}{path}");
        assert!(pages < 10, "paging does not end");
    }
    // acme/*.yaml define 17 users.
    assert_eq!(names.len(), 17, "{names:?}");
    assert!(pages >= 4, "{pages} pages");
    let mut unique = names.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 17, "no user twice across pages: {names:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_use_backstages_body_and_status() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = host.serve().await;
    let client = reqwest::Client::new();

    let r = client
        .get(format!(
            "http://{addr}/api/catalog/entities/by-name/component/default/nope"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "NotFoundError");
    assert_eq!(body["response"]["statusCode"], 404);
    assert_eq!(body["request"]["method"], "GET");

    let r = client
        .post(format!("http://{addr}/api/catalog/entities/by-query"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "InputError");

    // A query parameter of the wrong type: 400 naming the parameter.
    for (method, path, parameter) in [
        ("GET", "entities?limit=-1", "limit"),
        (
            "GET",
            "entities/by-query?filter=kind=api&offset=ten",
            "offset",
        ),
        ("POST", "locations?dryRun=maybe", "dryRun"),
    ] {
        let r = client
            .request(
                method.parse().unwrap(),
                format!("http://{addr}/api/catalog/{path}"),
            )
            .json(&serde_json::json!({"type": "file", "target": "/nowhere.yaml"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["name"], "InputError", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("Invalid query parameter {parameter}: ")),
            "{path}: {message}"
        );
    }

    // A file outside catalog.file_root is never read, even when registered.
    let outside = tempfile::tempdir().unwrap();
    let file = outside.path().join("catalog-info.yaml");
    std::fs::write(
        &file,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: smuggled\nspec:\n  type: service\n  owner: x\n  lifecycle: y\n",
    )
    .unwrap();
    client
        .post(format!("http://{addr}/api/catalog/locations"))
        .json(&serde_json::json!({ "type": "file", "target": file.display().to_string() }))
        .send()
        .await
        .unwrap();
    let r = client
        .get(format!(
            "http://{addr}/api/catalog/entities/by-name/component/default/smuggled"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        404,
        "a file outside the catalog root must not be read"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_is_served_per_entity() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = host.serve().await;
    let body: Value = reqwest::get(format!(
        "http://{addr}/api/catalog/entities/by-name/component/default/petstore/history"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(body["entityRef"], "component:default/petstore");
    let items = body["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_capability_reads_the_real_catalog() {
    let host = TestHost::new();
    host.ingest_corpus();
    let ctx = CallContext::org(OrgId::default_org());
    let access = portico::catalog_access::CatalogBridge(host.catalog.clone());
    use portico::runtime::CatalogAccess;
    let petstore = access
        .get_entity(&ctx.org, "component", "default", "petstore")
        .unwrap()
        .unwrap();
    assert_eq!(petstore.name, "petstore");
    assert!(petstore.descriptor_json.contains("team-c"));
    assert!(
        access
            .get_entity(&ctx.org, "component", "default", "nope")
            .unwrap()
            .is_none()
    );
    let apis = access.query(&ctx.org, "kind=api", 3).unwrap();
    assert_eq!(apis.len(), 3);
    let _ = entity("unused");
}

/// Registering an existing location over HTTP: 409 in Backstage's shape by default
/// (`onConflict=reject`), a refresh of the existing location with `onConflict=refresh`, and a
/// 400 naming the parameter for anything else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_existing_location_is_a_conflict_unless_asked_to_refresh() {
    let host = TestHost::new();
    let addr = host.serve().await;
    // Inside the test host's `file_root` (the repository); `target/` is ignored by git.
    let scratch = common::repo_root().join("target");
    std::fs::create_dir_all(&scratch).unwrap();
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let write = |lifecycle: &str| {
        std::fs::write(
            &file,
            format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: twice}}\nspec: {{type: service, owner: me, lifecycle: {lifecycle}}}\n"),
        )
        .unwrap()
    };
    write("experimental");
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let body = serde_json::json!({"type": "file", "target": file.display().to_string()});
    let register = |query: &'static str| {
        client
            .post(format!("{base}/locations{query}"))
            .json(&body)
            .send()
    };
    let first = register("").await.unwrap();
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let id = first["location"]["id"].as_str().unwrap().to_owned();

    for query in ["", "?onConflict=reject"] {
        let again = register(query).await.unwrap();
        assert_eq!(again.status(), 409, "{query}");
        let error: Value = again.json().await.unwrap();
        assert_eq!(error["error"]["name"], "ConflictError", "{error}");
        assert_eq!(error["response"]["statusCode"], 409);
        assert_eq!(error["request"]["method"], "POST");
    }

    // `refresh`: the existing location is read again (the change is served) and answered.
    write("production");
    let refreshed = register("?onConflict=refresh").await.unwrap();
    assert_eq!(refreshed.status(), 201);
    let refreshed: Value = refreshed.json().await.unwrap();
    assert_eq!(refreshed["location"]["id"], id.as_str());
    assert_eq!(refreshed["exists"], true);
    let entity: Value = client
        .get(format!("{base}/entities/by-name/component/default/twice"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(entity["spec"]["lifecycle"], "production");
    let locations: Vec<Value> = client
        .get(format!("{base}/locations"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(locations.len(), 1, "{locations:?}");

    let bad = register("?onConflict=merge").await.unwrap();
    assert_eq!(bad.status(), 400);
    let error: Value = bad.json().await.unwrap();
    assert_eq!(error["error"]["name"], "InputError");
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("onConflict"),
        "{error}"
    );
}

/// History over HTTP: a change made by a refresh is a revision with its diff, newest last;
/// an unknown entity is a 404 in Backstage's error shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_lists_revisions_with_their_diff_and_404s_for_unknown_entities() {
    let host = TestHost::new();
    let addr = host.serve().await;
    let scratch = common::repo_root().join("target");
    std::fs::create_dir_all(&scratch).unwrap();
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let write = |owner: &str| {
        std::fs::write(
            &file,
            format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: tracked}}\nspec: {{type: service, owner: {owner}, lifecycle: production}}\n"),
        )
        .unwrap()
    };
    write("team-a");
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let created = client
        .post(format!("{base}/locations"))
        .json(&serde_json::json!({"type": "file", "target": file.display().to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.unwrap();
    let producer = format!("location:{}", created["location"]["id"].as_str().unwrap());
    write("team-b");
    let refreshed = client
        .post(format!("{base}/refresh"))
        .json(&serde_json::json!({"entityRef": "component:default/tracked"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);

    let history: Value = client
        .get(format!(
            "{base}/entities/by-name/Component/default/TRACKED/history"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(history["entityRef"], "component:default/tracked");
    let items = history["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{history}");
    assert_eq!(items[0]["change"], "created");
    assert_eq!(items[1]["change"], "updated");
    assert_eq!(items[0]["producer"], producer.as_str());
    assert_eq!(items[1]["producer"], producer.as_str());
    assert!(
        items[0]["timestamp"].as_str().unwrap().ends_with('Z'),
        "{history}"
    );
    let diff = items[1]["diff"].as_array().unwrap();
    assert!(
        diff.iter()
            .any(|op| op["path"] == "/spec/owner" && op["value"] == "team-b"),
        "{history}"
    );

    let missing = client
        .get(format!(
            "{base}/entities/by-name/component/default/nope/history"
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let error: Value = missing.json().await.unwrap();
    assert_eq!(error["error"]["name"], "NotFoundError");
    assert_eq!(error["response"]["statusCode"], 404);
}

/// `catalog.kinds` in portico.yaml: a kind of the organization's own (a YAML JSON Schema) and
/// extra required fields on Component (a JSON one), paths relative to the config file — no
/// code. Entities are checked against them when ingested and by `POST /validate-entity`; a
/// schema that cannot be used stops startup naming the config entry.
#[test]
fn organization_kinds_come_from_json_schemas_in_the_config() {
    use portico_catalog::api::{AddLocationRequest, EntitiesRequest, ValidateEntityRequest};
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    write(
        "kinds/service.yaml",
        "$id: AcmeServiceV1\nallOf:\n  - $ref: Entity\n  - type: object\n    required: [spec]\n    properties:\n      apiVersion: {enum: [acme.com/v1]}\n      kind: {enum: [Service]}\n      spec:\n        type: object\n        required: [tier]\n        properties:\n          tier: {enum: [gold, silver]}\n",
    );
    write(
        "kinds/component-cost.json",
        r#"{"$id": "AcmeComponent", "properties": {"spec": {"required": ["costCenter"]}}}"#,
    );
    let config_file = write(
        "portico.yaml",
        "catalog:\n  kinds:\n    - schema: kinds/service.yaml\n    - schema: kinds/component-cost.json\n      extends: Component\n",
    );
    let component = |name: &str, extra: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\nspec: {{type: service, owner: me, lifecycle: production{extra}}}\n"
        )
    };
    let descriptor = write(
        "catalog-info.yaml",
        &[
            "apiVersion: acme.com/v1\nkind: Service\nmetadata: {name: billing}\nspec: {tier: gold}\n".to_owned(),
            "apiVersion: acme.com/v1\nkind: Service\nmetadata: {name: bronze}\nspec: {tier: bronze}\n".to_owned(),
            component("costed", ", costCenter: cc-1"),
            component("uncosted", ""),
        ]
        .join("---\n"),
    );

    let config = portico::config::Config::load(&config_file).unwrap();
    let catalog = portico::app::build_catalog(
        &config,
        Arc::new(portico_storage::SledStorage::temporary().unwrap()),
    )
    .unwrap();
    let org = OrgId::default_org();
    catalog
        .add_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target: descriptor.display().to_string(),
                dry_run: false,
            },
        )
        .unwrap();
    let mut served: Vec<String> = catalog
        .entities(&org, &EntitiesRequest::default())
        .unwrap()
        .entities
        .iter()
        .filter(|e| e["kind"] != "Location")
        .map(|e| {
            format!(
                "{}:{}",
                e["kind"].as_str().unwrap(),
                e["metadata"]["name"].as_str().unwrap()
            )
        })
        .collect();
    served.sort();
    assert_eq!(served, ["Component:costed", "Service:billing"]);
    let mut pending: Vec<(String, String)> = catalog
        .pending_errors(&org)
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                p.entity_ref,
                p.items[0]["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    pending.sort();
    assert_eq!(pending.len(), 2, "{pending:?}");
    assert_eq!(pending[0].0, "component:default/uncosted");
    assert!(
        pending[0]
            .1
            .contains("must have required property 'costCenter'"),
        "{pending:?}"
    );
    assert_eq!(pending[1].0, "service:default/bronze");
    assert!(
        pending[1]
            .1
            .contains("/spec/tier must be equal to one of the allowed values"),
        "{pending:?}"
    );

    let check = |entity: Value| {
        catalog.validate_entity(
            &org,
            &ValidateEntityRequest {
                entity,
                location: "url:https://example.com/catalog-info.yaml".into(),
            },
        )
    };
    assert!(check(serde_json::json!({"apiVersion": "acme.com/v1", "kind": "Service", "metadata": {"name": "s"}, "spec": {"tier": "silver"}})).is_ok());
    let err = check(serde_json::json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "c"}, "spec": {"type": "service", "owner": "me", "lifecycle": "production"}})).unwrap_err();
    assert_eq!(err.status(), 400);

    // Schemas that cannot be used: the error names the entry, and the file or the kind.
    let refused = |kinds: &str| {
        let file = write("bad.yaml", &format!("catalog:\n  kinds:\n{kinds}"));
        let config = portico::config::Config::load(&file).unwrap();
        let err = portico::app::build_catalog(
            &config,
            Arc::new(portico_storage::SledStorage::temporary().unwrap()),
        )
        .err()
        .expect("refused");
        format!("{err:#}")
    };
    let message = refused("    - schema: kinds/missing.json\n");
    assert!(message.contains("`catalog.kinds[0].schema`"), "{message}");
    assert!(message.contains("kinds/missing.json"), "{message}");
    let message = refused("    - schema: kinds/component-cost.json\n");
    assert!(message.contains("kinds/component-cost.json"), "{message}");
    assert!(
        message.contains("must constrain `kind` and `apiVersion`"),
        "{message}"
    );
    let message = refused("    - schema: kinds/component-cost.json\n      extends: component\n");
    assert!(message.contains("`catalog.kinds[0].extends`"), "{message}");
    assert!(message.contains("no kind \"component\""), "{message}");
    write("kinds/broken.yaml", "properties: [unclosed\n");
    let message = refused("    - schema: kinds/service.yaml\n    - schema: kinds/broken.yaml\n");
    assert!(message.contains("`catalog.kinds[1].schema`"), "{message}");
}

/// `catalog.kinds[].relations`: a kind of the organization's own gets relations from its spec
/// fields, in both directions, as Backstage's kinds do (no processor code); a relation that
/// cannot apply stops startup naming the entry.
#[test]
fn organization_kinds_get_relations_declared_in_the_config() {
    use portico_catalog::api::AddLocationRequest;
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    };
    write(
        "kinds/service.yaml",
        "$id: AcmeServiceV1\nallOf:\n  - $ref: Entity\n  - type: object\n    properties:\n      apiVersion: {enum: [acme.com/v1]}\n      kind: {enum: [Service]}\n",
    );
    let config_file = write(
        "portico.yaml",
        "catalog:\n  kinds:\n    - schema: kinds/service.yaml\n      relations:\n        - {field: spec.owner, type: ownedBy, reverse: ownerOf, default_kind: Group}\n        - {field: runsOn, type: dependsOn, reverse: dependencyOf, default_kind: Resource}\n",
    );
    let descriptor = write(
        "catalog-info.yaml",
        "apiVersion: acme.com/v1\nkind: Service\nmetadata: {name: billing}\nspec: {owner: payments, runsOn: [db-1, 'resource:prod/db-2']}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: payments}\nspec: {type: team, children: []}\n",
    );
    let config = portico::config::Config::load(&config_file).unwrap();
    let catalog = portico::app::build_catalog(
        &config,
        Arc::new(portico_storage::SledStorage::temporary().unwrap()),
    )
    .unwrap();
    let org = OrgId::default_org();
    catalog
        .add_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target: descriptor.display().to_string(),
                dry_run: false,
            },
        )
        .unwrap();
    let relations = |kind: &str, name: &str| -> Vec<String> {
        let entity = catalog.entity_by_name(&org, kind, "default", name).unwrap();
        let mut out: Vec<String> = entity["relations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["type"].as_str().unwrap(),
                    r["targetRef"].as_str().unwrap()
                )
            })
            .collect();
        out.sort();
        out
    };
    assert_eq!(
        relations("service", "billing"),
        [
            "dependsOn resource:default/db-1",
            "dependsOn resource:prod/db-2",
            "ownedBy group:default/payments"
        ]
    );
    assert_eq!(
        relations("group", "payments"),
        ["ownerOf service:default/billing"]
    );

    let refused = |relations: &str| {
        let file = write(
            "bad.yaml",
            &format!(
                "catalog:\n  kinds:\n    - schema: kinds/service.yaml\n      relations:\n{relations}"
            ),
        );
        let config = portico::config::Config::load(&file).unwrap();
        let err = portico::app::build_catalog(
            &config,
            Arc::new(portico_storage::SledStorage::temporary().unwrap()),
        )
        .err()
        .expect("refused");
        format!("{err:#}")
    };
    let message = refused("        - {field: spec.a.b, type: x, reverse: y}\n");
    assert!(
        message.contains("`catalog.kinds[0].relations[0]`"),
        "{message}"
    );
    assert!(message.contains("directly under `spec`"), "{message}");
    let message = refused("        - {field: owner, type: owned by, reverse: y}\n");
    assert!(
        message.contains("a relation type is letters and digits"),
        "{message}"
    );
}
