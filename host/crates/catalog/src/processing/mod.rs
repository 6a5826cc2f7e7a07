//! The ingestion pipeline, as Backstage's processing engine and stitcher define it: validate,
//! default namespace, relations (both directions), uid/etag, orphans, conflicts and errors.
//!
//! A producer (a registered location or an entity provider) emits [`Candidate`]s in a
//! [`ProducerRun`]; [`Engine::run`] processes them (in parallel where pure), compares each
//! with what is stored (a hash of the processing input, checked before validation: unchanged
//! entities cost no storage read and no write), refuses
//! entities another live producer owns, keeps the last good version with `status.items` when
//! processing fails, orphans (or deletes) what the producer stopped emitting, re-stitches the
//! `relations` of every entity a change touches, and writes everything through [`WriteSet`]s.

pub mod external_status;
mod pipeline;
pub mod sources;
pub mod status;

use std::collections::{BTreeSet, HashMap, HashSet};

use portico_storage::OrgId;
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::entity::{Entity, EntityMeta};
use crate::location::ANNOTATION_ORPHAN;
use crate::relations::RelationRules;
use crate::store::history::{HistoryEntry, diff, now_rfc3339};
use crate::store::{EntityRecord, PendingRecord, PreparedEntity, Store, StoreResult, WriteSet};
use crate::validation::{KindRegistry, apply_default_namespace};
use pipeline::Pipeline;

/// What happens to an entity its producer no longer emits (Backstage's `orphanStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrphanStrategy {
    /// Keep it, annotated `backstage.io/orphan: "true"` (Backstage's default).
    #[default]
    Keep,
    /// Delete it.
    Delete,
}

/// One entity as a producer emitted it, before processing.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The document (placeholders substituted, location annotations applied).
    pub value: Value,
    /// The entity refs that emitted it (lowercased).
    pub parents: Vec<String>,
    /// `<type>:<target>` it was read from.
    pub source_location: Option<String>,
    /// Set when an earlier step already failed (e.g. a placeholder could not be read): the
    /// `status.items` to keep. The document is then served as read if nothing better exists.
    pub failure: Option<Vec<Value>>,
}

impl Candidate {
    /// A candidate that has not failed yet.
    pub fn new(value: Value, parents: Vec<String>, source_location: Option<String>) -> Self {
        Candidate {
            value,
            parents,
            source_location,
            failure: None,
        }
    }
}

/// A candidate held back until the rest of its run is written, kept as compact JSON.
#[derive(Debug, Clone)]
pub struct HeldCandidate {
    json: Box<[u8]>,
    parents: Vec<String>,
    source_location: Option<String>,
    /// Held candidates are written by rank, one rank at a time.
    rank: u8,
}

impl HeldCandidate {
    /// Holds `value` (serialized) with where it came from.
    pub fn new(
        value: &Value,
        parents: Vec<String>,
        source_location: Option<String>,
        rank: u8,
    ) -> Self {
        HeldCandidate {
            json: serde_json::to_vec(value).unwrap_or_default().into(),
            parents,
            source_location,
            rank,
        }
    }

    /// The candidate again.
    pub fn into_candidate(self) -> Candidate {
        let value = serde_json::from_slice(&self.json).unwrap_or(Value::Null);
        Candidate::new(value, self.parents, self.source_location)
    }
}

/// Everything one producer emitted in one refresh.
#[derive(Debug, Clone, Default)]
pub struct ProducerRun {
    /// `location:<id>` or `provider:<name>`.
    pub producer: String,
    /// Delete (rather than orphan) entities no longer emitted: providers' full mutations and
    /// unregistered locations.
    pub eager: bool,
    /// The entities.
    pub candidates: Vec<Candidate>,
    /// Entities that others' relations usually point at (groups, users, systems, ...), held
    /// back by a streamed run and processed after its chunks and before `candidates`, so that
    /// the relations pointing at them are known when they are first written (see
    /// [`Engine::run_streamed`]).
    pub later: Vec<HeldCandidate>,
    /// Errors of a location step, keyed by the entity that emitted the location.
    pub parent_errors: HashMap<String, Vec<Value>>,
    /// Locations that failed to read: entities previously read from them are kept as they are.
    pub failed_locations: HashSet<String>,
    /// Human-readable problems of the run (walk errors, conflicts).
    pub messages: Vec<String>,
}

