//! Validation rules from Backstage's validator functions and schemas, and runtime custom kinds.

use portico_catalog::KindRegistry;
use portico_catalog::validation::format::{
    is_valid_api_version, is_valid_dns_label, is_valid_kind, is_valid_label_key,
    is_valid_object_name, is_valid_tag,
};
use portico_catalog::validation::{
    Format, KindInfo, Rule, SchemaError, ValidateOptions, apply_default_namespace,
};
use serde_json::{Value, json};

fn component() -> Value {
    json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {"name": "checkout"},
        "spec": {"type": "service", "lifecycle": "production", "owner": "team-a"}
    })
}

#[test]
fn field_format_functions_match_backstage_rules() {
    // isValidObjectName
    for ok in ["a", "A-b_c.d", "x1", &"a".repeat(63)] {
        assert!(is_valid_object_name(ok), "{ok}");
    }
    for bad in ["", "-a", "a-", "a b", "a/b", "é", &"a".repeat(64)] {
        assert!(!is_valid_object_name(bad), "{bad}");
    }
    // isValidDnsLabel (namespaces)
    assert!(is_valid_dns_label("my-ns-1"));
    for bad in ["My", "a--b", "-a", "a_b", ""] {
        assert!(!is_valid_dns_label(bad), "{bad}");
    }
    // isValidKind
    assert!(is_valid_kind("AiResource"));
    assert!(!is_valid_kind("1Kind") && !is_valid_kind("Ki-nd") && !is_valid_kind(""));
    // isValidApiVersion
    for ok in ["backstage.io/v1alpha1", "v1", "my-company.net/v1", "1"] {
        assert!(is_valid_api_version(ok), "{ok}");
    }
    for bad in [
        "a/b/c",
        "Backstage.io/v1",
        "backstage.io/",
        "/v1",
        "backstage.io/v-1",
    ] {
        assert!(!is_valid_api_version(bad), "{bad}");
    }
    // isValidLabelKey: optional DNS-subdomain prefix (≤ 253) + object name.
    assert!(is_valid_label_key("backstage.io/source-location"));
    assert!(is_valid_label_key("simple"));
    assert!(!is_valid_label_key("Bad.Prefix/x"));
    assert!(!is_valid_label_key(&format!("{}/x", "a".repeat(254))));
    assert!(!is_valid_label_key("a/b/c"));
    // isValidTag
    for ok in ["java", "c++", "c#", "a:b", "go-1"] {
        assert!(is_valid_tag(ok), "{ok}");
    }
    for bad in ["Java", "go 1", "a--b", "a_b", "a.b", "", &"a".repeat(64)] {
        assert!(!is_valid_tag(bad), "{bad}");
    }
}

#[test]
fn field_paths_and_rules_name_what_failed() {
    let mut e = component();
    e["metadata"]["namespace"] = json!("Bad_NS");
    e["metadata"]["labels"] = json!({"ok": "", "bad key!": "v", "k": "bad value!"});
    e["metadata"]["annotations"] = json!({"example.com/x": 5});
    e["metadata"]["links"] = json!([{"url": "not a url", "title": " ", "icon": "bad icon"}]);
    let errors = KindRegistry::builtin().validate(&e).unwrap_err();
    let found: Vec<(&str, Rule)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.rule.clone()))
        .collect();
    // The schema rejects the non-string annotation value first; nothing else runs.
    assert_eq!(
        found,
        [(
            "metadata.annotations.example.com/x",
            Rule::EntitySchema("type".into())
        )]
    );

    e["metadata"]["annotations"] = json!({"example.com/x": "fine"});
    let errors = KindRegistry::builtin().validate(&e).unwrap_err();
    let found: Vec<(&str, Rule)> = errors
        .iter()
        .map(|e| (e.field.as_str(), e.rule.clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("metadata.namespace", Rule::Format(Format::Namespace)),
            ("labels.bad key!", Rule::Format(Format::LabelKey)),
            ("labels.k", Rule::Format(Format::LabelValue)),
            ("links.0.url", Rule::Format(Format::Url)),
            ("links.0.title", Rule::Format(Format::NonEmptyString)),
            ("links.0.icon", Rule::Format(Format::ObjectName)),
        ]
    );
    assert!(errors[0].message.starts_with(
        "\"metadata.namespace\" is not valid; expected a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total but found \"Bad_NS\"."
    ));
    assert!(
        errors[1]
            .message
            .contains("expected a valid prefix and/or suffix but found \"bad key!\"")
    );
}

#[test]
fn schema_errors_use_ajv_wording() {
    let mut e = component();
    e["spec"].as_object_mut().unwrap().remove("owner");
    let errors = KindRegistry::builtin().validate(&e).unwrap_err();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "spec");
    assert_eq!(
        errors[0].message,
        "/spec must have required property 'owner' - missingProperty: owner"
    );
    assert_eq!(
        errors[0].rule,
        Rule::KindSchema {
            schema: "ComponentV1alpha1".into(),
            keyword: "required".into()
        }
    );

    let missing_name =
        json!({"apiVersion": "backstage.io/v1alpha1", "kind": "Component", "metadata": {}});
    let errors = KindRegistry::builtin().validate(&missing_name).unwrap_err();
    assert_eq!(
        errors[0].message,
        "/metadata must have required property 'name' - missingProperty: name"
    );
    assert!(
        KindRegistry::builtin()
            .validate_envelope(&missing_name)
            .is_err()
    );
    assert!(
        KindRegistry::builtin()
            .validate_envelope(&component())
            .is_ok()
    );
}

