//! Processing flows with files that change between refreshes: refresh shows changes, an
//! unchanged refresh writes nothing, orphans (keep and delete), conflicts, eager deletion
//! (providers and unregistered locations), errors kept while the last good version is served,
//! history, delete-by-uid, and hostile input that must never lose stored data.

use std::path::Path;
use std::sync::Arc;

use portico_catalog::api::*;
use portico_catalog::location::FileReader;
use portico_catalog::{Catalog, CatalogOptions, OrphanStrategy};
use portico_storage::{OrgId, SledStorage};
use serde_json::{Value, json};

struct Fixture {
    dir: tempfile::TempDir,
    catalog: Catalog,
    org: OrgId,
}

fn fixture(strategy: OrphanStrategy) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let reader = FileReader::confined_to(dir.path()).unwrap();
    let options = CatalogOptions {
        orphan_strategy: strategy,
        history_limit: 5,
        ..CatalogOptions::default()
    };
    let catalog = Catalog::new(
        Arc::new(SledStorage::temporary().unwrap()),
        Arc::new(reader),
        options,
    );
    Fixture {
        dir,
        catalog,
        org: OrgId::default_org(),
    }
}

fn component(name: &str, owner: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n{extra}spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

impl Fixture {
    fn write(&self, name: &str, text: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_string_lossy().into_owned()
    }

    fn register(&self, name: &str) -> Location {
        let target = self.dir.path().join(name).to_string_lossy().into_owned();
        self.catalog
            .add_location(
                &self.org,
                &AddLocationRequest {
                    location_type: "file".into(),
                    target,
                    dry_run: false,
                },
            )
            .unwrap()
            .location
    }

    fn get(&self, kind: &str, name: &str) -> Option<Value> {
        self.catalog
            .entity_by_name(&self.org, kind, "default", name)
            .ok()
    }

    fn revisions(&self, kind: &str, name: &str) -> Vec<u64> {
        self.catalog
            .entity_history(&self.org, kind, "default", name)
            .map(|h| h.items.iter().map(|i| i.revision).collect())
            .unwrap_or_default()
    }
}

fn dir_path(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[test]
fn refresh_shows_changes_and_unchanged_refresh_writes_nothing() {
    let f = fixture(OrphanStrategy::Keep);
    f.write("a.yaml", &component("svc", "team-a", ""));
    let location = f.register("a.yaml");
    let before = f.get("component", "svc").unwrap();
    assert_eq!(f.revisions("component", "svc"), [1]);
    let created = json!([{"op": "add", "path": "", "value": before}]);
    let first_diff = |f: &Fixture| {
        f.catalog
            .entity_history(&f.org, "component", "default", "svc")
            .unwrap()
            .items[0]
            .diff
            .clone()
    };
    assert_eq!(json!(first_diff(&f)), created);

    // Unchanged: nothing written (no revision, same etag), everything counted unchanged.
    let report = f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert_eq!(
        report.created + report.updated + report.restitched,
        0,
        "{report:?}"
    );
    assert_eq!(report.unchanged, 2);
    assert_eq!(f.revisions("component", "svc"), [1]);
    assert_eq!(f.get("component", "svc").unwrap(), before);

    // Changed file: visible after refreshing, uid kept, etag changed, relations moved.
    f.write(
        "a.yaml",
        &component("svc", "team-b", "  description: new\n"),
    );
    let report = f
        .catalog
        .refresh(
            &f.org,
            &RefreshRequest {
                entity_ref: "component:default/svc".into(),
            },
        )
        .unwrap();
    assert_eq!(report.updated, 1, "{report:?}");
    let after = f.get("component", "svc").unwrap();
    assert_eq!(after["metadata"]["description"], "new");
    assert_eq!(after["metadata"]["uid"], before["metadata"]["uid"]);
    assert_ne!(after["metadata"]["etag"], before["metadata"]["etag"]);
    assert_eq!(
        after["relations"],
        json!([{"type": "ownedBy", "targetRef": "group:default/team-b"}])
    );
    let history = f
        .catalog
        .entity_history(&f.org, "component", "default", "svc")
        .unwrap();
    assert_eq!(history.items.len(), 2);
    // The creation still shows the entity as it was created, not as it is now.
    assert_eq!(json!(first_diff(&f)), created);
    let stored = serde_json::to_value(&history).unwrap();
    assert!(
        stored.to_string().find("diffIsServed").is_none(),
        "{stored}"
    );
    let change = &history.items[1];
    assert_eq!(change.change, "updated");
    assert_eq!(change.producer, format!("location:{}", location.id));
    assert!(
        change
            .diff
            .contains(&json!({"op": "add", "path": "/metadata/description", "value": "new"}))
    );
    assert!(
        change
            .diff
            .contains(&json!({"op": "replace", "path": "/spec/owner", "value": "team-b"}))
    );

    // Filters follow the change (old index entries removed).
    let count = |filter: &str| {
        f.catalog
            .query_entities(
                &f.org,
                &QueryEntitiesRequest {
                    filter: vec![filter.into()],
                    ..Default::default()
                },
            )
            .unwrap()
            .total_items
    };
    assert_eq!(count("spec.owner=team-a"), 0);
    assert_eq!(count("spec.owner=team-b"), 1);
    assert_eq!(count("relations.ownedby=group:default/team-b"), 1);
    assert_eq!(count("relations.ownedby=group:default/team-a"), 0);

    // History keeps the last N (5) revisions.
    for i in 0..7 {
        f.write("a.yaml", &component("svc", &format!("team-{i}"), ""));
        f.catalog.refresh_location(&f.org, &location.id).unwrap();
    }
    assert_eq!(f.revisions("component", "svc"), [5, 6, 7, 8, 9]);

    // Refresh of an unknown ref is a NotFoundError; of a malformed one an InputError.
    let err = f
        .catalog
        .refresh(
            &f.org,
            &RefreshRequest {
                entity_ref: "component:default/nope".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.status(), 404);
    let err = f
        .catalog
        .refresh(
            &f.org,
            &RefreshRequest {
                entity_ref: ":".into(),
            },
        )
        .unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn entities_dropped_from_a_file_become_orphans_and_can_be_reclaimed() {
    let f = fixture(OrphanStrategy::Keep);
    let both = format!(
        "{}---\n{}",
        component("one", "g", ""),
        component("two", "g", "")
    );
    f.write("a.yaml", &both);
    let location = f.register("a.yaml");
    f.write("a.yaml", &component("one", "g", ""));
    let report = f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert_eq!(report.orphaned, 1, "{report:?}");
    let two = f.get("component", "two").unwrap();
    assert_eq!(
        two["metadata"]["annotations"]["backstage.io/orphan"],
        "true"
    );
    assert!(
        f.get("component", "one").unwrap()["metadata"]["annotations"]
            .get("backstage.io/orphan")
            .is_none()
    );
    let orphans = f
        .catalog
        .query_entities(
            &f.org,
            &QueryEntitiesRequest {
                filter: vec!["metadata.annotations.backstage.io/orphan=true".into()],
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(orphans.total_items, 1);
    // The owner keeps seeing the orphan's relation until it is gone.
    assert_eq!(f.revisions("component", "two").last(), Some(&2));

    // Another location emitting it claims the orphan.
    f.write("b.yaml", &component("two", "g", ""));
    f.register("b.yaml");
    let two_again = f.get("component", "two").unwrap();
    assert!(
        two_again["metadata"]["annotations"]
            .get("backstage.io/orphan")
            .is_none()
    );
    assert_eq!(two_again["metadata"]["uid"], two["metadata"]["uid"]);
    assert_eq!(
        two_again["metadata"]["annotations"]["backstage.io/managed-by-location"],
        format!("file:{}", dir_path(f.dir.path(), "b.yaml"))
    );
}

#[test]
fn orphan_strategy_delete_removes_dropped_entities() {
    let f = fixture(OrphanStrategy::Delete);
    let both = format!(
        "{}---\n{}",
        component("one", "g", ""),
        component("two", "g", "")
    );
    f.write("a.yaml", &both);
    let location = f.register("a.yaml");
    f.write("a.yaml", &component("one", "g", ""));
    let report = f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert_eq!(report.deleted, 1, "{report:?}");
    assert!(f.get("component", "two").is_none());
    let history = f
        .catalog
        .entity_history(&f.org, "component", "default", "two")
        .unwrap();
    assert_eq!(history.items.last().unwrap().change, "deleted");
    assert_eq!(f.revisions("component", "two"), [1, 2]);
    // The creation keeps the deleted entity's content.
    assert_eq!(history.items[0].diff[0]["op"], "add");
    assert_eq!(history.items[0].diff[0]["value"]["metadata"]["name"], "two");
    // Emitted again: a new entity (new uid) whose history continues after the deletion.
    let both = format!(
        "{}---\n{}",
        component("one", "g", ""),
        component("two", "g", "")
    );
    f.write("a.yaml", &both);
    f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert!(f.get("component", "two").is_some());
    assert_eq!(f.revisions("component", "two"), [1, 2, 3]);
}

#[test]
fn a_second_location_claiming_an_entity_is_refused() {
    let f = fixture(OrphanStrategy::Keep);
    f.write("first.yaml", &component("shared", "first-team", ""));
    f.write("second.yaml", &component("shared", "second-team", ""));
    let first = f.register("first.yaml");
    let second = f.register("second.yaml");
    let entity = f.get("component", "shared").unwrap();
    assert_eq!(entity["spec"]["owner"], "first-team");
    let errors = f.catalog.location_errors(&f.org, &second.id).unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with(
        "Detected conflicting entityRef component:default/shared already referenced by location:"
    ));
    assert!(
        f.catalog
            .location_errors(&f.org, &first.id)
            .unwrap()
            .is_empty()
    );
    // Refreshing the second again changes nothing; the first keeps it.
    let report = f.catalog.refresh_location(&f.org, &second.id).unwrap();
    assert_eq!(report.conflicts.len(), 1);
    assert_eq!(
        f.get("component", "shared").unwrap()["spec"]["owner"],
        "first-team"
    );
    // Once the first location is unregistered (eager deletion), the second can take it.
    let report = f.catalog.delete_location(&f.org, &first.id).unwrap();
    assert_eq!(report.deleted, 2, "{report:?}"); // the entity and the generated Location
    assert!(f.get("component", "shared").is_none());
    f.catalog.refresh_location(&f.org, &second.id).unwrap();
    assert_eq!(
        f.get("component", "shared").unwrap()["spec"]["owner"],
        "second-team"
    );
    assert!(
        f.catalog
            .location_errors(&f.org, &second.id)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.catalog.location(&f.org, &first.id).unwrap_err().status(),
        404
    );
}

#[test]
fn errors_keep_the_last_good_version_and_missing_files_orphan_nothing() {
    let f = fixture(OrphanStrategy::Keep);
    f.write("a.yaml", &component("svc", "team-a", ""));
    let location = f.register("a.yaml");
    let good = f.get("component", "svc").unwrap();

    // Invalid now (bad lifecycle type): the last good version stays, with status.items.
    f.write(
        "a.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\nspec:\n  type: service\n  lifecycle: 7\n  owner: team-b\n",
    );
    f.catalog.refresh_location(&f.org, &location.id).unwrap();
    let served = f.get("component", "svc").unwrap();
    assert_eq!(served["spec"]["owner"], "team-a");
    assert_eq!(served["metadata"]["uid"], good["metadata"]["uid"]);
    let items = served["status"]["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["type"], "backstage.io/catalog-processing");
    assert!(
        items[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("InputError: Policy check failed for component:default/svc")
    );

    // Fixed again: errors gone, new content served.
    f.write("a.yaml", &component("svc", "team-b", ""));
    f.catalog.refresh_location(&f.org, &location.id).unwrap();
    let fixed = f.get("component", "svc").unwrap();
    assert_eq!(fixed["spec"]["owner"], "team-b");
    assert!(fixed.get("status").is_none());

    // The file disappears: an error on the generated Location entity; nothing is orphaned.
    std::fs::remove_file(f.dir.path().join("a.yaml")).unwrap();
    let report = f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert_eq!(report.orphaned + report.deleted, 0, "{report:?}");
    let fixed_still = f.get("component", "svc").unwrap();
    assert!(
        fixed_still["metadata"]["annotations"]
            .get("backstage.io/orphan")
            .is_none()
    );
    let generated = f
        .catalog
        .query_entities(
            &f.org,
            &QueryEntitiesRequest {
                filter: vec!["kind=location".into()],
                ..Default::default()
            },
        )
        .unwrap();
    let items = generated.items[0]["status"]["items"].as_array().unwrap();
    assert_eq!(items[0]["error"]["name"], "NotFoundError");

    // Malformed YAML: same, nothing lost.
    f.write("a.yaml", "kind: [\n  - : :\n");
    f.catalog.refresh_location(&f.org, &location.id).unwrap();
    assert_eq!(
        f.get("component", "svc").unwrap()["spec"]["owner"],
        "team-b"
    );
}

#[test]
fn never_valid_entities_are_pending_not_served() {
    let f = fixture(OrphanStrategy::Keep);
    f.write(
        "a.yaml",
        &format!(
            "{}---\napiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: broken\nspec:\n  type: service\n",
            component("fine", "g", "")
        ),
    );
    f.register("a.yaml");
    assert!(f.get("component", "fine").is_some());
    assert!(f.get("component", "broken").is_none());
    let pending = f.catalog.pending_errors(&f.org).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].entity_ref, "component:default/broken");
    assert!(
        pending[0].items[0]["message"]
            .as_str()
            .unwrap()
            .contains("Policy check failed")
    );
}

#[test]
fn providers_delete_eagerly_and_delete_by_uid_restitches() {
    let f = fixture(OrphanStrategy::Keep);
    let group = json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Group",
        "metadata": {"name": "team"}, "spec": {"type": "team", "children": []}});
    let svc = |name: &str| {
        json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component",
        "metadata": {"name": name}, "spec": {"type": "service", "lifecycle": "production", "owner": "team"}})
    };
    let report = f
        .catalog
        .apply_provider(&f.org, "hr", vec![group.clone(), svc("a"), svc("b")])
        .unwrap();
    assert_eq!(report.created, 3);
    let team = f.get("group", "team").unwrap();
    assert_eq!(
        team["relations"],
        json!([{"type": "ownerOf", "targetRef": "component:default/a"},
               {"type": "ownerOf", "targetRef": "component:default/b"}])
    );
    // The provider stops emitting b: deleted at once (no orphan), and team's relations follow.
    let report = f
        .catalog
        .apply_provider(&f.org, "hr", vec![group.clone(), svc("a")])
        .unwrap();
    assert_eq!(
        (report.deleted, report.unchanged, report.restitched),
        (1, 2, 1),
        "{report:?}"
    );
    assert!(f.get("component", "b").is_none());
    let team = f.get("group", "team").unwrap();
    assert_eq!(
        team["relations"],
        json!([{"type": "ownerOf", "targetRef": "component:default/a"}])
    );
    assert_eq!(f.revisions("group", "team"), [1, 2]);
    let history = f
        .catalog
        .entity_history(&f.org, "group", "default", "team")
        .unwrap();
    assert_eq!(history.items[1].change, "relations");
    assert_eq!(history.items[1].producer, "stitch");

    // DELETE /entities/by-uid: gone, and relations it emitted are gone from the group.
    let uid = f.get("component", "a").unwrap()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    f.catalog.delete_entity_by_uid(&f.org, &uid).unwrap();
    assert_eq!(
        f.catalog.entity_by_uid(&f.org, &uid).unwrap_err().status(),
        404
    );
    assert_eq!(f.get("group", "team").unwrap()["relations"], json!([]));
    assert_eq!(
        f.catalog
            .delete_entity_by_uid(&f.org, &uid)
            .unwrap_err()
            .status(),
        404
    );
    // It comes back with the next full mutation, with a new uid.
    f.catalog
        .apply_provider(&f.org, "hr", vec![group, svc("a")])
        .unwrap();
    let back = f.get("component", "a").unwrap();
    assert_ne!(back["metadata"]["uid"], uid.as_str());
    // A location cannot take a provider's entity.
    f.write("a.yaml", &component("a", "other", ""));
    let location = f.register("a.yaml");
    assert_eq!(
        f.catalog
            .location_errors(&f.org, &location.id)
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn hostile_input_never_panics_or_loses_data() {
    let f = fixture(OrphanStrategy::Keep);
    f.write("a.yaml", &component("keep-me", "g", ""));
    let location = f.register("a.yaml");
    let hostile = [
        "\0\0\0",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: \"a\\0b\"\nspec: {type: x, lifecycle: y, owner: \"o\\0wner\"}\n",
        "apiVersion: backstage.io/v1alpha1\nkind: \"\"\nmetadata: {name: x}\n",
        "[1, 2, 3]\n",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: x\n  annotations: {\"\\u0000\": \"\\uffff\"}\nspec: {type: x, lifecycle: y, owner: \"component:\"}\n",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: loop}\nspec: {targets: [./a.yaml, /etc/passwd, ../../../../etc/passwd]}\n",
    ];
    for text in hostile {
        let doc = format!("{}---\n{text}", component("keep-me", "g", ""));
        f.write("a.yaml", &doc);
        f.catalog.refresh_location(&f.org, &location.id).unwrap();
        assert!(f.get("component", "keep-me").is_some(), "{text:?}");
    }
    // Hostile query strings are input errors or empty results, never panics.
    for filter in [
        "=",
        "a=b=c",
        "\0=\0",
        "metadata.name=\u{ffff}",
        &"x.".repeat(5000),
    ] {
        let _ = f.catalog.query_entities(
            &f.org,
            &QueryEntitiesRequest {
                filter: vec![filter.to_string()],
                ..Default::default()
            },
        );
    }
    for cursor in ["", "!!!", "e30=", "bnVsbA=="] {
        let r = f.catalog.query_entities(
            &f.org,
            &QueryEntitiesRequest {
                cursor: Some(cursor.into()),
                ..Default::default()
            },
        );
        if let Err(e) = r {
            assert_eq!(e.status(), 400);
        }
    }
    assert!(f.catalog.entity_by_name(&f.org, "\0", "\0", "\0").is_err());
    assert!(f.catalog.entity_by_uid(&f.org, "\0/../x").is_err());
    assert!(f.get("component", "keep-me").is_some());
}

#[test]
fn an_import_reports_each_location_read_and_each_entity_written() {
    use portico_catalog::catalog::ImportProgress;
    use std::sync::Mutex;

    #[derive(Default)]
    struct Recorded {
        read: Mutex<Vec<String>>,
        written: Mutex<Vec<(usize, usize)>>,
    }
    impl ImportProgress for Recorded {
        fn read(&self, location: &portico_catalog::LocationSpec) {
            self.read.lock().unwrap().push(location.target.clone());
        }
        fn written(&self, written: usize, total: usize) {
            self.written.lock().unwrap().push((written, total));
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("all.yaml");
    std::fs::write(
        &root,
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\nspec: {targets: [./a.yaml]}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("a.yaml"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: g}\nspec: {type: team, children: []}\n---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata: {name: h}\nspec: {type: team, children: []}\n",
    )
    .unwrap();
    let storage: std::sync::Arc<dyn portico_storage::Storage> =
        std::sync::Arc::new(portico_storage::SledStorage::temporary().unwrap());
    let catalog = portico_catalog::Catalog::new(
        storage,
        std::sync::Arc::new(portico_catalog::location::FileReader::new()),
        Default::default(),
    );
    let progress = Recorded::default();
    let response = catalog
        .add_location_with(
            &portico_storage::OrgId::default_org(),
            &portico_catalog::api::AddLocationRequest {
                location_type: "file".into(),
                target: root.display().to_string(),
                dry_run: false,
            },
            &progress,
        )
        .unwrap();
    assert_eq!(response.entities.len(), 4);
    let read = progress.read.lock().unwrap().clone();
    assert_eq!(read.len(), 2);
    assert!(
        read[0].ends_with("all.yaml") && read[1].ends_with("a.yaml"),
        "{read:?}"
    );
    // Entities are processed while the walk goes on, so the total grows as they are read.
    let written = progress.written.lock().unwrap().clone();
    let done: Vec<usize> = written.iter().map(|(done, _)| *done).collect();
    assert_eq!(done, vec![1, 2, 3, 4], "{written:?}");
    assert!(
        written.iter().all(|(done, total)| done <= total),
        "{written:?}"
    );
    assert!(written.windows(2).all(|w| w[0].1 <= w[1].1), "{written:?}");
    assert_eq!(written.last(), Some(&(4, 4)));
}

/// A restart with different `catalog.kinds` schemas re-validates entities whose files did not
/// change (their input hash covers the schemas' fingerprint, not a per-process counter).
#[test]
fn changed_kind_schemas_revalidate_unchanged_entities_across_a_restart() {
    use portico_catalog::KindRegistry;
    let dir = tempfile::tempdir().unwrap();
    let files = dir.path().join("files");
    std::fs::create_dir_all(&files).unwrap();
    std::fs::write(
        files.join("a.yaml"),
        component("svc", "team-a", "")
            .replace("  type: service\n", "  type: service\n  tier: gold\n"),
    )
    .unwrap();
    let org = OrgId::default_org();
    let requiring = |field: &str| {
        let mut registry = KindRegistry::builtin();
        registry
            .extend_kind(
                "Component",
                json!({"$id": format!("Requires-{field}"), "properties": {"spec": {"required": [field]}}}),
            )
            .unwrap();
        registry
    };
    let open = |registry: KindRegistry| {
        let storage = SledStorage::open(
            &dir.path().join("db"),
            &portico_storage::SledOptions::default(),
        )
        .unwrap();
        let catalog = Catalog::new(
            Arc::new(storage),
            Arc::new(FileReader::confined_to(&files).unwrap()),
            CatalogOptions::default(),
        );
        catalog.set_kind_registry(&org, registry);
        catalog
    };
    let errors_of = |catalog: &Catalog| {
        let entity = catalog
            .entity_by_name(&org, "component", "default", "svc")
            .unwrap();
        entity["status"]["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    };

    let first = open(requiring("tier"));
    let location = first
        .add_location(
            &org,
            &AddLocationRequest {
                location_type: "file".into(),
                target: files.join("a.yaml").to_string_lossy().into_owned(),
                dry_run: false,
            },
        )
        .unwrap()
        .location;
    assert!(errors_of(&first).is_empty());
    let report = first.refresh_location(&org, &location.id).unwrap();
    assert_eq!(report.updated + report.created, 0, "{report:?}");
    drop(first);

    // Same file, other schemas: the entity is checked again and the new rule reported.
    let second = open(requiring("costCenter"));
    second.refresh_location(&org, &location.id).unwrap();
    let errors = errors_of(&second);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].to_string().contains("costCenter"), "{errors:?}");
    drop(second);

    // And back to schemas the entity satisfies: the error is gone.
    let third = open(requiring("tier"));
    third.refresh_location(&org, &location.id).unwrap();
    assert!(errors_of(&third).is_empty());
}
