//! {{name}}: a catalog source.

use portico_sdk::prelude::*;

portico_sdk::manifest!("plugin.toml");

/// One line about the entity. Pure, so it is unit-tested natively (`./test.sh`).
pub fn describe(d: &Descriptor) -> String {
    match d.owner() {
        Some(owner) => format!("{} is owned by {owner}", d.name()),
        None => format!("{} has no owner yet", d.name()),
    }
}

struct Plugin;

impl Provider for Plugin {
    fn location_types() -> Vec<String> {
        Vec::new()
    }

    fn read_location(location_type: String, _target: String) -> Result<Discovery> {
        Err(PluginError::invalid_input(format!("{{id}} reads no `{location_type}` locations")))
    }

    fn discover() -> Result<Discovery> {
        let descriptor = serde_json::json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": { "name": "{{id}}-example", "description": "Discovered by {{name}}" },
            "spec": { "type": "service", "owner": "team-a", "lifecycle": "experimental" }
        });
        log::info(&describe(&Descriptor::parse(&descriptor.to_string())?));
        Ok(Discovery {
            entities: vec![DiscoveredEntity {
                descriptor: descriptor.to_string(),
                location: "{{id}}:example".into(),
            }],
            errors: Vec::new(),
        })
    }
}

portico_sdk::export_entity_provider!(Plugin);
{{rust_tests}}
