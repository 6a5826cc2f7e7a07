//! Location types read by entity-provider plugins (`url` by the bundled url-reader): the
//! catalog's [`LocationReader`] for every type a provider lists in `location-types`.
//!
//! The catalog is synchronous and runs on blocking threads; a read here calls the plugin's
//! `read-location` on the async runtime and waits for it, under the plugin's `provider`
//! deadline and grants like any other call. The plugin reads the whole location (its targets
//! and placeholders), so this reader answers [`LocationReader::read_tree`]; byte-wise reads
//! (placeholders of other location types that point at a URL) are not part of the 0.1.0
//! contract and fail with a message that says so.
//!
//! The reader is created with the catalog, before the runtime exists (the runtime's catalog
//! capability needs the catalog), and bound to the runtime afterwards ([`bind`](LocationPlugins::bind)).
//! It holds the runtime weakly, so the two do not keep each other alive.

use crate::runtime::{CallContext, Runtime};
use portico_catalog::LocationReader;
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

    async fn read(
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
            Err(err) => {
                let message = err.to_string();
                return Some(Err(match err.plugin_kind.as_deref() {
                    Some("not-found") => ReadError::NotFound(message),
                    Some("denied") => ReadError::NotAllowed(message),
                    _ => ReadError::Failed(message),
                }));
            }
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
}

impl LocationReader for LocationPlugins {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        Err(ReadError::Unsupported {
            location_type: location_type.to_owned(),
            target: target.to_owned(),
        })
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        if location.location_type == "file" {
            return None;
        }
        let bound = self.bound.get()?;
        let runtime = bound.runtime.upgrade()?;
        let future = Self::read(runtime, bound.org.clone(), location.clone());
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
}
