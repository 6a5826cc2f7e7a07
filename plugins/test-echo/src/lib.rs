//! Test fixture `test-echo`: one card that renders `echo <version> <entity name>`, where the
//! version comes from the embedded manifest. Built twice by `portico-bundled-plugins`: as is
//! (0.1.0, `plugin.toml`) and with the cargo feature `v2` (0.2.0, `plugin-v2.toml`), for the
//! host's install/upgrade/rollback tests. It calls no capability, so its component imports
//! no `wasi:http`, `kv` or `secrets`.

use portico_sdk::prelude::*;

#[cfg(not(feature = "v2"))]
portico_sdk::manifest!("plugin.toml");
#[cfg(feature = "v2")]
portico_sdk::manifest!("plugin-v2.toml");

struct Echo;

impl Views for Echo {
    fn views_for(_entity: Entity) -> Vec<ViewInfo> {
        vec![ViewInfo::card("echo", "Echo")]
    }

    fn render(_view_id: String, entity: Entity, _params: Vec<(String, String)>) -> Result<View> {
        let version = portico_sdk::manifest::top_level(MANIFEST, "version").unwrap_or("unknown");
        Ok(View::untitled().text(format!("echo {version} {}", entity.ref_.name)))
    }
}

portico_sdk::export_entity_view!(Echo);
