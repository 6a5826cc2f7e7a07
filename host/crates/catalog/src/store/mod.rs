//! Persistence of processed entities per organization on a [`Storage`]: entities by uid and the
//! name, search, relation, producer, location, history indexes, written in atomic batches.
//!
//! Everything lives in one table ([`TABLE`]) under the organization's keyspace, with one byte
//! prefix per index (see [`keys`]). A [`WriteSet`] collects the writes of any number of entity
//! changes; each change's entity, record, every index entry and its history entry go into the same
//! [`Batch`], and [`Store::apply`] applies it atomically, so a crash never leaves an entity without
//! its indexes. Reads are point gets and prefix scans; nothing here scans every entity.

pub mod history;
pub mod keys;
pub mod search;

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, MutexGuard};

use portico_storage::{Batch, Keyspace, OrgId, Storage, StorageError};
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use history::HistoryEntry;
use keys::*;
pub use search::{Posting, postings};

/// The catalog's table in every organization.
pub const TABLE: &str = "catalog";

/// What the catalog keeps about a stored entity besides the entity itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntityRecord {
    /// `metadata.uid`.
    pub uid: String,
    /// The entity ref, lowercased (`kind:namespace/name`).
    pub entity_ref: String,
    /// Who emits it (`location:<id>` / `provider:<name>`); `None` once orphaned.
    #[serde(default)]
    pub producer: Option<String>,
    /// The entity refs that emitted it (its parents for ancestry).
    #[serde(default)]
    pub parents: Vec<String>,
    /// `<type>:<target>` of the location it was read from.
    #[serde(default)]
    pub source_location: Option<String>,
    /// Hash of the processing input and outcome; unchanged hash means nothing to write.
    pub source_hash: String,
    /// The relations this entity's spec emits (source, type, target), lowercased refs.
    #[serde(default)]
    pub emits: Vec<[String; 3]>,
    /// The current revision (see [`HistoryEntry::revision`]).
    pub revision: u64,
    /// Whether the served content processed successfully at least once (false for a document
    /// served as read after its first processing failed).
    #[serde(default = "yes")]
    pub good: bool,
}

fn yes() -> bool {
    true
}

/// A processing failure for an entity that never processed successfully (not served).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingRecord {
    /// The entity ref, lowercased.
    pub entity_ref: String,
    /// The producer that emitted it.
    pub producer: String,
    /// Backstage `status.items` for the failure.
    pub items: Vec<Value>,
}

/// A registered location (Backstage's `Location`: `id`, `type`, `target`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationRecord {
    /// The location id (a UUID).
    pub id: String,
    /// `file`, `url`, ...
    #[serde(rename = "type")]
    pub location_type: String,
    /// The target.
    pub target: String,
    /// Problems of the last refresh that belong to the location itself (e.g. conflicts).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

/// Storage failures, already worded for users.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("catalog storage: {0}")]
pub struct StoreError(pub String);

impl From<StorageError> for StoreError {
    fn from(e: StorageError) -> Self {
        StoreError(e.to_string())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError(format!("corrupt record: {e}"))
    }
}

/// Result of store operations.
pub type StoreResult<T> = Result<T, StoreError>;

/// The catalog store on any [`Storage`] backend.
#[derive(Clone)]
pub struct Store {
    storage: Arc<dyn Storage>,
    writer: Arc<Mutex<()>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// A posting read from the search index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostingEntry {
    /// The lowercased value (`None` for null).
    pub value: Option<String>,
    /// The entity uid.
    pub uid: String,
    /// The value as written.
    pub original: String,
}

