//! The plugin's configuration (validated by the host against `[config] schema` in
//! `plugin.toml`), with defaults and the checks the schema cannot express.

use portico_sdk::prelude::*;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub org: Option<String>,
    pub base_url: String,
    pub web_url: Option<String>,
    pub token_secret: String,
    pub catalog_path: String,
    pub branch: Option<String>,
    pub repository_pattern: Option<String>,
    pub include_archived: bool,
    pub include_forks: bool,
    pub teams_and_members: bool,
    pub max_repositories: u32,
    pub timeout_ms: u32,
    pub budget_seconds: u32,
    /// Catalog files requested at once.
    pub concurrency: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            org: None,
            base_url: "https://api.github.com".into(),
            web_url: None,
            token_secret: "github-token".into(),
            catalog_path: "catalog-info.yaml".into(),
            branch: None,
            repository_pattern: None,
            include_archived: false,
            include_forks: true,
            teams_and_members: false,
            max_repositories: 5000,
            timeout_ms: 10_000,
            budget_seconds: 45,
            concurrency: 4,
        }
    }
}

impl Config {
    pub fn load() -> Result<Config> {
        config::get::<Config>()?.normalized()
    }

    pub fn normalized(mut self) -> Result<Config> {
        let bad = |key: &str, why: String| {
            PluginError::invalid_input(format!("plugin configuration: `{key}` {why}"))
        };
        self.base_url = self.base_url.trim().trim_end_matches('/').to_string();
        if !is_http(&self.base_url) {
            return Err(bad(
                "base_url",
                format!(
                    "must be an http(s) URL like https://api.github.com, not `{}`",
                    self.base_url
                ),
            ));
        }
        if let Some(web) = &mut self.web_url {
            *web = web.trim().trim_end_matches('/').to_string();
            if !is_http(web) {
                return Err(bad(
                    "web_url",
                    format!("must be an http(s) URL, not `{web}`"),
                ));
            }
        }
        self.catalog_path = self
            .catalog_path
            .trim()
            .trim_start_matches("./")
            .to_string();
        if self.catalog_path.is_empty()
            || self.catalog_path.starts_with('/')
            || self
                .catalog_path
                .split('/')
                .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err(bad(
                "catalog_path",
                format!(
                    "must be a path inside the repository like `catalog-info.yaml` or \
                     `.backstage/catalog.yaml`, not `{}`",
                    self.catalog_path
                ),
            ));
        }
        self.timeout_ms = self.timeout_ms.max(100);
        self.budget_seconds = self.budget_seconds.max(1);
        self.max_repositories = self.max_repositories.max(1);
        self.concurrency = self.concurrency.clamp(1, 16);
        Ok(self)
    }

    /// The organization, or an error saying how to set it.
    pub fn org(&self) -> Result<&str> {
        self.org
            .as_deref()
            .filter(|o| !o.trim().is_empty())
            .ok_or_else(|| {
                PluginError::invalid_input(
                    "no organization to discover: set `org` under \
                 `plugins.settings.github-discovery.config`",
                )
            })
    }

    /// GitHub's web address: `web_url`, else derived from the API root
    /// (`https://api.github.com` → `https://github.com`, `https://HOST/api/v3` → `https://HOST`).
    pub fn web_base(&self) -> String {
        if let Some(web) = &self.web_url {
            return web.clone();
        }
        let base = &self.base_url;
        if let Some(rest) = base.strip_prefix("https://api.github.com") {
            return format!("https://github.com{rest}");
        }
        base.strip_suffix("/api/v3").unwrap_or(base).to_string()
    }

    /// Whether a repository name passes `repository_pattern`.
    pub fn wants_repository(&self, name: &str) -> bool {
        self.repository_pattern
            .as_deref()
            .is_none_or(|p| glob_match(p.as_bytes(), name.as_bytes()))
    }
}

fn is_http(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// `*` matches any run of characters, `?` one; case-insensitive like GitHub's names.
pub fn glob_match(pattern: &[u8], name: &[u8]) -> bool {
    let (mut p, mut n) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while n < name.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p].eq_ignore_ascii_case(&name[n])) {
            p += 1;
            n += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some(p);
            mark = n;
            p += 1;
        } else if let Some(s) = star {
            p = s + 1;
            mark += 1;
            n = mark;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_web_base_and_paths() {
        let c = config::parse::<Config>("{}").unwrap().normalized().unwrap();
        assert_eq!(c.web_base(), "https://github.com");
        assert!(c.org().is_err());
        let c = config::parse::<Config>(
            r#"{"org":"acme","base_url":"https://ghe.example.com/api/v3/","catalog_path":"./.backstage/catalog.yaml"}"#,
        )
        .unwrap()
        .normalized()
        .unwrap();
        assert_eq!(c.web_base(), "https://ghe.example.com");
        assert_eq!(c.catalog_path, ".backstage/catalog.yaml");
        for bad in ["../x.yaml", "a/../../b", "/etc/passwd", "a//b"] {
            let e = config::parse::<Config>(&format!(r#"{{"catalog_path":"{bad}"}}"#))
                .unwrap()
                .normalized()
                .unwrap_err();
            assert!(e.message.contains("catalog_path"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn globs() {
        assert!(glob_match(b"service-*", b"service-payments"));
        assert!(glob_match(b"*-api", b"Orders-API"));
        assert!(glob_match(b"a?c", b"abc"));
        assert!(!glob_match(b"service-*", b"website"));
        assert!(glob_match(b"*", b""));
    }
}
