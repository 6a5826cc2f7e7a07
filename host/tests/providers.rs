//! Entity-provider plugins feed the catalog: what they discover is served, entities they stop
//! emitting are deleted, a failing run keeps the last good entities, and one provider's
//! failure never affects another's.

mod common;

use common::TestHost;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico_bundled_plugins::fixtures::TEST_PROVIDER;
use portico_storage::OrgId;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

fn component(name: &str) -> Value {
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": name },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" }
    })
}

/// A discovery source whose answer the test changes; `None` answers 500.
async fn source(listed: Arc<Mutex<Option<Vec<Value>>>>) -> std::net::SocketAddr {
    use axum::http::StatusCode;
    use axum::response::IntoResponse;
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/entities",
        get(move || {
            let listed = listed.clone();
            async move {
                match listed.lock().unwrap().clone() {
                    Some(entities) => axum::Json(json!({ "entities": entities })).into_response(),
                    None => (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn install(manager: &PluginManager) {
    let bytes = std::fs::read(TEST_PROVIDER).unwrap();
    manager
        .install(
            &bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(vec!["http:127.0.0.1:*".into()]),
            },
        )
        .unwrap();
}

async fn names(addr: std::net::SocketAddr) -> Vec<String> {
    let list: Vec<Value> = reqwest::get(format!(
        "http://{addr}/api/catalog/entities?filter=kind=component&fields=metadata.name"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let mut names: Vec<String> = list
        .iter()
        .map(|e| e["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_runs_feed_the_catalog() {
    let listed = Arc::new(Mutex::new(Some(vec![
        component("alpha"),
        component("beta"),
    ])));
    let source_addr = source(listed.clone()).await;
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: common::test_limits(),
        settings: common::settings_with_config(
            "test-provider",
            json!({ "url": format!("http://{source_addr}/entities") }),
        ),
        ..PluginPolicy::default()
    });
    install(&host.manager);
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let run = || {
        client
            .post(format!(
                "http://{addr}/api/admin/plugins/test-provider/discover"
            ))
            .send()
    };

    let report: Value = run().await.unwrap().json().await.unwrap();
    assert_eq!(report["created"], 2, "{report}");
    assert_eq!(names(addr).await, ["alpha", "beta"]);
    let alpha: Value = reqwest::get(format!(
        "http://{addr}/api/catalog/entities/by-name/component/default/alpha"
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        alpha["metadata"]["annotations"]["backstage.io/managed-by-location"],
        format!("url:http://{source_addr}/entities")
    );

    // The source stops listing beta: it is deleted eagerly.
    *listed.lock().unwrap() = Some(vec![component("alpha")]);
    let report: Value = run().await.unwrap().json().await.unwrap();
    assert_eq!(report["deleted"], 1, "{report}");
    assert_eq!(names(addr).await, ["alpha"]);

    // The source fails: the run fails, and the last good entities stay served.
    *listed.lock().unwrap() = None;
    let failed = run().await.unwrap();
    assert_eq!(failed.status(), 502);
    let body: Value = failed.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("test-provider"),
        "{body}"
    );
    assert_eq!(names(addr).await, ["alpha"]);

    // Unknown provider.
    let missing = client
        .post(format!("http://{addr}/api/admin/plugins/nope/discover"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_without_its_http_grant_fails_cleanly() {
    let listed = Arc::new(Mutex::new(Some(vec![component("gamma")])));
    let source_addr = source(listed).await;
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: common::test_limits(),
        settings: common::settings_with_config(
            "test-provider",
            json!({ "url": format!("http://{source_addr}/entities") }),
        ),
        ..PluginPolicy::default()
    });
    let bytes = std::fs::read(TEST_PROVIDER).unwrap();
    host.manager
        .install(
            &bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(vec![]),
            },
        )
        .unwrap();
    let err = portico::providers::run_provider(
        &host.runtime,
        &host.catalog,
        &OrgId::default_org(),
        "test-provider",
    )
    .await
    .unwrap_err();
    let message = format!("{err:#}");
    assert!(message.contains("denied"), "{message}");
    let events = host.runtime.services().events.recent("test-provider");
    assert!(events.iter().any(|e| e.kind == "denied"), "{events:?}");
}

/// A source that counts requests and holds each one until the test releases them, then
/// answers 500.
async fn stuck_failing_source(
    release: tokio::sync::watch::Receiver<bool>,
    received: Arc<std::sync::atomic::AtomicUsize>,
    answered: Arc<std::sync::atomic::AtomicUsize>,
) -> std::net::SocketAddr {
    use axum::http::StatusCode;
    use axum::routing::get;
    use std::sync::atomic::Ordering;
    let app = axum::Router::new().route(
        "/entities",
        get(move || {
            let (mut release, received, answered) =
                (release.clone(), received.clone(), answered.clone());
            async move {
                received.fetch_add(1, Ordering::SeqCst);
                let _ = release.wait_for(|released| *released).await;
                answered.fetch_add(1, Ordering::SeqCst);
                (StatusCode::INTERNAL_SERVER_ERROR, "down")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

/// Waits (a minute at most) until exactly `expected` components are served.
async fn served_soon(addr: std::net::SocketAddr, expected: &[&str]) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let served = names(addr).await;
        if served == expected {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "waiting for {expected:?}, served {served:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The scheduler runs every provider in its own task: while one provider's source is stuck
/// (its run still waiting), another's run is applied, and the stuck one's eventual failure
/// leaves the other's entities served.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_or_failing_provider_never_holds_up_another() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let received = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let (release, released) = tokio::sync::watch::channel(false);
    let stuck_addr = stuck_failing_source(released, received.clone(), answered.clone()).await;
    let listed = Arc::new(Mutex::new(Some(vec![component("healthy")])));
    let healthy_addr = source(listed.clone()).await;
    let mut settings = common::settings_with_config(
        "test-provider",
        json!({ "url": format!("http://{stuck_addr}/entities") }),
    );
    settings.extend(common::settings_with_config(
        "test-provider-b",
        json!({ "url": format!("http://{healthy_addr}/entities") }),
    ));
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: common::test_limits(),
        settings,
        ..PluginPolicy::default()
    });
    install(&host.manager);
    // The same component under another id: a second, independent provider.
    let manifest =
        std::fs::read_to_string(common::repo_root().join("plugins/test-provider/plugin.toml"))
            .unwrap()
            .replacen("id = \"test-provider\"", "id = \"test-provider-b\"", 1);
    let second = portico_package::pack(&std::fs::read(TEST_PROVIDER).unwrap(), &manifest).unwrap();
    host.manager
        .install(
            &second,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(vec!["http:127.0.0.1:*".into()]),
            },
        )
        .unwrap();
    let addr = host.serve().await;
    portico::providers::spawn_scheduler(
        host.runtime.clone(),
        host.catalog.clone(),
        OrgId::default_org(),
        std::time::Duration::from_millis(500),
    );

    served_soon(addr, &["healthy"]).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while received.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the stuck provider never ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // The stuck provider is now waiting; the healthy one's next runs are still applied.
    *listed.lock().unwrap() = Some(vec![component("healthy"), component("second")]);
    served_soon(addr, &["healthy", "second"]).await;
    assert_eq!(
        answered.load(Ordering::SeqCst),
        0,
        "the stuck source must still be waiting when the other provider's runs are applied"
    );
    // The stuck provider's runs fail once answered; the healthy one's entities stay.
    release.send(true).unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the stuck source never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(names(addr).await, ["healthy", "second"]);
}
