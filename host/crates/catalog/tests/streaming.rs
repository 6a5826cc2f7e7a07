//! A location is processed in chunks while it is still being read (`CatalogOptions::stream_chunk`).
//! Whatever the chunk size, the catalog must end up exactly as if everything had been processed
//! at once: the same entities, relations, statuses and etags, one `created` revision per entity
//! (a second stitch of an entity created earlier in the same run rewrites that revision), and
//! nothing left to do on the next refresh.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use portico_catalog::api::{AddLocationRequest, EntitiesRequest};
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, synthetic};
use portico_storage::{OrgId, SledStorage};
use serde_json::Value;

fn catalog(root: &std::path::Path, stream_chunk: usize) -> Catalog {
    Catalog::new(
        Arc::new(SledStorage::temporary().unwrap()),
        Arc::new(FileReader::confined_to(root).unwrap()),
        CatalogOptions {
            stream_chunk,
            ..CatalogOptions::default()
        },
    )
}

/// Registers `target` and returns the location id.
fn add(catalog: &Catalog, target: &std::path::Path) -> String {
    catalog
        .add_location(
            &OrgId::default_org(),
            &AddLocationRequest {
                location_type: "file".into(),
                target: target.to_string_lossy().into_owned(),
                dry_run: false,
            },
        )
        .unwrap()
        .location
        .id
}

/// Every served entity by ref, without its uid (random) and with the location ids
/// (random) of generated Location entities removed from names and annotations.
fn served(catalog: &Catalog) -> BTreeMap<String, Value> {
    let all = catalog
        .entities(&OrgId::default_org(), &EntitiesRequest::default())
        .unwrap()
        .entities;
    all.into_iter()
        .map(|mut e| {
            let kind = e["kind"].as_str().unwrap().to_lowercase();
            let ns = e["metadata"]["namespace"].as_str().unwrap().to_owned();
            let name = e["metadata"]["name"].as_str().unwrap().to_owned();
            e["metadata"].as_object_mut().unwrap().remove("uid");
            (format!("{kind}:{ns}/{name}"), e)
        })
        .collect()
}

/// What the search indexes answer: refs matching each of a set of filters, for every kind,
/// type, owner and relation target in `catalog` (so a re-stitch that lost or kept a stale
/// posting shows).
fn index_answers(
    catalog: &Catalog,
    expected: &BTreeMap<String, Value>,
) -> BTreeMap<String, Vec<String>> {
    let mut filters: Vec<String> = Vec::new();
    for entity in expected.values() {
        filters.push(format!("kind={}", entity["kind"].as_str().unwrap()));
        if let Some(t) = entity["spec"]["type"].as_str() {
            filters.push(format!("spec.type={t}"));
        }
        filters.push(format!(
            "metadata.name={}",
            entity["metadata"]["name"].as_str().unwrap()
        ));
        for relation in entity["relations"].as_array().unwrap() {
            filters.push(format!(
                "relations.{}={}",
                relation["type"].as_str().unwrap().to_lowercase(),
                relation["targetRef"].as_str().unwrap()
            ));
        }
    }
    filters.sort();
    filters.dedup();
    filters
        .into_iter()
        .map(|filter| {
            let mut refs: Vec<String> = catalog
                .entities(
                    &OrgId::default_org(),
                    &EntitiesRequest {
                        filter: vec![filter.clone()],
                        fields: vec!["kind".into(), "metadata.name".into()],
                        ..Default::default()
                    },
                )
                .unwrap()
                .entities
                .iter()
                .map(|e| format!("{}/{}", e["kind"], e["metadata"]["name"]))
                .collect();
            refs.sort();
            (filter, refs)
        })
        .collect()
}

fn assert_same_catalog(
    expected: &BTreeMap<String, Value>,
    actual: &BTreeMap<String, Value>,
    what: &str,
) {
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "{what}: entity refs differ"
    );
    for (entity_ref, want) in expected {
        assert_eq!(want, &actual[entity_ref], "{what}: {entity_ref} differs");
    }
}

