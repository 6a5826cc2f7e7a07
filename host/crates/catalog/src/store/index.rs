//! The derived indexes of one organization, held in memory: refs, search postings (field →
//! value → entities), relations by source, which producer emits which entity, pending failures.
//!
//! They are a pure function of the stored entities and records, rebuilt from them when an
//! organization is first used and updated after every applied batch, so they can never
//! disagree with what a crash left on disk. See the crate docs for why they are not persisted.
//!
//! Memory is the constraint (every entity has ~35 postings): an entity is a [`Slot`] (a `u32`)
//! everywhere, its uid string is kept once; entity refs, relation types and producers are
//! interned and shared; a posting is one `u32` in a list sorted by uid; the value as written is
//! kept only where it differs from the lowercased value; `metadata.uid` postings are not stored
//! at all (they are the slot table itself). Entity bodies are never held: they are read from
//! the store on demand.

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex};

use hashbrown::HashTable;

use super::search::Posting;

/// An entity's number in the index (stable while the entity exists; reused after deletion).
pub type Slot = u32;

/// Lists longer than this are appended unsorted during a batch and sorted once by
/// [`OrgIndex::finish`]; shorter ones are kept sorted on every insert.
const SORT_LATER: usize = 64;

/// The field whose postings are the slot table itself.
const UID_FIELD: &str = "metadata.uid";

/// One change to the derived indexes, applied after its batch is durable.
#[derive(Debug, Clone)]
pub enum IndexOp {
    /// Postings of an entity (uid) appear.
    AddPostings(String, Vec<Posting>),
    /// Postings of an entity (uid) disappear.
    RemovePostings(String, Vec<Posting>),
    /// `origin` (uid) emits `[source, type, target]`.
    AddRelation(String, [String; 3]),
    /// `origin` (uid) no longer emits `[source, type, target]`.
    RemoveRelation(String, [String; 3]),
    /// An entity is stored under (uid, ref) with this content hash and producer; the producer's
    /// membership follows from it.
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

/// A content hash: the 32 bytes of a lowercase SHA-256 hex digest, or the text as given.
#[derive(Debug, Clone)]
enum Hash {
    Sha([u8; 32]),
    Other(Box<str>),
}

impl Hash {
    fn new(text: &str) -> Self {
        let mut bytes = [0u8; 32];
        let lowercase = !text.bytes().any(|b| b.is_ascii_uppercase());
        match hex::decode_to_slice(text, &mut bytes) {
            Ok(()) if lowercase => Hash::Sha(bytes),
            _ => Hash::Other(text.into()),
        }
    }

    fn text(&self) -> String {
        match self {
            Hash::Sha(bytes) => hex::encode(bytes),
            Hash::Other(text) => text.to_string(),
        }
    }
}

/// What the index knows about one slot.
#[derive(Debug)]
struct SlotEntry {
    uid: Box<str>,
    entity_ref: Option<u32>,
    hash: Hash,
    producer: Option<u32>,
    /// Has a record and was not forgotten.
    live: bool,
}

/// Interned strings (refs, relation types, producers) with use counts, shared by id.
#[derive(Debug, Default)]
struct Names {
    text: Vec<Option<(Arc<str>, u32)>>,
    ids: HashMap<Arc<str>, u32>,
    free: Vec<u32>,
}

impl Names {
    fn acquire(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            if let Some((_, uses)) = &mut self.text[id as usize] {
                *uses += 1;
            }
            return id;
        }
        let shared: Arc<str> = Arc::from(name);
        let id = match self.free.pop() {
            Some(id) => {
                self.text[id as usize] = Some((shared.clone(), 1));
                id
            }
            None => {
                self.text.push(Some((shared.clone(), 1)));
                (self.text.len() - 1) as u32
            }
        };
        self.ids.insert(shared, id);
        id
    }

    fn release(&mut self, id: u32) {
        let Some(Some((name, uses))) = self.text.get_mut(id as usize) else {
            return;
        };
        *uses -= 1;
        if *uses == 0 {
            let name = name.clone();
            self.ids.remove(&name);
            self.text[id as usize] = None;
            self.free.push(id);
        }
    }

    fn id(&self, name: &str) -> Option<u32> {
        self.ids.get(name).copied()
    }

    fn get(&self, id: u32) -> &Arc<str> {
        static EMPTY: std::sync::LazyLock<Arc<str>> = std::sync::LazyLock::new(|| Arc::from(""));
        match self.text.get(id as usize) {
            Some(Some((name, _))) => name,
            _ => &EMPTY,
        }
    }
}

/// Slots, one without a heap allocation (most values belong to one entity).
#[derive(Debug)]
enum SlotList {
    One(Slot),
    Many(Vec<Slot>),
}

impl Default for SlotList {
    fn default() -> Self {
        SlotList::Many(Vec::new())
    }
}

impl SlotList {
    fn as_slice(&self) -> &[Slot] {
        match self {
            SlotList::One(slot) => std::slice::from_ref(slot),
            SlotList::Many(slots) => slots,
        }
    }

    fn vec(&mut self) -> &mut Vec<Slot> {
        if let SlotList::One(slot) = *self {
            *self = SlotList::Many(vec![slot]);
        }
        match self {
            SlotList::Many(slots) => slots,
            SlotList::One(_) => unreachable!("converted above"),
        }
    }

    fn is_empty(&self) -> bool {
        self.as_slice().is_empty()
    }
}

/// The entities having one value of one field, sorted by uid between batches, with the
/// value as they wrote it where that is not the lowercased value.
#[derive(Debug, Default)]
struct Postings {
    slots: SlotList,
    /// As written by every slot not listed in `except` (`None`: the lowercased value).
    original: Option<Box<str>>,
    /// Slots that wrote something else than `original`.
    except: Option<Box<Exceptions>>,
}

