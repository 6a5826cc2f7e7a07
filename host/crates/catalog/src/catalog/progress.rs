//! Progress of an import, for callers that show it (the CLI's progress bar): each location as
//! it is read, then each entity as it is written.

use crate::location::{LocationReader, LocationSpec, ReadError, TreeRead};

/// Told how an import advances. Every method has a no-op default.
pub trait ImportProgress: Sync {
    /// A location (a file, a URL and what it leads to) was read.
    fn read(&self, _location: &LocationSpec) {}
    /// `written` of the `total` new or changed entities are written.
    fn written(&self, _written: usize, _total: usize) {}
}

/// No progress reporting.
pub struct NoProgress;

impl ImportProgress for NoProgress {}

/// A reader that reports each location it reads.
pub(super) struct Observed<'a> {
    pub inner: &'a (dyn LocationReader + Sync),
    pub progress: &'a dyn ImportProgress,
}

impl LocationReader for Observed<'_> {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        let result = self.inner.read(location_type, target);
        self.progress
            .read(&LocationSpec::new(location_type, target));
        result
    }

    fn read_tree(&self, location: &LocationSpec) -> Option<Result<TreeRead, ReadError>> {
        let result = self.inner.read_tree(location)?;
        self.progress.read(location);
        Some(result)
    }
}
