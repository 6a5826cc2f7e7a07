//! The integration plugins' tabs in a real browser: headless Chromium (Debian's `chromium`)
//! driven by playwright-core (host/tests/browser/integrations.mjs) against a live Portico
//! with `github-actions` and `kubernetes` configured against loopback servers that answer
//! in the shapes of GitHub's REST API and the Kubernetes API (compact versions of the fakes
//! in plugin_github_actions.rs and plugin_kubernetes.rs), and the `docs` plugin over a docs
//! folder next to the entity's catalog file. Screenshots go to `<target>/portal-screenshots/`.
//!
//! Chromium and Node.js are required: the test fails, loudly, when either is missing.

mod common;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;
use common::browser::{browser_dir, ensure_tools, screenshot_dir};
use common::{TestHost, repo_root};
use portico::config::PluginSettings;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginPolicy};
use portico::runtime::Limits;
use portico_storage::OrgId;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

const GITHUB_TOKEN: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
const KUBE_TOKEN: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InByb2QifQ.prod-token-value";
const KUBE_ID: &str = "checkout";

async fn serve(app: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

fn json_reply(builder: axum::http::response::Builder, body: &Value) -> Response {
    builder
        .header("content-type", "application/json; charset=utf-8")
        .body(Body::from(body.to_string()))
        .unwrap()
}

// ---------------------------------------------------------------------------------------
// GitHub's REST API (Actions): list workflow runs (paged by `Link`), a run, its jobs.
// ---------------------------------------------------------------------------------------

fn run_json(id: u64, name: &str, branch: &str, status: &str, conclusion: Option<&str>) -> Value {
    let sha = format!("{id:x}acb5820ced9479c074f688cc8d3f1e09");
    json!({
        "id": id, "name": name, "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==",
        "head_branch": branch, "head_sha": sha,
        "path": ".github/workflows/build.yml@main", "display_title": "Update README.md",
        "run_number": id % 1000, "event": "push", "status": status, "conclusion": conclusion,
        "workflow_id": 159038,
        "url": format!("https://api.github.com/repos/octo-org/checkout/actions/runs/{id}"),
        "html_url": format!("https://github.com/octo-org/checkout/actions/runs/{id}"),
        "pull_requests": [],
        "created_at": "2020-01-22T19:33:08Z", "updated_at": "2020-01-22T19:35:20Z",
        "run_started_at": "2020-01-22T19:33:08Z", "run_attempt": 1,
        "actor": { "login": "octocat", "id": 1, "type": "User", "site_admin": false },
        "head_commit": {
            "id": sha, "tree_id": "d23f6eedb1e1b9610bbc754ddb5197bfe7271223",
            "message": "Update README.md", "timestamp": "2020-01-22T19:33:05Z",
            "author": { "name": "Octo Cat", "email": "octocat@github.com" },
            "committer": { "name": "GitHub", "email": "noreply@github.com" }
        },
        "repository": { "id": 1296269, "name": "checkout", "full_name": "octo-org/checkout",
            "html_url": "https://github.com/octo-org/checkout", "private": false }
    })
}

fn all_runs() -> Vec<Value> {
    vec![
        run_json(30433642, "Build", "main", "completed", Some("failure")),
        run_json(30433641, "Build", "feature/login", "in_progress", None),
        run_json(30433640, "Lint", "main", "completed", Some("success")),
    ]
}

fn jobs_json(run_id: u64) -> Value {
    let step = |n: u64, name: &str, conclusion: &str| {
        json!({ "name": name, "status": "completed", "conclusion": conclusion, "number": n,
                "started_at": "2020-01-20T17:44:41Z", "completed_at": "2020-01-20T17:46:09Z" })
    };
    json!({
        "total_count": 1,
        "jobs": [{
            "id": 399444497, "run_id": run_id,
            "html_url": "https://github.com/octo-org/checkout/runs/399444497",
            "status": "completed", "conclusion": "failure",
            "started_at": "2020-01-20T17:44:40Z", "completed_at": "2020-01-20T17:46:10Z",
            "name": "test",
            "steps": [step(1, "Set up job", "success"), step(2, "Run cargo test", "failure")],
            "labels": ["ubuntu-latest"], "runner_name": "GitHub Actions 2",
            "workflow_name": "Build", "head_branch": "main"
        }]
    })
}

/// A response head with GitHub's rate-limit headers.
fn github_head(status: u16) -> axum::http::response::Builder {
    Response::builder()
        .status(status)
        .header("x-github-api-version-selected", "2022-11-28")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4987")
        .header("x-ratelimit-used", "13")
        .header("x-ratelimit-reset", "1893456000")
        .header("x-ratelimit-resource", "core")
}

fn github_error(status: u16, message: &str) -> Response {
    json_reply(
        github_head(status),
        &json!({ "message": message, "documentation_url": "https://docs.github.com/rest", "status": status.to_string() }),
    )
}

async fn github(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok());
    if token != Some(&format!("Bearer {GITHUB_TOKEN}")) {
        return github_error(401, "Bad credentials");
    }
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default();
    let param = |name: &str| {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
            .and_then(|v| v.parse::<usize>().ok())
    };
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let [
        "repos",
        "octo-org",
        "checkout",
        "actions",
        "runs",
        rest @ ..,
    ] = segments.as_slice()
    else {
        return github_error(404, "Not Found");
    };
    match (method.as_str(), rest) {
        ("GET", []) => {
            let per_page = param("per_page").unwrap_or(30);
            let page = param("page").unwrap_or(1).max(1);
            let runs = all_runs();
            let last = runs.len().div_ceil(per_page).max(1);
            let listed: Vec<Value> = runs
                .iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .cloned()
                .collect();
            let link = |p: usize, rel: &str| {
                format!(
                    "<https://api.github.com/repositories/1296269/actions/runs?per_page={per_page}&page={p}>; rel=\"{rel}\""
                )
            };
            let mut links = Vec::new();
            if page > 1 {
                links.push(link(page - 1, "prev"));
                links.push(link(1, "first"));
            }
            if page < last {
                links.push(link(page + 1, "next"));
                links.push(link(last, "last"));
            }
            let mut head = github_head(200).header("etag", format!("W/\"runs-{page}\""));
            if !links.is_empty() {
                head = head.header("link", links.join(", "));
            }
            json_reply(
                head,
                &json!({ "total_count": runs.len(), "workflow_runs": listed }),
            )
        }
        ("GET", [id]) => match all_runs()
            .into_iter()
            .find(|r| r["id"].as_u64() == id.parse().ok())
        {
            Some(run) => json_reply(github_head(200), &run),
            None => github_error(404, "Not Found"),
        },
        ("GET", [id, "jobs"]) => json_reply(github_head(200), &jobs_json(id.parse().unwrap_or(0))),
        _ => github_error(404, "Not Found"),
    }
}

