//! The derived indexes of one organization, held in memory: refs, search postings (field →
//! value → uids), relations by source, which producer emits which entity, pending failures.
//!
//! They are a pure function of the stored entities and records, rebuilt from them when an
//! organization is first used and updated after every applied batch, so they can never
//! disagree with what a crash left on disk. See the crate docs for why they are not persisted.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;

use super::search::Posting;

/// A uid, shared between every index entry of the entity.
pub type Uid = Arc<str>;

/// Uids with the value as written (`None` when it equals the lowercased value), sorted by uid
/// between batches: appended unsorted while a batch applies, sorted by [`OrgIndex::finish`].
#[derive(Debug, Default)]
struct Uids {
    items: Vec<(Uid, Option<Box<str>>)>,
    sorted: bool,
}

impl Uids {
    fn insert(&mut self, uid: Uid, original: Option<Box<str>>) {
        if self.sorted
            && let Some((last, _)) = self.items.last()
            && *last >= uid
        {
            self.sorted = false;
        }
        if self.items.is_empty() {
            self.sorted = true;
        }
        self.items.push((uid, original));
    }

    fn remove(&mut self, uid: &str) {
        if self.sorted {
            if let Ok(i) = self.items.binary_search_by(|(u, _)| (**u).cmp(uid)) {
                self.items.remove(i);
            }
        } else {
            self.items.retain(|(u, _)| &**u != uid);
        }
    }

    fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    fn finish(&mut self) {
        if !self.sorted {
            self.items.sort_by(|a, b| a.0.cmp(&b.0));
            self.items.dedup_by(|a, b| a.0 == b.0);
            self.sorted = true;
        }
    }
}

/// The postings of one field: lowercased value → uids, and the uids with a `null` value.
#[derive(Debug, Default)]
struct ValueMap {
    values: BTreeMap<Box<str>, Uids>,
    nulls: Uids,
}

impl ValueMap {
    fn is_empty(&self) -> bool {
        self.values.is_empty() && self.nulls.is_empty()
    }
}

/// One change to the derived indexes, applied after its batch is durable.
#[derive(Debug, Clone)]
pub enum IndexOp {
    /// Postings of an entity appear.
    AddPostings(String, Vec<Posting>),
    /// Postings of an entity disappear.
    RemovePostings(String, Vec<Posting>),
    /// `origin` emits `[source, type, target]`.
    AddRelation(String, [String; 3]),
    /// `origin` no longer emits `[source, type, target]`.
    RemoveRelation(String, [String; 3]),
    /// `producer` emits `entity_ref` (uid).
    Produced(String, String, String),
    /// `producer` no longer emits `entity_ref`.
    Unproduced(String, String),
    /// An entity is stored under (uid, ref) with this content hash and producer.
    Record(RecordMeta),
    /// An entity (uid) is gone.
    Forget(String),
    /// A ref has (true) or no longer has (false) a pending failure.
    Pending(String, bool),
    /// A deleted ref's last revision (`None`: the ref exists again).
    Tombstone(String, Option<u64>),
}

/// What the processing engine needs to skip an unchanged entity without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordMeta {
    /// The uid.
    pub uid: String,
    /// The lowercased ref.
    pub entity_ref: String,
    /// The content hash of the last processing input.
    pub hash: String,
    /// The producer, `None` for orphans.
    pub producer: Option<String>,
}

/// The derived indexes of one organization.
#[derive(Debug, Default)]
pub struct OrgIndex {
    refs: BTreeMap<String, Uid>,
    meta: HashMap<Uid, RecordMeta>,
    pending: std::collections::HashSet<String>,
    tombstones: HashMap<String, u64>,
    uids: HashMap<Box<str>, Uid>,
    fields: HashMap<Box<str>, ValueMap>,
    relations: HashMap<String, BTreeSet<(String, String, Uid)>>,
    produced: HashMap<String, BTreeMap<String, Uid>>,
}

impl OrgIndex {
    fn uid(&mut self, uid: &str) -> Uid {
        if let Some(u) = self.uids.get(uid) {
            return u.clone();
        }
        let shared: Uid = Arc::from(uid);
        self.uids.insert(uid.into(), shared.clone());
        shared
    }