impl Store {
    /// A store on `storage`.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Store {
            storage,
            writer: Arc::new(Mutex::new(())),
        }
    }

    /// The backend.
    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.storage
    }

    /// The organization's catalog keyspace.
    pub fn space(org: &OrgId) -> Keyspace {
        Keyspace::new(org.clone(), TABLE)
    }

    /// Serializes writers: processing reads indexes, computes changes and applies them while
    /// holding this, so two refreshes never interleave their read-modify-write cycles.
    pub fn write_lock(&self) -> MutexGuard<'_, ()> {
        self.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies a write set atomically.
    pub fn apply(&self, writes: WriteSet) -> StoreResult<()> {
        Ok(self.storage.apply(writes.batch)?)
    }

    fn get(&self, org: &OrgId, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.storage.get(&Self::space(org), key)?)
    }

    fn scan(&self, org: &OrgId, prefix: &[u8]) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        self.storage
            .scan_prefix(&Self::space(org), prefix)
            .map(|e| e.map_err(StoreError::from))
            .collect()
    }

    /// Visits entries under `prefix` in order (reverse if asked) until `f` returns false.
    pub fn scan_with(
        &self,
        org: &OrgId,
        start: &[u8],
        end: &[u8],
        reverse: bool,
        mut f: impl FnMut(&[u8], &[u8]) -> bool,
    ) -> StoreResult<()> {
        for entry in self
            .storage
            .scan_range(&Self::space(org), start, end, reverse)
        {
            let (k, v) = entry?;
            if !f(&k, &v) {
                break;
            }
        }
        Ok(())
    }

    /// The served entity with this uid, as stored JSON bytes.
    pub fn entity_bytes(&self, org: &OrgId, uid: &str) -> StoreResult<Option<Vec<u8>>> {
        if !clean(uid) {
            return Ok(None);
        }
        self.get(org, &key(ENTITY, &[uid.as_bytes()]))
    }

    /// The served entity with this uid.
    pub fn entity(&self, org: &OrgId, uid: &str) -> StoreResult<Option<Value>> {
        match self.entity_bytes(org, uid)? {
            None => Ok(None),
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        }
    }

    /// The record of the entity with this uid.
    pub fn record(&self, org: &OrgId, uid: &str) -> StoreResult<Option<EntityRecord>> {
        if !clean(uid) {
            return Ok(None);
        }
        match self.get(org, &key(RECORD, &[uid.as_bytes()]))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        }
    }

    /// The uid of the entity with this ref (`kind:namespace/name`, any case).
    pub fn uid_by_ref(&self, org: &OrgId, entity_ref: &str) -> StoreResult<Option<String>> {
        let lower = entity_ref.to_lowercase();
        if !clean(&lower) {
            return Ok(None);
        }
        Ok(self
            .get(org, &key(NAME, &[lower.as_bytes()]))?
            .map(|v| text(&v)))
    }

    /// Every (entity ref, uid), ordered by entity ref.
    pub fn refs(&self, org: &OrgId) -> StoreResult<Vec<(String, String)>> {
        Ok(self
            .scan(org, &prefix(NAME, &[]))?
            .into_iter()
            .map(|(k, v)| (text(&k[2..]), text(&v)))
            .collect())
    }

    /// Number of served entities.
    pub fn count(&self, org: &OrgId) -> StoreResult<usize> {
        let mut n = 0;
        for entry in self
            .storage
            .scan_prefix(&Self::space(org), &prefix(NAME, &[]))
        {
            entry?;
            n += 1;
        }
        Ok(n)
    }

    /// Postings of `key` whose lowercased value starts with `value_prefix` (all for `""`),
    /// in (value, uid) order. `exact` restricts to values equal to `value_prefix`.
    pub fn postings(
        &self,
        org: &OrgId,
        field: &str,
        value_prefix: Option<&str>,
        exact: bool,
    ) -> StoreResult<Vec<PostingEntry>> {
        let mut out = Vec::new();
        self.for_postings(org, field, value_prefix, exact, false, |p| {
            out.push(p);
            true
        })?;
        Ok(out)
    }

    /// Like [`Store::postings`], streaming, optionally in reverse order.
    pub fn for_postings(
        &self,
        org: &OrgId,
        field: &str,
        value_prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(PostingEntry) -> bool,
    ) -> StoreResult<()> {
        if !clean(field) || value_prefix.is_some_and(|v| !clean(v)) {
            return Ok(());
        }
        let mut start = prefix(SEARCH, &[field.as_bytes()]);
        if let Some(v) = value_prefix {
            start.extend_from_slice(v.as_bytes());
            if exact {
                start.push(0);
            }
        }
        let end = prefix_end(&start);
        let field_len = 2 + field.len() + 1;
        self.scan_with(org, &start, &end, reverse, |k, v| {
            let rest = &k[field_len.min(k.len())..];
            let Some(split) = rest.iter().rposition(|b| *b == 0) else {
                return true;
            };
            let (value, uid) = (&rest[..split], &rest[split + 1..]);
            f(PostingEntry {
                value: (value != NULL_VALUE).then(|| text(value)),
                uid: text(uid),
                original: text(v),
            })
        })
    }

    /// Uids having a posting for `field` with exactly `value` (lowercased), sorted.
    pub fn uids_eq(&self, org: &OrgId, field: &str, value: &str) -> StoreResult<Vec<String>> {
        let mut out = Vec::new();
        self.for_postings(org, field, Some(value), true, false, |p| {
            out.push(p.uid);
            true
        })?;
        Ok(out)
    }

    /// Relations whose source is `source`: (type, target, origin uid).
    pub fn relations_from(
        &self,
        org: &OrgId,
        source: &str,
    ) -> StoreResult<Vec<(String, String, String)>> {
        self.relation_scan(org, REL_OUT, source)
    }

    /// Relations whose target is `target`: (type, source, origin uid).
    pub fn relations_to(
        &self,
        org: &OrgId,
        target: &str,
    ) -> StoreResult<Vec<(String, String, String)>> {
        self.relation_scan(org, REL_IN, target)
    }

    fn relation_scan(
        &self,
        org: &OrgId,
        index: u8,
        entity_ref: &str,
    ) -> StoreResult<Vec<(String, String, String)>> {
        if !clean(entity_ref) {
            return Ok(Vec::new());
        }
        Ok(self
            .scan(org, &prefix(index, &[entity_ref.as_bytes()]))?
            .into_iter()
            .filter_map(|(k, _)| {
                let parts = split(&k);
                (parts.len() == 4).then(|| (text(parts[1]), text(parts[2]), text(parts[3])))
            })
            .collect())
    }

    /// The (entity ref, uid) pairs a producer emits.
    pub fn produced_by(&self, org: &OrgId, producer: &str) -> StoreResult<Vec<(String, String)>> {
        if !clean(producer) {
            return Ok(Vec::new());
        }
        let p = prefix(PRODUCED, &[producer.as_bytes()]);
        Ok(self
            .scan(org, &p)?
            .into_iter()
            .map(|(k, v)| (text(&k[p.len()..]), text(&v)))
            .collect())
    }

    /// A registered location.
    pub fn location(&self, org: &OrgId, id: &str) -> StoreResult<Option<LocationRecord>> {
        if !clean(id) {
            return Ok(None);
        }
        match self.get(org, &key(LOCATION, &[id.as_bytes()]))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        }
    }

    /// The id of the location registered for `<type>:<target>`.
    pub fn location_id_by_target(
        &self,
        org: &OrgId,
        reference: &str,
    ) -> StoreResult<Option<String>> {
        if !clean(reference) {
            return Ok(None);
        }
        Ok(self
            .get(org, &key(LOCATION_TARGET, &[reference.as_bytes()]))?
            .map(|v| text(&v)))
    }

    /// Every registered location, by id.
    pub fn locations(&self, org: &OrgId) -> StoreResult<Vec<LocationRecord>> {
        self.scan(org, &prefix(LOCATION, &[]))?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }

    /// The history of an entity ref, oldest first.
    pub fn history(&self, org: &OrgId, entity_ref: &str) -> StoreResult<Vec<HistoryEntry>> {
        let lower = entity_ref.to_lowercase();
        if !clean(&lower) {
            return Ok(Vec::new());
        }
        self.scan(org, &prefix(HISTORY, &[lower.as_bytes()]))?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }

    /// The latest revision recorded for an entity ref (0 if none).
    pub fn last_revision(&self, org: &OrgId, entity_ref: &str) -> StoreResult<u64> {
        let lower = entity_ref.to_lowercase();
        if !clean(&lower) {
            return Ok(0);
        }
        let start = prefix(HISTORY, &[lower.as_bytes()]);
        let end = prefix_end(&start);
        let mut last = 0;
        self.scan_with(org, &start, &end, true, |k, _| {
            last = std::str::from_utf8(&k[start.len()..])
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            false
        })?;
        Ok(last)
    }

    /// The pending failure of an entity ref that never processed successfully.
    pub fn pending(&self, org: &OrgId, entity_ref: &str) -> StoreResult<Option<PendingRecord>> {
        let lower = entity_ref.to_lowercase();
        if !clean(&lower) {
            return Ok(None);
        }
        match self.get(org, &key(PENDING, &[lower.as_bytes()]))? {
            None => Ok(None),
            Some(bytes) => Ok(Some(serde_json::from_slice(&bytes)?)),
        }
    }

    /// Every pending failure.
    pub fn pending_all(&self, org: &OrgId) -> StoreResult<Vec<PendingRecord>> {
        self.scan(org, &prefix(PENDING, &[]))?
            .into_iter()
            .map(|(_, v)| Ok(serde_json::from_slice(&v)?))
            .collect()
    }
}

