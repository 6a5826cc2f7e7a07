//! External entity status through the [`Catalog`]: list, write and delete the status a source
//! reports for an entity, one at a time or in a batch (Backstage's `/status` and
//! `/status-batch` operations).
//!
//! A write changes the entity's record and, unless the caller skips stitching, re-stitches the
//! served entity (`status.<source>`, new etag) in the same batch, under the organization's
//! writer lock so that it never interleaves with a refresh of the same entity. A skipped stitch
//! happens with the next write that stitches, the next change processing makes to the entity,
//! or a `POST /refresh` of it ([`Catalog::stitch_entity_status`]).

use std::collections::BTreeMap;

use portico_storage::OrgId;
use serde_json::{Map, Value, json};

use super::{Catalog, not_found_by_name};
use crate::api::*;
use crate::processing::external_status::stitched;
use crate::refs::EntityRef;
use crate::store::external_status::{
    ExternalStatus, MAX_SOURCES_PER_ENTITY, validate_source, validate_status,
};
use crate::store::history::now_rfc3339;
use crate::store::{EntityRecord, WriteSet, postings};

/// Most entries of one `POST /entities/status-batch` (the spec's `maxItems`).
pub const MAX_BATCH_ENTRIES: usize = 100;

/// One change to one entity's external status.
enum Change {
    Set(String, Map<String, Value>),
    Delete(String),
}

/// An entity being changed: its record as stored, as changed, and its served document.
struct Touched {
    stored: EntityRecord,
    changed: EntityRecord,
    served: Value,
}