    /// Applies one change.
    pub fn apply(&mut self, op: IndexOp) {
        match op {
            IndexOp::AddPostings(uid, postings) => {
                let uid = self.uid(&uid);
                for p in postings {
                    let original = match &p.value {
                        Some(v) if *v == p.original => None,
                        _ if p.original.is_empty() => None,
                        _ => Some(p.original.into_boxed_str()),
                    };
                    let field = match self.fields.get_mut(p.key.as_str()) {
                        Some(field) => field,
                        None => self.fields.entry(p.key.into_boxed_str()).or_default(),
                    };
                    let uids = match p.value {
                        None => &mut field.nulls,
                        Some(value) => match field.values.get_mut(value.as_str()) {
                            Some(uids) => uids,
                            None => field.values.entry(value.into_boxed_str()).or_default(),
                        },
                    };
                    uids.insert(uid.clone(), original);
                }
            }
            IndexOp::RemovePostings(uid, postings) => {
                for p in postings {
                    let Some(field) = self.fields.get_mut(p.key.as_str()) else {
                        continue;
                    };
                    match &p.value {
                        None => {
                            field.nulls.remove(uid.as_str());
                        }
                        Some(value) => {
                            if let Some(uids) = field.values.get_mut(value.as_str()) {
                                uids.remove(uid.as_str());
                                if uids.is_empty() {
                                    field.values.remove(value.as_str());
                                }
                            }
                        }
                    }
                    if field.is_empty() {
                        self.fields.remove(p.key.as_str());
                    }
                }
            }
            IndexOp::AddRelation(origin, [source, kind, target]) => {
                let origin = self.uid(&origin);
                self.relations
                    .entry(source)
                    .or_default()
                    .insert((kind, target, origin));
            }
            IndexOp::RemoveRelation(origin, [source, kind, target]) => {
                if let Some(set) = self.relations.get_mut(&source) {
                    let origin: Uid = Arc::from(origin.as_str());
                    set.remove(&(kind, target, origin));
                    if set.is_empty() {
                        self.relations.remove(&source);
                    }
                }
            }
            IndexOp::Produced(producer, entity_ref, uid) => {
                let uid = self.uid(&uid);
                self.produced
                    .entry(producer)
                    .or_default()
                    .insert(entity_ref, uid);
            }
            IndexOp::Unproduced(producer, entity_ref) => {
                if let Some(map) = self.produced.get_mut(&producer) {
                    map.remove(&entity_ref);
                    if map.is_empty() {
                        self.produced.remove(&producer);
                    }
                }
            }
            IndexOp::Record(meta) => {
                let uid = self.uid(&meta.uid);
                if let Some(old) = self.meta.get(&uid)
                    && old.entity_ref != meta.entity_ref
                {
                    self.refs.remove(&old.entity_ref);
                }
                self.refs.insert(meta.entity_ref.clone(), uid.clone());
                self.meta.insert(uid, meta);
            }
            IndexOp::Forget(uid) => {
                if let Some(meta) = self.meta.remove(uid.as_str())
                    && self.refs.get(&meta.entity_ref).is_some_and(|u| **u == *uid)
                {
                    self.refs.remove(&meta.entity_ref);
                }
                self.uids.remove(uid.as_str());
            }
            IndexOp::Pending(entity_ref, true) => {
                self.pending.insert(entity_ref);
            }
            IndexOp::Pending(entity_ref, false) => {
                self.pending.remove(&entity_ref);
            }
            IndexOp::Tombstone(entity_ref, Some(revision)) => {
                self.tombstones.insert(entity_ref, revision);
            }
            IndexOp::Tombstone(entity_ref, None) => {
                self.tombstones.remove(&entity_ref);
            }
        }
    }

    /// Sorts what the last batch appended; call after applying a batch's operations.
    pub fn finish(&mut self) {
        for field in self.fields.values_mut() {
            field.nulls.finish();
            for uids in field.values.values_mut() {
                uids.finish();
            }
        }
    }