/// The first key after every key starting with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xFF {
            end.push(last + 1);
            return end;
        }
    }
    Vec::new()
}

/// The writes of one or more entity changes, applied atomically by [`Store::apply`].
#[derive(Debug)]
pub struct WriteSet {
    space: Keyspace,
    batch: Batch,
    history_limit: u64,
}

impl WriteSet {
    /// An empty write set for `org`, keeping `history_limit` revisions per entity.
    pub fn new(org: &OrgId, history_limit: u64) -> Self {
        WriteSet {
            space: Store::space(org),
            batch: Batch::new(),
            history_limit: history_limit.max(1),
        }
    }

    /// Number of operations so far.
    pub fn len(&self) -> usize {
        self.batch.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.batch.is_empty()
    }

    /// Writes an entity (new or changed) with its record and index entries. `old` is the
    /// previously served version, whose postings are replaced; `bytes` is `new` serialized.
    pub fn put_entity(
        &mut self,
        record: &EntityRecord,
        old: Option<(&EntityRecord, &Value)>,
        new: &Value,
        bytes: Vec<u8>,
    ) -> StoreResult<()> {
        let uid = record.uid.as_bytes();
        self.batch.put(&self.space, key(ENTITY, &[uid]), bytes);
        self.batch.put(
            &self.space,
            key(RECORD, &[uid]),
            serde_json::to_vec(record)?,
        );
        let new_postings = postings(new);
        match old {
            Some((old_record, old_entity)) => {
                if old_record.entity_ref != record.entity_ref || old_record.uid != record.uid {
                    self.delete_name(&old_record.entity_ref);
                    self.put_name(&record.entity_ref, &record.uid);
                }
                let old_postings = postings(old_entity);
                for p in old_postings.difference(&new_postings) {
                    self.batch
                        .delete(&self.space, posting_key(p, old_record.uid.as_bytes()));
                }
                for p in new_postings.difference(&old_postings) {
                    self.put_posting(p, uid);
                }
            }
            None => {
                self.put_name(&record.entity_ref, &record.uid);
                for p in &new_postings {
                    self.put_posting(p, uid);
                }
            }
        }
        Ok(())
    }