/// Slots whose value as written differs from their value's common spelling.
type Exceptions = Vec<(Slot, Option<Box<str>>)>;

impl Postings {
    fn original_of(&self, slot: Slot) -> Option<&str> {
        if let Some(except) = &self.except
            && let Some((_, o)) = except.iter().find(|(s, _)| *s == slot)
        {
            return o.as_deref();
        }
        self.original.as_deref()
    }

    fn set_original(&mut self, slot: Slot, original: Option<Box<str>>) {
        if self.slots.is_empty() {
            self.original = original;
        } else if original != self.original {
            self.except
                .get_or_insert_with(Default::default)
                .push((slot, original));
        }
    }

    /// Adds `slot`; returns the length of the still sorted prefix when this append broke the
    /// order (the list must then be merged by [`OrgIndex::finish`]).
    /// (One posting per entity and value: a second spelling of the same value is ignored.)
    fn insert(&mut self, slot: Slot, original: Option<Box<str>>, uids: &Uids) -> Option<usize> {
        if self.slots.is_empty() {
            self.set_original(slot, original);
            self.slots = SlotList::One(slot);
            return None;
        }
        let len = self.slots.as_slice().len();
        if len >= SORT_LATER {
            let last = *self.slots.as_slice().last().expect("not empty");
            if last == slot {
                return None;
            }
            self.set_original(slot, original);
            self.slots.vec().push(slot);
            return (uids.cmp(last, slot) == Ordering::Greater).then_some(len);
        }
        if let Err(i) = self
            .slots
            .as_slice()
            .binary_search_by(|s| uids.cmp(*s, slot))
        {
            self.set_original(slot, original);
            self.slots.vec().insert(i, slot);
        }
        None
    }

    /// Removes `slot`; returns where it was in a list of [`SORT_LATER`] or more.
    fn remove(&mut self, slot: Slot, uids: &Uids) -> Option<usize> {
        if let Some(except) = &mut self.except {
            except.retain(|(s, _)| *s != slot);
            if except.is_empty() {
                self.except = None;
            }
        }
        match &mut self.slots {
            SlotList::One(s) if *s == slot => {
                self.slots = SlotList::Many(Vec::new());
                None
            }
            SlotList::One(_) => None,
            SlotList::Many(slots) => {
                let long = slots.len() >= SORT_LATER;
                remove_slot(slots, slot, uids).filter(|_| long)
            }
        }
    }
}

/// Removes `slot` from a list sorted by uid (or, mid-batch, not yet sorted); returns where it was.
fn remove_slot(slots: &mut Vec<Slot>, slot: Slot, uids: &Uids) -> Option<usize> {
    let at = match slots.binary_search_by(|s| uids.cmp(*s, slot)) {
        Ok(i) if slots[i] == slot => Some(i),
        _ => slots.iter().position(|s| *s == slot),
    };
    if let Some(i) = at {
        slots.remove(i);
    }
    at
}

/// Sorts the tail `list[from..]` appended during a batch and merges it into the sorted
/// prefix: a few comparisons per appended slot instead of re-sorting the whole list (at
/// 100,000 entities, re-sorting every long list after every batch dominated ingestion).
fn merge_tail(list: &mut Vec<Slot>, from: usize, cmp: impl Fn(Slot, Slot) -> Ordering) {
    let from = from.min(list.len());
    let mut tail = list.split_off(from);
    tail.sort_unstable_by(|a, b| cmp(*a, *b));
    tail.dedup();
    let mut out = Vec::with_capacity(list.len() + tail.len());
    let mut i = 0;
    for slot in tail {
        let pos = i + list[i..].partition_point(|s| cmp(*s, slot) == Ordering::Less);
        out.extend_from_slice(&list[i..pos]);
        i = pos;
        if list.get(pos) != Some(&slot) {
            out.push(slot);
        }
    }
    out.extend_from_slice(&list[i..]);
    *list = out;
}

/// The postings of one field: lowercased value → postings, and the `null` postings.
///
/// Values are hashed, and their order is kept lazily: every write and every exact filter
/// is a hash lookup, while prefix ranges and ordered scans read a sorted view brought up to
/// date on demand by merging in the values added since. (With an ordered map, each of an
/// entity's ~35 postings cost ~20 string comparisons at 1,000,000 entities: most of the
/// index's share of ingestion.)
#[derive(Debug, Default)]
struct Field {
    values: HashMap<Arc<str>, Postings>,
    nulls: Postings,
    order: Mutex<ValueOrder>,
}

/// The sorted view of a field's values, and what changed since it was sorted.
#[derive(Debug, Default)]
struct ValueOrder {
    sorted: Arc<Vec<Arc<str>>>,
    /// Values added since (unsorted; some may be gone again).
    added: Vec<Arc<str>>,
    /// Whether a value was removed since.
    removed: bool,
}

impl ValueOrder {
    /// Brings `sorted` up to date with `values`: the added values sorted and merged in, the
    /// removed ones dropped.
    fn catch_up(&mut self, values: &HashMap<Arc<str>, Postings>) {
        if self.added.is_empty() && !self.removed {
            return;
        }
        let mut added = std::mem::take(&mut self.added);
        added.sort_unstable();
        added.dedup();
        let old = self.sorted.as_slice();
        let mut merged = Vec::with_capacity(old.len() + added.len());
        let (mut i, mut j) = (0, 0);
        while i < old.len() || j < added.len() {
            let next = match (old.get(i), added.get(j)) {
                (Some(a), Some(b)) if a == b => {
                    j += 1;
                    continue;
                }
                (Some(a), Some(b)) if a < b => {
                    i += 1;
                    a
                }
                (Some(a), None) => {
                    i += 1;
                    a
                }
                (_, Some(b)) => {
                    j += 1;
                    b
                }
                (None, None) => unreachable!("loop condition"),
            };
            if !self.removed || values.contains_key(next) {
                merged.push(next.clone());
            }
        }
        self.sorted = Arc::new(merged);
        self.removed = false;
    }
}

