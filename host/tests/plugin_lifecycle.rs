//! Installing, upgrading, rolling back, disabling and removing plugins while the server
//! runs; refusing bad packages without touching stored state; the compile cache.

mod common;

use common::{TestHost, entity, first_text, test_limits};
use portico::plugins::PluginPolicy;
use portico::runtime::cache::engine_key;
use portico::runtime::{ArtifactCache, CacheOutcome, CallContext};
use portico_bundled_plugins::fixtures::{TEST_ECHO_V1, TEST_ECHO_V2};
use portico_package::TrustedKeys;
use portico_storage::OrgId;
use serde_json::Value;

async fn echo_over_http(client: &reqwest::Client, addr: std::net::SocketAddr) -> (u16, Value) {
    let response = client
        .post(format!("http://{addr}/api/plugins/test-echo/views/echo"))
        .json(&serde_json::json!({ "entity": { "kind": "Component", "metadata": { "name": "svc" } } }))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

fn text_of(view: &Value) -> &str {
    view["sections"][0]["blocks"][0]["Text"]
        .as_str()
        .unwrap_or_else(|| panic!("no text block in {view}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn install_upgrade_rollback_disable_remove_while_serving() {
    let host = TestHost::new();
    let addr = host.serve().await;
    let client = reqwest::Client::new();
    let admin = format!("http://{addr}/api/admin/plugins");

    let v1 = std::fs::read(TEST_ECHO_V1).unwrap();
    let v2 = std::fs::read(TEST_ECHO_V2).unwrap();

    let (status, _) = echo_over_http(&client, addr).await;
    assert_eq!(status, 404, "not installed yet");

    let r = client
        .post(&admin)
        .query(&[("yes", "true")])
        .body(v1.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let (status, view) = echo_over_http(&client, addr).await;
    assert_eq!(status, 200);
    assert_eq!(text_of(&view), "echo 0.1.0 svc");

    let r = client
        .post(&admin)
        .query(&[("yes", "true")])
        .body(v2)
        .send()
        .await
        .unwrap();
    let report: Value = r.json().await.unwrap();
    assert_eq!(report["version"], "0.2.0");
    assert_eq!(report["replaced"], "0.1.0");
    let (_, view) = echo_over_http(&client, addr).await;
    assert_eq!(
        text_of(&view),
        "echo 0.2.0 svc",
        "the upgrade is live without a restart"
    );

    let r = client
        .post(format!("{admin}/test-echo/rollback"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let record: Value = r.json().await.unwrap();
    assert_eq!(record["current"]["version"], "0.1.0");
    assert_eq!(record["previous"]["version"], "0.2.0");
    let (_, view) = echo_over_http(&client, addr).await;
    assert_eq!(
        text_of(&view),
        "echo 0.1.0 svc",
        "rolled back without a restart"
    );

    client
        .post(format!("{admin}/test-echo/disable"))
        .send()
        .await
        .unwrap();
    let (status, _) = echo_over_http(&client, addr).await;
    assert_eq!(status, 404, "disabled plugins get no calls");
    client
        .post(format!("{admin}/test-echo/enable"))
        .send()
        .await
        .unwrap();
    let (status, _) = echo_over_http(&client, addr).await;
    assert_eq!(status, 200);

    let listed: Value = client
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["id"], "test-echo");
    assert_eq!(listed[0]["active"], true);
    assert!(
        listed[0]["metrics"]["calls"].as_u64().unwrap() >= 4,
        "{listed}"
    );

    let r = client
        .delete(format!("{admin}/test-echo"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let (status, _) = echo_over_http(&client, addr).await;
    assert_eq!(status, 404);
    let listed: Value = client
        .get(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed, serde_json::json!([]));
    let r = client
        .post(format!("{admin}/test-echo/rollback"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_packages_are_refused_without_touching_state() {
    let host = TestHost::new();
    host.install(TEST_ECHO_V1, &[]);
    let before = host.manager.list().unwrap();
    let v2 = std::fs::read(TEST_ECHO_V2).unwrap();
    let install = |bytes: &[u8], sha: Option<&str>| {
        host.manager.install(
            bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: sha.map(str::to_string),
                grants: portico::plugins::manager::GrantChoice::AllRequested,
            },
        )
    };

    let err = install(&v2, Some(&"0".repeat(64))).unwrap_err().to_string();
    assert!(err.contains("digest mismatch"), "{err}");

    let err = format!(
        "{:#}",
        install(b"\0asm\x01\0\0\0garbage", None).unwrap_err()
    );
    assert!(err.contains("not"), "{err}");
    let err = format!("{:#}", install(b"<html>not wasm</html>", None).unwrap_err());
    assert!(!err.is_empty());

    let mut truncated = v2.clone();
    truncated.truncate(v2.len() / 2);
    assert!(install(&truncated, None).is_err());

    // A signature that no longer matches the content.
    let key = portico_package::signature::keygen().unwrap();
    let signing = portico_package::signature::signing_key_from_pem(&key.signing_key_pem).unwrap();
    // v2's signature moved onto v1: a valid component whose content changed after signing.
    let signed_v2 = portico_package::signature::sign(&v2, &signing, "author").unwrap();
    let mut signed = std::fs::read(TEST_ECHO_V1).unwrap();
    signed.extend_from_slice(&signed_v2[v2.len()..]);
    let mut trusted = TrustedKeys::new();
    trusted.insert("author", &key.public_key).unwrap();
    let strict = TestHost::with_policy(PluginPolicy {
        require_signatures: true,
        trusted_keys: trusted,
        default_limits: test_limits(),
        ..PluginPolicy::default()
    });
    let strict_install = |bytes: &[u8]| {
        strict.manager.install(
            bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: None,
                grants: portico::plugins::manager::GrantChoice::AllRequested,
            },
        )
    };
    let err = format!("{:#}", strict_install(&signed).unwrap_err());
    assert!(err.to_lowercase().contains("signature"), "{err}");
    let err = format!("{:#}", strict_install(&v2).unwrap_err());
    assert!(err.contains("not signed"), "{err}");
    let good = portico_package::signature::sign(&v2, &signing, "author").unwrap();
    let report = strict_install(&good).unwrap();
    assert_eq!(report.signed_by.as_deref(), Some("author"));
    assert!(strict.manager.list().unwrap().len() == 1);

    // Nothing the refused installs did is visible.
    assert_eq!(host.manager.list().unwrap(), before);
    let view = host
        .runtime
        .render_view(
            "test-echo",
            &CallContext::org(OrgId::default_org()),
            "echo".into(),
            entity("svc"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(first_text(&view), "echo 0.1.0 svc");
}

#[test]
fn the_compile_cache_is_reused_and_keyed_by_engine() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = std::fs::read(TEST_ECHO_V1).unwrap();
    let sha = "e".repeat(64);
    let portico_engine = portico::runtime::PorticoEngine::new(&Default::default()).unwrap();
    let engine = portico_engine.engine.clone();

    let cache = ArtifactCache::new(dir.path(), &engine).unwrap();
    assert_eq!(
        cache.load(&engine, &bytes, &sha).unwrap().1,
        CacheOutcome::Compiled
    );
    // A new cache on the same directory (a restart) loads without compiling.
    let cache = ArtifactCache::new(dir.path(), &engine).unwrap();
    assert_eq!(
        cache.load(&engine, &bytes, &sha).unwrap().1,
        CacheOutcome::Hit
    );

    // A differently configured engine misses the cache.
    let mut config = wasmtime::Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(false);
    let other = wasmtime::Engine::new(&config).unwrap();
    assert_ne!(engine_key(&engine), engine_key(&other));
    let cache = ArtifactCache::new(dir.path(), &other).unwrap();
    assert_eq!(
        cache.load(&other, &bytes, &sha).unwrap().1,
        CacheOutcome::Compiled
    );

    // A corrupted artifact is detected and recompiled, never loaded.
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "cwasm") {
            let mut data = std::fs::read(&path).unwrap();
            let middle = data.len() / 2;
            data[middle] ^= 0xff;
            std::fs::write(&path, data).unwrap();
        }
    }
    let cache = ArtifactCache::new(dir.path(), &engine).unwrap();
    assert_eq!(
        cache.load(&engine, &bytes, &sha).unwrap().1,
        CacheOutcome::Compiled
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_in_flight_finish_when_a_plugin_is_disabled() {
    use axum::routing::get;
    // A status server that answers after 200 ms, so the call is in flight during the disable.
    let app = axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            "slow ok"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    // A generous deadline: the point is the disable, not the clock.
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: portico::runtime::Limits {
            deadlines: portico::runtime::limits::Deadlines {
                view: std::time::Duration::from_secs(10),
                ..Default::default()
            },
            ..test_limits()
        },
        ..PluginPolicy::default()
    });
    host.install(
        portico_bundled_plugins::fixtures::TEST_HOSTILE,
        &["http:127.0.0.1:*"],
    );
    let ctx = CallContext::org(OrgId::default_org());
    let url = format!("http://{addr}/slow");
    let in_flight = host.runtime.render_view(
        "test-hostile",
        &ctx,
        "http".into(),
        entity("x"),
        vec![("url".into(), url)],
    );
    let disable = async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        host.manager.set_enabled("test-hostile", false).unwrap();
    };
    let (result, ()) = tokio::join!(in_flight, disable);
    assert_eq!(
        first_text(&result.unwrap()),
        "ok 200",
        "the call that started before the disable completes"
    );
    let after = host
        .runtime
        .render_view("test-hostile", &ctx, "ok".into(), entity("x"), vec![])
        .await
        .unwrap_err();
    assert_eq!(after.kind, portico::runtime::CallErrorKind::NotAvailable);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_admin_api_requires_the_configured_token() {
    let host = TestHost::new();
    let addr = host
        .serve_with_admin_token(Some("s3cret-admin".into()))
        .await;
    let client = reqwest::Client::new();
    let admin = format!("http://{addr}/api/admin/plugins");
    let v1 = std::fs::read(TEST_ECHO_V1).unwrap();

    let r = client.get(&admin).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["name"], "AuthenticationError");
    let r = client
        .post(&admin)
        .query(&[("yes", "true")])
        .bearer_auth("wrong")
        .body(v1.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        host.manager.list().unwrap().is_empty(),
        "nothing installed without the token"
    );

    let r = client
        .post(&admin)
        .query(&[("yes", "true")])
        .bearer_auth("s3cret-admin")
        .body(v1)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    // Plugin calls with caller-supplied entities need the token too.
    let view = format!("http://{addr}/api/plugins/test-echo/views/echo");
    let entity =
        serde_json::json!({ "entity": { "kind": "Component", "metadata": { "name": "svc" } } });
    let r = client.post(&view).json(&entity).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r = client
        .post(&view)
        .bearer_auth("s3cret-admin")
        .json(&entity)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // Health stays public.
    assert_eq!(
        client
            .get(format!("http://{addr}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
