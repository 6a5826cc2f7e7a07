//! Relations for corpus entities, written from Backstage's `BuiltinKindsEntityProcessor` rules
//! (each field's default kind, the referring entity's namespace, both directions).

mod common;

use std::collections::BTreeSet;

use common::{corpus_entities, corpus_entity, corpus_file};
use portico_catalog::location::{
    FileReader, LocationReader, LocationSpec, ReadError, Readers, walk_location,
};
use portico_catalog::relations::{
    Relation, RelationError, RelationRule, RelationRules, builtin_relations, entity_relations,
};
use portico_catalog::{Entity, EntityRef};

fn triples(relations: &[Relation]) -> BTreeSet<(String, String, String)> {
    relations
        .iter()
        .map(|r| {
            (
                r.source.stringify(),
                r.relation_type.clone(),
                r.target.stringify(),
            )
        })
        .collect()
}

fn expect(list: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String)> {
    list.iter()
        .map(|(s, t, d)| (s.to_string(), t.to_string(), d.to_string()))
        .collect()
}

#[test]
fn component_owner_system_and_depends_on() {
    let entity = corpus_entity("examples/components/artist-lookup-component.yaml");
    let relations = builtin_relations(&entity).unwrap();
    assert_eq!(relations.len(), 6);
    assert_eq!(
        triples(&relations),
        expect(&[
            (
                "component:default/artist-lookup",
                "ownedBy",
                "group:default/team-a"
            ),
            (
                "group:default/team-a",
                "ownerOf",
                "component:default/artist-lookup"
            ),
            (
                "component:default/artist-lookup",
                "dependsOn",
                "resource:default/artists-db"
            ),
            (
                "resource:default/artists-db",
                "dependencyOf",
                "component:default/artist-lookup"
            ),
            (
                "component:default/artist-lookup",
                "partOf",
                "system:default/artist-engagement-portal"
            ),
            (
                "system:default/artist-engagement-portal",
                "hasPart",
                "component:default/artist-lookup"
            ),
        ])
    );
    // `spec.apiConsumedBy` in that file is not a relation field: nothing comes of it.
    assert!(relations.iter().all(|r| r.relation_type != "apiConsumedBy"));
}

#[test]
fn component_provides_apis_default_to_api_kind() {
    let entity = corpus_entity("examples/components/petstore-component.yaml");
    let relations = builtin_relations(&entity).unwrap();
    assert_eq!(
        triples(&relations),
        expect(&[
            (
                "component:default/petstore",
                "ownedBy",
                "group:default/team-c"
            ),
            (
                "group:default/team-c",
                "ownerOf",
                "component:default/petstore"
            ),
            (
                "component:default/petstore",
                "providesApi",
                "api:default/petstore"
            ),
            (
                "api:default/petstore",
                "apiProvidedBy",
                "component:default/petstore"
            ),
            (
                "component:default/petstore",
                "providesApi",
                "api:default/streetlights"
            ),
            (
                "api:default/streetlights",
                "apiProvidedBy",
                "component:default/petstore"
            ),
            (
                "component:default/petstore",
                "providesApi",
                "api:default/hello-world"
            ),
            (
                "api:default/hello-world",
                "apiProvidedBy",
                "component:default/petstore"
            ),
        ])
    );
    let sub = corpus_entity("examples/components/wayback-archive-ingestion-component.yaml");
    assert!(triples(&builtin_relations(&sub).unwrap()).contains(&(
        "component:default/wayback-archive-ingestion".into(),
        "partOf".into(),
        "component:default/wayback-archive".into()
    )));
}

#[test]
fn component_consumes_apis_both_ways() {
    let entity = corpus_entity("examples/components/wayback-search-component.yaml");
    assert_eq!(
        triples(&builtin_relations(&entity).unwrap()),
        expect(&[
            (
                "component:default/wayback-search",
                "ownedBy",
                "group:default/team-a"
            ),
            (
                "group:default/team-a",
                "ownerOf",
                "component:default/wayback-search"
            ),
            (
                "component:default/wayback-search",
                "providesApi",
                "api:default/wayback-search"
            ),
            (
                "api:default/wayback-search",
                "apiProvidedBy",
                "component:default/wayback-search"
            ),
            (
                "component:default/wayback-search",
                "consumesApi",
                "api:default/wayback-archive"
            ),
            (
                "api:default/wayback-archive",
                "apiConsumedBy",
                "component:default/wayback-search"
            ),
        ])
    );
}

