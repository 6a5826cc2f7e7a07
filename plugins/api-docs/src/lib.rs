//! `api-docs`: the "API" tab of API entities. It reads `spec.type` and `spec.definition` (the
//! host has already substituted `$text` placeholders) and renders the definition as view
//! nodes, never HTML:
//!
//! - [`openapi`]: OpenAPI 3.0/3.1 and Swagger 2.0 — operations grouped by tag and paged, one
//!   page per operation and per schema;
//! - [`asyncapi`]: AsyncAPI 2.x/3.x — servers, channels, operations, message payloads;
//! - [`graphql`]: GraphQL SDL, with its own small parser — root operations, types;
//! - [`fallback`]: everything else as text (gRPC with a services summary), parse errors with
//!   the parser's line, placeholders the catalog could not load.
//!
//! It needs no capability: everything comes from the entity the host passes in.

mod asyncapi;
mod common;
mod fallback;
mod graphql;
mod openapi;
mod render;
mod schema;
mod value;

use portico_sdk::prelude::*;

pub use render::{Config, has_definition, render_descriptor};

portico_sdk::manifest!("plugin.toml");

/// The id of the one view this plugin offers.
pub const VIEW_ID: &str = "definition";

/// The plugin; implements [`Views`].
pub struct ApiDocs;

impl Views for ApiDocs {
    fn views_for(entity: Entity) -> Vec<ViewInfo> {
        if entity.ref_.kind.eq_ignore_ascii_case("api") && has_definition(&entity.descriptor) {
            vec![ViewInfo::tab(VIEW_ID, "API")]
        } else {
            vec![]
        }
    }

    fn render(view_id: String, entity: Entity, params: Vec<(String, String)>) -> Result<View> {
        if view_id != VIEW_ID {
            return Err(PluginError::not_found(format!(
                "api-docs has no view `{view_id}`"
            )));
        }
        let config: Config = config::get()?;
        render_descriptor(&entity.descriptor, &params, &config)
    }
}

portico_sdk::export!(entity_view: ApiDocs);
