//! The [`Catalog`] facade: store + kind registry + processing + queries, one method per
//! Backstage catalog API operation, per organization, returning [`CatalogError`]s.

mod analyze;
mod progress;
mod status;

pub use analyze::{
    AnalyzeLocationRequest, AnalyzeLocationResponse, EntityField, ExistingEntityFile,
    GenerateEntity, LocationInput,
};
pub use progress::{ImportProgress, NoProgress};
pub use status::MAX_BATCH_ENTRIES;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use portico_storage::{OrgId, Storage};
use serde_json::{Value, json};

use crate::api::*;
use crate::location::{LocationReader, LocationSpec};
use crate::processing::sources::{
    location_producer, location_run, provider_run, stream_location_run,
};
use crate::processing::{Engine, OrphanStrategy, ProcessReport, ref_of};
use crate::query::Query;
use crate::refs::EntityRef;
use crate::relations::RelationRules;
use crate::store::{LocationRecord, PendingRecord, Store, WriteSet};
use crate::validation::{KindRegistry, apply_default_namespace};

/// Catalog settings.
#[derive(Debug, Clone, PartialEq)]
pub struct CatalogOptions {
    /// What happens to entities no longer emitted by their location.
    pub orphan_strategy: OrphanStrategy,
    /// Revisions of history kept per entity.
    pub history_limit: u64,
    /// Threads for the pure processing steps.
    pub threads: usize,
    /// Entities a location walk hands to processing at a time: small enough that a large
    /// catalog is never held whole in memory, large enough that few entities need a second
    /// stitch (when a later chunk adds relations to an entity already written).
    pub stream_chunk: usize,
    /// Relation rules for the organization's own kinds (or extra fields of built-in ones),
    /// applied after Backstage's (`catalog.kinds[].relations` in the host's config).
    pub relation_rules: Vec<crate::relations::RelationRule>,
}

impl Default for CatalogOptions {
    fn default() -> Self {
        CatalogOptions {
            orphan_strategy: OrphanStrategy::Keep,
            history_limit: 20,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
                .min(8),
            stream_chunk: 2_000,
            relation_rules: Vec::new(),
        }
    }
}

/// A location reader usable from any thread.
pub type SharedReader = Arc<dyn LocationReader + Send + Sync>;

/// The software catalog of every organization in one store.
pub struct Catalog {
    store: Store,
    reader: SharedReader,
    default_registry: Arc<KindRegistry>,
    registries: RwLock<HashMap<OrgId, Arc<KindRegistry>>>,
    rules: RelationRules,
    /// Identifies `options.relation_rules` (0 for none); part of the processing epoch.
    rules_fingerprint: u64,
    options: CatalogOptions,
}

fn not_found_by_name(kind: &str, namespace: &str, name: &str) -> CatalogError {
    CatalogError::NotFound(format!(
        "No entity named '{name}' found, with kind '{kind}' in namespace '{namespace}'"
    ))
}

fn to_location(record: &LocationRecord) -> Location {
    Location::new(&record.id, &record.location_type, &record.target)
}

impl Catalog {
    /// A catalog on `storage`, reading locations through `reader`.
    pub fn new(storage: Arc<dyn Storage>, reader: SharedReader, options: CatalogOptions) -> Self {
        let mut rules = RelationRules::builtin();
        for rule in &options.relation_rules {
            rules.add(rule.clone());
        }
        Catalog {
            store: Store::with_rules(storage, rules.clone()),
            reader,
            default_registry: Arc::new(KindRegistry::builtin()),
            registries: RwLock::new(HashMap::new()),
            rules_fingerprint: crate::relations::fingerprint(&options.relation_rules),
            rules,
            options,
        }
    }

    /// The underlying store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Builds `org`'s in-memory indexes now (they are otherwise built by the first request that
    /// needs them); the host calls this at startup for its organizations.
    pub fn warm_up(&self, org: &OrgId) -> CatalogResult<()> {
        self.store.index(org)?;
        Ok(())
    }

