//! `Package::parse`: everything known about a plugin file without installing it — manifest,
//! signature (unverified), digest, actual imports and exports, and inconsistencies between them.

mod checks;
mod imports;
mod report;

use serde::Serialize;
use sha2::{Digest, Sha256};
use wasmparser::{Parser, Payload};

use crate::manifest::{Manifest, ManifestError};
use crate::sections::{self, FormatError, SectionLocation};
use crate::signature::{self, SignatureError};
use crate::world::World;
pub use imports::{ImportNeed, classify_export, classify_import};

/// Why a file is not an installable plugin package.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InspectError {
    /// Not a valid component.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// A valid component without a manifest.
    #[error(
        "the component has no plugin manifest (no `portico:manifest` section); add one with \
         `portico plugin pack FILE.wasm --manifest plugin.toml`, or declare it with the Rust SDK"
    )]
    MissingManifest,
    /// The manifest is invalid.
    #[error("{0}; fix plugin.toml and pack the component again")]
    Manifest(#[from] ManifestError),
}

/// One top-level import of the component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Import {
    /// As written in the component: `portico:plugin/kv@0.1.0`.
    pub name: String,
    /// What it needs from the host.
    pub need: ImportNeed,
}

/// One top-level export of the component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    /// As written in the component: `portico:plugin/views@0.1.0`.
    pub name: String,
    /// The extension point it implements, if any.
    pub world: Option<World>,
}

/// How bad an [`Issue`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The plugin will not work as declared; install should refuse it.
    Error,
    /// Part of it will fail at runtime (denied calls, unused exports).
    Warning,
    /// Worth knowing, harmless.
    Note,
}

/// An inconsistency between the manifest and the component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Issue {
    /// How bad it is.
    pub severity: Severity,
    /// What is wrong and what to do.
    pub message: String,
}

/// The package's signature as found (verification needs trusted keys: see [`signature::verify`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum SignatureSummary {
    /// No signature.
    Unsigned,
    /// Signed, not verified here.
    Signed {
        /// The key the signature names.
        key_id: String,
    },
    /// A signature section that cannot be used.
    Malformed {
        /// Why.
        problem: String,
    },
}

/// Everything `portico plugin inspect` shows about a package.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Package {
    /// The validated manifest.
    pub manifest: Manifest,
    /// Where the manifest was found.
    pub manifest_location: SectionLocation,
    /// The signature, unverified.
    pub signature: SignatureSummary,
    /// sha256 of the whole file, lowercase hex.
    pub sha256: String,
    /// Size of the file in bytes.
    pub size: usize,
    /// The component's top-level imports, in order.
    pub imports: Vec<Import>,
    /// The component's top-level exports, in order.
    pub exports: Vec<Export>,
    /// Inconsistencies, errors first.
    pub issues: Vec<Issue>,
}

impl Package {
    /// Validates the component and reads everything about it. Never panics on any input.
    pub fn parse(bytes: &[u8]) -> Result<Package, InspectError> {
        sections::validate_component(bytes)?;
        let found = sections::read(bytes)?;
        let manifest_section = found.manifest.ok_or(InspectError::MissingManifest)?;
        let manifest = Manifest::from_bytes(manifest_section.data)?;
        let signature = match signature::read_signature(bytes) {
            Ok(None) => SignatureSummary::Unsigned,
            Ok(Some(s)) => SignatureSummary::Signed { key_id: s.key_id },
            Err(SignatureError::Format(e)) => return Err(e.into()),
            Err(e) => SignatureSummary::Malformed {
                problem: e.to_string(),
            },
        };
        let (imports, exports) = imports_and_exports(bytes)?;
        let mut package = Package {
            manifest,
            manifest_location: manifest_section.location,
            signature,
            sha256: hex::encode(Sha256::digest(bytes)),
            size: bytes.len(),
            imports,
            exports,
            issues: Vec::new(),
        };
        package.issues = checks::issues(&package);
        Ok(package)
    }

    /// Whether any issue is an [`Severity::Error`].
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
}

/// The top-level import and export names of a component.
fn imports_and_exports(bytes: &[u8]) -> Result<(Vec<Import>, Vec<Export>), FormatError> {
    let invalid = |e: wasmparser::BinaryReaderError| FormatError::Invalid(e.to_string());
    let (mut imports, mut exports) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(invalid)? {
            Payload::Version { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::ComponentImportSection(reader) if depth == 1 => {
                for import in reader {
                    let name = import.map_err(invalid)?.name.0.to_string();
                    let need = classify_import(&name);
                    imports.push(Import { name, need });
                }
            }
            Payload::ComponentExportSection(reader) if depth == 1 => {
                for export in reader {
                    let name = export.map_err(invalid)?.name.0.to_string();
                    let world = classify_export(&name);
                    exports.push(Export { name, world });
                }
            }
            _ => {}
        }
    }
    Ok((imports, exports))
}
