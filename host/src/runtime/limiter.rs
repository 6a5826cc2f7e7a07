//! Per-call memory and table limits that remember *why* they refused, so that a memory
//! exhaustion is reported as such instead of as a generic trap.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use wasmtime::ResourceLimiter;

/// Table elements per table; a component needs far fewer.
const MAX_TABLE_ELEMENTS: usize = 1_000_000;

pub struct CallLimiter {
    memory_bytes: u64,
    /// The size a refused memory growth asked for (0: no refusal).
    pub refused_growth: Arc<AtomicU64>,
}

impl CallLimiter {
    pub fn new(memory_bytes: u64) -> Self {
        CallLimiter {
            memory_bytes,
            refused_growth: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl ResourceLimiter for CallLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired as u64 > self.memory_bytes {
            self.refused_growth.store(desired as u64, Ordering::Relaxed);
            // An error (not `Ok(false)`) traps right here with a clear cause, instead of
            // letting the guest's allocator abort somewhere later.
            wasmtime::bail!(
                "memory limit of {} bytes exceeded (the plugin asked for {desired} bytes)",
                self.memory_bytes
            );
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}
