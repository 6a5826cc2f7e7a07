//! The bundled `github-actions` plugin against a loopback server that answers like GitHub's
//! REST API (payloads, `Link`, rate-limit and error shapes from GitHub's published REST API
//! documentation): the runs list (empty, paginated, filtered by branch), run details with
//! jobs and steps, every error the tab explains (401, 403, 404, 429, 500, slow, malformed,
//! huge), the re-run action (live and dry-run), and capabilities withheld.

#![recursion_limit = "256"]

use axum::body::Body;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use portico::config::PluginSettings;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::bindings::latest::actions::RunContext;
use portico::runtime::bindings::latest::view_types::View;
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::state::TaskLog;
use portico::runtime::{
    CallContext, CallErrorKind, EngineSettings, HostServices, Limits, NoCatalog, Runtime,
    TaskContext,
};
use portico::secrets::SecretStore;
use portico_storage::{OrgId, SledStorage, Storage};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PLUGIN: &str = "github-actions";
const VIEW: &str = "workflow-runs";
const ACTION: &str = "github:actions:rerun";
const TOKEN: &str = "ghp_16C7e42F292c6912E7710c838347Ae178B4a";
const ALL_GRANTS: &[&str] = &["http:127.0.0.1:*", "secrets:github-token", "kv"];

// ---------------------------------------------------------------------------------------
// A loopback server in the shape of GitHub's REST API.
// ---------------------------------------------------------------------------------------

/// One request the fake GitHub received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: String,
}

#[derive(Clone, Default)]
struct FakeGithub {
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl FakeGithub {
    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A workflow run as "List workflow runs for a repository" documents it.
fn run_json(id: u64, name: &str, branch: &str, status: &str, conclusion: Option<&str>) -> Value {
    let sha = format!("{:0>40}", format!("{id:x}acb5820ced9479c074f688cc"));
    json!({
        "id": id,
        "name": name,
        "node_id": "MDEyOldvcmtmbG93IFJ1bjI2OTI4OQ==",
        "check_suite_id": 42,
        "check_suite_node_id": "MDEwOkNoZWNrU3VpdGU0Mg==",
        "head_branch": branch,
        "head_sha": sha,
        "path": ".github/workflows/build.yml@main",
        "display_title": "Update README.md",
        "run_number": id % 1000,
        "event": "push",
        "status": status,
        "conclusion": conclusion,
        "workflow_id": 159038,
        "url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}"),
        "html_url": format!("https://github.com/octo-org/hello/actions/runs/{id}"),
        "pull_requests": [],
        "created_at": "2020-01-22T19:33:08Z",
        "updated_at": "2020-01-22T19:35:20Z",
        "actor": {
            "login": "octocat", "id": 1, "node_id": "MDQ6VXNlcjE=",
            "avatar_url": "https://github.com/images/error/octocat_happy.gif",
            "html_url": "https://github.com/octocat", "type": "User", "site_admin": false
        },
        "run_attempt": 1,
        "referenced_workflows": [],
        "run_started_at": "2020-01-22T19:33:08Z",
        "triggering_actor": { "login": "octocat", "id": 1, "type": "User", "site_admin": false },
        "jobs_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}/jobs"),
        "logs_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}/logs"),
        "check_suite_url": "https://api.github.com/repos/octo-org/hello/check-suites/414944374",
        "artifacts_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}/artifacts"),
        "cancel_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}/cancel"),
        "rerun_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{id}/rerun"),
        "workflow_url": "https://api.github.com/repos/octo-org/hello/actions/workflows/159038",
        "head_commit": {
            "id": sha, "tree_id": "d23f6eedb1e1b9610bbc754ddb5197bfe7271223",
            "message": "Create linter.yaml", "timestamp": "2020-01-22T19:33:05Z",
            "author": { "name": "Octo Cat", "email": "octocat@github.com" },
            "committer": { "name": "GitHub", "email": "noreply@github.com" }
        },
        "repository": {
            "id": 1296269, "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5", "name": "hello",
            "full_name": "octo-org/hello", "private": false,
            "owner": { "login": "octo-org", "id": 1, "type": "Organization" },
            "html_url": "https://github.com/octo-org/hello", "fork": false,
            "url": "https://api.github.com/repos/octo-org/hello"
        },
        "head_repository": {
            "id": 217723378, "name": "hello", "full_name": "octo-org/hello",
            "html_url": "https://github.com/octo-org/hello"
        }
    })
}

