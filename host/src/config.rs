//! `portico.yaml`: the server's configuration.
//!
//! `${ENV_VAR}` (and `${ENV_VAR:-default}`) are substituted before parsing; unknown keys are
//! errors (a typo must not silently fall back to a default); every error names the file, the
//! key and the problem.

use crate::runtime::{Limits, LimitsOverride, PoolingMode};
use anyhow::{Context, Result, bail};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub storage: StorageConfig,
    pub runtime: RuntimeConfig,
    pub plugins: PluginsConfig,
    pub secrets: SecretsConfig,
    pub catalog: CatalogConfig,
    pub docs: DocsConfig,
    pub portal: PortalConfig,
}

/// The portal's look and the organization's customisations (`portal:`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PortalConfig {
    /// Shown in the header and page titles.
    pub name: String,
    /// The logo: a path served by the portal (`/static/...`, e.g. a file in the overrides'
    /// `static/` folder). Absent: Portico's mark.
    pub logo: Option<String>,
    /// CSS variables for the light theme, by name without `--` (`accent: "#7c3aed"`).
    pub colors: BTreeMap<String, String>,
    /// CSS variables for the dark theme.
    pub dark_colors: BTreeMap<String, String>,
    /// Quick links on the home page.
    pub links: Vec<HomeLink>,
    /// A folder with the organization's `templates/` (handlebars, looked up before the
    /// built-in ones) and `static/` (files served under `/static/`, before the built-in ones).
    pub overrides: Option<PathBuf>,
}