impl Catalog {
    /// `GET /entities/by-name/{kind}/{namespace}/{name}/status`: the sources with status for
    /// the entity (as written, whether or not stitched yet).
    pub fn entity_status_sources(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> CatalogResult<EntityStatusSources> {
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let record = self
            .store
            .uid_by_ref(org, &entity_ref)?
            .map(|uid| self.store.record(org, &uid))
            .transpose()?
            .flatten()
            .ok_or_else(|| not_found_by_name(kind, namespace, name))?;
        Ok(EntityStatusSources {
            sources: record.external_status.into_keys().collect(),
        })
    }

    /// `POST /entities/by-name/{kind}/{namespace}/{name}/status`: writes one source's status
    /// (replacing what it reported before); `stitch: false` is `?stitch=skip`.
    pub fn set_entity_status(
        &self,
        org: &OrgId,
        (kind, namespace, name): (&str, &str, &str),
        update: &EntityStatusUpdate,
        stitch: bool,
    ) -> CatalogResult<()> {
        validate_source(&update.source).map_err(CatalogError::Input)?;
        let status = validate_status(&update.status).map_err(CatalogError::Input)?;
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let change = Change::Set(update.source.clone(), status);
        let mut results = self.change_statuses(org, vec![(entity_ref, change)], stitch)?;
        results.pop().unwrap_or(Ok(())).map_err(|e| match e {
            CatalogError::NotFound(_) => not_found_by_name(kind, namespace, name),
            other => other,
        })
    }

    /// `DELETE /entities/by-name/{kind}/{namespace}/{name}/status?source=`: removes one
    /// source's status; `NotFoundError` if the entity has none from it.
    pub fn delete_entity_status(
        &self,
        org: &OrgId,
        (kind, namespace, name): (&str, &str, &str),
        source: &str,
        stitch: bool,
    ) -> CatalogResult<()> {
        if source.is_empty() {
            return Err(CatalogError::Input(
                "the `source` query parameter is required".into(),
            ));
        }
        let entity_ref = EntityRef::new(kind, namespace, name).stringify();
        let change = Change::Delete(source.to_owned());
        let mut results = self.change_statuses(org, vec![(entity_ref, change)], stitch)?;
        results.pop().unwrap_or(Ok(()))
    }

    /// `POST /entities/status-batch`: validates every entry first (any invalid one fails the
    /// whole request with `InputError` and nothing is written), then writes the statuses of the
    /// entities that exist in one batch with one stitch. The result has one entry per request
    /// entry; entries for unknown entities are `ok: false`.
    pub fn batch_set_entity_status(
        &self,
        org: &OrgId,
        entries: &[BatchStatusEntry],
        stitch: bool,
    ) -> CatalogResult<BatchStatusResponse> {
        if entries.is_empty() || entries.len() > MAX_BATCH_ENTRIES {
            return Err(CatalogError::Input(format!(
                "a status batch holds 1 to {MAX_BATCH_ENTRIES} entries, got {}",
                entries.len()
            )));
        }
        let mut changes = Vec::with_capacity(entries.len());
        let mut errors = Vec::new();
        for (i, entry) in entries.iter().enumerate() {
            let entity_ref = EntityRef::parse_full(&entry.entity_ref)
                .map(|r| r.stringify())
                .map_err(|e| format!("invalid entityRef: {e}"));
            let checked = entity_ref.and_then(|entity_ref| {
                validate_source(&entry.source)?;
                let status = validate_status(&entry.status)?;
                Ok((entity_ref, Change::Set(entry.source.clone(), status)))
            });
            match checked {
                Ok(change) => changes.push(change),
                Err(message) => errors.push(json!({
                    "name": "InputError",
                    "message": format!("entry {i} ({}): {message}", short(&entry.entity_ref)),
                })),
            }
        }
        if !errors.is_empty() {
            return Err(CatalogError::Invalid {
                message: format!(
                    "Invalid status batch: {} of {} entries are invalid, nothing was written",
                    errors.len(),
                    entries.len()
                ),
                errors,
            });
        }
        let results = self.change_statuses(org, changes, stitch)?;
        Ok(BatchStatusResponse {
            results: entries
                .iter()
                .zip(results)
                .map(|(entry, result)| BatchStatusResult {
                    entity_ref: entry.entity_ref.clone(),
                    ok: result.is_ok(),
                    error: result.err().map(|e| format!("{}: {e}", e.name())),
                })
                .collect(),
        })
    }

    /// Stitches the external status written with `?stitch=skip` into the served entity
    /// (`kind:namespace/name`); `true` if the served entity changed.
    pub fn stitch_entity_status(&self, org: &OrgId, entity_ref: &str) -> CatalogResult<bool> {
        let entity_ref = entity_ref.to_lowercase();
        let lock = self.store.write_lock(org);
        let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let Some(uid) = self.store.uid_by_ref(org, &entity_ref)? else {
            return Ok(false);
        };
        let Some((record, served)) = self.store.record_and_entity(org, &uid)? else {
            return Ok(false);
        };
        let mut ws = WriteSet::new(org, self.options.history_limit);
        let changed = self.write_touched(
            org,
            &mut ws,
            Touched {
                changed: record.clone(),
                stored: record,
                served,
            },
            true,
        )?;
        self.store.apply(ws)?;
        Ok(changed)
    }

    /// Applies `changes` in order (one result each) and writes every changed entity in one
    /// batch, stitched unless `stitch` is false.
    fn change_statuses(
        &self,
        org: &OrgId,
        changes: Vec<(String, Change)>,
        stitch: bool,
    ) -> CatalogResult<Vec<CatalogResult<()>>> {
        let lock = self.store.write_lock(org);
        let _guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let now = now_rfc3339();
        let mut touched: BTreeMap<String, Touched> = BTreeMap::new();
        let mut results = Vec::with_capacity(changes.len());
        for (entity_ref, change) in changes {
            let entity = match touched.get_mut(&entity_ref) {
                Some(entity) => entity,
                None => match self.load_for_status(org, &entity_ref)? {
                    Some(entity) => touched.entry(entity_ref.clone()).or_insert(entity),
                    None => {
                        results.push(Err(CatalogError::NotFound(format!(
                            "Entity {entity_ref} not found"
                        ))));
                        continue;
                    }
                },
            };
            let statuses = &mut entity.changed.external_status;
            results.push(match change {
                Change::Set(source, _)
                    if !statuses.contains_key(&source)
                        && statuses.len() >= MAX_SOURCES_PER_ENTITY =>
                {
                    Err(CatalogError::Input(format!(
                        "Entity {entity_ref} already has status from {MAX_SOURCES_PER_ENTITY} sources, the most it may have; delete one before adding {source:?}"
                    )))
                }
                Change::Set(source, status) => {
                    let updated_at = now.clone();
                    statuses.insert(source, ExternalStatus { status, updated_at });
                    Ok(())
                }
                Change::Delete(source) => match statuses.remove(&source) {
                    Some(_) => Ok(()),
                    None => Err(CatalogError::NotFound(format!(
                        "Entity {entity_ref} has no status from source {source:?}"
                    ))),
                },
            });
        }
        let mut ws = WriteSet::new(org, self.options.history_limit);
        for entity in touched.into_values() {
            self.write_touched(org, &mut ws, entity, stitch)?;
        }
        self.store.apply(ws)?;
        Ok(results)
    }

    fn load_for_status(&self, org: &OrgId, entity_ref: &str) -> CatalogResult<Option<Touched>> {
        let Some(uid) = self.store.uid_by_ref(org, entity_ref)? else {
            return Ok(None);
        };
        Ok(self
            .store
            .record_and_entity(org, &uid)?
            .map(|(stored, served)| Touched {
                changed: stored.clone(),
                stored,
                served,
            }))
    }

    /// Adds an entity's changed record (and, when stitching, its re-stitched document) to
    /// `ws`; `true` if the served document changed.
    fn write_touched(
        &self,
        org: &OrgId,
        ws: &mut WriteSet,
        entity: Touched,
        stitch: bool,
    ) -> CatalogResult<bool> {
        let Touched {
            stored,
            mut changed,
            served,
        } = entity;
        let restitched = if stitch {
            stitched(&changed, &served)
        } else {
            None
        };
        if restitched.is_none() && changed == stored {
            return Ok(false);
        }
        if restitched.is_some() && stored.served_in_history {
            // The history entry of this revision refers to the served document: keep a copy
            // of it as it was before the served document changes.
            if let Some(entry) = self.store.materialized_history(org, &stored)? {
                ws.put_history_bytes(&stored.entity_ref, stored.revision, entry);
            }
            changed.served_in_history = false;
        }
        let document = restitched.as_ref().unwrap_or(&served);
        let bytes = serde_json::to_vec(document)
            .map_err(|e| CatalogError::Storage(format!("serializing an entity: {e}")))?;
        // `status` is not indexed, so the search postings are the same before and after.
        let indexed = postings(&served);
        ws.put_entity(&changed, Some((&stored, indexed.clone())), indexed, &bytes)?;
        Ok(restitched.is_some())
    }
}

/// At most 100 characters of a client-supplied string, for error messages.
fn short(s: &str) -> String {
    if s.chars().count() <= 100 {
        return s.to_owned();
    }
    s.chars().take(100).chain(['…']).collect()
}
