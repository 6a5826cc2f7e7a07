//! The capability model shared by what a manifest requests and what an admin grants:
//! `http` (host patterns), `secrets` (names), `kv`, `catalog` and `docs-files`.

mod grants;
mod host_pattern;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use grants::{GrantError, Grants};
pub use host_pattern::{HostPattern, PatternError, Scheme};

/// The kinds of capability a plugin can request, without their parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapabilityKind {
    /// Outgoing HTTP through `wasi:http/outgoing-handler`.
    Http,
    /// Named secrets through `portico:plugin/secrets`.
    Secrets,
    /// The plugin's private key/value store through `portico:plugin/kv`.
    Kv,
    /// Read-only catalog queries through `portico:plugin/catalog`.
    Catalog,
    /// For `docs-renderer` calls only: the entity's own docs folder, mounted read-only at
    /// `/techdocs` through `wasi:filesystem` (the host resolves and confines it).
    DocsFiles,
}

impl CapabilityKind {
    /// Every kind, in manifest order.
    pub const ALL: [CapabilityKind; 5] = [
        CapabilityKind::Http,
        CapabilityKind::Secrets,
        CapabilityKind::Kv,
        CapabilityKind::Catalog,
        CapabilityKind::DocsFiles,
    ];

    /// The name used in manifests and grants (`http`).
    pub fn as_str(self) -> &'static str {
        match self {
            CapabilityKind::Http => "http",
            CapabilityKind::Secrets => "secrets",
            CapabilityKind::Kv => "kv",
            CapabilityKind::Catalog => "catalog",
            CapabilityKind::DocsFiles => "docs-files",
        }
    }

    /// The kind named `s`, if any.
    pub fn parse(s: &str) -> Option<CapabilityKind> {
        CapabilityKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for CapabilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A capability with its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Capability {
    /// Outgoing HTTP to these host patterns.
    Http {
        /// Allowed destinations.
        hosts: Vec<HostPattern>,
    },
    /// These named secrets.
    Secrets {
        /// Secret names.
        names: Vec<String>,
    },
    /// The private key/value store.
    Kv,
    /// Read-only catalog access.
    Catalog,
    /// The entity's docs folder, read-only, in `docs-renderer` calls.
    #[serde(rename = "docs-files")]
    DocsFiles,
}

impl Capability {
    /// The kind without parameters.
    pub fn kind(&self) -> CapabilityKind {
        match self {
            Capability::Http { .. } => CapabilityKind::Http,
            Capability::Secrets { .. } => CapabilityKind::Secrets,
            Capability::Kv => CapabilityKind::Kv,
            Capability::Catalog => CapabilityKind::Catalog,
            Capability::DocsFiles => CapabilityKind::DocsFiles,
        }
    }
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Capability::Http { hosts } => write!(f, "http: {}", join(hosts)),
            Capability::Secrets { names } => write!(f, "secrets: {}", names.join(", ")),
            Capability::Kv => f.write_str("kv"),
            Capability::Catalog => f.write_str("catalog"),
            Capability::DocsFiles => f.write_str("docs-files"),
        }
    }
}

/// One capability a manifest requests, with the author's reason (shown to the admin).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapabilityRequest {
    /// What is requested.
    pub capability: Capability,
    /// Why the plugin needs it.
    pub reason: String,
}

/// Checks a secret name: 1 to 128 characters of `A-Z a-z 0-9 . _ -`.
pub fn check_secret_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a secret name cannot be empty".into());
    }
    if name.len() > 128 {
        return Err(format!(
            "secret name {name:?} is longer than 128 characters"
        ));
    }
    if let Some(c) = name
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
    {
        return Err(format!(
            "secret name {name:?} contains {c:?}; use letters, digits, `.`, `_` and `-`"
        ));
    }
    Ok(())
}

pub(crate) fn join<T: fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
