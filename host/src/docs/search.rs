//! Full-text search over rendered docs pages: a small in-memory inverted index with BM25
//! ranking, filled as pages are rendered (on request and by the docs indexer).
//!
//! Why not tantivy: the corpus is the portal's docs pages — thousands, not millions — and the
//! index is rebuilt from renders after a restart, so an on-disk segment store, its ~100
//! dependencies and its build time buy nothing here. This index answers a query over 5,000
//! pages in about a millisecond even for a word on nearly every page (docs/benchmarks.md)
//! and fits in one small module; if search ever spans the catalog and millions of
//! documents, tantivy is the upgrade path.
//!
//! Tokens are lower-cased alphanumeric runs; every query term must match (the last one as a
//! prefix, for search-as-you-type); title words weigh more than body words.

use std::collections::{BTreeMap, HashMap};
use std::sync::RwLock;

use serde::Serialize;

/// Characters of page text kept per page for result snippets.
const TEXT_KEPT: usize = 64 * 1024;
/// A word in the title counts as this many occurrences in the body.
const TITLE_WEIGHT: u32 = 5;
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// One page in the index.
#[derive(Clone, Debug)]
pub struct IndexedPage {
    /// `kind:namespace/name` as the catalog stores it.
    pub entity: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub path: String,
    pub title: String,
    pub text: String,
}

/// One search result.
#[derive(Clone, Debug, Serialize)]
pub struct Hit {
    pub entity: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub path: String,
    pub title: String,
    pub snippet: String,
    pub score: f64,
}

struct Doc {
    page: IndexedPage,
    terms: Vec<String>,
    len: u32,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    ids: HashMap<(String, String), u64>,
    docs: HashMap<u64, Doc>,
    postings: BTreeMap<String, HashMap<u64, u32>>,
    total_len: u64,
}

/// The docs search index.
pub struct SearchIndex {
    max_pages: usize,
    inner: RwLock<Inner>,
}

pub fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty() && t.len() <= 64)
        .map(str::to_lowercase)
}

impl SearchIndex {
    /// An index of at most `max_pages` pages (further pages are not indexed).
    pub fn new(max_pages: usize) -> SearchIndex {
        SearchIndex {
            max_pages,
            inner: RwLock::new(Inner::default()),
        }
    }

    /// Adds `page`, replacing what was indexed for the same entity and path.
    pub fn index(&self, mut page: IndexedPage) {
        let mut counts: HashMap<String, u32> = HashMap::new();
        for t in tokens(&page.text) {
            *counts.entry(t).or_default() += 1;
        }
        for t in tokens(&page.title) {
            *counts.entry(t).or_default() += TITLE_WEIGHT;
        }
        let len: u32 = counts.values().sum();
        if page.text.len() > TEXT_KEPT {
            let mut cut = TEXT_KEPT;
            while !page.text.is_char_boundary(cut) {
                cut -= 1;
            }
            page.text.truncate(cut);
        }
        let mut inner = self.inner.write().expect("search index poisoned");
        let key = (page.entity.to_lowercase(), page.path.clone());
        if let Some(old) = inner.ids.get(&key).copied() {
            inner.remove(old);
        } else if inner.docs.len() >= self.max_pages {
            tracing::warn!(
                entity = %page.entity,
                path = %page.path,
                "docs search index is full; page not indexed"
            );
            return;
        }
        let id = inner.next_id;
        inner.next_id += 1;
        for (term, count) in &counts {
            inner
                .postings
                .entry(term.clone())
                .or_default()
                .insert(id, *count);
        }
        inner.total_len += u64::from(len);
        inner.ids.insert(key, id);
        inner.docs.insert(
            id,
            Doc {
                page,
                terms: counts.into_keys().collect(),
                len,
            },
        );
    }

    /// Removes every page of `entity` (`kind:namespace/name`).
    pub fn remove_entity(&self, entity: &str) {
        let entity = entity.to_lowercase();
        let mut inner = self.inner.write().expect("search index poisoned");
        let ids: Vec<u64> = inner
            .ids
            .iter()
            .filter(|((e, _), _)| *e == entity)
            .map(|(_, id)| *id)
            .collect();
        for id in ids {
            inner.remove(id);
        }
    }

