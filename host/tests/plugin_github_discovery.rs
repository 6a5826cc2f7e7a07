//! The bundled `github-discovery` provider against a loopback server that answers like
//! GitHub's REST API (repository, contents, team and member payloads, `Link` paging, ETags,
//! rate-limit headers and error bodies from GitHub's published REST API documentation):
//! discovery with locations and annotations, incremental runs, filters, teams and members,
//! every failure of the listing (401, 403, 404, 429, 500, slow, malformed, huge), a rate limit
//! in the middle of a run, and capabilities withheld.

use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use portico::config::PluginSettings;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::bindings::latest::provider::Discovery;
use portico::runtime::{
    CallContext, CallError, CallErrorKind, EngineSettings, HostServices, Limits, NoCatalog, Runtime,
};
use portico::secrets::SecretStore;
use portico_storage::{OrgId, SledStorage, Storage};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

const PLUGIN: &str = "github-discovery";
const TOKEN: &str = "ghp_Discovery0123456789abcdefABCDEF012345";
const ALL_GRANTS: &[&str] = &["http:127.0.0.1:*", "secrets:github-token", "kv"];
/// Repositories per page, whatever `per_page` asks, so that a few repositories span pages.
const PAGE: usize = 2;

// ---------------------------------------------------------------------------------------
// A loopback server in the shape of GitHub's REST API.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
struct FakeRepo {
    name: &'static str,
    default_branch: &'static str,
    archived: bool,
    fork: bool,
    pushed_at: String,
    /// The catalog file at `catalog-info.yaml` (or `.backstage/catalog.yaml` when `nested`).
    file: Option<String>,
    nested: bool,
    /// An empty repository: the contents API answers 404 "This repository is empty.".
    empty: bool,
    /// More files: `(path, text)`.
    extra: Vec<(&'static str, String)>,
}

#[derive(Default)]
struct State {
    addr: Option<SocketAddr>,
    repos: Vec<FakeRepo>,
    /// The repositories of the organization `mono`.
    mono_repos: Vec<FakeRepo>,
    /// The contents API answers with an exhausted rate limit.
    contents_rate_limited: bool,
    seen: Vec<Seen>,
}

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    query: String,
    if_none_match: Option<String>,
    authorization: Option<String>,
}

#[derive(Clone, Default)]
struct FakeGithub(Arc<Mutex<State>>);

impl FakeGithub {
    fn seen(&self) -> Vec<Seen> {
        self.0.lock().unwrap().seen.clone()
    }
    fn contents_requests(&self) -> Vec<Seen> {
        self.seen()
            .into_iter()
            .filter(|s| s.path.contains("/contents/"))
            .collect()
    }
    fn clear_seen(&self) {
        self.0.lock().unwrap().seen.clear();
    }
    fn repo(&self, name: &str, change: impl FnOnce(&mut FakeRepo)) {
        let mut state = self.0.lock().unwrap();
        change(state.repos.iter_mut().find(|r| r.name == name).unwrap());
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn component(name: &str, kind: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: {kind}\nmetadata:\n  name: {name}\n  description: The {name} {kind}\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
}

fn acme_repos() -> Vec<FakeRepo> {
    let repo = |name, file: Option<String>| FakeRepo {
        name,
        default_branch: "main",
        archived: false,
        fork: false,
        pushed_at: "2026-11-28T10:00:00Z".into(),
        file,
        nested: false,
        empty: false,
        extra: Vec::new(),
    };
    vec![
        repo(
            "payments",
            Some(format!(
                "{}---\n{}",
                component("payments", "Component"),
                "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: payments-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: |\n    openapi: 3.0.0\n"
            )),
        ),
        FakeRepo {
            default_branch: "trunk",
            ..repo("website", Some(component("website", "Component")))
        },
        FakeRepo {
            archived: true,
            ..repo("legacy", Some(component("legacy", "Component")))
        },
        repo("no-catalog", None),
        repo(
            "broken-yaml",
            Some(
                "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: [broken\n"
                    .into(),
            ),
        ),
        FakeRepo {
            fork: true,
            ..repo("forked", Some(component("forked-thing", "Component")))
        },
        FakeRepo {
            empty: true,
            ..repo("empty-repo", None)
        },
        FakeRepo {
            nested: true,
            ..repo("nested", Some(component("nested-service", "Component")))
        },
    ]
}

/// `mono/monorepo`: its catalog-info.yaml is a Location whose targets are more files, one of
/// them another Location.
fn mono_repos() -> Vec<FakeRepo> {
    let location = |name: &str, targets: &[&str]| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{}",
            targets
                .iter()
                .map(|t| format!("    - {t}\n"))
                .collect::<String>()
        )
    };
    vec![FakeRepo {
        name: "monorepo",
        default_branch: "main",
        archived: false,
        fork: false,
        pushed_at: "2026-11-28T10:00:00Z".into(),
        file: Some(location(
            "monorepo-root",
            &[
                "./services/orders.yaml",
                "./services/missing.yaml",
                "https://github.com/mono/monorepo/blob/main/services/billing.yaml",
                "https://github.com/mono/elsewhere/blob/main/catalog-info.yaml",
                "./services/*.yaml",
                "../../outside.yaml",
            ],
        )),
        nested: false,
        empty: false,
        extra: vec![
            (
                "services/orders.yaml",
                format!(
                    "{}---\n{}",
                    component("orders", "Component"),
                    location(
                        "orders-more",
                        &["./more/shipping.yaml", "../services/orders.yaml"]
                    )
                ),
            ),
            ("services/billing.yaml", component("billing", "Component")),
            (
                "services/more/shipping.yaml",
                component("shipping", "Component"),
            ),
        ],
    }]
}

