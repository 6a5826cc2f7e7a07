//! Portico: a developer portal whose every integration is a sandboxed WebAssembly component.
//!
//! This crate is the `portico` binary's library:
//! - [`runtime`]: the plugin runtime (wasmtime component model, limits, capabilities).
//! - [`secrets`]: secrets resolved for the `secrets` capability.
//!
//! See docs/ARCHITECTURE.md for how the parts fit together.

pub mod runtime;
pub mod secrets;
