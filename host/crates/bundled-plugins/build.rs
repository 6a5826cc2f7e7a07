//! Builds every plugin crate under `plugins/` for `wasm32-wasip2` (profile `release`, or
//! `wasm-plugins` when the workspace's Cargo.toml defines that profile), the way
//! wasmtime's `test-programs-artifacts` builds its guests: a nested `cargo build` with the
//! workspace's `Cargo.lock` (`--locked`) into its own target directory
//! (`<target>/wasm-plugins`), so it never waits on the outer build's lock. The components are
//! copied into `OUT_DIR`; `src/lib.rs` includes the generated `bundled.rs`.
//!
//! A plugin whose id starts with `test-` is a test fixture (exposed as a path); any other is
//! bundled (its bytes are included). A plugin crate with a cargo feature `v2` is built twice,
//! without and with it, giving `<ID>_V1` and `<ID>_V2`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

struct Plugin {
    package: String,
    id: String,
    version: String,
    has_v2: bool,
}

fn main() {
    let manifest_dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.join("../../..").canonicalize().unwrap();
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").unwrap());
    for path in ["plugins", "sdk/rust", "wit", "Cargo.lock", "Cargo.toml"] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    println!("cargo:rerun-if-env-changed=CARGO_TARGET_DIR");

    let plugins = discover(&root.join("plugins"));
    ensure_target_installed();
    let target_dir = target_dir(&root, &out_dir).join("wasm-plugins");
    let profile = profile(&root);
    let built = target_dir.join(TARGET).join(profile);
    let artifact = |p: &Plugin| built.join(format!("{}.wasm", p.package.replace('-', "_")));

    let packages: Vec<&str> = plugins.iter().map(|p| p.package.as_str()).collect();
    cargo_build(&root, &target_dir, profile, &packages, None);
    let mut files = Vec::new();
    for p in &plugins {
        let file = out_dir.join(format!("{}.wasm", p.id));
        copy(&artifact(p), &file);
        files.push((
            p,
            file,
            p.version.clone(),
            if p.has_v2 { "_V1" } else { "" },
        ));
    }
    for p in plugins.iter().filter(|p| p.has_v2) {
        let feature = format!("{}/v2", p.package);
        cargo_build(&root, &target_dir, profile, &[&p.package], Some(&feature));
        let file = out_dir.join(format!("{}-v2.wasm", p.id));
        copy(&artifact(p), &file);
        files.push((p, file, String::new(), "_V2"));
    }

    let mut code = String::new();
    code.push_str("/// First-party plugins shipped with the portal.\npub const BUNDLED: &[BundledPlugin] = &[\n");
    for (p, file, version, _) in files
        .iter()
        .filter(|(p, _, _, suffix)| !p.id.starts_with("test-") && *suffix != "_V2")
    {
        let name = file.file_name().unwrap().to_str().unwrap();
        writeln!(
            code,
            "    BundledPlugin {{ id: {:?}, version: {:?}, file_name: {:?}, bytes: include_bytes!({:?}) }},",
            p.id, version, name, file.display().to_string()
        )
        .unwrap();
    }
    code.push_str("];\n\n/// Absolute paths of the test-fixture components, for the host's tests.\npub mod fixtures {\n");
    for (p, file, _, suffix) in files.iter().filter(|(p, ..)| p.id.starts_with("test-")) {
        let constant = format!("{}{suffix}", p.id.to_uppercase().replace('-', "_"));
        writeln!(
            code,
            "    /// `plugins/{}` ({}).\n    pub const {constant}: &str = {:?};",
            p.id,
            file.file_name().unwrap().to_str().unwrap(),
            file.display().to_string()
        )
        .unwrap();
    }
    code.push_str("}\n");
    fs::write(out_dir.join("bundled.rs"), code).unwrap();
}

/// Plugin crates: `plugins/*/` with a `Cargo.toml` and a `plugin.toml`, sorted by directory.
fn discover(plugins_dir: &Path) -> Vec<Plugin> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(plugins_dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", plugins_dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|d| d.join("Cargo.toml").is_file() && d.join("plugin.toml").is_file())
        .collect();
    dirs.sort();
    dirs.iter()
        .map(|dir| {
            let cargo = read_toml(&dir.join("Cargo.toml"));
            let manifest = read_toml(&dir.join("plugin.toml"));
            let field = |t: &toml::Table, path: &[&str], file: &str| -> String {
                let mut v = t.get(path[0]);
                for key in &path[1..] {
                    v = v.and_then(|v| v.get(key));
                }
                v.and_then(|v| v.as_str())
                    .unwrap_or_else(|| {
                        panic!("{}/{file}: missing `{}`", dir.display(), path.join("."))
                    })
                    .to_string()
            };
            Plugin {
                package: field(&cargo, &["package", "name"], "Cargo.toml"),
                id: field(&manifest, &["id"], "plugin.toml"),
                version: field(&manifest, &["version"], "plugin.toml"),
                has_v2: cargo.get("features").and_then(|f| f.get("v2")).is_some(),
            }
        })
        .collect()
}