impl Field {
    /// The postings of `value`, created (and queued for the sorted view) if new.
    fn postings_mut(&mut self, value: &str) -> &mut Postings {
        if !self.values.contains_key(value) {
            let value: Arc<str> = Arc::from(value);
            // In `values` before any catch-up, which drops what `values` lacks.
            self.values.insert(value.clone(), Postings::default());
            let order = self.order.get_mut().unwrap_or_else(|p| p.into_inner());
            order.added.push(value);
            // Values that come and go (an etag per revision) must not pile up unsorted.
            if order.added.len() > 1024 && order.added.len() > self.values.len() {
                order.catch_up(&self.values);
            }
        }
        self.values.get_mut(value).expect("inserted above")
    }

    fn remove_value(&mut self, value: &str) {
        if self.values.remove(value).is_some() {
            self.order
                .get_mut()
                .unwrap_or_else(|p| p.into_inner())
                .removed = true;
        }
    }

    /// The values in order.
    fn sorted(&self) -> Arc<Vec<Arc<str>>> {
        let mut order = self.order.lock().unwrap_or_else(|p| p.into_inner());
        order.catch_up(&self.values);
        order.sorted.clone()
    }
}

/// The slot table: uid per slot and uid → slot, each uid stored once.
#[derive(Debug, Default)]
struct Uids {
    entries: Vec<Option<SlotEntry>>,
    /// Each slot's uid as a number ([`uuid_key`]): comparisons end here, in one dense array,
    /// instead of following two pointers to the uid strings.
    keys: Vec<u128>,
    by_uid: HashTable<Slot>,
    hasher: RandomState,
    free: Vec<Slot>,
}

impl Uids {
    fn uid(&self, slot: Slot) -> &str {
        self.entries
            .get(slot as usize)
            .and_then(Option::as_ref)
            .map_or("", |e| &e.uid)
    }

    fn cmp(&self, a: Slot, b: Slot) -> Ordering {
        let key = |s: Slot| self.keys.get(s as usize).copied().unwrap_or(0);
        match (key(a), key(b)) {
            (0, _) | (_, 0) => self.uid(a).cmp(self.uid(b)),
            (a, b) => a.cmp(&b),
        }
    }

    fn find(&self, uid: &str) -> Option<Slot> {
        let hash = self.hasher.hash_one(uid);
        self.by_uid
            .find(hash, |s| {
                self.entries[*s as usize]
                    .as_ref()
                    .is_some_and(|e| &*e.uid == uid)
            })
            .copied()
    }

    fn get_or_insert(&mut self, uid: &str) -> Slot {
        if let Some(slot) = self.find(uid) {
            return slot;
        }
        let entry = SlotEntry {
            uid: uid.into(),
            entity_ref: None,
            hash: Hash::Other("".into()),
            producer: None,
            live: false,
        };
        let key = uuid_key(uid);
        let slot = match self.free.pop() {
            Some(slot) => {
                self.entries[slot as usize] = Some(entry);
                self.keys[slot as usize] = key;
                slot
            }
            None => {
                self.entries.push(Some(entry));
                self.keys.push(key);
                (self.entries.len() - 1) as Slot
            }
        };
        let Uids {
            entries,
            by_uid,
            hasher,
            ..
        } = self;
        by_uid.insert_unique(hasher.hash_one(uid), slot, |s| {
            hasher.hash_one(entries[*s as usize].as_ref().map_or("", |e| &*e.uid))
        });
        slot
    }

    fn entry(&self, slot: Slot) -> Option<&SlotEntry> {
        self.entries.get(slot as usize).and_then(Option::as_ref)
    }

    fn entry_mut(&mut self, slot: Slot) -> Option<&mut SlotEntry> {
        self.entries.get_mut(slot as usize).and_then(Option::as_mut)
    }

    /// Frees a slot that is no longer referenced.
    fn free(&mut self, slot: Slot) {
        let Some(entry) = self.entries.get_mut(slot as usize).and_then(Option::take) else {
            return;
        };
        let hash = self.hasher.hash_one(&*entry.uid);
        if let Ok(found) = self.by_uid.find_entry(hash, |s| *s == slot) {
            found.remove();
        }
        self.free.push(slot);
    }
}

/// A uid in UUID form (lowercase hex, hyphens in place) as the number it spells, which orders
/// exactly like the text; 0 for any other uid (compared as text). A prefix of the text would not
/// do: the first eight characters of a UUID v7 are the same for every uid made in a minute.
fn uuid_key(uid: &str) -> u128 {
    let bytes = uid.as_bytes();
    if bytes.len() != 36 {
        return 0;
    }
    let mut key: u128 = 0;
    for (i, &c) in bytes.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return 0;
            }
            continue;
        }
        let digit = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return 0,
        };
        key = (key << 4) | u128::from(digit);
    }
    key
}

/// Sizes of an organization's indexes (see [`OrgIndex::stats`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexStats {
    /// Served entities.
    pub entities: usize,
    /// Distinct field paths.
    pub fields: usize,
    /// Distinct (field, value) pairs.
    pub values: usize,
    /// (field, value, entity) postings.
    pub postings: usize,
    /// Values shared by more than one entity.
    pub long_lists: usize,
    /// Values as written kept beside the lowercased ones.
    pub originals: usize,
    /// Relations indexed by source.
    pub relations: usize,
    /// Interned refs, relation types and producers.
    pub names: usize,
}