/// Five runs on `main` and `feature/login`: three pages of two.
fn all_runs() -> Vec<Value> {
    vec![
        run_json(30433642, "Build", "main", "completed", Some("failure")),
        run_json(30433641, "Build", "feature/login", "in_progress", None),
        run_json(30433640, "Lint", "main", "completed", Some("success")),
        run_json(30433639, "Build", "feature/login", "queued", None),
        run_json(30433638, "Deploy", "main", "completed", Some("cancelled")),
    ]
}

/// "List jobs for a workflow run", with the documentation's step shapes (local offsets).
fn jobs_json(run_id: u64) -> Value {
    json!({
        "total_count": 2,
        "jobs": [
            {
                "id": 399444496, "run_id": run_id,
                "run_url": format!("https://api.github.com/repos/octo-org/hello/actions/runs/{run_id}"),
                "node_id": "MDEyOldvcmtmbG93IEpvYjM5OTQ0NDQ5Ng==",
                "head_sha": "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
                "url": "https://api.github.com/repos/octo-org/hello/actions/jobs/399444496",
                "html_url": "https://github.com/octo-org/hello/runs/399444496",
                "status": "completed", "conclusion": "success",
                "started_at": "2020-01-20T17:42:40Z", "completed_at": "2020-01-20T17:44:39Z",
                "name": "build",
                "steps": [
                    { "name": "Set up job", "status": "completed", "conclusion": "success", "number": 1,
                      "started_at": "2020-01-20T09:42:40.000-08:00", "completed_at": "2020-01-20T09:42:41.000-08:00" },
                    { "name": "Run actions/checkout@v2", "status": "completed", "conclusion": "success", "number": 2,
                      "started_at": "2020-01-20T09:42:41.000-08:00", "completed_at": "2020-01-20T09:42:45.000-08:00" },
                    { "name": "Complete job", "status": "completed", "conclusion": "success", "number": 3,
                      "started_at": "2020-01-20T09:44:39.000-08:00", "completed_at": "2020-01-20T09:44:39.000-08:00" }
                ],
                "check_run_url": "https://api.github.com/repos/octo-org/hello/check-runs/399444496",
                "labels": ["self-hosted", "foo", "bar"],
                "runner_id": 1, "runner_name": "my runner",
                "runner_group_id": 2, "runner_group_name": "my runner group",
                "workflow_name": "Build", "head_branch": "main"
            },
            {
                "id": 399444497, "run_id": run_id,
                "html_url": "https://github.com/octo-org/hello/runs/399444497",
                "status": "completed", "conclusion": "failure",
                "started_at": "2020-01-20T17:44:40Z", "completed_at": "2020-01-20T17:46:10Z",
                "name": "test",
                "steps": [
                    { "name": "Run cargo test", "status": "completed", "conclusion": "failure", "number": 1,
                      "started_at": "2020-01-20T17:44:41Z", "completed_at": "2020-01-20T17:46:09Z" },
                    { "name": "Upload results", "status": "completed", "conclusion": "skipped", "number": 2,
                      "started_at": null, "completed_at": null }
                ],
                "labels": ["ubuntu-latest"], "runner_name": "GitHub Actions 2",
                "workflow_name": "Build", "head_branch": "main"
            }
        ]
    })
}

/// A response head with GitHub's usual headers.
fn json_response(status: u16) -> axum::http::response::Builder {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-github-api-version-selected", "2022-11-28")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4987")
        .header("x-ratelimit-used", "13")
        .header("x-ratelimit-reset", (now() + 3600).to_string())
        .header("x-ratelimit-resource", "core")
}

fn error_body(message: &str) -> Value {
    json!({ "message": message, "documentation_url": "https://docs.github.com/rest", "status": "error" })
}

