//! Backstage's official `@backstage/catalog-client` (from npm) against a live Portico
//! serving the Backstage example catalog. Node.js is required; the npm packages are installed
//! from the lock file on first run.

mod common;

use common::TestHost;
use std::path::PathBuf;
use std::process::Command;

fn client_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/catalog-client")
}

fn ensure_npm_packages() {
    let dir = client_dir();
    if dir.join("node_modules/@backstage/catalog-client").exists() {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .expect("npm must be installed to run the catalog-client conformance test");
    assert!(status.success(), "npm ci failed in {}", dir.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backstage_catalog_client_works_against_portico() {
    ensure_npm_packages();
    let host = TestHost::new();
    let corpus = host.ingest_corpus();
    let addr = host.serve().await;
    let base = format!("http://{addr}/api/catalog");
    let output = tokio::process::Command::new("node")
        .arg("conformance.mjs")
        .arg(&base)
        .arg(&corpus)
        .current_dir(client_dir())
        .output()
        .await
        .expect("node must be installed to run the catalog-client conformance test");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "catalog-client conformance failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("11/11 passed"), "{stdout}");
}
