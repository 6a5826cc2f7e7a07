//! The `kv` import: a key/value store private to one plugin in one organization.
//!
//! Stored keys are `<plugin id> \0 <key>` in the organization's `plugins.kv` table. Plugin
//! ids cannot contain `\0`, so whatever key a plugin passes (`../other/x`, `other\0x`), it
//! stays inside its own prefix: there is no way to name another plugin's data. Values carry
//! an expiry time; each plugin has a byte quota per organization.

use super::{denied, internal, invalid};
use crate::runtime::bindings::latest::portico::plugin::kv::Host;
use crate::runtime::bindings::latest::{ErrorKind, PluginError};
use crate::runtime::state::PluginState;
use portico_storage::{Batch, Keyspace, OrgId, Storage};
use std::time::{SystemTime, UNIX_EPOCH};

pub const TABLE: &str = "plugins.kv";
const USAGE_TABLE: &str = "plugins.kv-usage";
pub const MAX_KEY_BYTES: usize = 512;
pub const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// Bytes (keys + values) one plugin may keep per organization.
pub const QUOTA_BYTES: u64 = 64 * 1024 * 1024;
const MAX_LIST: u32 = 1000;

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn storage_key(plugin: &str, key: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(plugin.len() + 1 + key.len());
    k.extend_from_slice(plugin.as_bytes());
    k.push(0);
    k.extend_from_slice(key.as_bytes());
    k
}

/// `[expiry ms, 8 bytes big-endian, 0 = never][value]`
fn encode(value: &[u8], expires_at_ms: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + value.len());
    out.extend_from_slice(&expires_at_ms.to_be_bytes());
    out.extend_from_slice(value);
    out
}

fn decode(stored: &[u8]) -> Option<(u64, &[u8])> {
    let (head, value) = stored.split_at_checked(8)?;
    Some((u64::from_be_bytes(head.try_into().ok()?), value))
}

fn is_live(expires_at_ms: u64) -> bool {
    expires_at_ms == 0 || expires_at_ms > now_ms()
}

/// Deletes everything a plugin stored in one organization (used when it is removed).
pub fn purge(storage: &dyn Storage, org: &OrgId, plugin: &str) -> anyhow::Result<usize> {
    let space = Keyspace::new(org.clone(), TABLE);
    let usage = Keyspace::new(org.clone(), USAGE_TABLE);
    let prefix = storage_key(plugin, "");
    let mut batch = Batch::new();
    for entry in storage.scan_prefix(&space, &prefix) {
        batch.delete(&space, entry?.0);
    }
    let removed = batch.len();
    batch.delete(&usage, plugin.as_bytes().to_vec());
    storage.apply(batch)?;
    Ok(removed)
}

impl PluginState {
    fn kv_space(&self, asked: &str) -> Result<Keyspace, PluginError> {
        if !self.identity.grants.kv {
            self.deny("kv", asked);
            return Err(denied("kv", format!("{asked} needs the kv capability")));
        }
        Ok(Keyspace::new(self.identity.org.clone(), TABLE))
    }

    /// The plugin's usage counter: its stored bytes (for the batch precondition) and value.
    fn usage(&self, usage_space: &Keyspace) -> Result<(Option<Vec<u8>>, u64), PluginError> {
        let raw = self
            .services
            .storage
            .get(usage_space, self.plugin_id().as_bytes())
            .map_err(|e| internal(e.to_string()))?;
        let value = raw
            .as_deref()
            .and_then(|b| b.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        Ok((raw, value))
    }

    /// Adds "the counter is still `raw`, now set it to `usage`" to `batch`, so that two
    /// concurrent writers cannot both update from the same old value.
    fn update_usage(
        &self,
        batch: &mut Batch,
        usage_space: &Keyspace,
        raw: Option<Vec<u8>>,
        usage: u64,
    ) {
        let key = self.plugin_id().as_bytes().to_vec();
        batch.expect(usage_space, key.clone(), raw);
        batch.put(usage_space, key, usage.to_be_bytes().to_vec());
    }

    fn check_key(key: &str) -> Result<(), PluginError> {
        if key.is_empty() || key.len() > MAX_KEY_BYTES {
            return Err(invalid(format!(
                "kv keys must be 1 to {MAX_KEY_BYTES} bytes long (got {})",
                key.len()
            )));
        }
        Ok(())
    }
}

impl Host for PluginState {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, PluginError> {
        let space = self.kv_space(&format!("kv get {key:?}"))?;
        Self::check_key(&key)?;
        let stored = self
            .services
            .storage
            .get(&space, &storage_key(self.plugin_id(), &key))
            .map_err(|e| internal(format!("kv read failed: {e}")))?;
        Ok(stored
            .as_deref()
            .and_then(decode)
            .filter(|(exp, _)| is_live(*exp))
            .map(|(_, v)| v.to_vec()))
    }

