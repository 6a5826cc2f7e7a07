//! The plugin's private key/value store (capability `kv`). Keys are plain strings; the host
//! prefixes them with the plugin and organization, so they can never name another plugin's data.

use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::host_imports::kv;
use crate::error::{PluginError, Result};

/// The bytes stored under `key`, if any (expired values are absent).
pub fn get(key: &str) -> Result<Option<Vec<u8>>> {
    kv::get(key)
}

/// The UTF-8 text stored under `key`, if any.
pub fn get_string(key: &str) -> Result<Option<String>> {
    get(key)?
        .map(|v| {
            String::from_utf8(v)
                .map_err(|_| PluginError::internal(format!("kv value `{key}` is not UTF-8")))
        })
        .transpose()
}

/// The JSON value stored under `key`, if any. A value that no longer decodes (written by an
/// older version of the plugin) is treated as absent.
pub fn get_json<T: DeserializeOwned>(key: &str) -> Result<Option<T>> {
    Ok(get(key)?.and_then(|v| serde_json::from_slice(&v).ok()))
}

/// Stores `value` under `key`; with `ttl` it expires after that long (rounded up to seconds).
pub fn set(key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
    kv::set(key, value, ttl.map(ttl_seconds))
}

/// Stores UTF-8 text.
pub fn set_string(key: &str, value: &str, ttl: Option<Duration>) -> Result<()> {
    set(key, value.as_bytes(), ttl)
}

/// Stores a value as JSON.
pub fn set_json<T: Serialize + ?Sized>(key: &str, value: &T, ttl: Option<Duration>) -> Result<()> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| PluginError::internal(format!("cannot encode kv value `{key}`: {e}")))?;
    set(key, &bytes, ttl)
}

/// Removes `key` (a missing key is not an error).
pub fn delete(key: &str) -> Result<()> {
    kv::delete(key)
}

/// Keys starting with `prefix`, ascending, at most `limit`.
pub fn list_keys(prefix: &str, limit: u32) -> Result<Vec<String>> {
    kv::list_keys(prefix, limit)
}

/// Adds one to the counter under `key` and returns the new value. Not atomic: two calls at
/// the same moment may count once; fine for statistics, not for ids.
pub fn increment(key: &str) -> Result<u64> {
    let current = get_string(key)?
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(0);
    let next = current.saturating_add(1);
    set_string(key, &next.to_string(), None)?;
    Ok(next)
}

fn ttl_seconds(ttl: Duration) -> u32 {
    let secs = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    u32::try_from(secs.max(1)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn ttl_rounds_up_and_saturates() {
        use super::ttl_seconds;
        use std::time::Duration;
        assert_eq!(ttl_seconds(Duration::from_millis(1)), 1);
        assert_eq!(ttl_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(ttl_seconds(Duration::from_secs(60)), 60);
        assert_eq!(ttl_seconds(Duration::from_secs(u64::MAX)), u32::MAX);
    }
}
