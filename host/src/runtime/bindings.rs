//! Host bindings for every supported version of the `portico:plugin` contract.
//!
//! One module per released WIT version (see wit/README.md); [`latest`] names the newest, the
//! only one the rest of the host uses. Older versions are adapted at this edge
//! (`super::v0_1_0`): their imports delegate to the newest capabilities and their exports'
//! records convert to the newest types.
//!
//! Where an older version's types are the newest's byte for byte (`types`, `view-types`),
//! its bindings reuse the newest Rust types through `with:` (wasmtime checks WIT types
//! structurally, so an identical record or enum links), which leaves nothing to convert for
//! entities, errors and view trees.

/// Bindings for `portico:plugin@0.2.0` (wit/v0.2.0), the newest version.
pub mod v0_2_0 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.2.0",
        world: "portico:plugin/plugin@0.2.0",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi": wasmtime_wasi::p2::bindings,
        },
        additional_derives: [serde::Serialize],
        require_store_data_send: true,
    });

    pub use self::exports::portico::plugin::{actions, checks, docs, provider, views};
    pub use self::portico::plugin::types::{Entity, EntityRef, ErrorKind, PluginError};
    pub use self::portico::plugin::view_types;
}

/// Bindings for `portico:plugin@0.1.0` (wit/v0.1.0). Its `types` and `view-types` are the
/// same as 0.2.0's, so they are 0.2.0's Rust types.
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "portico:plugin/plugin@0.1.0",
        exports: { default: async },
        with: {
            "wasi:http": wasmtime_wasi_http::p2::bindings::http,
            "wasi": wasmtime_wasi::p2::bindings,
            "portico:plugin/types@0.1.0": super::v0_2_0::portico::plugin::types,
            "portico:plugin/view-types@0.1.0": super::v0_2_0::portico::plugin::view_types,
        },
        additional_derives: [serde::Serialize],
        require_store_data_send: true,
    });

    pub use self::exports::portico::plugin::{actions, checks, docs, provider, views};
}

/// The newest version: what the host speaks everywhere past the adapters.
pub use v0_2_0 as latest;

/// A released version of the contract the host serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum WitVersion {
    V0_1_0,
    V0_2_0,
}

impl WitVersion {
    /// Every version served, oldest first.
    pub const ALL: [WitVersion; 2] = [WitVersion::V0_1_0, WitVersion::V0_2_0];
    /// The newest version.
    pub const LATEST: WitVersion = WitVersion::V0_2_0;

    /// As manifests and WIT package names spell it (`0.2.0`).
    pub const fn as_str(self) -> &'static str {
        match self {
            WitVersion::V0_1_0 => "0.1.0",
            WitVersion::V0_2_0 => "0.2.0",
        }
    }

    /// The version spelled `text`, if the host serves it.
    pub fn parse(text: &str) -> Option<WitVersion> {
        WitVersion::ALL.into_iter().find(|v| v.as_str() == text)
    }
}

impl std::fmt::Display for WitVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The contract version the host speaks natively.
pub const CURRENT_WIT_VERSION: &str = WitVersion::LATEST.as_str();
