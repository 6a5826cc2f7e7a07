//! Location logic with temporary files: relative targets, `presence: optional`, cycles,
//! `$json`/`$yaml` placeholders, URL resolution, annotations, uid/etag/hash.

use std::collections::HashMap;
use std::fs;

use portico_catalog::identity::{content_hash, etag, new_uid};
use portico_catalog::location::placeholder::resolve_placeholders;
use portico_catalog::location::resolve::{resolve_target, resolve_url};
use portico_catalog::location::walk::WalkErrorKind;
use portico_catalog::location::{
    ANNOTATION_EDIT_URL, ANNOTATION_SOURCE_LOCATION, ANNOTATION_VIEW_URL, FileReader,
    LocationReader, LocationSpec, Presence, ReadError, apply_location_annotations,
    generated_location_name, location_entity, walk_location,
};
use portico_catalog::{Entity, EntityRef};
use serde_json::json;

fn write(dir: &std::path::Path, name: &str, text: &str) {
    let path = dir.join(name);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn optional_targets_cycles_and_missing_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "root.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  targets: [./a/a.yaml, ./missing.yaml]\n",
    );
    write(
        d,
        "a/a.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: a}\nspec:\n  presence: optional\n  targets: [../root.yaml, ./gone.yaml, ./c.yaml]\n",
    );
    write(
        d,
        "a/c.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: c}\nspec: {type: service, lifecycle: x, owner: me}\n",
    );
    let result = walk_location(&LocationSpec::file(d.join("root.yaml")), &FileReader::new());
    let names: Vec<&str> = result.entities.iter().map(|e| e.entity.name()).collect();
    assert_eq!(names, ["root", "a", "c"]);
    let kinds: Vec<WalkErrorKind> = result.errors.iter().map(|e| e.kind).collect();
    // a.yaml -> ../root.yaml is a cycle; gone.yaml is optional (no error); missing.yaml is required.
    assert_eq!(
        kinds,
        [WalkErrorKind::Cycle, WalkErrorKind::NotFound],
        "{:#?}",
        result.errors
    );
    assert!(
        result.errors[0]
            .message
            .starts_with("Location cycle: file:")
    );
    assert_eq!(
        result.errors[1].message,
        format!("file {} does not exist", d.join("missing.yaml").display())
    );
}

#[test]
fn conflicts_keep_the_first_and_bad_documents_do_not_stop_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let comp = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: dup}\nspec: {type: service, lifecycle: x, owner: me}\n";
    write(
        d,
        "root.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  targets: [./one.yaml, ./two.yaml, ./bad.yaml]\n",
    );
    write(d, "one.yaml", comp);
    write(d, "two.yaml", comp);
    write(d, "bad.yaml", "kind: [\n---\n");
    let result = walk_location(&LocationSpec::file(d.join("root.yaml")), &FileReader::new());
    assert_eq!(result.entities.len(), 2);
    assert_eq!(
        result.entities[1].location,
        LocationSpec::file(d.join("one.yaml"))
    );
    let kinds: Vec<WalkErrorKind> = result.errors.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [WalkErrorKind::Conflict, WalkErrorKind::Parse]);
    assert_eq!(result.errors[1].document, Some(0));
}

#[test]
fn json_and_yaml_placeholders_and_confinement() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "data/info.json", r#"{"a": [1, "b"]}"#);
    write(d, "data/info.yaml", "x:\n  - y: 7\n");
    write(d, "data/two.yaml", "a: 1\n---\nb: 2\n");
    let base = LocationSpec::file(d.join("sub/catalog-info.yaml"));
    let doc = json!({"spec": {"j": {"$json": "../data/info.json"}, "y": [{"$yaml": "../data/info.yaml"}],
        "keep": {"$ref": "#/x"}, "mixed": {"$text": "a", "other": 1}}});
    let out = resolve_placeholders(doc, &base, &FileReader::new()).unwrap();
    assert_eq!(out.value["spec"]["j"], json!({"a": [1, "b"]}));
    assert_eq!(out.value["spec"]["y"][0], json!({"x": [{"y": 7}]}));
    assert_eq!(out.value["spec"]["keep"], json!({"$ref": "#/x"}));
    assert_eq!(
        out.value["spec"]["mixed"],
        json!({"$text": "a", "other": 1})
    );
    assert_eq!(out.reads.len(), 2);

    let err = resolve_placeholders(
        json!({"$yaml": "../data/two.yaml"}),
        &base,
        &FileReader::new(),
    )
    .unwrap_err();
    assert_eq!(
        err.message,
        "Placeholder $yaml expected to find exactly one document of data at ../data/two.yaml, found 2"
    );
    let err = resolve_placeholders(json!({"$text": 5}), &base, &FileReader::new()).unwrap_err();
    assert!(err.message.contains("expected a string value parameter"));

    // A reader confined to sub/ refuses ../data.
    fs::create_dir_all(d.join("sub")).unwrap();
    let confined = FileReader::confined_to(d.join("sub")).unwrap();
    let err =
        resolve_placeholders(json!({"$text": "../data/info.json"}), &base, &confined).unwrap_err();
    assert!(
        matches!(err.read_error, Some(ReadError::NotAllowed(_))),
        "{err:?}"
    );
}

