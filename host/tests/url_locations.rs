//! `url` locations, read by the bundled url-reader plugin through `wasi:http` and processed by
//! the catalog like `file` locations. A loopback server plays the remote host: it serves the
//! corpus (also as GitHub Enterprise raw files behind blob URLs), and answers 404, 500, slowly
//! and hugely where a test asks it to; a second server is never granted.

use portico::config::{Config, PluginSettings};
use portico::plugins::InstallOptions;
use portico::plugins::manager::GrantChoice;
use portico_catalog::location::{FileReader, LocationSpec, generated_location_name};
use portico_catalog::{Catalog, CatalogOptions};
use portico_storage::{OrgId, SledStorage, Storage};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/backstage/examples")
        .canonicalize()
        .unwrap()
}

/// The remote host. `mutable.yaml` answers whatever the test last put in `mutable`.
async fn remote(mutable: Arc<Mutex<String>>) -> SocketAddr {
    remote_recording(mutable, Arc::default()).await
}

/// Requests seen: path and `Authorization` header.
type Seen = Arc<Mutex<Vec<(String, Option<String>)>>>;

/// [`remote`], recording every request in `seen`. `private/…` is the corpus behind
/// `Authorization: Bearer s3cret-token` (404 otherwise, as GitHub answers for private repos).
async fn remote_recording(mutable: Arc<Mutex<String>>, seen: Seen) -> SocketAddr {
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::get(move |Path(path): Path<String>, headers: HeaderMap| {
            let mutable = mutable.clone();
            let seen = seen.clone();
            async move {
                let authorization = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                seen.lock()
                    .unwrap()
                    .push((path.clone(), authorization.clone()));
                let file = |rel: &str| {
                    if rel.split('/').any(|s| s == "..") {
                        return (StatusCode::BAD_REQUEST, "no").into_response();
                    }
                    match std::fs::read(corpus().join(rel)) {
                        Ok(bytes) => bytes.into_response(),
                        Err(_) => (StatusCode::NOT_FOUND, "404: Not Found").into_response(),
                    }
                };
                if let Some(rel) = path.strip_prefix("corpus/") {
                    return file(rel);
                }
                if let Some(rel) = path.strip_prefix("private/") {
                    if authorization.as_deref() != Some("Bearer s3cret-token") {
                        return (StatusCode::NOT_FOUND, "404: Not Found").into_response();
                    }
                    return file(rel);
                }
                // GitHub Enterprise: blob pages are HTML, raw files live under /raw/.
                if let Some(rel) = path.strip_prefix("raw/acme/catalog/main/") {
                    return file(rel);
                }
                if path.starts_with("acme/catalog/blob/") {
                    return (StatusCode::OK, "<!DOCTYPE html><html>a blob page</html>")
                        .into_response();
                }
                match path.as_str() {
                    "mutable.yaml" => mutable.lock().unwrap().clone().into_response(),
                    "broken.yaml" => (
                        StatusCode::INTERNAL_SERVER_ERROR,
                        [("retry-after", "30")],
                        "upstream exploded",
                    )
                        .into_response(),
                    "slow.yaml" => {
                        tokio::time::sleep(Duration::from_secs(5)).await;
                        "kind: Component\n".into_response()
                    }
                    "huge.yaml" => format!("# {}\n", "x".repeat(2 * 1024 * 1024)).into_response(),
                    "optional.yaml" => "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: optional-things}\nspec:\n  presence: optional\n  targets: [./not-there.yaml, ./corpus/components/petstore-component.yaml]\n".into_response(),
                    _ => (StatusCode::NOT_FOUND, "404: Not Found").into_response(),
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    addr
}

struct Portal {
    addr: SocketAddr,
    app: Arc<portico::app::App>,
    _dir: tempfile::TempDir,
}

/// A server assembled as `portico serve` does, with the bundled url-reader installed with
/// `grants` and `config`.
async fn portal(grants: &[String], config: Value) -> Portal {
    portal_with_secrets(grants, config, "{}").await
}

/// [`portal`] with a secrets file (YAML `name: value`).
async fn portal_with_secrets(grants: &[String], config: Value, secrets: &str) -> Portal {
    let dir = tempfile::tempdir().unwrap();
    let secrets_file = dir.path().join("secrets.yaml");
    std::fs::write(&secrets_file, secrets).unwrap();
    let mut settings = Config::default();
    settings.secrets.file = Some(secrets_file);
    settings.storage.path = dir.path().join("data");
    settings.plugins.install_bundled = false;
    settings.catalog.file_root = Some(corpus());
    settings.plugins.settings.insert(
        "url-reader".into(),
        PluginSettings {
            config: Some(config),
            grants: Some(grants.to_vec()),
            ..PluginSettings::default()
        },
    );
    let (state, app) = portico::cli::start(settings).unwrap();
    let bundled = portico_bundled_plugins::bundled("url-reader").expect("url-reader is bundled");
    app.manager
        .install(
            bundled.bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(grants.to_vec()),
            },
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(listener, portico::server::router(state))
            .await
            .unwrap()
    });
    Portal {
        addr,
        app,
        _dir: dir,
    }
}

impl Portal {
    fn url(&self, path: &str) -> String {
        format!("http://{}/api/catalog{path}", self.addr)
    }

    async fn register(&self, target: &str) -> Value {
        let response = reqwest::Client::new()
            .post(self.url("/locations"))
            .json(&json!({"type": "url", "target": target}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "registering {target}");
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = reqwest::get(self.url(path)).await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    async fn entity(&self, kind: &str, name: &str) -> Option<Value> {
        match self
            .get(&format!("/entities/by-name/{kind}/default/{name}"))
            .await
        {
            (200, entity) => Some(entity),
            _ => None,
        }
    }

    /// The `status.items` messages of the Location entity generated for a registered URL.
    async fn location_errors(&self, target: &str) -> Vec<String> {
        let name = generated_location_name(&LocationSpec::url(target));
        let entity = self
            .entity("location", &name)
            .await
            .expect("generated location");
        entity["status"]["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i["message"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    async fn refs(&self) -> BTreeSet<String> {
        let (_, all) = self.get("/entities").await;
        all.as_array()
            .unwrap()
            .iter()
            .map(entity_ref)
            .filter(|r| !r.starts_with("location:default/generated-"))
            .collect()
    }
}

fn entity_ref(e: &Value) -> String {
    format!(
        "{}:{}/{}",
        e["kind"].as_str().unwrap().to_lowercase(),
        e["metadata"]["namespace"].as_str().unwrap_or("default"),
        e["metadata"]["name"].as_str().unwrap()
    )
}

fn loopback(addr: SocketAddr) -> Vec<String> {
    vec![format!("http:127.0.0.1:{}", addr.port())]
}

/// What the corpus yields as a `file` location (the same documents, read from disk).
fn file_refs(root: &str) -> BTreeSet<String> {
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let catalog = Catalog::new(
        storage,
        Arc::new(FileReader::confined_to(corpus()).unwrap()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    catalog
        .add_location(
            &org,
            &portico_catalog::api::AddLocationRequest {
                location_type: "file".into(),
                target: corpus().join(root).display().to_string(),
                dry_run: false,
            },
        )
        .unwrap();
    catalog
        .entities(&org, &Default::default())
        .unwrap()
        .entities
        .iter()
        .map(entity_ref)
        .filter(|r| !r.starts_with("location:default/generated-"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_url_location_yields_what_the_same_files_yield() {
    let remote = remote(Arc::default()).await;
    let portal = portal(&loopback(remote), json!({})).await;
    let target = format!("http://{remote}/corpus/all.yaml");
    portal.register(&target).await;

    // Every entity the file location yields, read over HTTP (relative targets followed).
    let expected = file_refs("all.yaml");
    assert!(expected.len() > 30, "{expected:?}");
    assert_eq!(portal.refs().await, expected);

    // Relative `$text` resolved against the URL and substituted.
    let petstore = portal.entity("api", "petstore").await.unwrap();
    let definition = petstore["spec"]["definition"].as_str().unwrap();
    assert_eq!(
        definition,
        std::fs::read_to_string(corpus().join("apis/petstore.oas.yaml")).unwrap()
    );
    let annotations = &petstore["metadata"]["annotations"];
    assert_eq!(
        annotations["backstage.io/managed-by-location"],
        format!("url:http://{remote}/corpus/apis/petstore-api.yaml")
    );
    assert_eq!(
        annotations["backstage.io/managed-by-origin-location"],
        format!("url:{target}")
    );
    assert_eq!(
        annotations["backstage.io/view-url"],
        format!("http://{remote}/corpus/apis/petstore-api.yaml")
    );

    // The spotify API's `$text` is on github.com, which was not granted: as with a file
    // location, the API is served as read with the refusal in its `status.items`.
    let spotify = portal.entity("api", "spotify").await.unwrap();
    assert_eq!(
        spotify["spec"]["definition"],
        json!({"$text": "https://github.com/APIs-guru/openapi-directory/blob/dab6854d4d599aafb0eb36e6c7ae1fe0c37509b7/APIs/spotify.com/2021.4.2/openapi.yaml"})
    );
    let failure = spotify["status"]["items"][0]["message"].as_str().unwrap();
    assert!(
        failure.starts_with("InputError: Processor PlaceholderProcessor threw an error")
            && failure.contains("raw.githubusercontent.com")
            && failure.contains("not cover"),
        "{failure}"
    );

    // The location is listed, and entities know it.
    let (_, locations) = portal.get("/locations").await;
    let listed = locations.as_array().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["data"]["target"], target);
    let (status, by_entity) = portal
        .get("/locations/by-entity/component/default/petstore")
        .await;
    assert_eq!(status, 200);
    assert_eq!(by_entity["target"], target);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blob_urls_are_read_from_raw_and_keep_their_own_url() {
    let remote = remote(Arc::default()).await;
    let host = format!("127.0.0.1:{}", remote.port());
    let portal = portal(&loopback(remote), json!({ "github_hosts": [host] })).await;
    let target = format!("http://{remote}/acme/catalog/blob/main/all-apis.yaml");
    portal.register(&target).await;
    let petstore = portal
        .entity("api", "petstore")
        .await
        .expect("read via /raw/");
    assert_eq!(
        petstore["metadata"]["annotations"]["backstage.io/managed-by-location"],
        format!("url:http://{remote}/acme/catalog/blob/main/apis/petstore-api.yaml")
    );
    assert!(
        petstore["spec"]["definition"]
            .as_str()
            .unwrap()
            .starts_with("openapi:")
    );
    assert!(portal.entity("api", "streetlights").await.is_some());
    assert_eq!(portal.location_errors(&target).await, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_show_in_the_location_status_and_never_stop_the_server() {
    let remote = remote(Arc::default()).await;
    let ungranted = self::remote(Arc::default()).await;
    let portal = portal(
        &loopback(remote),
        json!({ "timeout_ms": 300, "max_bytes": 65536 }),
    )
    .await;
    let cases = [
        (format!("http://{remote}/missing.yaml"), "NotFoundError"),
        (format!("http://{remote}/broken.yaml"), "answered 500"),
        // The plugin's own wait or the host's first-byte timeout, whichever fires first.
        (format!("http://{remote}/slow.yaml"), "timed out|within"),
        (
            format!("http://{remote}/huge.yaml"),
            "larger than 65536 bytes",
        ),
        (
            format!("http://{ungranted}/corpus/all.yaml"),
            "does not cover",
        ),
    ];
    for (target, expected) in &cases {
        portal.register(target).await;
        let errors = portal.location_errors(target).await;
        assert_eq!(errors.len(), 1, "{target}: {errors:?}");
        assert!(
            expected.split('|').any(|e| errors[0].contains(e)),
            "{target}: {}",
            errors[0]
        );
        assert!(
            errors[0].contains(target.as_str()),
            "{target}: {}",
            errors[0]
        );
    }
    let missing = portal.location_errors(&cases[0].0).await;
    assert!(missing[0].starts_with("NotFoundError: "), "{}", missing[0]);

    // An optional target may be missing; its siblings are read.
    let optional = format!("http://{remote}/optional.yaml");
    portal.register(&optional).await;
    assert_eq!(
        portal.location_errors(&optional).await,
        Vec::<String>::new()
    );
    assert!(portal.entity("component", "petstore").await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_is_served_after_a_refresh_and_a_failed_read_keeps_the_last_good_version() {
    let mutable = Arc::new(Mutex::new(String::from(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: moving}\nspec: {type: service, owner: team-a, lifecycle: experimental}\n",
    )));
    let remote = remote(mutable.clone()).await;
    let portal = portal(&loopback(remote), json!({})).await;
    let target = format!("http://{remote}/mutable.yaml");
    portal.register(&target).await;
    let entity = portal.entity("component", "moving").await.unwrap();
    assert_eq!(entity["spec"]["lifecycle"], "experimental");

    let changed = mutable
        .lock()
        .unwrap()
        .replace("experimental", "production");
    *mutable.lock().unwrap() = changed;
    let refreshed = reqwest::Client::new()
        .post(portal.url("/refresh"))
        .json(&json!({"entityRef": "component:default/moving"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    let entity = portal.entity("component", "moving").await.unwrap();
    assert_eq!(entity["spec"]["lifecycle"], "production");

    // The remote file turns into garbage: the last good version stays served, with the error.
    *mutable.lock().unwrap() = "kind: [unclosed\n".into();
    let org = portal.app.manager.org().clone();
    let app = portal.app.clone();
    tokio::task::spawn_blocking(move || app.catalog.refresh_all(&org).unwrap())
        .await
        .unwrap();
    let entity = portal.entity("component", "moving").await.unwrap();
    assert_eq!(entity["spec"]["lifecycle"], "production");
    let errors = portal.location_errors(&target).await;
    assert!(
        errors.iter().any(|e| e.contains("YAML error")),
        "{errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_of_a_url_location_lists_everything_it_would_produce() {
    let remote = remote(Arc::default()).await;
    let portal = portal(&loopback(remote), json!({})).await;
    let target = format!("http://{remote}/corpus/all.yaml");
    let response: Value = reqwest::Client::new()
        .post(portal.url("/locations?dryRun=true"))
        .json(&json!({"type": "url", "target": target}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let listed: BTreeSet<String> = response["entities"]
        .as_array()
        .unwrap()
        .iter()
        .map(entity_ref)
        .filter(|r| !r.starts_with("location:default/generated-"))
        .collect();
    assert_eq!(listed, file_refs("all.yaml"));
    assert_eq!(response["exists"], false);
    // Nothing was stored.
    assert_eq!(portal.refs().await, BTreeSet::new());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_go_to_their_host_only_and_need_their_secret_granted() {
    let seen_private: Seen = Arc::default();
    let seen_other: Seen = Arc::default();
    let private = remote_recording(Arc::default(), seen_private.clone()).await;
    let other = remote_recording(Arc::default(), seen_other.clone()).await;
    // A private Location (its targets on the same host), and a file on another host: the
    // token is configured for the private host only.
    let root = format!("http://{private}/private/all-systems.yaml");
    let config = json!({ "tokens": [{ "host": format!("127.0.0.1:{}", private.port()), "secret": "github-token" }] });
    let mut grants = loopback(private);
    grants.extend(loopback(other));
    grants.push("secrets:github-token".into());
    let portal = portal_with_secrets(&grants, config.clone(), "github-token: s3cret-token\n").await;

    portal.register(&root).await;
    assert_eq!(portal.location_errors(&root).await, Vec::<String>::new());
    assert!(portal.entity("system", "podcast").await.is_some());
    let other_target = format!("http://{other}/corpus/components/petstore-component.yaml");
    portal.register(&other_target).await;
    assert!(portal.entity("component", "petstore").await.is_some());

    let private_seen = seen_private.lock().unwrap().clone();
    assert!(private_seen.len() > 1, "{private_seen:?}");
    assert!(
        private_seen
            .iter()
            .all(|(_, auth)| auth.as_deref() == Some("Bearer s3cret-token")),
        "{private_seen:?}"
    );
    let other_seen = seen_other.lock().unwrap().clone();
    assert!(!other_seen.is_empty());
    assert!(
        other_seen.iter().all(|(_, auth)| auth.is_none()),
        "{other_seen:?}"
    );

    // Without the secret granted, the read fails and says which secret is missing.
    grants.pop();
    let ungranted = portal_with_secrets(&grants, config, "github-token: s3cret-token\n").await;
    ungranted.register(&root).await;
    let errors = ungranted.location_errors(&root).await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("github-token"), "{}", errors[0]);
}
