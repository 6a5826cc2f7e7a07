//! The plugin's configuration (`plugins.settings.url-reader.config`), with the defaults of its
//! JSON Schema in `plugin.toml`.

use serde::Deserialize;

use crate::scm::Hosts;

/// One bearer token and the single host it may be sent to.
#[derive(Debug, Clone, Deserialize)]
pub struct Token {
    pub host: String,
    pub secret: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub max_bytes: usize,
    pub max_locations: usize,
    pub max_depth: usize,
    pub timeout_ms: u64,
    pub github_hosts: Vec<String>,
    pub gitlab_hosts: Vec<String>,
    pub tokens: Vec<Token>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_bytes: 4 * 1024 * 1024,
            max_locations: 1000,
            max_depth: 16,
            timeout_ms: 10_000,
            github_hosts: Vec::new(),
            gitlab_hosts: Vec::new(),
            tokens: Vec::new(),
        }
    }
}

impl Config {
    pub fn hosts(&self) -> Hosts {
        Hosts {
            github: self.github_hosts.clone(),
            gitlab: self.gitlab_hosts.clone(),
        }
    }
}
