//! Docs (TechDocs without MkDocs or Docker): the bundled `docs` plugin rendering real
//! Markdown sites through the host's docs service and HTTP API — navigation from
//! `mkdocs.yml` and from folders, admonitions, tables, code, link rewriting, sanitizing of
//! hostile Markdown/HTML, search, assets, caching — and the hostile cases: a docs folder
//! outside the file root, symlinks out of it, huge files, a slow HTTP source (deadline), a
//! result over the size limit, and a plugin without the `docs-files` grant.

use axum::Router;
use portico::docs::folder::FolderPolicy;
use portico::docs::{DocsOptions, DocsService};
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::{EngineSettings, HostServices, Limits, Runtime};
use portico::secrets::SecretStore;
use portico::server::docs_api::{DocsApiState, routes};
use portico_storage::{OrgId, SledStorage, Storage};
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap()
}

fn fixtures() -> PathBuf {
    repo_root().join("host/tests/docs-fixtures")
}

/// A host with a catalog confined to `file_root`, the bundled docs plugin and the docs API
/// on a loopback port.
struct DocsHost {
    _data: tempfile::TempDir,
    catalog: Arc<portico_catalog::Catalog>,
    runtime: Arc<Runtime>,
    manager: Arc<PluginManager>,
    docs: Arc<DocsService>,
    addr: SocketAddr,
}

fn limits() -> Limits {
    let defaults = Limits::default();
    Limits {
        memory_bytes: 64 * 1024 * 1024,
        deadlines: portico::runtime::limits::Deadlines {
            docs: Duration::from_secs(5),
            ..defaults.deadlines
        },
        ..defaults
    }
}

impl DocsHost {
    async fn start(file_root: &Path, grants: &[&str], limits: Limits) -> DocsHost {
        Self::start_with(file_root, grants, limits, None, &[]).await
    }

    /// With the plugin's configuration and the host's secrets.
    async fn start_with(
        file_root: &Path,
        grants: &[&str],
        limits: Limits,
        plugin_config: Option<Value>,
        secrets: &[(&str, &str)],
    ) -> DocsHost {
        let data = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
        let config = portico::config::Config {
            catalog: portico::config::CatalogConfig {
                file_root: Some(file_root.to_path_buf()),
                ..Default::default()
            },
            ..Default::default()
        };
        let catalog = Arc::new(portico::app::build_catalog(&config, storage.clone()).unwrap());
        let services = Arc::new(HostServices::new(
            storage.clone(),
            Arc::new(SecretStore::from_values(
                secrets.iter().map(|(k, v)| (k.to_string(), v.to_string())),
            )),
            Arc::new(portico::catalog_access::CatalogBridge(catalog.clone())),
        ));
        // One compile cache for the file's tests: the plugin is compiled once.
        let compiled = Path::new(env!("CARGO_TARGET_TMPDIR")).join("docs-compiled");
        let runtime =
            Arc::new(Runtime::new(&EngineSettings::default(), &compiled, services).unwrap());
        let manager = Arc::new(PluginManager::new(
            storage.clone(),
            OrgId::default_org(),
            runtime.clone(),
            PluginPolicy {
                default_limits: limits,
                settings: std::collections::BTreeMap::from([(
                    "docs".to_string(),
                    portico::config::PluginSettings {
                        config: plugin_config,
                        ..Default::default()
                    },
                )]),
                ..PluginPolicy::default()
            },
        ));
        let plugin = portico_bundled_plugins::bundled("docs").expect("docs is bundled");
        manager
            .install(
                plugin.bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(grants.iter().map(|g| g.to_string()).collect()),
                },
            )
            .unwrap();
        let folders = FolderPolicy::new(file_root, &[data.path().to_path_buf()]).unwrap();
        let docs = Arc::new(DocsService::new(
            runtime.clone(),
            catalog.clone(),
            OrgId::default_org(),
            folders,
            DocsOptions::default(),
        ));
        let app = routes(Arc::new(DocsApiState {
            docs: docs.clone(),
            admin_token: Some("admin-secret".into()),
        }));
        let addr = serve(app).await;
        DocsHost {
            _data: data,
            catalog,
            runtime,
            manager,
            docs,
            addr,
        }
    }

    fn add_location(&self, file: &Path) {
        self.catalog
            .add_location(
                &OrgId::default_org(),
                &portico_catalog::api::AddLocationRequest {
                    location_type: "file".into(),
                    target: file.display().to_string(),
                    dry_run: false,
                },
            )
            .unwrap();
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = reqwest::get(format!("http://{}{path}", self.addr))
            .await
            .unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn get_raw(&self, path: &str) -> reqwest::Response {
        reqwest::get(format!("http://{}{path}", self.addr))
            .await
            .unwrap()
    }
}

