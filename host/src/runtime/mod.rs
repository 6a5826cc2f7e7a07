//! The plugin runtime: loads components, keeps the enabled ones ready, and runs calls under
//! their limits and grants.
//!
//! - [`engine`]: the one wasmtime engine and the epoch ticker.
//! - [`cache`]: compiled artifacts on disk, keyed by component and engine.
//! - [`capabilities`]: the host imports, each checking its own grant.
//! - [`call`]: one call: fresh store, instance from `InstancePre`, limits, error mapping.
//! - [`exports`]: the typed entry points (views, provider, actions, docs, checks).
//! - [`bindings`]: one module per released WIT version; `adapt_v0_1_0` serves 0.1.0 plugins
//!   with the newest capabilities and types, so the rest of the host speaks only the newest.
//!
//! Plugins are swapped in and out atomically: a call takes an `Arc` of the plugin as it was
//! when the call started, so calls in flight finish on the old version after an upgrade.

mod adapt_v0_1_0;
pub mod bindings;
pub mod cache;
mod call;
pub mod capabilities;
pub mod engine;
pub mod error;
mod exports;
mod limiter;
pub mod limits;
pub mod metrics;
pub mod services;
pub mod state;

pub use cache::{ArtifactCache, CacheOutcome};
pub use call::{CallContext, TaskContext};
pub use engine::{EngineSettings, PoolingMode, PorticoEngine};
pub use error::{CallError, CallErrorKind};
pub use exports::{ByVersion, ExportSet};
pub use limits::{CallKind, Limits, LimitsOverride};
pub use services::{CatalogAccess, CatalogEntity, HostServices, NoCatalog};

use anyhow::{Context, Result};
pub use bindings::WitVersion;
use portico_package::{Grants, HostPattern, Manifest};
use state::PluginState;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, RwLock};
use tokio::sync::Semaphore;
use wasmtime::component::{InstancePre, Linker};

/// Everything needed to make a plugin ready to run.
pub struct PluginSpec {
    pub manifest: Manifest,
    pub grants: Grants,
    /// Validated configuration, as JSON text.
    pub config_json: String,
    pub limits: Limits,
    /// The component's sha256 (hex), the key of the compiled-artifact cache.
    pub sha256: String,
    /// What its outgoing TLS trusts (`capabilities::http::client_tls`).
    pub tls: Arc<rustls::ClientConfig>,
}

/// A plugin ready to be called.
pub struct LoadedPlugin {
    pub manifest: Manifest,
    pub grants: Grants,
    pub config_json: String,
    pub limits: Limits,
    pub sha256: String,
    pub exports: ExportSet,
    pub(crate) pre: InstancePre<PluginState>,
    pub(crate) http_grants: Arc<Vec<HostPattern>>,
    pub(crate) tls: Arc<rustls::ClientConfig>,
    pub(crate) permits: Arc<Semaphore>,
}

impl LoadedPlugin {
    pub fn id(&self) -> &str {
        &self.manifest.id
    }
}

pub struct Runtime {
    engine: PorticoEngine,
    linker: Linker<PluginState>,
    cache: ArtifactCache,
    services: Arc<HostServices>,
    plugins: RwLock<BTreeMap<String, Arc<LoadedPlugin>>>,
}

impl Runtime {
    /// Builds the engine and linker; compiled artifacts are cached under `cache_dir`.
    pub fn new(
        settings: &EngineSettings,
        cache_dir: &Path,
        services: Arc<HostServices>,
    ) -> Result<Self> {
        let engine = PorticoEngine::new(settings)?;
        let mut linker = Linker::new(&engine.engine);
        capabilities::link(&mut linker).context("linking the host capabilities")?;
        let cache = ArtifactCache::new(cache_dir, &engine.engine)?;
        tracing::info!(pooling = engine.pooling, "plugin runtime ready");
        Ok(Runtime {
            engine,
            linker,
            cache,
            services,
            plugins: RwLock::new(BTreeMap::new()),
        })
    }