    /// Uses `registry` (e.g. with the organization's own kinds) to validate `org`'s entities.
    pub fn set_kind_registry(&self, org: &OrgId, registry: KindRegistry) {
        self.registries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(org.clone(), Arc::new(registry));
    }

    fn registry(&self, org: &OrgId) -> Arc<KindRegistry> {
        self.registries
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(org)
            .cloned()
            .unwrap_or_else(|| self.default_registry.clone())
    }

    fn engine<'a>(&'a self, registry: &'a KindRegistry) -> Engine<'a> {
        Engine {
            store: &self.store,
            registry,
            rules: &self.rules,
            orphan_strategy: self.options.orphan_strategy,
            history_limit: self.options.history_limit,
            threads: self.options.threads,
            // Entities are processed again whenever the schemas differ from those they were
            // processed with (a counter would miss a change made between two runs).
            epoch: registry.fingerprint() ^ self.rules_fingerprint,
            progress: None,
        }
    }

    fn query<'a>(&'a self, org: &'a OrgId) -> Query<'a> {
        Query::new(&self.store, org)
    }

    // ----- locations and processing -----

    /// `POST /locations` (with `dryRun`): registers a location and ingests it.
    pub fn add_location(
        &self,
        org: &OrgId,
        request: &AddLocationRequest,
    ) -> CatalogResult<AddLocationResponse> {
        self.add_location_with(org, request, &NoProgress)
    }

    /// [`add_location`](Self::add_location), telling `progress` how it advances.
    pub fn add_location_with(
        &self,
        org: &OrgId,
        request: &AddLocationRequest,
        progress: &dyn ImportProgress,
    ) -> CatalogResult<AddLocationResponse> {
        let mut response = self.add_location_inner(org, request, progress)?;
        if request.dry_run {
            return Ok(response);
        }
        for (_, uid) in self
            .store
            .produced_by(org, &location_producer(&response.location.id))?
        {
            if let Some(e) = self.store.entity(org, &uid)? {
                response.entities.push(e);
            }
        }
        Ok(response)
    }

    /// Registers (or for a dry run, reads) a location; the answer lists the entities of a dry
    /// run only.
    fn add_location_inner(
        &self,
        org: &OrgId,
        request: &AddLocationRequest,
        progress: &dyn ImportProgress,
    ) -> CatalogResult<AddLocationResponse> {
        let (kind, target) = (request.location_type.trim(), request.target.trim());
        if kind.is_empty() || target.is_empty() || kind.contains('\0') || target.contains('\0') {
            return Err(CatalogError::Input(
                "Location must have a non-empty type and target".into(),
            ));
        }
        let spec = LocationSpec::new(kind, target);
        let existing = self.store.location_id_by_target(org, &spec.to_ref())?;
        if request.dry_run {
            let reader = progress::Observed {
                inner: self.reader.as_ref(),
                progress,
            };
            let run = location_run("dry-run", &spec, &reader);
            let entities = run
                .candidates
                .into_iter()
                .map(|c| {
                    let mut v = c.value;
                    apply_default_namespace(&mut v);
                    v
                })
                .collect();
            return Ok(AddLocationResponse {
                location: Location::new(&existing.clone().unwrap_or_default(), kind, target),
                entities,
                exists: Some(existing.is_some()),
            });
        }
        let record = LocationRecord {
            id: crate::identity::new_uid(),
            location_type: kind.to_owned(),
            target: target.to_owned(),
            errors: Vec::new(),
        };
        {
            // Check and register under the organization's writer lock, so that two concurrent
            // registrations of one target cannot both succeed.
            let lock = self.store.write_lock(org);
            let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
            if self
                .store
                .location_id_by_target(org, &spec.to_ref())?
                .is_some()
            {
                return Err(CatalogError::Conflict(format!(
                    "Location {} already exists",
                    spec.to_ref()
                )));
            }
            let mut ws = WriteSet::new(org, self.options.history_limit);
            ws.put_location(&record)?;
            self.store.apply(ws)?;
        }
        self.refresh_location_with(org, &record.id, progress)?;
        Ok(AddLocationResponse {
            location: to_location(&record),
            entities: Vec::new(),
            exists: None,
        })
    }

