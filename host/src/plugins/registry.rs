//! The persistent record of installed plugins, per organization.
//!
//! Tables (in the organization's keyspace): `plugins.installed` (id → [`InstalledPlugin`] as
//! JSON) and `plugins.blobs` (component sha256 → component bytes, shared by versions that
//! have the same content). An install writes the blob and the record in one batch, so a
//! crash never leaves a record pointing at a missing component.

use anyhow::{Context, Result, bail};
use portico_package::Grants;
use portico_storage::{Batch, Keyspace, OrgId, Storage};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

const INSTALLED: &str = "plugins.installed";
const BLOBS: &str = "plugins.blobs";

/// One installed version of a plugin.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PluginVersion {
    pub version: String,
    pub sha256: String,
    /// The manifest as found in the component (TOML).
    pub manifest_toml: String,
    pub grants: Grants,
    /// Unix seconds.
    pub installed_at: u64,
    /// The trusted key id that signed it, when signed.
    pub signed_by: Option<String>,
    pub size: u64,
}

/// A plugin id with its current version and the one before it (for rollback).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct InstalledPlugin {
    pub id: String,
    pub enabled: bool,
    pub current: PluginVersion,
    pub previous: Option<PluginVersion>,
}

pub struct PluginRegistry {
    storage: Arc<dyn Storage>,
    installed: Keyspace,
    blobs: Keyspace,
}

impl PluginRegistry {
    pub fn new(storage: Arc<dyn Storage>, org: &OrgId) -> Self {
        PluginRegistry {
            storage,
            installed: Keyspace::new(org.clone(), INSTALLED),
            blobs: Keyspace::new(org.clone(), BLOBS),
        }
    }

    pub fn get(&self, id: &str) -> Result<Option<InstalledPlugin>> {
        let Some(raw) = self.storage.get(&self.installed, id.as_bytes())? else {
            return Ok(None);
        };
        let record = serde_json::from_slice(&raw)
            .with_context(|| format!("the stored record of plugin {id} is unreadable"))?;
        Ok(Some(record))
    }

    pub fn list(&self) -> Result<Vec<InstalledPlugin>> {
        let mut out = Vec::new();
        for entry in self.storage.scan_prefix(&self.installed, b"") {
            let (key, raw) = entry?;
            let record = serde_json::from_slice(&raw).with_context(|| {
                format!(
                    "the stored record of plugin {} is unreadable",
                    String::from_utf8_lossy(&key)
                )
            })?;
            out.push(record);
        }
        Ok(out)
    }

    pub fn blob(&self, sha256: &str) -> Result<Vec<u8>> {
        match self.storage.get(&self.blobs, sha256.as_bytes())? {
            Some(bytes) => Ok(bytes),
            None => bail!("the component {sha256} is missing from storage"),
        }
    }

    /// Writes `record` (and `component` under its sha256), requiring that the stored record
    /// is still `expected` — a concurrent change makes this fail instead of being overwritten.
    /// Blobs no longer referenced by the record's versions are deleted in the same batch.
    pub fn save(
        &self,
        record: &InstalledPlugin,
        expected: Option<&InstalledPlugin>,
        component: Option<&[u8]>,
    ) -> Result<()> {
        let mut batch = Batch::new();
        let key = record.id.as_bytes().to_vec();
        batch.expect(
            &self.installed,
            key.clone(),
            expected.map(serde_json::to_vec).transpose()?,
        );
        if let Some(bytes) = component {
            batch.put(
                &self.blobs,
                record.current.sha256.as_bytes().to_vec(),
                bytes.to_vec(),
            );
        }
        batch.put(&self.installed, key, serde_json::to_vec(record)?);
        if let Some(old) = expected {
            for sha in versions(old) {
                if !versions(record).contains(&sha)
                    && !self.referenced_elsewhere(&record.id, &sha)?
                {
                    batch.delete(&self.blobs, sha.as_bytes().to_vec());
                }
            }
        }
        self.storage
            .apply(batch)
            .with_context(|| format!("saving plugin {}", record.id))
    }

    /// Deletes the record and its blobs (unless another plugin shares them).
    pub fn delete(&self, record: &InstalledPlugin) -> Result<()> {
        let mut batch = Batch::new();
        batch.expect(
            &self.installed,
            record.id.as_bytes().to_vec(),
            Some(serde_json::to_vec(record)?),
        );
        batch.delete(&self.installed, record.id.as_bytes().to_vec());
        for sha in versions(record) {
            if !self.referenced_elsewhere(&record.id, &sha)? {
                batch.delete(&self.blobs, sha.as_bytes().to_vec());
            }
        }
        self.storage
            .apply(batch)
            .with_context(|| format!("removing plugin {}", record.id))
    }

    fn referenced_elsewhere(&self, id: &str, sha: &str) -> Result<bool> {
        Ok(self
            .list()?
            .iter()
            .any(|other| other.id != id && versions(other).iter().any(|s| s == sha)))
    }
}

fn versions(record: &InstalledPlugin) -> Vec<String> {
    let mut shas = vec![record.current.sha256.clone()];
    if let Some(prev) = &record.previous {
        shas.push(prev.sha256.clone());
    }
    shas
}
