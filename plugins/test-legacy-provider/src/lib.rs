//! Test fixture `test-legacy-provider`: a catalog source built against the frozen
//! `portico:plugin@0.1.0` with `wit-bindgen` directly — no SDK — so the tests prove that a
//! 0.1.0 component still loads, reaches its imports (`config`, `log`, `kv`) and answers
//! `read-location` on a host whose newest contract is later. It is also how a Rust plugin
//! stays on 0.1.0.
//!
//! It reads the location types in `config.location_types` (default `legacy`):
//! `read-location(type, "a,b")` yields Components `a` and `b` owned by `config.owner`, each
//! with the location `<type>:<target>` and the annotation `test/reads` counting the reads it
//! answered (kept in kv); the target `missing` fails with `not-found`.

wit_bindgen::generate!({
    path: "../../wit/v0.1.0",
    world: "portico:plugin/entity-provider@0.1.0",
    // The wasi:http types the world mentions; this plugin makes no HTTP calls, and imports it
    // never calls are dropped from the component.
    generate_all,
});

use exports::portico::plugin::provider::{DiscoveredEntity, Discovery, Guest};
use portico::plugin::types::{ErrorKind, PluginError};
use portico::plugin::{config, kv, log};

/// The manifest, embedded as the `portico:manifest` custom section (what the SDK's
/// `manifest!` does).
#[cfg(target_arch = "wasm32")]
const MANIFEST: &str = include_str!("../plugin.toml");

#[cfg(target_arch = "wasm32")]
#[used]
#[unsafe(link_section = "portico:manifest")]
static MANIFEST_SECTION: [u8; MANIFEST.len()] = to_bytes(MANIFEST);

#[cfg(target_arch = "wasm32")]
const fn to_bytes<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

fn error(kind: ErrorKind, message: String) -> PluginError {
    PluginError { kind, message }
}

fn settings() -> serde_json::Value {
    serde_json::from_str(&config::get()).unwrap_or_default()
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
    let before = kv::get("reads")?
        .and_then(|v| String::from_utf8(v).ok())
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    kv::set("reads", (before + 1).to_string().as_bytes(), None)?;
    Ok(before + 1)
}

struct Legacy;

impl Guest for Legacy {
    fn location_types() -> Vec<String> {
        location_types()
    }

    fn read_location(location_type: String, target: String) -> Result<Discovery, PluginError> {
        if !location_types().contains(&location_type) {
            return Err(error(
                ErrorKind::InvalidInput,
                format!("test-legacy-provider does not read `{location_type}` locations"),
            ));
        }
        if target == "missing" {
            return Err(error(
                ErrorKind::NotFound,
                format!("{target} does not exist"),
            ));
        }
        let reads = count_read()?;
        log::log(
            log::Level::Info,
            &format!("read {location_type}:{target} (read {reads})"),
        );
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

export!(Legacy);
