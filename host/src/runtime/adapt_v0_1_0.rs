//! The edge for plugins built against `portico:plugin@0.1.0`: the host serves them with the
//! capabilities and types of the newest version.
//!
//! - Imports: each 0.1.0 host interface delegates to the newest one's implementation (same
//!   grants, same limits); only `log`'s `level` enum is converted.
//! - Exports: each 0.1.0 record a plugin returns becomes the newest record ([`IntoLatest`]);
//!   `run-context` goes the other way ([`run_context`]).
//!
//! `types` and `view-types` need nothing: 0.1.0's bindings use the newest Rust types for
//! them (see `bindings`). What 0.1.0 lacks (`read-raw`) is refused in `exports`.

use super::bindings::latest::portico::plugin as latest;
use super::bindings::latest::{Entity, EntityRef, PluginError, view_types};
use super::bindings::{latest as newest, v0_1_0};
use super::state::PluginState;
use anyhow::Result;
use wasmtime::component::{HasSelf, Linker};

use v0_1_0::portico::plugin as old;

/// Adds the 0.1.0 host interfaces to `linker`.
pub(crate) fn link(linker: &mut Linker<PluginState>) -> Result<()> {
    // Interfaces of types only: an empty instance, as bindgen's `add_to_linker` makes.
    linker.instance("portico:plugin/types@0.1.0")?;
    linker.instance("portico:plugin/view-types@0.1.0")?;
    old::log::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    old::config::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    old::kv::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    old::secrets::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    old::catalog::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    old::task_log::add_to_linker::<_, HasSelf<PluginState>>(linker, |s| s)?;
    Ok(())
}

impl old::log::Host for PluginState {
    fn log(&mut self, level: old::log::Level, message: String) {
        use latest::log::Level;
        let level = match level {
            old::log::Level::Trace => Level::Trace,
            old::log::Level::Debug => Level::Debug,
            old::log::Level::Info => Level::Info,
            old::log::Level::Warn => Level::Warn,
            old::log::Level::Error => Level::Error,
        };
        latest::log::Host::log(self, level, message)
    }
}

impl old::config::Host for PluginState {
    fn get(&mut self) -> String {
        latest::config::Host::get(self)
    }
}

impl old::kv::Host for PluginState {
    fn get(&mut self, key: String) -> Result<Option<Vec<u8>>, PluginError> {
        latest::kv::Host::get(self, key)
    }

    fn set(
        &mut self,
        key: String,
        value: Vec<u8>,
        ttl_seconds: Option<u32>,
    ) -> Result<(), PluginError> {
        latest::kv::Host::set(self, key, value, ttl_seconds)
    }

    fn delete(&mut self, key: String) -> Result<(), PluginError> {
        latest::kv::Host::delete(self, key)
    }

    fn list_keys(&mut self, prefix: String, limit: u32) -> Result<Vec<String>, PluginError> {
        latest::kv::Host::list_keys(self, prefix, limit)
    }
}

impl old::secrets::Host for PluginState {
    fn get(&mut self, name: String) -> Result<String, PluginError> {
        latest::secrets::Host::get(self, name)
    }
}

impl old::catalog::Host for PluginState {
    fn get_entity(&mut self, r: EntityRef) -> Result<Option<Entity>, PluginError> {
        latest::catalog::Host::get_entity(self, r)
    }

    fn query_entities(&mut self, filter: String, limit: u32) -> Result<Vec<Entity>, PluginError> {
        latest::catalog::Host::query_entities(self, filter, limit)
    }
}

impl old::task_log::Host for PluginState {
    fn write(&mut self, line: String) {
        latest::task_log::Host::write(self, line)
    }
}

/// A value a 0.1.0 export returns, as the newest version spells it.
pub(crate) trait IntoLatest {
    type Latest;
    fn into_latest(self) -> Self::Latest;
}

/// Values whose type is the same in both versions.
macro_rules! same_in_latest {
    ($($ty:ty),*) => {
        $(impl IntoLatest for $ty {
            type Latest = $ty;
            fn into_latest(self) -> $ty {
                self
            }
        })*
    };
}

