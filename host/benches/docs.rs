//! Docs costs: a page rendered by the bundled `docs` plugin through the docs service (catalog
//! lookup, `has-docs`, a fresh instance with the docs folder mounted, Markdown rendering,
//! sanitizing, indexing) against the same page from the cache; sanitizing alone; and the
//! search index (one page indexed, queries over 5,000 pages of synthetic prose).
//!
//! Run: `cargo bench -p portico --bench docs`. Figures go to docs/benchmarks.md.

use criterion::{Criterion, criterion_group, criterion_main};
use portico::docs::folder::FolderPolicy;
use portico::docs::sanitize::Sanitizer;
use portico::docs::search::{IndexedPage, SearchIndex};
use portico::docs::{DocsOptions, DocsService};
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::{EngineSettings, HostServices, Runtime};
use portico::secrets::SecretStore;
use portico_storage::{OrgId, SledStorage, Storage};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const WORDS: &[&str] = &[
    "deploy",
    "rollback",
    "canary",
    "service",
    "database",
    "migration",
    "latency",
    "alert",
    "runbook",
    "incident",
    "cluster",
    "kubernetes",
    "ingress",
    "secret",
    "token",
    "cache",
    "queue",
    "consumer",
    "producer",
    "schema",
    "backup",
    "restore",
    "region",
    "failover",
    "owner",
    "team",
    "oncall",
    "pager",
    "metric",
    "dashboard",
    "trace",
    "log",
    "sandbox",
    "plugin",
    "catalog",
    "component",
    "api",
    "version",
    "release",
    "pipeline",
];

/// Distinct words in the synthetic corpus: the common ones above, then `w<N>` words.
const VOCABULARY: usize = 20_000;

/// Deterministic pseudo-random text of `n` words with a skewed (Zipf-like) word frequency,
/// as prose has: a few words are everywhere, most are rare.
fn text(seed: u64, n: usize) -> String {
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407)
        | 1;
    let mut out = String::new();
    for i in 0..n {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let u = (x >> 11) as f64 / (1u64 << 53) as f64;
        let rank = (u.powi(4) * VOCABULARY as f64) as usize;
        match WORDS.get(rank) {
            Some(word) => out.push_str(word),
            None => out.push_str(&format!("w{rank}")),
        }
        out.push(if i % 12 == 11 { '.' } else { ' ' });
    }
    out
}

fn page(i: u64) -> IndexedPage {
    IndexedPage {
        entity: format!("component:default/svc-{}", i / 10),
        kind: "Component".into(),
        namespace: "default".into(),
        name: format!("svc-{}", i / 10),
        path: format!("page-{i}"),
        title: text(i + 7, 3),
        text: text(i, 600),
    }
}

fn service(rt: &tokio::runtime::Runtime) -> Arc<DocsService> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .canonicalize()
        .unwrap();
    let data = tempfile::tempdir().unwrap().keep();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let config = portico::config::Config {
        catalog: portico::config::CatalogConfig {
            file_root: Some(root.clone()),
            ..Default::default()
        },
        ..Default::default()
    };
    let catalog = Arc::new(portico::app::build_catalog(&config, storage.clone()).unwrap());
    let services = Arc::new(HostServices::new(
        storage.clone(),
        Arc::new(SecretStore::from_values(std::iter::empty())),
        Arc::new(portico::catalog_access::CatalogBridge(catalog.clone())),
    ));
    let runtime = Arc::new(
        Runtime::new(&EngineSettings::default(), &data.join("compiled"), services).unwrap(),
    );
    let manager = PluginManager::new(
        storage,
        OrgId::default_org(),
        runtime.clone(),
        PluginPolicy::default(),
    );
    let plugin = portico_bundled_plugins::bundled("docs").unwrap();
    manager
        .install(
            plugin.bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::Specs(vec!["docs-files".into()]),
            },
        )
        .unwrap();
    catalog
        .add_location(
            &OrgId::default_org(),
            &portico_catalog::api::AddLocationRequest {
                location_type: "file".into(),
                target: root.join("demo/catalog-info.yaml").display().to_string(),
                dry_run: false,
            },
        )
        .unwrap();
    let folders = FolderPolicy::new(&root, &[data]).unwrap();
    let uncached = DocsOptions {
        cache_ttl: Duration::ZERO,
        ..DocsOptions::default()
    };
    let docs = Arc::new(DocsService::new(
        runtime,
        catalog,
        OrgId::default_org(),
        folders,
        uncached,
    ));
    rt.block_on(docs.page("component", "default", "portico", ""))
        .expect("the demo page renders");
    docs
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let docs = service(&rt);
    c.bench_function(
        "docs page: render through the plugin (demo index, no cache)",
        |b| {
            b.iter(|| {
                rt.block_on(docs.page("component", "default", "portico", ""))
                    .unwrap()
            })
        },
    );

    let html = rt
        .block_on(docs.page("component", "default", "portico", "guides/writing-docs"))
        .unwrap()
        .html
        .clone();
    let sanitizer = Sanitizer::new();
    c.bench_function("sanitize one rendered page (writing-docs, ~3 KB)", |b| {
        b.iter(|| sanitizer.clean(&html))
    });

    let index = SearchIndex::new(100_000);
    for i in 0..5_000 {
        index.index(page(i));
    }
    let mut next = 5_000;
    c.bench_function("search index: add one 600-word page (of 5,000)", |b| {
        b.iter(|| {
            index.index(page(next % 6_000));
            next += 1;
        })
    });
    c.bench_function("search: one term over 5,000 pages", |b| {
        b.iter(|| index.search("rollback", 20))
    });
    c.bench_function(
        "search: three terms, last as prefix, over 5,000 pages",
        |b| b.iter(|| index.search("canary failover dash", 20)),
    );
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
