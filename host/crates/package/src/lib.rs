//! The Portico plugin package format: one WebAssembly component file that carries its own
//! manifest, optionally an ed25519 signature, and nothing else.
//!
//! A package is an ordinary component with two custom sections:
//!
//! - `portico:manifest` — the plugin's manifest as TOML text ([`Manifest`]): id, version,
//!   worlds, the WIT version it was built against, the capabilities it requests and the JSON
//!   Schema of its configuration. The Rust SDK writes it into the core module at build time;
//!   `portico plugin pack` ([`sections::pack`]) adds it to any component at the top level.
//! - `portico:signature` — optional, always the last section: an ed25519 signature over the
//!   sha256 of every byte before it ([`signature`]).
//!
//! The main entry points are [`Package::parse`] (what `portico plugin inspect` prints),
//! [`signature::verify`] (install), [`Grants`] (what an admin approved, checked against what
//! the manifest requests) and [`HostPattern`] (outgoing HTTP allow-lists).
//!
//! This crate does not run plugins, store them or talk to the network: the host's runtime,
//! storage and CLI do that, using the types defined here.

pub mod capability;
pub mod inspect;
pub mod manifest;
pub mod sections;
pub mod signature;
pub mod world;

pub use capability::{
    Capability, CapabilityKind, CapabilityRequest, GrantError, Grants, HostPattern, PatternError,
};
pub use inspect::{
    Export, Import, ImportNeed, InspectError, Issue, Package, Severity, SignatureSummary,
};
pub use manifest::{KeyError, Manifest, ManifestError};
pub use sections::{FormatError, MANIFEST_SECTION, PackError, SIGNATURE_SECTION, pack};
pub use signature::{SignatureError, SignatureStatus, TrustedKeys, keygen, sign, verify};
pub use world::World;
