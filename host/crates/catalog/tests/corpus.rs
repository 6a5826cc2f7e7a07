//! The Backstage corpus end to end: every example parses and round-trips, valid entities
//! validate, the invalid component is rejected with Backstage's messages, and walking
//! `all.yaml` / `acme-corp.yaml` yields exactly the entities those files reference (counted by
//! hand from the YAML: see the comments).

mod common;

use std::collections::BTreeMap;

use common::{corpus, corpus_entity, corpus_file, yaml_files};
use portico_catalog::entity::parse::{SourceFormat, parse_entities, parse_yaml};
use portico_catalog::location::walk::{WalkErrorKind, WalkResult};
use portico_catalog::location::{
    ANNOTATION_LOCATION, ANNOTATION_ORIGIN_LOCATION, FileReader, LocationReader, LocationSpec,
    ReadError, Readers, walk_location,
};
use portico_catalog::validation::{Format, Rule};
use portico_catalog::{Entity, EntityRef, KindRegistry};
use serde_json::Value;

/// Stands in for the url-reader plugin: answers every `url` read with a tiny OpenAPI document.
struct FakeUrlReader;

impl LocationReader for FakeUrlReader {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        if location_type != "url" {
            return Err(ReadError::Unsupported {
                location_type: location_type.into(),
                target: target.into(),
            });
        }
        Ok(format!("openapi: 3.0.0\n# fetched from {target}\n").into_bytes())
    }
}

fn r(s: &str) -> EntityRef {
    EntityRef::parse_full(s).unwrap()
}

fn walk(root: &str, reader: &dyn LocationReader) -> WalkResult {
    walk_location(&LocationSpec::file(corpus_file(root)), reader)
}

fn kinds(result: &WalkResult) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for e in &result.entities {
        *out.entry(e.entity.kind.clone()).or_default() += 1;
    }
    out
}

#[test]
fn every_corpus_document_parses_and_round_trips() {
    let mut files = yaml_files(&corpus().join("examples"));
    files.extend(yaml_files(&corpus().join("templates")));
    let mut entity_count = 0;
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let name = path.display().to_string();
        if name.ends_with(".oas.yaml") {
            // OpenAPI documents pulled in by `$text`: YAML, but not entities.
            let docs = parse_yaml(&data);
            assert_eq!(docs.len(), 1, "{name}");
            assert!(docs[0].as_ref().unwrap().value.is_object(), "{name}");
            continue;
        }
        for (doc, entity) in parse_yaml(&data)
            .into_iter()
            .zip(parse_entities(&data, SourceFormat::Yaml))
        {
            let doc = doc.unwrap_or_else(|e| panic!("{name}: {e}"));
            let entity = entity.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(entity.to_value(), doc.value, "{name}: lossless round trip");
            entity_count += 1;
        }
    }
    // examples/: 14 components (13 + invalid), 10 APIs, 4 AI resources, 3 domains, 3 systems,
    // 1 resource, 7 Location files (all, all-*), acme-corp.yaml 1, acme/ 26
    // (org 2, infrastructure 1, boxoffice 1, backstage 1, team-a 6, team-b 6, team-c 6, team-d 3);
    // templates/: 3.
    assert_eq!(entity_count, 14 + 10 + 4 + 3 + 3 + 1 + 7 + 1 + 26 + 3);
}

#[test]
fn invalid_component_is_rejected_with_name_and_tag_errors() {
    let entity = corpus_entity("examples/components/invalid-component.yaml");
    let errors = KindRegistry::builtin()
        .validate(&entity.to_value())
        .unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert_eq!(errors[0].field, "metadata.name");
    assert_eq!(errors[0].rule, Rule::Format(Format::EntityName));
    assert_eq!(
        errors[0].message,
        "\"metadata.name\" is not valid; expected a string that is sequences of [a-zA-Z0-9] \
         separated by any of [-_.], at most 63 characters in total but found \"invalid component\". \
         To learn more about catalog file format, visit: \
         https://github.com/backstage/backstage/blob/master/docs/architecture-decisions/adr002-default-catalog-file-format.md"
    );
    assert_eq!(errors[1].field, "tags.1");
    assert_eq!(errors[1].rule, Rule::Format(Format::Tag));
    assert!(
        errors[1].message.starts_with(
            "\"tags.1\" is not valid; expected a string that is sequences of [a-z0-9+#] separated by [-], \
             at most 63 characters in total but found \"go 1.15.3\"."
        ),
        "{}",
        errors[1].message
    );
}