/// The JSON GitHub's "List organization repositories" gives for a repository.
fn repo_json(addr: SocketAddr, r: &FakeRepo) -> Value {
    let owner = if r.name == "monorepo" { "mono" } else { "acme" };
    let full = format!("{owner}/{}", r.name);
    json!({
        "id": 1296269 + r.name.len(),
        "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
        "name": r.name,
        "full_name": full,
        "owner": { "login": owner, "id": 1, "node_id": "MDEyOk9yZ2FuaXphdGlvbjE=", "type": "Organization",
                   "avatar_url": "https://github.com/images/error/octocat_happy.gif", "site_admin": false },
        "private": false,
        "html_url": format!("https://github.com/{full}"),
        "description": "This your first repo!",
        "fork": r.fork,
        "url": format!("http://{addr}/api/v3/repos/{full}"),
        "contents_url": format!("http://{addr}/api/v3/repos/{full}/contents/{{+path}}"),
        "default_branch": r.default_branch,
        "archived": r.archived,
        "disabled": false,
        "visibility": "public",
        "pushed_at": r.pushed_at,
        "created_at": "2011-01-26T19:01:12Z",
        "updated_at": "2011-01-26T19:14:43Z",
        "size": if r.empty { 0 } else { 108 },
        "topics": ["octocat", "atom", "electron", "api"],
        "has_issues": true,
        "permissions": { "admin": false, "push": false, "pull": true }
    })
}

fn github_response(status: u16) -> axum::http::response::Builder {
    Response::builder()
        .status(status)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-github-api-version-selected", "2022-11-28")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "4990")
        .header("x-ratelimit-used", "10")
        .header("x-ratelimit-reset", (now() + 3600).to_string())
        .header("x-ratelimit-resource", "core")
}

fn reply(builder: axum::http::response::Builder, body: &Value) -> Response {
    builder.body(Body::from(body.to_string())).unwrap()
}

fn error_body(message: &str) -> Value {
    json!({ "message": message, "documentation_url": "https://docs.github.com/rest", "status": "error" })
}

fn rate_limited() -> Response {
    let builder = Response::builder()
        .status(403)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-used", "5000")
        .header("x-ratelimit-reset", (now() + 600).to_string())
        .header("x-ratelimit-resource", "core");
    reply(
        builder,
        &error_body(
            "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
        ),
    )
}

/// Standard base64 with padding, as GitHub's contents API encodes files.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix(&format!("{name}=")))
        .map(str::to_string)
}