/// Each entity has one revision, `created` by the location, whose etag is the served one
/// and whose diff adds the entity exactly as served.
fn assert_one_creation_each(catalog: &Catalog) {
    let org = OrgId::default_org();
    let all = catalog
        .entities(&org, &EntitiesRequest::default())
        .unwrap()
        .entities;
    for entity in all {
        let meta = &entity["metadata"];
        let kind = entity["kind"].as_str().unwrap();
        let (ns, name) = (
            meta["namespace"].as_str().unwrap(),
            meta["name"].as_str().unwrap(),
        );
        let history = catalog.entity_history(&org, kind, ns, name).unwrap();
        assert_eq!(history.items.len(), 1, "{kind}:{ns}/{name}: {history:?}");
        let creation = &history.items[0];
        assert_eq!(creation.revision, 1);
        assert_eq!(creation.change, "created");
        assert!(creation.producer.starts_with("location:"), "{creation:?}");
        assert_eq!(creation.etag.as_deref(), meta["etag"].as_str());
        assert_eq!(creation.diff.len(), 1);
        assert_eq!(creation.diff[0]["value"], entity, "{kind}:{ns}/{name}");
    }
}

#[test]
fn a_synthetic_catalog_read_in_small_chunks_is_stored_as_if_read_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // Groups, systems and APIs are written before the components that point at them, so that
    // nearly every one of them gets relations from later chunks.
    let root = synthetic::write_files(dir.path(), &synthetic::generate(7, 600), 40).unwrap();
    let at_once = catalog(dir.path(), usize::MAX);
    add(&at_once, &root);
    let expected = served(&at_once);
    assert!(expected.len() > 600, "{}", expected.len());
    let expected_answers = index_answers(&at_once, &expected);
    assert!(expected_answers.len() > 1_000, "{}", expected_answers.len());
    let relations: usize = expected
        .values()
        .map(|e| e["relations"].as_array().unwrap().len())
        .sum();
    assert!(relations > 1_000, "{relations} relations");

    for chunk in [1, 7, 64] {
        let chunked = catalog(dir.path(), chunk);
        let id = add(&chunked, &root);
        let actual = served(&chunked);
        // The generated Location entity is named after the target, not the location id.
        assert_same_catalog(&expected, &actual, &format!("chunks of {chunk}"));
        assert_one_creation_each(&chunked);
        let answers = index_answers(&chunked, &expected);
        for (filter, refs) in &expected_answers {
            assert_eq!(refs, &answers[filter], "chunks of {chunk}: filter {filter}");
        }

        let again = chunked
            .refresh_location(&OrgId::default_org(), &id)
            .unwrap();
        assert_eq!(
            again.created + again.updated + again.restitched,
            0,
            "{again:?}"
        );
        assert_eq!(again.unchanged, expected.len(), "{again:?}");
    }
}

#[test]
fn the_corpus_read_in_chunks_of_one_is_stored_as_if_read_at_once() {
    let corpus = common::corpus();
    let root = corpus.join("examples/all.yaml");
    let at_once = catalog(&corpus, usize::MAX);
    add(&at_once, &root);
    let chunked = catalog(&corpus, 1);
    add(&chunked, &root);
    let expected = served(&at_once);
    assert!(expected.len() > 40, "{}", expected.len());
    assert_same_catalog(&expected, &served(&chunked), "corpus in chunks of 1");
    assert_one_creation_each(&chunked);
}

#[test]
fn a_changed_entity_in_a_later_chunk_updates_the_relations_of_an_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let write = |owner: &str| {
        std::fs::write(
            dir.path().join("all.yaml"),
            format!(
                "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: a}}\nspec: {{type: team, children: []}}\n---\n\
                 apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {{name: b}}\nspec: {{type: team, children: []}}\n---\n\
                 apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {{name: c}}\nspec: {{type: service, lifecycle: production, owner: {owner}}}\n"
            ),
        )
        .unwrap()
    };
    write("a");
    let chunked = catalog(dir.path(), 1);
    let id = add(&chunked, &dir.path().join("all.yaml"));
    let org = OrgId::default_org();
    let relations = |name: &str| {
        chunked
            .entity_by_name(&org, "group", "default", name)
            .unwrap()["relations"]
            .clone()
    };
    assert_eq!(
        relations("a"),
        serde_json::json!([{"type": "ownerOf", "targetRef": "component:default/c"}])
    );
    write("b");
    let report = chunked.refresh_location(&org, &id).unwrap();
    assert_eq!(report.updated, 1, "{report:?}");
    assert_eq!(report.restitched, 2, "{report:?}");
    assert_eq!(relations("a"), serde_json::json!([]));
    assert_eq!(
        relations("b"),
        serde_json::json!([{"type": "ownerOf", "targetRef": "component:default/c"}])
    );
    // Group a: created, then its relation removed by the stitch (a revision of its own).
    let history = chunked
        .entity_history(&org, "group", "default", "a")
        .unwrap();
    let changes: Vec<&str> = history.items.iter().map(|h| h.change.as_str()).collect();
    assert!(
        changes.contains(&"created") && changes.contains(&"relations"),
        "{changes:?}"
    );
}