fn reply(builder: axum::http::response::Builder, body: &Value) -> Response {
    builder.body(Body::from(body.to_string())).unwrap()
}

/// The query parameter `name`, if present.
fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(|v| v.replace("%2F", "/"))
}

async fn github(
    axum::extract::State(fake): axum::extract::State<FakeGithub>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: String,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    fake.seen.lock().unwrap().push(Seen {
        method: method.to_string(),
        path: path.clone(),
        query: query.clone(),
        headers: headers.clone(),
        body,
    });
    let authorized = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"));
    if !authorized {
        return reply(json_response(401), &error_body("Bad credentials"));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let ["repos", "octo-org", repo, "actions", "runs", rest @ ..] = segments.as_slice() else {
        return reply(json_response(404), &error_body("Not Found"));
    };
    match *repo {
        "hello" => {}
        "empty" => {
            return reply(
                json_response(200),
                &json!({ "total_count": 0, "workflow_runs": [] }),
            );
        }
        "badcreds" => {
            return reply(json_response(401), &error_body("Bad credentials"));
        }
        "ratelimited" => {
            let reset = now() + 300;
            let builder = Response::builder()
                .status(403)
                .header("content-type", "application/json; charset=utf-8")
                .header("x-ratelimit-limit", "5000")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-used", "5000")
                .header("x-ratelimit-reset", reset.to_string())
                .header("x-ratelimit-resource", "core");
            return reply(
                builder,
                &error_body(
                    "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
                ),
            );
        }
        "toomany" => {
            let builder = json_response(429).header("retry-after", "30");
            return reply(
                builder,
                &error_body(
                    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                ),
            );
        }
        "missing" => return reply(json_response(404), &error_body("Not Found")),
        "forbidden" => {
            return reply(
                json_response(403),
                &error_body("Resource not accessible by personal access token"),
            );
        }
        "broken" => {
            return Response::builder()
                .status(500)
                .header("content-type", "text/html")
                .body(Body::from(
                    "<html><body><h1>500 Internal Server Error</h1></body></html>",
                ))
                .unwrap();
        }
        "slow" => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            return reply(
                json_response(200),
                &json!({ "total_count": 0, "workflow_runs": [] }),
            );
        }
        "garbled" => {
            return json_response(200)
                .body(Body::from(
                    r#"{"total_count": 3, "workflow_runs": [{"id": 1,"#,
                ))
                .unwrap();
        }
        "huge" => {
            // Five MiB of runs: more than the plugin accepts (4 MiB).
            let run = run_json(1, "Build", "main", "completed", Some("success")).to_string();
            let mut body = String::from(r#"{"total_count":99999,"workflow_runs":["#);
            while body.len() < 5 * 1024 * 1024 {
                body.push_str(&run);
                body.push(',');
            }
            body.push_str(&run);
            body.push_str("]}");
            return json_response(200).body(Body::from(body)).unwrap();
        }
        _ => return reply(json_response(404), &error_body("Not Found")),
    }

    // octo-org/hello
    match (method.as_str(), rest) {
        ("GET", []) => {
            let per_page: usize = query_param(&query, "per_page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(30);
            let page: usize = query_param(&query, "page")
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            let branch = query_param(&query, "branch");
            let runs: Vec<Value> = all_runs()
                .into_iter()
                .filter(|r| branch.as_deref().is_none_or(|b| r["head_branch"] == b))
                .collect();
            let total = runs.len();
            let last = total.div_ceil(per_page).max(1);
            let page_runs: Vec<Value> = runs
                .into_iter()
                .skip((page - 1) * per_page)
                .take(per_page)
                .collect();
            let base = "https://api.github.com/repositories/1296269/actions/runs";
            let link = |p: usize, rel: &str| {
                format!("<{base}?per_page={per_page}&page={p}>; rel=\"{rel}\"")
            };
            let mut links = Vec::new();
            if page > 1 {
                links.push(link(page - 1, "prev"));
            }
            if page < last {
                links.push(link(page + 1, "next"));
                links.push(link(last, "last"));
            }
            if page > 1 {
                links.push(link(1, "first"));
            }
            let etag = format!("W/\"runs-{page}-{}\"", branch.as_deref().unwrap_or("all"));
            if headers.get("if-none-match").and_then(|v| v.to_str().ok()) == Some(etag.as_str()) {
                return Response::builder()
                    .status(StatusCode::NOT_MODIFIED)
                    .header("etag", etag)
                    .body(Body::empty())
                    .unwrap();
            }
            let mut builder = json_response(200).header("etag", etag);
            if !links.is_empty() {
                builder = builder.header("link", links.join(", "));
            }
            reply(
                builder,
                &json!({ "total_count": total, "workflow_runs": page_runs }),
            )
        }
        ("GET", [id]) => match all_runs()
            .into_iter()
            .find(|r| r["id"].as_u64() == id.parse().ok())
        {
            Some(run) => reply(json_response(200), &run),
            None => reply(json_response(404), &error_body("Not Found")),
        },
        ("GET", [id, "jobs"]) => reply(json_response(200), &jobs_json(id.parse().unwrap_or(0))),
        ("POST", [_, "rerun" | "rerun-failed-jobs"]) => Response::builder()
            .status(201)
            .header("content-type", "application/json; charset=utf-8")
            .body(Body::from("{}"))
            .unwrap(),
        _ => reply(json_response(404), &error_body("Not Found")),
    }
}

async fn fake_github() -> (SocketAddr, FakeGithub) {
    let fake = FakeGithub::default();
    let app = axum::Router::new()
        .fallback(github)
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, fake)
}

// ---------------------------------------------------------------------------------------
// A host with the plugin installed and a `github-token` secret.
// ---------------------------------------------------------------------------------------

struct Host {
    _dir: tempfile::TempDir,
    runtime: Arc<Runtime>,
    _manager: Arc<PluginManager>,
}

struct Setup {
    config: Value,
    grants: &'static [&'static str],
    /// Whether the secret store holds `github-token`.
    token: bool,
    view_deadline: Duration,
}

