//! One plugin call: a fresh store and instance, the plugin's limits and grants, and errors
//! mapped to [`CallError`] kinds. Nothing survives the call; a trapped instance is dropped.

use super::capabilities::http::HttpPolicy;
use super::capabilities::wasi;
use super::error::{CallError, CallErrorKind};
use super::limiter::CallLimiter;
use super::limits::CallKind;
use super::state::{CallIdentity, PluginState, STDERR_CAPTURE_BYTES, TaskLog};
use super::{LoadedPlugin, PorticoEngine, Runtime};
use portico_storage::OrgId;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};
use wasmtime::Store;
use wasmtime::component::{Instance, ResourceTable};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi_http::WasiHttpCtx;

/// Who a call is for and what it may touch beyond the plugin's grants.
#[derive(Clone, Debug)]
pub struct CallContext {
    pub org: OrgId,
    /// For actions: the task's scratch directory (seen as `/workspace`) and its log.
    pub task: Option<TaskContext>,
    /// For docs calls: the entity's docs folder, already resolved and confined by the host
    /// (see `crate::docs::folder`). Mounted read-only at `/techdocs` for a plugin granted
    /// `docs-files`, and only in `docs-renderer` calls.
    pub docs_folder: Option<PathBuf>,
}

#[derive(Clone)]
pub struct TaskContext {
    pub workspace: PathBuf,
    pub log: TaskLog,
}

impl std::fmt::Debug for TaskContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TaskContext")
            .field("workspace", &self.workspace)
            .finish()
    }
}

impl CallContext {
    pub fn org(org: OrgId) -> Self {
        CallContext {
            org,
            task: None,
            docs_folder: None,
        }
    }
}

/// Counts bytes without storing them: the size of a result as JSON.
struct CountingWriter(u64);

impl Write for CountingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The last `max` bytes of `text`, cut at a character boundary.
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}

fn encoded_size<R: serde::Serialize>(value: &R) -> u64 {
    let mut counter = CountingWriter(0);
    // Serializing generated WIT types cannot fail; a failure would only undercount.
    let _ = serde_json::to_writer(&mut counter, value);
    counter.0
}

impl Runtime {
    /// Runs `run` against a fresh instance of plugin `plugin_id`, under its limits.
    ///
    /// `select` picks the export indices the call needs (None: the plugin does not implement
    /// that extension point). `run` gets the store and instance and must give the store back.
    pub(crate) async fn call<I, R, Fut>(
        &self,
        plugin_id: &str,
        ctx: &CallContext,
        kind: CallKind,
        export: &'static str,
        select: impl FnOnce(&LoadedPlugin) -> Option<I>,
        run: impl FnOnce(Store<PluginState>, Instance, I) -> Fut,
    ) -> Result<R, CallError>
    where
        R: serde::Serialize,
        Fut: Future<Output = (Store<PluginState>, wasmtime::Result<R>)> + Send,
    {
        let plugin = self.get(plugin_id).ok_or_else(|| {
            CallError::new(
                plugin_id,
                CallErrorKind::NotAvailable,
                "no enabled plugin with this id",
            )
        })?;
        let Some(indices) = select(&plugin) else {
            return Err(CallError::new(
                plugin_id,
                CallErrorKind::NotAvailable,
                format!("the plugin does not export `{export}`"),
            ));
        };
        let started = Instant::now();
        let result = self
            .call_loaded(&plugin, ctx, kind, export, indices, run)
            .await;
        let metrics = &self.services.metrics;
        metrics.call(plugin_id, export, started.elapsed());
        if let Err(err) = &result {
            metrics.error(plugin_id, err.kind.as_str());
            self.services.events.push(
                plugin_id,
                &ctx.org,
                err.kind.as_str(),
                format!("{export}: {}", err.message),
            );
            tracing::warn!(plugin = plugin_id, org = %ctx.org, export, kind = err.kind.as_str(), "plugin call failed: {}", err.message);
        }
        result
    }

