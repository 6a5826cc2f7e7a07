//! Hostile input: every case must return an error (with a useful kind and place), never panic,
//! hang, or allocate without bound.

use portico_catalog::entity::parse::{
    MAX_NESTING_DEPTH, MAX_SOURCE_BYTES, ParseErrorKind, SourceFormat, parse_entities, parse_json,
    parse_yaml,
};

fn first_error(input: &[u8]) -> portico_catalog::entity::parse::ParseError {
    parse_yaml(input)
        .into_iter()
        .find_map(Result::err)
        .expect("an error")
}

#[test]
fn malformed_yaml_reports_document_and_line() {
    let input = b"apiVersion: v1\nkind: A\nmetadata: {name: a}\n---\napiVersion: v1\nkind: B\nmetadata:\n  name: [unclosed\n";
    let docs = parse_yaml(input);
    assert!(docs[0].is_ok());
    let err = docs[1].as_ref().unwrap_err();
    assert_eq!(err.kind, ParseErrorKind::Syntax);
    assert_eq!(err.document, Some(1));
    assert!(err.line.is_some_and(|l| l >= 8), "{err:?}");
    assert!(err.to_string().contains("document 2"), "{err}");
}

#[test]
fn oversized_document_is_refused_before_parsing() {
    let mut big = b"apiVersion: v1\nkind: A\nmetadata:\n  name: a\n  description: \"".to_vec();
    big.resize(10 * 1024 * 1024, b'x');
    big.extend_from_slice(b"\"\n");
    assert!(big.len() > MAX_SOURCE_BYTES);
    let err = first_error(&big);
    assert_eq!(err.kind, ParseErrorKind::TooLarge);
    assert_eq!(parse_json(&big).unwrap_err().kind, ParseErrorKind::TooLarge);
}

#[test]
fn deep_nesting_is_refused() {
    let deep_yaml = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    let err = first_error(deep_yaml.as_bytes());
    assert_eq!(err.kind, ParseErrorKind::TooDeep, "{err}");
    let deep_json = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        parse_json(deep_json.as_bytes()).unwrap_err().kind,
        ParseErrorKind::TooDeep
    );
    let deep_block: String = (0..1_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert_eq!(
        first_error(deep_block.as_bytes()).kind,
        ParseErrorKind::TooDeep
    );
    // Exactly at the limit is fine.
    let ok = format!(
        "{}{}",
        "[".repeat(MAX_NESTING_DEPTH),
        "]".repeat(MAX_NESTING_DEPTH)
    );
    assert!(parse_yaml(ok.as_bytes())[0].is_ok());
}

#[test]
fn billion_laughs_is_refused() {
    let mut doc = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*a{}", i - 1);
        doc.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            [prev.as_str(); 10].join(", ")
        ));
    }
    let err = first_error(doc.as_bytes());
    assert_eq!(err.kind, ParseErrorKind::TooBig, "{err}");
}

#[test]
fn wide_alias_expansion_is_refused() {
    // One anchor of 20,000 items aliased 200 times: 4 million values from a 120 kB file.
    let items = vec!["x"; 20_000].join(",");
    let mut doc = format!("base: &b [{items}]\nall:\n");
    for _ in 0..200 {
        doc.push_str("  - *b\n");
    }
    let err = first_error(doc.as_bytes());
    assert_eq!(err.kind, ParseErrorKind::TooBig, "{err}");
    // A long string aliased many times trips the string budget.
    let long = "y".repeat(1_000_000);
    let mut doc = format!("s: &s \"{long}\"\nt:\n");
    for _ in 0..100 {
        doc.push_str("  - *s\n");
    }
    assert_eq!(first_error(doc.as_bytes()).kind, ParseErrorKind::TooBig);
}

#[test]
fn invalid_utf8_and_control_characters_are_errors() {
    let err = first_error(b"apiVersion: v1\nkind: \xff\xfe\n");
    assert_eq!(err.kind, ParseErrorKind::InvalidUtf8);
    assert_eq!(err.line, Some(2));
    let err = first_error(b"apiVersion: v1\nkind: A\x01B\n");
    assert_eq!(err.kind, ParseErrorKind::Syntax, "{err}");
    assert!(parse_json(b"{\"a\": \"x\x07y\"}").is_err());
    // Escaped control characters are data, not syntax: they parse (validation rejects bad names).
    let ok = parse_yaml(b"name: \"a\\u0000b\"\n");
    assert_eq!(ok[0].as_ref().unwrap().value["name"], "a\u{0}b");
}

#[test]
fn duplicate_keys_tags_and_complex_keys_are_errors() {
    assert_eq!(first_error(b"a: 1\na: 2\n").kind, ParseErrorKind::Syntax);
    assert_eq!(first_error(b"a: !custom 1\n").kind, ParseErrorKind::Syntax);
    assert_eq!(first_error(b"? [a, b]\n: 1\n").kind, ParseErrorKind::Syntax);
    // Scalar keys become strings, as JavaScript's yaml does.
    let docs = parse_yaml(b"1: one\ntrue: yes\n");
    let v = &docs[0].as_ref().unwrap().value;
    assert_eq!(v["1"], "one");
    assert_eq!(v["true"], "yes");
}

#[test]
fn non_objects_and_bad_envelopes_are_per_document_errors() {
    let input = b"just a string\n---\n---\n[1, 2]\n---\napiVersion: v1\nkind: A\nmetadata: {name: ok}\n---\nkind: NoMeta\n";
    let results = parse_entities(input, SourceFormat::Yaml);
    // The empty document is skipped, as Backstage does.
    assert_eq!(results.len(), 4);
    let e0 = results[0].as_ref().unwrap_err();
    assert_eq!(
        (e0.kind, e0.document),
        (ParseErrorKind::NotAnEntity, Some(0))
    );
    assert_eq!(e0.message, "Expected object at root, got string");
    assert_eq!(
        results[1].as_ref().unwrap_err().message,
        "Expected object at root, got array"
    );
    assert_eq!(results[2].as_ref().unwrap().metadata.name, "ok");
    let e3 = results[3].as_ref().unwrap_err();
    assert_eq!(
        (e3.kind, e3.document),
        (ParseErrorKind::NotAnEntity, Some(4))
    );
}

#[test]
fn many_documents_are_capped() {
    let input = "---\na: 1\n".repeat(portico_catalog::entity::parse::MAX_DOCUMENTS + 5);
    let results = parse_yaml(input.as_bytes());
    let last = results.last().unwrap().as_ref().unwrap_err();
    assert_eq!(last.kind, ParseErrorKind::TooManyDocuments);
    assert_eq!(
        results.len(),
        portico_catalog::entity::parse::MAX_DOCUMENTS + 1
    );
}

#[test]
fn hostile_strings_survive_validation_without_panicking() {
    use portico_catalog::KindRegistry;
    let registry = KindRegistry::builtin();
    for name in [
        "",
        " ",
        "a\u{0}b",
        "é",
        &"x".repeat(10_000),
        "../../etc/passwd",
        "a/b:c",
        "💥",
    ] {
        let entity = serde_json::json!({
            "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
            "metadata": {"name": name, "tags": [name], "labels": {name: name}, "annotations": {name: name}},
            "spec": {"type": "service", "lifecycle": "x", "owner": name}
        });
        assert!(registry.validate(&entity).is_err(), "{name:?} accepted");
    }
}