impl Default for PortalConfig {
    fn default() -> Self {
        PortalConfig {
            name: "Portico".into(),
            logo: None,
            colors: BTreeMap::new(),
            dark_colors: BTreeMap::new(),
            links: Vec::new(),
            overrides: None,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HomeLink {
    pub title: String,
    /// An http(s) URL or a path within the portal.
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CatalogConfig {
    /// Locations registered at startup (and kept refreshed), like Backstage's
    /// `catalog.locations`.
    pub locations: Vec<StaticLocation>,
    /// `file` locations must lie inside this directory (default: the config file's directory,
    /// or the working directory without a config file).
    pub file_root: Option<PathBuf>,
    /// How often every location is read again.
    #[serde(with = "humantime_serde")]
    pub refresh_interval: std::time::Duration,
    /// What happens to an entity its location no longer emits: `keep` (annotated
    /// `backstage.io/orphan`, Backstage's default) or `delete`.
    pub orphan_strategy: OrphanStrategySetting,
    /// Revisions of history kept per entity.
    pub history_limit: u64,
    /// How often entity-provider plugins run (`0s`: only on demand, through the admin API).
    #[serde(with = "humantime_serde")]
    pub provider_interval: std::time::Duration,
    /// The organization's own kinds, and extra rules on existing kinds, as JSON Schema files
    /// (no code): checked like the built-in kinds' schemas wherever entities are validated.
    pub kinds: Vec<KindSchemaFile>,
}

/// One entry of `catalog.kinds`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindSchemaFile {
    /// A JSON Schema (JSON or YAML; draft-07 like the corpus schemas). Without `extends` it
    /// defines a kind, and must constrain `kind` and `apiVersion` with `enum` or `const`.
    pub schema: PathBuf,
    /// An existing kind (e.g. `Component`) whose entities must also satisfy the schema (e.g.
    /// a required `spec.costCenter`).
    #[serde(default)]
    pub extends: Option<String>,
    /// Relations that fields of this kind's `spec` imply, in both directions, like Backstage's
    /// `spec.owner` → `ownedBy` / `ownerOf` (no processor code).
    #[serde(default)]
    pub relations: Vec<KindRelation>,
}

/// One entry of `catalog.kinds[].relations`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KindRelation {
    /// The `spec` field holding one entity reference or a list of them (`owner` or
    /// `spec.owner`).
    pub field: String,
    /// The relation from the entity to each referenced one (e.g. `ownedBy`).
    #[serde(rename = "type")]
    pub relation_type: String,
    /// The relation from each referenced entity back to this one (e.g. `ownerOf`).
    pub reverse: String,
    /// The kind of references that do not name one (e.g. `Group`); without it every
    /// reference must name its kind.
    #[serde(default)]
    pub default_kind: Option<String>,
}

impl Default for CatalogConfig {
    fn default() -> Self {
        CatalogConfig {
            locations: Vec::new(),
            file_root: None,
            refresh_interval: std::time::Duration::from_secs(60),
            orphan_strategy: OrphanStrategySetting::Keep,
            history_limit: 20,
            provider_interval: std::time::Duration::from_secs(300),
            kinds: Vec::new(),
        }
    }
}

/// Docs pages rendered by `docs-renderer` plugins (`docs:`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DocsConfig {
    /// How long a rendered page is served from memory before the plugin renders it again.
    #[serde(with = "humantime_serde")]
    pub cache_ttl: std::time::Duration,
    /// Rendered pages kept in memory at most.
    pub cache_pages: usize,
    /// How often every entity's docs are rendered for search (`0s`: once, at startup).
    #[serde(with = "humantime_serde")]
    pub index_interval: std::time::Duration,
    /// Pages of one entity's docs rendered by the indexer or a refresh.
    pub pages_per_site: usize,
}

impl Default for DocsConfig {
    fn default() -> Self {
        DocsConfig {
            cache_ttl: std::time::Duration::from_secs(300),
            cache_pages: 1000,
            index_interval: std::time::Duration::from_secs(600),
            pages_per_site: 500,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OrphanStrategySetting {
    #[default]
    Keep,
    Delete,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticLocation {
    #[serde(rename = "type")]
    pub location_type: String,
    pub target: String,
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    pub listen: SocketAddr,
    /// When set, the admin API (plugin install, grants...) requires `Authorization: Bearer <token>`.
    pub admin_token: Option<String>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 7007)),
            admin_token: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StorageConfig {
    /// Where sled keeps its files and the compile cache lives.
    pub path: PathBuf,
    /// sled's page cache, in MiB.
    pub cache_mb: u64,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            path: PathBuf::from(".portico"),
            cache_mb: 32,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuntimeConfig {
    pub pooling: PoolingMode,
    /// The largest memory any plugin may be given, in MiB.
    pub max_memory_mb: u64,
    /// Default limits of every plugin.
    pub limits: Limits,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        RuntimeConfig {
            pooling: PoolingMode::Auto,
            max_memory_mb: 512,
            limits: Limits::default(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginsConfig {
    /// Refuse plugins without a valid signature from a trusted key.
    pub require_signatures: bool,
    pub trusted_keys: Vec<TrustedKey>,
    /// Install the first-party plugins built into the binary on startup (when absent).
    pub install_bundled: bool,
    /// Per-plugin configuration, limits and (for bundled plugins) grants, by plugin id.
    pub settings: BTreeMap<String, PluginSettings>,
}

impl Default for PluginsConfig {
    fn default() -> Self {
        PluginsConfig {
            require_signatures: false,
            trusted_keys: Vec::new(),
            install_bundled: true,
            settings: BTreeMap::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedKey {
    pub id: String,
    /// `ed25519:<base64>` as printed by `portico plugin keygen`.
    pub public_key: String,
}

#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginSettings {
    /// The plugin's configuration, validated against the JSON Schema in its manifest.
    pub config: Option<serde_json::Value>,
    pub limits: LimitsOverride,
    /// Grants for bundled plugins installed at startup (CLI grant syntax: `kv`, `http:host`...).
    pub grants: Option<Vec<String>>,
    pub http: PluginHttpSettings,
}

/// How the plugin's outgoing HTTP is made (`plugins.settings.<id>.http`).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PluginHttpSettings {
    /// PEM files of CA certificates this plugin trusts besides the public web roots (e.g. a
    /// Kubernetes cluster's CA); relative to the config file. Only its granted hosts are
    /// reachable anyway, and no other plugin trusts them.
    pub ca_certificates: Vec<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SecretsConfig {
    /// A YAML file of `name: value` (or `org/name: value`) secrets.
    pub file: Option<PathBuf>,
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let raw = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the config file {}", path.display()))?;
        let mut config = Self::parse(&raw, &path.display().to_string())?;
        // Relative paths in the file are relative to the file, not to the working directory.
        let base = path.parent().unwrap_or(Path::new("."));
        if config.storage.path.is_relative() {
            config.storage.path = base.join(&config.storage.path);
        }
        if let Some(file) = &config.secrets.file
            && file.is_relative()
        {
            config.secrets.file = Some(base.join(file));
        }
        config.resolve_catalog_paths(base);
        for settings in config.plugins.settings.values_mut() {
            for file in &mut settings.http.ca_certificates {
                if file.is_relative() {
                    *file = base.join(&*file);
                }
            }
        }
        if let Some(dir) = &config.portal.overrides
            && dir.is_relative()
        {
            config.portal.overrides = Some(base.join(dir));
        }
        Ok(config)
    }

    /// Parses config text; `origin` names it in errors.
    pub fn parse(raw: &str, origin: &str) -> Result<Config> {
        let text = substitute_env(raw, origin)?;
        if text.trim().is_empty() {
            return Ok(Config::default());
        }
        let de = serde_yaml::Deserializer::from_str(&text);
        let mut config: Config = serde_path_to_error::deserialize(de).map_err(|err| {
            let key = err.path().to_string();
            let inner = err.into_inner();
            let location = inner
                .location()
                .map(|l| format!(":{}:{}", l.line(), l.column()))
                .unwrap_or_default();
            anyhow::anyhow!("{origin}{location}: key `{key}`: {inner}")
        })?;
        // `${PORTICO_ADMIN_TOKEN:-}` with the variable unset means "no token", not "".
        if config
            .server
            .admin_token
            .as_deref()
            .is_some_and(|t| t.trim().is_empty())
        {
            config.server.admin_token = None;
        }
        config.validate(origin)?;
        Ok(config)
    }

    /// The demo configuration used when no config file exists: Backstage's example catalog
    /// from the repository's corpus and Portico's own demo entities (`demo/`, a component
    /// with docs), when present in the working directory.
    pub fn demo() -> Config {
        let mut config = Config::default();
        for target in [
            "corpus/backstage/examples/all.yaml",
            "corpus/backstage/examples/acme-corp.yaml",
            "demo/catalog-info.yaml",
        ] {
            if Path::new(target).exists() {
                config.catalog.locations.push(StaticLocation {
                    location_type: "file".into(),
                    target: target.into(),
                });
            }
        }
        config.resolve_catalog_paths(Path::new("."));
        config
    }

    /// Makes relative `file` targets and the file root absolute, against `base`.
    fn resolve_catalog_paths(&mut self, base: &Path) {
        let absolute = |p: &Path| {
            let joined = if p.is_relative() {
                base.join(p)
            } else {
                p.to_path_buf()
            };
            joined.canonicalize().unwrap_or(joined)
        };
        let root = absolute(self.catalog.file_root.as_deref().unwrap_or(base));
        self.catalog.file_root = Some(root);
        for location in &mut self.catalog.locations {
            if location.location_type == "file" {
                location.target = absolute(Path::new(&location.target)).display().to_string();
            }
        }
        for kind in &mut self.catalog.kinds {
            if kind.schema.is_relative() {
                kind.schema = base.join(&kind.schema);
            }
        }
    }

    fn validate(&self, origin: &str) -> Result<()> {
        let max = self.runtime.max_memory_mb * 1024 * 1024;
        if self.runtime.limits.memory_bytes > max {
            bail!(
                "{origin}: key `runtime.limits.memory_bytes`: {} is above `runtime.max_memory_mb` ({} MiB)",
                self.runtime.limits.memory_bytes,
                self.runtime.max_memory_mb
            );
        }
        for (id, settings) in &self.plugins.settings {
            if let Some(bytes) = settings.limits.memory_bytes
                && bytes > max
            {
                bail!(
                    "{origin}: key `plugins.settings.{id}.limits.memory_bytes`: {bytes} is above `runtime.max_memory_mb` ({} MiB)",
                    self.runtime.max_memory_mb
                );
            }
        }
        self.validate_portal(origin)?;
        if self.plugins.require_signatures && self.plugins.trusted_keys.is_empty() {
            bail!(
                "{origin}: key `plugins.require_signatures` is true but `plugins.trusted_keys` is empty: no plugin could be installed"
            );
        }
        Ok(())
    }
}

impl Config {
    /// Theme values end up in a stylesheet and links in pages: refuse anything that could
    /// break out of a CSS declaration or link somewhere other than http(s) or the portal.
    fn validate_portal(&self, origin: &str) -> Result<()> {
        let portal = &self.portal;
        for (key, colors) in [
            ("portal.colors", &portal.colors),
            ("portal.dark_colors", &portal.dark_colors),
        ] {
            for (name, value) in colors {
                if name.is_empty()
                    || !name
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                {
                    bail!(
                        "{origin}: key `{key}.{name}`: a CSS variable name is lowercase letters, digits and `-`"
                    );
                }
                if value.trim().is_empty()
                    || !value
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || " #(),.%-/".contains(c))
                {
                    bail!(
                        "{origin}: key `{key}.{name}`: {value:?} is not a colour or length (letters, digits, spaces and `#(),.%-/` only)"
                    );
                }
            }
        }
        if let Some(logo) = &portal.logo
            && (!logo.starts_with("/static/") || logo.contains("..") || logo.contains('\\'))
        {
            bail!(
                "{origin}: key `portal.logo`: {logo:?} must be a path under /static/ (put the file in the overrides' static/ folder)"
            );
        }
        for (index, link) in portal.links.iter().enumerate() {
            if crate::web::urls::safe_href(&link.url).is_none() {
                bail!(
                    "{origin}: key `portal.links[{index}].url`: {:?} is not an http(s) URL or a path within the portal",
                    link.url
                );
            }
        }
        Ok(())
    }
}

/// Replaces `${NAME}` and `${NAME:-default}`; a missing variable without default is an error
/// that names the line.
fn substitute_env(raw: &str, origin: &str) -> Result<String> {
    let mut out = String::with_capacity(raw.len());
    for (index, line) in raw.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                bail!(
                    "{origin}:{}: unterminated `${{` (write `${{NAME}}`)",
                    index + 1
                );
            };
            let expr = &after[..end];
            let (name, default) = match expr.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (expr, None),
            };
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                bail!(
                    "{origin}:{}: `${{{expr}}}` is not a valid environment variable reference",
                    index + 1
                );
            }
            match (std::env::var(name), default) {
                (Ok(value), _) => out.push_str(&value),
                (Err(_), Some(default)) => out.push_str(default),
                (Err(_), None) => bail!(
                    "{origin}:{}: the environment variable {name} is not set (or write `${{{name}:-default}}`)",
                    index + 1
                ),
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_gives_defaults() {
        let config = Config::parse("", "portico.yaml").unwrap();
        assert_eq!(config.server.listen.to_string(), "127.0.0.1:7007");
        assert_eq!(config.storage.cache_mb, 32);
        assert!(config.plugins.install_bundled);
    }

    #[test]
    fn env_substitution_and_defaults() {
        // SAFETY: this test is the only user of this variable name.
        unsafe { std::env::set_var("PORTICO_TEST_LISTEN_PORT", "9999") };
        let config = Config::parse(
            "server:\n  listen: 127.0.0.1:${PORTICO_TEST_LISTEN_PORT}\n  admin_token: ${PORTICO_TEST_UNSET_TOKEN:-t0k}\n",
            "portico.yaml",
        )
        .unwrap();
        assert_eq!(config.server.listen.port(), 9999);
        assert_eq!(config.server.admin_token.as_deref(), Some("t0k"));
    }

    #[test]
    fn an_empty_admin_token_means_none() {
        let config = Config::parse(
            "server:\n  admin_token: ${PORTICO_TEST_UNSET_ADMIN:-}\n",
            "portico.yaml",
        )
        .unwrap();
        assert_eq!(config.server.admin_token, None);
    }

    #[test]
    fn missing_env_var_names_the_line() {
        let err = Config::parse(
            "server:\n  admin_token: ${PORTICO_TEST_SURELY_UNSET}\n",
            "portico.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("portico.yaml:2"), "{err}");
        assert!(
            err.contains("PORTICO_TEST_SURELY_UNSET is not set"),
            "{err}"
        );
    }

    #[test]
    fn unknown_keys_name_the_path() {
        let err = Config::parse("runtime:\n  limits:\n    memory: 5\n", "portico.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("runtime.limits"), "{err}");
        assert!(err.contains("unknown field `memory`"), "{err}");
    }

    #[test]
    fn docs_settings_parse_with_defaults() {
        let config = Config::parse("docs:\n  cache_ttl: 30s\n", "portico.yaml").unwrap();
        assert_eq!(config.docs.cache_ttl, std::time::Duration::from_secs(30));
        assert_eq!(config.docs.cache_pages, 1000);
        let err = Config::parse("docs:\n  ttl: 30s\n", "portico.yaml")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("docs") && err.contains("unknown field `ttl`"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_the_key() {
        let err = Config::parse("server:\n  listen: not-an-address\n", "portico.yaml")
            .unwrap_err()
            .to_string();
        assert!(err.contains("server.listen"), "{err}");
    }

    #[test]
    fn memory_limits_above_the_engine_maximum_are_refused() {
        let err = Config::parse(
            "runtime:\n  max_memory_mb: 64\nplugins:\n  settings:\n    x:\n      limits:\n        memory_bytes: 134217728\n",
            "portico.yaml",
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("plugins.settings.x.limits.memory_bytes"),
            "{err}"
        );
    }
}
