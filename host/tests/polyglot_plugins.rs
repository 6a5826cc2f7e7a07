//! The Python and JavaScript SDK examples, built from source with componentize-py and
//! componentize-js, installed into a running host through the admin API and called through
//! the host (and its HTTP API) — with their capabilities granted, and with one withheld —
//! and the C example (clang + wasi-libc + wit-bindgen).

mod common;
mod guest_build;

use common::{TestHost, test_limits};
use guest_build::{C_NAMING, JS_ONCALL, PY_SCORECARD};
use portico::plugins::PluginPolicy;
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::{CallContext, CallErrorKind};
use portico_storage::OrgId;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

const PD_TOKEN: &str = "pd-test-token-123";

fn host(id: &str, config: Value) -> TestHost {
    let mut limits = test_limits();
    // Python and JavaScript guests start an interpreter per call.
    limits.memory_bytes = 128 * 1024 * 1024;
    limits.deadlines.view = std::time::Duration::from_secs(10);
    limits.deadlines.check = std::time::Duration::from_secs(10);
    TestHost::with_options(
        PluginPolicy {
            default_limits: limits,
            settings: common::settings_with_config(id, config),
            ..PluginPolicy::default()
        },
        &[("pagerduty-token", PD_TOKEN)],
        Some(&guest_build::compiled_dir()),
    )
}

/// Installs `path` through `POST /api/admin/plugins` with `grants`.
async fn install_via_api(addr: SocketAddr, path: &std::path::Path, grants: &[&str]) -> Value {
    let bytes = std::fs::read(path).unwrap();
    let response = reqwest::Client::new()
        .post(format!("http://{addr}/api/admin/plugins"))
        .query(&[("grant", grants.join(","))])
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert!(status.is_success(), "install failed ({status}): {body}");
    body
}

fn component_entity(name: &str, extra_metadata: Value, spec: Value) -> (Entity, Value) {
    let mut metadata = json!({ "name": name, "namespace": "default" });
    metadata
        .as_object_mut()
        .unwrap()
        .extend(extra_metadata.as_object().unwrap().clone());
    let descriptor = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": metadata,
        "spec": spec,
    });
    let entity = Entity {
        ref_: EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: name.into(),
        },
        descriptor: descriptor.to_string(),
    };
    (entity, descriptor)
}

// ---------------------------------------------------------------- Python: scorecard check

