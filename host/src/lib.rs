//! Portico: a developer portal whose every integration is a sandboxed WebAssembly component.
//!
//! This crate is the `portico` binary's library:
//! - [`runtime`]: the plugin runtime (wasmtime component model, limits, capabilities).
//! - [`plugins`]: installed plugins — registry, install/upgrade/rollback, bundled plugins.
//! - [`server`]: the HTTP server (health, metrics, admin and plugin APIs).
//! - [`web`]: the portal's pages (server-rendered HTML, plugin views made safe).
//! - [`docs`]: docs pages rendered by `docs-renderer` plugins, sanitized, cached, searchable.
//! - [`cli`]: the `portico` command line.
//! - [`config`], [`secrets`], [`app`]: configuration, secrets and the assembly of the parts.
//! - [`providers`], [`location_plugins`]: provider plugins as catalog sources (scheduled
//!   discovery; location types such as `url` read through `read-location`).
//!
//! See docs/ARCHITECTURE.md for how the parts fit together.

pub mod app;
pub mod catalog_access;
pub mod cli;
pub mod config;
pub mod docs;
pub mod location_plugins;
pub mod plugins;
pub mod providers;
pub mod runtime;
pub mod secrets;
pub mod server;
pub mod web;
