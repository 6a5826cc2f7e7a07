//! `url-reader`: the catalog source that reads `url` locations for the catalog.
//!
//! The host calls `read-location("url", <url>)` for every registered `url` location (from
//! `catalog.locations` or `POST /api/catalog/locations`) and for `url` targets met while
//! reading other locations. The plugin fetches the URL over `wasi:http` — only hosts the
//! admin granted are reachable — reading GitHub/GitLab blob URLs through their raw endpoints
//! ([`scm`]), follows Location entities' targets and substitutes `$text`/`$json`/`$yaml`
//! ([`walk`], [`placeholder`]), and returns every entity with the URL it came from; the host
//! validates them and processes them like entities from `file` locations. Failures are
//! reported per location and never stop the rest of the read.
//!
//! `read-raw("url", <url>, <max>)` (contract 0.2.0) returns the bytes of one URL, e.g. a
//! `$text: https://...` placeholder in a `file` location, through the same [`fetch`] code:
//! same granted hosts, blob-URL rewriting and tokens, at most the smaller of the host's `max`
//! and the configured `max_bytes`; 404/410 fail as `not-found`.

pub mod config;
pub mod fetch;
pub mod placeholder;
pub mod scm;
pub mod walk;

use portico_sdk::prelude::*;
use portico_sdk::provider::{DiscoveredEntity, Discovery, DiscoveryError, Provider};

use config::Config;
use fetch::Fetcher;
use walk::{Limits, walk};

portico_sdk::manifest!("plugin.toml");

struct UrlReader;

fn config() -> Result<Config> {
    portico_sdk::config::get()
}

fn only_url(location_type: &str) -> Result<()> {
    if location_type == "url" {
        return Ok(());
    }
    Err(PluginError::invalid_input(format!(
        "url-reader reads `url` locations, not `{location_type}`"
    )))
}

/// The configured bearer tokens with their secrets, as `(host, token)`.
fn tokens(config: &Config) -> Result<Vec<(String, String)>> {
    let mut tokens = Vec::new();
    for token in &config.tokens {
        let value = portico_sdk::secrets::get(&token.secret).map_err(|e| {
            e.context(format!(
                "the token for {} (secret `{}`)",
                token.host, token.secret
            ))
        })?;
        tokens.push((token.host.clone(), value));
    }
    Ok(tokens)
}

impl Provider for UrlReader {
    fn location_types() -> Vec<String> {
        vec!["url".into()]
    }

    fn read_location(location_type: String, target: String) -> Result<Discovery> {
        only_url(&location_type)?;
        let config = config()?;
        let fetcher = Fetcher::new(&config, tokens(&config)?);
        let limits = Limits {
            max_locations: config.max_locations,
            max_depth: config.max_depth,
        };
        let found = walk(&target, &fetcher, limits);
        Ok(Discovery {
            entities: found
                .entities
                .into_iter()
                .map(|(location, doc)| DiscoveredEntity {
                    descriptor: doc.to_string(),
                    location,
                })
                .collect(),
            errors: found
                .errors
                .into_iter()
                .map(|(location, message)| DiscoveryError { location, message })
                .collect(),
        })
    }

    fn read_raw(location_type: String, target: String, max_bytes: u64) -> Result<Vec<u8>> {
        only_url(&location_type)?;
        let config = config()?;
        let fetcher = Fetcher::new(&config, tokens(&config)?);
        let limit = usize::try_from(max_bytes).unwrap_or(usize::MAX);
        fetcher.read(&target, limit.min(config.max_bytes))
    }

    fn discover() -> Result<Discovery> {
        // Nothing of its own: it only reads the locations the catalog registers.
        Ok(Discovery {
            entities: Vec::new(),
            errors: Vec::new(),
        })
    }
}

portico_sdk::export_entity_provider!(UrlReader);
