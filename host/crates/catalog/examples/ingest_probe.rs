//! Times the phases of ingesting a synthetic catalog (a development probe, not a test).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, KindRegistry, synthetic};
use portico_storage::{OrgId, SledStorage};

/// The system allocator, counting live and peak heap bytes: what the process holds, apart
/// from what the allocator keeps free and the mapped store files.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // calloc: untouched zero pages stay unmapped (sled's page table relies on that).
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            let live = LIVE.fetch_add(new_size, Ordering::Relaxed) + new_size - layout.size();
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

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

/// Resident memory, live heap and peak heap, in MiB.
fn rss() -> String {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |key: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
            .unwrap_or(0.0)
            / 1024.0
    };
    let mib = |b: usize| b as f64 / (1024.0 * 1024.0);
    format!(
        "RSS {:.1} MiB (anonymous {:.1}), live heap {:.1} MiB, peak heap {:.1} MiB",
        kib("VmRSS:"),
        kib("RssAnon:"),
        mib(LIVE.load(Ordering::Relaxed)),
        mib(PEAK.load(Ordering::Relaxed))
    )
}

fn main() {
    // `ingest_probe open DIR`: time to first answer and resident memory of a reopened store.
    if std::env::args().nth(1).as_deref() == Some("open") {
        let dir = std::env::args().nth(2).expect("open DIR");
        let t = Instant::now();
        println!("start: {}", rss());
        let storage = Arc::new(
            portico_storage::SledStorage::open(
                std::path::Path::new(&dir),
                &portico_storage::SledOptions::default(),
            )
            .unwrap(),
        );
        println!("store opened: {}", rss());
        let catalog = Catalog::new(
            storage,
            Arc::new(FileReader::new()),
            CatalogOptions::default(),
        );
        let org = OrgId::default_org();
        println!("opened: {}", rss());
        let space = portico_storage::Keyspace::new(org.clone(), portico_catalog::store::TABLE);
        let scanned = catalog.store().storage().scan_prefix(&space, b"").count();
        println!("scanned {scanned} keys: {}", rss());
        catalog
            .entity_by_name_raw(&org, "component", "default", "component-1")
            .unwrap();
        println!(
            "reopen to first by-name answer: {:?}, {}",
            t.elapsed(),
            rss()
        );
        let stats = catalog
            .store()
            .read_index(&org, |index| index.stats())
            .unwrap();
        println!("{stats:?}");
        return;
    }
    // `ingest_probe file N`: the server's path — a file location of N synthetic entities.
    if std::env::args().nth(1).as_deref() == Some("file") {
        file_location(
            std::env::args()
                .nth(2)
                .and_then(|s| s.parse().ok())
                .unwrap_or(10_000),
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

/// Ingests a file location of `size` synthetic entities into a fresh store, as the server does
/// at startup, and prints time and memory (also after returning freed heap to the system).
fn file_location(size: usize) {
    let dir = tempfile::tempdir().unwrap();
    let root = synthetic::write_files(dir.path(), &synthetic::generate(42, size), 500).unwrap();
    let mut options = portico_storage::SledOptions::default();
    if let Some(mb) = std::env::var("PROBE_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        options.cache_bytes = mb * 1024 * 1024;
    }
    let storage = Arc::new(SledStorage::open(&dir.path().join("data"), &options).unwrap());
    let catalog = Catalog::new(
        storage,
        Arc::new(FileReader::new()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    catalog.warm_up(&org).unwrap();
    println!("before ingest: {}", rss());
    let t = Instant::now();
    let c = cpu();
    catalog
        .register_location(
            &org,
            &portico_catalog::api::AddLocationRequest {
                location_type: "file".into(),
                target: root.to_string_lossy().into_owned(),
                dry_run: false,
            },
            &portico_catalog::catalog::NoProgress,
        )
        .unwrap();
    println!(
        "file location of {size}: {:?} wall, {:?} cpu (all threads)",
        t.elapsed(),
        cpu() - c,
    );
    println!("after ingest: {}", rss());
    if std::env::var_os("PROBE_EXIT_AFTER_INGEST").is_some() {
        // Under heaptrack: what is still allocated here is reported as leaked, by call site.
        std::process::exit(0);
    }
    trim();
    println!("after malloc_trim: {}", rss());

    let stats = catalog
        .store()
        .read_index(&org, |index| index.stats())
        .unwrap();
    println!("{stats:?}");
    drop(catalog);
    std::thread::sleep(std::time::Duration::from_millis(500));
    trim();
    println!("catalog and store dropped, trimmed: {}", rss());
    // Kept until here: the generated files.
    drop(dir);
}

/// Returns freed heap pages to the system (what the server does after reading locations).
fn trim() {
    unsafe extern "C" {
        fn malloc_trim(pad: usize) -> i32;
    }
    // SAFETY: malloc_trim only releases free memory of glibc's allocator.
    unsafe {
        malloc_trim(0);
    }
}
