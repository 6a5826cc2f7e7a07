//! Byte reads of single targets through a provider's `read-raw` (contract 0.2.0): `$text`
//! placeholders in a `file` location that point at URLs, read by the url-reader as Backstage
//! reads them through its UrlReader, and the 0.1.0 providers the host still serves.
//!
//! The corpus is copied with its `https://github.com/` URLs pointed at a loopback server
//! configured as a GitHub Enterprise host of the url-reader (the mechanism `url_locations.rs`
//! uses for blob URLs): blob URLs are read from `/raw/OWNER/REPO/REF/PATH`, where the server
//! answers with OpenAPI documents in the shape the APIs-guru directory publishes.

use portico::config::{Config, PluginSettings};
use portico::location_plugins::LocationPlugins;
use portico::plugins::InstallOptions;
use portico::plugins::manager::GrantChoice;
use portico::runtime::bindings::WitVersion;
use portico_bundled_plugins::fixtures::TEST_LEGACY_PROVIDER;
use portico_catalog::location::walk::WalkErrorKind;
use portico_catalog::location::{
    FileReader, LocationReader, LocationSpec, ReadError, Readers, TreeRead, walk_location,
};
use portico_storage::OrgId;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/backstage/examples")
        .canonicalize()
        .unwrap()
}

const SPOTIFY: &str = "APIs-guru/openapi-directory/dab6854d4d599aafb0eb36e6c7ae1fe0c37509b7/APIs/spotify.com/2021.4.2/openapi.yaml";
const WAYBACK_SEARCH: &str =
    "APIs-guru/openapi-directory/main/APIs/archive.org/search/1.0.0/openapi.yaml";
const WAYBACK_ARCHIVE: &str =
    "APIs-guru/openapi-directory/main/APIs/archive.org/wayback/1.0.0/openapi.yaml";

/// The OpenAPI document the remote serves for a raw path (a trimmed copy of the directory's
/// real files: same `info` and servers).
fn openapi(raw_path: &str) -> Option<String> {
    let (title, version, server) = match raw_path {
        SPOTIFY => ("Spotify Web API", "2021.4.2", "https://api.spotify.com/v1"),
        WAYBACK_SEARCH => (
            "Archive.org Search API",
            "1.0.0",
            "https://archive.org/services/search/v1",
        ),
        WAYBACK_ARCHIVE => ("Wayback API", "1.0.0", "https://archive.org/wayback"),
        _ => return None,
    };
    Some(format!(
        "openapi: 3.0.0\ninfo:\n  title: {title}\n  version: {version}\n  x-origin:\n    - format: openapi\n      url: https://github.com/APIs-guru/openapi-directory/{raw_path}\nservers:\n  - url: {server}\npaths:\n  /ping:\n    get:\n      responses:\n        \"200\":\n          description: OK\n"
    ))
}

/// Requests seen by the remote, by path.
type Seen = Arc<Mutex<Vec<String>>>;

/// The remote: GitHub Enterprise raw files, a 404, and a body of 100 KiB.
async fn remote(seen: Seen) -> SocketAddr {
    use axum::extract::Path;
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let app = axum::Router::new().route(
        "/{*path}",
        axum::routing::get(move |Path(path): Path<String>, headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                seen.lock().unwrap().push(path.clone());
                let bearer = headers.get("authorization").and_then(|v| v.to_str().ok());
                if path == "private/notes.md" {
                    // As GitHub answers for a private file without the token.
                    return match bearer {
                        Some("Bearer s3cret-token") => "# Private notes\n".into_response(),
                        _ => (StatusCode::NOT_FOUND, "404: Not Found").into_response(),
                    };
                }
                if let Some(body) = path.strip_prefix("raw/").and_then(openapi) {
                    return body.into_response();
                }
                match path.as_str() {
                    "big.txt" => "x".repeat(100 * 1024).into_response(),
                    "present.yaml" => "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: present\nspec:\n  type: service\n  lifecycle: production\n  owner: team-a\n".into_response(),
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

/// Copies `from` into `to`, pointing `https://github.com/` at `remote` in every YAML file.
fn copy_corpus(from: &Path, to: &Path, remote: SocketAddr) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_corpus(&path, &target, remote);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).unwrap();
            let text = text.replace("https://github.com/", &format!("http://{remote}/"));
            std::fs::write(target, text).unwrap();
        } else {
            std::fs::copy(&path, target).unwrap();
        }
    }
}

