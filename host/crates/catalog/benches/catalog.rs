//! Catalog benchmarks at 10,000 synthetic entities: ingestion (provider and file location),
//! by-name lookups, and `by-query?filter=kind=component&limit=100`.

use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use portico_catalog::api::QueryEntitiesRequest;
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, synthetic};
use portico_storage::{OrgId, SledStorage};

const SIZE: usize = 10_000;

fn catalog() -> Catalog {
    let storage = Arc::new(SledStorage::temporary().expect("temporary store"));
    Catalog::new(
        storage,
        Arc::new(FileReader::new()),
        CatalogOptions::default(),
    )
}

fn ingest(c: &mut Criterion) {
    let entities = synthetic::generate(42, SIZE);
    let org = OrgId::default_org();
    let mut group = c.benchmark_group("ingest");
    group.sample_size(10);
    group.bench_function("provider_10k", |b| {
        b.iter_batched(
            || (catalog(), entities.clone()),
            |(catalog, entities)| {
                let report = catalog.apply_provider(&org, "bench", entities).unwrap();
                assert_eq!(report.created, SIZE);
                catalog
            },
            criterion::BatchSize::PerIteration,
        )
    });
    let dir = tempfile::tempdir().unwrap();
    let root = synthetic::write_files(dir.path(), &entities, 500).unwrap();
    group.bench_function("file_location_10k", |b| {
        b.iter_batched(
            catalog,
            |catalog| {
                let request = portico_catalog::api::AddLocationRequest {
                    location_type: "file".into(),
                    target: root.to_string_lossy().into_owned(),
                    dry_run: false,
                };
                catalog.add_location(&org, &request).unwrap();
                catalog
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

fn lookups(c: &mut Criterion) {
    let org = OrgId::default_org();
    let catalog = catalog();
    catalog
        .apply_provider(&org, "bench", synthetic::generate(42, SIZE))
        .unwrap();
    let mut i = 0usize;
    c.bench_function("by_name_10k", |b| {
        b.iter(|| {
            i = (i + 7919) % 4000;
            catalog
                .entity_by_name_raw(&org, "component", "default", &format!("component-{i}"))
                .unwrap()
        })
    });
    let request = QueryEntitiesRequest {
        filter: vec!["kind=component".into()],
        limit: Some(100),
        ..Default::default()
    };
    c.bench_function("by_query_kind_component_limit_100_10k", |b| {
        b.iter(|| {
            let page = catalog.query_entities(&org, &request).unwrap();
            assert_eq!(page.items.len(), 100);
            page
        })
    });
    c.bench_function("by_query_json_kind_component_limit_100_10k", |b| {
        b.iter(|| catalog.query_entities_json(&org, &request).unwrap())
    });
}

criterion_group!(benches, ingest, lookups);
criterion_main!(benches);
