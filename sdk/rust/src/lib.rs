//! # portico-sdk — write Portico plugins in Rust
//!
//! A Portico plugin is a WebAssembly component (`wasm32-wasip2`) built against the WIT
//! contract `portico:plugin@0.2.0` (`wit/v0.2.0`, the newest; set `wit = "0.2.0"` in
//! `plugin.toml`). This crate holds the generated bindings and the helpers that let a plugin
//! contain only its own logic:
//!
//! - extension points: [`view`] (`entity-view`), [`check`], [`provider`] (`entity-provider`),
//!   [`action`], [`docs`] (`docs-renderer`) — implement the trait, export it with
//!   [`export!`] (several at once) or `export_<world>!`;
//! - [`entity`]: the descriptor JSON as a struct (annotations, labels, tags, spec);
//! - [`view`]: builders for the declarative view tree (sections, fields, tables, links, ...);
//! - capabilities: [`http`] (over `wasi:http`), [`kv`], [`secrets`], [`config`], [`catalog`],
//!   [`log`]; every failure is a classified [`PluginError`];
//! - [`manifest!`]: embeds `plugin.toml` in the component as the `portico:manifest` section.
//!
//! ```ignore
//! use portico_sdk::prelude::*;
//!
//! portico_sdk::manifest!("plugin.toml");
//!
//! struct Hello;
//!
//! impl Views for Hello {
//!     fn views_for(_entity: Entity) -> Vec<ViewInfo> {
//!         vec![ViewInfo::card("hello", "Hello")]
//!     }
//!     fn render(_view: String, entity: Entity, _params: Vec<(String, String)>) -> Result<View> {
//!         let d = entity.parse()?;
//!         Ok(View::new("Hello").section(Section::untitled().field("Owner", d.owner().unwrap_or("nobody"))))
//!     }
//! }
//!
//! portico_sdk::export!(entity_view: Hello);
//! ```
//!
//! The bindings are generated per world (see [`worlds`]); each export macro also emits a
//! `component-type` custom section describing its world, and `wit-component` (inside
//! `wasm-component-ld`) merges those sections, so one component can export several
//! extension points. Imports a plugin never calls are dropped from the component.
//!
//! Portico also serves plugins built against 0.1.0. A plugin that must keep 0.1.0 (to run on
//! a Portico that knows nothing newer) selects it with [`v0_1_0`]: the same helpers and types,
//! 0.1.0's imports and worlds, exported with [`export_v0_1_0!`], and `wit = "0.1.0"` in its
//! manifest.
//!
//! The crate also compiles for the host's own target (so `cargo clippy --workspace` and unit
//! tests work); calling an import there panics.

pub mod bindings;
mod capabilities;
/// The imports the capability helpers call, for the contract version of this module (see
/// [`v0_1_0`], which compiles the same helpers against 0.1.0's imports).
mod host_imports {
    pub use crate::bindings::portico::plugin::{catalog, config, kv, log, secrets};
}
pub mod config;
pub mod entity;
pub mod error;
mod extension_points;
pub mod http;
pub mod kv;
pub mod manifest;
pub mod v0_1_0;
pub mod view;
pub mod worlds;

pub use capabilities::{catalog, log, secrets};
pub use entity::{Descriptor, Entity, EntityRef};
pub use error::{ErrorKind, PluginError, Result};
pub use extension_points::{action, check, docs, provider};

/// Everything a plugin usually needs: `use portico_sdk::prelude::*;`.
pub mod prelude {
    pub use crate::action::{ActionInfo, Actions, RunContext};
    pub use crate::check::{CheckInfo, CheckResult, Checks, Outcome};
    pub use crate::docs::{Docs, Heading, NavItem, Page};
    pub use crate::entity::{Descriptor, Entity, EntityRef};
    pub use crate::error::{ErrorKind, PluginError, Result};
    pub use crate::provider::{DiscoveredEntity, Discovery, DiscoveryError, Provider};
    pub use crate::view::{
        ActionButton, Badge, Block, Cell, CodeBlock, Field, Link, LinkTarget, Notice, Placement,
        Section, State, Status, Table, Tone, View, ViewInfo, Views, code, duration_ms, text,
        timestamp,
    };
    pub use crate::{catalog, config, http, kv, log, secrets};
}

/// Embeds the plugin's manifest (a `plugin.toml`, path relative to the crate's `Cargo.toml`)
/// as the custom section `portico:manifest`, and defines `pub const MANIFEST: &str` with its
/// text.
///
/// ```ignore
/// portico_sdk::manifest!("plugin.toml");
/// ```
///
/// In the built component the section is inside the main nested core module (the first
/// core module of the component), not at the component's top level.
#[macro_export]
macro_rules! manifest {
    ($path:literal) => {
        /// The TOML text of this plugin's manifest (also embedded as `portico:manifest`).
        pub const MANIFEST: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $path));

        #[cfg(target_arch = "wasm32")]
        #[used]
        #[unsafe(link_section = "portico:manifest")]
        static __PORTICO_MANIFEST: [u8; MANIFEST.len()] = $crate::manifest::to_bytes(MANIFEST);
    };
}

