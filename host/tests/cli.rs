//! The `portico` binary as users run it: inspect, keygen/pack/sign, install against the data
//! directory, and — while `portico serve` holds the data directory — through the server.

use portico_bundled_plugins::fixtures::{TEST_ECHO_V1, TEST_ECHO_V2, TEST_LEGACY_PROVIDER};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn portico(config: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_portico"));
    if let Some(config) = config {
        command.arg("--config").arg(config);
    }
    command
        .args(args)
        .env_remove("PORTICO_CONFIG")
        .env("PORTICO_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .expect("running portico")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn inspect_shows_manifest_and_imports_and_refuses_garbage() {
    let out = portico(None, &["plugin", "inspect", TEST_ECHO_V1]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("test-echo"), "{text}");
    assert!(text.contains("0.1.0"), "{text}");
    assert!(
        !text.contains("note:"),
        "built on the newest contract: {text}"
    );
    // A plugin built against an older contract still served is told so.
    let out = portico(None, &["plugin", "inspect", TEST_LEGACY_PROVIDER]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("note: built against portico:plugin@0.1.0, an older contract"),
        "{text}"
    );
    assert!(text.contains("rebuild against 0.2.0"), "{text}");

    let out = portico(None, &["plugin", "inspect", "--json", TEST_ECHO_V1]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["manifest"]["id"], "test-echo");
    assert!(
        json["imports"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| !i["name"].as_str().unwrap().contains("kv"))
    );

    let dir = tempfile::tempdir().unwrap();
    let garbage = dir.path().join("garbage.wasm");
    std::fs::write(&garbage, b"definitely not wasm").unwrap();
    let out = portico(None, &["plugin", "inspect", garbage.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not a valid Portico plugin"),
        "{}",
        stderr(&out)
    );

    let out = portico(None, &["plugin", "inspect"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit with 2");
}

#[test]
fn keygen_sign_and_install_with_required_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("author.pem");
    let out = portico(None, &["plugin", "keygen", "--out", key.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let public = stdout(&out)
        .lines()
        .find(|l| l.starts_with("ed25519:"))
        .expect("public key printed")
        .to_string();
    // keygen never overwrites a key.
    assert!(
        !portico(None, &["plugin", "keygen", "--out", key.to_str().unwrap()])
            .status
            .success()
    );

    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        format!(
            "storage:\n  path: data\nplugins:\n  install_bundled: false\n  require_signatures: true\n  trusted_keys:\n    - {{ id: author, public_key: \"{public}\" }}\n"
        ),
    )
    .unwrap();

    let unsigned = portico(Some(&config), &["plugin", "install", TEST_ECHO_V1, "--yes"]);
    assert_eq!(unsigned.status.code(), Some(1));
    assert!(
        stderr(&unsigned).contains("not signed"),
        "{}",
        stderr(&unsigned)
    );

    let signed = dir.path().join("echo.wasm");
    let out = portico(
        None,
        &[
            "plugin",
            "sign",
            TEST_ECHO_V1,
            "--key",
            key.to_str().unwrap(),
            "--key-id",
            "author",
            "-o",
            signed.to_str().unwrap(),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = portico(
        Some(&config),
        &["plugin", "install", signed.to_str().unwrap(), "--yes"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("installed test-echo 0.1.0"),
        "{}",
        stdout(&out)
    );

    let out = portico(Some(&config), &["plugin", "list", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(list[0]["current"]["signed_by"], "author");

    // Without a terminal and without --yes/--grant, nothing is installed.
    let out = portico(
        Some(&config),
        &["plugin", "install", signed.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "no capabilities requested: nothing to approve; {}",
        stderr(&out)
    );
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn wait_ready(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(r) = reqwest::blocking::get(format!("{base}/readyz"))
            && r.status().is_success()
        {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the server at {base} did not become ready");
}

fn echo_text(base: &str) -> String {
    let r = reqwest::blocking::Client::new()
        .post(format!("{base}/api/plugins/test-echo/views/echo"))
        .json(&serde_json::json!({ "entity": { "kind": "Component", "metadata": { "name": "svc" } } }))
        .send()
        .unwrap();
    let body: serde_json::Value = r.json().unwrap();
    body["sections"][0]["blocks"][0]["Text"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

#[test]
fn the_cli_goes_through_a_running_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        format!("server:\n  listen: 127.0.0.1:{port}\nstorage:\n  path: data\n"),
    )
    .unwrap();
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_portico"))
            .args(["--config", config.to_str().unwrap(), "serve"])
            .env("PORTICO_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base);

    // The bundled plugin was installed, without HTTP to any host.
    let plugins: serde_json::Value = reqwest::blocking::get(format!("{base}/api/admin/plugins"))
        .unwrap()
        .json()
        .unwrap();
    let status = plugins
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "service-status")
        .expect("bundled plugin installed");
    assert_eq!(
        status["current"]["grants"]["http"],
        serde_json::json!([]),
        "{status}"
    );
    assert_eq!(status["current"]["grants"]["kv"], true);

    let c = Some(config.as_path());
    let out = portico(c, &["plugin", "install", TEST_ECHO_V1, "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(echo_text(&base), "echo 0.1.0 svc");
    let out = portico(c, &["plugin", "install", TEST_ECHO_V2, "--yes"]);
    assert!(stdout(&out).contains("replaced 0.1.0"), "{}", stdout(&out));
    assert_eq!(echo_text(&base), "echo 0.2.0 svc");
    let out = portico(c, &["plugin", "rollback", "test-echo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(echo_text(&base), "echo 0.1.0 svc");
    let out = portico(c, &["plugin", "list"]);
    assert!(stdout(&out).contains("test-echo"), "{}", stdout(&out));
    let out = portico(c, &["plugin", "remove", "test-echo"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = portico(c, &["plugin", "remove", "test-echo"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no plugin with id"),
        "{}",
        stderr(&out)
    );

    let metrics = reqwest::blocking::get(format!("{base}/metrics"))
        .unwrap()
        .text()
        .unwrap();
    assert!(
        metrics.contains("portico_plugin_calls_total{plugin=\"test-echo\",call=\"render\"}"),
        "{metrics}"
    );
    drop(server);
}

fn corpus(path: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../corpus/backstage")
        .join(path)
        .display()
        .to_string()
}

#[test]
fn catalog_validate_for_ci_pipelines() {
    let out = portico(
        None,
        &["catalog", "validate", &corpus("examples/acme-corp.yaml")],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // acme-corp.yaml: itself, org.yaml's location, 8 groups and 17 users.
    assert!(
        stdout(&out).contains("27 entities valid"),
        "{}",
        stdout(&out)
    );

    // all.yaml: the 7 Location files and the 33 entities they list. The three APIs whose
    // `$text` is a github.com URL are checked with a stand-in definition, and the URLs listed.
    let out = portico(None, &["catalog", "validate", &corpus("examples/all.yaml")]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("40 entities valid"), "{text}");
    assert_eq!(text.matches("was not fetched").count(), 3, "{text}");
    assert!(
        text.contains("note: https://github.com/APIs-guru/openapi-directory/blob/main/APIs/archive.org/search/1.0.0/openapi.yaml was not fetched"),
        "{text}"
    );

    let out = portico(
        None,
        &[
            "catalog",
            "validate",
            &corpus("examples/components/invalid-component.yaml"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(text.contains("\"metadata.name\" is not valid"), "{text}");
    assert!(text.contains("\"tags.1\" is not valid"), "{text}");
    assert!(stderr(&out).contains("2 error(s)"), "{}", stderr(&out));

    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("catalog-info.yaml");
    std::fs::write(
        &broken,
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: [unclosed\n",
    )
    .unwrap();
    let out = portico(None, &["catalog", "validate", broken.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("catalog-info.yaml"),
        "{}",
        stdout(&out)
    );
}

/// `catalog validate` checks what the server checks: the configured `catalog.kinds`, relation
/// fields that are not entity references (after the schema passed), and entities whose
/// placeholders point at URLs it does not fetch.
#[test]
fn catalog_validate_uses_the_configured_kinds_and_relation_rules() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("cost.json"),
        r#"{"$id": "AcmeComponent", "properties": {"spec": {"required": ["costCenter"]}}}"#,
    )
    .unwrap();
    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        "catalog:\n  kinds:\n    - schema: cost.json\n      extends: Component\n",
    )
    .unwrap();
    let descriptor = dir.path().join("catalog-info.yaml");
    let write = |spec_extra: &str| {
        std::fs::write(
            &descriptor,
            format!("apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: svc}}\nspec: {{type: service, owner: me, lifecycle: production{spec_extra}}}\n"),
        )
        .unwrap()
    };
    let target = descriptor.to_str().unwrap();

    write("");
    // Without the config: valid. With it: the organization's rule applies.
    let out = portico(None, &["catalog", "validate", target]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    let out = portico(Some(&config), &["catalog", "validate", target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("default/svc: /spec must have required property 'costCenter'"),
        "{}",
        stdout(&out)
    );

    write(", costCenter: cc-1");
    let out = portico(Some(&config), &["catalog", "validate", target]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));

    // A URL placeholder is not fetched, but the rest of its entity is still checked; a `url`
    // Location target is noted, not followed.
    std::fs::write(
        &descriptor,
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: remote}\nspec: {type: openapi, owner: me, lifecycle: production, definition: {$text: 'https://example.com/openapi.yaml'}}\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: more}\nspec: {type: url, target: 'https://example.com/catalog-info.yaml'}\n",
    )
    .unwrap();
    let out = portico(Some(&config), &["catalog", "validate", target]);
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
    assert!(
        stdout(&out).contains("2 entities valid"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("note: https://example.com/openapi.yaml was not fetched"),
        "{}",
        stdout(&out)
    );
    assert!(
        stdout(&out).contains("note: https://example.com/catalog-info.yaml was not fetched"),
        "{}",
        stdout(&out)
    );
    std::fs::write(
        &descriptor,
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata: {name: remote}\nspec: {type: openapi, lifecycle: production, definition: {$text: 'https://example.com/openapi.yaml'}}\n",
    )
    .unwrap();
    let out = portico(Some(&config), &["catalog", "validate", target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("must have required property 'owner'"),
        "{}",
        stdout(&out)
    );

    // `dependsOn` needs a kind: the catalog refuses the entity, so validate does too.
    write(", costCenter: cc-1, dependsOn: [artists-db]");
    let out = portico(Some(&config), &["catalog", "validate", target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out)
            .contains("spec.dependsOn: Entity reference \"artists-db\" had missing or empty kind"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn catalog_import_registers_a_location_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        format!(
            "storage:\n  path: data\ncatalog:\n  file_root: {}\n",
            corpus("")
        ),
    )
    .unwrap();
    let c = Some(config.as_path());
    let target = corpus("examples/acme-corp.yaml");
    let out = portico(c, &["catalog", "import", &target, "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("would import"), "{}", stdout(&out));
    let out = portico(c, &["catalog", "import", &target]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("registered location"),
        "{}",
        stdout(&out)
    );
    // acme-corp.yaml: its Location, org.yaml's (a Group and a Location), the 8 groups and 17
    // users they lead to, plus the generated Location entity.
    assert!(
        stdout(&out).contains(" with 28 entities;"),
        "{}",
        stdout(&out)
    );
    let out = portico(c, &["catalog", "import", &target]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
}

/// `portico serve` registers `catalog.locations` (relative targets resolved against the
/// config file), applies `catalog.orphan_strategy`, reads locations again every
/// `catalog.refresh_interval`; a restart refreshes the registered location instead of adding
/// it again.
#[test]
fn serve_reads_configured_locations_with_their_orphan_strategy_and_interval() {
    let dir = tempfile::tempdir().unwrap();
    let catalog_dir = dir.path().join("catalog");
    std::fs::create_dir_all(&catalog_dir).unwrap();
    let descriptor = catalog_dir.join("all.yaml");
    let component = |name: &str| {
        format!(
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: {name}}}\nspec: {{type: service, owner: team-a, lifecycle: production}}\n"
        )
    };
    std::fs::write(
        &descriptor,
        [component("one"), component("two")].join("---\n"),
    )
    .unwrap();
    let port = free_port();
    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        format!(
            "server:\n  listen: 127.0.0.1:{port}\nstorage:\n  path: data\nplugins:\n  install_bundled: false\ncatalog:\n  locations:\n    - {{ type: file, target: catalog/all.yaml }}\n  orphan_strategy: delete\n  refresh_interval: 1s\n"
        ),
    )
    .unwrap();
    let serve = || {
        Server(
            Command::new(env!("CARGO_BIN_EXE_portico"))
                .args(["--config", config.to_str().unwrap(), "serve"])
                .env("PORTICO_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        )
    };
    let base = format!("http://127.0.0.1:{port}/api/catalog");
    let status = |name: &str| {
        reqwest::blocking::get(format!("{base}/entities/by-name/component/default/{name}"))
            .unwrap()
            .status()
            .as_u16()
    };
    // Configured locations are read in the background once the server answers.
    let wait_for = |name: &str| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while status(name) != 200 {
            assert!(Instant::now() < deadline, "{name} never served");
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let locations = || -> Vec<serde_json::Value> {
        reqwest::blocking::get(format!("{base}/locations"))
            .unwrap()
            .json()
            .unwrap()
    };

    let server = serve();
    wait_ready(&format!("http://127.0.0.1:{port}"));
    wait_for("one");
    wait_for("two");
    let registered = locations();
    assert_eq!(registered.len(), 1, "{registered:?}");
    let canonical = descriptor.canonicalize().unwrap();
    assert_eq!(
        registered[0]["data"]["target"],
        canonical.display().to_string()
    );

    // `two` leaves the file: with orphan_strategy delete, the refresh removes it.
    std::fs::write(&descriptor, component("one")).unwrap();
    let refreshed = reqwest::blocking::Client::new()
        .post(format!("{base}/refresh"))
        .json(&serde_json::json!({"entityRef": "component:default/one"}))
        .send()
        .unwrap();
    assert_eq!(refreshed.status(), 200);
    assert_eq!(status("two"), 404);
    assert_eq!(status("one"), 200);
    drop(server);

    // Restarted: the same location, read again (a new entity in the file is served).
    std::fs::write(
        &descriptor,
        [component("one"), component("three")].join("---\n"),
    )
    .unwrap();
    let _server = serve();
    wait_ready(&format!("http://127.0.0.1:{port}"));
    wait_for("three");
    assert_eq!(status("two"), 404);
    let again = locations();
    assert_eq!(again.len(), 1, "{again:?}");
    assert_eq!(again[0]["data"]["id"], registered[0]["data"]["id"]);

    // Every `refresh_interval` (1s here) the location is read again without being asked.
    std::fs::write(
        &descriptor,
        [component("one"), component("four")].join("---\n"),
    )
    .unwrap();
    wait_for("four");
    let deadline = Instant::now() + Duration::from_secs(60);
    while status("three") != 404 {
        assert!(Instant::now() < deadline, "three never deleted");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn serve_refuses_a_public_address_without_an_admin_token() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("portico.yaml");
    std::fs::write(&config, "storage:\n  path: data\n").unwrap();
    let out = portico(Some(&config), &["serve", "--listen", "0.0.0.0:0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("server.admin_token"),
        "{}",
        stderr(&out)
    );
}

/// Serves `body` over HTTPS on 127.0.0.1 with a fresh self-signed certificate; returns the
/// port and the certificate (PEM). Handles `connections` connections, then stops.
fn https_server(body: Vec<u8>, connections: usize) -> (u16, String) {
    use std::io::{Read, Write};
    use std::sync::Arc;
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .unwrap();
    let cert_pem = certified.cert.pem();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![certified.cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into()),
    )
    .unwrap();
    let config = Arc::new(config);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(connections) {
            let Ok(tcp) = stream else { continue };
            let Ok(conn) = rustls::ServerConnection::new(config.clone()) else {
                continue;
            };
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            let mut request = Vec::new();
            let mut buf = [0u8; 1024];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            if request.is_empty() {
                continue;
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/wasm\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = tls.write_all(head.as_bytes());
            let _ = tls.write_all(&body);
            let _ = tls.flush();
            tls.conn.send_close_notify();
            let _ = tls.flush();
        }
    });
    (port, cert_pem)
}

#[test]
fn install_from_an_https_url_with_digest_and_a_private_ca() {
    let bytes = std::fs::read(TEST_ECHO_V1).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    let (port, ca) = https_server(bytes, 3);
    let dir = tempfile::tempdir().unwrap();
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let config = dir.path().join("portico.yaml");
    std::fs::write(
        &config,
        "storage:\n  path: data\nplugins:\n  install_bundled: false\n",
    )
    .unwrap();
    let c = Some(config.as_path());
    let url = format!("https://127.0.0.1:{port}/echo.wasm");

    // An untrusted certificate is refused.
    let out = portico(c, &["plugin", "install", &url, "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("cannot download"), "{}", stderr(&out));

    // A wrong digest is refused.
    let out = portico(
        c,
        &[
            "plugin",
            "install",
            &url,
            "--yes",
            "--ca-cert",
            ca_file.to_str().unwrap(),
            "--sha256",
            &"0".repeat(64),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("digest mismatch"), "{}", stderr(&out));

    let out = portico(
        c,
        &[
            "plugin",
            "install",
            &url,
            "--yes",
            "--ca-cert",
            ca_file.to_str().unwrap(),
            "--sha256",
            &sha,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("installed test-echo 0.1.0"),
        "{}",
        stdout(&out)
    );

    let out = portico(
        c,
        &["plugin", "install", "http://127.0.0.1:1/x.wasm", "--yes"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("plain http"), "{}", stderr(&out));
}
