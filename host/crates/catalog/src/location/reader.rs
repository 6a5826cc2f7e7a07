//! Reading a location's target: the [`LocationReader`] trait, the host-native [`FileReader`],
//! and [`Readers`], which tries several readers in turn (file reader, then the url-reader plugin).
//!
//! A reader answers [`ReadError::Unsupported`] for location types it does not handle, so readers
//! compose. A reader may also read a whole location tree at once ([`LocationReader::read_tree`],
//! for plugins whose `read-location` follows targets itself). Reads are bounded by [`MAX_READ_BYTES`]. [`FileReader::confined_to`] refuses paths
//! outside a root directory, which is what makes relative `$text` paths in file locations safe.

use std::io::Read;
use std::path::{Path, PathBuf};

use super::LocationSpec;

/// Largest target a reader returns, in bytes (`$text` API definitions can be large; YAML
/// catalog sources are further limited by [`crate::entity::parse::MAX_SOURCE_BYTES`]).
pub const MAX_READ_BYTES: usize = 16 * 1024 * 1024;

/// Why a read failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The target does not exist (not an error for `presence: optional` locations).
    #[error("NotFoundError: {0}")]
    NotFound(String),
    /// This reader does not handle the location type.
    #[error("no reader handles {location_type} locations (target {target})")]
    Unsupported {
        /// The location type.
        location_type: String,
        /// The target.
        target: String,
    },
    /// The reader refuses the target (outside its root, not an allowed host, ...).
    #[error("NotAllowedError: {0}")]
    NotAllowed(String),
    /// Anything else (I/O, too large, network).
    #[error("{0}")]
    Failed(String),
}

/// A location read in one piece, with everything it leads to, by a reader that follows that
/// location type's Location entities and placeholders itself: an entity-provider plugin's
/// `read-location` (the url-reader for `url`). The walk validates and annotates the entities
/// as it does its own, but follows none of their targets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeRead {
    /// Entity documents (placeholders substituted), each with the location it was read from.
    pub entities: Vec<(LocationSpec, serde_json::Value)>,
    /// Failures, each with the location it belongs to.
    pub errors: Vec<TreeReadError>,
}

/// One failure inside a [`TreeRead`].
#[derive(Debug, Clone, PartialEq)]
pub struct TreeReadError {
    /// The location (file or URL) that failed.
    pub location: LocationSpec,
    /// The target does not exist (skipped when the location itself is optional).
    pub not_found: bool,
    /// What went wrong, for `status.items`.
    pub message: String,
}

/// Reads the bytes of a location target.
pub trait LocationReader {
    /// The content of `target`, a location of type `location_type`.
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError>;

    /// Reads `location` and everything it leads to at once, for readers that walk a location
    /// type themselves. `None` (the default): this reader does not, read it with
    /// [`read`](Self::read).
    fn read_tree(&self, _location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        None
    }
}

impl<R: LocationReader + ?Sized> LocationReader for &R {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        (**self).read(location_type, target)
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        (**self).read_tree(location)
    }
}

impl<R: LocationReader + ?Sized> LocationReader for std::sync::Arc<R> {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        (**self).read(location_type, target)
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        (**self).read_tree(location)
    }
}

/// Reads `file` locations from the local file system.
#[derive(Debug, Clone, Default)]
pub struct FileReader {
    root: Option<PathBuf>,
}

impl FileReader {
    /// A reader for any path the process can read.
    pub fn new() -> Self {
        FileReader { root: None }
    }

    /// A reader that refuses any path that does not resolve (symlinks included) inside `root`.
    pub fn confined_to(root: impl AsRef<Path>) -> std::io::Result<Self> {
        Ok(FileReader {
            root: Some(root.as_ref().canonicalize()?),
        })
    }
}

impl LocationReader for FileReader {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        if location_type != "file" {
            return Err(ReadError::Unsupported {
                location_type: location_type.to_owned(),
                target: target.to_owned(),
            });
        }
        let path = match Path::new(target).canonicalize() {
            Ok(path) => path,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ReadError::NotFound(format!("file {target} does not exist")));
            }
            Err(e) => {
                return Err(ReadError::Failed(format!(
                    "file {target} could not be read, {e}"
                )));
            }
        };
        if let Some(root) = &self.root
            && !path.starts_with(root)
        {
            return Err(ReadError::NotAllowed(format!(
                "file {target} is outside {}",
                root.display()
            )));
        }
        let failed =
            |e: std::io::Error| ReadError::Failed(format!("file {target} could not be read, {e}"));
        let file = std::fs::File::open(&path).map_err(failed)?;
        let mut data = Vec::new();
        file.take(MAX_READ_BYTES as u64 + 1)
            .read_to_end(&mut data)
            .map_err(failed)?;
        if data.len() > MAX_READ_BYTES {
            return Err(ReadError::Failed(format!(
                "file {target} is larger than {MAX_READ_BYTES} bytes"
            )));
        }
        Ok(data)
    }
}

/// Several readers; the first that supports the location type answers. Shareable across
/// threads (the catalog reads locations from any thread).
#[derive(Default)]
pub struct Readers<'a> {
    readers: Vec<Box<dyn LocationReader + Send + Sync + 'a>>,
}

impl<'a> Readers<'a> {
    /// No readers yet.
    pub fn new() -> Self {
        Readers {
            readers: Vec::new(),
        }
    }

    /// Adds a reader, tried after those already added.
    pub fn with(mut self, reader: impl LocationReader + Send + Sync + 'a) -> Self {
        self.readers.push(Box::new(reader));
        self
    }
}

impl LocationReader for Readers<'_> {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        for reader in &self.readers {
            match reader.read(location_type, target) {
                Err(ReadError::Unsupported { .. }) => continue,
                other => return other,
            }
        }
        Err(ReadError::Unsupported {
            location_type: location_type.to_owned(),
            target: target.to_owned(),
        })
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        self.readers.iter().find_map(|r| r.read_tree(location))
    }
}