struct Portal {
    addr: SocketAddr,
    app: Arc<portico::app::App>,
    root: PathBuf,
    _dir: tempfile::TempDir,
}

/// One plugin to install: bytes, grants and configuration.
struct Plugin {
    id: &'static str,
    bytes: Vec<u8>,
    grants: Vec<String>,
    config: Value,
}

fn url_reader(grants: Vec<String>, config: Value) -> Plugin {
    Plugin {
        id: "url-reader",
        bytes: portico_bundled_plugins::bundled("url-reader")
            .expect("url-reader is bundled")
            .bytes
            .to_vec(),
        grants,
        config,
    }
}

fn legacy_provider(location_types: &[&str]) -> Plugin {
    Plugin {
        id: "test-legacy-provider",
        bytes: std::fs::read(TEST_LEGACY_PROVIDER).unwrap(),
        grants: vec!["kv".into()],
        config: json!({ "location_types": location_types }),
    }
}

/// The url-reader's configuration that makes the remote a GitHub Enterprise host.
fn github_at(remote: SocketAddr) -> Value {
    json!({ "github_hosts": [format!("127.0.0.1:{}", remote.port())] })
}

fn loopback(remote: SocketAddr) -> Vec<String> {
    vec![format!("http:127.0.0.1:{}", remote.port())]
}

/// A server assembled as `portico serve` does, its file root a copy of the corpus pointed at
/// `remote`, with `plugins` installed.
async fn portal(remote: SocketAddr, plugins: Vec<Plugin>) -> Portal {
    portal_with_secrets(remote, plugins, "{}").await
}

/// [`portal`] with a secrets file (YAML `name: value`).
async fn portal_with_secrets(remote: SocketAddr, plugins: Vec<Plugin>, secrets: &str) -> Portal {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("examples");
    copy_corpus(&corpus(), &root, remote);
    let secrets_file = dir.path().join("secrets.yaml");
    std::fs::write(&secrets_file, secrets).unwrap();
    let mut settings = Config::default();
    settings.secrets.file = Some(secrets_file);
    settings.storage.path = dir.path().join("data");
    settings.plugins.install_bundled = false;
    settings.catalog.file_root = Some(root.clone());
    for plugin in &plugins {
        settings.plugins.settings.insert(
            plugin.id.into(),
            PluginSettings {
                config: Some(plugin.config.clone()),
                grants: Some(plugin.grants.clone()),
                ..PluginSettings::default()
            },
        );
    }
    let (state, app) = portico::cli::start(settings).unwrap();
    for plugin in &plugins {
        app.manager
            .install(
                &plugin.bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(plugin.grants.clone()),
                },
            )
            .unwrap();
    }
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
        root,
        _dir: dir,
    }
}

impl Portal {
    fn url(&self, path: &str) -> String {
        format!("http://{}/api/catalog{path}", self.addr)
    }

