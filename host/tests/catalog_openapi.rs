//! Backstage's catalog OpenAPI (`corpus/backstage/catalog-openapi.yaml`) against a live
//! Portico: every path and method of the spec is routed and answers a well-formed request with a
//! status the spec declares and a body in the spec's shape; plus the behaviour of
//! `POST /analyze-location` and `PUT /locations/{id}`.

mod common;

use common::{TestHost, repo_root};
use serde_json::{Value, json};
use std::collections::BTreeSet;

fn spec() -> Value {
    let text =
        std::fs::read_to_string(repo_root().join("corpus/backstage/catalog-openapi.yaml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let target = spec
                .pointer(reference.trim_start_matches('#'))
                .unwrap_or_else(|| panic!("dangling {reference}"));
            resolve(spec, target)
        }
        None => node,
    }
}

/// Checks `value` against the parts of a JSON Schema the spec uses for shapes: `type`,
/// `required`, `properties`, `items`, `allOf`, `oneOf`/`anyOf`. Returns the first mismatch.
fn shape_error(spec: &Value, schema: &Value, value: &Value, at: &str) -> Option<String> {
    let schema = resolve(spec, schema);
    for part in schema["allOf"].as_array().into_iter().flatten() {
        if let Some(e) = shape_error(spec, part, value, at) {
            return Some(e);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(options) = schema[key].as_array()
            && options
                .iter()
                .all(|o| shape_error(spec, o, value, at).is_some())
        {
            return Some(format!("{at}: matches none of {key}"));
        }
    }
    let type_ok = match schema["type"].as_str() {
        None => true,
        Some("object") => value.is_object(),
        Some("array") => value.is_array(),
        Some("string") => value.is_string(),
        Some("number") => value.is_number(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("boolean") => value.is_boolean(),
        Some("null") => value.is_null(),
        Some(other) => panic!("unknown type {other}"),
    };
    if !type_ok {
        return Some(format!("{at}: expected {}, got {value}", schema["type"]));
    }
    if let Some(object) = value.as_object() {
        for required in schema["required"].as_array().into_iter().flatten() {
            let key = required.as_str().unwrap();
            if !object.contains_key(key) {
                return Some(format!("{at}: missing required `{key}`"));
            }
        }
        if let Some(properties) = schema["properties"].as_object() {
            for (key, sub) in properties {
                if let Some(v) = object.get(key)
                    && let Some(e) = shape_error(spec, sub, v, &format!("{at}.{key}"))
                {
                    return Some(e);
                }
            }
        }
    }
    if let (Some(items), Some(list)) = (schema.get("items"), value.as_array()) {
        for (i, v) in list.iter().enumerate() {
            if let Some(e) = shape_error(spec, items, v, &format!("{at}[{i}]")) {
                return Some(e);
            }
        }
    }
    None
}

/// A well-formed request for each operation: (query string, JSON body).
fn request_for(operation: &str, corpus: &str) -> (&'static str, Option<Value>) {
    match operation {
        "RefreshEntity" => ("", Some(json!({"entityRef": "component:default/petstore"}))),
        "GetEntities" => ("?filter=kind=component&limit=5", None),
        "GetEntitiesByRefs" => (
            "",
            Some(json!({"entityRefs": ["component:default/petstore", "component:default/nope"]})),
        ),
        "GetEntitiesByQuery" => ("?filter=kind=api&limit=2", None),
        "QueryEntitiesByPredicate" => (
            "",
            Some(json!({"query": {"kind": "Component"}, "limit": 2})),
        ),
        "GetEntityFacets" => ("?facet=kind", None),
        "QueryEntityFacetsByPredicate" => ("", Some(json!({"facets": ["kind"]}))),
        "CreateLocation" => (
            "?dryRun=true",
            Some(json!({"type": "file", "target": format!("{corpus}/examples/all-domains.yaml")})),
        ),
        "GetLocationsByQuery" => ("", Some(json!({"limit": 10}))),
        "UpdateLocation" => (
            "",
            Some(json!({"type": "file", "target": format!("{corpus}/examples/all-domains.yaml")})),
        ),
        "AnalyzeLocation" => (
            "",
            Some(
                json!({"location": {"type": "file", "target": format!("{corpus}/examples/all-systems.yaml")}}),
            ),
        ),
        "ValidateEntity" => (
            "",
            Some(
                json!({"location": "url:https://example.com/x.yaml", "entity": {
                "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
                "metadata": {"name": "fine"}, "spec": {"type": "service", "owner": "me", "lifecycle": "production"}}}),
            ),
        ),
        "UpdateEntityStatusByName" => ("", Some(json!({"source": "ci", "status": {}}))),
        "BatchUpdateEntityStatus" => (
            "",
            Some(
                json!([{"entityRef": "component:default/petstore", "source": "ci", "status": {}}]),
            ),
        ),
        "DeleteEntityStatusByName" => ("?source=ci", None),
        _ => ("", None),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_of_the_spec_is_served_in_its_shape() {
    let host = TestHost::new();
    let corpus = host.ingest_corpus();
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let get = |path: String| {
        let client = client.clone();
        async move {
            client
                .get(path)
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    };
    let petstore = get(format!(
        "{base}/entities/by-name/component/default/petstore"
    ))
    .await;
    let uid = petstore["metadata"]["uid"].as_str().unwrap().to_owned();
    let location_id = get(format!(
        "{base}/locations/by-entity/component/default/petstore"
    ))
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let spec = spec();
    let mut operations = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            operations.push((path.clone(), method.clone(), op.clone()));
        }
    }
    // Changes last (the location update, then deletions, the entity's status before the
    // entity), so every read sees the full catalog.
    operations.sort_by_key(|(path, method, _)| match method.as_str() {
        "put" => 1,
        "delete" if path.ends_with("/status") => 2,
        "delete" => 3,
        _ => 0,
    });
    assert_eq!(operations.len(), 24, "the spec changed");

    let mut unserved = BTreeSet::new();
    for (path, method, op) in &operations {
        let id = op["operationId"].as_str().unwrap();
        let concrete = path
            .replace("{kind}", "component")
            .replace("{namespace}", "default")
            .replace("{name}", "petstore")
            .replace("{uid}", &uid)
            .replace("{id}", &location_id);
        let (query, body) = request_for(id, &corpus);
        let url = format!("{base}{concrete}{query}");
        let mut request = client.request(method.to_uppercase().parse().unwrap(), &url);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        // Unrouted: axum's empty 404/405, or the server's fallback for unknown API paths.
        if status == 405 || status == 404 && (text.is_empty() || text.contains("no API route")) {
            unserved.insert(id.to_owned());
            continue;
        }
        let declared = &op["responses"][status.to_string()];
        assert!(
            (200..300).contains(&status) && !declared.is_null(),
            "{id} {method} {url}: {status} is not a success the spec declares: {text}"
        );
        let schema = resolve(&spec, declared).pointer("/content/application~1json/schema");
        match schema {
            Some(schema) => {
                let value: Value = serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{id}: not JSON ({e}): {text}"));
                if let Some(e) = shape_error(&spec, schema, &value, "$") {
                    panic!("{id}: {e}\n{text}");
                }
            }
            None => assert!(
                text.is_empty() || status == 200,
                "{id}: the spec declares no body for {status}: {text}"
            ),
        }
    }
    assert_eq!(
        unserved,
        BTreeSet::new(),
        "operations of the spec not served"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_answer_in_backstages_error_shape() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = host.serve().await;
    let spec = spec();
    let error_schema = resolve(&spec, &spec["components"]["responses"]["ErrorResponse"])
        .pointer("/content/application~1json/schema")
        .unwrap()
        .clone();
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let cases = [
        (
            "GET",
            format!("{base}/entities/by-uid/no-such-uid"),
            None,
            404,
        ),
        ("GET", format!("{base}/locations/no-such-id"), None, 404),
        (
            "PUT",
            format!("{base}/locations/no-such-id"),
            Some(json!({"type": "file", "target": "/x.yaml"})),
            404,
        ),
        (
            "PUT",
            format!("{base}/locations/no-such-id"),
            Some(json!({"type": "", "target": ""})),
            400,
        ),
        (
            "POST",
            format!("{base}/analyze-location"),
            Some(json!({"location": {"type": "", "target": ""}})),
            400,
        ),
        (
            "POST",
            format!("{base}/refresh"),
            Some(json!({"entityRef": "component:default/nope"})),
            404,
        ),
    ];
    for (method, url, body, expected) in cases {
        let mut request = client.request(method.parse().unwrap(), &url);
        if let Some(body) = &body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status().as_u16(), expected, "{method} {url}");
        let value: Value = response.json().await.unwrap();
        assert_eq!(
            shape_error(&spec, &error_schema, &value, "$"),
            None,
            "{value}"
        );
        assert_eq!(value["response"]["statusCode"], expected);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn analyze_location_reports_existing_descriptors_or_suggests_one() {
    let host = TestHost::new();
    let corpus = host.ingest_corpus();
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let analyze = |location: Value| {
        let client = client.clone();
        async move {
            let response = client
                .post(format!("http://{addr}/api/catalog/analyze-location"))
                .json(&json!({ "location": location }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()
        }
    };

    // A registered descriptor: its entities, marked registered.
    let all = format!("{corpus}/examples/all.yaml");
    let found = analyze(json!({"type": "file", "target": all})).await;
    assert_eq!(found["generateEntities"], json!([]));
    let files = found["existingEntityFiles"].as_array().unwrap();
    assert!(files.len() > 30, "{found}");
    assert!(files.iter().all(|f| f["isRegistered"] == true));
    let petstore = files
        .iter()
        .find(|f| {
            f["entity"]["metadata"]["name"] == "petstore" && f["entity"]["kind"] == "Component"
        })
        .unwrap();
    assert_eq!(
        petstore["location"],
        json!({"type": "file", "target": format!("{corpus}/examples/components/petstore-component.yaml")})
    );
    assert_eq!(petstore["entity"]["metadata"]["namespace"], "default");

    // A directory holding catalog-info.yaml: found there, not registered.
    let dir = tempfile::tempdir_in(scratch_root()).unwrap();
    std::fs::write(
        dir.path().join("catalog-info.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: in-dir}\nspec: {type: service, owner: me, lifecycle: production}\n",
    )
    .unwrap();
    let found = analyze(json!({"type": "file", "target": dir.path().display().to_string()})).await;
    let files = found["existingEntityFiles"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{found}");
    assert_eq!(files[0]["isRegistered"], false);
    assert_eq!(files[0]["entity"]["metadata"]["name"], "in-dir");

    // Nothing there: a Component to create, named after the directory, owner to fill in.
    let empty = dir.path().join("payments-service");
    std::fs::create_dir(&empty).unwrap();
    let found = analyze(json!({"type": "file", "target": empty.display().to_string()})).await;
    assert_eq!(found["existingEntityFiles"], json!([]));
    let suggested = &found["generateEntities"][0];
    assert_eq!(suggested["entity"]["kind"], "Component");
    assert_eq!(suggested["entity"]["metadata"]["name"], "payments-service");
    assert_eq!(
        suggested["entity"]["spec"],
        json!({"type": "other", "lifecycle": "unknown"})
    );
    assert_eq!(
        suggested["fields"][0],
        json!({"field": "spec.owner", "state": "needsUserInput", "value": null,
               "description": suggested["fields"][0]["description"]})
    );

    // Nothing stored by any of it.
    let locations: Value = reqwest::get(format!("http://{addr}/api/catalog/locations"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(locations.as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_location_repoints_a_location_and_reads_it() {
    let host = TestHost::new();
    let corpus = host.ingest_corpus();
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let location: Value = client
        .get(format!("{base}/locations/by-entity/domain/default/artists"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = location["id"].as_str().unwrap();
    let acme = format!("{corpus}/examples/acme-corp.yaml");

    // Pointing it at the other registered target is a conflict.
    let conflict = client
        .put(format!("{base}/locations/{id}"))
        .json(&json!({"type": "file", "target": acme}))
        .send()
        .await
        .unwrap();
    assert_eq!(conflict.status(), 409);

    let domains = format!("{corpus}/examples/all-domains.yaml");
    let updated = client
        .put(format!("{base}/locations/{id}"))
        .json(&json!({"type": "file", "target": domains}))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), 200);
    let updated: Value = updated.json().await.unwrap();
    let generated = portico_catalog::location::generated_location_name(
        &portico_catalog::LocationSpec::file(&domains),
    );
    assert_eq!(
        updated,
        json!({"id": id, "type": "file", "target": domains, "entityRef": format!("location:default/{generated}")})
    );
    let fetched: Value = client
        .get(format!("{base}/locations/{id}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fetched, updated);

    // Read at once: the domains stay, the rest of all.yaml is orphaned.
    let artists: Value = client
        .get(format!("{base}/entities/by-name/domain/default/artists"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        artists["metadata"]["annotations"]["backstage.io/managed-by-origin-location"],
        format!("file:{domains}")
    );
    assert!(
        artists["metadata"]["annotations"]
            .get("backstage.io/orphan")
            .is_none()
    );
    let petstore: Value = client
        .get(format!(
            "{base}/entities/by-name/component/default/petstore"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        petstore["metadata"]["annotations"]["backstage.io/orphan"],
        "true"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_change_is_served_as_soon_as_post_refresh_returns() {
    let host = TestHost::new();
    let addr = host.serve().await;
    let dir = tempfile::tempdir_in(scratch_root()).unwrap();
    let file = dir.path().join("catalog-info.yaml");
    let write = |lifecycle: &str| {
        std::fs::write(
            &file,
            format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: changing}}\nspec: {{type: service, owner: me, lifecycle: {lifecycle}}}\n"),
        )
        .unwrap()
    };
    write("experimental");
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let created = client
        .post(format!("{base}/locations"))
        .json(&json!({"type": "file", "target": file.display().to_string()}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let lifecycle = || {
        let client = client.clone();
        let url = format!("{base}/entities/by-name/component/default/changing");
        async move {
            let entity: Value = client.get(url).send().await.unwrap().json().await.unwrap();
            entity["spec"]["lifecycle"].as_str().unwrap().to_owned()
        }
    };
    assert_eq!(lifecycle().await, "experimental");
    write("production");
    // Not read yet: still the old version.
    assert_eq!(lifecycle().await, "experimental");
    let refreshed = client
        .post(format!("{base}/refresh"))
        .json(&json!({"entityRef": "component:default/changing"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    // The refresh wrote it before answering: the very next read sees it.
    assert_eq!(lifecycle().await, "production");
}

/// A scratch folder inside the repository (the test host's `file_root`), which a clean clone
/// built with CARGO_TARGET_DIR elsewhere does not have yet.
fn scratch_root() -> std::path::PathBuf {
    let root = repo_root().join("target");
    std::fs::create_dir_all(&root).unwrap();
    root
}

/// The external status operations end to end: sources written (stitched or with
/// `?stitch=skip`), listed, merged into the served entity beside its processing status,
/// stitched by `POST /refresh`, deleted; batches answering 204, 207 or 400; and every failure
/// in Backstage's error shape with the spec's status code.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_status_is_written_listed_merged_and_deleted() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = host.serve().await;
    let spec = spec();
    let error_schema = resolve(&spec, &spec["components"]["responses"]["ErrorResponse"])
        .pointer("/content/application~1json/schema")
        .unwrap()
        .clone();
    let client = reqwest::Client::new();
    let base = format!("http://{addr}/api/catalog");
    let entity_url = format!("{base}/entities/by-name/component/default/petstore");
    let status_url = format!("{entity_url}/status");
    let entity = || {
        let request = client.get(&entity_url);
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let sources = || {
        let request = client.get(&status_url);
        async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            response.json::<Value>().await.unwrap()["sources"].clone()
        }
    };
    let send = |method: &str, url: String, body: Option<Value>| {
        let mut request = client.request(method.parse().unwrap(), url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        async move {
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            (status, response.text().await.unwrap())
        }
    };

    let before = entity().await;
    assert!(before.get("status").is_none(), "{before}");
    assert_eq!(sources().await, json!([]));

    let (code, text) = send(
        "POST",
        status_url.clone(),
        Some(json!({"source": "ci", "status": {"build": "passing"}})),
    )
    .await;
    assert_eq!((code, text.as_str()), (204, ""));
    let (code, _) = send(
        "POST",
        format!("{status_url}?stitch=skip"),
        Some(json!({"source": "alerts", "status": {"open": 1}})),
    )
    .await;
    assert_eq!(code, 204);
    assert_eq!(sources().await, json!(["alerts", "ci"]));
    let stitched = entity().await;
    assert_eq!(stitched["status"], json!({"ci": {"build": "passing"}}));
    assert_ne!(stitched["metadata"]["etag"], before["metadata"]["etag"]);
    assert_eq!(stitched["spec"], before["spec"]);

    // Refreshing the entity stitches the skipped write (its file did not change).
    let (code, _) = send(
        "POST",
        format!("{base}/refresh"),
        Some(json!({"entityRef": "component:default/petstore"})),
    )
    .await;
    assert_eq!(code, 200);
    let refreshed = entity().await;
    assert_eq!(
        refreshed["status"],
        json!({"ci": {"build": "passing"}, "alerts": {"open": 1}})
    );
    assert_ne!(refreshed["metadata"]["etag"], stitched["metadata"]["etag"]);
    // Queries serve the same stitched entity.
    let by_refs: Value = client
        .post(format!("{base}/entities/by-refs"))
        .json(&json!({"entityRefs": ["component:default/petstore"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(by_refs["items"][0], refreshed);

    let (code, _) = send("DELETE", format!("{status_url}?source=ci"), None).await;
    assert_eq!(code, 204);
    assert_eq!(entity().await["status"], json!({"alerts": {"open": 1}}));

    // A batch: unknown entities are reported per entry (207), the rest is written.
    let (code, text) = send(
        "POST",
        format!("{base}/entities/status-batch"),
        Some(json!([
            {"entityRef": "component:default/petstore", "source": "scanner", "status": {"cves": 0}},
            {"entityRef": "component:default/no-such-thing", "source": "scanner", "status": {}},
        ])),
    )
    .await;
    assert_eq!(code, 207, "{text}");
    let multi: Value = serde_json::from_str(&text).unwrap();
    let schema = spec
        .pointer(
            "/paths/~1entities~1status-batch/post/responses/207/content/application~1json/schema",
        )
        .unwrap();
    assert_eq!(shape_error(&spec, schema, &multi, "$"), None, "{multi}");
    assert_eq!(
        multi,
        json!({"results": [
            {"entityRef": "component:default/petstore", "ok": true},
            {"entityRef": "component:default/no-such-thing", "ok": false,
             "error": "NotFoundError: Entity component:default/no-such-thing not found"},
        ]})
    );
    assert_eq!(sources().await, json!(["alerts", "scanner"]));
    let (code, text) = send(
        "POST",
        format!("{base}/entities/status-batch"),
        Some(json!([{"entityRef": "component:default/petstore", "source": "ci", "status": {}}])),
    )
    .await;
    assert_eq!((code, text.as_str()), (204, ""));
    assert_eq!(sources().await, json!(["alerts", "ci", "scanner"]));
    let served = entity().await;

    // Failures: Backstage's error body, the spec's codes, nothing written.
    let huge = json!({"source": "ci", "status": {"log": "x".repeat(300 * 1024)}});
    let big_entry = json!({"entityRef": "component:default/petstore", "source": "ci", "status": {"log": "x".repeat(100 * 1024)}});
    let nested = |levels: usize| {
        let mut value = json!({});
        for _ in 1..levels {
            value = json!({ "a": value });
        }
        json!({"source": "ci", "status": value})
    };
    let cases = [
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(nested(40)),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(nested(500)),
            400,
            "InputError",
        ),
        (
            "GET",
            "/entities/by-name/component/default/nope/status".to_owned(),
            None,
            404,
            "NotFoundError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/nope/status".to_owned(),
            Some(json!({"source": "ci", "status": {}})),
            404,
            "NotFoundError",
        ),
        (
            "DELETE",
            "/entities/by-name/component/default/nope/status?source=ci".to_owned(),
            None,
            404,
            "NotFoundError",
        ),
        (
            "DELETE",
            "/entities/by-name/component/default/petstore/status?source=never".to_owned(),
            None,
            404,
            "NotFoundError",
        ),
        (
            "DELETE",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            None,
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(json!({"status": {}})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(json!({"source": "ci", "status": "green"})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(json!({"source": "ci", "status": {"items": []}})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(json!({"source": "<script>", "status": {}})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(json!({"source": "ci", "status": {"log": "x".repeat(70 * 1024)}})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/by-name/component/default/petstore/status".to_owned(),
            Some(huge),
            413,
            "PayloadTooLargeError",
        ),
        (
            "POST",
            "/entities/status-batch".to_owned(),
            Some(json!([])),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/status-batch".to_owned(),
            Some(json!({"entityRef": "component:default/petstore"})),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/status-batch".to_owned(),
            Some(Value::Array(vec![
                json!({"entityRef": "component:default/petstore", "source": "ci", "status": {}});
                101
            ])),
            400,
            "InputError",
        ),
        (
            "POST",
            "/entities/status-batch".to_owned(),
            Some(Value::Array(vec![big_entry; 100])),
            413,
            "PayloadTooLargeError",
        ),
    ];
    for (method, path, body, expected, name) in cases {
        let (code, text) = send(method, format!("{base}{path}"), body).await;
        assert_eq!(code, expected, "{method} {path}: {text}");
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            shape_error(&spec, &error_schema, &value, "$"),
            None,
            "{value}"
        );
        assert_eq!(value["error"]["name"], name, "{method} {path}: {value}");
        assert_eq!(value["response"]["statusCode"], expected);
    }

    // One bad entry fails the whole batch, naming it, and nothing is written.
    let (code, text) = send(
        "POST",
        format!("{base}/entities/status-batch"),
        Some(json!([
            {"entityRef": "component:default/petstore", "source": "fine", "status": {"ok": true}},
            {"entityRef": "component:default/petstore", "source": "ci"},
        ])),
    )
    .await;
    assert_eq!(code, 400, "{text}");
    let value: Value = serde_json::from_str(&text).unwrap();
    let message = value["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("entry 1: missing field `status`"),
        "{value}"
    );
    let (code, text) = send(
        "POST",
        format!("{base}/entities/status-batch"),
        Some(json!([
            {"entityRef": "component:default/petstore", "source": "fine", "status": {"ok": true}},
            {"entityRef": "component:default/petstore", "source": "ci", "status": {"url": "javascript:alert(1)"}},
        ])),
    )
    .await;
    assert_eq!(code, 400, "{text}");
    assert!(
        text.contains("entry 1 (component:default/petstore): status.url"),
        "{text}"
    );
    assert_eq!(sources().await, json!(["alerts", "ci", "scanner"]));
    assert_eq!(entity().await, served);

    // The largest batch allowed (100 entries of ~60 KiB) is accepted: about 6 MiB of body.
    let large: Vec<Value> = (0..100)
        .map(|i| {
            json!({"entityRef": "component:default/petstore", "source": "bulk",
                        "status": {"i": i, "log": "y".repeat(60 * 1024)}})
        })
        .collect();
    let (code, text) = send(
        "POST",
        format!("{base}/entities/status-batch"),
        Some(Value::Array(large)),
    )
    .await;
    assert_eq!((code, text.as_str()), (204, ""));
    assert_eq!(entity().await["status"]["bulk"]["i"], 99);

    // Deleting the entity deletes its status.
    let uid = served["metadata"]["uid"].as_str().unwrap();
    let (code, _) = send("DELETE", format!("{base}/entities/by-uid/{uid}"), None).await;
    assert_eq!(code, 204);
    let (code, _) = send("GET", status_url.clone(), None).await;
    assert_eq!(code, 404);
}