#[test]
fn root_fields_and_unknown_kinds() {
    let mut e = component();
    e["status"] = json!({"items": []});
    let errors = KindRegistry::builtin().validate(&e).unwrap_err();
    assert_eq!(errors[0].message, "Unknown field status");
    assert!(
        KindRegistry::builtin()
            .validate_with(
                &e,
                ValidateOptions {
                    allow_catalog_fields: true
                }
            )
            .is_ok()
    );
    // Anything else at the root fails Entity.schema.json (additionalProperties: false).
    e["surprise"] = json!(1);
    let errors = KindRegistry::builtin().validate(&e).unwrap_err();
    assert_eq!(
        errors[0].rule,
        Rule::EntitySchema("additionalProperties".into())
    );

    for (kind, api) in [
        ("Widget", "backstage.io/v1alpha1"),
        ("component", "backstage.io/v1alpha1"),
        ("Component", "backstage.io/v2"),
    ] {
        let mut e = component();
        e["kind"] = json!(kind);
        e["apiVersion"] = json!(api);
        let errors = KindRegistry::builtin().validate(&e).unwrap_err();
        assert_eq!(
            errors.last().unwrap().rule,
            Rule::UnknownKind,
            "{kind} {api}"
        );
        assert_eq!(
            errors.last().unwrap().message,
            "No processor recognized the entity as valid, possibly caused by a foreign kind or apiVersion"
        );
    }
}

#[test]
fn typed_variants_are_chosen_by_spec_type() {
    let registry = KindRegistry::builtin();
    let mcp = json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": {"name": "mcp"},
        "spec": {"type": "mcp-server", "lifecycle": "experimental", "owner": "team-a"}
    });
    assert_eq!(
        registry.schema_for(&mcp).unwrap().name,
        "ApiV1alpha1McpServer"
    );
    let errors = registry.validate(&mcp).unwrap_err();
    assert_eq!(
        errors[0].message,
        "/spec must have required property 'remotes' - missingProperty: remotes"
    );

    let rule = json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "AiResource", "metadata": {"name": "r"},
        "spec": {"type": "rule", "lifecycle": "production", "owner": "team-a"}
    });
    assert_eq!(
        registry.schema_for(&rule).unwrap().name,
        "AiResourceV1alpha1Rule"
    );
    assert_eq!(registry.validate(&rule).unwrap_err().len(), 2); // category, rationale
    let other = json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "AiResource", "metadata": {"name": "o"},
        "spec": {"type": "prompt", "lifecycle": "production", "owner": "team-a"}
    });
    assert_eq!(
        registry.schema_for(&other).unwrap().name,
        "AiResourceV1alpha1"
    );
    assert!(registry.validate(&other).is_ok());
}

#[test]
fn organizations_add_kinds_and_fields_with_a_json_schema() {
    let mut registry = KindRegistry::builtin();
    let info = registry
        .add_kind(json!({
            "$id": "ServiceV1",
            "allOf": [
                {"$ref": "Entity"},
                {"type": "object", "required": ["spec"], "properties": {
                    "apiVersion": {"enum": ["acme.com/v1"]},
                    "kind": {"enum": ["Service"]},
                    "spec": {"type": "object", "required": ["tier"], "properties": {"tier": {"enum": ["gold", "silver"]}}}
                }}
            ]
        }))
        .unwrap();
    assert_eq!(
        info,
        KindInfo {
            name: "ServiceV1".into(),
            kind: "Service".into(),
            api_versions: vec!["acme.com/v1".into()],
            spec_type: None
        }
    );
    let service = json!({"apiVersion": "acme.com/v1", "kind": "Service", "metadata": {"name": "billing"}, "spec": {"tier": "gold"}});
    assert!(registry.validate(&service).is_ok());
    let mut bad = service.clone();
    bad["spec"]["tier"] = json!("bronze");
    let errors = registry.validate(&bad).unwrap_err();
    assert_eq!(
        errors[0].message,
        "/spec/tier must be equal to one of the allowed values"
    );
    // The built-in registry is untouched.
    assert!(KindRegistry::builtin().validate(&service).is_err());

    // Extra required fields on an existing kind.
    registry
        .extend_kind(
            "Component",
            json!({"$id": "AcmeComponent", "properties": {"spec": {"required": ["costCenter"]}}}),
        )
        .unwrap();
    let errors = registry.validate(&component()).unwrap_err();
    assert_eq!(
        errors[0].message,
        "/spec must have required property 'costCenter' - missingProperty: costCenter"
    );
    let mut ok = component();
    ok["spec"]["costCenter"] = json!("cc-1");
    assert!(registry.validate(&ok).is_ok());

    // Schemas that do not say what they are for, or do not compile, are refused.
    assert!(matches!(
        registry.add_kind(json!({"type": "object"})),
        Err(SchemaError::NoKind(_))
    ));
    let broken =
        json!({"properties": {"kind": {"const": "X"}, "apiVersion": {"const": "v1"}}, "type": 5});
    assert!(matches!(
        registry.add_kind(broken),
        Err(SchemaError::Invalid { .. })
    ));
}

#[test]
fn default_namespace_policy() {
    let mut e = component();
    apply_default_namespace(&mut e);
    assert_eq!(e["metadata"]["namespace"], "default");
    let mut e = component();
    e["metadata"]["namespace"] = json!("prod");
    apply_default_namespace(&mut e);
    assert_eq!(e["metadata"]["namespace"], "prod");
}