async fn serve(app: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    addr
}

fn catalog_file(dir: &Path, name: &str, techdocs_ref: &str) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let file = dir.join("catalog-info.yaml");
    std::fs::write(
        &file,
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n  annotations:\n    backstage.io/techdocs-ref: \"{techdocs_ref}\"\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
        ),
    )
    .unwrap();
    file
}

fn nav(page: &Value) -> Vec<(String, String, u64)> {
    page["nav"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["title"].as_str().unwrap().to_string(),
                n["path"].as_str().unwrap().to_string(),
                n["depth"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn owned(items: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    items
        .iter()
        .map(|(t, p, d)| (t.to_string(), p.to_string(), *d))
        .collect()
}

#[tokio::test]
async fn the_demo_site_renders_with_nav_toc_admonitions_and_rewritten_links() {
    let host = DocsHost::start(&repo_root(), &["docs-files"], limits()).await;
    host.add_location(&repo_root().join("demo/catalog-info.yaml"));

    let (status, index) = host.get("/api/docs/component/default/portico").await;
    assert_eq!(status, 200, "{index}");
    assert_eq!(index["title"], "Portico");
    assert_eq!(index["plugin"], "docs");
    assert_eq!(index["path"], "");
    assert_eq!(
        nav(&index),
        owned(&[
            ("Home", "", 0),
            ("Guides", "guides/getting-started", 0),
            ("Getting started", "guides/getting-started", 1),
            ("Writing docs", "guides/writing-docs", 1),
            ("Plugins", "plugins", 0),
            (
                "Backstage TechDocs",
                "https://backstage.io/docs/features/techdocs/",
                0
            ),
        ])
    );
    assert_eq!(index["nav"][5]["external"], true);
    let toc: Vec<&str> = index["toc"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["anchor"].as_str().unwrap())
        .collect();
    assert_eq!(
        toc,
        [
            "doc-portico",
            "doc-what-you-get",
            "doc-where-the-docs-come-from"
        ]
    );
    let html = index["html"].as_str().unwrap();
    for expected in [
        "<h2 id=\"doc-what-you-get\">",
        "<table>",
        "<th align=\"left\">Part</th>",
        "<td align=\"right\"><code>/api/catalog</code></td>",
        "<div class=\"admonition tip\">",
        "<p class=\"admonition-title\">New here?</p>",
        // Image of the local folder → the host's asset route.
        "src=\"/api/docs-assets/component/default/portico/docs/img/docs-flow.svg\"",
        // Links between pages → the portal's docs route, fragments prefixed like the ids.
        "href=\"/catalog/default/component/portico/docs/guides/getting-started\"",
        "href=\"/catalog/default/component/portico/docs/guides/writing-docs#doc-the-annotation\"",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }

    let (status, page) = host
        .get("/api/docs/Component/default/portico/guides/writing-docs")
        .await;
    assert_eq!(status, 200, "{page}");
    // The front matter's title names the page.
    assert_eq!(page["title"], "Writing docs");
    let html = page["html"].as_str().unwrap();
    for expected in [
        "<code class=\"language-yaml\">",
        // Code highlighted as class names the portal's theme styles.
        "<span class=\"tok-key\">backstage.io/techdocs-ref</span>: dir:.",
        "<div class=\"admonition warning\">",
        "<details class=\"admonition info\">",
        "<summary>Collapsible blocks</summary>",
        "markdown-alert-note",
        "footnote-definition",
        "href=\"/catalog/default/component/portico/docs\"",
    ] {
        assert!(html.contains(expected), "{expected} missing in {html}");
    }

    // A link out of the docs folder is dropped; its text stays.
    let (_, plugins) = host
        .get("/api/docs/component/default/portico/plugins")
        .await;
    let html = plugins["html"].as_str().unwrap();
    assert!(html.contains("a link out of the docs"), "{html}");
    assert!(!html.contains("README.md"), "{html}");

    let (status, missing) = host
        .get("/api/docs/component/default/portico/no/such/page")
        .await;
    assert_eq!(status, 404, "{missing}");
    assert!(
        missing["error"]["message"]
            .as_str()
            .unwrap()
            .contains("no page `no/such/page`"),
        "{missing}"
    );
}

#[tokio::test]
async fn navigation_follows_the_folders_without_mkdocs_yml() {
    let host = DocsHost::start(&repo_root(), &["docs-files"], limits()).await;
    host.add_location(&fixtures().join("folder-site/catalog-info.yaml"));
    let (status, index) = host.get("/api/docs/component/default/folder-site").await;
    assert_eq!(status, 200, "{index}");
    assert_eq!(index["title"], "Folder site");
    assert_eq!(
        nav(&index),
        owned(&[
            ("Folder site", "", 0),
            ("Alpha page", "alpha", 0),
            ("How to", "how-to", 0),
            ("How-to guides", "how-to", 1),
            ("Deploy", "how-to/deploy", 1),
            ("Zeta", "zeta", 0),
        ])
    );
    let (status, deploy) = host
        .get("/api/docs/component/default/folder-site/how-to/deploy")
        .await;
    assert_eq!(status, 200, "{deploy}");
    let html = deploy["html"].as_str().unwrap();
    assert!(html.contains("<ol>"), "{html}");
    assert!(
        html.contains("href=\"/catalog/default/component/folder-site/docs/how-to\""),
        "{html}"
    );
    assert!(
        html.contains("href=\"/catalog/default/component/folder-site/docs/alpha#doc-alpha-page\""),
        "{html}"
    );
    // A page without a heading is named after its file.
    let (_, zeta) = host
        .get("/api/docs/component/default/folder-site/zeta")
        .await;
    assert_eq!(zeta["title"], "Zeta");
}

#[tokio::test]
async fn hostile_markdown_and_html_are_sanitized() {
    let host = DocsHost::start(&repo_root(), &["docs-files"], limits()).await;
    host.add_location(&fixtures().join("hostile-site/catalog-info.yaml"));
    let (status, page) = host.get("/api/docs/component/default/hostile-site").await;
    assert_eq!(status, 200, "{page}");
    let html = page["html"].as_str().unwrap();
    // The admonition title is text, escaped: harmless, and taken out before the checks.
    let escaped_title = "&lt;img src=x onerror=alert('title')&gt;";
    assert!(html.contains(escaped_title), "{html}");
    let html = html.replace(escaped_title, "");
    for bad in [
        "<script",
        "alert(",
        "onerror",
        "onclick",
        "onload",
        "javascript:",
        "JaVaScRiPt",
        "data:text",
        "style=",
        "<style",
        "<iframe",
        "<form",
        "password",
        "<svg",
        "portal-overlay",
    ] {
        assert!(!html.contains(bad), "{bad} survived: {html}");
    }
    for good in [
        "styled paragraph",
        "href=\"https://example.com/docs\"",
        "class=\"admonition note\"",
        "classes are filtered",
        ">a javascript link<",
        "<img src=\"pic.png\">",
        "Admonition titles are escaped.",
    ] {
        assert!(html.contains(good), "{good} missing: {html}");
    }
}

/// A loopback web server with the `web-site` fixture under `/site/`, and a route that never
/// answers (a slow source).
async fn web_server() -> SocketAddr {
    use axum::extract::Path as UrlPath;
    use axum::http::StatusCode;
    use axum::routing::get;
    let app = Router::new()
        .route(
            "/site/{*path}",
            get(|UrlPath(path): UrlPath<String>| async move {
                let root = fixtures().join("web-site");
                let file = root.join(&path);
                match (path.contains(".."), std::fs::read(&file)) {
                    (false, Ok(bytes)) => (StatusCode::OK, bytes),
                    _ => (StatusCode::NOT_FOUND, b"Not Found".to_vec()),
                }
            }),
        )
        .route(
            "/private/{*path}",
            get(
                |UrlPath(path): UrlPath<String>, headers: axum::http::HeaderMap| async move {
                    // As GitHub answers an unauthenticated request for a private file.
                    if headers.get("authorization").and_then(|v| v.to_str().ok())
                        != Some("Bearer priv4te-t0ken")
                    {
                        return (StatusCode::NOT_FOUND, b"404: Not Found".to_vec());
                    }
                    match std::fs::read(fixtures().join("web-site").join(&path)) {
                        Ok(bytes) if !path.contains("..") => (StatusCode::OK, bytes),
                        _ => (StatusCode::NOT_FOUND, b"404: Not Found".to_vec()),
                    }
                },
            ),
        )
        .route(
            "/slow/{*path}",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(30)).await;
                "too late"
            }),
        );
    serve(app).await
}