impl Setup {
    fn new(addr: SocketAddr) -> Setup {
        Setup {
            config: json!({ "base_url": format!("http://{addr}"), "per_page": 2 }),
            grants: ALL_GRANTS,
            token: true,
            view_deadline: Duration::from_secs(5),
        }
    }

    fn install(self) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
        let mut secrets = vec![("other-secret".to_string(), "must-not-leak".to_string())];
        if self.token {
            secrets.push(("github-token".to_string(), TOKEN.to_string()));
        }
        let services = Arc::new(HostServices::new(
            storage.clone(),
            Arc::new(SecretStore::from_values(secrets)),
            Arc::new(NoCatalog),
        ));
        let runtime = Arc::new(
            Runtime::new(
                &EngineSettings::default(),
                &dir.path().join("compiled"),
                services,
            )
            .unwrap(),
        );
        let mut settings = BTreeMap::new();
        let mut plugin_settings = PluginSettings {
            config: Some(self.config),
            ..PluginSettings::default()
        };
        plugin_settings.limits.view_deadline = Some(self.view_deadline);
        settings.insert(PLUGIN.to_string(), plugin_settings);
        let policy = PluginPolicy {
            default_limits: Limits {
                max_result_bytes: 1024 * 1024,
                ..Limits::default()
            },
            settings,
            ..PluginPolicy::default()
        };
        let manager = Arc::new(PluginManager::new(
            storage,
            OrgId::default_org(),
            runtime.clone(),
            policy,
        ));
        let plugin = portico_bundled_plugins::bundled(PLUGIN).expect("github-actions is bundled");
        manager
            .install(
                plugin.bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(self.grants.iter().map(|s| s.to_string()).collect()),
                },
            )
            .unwrap();
        Host {
            _dir: dir,
            runtime,
            _manager: manager,
        }
    }
}

