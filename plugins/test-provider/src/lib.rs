//! Test fixture `test-provider`: a catalog source whose `discover` emits the entities that the
//! JSON endpoint `config.url` lists (`{"entities": [...]}`), each with the location
//! `url:<config.url>`. An HTTP failure is returned as the plugin's error, so tests can check
//! that a failing provider keeps its previous entities and never blocks the others.
//!
//! Its `read-raw` misbehaves on purpose: it answers `config.raw_size` bytes whatever
//! `max-bytes` the host asked for, so tests can check that the host refuses a longer answer.

use portico_sdk::prelude::*;
use portico_sdk::provider::{DiscoveredEntity, Discovery, Provider};

portico_sdk::manifest!("plugin.toml");

struct Source;

fn config_url() -> Result<String> {
    let config: serde_json::Value = portico_sdk::config::get()?;
    config["url"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| PluginError::invalid_input("set `url` in the plugin's configuration"))
}

impl Provider for Source {
    fn location_types() -> Vec<String> {
        Vec::new()
    }

    fn read_location(location_type: String, _target: String) -> Result<Discovery> {
        Err(PluginError::invalid_input(format!(
            "this provider reads no `{location_type}` locations"
        )))
    }

    fn read_raw(_location_type: String, _target: String, _max_bytes: u64) -> Result<Vec<u8>> {
        let config: serde_json::Value = portico_sdk::config::get()?;
        let size = config["raw_size"].as_u64().unwrap_or(0);
        Ok(vec![b'x'; size as usize])
    }

    fn discover() -> Result<Discovery> {
        let url = config_url()?;
        let listed: serde_json::Value = portico_sdk::http::get(&url).fetch_json()?;
        let entities = listed["entities"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .map(|entity| DiscoveredEntity {
                descriptor: entity.to_string(),
                location: format!("url:{url}"),
            })
            .collect();
        Ok(Discovery {
            entities,
            errors: Vec::new(),
        })
    }
}

portico_sdk::export_entity_provider!(Source);