impl ProducerRun {
    /// An empty run.
    pub fn new(producer: String, eager: bool) -> Self {
        ProducerRun {
            producer,
            eager,
            ..Default::default()
        }
    }
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessReport {
    /// Entities written for the first time.
    pub created: usize,
    /// Entities whose content or status changed.
    pub updated: usize,
    /// Entities whose content hash was unchanged (nothing written).
    pub unchanged: usize,
    /// Entities marked `backstage.io/orphan`.
    pub orphaned: usize,
    /// Entities deleted.
    pub deleted: usize,
    /// Other entities whose `relations` changed because of this run.
    pub restitched: usize,
    /// Entities that failed and have no good version (kept as pending errors, not served).
    pub pending: usize,
    /// Conflict messages (entities refused because another producer owns them).
    pub conflicts: Vec<String>,
    /// Other problems (walk and processing errors).
    pub errors: Vec<String>,
}

/// The processing engine for one organization's store.
pub struct Engine<'a> {
    /// The store.
    pub store: &'a Store,
    /// Kind schemas in force.
    pub registry: &'a KindRegistry,
    /// Relation rules in force.
    pub rules: &'a RelationRules,
    /// Orphan handling.
    pub orphan_strategy: OrphanStrategy,
    /// Revisions kept per entity.
    pub history_limit: u64,
    /// Worker threads for the pure steps.
    pub threads: usize,
    /// Changes whenever the kind registry or relation rules change, so that every entity is
    /// processed again instead of being skipped as unchanged.
    pub epoch: u64,
    /// Told `(written, to write)` after each entity written (e.g. a CLI progress bar).
    pub progress: Option<&'a (dyn Fn(usize, usize) + Sync)>,
}

struct Prepared {
    entity_ref: String,
    processed: Value,
    emits: Vec<[String; 3]>,
    items: Vec<Value>,
    hash: String,
    serve_on_failure: bool,
    parents: Vec<String>,
    source_location: Option<String>,
}

struct Upsert {
    uid: String,
    old: Option<(EntityRecord, Value)>,
    processed: Value,
    items: Vec<Value>,
    emits: Vec<[String; 3]>,
    parents: Vec<String>,
    source_location: Option<String>,
    hash: String,
    producer: Option<String>,
    change: &'static str,
    history_producer: String,
    good: bool,
    /// A re-stitch of an entity this run created: rewrites that creation (same revision,
    /// same history entry) instead of adding a revision.
    rewrites_creation: bool,
    /// A re-stitch: only `relations` (and the etag) differ from the stored version, so only
    /// the relation postings are compared.
    relations_only: bool,
}

/// Entity changes to write together.
#[derive(Default)]
struct Changes {
    upserts: Vec<(String, Upsert)>,
    deletes: Vec<(EntityRecord, Value)>,
    pendings: Vec<PendingRecord>,
}

/// What one producer run carries from chunk to chunk.
#[derive(Default)]
struct RunState {
    report: ProcessReport,
    /// Entity refs the run emitted so far.
    seen: HashSet<String>,
    /// Whether each producer owning a conflicting entity still exists.
    alive: HashMap<String, bool>,
    /// Stored entities whose relations an earlier chunk changed: re-stitched at the end, once.
    deferred: BTreeSet<String>,
    /// Entities created by this run, with the revision written.
    created: HashMap<String, u64>,
    /// A hash of the relations each entity was written with by this run: a re-stitch that
    /// would write the same ones is skipped without reading the entity.
    relations_written: HashMap<String, u64>,
    /// Entities written so far and to write, for [`Engine::progress`].
    written: usize,
    to_write: usize,
}

type RelDelta = HashMap<String, Vec<(String, String, String)>>;

/// Largest write set applied at once; larger runs are split at entity boundaries.
const MAX_BATCH_OPS: usize = 20_000;

/// Entity changes built (in parallel) and applied together; while one part is written the
/// next is built, so a chunk is split into several parts.
const BUILD_CHUNK: usize = 500;

/// Held-back entities ([`ProducerRun::later`]) processed at once.
const LATER_CHUNK: usize = 2_000;

/// Entities re-stitched at once at the end of a run.
const RESTITCH_BATCH: usize = 2_000;