/// A page of `items` with GitHub's `Link` header (absolute URLs, as GitHub sends them).
fn paged(addr: SocketAddr, path_for_links: &str, items: Vec<Value>, query: &str) -> Response {
    let page: usize = query_param(query, "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1);
    let last = items.len().div_ceil(PAGE).max(1);
    let shown: Vec<Value> = items
        .into_iter()
        .skip((page - 1) * PAGE)
        .take(PAGE)
        .collect();
    let link = |p: usize, rel: &str| {
        format!("<http://{addr}/api/v3{path_for_links}?per_page=100&page={p}>; rel=\"{rel}\"")
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
    let mut builder = github_response(200);
    if !links.is_empty() {
        builder = builder.header("link", links.join(", "));
    }
    reply(builder, &Value::Array(shown))
}

fn member(login: &str) -> Value {
    json!({
        "login": login, "id": login.len(), "node_id": "MDQ6VXNlcjE=",
        "avatar_url": format!("https://avatars.githubusercontent.com/u/{}?v=4", login.len()),
        "html_url": format!("https://github.com/{login}"),
        "type": "User", "site_admin": false
    })
}

fn team(slug: &str, name: &str, parent: Option<&str>) -> Value {
    json!({
        "id": slug.len(), "node_id": "MDQ6VGVhbTE=", "name": name, "slug": slug,
        "description": format!("The {name} team"), "privacy": "closed",
        "notification_setting": "notifications_enabled", "permission": "pull",
        "html_url": format!("https://github.com/orgs/acme/teams/{slug}"),
        "url": format!("https://api.github.com/teams/{}", slug.len()),
        "parent": parent.map(|p| json!({ "slug": p, "name": p, "id": p.len() }))
    })
}

async fn github(
    axum::extract::State(fake): axum::extract::State<FakeGithub>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query = uri.query().unwrap_or_default().to_string();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let (addr, repos, mono_repos, contents_rate_limited) = {
        let mut state = fake.0.lock().unwrap();
        state.seen.push(Seen {
            path: path.clone(),
            query: query.clone(),
            if_none_match: header("if-none-match"),
            authorization: header("authorization"),
        });
        (
            state.addr.unwrap(),
            state.repos.clone(),
            state.mono_repos.clone(),
            state.contents_rate_limited,
        )
    };
    if header("authorization") != Some(format!("Bearer {TOKEN}")) {
        return reply(github_response(401), &error_body("Bad credentials"));
    }
    let Some(rest) = path.strip_prefix("/api/v3/") else {
        return reply(github_response(404), &error_body("Not Found"));
    };
    let segments: Vec<&str> = rest.split('/').collect();
    match segments.as_slice() {
        ["orgs", "acme", "repos"] | ["organizations", "1", "repos"] => paged(
            addr,
            "/organizations/1/repos",
            repos.iter().map(|r| repo_json(addr, r)).collect(),
            &query,
        ),
        ["orgs", "empty", "repos"] => paged(addr, "/organizations/2/repos", vec![], &query),
        ["orgs", "mono", "repos"] => paged(
            addr,
            "/organizations/3/repos",
            mono_repos.iter().map(|r| repo_json(addr, r)).collect(),
            &query,
        ),
        // A hostile or misconfigured proxy: the next page is on another host.
        ["orgs", "elsewhere", "repos"] => reply(
            github_response(200).header(
                "link",
                "<http://169.254.169.254/latest/meta-data/?page=2>; rel=\"next\"",
            ),
            &json!([repo_json(addr, &acme_repos()[0])]),
        ),
        ["orgs", "badcreds", "repos"] => {
            reply(github_response(401), &error_body("Bad credentials"))
        }
        ["orgs", "ratelimited", "repos"] => rate_limited(),
        ["orgs", "toomany", "repos"] => reply(
            github_response(429).header("retry-after", "45"),
            &error_body(
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            ),
        ),
        ["orgs", "broken", "repos"] => Response::builder()
            .status(502)
            .header("content-type", "text/html")
            .body(Body::from(
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            ))
            .unwrap(),
        ["orgs", "slow", "repos"] => {
            tokio::time::sleep(Duration::from_secs(3)).await;
            reply(github_response(200), &json!([]))
        }
        ["orgs", "garbled", "repos"] => github_response(200)
            .body(Body::from(r#"[{"name": "payments", "full_name": "#))
            .unwrap(),
        ["orgs", "huge", "repos"] => {
            let one = repo_json(addr, &acme_repos()[0]).to_string();
            let mut body = String::from("[");
            while body.len() < 5 * 1024 * 1024 {
                body.push_str(&one);
                body.push(',');
            }
            body.push_str(&one);
            body.push(']');
            github_response(200).body(Body::from(body)).unwrap()
        }
        [
            "repos",
            owner @ ("acme" | "mono"),
            name,
            "contents",
            file @ ..,
        ] => {
            if contents_rate_limited {
                return rate_limited();
            }
            let listed = if *owner == "mono" {
                &mono_repos
            } else {
                &repos
            };
            let Some(repo) = listed.iter().find(|r| r.name == *name) else {
                return reply(github_response(404), &error_body("Not Found"));
            };
            if repo.empty {
                return reply(
                    github_response(404),
                    &error_body("This repository is empty."),
                );
            }
            let wanted = if repo.nested {
                ".backstage/catalog.yaml"
            } else {
                "catalog-info.yaml"
            };
            let reference = query_param(&query, "ref");
            let path = file.join("/");
            let text = if path == wanted {
                repo.file.as_ref()
            } else {
                repo.extra.iter().find(|(p, _)| *p == path).map(|(_, t)| t)
            };
            let Some(text) = text.filter(|_| reference.as_deref() == Some(repo.default_branch))
            else {
                return reply(github_response(404), &error_body("Not Found"));
            };
            let sha = format!(
                "{:040x}",
                text.bytes()
                    .fold(0xcbf29ce484222325u64, |h, b| (h ^ u64::from(b))
                        .wrapping_mul(0x100000001b3))
            );
            let etag = format!("\"{sha}\"");
            if header("if-none-match").as_deref() == Some(etag.as_str()) {
                return Response::builder()
                    .status(304)
                    .header("etag", etag)
                    .header("x-ratelimit-remaining", "4990")
                    .body(Body::empty())
                    .unwrap();
            }
            // GitHub wraps base64 content at 60 characters.
            let encoded = base64(text.as_bytes());
            let wrapped: Vec<String> = encoded
                .as_bytes()
                .chunks(60)
                .map(|c| String::from_utf8(c.to_vec()).unwrap())
                .collect();
            let file_path = file.join("/");
            reply(
                github_response(200).header("etag", etag),
                &json!({
                    "type": "file", "encoding": "base64", "size": text.len(),
                    "name": file.last().unwrap(), "path": file_path,
                    "content": wrapped.join("\n") + "\n", "sha": sha,
                    "url": format!("https://api.github.com/repos/{owner}/{name}/contents/{file_path}"),
                    "git_url": format!("https://api.github.com/repos/{owner}/{name}/git/blobs/{sha}"),
                    "html_url": format!("https://github.com/{owner}/{name}/blob/{}/{file_path}", repo.default_branch),
                    "download_url": format!("https://raw.githubusercontent.com/{owner}/{name}/{}/{file_path}", repo.default_branch),
                    "_links": { "self": "x", "git": "y", "html": "z" }
                }),
            )
        }
        ["orgs", "acme", "teams"] => paged(
            addr,
            "/organizations/1/teams",
            vec![
                team("platform", "Platform", None),
                team("payments-team", "Payments Team", Some("platform")),
                team("web", "Web", Some("platform")),
            ],
            &query,
        ),
        ["organizations", "1", "teams"] => paged(
            addr,
            "/organizations/1/teams",
            vec![
                team("platform", "Platform", None),
                team("payments-team", "Payments Team", Some("platform")),
                team("web", "Web", Some("platform")),
            ],
            &query,
        ),
        ["orgs", "acme", "members"] | ["organizations", "1", "members"] => paged(
            addr,
            "/organizations/1/members",
            vec![member("octocat"), member("hubot"), member("monalisa")],
            &query,
        ),
        ["orgs", "acme", "teams", slug, "members"] => {
            let logins: &[&str] = match *slug {
                "platform" => &["octocat"],
                "payments-team" => &["octocat", "hubot"],
                _ => &[],
            };
            reply(
                github_response(200),
                &Value::Array(logins.iter().map(|l| member(l)).collect()),
            )
        }
        _ => reply(github_response(404), &error_body("Not Found")),
    }
}

async fn fake_github() -> (SocketAddr, FakeGithub) {
    let fake = FakeGithub::default();
    let app = axum::Router::new()
        .fallback(github)
        .with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    {
        let mut state = fake.0.lock().unwrap();
        state.addr = Some(addr);
        state.repos = acme_repos();
        state.mono_repos = mono_repos();
    }
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, fake)
}

// ---------------------------------------------------------------------------------------
// A host with the plugin installed.
// ---------------------------------------------------------------------------------------

struct Host {
    _dir: tempfile::TempDir,
    runtime: Arc<Runtime>,
}

fn config(addr: SocketAddr, org: &str) -> Value {
    json!({ "org": org, "base_url": format!("http://{addr}/api/v3"), "web_url": "https://github.com" })
}

fn install(config: Value, grants: &[&str]) -> Host {
    install_with_deadline(config, grants, Duration::from_secs(30))
}

fn install_with_deadline(config: Value, grants: &[&str], deadline: Duration) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let services = Arc::new(HostServices::new(
        storage.clone(),
        Arc::new(SecretStore::from_values([
            ("github-token".to_string(), TOKEN.to_string()),
            ("other-secret".to_string(), "must-not-leak".to_string()),
        ])),
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
        config: Some(config),
        ..PluginSettings::default()
    };
    plugin_settings.limits.provider_deadline = Some(deadline);
    settings.insert(PLUGIN.to_string(), plugin_settings);
    let manager = PluginManager::new(
        storage,
        OrgId::default_org(),
        runtime.clone(),
        PluginPolicy {
            default_limits: Limits::default(),
            settings,
            ..PluginPolicy::default()
        },
    );
    manager
        .install(
            portico_bundled_plugins::bundled(PLUGIN)
                .expect("github-discovery is bundled")
                .bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
            },
        )
        .unwrap();
    Host { _dir: dir, runtime }
}

impl Host {
    async fn discover(&self) -> Result<Discovery, CallError> {
        self.runtime
            .discover(PLUGIN, &CallContext::org(OrgId::default_org()))
            .await
    }
}

fn entities(d: &Discovery) -> BTreeMap<String, (Value, String)> {
    d.entities
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_str(&e.descriptor).unwrap();
            let key = format!(
                "{}:{}",
                v["kind"].as_str().unwrap(),
                v["metadata"]["name"].as_str().unwrap()
            );
            (key, (v, e.location.clone()))
        })
        .collect()
}

