//! The plugin's configuration (validated by the host against `[config] schema` in
//! `plugin.toml`), with defaults, and the repository slug read from the entity.

use portico_sdk::prelude::*;
use serde::Deserialize;

/// The annotation naming the repository, `owner/repo` (Backstage's GitHub Actions plugin
/// reads the same one).
pub const SLUG_ANNOTATION: &str = "github.com/project-slug";

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// The REST API root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub
    /// Enterprise Server. No trailing slash once normalized.
    pub base_url: String,
    /// The secret holding the token sent as `Authorization: Bearer`.
    pub token_secret: String,
    /// Workflow runs per page (1..=100).
    pub per_page: u32,
    /// How long a response is served from kv without asking GitHub; after that it is
    /// revalidated with `If-None-Match`. 0 disables the cache.
    pub cache_ttl_seconds: u32,
    /// Timeout of each request to GitHub.
    pub timeout_ms: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            base_url: "https://api.github.com".into(),
            token_secret: "github-token".into(),
            per_page: 20,
            cache_ttl_seconds: 60,
            timeout_ms: 2000,
        }
    }
}

impl Config {
    /// The host's configuration, normalized.
    pub fn load() -> Result<Config> {
        config::get::<Config>()?.normalized()
    }

    /// Trims the base URL, bounds `per_page`, and refuses what cannot work.
    pub fn normalized(mut self) -> Result<Config> {
        self.base_url = self.base_url.trim().trim_end_matches('/').to_string();
        let lower = self.base_url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(PluginError::invalid_input(format!(
                "plugin configuration: `base_url` must be an http(s) URL like https://api.github.com \
                 or https://github.example.com/api/v3, not `{}`",
                self.base_url
            )));
        }
        self.per_page = self.per_page.clamp(1, 100);
        self.timeout_ms = self.timeout_ms.max(100);
        Ok(self)
    }

    /// The web address matching the API root: `https://github.com` for
    /// `https://api.github.com`, `https://HOST` for `https://HOST/api/v3`.
    pub fn web_base(&self) -> String {
        let base = &self.base_url;
        if let Some(rest) = base.strip_prefix("https://api.github.com") {
            return format!("https://github.com{rest}");
        }
        base.strip_suffix("/api/v3").unwrap_or(base).to_string()
    }
}

/// A repository `owner/repo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repo {
    pub owner: String,
    pub name: String,
}

impl Repo {
    /// Parses `owner/repo`; GitHub allows letters, digits, `-`, `_` and `.`.
    pub fn parse(slug: &str) -> Result<Repo> {
        let bad = || {
            PluginError::invalid_input(format!(
                "`{slug}` is not a GitHub repository: write `owner/repo`, e.g. `backstage/backstage`"
            ))
        };
        let (owner, name) = slug.trim().split_once('/').ok_or_else(bad)?;
        let ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 100
                && s != "."
                && s != ".."
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        };
        if !ok(owner) || !ok(name) {
            return Err(bad());
        }
        Ok(Repo {
            owner: owner.to_string(),
            name: name.to_string(),
        })
    }

    /// The repository of an entity, from its `github.com/project-slug` annotation.
    pub fn of(entity: &Entity) -> Result<Repo> {
        let d = entity.parse()?;
        match d.annotation(SLUG_ANNOTATION) {
            Some(slug) => Repo::parse(slug).map_err(|e| e.context(SLUG_ANNOTATION)),
            None => Err(PluginError::invalid_input(format!(
                "the entity has no `{SLUG_ANNOTATION}` annotation"
            ))),
        }
    }

    /// `/repos/owner/repo`.
    pub fn api_path(&self) -> String {
        format!("/repos/{}/{}", self.owner, self.name)
    }
}

impl core::fmt::Display for Repo {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.owner, self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_normalization() {
        let c = config::parse::<Config>("{}").unwrap().normalized().unwrap();
        assert_eq!(c.base_url, "https://api.github.com");
        assert_eq!(c.token_secret, "github-token");
        assert_eq!(c.per_page, 20);
        assert_eq!(c.web_base(), "https://github.com");
        let c = config::parse::<Config>(
            r#"{"base_url":"https://ghe.example.com/api/v3/","per_page":500}"#,
        )
        .unwrap()
        .normalized()
        .unwrap();
        assert_eq!(c.base_url, "https://ghe.example.com/api/v3");
        assert_eq!(c.web_base(), "https://ghe.example.com");
        assert_eq!(c.per_page, 100);
        assert!(
            config::parse::<Config>(r#"{"base_url":"ftp://x"}"#)
                .unwrap()
                .normalized()
                .is_err()
        );
    }

    #[test]
    fn repo_slugs() {
        let r = Repo::parse("octo-org/hello.world_1").unwrap();
        assert_eq!(r.to_string(), "octo-org/hello.world_1");
        assert_eq!(r.api_path(), "/repos/octo-org/hello.world_1");
        for bad in [
            "", "owner", "owner/", "/repo", "a/b/c", "a/../b", "a b/c", "o/r?x=1", "o/..",
        ] {
            assert!(Repo::parse(bad).is_err(), "{bad}");
        }
    }
}