    /// The uid of a (lowercased) ref.
    pub fn uid_by_ref(&self, entity_ref: &str) -> Option<String> {
        self.refs.get(entity_ref).map(|u| u.to_string())
    }

    /// The record summary of a (lowercased) ref.
    pub fn lookup(&self, entity_ref: &str) -> Option<RecordMeta> {
        self.refs
            .get(entity_ref)
            .and_then(|u| self.meta.get(u))
            .cloned()
    }

    /// Every (ref, uid), ordered by ref.
    pub fn refs(&self) -> Vec<(String, String)> {
        self.refs
            .iter()
            .map(|(r, u)| (r.clone(), u.to_string()))
            .collect()
    }

    /// Number of entities.
    pub fn count(&self) -> usize {
        self.refs.len()
    }

    /// Whether a ref has a pending failure.
    pub fn is_pending(&self, entity_ref: &str) -> bool {
        self.pending.contains(entity_ref)
    }

    /// The last revision of a deleted ref.
    pub fn tombstone(&self, entity_ref: &str) -> Option<u64> {
        self.tombstones.get(entity_ref).copied()
    }

    /// Visits postings of `field` whose value starts with `prefix` (equals it if `exact`), in
    /// (value, uid) order or its reverse, until `f` returns false. `prefix = None` visits all,
    /// `null` values last.
    pub fn visit(
        &self,
        field: &str,
        prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(Option<&str>, &str, Option<&str>) -> bool,
    ) {
        self.visit_shared(field, prefix, exact, reverse, |v, u, o| f(v, u, o));
    }

    /// Like [`OrgIndex::visit`], handing out the shared uid.
    pub fn visit_shared(
        &self,
        field: &str,
        prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(Option<&str>, &Uid, Option<&str>) -> bool,
    ) {
        let Some(field) = self.fields.get(field) else {
            return;
        };
        let mut each = |value: Option<&str>, uids: &Uids| {
            let iter: Box<dyn Iterator<Item = &(Uid, Option<Box<str>>)>> = if reverse {
                Box::new(uids.items.iter().rev())
            } else {
                Box::new(uids.items.iter())
            };
            for (uid, original) in iter {
                if !f(value, uid, original.as_deref().or(value)) {
                    return false;
                }
            }
            true
        };
        match prefix {
            Some(p) if exact => {
                if let Some(uids) = field.values.get(p) {
                    each(Some(p), uids);
                }
            }
            Some(p) => {
                let range = field
                    .values
                    .range::<str, _>((Bound::Included(p), Bound::Unbounded))
                    .take_while(|(v, _)| v.starts_with(p));
                let matching: Vec<_> = range.collect();
                let iter: Box<dyn Iterator<Item = _>> = if reverse {
                    Box::new(matching.into_iter().rev())
                } else {
                    Box::new(matching.into_iter())
                };
                for (v, uids) in iter {
                    if !each(Some(v), uids) {
                        return;
                    }
                }
            }
            None => {
                // Backstage-style order puts nulls last, in both directions.
                let iter: Box<dyn Iterator<Item = _>> = if reverse {
                    Box::new(field.values.iter().rev())
                } else {
                    Box::new(field.values.iter())
                };
                for (v, uids) in iter {
                    if !each(Some(v), uids) {
                        return;
                    }
                }
                each(None, &field.nulls);
            }
        }
    }

    /// Relations whose source is `source`: (type, target, origin uid).
    pub fn relations_from(&self, source: &str) -> Vec<(String, String, String)> {
        self.relations
            .get(source)
            .map(|set| {
                set.iter()
                    .map(|(k, t, o)| (k.clone(), t.clone(), o.to_string()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Whether any relation is indexed.
    pub fn has_relations(&self) -> bool {
        !self.relations.is_empty()
    }

    /// The (entity ref, uid) pairs `producer` emits, by ref.
    pub fn produced_by(&self, producer: &str) -> Vec<(String, String)> {
        self.produced
            .get(producer)
            .map(|m| m.iter().map(|(r, u)| (r.clone(), u.to_string())).collect())
            .unwrap_or_default()
    }
}