#[test]
fn users_and_groups_use_their_own_namespace_by_default() {
    let team_a = corpus_entities("examples/acme/team-a-group.yaml");
    let dev_guest = team_a
        .iter()
        .find(|e| e.namespace() == "development")
        .unwrap();
    assert_eq!(
        triples(&builtin_relations(dev_guest).unwrap()),
        expect(&[
            ("user:development/guest", "memberOf", "group:default/team-a"),
            (
                "group:default/team-a",
                "hasMember",
                "user:development/guest"
            ),
        ])
    );
    let group = &team_a[0];
    assert_eq!(
        triples(&builtin_relations(group).unwrap()),
        expect(&[
            ("group:default/team-a", "childOf", "group:default/backstage"),
            (
                "group:default/backstage",
                "parentOf",
                "group:default/team-a"
            ),
        ])
    );
    // A namespaced group's short refs stay in its namespace.
    let mut g = corpus_entity("examples/acme/backstage-group.yaml");
    g.metadata.namespace = Some("ops".into());
    let t = triples(&builtin_relations(&g).unwrap());
    assert!(t.contains(&(
        "group:ops/backstage".into(),
        "parentOf".into(),
        "group:ops/team-a".into()
    )));
    assert!(t.contains(&(
        "group:ops/team-b".into(),
        "childOf".into(),
        "group:ops/backstage".into()
    )));
    assert!(t.contains(&(
        "group:ops/backstage".into(),
        "childOf".into(),
        "group:ops/infrastructure".into()
    )));
    assert_eq!(t.len(), 6);
}

#[test]
fn domains_systems_ai_resources_and_templates() {
    let artists = corpus_entity("examples/domains/artists-domain.yaml");
    assert_eq!(
        triples(&builtin_relations(&artists).unwrap()),
        expect(&[
            ("domain:default/artists", "ownedBy", "group:default/team-a"),
            ("group:default/team-a", "ownerOf", "domain:default/artists"),
            ("domain:default/artists", "partOf", "domain:default/audio"),
            ("domain:default/audio", "hasPart", "domain:default/artists"),
        ])
    );
    let playback = corpus_entity("examples/domains/playback-domain.yaml");
    assert!(triples(&builtin_relations(&playback).unwrap()).contains(&(
        "domain:default/playback".into(),
        "ownedBy".into(),
        "user:default/frank.tiernan".into()
    )));
    let system = corpus_entity("examples/systems/podcast-system.yaml");
    assert!(triples(&builtin_relations(&system).unwrap()).contains(&(
        "system:default/podcast".into(),
        "partOf".into(),
        "domain:default/playback".into()
    )));
    let plugin = corpus_entity("examples/ai-resources/code-review-plugin.yaml");
    let t = triples(&builtin_relations(&plugin).unwrap());
    assert_eq!(t.len(), 8);
    assert!(t.contains(&(
        "airesource:default/code-review-plugin".into(),
        "hasSkill".into(),
        "airesource:default/security-review".into()
    )));
    assert!(t.contains(&(
        "airesource:default/typescript-best-practices".into(),
        "skillOf".into(),
        "airesource:default/code-review-plugin".into()
    )));
    let marketplace = corpus_entity("examples/ai-resources/company-ai-marketplace.yaml");
    assert!(
        builtin_relations(&marketplace)
            .unwrap()
            .iter()
            .any(|r| r.relation_type == "hasPlugin")
    );
    let template = &corpus_entities("templates/notifications-demo/template.yaml")[0];
    assert_eq!(
        triples(&builtin_relations(template).unwrap()),
        expect(&[
            (
                "template:default/notifications-demo",
                "ownedBy",
                "group:backstage/techdocs-core"
            ),
            (
                "group:backstage/techdocs-core",
                "ownerOf",
                "template:default/notifications-demo"
            ),
        ])
    );
}

