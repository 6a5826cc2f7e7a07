//! The `portico` binary: parse the command line, run the command, map errors to exit codes.

use clap::Parser;
use portico::cli::{Cli, init_logging, run};
use std::process::ExitCode;

/// jemalloc rather than glibc's malloc: ingestion allocates millions of short-lived objects on
/// several threads between the catalog's long-lived ones, and glibc's arenas keep the holes
/// (resident memory after ingesting 10,000 entities, see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read at its first allocation: a background thread hands freed pages
/// back to the system within about half a second (the default keeps them ten seconds and
/// only on later allocations), so memory falls back soon after a large ingest; and each
/// thread caches only small allocations (`tcache_max`, 32 KiB by default), since objects
/// cached per thread by the ingest's many threads stay resident after it (10,000 entities:
/// 103 → 87 MiB, ingest time unchanged). `_RJEM_MALLOC_CONF` in the environment overrides.
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: ConfString = ConfString(
    c"background_thread:true,dirty_decay_ms:500,muzzy_decay_ms:0,tcache_max:256".as_ptr(),
);

/// A C string pointer that may live in a `static` (jemalloc reads it as `const char *`).
#[repr(transparent)]
struct ConfString(*const std::ffi::c_char);
// SAFETY: it points at an immutable string literal.
unsafe impl Sync for ConfString {}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
