//! Fetching one URL over `wasi:http`, bounded in size and time, with failures worded as
//! Backstage's `UrlReaderProcessor` words them (`NotFoundError` for 404/410).

use std::time::Duration;

use portico_sdk::{ErrorKind, PluginError};

use crate::config::Config;
use crate::scm::{Hosts, authority};

/// Why a fetch failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// 404 or 410: skipped for `presence: optional` targets.
    NotFound(String),
    /// Anything else: denied by the portal, 5xx, timeout, too large, bad URL.
    Failed(String),
}

impl FetchError {
    /// The message, with Backstage's error name where it has one.
    pub fn message(&self) -> String {
        match self {
            FetchError::NotFound(m) => format!("NotFoundError: {m}"),
            FetchError::Failed(m) => m.clone(),
        }
    }
}

/// Reads URLs for one `read-location` call.
pub struct Fetcher {
    hosts: Hosts,
    max_bytes: usize,
    timeout: Duration,
    /// `(host, token)` pairs, resolved once per call.
    tokens: Vec<(String, String)>,
}

impl Fetcher {
    pub fn new(config: &Config, tokens: Vec<(String, String)>) -> Self {
        Fetcher {
            hosts: config.hosts(),
            max_bytes: config.max_bytes,
            timeout: Duration::from_millis(config.timeout_ms),
            tokens,
        }
    }
}

impl Fetcher {
    /// The content at `target` (a blob URL is read from its raw URL), at most `max_bytes` of
    /// it; errors keep the SDK's classification (`not-found` for 404/410, `denied`, ...).
    pub fn read(&self, target: &str, max_bytes: usize) -> Result<Vec<u8>, PluginError> {
        let raw = self
            .hosts
            .raw_url(target)
            .map_err(PluginError::invalid_input)?;
        let mut request = portico_sdk::http::get(&raw)
            .timeout(self.timeout)
            .max_response_bytes(max_bytes);
        let host = url::Url::parse(&raw).ok().and_then(|u| authority(&u));
        if let Some((_, token)) = self
            .tokens
            .iter()
            .find(|(h, _)| Some(h.to_ascii_lowercase()) == host)
        {
            request = request.bearer(token);
        }
        let response = request.send_ok().map_err(|e| {
            let via = if raw == target {
                String::new()
            } else {
                format!(" (read from {raw})")
            };
            PluginError::new(
                e.kind,
                format!("could not read {target}{via}, {}", e.message),
            )
        })?;
        Ok(response.body)
    }
}

impl crate::walk::Source for Fetcher {
    /// The content at `target`, up to the configured `max_bytes`.
    fn fetch(&self, target: &str) -> Result<Vec<u8>, FetchError> {
        self.read(target, self.max_bytes).map_err(|e| match e.kind {
            ErrorKind::NotFound => FetchError::NotFound(e.message),
            _ => FetchError::Failed(e.message),
        })
    }
}
