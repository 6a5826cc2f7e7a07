//! Host capabilities: one module per import of the contract, each checking its own grant.
//!
//! [`link`] is the one place that wires them into a linker. Everything is linked for every
//! plugin; what a plugin was not granted is refused at call time with `denied` (and logged),
//! which gives a clearer error than a failed instantiation and lets one component use a
//! capability only when its configuration needs it.

pub mod catalog;
pub mod config;
pub mod http;
pub mod kv;
pub mod log;
pub mod secrets;
pub mod task_log;
pub mod wasi;

use super::bindings::latest::portico::plugin as latest;
use super::bindings::latest::{ErrorKind, PluginError};
use super::state::PluginState;
use anyhow::Result;
use wasmtime::component::{HasSelf, Linker};

/// Adds every host import of every supported contract version to `linker`.
pub fn link(linker: &mut Linker<PluginState>) -> Result<()> {
    wasmtime_wasi::p2::add_to_linker_async(linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(linker)?;
    latest::types::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::log::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::config::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::kv::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::secrets::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::catalog::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::task_log::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    latest::view_types::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    // Older versions' interfaces, served by the implementations above (see adapt_v0_1_0).
    super::adapt_v0_1_0::link(linker)?;
    Ok(())
}

impl latest::types::Host for PluginState {}
impl latest::view_types::Host for PluginState {}

/// The error a capability returns when the plugin lacks the grant.
pub(crate) fn denied(capability: &str, detail: String) -> PluginError {
    PluginError {
        kind: ErrorKind::Denied,
        message: format!("capability `{capability}` not granted: {detail}"),
    }
}

pub(crate) fn invalid(message: String) -> PluginError {
    PluginError {
        kind: ErrorKind::InvalidInput,
        message,
    }
}

pub(crate) fn internal(message: String) -> PluginError {
    PluginError {
        kind: ErrorKind::Internal,
        message,
    }
}
