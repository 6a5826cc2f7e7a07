//! The embedded backend: one sled tree per table, keys prefixed by `org \0`.

use crate::{Batch, EntryIter, Keyspace, Op, Storage, StorageError, StorageResult};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use std::collections::HashMap;
use std::path::Path;
use std::sync::RwLock;

/// Tuning for the embedded store.
#[derive(Clone, Debug)]
pub struct SledOptions {
    /// Page cache size. sled's default is 1 GiB, far more than a portal needs: the catalog's
    /// hot set for 10,000 entities is a few MiB, so we default to 32 MiB.
    pub cache_bytes: u64,
    /// How often sled flushes to disk in the background. Writes are crash-consistent either
    /// way (batches are atomic); this bounds how much acknowledged work a power loss can undo.
    pub flush_every_ms: Option<u64>,
}

impl Default for SledOptions {
    fn default() -> Self {
        SledOptions {
            cache_bytes: 32 * 1024 * 1024,
            flush_every_ms: Some(500),
        }
    }
}

/// [`Storage`] on sled 0.34.
pub struct SledStorage {
    db: sled::Db,
    trees: RwLock<HashMap<&'static str, sled::Tree>>,
}

impl SledStorage {
    /// Opens (or creates) the store in `dir`. Fails with a clear message when another process
    /// holds the store (sled takes an exclusive lock).
    pub fn open(dir: &Path, options: &SledOptions) -> StorageResult<Self> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(options.cache_bytes)
            .flush_every_ms(options.flush_every_ms)
            .open()
            .map_err(|err| {
                let detail = err.to_string();
                if detail.contains("lock") || detail.contains("WouldBlock") {
                    StorageError::Backend(format!(
                        "the data directory {} is in use by another Portico process ({detail})",
                        dir.display()
                    ))
                } else {
                    StorageError::Backend(format!(
                        "cannot open the data directory {}: {detail}",
                        dir.display()
                    ))
                }
            })?;
        Ok(SledStorage {
            db,
            trees: RwLock::new(HashMap::new()),
        })
    }

    /// A throwaway store that lives in memory, for tests and benchmarks.
    pub fn temporary() -> StorageResult<Self> {
        let db = sled::Config::new()
            .temporary(true)
            .cache_capacity(SledOptions::default().cache_bytes)
            .open()?;
        Ok(SledStorage {
            db,
            trees: RwLock::new(HashMap::new()),
        })
    }

    fn tree(&self, table: &'static str) -> StorageResult<sled::Tree> {
        if let Some(tree) = self.trees.read().expect("tree cache poisoned").get(table) {
            return Ok(tree.clone());
        }
        let tree = self.db.open_tree(table)?;
        self.trees
            .write()
            .expect("tree cache poisoned")
            .insert(table, tree.clone());
        Ok(tree)
    }
}

fn org_prefix(space: &Keyspace) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(space.org().as_str().len() + 1);
    prefix.extend_from_slice(space.org().as_str().as_bytes());
    prefix.push(0);
    prefix
}

fn full_key(space: &Keyspace, key: &[u8]) -> Vec<u8> {
    let mut full = org_prefix(space);
    full.extend_from_slice(key);
    full
}

/// Iterates a sled range, stripping the organization prefix from keys.
fn strip<'a>(iter: sled::Iter, prefix_len: usize, reverse: bool) -> EntryIter<'a> {
    let map = move |item: sled::Result<(sled::IVec, sled::IVec)>| {
        item.map(|(k, v)| (k[prefix_len..].to_vec(), v.to_vec()))
            .map_err(StorageError::from)
    };
    if reverse {
        Box::new(iter.rev().map(map))
    } else {
        Box::new(iter.map(map))
    }
}

fn error_iter<'a>(err: StorageError) -> EntryIter<'a> {
    Box::new(std::iter::once(Err(err)))
}

impl Storage for SledStorage {
    fn get(&self, space: &Keyspace, key: &[u8]) -> StorageResult<Option<Vec<u8>>> {
        let tree = self.tree(space.table())?;
        Ok(tree.get(full_key(space, key))?.map(|v| v.to_vec()))
    }