#[test]
fn walking_all_yaml_with_file_and_url_readers_yields_every_entity() {
    let readers = Readers::new().with(FileReader::new()).with(FakeUrlReader);
    let result = walk("examples/all.yaml", &readers);
    assert!(result.errors.is_empty(), "{:#?}", result.errors);
    // all.yaml (1 Location) -> 6 all-*.yaml (6 Locations) -> 3 AI resources, 10 APIs,
    // 13 components, 3 domains, 1 resource, 3 systems.
    assert_eq!(result.entities.len(), 7 + 3 + 10 + 13 + 3 + 1 + 3);
    let expected: BTreeMap<String, usize> = [
        ("Location", 7),
        ("AiResource", 3),
        ("API", 10),
        ("Component", 13),
        ("Domain", 3),
        ("Resource", 1),
        ("System", 3),
    ]
    .into_iter()
    .map(|(k, n)| (k.to_owned(), n))
    .collect();
    assert_eq!(kinds(&result), expected);
    // Files read: the 7 Location files and the 33 entity files they list.
    assert_eq!(result.locations.len(), 40);
    for reference in [
        "location:default/example-all",
        "location:default/example-apis",
        "component:default/artist-lookup",
        "component:default/wayback-search",
        "api:default/backstage-mcp-server",
        "api:default/spotify",
        "airesource:default/code-review-plugin",
        "domain:default/artists",
        "resource:default/artists-db",
        "system:default/podcast",
    ] {
        assert!(
            result.entity(&r(reference)).is_some(),
            "missing {reference}"
        );
    }
    // Not referenced by any Location.
    assert!(
        result
            .entity(&r("component:default/invalid component"))
            .is_none()
    );
    assert!(
        result
            .entity(&r("airesource:default/company-ai-tools"))
            .is_none()
    );

    // Every emitted entity validates once placeholders are substituted.
    let registry = KindRegistry::builtin();
    for e in &result.entities {
        if let Err(errors) = registry.validate(&e.entity.to_value()) {
            panic!("{} does not validate: {errors:#?}", e.entity.entity_ref());
        }
    }
}

#[test]
fn local_text_placeholders_are_substituted_and_remote_ones_need_the_url_reader() {
    let result = walk("examples/all.yaml", &FileReader::new());
    // The three APIs whose `$text` is a github.com URL cannot be read by the file reader.
    assert_eq!(result.errors.len(), 3, "{:#?}", result.errors);
    let mut failed: Vec<String> = result
        .errors
        .iter()
        .map(|e| {
            assert_eq!(e.kind, WalkErrorKind::Placeholder);
            assert!(matches!(e.read_error, Some(ReadError::Unsupported { ref location_type, .. }) if location_type == "url"));
            assert!(e.message.starts_with("Placeholder $text could not read location https://github.com/"), "{}", e.message);
            e.entity.as_ref().unwrap().stringify()
        })
        .collect();
    failed.sort();
    assert_eq!(
        failed,
        [
            "api:default/spotify",
            "api:default/wayback-archive",
            "api:default/wayback-search"
        ]
    );
    assert_eq!(result.entities.len(), 40 - 3);

    let oas = std::fs::read_to_string(corpus_file("examples/apis/petstore.oas.yaml")).unwrap();
    let petstore = &result.entity(&r("api:default/petstore")).unwrap();
    assert_eq!(petstore.entity.spec_str("definition"), Some(oas.as_str()));
    assert_eq!(
        petstore.placeholder_reads,
        [LocationSpec::file(corpus_file(
            "examples/apis/petstore.oas.yaml"
        ))]
    );
    let webhook_oas =
        std::fs::read_to_string(corpus_file("examples/apis/petstore-webhook.oas.yaml")).unwrap();
    let webhook = &result
        .entity(&r("api:default/petstore-webhook"))
        .unwrap()
        .entity;
    assert_eq!(webhook.spec_str("definition"), Some(webhook_oas.as_str()));
}

