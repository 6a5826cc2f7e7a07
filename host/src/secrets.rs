//! Named secrets (API tokens, passwords) resolved by the host for the `secrets` capability.
//!
//! Sources, first match wins: the secrets file (a YAML map; `org/name` keys are specific to
//! one organization, plain `name` keys apply to all), then the environment variable
//! `PORTICO_SECRET_<NAME>` (upper case, `-` and `.` become `_`). Values never reach logs:
//! [`SecretValue`] does not print its content.

use anyhow::{Context, Result};
use portico_storage::OrgId;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;

/// A secret's value; `Debug` and `Display` print a placeholder.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretValue(String);

impl SecretValue {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretValue(***)")
    }
}

#[derive(Default)]
pub struct SecretStore {
    file_values: HashMap<String, SecretValue>,
    read_env: bool,
}

/// The environment variable a secret name maps to.
pub fn env_var_name(name: &str) -> String {
    let mapped: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PORTICO_SECRET_{mapped}")
}

impl SecretStore {
    /// Secrets from the environment only.
    pub fn from_env() -> Self {
        SecretStore {
            file_values: HashMap::new(),
            read_env: true,
        }
    }

    /// Secrets from a YAML file of `name: value` pairs, then the environment.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the secrets file {}", path.display()))?;
        let map: HashMap<String, String> = serde_yaml::from_str(&text).with_context(|| {
            format!(
                "the secrets file {} must be a YAML map of secret names to string values",
                path.display()
            )
        })?;
        Ok(SecretStore {
            file_values: map.into_iter().map(|(k, v)| (k, SecretValue(v))).collect(),
            read_env: true,
        })
    }

    /// A store with fixed values and no environment lookup (tests, embedding).
    pub fn from_values(values: impl IntoIterator<Item = (String, String)>) -> Self {
        SecretStore {
            file_values: values
                .into_iter()
                .map(|(k, v)| (k, SecretValue(v)))
                .collect(),
            read_env: false,
        }
    }

    pub fn get(&self, org: &OrgId, name: &str) -> Option<SecretValue> {
        if let Some(v) = self.file_values.get(&format!("{org}/{name}")) {
            return Some(v.clone());
        }
        if let Some(v) = self.file_values.get(name) {
            return Some(v.clone());
        }
        if self.read_env {
            return std::env::var(env_var_name(name)).ok().map(SecretValue);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organization_specific_values_win() {
        let store = SecretStore::from_values([
            ("token".to_string(), "shared".to_string()),
            ("acme/token".to_string(), "acme-only".to_string()),
        ]);
        let acme = OrgId::new("acme").unwrap();
        let globex = OrgId::new("globex").unwrap();
        assert_eq!(store.get(&acme, "token").unwrap().expose(), "acme-only");
        assert_eq!(store.get(&globex, "token").unwrap().expose(), "shared");
        assert!(store.get(&acme, "other").is_none());
    }

    #[test]
    fn values_never_print() {
        let store = SecretStore::from_values([("t".to_string(), "hunter2".to_string())]);
        let v = store.get(&OrgId::default_org(), "t").unwrap();
        assert!(!format!("{v:?}").contains("hunter2"));
    }

    #[test]
    fn env_names() {
        assert_eq!(env_var_name("github-token"), "PORTICO_SECRET_GITHUB_TOKEN");
        assert_eq!(env_var_name("a.b"), "PORTICO_SECRET_A_B");
    }
}