/// A security API answering vulnerability summaries per service.
async fn security_api(hits: Arc<AtomicUsize>) -> SocketAddr {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/api/v1/services/{name}/vulnerabilities",
        get(
            move |axum::extract::Path(name): axum::extract::Path<String>| {
                let hits = hits.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    let (critical, high) = if name == "payments" { (1, 3) } else { (0, 0) };
                    axum::Json(json!({
                        "service": name,
                        "critical": critical,
                        "high": high,
                        "url": format!("https://security.example.com/services/{name}"),
                    }))
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn scorecard_host(api: SocketAddr) -> TestHost {
    host(
        "py-scorecard",
        json!({ "vulnerabilities_url": format!("http://{api}/api/v1/services/{{name}}/vulnerabilities") }),
    )
}

fn outcome(results: &Value, check: &str) -> (String, String) {
    let r = results
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["check_id"] == check)
        .unwrap_or_else(|| panic!("no result for {check}: {results}"));
    (
        r["outcome"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap().to_string(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_scorecard_scores_metadata_and_fetches_vulnerabilities_over_http() {
    let component = guest_build::component(&PY_SCORECARD);
    let hits = Arc::new(AtomicUsize::new(0));
    let api = security_api(hits.clone()).await;
    let host = scorecard_host(api);
    let addr = host.serve().await;
    let report = install_via_api(addr, &component, &["http:127.0.0.1:*", "kv"]).await;
    assert_eq!(report["id"], "py-scorecard", "{report}");

    let ctx = CallContext::org(OrgId::default_org());
    let checks = host
        .runtime
        .list_checks("py-scorecard", &ctx)
        .await
        .unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "has-owner",
            "has-description",
            "lifecycle-known",
            "has-oncall",
            "no-critical-vulnerabilities"
        ]
    );

    let (payments, _) = component_entity(
        "payments",
        json!({ "description": "Takes payments from customers" }),
        json!({ "type": "service", "owner": "team-a", "lifecycle": "production" }),
    );
    let results = host
        .runtime
        .evaluate_checks("py-scorecard", &ctx, payments.clone())
        .await
        .unwrap();
    let results = serde_json::to_value(&results).unwrap();
    assert_eq!(outcome(&results, "has-owner").0, "Pass", "{results}");
    assert_eq!(outcome(&results, "has-description").0, "Pass", "{results}");
    assert_eq!(outcome(&results, "lifecycle-known").0, "Pass", "{results}");
    assert_eq!(outcome(&results, "has-oncall").0, "Warn", "{results}");
    let (vuln, message) = outcome(&results, "no-critical-vulnerabilities");
    assert_eq!(vuln, "Fail", "{results}");
    assert_eq!(message, "1 critical, 3 high open");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    // The second evaluation reads the summary cached in kv.
    host.runtime
        .evaluate_checks("py-scorecard", &ctx, payments)
        .await
        .unwrap();
    assert_eq!(hits.load(Ordering::SeqCst), 1, "served from kv");

    // An entity with missing metadata fails the metadata rules.
    let (bare, _) = component_entity("ledger", json!({}), json!({ "lifecycle": "someday" }));
    let results = host
        .runtime
        .evaluate_checks("py-scorecard", &ctx, bare)
        .await
        .unwrap();
    let results = serde_json::to_value(&results).unwrap();
    assert_eq!(outcome(&results, "has-owner").0, "Fail", "{results}");
    assert_eq!(outcome(&results, "has-description").0, "Warn", "{results}");
    assert_eq!(outcome(&results, "lifecycle-known").0, "Fail", "{results}");
    assert_eq!(outcome(&results, "no-critical-vulnerabilities").0, "Pass");
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_scorecard_without_the_http_grant_is_denied_cleanly() {
    let component = guest_build::component(&PY_SCORECARD);
    let hits = Arc::new(AtomicUsize::new(0));
    let api = security_api(hits.clone()).await;
    let host = scorecard_host(api);
    let addr = host.serve().await;
    install_via_api(addr, &component, &["kv"]).await;

    let ctx = CallContext::org(OrgId::default_org());
    let (payments, _) = component_entity(
        "payments",
        json!({}),
        json!({ "owner": "team-a", "lifecycle": "production" }),
    );
    let err = host
        .runtime
        .evaluate_checks("py-scorecard", &ctx, payments)
        .await
        .unwrap_err();
    assert_eq!(err.kind, CallErrorKind::Plugin, "{err}");
    assert_eq!(err.plugin_kind.as_deref(), Some("denied"), "{err}");
    assert!(
        err.message.contains(&format!("127.0.0.1:{}", api.port())),
        "{err}"
    );
    assert!(err.message.contains("ask an admin to grant it"), "{err}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no request left the host");

    // The denial is recorded for admins.
    let plugins: Value = reqwest::get(format!("http://{addr}/api/admin/plugins"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = plugins[0]["recent_events"].to_string();
    assert!(events.contains("denied"), "{plugins}");
}

// ---------------------------------------------------------------- JavaScript: on-call view

/// PagerDuty's REST API v2 (services, oncalls, incidents) as documented, behind the API
/// token; counts requests.
async fn pagerduty_api(hits: Arc<AtomicUsize>) -> SocketAddr {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    use axum::routing::get;
    fn authorized(headers: &HeaderMap) -> bool {
        headers.get("authorization").and_then(|v| v.to_str().ok())
            == Some(&format!("Token token={PD_TOKEN}"))
    }
    fn unauthorized() -> axum::response::Response {
        (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": { "message": "Authentication required", "code": 2006 } })),
        )
            .into_response()
    }
    let h1 = hits.clone();
    let h2 = hits.clone();
    let h3 = hits;
    let app = axum::Router::new()
        .route(
            "/services/{id}",
            get(move |headers: HeaderMap, axum::extract::Path(id): axum::extract::Path<String>| {
                let hits = h1.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    if !authorized(&headers) {
                        return unauthorized();
                    }
                    if id != "PSVC123" {
                        return (
                            StatusCode::NOT_FOUND,
                            axum::Json(json!({ "error": { "message": "Not Found", "code": 2100 } })),
                        )
                            .into_response();
                    }
                    axum::Json(json!({ "service": {
                        "id": "PSVC123", "type": "service", "summary": "Payments API",
                        "html_url": "https://acme.pagerduty.com/service-directory/PSVC123",
                        "status": "critical",
                        "escalation_policy": { "id": "PESC456", "type": "escalation_policy_reference", "summary": "Payments on-call" }
                    }}))
                    .into_response()
                }
            }),
        )
        .route(
            "/oncalls",
            get(move |headers: HeaderMap, uri: axum::http::Uri| {
                let hits = h2.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    if !authorized(&headers) {
                        return unauthorized();
                    }
                    assert!(uri.query().unwrap_or_default().contains("escalation_policy_ids"), "{uri}");
                    axum::Json(json!({
                        "oncalls": [
                            { "escalation_level": 2, "user": { "id": "PUSR2", "type": "user_reference", "summary": "Sam Backup", "html_url": "https://acme.pagerduty.com/users/PUSR2" },
                              "escalation_policy": { "id": "PESC456", "type": "escalation_policy_reference" }, "start": "2026-11-29T00:00:00Z", "end": "2026-12-06T00:00:00Z" },
                            { "escalation_level": 1, "user": { "id": "PUSR1", "type": "user_reference", "summary": "Jane Doe", "html_url": "https://acme.pagerduty.com/users/PUSR1" },
                              "escalation_policy": { "id": "PESC456", "type": "escalation_policy_reference" }, "start": "2026-11-29T00:00:00Z", "end": "2026-11-30T00:00:00Z" }
                        ],
                        "limit": 25, "offset": 0, "more": false, "total": null
                    }))
                    .into_response()
                }
            }),
        )
        .route(
            "/incidents",
            get(move |headers: HeaderMap| {
                let hits = h3.clone();
                async move {
                    hits.fetch_add(1, Ordering::SeqCst);
                    if !authorized(&headers) {
                        return unauthorized();
                    }
                    axum::Json(json!({
                        "incidents": [{
                            "id": "PT4KHLK", "type": "incident", "incident_number": 1234,
                            "title": "The server is on fire.", "status": "triggered", "urgency": "high",
                            "created_at": "2026-11-29T09:30:42Z",
                            "html_url": "https://acme.pagerduty.com/incidents/PT4KHLK",
                            "service": { "id": "PSVC123", "type": "service_reference" }
                        }],
                        "limit": 10, "offset": 0, "more": false, "total": null
                    }))
                    .into_response()
                }
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn oncall_entity(service_id: Option<&str>) -> Value {
    let annotations = match service_id {
        Some(id) => json!({ "pagerduty.com/service-id": id }),
        None => json!({}),
    };
    component_entity(
        "payments",
        json!({ "annotations": annotations }),
        json!({ "type": "service", "owner": "team-a", "lifecycle": "production" }),
    )
    .1
}

async fn post(addr: SocketAddr, path: &str, body: Value) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(format!("http://{addr}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_oncall_view_renders_pagerduty_data_through_the_api() {
    let component = guest_build::component(&JS_ONCALL);
    let hits = Arc::new(AtomicUsize::new(0));
    let api = pagerduty_api(hits.clone()).await;
    let host = host("js-oncall", json!({ "api_url": format!("http://{api}") }));
    let addr = host.serve().await;
    install_via_api(
        addr,
        &component,
        &["http:127.0.0.1:*", "secrets:pagerduty-token"],
    )
    .await;

    let (status, views) = post(
        addr,
        "/api/plugins/js-oncall/views",
        json!({ "entity": oncall_entity(Some("PSVC123")) }),
    )
    .await;
    assert_eq!(status, 200, "{views}");
    assert_eq!(views[0]["id"], "oncall", "{views}");
    assert_eq!(views[0]["placement"], "Card", "{views}");
    let (_, none) = post(
        addr,
        "/api/plugins/js-oncall/views",
        json!({ "entity": oncall_entity(None) }),
    )
    .await;
    assert_eq!(none, json!([]), "no annotation, no view");

    let (status, view) = post(
        addr,
        "/api/plugins/js-oncall/views/oncall",
        json!({ "entity": oncall_entity(Some("PSVC123")) }),
    )
    .await;
    assert_eq!(status, 200, "{view}");
    let text = view.to_string();
    assert_eq!(view["title"], "On call", "{view}");
    for expected in [
        "Jane Doe",
        "Level 1",
        "Sam Backup",
        "#1234",
        "The server is on fire.",
        "2026-11-29T09:30:42Z",
        "https://acme.pagerduty.com/incidents/PT4KHLK",
        "Payments API in PagerDuty",
    ] {
        assert!(text.contains(expected), "{expected} missing from {view}");
    }
    // Level 1 is listed before level 2, whatever order the API used.
    assert!(text.find("Jane Doe").unwrap() < text.find("Sam Backup").unwrap());
    assert_eq!(hits.load(Ordering::SeqCst), 3);

    // A service PagerDuty does not know: the plugin's not-found error, as a 502 with its message.
    let (status, body) = post(
        addr,
        "/api/plugins/js-oncall/views/oncall",
        json!({ "entity": oncall_entity(Some("PNOPE")) }),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    let message = body.to_string();
    assert!(message.contains("not-found"), "{message}");
    assert!(message.contains("404"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_oncall_without_the_http_grant_is_denied_cleanly() {
    let component = guest_build::component(&JS_ONCALL);
    let hits = Arc::new(AtomicUsize::new(0));
    let api = pagerduty_api(hits.clone()).await;
    let host = host("js-oncall", json!({ "api_url": format!("http://{api}") }));
    let addr = host.serve().await;
    install_via_api(addr, &component, &["secrets:pagerduty-token"]).await;

    // Views that need no capability still work.
    let (status, views) = post(
        addr,
        "/api/plugins/js-oncall/views",
        json!({ "entity": oncall_entity(Some("PSVC123")) }),
    )
    .await;
    assert_eq!(status, 200, "{views}");

    let (status, body) = post(
        addr,
        "/api/plugins/js-oncall/views/oncall",
        json!({ "entity": oncall_entity(Some("PSVC123")) }),
    )
    .await;
    assert_eq!(status, 502, "{body}");
    let message = body.to_string();
    assert!(message.contains("plugin (denied)"), "{message}");
    assert!(
        message.contains(&format!("127.0.0.1:{}", api.port())),
        "{message}"
    );
    assert!(message.contains("ask an admin to grant it"), "{message}");
    assert_eq!(hits.load(Ordering::SeqCst), 0, "no request left the host");
    let plugins: Value = reqwest::get(format!("http://{addr}/api/admin/plugins"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let events = plugins[0]["recent_events"].to_string();
    assert!(events.contains("denied"), "{plugins}");
    assert!(
        events.contains(&format!("127.0.0.1:{}", api.port())),
        "{events}"
    );

    // The plugin keeps answering after the denial.
    let ctx = CallContext::org(OrgId::default_org());
    let (entity, _) = component_entity("x", json!({}), json!({}));
    let views = host
        .runtime
        .views_for("js-oncall", &ctx, entity)
        .await
        .unwrap();
    assert!(views.is_empty());
}

// ---------------------------------------------------------------- C: naming conventions

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn c_naming_check_runs_in_the_host() {
    let component = guest_build::component(&C_NAMING);
    let host = host("c-naming", json!({}));
    let addr = host.serve().await;
    let report = install_via_api(addr, &component, &[]).await;
    assert_eq!(report["id"], "c-naming", "{report}");

    let ctx = CallContext::org(OrgId::default_org());
    let checks = host.runtime.list_checks("c-naming", &ctx).await.unwrap();
    let ids: Vec<&str> = checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["name-format", "team-namespace"]);

    let (good, _) = component_entity("payments-api", json!({}), json!({}));
    let results = host
        .runtime
        .evaluate_checks("c-naming", &ctx, good)
        .await
        .unwrap();
    let results = serde_json::to_value(&results).unwrap();
    assert_eq!(outcome(&results, "name-format").0, "Pass", "{results}");
    let (ns, message) = outcome(&results, "team-namespace");
    assert_eq!(ns, "Warn", "{results}");
    assert!(message.contains("`default` namespace"), "{message}");

    let mut bad = component_entity("x", json!({}), json!({})).0;
    bad.ref_.name = "Payments--API".into();
    bad.ref_.namespace = "team-a".into();
    let results = host
        .runtime
        .evaluate_checks("c-naming", &ctx, bad)
        .await
        .unwrap();
    let results = serde_json::to_value(&results).unwrap();
    let (format, message) = outcome(&results, "name-format");
    assert_eq!(format, "Fail", "{results}");
    assert_eq!(
        message,
        "Payments--API: the name must start with a lowercase letter"
    );
    assert_eq!(
        outcome(&results, "team-namespace"),
        ("Pass".to_string(), "in namespace team-a".to_string())
    );

    let mut long = component_entity("x", json!({}), json!({})).0;
    long.ref_.name = format!("a{}", "-b".repeat(40));
    let results = host
        .runtime
        .evaluate_checks("c-naming", &ctx, long)
        .await
        .unwrap();
    let results = serde_json::to_value(&results).unwrap();
    let (format, message) = outcome(&results, "name-format");
    assert_eq!(format, "Fail", "{results}");
    assert!(
        message.ends_with("the name is longer than 63 characters"),
        "{message}"
    );
}

// ---------------------------------------------------------------- the portal's entity page

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn js_oncall_card_shows_on_the_portal_entity_page() {
    let component = guest_build::component(&JS_ONCALL);
    let hits = Arc::new(AtomicUsize::new(0));
    let api = pagerduty_api(hits.clone()).await;
    let host = host("js-oncall", json!({ "api_url": format!("http://{api}") }));
    host.catalog
        .apply_provider(
            &OrgId::default_org(),
            "polyglot-test",
            vec![oncall_entity(Some("PSVC123"))],
        )
        .unwrap();
    let addr = host.serve().await;
    install_via_api(
        addr,
        &component,
        &["http:127.0.0.1:*", "secrets:pagerduty-token"],
    )
    .await;

    let base = "/catalog/default/component/payments";
    let page = reqwest::get(format!("http://{addr}{base}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let fragment = format!("/fragments{base}/views/js-oncall/oncall");
    assert!(
        page.contains(&fragment),
        "the entity page links the plugin's card: {page}"
    );
    let card = reqwest::get(format!("http://{addr}{fragment}"))
        .await
        .unwrap();
    assert_eq!(card.status(), 200);
    let html = card.text().await.unwrap();
    for expected in [
        "On call now",
        "Jane Doe",
        "https://acme.pagerduty.com/users/PUSR1",
        "#1234",
        "The server is on fire.",
    ] {
        assert!(html.contains(expected), "{expected} missing from {html}");
    }
    assert!(
        hits.load(Ordering::SeqCst) >= 3,
        "the card was rendered from the API"
    );
}
