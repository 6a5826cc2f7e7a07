//! [`DocsService`]: one docs page of a catalog entity, rendered by the plugin that has docs
//! for it (under the runtime's limits), sanitized, cached and indexed for search.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use portico_catalog::Catalog;
use portico_catalog::api::{CatalogError, EntitiesRequest};
use portico_storage::OrgId;
use serde_json::Value;

use super::cache::{PageCache, PageKey};
use super::folder::{FolderPolicy, TECHDOCS_REF, file_inside};
use super::sanitize::{Sanitizer, anchor};
use super::search::{Hit, IndexedPage, SearchIndex};
use super::{DocsError, DocsErrorKind, DocsPage, NavLink, PageEntity, TocHeading};
use crate::runtime::bindings::latest::{Entity, EntityRef, docs};
use crate::runtime::{CallContext, CallError, CallErrorKind, Runtime};

/// Tunables of the docs service.
#[derive(Clone, Debug)]
pub struct DocsOptions {
    /// How long a rendered page is served from memory.
    pub cache_ttl: Duration,
    /// Rendered pages kept at most.
    pub cache_pages: usize,
    /// Pages the search index holds at most.
    pub index_pages: usize,
    /// Pages of one entity's docs rendered by a refresh (its navigation, in order).
    pub pages_per_site: usize,
}

impl Default for DocsOptions {
    fn default() -> Self {
        DocsOptions {
            cache_ttl: Duration::from_secs(300),
            cache_pages: 1000,
            index_pages: 50_000,
            pages_per_site: 500,
        }
    }
}

/// What a refresh of one entity's docs did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct RefreshReport {
    pub pages: usize,
    pub errors: Vec<String>,
}

/// An asset of a local docs folder.
pub struct Asset {
    pub path: PathBuf,
    pub content_type: &'static str,
}

/// Files larger than this are not served as docs assets.
pub const MAX_ASSET_BYTES: u64 = 20 * 1024 * 1024;

pub struct DocsService {
    runtime: Arc<Runtime>,
    catalog: Arc<Catalog>,
    org: OrgId,
    folders: FolderPolicy,
    cache: PageCache,
    index: SearchIndex,
    sanitizer: Sanitizer,
    options: DocsOptions,
}

fn entity_key(kind: &str, namespace: &str, name: &str) -> String {
    format!("{kind}:{namespace}/{name}").to_lowercase()
}

fn descriptor_hash(descriptor: &Value) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    descriptor.to_string().hash(&mut hasher);
    hasher.finish()
}

/// The page path as the plugin gets it: no surrounding slashes, no `.`/`..` segments.
fn clean_path(path: &str) -> Result<String, DocsError> {
    let trimmed = path.trim_matches('/');
    let bad = trimmed
        .split('/')
        .any(|s| s == ".." || s == "." || (s.is_empty() && !trimmed.is_empty()))
        || trimmed.contains('\\')
        || trimmed.contains('\0');
    match bad {
        true => Err(DocsError::not_found(format!("`{path}` is not a docs page"))),
        false => Ok(trimmed.to_string()),
    }
}

fn call_error(err: CallError) -> DocsError {
    let kind = match (err.kind, err.plugin_kind.as_deref()) {
        (CallErrorKind::Plugin, Some("not-found")) => DocsErrorKind::NotFound,
        (CallErrorKind::Plugin, Some("denied")) => DocsErrorKind::Denied,
        (CallErrorKind::Plugin, Some("invalid-input")) => DocsErrorKind::Invalid,
        (CallErrorKind::Plugin, Some("timeout")) | (CallErrorKind::Deadline, _) => {
            DocsErrorKind::Timeout
        }
        (CallErrorKind::Busy, _) => DocsErrorKind::Busy,
        (CallErrorKind::NotAvailable, _) => DocsErrorKind::NotFound,
        _ => DocsErrorKind::Unavailable,
    };
    DocsError::new(kind, err.to_string())
}

impl DocsService {
    pub fn new(
        runtime: Arc<Runtime>,
        catalog: Arc<Catalog>,
        org: OrgId,
        folders: FolderPolicy,
        options: DocsOptions,
    ) -> DocsService {
        DocsService {
            runtime,
            catalog,
            org,
            folders,
            cache: PageCache::new(options.cache_ttl, options.cache_pages),
            index: SearchIndex::new(options.index_pages),
            sanitizer: Sanitizer::new(),
            options,
        }
    }

    pub fn search_index(&self) -> &SearchIndex {
        &self.index
    }

    pub fn cache(&self) -> &PageCache {
        &self.cache
    }

    /// The entity's descriptor from the catalog.
    async fn entity(&self, kind: &str, namespace: &str, name: &str) -> Result<Value, DocsError> {
        let catalog = self.catalog.clone();
        let org = self.org.clone();
        let (k, ns, n) = (kind.to_string(), namespace.to_string(), name.to_string());
        let found = tokio::task::spawn_blocking(move || catalog.entity_by_name(&org, &k, &ns, &n))
            .await
            .map_err(|e| DocsError::new(DocsErrorKind::Unavailable, e.to_string()))?;
        match found {
            Ok(value) => Ok(value),
            Err(CatalogError::NotFound(_)) => Err(DocsError::not_found(format!(
                "no entity {kind}:{namespace}/{name} in the catalog"
            ))),
            Err(err) => Err(DocsError::new(DocsErrorKind::Unavailable, err.to_string())),
        }
    }

