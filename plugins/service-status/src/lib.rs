//! `service-status`: the example first-party plugin. One component, two extension points:
//!
//! - `entity-view` ([`status`]): a "Service status" card fetched from a configured status
//!   endpoint over HTTP, cached in kv, with a page-view counter in kv;
//! - `check` ([`checks`]): scorecard checks on the entity's catalog metadata.

mod checks;
mod status;

portico_sdk::manifest!("plugin.toml");

/// The plugin; implements [`Views`] in `status.rs` and [`Checks`] in `checks.rs`.
pub struct ServiceStatus;

portico_sdk::export! {
    entity_view: ServiceStatus,
    check: ServiceStatus,
}