/// Which list [`OrgIndex::finish`] must sort.
#[derive(Debug, PartialEq, Eq, Hash)]
enum Unsorted {
    Universe,
    Nulls(Box<str>),
    Value(Box<str>, Box<str>),
}

/// The derived indexes of one organization.
#[derive(Debug, Default)]
pub struct OrgIndex {
    uids: Uids,
    names: Names,
    /// Lowercased ref → slot, ordered.
    refs: BTreeMap<Arc<str>, Slot>,
    /// Every live slot, sorted by uid (the `metadata.uid` postings).
    universe: Vec<Slot>,
    fields: HashMap<Box<str>, Field>,
    /// Source ref → (type, target, origin), all interned, sorted.
    relations: HashMap<u32, Vec<(u32, u32, Slot)>>,
    produced: HashMap<u32, HashSet<Slot>>,
    pending: HashSet<String>,
    tombstones: HashMap<String, u64>,
    /// Lists appended out of order in this batch, with the length of their sorted prefix.
    unsorted: HashMap<Unsorted, usize>,
    forgotten: Vec<Slot>,
}

impl OrgIndex {
    /// Applies one change.
    pub fn apply(&mut self, op: IndexOp) {
        match op {
            IndexOp::AddPostings(uid, postings) => {
                let slot = self.uids.get_or_insert(&uid);
                for p in postings {
                    self.add_posting(slot, p);
                }
            }
            IndexOp::RemovePostings(uid, postings) => {
                let Some(slot) = self.uids.find(&uid) else {
                    return;
                };
                for p in postings {
                    self.remove_posting(slot, &p);
                }
            }
            IndexOp::AddRelation(origin, [source, kind, target]) => {
                let origin = self.uids.get_or_insert(&origin);
                let source = self.names.acquire(&source);
                let kind = self.names.acquire(&kind);
                let target = self.names.acquire(&target);
                let list = self.relations.entry(source).or_default();
                let item = (kind, target, origin);
                match list.binary_search(&item) {
                    Ok(_) => {
                        for id in [source, kind, target] {
                            self.names.release(id);
                        }
                    }
                    Err(i) => list.insert(i, item),
                }
            }
            IndexOp::RemoveRelation(origin, [source, kind, target]) => {
                let (Some(origin), Some(source), Some(kind), Some(target)) = (
                    self.uids.find(&origin),
                    self.names.id(&source),
                    self.names.id(&kind),
                    self.names.id(&target),
                ) else {
                    return;
                };
                let Some(list) = self.relations.get_mut(&source) else {
                    return;
                };
                if let Ok(i) = list.binary_search(&(kind, target, origin)) {
                    list.remove(i);
                    if list.is_empty() {
                        self.relations.remove(&source);
                    }
                    for id in [source, kind, target] {
                        self.names.release(id);
                    }
                }
            }
            IndexOp::Record(meta) => self.record(meta),
            IndexOp::Forget(uid) => self.forget(&uid),
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

    fn add_posting(&mut self, slot: Slot, p: Posting) {
        if p.key == UID_FIELD {
            return;
        }
        let original = match &p.value {
            Some(v) if *v == p.original => None,
            _ if p.original.is_empty() => None,
            _ => Some(p.original.into_boxed_str()),
        };
        let field = match self.fields.get_mut(p.key.as_str()) {
            Some(field) => field,
            None => self
                .fields
                .entry(p.key.clone().into_boxed_str())
                .or_default(),
        };
        let (postings, value) = match &p.value {
            None => (&mut field.nulls, None),
            Some(value) => (field.postings_mut(value), Some(value)),
        };
        if let Some(sorted) = postings.insert(slot, original, &self.uids) {
            let key = p.key.into_boxed_str();
            let list = match value {
                None => Unsorted::Nulls(key),
                Some(v) => Unsorted::Value(key, v.as_str().into()),
            };
            self.unsorted.entry(list).or_insert(sorted);
        }
    }

    fn remove_posting(&mut self, slot: Slot, p: &Posting) {
        let Some(field) = self.fields.get_mut(p.key.as_str()) else {
            return;
        };
        let removed_at = match &p.value {
            None => field.nulls.remove(slot, &self.uids),
            Some(value) => match field.values.get_mut(value.as_str()) {
                Some(postings) => {
                    let at = postings.remove(slot, &self.uids);
                    if postings.slots.is_empty() {
                        field.remove_value(value);
                    }
                    at
                }
                None => None,
            },
        };
        // A removal before the sorted prefix's end of a list appended in this batch shortens it.
        if let Some(at) = removed_at
            && !self.unsorted.is_empty()
        {
            let key = p.key.as_str().into();
            let list = match &p.value {
                None => Unsorted::Nulls(key),
                Some(v) => Unsorted::Value(key, v.as_str().into()),
            };
            if let Some(sorted) = self.unsorted.get_mut(&list)
                && at < *sorted
            {
                *sorted -= 1;
            }
        }
        if field.values.is_empty() && field.nulls.slots.is_empty() {
            self.fields.remove(p.key.as_str());
        }
    }

    fn record(&mut self, meta: RecordMeta) {
        let slot = self.uids.get_or_insert(&meta.uid);
        let ref_id = self.names.acquire(&meta.entity_ref);
        let producer = meta.producer.as_deref().map(|p| self.names.acquire(p));
        let Some(entry) = self.uids.entry_mut(slot) else {
            return;
        };
        let old_ref = entry.entity_ref.replace(ref_id);
        let old_producer = std::mem::replace(&mut entry.producer, producer);
        entry.hash = Hash::new(&meta.hash);
        let was_live = std::mem::replace(&mut entry.live, true);
        if let Some(old) = old_ref {
            let name = self.names.get(old).clone();
            if old != ref_id && self.refs.get(&name) == Some(&slot) {
                self.refs.remove(&name);
            }
            self.names.release(old);
        }
        self.refs.insert(self.names.get(ref_id).clone(), slot);
        if let Some(old) = old_producer {
            if let Some(set) = self.produced.get_mut(&old) {
                set.remove(&slot);
                if set.is_empty() {
                    self.produced.remove(&old);
                }
            }
            self.names.release(old);
        }
        if let Some(p) = producer {
            self.produced.entry(p).or_default().insert(slot);
        }
        if !was_live {
            let len = self.universe.len();
            if self
                .universe
                .last()
                .is_some_and(|last| self.uids.cmp(*last, slot) == Ordering::Greater)
            {
                self.unsorted.entry(Unsorted::Universe).or_insert(len);
            }
            self.universe.push(slot);
        }
    }

    fn forget(&mut self, uid: &str) {
        let Some(slot) = self.uids.find(uid) else {
            return;
        };
        let Some(entry) = self.uids.entry_mut(slot) else {
            return;
        };
        if !std::mem::replace(&mut entry.live, false) {
            return;
        }
        let entity_ref = entry.entity_ref.take();
        let producer = entry.producer.take();
        if let Some(id) = entity_ref {
            let name = self.names.get(id).clone();
            if self.refs.get(&name) == Some(&slot) {
                self.refs.remove(&name);
            }
            self.names.release(id);
        }
        if let Some(p) = producer {
            if let Some(set) = self.produced.get_mut(&p) {
                set.remove(&slot);
                if set.is_empty() {
                    self.produced.remove(&p);
                }
            }
            self.names.release(p);
        }
        if let Some(at) = remove_slot(&mut self.universe, slot, &self.uids)
            && let Some(sorted) = self.unsorted.get_mut(&Unsorted::Universe)
            && at < *sorted
        {
            *sorted -= 1;
        }
        // Freed (and its number reusable) only after the batch: later operations of the same
        // batch may still name the uid (its relations are removed after it is forgotten).
        self.forgotten.push(slot);
    }

    /// Sorts what the last batch appended and frees forgotten slots; call after applying a
    /// batch's operations.
    pub fn finish(&mut self) {
        let uids = &self.uids;
        let by_uid = |a: Slot, b: Slot| uids.cmp(a, b);
        for (unsorted, sorted) in std::mem::take(&mut self.unsorted) {
            let list = match &unsorted {
                Unsorted::Universe => Some(&mut self.universe),
                Unsorted::Nulls(field) => {
                    self.fields
                        .get_mut(field)
                        .and_then(|f| match &mut f.nulls.slots {
                            SlotList::Many(v) => Some(v),
                            SlotList::One(_) => None,
                        })
                }
                Unsorted::Value(field, value) => self
                    .fields
                    .get_mut(field)
                    .and_then(|f| f.values.get_mut(&**value))
                    .and_then(|p| match &mut p.slots {
                        SlotList::Many(v) => Some(v),
                        SlotList::One(_) => None,
                    }),
            };
            if let Some(list) = list {
                merge_tail(list, sorted, by_uid);
            }
        }
        for slot in std::mem::take(&mut self.forgotten) {
            if self.uids.entry(slot).is_some_and(|e| !e.live) {
                self.uids.free(slot);
            }
        }
    }

    // ----- reads -----

    /// The uid of a slot.
    pub fn uid(&self, slot: Slot) -> &str {
        self.uids.uid(slot)
    }

    /// Orders slots by uid (the order of every slot list).
    pub fn cmp_slots(&self, a: Slot, b: Slot) -> Ordering {
        self.uids.cmp(a, b)
    }

    /// One more than the largest slot number (for per-slot tables such as bitsets).
    pub fn slot_bound(&self) -> usize {
        self.uids.entries.len()
    }

    /// Every entity's slot, sorted by uid.
    pub fn universe(&self) -> &[Slot] {
        &self.universe
    }

    /// The slot of a (lowercased) ref.
    pub fn slot_by_ref(&self, entity_ref: &str) -> Option<Slot> {
        self.refs.get(entity_ref).copied()
    }

    /// The uid of a (lowercased) ref.
    pub fn uid_by_ref(&self, entity_ref: &str) -> Option<String> {
        self.slot_by_ref(entity_ref)
            .map(|slot| self.uid(slot).to_owned())
    }

    /// The record summary of a (lowercased) ref.
    pub fn lookup(&self, entity_ref: &str) -> Option<RecordMeta> {
        let slot = self.slot_by_ref(entity_ref)?;
        let entry = self.uids.entry(slot)?;
        Some(RecordMeta {
            uid: entry.uid.to_string(),
            entity_ref: entity_ref.to_owned(),
            hash: entry.hash.text(),
            producer: entry.producer.map(|p| self.names.get(p).to_string()),
        })
    }

    /// Every (ref, slot), ordered by ref.
    pub fn ref_slots(&self) -> impl Iterator<Item = (&str, Slot)> {
        self.refs.iter().map(|(r, s)| (&**r, *s))
    }

    /// Every (ref, uid), ordered by ref.
    pub fn refs(&self) -> Vec<(String, String)> {
        self.ref_slots()
            .map(|(r, s)| (r.to_owned(), self.uid(s).to_owned()))
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
    /// (value, uid) order or its reverse, until `f` returns false: (lowercased value, uid,
    /// value as written). `prefix = None` visits all, `null` values last.
    pub fn visit(
        &self,
        field: &str,
        prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(Option<&str>, &str, Option<&str>) -> bool,
    ) {
        self.visit_slots(field, prefix, exact, reverse, |v, slot, o| {
            f(v, self.uid(slot), o)
        });
    }

    /// Like [`OrgIndex::visit`], handing out slots (and values borrowed from the index).
    pub fn visit_slots<'a>(
        &'a self,
        field: &str,
        prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(Option<&'a str>, Slot, Option<&'a str>) -> bool,
    ) {
        if field == UID_FIELD {
            self.visit_uids(prefix, exact, reverse, f);
            return;
        }
        let Some(field) = self.fields.get(field) else {
            return;
        };
        let mut each = |value: Option<&'a str>, postings: &'a Postings| {
            let slots = postings.slots.as_slice();
            let mut visit = |slot: &Slot| {
                let original = postings.original_of(*slot).or(value);
                f(value, *slot, original)
            };
            if reverse {
                slots.iter().rev().all(&mut visit)
            } else {
                slots.iter().all(&mut visit)
            }
        };
        match prefix {
            Some(p) if exact => {
                if let Some((v, postings)) = field.values.get_key_value(p) {
                    each(Some(v), postings);
                }
            }
            Some(p) => {
                let sorted = field.sorted();
                let start = sorted.partition_point(|v| &**v < p);
                let end = start + sorted[start..].partition_point(|v| v.starts_with(p));
                let range = &sorted[start..end];
                let iter: Box<dyn Iterator<Item = _>> = if reverse {
                    Box::new(range.iter().rev())
                } else {
                    Box::new(range.iter())
                };
                for v in iter {
                    if let Some((v, postings)) = field.values.get_key_value(&**v)
                        && !each(Some(v), postings)
                    {
                        return;
                    }
                }
            }
            None => {
                // Backstage-style order puts nulls last, in both directions.
                let sorted = field.sorted();
                let iter: Box<dyn Iterator<Item = _>> = if reverse {
                    Box::new(sorted.iter().rev())
                } else {
                    Box::new(sorted.iter())
                };
                for v in iter {
                    if let Some((v, postings)) = field.values.get_key_value(&**v)
                        && !each(Some(v), postings)
                    {
                        return;
                    }
                }
                each(None, &field.nulls);
            }
        }
    }

    /// `metadata.uid` postings, from the slot table (uids are lowercase UUIDs).
    fn visit_uids<'a>(
        &'a self,
        prefix: Option<&str>,
        exact: bool,
        reverse: bool,
        mut f: impl FnMut(Option<&'a str>, Slot, Option<&'a str>) -> bool,
    ) {
        let all = self.universe.as_slice();
        let exact_slot;
        let slots = match prefix {
            Some(p) if exact => match self.uids.find(p) {
                Some(slot) if self.uids.entry(slot).is_some_and(|e| e.live) => {
                    exact_slot = [slot];
                    &exact_slot[..]
                }
                _ => &[],
            },
            Some(p) => {
                let start = all.partition_point(|s| self.uid(*s) < p);
                let end = start + all[start..].partition_point(|s| self.uid(*s).starts_with(p));
                &all[start..end]
            }
            None => all,
        };
        let mut visit = |slot: &Slot| {
            let uid = self.uid(*slot);
            f(Some(uid), *slot, Some(uid))
        };
        if reverse {
            slots.iter().rev().all(&mut visit);
        } else {
            slots.iter().all(&mut visit);
        }
    }

    /// Sizes of the indexes, for capacity planning and the memory probe.
    pub fn stats(&self) -> IndexStats {
        let mut stats = IndexStats {
            entities: self.refs.len(),
            fields: self.fields.len(),
            names: self.names.ids.len(),
            relations: self.relations.values().map(Vec::len).sum(),
            ..Default::default()
        };
        for field in self.fields.values() {
            stats.values += field.values.len();
            for postings in field.values.values().chain([&field.nulls]) {
                stats.postings += postings.slots.as_slice().len();
                stats.long_lists += usize::from(postings.slots.as_slice().len() > 1);
                stats.originals += usize::from(postings.original.is_some())
                    + postings.except.as_ref().map_or(0, |e| e.len());
            }
        }
        stats
    }

    /// Relations whose source is `source`: (type, target, origin uid), ordered.
    pub fn relations_from(&self, source: &str) -> Vec<(String, String, String)> {
        let Some(list) = self.names.id(source).and_then(|id| self.relations.get(&id)) else {
            return Vec::new();
        };
        let mut out: Vec<(String, String, String)> = list
            .iter()
            .map(|(k, t, o)| {
                (
                    self.names.get(*k).to_string(),
                    self.names.get(*t).to_string(),
                    self.uid(*o).to_owned(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Whether any relation is indexed.
    pub fn has_relations(&self) -> bool {
        !self.relations.is_empty()
    }

    /// The (entity ref, uid) pairs `producer` emits, by ref.
    pub fn produced_by(&self, producer: &str) -> Vec<(String, String)> {
        let Some(set) = self
            .names
            .id(producer)
            .and_then(|id| self.produced.get(&id))
        else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = set
            .iter()
            .filter_map(|slot| {
                let entry = self.uids.entry(*slot)?;
                let entity_ref = self.names.get(entry.entity_ref?);
                Some((entity_ref.to_string(), entry.uid.to_string()))
            })
            .collect();
        out.sort();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uid_order_is_text_order_for_uuids_and_anything_else() {
        let mut uids: Vec<String> = (0..200).map(|_| crate::identity::new_uid()).collect();
        // Uids of other versions (as older stores hold): spread over the whole range.
        let mut x: u128 = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834;
        uids.extend((0..200).map(|_| {
            x = x
                .wrapping_mul(0x2360_ed05_1fc6_5da4_4385_df64_9fcc_f645)
                .wrapping_add(1);
            uuid::Uuid::from_u128(x).to_string()
        }));
        uids.extend(
            [
                "",
                "x",
                "00000000-0000-0000-0000-000000000000",
                "ffffffff-ffff-ffff-ffff-ffffffffffff",
                "FFFFFFFF-0000-0000-0000-000000000000",
                "0193a4b2-0000-7000-8000-00000000000g",
                "0193a4b2-0000-7000-8000-0000000000000",
                "0193a4b2_0000-7000-8000-000000000000",
            ]
            .map(String::from),
        );
        let mut table = Uids::default();
        let slots: Vec<Slot> = uids.iter().map(|u| table.get_or_insert(u)).collect();
        for (i, a) in slots.iter().enumerate() {
            for (j, b) in slots.iter().enumerate() {
                assert_eq!(
                    table.cmp(*a, *b),
                    uids[i].cmp(&uids[j]),
                    "{} vs {}",
                    uids[i],
                    uids[j]
                );
            }
        }
        assert_eq!(uuid_key("x"), 0);
        assert_ne!(uuid_key(&uids[0]), 0);
    }

    fn posting(key: &str, value: &str) -> Posting {
        Posting {
            key: key.into(),
            value: Some(value.to_lowercase()),
            original: value.into(),
        }
    }

    fn record(uid: &str, entity_ref: &str, producer: &str) -> IndexOp {
        IndexOp::Record(RecordMeta {
            uid: uid.into(),
            entity_ref: entity_ref.into(),
            hash: "ab".repeat(32),
            producer: Some(producer.into()),
        })
    }

    fn uids_of(index: &OrgIndex, field: &str, value: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        index.visit(field, value, value.is_some(), false, |_, uid, _| {
            out.push(uid.to_owned());
            true
        });
        out
    }

    /// The values of `field` in order (optionally only those starting with `prefix`), reverse
    /// if asked, each once.
    fn values_in_order(
        index: &OrgIndex,
        field: &str,
        prefix: Option<&str>,
        rev: bool,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        index.visit(field, prefix, false, rev, |value, _, _| {
            if let Some(v) = value
                && out.last().map(String::as_str) != Some(v)
            {
                out.push(v.to_owned());
            }
            true
        });
        out
    }

    #[test]
    fn value_order_follows_additions_removals_and_churn_between_ordered_reads() {
        let mut index = OrgIndex::default();
        let set = |index: &mut OrgIndex, uid: &str, old: Option<&str>, new: Option<&str>| {
            if let Some(old) = old {
                index.apply(IndexOp::RemovePostings(
                    uid.into(),
                    vec![posting("spec.v", old)],
                ));
            }
            if let Some(new) = new {
                index.apply(IndexOp::AddPostings(
                    uid.into(),
                    vec![posting("spec.v", new)],
                ));
            }
            index.finish();
        };
        for (uid, v) in [("a", "m"), ("b", "c"), ("c", "x"), ("d", "ca")] {
            set(&mut index, uid, None, Some(v));
        }
        assert_eq!(
            values_in_order(&index, "spec.v", None, false),
            ["c", "ca", "m", "x"]
        );
        // Added, removed and re-added between two ordered reads.
        set(&mut index, "e", None, Some("b"));
        set(&mut index, "a", Some("m"), None);
        set(&mut index, "f", None, Some("cb"));
        set(&mut index, "f", Some("cb"), None);
        set(&mut index, "g", None, Some("x"));
        set(&mut index, "c", Some("x"), Some("m"));
        assert_eq!(
            values_in_order(&index, "spec.v", None, false),
            ["b", "c", "ca", "m", "x"]
        );
        assert_eq!(
            values_in_order(&index, "spec.v", None, true),
            ["x", "m", "ca", "c", "b"]
        );
        assert_eq!(
            values_in_order(&index, "spec.v", Some("c"), false),
            ["c", "ca"]
        );
        assert_eq!(
            values_in_order(&index, "spec.v", Some("c"), true),
            ["ca", "c"]
        );
        assert!(values_in_order(&index, "spec.v", Some("cc"), false).is_empty());
        assert!(values_in_order(&index, "spec.v", Some("zz"), false).is_empty());
        // A value per revision (like an etag) with no ordered read in between: the pending
        // additions are compacted rather than kept (the 1,025th addition compacts, and is
        // itself kept), and the order is still right.
        for i in 0..1_025 {
            let old = (i > 0).then(|| format!("rev-{:05}", i - 1));
            set(
                &mut index,
                "h",
                old.as_deref(),
                Some(&format!("rev-{i:05}")),
            );
        }
        let pending = index.fields["spec.v"].order.lock().unwrap().added.len();
        assert_eq!(pending, 0, "{pending} values pending");
        assert_eq!(
            values_in_order(&index, "spec.v", None, false),
            ["b", "c", "ca", "m", "rev-01024", "x"]
        );
    }

    #[test]
    fn long_lists_stay_sorted_by_uid_and_slots_are_reused_after_the_batch() {
        let mut index = OrgIndex::default();
        let uids: Vec<String> = (0..200)
            .map(|i| format!("u{:03}", (i * 37) % 200))
            .collect();
        for uid in &uids {
            index.apply(IndexOp::AddPostings(
                uid.clone(),
                vec![posting("kind", "Component")],
            ));
            index.apply(record(uid, &format!("component:default/{uid}"), "p"));
        }
        index.finish();
        let mut sorted = uids.clone();
        sorted.sort();
        assert_eq!(uids_of(&index, "kind", Some("component")), sorted);
        assert_eq!(
            index
                .universe()
                .iter()
                .map(|s| index.uid(*s).to_owned())
                .collect::<Vec<_>>(),
            sorted
        );
        assert_eq!(uids_of(&index, "metadata.uid", Some("u007")), vec!["u007"]);
        assert_eq!(uids_of(&index, "metadata.uid", Some("u19")).len(), 0);

        // Forget one; its slot is reused only after the batch, by a new uid.
        let gone = index.uids.find("u007").unwrap();
        index.apply(IndexOp::RemovePostings(
            "u007".into(),
            vec![posting("kind", "Component")],
        ));
        index.apply(IndexOp::Forget("u007".into()));
        assert_eq!(index.uids.find("u007"), Some(gone));
        index.finish();
        assert_eq!(index.uids.find("u007"), None);
        index.apply(IndexOp::AddPostings(
            "a-new".into(),
            vec![posting("kind", "component")],
        ));
        index.apply(record("a-new", "component:default/new", "p"));
        index.finish();
        assert_eq!(index.uids.find("a-new"), Some(gone));
        let kinds = uids_of(&index, "kind", Some("component"));
        assert_eq!(kinds.len(), 200);
        assert_eq!(kinds[0], "a-new");
        assert!(!kinds.contains(&"u007".to_owned()));
        assert_eq!(index.count(), 200);
        assert_eq!(index.produced_by("p").len(), 200);
    }

    #[test]
    fn a_batch_appending_and_removing_in_a_long_list_leaves_it_sorted() {
        let mut index = OrgIndex::default();
        let add = |index: &mut OrgIndex, uid: &str| {
            index.apply(IndexOp::AddPostings(
                uid.into(),
                vec![posting("kind", "api")],
            ));
            index.apply(record(uid, &format!("api:default/{uid}"), "p"));
        };
        for i in 0..100 {
            add(&mut index, &format!("m{i:03}"));
        }
        index.finish();
        // One batch: out-of-order appends, removals before and after the sorted prefix's end.
        add(&mut index, "z1");
        add(&mut index, "a1");
        for gone in ["m000", "m050", "z1"] {
            index.apply(IndexOp::RemovePostings(
                gone.into(),
                vec![posting("kind", "api")],
            ));
            index.apply(IndexOp::Forget(gone.into()));
        }
        add(&mut index, "b1");
        add(&mut index, "m0505");
        index.finish();
        let listed = uids_of(&index, "kind", Some("api"));
        let mut expected: Vec<String> = (1..100)
            .filter(|i| *i != 50)
            .map(|i| format!("m{i:03}"))
            .chain(["a1", "b1", "m0505"].map(String::from))
            .collect();
        expected.sort();
        assert_eq!(listed, expected);
        let universe: Vec<String> = index
            .universe()
            .iter()
            .map(|s| index.uid(*s).to_owned())
            .collect();
        assert_eq!(universe, expected);
    }

    #[test]
    fn originals_are_kept_per_entity_where_they_differ() {
        let mut index = OrgIndex::default();
        for (uid, tag) in [("a", "Java"), ("b", "java"), ("c", "JAVA"), ("d", "Java")] {
            index.apply(IndexOp::AddPostings(uid.into(), vec![posting("tag", tag)]));
        }
        index.finish();
        let mut seen = Vec::new();
        index.visit("tag", Some("java"), true, false, |v, uid, o| {
            seen.push((v.unwrap().to_owned(), uid.to_owned(), o.unwrap().to_owned()));
            true
        });
        assert_eq!(
            seen,
            [
                ("java", "a", "Java"),
                ("java", "b", "java"),
                ("java", "c", "JAVA"),
                ("java", "d", "Java")
            ]
            .map(|(v, u, o)| (v.to_owned(), u.to_owned(), o.to_owned()))
        );
    }

    #[test]
    fn records_move_refs_and_producers_and_relations_are_shared_names() {
        let mut index = OrgIndex::default();
        index.apply(record("u1", "component:default/a", "p1"));
        index.apply(IndexOp::AddRelation(
            "u1".into(),
            [
                "component:default/a".into(),
                "ownedBy".into(),
                "group:default/t".into(),
            ],
        ));
        index.finish();
        let meta = index.lookup("component:default/a").unwrap();
        assert_eq!(meta.hash, "ab".repeat(32));
        assert_eq!(meta.producer.as_deref(), Some("p1"));
        // Renamed and handed to another producer.
        index.apply(record("u1", "component:default/b", "p2"));
        index.finish();
        assert!(index.lookup("component:default/a").is_none());
        assert_eq!(
            index.uid_by_ref("component:default/b").as_deref(),
            Some("u1")
        );
        assert!(index.produced_by("p1").is_empty());
        assert_eq!(
            index.produced_by("p2"),
            vec![("component:default/b".to_owned(), "u1".to_owned())]
        );
        assert_eq!(
            index.relations_from("component:default/a"),
            vec![(
                "ownedBy".to_owned(),
                "group:default/t".to_owned(),
                "u1".to_owned()
            )]
        );
        index.apply(IndexOp::Forget("u1".into()));
        index.apply(IndexOp::RemoveRelation(
            "u1".into(),
            [
                "component:default/a".into(),
                "ownedBy".into(),
                "group:default/t".into(),
            ],
        ));
        index.finish();
        assert!(!index.has_relations());
        assert_eq!(index.count(), 0);
        assert!(index.names.ids.is_empty(), "{:?}", index.names.ids);
    }
}
