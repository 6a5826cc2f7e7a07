//! `Package::parse` as `portico plugin inspect` uses it: imports and exports with what they
//! need, inconsistencies between manifest and component, the text report and the JSON.

mod common;

use common::*;
use portico_package::capability::CapabilityKind;
use portico_package::{ImportNeed, Package, Severity, World, pack};

fn inspect(imports: &[&str], exports: &[&str], manifest: &str) -> Package {
    let bytes = component(&Spec {
        imports,
        exports,
        ..Spec::default()
    });
    Package::parse(&pack(&bytes, manifest).unwrap()).unwrap()
}

fn messages(p: &Package, severity: Severity) -> Vec<String> {
    p.issues
        .iter()
        .filter(|i| i.severity == severity)
        .map(|i| i.message.clone())
        .collect()
}

#[test]
fn a_consistent_plugin_has_no_problems() {
    let p = Package::parse(&packed_plugin()).unwrap();
    assert!(!p.has_errors(), "{p}");
    assert!(messages(&p, Severity::Warning).is_empty(), "{p}");
    let names: Vec<&str> = p.imports.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "portico:plugin/log@0.1.0",
            "portico:plugin/kv@0.1.0",
            "wasi:http/outgoing-handler@0.2.12"
        ]
    );
    assert_eq!(p.imports[0].need, ImportNeed::Always);
    assert_eq!(
        p.imports[1].need,
        ImportNeed::Capability {
            capability: CapabilityKind::Kv
        }
    );
    assert_eq!(
        p.imports[2].need,
        ImportNeed::Capability {
            capability: CapabilityKind::Http
        }
    );
    let worlds: Vec<Option<World>> = p.exports.iter().map(|e| e.world).collect();
    assert_eq!(worlds, [Some(World::EntityView), Some(World::Check)]);
}

#[test]
fn import_listing_of_a_minimal_component() {
    let bytes = component(&Spec {
        imports: &["portico:plugin/kv@0.1.0"],
        custom: &[("portico:manifest", default_manifest().as_bytes())],
        ..Spec::default()
    });
    let p = Package::parse(&bytes).unwrap();
    assert_eq!(p.imports.len(), 1);
    assert_eq!(p.imports[0].name, "portico:plugin/kv@0.1.0");
    assert!(p.exports.is_empty());
}

#[test]
fn declared_world_without_its_export_is_an_error() {
    let p = inspect(
        &["portico:plugin/kv@0.1.0"],
        &["portico:plugin/checks@0.1.0"],
        &default_manifest(),
    );
    let errors = messages(&p, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0].contains(
        "declares world \"entity-view\" but the component does not export portico:plugin/views@0.1.0"
    ));
}

#[test]
fn export_without_declared_world_is_a_warning() {
    let p = inspect(
        &[],
        &[
            "portico:plugin/views@0.1.0",
            "portico:plugin/checks@0.1.0",
            "portico:plugin/provider@0.1.0",
        ],
        &default_manifest(),
    );
    let warnings = messages(&p, Severity::Warning);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("exports portico:plugin/provider@0.1.0")
                && w.contains("add \"entity-provider\" to \"worlds\"")),
        "{warnings:#?}"
    );
}

#[test]
fn capability_imported_but_not_requested_will_be_denied() {
    let p = inspect(
        &[
            "portico:plugin/secrets@0.1.0",
            "portico:plugin/catalog@0.1.0",
        ],
        &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        &default_manifest(),
    );
    let warnings = messages(&p, Severity::Warning);
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("imports portico:plugin/secrets@0.1.0")
                && w.contains("denied at runtime")
                && w.contains("[capabilities.secrets]")),
        "{warnings:#?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("capability \"catalog\"")),
        "{warnings:#?}"
    );
    // kv and http are requested but never imported: notes.
    let notes = messages(&p, Severity::Note);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("requests capability \"kv\"")),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("requests capability \"http\"")),
        "{notes:#?}"
    );
}

#[test]
fn wit_version_mismatch_is_an_error() {
    let p = inspect(
        &["portico:plugin/kv@0.2.0"],
        &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        &default_manifest(),
    );
    let errors = messages(&p, Severity::Error);
    assert!(errors.iter().any(|e| e.contains("imports portico:plugin/kv@0.2.0")
        && e.contains("wit = \"0.1.0\"")), "{errors:#?}");

    let newer = default_manifest().replace("wit = \"0.1.0\"", "wit = \"0.9.0\"");
    let p = inspect(
        &[],
        &["portico:plugin/views@0.9.0", "portico:plugin/checks@0.9.0"],
        &newer,
    );
    let errors = messages(&p, Severity::Error);
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0].contains("this Portico serves portico:plugin 0.1.0"),
        "{errors:#?}"
    );
}

