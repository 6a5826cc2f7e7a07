//! Entity reference parsing and printing, against Backstage's `parseEntityRef`,
//! `stringifyEntityRef` and `humanizeEntityRef` behaviour.

use std::collections::HashSet;

use portico_catalog::refs::{EntityRef, RefContext, RefError, parse_ref_parts};

fn ctx<'a>(kind: Option<&'a str>, ns: Option<&'a str>) -> RefContext<'a> {
    RefContext::new(kind, ns)
}

#[test]
fn full_and_short_forms_with_defaults() {
    let full = EntityRef::parse("component:prod/checkout", ctx(None, None)).unwrap();
    assert_eq!(
        (
            full.kind.as_str(),
            full.namespace.as_str(),
            full.name.as_str()
        ),
        ("component", "prod", "checkout")
    );

    // `namespace/name` takes the field's default kind.
    let r = EntityRef::parse("prod/checkout", ctx(Some("Group"), Some("other"))).unwrap();
    assert_eq!(
        (r.kind.as_str(), r.namespace.as_str(), r.name.as_str()),
        ("Group", "prod", "checkout")
    );

    // `name` takes the default kind and the referring entity's namespace.
    let r = EntityRef::parse("team-a", ctx(Some("Group"), Some("development"))).unwrap();
    assert_eq!(r.stringify(), "group:development/team-a");

    // Without a namespace in context, `default`.
    let r = EntityRef::parse("user:jdoe", ctx(Some("Group"), None)).unwrap();
    assert_eq!(r.stringify(), "user:default/jdoe");
}

#[test]
fn missing_kind_and_malformed_refs_use_backstage_messages() {
    assert_eq!(
        EntityRef::parse("admin", ctx(None, None))
            .unwrap_err()
            .to_string(),
        "Entity reference \"admin\" had missing or empty kind (e.g. did not start with \"component:\" or similar)"
    );
    assert_eq!(
        EntityRef::parse("admin/guest", ctx(None, None)).unwrap_err(),
        RefError::MissingKind("admin/guest".into())
    );
    for bad in [":default/admin", "user:/admin", "user:default/", "user:"] {
        assert_eq!(
            EntityRef::parse(bad, ctx(Some("Group"), None))
                .unwrap_err()
                .to_string(),
            format!("Entity reference \"{bad}\" was not on the form [<kind>:][<namespace>/]<name>")
        );
    }
    assert_eq!(
        EntityRef::parse("", ctx(Some("Group"), None)).unwrap_err(),
        RefError::Empty
    );
}

#[test]
fn splits_on_first_colon_and_slash_like_current_backstage() {
    // A `/` before the first `:` means there is no kind.
    let p = parse_ref_parts("default/a:b").unwrap();
    assert_eq!(
        (p.kind, p.namespace.as_deref(), p.name.as_str()),
        (None, Some("default"), "a:b")
    );
    // Extra separators end up in the name.
    let p = parse_ref_parts("a:b/c/d").unwrap();
    assert_eq!(
        (p.kind.as_deref(), p.namespace.as_deref(), p.name.as_str()),
        (Some("a"), Some("b"), "c/d")
    );
    let p = parse_ref_parts("k:x:y").unwrap();
    assert_eq!(
        (p.kind.as_deref(), p.namespace, p.name.as_str()),
        (Some("k"), None, "x:y")
    );
}

#[test]
fn stringify_lowercases_and_comparison_ignores_case() {
    let a = EntityRef::new("Component", "Default", "Artist-Lookup");
    assert_eq!(a.stringify(), "component:default/artist-lookup");
    // Display keeps the case as written.
    assert_eq!(a.to_string(), "Component:Default/Artist-Lookup");
    let b = EntityRef::parse_full("component:default/artist-lookup").unwrap();
    assert_eq!(a, b);
    assert_ne!(a, EntityRef::new("Component", "default", "artist-lookup-2"));
    let set: HashSet<EntityRef> = [a.clone(), b].into_iter().collect();
    assert_eq!(set.len(), 1);
    assert_eq!(a.normalized().name, "artist-lookup");
}

#[test]
fn humanize_leaves_out_defaults() {
    let r = EntityRef::new("Group", "default", "team-a");
    assert_eq!(r.humanize(ctx(Some("group"), None)), "team-a");
    assert_eq!(r.humanize(ctx(None, None)), "group:team-a");
    let r = EntityRef::new("User", "development", "guest");
    assert_eq!(
        r.humanize(ctx(Some("Group"), None)),
        "user:development/guest"
    );
    // Round trip through the same context.
    let back = EntityRef::parse(
        &r.humanize(ctx(Some("Group"), None)),
        ctx(Some("Group"), None),
    )
    .unwrap();
    assert_eq!(back, r);
}

#[test]
fn compound_refs_serialize_as_objects() {
    let r = EntityRef::new("group", "default", "team-a");
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"kind": "group", "namespace": "default", "name": "team-a"})
    );
    let back: EntityRef = serde_json::from_value(json).unwrap();
    assert_eq!(back, r);
}
