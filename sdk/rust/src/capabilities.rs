//! Small wrappers over the `secrets`, `log` and `catalog` imports.
//!
//! Like `kv.rs` and `config.rs`, this file is compiled once per contract version: it calls the
//! imports through `host_imports` of the module that includes it (the crate root for 0.2.0,
//! [`crate::v0_1_0`] for 0.1.0).

/// Named secrets (capability `secrets`, granted by name).
pub mod secrets {
    use crate::error::Result;

    /// The secret `name`; a name that was not granted fails with `denied`.
    pub fn get(name: &str) -> Result<String> {
        super::super::host_imports::secrets::get(name)
    }
}

/// Log lines into the host's logs, tagged with the plugin's id (always available).
pub mod log {
    pub use super::super::host_imports::log::Level;
    use super::super::host_imports::log::log;

    pub fn trace(message: impl AsRef<str>) {
        log(Level::Trace, message.as_ref())
    }
    pub fn debug(message: impl AsRef<str>) {
        log(Level::Debug, message.as_ref())
    }
    pub fn info(message: impl AsRef<str>) {
        log(Level::Info, message.as_ref())
    }
    pub fn warn(message: impl AsRef<str>) {
        log(Level::Warn, message.as_ref())
    }
    pub fn error(message: impl AsRef<str>) {
        log(Level::Error, message.as_ref())
    }
}

/// Read-only catalog queries (capability `catalog`).
pub mod catalog {
    use crate::entity::{Entity, EntityRef};
    use crate::error::Result;

    /// One entity by reference.
    pub fn get_entity(entity: &EntityRef) -> Result<Option<Entity>> {
        super::super::host_imports::catalog::get_entity(entity)
    }

    /// Entities matching a catalog API filter (`kind=component,spec.type=service`).
    pub fn query(filter: &str, limit: u32) -> Result<Vec<Entity>> {
        super::super::host_imports::catalog::query_entities(filter, limit)
    }
}
