//! A storage write that fails part-way through an ingest (a full disk, an I/O error — what a
//! crash leaves behind, without the process dying) never leaves the running catalog out of
//! step with storage: what it serves is exactly what a catalog rebuilt from the stored data
//! serves (its in-memory indexes never run ahead of or behind storage), nothing already stored
//! is lost, and once writes succeed again a refresh ends exactly where an ingest that never
//! failed ends — relations included: the entities the failed run still had to re-stitch are
//! found through their stitch tickets.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::corpus;
use portico_catalog::api::*;
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions};
use portico_storage::{
    Batch, EntryIter, Keyspace, OrgId, SledStorage, Storage, StorageError, StorageResult,
};
use serde_json::Value;

/// Sled, with every write batch after the first `allowed` refused (until `allowed` is raised).
struct FailingWrites {
    inner: SledStorage,
    applied: AtomicUsize,
    allowed: AtomicUsize,
}

impl FailingWrites {
    fn new(allowed: usize) -> Self {
        FailingWrites {
            inner: SledStorage::temporary().unwrap(),
            applied: AtomicUsize::new(0),
            allowed: AtomicUsize::new(allowed),
        }
    }

    fn heal(&self) {
        self.allowed.store(usize::MAX, Ordering::SeqCst);
    }
}

impl Storage for FailingWrites {
    fn get(&self, space: &Keyspace, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        self.inner.get(space, key)
    }

    fn scan_prefix<'a>(&'a self, space: &Keyspace, prefix: &[u8]) -> EntryIter<'a> {
        self.inner.scan_prefix(space, prefix)
    }

    fn scan_range<'a>(
        &'a self,
        space: &Keyspace,
        start: &[u8],
        end: &[u8],
        reverse: bool,
    ) -> EntryIter<'a> {
        self.inner.scan_range(space, start, end, reverse)
    }

    fn apply(&self, batch: Batch) -> StorageResult<()> {
        if self.applied.load(Ordering::SeqCst) >= self.allowed.load(Ordering::SeqCst) {
            return Err(StorageError::Backend(
                "injected: no space left on device".into(),
            ));
        }
        self.inner.apply(batch)?;
        self.applied.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }

    fn flush(&self) -> StorageResult<()> {
        self.inner.flush()
    }

    fn size_on_disk(&self) -> StorageResult<u64> {
        self.inner.size_on_disk()
    }
}

fn catalog_on(storage: Arc<dyn Storage>) -> Catalog {
    let reader = FileReader::confined_to(corpus()).unwrap();
    Catalog::new(storage, Arc::new(reader), CatalogOptions::default())
}

fn register(catalog: &Catalog, file: &str) -> Result<AddLocationResponse, CatalogError> {
    catalog.add_location(
        &OrgId::default_org(),
        &AddLocationRequest {
            location_type: "file".into(),
            target: corpus().join(file).display().to_string(),
            dry_run: false,
        },
    )
}

/// Everything served, by entity ref, with what the indexes answer about it.
fn served(catalog: &Catalog) -> BTreeMap<String, Value> {
    let org = OrgId::default_org();
    let mut out = BTreeMap::new();
    for entity in catalog
        .entities(&org, &EntitiesRequest::default())
        .unwrap()
        .entities
    {
        let reference = format!(
            "{}:{}/{}",
            entity["kind"].as_str().unwrap(),
            entity["metadata"]["namespace"].as_str().unwrap(),
            entity["metadata"]["name"].as_str().unwrap()
        )
        .to_lowercase();
        out.insert(reference, entity);
    }
    // The name index, the search postings and the relation postings must agree with the
    // stored entities.
    for (reference, entity) in &out {
        let (kind, rest) = reference.split_once(':').unwrap();
        let (namespace, name) = rest.split_once('/').unwrap();
        assert_eq!(
            &catalog.entity_by_name(&org, kind, namespace, name).unwrap(),
            entity,
            "{reference}"
        );
        for relation in entity["relations"].as_array().unwrap() {
            let found = catalog
                .query_entities(
                    &org,
                    &QueryEntitiesRequest {
                        filter: vec![format!(
                            "relations.{}={}",
                            relation["type"].as_str().unwrap().to_lowercase(),
                            relation["targetRef"].as_str().unwrap()
                        )],
                        limit: Some(0),
                        ..Default::default()
                    },
                )
                .unwrap();
            assert!(found.total_items >= 1, "{reference}: {relation}");
        }
    }
    out
}

