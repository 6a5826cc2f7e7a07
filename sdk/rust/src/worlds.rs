//! One module per extension-point world, each with the generated export glue.
//!
//! Every module's `with:` maps the shared imports to [`crate::bindings`], so an `Entity` is the
//! same Rust type whichever world it is used in. The export macros (`export_entity_view!` and
//! friends, at the crate root) expand into `#[unsafe(export_name)]` functions *and* a
//! `component-type` custom section describing that world's exports in the plugin's own crate;
//! `wit-component` merges the sections of several worlds, which is what lets one component
//! export several extension points.

macro_rules! world_bindings {
    ($world:tt, $macro_name:tt, $module:tt $(, $extra_with:tt : $extra_path:path)*) => {
        wit_bindgen::generate!({
            path: "../../wit/v0.2.0",
            world: $world,
            with: {
                "portico:plugin/types@0.2.0": crate::bindings::portico::plugin::types,
                "portico:plugin/log@0.2.0": crate::bindings::portico::plugin::log,
                "portico:plugin/config@0.2.0": crate::bindings::portico::plugin::config,
                "portico:plugin/kv@0.2.0": crate::bindings::portico::plugin::kv,
                "portico:plugin/secrets@0.2.0": crate::bindings::portico::plugin::secrets,
                "portico:plugin/catalog@0.2.0": crate::bindings::portico::plugin::catalog,
                "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
                "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
                "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
                "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
                "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
                "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
                $($extra_with: $extra_path,)*
            },
            pub_export_macro: true,
            export_macro_name: $macro_name,
            default_bindings_module: $module,
        });
    };
}

/// `entity-view`: exports `views`.
pub mod entity_view {
    world_bindings!(
        "portico:plugin/entity-view@0.2.0",
        "export",
        "portico_sdk::worlds::entity_view"
    );
}

/// `check`: exports `checks`.
pub mod check {
    world_bindings!(
        "portico:plugin/check@0.2.0",
        "export",
        "portico_sdk::worlds::check"
    );
}

/// `entity-provider`: exports `provider`.
pub mod entity_provider {
    world_bindings!(
        "portico:plugin/entity-provider@0.2.0",
        "export",
        "portico_sdk::worlds::entity_provider"
    );
}

/// `action`: exports `actions` and imports `task-log`.
pub mod action {
    world_bindings!(
        "portico:plugin/action@0.2.0",
        "export",
        "portico_sdk::worlds::action"
    );
}

/// `docs-renderer`: exports `docs`.
pub mod docs_renderer {
    world_bindings!(
        "portico:plugin/docs-renderer@0.2.0",
        "export",
        "portico_sdk::worlds::docs_renderer"
    );
}
