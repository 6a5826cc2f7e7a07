//! Location types read by entity-provider plugins (`url` by the bundled url-reader): the
//! catalog's [`LocationReader`] for every type a provider lists in `location-types`.
//!
//! The catalog is synchronous and runs on blocking threads; a read here calls the plugin on
//! the async runtime and waits for it, under the plugin's `provider` deadline and grants like
//! any other call. Two kinds of read:
//! - a whole location ([`LocationReader::read_tree`]): the plugin's `read-location` reads the
//!   location with its targets and placeholders;
//! - one target's bytes ([`LocationReader::read`]): the plugin's `read-raw` (contract 0.2.0),
//!   e.g. for `$text: https://...` in a `file` location. A provider built against 0.1.0 has
//!   no `read-raw`, and the read fails with a message that says so.
//!
//! The reader is created with the catalog, before the runtime exists (the runtime's catalog
//! capability needs the catalog), and bound to the runtime afterwards ([`bind`](LocationPlugins::bind)).
//! It holds the runtime weakly, so the two do not keep each other alive.

use crate::runtime::{CallContext, CallError, Runtime};
use portico_catalog::LocationReader;
use portico_catalog::location::reader::MAX_READ_BYTES;
use portico_catalog::location::{LocationSpec, ReadError, TreeRead, TreeReadError};
use portico_storage::OrgId;
use std::sync::{Arc, OnceLock, Weak};

/// Reads location types that provider plugins declare. Cheap to clone (shared state).
#[derive(Clone, Default)]
pub struct LocationPlugins {
    bound: Arc<OnceLock<Bound>>,
}

struct Bound {
    runtime: Weak<Runtime>,
    handle: tokio::runtime::Handle,
    org: OrgId,
}

impl LocationPlugins {
    /// A reader that refuses every read until it is bound.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads through `runtime`'s plugins for `org`, on the async runtime `handle`. Binding
    /// twice keeps the first binding.
    pub fn bind(&self, runtime: &Arc<Runtime>, handle: tokio::runtime::Handle, org: OrgId) {
        let _ = self.bound.set(Bound {
            runtime: Arc::downgrade(runtime),
            handle,
            org,
        });
    }

    /// The id of the active provider plugin that reads `location_type` (the first by id when
    /// several do, so the choice never depends on load order).
    async fn plugin_for(
        runtime: &Runtime,
        ctx: &CallContext,
        location_type: &str,
    ) -> Option<String> {
        let mut providers: Vec<_> = runtime
            .active()
            .into_iter()
            .filter(|p| p.exports.provider.is_some())
            .collect();
        providers.sort_by(|a, b| a.id().cmp(b.id()));
        for plugin in providers {
            match runtime.location_types(plugin.id(), ctx).await {
                Ok(types) if types.iter().any(|t| t == location_type) => {
                    return Some(plugin.id().to_string());
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::warn!(plugin = plugin.id(), error = %err, "location-types failed")
                }
            }
        }
        None
    }

    async fn read_tree_with(
        runtime: Arc<Runtime>,
        org: OrgId,
        location: LocationSpec,
    ) -> Option<Result<TreeRead, ReadError>> {
        let ctx = CallContext::org(org);
        let plugin = Self::plugin_for(&runtime, &ctx, &location.location_type).await?;
        let discovery = match runtime
            .read_location(
                &plugin,
                &ctx,
                location.location_type.clone(),
                location.target.clone(),
            )
            .await
        {
            Ok(discovery) => discovery,
            Err(err) => return Some(Err(read_error(err))),
        };
        let parse = |reference: &str| {
            LocationSpec::parse_ref(reference).unwrap_or_else(|_| location.clone())
        };
        let mut tree = TreeRead::default();
        for error in discovery.errors {
            tree.errors.push(TreeReadError {
                location: parse(&error.location),
                not_found: error.message.contains("NotFoundError"),
                message: error.message,
            });
        }
        for (index, found) in discovery.entities.into_iter().enumerate() {
            let source = parse(&found.location);
            match serde_json::from_str(&found.descriptor) {
                Ok(value) => tree.entities.push((source, value)),
                Err(e) => tree.errors.push(TreeReadError {
                    location: source,
                    not_found: false,
                    message: format!(
                        "plugin {plugin} returned entity {index} as invalid JSON: {e}"
                    ),
                }),
            }
        }
        Some(Ok(tree))
    }

    /// The bytes of one target through the provider of its type (`read-raw`); `None` when no
    /// provider reads the type.
    async fn read_raw_with(
        runtime: Arc<Runtime>,
        org: OrgId,
        location_type: String,
        target: String,
    ) -> Option<Result<Vec<u8>, ReadError>> {
        let ctx = CallContext::org(org);
        let plugin = Self::plugin_for(&runtime, &ctx, &location_type).await?;
        let version = runtime.get(&plugin).map(|p| p.exports.version);
        if !runtime.get(&plugin).is_some_and(|p| p.exports.reads_raw()) {
            return Some(Err(ReadError::Failed(format!(
                "plugin {plugin} reads {location_type} locations but cannot read a single \
                 target: it is built against portico:plugin@{}, and reading one target \
                 (`read-raw`) needs 0.2.0 or later; upgrade the plugin",
                version.map_or_else(|| "?".to_string(), |v| v.to_string())
            ))));
        }
        let max_bytes = MAX_READ_BYTES as u64;
        let read = runtime
            .read_raw(&plugin, &ctx, location_type, target, max_bytes)
            .await;
        Some(read.map_err(read_error))
    }

    /// Runs `future` on the bound runtime and waits for it from this (blocking) thread.
    fn block_on<T>(&self, future: impl Future<Output = Option<T>>) -> Option<T> {
        let bound = self.bound.get()?;
        // On a worker thread of a multi-threaded runtime, tell tokio this thread blocks; on a
        // blocking-pool or foreign thread, just wait. (Never called from a current-thread
        // runtime's own thread: the catalog runs on blocking threads.)
        let on_worker = tokio::runtime::Handle::try_current()
            .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
        if on_worker {
            tokio::task::block_in_place(|| bound.handle.block_on(future))
        } else {
            bound.handle.block_on(future)
        }
    }

    /// The bound runtime and organization, while the runtime lives.
    fn runtime(&self) -> Option<(Arc<Runtime>, OrgId)> {
        let bound = self.bound.get()?;
        Some((bound.runtime.upgrade()?, bound.org.clone()))
    }
}

/// A failed plugin call as the catalog classifies reads: `not-found` is a missing target
/// (allowed for `presence: optional`), `denied` a refusal.
fn read_error(err: CallError) -> ReadError {
    let message = err.to_string();
    match err.plugin_kind.as_deref() {
        Some("not-found") => ReadError::NotFound(message),
        Some("denied") => ReadError::NotAllowed(message),
        _ => ReadError::Failed(message),
    }
}

impl LocationReader for LocationPlugins {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        let unsupported = || ReadError::Unsupported {
            location_type: location_type.to_owned(),
            target: target.to_owned(),
        };
        if location_type == "file" {
            return Err(unsupported());
        }
        let Some((runtime, org)) = self.runtime() else {
            return Err(unsupported());
        };
        let future = Self::read_raw_with(runtime, org, location_type.to_owned(), target.to_owned());
        self.block_on(future).unwrap_or_else(|| Err(unsupported()))
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        if location.location_type == "file" {
            return None;
        }
        let (runtime, org) = self.runtime()?;
        self.block_on(Self::read_tree_with(runtime, org, location.clone()))
    }
}