    /// Removes an entity, its record, name and search entries.
    pub fn delete_entity(&mut self, record: &EntityRecord, entity: &Value) {
        let uid = record.uid.as_bytes();
        self.batch.delete(&self.space, key(ENTITY, &[uid]));
        self.batch.delete(&self.space, key(RECORD, &[uid]));
        self.delete_name(&record.entity_ref);
        for p in postings(entity) {
            self.batch.delete(&self.space, posting_key(&p, uid));
        }
    }

    fn put_name(&mut self, entity_ref: &str, uid: &str) {
        if clean(entity_ref) {
            self.batch
                .put(&self.space, key(NAME, &[entity_ref.as_bytes()]), uid);
        }
    }

    fn delete_name(&mut self, entity_ref: &str) {
        if clean(entity_ref) {
            self.batch
                .delete(&self.space, key(NAME, &[entity_ref.as_bytes()]));
        }
    }

    fn put_posting(&mut self, p: &Posting, uid: &[u8]) {
        self.batch
            .put(&self.space, posting_key(p, uid), p.original.as_bytes());
    }

    /// Adds a relation `source -type-> target` emitted by the entity `origin`.
    pub fn put_relation(&mut self, origin: &str, [source, kind, target]: &[String; 3]) {
        if [origin, source, kind, target].iter().all(|p| clean(p)) {
            let (o, s, k, t) = (
                origin.as_bytes(),
                source.as_bytes(),
                kind.as_bytes(),
                target.as_bytes(),
            );
            self.batch
                .put(&self.space, key(REL_OUT, &[s, k, t, o]), Vec::new());
            self.batch
                .put(&self.space, key(REL_IN, &[t, k, s, o]), Vec::new());
        }
    }

