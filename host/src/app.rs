//! Assembles a Portico instance from its configuration: storage, secrets, the plugin runtime
//! and the plugin manager. Used by `portico serve` and by CLI commands that work on the data
//! directory directly.

use crate::catalog_access::CatalogBridge;
use crate::config::{CatalogConfig, Config, KindRelation, OrphanStrategySetting};
use crate::location_plugins::LocationPlugins;
use crate::plugins::manager::client_tls_for;
use crate::plugins::{PluginManager, PluginPolicy};
use crate::runtime::{EngineSettings, HostServices, Runtime};
use crate::secrets::SecretStore;
use anyhow::{Context, Result};
use portico_catalog::location::{FileReader, Readers};
use portico_catalog::relations::RelationRule;
use portico_catalog::{Catalog, CatalogOptions, KindRegistry, OrphanStrategy};
use portico_package::TrustedKeys;
use portico_storage::{OrgId, SledOptions, SledStorage, Storage};
use std::path::PathBuf;
use std::sync::Arc;

pub struct App {
    pub config: Config,
    pub catalog: Arc<Catalog>,
    pub storage: Arc<dyn Storage>,
    pub runtime: Arc<Runtime>,
    pub manager: Arc<PluginManager>,
}

/// Where compiled components are cached, inside the data directory.
pub fn compile_cache_dir(config: &Config) -> PathBuf {
    config.storage.path.join("compiled")
}

/// The catalog with a file reader confined to `catalog.file_root`; other location types (`url`)
/// are not readable (see [`build_catalog_with_plugins`]).
pub fn build_catalog(config: &Config, storage: Arc<dyn Storage>) -> Result<Catalog> {
    Ok(build_catalog_with_plugins(config, storage)?.0)
}

/// The catalog with a file reader confined to `catalog.file_root`, and a reader for the
/// location types of provider plugins (`url`), to be bound to the runtime once it exists.
pub fn build_catalog_with_plugins(
    config: &Config,
    storage: Arc<dyn Storage>,
) -> Result<(Catalog, LocationPlugins)> {
    let root = config
        .catalog
        .file_root
        .clone()
        .unwrap_or_else(|| PathBuf::from("."));
    let reader = FileReader::confined_to(&root).with_context(|| {
        format!(
            "config key `catalog.file_root`: {} is not a readable directory",
            root.display()
        )
    })?;
    let (registry, relation_rules) = kind_registry(&config.catalog)?;
    let options = CatalogOptions {
        orphan_strategy: match config.catalog.orphan_strategy {
            OrphanStrategySetting::Keep => OrphanStrategy::Keep,
            OrphanStrategySetting::Delete => OrphanStrategy::Delete,
        },
        history_limit: config.catalog.history_limit,
        relation_rules,
        ..CatalogOptions::default()
    };
    let plugins = LocationPlugins::new();
    let readers = Readers::new().with(reader).with(plugins.clone());
    let catalog = Catalog::new(storage, Arc::new(readers), options);
    if !config.catalog.kinds.is_empty() {
        catalog.set_kind_registry(&OrgId::default_org(), registry);
    }
    Ok((catalog, plugins))
}

/// The built-in kinds plus `catalog.kinds`, and the relation rules those entries declare. A
/// schema that cannot be read, parsed or compiled, or a relation that cannot apply, stops
/// startup naming the config entry: entities must never be checked against less than the
/// organization asked for.
pub fn kind_registry(config: &CatalogConfig) -> Result<(KindRegistry, Vec<RelationRule>)> {
    let mut registry = KindRegistry::builtin();
    let mut rules = Vec::new();
    for (i, entry) in config.kinds.iter().enumerate() {
        let file = entry.schema.display();
        let context = || format!("config key `catalog.kinds[{i}].schema`: {file}");
        let text = std::fs::read_to_string(&entry.schema).with_context(context)?;
        // YAML is a superset of JSON: one parser reads both.
        let schema: serde_json::Value = serde_yaml::from_str(&text).with_context(context)?;
        let kind = match &entry.extends {
            Some(kind) => {
                // A misspelt kind would otherwise add rules that never apply.
                if !registry.kinds().any(|k| &k.kind == kind) {
                    let known: std::collections::BTreeSet<&str> =
                        registry.kinds().map(|k| k.kind.as_str()).collect();
                    anyhow::bail!(
                        "config key `catalog.kinds[{i}].extends`: no kind {kind:?} to extend (kinds are case-sensitive; known: {})",
                        known.into_iter().collect::<Vec<_>>().join(", ")
                    );
                }
                registry.extend_kind(kind, schema).with_context(context)?;
                kind.clone()
            }
            None => registry.add_kind(schema).with_context(context)?.kind,
        };
        for (j, relation) in entry.relations.iter().enumerate() {
            rules.push(
                relation_rule(&kind, relation)
                    .with_context(|| format!("config key `catalog.kinds[{i}].relations[{j}]`"))?,
            );
        }
    }
    Ok((registry, rules))
}