#[test]
fn filesystem_sockets_and_unknown_imports() {
    let p = inspect(
        &[
            "wasi:filesystem/preopens@0.2.0",
            "wasi:sockets/tcp@0.2.0",
            "wasi:cli/environment@0.2.0",
            "wasi:keyvalue/store@0.2.0-draft",
            "portico:plugin/task-log@0.1.0",
        ],
        &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        &default_manifest(),
    );
    assert_eq!(p.imports[0].need, ImportNeed::LinkedEmpty);
    assert_eq!(p.imports[1].need, ImportNeed::LinkedEmpty);
    assert_eq!(p.imports[2].need, ImportNeed::Always);
    assert_eq!(p.imports[3].need, ImportNeed::Unknown);
    let errors = messages(&p, Severity::Error);
    assert!(
        errors
            .iter()
            .any(|e| e.contains("wasi:keyvalue/store") && e.contains("fail to load"))
    );
    let notes = messages(&p, Severity::Note);
    assert!(
        notes
            .iter()
            .any(|n| n.contains("wasi:filesystem/preopens@0.2.0: it is linked empty"))
    );
    let warnings = messages(&p, Severity::Warning);
    assert!(
        warnings.iter().any(|w| w.contains("task-log")),
        "{warnings:#?}"
    );
    // Errors come first.
    assert_eq!(p.issues[0].severity, Severity::Error);
}

#[test]
fn any_host_request_is_flagged() {
    let m = default_manifest().replace("\"status.example.com\", ", "\"*\", ");
    let p = inspect(
        &["wasi:http/outgoing-handler@0.2.12"],
        &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        &m,
    );
    assert!(
        messages(&p, Severity::Warning)
            .iter()
            .any(|w| w.contains("any host"))
    );
}

#[test]
fn text_report() {
    let p = Package::parse(&packed_plugin()).unwrap();
    let text = p.to_string();
    for expect in [
        "Service status (service-status 0.1.0)",
        "  Shows the status of a service",
        "license      Apache-2.0",
        "worlds       entity-view, check",
        "built for    portico:plugin@0.1.0",
        &format!("sha256       {}", p.sha256),
        "signature    unsigned",
        "manifest     top-level section",
        "config       JSON Schema with keys: url",
        "Requested capabilities:\n  http      status.example.com, *.example.org:8443\n            why: reads the status page",
        "  kv\n            why: caches results",
        "portico:plugin/kv@0.1.0            needs capability kv",
        "wasi:http/outgoing-handler@0.2.12  needs capability http",
        "portico:plugin/log@0.1.0           always available",
        "Exports:\n  portico:plugin/views@0.1.0         world entity-view",
    ] {
        assert!(text.contains(expect), "missing {expect:?} in:\n{text}");
    }
    assert!(!text.contains("Issues:"), "{text}");
    let bad = inspect(&["wasi:sockets/tcp@0.2.0"], &[], &default_manifest()).to_string();
    assert!(
        bad.contains("Issues:\n  error: the manifest declares world"),
        "{bad}"
    );
    assert!(
        bad.contains("  note: the component imports wasi:sockets/tcp@0.2.0"),
        "{bad}"
    );
}

#[test]
fn json_report() {
    let p = Package::parse(&packed_plugin()).unwrap();
    let json = serde_json::to_value(&p).unwrap();
    assert_eq!(json["manifest"]["id"], "service-status");
    assert_eq!(json["manifest"]["version"], "0.1.0");
    assert_eq!(json["manifest_location"], "top-level");
    assert_eq!(json["signature"]["status"], "unsigned");
    assert_eq!(json["sha256"], p.sha256);
    assert_eq!(json["imports"][1]["need"]["kind"], "capability");
    assert_eq!(json["imports"][1]["need"]["capability"], "kv");
    assert_eq!(json["exports"][0]["world"], "entity-view");
    assert_eq!(json["manifest"]["config_schema"]["type"], "object");
    assert!(json["issues"].as_array().unwrap().is_empty());
}

#[test]
#[ignore = "prints a sample report: cargo test -p portico-package --test inspect -- --ignored --nocapture"]
fn print_sample_report() {
    let p = inspect(
        &[
            "portico:plugin/log@0.1.0",
            "portico:plugin/secrets@0.1.0",
            "wasi:filesystem/preopens@0.2.0",
        ],
        &["portico:plugin/views@0.1.0"],
        &default_manifest(),
    );
    println!("{p}");
}