fn entity(slug: Option<&str>) -> Entity {
    let mut annotations = serde_json::Map::new();
    if let Some(slug) = slug {
        annotations.insert("github.com/project-slug".into(), json!(slug));
    }
    let descriptor = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": "hello", "namespace": "default", "annotations": annotations },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" }
    });
    Entity {
        ref_: EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: "hello".into(),
        },
        descriptor: descriptor.to_string(),
    }
}

impl Host {
    async fn render(&self, repo: &str, params: &[(&str, &str)]) -> View {
        let ctx = CallContext::org(OrgId::default_org());
        let params = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self.runtime
            .render_view(
                PLUGIN,
                &ctx,
                VIEW.into(),
                entity(Some(&format!("octo-org/{repo}"))),
                params,
            )
            .await
            .unwrap()
    }

    async fn rerun(&self, input: Value, dry_run: bool) -> (Result<Value, String>, Vec<String>) {
        let workspace = tempfile::tempdir().unwrap();
        let log = TaskLog::default();
        let ctx = CallContext {
            org: OrgId::default_org(),
            task: Some(TaskContext {
                workspace: workspace.path().to_path_buf(),
                log: log.clone(),
            }),
            docs_folder: None,
        };
        let run = RunContext {
            task_id: "task-1".into(),
            user: Some("user:default/jane".into()),
            workspace: "/workspace".into(),
            dry_run,
        };
        let result = self
            .runtime
            .run_action(PLUGIN, &ctx, ACTION.into(), input.to_string(), run)
            .await
            .map(|out| serde_json::from_str(&out).unwrap())
            .map_err(|e| format!("{} {:?}: {}", e.kind.as_str(), e.plugin_kind, e.message));
        (result, log.lines())
    }
}

fn text_of(view: &View) -> String {
    serde_json::to_string(view).unwrap()
}

/// The (title, message) of every notice in the view.
fn notices(view: &View) -> Vec<(String, String)> {
    use portico::runtime::bindings::latest::view_types::Block;
    view.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Notice(n) => Some((n.title.clone(), n.message.clone())),
            _ => None,
        })
        .collect()
}

/// The single notice of an error view.
fn notice(view: &View) -> (String, String) {
    let all = notices(view);
    assert_eq!(all.len(), 1, "expected one notice: {view:?}");
    all.into_iter().next().unwrap()
}

