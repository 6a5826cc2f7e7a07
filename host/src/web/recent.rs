//! "Recently changed" on the home page: the newest entries of the catalog's entity history.
//!
//! The catalog keeps history per entity, not a global feed, so finding the newest changes
//! means reading every history entry. That is done at most every [`MAX_AGE`] in a blocking
//! task, and pages are served the last result meanwhile (stale while revalidating).

use portico_catalog::Catalog;
use portico_catalog::store::{Store, keys};
use portico_storage::OrgId;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const MAX_AGE: Duration = Duration::from_secs(30);
const KEPT: usize = 12;

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub entity_ref: String,
    pub timestamp: String,
    pub change: String,
    pub revision: u64,
}

type Cached = Option<(Instant, Arc<Vec<Change>>)>;

#[derive(Default)]
pub struct RecentChanges {
    cached: Arc<Mutex<Cached>>,
    refreshing: Arc<AtomicBool>,
}

#[derive(Deserialize)]
struct Light {
    revision: u64,
    timestamp: String,
    change: String,
}

/// Reads every history entry of `org`; keeps the newest [`KEPT`] (one per entity).
pub fn scan(catalog: &Catalog, org: &OrgId) -> Vec<Change> {
    let store = catalog.store();
    let mut newest: std::collections::HashMap<String, Change> = Default::default();
    for entry in store
        .storage()
        .scan_prefix(&Store::space(org), &keys::prefix(keys::HISTORY, &[]))
    {
        let Ok((key, value)) = entry else {
            break;
        };
        let parts = keys::split(&key);
        let Some(entity_ref) = parts.first().map(|p| keys::text(p)) else {
            continue;
        };
        let Ok(light) = serde_json::from_slice::<Light>(&value) else {
            continue;
        };
        let change = Change {
            entity_ref: entity_ref.clone(),
            timestamp: light.timestamp,
            change: light.change,
            revision: light.revision,
        };
        match newest.get(&entity_ref) {
            Some(old) if old.revision >= change.revision => {}
            _ => {
                newest.insert(entity_ref, change);
            }
        }
    }
    let mut all: Vec<Change> = newest.into_values().collect();
    all.sort_by(|a, b| {
        b.timestamp
            .cmp(&a.timestamp)
            .then(a.entity_ref.cmp(&b.entity_ref))
    });
    all.truncate(KEPT);
    all
}

impl RecentChanges {
    pub async fn get(&self, catalog: Arc<Catalog>, org: OrgId) -> Arc<Vec<Change>> {
        let cached = self
            .cached
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        match cached {
            Some((at, changes)) if at.elapsed() < MAX_AGE => changes,
            Some((_, changes)) => {
                if !self.refreshing.swap(true, Ordering::AcqRel) {
                    let (slot, refreshing) = (self.cached.clone(), self.refreshing.clone());
                    tokio::task::spawn_blocking(move || {
                        let fresh = Arc::new(scan(&catalog, &org));
                        *slot.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((Instant::now(), fresh));
                        refreshing.store(false, Ordering::Release);
                    });
                }
                changes
            }
            None => {
                let changes = tokio::task::spawn_blocking(move || scan(&catalog, &org))
                    .await
                    .unwrap_or_default();
                let changes = Arc::new(changes);
                *self.cached.lock().unwrap_or_else(|p| p.into_inner()) =
                    Some((Instant::now(), changes.clone()));
                changes
            }
        }
    }
}
