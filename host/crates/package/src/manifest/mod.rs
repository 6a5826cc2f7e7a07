//! The plugin manifest: TOML text stored in the component's `portico:manifest` section.
//! Parsing validates every key and reports each problem under its key path.

mod config;
mod fields;

use std::fmt;

use serde::Serialize;

use crate::capability::{Capability, CapabilityRequest, HostPattern, check_secret_name};
use crate::world::World;
use fields::Fields;

/// Manifests larger than this are refused (a manifest is a few hundred bytes).
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;

/// One problem in a manifest, under the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// The key path: `id`, `capabilities.http.hosts[1]`, `config.schema`.
    pub key: String,
    /// What is wrong and what to write instead.
    pub problem: String,
}

impl KeyError {
    fn new(key: impl Into<String>, problem: impl Into<String>) -> Self {
        KeyError {
            key: key.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "manifest key {:?}: {}", self.key, self.problem)
    }
}

/// Why a manifest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    /// The section is not UTF-8.
    #[error("the plugin manifest is not UTF-8 text; write it as a UTF-8 TOML file and pack again")]
    NotUtf8,
    /// The section is too large.
    #[error("the plugin manifest is {0} bytes; the limit is {MAX_MANIFEST_BYTES}")]
    TooLarge(usize),
    /// The text is not TOML.
    #[error("the plugin manifest is not valid TOML: {0}")]
    Syntax(String),
    /// One or more keys are wrong.
    #[error("{}", list(.0))]
    Invalid(Vec<KeyError>),
}

fn list(errors: &[KeyError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let lines: Vec<String> = many.iter().map(|e| format!("  {e}")).collect();
            format!(
                "the plugin manifest has {} problems:\n{}",
                many.len(),
                lines.join("\n")
            )
        }
    }
}

/// A validated plugin manifest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Manifest {
    /// `[a-z0-9-]`, 1 to 63 characters, not starting or ending with `-`.
    pub id: String,
    /// The plugin's version (semver).
    pub version: semver::Version,
    /// Human-readable name.
    pub name: String,
    /// What the plugin does.
    pub description: Option<String>,
    /// Who wrote it.
    pub author: Option<String>,
    /// SPDX license expression (not checked).
    pub license: Option<String>,
    /// The `portico:plugin` version it was built against.
    pub wit: semver::Version,
    /// The extension points it implements (at least one, no duplicates).
    pub worlds: Vec<World>,
    /// The capabilities it requests, in the order http, secrets, kv, catalog, docs-files.
    pub capabilities: Vec<CapabilityRequest>,
    /// The JSON Schema of its configuration, already checked to be a valid schema.
    pub config_schema: Option<serde_json::Value>,
}

impl Manifest {
    /// Parses and validates manifest bytes as stored in a `portico:manifest` section.
    pub fn from_bytes(bytes: &[u8]) -> Result<Manifest, ManifestError> {
        if bytes.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge(bytes.len()));
        }
        let text = std::str::from_utf8(bytes).map_err(|_| ManifestError::NotUtf8)?;
        Manifest::parse(text)
    }

    /// Parses and validates manifest TOML text, reporting every problem by key.
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        if text.len() > MAX_MANIFEST_BYTES {
            return Err(ManifestError::TooLarge(text.len()));
        }
        let table: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| ManifestError::Syntax(e.to_string().trim().into()))?;
        let mut errors = Vec::new();
        let manifest = read_manifest(&Fields::new(&table, ""), &mut errors);
        match (manifest, errors.is_empty()) {
            (Some(m), true) => Ok(m),
            _ => Err(ManifestError::Invalid(errors)),
        }
    }

    /// What the manifest requests for `kind`, if anything.
    pub fn request(&self, kind: crate::CapabilityKind) -> Option<&CapabilityRequest> {
        self.capabilities
            .iter()
            .find(|r| r.capability.kind() == kind)
    }

    /// Validates a configuration against the manifest's schema; each message names the config
    /// key path (`config key "server.port": ...`). Without a schema only `{}` (or null) is
    /// accepted: the plugin takes no configuration.
    pub fn validate_config(&self, config: &serde_json::Value) -> Result<(), Vec<String>> {
        config::validate(self.config_schema.as_ref(), config)
    }
}

