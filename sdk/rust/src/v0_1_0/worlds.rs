//! One module per 0.1.0 extension-point world (see the crate root's [`crate::worlds`]): the
//! imports map to [`super::bindings`] and to the crate root's shared types.

// Each world is wrapped in a world of the SDK's own package (`portico-sdk:v010`) that
// includes it: the same imports and exports, but a distinct world name, because wit-bindgen
// names its crate-level export macro after the world and the 0.2.0 worlds already use the
// plain names.
macro_rules! world_bindings {
    ($world:tt, $inline:tt, $module:tt $(, $extra_with:tt : $extra_path:path)*) => {
        wit_bindgen::generate!({
            path: "../../wit/v0.1.0",
            inline: $inline,
            world: $world,
            with: {
                "portico:plugin/types@0.1.0": crate::bindings::portico::plugin::types,
                "portico:plugin/log@0.1.0": crate::v0_1_0::bindings::portico::plugin::log,
                "portico:plugin/config@0.1.0": crate::v0_1_0::bindings::portico::plugin::config,
                "portico:plugin/kv@0.1.0": crate::v0_1_0::bindings::portico::plugin::kv,
                "portico:plugin/secrets@0.1.0": crate::v0_1_0::bindings::portico::plugin::secrets,
                "portico:plugin/catalog@0.1.0": crate::v0_1_0::bindings::portico::plugin::catalog,
                "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
                "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
                "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
                "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
                "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
                "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
                $($extra_with: $extra_path,)*
            },
            pub_export_macro: true,
            export_macro_name: "export",
            default_bindings_module: $module,
        });
    };
}

/// `entity-view`: exports `views`; the view tree is the crate root's.
pub mod entity_view {
    world_bindings!(
        "portico-sdk:v010/entity-view-v010",
        "package portico-sdk:v010; world entity-view-v010 { include portico:plugin/entity-view@0.1.0; }",
        "portico_sdk::v0_1_0::worlds::entity_view",
        "portico:plugin/view-types@0.1.0": crate::worlds::entity_view::portico::plugin::view_types
    );
}

/// `check`: exports `checks`.
pub mod check {
    world_bindings!(
        "portico-sdk:v010/check-v010",
        "package portico-sdk:v010; world check-v010 { include portico:plugin/check@0.1.0; }",
        "portico_sdk::v0_1_0::worlds::check"
    );
}

/// `entity-provider`: exports `provider`.
pub mod entity_provider {
    world_bindings!(
        "portico-sdk:v010/entity-provider-v010",
        "package portico-sdk:v010; world entity-provider-v010 { include portico:plugin/entity-provider@0.1.0; }",
        "portico_sdk::v0_1_0::worlds::entity_provider"
    );
}

/// `action`: exports `actions` and imports `task-log`.
pub mod action {
    world_bindings!(
        "portico-sdk:v010/action-v010",
        "package portico-sdk:v010; world action-v010 { include portico:plugin/action@0.1.0; }",
        "portico_sdk::v0_1_0::worlds::action",
        "portico:plugin/task-log@0.1.0": generate
    );
}

/// `docs-renderer`: exports `docs`.
pub mod docs_renderer {
    world_bindings!(
        "portico-sdk:v010/docs-renderer-v010",
        "package portico-sdk:v010; world docs-renderer-v010 { include portico:plugin/docs-renderer@0.1.0; }",
        "portico_sdk::v0_1_0::worlds::docs_renderer"
    );
}
