//! `portico plugin new` and `portico plugin dev`, run as the real binary: new projects in each
//! language for each world, built with their own build.sh (Rust for every world; Python and
//! JavaScript for one world each, their builds take 15–30 s), unit-tested with their own
//! test.sh, and installed into a running host; the dev loop rebuilds and hot-reloads on a change.

mod common;
mod guest_build;

use common::TestHost;
use portico::runtime::CallContext;
use portico_storage::OrgId;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PORTICO: &str = env!("CARGO_BIN_EXE_portico");

fn portico(args: &[&str], cwd: &Path) -> std::process::Output {
    Command::new(PORTICO)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn new_project(dir: &Path, lang: &str, world: &str, id: &str, caps: &[&str]) -> PathBuf {
    let mut args = vec!["plugin", "new", id, "--lang", lang, "--world", world];
    for cap in caps {
        args.extend(["--capability", cap]);
    }
    let output = portico(&args, dir);
    assert!(
        output.status.success(),
        "plugin new failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    dir.join(id)
}

/// Runs a project's script (build.sh / test.sh) with `portico` on PATH.
fn run_script(project: &Path, script: &str, envs: &[(&str, &Path)]) -> String {
    let bin_dir = Path::new(PORTICO).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut command = Command::new("sh");
    command.arg(script).current_dir(project).env("PATH", path);
    for (key, value) in envs {
        command.env(key, value);
    }
    let output = command.output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "{script} failed in {}:\n{text}",
        project.display()
    );
    text
}

/// A Rust target dir shared by the generated projects (and across runs), so only the
/// first build compiles wit-bindgen and serde.
fn rust_target() -> PathBuf {
    guest_build::work_dir().join("rust-projects-target")
}

fn inspect_json(file: &Path) -> serde_json::Value {
    let output = portico(
        &["plugin", "inspect", "--json", file.to_str().unwrap()],
        Path::new("."),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn new_rust_projects_build_and_test_for_every_world() {
    let dir = tempfile::tempdir().unwrap();
    for world in [
        "entity-view",
        "check",
        "entity-provider",
        "action",
        "docs-renderer",
    ] {
        let id = format!("rs-{world}");
        let project = new_project(
            dir.path(),
            "rust",
            world,
            &id,
            &["kv", "http:api.example.com"],
        );
        // The workspace's lock file: the same dependency versions, no index update needed.
        std::fs::copy(
            guest_build::repo_root().join("Cargo.lock"),
            project.join("Cargo.lock"),
        )
        .unwrap();
        run_script(
            &project,
            "build.sh",
            &[("CARGO_TARGET_DIR", &rust_target())],
        );
        let built = project.join("build").join(format!("{id}.wasm"));
        let package = inspect_json(&built);
        assert_eq!(package["manifest"]["id"], id.as_str());
        assert_eq!(package["manifest"]["worlds"][0], world);
        let caps = package["manifest"]["capabilities"].to_string();
        assert!(
            caps.contains("api.example.com") && caps.contains("kv"),
            "{caps}"
        );
        assert!(
            package["issues"]
                .as_array()
                .unwrap()
                .iter()
                .all(|i| i["severity"] != "error"),
            "{package}"
        );
    }
    // The unit test of one project (the logic is the same in each).
    let out = run_script(
        &dir.path().join("rs-check"),
        "test.sh",
        &[("CARGO_TARGET_DIR", &rust_target())],
    );
    assert!(out.contains("describes_the_owner ... ok"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_python_and_js_projects_build_test_and_run_in_the_host() {
    let dir = tempfile::tempdir().unwrap();
    let py = new_project(dir.path(), "python", "check", "py-new", &[]);
    let js = new_project(dir.path(), "js", "entity-view", "js-new", &[]);
    // The project's lock file pins the SDK's tested versions and matches its package.json.
    let npm = Command::new("npm")
        .args(["ci", "--dry-run", "--no-audit", "--no-fund"])
        .current_dir(&js)
        .output()
        .unwrap();
    assert!(
        npm.status.success(),
        "package-lock.json does not match package.json: {}",
        String::from_utf8_lossy(&npm.stderr)
    );
    // The JS project uses the SDK's installed packages instead of a second `npm ci`.
    std::os::unix::fs::symlink(
        guest_build::repo_root().join("sdk/js/node_modules"),
        js.join("node_modules"),
    )
    .unwrap();

    let out = run_script(&py, "test.sh", &[]);
    assert!(
        out.contains("test_names_the_owner") && out.contains("OK"),
        "{out}"
    );
    let out = run_script(&js, "test.sh", &[]);
    assert!(out.contains("# pass 2"), "{out}");

    run_script(&py, "build.sh", &[]);
    run_script(&js, "build.sh", &[]);
    let js_package = inspect_json(&js.join("build/js-new.wasm"));
    assert_eq!(js_package["manifest"]["id"], "js-new");

    let host = TestHost::with_options(
        portico::plugins::PluginPolicy {
            default_limits: {
                let mut l = common::test_limits();
                l.memory_bytes = 128 * 1024 * 1024;
                l.deadlines.view = Duration::from_secs(10);
                l.deadlines.check = Duration::from_secs(10);
                l
            },
            ..Default::default()
        },
        &[],
        Some(&guest_build::compiled_dir()),
    );
    host.install(py.join("build/py-new.wasm").to_str().unwrap(), &[]);
    host.install(js.join("build/js-new.wasm").to_str().unwrap(), &[]);
    let ctx = CallContext::org(OrgId::default_org());
    let results = host
        .runtime
        .evaluate_checks("py-new", &ctx, common::entity("payments"))
        .await
        .unwrap();
    let results = serde_json::to_string(&results).unwrap();
    assert!(results.contains("payments is owned by team-a"), "{results}");
    let view = host
        .runtime
        .render_view(
            "js-new",
            &ctx,
            "js-new".into(),
            common::entity("payments"),
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(common::first_text(&view), "payments is owned by team-a");
}

#[test]
fn plugin_new_refuses_bad_input_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let bad_id = portico(
        &[
            "plugin", "new", "Bad_Name", "--lang", "python", "--world", "check",
        ],
        dir.path(),
    );
    assert!(!bad_id.status.success());
    assert!(String::from_utf8_lossy(&bad_id.stderr).contains("not a valid plugin id"));
    let bad_world = portico(
        &["plugin", "new", "ok", "--lang", "js", "--world", "nope"],
        dir.path(),
    );
    assert!(!bad_world.status.success());
    assert!(String::from_utf8_lossy(&bad_world.stderr).contains("unknown world"));
    let bad_cap = portico(
        &[
            "plugin",
            "new",
            "ok",
            "--lang",
            "js",
            "--world",
            "check",
            "--capability",
            "root",
        ],
        dir.path(),
    );
    assert!(!bad_cap.status.success());
    assert!(String::from_utf8_lossy(&bad_cap.stderr).contains("unknown capability"));
    // An existing project is never overwritten.
    new_project(dir.path(), "python", "check", "twice", &[]);
    let again = portico(
        &[
            "plugin", "new", "twice", "--lang", "python", "--world", "check",
        ],
        dir.path(),
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
    assert!(
        !dir.path().join("ok").exists(),
        "nothing is written on error"
    );
}

// ------------------------------------------------------------------------ plugin dev

/// A project whose build.sh "compiles" by picking the test-echo fixture named in
/// `version.txt`: the dev loop's watching, rebuilding and reloading, without a compiler's
/// minute per build.
fn echo_project(dir: &Path) -> PathBuf {
    use portico_bundled_plugins::fixtures::{TEST_ECHO_V1, TEST_ECHO_V2};
    let project = dir.join("echo");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("plugin.toml"),
        "id = \"test-echo\"\nversion = \"0.1.0\"\nname = \"Test echo\"\ndescription = \"d\"\nwit = \"0.2.0\"\nworlds = [\"entity-view\"]\n",
    )
    .unwrap();
    std::fs::write(project.join("version.txt"), "v1\n").unwrap();
    std::fs::write(
        project.join("build.sh"),
        format!(
            "set -eu\nmkdir -p build\ncase \"$(cat version.txt)\" in\n  v1) cp '{TEST_ECHO_V1}' build/test-echo.wasm ;;\n  v2) cp '{TEST_ECHO_V2}' build/test-echo.wasm ;;\n  *) echo \"syntax error in version.txt\" >&2; exit 1 ;;\nesac\n"
        ),
    )
    .unwrap();
    project
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn echo_text(host: &TestHost) -> Option<String> {
    let ctx = CallContext::org(OrgId::default_org());
    let view = host
        .runtime
        .render_view(
            "test-echo",
            &ctx,
            "echo".into(),
            common::entity("svc"),
            vec![],
        )
        .await
        .ok()?;
    Some(common::first_text(&view))
}

async fn wait_for(host: &TestHost, expected: &str) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if echo_text(host).await.as_deref() == Some(expected) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {expected:?}, last: {:?}",
            echo_text(host).await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugin_dev_rebuilds_and_hot_reloads_into_the_running_portal() {
    let dir = tempfile::tempdir().unwrap();
    let project = echo_project(dir.path());
    let host = TestHost::new();
    let addr = host.serve().await;
    let child = Command::new(PORTICO)
        .args([
            "plugin",
            "dev",
            project.to_str().unwrap(),
            "--server",
            &format!("http://{addr}"),
        ])
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _child = KillOnDrop(child);

    wait_for(&host, "echo 0.1.0 svc").await;
    // A change the build rejects leaves the installed version serving.
    std::fs::write(project.join("version.txt"), "v9\n").unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(echo_text(&host).await.as_deref(), Some("echo 0.1.0 svc"));
    // The fix is picked up, rebuilt and swapped in without a restart.
    std::fs::write(project.join("version.txt"), "v2\n").unwrap();
    wait_for(&host, "echo 0.2.0 svc").await;
    // Build output does not retrigger the loop: the version stays.
    std::fs::write(project.join("build").join("scratch"), "x").unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(echo_text(&host).await.as_deref(), Some("echo 0.2.0 svc"));
}

#[test]
fn plugin_dev_once_reports_a_failed_build() {
    let dir = tempfile::tempdir().unwrap();
    let project = echo_project(dir.path());
    std::fs::write(project.join("version.txt"), "broken\n").unwrap();
    let output = portico(
        &[
            "plugin",
            "dev",
            project.to_str().unwrap(),
            "--once",
            "--server",
            "http://127.0.0.1:9",
        ],
        dir.path(),
    );
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("build.sh failed"), "{stderr}");
    assert!(stderr.contains("syntax error in version.txt"), "{stderr}");
}

#[test]
fn plugin_dev_once_installs_into_the_data_directory_without_a_server() {
    let dir = tempfile::tempdir().unwrap();
    let project = echo_project(dir.path());
    let output = portico(
        &["plugin", "dev", project.to_str().unwrap(), "--once"],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("installed test-echo 0.1.0"));
    let list = portico(&["plugin", "list", "--json"], dir.path());
    let records: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let echo = records
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "test-echo")
        .unwrap_or_else(|| panic!("test-echo is not installed: {records}"));
    assert_eq!(echo["current"]["version"], "0.1.0");
}

/// Without a `portico` binary the Python and JavaScript builds append the manifest section
/// themselves: the bytes must be exactly what `portico plugin pack` writes.
#[test]
fn sdk_fallback_packers_write_what_plugin_pack_writes() {
    use portico_bundled_plugins::fixtures::TEST_ECHO_V1;
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("plugin.toml");
    std::fs::write(
        &manifest,
        "id = \"packed\"\nversion = \"1.2.3\"\nname = \"Packed\"\ndescription = \"d\"\nwit = \"0.2.0\"\nworlds = [\"entity-view\"]\n",
    )
    .unwrap();
    let packed = dir.path().join("packed.wasm");
    let output = portico(
        &[
            "plugin",
            "pack",
            TEST_ECHO_V1,
            "--manifest",
            manifest.to_str().unwrap(),
            "-o",
            packed.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let expected = std::fs::read(&packed).unwrap();

    let root = guest_build::repo_root();
    let py = dir.path().join("py.wasm");
    let status = Command::new("python3")
        .args([
            "-c",
            "import sys; from portico_sdk.build import append_custom_section as a; \
             open(sys.argv[3], 'wb').write(a(open(sys.argv[1], 'rb').read(), 'portico:manifest', open(sys.argv[2], 'rb').read()))",
            TEST_ECHO_V1,
            manifest.to_str().unwrap(),
            py.to_str().unwrap(),
        ])
        .env("PYTHONPATH", root.join("sdk/python"))
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::read(&py).unwrap() == expected,
        "the Python packer differs"
    );

    let js = dir.path().join("js.wasm");
    let script = format!(
        "import {{ appendCustomSection }} from '{}'; import {{ readFileSync, writeFileSync }} from 'node:fs'; \
         const [c, m, o] = process.argv.slice(1); writeFileSync(o, appendCustomSection(readFileSync(c), 'portico:manifest', readFileSync(m)));",
        root.join("sdk/js/build.mjs").display()
    );
    let status = Command::new("node")
        .args(["--input-type=module", "-e", &script])
        .args([
            TEST_ECHO_V1,
            manifest.to_str().unwrap(),
            js.to_str().unwrap(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        std::fs::read(&js).unwrap() == expected,
        "the JavaScript packer differs"
    );
}