const TOP_KEYS: &[&str] = &[
    "id",
    "version",
    "name",
    "description",
    "author",
    "license",
    "wit",
    "worlds",
    "capabilities",
    "config",
];

fn read_manifest(f: &Fields<'_>, errors: &mut Vec<KeyError>) -> Option<Manifest> {
    f.deny_unknown(TOP_KEYS, errors);
    let id = f.string("id", true, errors).and_then(|id| {
        check(errors, "id", check_id(id))?;
        Some(id.to_string())
    });
    let version = f
        .string("version", true, errors)
        .and_then(|v| semver(errors, "version", v));
    let name = f.string("name", true, errors).and_then(|n| {
        check(errors, "name", check_text(n, 128, false))?;
        Some(n.to_string())
    });
    let description = optional_text(f, "description", 4096, true, errors);
    let author = optional_text(f, "author", 256, false, errors);
    let license = optional_text(f, "license", 128, false, errors);
    let wit = f
        .string("wit", true, errors)
        .and_then(|v| semver(errors, "wit", v));
    let worlds = read_worlds(f, errors);
    let capabilities = f
        .table("capabilities", errors)
        .map(|caps| read_capabilities(&caps, errors))
        .unwrap_or_default();
    let config_schema = f
        .table("config", errors)
        .and_then(|config| read_config(&config, errors));
    Some(Manifest {
        id: id?,
        version: version?,
        name: name?,
        description: description?,
        author: author?,
        license: license?,
        wit: wit?,
        worlds: worlds?,
        capabilities,
        config_schema,
    })
}

/// Records `result`'s error under `key`; `Some(())` when it was fine.
fn check(errors: &mut Vec<KeyError>, key: &str, result: Result<(), String>) -> Option<()> {
    result.map_err(|e| errors.push(KeyError::new(key, e))).ok()
}

fn check_id(id: &str) -> Result<(), String> {
    let ok = (1..=63).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
        && !id.ends_with('-');
    match ok {
        true => Ok(()),
        false => Err(format!(
            "{id:?} is not a valid plugin id: use 1 to 63 lowercase letters, digits and `-`, \
             not starting or ending with `-` (like \"service-status\")"
        )),
    }
}

fn check_text(text: &str, max: usize, multiline: bool) -> Result<(), String> {
    if text.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if text.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    let bad = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\t'));
    if let Some(c) = text.chars().find(|&c| bad(c)) {
        return Err(format!("contains the control character {c:?}"));
    }
    Ok(())
}

fn optional_text(
    f: &Fields<'_>,
    key: &str,
    max: usize,
    multiline: bool,
    errors: &mut Vec<KeyError>,
) -> Option<Option<String>> {
    let before = errors.len();
    let value = f.string(key, false, errors);
    if errors.len() > before {
        return None;
    }
    match value {
        None => Some(None),
        Some(text) => {
            check(errors, key, check_text(text, max, multiline))?;
            Some(Some(text.to_string()))
        }
    }
}

fn semver(errors: &mut Vec<KeyError>, key: &str, v: &str) -> Option<semver::Version> {
    semver::Version::parse(v)
        .map_err(|e| {
            errors.push(KeyError::new(
                key,
                format!("{v:?} is not a semantic version like \"0.1.0\": {e}"),
            ))
        })
        .ok()
}