struct MapReader(HashMap<String, &'static str>);
impl LocationReader for MapReader {
    fn read(&self, t: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        self.0
            .get(&format!("{t}:{target}"))
            .map(|s| s.as_bytes().to_vec())
            .ok_or_else(|| ReadError::NotFound(target.into()))
    }
}

#[test]
fn url_locations_resolve_relative_targets_and_get_scm_annotations() {
    let base = "https://github.com/acme/repo/blob/main/catalog/all.yaml";
    assert_eq!(
        resolve_url(base, "./x/y.yaml").unwrap(),
        "https://github.com/acme/repo/blob/main/catalog/x/y.yaml"
    );
    assert_eq!(
        resolve_url(base, "../z.yaml").unwrap(),
        "https://github.com/acme/repo/blob/main/z.yaml"
    );
    assert_eq!(
        resolve_url(base, "/docs/api.yaml").unwrap(),
        "https://github.com/acme/repo/blob/main/docs/api.yaml"
    );
    assert_eq!(
        resolve_url(base, "https://other.example/a").unwrap(),
        "https://other.example/a"
    );
    assert_eq!(
        resolve_url("https://h.example/a/b.yaml?ref=x", "c.yaml").unwrap(),
        "https://h.example/a/c.yaml?ref=x"
    );
    // file bases: `.`-relative joins the directory; anything else is taken as written.
    let file = LocationSpec::new("file", "/srv/catalog/all.yaml");
    assert_eq!(
        resolve_target(&file, "file", "./a/../b.yaml"),
        "/srv/catalog/b.yaml"
    );
    assert_eq!(resolve_target(&file, "file", "../up.yaml"), "/srv/up.yaml");
    assert_eq!(resolve_target(&file, "file", "other.yaml"), "other.yaml");
    assert_eq!(
        resolve_target(&file, "url", "https://x.example/c.yaml"),
        "https://x.example/c.yaml"
    );

    let reader = MapReader(HashMap::from([
        (
            format!("url:{base}"),
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: all}\nspec:\n  targets: [./svc.yaml]\n",
        ),
        (
            "url:https://github.com/acme/repo/blob/main/catalog/svc.yaml".to_string(),
            "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata: {name: svc}\nspec: {type: service, lifecycle: x, owner: me, definition: {$text: ./api.txt}}\n",
        ),
        (
            "url:https://github.com/acme/repo/blob/main/catalog/api.txt".to_string(),
            "API TEXT",
        ),
    ]));
    let result = walk_location(&LocationSpec::url(base), &reader);
    assert!(result.errors.is_empty(), "{:#?}", result.errors);
    let svc = &result
        .entity(&EntityRef::parse_full("component:default/svc").unwrap())
        .unwrap()
        .entity;
    assert_eq!(svc.spec_str("definition"), Some("API TEXT"));
    let a = |k| svc.metadata.annotation(k);
    assert_eq!(
        a(ANNOTATION_VIEW_URL),
        Some("https://github.com/acme/repo/blob/main/catalog/svc.yaml")
    );
    assert_eq!(
        a(ANNOTATION_EDIT_URL),
        Some("https://github.com/acme/repo/edit/main/catalog/svc.yaml")
    );
    assert_eq!(
        a(ANNOTATION_SOURCE_LOCATION),
        Some("url:https://github.com/acme/repo/tree/main/catalog/")
    );
}

