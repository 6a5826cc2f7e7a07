//! External entity status (Backstage's `/status` and `/status-batch` operations) through the
//! catalog facade: sources written, listed and deleted; merged beside `status.items`; kept
//! across refreshes, re-stitches and unchanged re-ingests; etags; `stitch=skip`; batches that
//! validate everything before writing anything; unknown entities; deletion; limits.

use std::sync::Arc;

use portico_catalog::api::*;
use portico_catalog::location::FileReader;
use portico_catalog::store::external_status::{MAX_SOURCES_PER_ENTITY, MAX_STATUS_BYTES};
use portico_catalog::{Catalog, CatalogOptions};
use portico_storage::{OrgId, SledStorage};
use serde_json::{Value, json};

const SVC: (&str, &str, &str) = ("component", "default", "svc");

struct Fixture {
    dir: tempfile::TempDir,
    catalog: Catalog,
    org: OrgId,
    location: String,
}

fn component(name: &str, owner: &str, extra: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n{extra}spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
}

fn group(name: &str) -> String {
    format!(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n"
    )
}

/// A catalog with `svc` (owned by `team-a`) and the group `team-a` in one registered file.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let reader = FileReader::confined_to(dir.path()).unwrap();
    let catalog = Catalog::new(
        Arc::new(SledStorage::temporary().unwrap()),
        Arc::new(reader),
        CatalogOptions {
            history_limit: 5,
            ..CatalogOptions::default()
        },
    );
    let f = Fixture {
        dir,
        catalog,
        org: OrgId::default_org(),
        location: String::new(),
    };
    f.write(&format!(
        "{}---\n{}",
        component("svc", "team-a", ""),
        group("team-a")
    ));
    let target = f.dir.path().join("catalog.yaml").display().to_string();
    let location = f
        .catalog
        .add_location(
            &f.org,
            &AddLocationRequest {
                location_type: "file".into(),
                target,
                dry_run: false,
            },
        )
        .unwrap()
        .location
        .id;
    Fixture { location, ..f }
}

impl Fixture {
    fn write(&self, text: &str) {
        std::fs::write(self.dir.path().join("catalog.yaml"), text).unwrap();
    }

    fn get(&self, (kind, namespace, name): (&str, &str, &str)) -> Value {
        self.catalog
            .entity_by_name(&self.org, kind, namespace, name)
            .unwrap()
    }

    fn set(&self, source: &str, status: Value, stitch: bool) -> CatalogResult<()> {
        self.set_on(SVC, source, status, stitch)
    }

    fn set_on(
        &self,
        entity: (&str, &str, &str),
        source: &str,
        status: Value,
        stitch: bool,
    ) -> CatalogResult<()> {
        let update = EntityStatusUpdate {
            source: source.into(),
            status,
        };
        self.catalog
            .set_entity_status(&self.org, entity, &update, stitch)
    }

    fn sources(&self, entity: (&str, &str, &str)) -> Vec<String> {
        let (kind, namespace, name) = entity;
        self.catalog
            .entity_status_sources(&self.org, kind, namespace, name)
            .unwrap()
            .sources
    }

    fn revisions(&self) -> usize {
        self.catalog
            .entity_history(&self.org, "component", "default", "svc")
            .unwrap()
            .items
            .len()
    }

    fn refresh(&self) -> portico_catalog::processing::ProcessReport {
        self.catalog
            .refresh(
                &self.org,
                &RefreshRequest {
                    entity_ref: "component:default/svc".into(),
                },
            )
            .unwrap()
    }
}

fn etag(entity: &Value) -> String {
    entity["metadata"]["etag"].as_str().unwrap().to_owned()
}

#[test]
fn one_source_is_written_listed_served_and_deleted() {
    let f = fixture();
    let before = f.get(SVC);
    assert!(before.get("status").is_none());
    assert!(f.sources(SVC).is_empty());

    f.set("ci", json!({"build": "passing", "run": 42}), true)
        .unwrap();
    assert_eq!(f.sources(SVC), ["ci"]);
    let with = f.get(SVC);
    assert_eq!(
        with["status"],
        json!({"ci": {"build": "passing", "run": 42}})
    );
    assert_ne!(etag(&with), etag(&before));
    assert_eq!(with["metadata"]["uid"], before["metadata"]["uid"]);
    assert_eq!(with["spec"], before["spec"]);
    assert_eq!(with["relations"], before["relations"]);
    // An overlay, not a new version of the entity: no revision is added.
    assert_eq!(f.revisions(), 1);

    // Writing again replaces the source's status (not a deep merge).
    f.set("ci", json!({"build": "failing"}), true).unwrap();
    let replaced = f.get(SVC);
    assert_eq!(replaced["status"], json!({"ci": {"build": "failing"}}));
    assert_ne!(etag(&replaced), etag(&with));

    // Writing the same status again changes nothing that is served.
    f.set("ci", json!({"build": "failing"}), true).unwrap();
    assert_eq!(f.get(SVC), replaced);

    f.catalog
        .delete_entity_status(&f.org, SVC, "ci", true)
        .unwrap();
    assert!(f.sources(SVC).is_empty());
    // Back to exactly what processing served, etag included.
    assert_eq!(f.get(SVC), before);

    // The creation's history entry still shows the entity as it was created.
    let history = f
        .catalog
        .entity_history(&f.org, "component", "default", "svc")
        .unwrap();
    assert_eq!(history.items[0].diff[0]["value"], before);
}

