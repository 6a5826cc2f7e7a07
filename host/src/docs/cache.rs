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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docs::PageEntity;

    fn page(title: &str) -> Arc<DocsPage> {
        Arc::new(DocsPage {
            entity: PageEntity {
                kind: "Component".into(),
                namespace: "default".into(),
                name: "x".into(),
            },
            plugin: "docs".into(),
            path: String::new(),
            title: title.into(),
            html: String::new(),
            toc: Vec::new(),
            nav: Vec::new(),
            text: String::new(),
        })
    }

    fn key(entity: &str, path: &str, descriptor: u64) -> PageKey {
        PageKey {
            entity: entity.into(),
            path: path.into(),
            descriptor,
        }
    }

    #[test]
    fn hits_misses_and_descriptor_changes() {
        let cache = PageCache::new(Duration::from_secs(60), 10);
        cache.put(key("component:default/x", "", 1), page("one"));
        assert_eq!(
            cache.get(&key("component:default/x", "", 1)).unwrap().title,
            "one"
        );
        // The same page of a changed entity is a miss.
        assert!(cache.get(&key("component:default/x", "", 2)).is_none());
        assert!(cache.get(&key("component:default/x", "other", 1)).is_none());
    }

    #[test]
    fn full_cache_drops_the_oldest_and_invalidate_drops_an_entity() {
        let cache = PageCache::new(Duration::from_secs(60), 2);
        cache.put(key("a", "1", 0), page("a1"));
        std::thread::sleep(Duration::from_millis(2));
        cache.put(key("a", "2", 0), page("a2"));
        std::thread::sleep(Duration::from_millis(2));
        cache.put(key("b", "1", 0), page("b1"));
        assert_eq!(cache.len(), 2);
        assert!(cache.get(&key("a", "1", 0)).is_none());
        assert!(cache.get(&key("a", "2", 0)).is_some());
        cache.invalidate("a");
        assert!(cache.get(&key("a", "2", 0)).is_none());
        assert!(cache.get(&key("b", "1", 0)).is_some());
    }

    #[test]
    fn expired_pages_and_a_zero_ttl_are_misses() {
        let cache = PageCache::new(Duration::from_millis(1), 10);
        cache.put(key("a", "", 0), page("a"));
        std::thread::sleep(Duration::from_millis(5));
        assert!(cache.get(&key("a", "", 0)).is_none());
        let off = PageCache::new(Duration::ZERO, 10);
        off.put(key("a", "", 0), page("a"));
        assert!(off.is_empty());
    }
}