#[test]
fn annotations_respect_document_values_and_commit_pins() {
    let mut doc = json!({"metadata": {"name": "x", "annotations": {
        "backstage.io/view-url": "https://mine.example",
        "backstage.io/managed-by-location": "file:/forged"}}});
    let pinned = LocationSpec::url(
        "https://github.com/a/b/blob/0123456789abcdef0123456789abcdef01234567/c.yaml",
    );
    apply_location_annotations(
        &mut doc,
        &pinned,
        &LocationSpec::url("https://github.com/a/b/blob/main/all.yaml"),
    );
    let ann = &doc["metadata"]["annotations"];
    assert_eq!(ann["backstage.io/view-url"], "https://mine.example");
    assert_eq!(
        ann["backstage.io/managed-by-location"],
        format!("url:{}", pinned.target)
    );
    assert_eq!(
        ann["backstage.io/managed-by-origin-location"],
        "url:https://github.com/a/b/blob/main/all.yaml"
    );
    assert!(ann.get("backstage.io/edit-url").is_none());
    // Hosts without a known integration only get a view URL.
    let mut doc = json!({"metadata": {"name": "x"}});
    let plain = LocationSpec::url("https://files.example/c.yaml");
    apply_location_annotations(&mut doc, &plain, &plain);
    assert_eq!(doc["metadata"]["annotations"].as_object().unwrap().len(), 3);
}

#[test]
fn generated_location_entities_and_refs() {
    let spec = LocationSpec::file("/srv/catalog/all.yaml");
    let name = generated_location_name(&spec);
    // sha1("file:/srv/catalog/all.yaml"), as Node's crypto computes it for Backstage.
    assert_eq!(name, "generated-4aa64c2729a42eb02ed9a9e9dcf6cafa68f1f787");
    let root = location_entity(&spec, None);
    assert_eq!(root.kind, "Location");
    assert_eq!(
        root.metadata.annotation("backstage.io/managed-by-location"),
        Some("file:/srv/catalog/all.yaml")
    );
    assert_eq!(root.spec_str("target"), Some("/srv/catalog/all.yaml"));
    let mut optional = LocationSpec::file("/srv/x.yaml");
    optional.presence = Presence::Optional;
    let child = location_entity(&optional, Some(&root));
    assert_eq!(
        child
            .metadata
            .annotation("backstage.io/managed-by-origin-location"),
        Some("file:/srv/catalog/all.yaml")
    );
    assert_eq!(child.spec_str("presence"), Some("optional"));
    assert_eq!(
        LocationSpec::parse_ref("url:https://x.example/a").unwrap(),
        LocationSpec::url("https://x.example/a")
    );
    assert!(
        LocationSpec::parse_ref("https://x.example/a")
            .unwrap_err()
            .to_string()
            .contains("please prefix it with 'url:'")
    );
    assert!(LocationSpec::parse_ref("nocolon").is_err());
}

#[test]
fn uid_etag_and_content_hash() {
    let a = new_uid();
    assert_eq!(a.len(), 36);
    assert_eq!(a.as_bytes()[14], b'7', "UUID version 7: {a}");
    // Time-ordered: later uids sort after earlier ones (the store appends new entities).
    let later: Vec<String> = (0..1000).map(|_| new_uid()).collect();
    assert!(later.windows(2).all(|w| w[0] < w[1]), "not increasing");
    assert!(a < later[0]);

    let v1 = json!({"b": 1, "a": {"y": [1, 2], "x": "s"}});
    let v2: serde_json::Value =
        serde_json::from_str(r#"{"a": {"x": "s", "y": [1, 2]}, "b": 1}"#).unwrap();
    assert_eq!(content_hash(&v1), content_hash(&v2));
    assert_ne!(
        content_hash(&v1),
        content_hash(&json!({"b": 2, "a": {"y": [1, 2], "x": "s"}}))
    );
    assert_eq!(content_hash(&v1).len(), 64);

    let mut entity: Entity = serde_json::from_value(json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "a"}, "spec": {"owner": "x"}
    }))
    .unwrap();
    let e1 = etag(&entity);
    entity.metadata.uid = Some(new_uid());
    entity.metadata.etag = Some(e1.clone());
    assert_eq!(etag(&entity), e1, "uid and etag do not feed the etag");
    entity
        .spec
        .as_mut()
        .unwrap()
        .insert("owner".into(), json!("y"));
    assert_ne!(etag(&entity), e1);
}

