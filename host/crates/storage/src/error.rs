//! Storage errors.

use thiserror::Error;

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, Error)]
pub enum StorageError {
    /// A precondition ([`crate::Op::Expect`]) of a batch did not hold; nothing was written.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A key or identifier is not acceptable to the storage layer.
    #[error("invalid key: {0}")]
    InvalidKey(String),
    /// The backend failed (I/O, corruption, lock held by another process...).
    #[error("storage backend error: {0}")]
    Backend(String),
}

impl From<sled::Error> for StorageError {
    fn from(err: sled::Error) -> Self {
        StorageError::Backend(err.to_string())
    }
}