    async fn call_loaded<I, R, Fut>(
        &self,
        plugin: &Arc<LoadedPlugin>,
        ctx: &CallContext,
        kind: CallKind,
        export: &'static str,
        indices: I,
        run: impl FnOnce(Store<PluginState>, Instance, I) -> Fut,
    ) -> Result<R, CallError>
    where
        R: serde::Serialize,
        Fut: Future<Output = (Store<PluginState>, wasmtime::Result<R>)> + Send,
    {
        let id = plugin.id();
        let deadline = plugin.limits.deadlines.for_kind(kind);
        let started = Instant::now();

        // A slot among the plugin's concurrent calls, waited for within the deadline.
        let _permit = match tokio::time::timeout(deadline, plugin.permits.clone().acquire_owned())
            .await
        {
            Ok(Ok(permit)) => permit,
            _ => {
                return Err(CallError::new(
                    id,
                    CallErrorKind::Busy,
                    format!(
                        "{} calls already running (max_concurrent_calls); none finished within {deadline:?}",
                        plugin.limits.max_concurrent_calls
                    ),
                ));
            }
        };
        let remaining = deadline
            .saturating_sub(started.elapsed())
            .max(super::engine::EPOCH_TICK);

        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let limiter = CallLimiter::new(plugin.limits.memory_bytes);
        let refused_growth = limiter.refused_growth.clone();
        let state = self
            .new_state(plugin, ctx, kind, &stderr, limiter)
            .map_err(|err| CallError::new(id, CallErrorKind::Instantiate, format!("{err:#}")))?;
        let mut store = Store::new(&self.engine.engine, state);
        store.limiter(|s| &mut s.limiter);
        store.set_epoch_deadline(PorticoEngine::ticks(remaining));

        let work = async {
            match plugin.pre.instantiate_async(&mut store).await {
                Ok(instance) => Ok(run(store, instance, indices).await),
                Err(err) => Err(err),
            }
        };
        // Epochs stop guest code; this timeout also stops a guest parked in a host call
        // (an HTTP request to a slow server). The grace lets the epoch trap win when both apply.
        let outcome = tokio::time::timeout(remaining + Duration::from_millis(50), work).await;

        let classify = |err: wasmtime::Error| -> CallError {
            let grown = refused_growth.load(Ordering::Relaxed);
            if grown > 0 {
                return CallError::new(
                    id,
                    CallErrorKind::Memory,
                    format!(
                        "memory limit of {} bytes exceeded (asked for {grown} bytes)",
                        plugin.limits.memory_bytes
                    ),
                );
            }
            match err.downcast_ref::<wasmtime::Trap>() {
                Some(wasmtime::Trap::Interrupt) => CallError::new(
                    id,
                    CallErrorKind::Deadline,
                    format!("{export} ran past its deadline of {deadline:?}"),
                ),
                Some(wasmtime::Trap::StackOverflow) => CallError::new(
                    id,
                    CallErrorKind::Trap,
                    format!("{export} overflowed its stack (runaway recursion)"),
                ),
                _ => {
                    let mut message = format!("{export} trapped: {}", err.root_cause());
                    let captured = String::from_utf8_lossy(&stderr.contents())
                        .trim()
                        .to_string();
                    if !captured.is_empty() {
                        message.push_str(&format!("; plugin stderr: {}", tail(&captured, 2000)));
                    }
                    CallError::new(id, CallErrorKind::Trap, message)
                }
            }
        };

        let value = match outcome {
            Err(_) => {
                return Err(CallError::new(
                    id,
                    CallErrorKind::Deadline,
                    format!("{export} ran past its deadline of {deadline:?} (waiting on the host)"),
                ));
            }
            Ok(Err(err)) => {
                return Err(CallError::new(
                    id,
                    CallErrorKind::Instantiate,
                    format!("instantiation failed: {err:#}"),
                ));
            }
            Ok(Ok((_store, Err(err)))) => return Err(classify(err)),
            Ok(Ok((_store, Ok(value)))) => value,
        };
        let size = encoded_size(&value);
        if size > plugin.limits.max_result_bytes {
            return Err(CallError::new(
                id,
                CallErrorKind::Oversized,
                format!(
                    "{export} returned {size} bytes, more than the limit of {} bytes",
                    plugin.limits.max_result_bytes
                ),
            ));
        }
        Ok(value)
    }

    fn new_state(
        &self,
        plugin: &LoadedPlugin,
        ctx: &CallContext,
        kind: CallKind,
        stderr: &MemoryOutputPipe,
        limiter: CallLimiter,
    ) -> anyhow::Result<PluginState> {
        let workspace = ctx.task.as_ref().map(|t| t.workspace.as_path());
        let docs_folder = match (&ctx.docs_folder, kind) {
            (Some(folder), CallKind::Docs) if plugin.grants.docs_files => Some(folder.as_path()),
            (Some(folder), CallKind::Docs) => {
                // The plugin sees no mount and reports it; the admin sees why here.
                self.services.denials.record(
                    plugin.id(),
                    &ctx.org,
                    "docs-files",
                    &folder.display().to_string(),
                );
                None
            }
            _ => None,
        };
        Ok(PluginState {
            identity: Arc::new(CallIdentity {
                plugin_id: plugin.id().to_string(),
                org: ctx.org.clone(),
                grants: plugin.grants.clone(),
                config_json: plugin.config_json.clone(),
            }),
            services: self.services.clone(),
            wasi: wasi::context(stderr, workspace, docs_folder)?,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy {
                plugin_id: plugin.id().to_string(),
                org: ctx.org.clone(),
                granted: plugin.http_grants.clone(),
                denials: self.services.denials.clone(),
                tls: plugin.tls.clone(),
            },
            limiter,
            stderr: stderr.clone(),
            task_log: ctx.task.as_ref().map(|t| t.log.clone()),
            log_lines: 0,
        })
    }
}
