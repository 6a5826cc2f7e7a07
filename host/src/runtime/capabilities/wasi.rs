//! The WASI context of a call: clocks and randomness, nothing else.
//!
//! No environment variables, no arguments, no stdin, no sockets, and no filesystem — except
//! for an action, which sees its task's scratch directory as `/workspace`. Stdout is dropped;
//! stderr is kept (bounded) because a Rust panic message lands there and makes a trap
//! explainable.

use anyhow::{Context, Result};
use std::path::Path;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

/// Where an action's workspace appears inside the guest.
pub const WORKSPACE_GUEST_PATH: &str = "/workspace";

pub fn context(stderr: &MemoryOutputPipe, workspace: Option<&Path>) -> Result<WasiCtx> {
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
    Ok(builder.build())
}
