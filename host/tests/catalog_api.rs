//! The catalog REST API over HTTP: what the catalog-client conformance does not reach
//! (the legacy listing's Link paging, error bodies, history, the catalog capability).

mod common;

use common::{TestHost, entity};
use portico::runtime::CallContext;
use portico_storage::OrgId;
use serde_json::Value;

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