#[test]
fn walking_acme_corp_yields_every_group_and_user() {
    let result = walk("examples/acme-corp.yaml", &FileReader::new());
    assert!(result.errors.is_empty(), "{:#?}", result.errors);
    // acme-corp.yaml: Location acme-corp; acme/org.yaml: Group acme-corp + Location example-groups;
    // 7 group files: infrastructure, boxoffice, backstage (1 group each), team-a (group + 5 users),
    // team-b (group + 5 users), team-c (group + 5 users), team-d (group + 2 users).
    assert_eq!(result.entities.len(), 27);
    let expected: BTreeMap<String, usize> = [("Location", 2), ("Group", 8), ("User", 17)]
        .into_iter()
        .map(|(k, n)| (k.to_owned(), n))
        .collect();
    assert_eq!(kinds(&result), expected);
    for reference in [
        "group:default/acme-corp",
        "group:default/team-d",
        "user:default/guest",
        "user:development/guest",
        "user:default/lucy.sheehan",
        "location:default/example-groups",
    ] {
        assert!(
            result.entity(&r(reference)).is_some(),
            "missing {reference}"
        );
    }
    let registry = KindRegistry::builtin();
    for e in &result.entities {
        assert!(
            registry.validate(&e.entity.to_value()).is_ok(),
            "{}",
            e.entity.entity_ref()
        );
    }
}

#[test]
fn walked_entities_carry_backstage_location_annotations() {
    let result = walk("examples/acme-corp.yaml", &FileReader::new());
    let root = format!("file:{}", corpus_file("examples/acme-corp.yaml").display());
    let team_d = &result.entity(&r("group:default/team-d")).unwrap().entity;
    assert_eq!(
        team_d.metadata.annotation(ANNOTATION_LOCATION),
        Some(
            format!(
                "file:{}",
                corpus_file("examples/acme/team-d-group.yaml").display()
            )
            .as_str()
        )
    );
    assert_eq!(
        team_d.metadata.annotation(ANNOTATION_ORIGIN_LOCATION),
        Some(root.as_str())
    );
    // File locations get no view/edit/source annotations.
    assert_eq!(team_d.metadata.annotations.as_ref().unwrap().len(), 2);
    let acme = &result
        .entity(&r("location:default/acme-corp"))
        .unwrap()
        .entity;
    assert_eq!(
        acme.metadata.annotation(ANNOTATION_LOCATION),
        Some(root.as_str())
    );
}

#[test]
fn templates_and_the_unreferenced_marketplace_validate() {
    let registry = KindRegistry::builtin();
    let mut files = yaml_files(&corpus().join("templates"));
    files.push(corpus_file(
        "examples/ai-resources/company-ai-marketplace.yaml",
    ));
    for path in files {
        let data = std::fs::read(&path).unwrap();
        for entity in parse_entities(&data, SourceFormat::Yaml) {
            let entity: Entity = entity.unwrap();
            let value = entity.to_value();
            assert!(registry.schema_for(&value).is_some(), "{}", path.display());
            if let Err(errors) = registry.validate(&value) {
                panic!("{}: {errors:#?}", path.display());
            }
        }
    }
}

#[test]
fn raw_text_placeholder_fails_the_api_schema_until_substituted() {
    // The NOTICE: Backstage substitutes placeholders before schema validation.
    let entity = corpus_entity("examples/apis/petstore-api.yaml");
    let errors = KindRegistry::builtin()
        .validate(&entity.to_value())
        .unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0].field, "spec.definition");
    assert_eq!(
        errors[0].message,
        "/spec/definition must be string - type: string"
    );
    let mut fixed = entity.to_value();
    fixed["spec"]["definition"] = Value::String("openapi: 3.0.0".into());
    assert!(KindRegistry::builtin().validate(&fixed).is_ok());
}
