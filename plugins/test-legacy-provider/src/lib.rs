//! Test fixture `test-legacy-provider`: a catalog source built against the frozen
//! `portico:plugin@0.1.0` with the Rust SDK's [`portico_sdk::v0_1_0`], so the tests prove that a
//! 0.1.0 component still loads, reaches its imports (`config`, `log`, `kv`) and answers
//! `read-location` on a host whose newest contract is later, and that the SDK's 0.1.0 build
//! names no 0.2.0 interface.
//!
//! It reads the location types in `config.location_types` (default `legacy`):
//! `read-location(type, "a,b")` yields Components `a` and `b` owned by `config.owner`, each
//! with the location `<type>:<target>` and the annotation `test/reads` counting the reads it
//! answered (kept in kv); the target `missing` fails with `not-found`.

use portico_sdk::PluginError;
use portico_sdk::v0_1_0::provider::{DiscoveredEntity, Discovery, Provider};
use portico_sdk::v0_1_0::{config, kv, log};

portico_sdk::manifest!("plugin.toml");

fn settings() -> serde_json::Value {
    serde_json::from_str(&config::raw()).unwrap_or_default()
}

fn location_types() -> Vec<String> {
    match settings()["location_types"].as_array() {
        Some(types) => types
            .iter()
            .filter_map(|t| t.as_str().map(str::to_string))
            .collect(),
        None => vec!["legacy".to_string()],
    }
}

/// Counts this read in kv and returns the count so far.
fn count_read() -> Result<u64, PluginError> {
    let reads = kv::get_string("reads")?
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0)
        + 1;
    kv::set("reads", reads.to_string().as_bytes(), None)?;
    Ok(reads)
}

struct Legacy;

impl Provider for Legacy {
    fn location_types() -> Vec<String> {
        location_types()
    }

    fn read_location(location_type: String, target: String) -> Result<Discovery, PluginError> {
        if !location_types().contains(&location_type) {
            return Err(PluginError::invalid_input(format!(
                "test-legacy-provider does not read `{location_type}` locations"
            )));
        }
        if target == "missing" {
            return Err(PluginError::not_found(format!("{target} does not exist")));
        }
        let reads = count_read()?;
        log::info(format!("read {location_type}:{target} (read {reads})"));
        let owner = settings()["owner"]
            .as_str()
            .unwrap_or("team-legacy")
            .to_string();
        let entities = target
            .split(',')
            .filter(|name| !name.is_empty())
            .map(|name| DiscoveredEntity {
                descriptor: serde_json::json!({
                    "apiVersion": "backstage.io/v1alpha1",
                    "kind": "Component",
                    "metadata": {
                        "name": name,
                        "annotations": { "test/reads": reads.to_string() },
                    },
                    "spec": { "type": "service", "lifecycle": "production", "owner": owner },
                })
                .to_string(),
                location: format!("{location_type}:{target}"),
            })
            .collect();
        Ok(Discovery {
            entities,
            errors: Vec::new(),
        })
    }

    fn discover() -> Result<Discovery, PluginError> {
        Ok(Discovery {
            entities: Vec::new(),
            errors: Vec::new(),
        })
    }
}

portico_sdk::export_v0_1_0!(entity_provider: Legacy);
