//! Hostile plugins get the right error, and while each misbehaves the host keeps answering
//! `/healthz` and a well-behaved plugin keeps working.

mod common;

use common::{TestHost, entity, first_text};
use portico::runtime::{CallContext, CallErrorKind};
use portico_bundled_plugins::fixtures::{TEST_ECHO_V1, TEST_HOSTILE};
use portico_storage::{Batch, Keyspace, OrgId};
use std::time::Duration;

fn ctx() -> CallContext {
    CallContext::org(OrgId::default_org())
}

fn params(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn host() -> TestHost {
    let host = TestHost::new();
    host.install(
        TEST_HOSTILE,
        &["http:example.com", "secrets:allowed-secret", "kv"],
    );
    host.install(TEST_ECHO_V1, &[]);
    host
}

/// Runs a hostile view while checking that `/healthz` and another plugin answer meanwhile.
async fn misbehave(host: &TestHost, view: &str, p: &[(&str, &str)]) -> portico::runtime::CallError {
    let addr = host.serve().await;
    let hostile_ctx = ctx();
    let hostile = host.runtime.render_view(
        "test-hostile",
        &hostile_ctx,
        view.to_string(),
        entity("svc"),
        params(p),
    );
    let bystanders = async {
        // Let the hostile call start first.
        tokio::time::sleep(Duration::from_millis(30)).await;
        let health = reqwest::get(format!("http://{addr}/healthz"))
            .await
            .unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(health.text().await.unwrap(), "ok");
        let echo = host
            .runtime
            .render_view(
                "test-echo",
                &ctx(),
                "echo".into(),
                entity("bystander"),
                vec![],
            )
            .await
            .expect("a well-behaved plugin works while another misbehaves");
        assert_eq!(first_text(&echo), "echo 0.1.0 bystander");
    };
    let (result, ()) = tokio::join!(hostile, bystanders);
    let err = result.expect_err("the hostile call must fail");
    assert_eq!(
        err.plugin, "test-hostile",
        "errors are tagged with the plugin id"
    );
    // The failed instance is gone; the plugin itself still answers normally.
    let ok = host
        .runtime
        .render_view("test-hostile", &ctx(), "ok".into(), entity("after"), vec![])
        .await
        .unwrap();
    assert_eq!(first_text(&ok), "hello after");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_endless_loop_hits_the_deadline() {
    let host = host();
    let err = misbehave(&host, "loop", &[]).await;
    assert_eq!(err.kind, CallErrorKind::Deadline, "{err}");
    assert!(err.message.contains("deadline of 400ms"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_growth_past_the_limit_is_a_memory_error() {
    let host = host();
    let err = misbehave(&host, "grow-memory", &[]).await;
    assert_eq!(err.kind, CallErrorKind::Memory, "{err}");
    assert!(
        err.message.contains("memory limit of 33554432 bytes"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_recursion_is_a_trap() {
    let host = host();
    let err = misbehave(&host, "recursion", &[]).await;
    assert_eq!(err.kind, CallErrorKind::Trap, "{err}");
    assert!(err.message.contains("stack"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_is_a_trap_with_the_panic_message() {
    let host = host();
    let err = misbehave(&host, "panic", &[]).await;
    assert_eq!(err.kind, CallErrorKind::Trap, "{err}");
    assert!(err.message.contains("panic on purpose"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_result_is_refused() {
    let host = host();
    let err = misbehave(&host, "oversized", &[("bytes", "1000000")]).await;
    assert_eq!(err.kind, CallErrorKind::Oversized, "{err}");
    assert!(err.message.contains("limit of 262144 bytes"), "{err}");
    // Just under the limit is fine.
    let view = host
        .runtime
        .render_view(
            "test-hostile",
            &ctx(),
            "oversized".into(),
            entity("x"),
            params(&[("bytes", "1000")]),
        )
        .await
        .unwrap();
    assert_eq!(first_text(&view).len(), 1000);
}

async fn http_text(host: &TestHost, url: &str) -> String {
    let view = host
        .runtime
        .render_view(
            "test-hostile",
            &ctx(),
            "http".into(),
            entity("x"),
            params(&[("url", url)]),
        )
        .await
        .unwrap();
    first_text(&view)
}

fn denials(host: &TestHost) -> Vec<String> {
    host.runtime
        .services()
        .events
        .recent("test-hostile")
        .into_iter()
        .filter(|e| e.kind == "denied")
        .map(|e| e.message)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_to_hosts_that_were_not_granted_is_denied_and_logged() {
    let host = host();
    // A loopback server that must never be reached.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let reached = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = reached.clone();
    tokio::spawn(async move {
        while let Ok((_socket, _)) = listener.accept().await {
            flag.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    });

    for url in [
        "http://not-granted.example.org/".to_string(),
        format!("http://127.0.0.1:{port}/"),
        "http://169.254.169.254/latest/meta-data/".to_string(),
    ] {
        let text = http_text(&host, &url).await;
        assert!(
            text.starts_with("error") && text.contains("HttpRequestDenied"),
            "{url}: {text}"
        );
    }
    assert!(
        !reached.load(std::sync::atomic::Ordering::SeqCst),
        "the loopback server was reached"
    );
    let logged = denials(&host);
    assert_eq!(logged.len(), 3, "{logged:?}");
    assert!(
        logged.iter().any(|d| d.contains("169.254.169.254")),
        "{logged:?}"
    );
    let summary = host.runtime.services().metrics.summary("test-hostile");
    assert_eq!(summary.denials, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wildcard_grant_still_refuses_loopback_and_metadata_after_dns() {
    let host = TestHost::new();
    host.install(TEST_HOSTILE, &["http:*"]);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    for url in [
        "http://127.0.0.1/".to_string(),
        // A name, refused only after it resolves to loopback.
        "http://localhost/".to_string(),
        "http://169.254.169.254/".to_string(),
        "http://[::1]/".to_string(),
        // `*` means default ports only.
        format!("http://127.0.0.1:{port}/"),
    ] {
        let text = http_text(&host, &url).await;
        assert!(text.contains("HttpRequestDenied"), "{url}: {text}");
    }
    let logged = denials(&host);
    assert!(
        logged
            .iter()
            .any(|d| d.contains("localhost") && d.contains("resolves to 127.0.0.1")),
        "{logged:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_only_by_granted_name() {
    let host = host();
    let read = |name: &'static str| {
        let host = &host;
        async move {
            let view = host
                .runtime
                .render_view(
                    "test-hostile",
                    &ctx(),
                    "secret".into(),
                    entity("x"),
                    params(&[("name", name)]),
                )
                .await
                .unwrap();
            first_text(&view)
        }
    };
    assert_eq!(
        read("allowed-secret").await,
        format!("ok {}", "s3cret-value".len())
    );
    let refused = read("other-secret").await;
    assert!(refused.starts_with("error denied"), "{refused}");
    assert!(!refused.contains("must-not-leak"), "{refused}");
    assert!(denials(&host).iter().any(|d| d.contains("other-secret")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_keys_cannot_reach_another_plugins_data() {
    let host = host();
    // Another plugin's data, stored the way the kv capability stores it.
    let space = Keyspace::new(OrgId::default_org(), "plugins.kv");
    let mut value = 0u64.to_be_bytes().to_vec();
    value.extend_from_slice(b"victim-data");
    let mut batch = Batch::new();
    batch.put(&space, b"victim\0token".to_vec(), value);
    host.storage.apply(batch).unwrap();

    let kv = |view: &'static str, key: &'static str, value: &'static str| {
        let host = &host;
        async move {
            let v = host
                .runtime
                .render_view(
                    "test-hostile",
                    &ctx(),
                    view.into(),
                    entity("x"),
                    params(&[("key", key), ("value", value)]),
                )
                .await
                .unwrap();
            first_text(&v)
        }
    };
    for key in [
        "token",
        "victim\0token",
        "../victim/token",
        "\0victim\0token",
        "victim/token",
    ] {
        assert_eq!(kv("kv-get", key, "").await, "ok none", "key {key:?}");
    }
    // Its own namespace works, and writing a look-alike key does not touch the victim's.
    assert_eq!(
        kv("kv-set", "victim\0token", "overwrite").await,
        "ok overwrite"
    );
    assert_eq!(kv("kv-get", "victim\0token", "").await, "ok overwrite");
    let victim = host.storage.get(&space, b"victim\0token").unwrap().unwrap();
    assert_eq!(&victim[8..], b"victim-data");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kv_without_the_grant_is_denied() {
    let host = TestHost::new();
    host.install(TEST_HOSTILE, &[]);
    let v = host
        .runtime
        .render_view(
            "test-hostile",
            &ctx(),
            "kv-get".into(),
            entity("x"),
            params(&[("key", "a")]),
        )
        .await
        .unwrap();
    assert!(
        first_text(&v).starts_with("error denied"),
        "{}",
        first_text(&v)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_environment_no_arguments_no_filesystem() {
    let host = host();
    let run = |view: &'static str, path: &'static str| {
        let host = &host;
        async move {
            let v = host
                .runtime
                .render_view(
                    "test-hostile",
                    &ctx(),
                    view.into(),
                    entity("x"),
                    params(&[("path", path)]),
                )
                .await
                .unwrap();
            first_text(&v)
        }
    };
    // SAFETY: no other thread of this test process reads this variable.
    unsafe { std::env::set_var("PORTICO_TEST_HOST_SECRET_ENV", "leak") };
    assert_eq!(run("env", "").await, "env 0 args 0");
    for path in ["/etc/passwd", "/proc/self/environ", "Cargo.toml", "."] {
        let text = run("fs-read", path).await;
        assert!(text.starts_with("error"), "{path}: {text}");
    }
    let target = host.dir.path().join("pwned");
    let text = run(
        "fs-write",
        Box::leak(target.display().to_string().into_boxed_str()),
    )
    .await;
    assert!(text.starts_with("error"), "{text}");
    assert!(!target.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugins_own_errors_keep_their_kind() {
    let host = host();
    let err = host
        .runtime
        .render_view(
            "test-hostile",
            &ctx(),
            "no-such-view".into(),
            entity("x"),
            vec![],
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, CallErrorKind::Plugin, "{err}");
    assert_eq!(err.plugin_kind.as_deref(), Some("not-found"), "{err}");
    assert!(err.message.contains("no-such-view"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_post_reports_the_denial_not_a_closed_stream() {
    let host = host();
    let view = host
        .runtime
        .render_view(
            "test-hostile",
            &ctx(),
            "sdk-post".into(),
            entity("x"),
            params(&[("url", "http://not-granted.example.org/hook")]),
        )
        .await
        .unwrap();
    let text = first_text(&view);
    assert!(text.starts_with("error denied"), "{text}");
    assert!(text.contains("not-granted.example.org"), "{text}");
}
