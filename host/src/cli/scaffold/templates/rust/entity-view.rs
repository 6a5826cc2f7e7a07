//! {{name}}: a card on entity pages.

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

impl Views for Plugin {
    fn views_for(_entity: Entity) -> Vec<ViewInfo> {
        vec![ViewInfo::card("{{id}}", "{{name}}")]
    }

    fn render(_view_id: String, entity: Entity, _params: Vec<(String, String)>) -> Result<View> {
        let d = entity.parse()?;
        Ok(View::new("{{name}}").section(Section::untitled().text(describe(&d))))
    }
}

portico_sdk::export_entity_view!(Plugin);
{{rust_tests}}