fn read_toml(path: &Path) -> toml::Table {
    let text =
        fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    text.parse()
        .unwrap_or_else(|e| panic!("{} is not valid TOML: {e}", path.display()))
}

/// The outer build's target directory: `CARGO_TARGET_DIR`, else the ancestor of `OUT_DIR`
/// that holds cargo's `CACHEDIR.TAG`, else `<workspace>/target`.
fn target_dir(root: &Path, out_dir: &Path) -> PathBuf {
    if let Some(dir) = env::var_os("CARGO_TARGET_DIR") {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() {
            dir
        } else {
            root.join(dir)
        };
    }
    out_dir
        .ancestors()
        .find(|d| d.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.join("target"))
}

/// Fails with instructions when the toolchain cannot build for `wasm32-wasip2`, after trying
/// `rustup target add` once.
fn ensure_target_installed() {
    let rustc = env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let installed = || {
        Command::new(&rustc)
            .args(["--print", "target-libdir", "--target", TARGET])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .is_some_and(|dir| dir.is_dir())
    };
    if installed() {
        return;
    }
    println!("cargo:warning=the {TARGET} target is missing; running `rustup target add {TARGET}`");
    let added = Command::new("rustup")
        .args(["target", "add", TARGET])
        .status()
        .is_ok_and(|s| s.success());
    if !added || !installed() {
        panic!(
            "Portico's plugins are built for {TARGET}, which this toolchain lacks.\n\
             Run `rustup target add {TARGET}` (rust-toolchain.toml lists it), then build again."
        );
    }
}

/// The cargo profile for plugins: `wasm-plugins` when the workspace defines it (small wasm:
/// `opt-level = "s"`, LTO, strip...), otherwise `release`.
fn profile(root: &Path) -> &'static str {
    let workspace = read_toml(&root.join("Cargo.toml"));
    let defined = workspace
        .get("profile")
        .and_then(|p| p.get("wasm-plugins"))
        .is_some();
    if defined { "wasm-plugins" } else { "release" }
}

/// `cargo build --profile <profile> --target wasm32-wasip2 --locked -p ...` in a clean
/// environment.
fn cargo_build(
    root: &Path,
    target_dir: &Path,
    profile: &str,
    packages: &[&str],
    features: Option<&str>,
) {
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args([
            "build",
            "--profile",
            profile,
            "--locked",
            "--target",
            TARGET,
        ])
        .arg("--target-dir")
        .arg(target_dir);
    for p in packages {
        cmd.args(["-p", p]);
    }
    if let Some(features) = features {
        cmd.args(["--features", features]);
    }
    // Settings of the outer build that must not leak into the nested one (host flags,
    // clippy's wrapper when run under `cargo clippy`, the outer target).
    for var in [
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "CARGO_BUILD_RUSTFLAGS",
        "CARGO_TARGET_DIR",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_TARGET_DIR",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CLIPPY_CONF_DIR",
        "CARGO_PRIMARY_PACKAGE",
        "__CARGO_FIX_PLZ",
        "CARGO_LLVM_COV",
        "LLVM_PROFILE_FILE",
    ] {
        cmd.env_remove(var);
    }
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("CARGO_FEATURE_") || key.starts_with("CARGO_CFG_") {
            cmd.env_remove(key.as_ref());
        }
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("cannot run cargo to build the plugins: {e}"));
    if !status.success() {
        panic!(
            "building the plugins for {TARGET} failed ({status}); the nested command was:\n  \
             cd {} && cargo build --profile {profile} --locked --target {TARGET} --target-dir {} {}{}",
            root.display(),
            target_dir.display(),
            packages
                .iter()
                .map(|p| format!("-p {p} "))
                .collect::<String>(),
            features
                .map(|f| format!("--features {f}"))
                .unwrap_or_default(),
        );
    }
}

fn copy(from: &Path, to: &Path) {
    fs::copy(from, to)
        .unwrap_or_else(|e| panic!("cannot copy {} to {}: {e}", from.display(), to.display()));
}