#[test]
fn two_sources_sit_side_by_side_and_beside_processing_errors() {
    let f = fixture();
    f.set("ci", json!({"build": "ok"}), true).unwrap();
    f.set("pagerduty", json!({"incidents": 0}), true).unwrap();
    assert_eq!(f.sources(SVC), ["ci", "pagerduty"]);
    assert_eq!(
        f.get(SVC)["status"],
        json!({"ci": {"build": "ok"}, "pagerduty": {"incidents": 0}})
    );

    // A broken edit: the last good version stays served with its processing error in
    // `status.items`, and the external status beside it.
    f.write(&format!(
        "{}---\n{}",
        component("svc", "team-b", "").replace("production", "7"),
        group("team-a")
    ));
    f.refresh();
    let failed = f.get(SVC);
    let status = failed["status"].as_object().unwrap();
    assert_eq!(status["items"].as_array().unwrap().len(), 1, "{failed}");
    assert_eq!(status["ci"], json!({"build": "ok"}));
    assert_eq!(status["pagerduty"], json!({"incidents": 0}));
    assert_eq!(failed["spec"]["owner"], "team-a");

    // Deleting one source leaves the other and the processing error.
    f.catalog
        .delete_entity_status(&f.org, SVC, "ci", true)
        .unwrap();
    let status = f.get(SVC)["status"].clone();
    assert_eq!(status.as_object().unwrap().len(), 2, "{status}");
    assert_eq!(status["pagerduty"], json!({"incidents": 0}));
    assert!(status.get("ci").is_none());
}

