//! Runs entity-provider plugins on a schedule and hands what they discover to the catalog.
//!
//! Each provider runs in its own task under its own limits (its `provider` deadline), so a slow
//! or failing provider never delays or blocks another. A failed run changes nothing: the
//! entities of its last good run stay served. A good run replaces everything the provider
//! emitted before (entities it stopped emitting are deleted eagerly).

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
        loop {
            ticker.tick().await;
            for plugin in runtime.active() {
                if plugin.exports.provider.is_none() {
                    continue;
                }
                let (runtime, catalog, org) = (runtime.clone(), catalog.clone(), org.clone());
                let id = plugin.id().to_string();
                tokio::spawn(async move {
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