#[tokio::test]
async fn url_docs_are_read_over_http_under_the_allow_list() {
    let web = web_server().await;
    let root = tempfile::tempdir().unwrap();
    let granted = catalog_file(
        &root.path().join("granted"),
        "web-docs",
        &format!("url:http://{web}/site/"),
    );
    let host = DocsHost::start(root.path(), &["http:127.0.0.1:*"], limits()).await;
    host.add_location(&granted);

    let (status, index) = host.get("/api/docs/component/default/web-docs").await;
    assert_eq!(status, 200, "{index}");
    assert_eq!(index["title"], "Served over HTTP");
    assert_eq!(
        nav(&index),
        owned(&[("Start", "", 0), ("Guide", "guide", 0)])
    );
    let html = index["html"].as_str().unwrap();
    // Images of web docs point at the file's own URL.
    assert!(
        html.contains(&format!("src=\"http://{web}/site/docs/img/diagram.png\"")),
        "{html}"
    );
    assert!(
        html.contains("href=\"/catalog/default/component/web-docs/docs/guide#doc-install\""),
        "{html}"
    );
    let (status, guide) = host.get("/api/docs/component/default/web-docs/guide").await;
    assert_eq!(status, 200, "{guide}");
    assert_eq!(guide["toc"][1]["anchor"], "doc-install");

    // The same plugin without the HTTP grant: denied, with the host named.
    let denied = DocsHost::start(root.path(), &[], limits()).await;
    denied.add_location(&granted);
    let (status, body) = denied.get("/api/docs/component/default/web-docs").await;
    assert_eq!(status, 403, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("127.0.0.1"), "{message}");
}

