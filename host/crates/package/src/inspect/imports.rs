//! What each import of a component needs from the host (a capability, nothing, or nothing
//! useful) and which world each export implements.

use serde::Serialize;

use crate::capability::CapabilityKind;
use crate::world::{InterfaceName, WIT_PACKAGE, World};

/// What an import needs to work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ImportNeed {
    /// Always linked: log, config, types, `wasi:cli`/`clocks`/`random`/`io`.
    Always,
    /// Works only when this capability is granted; denied at call time otherwise.
    Capability {
        /// The capability.
        capability: CapabilityKind,
    },
    /// `wasi:filesystem` and `wasi:sockets`: linked so the component instantiates, but empty
    /// (the exceptions are directories the host preopens for one call: an action's task
    /// workspace, and the entity's docs folder in `docs-renderer` calls with `docs-files`)
    /// (no preopened directories, no network): no access.
    LinkedEmpty,
    /// Portico does not provide this import: the component will fail to instantiate.
    Unknown,
}

impl ImportNeed {
    /// A short description for the inspect report.
    pub fn describe(self) -> String {
        match self {
            ImportNeed::Always => "always available".into(),
            ImportNeed::Capability { capability } => format!("needs capability {capability}"),
            ImportNeed::LinkedEmpty => "linked empty: no access".into(),
            ImportNeed::Unknown => "not provided by Portico: the plugin will not load".into(),
        }
    }
}

/// Classifies one top-level import name (`portico:plugin/kv@0.1.0`).
pub fn classify_import(name: &str) -> ImportNeed {
    let Some(n) = InterfaceName::parse(name) else {
        return ImportNeed::Unknown;
    };
    let needs = |capability| ImportNeed::Capability { capability };
    match (n.package, n.interface) {
        (WIT_PACKAGE, "log" | "config" | "types" | "view-types" | "task-log") => ImportNeed::Always,
        (WIT_PACKAGE, "kv") => needs(CapabilityKind::Kv),
        (WIT_PACKAGE, "secrets") => needs(CapabilityKind::Secrets),
        (WIT_PACKAGE, "catalog") => needs(CapabilityKind::Catalog),
        ("wasi:http", "outgoing-handler") => needs(CapabilityKind::Http),
        ("wasi:http", "types") => ImportNeed::Always,
        ("wasi:cli" | "wasi:clocks" | "wasi:random" | "wasi:io", _) => ImportNeed::Always,
        ("wasi:filesystem" | "wasi:sockets", _) => ImportNeed::LinkedEmpty,
        _ => ImportNeed::Unknown,
    }
}

/// The world an export implements, if it is one of `portico:plugin`'s extension points.
pub fn classify_export(name: &str) -> Option<World> {
    let n = InterfaceName::parse(name)?;
    (n.package == WIT_PACKAGE)
        .then(|| World::for_export_interface(n.interface))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_map_to_capabilities() {
        let cap = |c| ImportNeed::Capability { capability: c };
        for (name, need) in [
            ("portico:plugin/kv@0.1.0", cap(CapabilityKind::Kv)),
            ("portico:plugin/secrets@0.1.0", cap(CapabilityKind::Secrets)),
            ("portico:plugin/catalog@0.1.0", cap(CapabilityKind::Catalog)),
            (
                "wasi:http/outgoing-handler@0.2.12",
                cap(CapabilityKind::Http),
            ),
            (
                "wasi:http/outgoing-handler@0.2.0",
                cap(CapabilityKind::Http),
            ),
            ("portico:plugin/log@0.1.0", ImportNeed::Always),
            ("portico:plugin/config@0.1.0", ImportNeed::Always),
            ("portico:plugin/types@0.1.0", ImportNeed::Always),
            ("portico:plugin/task-log@0.1.0", ImportNeed::Always),
            ("wasi:http/types@0.2.12", ImportNeed::Always),
            ("wasi:cli/environment@0.2.0", ImportNeed::Always),
            ("wasi:clocks/wall-clock@0.2.3", ImportNeed::Always),
            ("wasi:random/random@0.2.12", ImportNeed::Always),
            ("wasi:io/streams@0.2.12", ImportNeed::Always),
            ("wasi:filesystem/preopens@0.2.0", ImportNeed::LinkedEmpty),
            ("wasi:sockets/tcp@0.2.0", ImportNeed::LinkedEmpty),
            ("wasi:http/incoming-handler@0.2.0", ImportNeed::Unknown),
            ("wasi:keyvalue/store@0.2.0", ImportNeed::Unknown),
            ("portico:plugin/admin@0.1.0", ImportNeed::Unknown),
            ("run", ImportNeed::Unknown),
        ] {
            assert_eq!(classify_import(name), need, "{name}");
        }
    }

    #[test]
    fn exports_map_to_worlds() {
        assert_eq!(
            classify_export("portico:plugin/views@0.1.0"),
            Some(World::EntityView)
        );
        assert_eq!(
            classify_export("portico:plugin/checks@0.2.0"),
            Some(World::Check)
        );
        assert_eq!(classify_export("portico:plugin/kv@0.1.0"), None);
        assert_eq!(classify_export("wasi:cli/run@0.2.0"), None);
        assert_eq!(classify_export("views"), None);
    }
}
