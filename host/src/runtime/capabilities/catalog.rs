//! The `catalog` import: read-only catalog queries in the calling organization.

use super::{denied, internal};
use crate::runtime::bindings::latest::portico::plugin::catalog::Host;
use crate::runtime::bindings::latest::{Entity, EntityRef, PluginError};
use crate::runtime::services::CatalogEntity;
use crate::runtime::state::PluginState;

/// The most entities one query returns, whatever the plugin asks for.
pub const MAX_QUERY_RESULTS: u32 = 500;

fn to_wit(e: CatalogEntity) -> Entity {
    Entity {
        ref_: EntityRef {
            kind: e.kind,
            namespace: e.namespace,
            name: e.name,
        },
        descriptor: e.descriptor_json,
    }
}

impl PluginState {
    fn check_catalog_grant(&self, asked: &str) -> Result<(), PluginError> {
        if self.identity.grants.catalog {
            Ok(())
        } else {
            self.deny("catalog", asked);
            Err(denied(
                "catalog",
                format!("{asked} needs the catalog capability"),
            ))
        }
    }
}

impl Host for PluginState {
    fn get_entity(&mut self, r: EntityRef) -> Result<Option<Entity>, PluginError> {
        self.check_catalog_grant(&format!("get-entity {}:{}/{}", r.kind, r.namespace, r.name))?;
        self.services
            .catalog
            .get_entity(&self.identity.org, &r.kind, &r.namespace, &r.name)
            .map(|found| found.map(to_wit))
            .map_err(|err| internal(format!("catalog lookup failed: {err:#}")))
    }

    fn query_entities(&mut self, filter: String, limit: u32) -> Result<Vec<Entity>, PluginError> {
        self.check_catalog_grant(&format!("query-entities {filter:?}"))?;
        let limit = limit.min(MAX_QUERY_RESULTS) as usize;
        self.services
            .catalog
            .query(&self.identity.org, &filter, limit)
            .map(|found| found.into_iter().map(to_wit).collect())
            .map_err(|err| super::invalid(format!("catalog query {filter:?} failed: {err:#}")))
    }
}