#[tokio::test]
async fn a_slow_source_ends_at_the_docs_deadline() {
    let web = web_server().await;
    let root = tempfile::tempdir().unwrap();
    let file = catalog_file(
        &root.path().join("slow"),
        "slow-docs",
        &format!("url:http://{web}/slow/"),
    );
    let mut short = limits();
    short.deadlines.docs = Duration::from_millis(800);
    let host = DocsHost::start(root.path(), &["http:127.0.0.1:*"], short).await;
    host.add_location(&file);
    let (status, body) = host.get("/api/docs/component/default/slow-docs").await;
    assert_eq!(status, 504, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("deadline"), "{message}");
}

#[tokio::test]
async fn a_page_over_the_result_limit_is_refused() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("big");
    let file = catalog_file(&site, "big-docs", "dir:.");
    std::fs::create_dir_all(site.join("docs")).unwrap();
    // ~600 KiB of Markdown: under the plugin's 1 MiB file limit, over a 256 KiB result limit.
    let paragraph = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(20);
    std::fs::write(
        site.join("docs/index.md"),
        format!("# Big\n\n{}", format!("{paragraph}\n\n").repeat(520)),
    )
    .unwrap();
    let mut small = limits();
    small.max_result_bytes = 256 * 1024;
    let host = DocsHost::start(root.path(), &["docs-files"], small).await;
    host.add_location(&file);
    let (status, body) = host.get("/api/docs/component/default/big-docs").await;
    assert_eq!(status, 502, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("more than the limit"), "{message}");
}

