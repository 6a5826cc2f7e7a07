//! The per-call store state: what one plugin instance can reach while it runs.
//!
//! A fresh [`PluginState`] is built for every call from the plugin's grants, its
//! configuration and the organization the call runs for; nothing in it outlives the call.

use super::capabilities::http::HttpPolicy;
use super::limiter::CallLimiter;
use super::services::HostServices;
use portico_package::Grants;
use portico_storage::OrgId;
use std::sync::{Arc, Mutex};
use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

/// Bytes of a guest's stderr kept for error messages (a Rust panic message lands there).
pub const STDERR_CAPTURE_BYTES: usize = 16 * 1024;

/// Who is calling and with what rights; shared by every capability of one call.
pub struct CallIdentity {
    pub plugin_id: String,
    pub org: OrgId,
    pub grants: Grants,
    /// The plugin's configuration as JSON text.
    pub config_json: String,
}

/// Lines an action writes to its task's log.
#[derive(Clone, Default)]
pub struct TaskLog(Arc<Mutex<Vec<String>>>);

impl TaskLog {
    pub fn push(&self, line: String) {
        self.0.lock().expect("task log poisoned").push(line);
    }
    pub fn lines(&self) -> Vec<String> {
        self.0.lock().expect("task log poisoned").clone()
    }
}

pub struct PluginState {
    pub identity: Arc<CallIdentity>,
    pub services: Arc<HostServices>,
    pub wasi: WasiCtx,
    pub table: ResourceTable,
    pub http: WasiHttpCtx,
    pub http_policy: HttpPolicy,
    pub limiter: CallLimiter,
    pub stderr: MemoryOutputPipe,
    pub task_log: Option<TaskLog>,
    /// Log lines written by this call so far (log flooding is cut off).
    pub log_lines: u32,
}

impl PluginState {
    pub fn plugin_id(&self) -> &str {
        &self.identity.plugin_id
    }

    /// Records a refused capability use: a warning in the host log with the plugin id and
    /// what was asked, and a count in the plugin's metrics.
    pub fn deny(&self, capability: &str, asked: &str) {
        self.services.denials.record(
            &self.identity.plugin_id,
            &self.identity.org,
            capability,
            asked,
        );
    }
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for PluginState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.http_policy,
        }
    }
}