    /// The plugin that has docs for `entity`: the first enabled docs plugin (by id) whose
    /// `has-docs` says yes.
    async fn renderer_for(&self, entity: &Entity) -> Result<String, DocsError> {
        let ctx = CallContext::org(self.org.clone());
        let mut candidates: Vec<String> = self
            .runtime
            .active()
            .iter()
            .filter(|p| p.exports.docs.is_some())
            .map(|p| p.id().to_string())
            .collect();
        candidates.sort();
        let mut last_error = None;
        for id in &candidates {
            match self.runtime.has_docs(id, &ctx, entity.clone()).await {
                Ok(true) => return Ok(id.clone()),
                Ok(false) => {}
                Err(err) => last_error = Some(err),
            }
        }
        let reference = format!(
            "{}:{}/{}",
            entity.ref_.kind, entity.ref_.namespace, entity.ref_.name
        );
        Err(match (candidates.is_empty(), last_error) {
            (true, _) => DocsError::not_found("no docs plugin is enabled"),
            (false, Some(err)) => call_error(err),
            (false, None) => DocsError::not_found(format!(
                "{reference} has no docs (annotate it with {TECHDOCS_REF})"
            )),
        })
    }

    /// Page `path` (empty: the index) of the docs of `kind:namespace/name`.
    pub async fn page(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        path: &str,
    ) -> Result<Arc<DocsPage>, DocsError> {
        let path = clean_path(path)?;
        let descriptor = self.entity(kind, namespace, name).await?;
        self.page_of(&descriptor, &path).await
    }

    /// Page `path` of the entity with this descriptor.
    async fn page_of(&self, descriptor: &Value, path: &str) -> Result<Arc<DocsPage>, DocsError> {
        let entity = to_entity(descriptor)?;
        let key = PageKey {
            entity: entity_key(&entity.ref_.kind, &entity.ref_.namespace, &entity.ref_.name),
            path: path.to_string(),
            descriptor: descriptor_hash(descriptor),
        };
        if let Some(page) = self.cache.get(&key) {
            return Ok(page);
        }
        let plugin = self.renderer_for(&entity).await?;
        let mut ctx = CallContext::org(self.org.clone());
        ctx.docs_folder = self.folders.folder_of(descriptor)?;
        let rendered = self
            .runtime
            .render_docs_page(&plugin, &ctx, entity.clone(), path.to_string())
            .await
            .map_err(call_error)?;
        let page = Arc::new(self.finish(&entity.ref_, &plugin, rendered));
        self.index.index(IndexedPage {
            entity: format!(
                "{}:{}/{}",
                page.entity.kind, page.entity.namespace, page.entity.name
            ),
            kind: page.entity.kind.clone(),
            namespace: page.entity.namespace.clone(),
            name: page.entity.name.clone(),
            path: page.path.clone(),
            title: page.title.clone(),
            text: page.text.clone(),
        });
        self.cache.put(key.clone(), page.clone());
        // The index page may be asked for as "" and found under its canonical path.
        if page.path != key.path {
            self.cache.put(
                PageKey {
                    path: page.path.clone(),
                    ..key
                },
                page.clone(),
            );
        }
        Ok(page)
    }

    /// Sanitizes a plugin's page and checks its navigation.
    fn finish(&self, entity: &EntityRef, plugin: &str, page: docs::Page) -> DocsPage {
        let nav = page
            .nav
            .into_iter()
            .filter_map(|item| {
                let external =
                    item.path.starts_with("https://") || item.path.starts_with("http://");
                let ok = external || clean_path(&item.path).is_ok();
                ok.then_some(NavLink {
                    title: item.title,
                    path: item.path,
                    depth: item.depth.min(16),
                    external,
                })
            })
            .collect();
        DocsPage {
            entity: PageEntity {
                kind: entity.kind.clone(),
                namespace: entity.namespace.clone(),
                name: entity.name.clone(),
            },
            plugin: plugin.to_string(),
            path: clean_path(&page.path).unwrap_or_default(),
            title: page.title,
            html: self.sanitizer.clean(&page.html),
            toc: page
                .toc
                .into_iter()
                .map(|h| TocHeading {
                    level: h.level.clamp(1, 6),
                    text: h.text,
                    anchor: anchor(&h.anchor),
                })
                .collect(),
            nav,
            text: page.text,
        }
    }