    async fn register(&self, location_type: &str, target: &str) {
        let response = reqwest::Client::new()
            .post(self.url("/locations"))
            .json(&json!({"type": location_type, "target": target}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            201,
            "registering {location_type} {target}"
        );
    }

    async fn register_file(&self, relative: &str) {
        let target = self.root.join(relative).display().to_string();
        self.register("file", &target).await;
    }

    async fn entity(&self, kind: &str, name: &str) -> Value {
        let response = reqwest::get(self.url(&format!("/entities/by-name/{kind}/default/{name}")))
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{kind}:{name}");
        response.json().await.unwrap()
    }

    async fn entities(&self) -> Vec<Value> {
        reqwest::get(self.url("/entities"))
            .await
            .unwrap()
            .json::<Vec<Value>>()
            .await
            .unwrap()
    }
}

fn status_messages(entity: &Value) -> Vec<String> {
    entity["status"]["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .map(|i| i["message"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn url_placeholders_in_a_file_location_are_read_through_read_raw() {
    let seen = Seen::default();
    let remote = remote(seen.clone()).await;
    let portal = portal(
        remote,
        vec![url_reader(loopback(remote), github_at(remote))],
    )
    .await;
    portal.register_file("all.yaml").await;

    for (name, raw) in [
        ("spotify", SPOTIFY),
        ("wayback-search", WAYBACK_SEARCH),
        ("wayback-archive", WAYBACK_ARCHIVE),
    ] {
        let api = portal.entity("api", name).await;
        assert_eq!(
            api["spec"]["definition"].as_str(),
            Some(openapi(raw).unwrap().as_str()),
            "{name}: {api}"
        );
        assert_eq!(status_messages(&api), Vec::<String>::new(), "{name}");
        assert!(
            seen.lock().unwrap().contains(&format!("raw/{raw}")),
            "{name} read from its raw URL"
        );
    }
    // The relative placeholders are still read from disk, and nothing failed anywhere.
    let petstore = portal.entity("api", "petstore").await;
    assert_eq!(
        petstore["spec"]["definition"].as_str().unwrap(),
        std::fs::read_to_string(portal.root.join("apis/petstore.oas.yaml")).unwrap()
    );
    let entities = portal.entities().await;
    assert!(entities.len() > 30, "{}", entities.len());
    let failed: Vec<_> = entities
        .iter()
        .filter(|e| !status_messages(e).is_empty())
        .map(|e| (e["metadata"]["name"].clone(), status_messages(e)))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_http_grant_the_refusal_shows_in_status_items() {
    let remote = remote(Seen::default()).await;
    // Installed with no host granted.
    let portal = portal(remote, vec![url_reader(Vec::new(), github_at(remote))]).await;
    portal.register_file("apis/spotify-api.yaml").await;

    let spotify = portal.entity("api", "spotify").await;
    assert_eq!(
        spotify["spec"]["definition"]["$text"].as_str(),
        Some(
            format!(
                "http://{remote}/{}",
                SPOTIFY.replacen("/dab6854", "/blob/dab6854", 1)
            )
            .as_str()
        ),
        "served as read, placeholder kept"
    );
    let messages = status_messages(&spotify);
    assert_eq!(messages.len(), 1, "{messages:?}");
    let message = &messages[0];
    assert!(
        message.starts_with("InputError: Processor PlaceholderProcessor threw an error")
            && message.contains("url-reader")
            && message.contains(&format!("127.0.0.1:{}", remote.port()))
            && message.contains("denied"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_naming_the_limit() {
    let remote = remote(Seen::default()).await;
    let mut config = github_at(remote);
    config["max_bytes"] = json!(64 * 1024);
    let portal = portal(remote, vec![url_reader(loopback(remote), config)]).await;
    std::fs::write(
        portal.root.join("big-api.yaml"),
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: big\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: http://{remote}/big.txt\n"
        ),
    )
    .unwrap();
    portal.register_file("big-api.yaml").await;

    let big = portal.entity("api", "big").await;
    assert_eq!(
        big["spec"]["definition"],
        json!({"$text": format!("http://{remote}/big.txt")})
    );
    let messages = status_messages(&big);
    assert!(
        messages.len() == 1 && messages[0].contains("larger than 65536 bytes"),
        "{messages:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_configured_token_goes_with_the_raw_read_of_its_host() {
    let remote = remote(Seen::default()).await;
    let host = format!("127.0.0.1:{}", remote.port());
    let config = json!({ "tokens": [{ "host": host, "secret": "github-token" }] });
    let mut grants = loopback(remote);
    grants.push("secrets:github-token".into());
    let portal = portal_with_secrets(
        remote,
        vec![url_reader(grants, config)],
        "github-token: s3cret-token\n",
    )
    .await;
    std::fs::write(
        portal.root.join("private-api.yaml"),
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: private\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: http://{remote}/private/notes.md\n"
        ),
    )
    .unwrap();
    portal.register_file("private-api.yaml").await;

    let private = portal.entity("api", "private").await;
    assert_eq!(private["spec"]["definition"], "# Private notes\n");
    assert_eq!(status_messages(&private), Vec::<String>::new());
}

/// `read` without `read_tree`: makes the catalog read `url` Location targets byte-wise, so
/// the walk's handling of missing targets runs on `read-raw`'s errors.
struct BytesOnly(LocationPlugins);

impl LocationReader for BytesOnly {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        self.0.read(location_type, target)
    }

    fn read_tree(&self, _location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        None
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_target_is_not_found_and_skipped_when_optional() {
    let remote = remote(Seen::default()).await;
    let portal = portal(
        remote,
        vec![url_reader(loopback(remote), github_at(remote))],
    )
    .await;
    let plugins = LocationPlugins::new();
    plugins.bind(
        &portal.app.runtime,
        tokio::runtime::Handle::current(),
        OrgId::default_org(),
    );

    // The read itself: a 404 is NotFound, and the bytes of a present target come back whole.
    let reader = plugins.clone();
    let (missing, present) = tokio::task::spawn_blocking(move || {
        (
            reader.read("url", &format!("http://{remote}/absent.yaml")),
            reader.read("url", &format!("http://{remote}/present.yaml")),
        )
    })
    .await
    .unwrap();
    assert!(
        matches!(&missing, Err(ReadError::NotFound(m)) if m.contains("absent.yaml")),
        "{missing:?}"
    );
    assert!(
        String::from_utf8(present.unwrap())
            .unwrap()
            .contains("name: present")
    );

    // The catalog's walk: an optional missing target is skipped quietly, a required one is
    // a NotFoundError of its location (which the catalog reports on the Location entity).
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("locations.yaml"),
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: optional-remote\nspec:\n  type: url\n  presence: optional\n  targets:\n    - http://{remote}/absent.yaml\n    - http://{remote}/present.yaml\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: required-remote\nspec:\n  type: url\n  target: http://{remote}/also-absent.yaml\n"
        ),
    )
    .unwrap();
    let root = LocationSpec::new(
        "file",
        &dir.path().join("locations.yaml").display().to_string(),
    );
    let walk = tokio::task::spawn_blocking(move || {
        let readers = Readers::new()
            .with(FileReader::confined_to(dir.path()).unwrap())
            .with(BytesOnly(plugins));
        walk_location(&root, &readers)
    })
    .await
    .unwrap();
    let names: Vec<Value> = walk
        .entities
        .iter()
        .map(|e| e.entity.to_value()["metadata"]["name"].clone())
        .collect();
    assert_eq!(
        names,
        [
            json!("optional-remote"),
            json!("present"),
            json!("required-remote")
        ],
        "depth first"
    );
    let errors: Vec<_> = walk
        .errors
        .iter()
        .map(|e| (e.kind, e.location.target.clone(), e.message.clone()))
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let (kind, target, message) = &errors[0];
    assert_eq!(*kind, WalkErrorKind::NotFound);
    assert_eq!(*target, format!("http://{remote}/also-absent.yaml"));
    assert!(message.contains("NotFoundError"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_0_provider_still_answers_read_location() {
    let remote = remote(Seen::default()).await;
    let portal = portal(remote, vec![legacy_provider(&["legacy"])]).await;
    let loaded = portal.app.runtime.get("test-legacy-provider").unwrap();
    assert_eq!(loaded.exports.version, WitVersion::V0_1_0);
    assert!(loaded.exports.provider.is_some() && !loaded.exports.reads_raw());

    portal.register("legacy", "alpha,beta").await;
    for name in ["alpha", "beta"] {
        let component = portal.entity("component", name).await;
        // `config` (the owner default), `kv` (the read count) and `read-location` all went
        // through the 0.1.0 edge.
        assert_eq!(component["spec"]["owner"], "team-legacy");
        assert_eq!(component["metadata"]["annotations"]["test/reads"], "1");
        assert_eq!(
            component["metadata"]["annotations"]["backstage.io/managed-by-location"],
            "legacy:alpha,beta"
        );
        assert_eq!(status_messages(&component), Vec::<String>::new());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_0_provider_of_url_cannot_read_a_placeholder_and_says_why() {
    let remote = remote(Seen::default()).await;
    let portal = portal(remote, vec![legacy_provider(&["url"])]).await;
    portal.register_file("apis/spotify-api.yaml").await;

    let spotify = portal.entity("api", "spotify").await;
    let messages = status_messages(&spotify);
    assert!(
        messages.len() == 1
            && messages[0].contains("test-legacy-provider")
            && messages[0].contains("portico:plugin@0.1.0")
            && messages[0].contains("read-raw"),
        "{messages:?}"
    );
}