#[test]
fn depends_on_without_kind_fails_the_entity() {
    let mut entity = corpus_entity("examples/components/artist-lookup-component.yaml");
    entity
        .spec
        .as_mut()
        .unwrap()
        .insert("dependsOn".into(), serde_json::json!(["artists-db"]));
    let err = builtin_relations(&entity).unwrap_err();
    assert_eq!(
        err.to_string(),
        "spec.dependsOn: Entity reference \"artists-db\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    );
    entity
        .spec
        .as_mut()
        .unwrap()
        .insert("owner".into(), serde_json::json!(42));
    entity.spec.as_mut().unwrap().remove("dependsOn");
    assert!(matches!(
        builtin_relations(&entity),
        Err(RelationError::NotARef { .. })
    ));
}

#[test]
fn kinds_match_case_sensitively_and_unknown_kinds_have_none() {
    let mut entity = corpus_entity("examples/components/artist-lookup-component.yaml");
    entity.kind = "component".into();
    assert!(builtin_relations(&entity).unwrap().is_empty());
    let location = corpus_entity("examples/all.yaml");
    assert!(builtin_relations(&location).unwrap().is_empty());
}

#[test]
fn custom_rules_for_an_organizations_kind() {
    let mut rules = RelationRules::builtin();
    rules.add(RelationRule {
        kind: "Service".into(),
        spec_type: None,
        field: "runsOn".into(),
        default_kind: Some("Resource".into()),
        forward: "dependsOn".into(),
        reverse: "dependencyOf".into(),
    });
    let entity: Entity = serde_json::from_value(serde_json::json!({
        "apiVersion": "acme.com/v1", "kind": "Service",
        "metadata": {"name": "billing", "namespace": "finance"},
        "spec": {"runsOn": ["k8s-prod", "resource:shared/db"]}
    }))
    .unwrap();
    assert_eq!(
        triples(&rules.relations_for(&entity).unwrap()),
        expect(&[
            (
                "service:finance/billing",
                "dependsOn",
                "resource:finance/k8s-prod"
            ),
            (
                "resource:finance/k8s-prod",
                "dependencyOf",
                "service:finance/billing"
            ),
            ("service:finance/billing", "dependsOn", "resource:shared/db"),
            (
                "resource:shared/db",
                "dependencyOf",
                "service:finance/billing"
            ),
        ])
    );
}

struct AnyUrl;
impl LocationReader for AnyUrl {
    fn read(&self, t: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        match t {
            "url" => Ok(b"openapi: 3.0.0".to_vec()),
            _ => Err(ReadError::Unsupported {
                location_type: t.into(),
                target: target.into(),
            }),
        }
    }
}

#[test]
fn relations_arrays_gather_both_directions_across_the_catalog() {
    let readers = Readers::new().with(FileReader::new()).with(AnyUrl);
    let result = walk_location(
        &LocationSpec::file(corpus_file("examples/all.yaml")),
        &readers,
    );
    let mut all = Vec::new();
    for e in &result.entities {
        all.extend(builtin_relations(&e.entity).unwrap());
    }
    let api = EntityRef::parse_full("api:default/wayback-archive").unwrap();
    let rels: Vec<(String, String)> = entity_relations(&api, &all)
        .into_iter()
        .map(|r| (r.relation_type, r.target_ref))
        .collect();
    assert_eq!(
        rels,
        [
            (
                "apiConsumedBy".to_string(),
                "component:default/wayback-search".to_string()
            ),
            (
                "apiProvidedBy".into(),
                "component:default/wayback-archive".into()
            ),
            ("ownedBy".into(), "group:default/team-a".into()),
        ]
    );
    let component = EntityRef::parse_full("component:default/wayback-archive").unwrap();
    let rels: Vec<(String, String)> = entity_relations(&component, &all)
        .into_iter()
        .map(|r| (r.relation_type, r.target_ref))
        .collect();
    assert_eq!(
        rels,
        [
            (
                "hasPart".to_string(),
                "component:default/wayback-archive-ingestion".to_string()
            ),
            (
                "hasPart".into(),
                "component:default/wayback-archive-storage".into()
            ),
            ("ownedBy".into(), "group:default/team-a".into()),
            ("providesApi".into(), "api:default/wayback-archive".into()),
        ]
    );
    // The stored form carries the lowercased compound target too.
    let first = &entity_relations(&component, &all)[0];
    assert_eq!(
        first.target.as_ref().unwrap().name,
        "wayback-archive-ingestion"
    );
}
