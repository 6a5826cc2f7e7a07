//! The portal in a real browser: headless Chromium (Debian's `chromium` at /usr/bin/chromium)
//! driven by playwright-core from npm (host/tests/browser, installed by `.ci/run`) against a
//! live Portico serving the Backstage example catalog, a hostile entity, the api-docs and
//! test-hostile plugins, and a second portal with an organization's theme and overrides.
//! Screenshots of the main pages go to `<target>/portal-screenshots/`.
//!
//! Chromium and Node.js are required: the test fails, loudly, when either is missing.

mod common;

use common::TestHost;
use common::browser::{browser_dir, ensure_tools, screenshot_dir};
use portico_storage::OrgId;
use serde_json::json;

async fn serve(host: &TestHost, portal: portico::web::Portal) -> std::net::SocketAddr {
    host.serve_portal(None, portal).await
}

fn hostile_entity() -> serde_json::Value {
    let script = "<script>alert('entity')</script>";
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": "hostile-service",
            "title": format!("Title {script}"),
            "description": format!("Description {script} <img src=x onerror=alert('d')> [md](javascript:alert('md'))"),
            "annotations": {
                "backstage.io/source-location": "url:javascript:alert('annotation')",
                "example.com/note": script,
                "test.portico.dev/views": "payloads,loop",
            },
            "tags": ["safe-tag"],
            "links": [
                { "url": "javascript:alert('link')", "title": format!("Bad link {script}") },
                { "url": "https://example.com/good", "title": "Good link" },
            ],
        },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_portal_works_and_stays_safe_in_chromium() {
    ensure_tools();
    let host = TestHost::new();
    host.ingest_corpus();
    host.catalog
        .apply_provider(
            &OrgId::default_org(),
            "browser-test",
            vec![hostile_entity()],
        )
        .unwrap();
    host.install(portico_bundled_plugins::fixtures::TEST_HOSTILE, &[]);
    let api_docs = portico_bundled_plugins::bundled("api-docs").unwrap();
    let api_docs_file = host.dir.path().join("api-docs.wasm");
    std::fs::write(&api_docs_file, api_docs.bytes).unwrap();
    host.install(api_docs_file.to_str().unwrap(), &[]);
    let addr = serve(&host, portico::web::Portal::default()).await;

    // A second portal over the same host with an organization's theme and overrides.
    let overrides = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(overrides.path().join("templates/partials")).unwrap();
    std::fs::write(
        overrides.path().join("templates/partials/footer.hbs"),
        "<footer class=\"footer\">Acme internal portal · {{site.name}}</footer>",
    )
    .unwrap();
    std::fs::write(
        overrides.path().join("templates/catalog.hbs"),
        "{{#if}}broken",
    )
    .unwrap();
    let config = portico::config::Config::parse(
        &format!(
            "portal:\n  name: Acme Portal\n  colors:\n    accent: \"#dc2626\"\n  overrides: {}\n",
            overrides.path().display()
        ),
        "portico.yaml",
    )
    .unwrap();
    let themed = serve(&host, portico::web::Portal::new(&config.portal)).await;

    let shots = screenshot_dir();
    let output = tokio::process::Command::new("node")
        .arg("e2e.mjs")
        .arg(format!("http://{addr}"))
        .arg(&shots)
        .arg(portico_bundled_plugins::fixtures::TEST_ECHO_V1)
        .arg(format!("http://{themed}"))
        .current_dir(browser_dir())
        .output()
        .await
        .expect("node must be installed to run the browser tests");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "browser tests failed:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("e2e: 9 checks passed"),
        "{stdout}\n{stderr}"
    );
    for name in [
        "home",
        "catalog",
        "entity",
        "api-docs-tab",
        "xss-payloads",
        "admin-plugins",
    ] {
        assert!(
            shots.join(format!("{name}.png")).exists(),
            "screenshot {name}"
        );
    }
}