same_in_latest!(String, bool, view_types::View);

impl<T: IntoLatest> IntoLatest for Vec<T> {
    type Latest = Vec<T::Latest>;
    fn into_latest(self) -> Self::Latest {
        self.into_iter().map(IntoLatest::into_latest).collect()
    }
}

impl<T: IntoLatest> IntoLatest for Result<T, PluginError> {
    type Latest = Result<T::Latest, PluginError>;
    fn into_latest(self) -> Self::Latest {
        self.map(IntoLatest::into_latest)
    }
}

impl IntoLatest for v0_1_0::views::ViewInfo {
    type Latest = newest::views::ViewInfo;
    fn into_latest(self) -> Self::Latest {
        use newest::views::Placement;
        newest::views::ViewInfo {
            id: self.id,
            title: self.title,
            placement: match self.placement {
                v0_1_0::views::Placement::Tab => Placement::Tab,
                v0_1_0::views::Placement::Card => Placement::Card,
            },
        }
    }
}

impl IntoLatest for v0_1_0::provider::Discovery {
    type Latest = newest::provider::Discovery;
    fn into_latest(self) -> Self::Latest {
        use newest::provider::{DiscoveredEntity, Discovery, DiscoveryError};
        Discovery {
            entities: self
                .entities
                .into_iter()
                .map(|e| DiscoveredEntity {
                    descriptor: e.descriptor,
                    location: e.location,
                })
                .collect(),
            errors: self
                .errors
                .into_iter()
                .map(|e| DiscoveryError {
                    location: e.location,
                    message: e.message,
                })
                .collect(),
        }
    }
}

impl IntoLatest for v0_1_0::actions::ActionInfo {
    type Latest = newest::actions::ActionInfo;
    fn into_latest(self) -> Self::Latest {
        newest::actions::ActionInfo {
            id: self.id,
            description: self.description,
            input_schema: self.input_schema,
            output_schema: self.output_schema,
        }
    }
}

impl IntoLatest for v0_1_0::docs::Page {
    type Latest = newest::docs::Page;
    fn into_latest(self) -> Self::Latest {
        use newest::docs::{Heading, NavItem, Page};
        Page {
            path: self.path,
            title: self.title,
            html: self.html,
            toc: self
                .toc
                .into_iter()
                .map(|h| Heading {
                    level: h.level,
                    text: h.text,
                    anchor: h.anchor,
                })
                .collect(),
            nav: self
                .nav
                .into_iter()
                .map(|n| NavItem {
                    title: n.title,
                    path: n.path,
                    depth: n.depth,
                })
                .collect(),
            text: self.text,
        }
    }
}

impl IntoLatest for v0_1_0::checks::CheckInfo {
    type Latest = newest::checks::CheckInfo;
    fn into_latest(self) -> Self::Latest {
        newest::checks::CheckInfo {
            id: self.id,
            title: self.title,
            description: self.description,
        }
    }
}

impl IntoLatest for v0_1_0::checks::CheckResult {
    type Latest = newest::checks::CheckResult;
    fn into_latest(self) -> Self::Latest {
        use newest::checks::Outcome;
        newest::checks::CheckResult {
            check_id: self.check_id,
            outcome: match self.outcome {
                v0_1_0::checks::Outcome::Pass => Outcome::Pass,
                v0_1_0::checks::Outcome::Warn => Outcome::Warn,
                v0_1_0::checks::Outcome::Fail => Outcome::Fail,
                v0_1_0::checks::Outcome::NotApplicable => Outcome::NotApplicable,
            },
            message: self.message,
            url: self.url,
        }
    }
}

/// The newest `run-context` as 0.1.0 takes it.
pub(crate) fn run_context(run: &newest::actions::RunContext) -> v0_1_0::actions::RunContext {
    v0_1_0::actions::RunContext {
        task_id: run.task_id.clone(),
        user: run.user.clone(),
        workspace: run.workspace.clone(),
        dry_run: run.dry_run,
    }
}
