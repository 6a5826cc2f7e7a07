//! Assembles a Portico instance from its configuration: storage, secrets, the plugin runtime
//! and the plugin manager. Used by `portico serve` and by CLI commands that work on the data
//! directory directly.

use crate::config::Config;
use crate::plugins::{PluginManager, PluginPolicy};
use crate::runtime::{EngineSettings, HostServices, NoCatalog, Runtime};
use crate::secrets::SecretStore;
use anyhow::{Context, Result};
use portico_package::TrustedKeys;
use portico_storage::{OrgId, SledOptions, SledStorage, Storage};
use std::path::PathBuf;
use std::sync::Arc;

pub struct App {
    pub config: Config,
    pub storage: Arc<dyn Storage>,
    pub runtime: Arc<Runtime>,
    pub manager: Arc<PluginManager>,
}

/// Where compiled components are cached, inside the data directory.
pub fn compile_cache_dir(config: &Config) -> PathBuf {
    config.storage.path.join("compiled")
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
        let services = Arc::new(HostServices::new(
            storage.clone(),
            secrets,
            Arc::new(NoCatalog),
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
        Ok(App {
            config,
            storage,
            runtime,
            manager,
        })
    }
}
