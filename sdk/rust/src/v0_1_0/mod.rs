//! Contract `portico:plugin@0.1.0` (`wit/v0.1.0`), for plugins that must run on a Portico
//! that knows nothing newer. Put `wit = "0.1.0"` in `plugin.toml` and export with
//! [`export_v0_1_0!`](crate::export_v0_1_0).
//!
//! 0.1.0's `types` and `view-types` are the same as 0.2.0's, so [`Entity`](crate::Entity),
//! [`PluginError`](crate::PluginError), the [`view`](crate::view) builders, [`http`](crate::http)
//! and [`entity`](crate::entity) are shared with the crate root. What differs is here: the
//! host imports ([`kv`], [`config`], [`secrets`], [`catalog`], [`log`] — the crate root's
//! helpers, compiled against 0.1.0's imports) and the extension points, whose traits and
//! records are 0.1.0's. Calling a crate-root capability helper from a 0.1.0 plugin would
//! import a 0.2.0 interface, and Portico refuses a component that mixes versions.
//!
//! There is no `read-raw` in 0.1.0: a provider of `url` locations built here cannot serve
//! `$text: https://...` placeholders in `file` locations.

/// Raw bindings of the 0.1.0 `host` world; `types` and `wasi:*` are the crate root's.
pub mod bindings {
    wit_bindgen::generate!({
        path: "../../wit/v0.1.0",
        world: "portico:plugin/host@0.1.0",
        with: {
            "portico:plugin/types@0.1.0": crate::bindings::portico::plugin::types,
            "wasi:http/types@0.2.12": crate::bindings::wasi::http::types,
            "wasi:http/outgoing-handler@0.2.12": crate::bindings::wasi::http::outgoing_handler,
            "wasi:io/error@0.2.12": crate::bindings::wasi::io::error,
            "wasi:io/poll@0.2.12": crate::bindings::wasi::io::poll,
            "wasi:io/streams@0.2.12": crate::bindings::wasi::io::streams,
            "wasi:clocks/monotonic-clock@0.2.12": crate::bindings::wasi::clocks::monotonic_clock,
        },
        pub_export_macro: true,
        generate_all,
    });
}

/// The imports the helpers below call (see the crate root's `host_imports`).
mod host_imports {
    pub use super::bindings::portico::plugin::{catalog, config, kv, log, secrets};
}

// The crate root's helpers, compiled a second time on purpose: against this module's
// `host_imports`, so a 0.1.0 plugin's calls go to 0.1.0's imports.
#[allow(clippy::duplicate_mod)]
#[path = "../capabilities.rs"]
mod capabilities;
#[allow(clippy::duplicate_mod)]
#[path = "../config.rs"]
pub mod config;
#[allow(clippy::duplicate_mod)]
#[path = "../kv.rs"]
pub mod kv;
pub mod worlds;

pub use capabilities::{catalog, log, secrets};

/// `entity-provider` (0.1.0: no `read-raw`).
pub mod provider {
    pub use super::worlds::entity_provider::exports::portico::plugin::provider::{
        DiscoveredEntity, Discovery, DiscoveryError, Guest as Provider,
    };
}

/// `entity-view`: the view tree is the crate root's ([`crate::view`]).
pub mod view {
    pub use super::worlds::entity_view::exports::portico::plugin::views::{
        Guest as Views, Placement, ViewInfo,
    };
}

/// `check`.
pub mod check {
    pub use super::worlds::check::exports::portico::plugin::checks::{
        CheckInfo, CheckResult, Guest as Checks, Outcome,
    };
}

/// `action`.
pub mod action {
    pub use super::worlds::action::exports::portico::plugin::actions::{
        ActionInfo, Guest as Actions, RunContext,
    };

    /// Writes a line to the log of the task the action runs in.
    pub fn task_log(line: impl AsRef<str>) {
        super::worlds::action::portico::plugin::task_log::write(line.as_ref())
    }
}

/// `docs-renderer`.
pub mod docs {
    pub use super::worlds::docs_renderer::exports::portico::plugin::docs::{
        Guest as Docs, Heading, NavItem, Page,
    };
}