fn names(d: &Discovery) -> Vec<String> {
    entities(d).into_keys().collect()
}

fn plugin_error(err: CallError) -> (String, String) {
    assert_eq!(err.kind, CallErrorKind::Plugin, "{err}");
    (err.plugin_kind.unwrap_or_default(), err.message)
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovers_catalog_files_with_their_locations() {
    let (addr, fake) = fake_github().await;
    let host = install(config(addr, "acme"), ALL_GRANTS);
    let found = host.discover().await.unwrap();
    assert_eq!(
        names(&found),
        [
            "API:payments-api",
            "Component:forked-thing",
            "Component:payments",
            "Component:website"
        ],
        "archived, fileless, empty and broken repositories emit nothing"
    );
    let all = entities(&found);
    let (payments, location) = &all["Component:payments"];
    assert_eq!(
        location,
        "url:https://github.com/acme/payments/blob/main/catalog-info.yaml"
    );
    let a = &payments["metadata"]["annotations"];
    assert_eq!(a["backstage.io/managed-by-location"], location.as_str());
    assert_eq!(
        a["backstage.io/managed-by-origin-location"],
        location.as_str()
    );
    assert_eq!(
        a["backstage.io/view-url"],
        "https://github.com/acme/payments/blob/main/catalog-info.yaml"
    );
    assert_eq!(
        a["backstage.io/edit-url"],
        "https://github.com/acme/payments/edit/main/catalog-info.yaml"
    );
    assert_eq!(
        a["backstage.io/source-location"],
        "url:https://github.com/acme/payments/tree/main/"
    );
    assert_eq!(a["github.com/project-slug"], "acme/payments");
    assert_eq!(payments["spec"]["owner"], "team-a");
    // The default branch of each repository, not `main` everywhere.
    assert_eq!(
        all["Component:website"].1,
        "url:https://github.com/acme/website/blob/trunk/catalog-info.yaml"
    );

    // The malformed file is a discovery error for its location; the others went on.
    assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
    assert_eq!(
        found.errors[0].location,
        "url:https://github.com/acme/broken-yaml/blob/main/catalog-info.yaml"
    );
    assert!(
        found.errors[0].message.contains("not valid YAML at line 5"),
        "{:?}",
        found.errors
    );

    // Requests: every page of repositories (Link), GitHub's headers, the file at its branch.
    let seen = fake.seen();
    let listing: Vec<&Seen> = seen.iter().filter(|s| s.path.ends_with("/repos")).collect();
    assert_eq!(
        listing.len(),
        4,
        "8 repositories in pages of 2: {listing:?}"
    );
    assert_eq!(listing[0].path, "/api/v3/orgs/acme/repos");
    assert_eq!(listing[0].query, "type=all&per_page=100");
    assert_eq!(listing[1].path, "/api/v3/organizations/1/repos");
    assert_eq!(listing[3].query, "per_page=100&page=4");
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN}")))
    );
    let contents = fake.contents_requests();
    assert!(contents.iter().any(|s| s.path
        == "/api/v3/repos/acme/website/contents/catalog-info.yaml"
        && s.query == "ref=trunk"));
    assert!(
        !contents.iter().any(|s| s.path.contains("/legacy/")),
        "archived repositories are not read"
    );
    assert!(!format!("{found:?}").contains(TOKEN));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_are_incremental() {
    let (addr, fake) = fake_github().await;
    let host = install(config(addr, "acme"), ALL_GRANTS);
    let first = host.discover().await.unwrap();
    assert_eq!(
        fake.contents_requests().len(),
        7,
        "every repository but the archived one: {:?}",
        fake.contents_requests()
    );

    // Nothing pushed: no file is asked for, the same entities (and the same YAML error) come back.
    fake.clear_seen();
    let second = host.discover().await.unwrap();
    assert!(
        fake.contents_requests().is_empty(),
        "{:?}",
        fake.contents_requests()
    );
    assert_eq!(names(&second), names(&first));
    assert_eq!(second.errors.len(), 1);

    // A push elsewhere in the repository: the file is revalidated with its ETag (304).
    fake.repo("payments", |r| r.pushed_at = "2026-11-29T09:00:00Z".into());
    fake.clear_seen();
    let third = host.discover().await.unwrap();
    let contents = fake.contents_requests();
    assert_eq!(contents.len(), 1, "{contents:?}");
    assert!(
        contents[0]
            .if_none_match
            .as_deref()
            .is_some_and(|e| e.starts_with('"')),
        "{contents:?}"
    );
    assert_eq!(names(&third), names(&first));

    // The file itself changes: read again, new entities.
    fake.repo("payments", |r| {
        r.pushed_at = "2026-11-29T10:00:00Z".into();
        r.file = Some(component("payments-v2", "Component"));
    });
    fake.clear_seen();
    let fourth = host.discover().await.unwrap();
    assert_eq!(fake.contents_requests().len(), 1);
    let n = names(&fourth);
    assert!(
        n.contains(&"Component:payments-v2".to_string())
            && !n.contains(&"Component:payments".to_string()),
        "{n:?}"
    );

    // The broken file is fixed: its error goes away.
    fake.repo("broken-yaml", |r| {
        r.pushed_at = "2026-11-29T11:00:00Z".into();
        r.file = Some(component("fixed", "Component"));
    });
    let fifth = host.discover().await.unwrap();
    assert!(fifth.errors.is_empty(), "{:?}", fifth.errors);
    assert!(names(&fifth).contains(&"Component:fixed".to_string()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_and_a_custom_path() {
    let (addr, fake) = fake_github().await;
    let mut c = config(addr, "acme");
    c["include_archived"] = json!(true);
    c["include_forks"] = json!(false);
    let host = install(c, ALL_GRANTS);
    let n = names(&host.discover().await.unwrap());
    assert!(n.contains(&"Component:legacy".to_string()), "{n:?}");
    assert!(!n.contains(&"Component:forked-thing".to_string()), "{n:?}");

    let mut c = config(addr, "acme");
    c["repository_pattern"] = json!("web*");
    let host = install(c, ALL_GRANTS);
    assert_eq!(
        names(&host.discover().await.unwrap()),
        ["Component:website"]
    );

    let mut c = config(addr, "acme");
    c["catalog_path"] = json!(".backstage/catalog.yaml");
    fake.clear_seen();
    let host = install(c, ALL_GRANTS);
    let found = host.discover().await.unwrap();
    assert_eq!(names(&found), ["Component:nested-service"]);
    let (entity, location) = &entities(&found)["Component:nested-service"];
    assert_eq!(
        location,
        "url:https://github.com/acme/nested/blob/main/.backstage/catalog.yaml"
    );
    assert_eq!(
        entity["metadata"]["annotations"]["backstage.io/source-location"],
        "url:https://github.com/acme/nested/tree/main/.backstage/"
    );
    assert!(
        fake.contents_requests()
            .iter()
            .all(|s| s.path.ends_with("/contents/.backstage/catalog.yaml"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn teams_and_members_become_groups_and_users() {
    let (addr, _fake) = fake_github().await;
    let mut c = config(addr, "acme");
    c["teams_and_members"] = json!(true);
    let host = install(c, ALL_GRANTS);
    let found = host.discover().await.unwrap();
    let all = entities(&found);
    let (platform, location) = &all["Group:platform"];
    assert_eq!(location, "url:https://github.com/acme");
    assert_eq!(platform["spec"]["type"], "team");
    assert_eq!(platform["spec"]["profile"]["displayName"], "Platform");
    assert_eq!(
        platform["spec"]["children"],
        json!(["payments-team", "web"])
    );
    assert_eq!(all["Group:payments-team"].0["spec"]["parent"], "platform");
    let octocat = &all["User:octocat"].0;
    assert_eq!(
        octocat["spec"]["memberOf"],
        json!(["platform", "payments-team"])
    );
    assert_eq!(
        octocat["spec"]["profile"]["picture"],
        "https://avatars.githubusercontent.com/u/7?v=4"
    );
    assert_eq!(all["User:monalisa"].0["spec"]["memberOf"], json!([]));
    assert!(all.contains_key("Component:payments"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_organization_emits_nothing() {
    let (addr, _fake) = fake_github().await;
    let host = install(config(addr, "empty"), ALL_GRANTS);
    let found = host.discover().await.unwrap();
    assert!(found.entities.is_empty() && found.errors.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_to_list_the_repositories_fail_the_run() {
    let (addr, _fake) = fake_github().await;
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "badcreds",
            "denied",
            &["401", "Bad credentials", "`github-token`"],
        ),
        (
            "ratelimited",
            "rate-limited",
            &["rate limit exceeded", "x-ratelimit-reset"],
        ),
        ("toomany", "rate-limited", &["retry after 45 seconds"]),
        ("missing", "not-found", &["404", "organization"]),
        ("broken", "unavailable", &["502", "githubstatus"]),
        ("garbled", "unavailable", &["malformed JSON"]),
        (
            "elsewhere",
            "unavailable",
            &["points outside `base_url`", "not followed"],
        ),
        ("huge", "unavailable", &["larger than 4194304 bytes"]),
    ];
    for (org, kind, phrases) in cases {
        let host = install(config(addr, org), ALL_GRANTS);
        let (got_kind, message) = plugin_error(host.discover().await.unwrap_err());
        assert_eq!(&got_kind, kind, "{org}: {message}");
        for phrase in *phrases {
            assert!(
                message.contains(phrase),
                "{org}: missing {phrase:?} in {message}"
            );
        }
        assert!(
            message.contains(&format!("the repositories of `{org}`")),
            "{message}"
        );
        assert!(!message.contains(TOKEN));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_github_times_out_and_the_deadline_holds() {
    let (addr, _fake) = fake_github().await;
    let mut c = config(addr, "slow");
    c["timeout_ms"] = json!(300);
    let host = install(c, ALL_GRANTS);
    let (kind, message) = plugin_error(host.discover().await.unwrap_err());
    assert_eq!(kind, "timeout", "{message}");
    assert!(message.contains("300 ms"), "{message}");

    let mut c = config(addr, "slow");
    c["timeout_ms"] = json!(10_000);
    let host = install_with_deadline(c, ALL_GRANTS, Duration::from_millis(500));
    let err = host.discover().await.unwrap_err();
    assert_eq!(err.kind, CallErrorKind::Deadline, "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_mid_run_keeps_what_the_last_run_found() {
    let (addr, fake) = fake_github().await;
    let mut c = config(addr, "acme");
    c["concurrency"] = json!(2);
    let host = install(c, ALL_GRANTS);
    let first = host.discover().await.unwrap();
    // Everything was pushed to, and GitHub stops answering contents requests.
    for name in ["payments", "website", "no-catalog", "forked", "nested"] {
        fake.repo(name, |r| r.pushed_at = "2026-11-29T12:00:00Z".into());
    }
    fake.0.lock().unwrap().contents_rate_limited = true;
    fake.clear_seen();
    let second = host.discover().await.unwrap();
    assert_eq!(
        names(&second),
        names(&first),
        "nothing disappears because of a rate limit"
    );
    // Files are asked for two at a time: after the first refused pair no more are asked.
    assert_eq!(
        fake.contents_requests().len(),
        2,
        "one refusal stops the asking"
    );
    let stopped = second
        .errors
        .iter()
        .find(|e| e.location == "url:https://github.com/acme")
        .expect("a discovery error for the run");
    assert!(
        stopped.message.contains("stopped early (rate-limited"),
        "{stopped:?}"
    );
    assert!(stopped.message.contains("x-ratelimit-reset"), "{stopped:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capabilities_withheld_are_denied_cleanly() {
    let (addr, fake) = fake_github().await;
    let host = install(config(addr, "acme"), &["secrets:github-token", "kv"]);
    let (kind, message) = plugin_error(host.discover().await.unwrap_err());
    assert_eq!(kind, "denied");
    assert!(message.contains("`http` grant"), "{message}");
    assert!(fake.seen().is_empty());

    let host = install(config(addr, "acme"), &["http:127.0.0.1:*", "kv"]);
    let (kind, message) = plugin_error(host.discover().await.unwrap_err());
    assert_eq!(kind, "denied");
    assert!(
        message.contains("grant `secrets:github-token`"),
        "{message}"
    );
    assert!(fake.seen().is_empty());

    // Without kv discovery works, reading every file every time.
    let host = install(
        config(addr, "acme"),
        &["http:127.0.0.1:*", "secrets:github-token"],
    );
    let first = host.discover().await.unwrap();
    fake.clear_seen();
    let second = host.discover().await.unwrap();
    assert_eq!(names(&first), names(&second));
    assert_eq!(fake.contents_requests().len(), 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_organization_the_run_says_what_to_set() {
    let host = install(json!({}), ALL_GRANTS);
    let (kind, message) = plugin_error(host.discover().await.unwrap_err());
    assert_eq!(kind, "invalid-input");
    assert!(
        message.contains("plugins.settings.github-discovery.config"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_on_the_provider_schedule_feeds_the_catalog() {
    let (addr, _fake) = fake_github().await;
    let mut c = config(addr, "acme");
    c["teams_and_members"] = json!(true);
    let host = install(c, ALL_GRANTS);
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let catalog = Arc::new(
        portico::app::build_catalog(&portico::config::Config::default(), storage).unwrap(),
    );
    let org = OrgId::default_org();
    let report = portico::providers::run_provider(&host.runtime, &catalog, &org, PLUGIN)
        .await
        .unwrap();
    // 4 from catalog files, 3 groups, 3 users: every one valid for the catalog.
    assert_eq!(report.created, 10, "{report:?}");
    assert!(
        report.errors.is_empty() && report.pending == 0,
        "{report:?}"
    );

    let payments = catalog
        .entity_by_name(&org, "component", "default", "payments")
        .unwrap();
    let a = &payments["metadata"]["annotations"];
    assert_eq!(
        a["backstage.io/managed-by-location"],
        "url:https://github.com/acme/payments/blob/main/catalog-info.yaml"
    );
    assert_eq!(
        a["backstage.io/managed-by-origin-location"],
        "url:https://github.com/acme/payments/blob/main/catalog-info.yaml"
    );
    let octocat = catalog
        .entity_by_name(&org, "user", "default", "octocat")
        .unwrap();
    let relations = octocat["relations"].to_string();
    assert!(
        relations.contains("group:default/payments-team"),
        "{relations}"
    );
    let platform = catalog
        .entity_by_name(&org, "group", "default", "platform")
        .unwrap();
    assert!(
        platform["relations"]
            .to_string()
            .contains("group:default/web"),
        "{platform}"
    );

    // The same run again changes nothing.
    let again = portico::providers::run_provider(&host.runtime, &catalog, &org, PLUGIN)
        .await
        .unwrap();
    assert_eq!(
        (again.created, again.updated, again.deleted),
        (0, 0, 0),
        "{again:?}"
    );
    assert_eq!(again.unchanged, 10, "{again:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn location_targets_inside_the_repository_are_followed() {
    let (addr, fake) = fake_github().await;
    let host = install(config(addr, "mono"), ALL_GRANTS);
    let found = host.discover().await.unwrap();
    assert_eq!(
        names(&found),
        [
            "Component:billing",
            "Component:orders",
            "Component:shipping",
            "Location:monorepo-root",
            "Location:orders-more",
        ],
        "{:#?}",
        found.errors
    );
    let all = entities(&found);
    // Each entity carries the location of its own file.
    let blob = |path: &str| format!("url:https://github.com/mono/monorepo/blob/main/{path}");
    assert_eq!(all["Location:monorepo-root"].1, blob("catalog-info.yaml"));
    assert_eq!(all["Component:orders"].1, blob("services/orders.yaml"));
    assert_eq!(
        all["Component:orders"].0["metadata"]["annotations"]["backstage.io/managed-by-location"],
        blob("services/orders.yaml")
    );
    assert_eq!(all["Component:billing"].1, blob("services/billing.yaml"));
    assert_eq!(
        all["Component:shipping"].1,
        blob("services/more/shipping.yaml")
    );

    // What is not followed is said, per target.
    let errors: Vec<String> = found
        .errors
        .iter()
        .map(|e| format!("{} {}", e.location, e.message))
        .collect();
    for expected in [
        "services/missing.yaml of mono/monorepo does not exist",
        "mono/elsewhere/blob/main/catalog-info.yaml`: not followed: it is outside mono/monorepo",
        "`./services/*.yaml`: glob targets are not followed",
        "`../../outside.yaml`: it leaves the repository",
    ] {
        assert!(
            errors.iter().any(|e| e.contains(expected)),
            "missing {expected:?} in {errors:#?}"
        );
    }
    assert_eq!(errors.len(), 4, "{errors:#?}");

    // Unchanged: nothing is asked again, the same entities and errors come back.
    fake.clear_seen();
    let again = host.discover().await.unwrap();
    assert!(fake.contents_requests().is_empty());
    assert_eq!(names(&again), names(&found));
    assert_eq!(again.errors.len(), 4);
}
