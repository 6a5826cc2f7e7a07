//! Plugin lifecycle: install (verify digest and signature, approve grants, validate config,
//! precompile), upgrade with rollback, enable/disable, grant changes and removal — each
//! applied to storage and to the running runtime without a restart.
//!
//! Every step that can fail runs before anything is written: a corrupt file, a bad
//! signature, a refused grant or a component that does not link leaves storage untouched.

use super::registry::{InstalledPlugin, PluginRegistry, PluginVersion};
use crate::config::PluginSettings;
use crate::runtime::capabilities::http::client_tls;
use crate::runtime::{CacheOutcome, Limits, LoadedPlugin, PluginSpec, Runtime};
use anyhow::{Context, Result, bail};
use portico_package::{Grants, Manifest, Package, SignatureStatus, TrustedKeys};
use portico_storage::{OrgId, Storage};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

/// The error of an operation on a plugin id that is not installed.
#[derive(Debug)]
pub struct NotInstalled(pub String);

impl std::fmt::Display for NotInstalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no plugin with id {:?} is installed (see `portico plugin list`)",
            self.0
        )
    }
}

impl std::error::Error for NotInstalled {}

/// What an admin approves at install time.
#[derive(Clone, Debug)]
pub enum GrantChoice {
    /// Everything the manifest requests (`--yes`).
    AllRequested,
    /// CLI grant strings (`kv`, `http:api.github.com`, `secrets:token`, `all`).
    Specs(Vec<String>),
    /// Everything requested except HTTP patterns that match any host (`*`): what Portico
    /// grants its bundled plugins unless the config says otherwise.
    RequestedWithoutWildcardHosts,
}

#[derive(Clone, Debug)]
pub struct InstallOptions {
    /// The sha256 (hex) the file must have.
    pub expected_sha256: Option<String>,
    pub grants: GrantChoice,
}

/// What an install did.
#[derive(Clone, Debug, Serialize)]
pub struct InstallReport {
    pub id: String,
    pub version: String,
    /// The version it replaced, for an upgrade (or downgrade).
    pub replaced: Option<String>,
    pub sha256: String,
    pub signed_by: Option<String>,
    pub compiled: CacheOutcome,
    pub grants: Grants,
}

/// Installation rules from config.
#[derive(Clone, Default)]
pub struct PluginPolicy {
    pub require_signatures: bool,
    pub trusted_keys: TrustedKeys,
    pub default_limits: Limits,
    pub settings: BTreeMap<String, PluginSettings>,
}

pub struct PluginManager {
    org: OrgId,
    registry: PluginRegistry,
    runtime: Arc<Runtime>,
    policy: PluginPolicy,
    /// Admin operations run one at a time; calls are never blocked by them.
    admin: Mutex<()>,
}

/// The manifest's TOML text as stored in the component (kept verbatim for the record).
fn manifest_text(bytes: &[u8]) -> Result<String> {
    let sections = portico_package::sections::read(bytes)?;
    let found = sections
        .manifest
        .context("the component has no portico:manifest section")?;
    String::from_utf8(found.data.to_vec()).context("the manifest is not UTF-8")
}

