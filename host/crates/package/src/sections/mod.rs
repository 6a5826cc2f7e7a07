//! Reading and writing Portico's custom sections in a component binary, and checking that a
//! file is a valid WebAssembly component at all.
//!
//! The manifest is read from the top level of the component or, failing that, from a nested
//! core module (where the Rust SDK's `#[link_section]` puts it); the top-level one wins.
//! [`pack`] always writes it at the top level, so any language's component can be packed.

mod raw;

use serde::Serialize;
use wasmparser::{Encoding, Parser, Payload, Validator, WasmFeatures};

use crate::manifest::{Manifest, ManifestError};
pub use raw::{RawSection, top_level_sections};
pub(crate) use raw::{append_custom, check_header, strip_custom};

/// Name of the custom section that holds the manifest (TOML text).
pub const MANIFEST_SECTION: &str = "portico:manifest";
/// Name of the custom section that holds the signature (JSON); always the last section.
pub const SIGNATURE_SECTION: &str = "portico:signature";

/// Why a file is not a usable component.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not WebAssembly at all.
    #[error(
        "not a WebAssembly component: the file does not start with the WebAssembly magic bytes \
         (is it a .wasm file? was an HTML error page downloaded instead?)"
    )]
    NotWasm,
    /// A core module, not a component.
    #[error(
        "not a WebAssembly component: it is a core module; build for wasm32-wasip2 or wrap it \
         with `wasm-tools component new`"
    )]
    CoreModule,
    /// A WebAssembly binary of a version or layer this host does not read.
    #[error(
        "not a WebAssembly component this host can read: unsupported version/layer bytes {0}; \
         rebuild it with a toolchain that emits the component model binary format"
    )]
    UnsupportedVersion(String),
    /// A component that does not validate.
    #[error("invalid WebAssembly component: {0}; rebuild it or download it again")]
    Invalid(String),
    /// More than one top-level section of a kind that must be unique.
    #[error(
        "the component has {count} top-level `{name}` sections but may have at most one; \
         pack it again with `portico plugin pack` (and sign it again) to keep one"
    )]
    Duplicate {
        /// Section name.
        name: &'static str,
        /// How many there are.
        count: usize,
    },
    /// Nested modules carry different manifests and none is at the top level.
    #[error(
        "the component's nested modules carry {0} different `portico:manifest` sections; \
         choose one with `portico plugin pack FILE.wasm --manifest plugin.toml`"
    )]
    AmbiguousManifest(usize),
}

/// Why [`pack`] refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PackError {
    /// The input is not a valid component.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The manifest is invalid.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
}

/// Where a manifest was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SectionLocation {
    /// A top-level custom section of the component (written by `portico plugin pack`).
    TopLevel,
    /// A custom section of a core module nested in the component (written by the SDK).
    NestedModule,
}

/// A Portico section found in a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found<'a> {
    /// The section's data.
    pub data: &'a [u8],
    /// Where it was.
    pub location: SectionLocation,
}

/// The Portico sections of a component.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PorticoSections<'a> {
    /// The manifest: top-level if there is one, else the one from nested core modules.
    pub manifest: Option<Found<'a>>,
    /// The top-level signature section's data (signatures are only read at the top level).
    pub signature: Option<&'a [u8]>,
}

/// The features the validator accepts: wasmparser's defaults, which include the component
/// model and what wasmtime 48 enables by default.
fn features() -> WasmFeatures {
    WasmFeatures::default() | WasmFeatures::COMPONENT_MODEL
}

/// Checks that `bytes` is a valid WebAssembly component (not a core module, not garbage).
pub fn validate_component(bytes: &[u8]) -> Result<(), FormatError> {
    check_header(bytes)?;
    Validator::new_with_features(features())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| FormatError::Invalid(e.to_string()))
}

/// Finds the manifest and signature sections (see the module docs for precedence). Checks
/// framing only; call [`validate_component`] for a full validation.
pub fn read(bytes: &[u8]) -> Result<PorticoSections<'_>, FormatError> {
    check_header(bytes)?;
    let mut stack: Vec<Encoding> = Vec::new();
    let (mut top_manifests, mut top_signatures, mut nested) = (Vec::new(), Vec::new(), Vec::new());
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| FormatError::Invalid(e.to_string()))? {
            Payload::Version { encoding, .. } => stack.push(encoding),
            Payload::End(_) => {
                stack.pop();
            }
            Payload::CustomSection(section) => {
                let top = stack.len() == 1;
                let in_module = stack.last() == Some(&Encoding::Module);
                match section.name() {
                    MANIFEST_SECTION if top => top_manifests.push(section.data()),
                    MANIFEST_SECTION if in_module => nested.push(section.data()),
                    SIGNATURE_SECTION if top => top_signatures.push(section.data()),
                    _ => {}
                }
            }
            _ => {}
        }
    }
    if top_manifests.len() > 1 {
        return Err(duplicate(MANIFEST_SECTION, top_manifests.len()));
    }
    if top_signatures.len() > 1 {
        return Err(duplicate(SIGNATURE_SECTION, top_signatures.len()));
    }
    nested.sort();
    nested.dedup();
    let manifest = match (top_manifests.first(), nested.as_slice()) {
        (Some(data), _) => Some(found(data, SectionLocation::TopLevel)),
        (None, []) => None,
        (None, [data]) => Some(found(data, SectionLocation::NestedModule)),
        (None, many) => return Err(FormatError::AmbiguousManifest(many.len())),
    };
    Ok(PorticoSections {
        manifest,
        signature: top_signatures.first().copied(),
    })
}

/// Writes `manifest_toml` into the component as its top-level `portico:manifest` section,
/// replacing any there. Validates both first. A signature is removed too (packing changes
/// the signed bytes): sign after packing.
pub fn pack(component: &[u8], manifest_toml: &str) -> Result<Vec<u8>, PackError> {
    validate_component(component)?;
    Manifest::parse(manifest_toml)?;
    let mut out = strip_custom(component, &[MANIFEST_SECTION, SIGNATURE_SECTION])?;
    append_custom(&mut out, MANIFEST_SECTION, manifest_toml.as_bytes());
    Ok(out)
}

fn duplicate(name: &'static str, count: usize) -> FormatError {
    FormatError::Duplicate { name, count }
}

fn found(data: &[u8], location: SectionLocation) -> Found<'_> {
    Found { data, location }
}
