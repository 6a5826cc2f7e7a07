//! Portico's first-party plugins and the host's test fixtures, as WebAssembly components.
//!
//! `build.rs` builds every crate under `plugins/` for `wasm32-wasip2` in release mode (a
//! nested `cargo build --locked` into `<target>/wasm-plugins`, see there). The result:
//!
//! - [`BUNDLED`]: the first-party plugins, bytes included, for the portal to install on
//!   first start;
//! - [`fixtures`]: absolute paths of the test fixtures (`plugins/test-*`), for tests.
//!
//! Each component carries its manifest (the plugin's `plugin.toml`) in the custom section
//! `portico:manifest` of its main core module (the component's first nested core module).

/// One first-party plugin component.
#[derive(Debug, Clone, Copy)]
pub struct BundledPlugin {
    /// The manifest's `id`.
    pub id: &'static str,
    /// The manifest's `version`.
    pub version: &'static str,
    /// A file name for it, `<id>.wasm`.
    pub file_name: &'static str,
    /// The component.
    pub bytes: &'static [u8],
}

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// The bundled plugin with this id.
pub fn bundled(id: &str) -> Option<&'static BundledPlugin> {
    BUNDLED.iter().find(|p| p.id == id)
}
