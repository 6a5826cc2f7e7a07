//! The example first-party plugin (service-status) loaded by the host: HTTP to a loopback
//! status server, kv caching and page-view counting, configuration, and a second world
//! (checks) in the same component.

mod common;

use common::{TestHost, entity, settings_with_config, test_limits};
use portico::plugins::PluginPolicy;
use portico::plugins::manager::GrantChoice;
use portico::runtime::CallContext;
use portico_storage::OrgId;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

async fn status_server(hits: Arc<AtomicUsize>) -> std::net::SocketAddr {
    use axum::routing::get;
    let app = axum::Router::new().route(
        "/status/{name}",
        get(move |axum::extract::Path(name): axum::extract::Path<String>| {
            let hits = hits.clone();
            async move {
                hits.fetch_add(1, Ordering::SeqCst);
                axum::Json(serde_json::json!({
                    "status": "degraded",
                    "version": format!("{name}-1.4.2"),
                    "checked_at": "2026-11-29T10:00:00Z",
                    "incidents": [{ "title": "Elevated latency", "url": "https://status.example.com/i/1", "started_at": "2026-11-29T09:30:00Z" }]
                }))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn host_for(addr: std::net::SocketAddr, grants: &[&str]) -> TestHost {
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: test_limits(),
        settings: settings_with_config(
            "service-status",
            serde_json::json!({ "status_url": format!("http://{addr}/status/{{name}}") }),
        ),
        ..PluginPolicy::default()
    });
    let plugin =
        portico_bundled_plugins::bundled("service-status").expect("service-status is bundled");
    host.manager
        .install(
            plugin.bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
            },
        )
        .unwrap();
    host
}

async fn render(host: &TestHost) -> String {
    let ctx = CallContext::org(OrgId::default_org());
    let view = host
        .runtime
        .render_view(
            "service-status",
            &ctx,
            "service-status".into(),
            entity("payments"),
            vec![],
        )
        .await
        .unwrap();
    serde_json::to_string(&view).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renders_live_status_then_serves_it_from_kv() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = status_server(hits.clone()).await;
    let host = host_for(addr, &["http:127.0.0.1:*", "kv"]);

    let ctx = CallContext::org(OrgId::default_org());
    let views = host
        .runtime
        .views_for("service-status", &ctx, entity("payments"))
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].id, "service-status");

    let first = render(&host).await;
    assert!(first.contains("payments-1.4.2"), "{first}");
    assert!(first.contains("Degraded"), "{first}");
    assert!(first.contains("Elevated latency"), "{first}");
    assert!(first.contains("live"), "{first}");
    assert_eq!(hits.load(Ordering::SeqCst), 1);

    let second = render(&host).await;
    assert!(second.contains("cached"), "{second}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the second render must come from kv"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_http_grant_the_view_explains_the_denial() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = status_server(hits.clone()).await;
    let host = host_for(addr, &["kv"]);
    let view = render(&host).await;
    assert!(view.to_lowercase().contains("denied"), "{view}");
    assert_eq!(hits.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_from_the_same_component() {
    let hits = Arc::new(AtomicUsize::new(0));
    let addr = status_server(hits).await;
    let host = host_for(addr, &["kv"]);
    let ctx = CallContext::org(OrgId::default_org());
    let results = host
        .runtime
        .evaluate_checks("service-status", &ctx, entity("payments"))
        .await
        .unwrap();
    assert!(!results.is_empty());
    let json = serde_json::to_string(&results).unwrap();
    // The test entity has an owner, a description and a lifecycle, but no tags.
    assert!(json.contains("Fail") || json.contains("Warn"), "{json}");
}

#[test]
fn configuration_is_validated_against_the_plugins_schema() {
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: test_limits(),
        settings: settings_with_config(
            "service-status",
            serde_json::json!({ "status_url": "ftp://nope" }),
        ),
        ..PluginPolicy::default()
    });
    let plugin = portico_bundled_plugins::bundled("service-status").unwrap();
    let err = host
        .manager
        .install(
            plugin.bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::AllRequested,
            },
        )
        .unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("plugins.settings.service-status.config"),
        "{message}"
    );
    assert!(message.contains("status_url"), "{message}");
    assert!(host.manager.list().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_beyond_the_concurrency_limit_are_busy() {
    use axum::routing::get;
    // A status endpoint that takes a second: the view call holds the plugin's only slot.
    let app = axum::Router::new().route(
        "/status/{name}",
        get(|| async {
            tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
            axum::Json(serde_json::json!({ "status": "ok" }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let mut settings = settings_with_config(
        "service-status",
        serde_json::json!({ "status_url": format!("http://{addr}/status/{{name}}"), "timeout_ms": 5000 }),
    );
    let limits = &mut settings.get_mut("service-status").unwrap().limits;
    limits.max_concurrent_calls = Some(1);
    limits.view_deadline = Some(std::time::Duration::from_secs(3));
    limits.check_deadline = Some(std::time::Duration::from_millis(200));
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: test_limits(),
        settings,
        ..PluginPolicy::default()
    });
    let plugin = portico_bundled_plugins::bundled("service-status").unwrap();
    host.manager
        .install(
            plugin.bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(vec!["http:127.0.0.1:*".into(), "kv".into()]),
            },
        )
        .unwrap();

    let ctx = CallContext::org(OrgId::default_org());
    let slow = host.runtime.render_view(
        "service-status",
        &ctx,
        "service-status".into(),
        entity("payments"),
        vec![],
    );
    let queued = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        host.runtime
            .evaluate_checks("service-status", &ctx, entity("payments"))
            .await
    };
    let (slow, queued) = tokio::join!(slow, queued);
    assert!(slow.is_ok(), "{slow:?}");
    let err = queued.unwrap_err();
    assert_eq!(err.kind, portico::runtime::CallErrorKind::Busy, "{err}");
    assert!(err.message.contains("max_concurrent_calls"), "{err}");
}