    /// Removes a relation added by [`WriteSet::put_relation`].
    pub fn delete_relation(&mut self, origin: &str, [source, kind, target]: &[String; 3]) {
        if [origin, source, kind, target].iter().all(|p| clean(p)) {
            let (o, s, k, t) = (
                origin.as_bytes(),
                source.as_bytes(),
                kind.as_bytes(),
                target.as_bytes(),
            );
            self.batch.delete(&self.space, key(REL_OUT, &[s, k, t, o]));
            self.batch.delete(&self.space, key(REL_IN, &[t, k, s, o]));
        }
    }

    /// Records that `producer` emits `entity_ref` (stored with `uid`).
    pub fn put_produced(&mut self, producer: &str, entity_ref: &str, uid: &str) {
        if clean(producer) && clean(entity_ref) {
            self.batch.put(
                &self.space,
                key(PRODUCED, &[producer.as_bytes(), entity_ref.as_bytes()]),
                uid,
            );
        }
    }

    /// Forgets that `producer` emits `entity_ref`.
    pub fn delete_produced(&mut self, producer: &str, entity_ref: &str) {
        if clean(producer) && clean(entity_ref) {
            self.batch.delete(
                &self.space,
                key(PRODUCED, &[producer.as_bytes(), entity_ref.as_bytes()]),
            );
        }
    }

    /// Appends a history entry, dropping the one that falls out of the kept window.
    pub fn put_history(&mut self, entity_ref: &str, entry: &HistoryEntry) -> StoreResult<()> {
        if !clean(entity_ref) {
            return Ok(());
        }
        let r = entity_ref.as_bytes();
        self.batch.put(
            &self.space,
            key(HISTORY, &[r, revision(entry.revision).as_bytes()]),
            serde_json::to_vec(entry)?,
        );
        if entry.revision > self.history_limit {
            let gone = entry.revision - self.history_limit;
            self.batch
                .delete(&self.space, key(HISTORY, &[r, revision(gone).as_bytes()]));
        }
        Ok(())
    }

    /// Stores (or replaces) a pending failure.
    pub fn put_pending(&mut self, pending: &PendingRecord) -> StoreResult<()> {
        if clean(&pending.entity_ref) {
            self.batch.put(
                &self.space,
                key(PENDING, &[pending.entity_ref.as_bytes()]),
                serde_json::to_vec(pending)?,
            );
        }
        Ok(())
    }

    /// Removes a pending failure.
    pub fn delete_pending(&mut self, entity_ref: &str) {
        if clean(entity_ref) {
            self.batch
                .delete(&self.space, key(PENDING, &[entity_ref.as_bytes()]));
        }
    }

    /// Stores a location and its `<type>:<target>` lookup.
    pub fn put_location(&mut self, location: &LocationRecord) -> StoreResult<()> {
        let reference = format!("{}:{}", location.location_type, location.target);
        if clean(&location.id) && clean(&reference) {
            self.batch.put(
                &self.space,
                key(LOCATION, &[location.id.as_bytes()]),
                serde_json::to_vec(location)?,
            );
            self.batch.put(
                &self.space,
                key(LOCATION_TARGET, &[reference.as_bytes()]),
                location.id.as_bytes(),
            );
        }
        Ok(())
    }

    /// Removes a location and its lookup.
    pub fn delete_location(&mut self, location: &LocationRecord) {
        let reference = format!("{}:{}", location.location_type, location.target);
        self.batch
            .delete(&self.space, key(LOCATION, &[location.id.as_bytes()]));
        self.batch
            .delete(&self.space, key(LOCATION_TARGET, &[reference.as_bytes()]));
    }

    /// Removes every history entry of an entity ref (revisions `from..=to`).
    pub fn delete_history(&mut self, entity_ref: &str, from: u64, to: u64) {
        for rev in from..=to {
            self.batch.delete(
                &self.space,
                key(HISTORY, &[entity_ref.as_bytes(), revision(rev).as_bytes()]),
            );
        }
    }
}

fn posting_key(p: &Posting, uid: &[u8]) -> Vec<u8> {
    let value = p.value.as_deref().map_or(NULL_VALUE, str::as_bytes);
    key(SEARCH, &[p.key.as_bytes(), value, uid])
}

/// Distinct sorted set helper used by callers that merge relation sets.
pub type RelationSet = BTreeSet<(String, String)>;