    pub fn services(&self) -> &Arc<HostServices> {
        &self.services
    }

    pub fn uses_pooling(&self) -> bool {
        self.engine.pooling
    }

    /// Compiles (or loads from cache) and links a component, without activating it.
    /// Fails when the component imports something the host does not provide.
    pub fn prepare(
        &self,
        spec: PluginSpec,
        component_bytes: &[u8],
    ) -> Result<(LoadedPlugin, CacheOutcome)> {
        let id = spec.manifest.id.clone();
        let (component, outcome) = self
            .cache
            .load(&self.engine.engine, component_bytes, &spec.sha256)
            .with_context(|| format!("plugin {id}: cannot compile the component"))?;
        let version = contract_version(&self.engine.engine, &spec.manifest, &component)
            .with_context(|| format!("plugin {id}"))?;
        let pre = self
            .linker
            .instantiate_pre(&component)
            .map_err(anyhow::Error::from)
            .with_context(|| {
                format!("plugin {id}: the component needs imports Portico does not provide")
            })?;
        let exports = ExportSet::find(&pre, version);
        let permits = Arc::new(Semaphore::new(
            spec.limits.max_concurrent_calls.max(1) as usize
        ));
        let http_grants = Arc::new(spec.grants.http.clone());
        Ok((
            LoadedPlugin {
                manifest: spec.manifest,
                grants: spec.grants,
                config_json: spec.config_json,
                limits: spec.limits,
                sha256: spec.sha256,
                exports,
                pre,
                http_grants,
                tls: spec.tls,
                permits,
            },
            outcome,
        ))
    }

    /// Makes `plugin` the active version of its id; calls already running keep the old one.
    pub fn activate(&self, plugin: LoadedPlugin) {
        let id = plugin.id().to_string();
        self.plugins
            .write()
            .expect("plugin table poisoned")
            .insert(id, Arc::new(plugin));
    }

    /// Stops routing calls to `id`; calls already running finish.
    pub fn deactivate(&self, id: &str) -> bool {
        self.plugins
            .write()
            .expect("plugin table poisoned")
            .remove(id)
            .is_some()
    }

    pub fn get(&self, id: &str) -> Option<Arc<LoadedPlugin>> {
        self.plugins
            .read()
            .expect("plugin table poisoned")
            .get(id)
            .cloned()
    }

    /// Active plugins, by id.
    pub fn active(&self) -> Vec<Arc<LoadedPlugin>> {
        self.plugins
            .read()
            .expect("plugin table poisoned")
            .values()
            .cloned()
            .collect()
    }
}

/// The contract version a component is served in: its manifest's `wit`, which must be a
/// version the host serves and the version of every `portico:plugin` interface the component
/// actually imports and exports (a component mixing versions is refused).
fn contract_version(
    engine: &wasmtime::Engine,
    manifest: &Manifest,
    component: &wasmtime::component::Component,
) -> Result<WitVersion> {
    use portico_package::world::{InterfaceName, WIT_PACKAGE};
    let declared = manifest.wit.to_string();
    let Some(version) = WitVersion::parse(&declared) else {
        anyhow::bail!(
            "the manifest says wit = \"{declared}\", but this Portico serves {WIT_PACKAGE} {}; \
             rebuild the plugin against a supported version or upgrade Portico",
            WitVersion::ALL.map(WitVersion::as_str).join(", ")
        );
    };
    let ty = component.component_type();
    let imports = ty.imports(engine).map(|(name, _)| ("imports", name));
    let exports = ty.exports(engine).map(|(name, _)| ("exports", name));
    for (verb, name) in imports.chain(exports) {
        let Some(n) = InterfaceName::parse(name).filter(|n| n.package == WIT_PACKAGE) else {
            continue;
        };
        if n.version != Some(version.as_str()) {
            anyhow::bail!(
                "the component {verb} {name} but the manifest says wit = \"{version}\"; \
                 rebuild against {WIT_PACKAGE}@{version} or correct \"wit\" in the manifest"
            );
        }
    }
    Ok(version)
}