impl Engine<'_> {
    /// Processes one producer run and writes the outcome.
    pub fn run(&self, org: &OrgId, run: ProducerRun) -> StoreResult<ProcessReport> {
        let producer = run.producer.clone();
        self.run_streamed(org, &producer, std::iter::empty(), || run)
    }

    /// Processes a producer run that arrives in pieces: each chunk of `chunks` is processed
    /// and written as it comes (a large catalog is never held whole in memory), then `tail`
    /// gives the rest of the run (its last candidates, errors and failed locations, known only
    /// once the producer is done), then what the producer no longer emits is orphaned or
    /// deleted. Entities that a later chunk adds relations to are re-stitched once, at the end.
    pub fn run_streamed(
        &self,
        org: &OrgId,
        producer: &str,
        chunks: impl IntoIterator<Item = Vec<Candidate>>,
        tail: impl FnOnce() -> ProducerRun,
    ) -> StoreResult<ProcessReport> {
        let lock = self.store.write_lock(org);
        let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = RunState::default();
        // Entities whose re-stitch an earlier run could not finish (a crash, a failed write).
        state.deferred.extend(self.store.stitch_tickets(org)?);
        let no_parent_errors = HashMap::new();
        // Chunks are committed without waiting for the previous one to reach the index: a
        // chunk's decisions read only its own refs (a ref seen twice in a run is a conflict,
        // caught before any read), and relations that other entities of a chunk still in
        // flight add to its entities are caught by the re-stitch at the end (`deferred`).
        Pipeline::around(self.store, |pipeline| {
            for chunk in chunks {
                let changes = self.decide(org, producer, chunk, &no_parent_errors, &mut state)?;
                self.commit_into(org, changes, producer, &mut state, None, pipeline)?;
            }
            Ok(())
        })?;
        let mut run = tail();
        // Held candidates by rank (in the order read within one); the chunks of a rank are
        // committed without waiting for each other, as above, and each rank is in the index
        // before the next starts.
        let mut later = std::mem::take(&mut run.later);
        later.sort_by_key(|held| held.rank);
        let mut later = later.into_iter().peekable();
        while let Some(rank) = later.peek().map(|held| held.rank) {
            Pipeline::around(self.store, |pipeline| {
                loop {
                    let part: Vec<Candidate> =
                        std::iter::from_fn(|| later.next_if(|held| held.rank == rank))
                            .take(LATER_CHUNK)
                            .map(HeldCandidate::into_candidate)
                            .collect();
                    if part.is_empty() {
                        return Ok(());
                    }
                    let changes =
                        self.decide(org, producer, part, &no_parent_errors, &mut state)?;
                    self.commit_into(org, changes, producer, &mut state, None, pipeline)?;
                }
            })?;
        }
        let mut errors = run.messages.clone();
        errors.append(&mut state.report.errors);
        state.report.errors = errors;
        let mut changes = self.decide(
            org,
            producer,
            run.candidates,
            &run.parent_errors,
            &mut state,
        )?;

        // What the producer emitted before and no longer does.
        for (entity_ref, uid) in self.store.produced_by(org, producer)? {
            if state.seen.contains(&entity_ref) {
                continue;
            }
            let Some(mut record) = self.store.record(org, &uid)? else {
                continue;
            };
            if record.producer.as_deref() != Some(producer) {
                continue;
            }
            if !run.eager
                && record
                    .source_location
                    .as_ref()
                    .is_some_and(|l| run.failed_locations.contains(l))
            {
                continue;
            }
            let old = self.store.entity(org, &uid)?.unwrap_or(Value::Null);
            record.emits = self.emits_of(&old);
            if run.eager || self.orphan_strategy == OrphanStrategy::Delete {
                state.report.deleted += 1;
                changes.deletes.push((record, old));
            } else {
                state.report.orphaned += 1;
                let items = status_items(&old);
                changes.upserts.push((
                    entity_ref,
                    Upsert {
                        uid,
                        processed: strip(&old, true),
                        items,
                        emits: record.emits.clone(),
                        parents: record.parents.clone(),
                        source_location: record.source_location.clone(),
                        hash: record.source_hash.clone(),
                        producer: None,
                        change: "orphaned",
                        history_producer: producer.to_owned(),
                        good: record.good,
                        rewrites_creation: false,
                        relations_only: false,
                        old: Some((record, old)),
                    },
                ));
            }
        }
        for pending in self.store.pending_all(org)? {
            if pending.producer == producer && !state.seen.contains(&pending.entity_ref) {
                let mut ws = WriteSet::new(org, self.history_limit);
                ws.delete_pending(&pending.entity_ref);
                self.store.apply(ws)?;
            }
        }
        self.commit(org, changes, producer, &mut state, None)?;
        // Entities that chunks added relations to after they were written, re-stitched once
        // each, a bounded batch at a time.
        while !state.deferred.is_empty() {
            let batch: BTreeSet<String> = std::iter::from_fn(|| state.deferred.pop_first())
                .take(RESTITCH_BATCH)
                .collect();
            self.commit(org, Changes::default(), producer, &mut state, Some(batch))?;
        }
        Ok(state.report)
    }

    /// Decides what each candidate of a run becomes (created, updated, unchanged, refused as
    /// a conflict, or kept as a pending error).
    fn decide(
        &self,
        org: &OrgId,
        producer: &str,
        candidates: Vec<Candidate>,
        parent_errors: &HashMap<String, Vec<Value>>,
        state: &mut RunState,
    ) -> StoreResult<Changes> {
        let prepared =
            self.prepare_all(org, producer, candidates, parent_errors, &mut state.report);
        let report = &mut state.report;
        let mut upserts: Vec<(String, Upsert)> = Vec::new();
        let mut pendings: Vec<PendingRecord> = Vec::new();
        let metas = self
            .store
            .lookup_many(org, prepared.iter().map(|p| p.entity_ref.as_str()))?;
        for (p, meta) in prepared.into_iter().zip(metas) {
            if !state.seen.insert(p.entity_ref.clone()) {
                report.conflicts.push(format!(
                    "Detected conflicting entityRef {} emitted twice by {producer}",
                    p.entity_ref
                ));
                continue;
            }
            if let Some(meta) = &meta
                && let Some(owner) = &meta.producer
                && owner != producer
                && self.producer_alive(org, owner, &mut state.alive)?
            {
                state.seen.remove(&p.entity_ref);
                report.conflicts.push(format!(
                    "Detected conflicting entityRef {} already referenced by {owner} and now also {producer}",
                    p.entity_ref
                ));
                continue;
            }
            if let Some(meta) = &meta
                && meta.producer.as_deref() == Some(producer)
                && meta.hash == p.hash
            {
                report.unchanged += 1;
                continue;
            }
            let existing = match &meta {
                Some(meta) => self.load(org, &meta.uid)?,
                None => None,
            };
            let failed = !p.items.is_empty();
            match existing {
                Some((record, old)) => {
                    let uid = record.uid.clone();
                    let up = if failed && (record.good || !p.serve_on_failure) {
                        // Keep the last good version; only its status (and ownership) change.
                        Upsert {
                            uid: uid.clone(),
                            processed: strip(&old, false),
                            items: p.items,
                            emits: record.emits.clone(),
                            parents: p.parents,
                            source_location: record.source_location.clone(),
                            hash: p.hash,
                            producer: Some(producer.to_owned()),
                            change: "errors",
                            history_producer: producer.to_owned(),
                            good: record.good,
                            rewrites_creation: false,
                            relations_only: false,
                            old: Some((record, old)),
                        }
                    } else {
                        Upsert {
                            uid: uid.clone(),
                            processed: p.processed,
                            items: p.items,
                            emits: p.emits,
                            parents: p.parents,
                            source_location: p.source_location,
                            hash: p.hash,
                            producer: Some(producer.to_owned()),
                            change: "updated",
                            history_producer: producer.to_owned(),
                            good: !failed,
                            rewrites_creation: false,
                            relations_only: false,
                            old: Some((record, old)),
                        }
                    };
                    report.updated += 1;
                    upserts.push((p.entity_ref, up));
                }
                None if failed && !p.serve_on_failure => {
                    let pending = PendingRecord {
                        entity_ref: p.entity_ref.clone(),
                        producer: producer.to_owned(),
                        items: p.items,
                    };
                    report.pending += 1;
                    if self.store.pending(org, &p.entity_ref)?.as_ref() != Some(&pending) {
                        pendings.push(pending);
                    }
                }
                None => {
                    report.created += 1;
                    upserts.push((
                        p.entity_ref,
                        Upsert {
                            uid: crate::identity::new_uid(),
                            old: None,
                            processed: p.processed,
                            items: p.items,
                            emits: p.emits,
                            parents: p.parents,
                            source_location: p.source_location,
                            hash: p.hash,
                            producer: Some(producer.to_owned()),
                            change: "created",
                            history_producer: producer.to_owned(),
                            good: !failed,
                            rewrites_creation: false,
                            relations_only: false,
                        },
                    ));
                }
            }
        }
        Ok(Changes {
            upserts,
            deletes: Vec::new(),
            pendings,
        })
    }

    /// Deletes entities (by record) and re-stitches what they touched, e.g. for
    /// `DELETE /entities/by-uid/{uid}`.
    pub fn delete(
        &self,
        org: &OrgId,
        records: Vec<(EntityRecord, Value)>,
        who: &str,
    ) -> StoreResult<ProcessReport> {
        let lock = self.store.write_lock(org);
        let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let mut state = RunState::default();
        state.report.deleted = records.len();
        let now = Some(BTreeSet::new());
        let changes = Changes {
            deletes: records,
            ..Changes::default()
        };
        self.commit(org, changes, who, &mut state, now)?;
        Ok(state.report)
    }

    /// A stored entity's record (with the relations it emits) and served document.
    pub fn load(&self, org: &OrgId, uid: &str) -> StoreResult<Option<(EntityRecord, Value)>> {
        Ok(self
            .store
            .record_and_entity(org, uid)?
            .map(|(mut record, entity)| {
                record.emits = self.emits_of(&entity);
                (record, entity)
            }))
    }

    /// The relations a (served or processed) document's spec emits.
    fn emits_of(&self, value: &Value) -> Vec<[String; 3]> {
        self.rules
            .relations_for(&light_entity(value))
            .map(relations_to_emits)
            .unwrap_or_default()
    }

    fn producer_alive(
        &self,
        org: &OrgId,
        producer: &str,
        cache: &mut HashMap<String, bool>,
    ) -> StoreResult<bool> {
        if let Some(known) = cache.get(producer) {
            return Ok(*known);
        }
        let alive = match producer.strip_prefix("location:") {
            Some(id) => self.store.location(org, id)?.is_some(),
            None => true,
        };
        cache.insert(producer.to_owned(), alive);
        Ok(alive)
    }

    fn prepare_all(
        &self,
        org: &OrgId,
        producer: &str,
        candidates: Vec<Candidate>,
        parent_errors: &HashMap<String, Vec<Value>>,
        report: &mut ProcessReport,
    ) -> Vec<Prepared> {
        let results: Vec<Result<Prepared, String>> = parallel_map(candidates, self.threads, |c| {
            self.prepare(c, parent_errors, Some((org, producer)))
        });
        results
            .into_iter()
            .filter_map(|r| r.map_err(|e| report.errors.push(e)).ok())
            .collect()
    }

    fn prepare(
        &self,
        candidate: Candidate,
        parent_errors: &HashMap<String, Vec<Value>>,
        unchanged_check: Option<(&OrgId, &str)>,
    ) -> Result<Prepared, String> {
        let mut value = candidate.value;
        apply_default_namespace(&mut value);
        let entity_ref = ref_of(&value).ok_or_else(|| {
            "Entity envelope failed validation: kind and metadata.name must be strings".to_owned()
        })?;
        let extra = parent_errors.get(&entity_ref);
        // The hash covers everything processing reads, so an unchanged input skips validation.
        let hash = {
            let mut hasher = Sha256::new();
            let input = (
                &value,
                &candidate.failure,
                extra,
                &candidate.parents,
                &candidate.source_location,
                self.epoch,
            );
            hasher.update(serde_json::to_vec(&input).unwrap_or_default());
            hex::encode(hasher.finalize())
        };
        let serve_on_failure = candidate.failure.is_some();
        if let Some((org, producer)) = unchanged_check
            && let Ok(Some(meta)) = self.store.lookup(org, &entity_ref)
            && meta.hash == hash
            && meta.producer.as_deref() == Some(producer)
        {
            return Ok(Prepared {
                entity_ref,
                processed: Value::Null,
                emits: Vec::new(),
                items: Vec::new(),
                hash,
                serve_on_failure,
                parents: Vec::new(),
                source_location: None,
            });
        }
        let mut items = Vec::new();
        let mut emits = Vec::new();
        if let Some(failure) = candidate.failure {
            items = failure;
            if let Ok(relations) = self.rules.relations_for(&light_entity(&value)) {
                emits = relations_to_emits(relations);
            }
        } else {
            match self.registry.validate(&value) {
                Err(errors) => items.push(status::validation_item(&entity_ref, &errors)),
                Ok(()) => match self.rules.relations_for(&light_entity(&value)) {
                    Ok(relations) => emits = relations_to_emits(relations),
                    Err(e) => items.push(status::item(
                        "InputError",
                        &format!(
                            "Processor BuiltinKindsEntityProcessor threw an error while postprocessing; caused by {e}"
                        ),
                        None,
                    )),
                },
            }
        }
        if let Some(extra) = extra {
            items.extend(extra.iter().cloned());
        }
        Ok(Prepared {
            entity_ref,
            processed: value,
            emits,
            items,
            hash,
            serve_on_failure,
            parents: candidate.parents,
            source_location: candidate.source_location,
        })
    }

    /// [`Engine::commit_into`] with a pipeline of its own, finished before returning: the
    /// index has caught up.
    fn commit(
        &self,
        org: &OrgId,
        changes: Changes,
        producer: &str,
        state: &mut RunState,
        restitch: Option<BTreeSet<String>>,
    ) -> StoreResult<()> {
        Pipeline::around(self.store, |pipeline| {
            self.commit_into(org, changes, producer, state, restitch, pipeline)
        })
    }

    /// Writes a set of decided changes through `pipeline`: relations re-derived for every
    /// entity they touch, entities built in parallel and added in batches.
    fn commit_into(
        &self,
        org: &OrgId,
        changes: Changes,
        producer: &str,
        state: &mut RunState,
        restitch: Option<BTreeSet<String>>,
        pipeline: &Pipeline<'_>,
    ) -> StoreResult<()> {
        let Changes {
            upserts,
            deletes,
            pendings,
        } = changes;
        let report = &mut state.report;
        // Relation deltas, by source.
        let mut added: RelDelta = HashMap::new();
        let mut removed: RelDelta = HashMap::new();
        for (_, u) in &upserts {
            let old: HashSet<&[String; 3]> = u
                .old
                .as_ref()
                .map(|(r, _)| r.emits.iter().collect())
                .unwrap_or_default();
            let new: HashSet<&[String; 3]> = u.emits.iter().collect();
            for rel in new.difference(&old) {
                added.entry(rel[0].clone()).or_default().push((
                    rel[1].clone(),
                    rel[2].clone(),
                    u.uid.clone(),
                ));
            }
            for rel in old.difference(&new) {
                removed.entry(rel[0].clone()).or_default().push((
                    rel[1].clone(),
                    rel[2].clone(),
                    u.uid.clone(),
                ));
            }
        }
        for (record, _) in &deletes {
            for rel in &record.emits {
                removed.entry(rel[0].clone()).or_default().push((
                    rel[1].clone(),
                    rel[2].clone(),
                    record.uid.clone(),
                ));
            }
        }
        let deleted_refs: HashSet<&str> =
            deletes.iter().map(|(r, _)| r.entity_ref.as_str()).collect();
        let mut by_ref: HashMap<String, Upsert> = upserts.into_iter().collect();
        let mut affected: BTreeSet<String> = by_ref.keys().cloned().collect();
        affected.extend(added.keys().cloned());
        affected.extend(removed.keys().cloned());
        // Without a re-stitch set, stored entities whose relations change are left for later
        // (`state.deferred`); with one, they and the set are re-stitched now.
        let restitch_now = restitch.is_some();
        affected.extend(restitch.into_iter().flatten());

        // What other entities emit about the sources re-derived below, in one read.
        let mut emitted_about = self.store.relations_from_many(
            org,
            affected
                .iter()
                .filter(|s| !deleted_refs.contains(s.as_str()))
                .filter(|s| restitch_now || by_ref.contains_key(s.as_str()))
                .map(String::as_str),
        )?;
        let mut relations_of: HashMap<String, Vec<Value>> = HashMap::new();
        // Stored entities this commit makes stale: ticketed in its first batch, the tickets
        // closed in its last one when they are re-stitched here, else at the end of the run.
        let mut tickets: Vec<String> = Vec::new();
        for source in &affected {
            if deleted_refs.contains(source.as_str()) {
                continue;
            }
            if !by_ref.contains_key(source) {
                tickets.push(source.clone());
            }
            if !restitch_now && !by_ref.contains_key(source) {
                // Another stored entity whose relations changed: re-stitched at the end of
                // the run, once, when later chunks may have changed it again.
                state.deferred.insert(source.clone());
                continue;
            }
            let mut set: BTreeSet<(String, String, String)> = emitted_about
                .remove(source)
                .unwrap_or_default()
                .into_iter()
                .collect();
            for r in removed.get(source).into_iter().flatten() {
                set.remove(r);
            }
            for r in added.get(source).into_iter().flatten() {
                set.insert(r.clone());
            }
            let unique: BTreeSet<(&str, &str)> = set
                .iter()
                .map(|(t, g, _)| (t.as_str(), g.as_str()))
                .collect();
            let relations_hash = {
                use std::hash::{Hash, Hasher};
                let mut hasher = std::hash::DefaultHasher::new();
                unique.hash(&mut hasher);
                hasher.finish()
            };
            if !by_ref.contains_key(source)
                && state.relations_written.get(source) == Some(&relations_hash)
            {
                continue;
            }
            state
                .relations_written
                .insert(source.clone(), relations_hash);
            let relations: Vec<Value> = unique
                .into_iter()
                .map(|(t, g)| json!({"type": t, "targetRef": g}))
                .collect();
            if !by_ref.contains_key(source) {
                // Another stored entity whose relations changed: re-stitch it.
                let Some(uid) = self.store.uid_by_ref(org, source)? else {
                    continue;
                };
                // Only its relations (and so its etag) change: its spec's own relations stay
                // as stored, so they are not derived again (`emits` empty on both sides).
                let Some((record, old)) = self.store.record_and_entity(org, &uid)? else {
                    continue;
                };
                if old.get("relations") == Some(&Value::Array(relations.clone())) {
                    continue;
                }
                let rewrites_creation = state.created.get(source) == Some(&record.revision);
                if !rewrites_creation {
                    report.restitched += 1;
                }
                let orphan = record.producer.is_none();
                by_ref.insert(
                    source.clone(),
                    Upsert {
                        uid,
                        processed: strip(&old, orphan),
                        items: status_items(&old),
                        emits: record.emits.clone(),
                        parents: record.parents.clone(),
                        source_location: record.source_location.clone(),
                        hash: record.source_hash.clone(),
                        producer: record.producer.clone(),
                        change: if rewrites_creation {
                            "created"
                        } else {
                            "relations"
                        },
                        history_producer: match rewrites_creation {
                            true => record.producer.clone().unwrap_or_default(),
                            false => "stitch".to_owned(),
                        },
                        good: record.good,
                        rewrites_creation,
                        relations_only: true,
                        old: Some((record, old)),
                    },
                );
            }
            relations_of.insert(source.clone(), relations);
        }

        let timestamp = now_rfc3339();
        let mut ws = WriteSet::new(org, self.history_limit);
        for source in &tickets {
            ws.put_stitch_ticket(source);
        }
        let mut jobs: Vec<(String, Upsert, Vec<Value>, u64)> = Vec::with_capacity(by_ref.len());
        // A creation clears its ref's tombstone and pending failure: looked up here, while the
        // index is current for these refs (the writes below run behind).
        let clears = self.store.tombstones_and_pending(
            org,
            by_ref
                .iter()
                .filter(|(_, u)| u.old.is_none())
                .map(|(r, _)| r.as_str()),
        )?;
        for (entity_ref, u) in by_ref {
            let relations = relations_of.remove(&entity_ref).unwrap_or_default();
            let revision = match &u.old {
                Some((record, _)) if u.rewrites_creation => record.revision,
                Some((record, _)) => record.revision + 1,
                None => clears.get(&entity_ref).copied().flatten().unwrap_or(0) + 1,
            };
            if u.old.is_none() {
                state.created.insert(entity_ref.clone(), revision);
            }
            jobs.push((entity_ref, u, relations, revision));
        }
        jobs.sort_by(|a, b| a.0.cmp(&b.0));
        // Built in chunks (bounding peak memory); while one chunk is written and applied on
        // this thread, the next is built on the others, so that every core has work.
        let mut chunks: Vec<Vec<_>> = Vec::new();
        let mut jobs = jobs.into_iter();
        loop {
            let chunk: Vec<_> = jobs.by_ref().take(BUILD_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let timestamp = timestamp.as_str();
        let build_chunk = |chunk: Vec<(String, Upsert, Vec<Value>, u64)>, threads: usize| {
            parallel_map(chunk, threads, |(entity_ref, u, relations, revision)| {
                build(entity_ref, u, relations, revision, timestamp)
            })
        };
        state.to_write += chunks.iter().map(Vec::len).sum::<usize>();
        let total = state.to_write;
        let written = &mut state.written;
        std::thread::scope(|scope| -> StoreResult<()> {
            let mut chunks = chunks.into_iter();
            let mut built = chunks.next().map(|c| build_chunk(c, self.threads));
            while let Some(current) = built.take() {
                let next = chunks.next().map(|c| {
                    let threads = self.threads.saturating_sub(1).max(1);
                    spawn_named(scope, "catalog-build", move || build_chunk(c, threads))
                });
                for b in current {
                    self.write_built(org, &mut ws, b?, &clears)?;
                    *written += 1;
                    if let Some(progress) = self.progress {
                        progress(*written, total);
                    }
                }
                if ws.len() > MAX_BATCH_OPS || next.is_some() {
                    pipeline.send(self.take_writes(org, &mut ws))?;
                }
                built = next.map(|h| h.join().expect("processing worker panicked"));
            }
            // Deletions (their history read before they are written), pending failures and
            // closed stitch tickets go last, in the same pipeline.
            for (record, old) in deletes {
                self.materialize_history(org, &mut ws, &record)?;
                ws.delete_entity(&record, &old);
                for rel in &record.emits {
                    ws.delete_relation(&record.uid, rel);
                }
                let entry = HistoryEntry {
                    revision: record.revision + 1,
                    timestamp: timestamp.to_owned(),
                    producer: producer.to_owned(),
                    change: "deleted".into(),
                    uid: record.uid.clone(),
                    etag: None,
                    diff: Vec::new(),
                    diff_is_served: false,
                };
                ws.put_history(&record.entity_ref, &entry)?;
                ws.put_tombstone(&record.entity_ref, Some(record.revision + 1));
            }
            for pending in &pendings {
                ws.put_pending(pending)?;
            }
            if restitch_now {
                for source in &tickets {
                    ws.delete_stitch_ticket(source);
                }
            }
            pipeline.send(self.take_writes(org, &mut ws))
        })
    }

    fn take_writes(&self, org: &OrgId, ws: &mut WriteSet) -> WriteSet {
        std::mem::replace(ws, WriteSet::new(org, self.history_limit))
    }

    /// Copies the served entity into the history entry that refers to it, before the entity
    /// changes or is deleted (in the same batch).
    fn materialize_history(
        &self,
        org: &OrgId,
        ws: &mut WriteSet,
        record: &EntityRecord,
    ) -> StoreResult<()> {
        if record.served_in_history
            && let Some(entry) = self.store.materialized_history(org, record)?
        {
            ws.put_history_bytes(&record.entity_ref, record.revision, entry);
        }
        Ok(())
    }

    fn write_built(
        &self,
        org: &OrgId,
        ws: &mut WriteSet,
        b: Built,
        clears: &HashMap<String, Option<u64>>,
    ) -> StoreResult<()> {
        let Built {
            entity_ref,
            revision,
            old,
            prepared,
            history,
        } = b;
        let created = old.is_none();
        // (A rewrite of this run's creation keeps the revision: nothing to materialize.)
        if let Some(old_record) = &old
            && old_record.revision != revision
        {
            self.materialize_history(org, ws, old_record)?;
        }
        ws.put_prepared(prepared);
        if created && clears.contains_key(&entity_ref) {
            ws.delete_pending(&entity_ref);
            ws.put_tombstone(&entity_ref, None);
        }
        ws.put_history_bytes(&entity_ref, revision, history);
        Ok(())
    }
}

/// An upsert turned into what gets written: the CPU-heavy part, run in parallel.
struct Built {
    entity_ref: String,
    revision: u64,
    /// The stored version's record, if any.
    old: Option<EntityRecord>,
    prepared: PreparedEntity,
    history: Vec<u8>,
}

fn build(
    entity_ref: String,
    u: Upsert,
    relations: Vec<Value>,
    revision: u64,
    timestamp: &str,
) -> StoreResult<Built> {
    let orphan = u.producer.is_none();
    // External status belongs to the entity, not to one version of it: it carries over.
    let external = u
        .old
        .as_ref()
        .map(|(record, _)| record.external_status.clone())
        .unwrap_or_default();
    let etag = external_status::etag(&u.hash, &relations, &u.items, orphan, &external);
    let mut value = u.processed;
    if let Some(Value::Object(meta)) = value.get_mut("metadata") {
        if orphan {
            let annotations = meta
                .entry("annotations")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(a) = annotations {
                a.insert(ANNOTATION_ORPHAN.into(), "true".into());
            }
        }
        meta.insert("uid".into(), Value::String(u.uid.clone()));
        meta.insert("etag".into(), Value::String(etag.clone()));
    }
    if let Value::Object(root) = &mut value {
        root.insert("relations".into(), Value::Array(relations));
        external_status::set_status(root, u.items, &external);
    }
    let record = EntityRecord {
        uid: u.uid.clone(),
        entity_ref,
        producer: u.producer,
        parents: u.parents,
        source_location: u.source_location,
        source_hash: u.hash,
        emits: Vec::new(),
        revision,
        good: u.good,
        served_in_history: u.old.is_none() || u.rewrites_creation,
        external_status: external,
    };
    let mut entry = HistoryEntry {
        revision,
        timestamp: timestamp.to_owned(),
        producer: u.history_producer,
        change: u.change.into(),
        uid: u.uid,
        etag: Some(etag),
        diff: Vec::new(),
        diff_is_served: false,
    };
    let bytes = serde_json::to_vec(&value)?;
    match &u.old {
        Some(_) if u.rewrites_creation => entry.diff_is_served = true,
        Some((_, old)) => entry.diff = diff(Some(old), &value),
        // The diff of a creation is the entity itself: referred to, not copied (see
        // `HistoryEntry::diff_is_served`).
        None => entry.diff_is_served = true,
    }
    let history = serde_json::to_vec(&entry)?;
    let postings = match u.relations_only {
        true => crate::store::search::relation_postings,
        false => crate::store::postings,
    };
    let new_postings = postings(&value);
    let (old, old_postings) = match u.old {
        Some((r, v)) => (Some(r), Some(postings(&v))),
        None => (None, None),
    };
    let mut prepared = PreparedEntity::new(
        &record,
        old.as_ref().zip(old_postings),
        new_postings,
        &bytes,
    )?;
    let old_emits: HashSet<&[String; 3]> = old
        .as_ref()
        .map(|r| r.emits.iter().collect())
        .unwrap_or_default();
    let new_emits: HashSet<&[String; 3]> = u.emits.iter().collect();
    for rel in old_emits.difference(&new_emits) {
        prepared.delete_relation(&record.uid, rel);
    }
    for rel in new_emits.difference(&old_emits) {
        prepared.put_relation(&record.uid, rel);
    }
    Ok(Built {
        entity_ref: record.entity_ref,
        revision,
        old,
        prepared,
        history,
    })
}

/// `f` over `items` on up to `threads` threads, results in order.
/// `scope.spawn` with a thread name, so that profiles and `top -H` tell the catalog's threads
/// apart. Like `scope.spawn`, it panics only if the OS cannot start a thread.
pub(crate) fn spawn_named<'scope, T: Send + 'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    name: &str,
    f: impl FnOnce() -> T + Send + 'scope,
) -> std::thread::ScopedJoinHandle<'scope, T> {
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn_scoped(scope, f)
        .expect("the OS could not start a catalog thread")
}

