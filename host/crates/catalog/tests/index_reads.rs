//! Queries are answered from the indexes: a filtered, paged query reads the stored bodies of
//! the page it returns, never the whole catalog (the issue's "queries must not scan the whole
//! catalog when an index can answer"). Storage reads are counted by a wrapper around sled.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use portico_catalog::api::{
    AddLocationRequest, EntitiesRequest, FacetsRequest, QueryEntitiesRequest,
};
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, synthetic};
use portico_storage::{Batch, EntryIter, Keyspace, OrgId, SledStorage, Storage, StorageResult};

/// Sled, counting the values it hands out (point reads and scanned entries).
struct CountingReads {
    inner: SledStorage,
    values: AtomicUsize,
}

impl CountingReads {
    fn reset(&self) -> usize {
        self.values.swap(0, Ordering::SeqCst)
    }
}

impl Storage for CountingReads {
    fn get(&self, space: &Keyspace, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.values.fetch_add(1, Ordering::SeqCst);
        self.inner.get(space, key)
    }

    fn scan_prefix<'a>(&'a self, space: &Keyspace, prefix: &[u8]) -> EntryIter<'a> {
        let values = &self.values;
        Box::new(self.inner.scan_prefix(space, prefix).inspect(move |_| {
            values.fetch_add(1, Ordering::SeqCst);
        }))
    }

    fn scan_range<'a>(
        &'a self,
        space: &Keyspace,
        start: &[u8],
        end: &[u8],
        reverse: bool,
    ) -> EntryIter<'a> {
        let values = &self.values;
        Box::new(
            self.inner
                .scan_range(space, start, end, reverse)
                .inspect(move |_| {
                    values.fetch_add(1, Ordering::SeqCst);
                }),
        )
    }

    fn apply(&self, batch: Batch) -> StorageResult<()> {
        self.inner.apply(batch)
    }

    fn flush(&self) -> StorageResult<()> {
        self.inner.flush()
    }

    fn size_on_disk(&self) -> StorageResult<u64> {
        self.inner.size_on_disk()
    }
}

#[test]
fn filtered_paged_queries_and_facets_read_only_what_they_return() {
    let dir = tempfile::tempdir().unwrap();
    let root = synthetic::write_files(dir.path(), &synthetic::generate(3, 2_000), 200).unwrap();
    let storage = Arc::new(CountingReads {
        inner: SledStorage::temporary().unwrap(),
        values: AtomicUsize::new(0),
    });
    let catalog = Catalog::new(
        storage.clone(),
        Arc::new(FileReader::confined_to(dir.path()).unwrap()),
        CatalogOptions::default(),
    );
    let org = OrgId::default_org();
    catalog
        .register_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target: root.to_string_lossy().into_owned(),
                dry_run: false,
            },
            &portico_catalog::catalog::NoProgress,
        )
        .unwrap();
    storage.reset();

    // A page of 10 components out of ~1,000: ten bodies read.
    let page = catalog
        .query_entities(
            &org,
            &QueryEntitiesRequest {
                filter: vec!["kind=component,spec.lifecycle=production".into()],
                limit: Some(10),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(page.items.len(), 10);
    assert!(page.total_items > 100, "{}", page.total_items);
    let reads = storage.reset();
    // (At least one: the counter sees the reads a page does need.)
    assert!(
        (1..=10).contains(&reads),
        "a page of 10 read {reads} stored values"
    );

    // Only the total: nothing read at all.
    let owner = page.items[0]["relations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "ownedBy")
        .map(|r| r["targetRef"].as_str().unwrap().to_owned())
        .expect("a component has an owner");
    let counted = catalog
        .query_entities(
            &org,
            &QueryEntitiesRequest {
                filter: vec![format!("relations.ownedby={owner}")],
                limit: Some(0),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(counted.total_items > 0);
    assert_eq!(storage.reset(), 0);

    // Facets over every entity come from the postings.
    let facets = catalog
        .entity_facets(
            &org,
            &FacetsRequest {
                facet: vec!["kind".into(), "spec.type".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!facets.facets.is_empty());
    assert_eq!(storage.reset(), 0);

    // The legacy list with a filter and a limit: the page, not the catalog.
    let listed = catalog
        .entities(
            &org,
            &EntitiesRequest {
                filter: vec!["kind=api".into()],
                limit: Some(5),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(listed.entities.len(), 5);
    let reads = storage.reset();
    assert!(
        (1..=5).contains(&reads),
        "a page of 5 read {reads} stored values"
    );
}
