//! Runs entity-provider plugins on a schedule and hands what they discover to the catalog.
//!
//! Each provider runs in its own task under its own limits (its `provider` deadline), so a slow
//! or failing provider never delays or blocks another. A failed run changes nothing: the
//! entities of its last good run stay served. A good run replaces everything the provider
//! emitted before (entities it stopped emitting are deleted eagerly). A provider whose previous
//! run is still going when its next is due skips that turn rather than running twice at once.

use crate::runtime::{CallContext, Runtime};
use anyhow::{Context, Result};
use portico_catalog::Catalog;
use portico_catalog::processing::ProcessReport;
use portico_storage::OrgId;
use std::sync::Arc;
use std::time::Duration;

/// The catalog's name for what a provider plugin emitted.
pub fn producer_name(plugin_id: &str) -> String {
    format!("plugin:{plugin_id}")
}

/// One discovery run of `plugin_id`, applied to the catalog.
pub async fn run_provider(
    runtime: &Runtime,
    catalog: &Arc<Catalog>,
    org: &OrgId,
    plugin_id: &str,
) -> Result<ProcessReport> {
    let ctx = CallContext::org(org.clone());
    let discovery = runtime.discover(plugin_id, &ctx).await?;
    for problem in &discovery.errors {
        tracing::warn!(plugin = plugin_id, location = %problem.location, "provider: {}", problem.message);
    }
    let mut entities = Vec::with_capacity(discovery.entities.len());
    for (index, found) in discovery.entities.into_iter().enumerate() {
        let mut entity: serde_json::Value = match serde_json::from_str(&found.descriptor) {
            Ok(entity) => entity,
            Err(err) => {
                tracing::warn!(plugin = plugin_id, index, location = %found.location, "provider emitted invalid JSON: {err}");
                continue;
            }
        };
        // Where the entity came from, as Backstage records it (unless the provider set it).
        if let Some(metadata) = entity.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            let annotations = metadata
                .entry("annotations")
                .or_insert_with(|| serde_json::json!({}));
            if let Some(annotations) = annotations.as_object_mut() {
                for key in [
                    "backstage.io/managed-by-location",
                    "backstage.io/managed-by-origin-location",
                ] {
                    annotations
                        .entry(key)
                        .or_insert_with(|| serde_json::Value::String(found.location.clone()));
                }
            }
        }
        entities.push(entity);
    }
    let catalog = catalog.clone();
    let org = org.clone();
    let producer = producer_name(plugin_id);
    tokio::task::spawn_blocking(move || catalog.apply_provider(&org, &producer, entities))
        .await
        .context("the catalog task failed")?
        .with_context(|| format!("applying what provider {plugin_id} discovered"))
}

/// Starts one loop per provider plugin, every `interval`. Providers installed later are picked
/// up on the next tick of the supervisor.
pub fn spawn_scheduler(
    runtime: Arc<Runtime>,
    catalog: Arc<Catalog>,
    org: OrgId,
    interval: Duration,
) {
    if interval.is_zero() {
        return;
    }
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        // After a stall, the next run is an interval later, not a burst of missed ones.
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let running = Running::default();
        loop {
            ticker.tick().await;
            for plugin in runtime.active() {
                if plugin.exports.provider.is_none() {
                    continue;
                }
                let (runtime, catalog, org) = (runtime.clone(), catalog.clone(), org.clone());
                let id = plugin.id().to_string();
                let Some(turn) = running.start(&id) else {
                    tracing::info!(plugin = %id, "provider run skipped: its previous run is still going");
                    continue;
                };
                tokio::spawn(async move {
                    let _turn = turn;
                    match run_provider(&runtime, &catalog, &org, &id).await {
                        Ok(report) => tracing::info!(plugin = %id, ?report, "provider run applied"),
                        Err(err) => {
                            tracing::warn!(plugin = %id, error = %format!("{err:#}"), "provider run failed; its entities stay as they were")
                        }
                    }
                });
            }
        }
    });
}

/// The providers with a run in progress.
#[derive(Clone, Default)]
struct Running(Arc<std::sync::Mutex<std::collections::HashSet<String>>>);

/// A provider's run in progress; the provider may run again once this is dropped (also when
/// the run panics).
struct Turn {
    running: Running,
    id: String,
}

impl Running {
    /// A turn for `id`, unless it already has one.
    fn start(&self, id: &str) -> Option<Turn> {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        set.insert(id.to_owned()).then(|| Turn {
            running: self.clone(),
            id: id.to_owned(),
        })
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut set = self.running.0.lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_provider_gets_one_turn_at_a_time_and_it_ends_with_the_run() {
        let running = Running::default();
        let first = running.start("github-org").expect("nothing running");
        assert!(
            running.start("github-org").is_none(),
            "second run while first goes"
        );
        let other = running
            .start("aws-resources")
            .expect("providers are independent");
        drop(first);
        let again = running.start("github-org").expect("first run ended");
        drop(again);
        drop(other);
        // A run that panics still ends its turn.
        let r = running.clone();
        let _ = std::thread::spawn(move || {
            let _turn = r.start("github-org").unwrap();
            panic!("provider run panicked");
        })
        .join();
        assert!(running.start("github-org").is_some());
    }
}