#[tokio::test]
async fn hostile_folders_symlinks_and_huge_files_are_refused() {
    let root = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.md"), "# TOP SECRET outside\n").unwrap();
    std::fs::write(root.path().join("root-secret.md"), "# ROOT SECRET\n").unwrap();

    // A docs folder that climbs out of the file root.
    let escape = catalog_file(&root.path().join("escape"), "escape", "dir:../..");
    // Symlinks out of the docs folder: a page, a folder, and an image.
    let linked = root.path().join("linked");
    let linked_file = catalog_file(&linked, "linked", "dir:.");
    std::fs::create_dir_all(linked.join("docs")).unwrap();
    std::fs::write(
        linked.join("docs/index.md"),
        "# Linked\n\n[leak](leak.md) ![pic](pic.png)\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        linked.join("docs/leak.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(
        root.path().join("root-secret.md"),
        linked.join("docs/near.md"),
    )
    .unwrap();
    std::os::unix::fs::symlink(outside.path(), linked.join("docs/outside")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        linked.join("docs/pic.png"),
    )
    .unwrap();
    // A page larger than the plugin's max_file_bytes (1 MiB).
    let huge = root.path().join("huge");
    let huge_file = catalog_file(&huge, "huge", "dir:.");
    std::fs::create_dir_all(huge.join("docs")).unwrap();
    std::fs::write(huge.join("docs/index.md"), "# Huge\n\n").unwrap();
    std::fs::write(huge.join("docs/big.md"), "x".repeat(3 * 1024 * 1024)).unwrap();

    let host = DocsHost::start(root.path(), &["docs-files"], limits()).await;
    for file in [&escape, &linked_file, &huge_file] {
        host.add_location(file);
    }

    let (status, body) = host.get("/api/docs/component/default/escape").await;
    assert_eq!(status, 403, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("outside catalog.file_root"),
        "{body}"
    );

    // The index renders; its navigation lists no page through the symlinks.
    let (status, index) = host.get("/api/docs/component/default/linked").await;
    assert_eq!(status, 200, "{index}");
    let text = index.to_string();
    assert!(!text.contains("SECRET"), "{text}");
    for page in ["leak", "near", "outside/secret"] {
        let (status, body) = host
            .get(&format!("/api/docs/component/default/linked/{page}"))
            .await;
        assert!(matches!(status, 403 | 404), "{page}: {status} {body}");
        assert!(!body.to_string().contains("SECRET"), "{page}: {body}");
    }
    let asset = host
        .get_raw("/api/docs-assets/component/default/linked/docs/pic.png")
        .await;
    assert_eq!(asset.status().as_u16(), 404);
    assert!(!asset.text().await.unwrap().contains("SECRET"));
    for path in [
        "docs/../../root-secret.md",
        "docs/index.md",
        "../escape/catalog-info.yaml",
    ] {
        let response = host
            .get_raw(&format!("/api/docs-assets/component/default/linked/{path}"))
            .await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }

    let (status, body) = host.get("/api/docs/component/default/huge/big").await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("max_file_bytes"),
        "{body}"
    );
}

#[tokio::test]
async fn without_the_docs_files_grant_the_plugin_gets_no_folder() {
    let host = DocsHost::start(&repo_root(), &[], limits()).await;
    host.add_location(&repo_root().join("demo/catalog-info.yaml"));
    let (status, body) = host.get("/api/docs/component/default/portico").await;
    assert_eq!(status, 403, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("docs-files"), "{message}");
    // The denial is recorded for the admin, with the folder the host would have mounted.
    let events = host.runtime.services().events.recent("docs");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "denied" && e.message.contains("docs-files")),
        "{events:?}"
    );
    // Granting it makes the same page render.
    host.manager
        .set_grants("docs", &GrantChoice::Specs(vec!["docs-files".into()]))
        .unwrap();
    let (status, body) = host.get("/api/docs/component/default/portico").await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn pages_are_cached_searchable_and_refreshed_by_an_admin() {
    let root = tempfile::tempdir().unwrap();
    let site = root.path().join("runbook");
    let file = catalog_file(&site, "runbook", "dir:.");
    std::fs::create_dir_all(site.join("docs")).unwrap();
    std::fs::write(
        site.join("mkdocs.yml"),
        "site_name: Runbook\nnav:\n  - index.md\n  - Rollback: rollback.md\n",
    )
    .unwrap();
    std::fs::write(site.join("docs/index.md"), "# Runbook\n\nOn-call notes.\n").unwrap();
    std::fs::write(
        site.join("docs/rollback.md"),
        "# Rollback\n\nRoll the canary back with the flamingo switch.\n",
    )
    .unwrap();
    let host = DocsHost::start(root.path(), &["docs-files"], limits()).await;
    host.add_location(&file);

    let (status, _) = host
        .get("/api/docs/component/default/runbook/rollback")
        .await;
    assert_eq!(status, 200);
    // Rendered pages are searchable at once.
    let (status, found) = host.get("/api/docs/search?q=flamingo").await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["results"][0]["path"], "rollback");
    assert_eq!(found["results"][0]["name"], "runbook");
    assert!(
        found["results"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("flamingo switch"),
        "{found}"
    );

    // Served from the cache while the file changes underneath.
    std::fs::write(
        site.join("docs/rollback.md"),
        "# Rollback\n\nUse the pelican lever now.\n",
    )
    .unwrap();
    let (_, cached) = host
        .get("/api/docs/component/default/runbook/rollback")
        .await;
    assert!(
        cached["html"].as_str().unwrap().contains("flamingo"),
        "{cached}"
    );

    // A refresh needs the admin token, renders the whole site and re-indexes it.
    let client = reqwest::Client::new();
    let url = format!(
        "http://{}/api/admin/docs/component/default/runbook/refresh",
        host.addr
    );
    let refused = client.post(&url).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 401);
    let report: Value = client
        .post(&url)
        .bearer_auth("admin-secret")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["pages"], 2, "{report}");
    let (_, fresh) = host
        .get("/api/docs/component/default/runbook/rollback")
        .await;
    assert!(
        fresh["html"].as_str().unwrap().contains("pelican"),
        "{fresh}"
    );
    let (_, old) = host.get("/api/docs/search?q=flamingo").await;
    assert_eq!(old["results"].as_array().unwrap().len(), 0, "{old}");
    let (_, new) = host.get("/api/docs/search?q=pelic").await;
    assert_eq!(new["results"][0]["path"], "rollback", "{new}");
    let (status, _) = host.get("/api/docs/search?q=").await;
    assert_eq!(status, 400);

    // The indexer finds every entity with docs in the catalog.
    let (entities, pages, errors) = host.docs.index_all().await;
    assert_eq!((entities, pages), (1, 2), "{errors:?}");
}

