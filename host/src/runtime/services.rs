//! The host services capabilities reach through: storage, secrets, the catalog, metrics and
//! the record of recent denials and errors. One instance per runtime, shared by every call.

use super::metrics::PluginMetrics;
use crate::secrets::SecretStore;
use portico_storage::{OrgId, Storage};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Read-only catalog access for the `catalog` capability.
pub trait CatalogAccess: Send + Sync {
    /// The entity as `(kind, namespace, name, descriptor JSON)`.
    fn get_entity(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<Option<CatalogEntity>>;
    /// Entities matching a catalog filter expression (`kind=component,spec.type=service`).
    fn query(&self, org: &OrgId, filter: &str, limit: usize) -> anyhow::Result<Vec<CatalogEntity>>;
}

/// An entity as the catalog capability hands it to a plugin.
#[derive(Clone, Debug)]
pub struct CatalogEntity {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub descriptor_json: String,
}

/// A catalog with no entities, for runtimes without a catalog (the CLI's `plugin` commands).
pub struct NoCatalog;

impl CatalogAccess for NoCatalog {
    fn get_entity(
        &self,
        _: &OrgId,
        _: &str,
        _: &str,
        _: &str,
    ) -> anyhow::Result<Option<CatalogEntity>> {
        Ok(None)
    }
    fn query(&self, _: &OrgId, _: &str, _: usize) -> anyhow::Result<Vec<CatalogEntity>> {
        Ok(Vec::new())
    }
}

/// Something noteworthy that happened to a plugin: a denial or a failed call.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PluginEvent {
    pub at: SystemTime,
    pub org: String,
    pub kind: String,
    pub message: String,
}

const EVENTS_KEPT: usize = 50;

/// Recent denials and errors per plugin, for the admin page, plus logging and counting.
#[derive(Default)]
pub struct EventLog {
    events: Mutex<HashMap<String, VecDeque<PluginEvent>>>,
}

impl EventLog {
    pub fn push(&self, plugin: &str, org: &OrgId, kind: &str, message: String) {
        let mut events = self.events.lock().expect("event log poisoned");
        let queue = events.entry(plugin.to_string()).or_default();
        if queue.len() == EVENTS_KEPT {
            queue.pop_front();
        }
        queue.push_back(PluginEvent {
            at: SystemTime::now(),
            org: org.to_string(),
            kind: kind.to_string(),
            message,
        });
    }

    /// Newest first.
    pub fn recent(&self, plugin: &str) -> Vec<PluginEvent> {
        let events = self.events.lock().expect("event log poisoned");
        events
            .get(plugin)
            .map(|q| q.iter().rev().cloned().collect())
            .unwrap_or_default()
    }
}

/// Records capability denials: every one is logged with the plugin id and what was asked.
pub struct DenialLog {
    pub events: Arc<EventLog>,
    pub metrics: Arc<PluginMetrics>,
}

impl DenialLog {
    pub fn record(&self, plugin: &str, org: &OrgId, capability: &str, asked: &str) {
        tracing::warn!(plugin, org = %org, capability, asked, "capability denied");
        self.metrics.denial(plugin, capability);
        self.events.push(
            plugin,
            org,
            "denied",
            format!("{capability} denied: {asked}"),
        );
    }
}

pub struct HostServices {
    pub storage: Arc<dyn Storage>,
    pub secrets: Arc<SecretStore>,
    pub catalog: Arc<dyn CatalogAccess>,
    pub metrics: Arc<PluginMetrics>,
    pub events: Arc<EventLog>,
    pub denials: Arc<DenialLog>,
}

impl HostServices {
    pub fn new(
        storage: Arc<dyn Storage>,
        secrets: Arc<SecretStore>,
        catalog: Arc<dyn CatalogAccess>,
    ) -> Self {
        let metrics = Arc::new(PluginMetrics::new());
        let events = Arc::new(EventLog::default());
        HostServices {
            storage,
            secrets,
            catalog,
            denials: Arc::new(DenialLog {
                events: events.clone(),
                metrics: metrics.clone(),
            }),
            metrics,
            events,
        }
    }
}
