//! Per-plugin call metrics: calls, errors by kind, denials and a duration histogram, in the
//! OpenMetrics model (prometheus-client), ready to be exposed on `/metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::Duration;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CallLabels {
    pub plugin: String,
    pub call: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ErrorLabels {
    pub plugin: String,
    pub kind: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DenialLabels {
    pub plugin: String,
    pub capability: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PluginLabel {
    pub plugin: String,
}

fn duration_histogram() -> Histogram {
    // 100 µs .. ~52 s, doubling.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.0001, 2.0, 20,
    ))
}

pub struct PluginMetrics {
    pub calls: Family<CallLabels, Counter>,
    pub errors: Family<ErrorLabels, Counter>,
    pub denials: Family<DenialLabels, Counter>,
    pub durations: Family<PluginLabel, Histogram, fn() -> Histogram>,
    summaries: Mutex<HashMap<String, CallSummary>>,
}

/// Running totals of one plugin.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct CallSummary {
    pub calls: u64,
    pub errors: BTreeMap<String, u64>,
    pub denials: u64,
    pub total_duration_ms: f64,
}

impl Default for PluginMetrics {
    fn default() -> Self {
        Self::new()
    }
}

impl PluginMetrics {
    pub fn new() -> Self {
        PluginMetrics {
            calls: Family::default(),
            errors: Family::default(),
            denials: Family::default(),
            durations: Family::new_with_constructor(duration_histogram),
            summaries: Mutex::default(),
        }
    }

    pub fn call(&self, plugin: &str, call: &str, took: Duration) {
        self.calls
            .get_or_create(&CallLabels {
                plugin: plugin.to_string(),
                call: call.to_string(),
            })
            .inc();
        self.durations
            .get_or_create(&PluginLabel {
                plugin: plugin.to_string(),
            })
            .observe(took.as_secs_f64());
        let mut summaries = self.summaries.lock().expect("metrics poisoned");
        let summary = summaries.entry(plugin.to_string()).or_default();
        summary.calls += 1;
        summary.total_duration_ms += took.as_secs_f64() * 1000.0;
    }

    pub fn error(&self, plugin: &str, kind: &str) {
        self.errors
            .get_or_create(&ErrorLabels {
                plugin: plugin.to_string(),
                kind: kind.to_string(),
            })
            .inc();
        let mut summaries = self.summaries.lock().expect("metrics poisoned");
        *summaries
            .entry(plugin.to_string())
            .or_default()
            .errors
            .entry(kind.to_string())
            .or_default() += 1;
    }

    pub fn denial(&self, plugin: &str, capability: &str) {
        self.denials
            .get_or_create(&DenialLabels {
                plugin: plugin.to_string(),
                capability: capability.to_string(),
            })
            .inc();
        let mut summaries = self.summaries.lock().expect("metrics poisoned");
        summaries.entry(plugin.to_string()).or_default().denials += 1;
    }

    /// Totals for one plugin (for the admin page and tests).
    pub fn summary(&self, plugin: &str) -> CallSummary {
        self.summaries
            .lock()
            .expect("metrics poisoned")
            .get(plugin)
            .cloned()
            .unwrap_or_default()
    }

    /// Registers every family under `portico_plugin_*` names.
    pub fn register(&self, registry: &mut Registry) {
        registry.register(
            "portico_plugin_calls",
            "Plugin calls by plugin and export",
            self.calls.clone(),
        );
        registry.register(
            "portico_plugin_errors",
            "Failed plugin calls by plugin and error kind",
            self.errors.clone(),
        );
        registry.register(
            "portico_plugin_denials",
            "Capability uses refused, by plugin and capability",
            self.denials.clone(),
        );
        registry.register(
            "portico_plugin_call_duration_seconds",
            "Plugin call duration",
            self.durations.clone(),
        );
    }
}
