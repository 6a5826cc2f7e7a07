//! Times the phases of ingesting a synthetic catalog (a development probe, not a test).

use std::sync::Arc;
use std::time::Instant;

use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, KindRegistry, synthetic};
use portico_storage::{OrgId, SledStorage};

/// CPU time used by this process so far (all threads), from /proc.
fn cpu() -> std::time::Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    let ticks: u64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|t| t.parse::<u64>().ok()).sum())
        .unwrap_or(0);
    std::time::Duration::from_millis(ticks * 10)
}

fn rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .unwrap_or_default()
        .to_owned()
}

fn main() {
    // `ingest_probe open DIR`: time to first answer and resident memory of a reopened store.
    if std::env::args().nth(1).as_deref() == Some("open") {
        let dir = std::env::args().nth(2).expect("open DIR");
        let t = Instant::now();
        let storage = Arc::new(
            portico_storage::SledStorage::open(
                std::path::Path::new(&dir),
                &portico_storage::SledOptions::default(),
            )
            .unwrap(),
        );
        let catalog = Catalog::new(
            storage,
            Arc::new(FileReader::new()),
            CatalogOptions::default(),
        );
        let org = OrgId::default_org();
        catalog
            .entity_by_name_raw(&org, "component", "default", "component-1")
            .unwrap();
        println!(
            "reopen to first by-name answer: {:?}, {}",
            t.elapsed(),
            rss()
        );
        return;
    }
    let size: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    let entities = synthetic::generate(42, size);
    let t = Instant::now();
    let registry = KindRegistry::builtin();
    for e in &entities {
        let _ = registry.validate(e);
    }
    println!("validate only: {:?}", t.elapsed());
    let storage: Arc<SledStorage> = match std::env::args().nth(2) {
        Some(dir) => Arc::new(
            SledStorage::open(
                std::path::Path::new(&dir),
                &portico_storage::SledOptions::default(),
            )
            .unwrap(),
        ),
        None => Arc::new(SledStorage::temporary().unwrap()),
    };
    let storage_ref = storage.clone();
    let catalog = Catalog::new(
        storage,
        Arc::new(FileReader::new()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    println!("before ingest: {}", rss());
    let t = Instant::now();
    let c = cpu();
    let report = catalog
        .apply_provider(&org, "probe", entities.clone())
        .unwrap();
    println!(
        "ingest {size}: {:?} wall, {:?} cpu (all threads) ({} created)",
        t.elapsed(),
        cpu() - c,
        report.created
    );
    println!("after ingest: {}", rss());
    let t = Instant::now();
    let report = catalog.apply_provider(&org, "probe", entities).unwrap();
    println!(
        "unchanged re-ingest: {:?} ({} unchanged)",
        t.elapsed(),
        report.unchanged
    );
    let request = portico_catalog::api::QueryEntitiesRequest {
        filter: vec!["kind=component".into()],
        limit: Some(100),
        ..Default::default()
    };
    let t = Instant::now();
    for _ in 0..200 {
        catalog.query_entities(&org, &request).unwrap();
    }
    println!(
        "by-query kind=component limit=100: {:?} per call",
        t.elapsed() / 200
    );
    let t = Instant::now();
    for i in 0..20_000 {
        let name = format!("component-{}", i % 4000);
        catalog
            .entity_by_name_raw(&org, "component", "default", &name)
            .unwrap();
    }
    println!("by-name: {:?} per call", t.elapsed() / 20_000);
    println!("end: {}", rss());
    portico_storage::Storage::flush(storage_ref.as_ref()).unwrap();
}