    /// Registers a location and ingests it, like [`add_location_with`](Self::add_location_with)
    /// but without loading every entity it yields into the answer (e.g. a configured location
    /// read at startup, where nobody reads the answer). Refused when `request.dry_run`.
    pub fn register_location(
        &self,
        org: &OrgId,
        request: &AddLocationRequest,
        progress: &dyn ImportProgress,
    ) -> CatalogResult<Location> {
        if request.dry_run {
            return Err(CatalogError::Input(
                "register_location cannot do a dry run".into(),
            ));
        }
        Ok(self.add_location_inner(org, request, progress)?.location)
    }

    /// `GET /locations`.
    pub fn locations(&self, org: &OrgId) -> CatalogResult<Vec<Location>> {
        Ok(self.store.locations(org)?.iter().map(to_location).collect())
    }

    fn location_record(&self, org: &OrgId, id: &str) -> CatalogResult<LocationRecord> {
        self.store
            .location(org, id)?
            .ok_or_else(|| CatalogError::NotFound(format!("Found no location with ID {id}")))
    }

    /// `GET /locations/{id}`.
    pub fn location(&self, org: &OrgId, id: &str) -> CatalogResult<Location> {
        Ok(to_location(&self.location_record(org, id)?))
    }

    /// The errors of a location's last refresh that are not on any entity (e.g. conflicts).
    pub fn location_errors(&self, org: &OrgId, id: &str) -> CatalogResult<Vec<String>> {
        Ok(self.location_record(org, id)?.errors)
    }

    /// `DELETE /locations/{id}`: unregisters it and deletes its entities eagerly.
    pub fn delete_location(&self, org: &OrgId, id: &str) -> CatalogResult<ProcessReport> {
        let record = self.location_record(org, id)?;
        let registry = self.registry(org);
        let run = crate::processing::ProducerRun::new(location_producer(id), true);
        let report = self.engine(&registry).run(org, run)?;
        let mut ws = WriteSet::new(org, self.options.history_limit);
        ws.delete_location(&record);
        self.store.apply(ws)?;
        Ok(report)
    }