#[tokio::test]
async fn local_images_are_served_with_a_sandbox_policy() {
    let host = DocsHost::start(&repo_root(), &["docs-files"], limits()).await;
    host.add_location(&repo_root().join("demo/catalog-info.yaml"));
    let response = host
        .get_raw("/api/docs-assets/Component/default/portico/docs/img/docs-flow.svg")
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let headers = response.headers().clone();
    assert_eq!(headers["content-type"], "image/svg+xml");
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    let body = response.text().await.unwrap();
    assert_eq!(
        body,
        std::fs::read_to_string(repo_root().join("demo/docs/img/docs-flow.svg")).unwrap()
    );
    // Only images and PDFs: Markdown, YAML and the catalog file are not assets.
    for path in ["docs/index.md", "mkdocs.yml", "catalog-info.yaml"] {
        let response = host
            .get_raw(&format!(
                "/api/docs-assets/Component/default/portico/{path}"
            ))
            .await;
        assert_eq!(response.status().as_u16(), 404, "{path}");
    }
}

/// The portal (the whole router) over a docs host.
async fn portal(host: &DocsHost) -> SocketAddr {
    let mut metrics = prometheus_client::registry::Registry::default();
    host.runtime.services().metrics.register(&mut metrics);
    let state = Arc::new(portico::server::AppState {
        catalog: host.catalog.clone(),
        manager: host.manager.clone(),
        runtime: host.runtime.clone(),
        metrics,
        ready: std::sync::atomic::AtomicBool::new(true),
        admin_token: None,
        portal: Arc::new(portico::web::Portal::default()),
        docs: host.docs.clone(),
    });
    serve(portico::server::router(state)).await
}

