//! The same plugin logic in Rust, Python and JavaScript: the `check` project that
//! `portico plugin new --world check` writes for each language (one `has-owner` check that
//! parses the entity and formats a message). Measures component size, cold compile, cached
//! load and one `evaluate` call through Portico's full path (fresh store and instance, limits).
//!
//! Run: `cargo bench -p portico --bench polyglot` (needs componentize-py and sdk/js's
//! node_modules, as the tests do). Figures go to docs/benchmarks.md.

#[path = "../tests/guest_build/mod.rs"]
mod guest_build;

use criterion::{Criterion, criterion_group, criterion_main};
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::{
    ArtifactCache, CallContext, EngineSettings, HostServices, NoCatalog, PorticoEngine, Runtime,
};
use portico::secrets::SecretStore;
use portico_storage::{OrgId, SledStorage, Storage};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};
use wasmtime::component::Component;

const LANGS: [&str; 3] = ["rust", "python", "js"];

/// Generates (once) and builds the `check` project of `lang`; returns the component.
fn component(lang: &str) -> PathBuf {
    let dir = guest_build::work_dir().join("bench");
    let id = format!("bench-{lang}");
    let project = dir.join(&id);
    let built = project.join("build").join(format!("{id}.wasm"));
    if built.exists() {
        return built;
    }
    std::fs::create_dir_all(&dir).unwrap();
    let portico = env!("CARGO_BIN_EXE_portico");
    let status = Command::new(portico)
        .args(["plugin", "new", &id, "--lang", lang, "--world", "check"])
        .current_dir(&dir)
        .status()
        .unwrap();
    assert!(status.success());
    if lang == "js" {
        std::os::unix::fs::symlink(
            guest_build::repo_root().join("sdk/js/node_modules"),
            project.join("node_modules"),
        )
        .unwrap();
    }
    if lang == "rust" {
        std::fs::copy(
            guest_build::repo_root().join("Cargo.lock"),
            project.join("Cargo.lock"),
        )
        .unwrap();
    }
    let path = format!(
        "{}:{}",
        Path::new(portico).parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let status = Command::new("sh")
        .arg("build.sh")
        .current_dir(&project)
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", dir.join("rust-target"))
        .status()
        .unwrap();
    assert!(status.success(), "building the {lang} project failed");
    built
}

fn entity() -> Entity {
    Entity {
        ref_: EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: "payments".into(),
        },
        descriptor: r#"{"apiVersion":"backstage.io/v1alpha1","kind":"Component","metadata":{"name":"payments"},"spec":{"owner":"team-a"}}"#.into(),
    }
}

fn bench(c: &mut Criterion) {
    let engine = PorticoEngine::new(&EngineSettings::default()).unwrap();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    for lang in LANGS {
        let path = component(lang);
        let bytes = std::fs::read(&path).unwrap();
        println!("{lang}: component {} bytes", bytes.len());

        // Cold compile once (12–20 MB guests take seconds; criterion's minimum of 10 samples
        // would take minutes for nothing).
        let started = Instant::now();
        Component::new(&engine.engine, &bytes).unwrap();
        println!(
            "{lang}: cold compile (Component::new) {:.3} s",
            started.elapsed().as_secs_f64()
        );

        let cache_dir = tempfile::tempdir().unwrap();
        let cache = ArtifactCache::new(cache_dir.path(), &engine.engine).unwrap();
        cache.load(&engine.engine, &bytes, lang).unwrap();
        let mut group = c.benchmark_group(lang);
        group.sample_size(20);
        group.measurement_time(Duration::from_secs(5));
        group.bench_function("cached load (digest check + deserialize_file)", |b| {
            b.iter(|| cache.load(&engine.engine, &bytes, lang).unwrap())
        });

        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
        let services = Arc::new(HostServices::new(
            storage.clone(),
            Arc::new(SecretStore::default()),
            Arc::new(NoCatalog),
        ));
        let runtime =
            Arc::new(Runtime::new(&EngineSettings::default(), dir.path(), services).unwrap());
        let manager = PluginManager::new(
            storage,
            OrgId::default_org(),
            runtime.clone(),
            PluginPolicy::default(),
        );
        manager
            .install(
                &bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::AllRequested,
                },
            )
            .unwrap();
        let id = format!("bench-{lang}");
        let ctx = CallContext::org(OrgId::default_org());
        group.bench_function("evaluate through the host (fresh instance)", |b| {
            b.iter(|| {
                tokio
                    .block_on(runtime.evaluate_checks(&id, &ctx, entity()))
                    .unwrap()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
