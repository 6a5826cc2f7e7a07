//! Host bindings for every supported version of the `portico:plugin` contract.
//!
//! One module per released WIT version (see wit/README.md). Today there is one, 0.1.0; when
//! 0.2.0 ships, its bindings go beside these and old plugins are adapted at this edge.

/// Bindings for `portico:plugin@0.1.0` (wit/v0.1.0).
pub mod v0_1_0 {
    wasmtime::component::bindgen!({
        path: "../wit/v0.1.0",
        world: "portico:plugin/plugin@0.1.0",
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

/// The contract version the host speaks natively.
pub const CURRENT_WIT_VERSION: &str = "0.1.0";