fn parallel_map<T: Send, R: Send>(
    items: Vec<T>,
    threads: usize,
    f: impl Fn(T) -> R + Sync,
) -> Vec<R> {
    if threads <= 1 || items.len() < 64 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut chunks: Vec<Vec<T>> = Vec::new();
    let mut iter = items.into_iter();
    loop {
        let part: Vec<T> = iter.by_ref().take(chunk).collect();
        if part.is_empty() {
            break;
        }
        chunks.push(part);
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|part| {
                spawn_named(scope, "catalog-work", move || {
                    part.into_iter().map(f).collect::<Vec<R>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("processing worker panicked"))
            .collect()
    })
}

/// `kind:namespace/name`, lowercased, of a document (namespace defaulted).
pub fn ref_of(value: &Value) -> Option<String> {
    let kind = value.get("kind")?.as_str()?;
    let meta = value.get("metadata")?;
    let name = meta.get("name")?.as_str()?;
    let namespace = match meta.get("namespace").and_then(Value::as_str) {
        Some(ns) if !ns.is_empty() => ns,
        _ => crate::entity::DEFAULT_NAMESPACE,
    };
    if kind.is_empty() || name.is_empty() {
        return None;
    }
    Some(format!("{kind}:{namespace}/{name}").to_lowercase())
}

/// An [`Entity`] with just what relation rules read (kind, namespace, name, spec).
pub fn light_entity(value: &Value) -> Entity {
    let text = |p: &str| value.pointer(p).and_then(Value::as_str).map(str::to_owned);
    Entity {
        api_version: text("/apiVersion").unwrap_or_default(),
        kind: text("/kind").unwrap_or_default(),
        metadata: EntityMeta {
            name: text("/metadata/name").unwrap_or_default(),
            namespace: text("/metadata/namespace"),
            ..Default::default()
        },
        spec: value.get("spec").and_then(Value::as_object).cloned(),
        relations: None,
        status: None,
        extra: Map::new(),
    }
}

/// Relations as `[source, type, target]` with lowercased refs, sorted and deduplicated.
pub fn relations_to_emits(relations: Vec<crate::relations::Relation>) -> Vec<[String; 3]> {
    let set: BTreeSet<[String; 3]> = relations
        .into_iter()
        .map(|r| [r.source.stringify(), r.relation_type, r.target.stringify()])
        .collect();
    set.into_iter().collect()
}

/// A served entity without what stitching adds (uid, etag, relations, status; the orphan
/// annotation unless `keep_orphan`).
fn strip(served: &Value, keep_orphan: bool) -> Value {
    let mut value = served.clone();
    if let Value::Object(root) = &mut value {
        root.remove("relations");
        root.remove("status");
        if let Some(Value::Object(meta)) = root.get_mut("metadata") {
            meta.remove("uid");
            meta.remove("etag");
            if !keep_orphan && let Some(Value::Object(a)) = meta.get_mut("annotations") {
                a.remove(ANNOTATION_ORPHAN);
            }
        }
    }
    value
}

/// The `status.items` of a served entity.
fn status_items(served: &Value) -> Vec<Value> {
    served
        .pointer("/status/items")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}
