//! Test fixtures: minimal real components built with wasm-encoder (no network, no tools),
//! a core module, and manifests.
#![allow(dead_code)]

use wasm_encoder::{
    Component, ComponentExportKind, ComponentExportSection, ComponentImportSection,
    ComponentInstanceSection, ComponentTypeRef, ComponentTypeSection, CustomSection, InstanceType,
    Module, ModuleSection, PrimitiveValType,
};

/// What a fixture component contains.
#[derive(Default)]
pub struct Spec<'a> {
    /// Instance imports, each with one function `f: func()`.
    pub imports: &'a [&'a str],
    /// Instance exports (empty instances).
    pub exports: &'a [&'a str],
    /// A manifest placed in a nested core module, as the Rust SDK does.
    pub nested_manifest: Option<&'a str>,
    /// Top-level custom sections to add at the end.
    pub custom: &'a [(&'a str, &'a [u8])],
}

pub fn component(spec: &Spec<'_>) -> Vec<u8> {
    let mut c = Component::new();
    if let Some(manifest) = spec.nested_manifest {
        let mut module = Module::new();
        module.section(&CustomSection {
            name: "portico:manifest".into(),
            data: manifest.as_bytes().into(),
        });
        c.section(&ModuleSection(&module));
    }
    if !spec.imports.is_empty() {
        let mut types = ComponentTypeSection::new();
        let mut instance = InstanceType::new();
        instance
            .ty()
            .function()
            .params(std::iter::empty::<(&str, PrimitiveValType)>())
            .result(None);
        instance.export("f", ComponentTypeRef::Func(0));
        types.instance(&instance);
        c.section(&types);
        let mut imports = ComponentImportSection::new();
        for name in spec.imports {
            imports.import(name, ComponentTypeRef::Instance(0));
        }
        c.section(&imports);
    }
    if !spec.exports.is_empty() {
        let mut instances = ComponentInstanceSection::new();
        for _ in spec.exports {
            instances.export_items(std::iter::empty::<(&str, ComponentExportKind, u32)>());
        }
        c.section(&instances);
        let mut exports = ComponentExportSection::new();
        let first = spec.imports.len() as u32;
        for (i, name) in spec.exports.iter().enumerate() {
            exports.export(name, ComponentExportKind::Instance, first + i as u32, None);
        }
        c.section(&exports);
    }
    for (name, data) in spec.custom {
        c.section(&CustomSection {
            name: (*name).into(),
            data: (*data).into(),
        });
    }
    c.finish()
}

/// A component that imports and exports what a `check` + `entity-view` plugin with kv needs.
pub fn plugin_component() -> Vec<u8> {
    component(&Spec {
        imports: &[
            "portico:plugin/log@0.1.0",
            "portico:plugin/kv@0.1.0",
            "wasi:http/outgoing-handler@0.2.12",
        ],
        exports: &["portico:plugin/views@0.1.0", "portico:plugin/checks@0.1.0"],
        ..Spec::default()
    })
}

/// A core module (not a component).
pub fn core_module() -> Vec<u8> {
    Module::new().finish()
}

/// A manifest with the given id and worlds, requesting kv and http.
pub fn manifest(id: &str, worlds: &str) -> String {
    format!(
        r#"id = "{id}"
version = "0.1.0"
name = "Service status"
description = "Shows the status of a service"
author = "Acme"
license = "Apache-2.0"
wit = "0.1.0"
worlds = [{worlds}]

[capabilities.http]
hosts = ["status.example.com", "*.example.org:8443"]
reason = "reads the status page"

[capabilities.kv]
reason = "caches results"

[config]
schema = '{{"type": "object", "properties": {{"url": {{"type": "string"}}}}}}'
"#
    )
}

pub fn default_manifest() -> String {
    manifest("service-status", r#""entity-view", "check""#)
}

/// A packed, well-formed plugin.
pub fn packed_plugin() -> Vec<u8> {
    portico_package::pack(&plugin_component(), &default_manifest()).unwrap()
}

/// Counts top-level custom sections named `name`.
pub fn count_top_level(bytes: &[u8], name: &str) -> usize {
    portico_package::sections::top_level_sections(bytes)
        .unwrap()
        .iter()
        .filter(|s| s.custom_name.as_deref() == Some(name))
        .count()
}