    /// `GET /locations/by-entity/{kind}/{namespace}/{name}`.
    pub fn location_by_entity(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<Location> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let uid = self
            .store
            .uid_by_ref(org, &entity_ref)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))?;
        let record = self
            .store
            .record(org, &uid)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))?;
        let id = record
            .producer
            .as_deref()
            .and_then(|p| p.strip_prefix("location:"))
            .ok_or_else(|| {
                CatalogError::NotFound(format!("No location found for entity {entity_ref}"))
            })?;
        self.location(org, id)
    }

    /// Reads a registered location again and processes what it yields.
    pub fn refresh_location(&self, org: &OrgId, id: &str) -> CatalogResult<ProcessReport> {
        self.refresh_location_with(org, id, &NoProgress)
    }

    fn refresh_location_with(
        &self,
        org: &OrgId,
        id: &str,
        progress: &dyn ImportProgress,
    ) -> CatalogResult<ProcessReport> {
        let mut record = self.location_record(org, id)?;
        let spec = LocationSpec::new(&record.location_type, &record.target);
        let reader = progress::Observed {
            inner: self.reader.as_ref(),
            progress,
        };
        let registry = self.registry(org);
        let written = |done, total| progress.written(done, total);
        let mut engine = self.engine(&registry);
        engine.progress = Some(&written);
        // The walk reads and parses on its own thread while the engine processes and writes
        // what it has already read, a chunk at a time.
        let producer = location_producer(id);
        let chunk_size = self.options.stream_chunk.max(1);
        let report = std::thread::scope(|scope| {
            let (sender, chunks) = std::sync::mpsc::sync_channel(1);
            let walk = crate::processing::spawn_named(scope, "catalog-walk", move || {
                stream_location_run(id, &spec, &reader, chunk_size, &mut |chunk| {
                    // A closed channel means processing failed; the walk just finishes.
                    let _ = sender.send(chunk);
                })
            });
            engine.run_streamed(org, &producer, chunks, || {
                walk.join().expect("location walk panicked")
            })
        })?;
        if record.errors != report.conflicts {
            record.errors = report.conflicts.clone();
            let mut ws = WriteSet::new(org, self.options.history_limit);
            ws.put_location(&record)?;
            self.store.apply(ws)?;
        }
        Ok(report)
    }

    /// `POST /refresh`: refreshes the location that produces the entity.
    pub fn refresh(&self, org: &OrgId, request: &RefreshRequest) -> CatalogResult<ProcessReport> {
        let entity_ref = EntityRef::parse_full(&request.entity_ref)
            .map_err(|e| CatalogError::Input(e.to_string()))?
            .stringify();
        let uid = self.store.uid_by_ref(org, &entity_ref)?;
        let record = match uid {
            Some(uid) => self.store.record(org, &uid)?,
            None => None,
        };
        let producer = match (record, self.store.pending(org, &entity_ref)?) {
            (Some(record), _) => record.producer,
            (None, Some(pending)) => Some(pending.producer),
            (None, None) => {
                return Err(CatalogError::NotFound(format!(
                    "Entity {entity_ref} not found"
                )));
            }
        };
        let report = match producer
            .as_deref()
            .and_then(|p| p.strip_prefix("location:"))
        {
            Some(id) => self.refresh_location(org, id)?,
            None => ProcessReport::default(),
        };
        // A refresh also stitches external status written with `?stitch=skip`.
        self.stitch_entity_status(org, &entity_ref)?;
        Ok(report)
    }

    /// Refreshes every registered location of `org`.
    pub fn refresh_all(&self, org: &OrgId) -> CatalogResult<ProcessReport> {
        let mut total = ProcessReport::default();
        for location in self.store.locations(org)? {
            let r = self.refresh_location(org, &location.id)?;
            total.created += r.created;
            total.updated += r.updated;
            total.unchanged += r.unchanged;
            total.orphaned += r.orphaned;
            total.deleted += r.deleted;
            total.restitched += r.restitched;
            total.pending += r.pending;
            total.conflicts.extend(r.conflicts);
            total.errors.extend(r.errors);
        }
        Ok(total)
    }

    /// An entity provider's full set of entities: new and changed ones are written, ones it
    /// no longer emits are deleted eagerly.
    pub fn apply_provider(
        &self,
        org: &OrgId,
        provider: &str,
        entities: Vec<Value>,
    ) -> CatalogResult<ProcessReport> {
        if provider.is_empty() || provider.contains('\0') {
            return Err(CatalogError::Input(
                "provider name must not be empty".into(),
            ));
        }
        let registry = self.registry(org);
        Ok(self
            .engine(&registry)
            .run(org, provider_run(provider, entities))?)
    }

    /// Entities that failed processing and never had a good version (not served).
    pub fn pending_errors(&self, org: &OrgId) -> CatalogResult<Vec<PendingRecord>> {
        Ok(self.store.pending_all(org)?)
    }

    // ----- entities -----

    /// `GET /entities`.
    pub fn entities(
        &self,
        org: &OrgId,
        request: &EntitiesRequest,
    ) -> CatalogResult<EntitiesResponse> {
        self.query(org).entities(request)
    }

    /// `GET`/`POST /entities/by-query`.
    pub fn query_entities(
        &self,
        org: &OrgId,
        request: &QueryEntitiesRequest,
    ) -> CatalogResult<QueryEntitiesResponse> {
        self.query(org).query_entities(request)
    }

    /// `GET`/`POST /entities/by-query` as the serialized response body, built from the stored
    /// JSON without re-serializing entities (the fast path for the HTTP layer).
    pub fn query_entities_json(
        &self,
        org: &OrgId,
        request: &QueryEntitiesRequest,
    ) -> CatalogResult<Vec<u8>> {
        self.query(org).query_entities_json(request)
    }

    /// `GET /entities/by-uid/{uid}`.
    pub fn entity_by_uid(&self, org: &OrgId, uid: &str) -> CatalogResult<Value> {
        self.store
            .entity(org, uid)?
            .ok_or_else(|| CatalogError::NotFound(format!("No entity with uid {uid}")))
    }

    /// `DELETE /entities/by-uid/{uid}`: removes the entity (it comes back if its location still
    /// emits it at the next refresh, as in Backstage).
    pub fn delete_entity_by_uid(&self, org: &OrgId, uid: &str) -> CatalogResult<()> {
        let registry = self.registry(org);
        let engine = self.engine(&registry);
        let Some(loaded) = engine.load(org, uid)? else {
            return Err(CatalogError::NotFound(format!("No entity with uid {uid}")));
        };
        engine.delete(org, vec![loaded], "api")?;
        Ok(())
    }

    /// `GET /entities/by-name/{kind}/{namespace}/{name}` (case-insensitive).
    pub fn entity_by_name(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<Value> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let uid = self
            .store
            .uid_by_ref(org, &entity_ref)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))?;
        self.store
            .entity(org, &uid)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))
    }

    /// `GET /entities/by-name/...` as the stored JSON bytes (no re-serialization).
    pub fn entity_by_name_raw(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<Vec<u8>> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let uid = self
            .store
            .uid_by_ref(org, &entity_ref)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))?;
        self.store
            .entity_bytes(org, &uid)?
            .ok_or_else(|| not_found_by_name(kind, namespace, name))
    }

    /// `POST /entities/by-refs`.
    pub fn entities_by_refs(
        &self,
        org: &OrgId,
        request: &EntitiesBatchRequest,
    ) -> CatalogResult<EntitiesBatchResponse> {
        self.query(org).by_refs(request)
    }

    /// `GET /entities/by-name/{kind}/{namespace}/{name}/ancestry`.
    pub fn entity_ancestry(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<AncestryResponse> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        self.query(org).ancestry(&entity_ref)
    }

    /// `GET`/`POST /entity-facets`.
    pub fn entity_facets(
        &self,
        org: &OrgId,
        request: &FacetsRequest,
    ) -> CatalogResult<FacetsResponse> {
        self.query(org).facets(request)
    }

    /// `GET /entities/by-name/{kind}/{namespace}/{name}/history`.
    pub fn entity_history(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<HistoryResponse> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let items = self.store.history(org, &entity_ref)?;
        if items.is_empty() {
            return Err(not_found_by_name(kind, namespace, name));
        }
        Ok(HistoryResponse { entity_ref, items })
    }

    /// `POST /validate-entity`: `Ok` if the entity would be accepted, else the failures.
    pub fn validate_entity(
        &self,
        org: &OrgId,
        request: &ValidateEntityRequest,
    ) -> CatalogResult<()> {
        if crate::location::LocationSpec::parse_ref(&request.location).is_err() {
            return Err(CatalogError::Input(format!(
                "Invalid location ref '{}'",
                request.location
            )));
        }
        let mut entity = request.entity.clone();
        if !entity.is_object() {
            return Err(CatalogError::Invalid {
                message: "Malformed entity".into(),
                errors: vec![json!({"name": "TypeError", "message": "Expected object at root"})],
            });
        }
        apply_default_namespace(&mut entity);
        let registry = self.registry(org);
        let mut errors: Vec<Value> = match registry.validate(&entity) {
            Ok(()) => Vec::new(),
            Err(errs) => errs
                .iter()
                .map(|e| json!({"name": "TypeError", "message": e.message}))
                .collect(),
        };
        if errors.is_empty()
            && let Ok(e) = crate::entity::Entity::from_value(entity.clone())
            && let Err(err) = self.rules.relations_for(&e)
        {
            errors.push(json!({"name": "InputError", "message": err.to_string()}));
        }
        if errors.is_empty() {
            return Ok(());
        }
        let who = ref_of(&entity).unwrap_or_else(|| "entity".into());
        Err(CatalogError::Invalid {
            message: format!("Malformed envelope, {who} is not valid"),
            errors,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_facade_can_be_shared_across_request_handlers() {
        fn shared<T: Send + Sync + 'static>() {}
        shared::<super::Catalog>();
    }
}
