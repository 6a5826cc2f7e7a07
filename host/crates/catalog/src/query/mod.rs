//! Backstage's catalog query semantics over the store's indexes: filters and predicates,
//! ordering, offset/cursor paging, full-text, facets, `fields` projection, by-refs, ancestry.
//!
//! Filters are evaluated on the search postings as sorted uid sets (each condition is one
//! prefix scan of one field's postings, never of the entities); only the page's entities are
//! read. Order and paging follow `DefaultEntitiesCatalog`: `by-query` pages by uid (or by the
//! order field's value then uid, leaving out entities without that field) with opaque base64
//! cursors; the legacy listing sorts by entity ref, or by order fields with missing values last.

pub mod filter;
pub mod projection;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap, HashSet};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use portico_storage::OrgId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::api::*;
use crate::store::Store;
use crate::store::index::{OrgIndex, Slot};
pub use filter::{Filter, parse_filter_params, parse_predicate};
pub use projection::{parse_fields, project};

/// Default page size of `by-query` (Backstage's `DEFAULT_LIMIT`).
pub const DEFAULT_LIMIT: usize = 200;

/// Queries of one organization's catalog.
pub struct Query<'a> {
    store: &'a Store,
    org: &'a OrgId,
}

/// A deduplicated set of entities, sorted by uid.
type Slots = Vec<Slot>;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Cursor {
    #[serde(default)]
    filter: Vec<String>,
    #[serde(default)]
    query: Option<Value>,
    #[serde(default)]
    order_fields: Vec<OrderBy>,
    #[serde(default)]
    full_text_filter: Option<FullTextFilter>,
    #[serde(default)]
    order_field_values: Option<(Option<String>, String)>,
    #[serde(default)]
    first_sort_field_values: Option<(Option<String>, String)>,
    #[serde(default)]
    is_previous: bool,
    #[serde(default)]
    total_items: Option<usize>,
}

fn input(message: impl Into<String>) -> CatalogError {
    CatalogError::Input(message.into())
}

fn encode<T: Serialize>(value: &T) -> String {
    BASE64.encode(serde_json::to_vec(value).unwrap_or_default())
}

fn decode<T: for<'de> Deserialize<'de>>(text: &str, what: &str) -> CatalogResult<T> {
    let bytes = BASE64
        .decode(text.trim())
        .map_err(|_| input(format!("Malformed {what}, could not be parsed")))?;
    serde_json::from_slice(&bytes)
        .map_err(|_| input(format!("Malformed {what}, could not be parsed")))
}