/// Exports several extension points from one component:
///
/// ```ignore
/// portico_sdk::export! {
///     entity_view: MyPlugin,   // impl Views for MyPlugin
///     check: MyPlugin,         // impl Checks for MyPlugin
/// }
/// ```
///
/// Keys are world names with `_`: `entity_view`, `entity_provider`, `action`,
/// `docs_renderer`, `check`. Each key is the same as calling `export_<key>!(Type)`. Every
/// world may be exported once per component.
#[macro_export]
macro_rules! export {
    ($($world:ident : $ty:ident),+ $(,)?) => {
        $( $crate::__export_world!($world $ty); )+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_world {
    (entity_view $ty:ident) => {
        $crate::export_entity_view!($ty);
    };
    (entity_provider $ty:ident) => {
        $crate::export_entity_provider!($ty);
    };
    (action $ty:ident) => {
        $crate::export_action!($ty);
    };
    (docs_renderer $ty:ident) => {
        $crate::export_docs_renderer!($ty);
    };
    (check $ty:ident) => {
        $crate::export_check!($ty);
    };
    ($other:ident $ty:ident) => {
        compile_error!(concat!(
            "unknown Portico world `",
            stringify!($other),
            "`; use entity_view, entity_provider, action, docs_renderer or check"
        ));
    };
}

/// Exports the `entity-view` world (`views`): `Type` implements [`view::Views`].
#[macro_export]
macro_rules! export_entity_view {
    ($ty:ident) => {
        $crate::worlds::entity_view::export!($ty with_types_in $crate::worlds::entity_view);
    };
}

/// Exports the `check` world (`checks`): `Type` implements [`check::Checks`].
#[macro_export]
macro_rules! export_check {
    ($ty:ident) => {
        $crate::worlds::check::export!($ty with_types_in $crate::worlds::check);
    };
}

/// Exports the `entity-provider` world (`provider`): `Type` implements [`provider::Provider`].
#[macro_export]
macro_rules! export_entity_provider {
    ($ty:ident) => {
        $crate::worlds::entity_provider::export!($ty with_types_in $crate::worlds::entity_provider);
    };
}

/// Exports the `action` world (`actions`): `Type` implements [`action::Actions`].
#[macro_export]
macro_rules! export_action {
    ($ty:ident) => {
        $crate::worlds::action::export!($ty with_types_in $crate::worlds::action);
    };
}

/// Exports the `docs-renderer` world (`docs`): `Type` implements [`docs::Docs`].
#[macro_export]
macro_rules! export_docs_renderer {
    ($ty:ident) => {
        $crate::worlds::docs_renderer::export!($ty with_types_in $crate::worlds::docs_renderer);
    };
}

/// [`export!`] for contract 0.1.0 ([`v0_1_0`]): the same keys, 0.1.0's worlds and traits.
///
/// ```ignore
/// portico_sdk::export_v0_1_0!(entity_provider: MyProvider); // impl v0_1_0::provider::Provider
/// ```
#[macro_export]
macro_rules! export_v0_1_0 {
    ($($world:ident : $ty:ident),+ $(,)?) => {
        $( $crate::__export_world_v0_1_0!($world $ty); )+
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __export_world_v0_1_0 {
    (entity_view $ty:ident) => {
        $crate::v0_1_0::worlds::entity_view::export!($ty with_types_in $crate::v0_1_0::worlds::entity_view);
    };
    (entity_provider $ty:ident) => {
        $crate::v0_1_0::worlds::entity_provider::export!($ty with_types_in $crate::v0_1_0::worlds::entity_provider);
    };
    (action $ty:ident) => {
        $crate::v0_1_0::worlds::action::export!($ty with_types_in $crate::v0_1_0::worlds::action);
    };
    (docs_renderer $ty:ident) => {
        $crate::v0_1_0::worlds::docs_renderer::export!($ty with_types_in $crate::v0_1_0::worlds::docs_renderer);
    };
    (check $ty:ident) => {
        $crate::v0_1_0::worlds::check::export!($ty with_types_in $crate::v0_1_0::worlds::check);
    };
    ($other:ident $ty:ident) => {
        compile_error!(concat!(
            "unknown Portico world `",
            stringify!($other),
            "`; use entity_view, entity_provider, action, docs_renderer or check"
        ));
    };
}
