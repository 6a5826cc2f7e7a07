//! Locations: where entities come from. Location specs and refs, resolving relative targets,
//! placeholders, location annotations, and a recursive walk of a root location.
//!
//! I/O is behind [`LocationReader`]: the host plugs in [`FileReader`] (host-native, `file`
//! locations) and the url-reader plugin (`url` locations), combined with [`Readers`]. Everything
//! else here is pure. Submodules: [`placeholder`] (`$text`/`$json`/`$yaml`), [`annotations`]
//! (`backstage.io/managed-by-location` and friends), [`reader`] (the trait and the file reader),
//! [`walk`] (following Location entities recursively, with cycle detection).

pub mod annotations;
pub mod placeholder;
pub mod reader;
pub mod resolve;
pub mod walk;

use std::fmt;

use serde::{Deserialize, Serialize};
use sha1::{Digest, Sha1};

use crate::entity::Entity;

pub use annotations::{
    ANNOTATION_EDIT_URL, ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION, ANNOTATION_ORPHAN,
    ANNOTATION_SOURCE_LOCATION, ANNOTATION_VIEW_URL, apply_location_annotations,
};
pub use placeholder::resolve_placeholders;
pub use reader::{FileReader, LocationReader, ReadError, Readers, TreeRead, TreeReadError};
pub use resolve::resolve_target;
pub use walk::{WalkError, WalkResult, walk_location};

/// Whether a location's target must exist (`spec.presence` of a Location entity).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Presence {
    /// A missing target is an error (the default).
    #[default]
    Required,
    /// A missing target is silently skipped.
    Optional,
}

/// A location: a type (`file`, `url`, ...) and a target in that type's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LocationSpec {
    /// `file`, `url`, or a provider-specific type.
    #[serde(rename = "type")]
    pub location_type: String,
    /// A path for `file`, an absolute URL for `url`.
    pub target: String,
    /// Whether the target must exist.
    #[serde(default)]
    pub presence: Presence,
}

/// A location ref string that is not `<type>:<target>`. Messages are Backstage's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LocationRefError {
    /// No `:` or an empty part.
    #[error(
        "Unable to parse location ref '{0}', expected '<type>:<target>', e.g. 'url:https://host/path'"
    )]
    Malformed(String),
    /// `http:`/`https:` used as a type.
    #[error("Invalid location ref '{0}', please prefix it with 'url:', e.g. 'url:{0}'")]
    BareUrl(String),
}

impl LocationSpec {
    /// A required location.
    pub fn new(location_type: &str, target: &str) -> Self {
        LocationSpec {
            location_type: location_type.to_owned(),
            target: target.to_owned(),
            presence: Presence::Required,
        }
    }

    /// A `file` location.
    pub fn file(path: impl AsRef<std::path::Path>) -> Self {
        Self::new("file", &path.as_ref().to_string_lossy())
    }

    /// A `url` location.
    pub fn url(url: &str) -> Self {
        Self::new("url", url)
    }

    /// `<type>:<target>` (Backstage's `stringifyLocationRef`).
    pub fn to_ref(&self) -> String {
        format!("{}:{}", self.location_type, self.target)
    }

    /// Parses `<type>:<target>` (Backstage's `parseLocationRef`).
    pub fn parse_ref(reference: &str) -> Result<LocationSpec, LocationRefError> {
        let Some((kind, target)) = reference.split_once(':') else {
            return Err(LocationRefError::Malformed(reference.to_owned()));
        };
        let (kind, target) = (kind.trim(), target.trim());
        if kind.is_empty() || target.is_empty() {
            return Err(LocationRefError::Malformed(reference.to_owned()));
        }
        if kind == "http" || kind == "https" {
            return Err(LocationRefError::BareUrl(reference.to_owned()));
        }
        Ok(Self::new(kind, target))
    }
}

impl fmt::Display for LocationSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.location_type, self.target)
    }
}

/// The name Backstage gives the Location entity it generates for a registered location:
/// `generated-` + SHA-1 (hex) of `<type>:<target>` (`locationSpecToMetadataName`).
pub fn generated_location_name(location: &LocationSpec) -> String {
    let digest = Sha1::digest(location.to_ref().as_bytes());
    format!("generated-{}", hex::encode(digest))
}

/// The Location entity Backstage generates for a registered (root) location, or for a location
/// emitted by `parent` (`locationSpecToLocationEntity`). Its location annotations are the
/// location itself for a root, the parent's for an emitted one.
pub fn location_entity(location: &LocationSpec, parent: Option<&Entity>) -> Entity {
    let own = location.to_ref();
    let (managed_by, origin) = match parent {
        Some(p) => (
            p.metadata
                .annotation(ANNOTATION_LOCATION)
                .unwrap_or(&own)
                .to_owned(),
            p.metadata
                .annotation(ANNOTATION_ORIGIN_LOCATION)
                .unwrap_or(&own)
                .to_owned(),
        ),
        None => (own.clone(), own),
    };
    let mut spec = serde_json::Map::new();
    spec.insert("type".into(), location.location_type.clone().into());
    spec.insert("target".into(), location.target.clone().into());
    if location.presence == Presence::Optional {
        spec.insert("presence".into(), "optional".into());
    }
    let mut entity = Entity {
        api_version: "backstage.io/v1alpha1".into(),
        kind: "Location".into(),
        metadata: crate::entity::EntityMeta {
            name: generated_location_name(location),
            ..Default::default()
        },
        spec: Some(spec),
        relations: None,
        status: None,
        extra: Default::default(),
    };
    entity
        .metadata
        .set_annotation(ANNOTATION_LOCATION, managed_by);
    entity
        .metadata
        .set_annotation(ANNOTATION_ORIGIN_LOCATION, origin);
    entity
}
