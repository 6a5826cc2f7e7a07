//! The write pipeline behind the processing engine: a writer thread makes each batch durable
//! and hands its index changes to an indexer thread, which applies them to the in-memory index,
//! in order, while the engine prepares the next batch.
//!
//! The index lags storage, and storage lags the engine, by at most a couple of batches; a
//! reader never sees the index ahead of what is durable. A failed write stops the pipeline
//! with the index at the last durable batch, and [`Pipeline::finish`] reports the error.
//! The engine may go on with work whose index reads cannot depend on batches still in flight
//! (see `Engine::run_streamed`), and must finish the pipeline before any read that can.

use std::sync::mpsc::{SyncSender, sync_channel};
use std::thread::{Scope, ScopedJoinHandle};

use super::spawn_named;
use crate::store::{IndexChanges, Store, StoreError, StoreResult, WriteSet};

pub(crate) struct Pipeline<'scope> {
    writes: SyncSender<WriteSet>,
    writer: ScopedJoinHandle<'scope, StoreResult<()>>,
    indexer: ScopedJoinHandle<'scope, StoreResult<()>>,
}

impl<'scope> Pipeline<'scope> {
    /// Starts the writer and indexer threads in `scope`.
    pub(crate) fn start<'env>(scope: &'scope Scope<'scope, 'env>, store: &'env Store) -> Self {
        // One batch queued per stage bounds the memory held in flight.
        let (writes, write_rx) = sync_channel::<WriteSet>(1);
        let (index_tx, index_rx) = sync_channel::<IndexChanges>(1);
        let writer = spawn_named(scope, "catalog-write", move || -> StoreResult<()> {
            for batch in write_rx {
                if index_tx.send(store.write(batch)?).is_err() {
                    break; // the indexer failed: its error is reported
                }
            }
            Ok(())
        });
        let indexer = spawn_named(scope, "catalog-index", move || -> StoreResult<()> {
            for changes in index_rx {
                store.apply_index(changes)?;
            }
            Ok(())
        });
        Pipeline {
            writes,
            writer,
            indexer,
        }
    }

    /// Queues a batch (waiting while the writer is a batch behind). An error means the
    /// pipeline stopped; [`Pipeline::finish`] tells why.
    pub(crate) fn send(&self, batch: WriteSet) -> StoreResult<()> {
        if batch.is_empty_with_index() {
            return Ok(());
        }
        self.writes
            .send(batch)
            .map_err(|_| StoreError("the catalog's write pipeline stopped".into()))
    }

    /// Waits until every queued batch is durable and applied to the index; the first error.
    pub(crate) fn finish(self) -> StoreResult<()> {
        drop(self.writes);
        let written = self.writer.join().expect("catalog writer panicked");
        let indexed = self.indexer.join().expect("catalog indexer panicked");
        written.and(indexed)
    }

    /// Runs `work` with a pipeline and finishes it: the error of the pipeline first (the
    /// cause), else the work's.
    pub(crate) fn around<T>(
        store: &Store,
        work: impl FnOnce(&Pipeline<'_>) -> StoreResult<T>,
    ) -> StoreResult<T> {
        std::thread::scope(|scope| {
            let pipeline = Pipeline::start(scope, store);
            let result = work(&pipeline);
            pipeline.finish().and(result)
        })
    }
}
