//! Builds the Python and JavaScript SDK examples from source for the tests, with the real
//! toolchains (componentize-py from PyPI, componentize-js from npm; `.ci/run` installs both).
//!
//! Builds take 11–30 s each, so a finished component is kept under the target directory,
//! named by a digest of everything that goes into it (SDK, example, WIT, toolchain version):
//! any source change rebuilds it. The compiled (wasmtime) form goes to one shared cache
//! directory for the same reason: compiling a 13–20 MB guest takes many seconds in a debug build.
#![allow(dead_code)]

use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

/// One SDK example: where its sources are and how to build it.
pub struct Example {
    pub id: &'static str,
    pub lang: Lang,
    /// The project directory, relative to the repository root.
    pub project: &'static str,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Python,
    Js,
    /// clang + wasi-libc + `wit-bindgen c` + wasm-component-ld, driven by the project's build.sh.
    C,
}

pub const PY_SCORECARD: Example = Example {
    id: "py-scorecard",
    lang: Lang::Python,
    project: "sdk/python/examples/scorecard",
};

pub const JS_ONCALL: Example = Example {
    id: "js-oncall",
    lang: Lang::Js,
    project: "sdk/js/examples/oncall",
};

pub const C_NAMING: Example = Example {
    id: "c-naming",
    lang: Lang::C,
    project: "sdk/c/examples/naming-check",
};

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Shared by the tests of one run and across runs (see the module docs).
pub fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("polyglot-plugins");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The wasmtime compile cache shared by the tests (artifacts are keyed by component digest
/// and engine settings, so sharing is safe).
pub fn compiled_dir() -> PathBuf {
    work_dir().join("compiled")
}

static BUILD_LOCK: Mutex<()> = Mutex::new(());

/// The packed component of `example`, built from source unless an identical build exists.
pub fn component(example: &Example) -> PathBuf {
    let _guard = BUILD_LOCK.lock().unwrap_or_else(|e| e.into_inner());
    let root = repo_root();
    let sdk = match example.lang {
        Lang::Python => root.join("sdk/python/portico_sdk"),
        Lang::Js => root.join("sdk/js/src"),
        Lang::C => root.join("sdk/c/README.md"),
    };
    let mut inputs = vec![sdk, root.join(example.project), root.join("wit/v0.1.0")];
    if example.lang == Lang::Js {
        inputs.push(root.join("sdk/js/build.mjs"));
        inputs.push(root.join("sdk/js/package-lock.json"));
    }
    let digest = digest_tree(&inputs, &toolchain_version(example.lang));
    let out = work_dir().join(format!("{}-{}.wasm", example.id, &digest[..16]));
    if !out.exists() {
        build(example, &out);
    }
    precompile(&out);
    out
}

/// Compiles `component` into the shared cache once, while the build lock is held: tests that
/// install the same big guest in parallel then all load it instead of each compiling it.
fn precompile(component: &Path) {
    let bytes = std::fs::read(component).unwrap();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let engine =
        portico::runtime::PorticoEngine::new(&portico::runtime::EngineSettings::default()).unwrap();
    let cache = portico::runtime::ArtifactCache::new(&compiled_dir(), &engine.engine).unwrap();
    cache.load(&engine.engine, &bytes, &sha256).unwrap();
}

/// Builds `project` (any directory with plugin.toml and the entry module) into `out`.
pub fn build_project(lang: Lang, project: &Path, out: &Path) {
    let root = repo_root();
    let portico = env!("CARGO_BIN_EXE_portico");
    let tmp_out = out.with_extension(format!("tmp{}.wasm", std::process::id()));
    if lang == Lang::C {
        let output = Command::new("sh")
            .arg(project.join("build.sh"))
            .env("PORTICO", portico)
            .env("WIT_BINDGEN", wit_bindgen())
            .output()
            .expect("cannot run sh");
        assert!(
            output.status.success(),
            "the C build of {} failed (needs clang, lld, wasi-libc and libclang-rt-14-dev-wasm32 from apt, and wit-bindgen-cli: .ci/run installs them):\n{}\n{}",
            project.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        // build.sh leaves one packed component in build/.
        let built = std::fs::read_dir(project.join("build"))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|e| e == "wasm"))
            .expect("build.sh wrote no .wasm into build/");
        std::fs::copy(&built, &tmp_out).unwrap();
        std::fs::rename(&tmp_out, out).unwrap();
        return;
    }
    let mut command = match lang {
        Lang::C => unreachable!("built above"),
        Lang::Python => {
            let mut c = Command::new(python());
            c.args(["-m", "portico_sdk.build"])
                .arg(project)
                .arg("--out")
                .arg(&tmp_out)
                .args(["--portico", portico])
                .env("PYTHONPATH", root.join("sdk/python"));
            c
        }
        Lang::Js => {
            assert!(
                root.join("sdk/js/node_modules/@bytecodealliance/componentize-js")
                    .is_dir(),
                "componentize-js is not installed: run `npm ci` in sdk/js (.ci/run does)"
            );
            let mut c = Command::new("node");
            c.arg(root.join("sdk/js/build.mjs"))
                .arg(project)
                .arg("--out")
                .arg(&tmp_out)
                .args(["--portico", portico]);
            c
        }
    };
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("cannot run the {lang:?} build ({command:?}): {e}"));
    assert!(
        output.status.success(),
        "the {lang:?} build of {} failed:\n{}\n{}",
        project.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::rename(&tmp_out, out).unwrap();
}

