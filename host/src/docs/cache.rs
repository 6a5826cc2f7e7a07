//! Rendered, sanitized pages kept for a while so that reading docs does not re-run the plugin
//! on every request. A page is keyed by entity, path and a hash of the entity's descriptor
//! (a changed `techdocs-ref` or location misses); entries expire after a TTL and the oldest
//! go first when the cache is full. `invalidate` drops an entity's pages (docs refresh).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::DocsPage;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    /// `kind:namespace/name`, lower case.
    pub entity: String,
    pub path: String,
    /// Hash of the entity's descriptor.
    pub descriptor: u64,
}

struct Entry {
    page: Arc<DocsPage>,
    stored: Instant,
}

pub struct PageCache {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<PageKey, Entry>>,
}

impl PageCache {
    pub fn new(ttl: Duration, capacity: usize) -> PageCache {
        PageCache {
            ttl,
            capacity: capacity.max(1),
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &PageKey) -> Option<Arc<DocsPage>> {
        let mut entries = self.entries.lock().expect("docs cache poisoned");
        match entries.get(key) {
            Some(e) if e.stored.elapsed() < self.ttl => Some(e.page.clone()),
            Some(_) => {
                entries.remove(key);
                None
            }
            None => None,
        }
    }

    pub fn put(&self, key: PageKey, page: Arc<DocsPage>) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().expect("docs cache poisoned");
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let ttl = self.ttl;
            entries.retain(|_, e| e.stored.elapsed() < ttl);
            if entries.len() >= self.capacity
                && let Some(oldest) = entries
                    .iter()
                    .min_by_key(|(_, e)| e.stored)
                    .map(|(k, _)| k.clone())
            {
                entries.remove(&oldest);
            }
        }
        entries.insert(
            key,
            Entry {
                page,
                stored: Instant::now(),
            },
        );
    }

    /// Drops every page of `entity` (`kind:namespace/name`, lower case).
    pub fn invalidate(&self, entity: &str) {
        self.entries
            .lock()
            .expect("docs cache poisoned")
            .retain(|k, _| k.entity != entity);
    }

    pub fn len(&self) -> usize {
        self.entries.lock().expect("docs cache poisoned").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
