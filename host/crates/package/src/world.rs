//! The extension points of `portico:plugin` (its worlds) and the interface each one exports.
//! Shared by the manifest (`worlds = [...]`) and by inspection of a component's exports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The WIT package every plugin is built against.
pub const WIT_PACKAGE: &str = "portico:plugin";

/// Released versions of `portico:plugin` this crate knows (see `wit/README.md`).
pub const WIT_VERSIONS: &[&str] = &["0.1.0", "0.2.0"];

/// One extension point: a world of `portico:plugin` that a plugin implements.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum World {
    /// A catalog source (exports `provider`).
    EntityProvider,
    /// Tabs and cards on entity pages (exports `views`).
    EntityView,
    /// Steps of self-service templates (exports `actions`).
    Action,
    /// Documentation pages (exports `docs`).
    DocsRenderer,
    /// Scorecard checks (exports `checks`).
    Check,
}

impl World {
    /// Every world, in the order the WIT declares them.
    pub const ALL: [World; 5] = [
        World::EntityProvider,
        World::EntityView,
        World::Action,
        World::DocsRenderer,
        World::Check,
    ];

    /// The world's name in WIT (`entity-view`).
    pub fn as_str(self) -> &'static str {
        match self {
            World::EntityProvider => "entity-provider",
            World::EntityView => "entity-view",
            World::Action => "action",
            World::DocsRenderer => "docs-renderer",
            World::Check => "check",
        }
    }

    /// The interface of `portico:plugin` the world exports (`views`).
    pub fn export_interface(self) -> &'static str {
        match self {
            World::EntityProvider => "provider",
            World::EntityView => "views",
            World::Action => "actions",
            World::DocsRenderer => "docs",
            World::Check => "checks",
        }
    }

    /// The world whose export is `interface` (`views` → `entity-view`).
    pub fn for_export_interface(interface: &str) -> Option<World> {
        World::ALL
            .into_iter()
            .find(|w| w.export_interface() == interface)
    }

    /// The names of all worlds, for error messages.
    pub fn names() -> String {
        World::ALL.map(World::as_str).join(", ")
    }
}

impl fmt::Display for World {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for World {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        World::ALL
            .into_iter()
            .find(|w| w.as_str() == s)
            .ok_or_else(|| format!("{s:?} is not a world; use one of: {}", World::names()))
    }
}

/// A WIT interface name split into its parts: `ns:pkg/iface@version`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceName<'a> {
    /// `ns:pkg`, e.g. `portico:plugin` or `wasi:http`.
    pub package: &'a str,
    /// The interface, e.g. `kv`.
    pub interface: &'a str,
    /// The version after `@`, if any.
    pub version: Option<&'a str>,
}

impl<'a> InterfaceName<'a> {
    /// Splits `name`; `None` when it is not an interface name (a plain import like `run`).
    pub fn parse(name: &'a str) -> Option<Self> {
        let (path, version) = match name.split_once('@') {
            Some((path, version)) => (path, Some(version)),
            None => (name, None),
        };
        let (package, interface) = path.split_once('/')?;
        if !package.contains(':') || interface.is_empty() {
            return None;
        }
        Some(InterfaceName {
            package,
            interface,
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worlds_round_trip_through_their_names() {
        for w in World::ALL {
            assert_eq!(w.as_str().parse::<World>().unwrap(), w);
            assert_eq!(World::for_export_interface(w.export_interface()), Some(w));
        }
        let err = "entity-viewer".parse::<World>().unwrap_err();
        assert!(err.contains("entity-view, action"), "{err}");
    }

    #[test]
    fn interface_names_split() {
        let n = InterfaceName::parse("wasi:http/outgoing-handler@0.2.12").unwrap();
        assert_eq!(n.package, "wasi:http");
        assert_eq!(n.interface, "outgoing-handler");
        assert_eq!(n.version, Some("0.2.12"));
        let n = InterfaceName::parse("portico:plugin/kv").unwrap();
        assert_eq!(n.version, None);
        assert_eq!(InterfaceName::parse("run"), None);
        assert_eq!(InterfaceName::parse("a/b"), None);
    }
}