fn run_list_requests(fake: &FakeGithub) -> Vec<Seen> {
    fake.requests()
        .into_iter()
        .filter(|s| s.path.ends_with("/actions/runs"))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_shows_only_for_annotated_entities() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let ctx = CallContext::org(OrgId::default_org());
    let views = host
        .runtime
        .views_for(PLUGIN, &ctx, entity(Some("octo-org/hello")))
        .await
        .unwrap();
    assert_eq!(views.len(), 1);
    assert_eq!(views[0].id, VIEW);
    let none = host
        .runtime
        .views_for(PLUGIN, &ctx, entity(None))
        .await
        .unwrap();
    assert!(none.is_empty());

    let actions = host.runtime.list_actions(PLUGIN, &ctx).await.unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].id, ACTION);
    let input: Value = serde_json::from_str(&actions[0].input_schema).unwrap();
    assert_eq!(input["required"], json!(["repo", "run_id"]));
    let output: Value = serde_json::from_str(&actions[0].output_schema).unwrap();
    assert_eq!(output["type"], "object");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_runs_with_github_headers_and_then_serves_them_from_kv() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let view = host.render("hello", &[]).await;
    let text = text_of(&view);
    assert!(notices(&view).is_empty(), "{view:?}");
    for expected in [
        "Build #642",    // workflow and run number (30433642 % 1000)
        "feature/login", // branch
        "https://github.com/octo-org/hello/actions/runs/30433642",
        "https://github.com/octo-org/hello/commit/",
        "push",
        "failure",
        "in progress",
        "2020-01-22T19:33:08Z",
        "All branches",
        "Older → (page 2 of 3)",
        "live",
    ] {
        assert!(text.contains(expected), "missing {expected:?}: {text}");
    }
    // The completed run took 19:33:08 → 19:35:20.
    assert!(text.contains("132000"), "duration in ms: {text}");

    let requests = run_list_requests(&fake);
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.path, "/repos/octo-org/hello/actions/runs");
    assert_eq!(r.query, "per_page=2&page=1");
    let header = |name: &str| r.headers.get(name).unwrap().to_str().unwrap().to_string();
    assert_eq!(header("authorization"), format!("Bearer {TOKEN}"));
    assert_eq!(header("accept"), "application/vnd.github+json");
    assert_eq!(header("x-github-api-version"), "2022-11-28");
    assert!(header("user-agent").starts_with("portico-github-actions"));

    // Fresh in kv: no second request.
    let again = text_of(&host.render("hello", &[]).await);
    assert!(again.contains("cached"), "{again}");
    assert_eq!(run_list_requests(&fake).len(), 1);

    // Refresh revalidates with the ETag; GitHub answers 304 and the cached page is shown.
    let refreshed = text_of(&host.render("hello", &[("refresh", "1")]).await);
    let requests = run_list_requests(&fake);
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].headers.get("if-none-match").unwrap(),
        "W/\"runs-1-all\""
    );
    assert!(refreshed.contains("revalidated (304)"), "{refreshed}");
    assert!(refreshed.contains("Build #642"), "{refreshed}");
    // The token never shows in the view.
    assert!(!refreshed.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_repository_says_so() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let view = host.render("empty", &[]).await;
    assert!(notices(&view).is_empty(), "{view:?}");
    let text = text_of(&view);
    assert!(
        text.contains("No workflow runs in octo-org/empty yet."),
        "{text}"
    );
    assert!(text.contains("0 in total"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_follow_the_link_header() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let view = text_of(&host.render("hello", &[("page", "2")]).await);
    assert!(view.contains("Lint #640"), "{view}");
    assert!(view.contains("Build #639"), "{view}");
    assert!(!view.contains("Build #642"), "{view}");
    assert!(view.contains("← Newer"), "{view}");
    assert!(view.contains("Older → (page 3 of 3)"), "{view}");
    assert_eq!(run_list_requests(&fake)[0].query, "per_page=2&page=2");

    let last = text_of(&host.render("hello", &[("page", "3")]).await);
    assert!(last.contains("Deploy #638"), "{last}");
    assert!(last.contains("cancelled"), "{last}");
    assert!(!last.contains("Older"), "{last}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_branch_filter_reaches_github() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let view = text_of(&host.render("hello", &[("branch", "feature/login")]).await);
    let requests = run_list_requests(&fake);
    assert_eq!(
        requests[0].query,
        "per_page=2&page=1&branch=feature%2Flogin"
    );
    assert!(
        view.contains("Runs on branch `feature/login`; 2 in total."),
        "{view}"
    );
    assert!(
        view.contains("Build #641") && view.contains("Build #639"),
        "{view}"
    );
    assert!(!view.contains("Lint #640"), "{view}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_details_show_jobs_steps_and_rerun_buttons() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let view = host.render("hello", &[("run", "30433642")]).await;
    assert!(notices(&view).is_empty(), "{view:?}");
    let text = text_of(&view);
    for expected in [
        "Build #642 — octo-org/hello",
        "Jobs (2)",
        "Steps of build",
        "Set up job",
        "Run actions/checkout@v2",
        "Steps of test",
        "Run cargo test",
        "skipped",
        "my runner",
        "https://github.com/octo-org/hello/runs/399444496",
        "octocat",
        "Re-run failed jobs",
        "Re-run all jobs",
        "github-actions:github:actions:rerun",
    ] {
        assert!(text.contains(expected), "missing {expected:?}: {text}");
    }
    // Durations: build job 17:42:40 → 17:44:39 (119 s); checkout step 4 s (local offsets).
    assert!(text.contains("119000"), "{text}");
    assert!(text.contains("4000"), "{text}");
    let paths: Vec<String> = fake.requests().into_iter().map(|s| s.path).collect();
    assert_eq!(
        paths,
        [
            "/repos/octo-org/hello/actions/runs/30433642",
            "/repos/octo-org/hello/actions/runs/30433642/jobs"
        ]
    );
    // The button's input is what the action takes.
    assert!(
        text.contains(r#"{\"failed_only\":true,\"repo\":\"octo-org/hello\",\"run_id\":30433642}"#)
            || text.contains(r#"\"run_id\":30433642"#),
        "{text}"
    );

    // A successful run offers no "failed jobs" button.
    let ok = text_of(&host.render("hello", &[("run", "30433640")]).await);
    assert!(!ok.contains("Re-run failed jobs"), "{ok}");
    assert!(ok.contains("Re-run all jobs"), "{ok}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_name_the_secret_to_fix() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("badcreds", &[]).await);
    assert_eq!(title, "Access denied");
    assert!(message.contains("401"), "{message}");
    assert!(message.contains("Bad credentials"), "{message}");
    assert!(message.contains("`github-token`"), "{message}");
    assert!(!message.contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_exhausted_rate_limit_says_when_to_retry() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let before = now();
    let view = host.render("ratelimited", &[]).await;
    let (title, message) = notice(&view);
    assert_eq!(title, "Rate limited");
    assert!(message.contains("5000 of 5000"), "{message}");
    assert!(message.contains("Retry after"), "{message}");
    assert!(message.contains(" UTC"), "{message}");
    // Reset is 300 s after the response: "in 5 min" or "in 4 min 5x s".
    assert!(
        message.contains("in 5 min") || message.contains("in 4 min"),
        "{message}"
    );
    let text = text_of(&view);
    assert!(text.contains("Retry after"), "a timestamp field: {text}");
    let _ = before;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_uses_retry_after() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("toomany", &[]).await);
    assert_eq!(title, "Rate limited");
    assert!(message.contains("secondary rate limit"), "{message}");
    assert!(message.contains("in 30 s"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_permission_is_denied_not_rate_limited() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("forbidden", &[]).await);
    assert_eq!(title, "Access denied");
    assert!(message.contains("403"), "{message}");
    assert!(message.contains("Resource not accessible"), "{message}");
    assert!(message.contains("`Actions: read`"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_repository_is_not_found() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("missing", &[]).await);
    assert_eq!(title, "Not found");
    assert!(message.contains("repository octo-org/missing"), "{message}");
    assert!(message.contains("cannot see"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_unavailable() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("broken", &[]).await);
    assert_eq!(title, "Service unavailable");
    assert!(message.contains("500"), "{message}");
    assert!(message.contains("githubstatus.com"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_explained() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("garbled", &[]).await);
    assert_eq!(title, "Service unavailable");
    assert!(message.contains("malformed JSON"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_response_is_refused() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (title, message) = notice(&host.render("huge", &[]).await);
    assert_eq!(title, "Service unavailable");
    assert!(message.contains("larger than 4194304 bytes"), "{message}");
    assert!(message.contains("per_page"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_github_times_out_with_a_notice() {
    let (addr, _fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.config["timeout_ms"] = json!(300);
    let host = setup.install();
    // The plugin's own timeout fired (its notice names it), not the host's view deadline.
    let (title, message) = notice(&host.render("slow", &[]).await);
    assert_eq!(title, "Timed out");
    assert!(message.contains("300 ms"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_github_past_the_view_deadline_is_a_deadline_error() {
    let (addr, _fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.config["timeout_ms"] = json!(10_000);
    setup.view_deadline = Duration::from_millis(500);
    let host = setup.install();
    let ctx = CallContext::org(OrgId::default_org());
    let err = host
        .runtime
        .render_view(
            PLUGIN,
            &ctx,
            VIEW.into(),
            entity(Some("octo-org/slow")),
            vec![],
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind, CallErrorKind::Deadline, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_posts_with_the_token() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (result, log) = host
        .rerun(
            json!({ "repo": "octo-org/hello", "run_id": 30433642, "failed_only": true }),
            false,
        )
        .await;
    let output = result.unwrap();
    assert_eq!(output["requested"], true);
    assert_eq!(output["dry_run"], false);
    assert_eq!(
        output["run_url"],
        format!("http://{addr}/octo-org/hello/actions/runs/30433642")
    );
    let posts: Vec<Seen> = fake
        .requests()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect();
    assert_eq!(posts.len(), 1);
    assert_eq!(
        posts[0].path,
        "/repos/octo-org/hello/actions/runs/30433642/rerun-failed-jobs"
    );
    assert_eq!(
        posts[0].headers.get("authorization").unwrap(),
        &format!("Bearer {TOKEN}")
    );
    assert_eq!(
        posts[0].body, "",
        "no body unless debug logging is asked for"
    );
    assert!(
        log.iter().any(|l| l.contains("re-running the failed jobs")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.contains("accepted")), "{log:?}");

    let (result, _) = host
        .rerun(
            json!({ "repo": "octo-org/hello", "run_id": 30433640, "enable_debug_logging": true }),
            false,
        )
        .await;
    assert_eq!(result.unwrap()["failed_only"], false);
    let last = fake.requests().pop().unwrap();
    assert_eq!(
        last.path,
        "/repos/octo-org/hello/actions/runs/30433640/rerun"
    );
    assert_eq!(last.body, r#"{"enable_debug_logging":true}"#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_dry_run_sends_nothing() {
    let (addr, fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (result, log) = host
        .rerun(
            json!({ "repo": "octo-org/hello", "run_id": 30433642, "failed_only": true }),
            true,
        )
        .await;
    let output = result.unwrap();
    assert_eq!(output["dry_run"], true);
    assert_eq!(output["requested"], false);
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert!(
        log.iter()
            .any(|l| l.contains("dry run") && l.contains("rerun-failed-jobs")),
        "{log:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rerun_errors_are_classified_and_logged() {
    let (addr, _fake) = fake_github().await;
    let host = Setup::new(addr).install();
    let (result, log) = host
        .rerun(json!({ "repo": "octo-org/missing", "run_id": 1 }), false)
        .await;
    let err = result.unwrap_err();
    assert!(err.contains("not-found"), "{err}");
    assert!(
        log.iter().any(|l| l.contains("failed (not-found)")),
        "{log:?}"
    );

    let (result, _) = host
        .rerun(json!({ "repo": "nope", "run_id": 1 }), false)
        .await;
    assert!(result.unwrap_err().contains("invalid-input"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_http_grant_the_tab_explains_the_denial() {
    let (addr, fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.grants = &["secrets:github-token", "kv"];
    let host = setup.install();
    let (title, message) = notice(&host.render("hello", &[]).await);
    assert_eq!(title, "Access denied");
    assert!(message.contains("127.0.0.1"), "{message}");
    assert!(message.contains("`http` grant"), "{message}");
    assert!(fake.requests().is_empty());

    let (result, _) = host
        .rerun(json!({ "repo": "octo-org/hello", "run_id": 1 }), false)
        .await;
    let err = result.unwrap_err();
    assert!(err.contains("denied"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_secrets_grant_the_tab_explains_the_denial() {
    let (addr, fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.grants = &["http:127.0.0.1:*", "kv"];
    let host = setup.install();
    let (title, message) = notice(&host.render("hello", &[]).await);
    assert_eq!(title, "Access denied");
    assert!(message.contains("secrets:github-token"), "{message}");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_secret_without_a_value_is_explained() {
    let (addr, fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.token = false;
    let host = setup.install();
    let (title, message) = notice(&host.render("hello", &[]).await);
    assert_eq!(title, "Access denied");
    assert!(message.contains("no GitHub token"), "{message}");
    assert!(message.contains("PORTICO_SECRET_GITHUB_TOKEN"), "{message}");
    assert!(fake.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_kv_the_tab_works_uncached() {
    let (addr, fake) = fake_github().await;
    let mut setup = Setup::new(addr);
    setup.grants = &["http:127.0.0.1:*", "secrets:github-token"];
    let host = setup.install();
    for _ in 0..2 {
        let view = host.render("hello", &[]).await;
        assert!(notices(&view).is_empty(), "{view:?}");
        assert!(text_of(&view).contains("live"));
    }
    assert_eq!(run_list_requests(&fake).len(), 2);
}
