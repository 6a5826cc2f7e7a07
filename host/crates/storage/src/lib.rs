//! Portico's storage interface and its embedded backend.
//!
//! Everything Portico persists (catalog entities and their indexes, installed plugins, plugin
//! key/value data, compiled-artifact metadata) goes through [`Storage`]. The interface is kept
//! deliberately small — point reads, ordered scans and atomic multi-table write batches — so
//! that a PostgreSQL backend can implement it later without touching any caller.
//!
//! Every key lives in a [`Keyspace`]: an organization plus a table name. Backends must keep
//! organizations apart; no call can reach another organization's keys.
//!
//! The embedded default is [`SledStorage`] (sled 0.34).

mod batch;
mod error;
mod keyspace;
mod sled_backend;

pub use batch::{Batch, Op};
pub use error::{StorageError, StorageResult};
pub use keyspace::{Keyspace, OrgId};
pub use sled_backend::{SledOptions, SledStorage};

/// One key/value pair returned by a scan; the key is relative to its keyspace.
pub type Entry = (Vec<u8>, Vec<u8>);

/// A scan's results in key order. Errors are yielded in place so that a caller can stop at
/// the first one.
pub type EntryIter<'a> = Box<dyn Iterator<Item = StorageResult<Entry>> + Send + 'a>;

/// The storage interface every backend implements.
///
/// Writes go only through [`Storage::apply`], which is atomic: either every operation of the
/// batch is visible afterwards or none is, also across a crash. Readers never see half a batch.
pub trait Storage: Send + Sync + 'static {
    /// Reads one key.
    fn get(&self, space: &Keyspace, key: &[u8]) -> StorageResult<Option<Vec<u8>>>;

    /// All entries whose key starts with `prefix`, in ascending key order.
    fn scan_prefix<'a>(&'a self, space: &Keyspace, prefix: &[u8]) -> EntryIter<'a>;

    /// Entries with `start <= key < end` (an empty `end` means "to the end of the keyspace"),
    /// ascending, or descending when `reverse` is set.
    fn scan_range<'a>(
        &'a self,
        space: &Keyspace,
        start: &[u8],
        end: &[u8],
        reverse: bool,
    ) -> EntryIter<'a>;

    /// Applies every operation of the batch atomically. If any [`Op::Expect`] precondition does
    /// not hold, nothing is written and [`StorageError::Conflict`] is returned.
    fn apply(&self, batch: Batch) -> StorageResult<()>;

    /// Makes every applied batch durable before returning.
    fn flush(&self) -> StorageResult<()>;

    /// Approximate bytes used on disk, for metrics and the admin page.
    fn size_on_disk(&self) -> StorageResult<u64>;
}
