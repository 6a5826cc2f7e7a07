//! Plugin runtime costs: cold compile, cached load, and a view call through Portico's full
//! path (limits, capability wiring, fresh store and instance, result-size check) next to a bare
//! wasmtime `InstancePre` baseline on the same engine and the same guest.
//!
//! Run: `cargo bench -p portico --bench runtime`. Figures go to docs/benchmarks.md.

use criterion::{Criterion, criterion_group, criterion_main};
use portico::runtime::bindings::latest::views;
use portico::runtime::{
    ArtifactCache, CallContext, EngineSettings, HostServices, NoCatalog, PorticoEngine, Runtime,
};
use portico::secrets::SecretStore;
use portico_bundled_plugins::fixtures::TEST_ECHO_V1;
use portico_storage::{OrgId, SledStorage, Storage};
use std::sync::Arc;
use wasmtime::Store;
use wasmtime::component::{Component, Linker};

fn entity() -> portico::runtime::bindings::latest::Entity {
    portico::runtime::bindings::latest::Entity {
        ref_: portico::runtime::bindings::latest::EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: "svc".into(),
        },
        descriptor: r#"{"kind":"Component","metadata":{"name":"svc"}}"#.into(),
    }
}

fn bench(c: &mut Criterion) {
    let bytes = std::fs::read(TEST_ECHO_V1).unwrap();
    let engine = PorticoEngine::new(&EngineSettings::default()).unwrap();
    let tokio = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("component");
    group.sample_size(10);
    group.bench_function("cold compile (Component::new)", |b| {
        b.iter(|| Component::new(&engine.engine, &bytes).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let cache = ArtifactCache::new(dir.path(), &engine.engine).unwrap();
    cache.load(&engine.engine, &bytes, "bench").unwrap();
    group.bench_function("cached load (digest check + deserialize_file)", |b| {
        b.iter(|| cache.load(&engine.engine, &bytes, "bench").unwrap())
    });
    group.finish();

    // Bare baseline: same engine config (pooling when available, epochs), imports stubbed.
    let component = Component::new(&engine.engine, &bytes).unwrap();
    let mut linker = Linker::<()>::new(&engine.engine);
    linker.define_unknown_imports_as_traps(&component).unwrap();
    let pre = linker.instantiate_pre(&component).unwrap();
    let indices = views::GuestIndices::new(&pre).unwrap();

    // Portico's full path.
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let services = Arc::new(HostServices::new(
        storage.clone(),
        Arc::new(SecretStore::default()),
        Arc::new(NoCatalog),
    ));
    let runtime = Arc::new(Runtime::new(&EngineSettings::default(), dir.path(), services).unwrap());
    let manager = portico::plugins::PluginManager::new(
        storage,
        OrgId::default_org(),
        runtime.clone(),
        Default::default(),
    );
    manager
        .install(
            &bytes,
            &portico::plugins::InstallOptions {
                expected_sha256: None,
                grants: portico::plugins::manager::GrantChoice::AllRequested,
            },
        )
        .unwrap();
    let ctx = CallContext::org(OrgId::default_org());

    let mut group = c.benchmark_group("instantiate + render call");
    group.bench_function("bare wasmtime InstancePre", |b| {
        b.iter(|| {
            tokio.block_on(async {
                let mut store = Store::new(&engine.engine, ());
                store.set_epoch_deadline(1000);
                let instance = pre.instantiate_async(&mut store).await.unwrap();
                let guest = indices.load(&mut store, &instance).unwrap();
                guest
                    .call_render(&mut store, "echo", &entity(), &[])
                    .await
                    .unwrap()
                    .unwrap()
            })
        })
    });
    group.bench_function("Portico full path (Runtime::render_view)", |b| {
        b.iter(|| {
            tokio
                .block_on(runtime.render_view("test-echo", &ctx, "echo".into(), entity(), vec![]))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