    fn scan_prefix<'a>(&'a self, space: &Keyspace, prefix: &[u8]) -> EntryIter<'a> {
        let tree = match self.tree(space.table()) {
            Ok(tree) => tree,
            Err(err) => return error_iter(err),
        };
        let org_len = org_prefix(space).len();
        strip(tree.scan_prefix(full_key(space, prefix)), org_len, false)
    }

    fn scan_range<'a>(
        &'a self,
        space: &Keyspace,
        start: &[u8],
        end: &[u8],
        reverse: bool,
    ) -> EntryIter<'a> {
        let tree = match self.tree(space.table()) {
            Ok(tree) => tree,
            Err(err) => return error_iter(err),
        };
        let prefix = org_prefix(space);
        let lower = full_key(space, start);
        let upper = if end.is_empty() {
            // The first key after every key of this organization: the prefix's `\0` becomes `\1`.
            let mut upper = prefix.clone();
            *upper.last_mut().expect("prefix ends with a separator") = 1;
            upper
        } else {
            full_key(space, end)
        };
        if lower >= upper {
            return Box::new(std::iter::empty());
        }
        strip(tree.range(lower..upper), prefix.len(), reverse)
    }

    fn apply(&self, batch: Batch) -> StorageResult<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let mut tables: Vec<&'static str> =
            batch.ops().iter().map(|op| op.space().table()).collect();
        tables.sort_unstable();
        tables.dedup();
        let has_expect = batch.ops().iter().any(|op| matches!(op, Op::Expect { .. }));

        // Fast path: one table, no preconditions — sled applies a batch atomically.
        if tables.len() == 1 && !has_expect {
            let tree = self.tree(tables[0])?;
            let mut sled_batch = sled::Batch::default();
            for op in batch.into_ops() {
                match op {
                    Op::Put { space, key, value } => {
                        sled_batch.insert(full_key(&space, &key), value)
                    }
                    Op::Delete { space, key } => sled_batch.remove(full_key(&space, &key)),
                    Op::Expect { .. } => unreachable!("checked above"),
                }
            }
            tree.apply_batch(sled_batch)?;
            return Ok(());
        }

        let trees: Vec<sled::Tree> = tables
            .iter()
            .map(|t| self.tree(t))
            .collect::<StorageResult<_>>()?;
        let index_of = |table: &str| {
            tables
                .iter()
                .position(|t| *t == table)
                .expect("table collected")
        };
        let ops = batch.into_ops();
        let result = trees.as_slice().transaction(|txs| {
            // Check every precondition before the first write.
            for op in &ops {
                if let Op::Expect { space, key, value } = op {
                    let current = txs[index_of(space.table())].get(full_key(space, key))?;
                    if current.as_deref() != value.as_deref() {
                        return Err(ConflictableTransactionError::Abort(format!(
                            "key {:?} in {} changed concurrently",
                            String::from_utf8_lossy(key),
                            space.table()
                        )));
                    }
                }
            }
            for op in &ops {
                match op {
                    Op::Put { space, key, value } => {
                        txs[index_of(space.table())]
                            .insert(full_key(space, key), value.as_slice())?;
                    }
                    Op::Delete { space, key } => {
                        txs[index_of(space.table())].remove(full_key(space, key))?;
                    }
                    Op::Expect { .. } => {}
                }
            }
            Ok(())
        });
        match result {
            Ok(()) => Ok(()),
            Err(TransactionError::Abort(reason)) => Err(StorageError::Conflict(reason)),
            Err(TransactionError::Storage(err)) => Err(err.into()),
        }
    }

    fn flush(&self) -> StorageResult<()> {
        self.db.flush()?;
        Ok(())
    }

    fn size_on_disk(&self) -> StorageResult<u64> {
        Ok(self.db.size_on_disk()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgId;

    fn spaces() -> (Keyspace, Keyspace, Keyspace) {
        let acme = OrgId::new("acme").unwrap();
        let globex = OrgId::new("globex").unwrap();
        (
            Keyspace::new(acme.clone(), "t.one"),
            Keyspace::new(acme, "t.two"),
            Keyspace::new(globex, "t.one"),
        )
    }

    fn keys(iter: EntryIter<'_>) -> Vec<String> {
        iter.map(|e| String::from_utf8(e.unwrap().0).unwrap())
            .collect()
    }

    #[test]
    fn organizations_never_see_each_others_keys() {
        let store = SledStorage::temporary().unwrap();
        let (acme, _, globex) = spaces();
        let mut batch = Batch::new();
        batch.put(&acme, "k1", "acme-value");
        batch.put(&globex, "k1", "globex-value");
        batch.put(&globex, "k2", "only-globex");
        store.apply(batch).unwrap();

        assert_eq!(store.get(&acme, b"k1").unwrap().unwrap(), b"acme-value");
        assert_eq!(store.get(&globex, b"k1").unwrap().unwrap(), b"globex-value");
        assert_eq!(store.get(&acme, b"k2").unwrap(), None);
        assert_eq!(keys(store.scan_prefix(&acme, b"")), vec!["k1"]);
        assert_eq!(keys(store.scan_range(&acme, b"", b"", false)), vec!["k1"]);
        assert_eq!(
            keys(store.scan_range(&globex, b"", b"", true)),
            vec!["k2", "k1"]
        );
    }

    #[test]
    fn ranges_are_ordered_and_bounded() {
        let store = SledStorage::temporary().unwrap();
        let (acme, _, _) = spaces();
        let mut batch = Batch::new();
        for k in ["a", "b", "c", "d"] {
            batch.put(&acme, k, k);
        }
        store.apply(batch).unwrap();
        assert_eq!(
            keys(store.scan_range(&acme, b"b", b"d", false)),
            vec!["b", "c"]
        );
        assert_eq!(
            keys(store.scan_range(&acme, b"b", b"d", true)),
            vec!["c", "b"]
        );
        assert_eq!(
            keys(store.scan_range(&acme, b"c", b"", false)),
            vec!["c", "d"]
        );
        assert!(keys(store.scan_range(&acme, b"d", b"a", false)).is_empty());
    }

    #[test]
    fn a_failed_precondition_writes_nothing_in_any_table() {
        let store = SledStorage::temporary().unwrap();
        let (one, two, _) = spaces();
        let mut setup = Batch::new();
        setup.put(&one, "version", "1");
        store.apply(setup).unwrap();

        let mut batch = Batch::new();
        batch.expect(&one, "version", Some(b"2".to_vec()));
        batch.put(&one, "version", "3");
        batch.put(&two, "index", "x");
        let err = store.apply(batch).unwrap_err();
        assert!(matches!(err, StorageError::Conflict(_)), "{err}");
        assert_eq!(store.get(&one, b"version").unwrap().unwrap(), b"1");
        assert_eq!(store.get(&two, b"index").unwrap(), None);

        let mut batch = Batch::new();
        batch.expect(&one, "version", Some(b"1".to_vec()));
        batch.put(&one, "version", "2");
        batch.delete(&one, "missing");
        batch.put(&two, "index", "x");
        store.apply(batch).unwrap();
        assert_eq!(store.get(&one, b"version").unwrap().unwrap(), b"2");
        assert_eq!(store.get(&two, b"index").unwrap().unwrap(), b"x");
    }

    #[test]
    fn expecting_absence() {
        let store = SledStorage::temporary().unwrap();
        let (one, _, _) = spaces();
        let mut batch = Batch::new();
        batch.expect(&one, "claim", None);
        batch.put(&one, "claim", "first");
        store.apply(batch.clone()).unwrap();
        assert!(matches!(store.apply(batch), Err(StorageError::Conflict(_))));
    }

    #[test]
    fn data_survives_reopen_and_a_second_opener_gets_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let (one, _, _) = spaces();
        {
            let store = SledStorage::open(dir.path(), &SledOptions::default()).unwrap();
            let mut batch = Batch::new();
            batch.put(&one, "k", "v");
            store.apply(batch).unwrap();
            store.flush().unwrap();
            let second = SledStorage::open(dir.path(), &SledOptions::default());
            let err = second.err().expect("second open must fail").to_string();
            assert!(err.contains("in use by another Portico process"), "{err}");
        }
        // sled's background threads release the directory lock shortly after the drop; in a
        // new process it is free at once. Wait for it instead of racing it.
        let mut reopened = SledStorage::open(dir.path(), &SledOptions::default());
        for _ in 0..200 {
            if reopened.is_ok() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
            reopened = SledStorage::open(dir.path(), &SledOptions::default());
        }
        let store = reopened.expect("the data directory is free again after the store is dropped");
        assert_eq!(store.get(&one, b"k").unwrap().unwrap(), b"v");
    }
}
