//! The WASI context of a call: clocks and randomness, nothing else.
//!
//! No environment variables, no arguments, no stdin, no sockets, and no filesystem — except
//! for an action, which sees its task's scratch directory as `/workspace`, and a docs call of
//! a plugin granted `docs-files`, which sees the entity's docs folder, read-only, as
//! `/techdocs` (wasmtime-wasi confines every path to the preopened directory: `..` and
//! symlinks that lead out of it are refused). Stdout is dropped;
//! stderr is kept (bounded) because a Rust panic message lands there and makes a trap
//! explainable.

use anyhow::{Context, Result};
use std::path::Path;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

/// Where an action's workspace appears inside the guest.
pub const WORKSPACE_GUEST_PATH: &str = "/workspace";
/// Where a docs folder appears inside the guest.
pub const DOCS_GUEST_PATH: &str = "/techdocs";

pub fn context(
    stderr: &MemoryOutputPipe,
    workspace: Option<&Path>,
    docs_folder: Option<&Path>,
) -> Result<WasiCtx> {
    let mut builder = WasiCtxBuilder::new();
    builder
        .stderr(stderr.clone())
        .allow_tcp(false)
        .allow_udp(false)
        .allow_ip_name_lookup(false)
        .socket_addr_check(|_, _| Box::pin(async { false }));
    if let Some(dir) = workspace {
        builder
            .preopened_dir(dir, WORKSPACE_GUEST_PATH, FsPerms::ReadWrite)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open the task workspace {}", dir.display()))?;
    }
    if let Some(dir) = docs_folder {
        builder
            .preopened_dir(dir, DOCS_GUEST_PATH, FsPerms::ReadOnly)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("cannot open the docs folder {}", dir.display()))?;
    }
    Ok(builder.build())
}