fn build(example: &Example, out: &Path) {
    build_project(example.lang, &repo_root().join(example.project), out);
}

/// `$WIT_BINDGEN`, else the copy `.ci/run` installs under the target directory, else PATH.
fn wit_bindgen() -> PathBuf {
    if let Some(path) = std::env::var_os("WIT_BINDGEN") {
        return PathBuf::from(path);
    }
    let installed = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("tools/bin/wit-bindgen");
    if installed.exists() {
        installed
    } else {
        PathBuf::from("wit-bindgen")
    }
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".into())
}

/// The toolchain's version, part of the build digest.
fn toolchain_version(lang: Lang) -> String {
    match lang {
        Lang::Python => {
            let output = Command::new(python())
                .args([
                    "-c",
                    "import importlib.metadata as m; print(m.version('componentize-py'))",
                ])
                .output()
                .expect("cannot run python3");
            assert!(
                output.status.success(),
                "componentize-py is not installed: `pip install -r sdk/python/requirements.txt` (.ci/run does)"
            );
            String::from_utf8_lossy(&output.stdout).trim().to_string()
        }
        Lang::C => {
            let output = Command::new(wit_bindgen())
                .arg("--version")
                .output()
                .expect("wit-bindgen is not installed: `cargo install wit-bindgen-cli --version 0.46.0` (.ci/run does)");
            let clang = Command::new("clang")
                .arg("--version")
                .output()
                .expect("clang is not installed: `apt install clang lld wasi-libc libclang-rt-14-dev-wasm32` (.ci/run does)");
            format!(
                "{}{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&clang.stdout)
            )
        }
        Lang::Js => std::fs::read_to_string(
            repo_root().join("sdk/js/node_modules/@bytecodealliance/componentize-js/package.json"),
        )
        .expect("componentize-js is not installed: run `npm ci` in sdk/js (.ci/run does)"),
    }
}

/// sha256 over the relative paths and contents of every file under `roots` (skipping build
/// output and caches), plus `extra`.
fn digest_tree(roots: &[PathBuf], extra: &str) -> String {
    let mut files = Vec::new();
    for root in roots {
        collect(root, &mut files);
    }
    files.sort();
    let mut hasher = Sha256::new();
    hasher.update(extra.as_bytes());
    for file in files {
        hasher.update(file.to_string_lossy().as_bytes());
        hasher.update(std::fs::read(&file).unwrap());
    }
    hex::encode(hasher.finalize())
}

fn collect(path: &Path, files: &mut Vec<PathBuf>) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    let Ok(entries) = std::fs::read_dir(path) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if matches!(name.as_ref(), "build" | "node_modules" | "__pycache__") {
            continue;
        }
        collect(&entry.path(), files);
    }
}