/// Plugin `id`'s TLS roots from its `http.ca_certificates`; an error names the plugin, the
/// key and the file.
pub fn client_tls_for(id: &str, ca_files: &[PathBuf]) -> Result<Arc<rustls::ClientConfig>> {
    client_tls(ca_files)
        .with_context(|| format!("plugin {id}: key `plugins.settings.{id}.http.ca_certificates`"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl PluginManager {
    pub fn new(
        storage: Arc<dyn Storage>,
        org: OrgId,
        runtime: Arc<Runtime>,
        policy: PluginPolicy,
    ) -> Self {
        PluginManager {
            registry: PluginRegistry::new(storage, &org),
            org,
            runtime,
            policy,
            admin: Mutex::new(()),
        }
    }

    pub fn runtime(&self) -> &Arc<Runtime> {
        &self.runtime
    }

    pub fn org(&self) -> &OrgId {
        &self.org
    }

    pub fn list(&self) -> Result<Vec<InstalledPlugin>> {
        self.registry.list()
    }

    pub fn get(&self, id: &str) -> Result<Option<InstalledPlugin>> {
        self.registry.get(id)
    }

    fn require(&self, id: &str) -> Result<InstalledPlugin> {
        match self.registry.get(id)? {
            Some(record) => Ok(record),
            None => Err(NotInstalled(id.to_string()).into()),
        }
    }

    /// Verifies a package's digest and signature against the policy; returns who signed it.
    pub fn verify(
        &self,
        bytes: &[u8],
        expected_sha256: Option<&str>,
    ) -> Result<(Package, Option<String>)> {
        let package = Package::parse(bytes)?;
        if let Some(expected) = expected_sha256 {
            let expected = expected.trim().to_ascii_lowercase();
            if expected != package.sha256 {
                bail!(
                    "digest mismatch: expected sha256 {expected}, but the file's sha256 is {}; \
                     this is not the file you meant to install",
                    package.sha256
                );
            }
        }
        let signed_by = match portico_package::signature::verify(bytes, &self.policy.trusted_keys)?
        {
            SignatureStatus::Valid { key_id } => Some(key_id),
            SignatureStatus::Unsigned => {
                if self.policy.require_signatures {
                    bail!(
                        "plugin {} is not signed, and this server requires signatures from a trusted key \
                         (plugins.require_signatures); ask its author for a signed build or sign it with \
                         `portico plugin sign`",
                        package.manifest.id
                    );
                }
                None
            }
        };
        Ok((package, signed_by))
    }

    fn grants_for(&self, manifest: &Manifest, choice: &GrantChoice) -> Result<Grants> {
        let grants = match choice {
            GrantChoice::AllRequested => Grants::all_requested(&manifest.capabilities),
            GrantChoice::Specs(specs) => Grants::from_cli(specs, &manifest.capabilities)?,
            GrantChoice::RequestedWithoutWildcardHosts => {
                let mut grants = Grants::all_requested(&manifest.capabilities);
                grants.http.retain(|pattern| !pattern.is_any_host());
                grants
            }
        };
        grants.check_within(&manifest.capabilities)?;
        Ok(grants)
    }

    /// The validated configuration of plugin `manifest.id`, as JSON text.
    fn config_for(&self, manifest: &Manifest) -> Result<String> {
        let config = self
            .policy
            .settings
            .get(&manifest.id)
            .and_then(|s| s.config.clone())
            .unwrap_or_else(|| serde_json::json!({}));
        if let Err(problems) = manifest.validate_config(&config) {
            bail!(
                "the configuration of plugin {} (plugins.settings.{}.config) is invalid: {}",
                manifest.id,
                manifest.id,
                problems.join("; ")
            );
        }
        Ok(config.to_string())
    }

    fn limits_for(&self, id: &str) -> Limits {
        match self.policy.settings.get(id) {
            Some(settings) => self.policy.default_limits.with_override(&settings.limits),
            None => self.policy.default_limits.clone(),
        }
    }

    /// The TLS roots of plugin `id`: the public ones plus its configured CA certificates.
    fn tls_for(&self, id: &str) -> Result<Arc<rustls::ClientConfig>> {
        let files = self
            .policy
            .settings
            .get(id)
            .map(|s| s.http.ca_certificates.as_slice())
            .unwrap_or_default();
        client_tls_for(id, files)
    }

    fn prepare(
        &self,
        manifest: Manifest,
        grants: Grants,
        sha256: &str,
        bytes: &[u8],
    ) -> Result<(LoadedPlugin, CacheOutcome)> {
        let config_json = self.config_for(&manifest)?;
        let limits = self.limits_for(&manifest.id);
        let tls = self.tls_for(&manifest.id)?;
        self.runtime.prepare(
            PluginSpec {
                manifest,
                grants,
                config_json,
                limits,
                sha256: sha256.to_string(),
                tls,
            },
            bytes,
        )
    }

    /// Installs a new plugin or a new version of an installed one.
    pub fn install(&self, bytes: &[u8], options: &InstallOptions) -> Result<InstallReport> {
        let _admin = self.admin.lock().expect("admin lock poisoned");
        let (package, signed_by) = self.verify(bytes, options.expected_sha256.as_deref())?;
        let manifest = package.manifest.clone();
        let id = manifest.id.clone();
        let grants = self.grants_for(&manifest, &options.grants)?;
        let (loaded, compiled) =
            self.prepare(manifest.clone(), grants.clone(), &package.sha256, bytes)?;

        let existing = self.registry.get(&id)?;
        let version = PluginVersion {
            version: manifest.version.to_string(),
            sha256: package.sha256.clone(),
            manifest_toml: manifest_text(bytes)?,
            grants: grants.clone(),
            installed_at: now(),
            signed_by: signed_by.clone(),
            size: bytes.len() as u64,
        };
        let (previous, replaced) = match &existing {
            // Reinstalling the same content only changes grants; keep the rollback target.
            Some(old) if old.current.sha256 == version.sha256 => (old.previous.clone(), None),
            Some(old) => (Some(old.current.clone()), Some(old.current.version.clone())),
            None => (None, None),
        };
        let record = InstalledPlugin {
            id: id.clone(),
            enabled: existing.as_ref().is_none_or(|old| old.enabled),
            current: version,
            previous,
        };
        self.registry
            .save(&record, existing.as_ref(), Some(bytes))?;
        if record.enabled {
            self.runtime.activate(loaded);
        }
        tracing::info!(plugin = %id, version = %record.current.version, replaced = ?replaced, "plugin installed");
        Ok(InstallReport {
            id,
            version: record.current.version,
            replaced,
            sha256: package.sha256,
            signed_by,
            compiled,
            grants,
        })
    }

    /// Makes the previous version current again (and the current one the previous).
    pub fn rollback(&self, id: &str) -> Result<InstalledPlugin> {
        let _admin = self.admin.lock().expect("admin lock poisoned");
        let existing = self.require(id)?;
        let Some(previous) = existing.previous.clone() else {
            bail!("plugin {id} has no previous version to roll back to");
        };
        let bytes = self.registry.blob(&previous.sha256)?;
        let manifest = Manifest::parse(&previous.manifest_toml)?;
        let (loaded, _) =
            self.prepare(manifest, previous.grants.clone(), &previous.sha256, &bytes)?;
        let record = InstalledPlugin {
            id: id.to_string(),
            enabled: existing.enabled,
            current: previous,
            previous: Some(existing.current.clone()),
        };
        self.registry.save(&record, Some(&existing), None)?;
        if record.enabled {
            self.runtime.activate(loaded);
        }
        tracing::info!(plugin = id, version = %record.current.version, "plugin rolled back");
        Ok(record)
    }

    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<InstalledPlugin> {
        let _admin = self.admin.lock().expect("admin lock poisoned");
        let existing = self.require(id)?;
        if enabled {
            let loaded = self.load_record(&existing)?;
            let record = InstalledPlugin {
                enabled: true,
                ..existing.clone()
            };
            self.registry.save(&record, Some(&existing), None)?;
            self.runtime.activate(loaded);
            Ok(record)
        } else {
            let record = InstalledPlugin {
                enabled: false,
                ..existing.clone()
            };
            self.registry.save(&record, Some(&existing), None)?;
            self.runtime.deactivate(id);
            Ok(record)
        }
    }

    /// Replaces the grants of the current version.
    pub fn set_grants(&self, id: &str, choice: &GrantChoice) -> Result<InstalledPlugin> {
        let _admin = self.admin.lock().expect("admin lock poisoned");
        let existing = self.require(id)?;
        let manifest = Manifest::parse(&existing.current.manifest_toml)?;
        let grants = self.grants_for(&manifest, choice)?;
        let mut record = existing.clone();
        record.current.grants = grants;
        let loaded = self.load_record(&record)?;
        self.registry.save(&record, Some(&existing), None)?;
        if record.enabled {
            self.runtime.activate(loaded);
        }
        Ok(record)
    }

    /// Uninstalls a plugin; with `purge_data`, also deletes what it stored in `kv`.
    pub fn remove(&self, id: &str, purge_data: bool) -> Result<InstalledPlugin> {
        let _admin = self.admin.lock().expect("admin lock poisoned");
        let existing = self.require(id)?;
        self.registry.delete(&existing)?;
        self.runtime.deactivate(id);
        if purge_data {
            crate::runtime::capabilities::kv::purge(
                self.runtime.services().storage.as_ref(),
                &self.org,
                id,
            )?;
        }
        tracing::info!(plugin = id, purge_data, "plugin removed");
        Ok(existing)
    }

    fn load_record(&self, record: &InstalledPlugin) -> Result<LoadedPlugin> {
        let bytes = self.registry.blob(&record.current.sha256)?;
        let manifest = Manifest::parse(&record.current.manifest_toml)?;
        let (loaded, _) = self.prepare(
            manifest,
            record.current.grants.clone(),
            &record.current.sha256,
            &bytes,
        )?;
        Ok(loaded)
    }

    /// Activates every enabled plugin (at startup). A plugin that fails to load is logged
    /// and skipped; the others still start. Returns the failures.
    pub fn load_all(&self) -> Result<Vec<(String, String)>> {
        let mut failures = Vec::new();
        for record in self.registry.list()? {
            if !record.enabled {
                continue;
            }
            match self.load_record(&record) {
                Ok(loaded) => self.runtime.activate(loaded),
                Err(err) => {
                    tracing::error!(plugin = %record.id, error = %format!("{err:#}"), "plugin failed to load");
                    failures.push((record.id.clone(), format!("{err:#}")));
                }
            }
        }
        Ok(failures)
    }
}
