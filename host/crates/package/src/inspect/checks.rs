//! Cross-checks of a package: the manifest's worlds, capabilities and WIT version against the
//! component's actual exports and imports. Each issue says what will happen and what to do.

use super::{ImportNeed, Issue, Package, Severity, SignatureSummary};
use crate::capability::{Capability, CapabilityKind};
use crate::world::{InterfaceName, WIT_PACKAGE, WIT_VERSIONS};

pub(super) fn issues(p: &Package) -> Vec<Issue> {
    let mut out = Vec::new();
    let mut push = |severity, message: String| out.push(Issue { severity, message });
    let m = &p.manifest;
    let wit = m.wit.to_string();

    if !WIT_VERSIONS.contains(&wit.as_str()) {
        push(
            Severity::Error,
            format!(
                "the manifest says wit = \"{wit}\", but this Portico serves {WIT_PACKAGE} {}; \
                 rebuild the plugin against a supported version or upgrade Portico",
                WIT_VERSIONS.join(", ")
            ),
        );
    }
    let names = p.imports.iter().map(|i| ("imports", &i.name));
    for (verb, name) in names.chain(p.exports.iter().map(|e| ("exports", &e.name))) {
        let Some(n) = InterfaceName::parse(name).filter(|n| n.package == WIT_PACKAGE) else {
            continue;
        };
        if n.version != Some(wit.as_str()) {
            push(
                Severity::Error,
                format!(
                    "the component {verb} {name} but the manifest says wit = \"{wit}\"; \
                     rebuild against {WIT_PACKAGE}@{wit} or correct \"wit\" in the manifest"
                ),
            );
        }
    }

    for world in &m.worlds {
        if !p.exports.iter().any(|e| e.world == Some(*world)) {
            push(
                Severity::Error,
                format!(
                    "the manifest declares world \"{world}\" but the component does not export \
                     {WIT_PACKAGE}/{}@{wit}; build it for that world or remove \"{world}\" from \
                     \"worlds\"",
                    world.export_interface()
                ),
            );
        }
    }
    for export in &p.exports {
        if let Some(world) = export.world.filter(|w| !m.worlds.contains(w)) {
            push(
                Severity::Warning,
                format!(
                    "the component exports {} but the manifest does not declare world \
                     \"{world}\", so Portico will not call it; add \"{world}\" to \"worlds\"",
                    export.name
                ),
            );
        }
    }

    for import in &p.imports {
        match import.need {
            ImportNeed::Capability { capability } if m.request(capability).is_none() => push(
                Severity::Warning,
                format!(
                    "the component imports {} but the manifest does not request capability \
                     \"{capability}\": every such call will be denied at runtime; add \
                     [capabilities.{capability}] to the manifest",
                    import.name
                ),
            ),
            ImportNeed::Unknown => push(
                Severity::Error,
                format!(
                    "the component imports {}, which Portico does not provide: it will fail to \
                     load; remove the dependency that pulls it in",
                    import.name
                ),
            ),
            ImportNeed::LinkedEmpty => push(
                Severity::Note,
                format!(
                    "the component imports {}: it is linked empty, the plugin gets no access",
                    import.name
                ),
            ),
            _ => {}
        }
    }
    let is_task_log = |name: &str| {
        InterfaceName::parse(name)
            .is_some_and(|n| n.package == WIT_PACKAGE && n.interface == "task-log")
    };
    if p.imports.iter().any(|i| is_task_log(&i.name)) && !m.worlds.contains(&crate::World::Action) {
        push(
            Severity::Warning,
            format!(
                "the component imports {WIT_PACKAGE}/task-log, which only the \"action\" world \
                 provides; declare \"action\" in \"worlds\" or drop the import"
            ),
        );
    }

    for request in &m.capabilities {
        let kind = request.capability.kind();
        let used = p.imports.iter().any(|i| match kind {
            // The docs folder arrives as a preopened directory of `wasi:filesystem`.
            CapabilityKind::DocsFiles => i.name.starts_with("wasi:filesystem/"),
            _ => i.need == ImportNeed::Capability { capability: kind },
        });
        if !used {
            push(
                Severity::Note,
                format!(
                    "the manifest requests capability \"{kind}\" but the component never imports \
                     {}; granting it has no effect",
                    interface_of(kind)
                ),
            );
        }
        if let Capability::Http { hosts } = &request.capability
            && hosts.iter().any(|h| h.is_any_host())
        {
            push(
                Severity::Warning,
                "the manifest requests outgoing HTTP to any host (`*`); grant narrower host \
                 patterns with --grant http:HOST where possible"
                    .into(),
            );
        }
    }

    if let SignatureSummary::Malformed { problem } = &p.signature {
        push(
            Severity::Error,
            format!("{problem}; install will refuse it"),
        );
    }
    out.sort_by_key(|i| i.severity);
    out
}

fn interface_of(kind: CapabilityKind) -> &'static str {
    match kind {
        CapabilityKind::Http => "wasi:http/outgoing-handler",
        CapabilityKind::Secrets => "portico:plugin/secrets",
        CapabilityKind::Kv => "portico:plugin/kv",
        CapabilityKind::Catalog => "portico:plugin/catalog",
        CapabilityKind::DocsFiles => "wasi:filesystem/preopens",
    }
}