fn read_worlds(f: &Fields<'_>, errors: &mut Vec<KeyError>) -> Option<Vec<World>> {
    let items = f.strings("worlds", true, errors)?;
    if items.is_empty() {
        errors.push(KeyError::new(
            "worlds",
            format!("is empty; name at least one of: {}", World::names()),
        ));
        return None;
    }
    let mut worlds = Vec::new();
    let mut ok = true;
    for (path, name) in items {
        match name.parse::<World>() {
            Ok(w) if worlds.contains(&w) => {
                errors.push(KeyError::new(path, format!("{name:?} is listed twice")));
                ok = false;
            }
            Ok(w) => worlds.push(w),
            Err(e) => {
                errors.push(KeyError::new(path, e));
                ok = false;
            }
        }
    }
    ok.then_some(worlds)
}

fn read_capabilities(caps: &Fields<'_>, errors: &mut Vec<KeyError>) -> Vec<CapabilityRequest> {
    const KINDS: [&str; 5] = ["http", "secrets", "kv", "catalog", "docs-files"];
    caps.deny_unknown(&KINDS, errors);
    let mut out = Vec::new();
    for kind in KINDS {
        let Some(cap) = caps.table(kind, errors) else {
            continue;
        };
        let capability = match kind {
            "http" => {
                cap.deny_unknown(&["hosts", "reason"], errors);
                read_hosts(&cap, errors).map(|hosts| Capability::Http { hosts })
            }
            "secrets" => {
                cap.deny_unknown(&["names", "reason"], errors);
                read_secret_names(&cap, errors).map(|names| Capability::Secrets { names })
            }
            "kv" => {
                cap.deny_unknown(&["reason"], errors);
                Some(Capability::Kv)
            }
            "docs-files" => {
                cap.deny_unknown(&["reason"], errors);
                Some(Capability::DocsFiles)
            }
            _ => {
                cap.deny_unknown(&["reason"], errors);
                Some(Capability::Catalog)
            }
        };
        let reason = cap.string("reason", true, errors).and_then(|r| {
            let path = cap.path("reason");
            check(errors, &path, check_text(r, 1024, true))?;
            Some(r.to_string())
        });
        if let (Some(capability), Some(reason)) = (capability, reason) {
            out.push(CapabilityRequest { capability, reason });
        }
    }
    out
}

fn read_hosts(cap: &Fields<'_>, errors: &mut Vec<KeyError>) -> Option<Vec<HostPattern>> {
    let items = cap.strings("hosts", true, errors)?;
    if items.is_empty() {
        errors.push(KeyError::new(
            cap.path("hosts"),
            "is empty; list the hosts the plugin calls, or remove [capabilities.http]",
        ));
        return None;
    }
    let mut hosts = Vec::new();
    for (path, item) in items {
        match HostPattern::parse(item) {
            Ok(p) if !hosts.contains(&p) => hosts.push(p),
            Ok(_) => {}
            Err(e) => errors.push(KeyError::new(path, e.to_string())),
        }
    }
    Some(hosts)
}

fn read_secret_names(cap: &Fields<'_>, errors: &mut Vec<KeyError>) -> Option<Vec<String>> {
    let items = cap.strings("names", true, errors)?;
    if items.is_empty() {
        errors.push(KeyError::new(
            cap.path("names"),
            "is empty; list the secret names the plugin reads, or remove [capabilities.secrets]",
        ));
        return None;
    }
    let mut names: Vec<String> = Vec::new();
    for (path, name) in items {
        match check_secret_name(name) {
            Ok(()) if !names.iter().any(|n| n == name) => names.push(name.to_string()),
            Ok(()) => {}
            Err(e) => errors.push(KeyError::new(path, e)),
        }
    }
    Some(names)
}

fn read_config(config: &Fields<'_>, errors: &mut Vec<KeyError>) -> Option<serde_json::Value> {
    config.deny_unknown(&["schema"], errors);
    let text = config.string("schema", true, errors)?;
    config::compile_schema(text)
        .map_err(|e| errors.push(KeyError::new(config.path("schema"), e)))
        .ok()
}

#[cfg(test)]
mod tests;
