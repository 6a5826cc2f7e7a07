//! Organizations and keyspaces: the two coordinates of every stored key.

use crate::{StorageError, StorageResult};
use std::fmt;

/// An organization's identifier: a DNS label (1–63 chars of `a-z0-9-`, not starting or ending
/// with `-`). It prefixes every stored key, so its syntax is kept strict.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OrgId(String);

impl OrgId {
    /// The organization used by single-organization deployments and the demo.
    pub fn default_org() -> Self {
        OrgId("default".to_string())
    }

    /// Validates and wraps an organization id.
    pub fn new(id: &str) -> StorageResult<Self> {
        let valid = !id.is_empty()
            && id.len() <= 63
            && id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !id.starts_with('-')
            && !id.ends_with('-');
        if valid {
            Ok(OrgId(id.to_string()))
        } else {
            Err(StorageError::InvalidKey(format!(
                "organization id {id:?} must be a DNS label: 1-63 characters of a-z, 0-9 and '-', \
                 not starting or ending with '-'"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OrgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A table within one organization. Table names are static identifiers chosen by the code
/// that owns the table (e.g. `catalog.entities`, `plugins.kv`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Keyspace {
    org: OrgId,
    table: &'static str,
}

impl Keyspace {
    pub fn new(org: OrgId, table: &'static str) -> Self {
        Keyspace { org, table }
    }

    pub fn org(&self) -> &OrgId {
        &self.org
    }

    pub fn table(&self) -> &'static str {
        self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn org_ids_must_be_dns_labels() {
        assert!(OrgId::new("acme").is_ok());
        assert!(OrgId::new("acme-2").is_ok());
        for bad in [
            "",
            "-acme",
            "acme-",
            "Acme",
            "ac/me",
            "a\0b",
            &"a".repeat(64),
        ] {
            let err = OrgId::new(bad).unwrap_err().to_string();
            assert!(err.contains("DNS label"), "{bad:?}: {err}");
        }
    }
}
