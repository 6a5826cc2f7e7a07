//! The plugin `catalog` capability backed by the real catalog: read-only lookups by name and
//! filter queries in the calling organization.

use crate::runtime::{CatalogAccess, CatalogEntity};
use portico_catalog::Catalog;
use portico_catalog::api::EntitiesRequest;
use portico_storage::OrgId;
use std::sync::Arc;

pub struct CatalogBridge(pub Arc<Catalog>);

fn to_plugin_entity(value: serde_json::Value) -> CatalogEntity {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    CatalogEntity {
        kind: text(&value["kind"]),
        namespace: value["metadata"]["namespace"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
        name: text(&value["metadata"]["name"]),
        descriptor_json: value.to_string(),
    }
}

impl CatalogAccess for CatalogBridge {
    fn get_entity(
        &self,
        org: &OrgId,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> anyhow::Result<Option<CatalogEntity>> {
        match self.0.entity_by_name(org, kind, namespace, name) {
            Ok(value) => Ok(Some(to_plugin_entity(value))),
            Err(portico_catalog::api::CatalogError::NotFound(_)) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    fn query(&self, org: &OrgId, filter: &str, limit: usize) -> anyhow::Result<Vec<CatalogEntity>> {
        let request = EntitiesRequest {
            filter: if filter.trim().is_empty() {
                Vec::new()
            } else {
                vec![filter.to_string()]
            },
            limit: Some(limit),
            ..EntitiesRequest::default()
        };
        let response = self.0.entities(org, &request)?;
        Ok(response
            .entities
            .into_iter()
            .map(to_plugin_entity)
            .collect())
    }
}