    /// A file of the entity's local docs folder (images, PDFs), confined to that folder.
    pub async fn asset(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
        path: &str,
    ) -> Result<Asset, DocsError> {
        let content_type = asset_type(path).ok_or_else(|| {
            DocsError::not_found(format!(
                "`{path}` is not a docs asset (images and PDFs are served)"
            ))
        })?;
        let descriptor = self.entity(kind, namespace, name).await?;
        let folder = self.folders.folder_of(&descriptor)?.ok_or_else(|| {
            DocsError::not_found(format!(
                "the docs of {kind}:{namespace}/{name} are not in a local folder"
            ))
        })?;
        let file = file_inside(&folder, path)?;
        let size = std::fs::metadata(&file).map(|m| m.len()).unwrap_or(0);
        if size > MAX_ASSET_BYTES {
            return Err(DocsError::new(
                DocsErrorKind::Invalid,
                format!("`{path}` is {size} bytes; docs assets are served up to {MAX_ASSET_BYTES}"),
            ));
        }
        Ok(Asset {
            path: file,
            content_type,
        })
    }

    /// The best pages for `query`.
    pub fn search(&self, query: &str, limit: usize) -> Vec<Hit> {
        self.index.search(query, limit.clamp(1, 100))
    }

    /// Forgets an entity's cached pages and renders its whole site again (index page, then
    /// its navigation), re-indexing it for search.
    pub async fn refresh(
        &self,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> Result<RefreshReport, DocsError> {
        let descriptor = self.entity(kind, namespace, name).await?;
        self.refresh_descriptor(&descriptor).await
    }

    async fn refresh_descriptor(&self, descriptor: &Value) -> Result<RefreshReport, DocsError> {
        let entity = to_entity(descriptor)?;
        let key = entity_key(&entity.ref_.kind, &entity.ref_.namespace, &entity.ref_.name);
        self.cache.invalidate(&key);
        self.index.remove_entity(&key);
        let index = self.page_of(descriptor, "").await?;
        let mut report = RefreshReport {
            pages: 1,
            errors: Vec::new(),
        };
        let mut seen: HashSet<String> = HashSet::from([index.path.clone()]);
        for item in index.nav.iter().filter(|n| !n.external) {
            if report.pages >= self.options.pages_per_site {
                report.errors.push(format!(
                    "only the first {} pages were rendered",
                    self.options.pages_per_site
                ));
                break;
            }
            if !seen.insert(item.path.clone()) {
                continue;
            }
            match self.page_of(descriptor, &item.path).await {
                Ok(_) => report.pages += 1,
                Err(err) => report.errors.push(format!("{}: {err}", item.path)),
            }
        }
        Ok(report)
    }

    /// Renders and indexes the docs of every catalog entity annotated with
    /// `backstage.io/techdocs-ref`. Returns (entities, pages, errors).
    pub async fn index_all(&self) -> (usize, usize, Vec<String>) {
        let catalog = self.catalog.clone();
        let org = self.org.clone();
        let request = EntitiesRequest {
            filter: vec![format!("metadata.annotations.{TECHDOCS_REF}")],
            ..EntitiesRequest::default()
        };
        let listed = tokio::task::spawn_blocking(move || catalog.entities(&org, &request)).await;
        let entities = match listed {
            Ok(Ok(response)) => response.entities,
            Ok(Err(err)) => return (0, 0, vec![format!("catalog query failed: {err}")]),
            Err(err) => return (0, 0, vec![format!("catalog query failed: {err}")]),
        };
        let (mut pages, mut errors) = (0, Vec::new());
        for descriptor in &entities {
            match self.refresh_descriptor(descriptor).await {
                Ok(report) => {
                    pages += report.pages;
                    errors.extend(report.errors);
                }
                Err(err) => errors.push(err.to_string()),
            }
        }
        (entities.len(), pages, errors)
    }
}

fn to_entity(descriptor: &Value) -> Result<Entity, DocsError> {
    let text = |v: &Value| v.as_str().map(str::to_string);
    let (Some(kind), Some(name)) = (
        text(&descriptor["kind"]),
        text(&descriptor["metadata"]["name"]),
    ) else {
        return Err(DocsError::new(
            DocsErrorKind::Invalid,
            "the entity has no kind or metadata.name",
        ));
    };
    let namespace = text(&descriptor["metadata"]["namespace"]).unwrap_or_else(|| "default".into());
    Ok(Entity {
        ref_: EntityRef {
            kind,
            namespace,
            name,
        },
        descriptor: descriptor.to_string(),
    })
}

/// The content type of a servable docs asset, by extension.
fn asset_type(path: &str) -> Option<&'static str> {
    let ext = path.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "pdf" => "application/pdf",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_paths_are_cleaned() {
        assert_eq!(clean_path("/guides/setup/").unwrap(), "guides/setup");
        assert_eq!(clean_path("").unwrap(), "");
        for bad in ["../x", "a/../../b", "a//b", "a\\b", "./a"] {
            assert!(clean_path(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_images_and_pdfs_are_assets() {
        assert_eq!(asset_type("img/a.PNG"), Some("image/png"));
        assert_eq!(asset_type("spec.pdf"), Some("application/pdf"));
        for no in ["secrets.yaml", "index.md", "x", "config.json", "a.html"] {
            assert_eq!(asset_type(no), None, "{no}");
        }
    }
}