// ---------------------------------------------------------------------------------------
// A Kubernetes API server: `…List` answers for the entity's label selector, `Status` errors.
// ---------------------------------------------------------------------------------------

fn meta(name: &str, owner: Option<(&str, &str)>) -> Value {
    let owners = owner.map(|(kind, name)| {
        json!([{ "apiVersion": "apps/v1", "kind": kind, "name": name,
                 "uid": "5d1f0c2e-77aa-4b1d-9c3e-0123456789ab", "controller": true, "blockOwnerDeletion": true }])
    });
    json!({
        "name": name, "namespace": "shop",
        "uid": format!("4c3e1a2b-{:0>4}-4d5e-9f00-0123456789ab", name.len()),
        "resourceVersion": "4815162342", "generation": 2,
        "creationTimestamp": "2026-11-20T08:15:00Z",
        "labels": { "app": KUBE_ID, "backstage.io/kubernetes-id": KUBE_ID },
        "ownerReferences": owners.unwrap_or_else(|| json!([])),
    })
}

fn deployment() -> Value {
    json!({
        "metadata": meta("checkout", None),
        "spec": {
            "replicas": 3,
            "selector": { "matchLabels": { "app": KUBE_ID } },
            "template": { "spec": { "containers": [{ "name": "checkout",
                "image": "registry.example.com/checkout:2.1.0" }] } },
            "strategy": { "type": "RollingUpdate" }
        },
        "status": {
            "observedGeneration": 2, "replicas": 3, "updatedReplicas": 3,
            "readyReplicas": 2, "availableReplicas": 2, "unavailableReplicas": 1,
            "conditions": [
                { "type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
                  "lastUpdateTime": "2026-11-29T10:00:00Z", "lastTransitionTime": "2026-11-29T10:00:00Z",
                  "message": "Deployment has minimum availability." },
                { "type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable",
                  "lastUpdateTime": "2026-11-29T10:00:00Z", "lastTransitionTime": "2026-11-29T10:00:00Z",
                  "message": "ReplicaSet \"checkout-6b8d9c7f4b\" has successfully progressed." }
            ]
        }
    })
}