fn facets(catalog: &Catalog) -> Value {
    let facets = catalog
        .entity_facets(
            &OrgId::default_org(),
            &FacetsRequest {
                facet: vec![
                    "kind".into(),
                    "spec.type".into(),
                    "relations.ownedBy".into(),
                ],
                ..Default::default()
            },
        )
        .unwrap();
    serde_json::to_value(facets).unwrap()
}

/// The entity without what differs between two ingests of the same files.
fn comparable(entity: &Value) -> Value {
    let mut entity = entity.clone();
    let metadata = entity["metadata"].as_object_mut().unwrap();
    metadata.remove("uid");
    metadata.remove("etag");
    entity
}

fn comparable_all(served: &BTreeMap<String, Value>) -> BTreeMap<String, Value> {
    served
        .iter()
        .map(|(reference, entity)| (reference.clone(), comparable(entity)))
        .collect()
}

#[test]
fn a_write_failing_mid_ingest_leaves_the_served_catalog_equal_to_the_stored_one() {
    // What an ingest that never failed serves.
    let clean = catalog_on(Arc::new(SledStorage::temporary().unwrap()));
    register(&clean, "examples/acme-corp.yaml").unwrap();
    register(&clean, "examples/all.yaml").unwrap();
    let expected = comparable_all(&served(&clean));
    assert_eq!(expected.len(), 28 + 41);

    // all.yaml after acme-corp.yaml is written in a handful of batches (the location, the
    // entities in chunks, the re-stitched groups and users): fail each of them in turn.
    let batches = {
        let storage = Arc::new(FailingWrites::new(usize::MAX));
        let catalog = catalog_on(storage.clone());
        register(&catalog, "examples/acme-corp.yaml").unwrap();
        let before = storage.applied.load(Ordering::SeqCst);
        register(&catalog, "examples/all.yaml").unwrap();
        storage.applied.load(Ordering::SeqCst) - before
    };
    assert!(batches >= 3, "{batches} batches");
    for allowed in 0..batches {
        let storage = Arc::new(FailingWrites::new(usize::MAX));
        let catalog = catalog_on(storage.clone());
        register(&catalog, "examples/acme-corp.yaml").unwrap();
        let before = storage.applied.load(Ordering::SeqCst);
        storage.allowed.store(before + allowed, Ordering::SeqCst);

        let err = register(&catalog, "examples/all.yaml").unwrap_err();
        assert!(
            err.to_string().contains("no space left on device"),
            "allowed {allowed}: {err}"
        );
        // The running catalog serves exactly what is stored: a catalog that rebuilds its
        // indexes from the same storage answers the same, facets included.
        let running = served(&catalog);
        let rebuilt_catalog = catalog_on(storage.clone());
        assert_eq!(running, served(&rebuilt_catalog), "allowed {allowed}");
        assert_eq!(
            facets(&catalog),
            facets(&rebuilt_catalog),
            "allowed {allowed}"
        );
        // Nothing of the first location was lost, and whatever of all.yaml is served is
        // served as a complete ingest serves it, apart from relations stitched later.
        for (reference, entity) in &expected {
            let Some(got) = running.get(reference) else {
                assert!(
                    !reference.starts_with("user:") && !reference.starts_with("group:"),
                    "allowed {allowed}: {reference} lost"
                );
                continue;
            };
            let mut got = comparable(got);
            let mut want = entity.clone();
            got.as_object_mut().unwrap().remove("relations");
            want.as_object_mut().unwrap().remove("relations");
            assert_eq!(got, want, "allowed {allowed}: {reference}");
        }

        // Writes work again: every entity of all.yaml is served after registering again (or,
        // when the registration itself was stored, a refresh).
        storage.heal();
        let org = OrgId::default_org();
        let all_yaml = corpus().join("examples/all.yaml").display().to_string();
        match catalog
            .locations(&org)
            .unwrap()
            .into_iter()
            .find(|l| l.target == all_yaml)
        {
            Some(location) => {
                catalog.refresh_location(&org, &location.id).unwrap();
            }
            None => {
                register(&catalog, "examples/all.yaml").unwrap();
            }
        }
        let healed = served(&catalog);
        assert_eq!(
            comparable_all(&healed),
            expected,
            "allowed {allowed}: after healing"
        );
        assert_eq!(
            served(&catalog_on(storage.clone())),
            healed,
            "allowed {allowed}: after healing, rebuilt"
        );
    }
}