    fn set(
        &mut self,
        key: String,
        value: Vec<u8>,
        ttl_seconds: Option<u32>,
    ) -> Result<(), PluginError> {
        let space = self.kv_space(&format!("kv set {key:?}"))?;
        Self::check_key(&key)?;
        if value.len() > MAX_VALUE_BYTES {
            return Err(invalid(format!(
                "kv values are at most {MAX_VALUE_BYTES} bytes (got {})",
                value.len()
            )));
        }
        let storage = &self.services.storage;
        let usage_space = Keyspace::new(self.identity.org.clone(), USAGE_TABLE);
        let stored_key = storage_key(self.plugin_id(), &key);
        let expires = ttl_seconds.map_or(0, |ttl| now_ms() + u64::from(ttl) * 1000);
        // Retry on a concurrent change of the usage counter (another call of this plugin).
        for _ in 0..8 {
            let old = storage
                .get(&space, &stored_key)
                .map_err(|e| internal(e.to_string()))?;
            let (usage_raw, usage) = self.usage(&usage_space)?;
            let old_size = old
                .as_ref()
                .map_or(0, |o| (stored_key.len() + o.len()) as u64);
            let new_size = (stored_key.len() + 8 + value.len()) as u64;
            let new_usage = (usage + new_size).saturating_sub(old_size);
            if new_usage > QUOTA_BYTES && new_size > old_size {
                return Err(PluginError {
                    kind: ErrorKind::Denied,
                    message: format!("kv quota of {QUOTA_BYTES} bytes for this plugin is used up"),
                });
            }
            let mut batch = Batch::new();
            self.update_usage(&mut batch, &usage_space, usage_raw, new_usage);
            batch.put(&space, stored_key.clone(), encode(&value, expires));
            match storage.apply(batch) {
                Ok(()) => return Ok(()),
                Err(portico_storage::StorageError::Conflict(_)) => continue,
                Err(e) => return Err(internal(format!("kv write failed: {e}"))),
            }
        }
        Err(internal(
            "kv write kept conflicting with concurrent writes; retry".into(),
        ))
    }

    fn delete(&mut self, key: String) -> Result<(), PluginError> {
        let space = self.kv_space(&format!("kv delete {key:?}"))?;
        Self::check_key(&key)?;
        let storage = &self.services.storage;
        let usage_space = Keyspace::new(self.identity.org.clone(), USAGE_TABLE);
        let stored_key = storage_key(self.plugin_id(), &key);
        for _ in 0..8 {
            let Some(old) = storage
                .get(&space, &stored_key)
                .map_err(|e| internal(e.to_string()))?
            else {
                return Ok(());
            };
            let (usage_raw, usage) = self.usage(&usage_space)?;
            let new_usage = usage.saturating_sub((stored_key.len() + old.len()) as u64);
            let mut batch = Batch::new();
            batch.expect(&space, stored_key.clone(), Some(old));
            self.update_usage(&mut batch, &usage_space, usage_raw, new_usage);
            batch.delete(&space, stored_key.clone());
            match storage.apply(batch) {
                Ok(()) => return Ok(()),
                Err(portico_storage::StorageError::Conflict(_)) => continue,
                Err(e) => return Err(internal(format!("kv delete failed: {e}"))),
            }
        }
        Err(internal(
            "kv delete kept conflicting with concurrent writes; retry".into(),
        ))
    }

    fn list_keys(&mut self, prefix: String, limit: u32) -> Result<Vec<String>, PluginError> {
        let space = self.kv_space(&format!("kv list-keys {prefix:?}"))?;
        let own_prefix_len = self.plugin_id().len() + 1;
        let mut keys = Vec::new();
        for entry in self
            .services
            .storage
            .scan_prefix(&space, &storage_key(self.plugin_id(), &prefix))
        {
            let (k, v) = entry.map_err(|e| internal(format!("kv scan failed: {e}")))?;
            if decode(&v).is_some_and(|(exp, _)| is_live(exp)) {
                keys.push(String::from_utf8_lossy(&k[own_prefix_len..]).into_owned());
                if keys.len() as u32 >= limit.min(MAX_LIST) {
                    break;
                }
            }
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_carry_their_expiry() {
        let stored = encode(b"v", 0);
        assert_eq!(decode(&stored), Some((0, &b"v"[..])));
        assert!(is_live(0), "no expiry");
        assert!(is_live(now_ms() + 60_000));
        assert!(!is_live(now_ms().saturating_sub(1)), "expired");
        assert_eq!(decode(b"short"), None, "a truncated value is not read");
    }

    #[test]
    fn keys_stay_inside_the_plugins_prefix() {
        let key = storage_key("plugin-a", "../plugin-b\0x");
        assert!(key.starts_with(b"plugin-a\0"));
        assert!(!key.starts_with(b"plugin-b"));
    }
}