fn intersect(ix: &OrgIndex, a: &[Slot], b: &[Slot]) -> Slots {
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match ix.cmp_slots(a[i], b[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn union(ix: &OrgIndex, a: &[Slot], b: &[Slot]) -> Slots {
    let (mut i, mut j, mut out) = (0, 0, Vec::with_capacity(a.len() + b.len()));
    while i < a.len() || j < b.len() {
        let ord = if j >= b.len() {
            Ordering::Less
        } else if i >= a.len() {
            Ordering::Greater
        } else {
            ix.cmp_slots(a[i], b[j])
        };
        match ord {
            Ordering::Less => {
                out.push(a[i]);
                i += 1;
            }
            Ordering::Greater => {
                out.push(b[j]);
                j += 1;
            }
            Ordering::Equal => {
                out.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    out
}

fn difference(ix: &OrgIndex, a: &[Slot], b: &[Slot]) -> Slots {
    let mut j = 0;
    let mut out = Vec::new();
    for x in a {
        while j < b.len() && ix.cmp_slots(b[j], *x) == Ordering::Less {
            j += 1;
        }
        if j >= b.len() || b[j] != *x {
            out.push(*x);
        }
    }
    out
}

fn sorted(ix: &OrgIndex, mut slots: Vec<Slot>) -> Slots {
    slots.sort_unstable_by(|a, b| ix.cmp_slots(*a, *b));
    slots.dedup();
    slots
}

/// A set of slots for membership tests.
struct SlotSet(Vec<bool>);

impl SlotSet {
    fn new(ix: &OrgIndex, slots: &[Slot]) -> Self {
        let mut set = vec![false; ix.slot_bound()];
        for s in slots {
            set[*s as usize] = true;
        }
        SlotSet(set)
    }

    fn contains(&self, slot: Slot) -> bool {
        self.0.get(slot as usize).copied().unwrap_or(false)
    }
}

/// Filter evaluation on one consistent view of the indexes (one read lock for the query).
struct View<'i> {
    ix: &'i OrgIndex,
}

impl View<'_> {
    /// Every slot, sorted by uid.
    fn universe(&self) -> Slots {
        self.ix.universe().to_vec()
    }

    /// Slots with postings of `field` (exactly `value`, or starting with it unless `exact`;
    /// all non-null and null ones for `None`), sorted by uid.
    fn collect(&self, field: &str, value: Option<&str>, exact: bool) -> Slots {
        let mut out: Vec<Slot> = Vec::new();
        let mut values = 0usize;
        let mut last: Option<String> = None;
        self.ix
            .visit_slots(field, value, exact, false, |v, slot, _| {
                if last.as_deref() != v {
                    values += 1;
                    last = v.map(str::to_owned);
                }
                out.push(slot);
                true
            });
        // One value's slots come sorted (and `metadata.uid` is visited in uid order); several
        // values, or values and nulls, need a merge.
        let in_order = field == "metadata.uid" || (values <= 1 && value.is_some());
        if !in_order { sorted(self.ix, out) } else { out }
    }

    /// The slots matching `filter`, sorted by uid.
    fn evaluate(&self, filter: &Filter) -> Slots {
        let ix = self.ix;
        match filter {
            Filter::In(key, values) if values.len() == 1 => {
                self.collect(key, Some(&values[0]), true)
            }
            Filter::In(key, values) => {
                let mut acc = Vec::new();
                for value in values {
                    acc = union(ix, &acc, &self.collect(key, Some(value), true));
                }
                acc
            }
            Filter::Exists(key) => self.collect(key, None, false),
            Filter::Prefix(key, prefix) => self.collect(key, Some(prefix), false),
            Filter::Not(inner) => difference(ix, ix.universe(), &self.evaluate(inner)),
            Filter::Any(items) => {
                let mut acc = Vec::new();
                for item in items {
                    acc = union(ix, &acc, &self.evaluate(item));
                }
                acc
            }
            Filter::All(items) => {
                let (negative, positive): (Vec<&Filter>, Vec<&Filter>) =
                    items.iter().partition(|f| matches!(f, Filter::Not(_)));
                let mut acc: Option<Slots> = None;
                for item in positive {
                    let set = self.evaluate(item);
                    acc = Some(match acc {
                        None => set,
                        Some(acc) => intersect(ix, &acc, &set),
                    });
                    if acc.as_ref().is_some_and(Vec::is_empty) {
                        return Vec::new();
                    }
                }
                let mut acc = match acc {
                    Some(acc) => acc,
                    None => self.universe(),
                };
                for item in negative {
                    if let Filter::Not(inner) = item {
                        acc = difference(ix, &acc, &self.evaluate(inner));
                    }
                }
                acc
            }
        }
    }

    /// The slots matching a parsed filter (`None`: no restriction).
    fn candidates(&self, filter: Option<&Filter>) -> Option<Slots> {
        filter.map(|f| self.evaluate(f))
    }
}

/// Sorts slots by several fields, missing values last, ties by uid (legacy `order`).
fn sort_by_fields(ix: &OrgIndex, slots: Slots, orders: &[OrderBy]) -> Slots {
    let wanted = SlotSet::new(ix, &slots);
    let mut maps: Vec<HashMap<Slot, &str>> = Vec::new();
    for order in orders {
        let mut map = HashMap::new();
        ix.visit_slots(
            &order.field.to_lowercase(),
            None,
            false,
            false,
            |value, slot, _| {
                if let Some(v) = value
                    && wanted.contains(slot)
                {
                    map.entry(slot).or_insert(v);
                }
                true
            },
        );
        maps.push(map);
    }
    let mut slots = slots;
    slots.sort_by(|a, b| {
        for (order, map) in orders.iter().zip(&maps) {
            let ord = match (map.get(a), map.get(b)) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(x), Some(y)) => match order.order {
                    SortOrder::Asc => x.cmp(y),
                    SortOrder::Desc => y.cmp(x),
                },
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        ix.cmp_slots(*a, *b)
    });
    slots
}

/// What [`page_of`] needs from the request besides the cursor.
struct PageArgs {
    limit: usize,
    offset: Option<usize>,
    exclude_total: bool,
    initial: bool,
}

/// The page of a `by-query` request on one view of the indexes: uids in order, total, cursors.
fn page_of(
    ix: &OrgIndex,
    filter: &Option<Filter>,
    cursor: &Cursor,
    sort: Option<&OrderBy>,
    sort_key: Option<&str>,
    args: PageArgs,
) -> (Vec<String>, usize, PageInfo) {
    let PageArgs {
        limit,
        offset,
        exclude_total,
        initial,
    } = args;
    let view = View { ix };
    let mut candidates = view.candidates(filter.as_ref());
    if let Some(ft) = &cursor.full_text_filter {
        let term = ft.term.trim().to_lowercase();
        if !term.is_empty() {
            let fields: Vec<String> = if ft.fields.is_empty() {
                vec![sort_key.unwrap_or("metadata.uid").to_owned()]
            } else {
                ft.fields.iter().map(|f| f.to_lowercase()).collect()
            };
            let mut matched = Vec::new();
            for field in &fields {
                ix.visit_slots(field, None, false, false, |value, slot, _| {
                    if value.is_some_and(|v| v.contains(&term)) {
                        matched.push(slot);
                    }
                    true
                });
            }
            let matched = sorted(ix, matched);
            candidates = Some(match candidates {
                Some(c) => intersect(ix, &c, &matched),
                None => matched,
            });
        }
    }

    // The full ordered listing as (sort value, slot).
    let ordered: Vec<(Option<&str>, Slot)> = match (sort, sort_key) {
        (Some(sort), Some(key)) => {
            let wanted = candidates.as_ref().map(|c| SlotSet::new(ix, c));
            let mut seen = vec![false; ix.slot_bound()];
            let mut out = Vec::new();
            let reverse = sort.order == SortOrder::Desc;
            ix.visit_slots(key, None, false, reverse, |value, slot, _| {
                if let Some(v) = value
                    && wanted.as_ref().is_none_or(|w| w.contains(slot))
                    && !std::mem::replace(&mut seen[slot as usize], true)
                {
                    out.push((Some(v), slot));
                }
                true
            });
            out
        }
        _ => candidates
            .unwrap_or_else(|| view.universe())
            .into_iter()
            .map(|s| (None, s))
            .collect(),
    };
    let desc = sort.is_some_and(|s| s.order == SortOrder::Desc);
    // Position of `key` in the listing: elements strictly before it.
    let before = |key: &(Option<String>, String)| {
        ordered.partition_point(|e| {
            let ord = (e.0, ix.uid(e.1)).cmp(&(key.0.as_deref(), key.1.as_str()));
            if desc {
                ord == Ordering::Greater
            } else {
                ord == Ordering::Less
            }
        })
    };
    let (start, end, has_more) = if cursor.is_previous {
        let end = cursor.order_field_values.as_ref().map_or(0, &before);
        (end.saturating_sub(limit), end, true)
    } else {
        let start = match &cursor.order_field_values {
            Some(last) => {
                let pos = before(last);
                if ordered
                    .get(pos)
                    .is_some_and(|e| e.0 == last.0.as_deref() && ix.uid(e.1) == last.1)
                {
                    pos + 1
                } else {
                    pos
                }
            }
            None => offset.unwrap_or(0).min(ordered.len()),
        };
        let end = (start + limit).min(ordered.len());
        (start, end, limit > 0 && end < ordered.len())
    };
    let rows = &ordered[start..end];
    let total_items = if exclude_total {
        0
    } else {
        cursor.total_items.unwrap_or(ordered.len())
    };
    let key = |e: &(Option<&str>, Slot)| (e.0.map(str::to_owned), ix.uid(e.1).to_owned());
    let first_values = cursor
        .first_sort_field_values
        .clone()
        .or_else(|| rows.first().map(key));
    let next_cursor = (has_more && !rows.is_empty()).then(|| {
        encode(&Cursor {
            order_field_values: rows.last().map(key),
            first_sort_field_values: first_values.clone(),
            is_previous: false,
            total_items: (!exclude_total).then_some(total_items),
            ..cursor.clone()
        })
    });
    let prev_cursor =
        (!initial && !rows.is_empty() && rows.first().map(key) != cursor.first_sort_field_values)
            .then(|| {
                encode(&Cursor {
                    order_field_values: rows.first().map(key),
                    first_sort_field_values: cursor.first_sort_field_values.clone(),
                    is_previous: true,
                    total_items: (!exclude_total).then_some(total_items),
                    ..cursor.clone()
                })
            });
    let uids: Vec<String> = rows.iter().map(|(_, s)| ix.uid(*s).to_owned()).collect();
    (
        uids,
        total_items,
        PageInfo {
            next_cursor,
            prev_cursor,
        },
    )
}

/// Parses legacy filter strings and/or a predicate into one filter (`None`: no restriction).
fn parse_candidates(
    filters: &[String],
    predicate: Option<&Value>,
) -> CatalogResult<Option<Filter>> {
    let mut parts = Vec::new();
    if let Some(f) = parse_filter_params(filters).map_err(input)? {
        parts.push(f);
    }
    if let Some(p) = predicate {
        parts.push(parse_predicate(p).map_err(input)?);
    }
    Ok((!parts.is_empty()).then_some(Filter::All(parts)))
}

/// Parses `<field>,<asc|desc>` (by-query GET `orderField`).
fn parse_order_field(text: &str) -> CatalogResult<OrderBy> {
    let (field, order) = match text.split_once(',') {
        Some((f, o)) => (f.trim(), o.trim()),
        None => (text.trim(), "asc"),
    };
    let order = match order {
        "asc" => SortOrder::Asc,
        "desc" => SortOrder::Desc,
        other => {
            return Err(input(format!(
                "Invalid order field order, must be asc or desc, got '{other}'"
            )));
        }
    };
    if field.is_empty() {
        return Err(input("Invalid order field, the field name is empty"));
    }
    Ok(OrderBy {
        field: field.to_owned(),
        order,
    })
}

/// Parses `asc:<field>` / `desc:<field>` (legacy `order`).
fn parse_legacy_order(text: &str) -> CatalogResult<OrderBy> {
    let bad = || {
        input(format!(
            "Invalid order parameter \"{text}\", expected \"<asc or desc>:<field name>\""
        ))
    };
    let (order, field) = text.split_once(':').ok_or_else(bad)?;
    let order = match order {
        "asc" => SortOrder::Asc,
        "desc" => SortOrder::Desc,
        _ => return Err(bad()),
    };
    if field.is_empty() {
        return Err(bad());
    }
    Ok(OrderBy {
        field: field.to_owned(),
        order,
    })
}

impl<'a> Query<'a> {
    /// Queries of `org` in `store`.
    pub fn new(store: &'a Store, org: &'a OrgId) -> Self {
        Query { store, org }
    }

    fn load(&self, uid: &str) -> CatalogResult<Option<Value>> {
        Ok(self.store.entity(self.org, uid)?)
    }

    fn load_all(&self, uids: &[String], fields: &[String]) -> CatalogResult<Vec<Value>> {
        let mut out = Vec::with_capacity(uids.len());
        for uid in uids {
            if let Some(entity) = self.load(uid)? {
                out.push(project(entity, fields));
            }
        }
        Ok(out)
    }

    /// `GET /entities`.
    pub fn entities(&self, request: &EntitiesRequest) -> CatalogResult<EntitiesResponse> {
        let fields = parse_fields(&request.fields).map_err(input)?;
        let (mut limit, mut offset) = (request.limit, request.offset);
        if let Some(after) = &request.after {
            #[derive(Deserialize)]
            struct After {
                limit: Option<usize>,
                offset: Option<usize>,
            }
            let after: After = decode(after, "after cursor")?;
            limit = after.limit.or(limit);
            offset = after.offset.or(offset);
        }
        let orders = request
            .order
            .iter()
            .flat_map(|o| o.split(','))
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(parse_legacy_order)
            .collect::<CatalogResult<Vec<_>>>()?;
        let filter = parse_candidates(&request.filter, None)?;
        let (page, next_after) = self.store.read_index(self.org, |ix| {
            let view = View { ix };
            let candidates = view.candidates(filter.as_ref());
            let ordered: Vec<Slot> = if orders.is_empty() {
                let set = candidates.as_ref().map(|c| SlotSet::new(ix, c));
                ix.ref_slots()
                    .map(|(_, slot)| slot)
                    .filter(|slot| set.as_ref().is_none_or(|s| s.contains(*slot)))
                    .collect()
            } else {
                let slots = candidates.unwrap_or_else(|| view.universe());
                sort_by_fields(ix, slots, &orders)
            };
            let start = offset.unwrap_or(0).min(ordered.len());
            let end = limit.map_or(ordered.len(), |l| (start + l).min(ordered.len()));
            let next_after = match limit {
                Some(l) if end < ordered.len() => Some(encode(&serde_json::json!({
                    "limit": l, "offset": start + l
                }))),
                _ => None,
            };
            let page: Vec<String> = ordered[start..end]
                .iter()
                .map(|s| ix.uid(*s).to_owned())
                .collect();
            (page, next_after)
        })?;
        Ok(EntitiesResponse {
            entities: self.load_all(&page, &fields)?,
            next_after,
        })
    }

    /// `GET`/`POST /entities/by-query`.
    pub fn query_entities(
        &self,
        request: &QueryEntitiesRequest,
    ) -> CatalogResult<QueryEntitiesResponse> {
        let fields = parse_fields(&request.fields).map_err(input)?;
        let (uids, total_items, page_info) = self.query_page(request)?;
        Ok(QueryEntitiesResponse {
            items: self.load_all(&uids, &fields)?,
            total_items,
            page_info,
        })
    }

    /// `by-query` serialized straight from the stored entity JSON (no parse and re-serialize
    /// of the page's entities when there is no `fields` projection): the response body.
    pub fn query_entities_json(&self, request: &QueryEntitiesRequest) -> CatalogResult<Vec<u8>> {
        let fields = parse_fields(&request.fields).map_err(input)?;
        if !fields.is_empty() {
            let response = self.query_entities(request)?;
            return Ok(serde_json::to_vec(&response).unwrap_or_default());
        }
        let (uids, total_items, page_info) = self.query_page(request)?;
        let mut out = Vec::with_capacity(uids.len() * 1024 + 128);
        out.extend_from_slice(b"{\"items\":[");
        let mut first = true;
        for uid in &uids {
            if let Some(bytes) = self.store.entity_bytes(self.org, uid)? {
                if !first {
                    out.push(b',');
                }
                first = false;
                out.extend_from_slice(&bytes);
            }
        }
        out.extend_from_slice(b"],\"totalItems\":");
        out.extend_from_slice(total_items.to_string().as_bytes());
        out.extend_from_slice(b",\"pageInfo\":");
        out.extend_from_slice(&serde_json::to_vec(&page_info).unwrap_or_default());
        out.push(b'}');
        Ok(out)
    }

    /// The page of a `by-query` request: uids in order, total, cursors.
    fn query_page(
        &self,
        request: &QueryEntitiesRequest,
    ) -> CatalogResult<(Vec<String>, usize, PageInfo)> {
        let limit = request.limit.unwrap_or(DEFAULT_LIMIT);
        let exclude_total = request.total_items.as_deref() == Some("exclude");
        let cursor = match &request.cursor {
            Some(text) => decode::<Cursor>(text, "cursor")?,
            None => {
                let mut order_fields = request.order_by.clone();
                for o in &request.order_field {
                    order_fields.push(parse_order_field(o)?);
                }
                let full_text_filter = match &request.full_text_filter {
                    Some(f) => Some(f.clone()),
                    None => request
                        .full_text_filter_term
                        .as_ref()
                        .map(|term| FullTextFilter {
                            term: term.clone(),
                            fields: request
                                .full_text_filter_fields
                                .iter()
                                .flat_map(|f| f.split(','))
                                .map(|f| f.trim().to_owned())
                                .filter(|f| !f.is_empty())
                                .collect(),
                        }),
                };
                Cursor {
                    filter: request.filter.clone(),
                    query: request.query.clone(),
                    order_fields,
                    full_text_filter,
                    ..Default::default()
                }
            }
        };
        let initial = request.cursor.is_none();
        let sort = cursor.order_fields.first().cloned();
        let sort_key = sort.as_ref().map(|s| s.field.to_lowercase());

        let filter = parse_candidates(&cursor.filter, cursor.query.as_ref())?;
        self.store
            .read_index(self.org, |ix| {
                page_of(
                    ix,
                    &filter,
                    &cursor,
                    sort.as_ref(),
                    sort_key.as_deref(),
                    PageArgs {
                        limit,
                        offset: request.offset,
                        exclude_total,
                        initial,
                    },
                )
            })
            .map_err(CatalogError::from)
    }

    /// `POST /entities/by-refs`.
    pub fn by_refs(&self, request: &EntitiesBatchRequest) -> CatalogResult<EntitiesBatchResponse> {
        let fields = parse_fields(&request.fields).map_err(input)?;
        let filter = parse_candidates(&request.filter, request.query.as_ref())?;
        let uids: Vec<Option<String>> = self.store.read_index(self.org, |ix| {
            let allowed = View { ix }
                .candidates(filter.as_ref())
                .map(|c| SlotSet::new(ix, &c));
            request
                .entity_refs
                .iter()
                .map(|entity_ref| {
                    ix.slot_by_ref(&entity_ref.to_lowercase())
                        .filter(|s| allowed.as_ref().is_none_or(|a| a.contains(*s)))
                        .map(|s| ix.uid(s).to_owned())
                })
                .collect()
        })?;
        let mut items = Vec::with_capacity(uids.len());
        for uid in uids {
            items.push(match uid {
                Some(uid) => self.load(&uid)?.map(|e| project(e, &fields)),
                None => None,
            });
        }
        Ok(EntitiesBatchResponse { items })
    }

    /// `GET`/`POST /entity-facets`.
    pub fn facets(&self, request: &FacetsRequest) -> CatalogResult<FacetsResponse> {
        let filter = parse_candidates(&request.filter, request.query.as_ref())?;
        let facets = self.store.read_index(self.org, |ix| {
            let wanted = View { ix }
                .candidates(filter.as_ref())
                .map(|c| SlotSet::new(ix, &c));
            let mut facets = BTreeMap::new();
            for facet in request.facet.iter().chain(&request.facets) {
                let mut counts: HashMap<&str, usize> = HashMap::new();
                ix.visit_slots(
                    &facet.to_lowercase(),
                    None,
                    false,
                    false,
                    |value, slot, original| {
                        if value.is_some() && wanted.as_ref().is_none_or(|w| w.contains(slot)) {
                            *counts.entry(original.unwrap_or_default()).or_default() += 1;
                        }
                        true
                    },
                );
                let mut values: Vec<Facet> = counts
                    .into_iter()
                    .map(|(value, count)| Facet {
                        value: value.to_owned(),
                        count,
                    })
                    .collect();
                values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
                facets.insert(facet.clone(), values);
            }
            facets
        })?;
        Ok(FacetsResponse { facets })
    }

    /// `GET /entities/by-name/{kind}/{namespace}/{name}/ancestry`.
    pub fn ancestry(&self, entity_ref: &str) -> CatalogResult<AncestryResponse> {
        let root_ref = entity_ref.to_lowercase();
        let uid = self
            .store
            .uid_by_ref(self.org, &root_ref)?
            .ok_or_else(|| CatalogError::NotFound(format!("No such entity {root_ref}")))?;
        let mut items = Vec::new();
        let mut seen = HashSet::from([root_ref.clone()]);
        let mut todo = vec![uid];
        while let Some(uid) = todo.pop() {
            let (Some(record), Some(entity)) =
                (self.store.record(self.org, &uid)?, self.load(&uid)?)
            else {
                continue;
            };
            let mut parent_refs = Vec::new();
            for parent in &record.parents {
                if let Some(parent_uid) = self.store.uid_by_ref(self.org, parent)? {
                    parent_refs.push(parent.clone());
                    if seen.insert(parent.clone()) {
                        todo.push(parent_uid);
                    }
                }
            }
            items.push(AncestryItem {
                entity,
                parent_entity_refs: parent_refs,
            });
        }
        Ok(AncestryResponse {
            root_entity_ref: root_ref,
            items,
        })
    }
}