/// A `catalog.kinds[].relations` entry as a relation rule of `kind`.
fn relation_rule(kind: &str, relation: &KindRelation) -> Result<RelationRule> {
    let field = relation
        .field
        .strip_prefix("spec.")
        .unwrap_or(&relation.field);
    if field.is_empty() || field.contains('.') {
        anyhow::bail!(
            "field {:?}: name one field directly under `spec` (e.g. `owner`)",
            relation.field
        );
    }
    for (key, value) in [
        ("type", &relation.relation_type),
        ("reverse", &relation.reverse),
    ] {
        let word = value
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && value.chars().all(|c| c.is_ascii_alphanumeric());
        if !word {
            anyhow::bail!(
                "{key} {value:?}: a relation type is letters and digits (e.g. `ownedBy`)"
            );
        }
    }
    Ok(RelationRule {
        kind: kind.to_owned(),
        spec_type: None,
        field: field.to_owned(),
        default_kind: relation.default_kind.clone(),
        forward: relation.relation_type.clone(),
        reverse: relation.reverse.clone(),
    })
}

impl App {
    /// Opens the data directory (fails if another process holds it) and builds the runtime.
    pub fn open(config: Config) -> Result<App> {
        std::fs::create_dir_all(&config.storage.path).with_context(|| {
            format!(
                "cannot create the data directory {}",
                config.storage.path.display()
            )
        })?;
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::open(
            &config.storage.path.join("db"),
            &SledOptions {
                cache_bytes: config.storage.cache_mb * 1024 * 1024,
                ..SledOptions::default()
            },
        )?);
        Self::with_storage(config, storage)
    }

    pub fn with_storage(config: Config, storage: Arc<dyn Storage>) -> Result<App> {
        let secrets = Arc::new(match &config.secrets.file {
            Some(file) => SecretStore::from_file(file)?,
            None => SecretStore::from_env(),
        });
        let (catalog, location_plugins) = build_catalog_with_plugins(&config, storage.clone())?;
        let catalog = Arc::new(catalog);
        let services = Arc::new(HostServices::new(
            storage.clone(),
            secrets,
            Arc::new(CatalogBridge(catalog.clone())),
        ));
        let settings = EngineSettings {
            pooling: config.runtime.pooling,
            max_memory_bytes: config.runtime.max_memory_mb * 1024 * 1024,
            ..EngineSettings::default()
        };
        let runtime = Arc::new(Runtime::new(
            &settings,
            &compile_cache_dir(&config),
            services,
        )?);
        let mut trusted_keys = TrustedKeys::new();
        for key in &config.plugins.trusted_keys {
            trusted_keys
                .insert(&key.id, &key.public_key)
                .with_context(|| format!("config key `plugins.trusted_keys` entry {:?}", key.id))?;
        }
        // A CA file that cannot be read or parsed stops the server, instead of the plugin
        // failing every TLS connection later.
        for (id, plugin) in &config.plugins.settings {
            client_tls_for(id, &plugin.http.ca_certificates)?;
        }
        let policy = PluginPolicy {
            require_signatures: config.plugins.require_signatures,
            trusted_keys,
            default_limits: config.runtime.limits.clone(),
            settings: config.plugins.settings.clone(),
        };
        let manager = Arc::new(PluginManager::new(
            storage.clone(),
            OrgId::default_org(),
            runtime.clone(),
            policy,
        ));
        // `url` locations are read by provider plugins, on the async runtime (absent only for
        // CLI commands that work on the data directory without one: they cannot read URLs).
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            location_plugins.bind(&runtime, handle, manager.org().clone());
        }
        Ok(App {
            config,
            catalog,
            storage,
            runtime,
            manager,
        })
    }
}