fn pod(name: &str, phase: &str, ready: bool, restarts: i64, state: Value) -> Value {
    json!({
        "metadata": meta(name, Some(("ReplicaSet", "checkout-6b8d9c7f4b"))),
        "spec": { "containers": [{ "name": "checkout", "image": "registry.example.com/checkout:2.1.0" }],
                  "nodeName": "ip-10-0-3-17.eu-west-1.compute.internal", "restartPolicy": "Always" },
        "status": {
            "phase": phase, "hostIP": "10.0.3.17", "podIP": "10.244.1.23",
            "startTime": "2026-11-29T10:00:00Z", "qosClass": "Burstable",
            "containerStatuses": [{ "name": "checkout", "state": state, "lastState": {},
                "ready": ready, "restartCount": restarts, "started": ready,
                "image": "registry.example.com/checkout:2.1.0",
                "imageID": "registry.example.com/checkout@sha256:1e7f0b7c0d" }]
        }
    })
}

fn pods() -> Vec<Value> {
    let running = json!({ "running": { "startedAt": "2026-11-29T10:00:05Z" } });
    vec![
        pod(
            "checkout-6b8d9c7f4b-4xk2p",
            "Running",
            true,
            0,
            running.clone(),
        ),
        pod("checkout-6b8d9c7f4b-9qw7n", "Running", true, 0, running),
        pod(
            "checkout-6b8d9c7f4b-crash",
            "Running",
            false,
            12,
            json!({ "waiting": { "reason": "CrashLoopBackOff",
                "message": "back-off 5m0s restarting failed container=checkout pod=checkout-6b8d9c7f4b-crash_shop" } }),
        ),
    ]
}

fn replica_set() -> Value {
    json!({
        "metadata": meta("checkout-6b8d9c7f4b", Some(("Deployment", "checkout"))),
        "spec": { "replicas": 3,
                  "template": { "spec": { "containers": [{ "name": "checkout",
                      "image": "registry.example.com/checkout:2.1.0" }] } } },
        "status": { "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 2,
                    "availableReplicas": 2, "observedGeneration": 1 }
    })
}

fn service() -> Value {
    json!({
        "metadata": meta("checkout", None),
        "spec": { "type": "ClusterIP", "clusterIP": "10.96.44.12",
                  "ports": [{ "name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080 }],
                  "selector": { "app": KUBE_ID } },
        "status": { "loadBalancer": {} }
    })
}

fn kube_reply(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("audit-id", "1f0c4b7e-5d2a-4c9b-8e3f-6a7b8c9d0e1f")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn kube(uri: Uri, headers: HeaderMap) -> Response {
    let token = headers.get("authorization").and_then(|v| v.to_str().ok());
    if token != Some(&format!("Bearer {KUBE_TOKEN}")) {
        return kube_reply(
            401,
            &json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                     "message": "Unauthorized", "reason": "Unauthorized", "code": 401 }),
        );
    }
    // Only the entity's selector (`backstage.io/kubernetes-id=checkout`) matches.
    let query = uri
        .query()
        .unwrap_or_default()
        .replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%3D", "=")
        .replace("%3d", "=");
    let matches = query.contains(&format!(
        "labelSelector=backstage.io/kubernetes-id={KUBE_ID}"
    ));
    let list = |kind: &str, api_version: &str, items: Vec<Value>| {
        let items = if matches { items } else { vec![] };
        kube_reply(
            200,
            &json!({ "kind": kind, "apiVersion": api_version,
                     "metadata": { "resourceVersion": "4815162342" }, "items": items }),
        )
    };
    match uri.path() {
        "/apis/apps/v1/deployments" => list("DeploymentList", "apps/v1", vec![deployment()]),
        "/apis/apps/v1/replicasets" => list("ReplicaSetList", "apps/v1", vec![replica_set()]),
        "/api/v1/pods" => list("PodList", "v1", pods()),
        "/api/v1/services" => list("ServiceList", "v1", vec![service()]),
        "/apis/networking.k8s.io/v1/ingresses" => {
            list("IngressList", "networking.k8s.io/v1", vec![])
        }
        "/apis/autoscaling/v2/horizontalpodautoscalers" => {
            list("HorizontalPodAutoscalerList", "autoscaling/v2", vec![])
        }
        _ => Response::builder()
            .status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::from("404 page not found\n"))
            .unwrap(),
    }
}

