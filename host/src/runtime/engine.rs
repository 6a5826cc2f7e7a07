//! The one wasmtime [`Engine`] of the process, and the epoch ticker that enforces deadlines.
//!
//! Component model on, async calls, epoch interruption for wall-clock deadlines, and the
//! pooling allocator when a probe shows the address space can hold its reservations.

use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

/// How often the engine's epoch advances. Deadlines are counted in these ticks, so a guest
/// overruns its deadline by at most one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Whether to use the pooling allocator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize, serde::Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum PoolingMode {
    /// Use it when the address-space probe succeeds.
    #[default]
    Auto,
    On,
    Off,
}

/// Engine-wide settings (per-plugin limits live in [`super::Limits`]).
#[derive(Clone, Debug)]
pub struct EngineSettings {
    pub pooling: PoolingMode,
    /// The largest linear memory any plugin may get; per-plugin limits must not exceed it.
    pub max_memory_bytes: u64,
    /// Instances alive at once across all plugins (pooling slots).
    pub max_instances: u32,
}

impl Default for EngineSettings {
    fn default() -> Self {
        EngineSettings {
            pooling: PoolingMode::Auto,
            max_memory_bytes: 512 * 1024 * 1024,
            max_instances: 256,
        }
    }
}

/// The engine plus the facts about how it was built.
pub struct PorticoEngine {
    pub engine: Engine,
    pub pooling: bool,
    ticker_stop: Arc<AtomicBool>,
}

impl PorticoEngine {
    pub fn new(settings: &EngineSettings) -> Result<Self> {
        let pooling = match settings.pooling {
            PoolingMode::On => true,
            PoolingMode::Off => false,
            PoolingMode::Auto => pooling_probe_succeeds(),
        };
        let engine = Engine::new(&config(settings, pooling))
            .map_err(anyhow::Error::from)
            .context("cannot create the WebAssembly engine")?;
        let ticker_stop = Arc::new(AtomicBool::new(false));
        spawn_epoch_ticker(engine.clone(), ticker_stop.clone());
        Ok(PorticoEngine {
            engine,
            pooling,
            ticker_stop,
        })
    }

    /// Converts a wall-clock deadline into epoch ticks (at least one).
    pub fn ticks(deadline: Duration) -> u64 {
        (deadline.as_millis() / EPOCH_TICK.as_millis()).max(1) as u64
    }
}

impl Drop for PorticoEngine {
    fn drop(&mut self) {
        self.ticker_stop.store(true, Ordering::Relaxed);
    }
}

fn config(settings: &EngineSettings, pooling: bool) -> Config {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.epoch_interruption(true);
    // Portico does not use WASI 0.3 concurrency; turning it off cuts call overhead ~3x.
    config.concurrency_support(false);
    // Guests recurse deeply before trapping only up to this; the host stack stays safe.
    config.max_wasm_stack(1024 * 1024);
    config.async_stack_size(2 * 1024 * 1024);
    if pooling {
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(settings.max_instances);
        // Components from componentize-py/js contain dozens of core instances and several
        // memories and tables; keep room for them.
        pool.total_core_instances(settings.max_instances * 16);
        pool.total_memories(settings.max_instances * 2);
        pool.total_tables(settings.max_instances * 4);
        pool.total_stacks(settings.max_instances);
        pool.max_core_instances_per_component(64);
        pool.max_memories_per_component(4);
        pool.max_tables_per_component(8);
        pool.max_component_instance_size(1 << 20);
        pool.max_core_instance_size(16 << 20);
        pool.max_memory_size(settings.max_memory_bytes as usize);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    config
}

/// Spin's and wasmCloud's check: the pooling allocator reserves large virtual ranges up
/// front, which fails under a low `ulimit -v` or on some 32-bit-ish environments. Try to
/// reserve a comparable range once; fall back to on-demand allocation when it fails.
fn pooling_probe_succeeds() -> bool {
    const BITS_TO_TEST: u32 = 42;
    let mut config = Config::new();
    config.wasm_memory64(true);
    config.memory_reservation(1 << BITS_TO_TEST);
    let Ok(engine) = Engine::new(&config) else {
        return false;
    };
    let mut store = wasmtime::Store::new(&engine, ());
    let ty = wasmtime::MemoryType::new64(0, None);
    wasmtime::Memory::new(&mut store, ty).is_ok()
}

fn spawn_epoch_ticker(engine: Engine, stop: Arc<AtomicBool>) {
    std::thread::Builder::new()
        .name("portico-epoch".into())
        .spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                std::thread::sleep(EPOCH_TICK);
                engine.increment_epoch();
            }
        })
        .expect("spawning the epoch ticker thread");
}