async fn page_text(addr: SocketAddr, path: &str) -> (u16, String) {
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_entity_page_has_a_docs_tab_with_navigation_and_contents() {
    let host = DocsHost::start(&repo_root(), &["docs-files"], limits()).await;
    host.add_location(&repo_root().join("demo/catalog-info.yaml"));
    host.add_location(&fixtures().join("hostile-site/catalog-info.yaml"));
    host.add_location(&fixtures().join("folder-site/catalog-info.yaml"));
    let addr = portal(&host).await;

    let (status, overview) = page_text(addr, "/catalog/default/component/portico").await;
    assert_eq!(status, 200);
    assert!(
        overview.contains("href=\"/catalog/default/component/portico/docs\""),
        "no Docs tab: {overview}"
    );

    let (status, docs) = page_text(addr, "/catalog/default/component/portico/docs").await;
    assert_eq!(status, 200, "{docs}");
    for expected in [
        "class=\"docs-layout\"",
        // The navigation, the current page marked, sections indented, external links marked.
        "<a href=\"/catalog/default/component/portico/docs\" class=\"is-current\" aria-current=\"page\">Home</a>",
        "docs-depth-1\"><a href=\"/catalog/default/component/portico/docs/guides/getting-started\">Getting started</a>",
        "href=\"https://backstage.io/docs/features/techdocs/\" rel=\"noopener noreferrer\" target=\"_blank\">Backstage TechDocs</a>",
        // The table of contents points at the prefixed heading ids.
        "<a href=\"#doc-what-you-get\">What you get</a>",
        "<h2 id=\"doc-what-you-get\">What you get</h2>",
        "<div class=\"admonition tip\">",
    ] {
        assert!(docs.contains(expected), "{expected} missing: {docs}");
    }

    let (status, guide) = page_text(
        addr,
        "/catalog/default/component/portico/docs/guides/getting-started",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        guide.contains("class=\"is-current\" aria-current=\"page\">Getting started</a>"),
        "{guide}"
    );
    assert!(guide.contains("<code class=\"language-sh\">"), "{guide}");

    // Hostile docs stay inert inside the portal page too.
    let (status, hostile) = page_text(addr, "/catalog/default/component/hostile-site/docs").await;
    assert_eq!(status, 200);
    let panel = &hostile[hostile.find("docs-layout").unwrap()..];
    for bad in ["<script", "onerror=\"", "javascript:", "<iframe", "<form"] {
        assert!(!panel.contains(bad), "{bad} in {panel}");
    }

    // Rendered pages are found by the catalog's search, linked to their Docs tab.
    let (status, search) = page_text(addr, "/catalog?q=getting+started").await;
    assert_eq!(status, 200);
    assert!(search.contains("In the docs"), "{search}");
    assert!(
        search.contains("href=\"/catalog/default/component/portico/docs/guides/getting-started\""),
        "{search}"
    );

    // A missing page: 404 inside the entity page, with a way back.
    let (status, missing) = page_text(addr, "/catalog/default/component/portico/docs/nope").await;
    assert_eq!(status, 404);
    assert!(
        missing.contains("This docs page cannot be shown"),
        "{missing}"
    );
    assert!(missing.contains("href=\"/catalog/default/component/portico/docs\""));
    // An entity without docs has no Docs tab.
    // (Backstage's example components have no docs annotation.)
    let file =
        repo_root().join("corpus/backstage/examples/components/artist-lookup-component.yaml");
    host.add_location(&file);
    let (status, page) = page_text(addr, "/catalog/default/component/artist-lookup").await;
    assert_eq!(status, 200);
    assert!(!page.contains("/artist-lookup/docs\""), "{page}");
    let (status, _) = page_text(addr, "/catalog/default/component/artist-lookup/docs").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn private_docs_get_the_token_only_on_named_hosts() {
    let web = web_server().await;
    let root = tempfile::tempdir().unwrap();
    let file = catalog_file(
        &root.path().join("private"),
        "private-docs",
        &format!("url:http://{web}/private/"),
    );
    let secrets = [("docs-token", "priv4te-t0ken")];
    let named = serde_json::json!({ "token_hosts": [format!("127.0.0.1:{}", web.port())] });

    // The host is named and the secret granted: the pages come back.
    let host = DocsHost::start_with(
        root.path(),
        &["http:127.0.0.1:*", "secrets:docs-token"],
        limits(),
        Some(named.clone()),
        &secrets,
    )
    .await;
    host.add_location(&file);
    let (status, page) = host
        .get("/api/docs/component/default/private-docs/guide")
        .await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["title"], "Guide");

    // The host is not named: no token is sent, and the private repository answers 404.
    let unnamed = DocsHost::start_with(
        root.path(),
        &["http:127.0.0.1:*", "secrets:docs-token"],
        limits(),
        None,
        &secrets,
    )
    .await;
    unnamed.add_location(&file);
    let (status, body) = unnamed
        .get("/api/docs/component/default/private-docs")
        .await;
    assert_eq!(status, 404, "{body}");

    // Named, but the secret is not granted: denied, saying which grant is missing.
    let ungranted = DocsHost::start_with(
        root.path(),
        &["http:127.0.0.1:*"],
        limits(),
        Some(named),
        &secrets,
    )
    .await;
    ungranted.add_location(&file);
    let (status, body) = ungranted
        .get("/api/docs/component/default/private-docs")
        .await;
    assert_eq!(status, 403, "{body}");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("secrets:docs-token"), "{message}");
    assert!(!message.contains("priv4te"), "{message}");
}