#[test]
fn status_survives_refreshes_restitches_and_unchanged_reingests() {
    let f = fixture();
    f.set("ci", json!({"build": "ok"}), true).unwrap();
    f.set_on(
        ("group", "default", "team-a"),
        "oncall",
        json!({"who": "ana"}),
        true,
    )
    .unwrap();
    let with = f.get(SVC);

    // Unchanged re-ingest: nothing written, the status still served, same etag.
    let report = f.catalog.refresh_location(&f.org, &f.location).unwrap();
    assert_eq!(report.updated + report.created, 0, "{report:?}");
    assert_eq!(f.get(SVC), with);

    // The file changes: new content, status kept, new etag.
    f.write(&format!(
        "{}---\n{}---\n{}",
        component("svc", "team-a", "  description: changed\n"),
        group("team-a"),
        component("other", "team-a", "")
    ));
    let report = f.refresh();
    assert_eq!(report.updated, 1, "{report:?}");
    let changed = f.get(SVC);
    assert_eq!(changed["metadata"]["description"], "changed");
    assert_eq!(changed["status"], json!({"ci": {"build": "ok"}}));
    assert_ne!(etag(&changed), etag(&with));
    assert_eq!(f.sources(SVC), ["ci"]);

    // The group was re-stitched for its new ownerOf relation: its status stayed.
    let team = f.get(("group", "default", "team-a"));
    let owned: Vec<&str> = team["relations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["targetRef"].as_str().unwrap())
        .collect();
    assert!(owned.contains(&"component:default/other"), "{team}");
    assert_eq!(team["status"], json!({"oncall": {"who": "ana"}}));

    // Orphaned (its file no longer emits it): still has its status.
    f.write(&group("team-a"));
    f.catalog.refresh_location(&f.org, &f.location).unwrap();
    let orphan = f.get(SVC);
    assert_eq!(
        orphan["metadata"]["annotations"]["backstage.io/orphan"],
        "true"
    );
    assert_eq!(orphan["status"], json!({"ci": {"build": "ok"}}));
}

#[test]
fn stitch_skip_writes_now_and_serves_at_the_next_stitch() {
    let f = fixture();
    let before = f.get(SVC);
    f.set("ci", json!({"build": "ok"}), false).unwrap();
    // Written (listed at once) but not stitched: the served entity is unchanged.
    assert_eq!(f.sources(SVC), ["ci"]);
    assert_eq!(f.get(SVC), before);

    // A refresh of the entity stitches it, even though its file did not change.
    f.refresh();
    let stitched = f.get(SVC);
    assert_eq!(stitched["status"], json!({"ci": {"build": "ok"}}));
    assert_ne!(etag(&stitched), etag(&before));

    // A skipped deletion followed by a stitched write of another source: both are applied.
    f.catalog
        .delete_entity_status(&f.org, SVC, "ci", false)
        .unwrap();
    assert_eq!(f.get(SVC), stitched);
    f.set("scanner", json!({"cves": 3}), true).unwrap();
    assert_eq!(f.get(SVC)["status"], json!({"scanner": {"cves": 3}}));
    assert!(
        f.catalog
            .stitch_entity_status(&f.org, "component:default/svc")
            .is_ok_and(|changed| !changed)
    );
}

fn entry(entity_ref: &str, source: &str, status: Value) -> BatchStatusEntry {
    BatchStatusEntry {
        entity_ref: entity_ref.into(),
        source: source.into(),
        status,
    }
}

#[test]
fn a_batch_validates_every_entry_before_writing_any() {
    let f = fixture();
    let before = f.get(SVC);
    let bad = [
        entry("component:default/svc", "ci", json!({"build": "ok"})),
        entry("group:default/team-a", "bad source!", json!({})),
        entry("not a ref:", "ci", json!({})),
        entry("svc", "ci", json!({})),
        entry(
            "component:default/svc",
            "scanner",
            json!(["not", "an", "object"]),
        ),
    ];
    let err = f
        .catalog
        .batch_set_entity_status(&f.org, &bad, true)
        .unwrap_err();
    assert_eq!(err.status(), 400);
    assert_eq!(err.name(), "InputError");
    let body = err.body("POST", "/api/catalog/entities/status-batch");
    let errors = body["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 4, "{body}");
    let message = |i: usize| errors[i]["message"].as_str().unwrap();
    assert!(message(0).starts_with("entry 1 (group:default/team-a): source"));
    assert!(message(1).starts_with("entry 2 (not a ref:): invalid entityRef"));
    assert!(
        message(2).contains("missing or empty kind"),
        "{}",
        message(2)
    );
    assert!(message(3).starts_with("entry 4") && message(3).contains("an array"));
    // Nothing written, not even the valid first entry.
    assert!(f.sources(SVC).is_empty());
    assert!(f.sources(("group", "default", "team-a")).is_empty());
    assert_eq!(f.get(SVC), before);

    for count in [0, 101] {
        let entries = vec![entry("component:default/svc", "ci", json!({})); count];
        let err = f
            .catalog
            .batch_set_entity_status(&f.org, &entries, true)
            .unwrap_err();
        assert!(err.to_string().contains("1 to 100 entries"), "{err}");
    }
}

#[test]
fn a_batch_writes_what_exists_in_one_stitch_and_reports_the_rest() {
    let f = fixture();
    let team = f.get(("group", "default", "team-a"));
    let entries = [
        entry("component:default/svc", "ci", json!({"build": "ok"})),
        entry("Group:default/Team-A", "ci", json!({"builds": 7})),
        entry("component:default/ghost", "ci", json!({})),
        entry("component:default/svc", "scanner", json!({"cves": 0})),
    ];
    let response = f
        .catalog
        .batch_set_entity_status(&f.org, &entries, true)
        .unwrap();
    let ok: Vec<bool> = response.results.iter().map(|r| r.ok).collect();
    assert_eq!(ok, [true, true, false, true]);
    assert_eq!(
        response.results[2].error.as_deref(),
        Some("NotFoundError: Entity component:default/ghost not found")
    );
    assert_eq!(response.results[1].entity_ref, "Group:default/Team-A");
    assert_eq!(
        f.get(SVC)["status"],
        json!({"ci": {"build": "ok"}, "scanner": {"cves": 0}})
    );
    let team_after = f.get(("group", "default", "team-a"));
    assert_eq!(team_after["status"], json!({"ci": {"builds": 7}}));
    assert_ne!(etag(&team_after), etag(&team));

    // With stitch skipped: listed, not served until stitched.
    let entries = [entry(
        "group:default/team-a",
        "oncall",
        json!({"who": "li"}),
    )];
    f.catalog
        .batch_set_entity_status(&f.org, &entries, false)
        .unwrap();
    assert_eq!(f.sources(("group", "default", "team-a")), ["ci", "oncall"]);
    assert_eq!(f.get(("group", "default", "team-a")), team_after);
}

#[test]
fn unknown_entities_and_sources_are_not_found() {
    let f = fixture();
    let ghost = ("component", "default", "ghost");
    let err = f.set_on(ghost, "ci", json!({}), true).unwrap_err();
    assert_eq!((err.status(), err.name()), (404, "NotFoundError"));
    assert!(err.to_string().contains("ghost"), "{err}");
    let err = f
        .catalog
        .entity_status_sources(&f.org, "component", "default", "ghost")
        .unwrap_err();
    assert_eq!(err.status(), 404);
    let err = f
        .catalog
        .delete_entity_status(&f.org, ghost, "ci", true)
        .unwrap_err();
    assert_eq!(err.status(), 404);
    let err = f
        .catalog
        .delete_entity_status(&f.org, SVC, "never-written", true)
        .unwrap_err();
    assert_eq!(err.status(), 404);
    assert!(err.to_string().contains("never-written"), "{err}");
    let err = f
        .catalog
        .delete_entity_status(&f.org, SVC, "", true)
        .unwrap_err();
    assert_eq!(err.status(), 400);
}

#[test]
fn status_goes_away_with_its_entity() {
    let f = fixture();
    f.set("ci", json!({"build": "ok"}), true).unwrap();
    let uid = f.get(SVC)["metadata"]["uid"].as_str().unwrap().to_owned();
    f.catalog.delete_entity_by_uid(&f.org, &uid).unwrap();
    assert!(
        f.catalog
            .entity_status_sources(&f.org, "component", "default", "svc")
            .is_err()
    );
    // Its location still emits it: it comes back, without the old status.
    f.catalog.refresh_location(&f.org, &f.location).unwrap();
    let back = f.get(SVC);
    assert!(back.get("status").is_none(), "{back}");
    assert!(f.sources(SVC).is_empty());
}

#[test]
fn bad_payloads_get_clear_errors_and_change_nothing() {
    let f = fixture();
    f.set("ci", json!({"build": "ok"}), true).unwrap();
    let served = f.get(SVC);
    let cases = [
        ("", json!({}), "empty"),
        ("items", json!({}), "reserved"),
        ("a/b", json!({}), "may only contain"),
        (&*"x".repeat(129), json!({}), "at most 128"),
        ("ci", json!(null), "JSON object"),
        ("ci", json!({"items": []}), "reserved key"),
        (
            "ci",
            json!({"log": "x".repeat(MAX_STATUS_BYTES)}),
            "too large",
        ),
        (
            "ci",
            json!({"link": " javascript:alert(document.cookie)"}),
            "status.link",
        ),
    ];
    for (source, status, expected) in cases {
        let err = f.set(source, status, true).unwrap_err();
        assert_eq!(err.status(), 400);
        assert!(err.to_string().contains(expected), "{expected}: {err}");
    }
    assert_eq!(f.get(SVC), served);
    assert_eq!(f.sources(SVC), ["ci"]);

    // Sources per entity are bounded: replacing one is still allowed at the limit.
    for i in 1..MAX_SOURCES_PER_ENTITY {
        f.set(&format!("s{i}"), json!({}), false).unwrap();
    }
    let err = f.set("one-more", json!({}), true).unwrap_err();
    assert_eq!(err.status(), 400);
    assert!(err.to_string().contains("delete one"), "{err}");
    f.set("ci", json!({"build": "still ok"}), true).unwrap();
    assert_eq!(f.sources(SVC).len(), MAX_SOURCES_PER_ENTITY);
}

#[test]
fn status_is_kept_per_organization() {
    let f = fixture();
    f.set("ci", json!({"build": "ok"}), true).unwrap();
    let other = OrgId::new("other-org").unwrap();
    let err = f
        .catalog
        .entity_status_sources(&other, "component", "default", "svc")
        .unwrap_err();
    assert_eq!(err.status(), 404);
}

#[test]
fn concurrent_status_writes_and_refreshes_lose_nothing() {
    let f = fixture();
    std::thread::scope(|scope| {
        for writer in 0..3 {
            let f = &f;
            scope.spawn(move || {
                for i in 0..20 {
                    let source = format!("w{writer}-{}", i % 4);
                    f.set(&source, json!({"i": i}), i % 3 != 0).unwrap();
                }
            });
        }
        let f = &f;
        scope.spawn(move || {
            for i in 0..20 {
                let extra = format!("  description: edit {i}\n");
                f.write(&format!(
                    "{}---\n{}",
                    component("svc", "team-a", &extra),
                    group("team-a")
                ));
                f.catalog.refresh_location(&f.org, &f.location).unwrap();
            }
        });
    });
    let expected: Vec<String> = (0..3)
        .flat_map(|w| (0..4).map(move |s| format!("w{w}-{s}")))
        .collect();
    assert_eq!(f.sources(SVC), expected);
    f.refresh();
    let served = f.get(SVC);
    assert_eq!(served["metadata"]["description"], "edit 19");
    let status = served["status"].as_object().unwrap();
    assert_eq!(status.len(), 12, "{served}");
    // Each source's last write won: i = 16..19 for sources 0..3.
    for w in 0..3 {
        for s in 0..4 {
            assert_eq!(status[&format!("w{w}-{s}")], json!({"i": 16 + s}));
        }
    }
}
