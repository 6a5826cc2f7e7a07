//! Packing a manifest into a component and reading it back, from the top level or a nested
//! core module; refusal of core modules and garbage.

mod common;

use common::*;
use portico_package::sections::{self, SectionLocation};
use portico_package::{FormatError, InspectError, MANIFEST_SECTION, PackError, Package, pack};

#[test]
fn fixtures_are_valid_components() {
    sections::validate_component(&plugin_component()).unwrap();
    sections::validate_component(&component(&Spec::default())).unwrap();
    sections::validate_component(&component(&Spec {
        nested_manifest: Some("x"),
        ..Spec::default()
    }))
    .unwrap();
}

#[test]
fn pack_then_parse_round_trips() {
    let packed = packed_plugin();
    let package = Package::parse(&packed).unwrap();
    assert_eq!(package.manifest.id, "service-status");
    assert_eq!(package.manifest_location, SectionLocation::TopLevel);
    assert_eq!(package.size, packed.len());
    assert_eq!(package.sha256.len(), 64);
    assert_eq!(count_top_level(&packed, MANIFEST_SECTION), 1);
    // The original component is a prefix: packing only appends.
    assert!(packed.starts_with(&plugin_component()));
}

#[test]
fn re_pack_replaces_the_manifest() {
    let once = packed_plugin();
    let other = manifest("other-id", r#""entity-view", "check""#);
    let twice = pack(&once, &other).unwrap();
    assert_eq!(count_top_level(&twice, MANIFEST_SECTION), 1);
    assert_eq!(Package::parse(&twice).unwrap().manifest.id, "other-id");
    // Packing the same manifest again is idempotent.
    assert_eq!(pack(&once, &default_manifest()).unwrap(), once);
}

#[test]
fn pack_refuses_an_invalid_manifest() {
    let err = pack(&plugin_component(), "id = \"Bad\"").unwrap_err();
    assert!(matches!(err, PackError::Manifest(_)));
    assert!(err.to_string().contains("manifest key \"id\""), "{err}");
}

#[test]
fn nested_manifest_is_found_and_top_level_wins() {
    let nested = manifest("from-sdk", r#""entity-view", "check""#);
    let base = component(&Spec {
        imports: &["portico:plugin/kv@0.1.0"],
        exports: &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        nested_manifest: Some(&nested),
        ..Spec::default()
    });
    let package = Package::parse(&base).unwrap();
    assert_eq!(package.manifest.id, "from-sdk");
    assert_eq!(package.manifest_location, SectionLocation::NestedModule);

    let packed = pack(&base, &default_manifest()).unwrap();
    let package = Package::parse(&packed).unwrap();
    assert_eq!(package.manifest.id, "service-status");
    assert_eq!(package.manifest_location, SectionLocation::TopLevel);
}

#[test]
fn duplicate_top_level_manifests_are_refused() {
    let m = default_manifest();
    let bytes = component(&Spec {
        custom: &[
            (MANIFEST_SECTION, m.as_bytes()),
            (MANIFEST_SECTION, m.as_bytes()),
        ],
        ..Spec::default()
    });
    let err = sections::read(&bytes).unwrap_err();
    assert!(
        matches!(err, FormatError::Duplicate { count: 2, .. }),
        "{err}"
    );
    // Packing repairs it.
    let packed = pack(&bytes, &m).unwrap();
    assert_eq!(count_top_level(&packed, MANIFEST_SECTION), 1);
}

#[test]
fn missing_manifest_explains_how_to_add_one() {
    let err = Package::parse(&plugin_component()).unwrap_err();
    assert_eq!(err, InspectError::MissingManifest);
    assert!(
        err.to_string()
            .contains("portico plugin pack FILE.wasm --manifest plugin.toml")
    );
}

#[test]
fn invalid_manifest_in_a_component_names_the_key() {
    let bad = default_manifest().replace("\"0.1.0\"\nname", "\"one\"\nname");
    let bytes = component(&Spec {
        custom: &[(MANIFEST_SECTION, bad.as_bytes())],
        ..Spec::default()
    });
    let err = Package::parse(&bytes).unwrap_err();
    assert!(
        err.to_string().contains("manifest key \"version\""),
        "{err}"
    );
}

#[test]
fn core_modules_and_garbage_are_refused() {
    for target in [
        pack(&core_module(), &default_manifest())
            .unwrap_err()
            .to_string(),
        Package::parse(&core_module()).unwrap_err().to_string(),
    ] {
        assert_eq!(
            target,
            "not a WebAssembly component: it is a core module; build for wasm32-wasip2 or wrap \
             it with `wasm-tools component new`"
        );
    }
    let err = Package::parse(b"<html>404 Not Found</html>").unwrap_err();
    assert!(
        matches!(err, InspectError::Format(FormatError::NotWasm)),
        "{err}"
    );
    assert!(matches!(
        Package::parse(b""),
        Err(InspectError::Format(FormatError::NotWasm))
    ));
    let mut wrong_layer = plugin_component();
    wrong_layer[6] = 7;
    assert!(matches!(
        Package::parse(&wrong_layer),
        Err(InspectError::Format(FormatError::UnsupportedVersion(_)))
    ));
    let mut broken = plugin_component();
    broken.push(0x42);
    let err = Package::parse(&broken).unwrap_err();
    assert!(
        matches!(err, InspectError::Format(FormatError::Invalid(_))),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("invalid WebAssembly component: "),
        "{err}"
    );
}
