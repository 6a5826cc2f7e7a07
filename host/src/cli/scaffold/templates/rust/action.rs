//! {{name}}: a self-service action.

use portico_sdk::action::task_log;
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

impl Actions for Plugin {
    fn list_actions() -> Vec<ActionInfo> {
        vec![ActionInfo {
            id: "{{id}}:describe".into(),
            description: "Describes an entity descriptor".into(),
            input_schema: r#"{"type":"object","required":["entity"],"properties":{"entity":{"type":"object"}}}"#.into(),
            output_schema: r#"{"type":"object","properties":{"summary":{"type":"string"}}}"#.into(),
        }]
    }

    fn run(action_id: String, input: String, context: RunContext) -> Result<String> {
        if action_id != "{{id}}:describe" {
            return Err(PluginError::not_found(format!("no action {action_id}")));
        }
        let input: serde_json::Value = serde_json::from_str(&input)
            .map_err(|e| PluginError::invalid_input(format!("input is not JSON: {e}")))?;
        let d = Descriptor::parse(&input["entity"].to_string())?;
        let summary = describe(&d);
        task_log(format!("{summary} (dry run: {})", context.dry_run));
        Ok(serde_json::json!({ "summary": summary }).to_string())
    }
}

portico_sdk::export_action!(Plugin);
{{rust_tests}}