// ---------------------------------------------------------------------------------------
// The entity, its docs folder and the host.
// ---------------------------------------------------------------------------------------

/// A catalog file for `checkout` with a docs site beside it, in a scratch folder inside the
/// repository (the test host's `file_root`).
fn checkout_folder() -> tempfile::TempDir {
    let scratch = repo_root().join("target");
    std::fs::create_dir_all(&scratch).unwrap();
    let dir = tempfile::tempdir_in(scratch).unwrap();
    let write = |path: &str, text: &str| {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, text).unwrap();
    };
    write(
        "catalog-info.yaml",
        &format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: checkout\n  description: Takes the payment for a basket.\n  annotations:\n    github.com/project-slug: octo-org/checkout\n    backstage.io/kubernetes-id: {KUBE_ID}\n    backstage.io/techdocs-ref: dir:.\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        ),
    );
    write(
        "mkdocs.yml",
        "site_name: Checkout\nnav:\n  - Home: index.md\n  - Runbook: runbook.md\n",
    );
    write(
        "docs/index.md",
        "# Checkout service\n\nThe checkout service takes the payment for a basket.\n\n## Running locally\n\nStart it with `cargo run`.\n\nSee the [runbook](runbook.md).\n",
    );
    write(
        "docs/runbook.md",
        "# Runbook\n\n## Payments fail\n\n| Symptom | Action |\n| --- | --- |\n| 502 from the provider | Fail over to the second provider |\n",
    );
    dir
}

fn policy(github: SocketAddr, kube: SocketAddr) -> PluginPolicy {
    let settings = |config: Value| PluginSettings {
        config: Some(config),
        ..PluginSettings::default()
    };
    let mut plugins = BTreeMap::new();
    plugins.insert(
        "github-actions".to_string(),
        settings(json!({ "base_url": format!("http://{github}"), "per_page": 2 })),
    );
    plugins.insert(
        "kubernetes".to_string(),
        settings(
            json!({ "clusters": [{ "name": "prod", "url": format!("http://{kube}"),
                         "token_secret": "kubernetes-token-1" }] }),
        ),
    );
    PluginPolicy {
        default_limits: Limits {
            max_result_bytes: 1024 * 1024,
            deadlines: portico::runtime::limits::Deadlines {
                view: Duration::from_secs(10),
                ..Limits::default().deadlines
            },
            ..Limits::default()
        },
        settings: plugins,
        ..PluginPolicy::default()
    }
}

fn install_bundled(host: &TestHost, id: &str, grants: &[&str]) {
    let plugin = portico_bundled_plugins::bundled(id).unwrap_or_else(|| panic!("{id} is bundled"));
    host.manager
        .install(
            plugin.bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
            },
        )
        .unwrap_or_else(|e| panic!("installing {id}: {e:#}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn integration_tabs_show_their_servers_in_chromium() {
    ensure_tools();
    let github = serve(axum::Router::new().fallback(github)).await;
    let kube = serve(axum::Router::new().fallback(kube)).await;
    let host = TestHost::with_options(
        policy(github, kube),
        &[
            ("github-token", GITHUB_TOKEN),
            ("kubernetes-token-1", KUBE_TOKEN),
        ],
        None,
    );
    install_bundled(
        &host,
        "github-actions",
        &["http:127.0.0.1:*", "secrets:github-token", "kv"],
    );
    install_bundled(
        &host,
        "kubernetes",
        &["http:127.0.0.1:*", "secrets:kubernetes-token-1"],
    );
    install_bundled(&host, "docs", &["docs-files"]);
    let folder = checkout_folder();
    host.catalog
        .add_location(
            &OrgId::default_org(),
            &portico_catalog::api::AddLocationRequest {
                location_type: "file".into(),
                target: folder
                    .path()
                    .join("catalog-info.yaml")
                    .display()
                    .to_string(),
                dry_run: false,
            },
        )
        .unwrap();
    let addr = host.serve().await;

    let shots = screenshot_dir();
    let output = tokio::process::Command::new("node")
        .arg("integrations.mjs")
        .arg(format!("http://{addr}"))
        .arg(&shots)
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
        stdout.contains("integrations: 4 checks passed"),
        "{stdout}\n{stderr}"
    );
    for name in [
        "github-actions-tab",
        "github-actions-run",
        "kubernetes-tab",
        "docs-tab",
        "docs-runbook",
    ] {
        assert!(
            shots.join(format!("{name}.png")).exists(),
            "screenshot {name}"
        );
    }
}
