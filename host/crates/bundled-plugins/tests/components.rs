//! The built components are valid components, carry their manifest where the host looks for
//! it, and import only what they use.

use portico_bundled_plugins::{BUNDLED, fixtures};
use wasmparser::{Parser, Payload, Validator, WasmFeatures};

/// What a test needs to know about one component.
#[derive(Debug)]
struct Inspected {
    imports: Vec<String>,
    exports: Vec<String>,
    /// (where, text) of every `portico:manifest` section.
    manifests: Vec<(String, String)>,
}

fn inspect(bytes: &[u8]) -> Inspected {
    Validator::new_with_features(WasmFeatures::default() | WasmFeatures::COMPONENT_MODEL)
        .validate_all(bytes)
        .expect("a valid component");
    assert!(Parser::is_component(bytes), "not a component");

    let mut found = Inspected {
        imports: vec![],
        exports: vec![],
        manifests: vec![],
    };
    // Where we are: a stack of "component" / "core module #n" frames.
    let mut stack: Vec<String> = vec![];
    let mut modules_at_depth: Vec<usize> = vec![0];
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.unwrap() {
            Payload::Version { encoding, .. } => {
                let n = modules_at_depth.last().copied().unwrap_or(0);
                stack.push(match encoding {
                    wasmparser::Encoding::Component => "component".to_string(),
                    wasmparser::Encoding::Module => format!("core module #{}", n.saturating_sub(1)),
                });
                modules_at_depth.push(0);
            }
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => {
                *modules_at_depth.last_mut().unwrap() += 1;
            }
            Payload::End(_) => {
                stack.pop();
                modules_at_depth.pop();
            }
            Payload::ComponentImportSection(reader) if stack.len() == 1 => {
                for import in reader {
                    found.imports.push(import.unwrap().name.0.to_string());
                }
            }
            Payload::ComponentExportSection(reader) if stack.len() == 1 => {
                for export in reader {
                    found.exports.push(export.unwrap().name.0.to_string());
                }
            }
            Payload::CustomSection(section) if section.name() == "portico:manifest" => {
                let text = String::from_utf8(section.data().to_vec()).expect("UTF-8 manifest");
                found.manifests.push((stack.join(" > "), text));
            }
            _ => {}
        }
    }
    found
}

/// The manifest of a component, checked to sit in the first nested core module.
fn manifest(found: &Inspected) -> toml::Table {
    assert_eq!(
        found.manifests.len(),
        1,
        "exactly one manifest section: {found:?}"
    );
    let (place, text) = &found.manifests[0];
    assert_eq!(place, "component > core module #0", "manifest location");
    text.parse().expect("the manifest is TOML")
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn has(list: &[String], name: &str) -> bool {
    list.iter().any(|n| n == name)
}

const HTTP: &str = "wasi:http/outgoing-handler@0.2.12";
const KV: &str = "portico:plugin/kv@0.2.0";
const SECRETS: &str = "portico:plugin/secrets@0.2.0";

#[test]
fn bundled_plugins_are_components_with_their_manifest() {
    assert!(BUNDLED.iter().any(|p| p.id == "service-status"));
    for plugin in BUNDLED {
        let found = inspect(plugin.bytes);
        let m = manifest(&found);
        assert_eq!(m["id"].as_str(), Some(plugin.id));
        assert_eq!(m["version"].as_str(), Some(plugin.version));
        assert_eq!(plugin.file_name, format!("{}.wasm", plugin.id));
        println!(
            "{} {}: imports {:?}, exports {:?}",
            plugin.id, plugin.version, found.imports, found.exports
        );
    }
}

#[test]
fn service_status_exports_views_and_checks_and_imports_what_it_uses() {
    let plugin = portico_bundled_plugins::bundled("service-status").unwrap();
    let found = inspect(plugin.bytes);
    assert_eq!(
        found.exports,
        ["portico:plugin/views@0.2.0", "portico:plugin/checks@0.2.0"]
    );
    for import in [HTTP, KV, SECRETS, "portico:plugin/config@0.2.0"] {
        assert!(
            has(&found.imports, import),
            "missing {import}: {:?}",
            found.imports
        );
    }
    assert!(!has(&found.imports, "portico:plugin/catalog@0.2.0"));
    let m = manifest(&found);
    assert_eq!(
        m["worlds"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w.as_str().unwrap())
            .collect::<Vec<_>>(),
        ["entity-view", "check"]
    );
    let schema = m["config"]["schema"].as_str().unwrap();
    assert!(schema.contains("\"status_url\""), "config schema: {schema}");
}

#[test]
fn hostile_fixture_imports_http_kv_and_secrets() {
    let found = inspect(&read(fixtures::TEST_HOSTILE));
    let m = manifest(&found);
    assert_eq!(m["id"].as_str(), Some("test-hostile"));
    assert_eq!(m["version"].as_str(), Some("0.1.0"));
    for import in [HTTP, KV, SECRETS] {
        assert!(
            has(&found.imports, import),
            "missing {import}: {:?}",
            found.imports
        );
    }
    assert_eq!(found.exports, ["portico:plugin/views@0.2.0"]);
    println!("test-hostile imports {:?}", found.imports);
}

#[test]
fn echo_fixture_has_two_versions_and_imports_no_capability() {
    for (path, version) in [
        (fixtures::TEST_ECHO_V1, "0.1.0"),
        (fixtures::TEST_ECHO_V2, "0.2.0"),
    ] {
        let found = inspect(&read(path));
        let m = manifest(&found);
        assert_eq!(m["id"].as_str(), Some("test-echo"));
        assert_eq!(m["version"].as_str(), Some(version), "{path}");
        for import in [HTTP, "wasi:http/types@0.2.12", KV, SECRETS] {
            assert!(
                !has(&found.imports, import),
                "{path} imports {import}: {:?}",
                found.imports
            );
        }
        assert_eq!(found.exports, ["portico:plugin/views@0.2.0"]);
        println!("test-echo {version} imports {:?}", found.imports);
    }
    assert_ne!(read(fixtures::TEST_ECHO_V1), read(fixtures::TEST_ECHO_V2));
}

#[test]
fn url_reader_is_a_0_2_0_provider() {
    let plugin = portico_bundled_plugins::bundled("url-reader").unwrap();
    let found = inspect(plugin.bytes);
    assert_eq!(manifest(&found)["wit"].as_str(), Some("0.2.0"));
    assert_eq!(found.exports, ["portico:plugin/provider@0.2.0"]);
}

/// The one fixture still built against 0.1.0 (the SDK's `v0_1_0`): every `portico:plugin`
/// interface it names is 0.1.0 — none of the SDK's 0.2.0 bindings leak in — so the host must
/// serve it as 0.1.0.
#[test]
fn legacy_fixture_is_a_pure_0_1_0_component() {
    let found = inspect(&read(fixtures::TEST_LEGACY_PROVIDER));
    let m = manifest(&found);
    assert_eq!(m["id"].as_str(), Some("test-legacy-provider"));
    assert_eq!(m["wit"].as_str(), Some("0.1.0"));
    assert_eq!(found.exports, ["portico:plugin/provider@0.1.0"]);
    let portico: Vec<&String> = found
        .imports
        .iter()
        .filter(|i| i.starts_with("portico:plugin/"))
        .collect();
    assert!(
        portico.iter().any(|i| *i == "portico:plugin/kv@0.1.0"),
        "{portico:?}"
    );
    assert!(portico.iter().all(|i| i.ends_with("@0.1.0")), "{portico:?}");
}