/// A reader that reads `url` locations whole, as a provider plugin's `read-location` does.
struct TreeReader {
    file: FileReader,
    tree: portico_catalog::location::TreeRead,
}

impl LocationReader for TreeReader {
    fn read(&self, location_type: &str, target: &str) -> Result<Vec<u8>, ReadError> {
        self.file.read(location_type, target)
    }

    fn read_tree(
        &self,
        location: &LocationSpec,
    ) -> Option<Result<portico_catalog::location::TreeRead, ReadError>> {
        (location.location_type == "url").then(|| match location.target.as_str() {
            "https://h.example/gone.yaml" => Err(ReadError::NotFound("gone".into())),
            _ => Ok(self.tree.clone()),
        })
    }
}

#[test]
fn locations_read_whole_are_annotated_checked_and_not_followed_again() {
    use portico_catalog::location::{TreeRead, TreeReadError};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "root.yaml",
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: root}\nspec:\n  type: url\n  targets: [https://h.example/all.yaml]\n---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata: {name: maybe}\nspec: {type: url, presence: optional, target: https://h.example/gone.yaml}\n",
    );
    let sub = LocationSpec::url("https://h.example/sub.yaml");
    let tree = TreeRead {
        entities: vec![
            (
                LocationSpec::url("https://h.example/all.yaml"),
                json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Location", "metadata": {"name": "remote"}, "spec": {"target": "./sub.yaml"}}),
            ),
            (
                sub.clone(),
                json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {"name": "c"}, "spec": {"type": "service", "owner": "x", "lifecycle": "y"}}),
            ),
            (sub.clone(), json!({"kind": "Component"})),
            (sub.clone(), json!([1])),
            (
                sub.clone(),
                json!({"apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": {"name": "p"},
                       "spec": {"definition": {"$text": "./x"}},
                       "status": {"items": [{"type": "backstage.io/catalog-processing", "level": "error",
                                             "error": {"name": "Error", "message": "Placeholder $text could not read location ./x, boom"}}]}}),
            ),
        ],
        errors: vec![TreeReadError {
            location: LocationSpec::url("https://h.example/broken.yaml"),
            not_found: false,
            message: "Unable to read url, https://h.example/broken.yaml answered 500".into(),
        }],
    };
    let reader = TreeReader {
        file: FileReader::new(),
        tree,
    };
    let root = LocationSpec::file(d.join("root.yaml"));
    let walk = walk_location(&root, &reader);
    let names: Vec<&str> = walk
        .entities
        .iter()
        .map(|e| e.entity.metadata.name.as_str())
        .collect();
    assert_eq!(names, vec!["root", "remote", "c", "maybe"]);
    let c = &walk.entities[2].entity;
    assert_eq!(
        c.metadata.annotation("backstage.io/managed-by-location"),
        Some("url:https://h.example/sub.yaml")
    );
    assert_eq!(
        c.metadata
            .annotation("backstage.io/managed-by-origin-location"),
        Some(root.to_ref().as_str())
    );
    assert_eq!(
        c.metadata.annotation(ANNOTATION_VIEW_URL),
        Some("https://h.example/sub.yaml")
    );
    let kinds: Vec<(WalkErrorKind, &str)> = walk
        .errors
        .iter()
        .map(|e| (e.kind, e.location.target.as_str()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (WalkErrorKind::Read, "https://h.example/broken.yaml"),
            (WalkErrorKind::Envelope, "https://h.example/sub.yaml"),
            (WalkErrorKind::Parse, "https://h.example/sub.yaml"),
            (WalkErrorKind::Placeholder, "https://h.example/sub.yaml"),
        ],
        "{:?}",
        walk.errors
    );
    let failed = &walk.errors[3];
    assert_eq!(
        failed.message,
        "Placeholder $text could not read location ./x, boom"
    );
    assert_eq!(failed.entity.as_ref().unwrap().stringify(), "api:default/p");
    let unprocessed = failed.unprocessed.as_ref().unwrap();
    assert!(unprocessed.get("status").is_none());
    assert_eq!(
        unprocessed["metadata"]["annotations"]["backstage.io/managed-by-location"],
        "url:https://h.example/sub.yaml"
    );
    assert!(walk.locations.contains(&sub));
}