    pub fn len(&self) -> usize {
        self.inner.read().expect("search index poisoned").docs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The best `limit` pages for `query`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        let terms: Vec<String> = tokens(query).take(16).collect();
        let Some((last, whole)) = terms.split_last() else {
            return Vec::new();
        };
        let inner = self.inner.read().expect("search index poisoned");
        let n = inner.docs.len() as f64;
        if n == 0.0 {
            return Vec::new();
        }
        let avg_len = inner.total_len as f64 / n;
        // One group of posting lists per query term: the exact word, and for the last term
        // every word it starts (a little lower than an exact match).
        let mut groups: Vec<Vec<(&HashMap<u64, u32>, f64)>> = whole
            .iter()
            .map(|t| {
                inner
                    .postings
                    .get(t)
                    .map(|l| (l, 1.0))
                    .into_iter()
                    .collect()
            })
            .collect();
        groups.push(
            inner
                .postings
                .range(last.clone()..)
                .take_while(|(t, _)| t.starts_with(last.as_str()))
                .take(256)
                .map(|(t, l)| (l, if t == last { 1.0 } else { 0.8 }))
                .collect(),
        );
        // Every term must match: start from the rarest, then only look up the candidates.
        groups.sort_by_key(|g| g.iter().map(|(l, _)| l.len()).sum::<usize>());
        let score = |list: &HashMap<u64, u32>, weight: f64, id: u64, tf: u32| -> f64 {
            let df = list.len() as f64;
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            let len = f64::from(inner.docs.get(&id).map(|d| d.len).unwrap_or(1));
            let tf = f64::from(tf);
            weight * idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / avg_len))
        };
        let mut groups = groups.into_iter();
        let mut scores: HashMap<u64, f64> = HashMap::new();
        for (list, weight) in groups.next().unwrap_or_default() {
            for (id, tf) in list {
                let s = score(list, weight, *id, *tf);
                let entry = scores.entry(*id).or_default();
                *entry = entry.max(s);
            }
        }
        for group in groups {
            scores.retain(|id, total| {
                let best = group
                    .iter()
                    .filter_map(|(list, weight)| {
                        list.get(id).map(|tf| score(list, *weight, *id, *tf))
                    })
                    .fold(None, |best: Option<f64>, s| {
                        Some(best.map_or(s, |b| b.max(s)))
                    });
                match best {
                    Some(s) => {
                        *total += s;
                        true
                    }
                    None => false,
                }
            });
        }
        let mut ranked: Vec<(u64, f64)> = scores.into_iter().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        ranked
            .into_iter()
            .take(limit)
            .map(|(id, score)| {
                let page = &inner.docs[&id].page;
                Hit {
                    entity: page.entity.clone(),
                    kind: page.kind.clone(),
                    namespace: page.namespace.clone(),
                    name: page.name.clone(),
                    path: page.path.clone(),
                    title: page.title.clone(),
                    snippet: snippet(&page.text, &terms),
                    score: (score * 1000.0).round() / 1000.0,
                }
            })
            .collect()
    }
}

impl Inner {
    fn remove(&mut self, id: u64) {
        let Some(doc) = self.docs.remove(&id) else {
            return;
        };
        self.total_len -= u64::from(doc.len);
        for term in &doc.terms {
            if let Some(list) = self.postings.get_mut(term) {
                list.remove(&id);
                if list.is_empty() {
                    self.postings.remove(term);
                }
            }
        }
        self.ids.retain(|_, v| *v != id);
    }
}

/// About 200 characters of `text` around the first query term, on word boundaries.
fn snippet(text: &str, terms: &[String]) -> String {
    let lower = text.to_lowercase();
    // Lower-casing can change byte lengths; only use a position that is valid in `text`.
    let at = terms
        .iter()
        .filter_map(|t| lower.find(t.as_str()))
        .min()
        .filter(|p| text.is_char_boundary(*p) && lower.len() == text.len())
        .unwrap_or(0);
    let start = text[..at]
        .char_indices()
        .rev()
        .take(80)
        .last()
        .map(|(i, _)| i)
        .unwrap_or(0);
    let start = text[..start]
        .rfind(char::is_whitespace)
        .map(|i| i + 1)
        .unwrap_or(start);
    let start = if at - start > 100 { at } else { start };
    let end = text[at..]
        .char_indices()
        .nth(160)
        .map(|(i, _)| at + i)
        .unwrap_or(text.len());
    let end = text[end..]
        .find(char::is_whitespace)
        .map(|i| end + i)
        .unwrap_or(text.len());
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(
        &text[start..end]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    );
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(entity: &str, path: &str, title: &str, text: &str) -> IndexedPage {
        IndexedPage {
            entity: entity.into(),
            kind: "Component".into(),
            namespace: "default".into(),
            name: entity.rsplit('/').next().unwrap().into(),
            path: path.into(),
            title: title.into(),
            text: text.into(),
        }
    }

    #[test]
    fn ranks_all_terms_titles_and_prefixes() {
        let index = SearchIndex::new(100);
        index.index(page(
            "component:default/a",
            "",
            "Deploying",
            "How to roll back a deployment safely.",
        ));
        index.index(page(
            "component:default/a",
            "ops",
            "Operations",
            "Rollback runbook: deploy the previous version.",
        ));
        index.index(page(
            "component:default/b",
            "",
            "Overview",
            "Nothing about that here.",
        ));
        let hits = index.search("deploy", 10);
        assert_eq!(hits.len(), 2, "{hits:?}");
        // `deploy` is a prefix of the title word `deploying`, and an exact body word on `ops`.
        assert!(hits.iter().any(|h| h.path == "ops"));
        let hits = index.search("rollback runbook", 10);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].path, "ops");
        assert!(hits[0].snippet.contains("Rollback runbook"), "{hits:?}");
        assert!(index.search("absent words", 10).is_empty());
        assert!(index.search("  ", 10).is_empty());
    }

    #[test]
    fn reindexing_replaces_and_removal_forgets() {
        let index = SearchIndex::new(100);
        index.index(page("component:default/a", "", "T", "alpha"));
        index.index(page("component:default/a", "", "T", "beta"));
        assert_eq!(index.len(), 1);
        assert!(index.search("alpha", 10).is_empty());
        assert_eq!(index.search("beta", 10).len(), 1);
        index.remove_entity("Component:default/A");
        assert!(index.is_empty());
        assert!(index.search("beta", 10).is_empty());
    }

    #[test]
    fn full_index_refuses_new_pages() {
        let index = SearchIndex::new(1);
        index.index(page("component:default/a", "", "T", "one"));
        index.index(page("component:default/b", "", "T", "two"));
        assert_eq!(index.len(), 1);
        assert!(index.search("two", 10).is_empty());
    }

    #[test]
    fn snippets_are_cut_around_the_match() {
        let text = format!("{} needle {}", "hay ".repeat(100), "straw ".repeat(100));
        let s = snippet(&text, &["needle".into()]);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("needle"), "{s}");
        assert!(s.chars().count() < 300, "{s}");
        assert_eq!(
            snippet("Ünïcode ÄÖÜ text", &["text".into()]),
            "Ünïcode ÄÖÜ text"
        );
    }
}
