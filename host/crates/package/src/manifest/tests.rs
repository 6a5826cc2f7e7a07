use super::*;
use crate::CapabilityKind;
use serde_json::json;

pub(crate) const EXAMPLE: &str = r#"
id = "service-status"
version = "0.1.0"
name = "Service status"
description = "Shows the status of a service"
author = "Acme"
license = "Apache-2.0"
wit = "0.1.0"
worlds = ["entity-view", "check"]

[capabilities.http]
hosts = ["status.example.com", "*.example.org:8443", "https://api.github.com", "127.0.0.1:*"]
reason = "reads the status page"

[capabilities.secrets]
names = ["status-token"]
reason = "authenticates to the status API"

[capabilities.kv]
reason = "caches results"

[capabilities.catalog]
reason = "looks up owners"

[config]
schema = '''
{
  "type": "object",
  "properties": {
    "url": {"type": "string"},
    "servers": {"type": "array", "items": {"type": "object", "properties": {"port": {"type": "integer", "maximum": 65535}}}}
  },
  "required": ["url"],
  "additionalProperties": false
}
'''
"#;

fn errors(text: &str) -> Vec<String> {
    match Manifest::parse(text) {
        Ok(m) => panic!("accepted: {m:?}"),
        Err(ManifestError::Invalid(errors)) => errors.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    }
}

fn with(replace: &str, by: &str) -> String {
    assert!(EXAMPLE.contains(replace), "{replace}");
    EXAMPLE.replacen(replace, by, 1)
}

#[test]
fn parses_the_full_example() {
    let m = Manifest::parse(EXAMPLE).unwrap();
    assert_eq!(m.id, "service-status");
    assert_eq!(m.version, semver::Version::new(0, 1, 0));
    assert_eq!(m.wit.to_string(), "0.1.0");
    assert_eq!(m.worlds, [World::EntityView, World::Check]);
    assert_eq!(m.license.as_deref(), Some("Apache-2.0"));
    assert_eq!(m.capabilities.len(), 4);
    let http = m.request(CapabilityKind::Http).unwrap();
    assert_eq!(http.reason, "reads the status page");
    let Capability::Http { hosts } = &http.capability else {
        panic!()
    };
    assert_eq!(hosts[1].to_string(), "*.example.org:8443");
    assert!(m.config_schema.is_some());
    assert_eq!(Manifest::from_bytes(EXAMPLE.as_bytes()).unwrap(), m);
    // Serializes for `inspect --json`.
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["worlds"], json!(["entity-view", "check"]));
    assert_eq!(json["capabilities"][0]["capability"]["kind"], "http");
}

#[test]
fn minimal_manifest() {
    let m = Manifest::parse(
        "id = \"x\"\nversion = \"1.0.0-rc.1\"\nname = \"X\"\nwit = \"0.1.0\"\nworlds = [\"action\"]\n",
    )
    .unwrap();
    assert!(m.capabilities.is_empty());
    assert_eq!(m.description, None);
    assert!(m.validate_config(&json!({})).is_ok());
    assert!(m.validate_config(&serde_json::Value::Null).is_ok());
    let err = m.validate_config(&json!({"a": 1})).unwrap_err();
    assert!(
        err[0].contains("declares no configuration schema"),
        "{err:?}"
    );
}

#[test]
fn errors_name_the_key() {
    let cases = [
        (
            with("\"service-status\"", "\"Service_Status\""),
            "manifest key \"id\": \"Service_Status\" is not a valid plugin id",
        ),
        (with("\"service-status\"", "\"-x\""), "manifest key \"id\""),
        (with("\"service-status\"", "\"\""), "manifest key \"id\""),
        (
            with("\"service-status\"", &format!("\"{}\"", "a".repeat(64))),
            "manifest key \"id\"",
        ),
        (
            with("version = \"0.1.0\"", "version = \"1.0\""),
            "manifest key \"version\": \"1.0\" is not a semantic version",
        ),
        (
            with("version = \"0.1.0\"", "version = 1"),
            "manifest key \"version\": must be a string, not integer",
        ),
        (
            with("wit = \"0.1.0\"", "wit = \"latest\""),
            "manifest key \"wit\"",
        ),
        (
            with("name = \"Service status\"", "name = \"  \""),
            "manifest key \"name\": must not be empty",
        ),
        (
            with("name = \"Service status\"", ""),
            "manifest key \"name\": is missing",
        ),
        (
            with("\"entity-view\", \"check\"", "\"entity-viewer\""),
            "manifest key \"worlds[0]\": \"entity-viewer\" is not a world; use one of: entity-provider",
        ),
        (
            with("\"entity-view\", \"check\"", "\"check\", \"check\""),
            "manifest key \"worlds[1]\": \"check\" is listed twice",
        ),
        (
            with("[\"entity-view\", \"check\"]", "[]"),
            "manifest key \"worlds\": is empty",
        ),
        (
            with("[\"entity-view\", \"check\"]", "\"check\""),
            "manifest key \"worlds\": must be an array of strings",
        ),
        (
            with("\"*.example.org:8443\"", "\"*.*\""),
            "manifest key \"capabilities.http.hosts[1]\": \"*.*\" is not a valid host pattern: ",
        ),
        (
            with("\"127.0.0.1:*\"", "42"),
            "manifest key \"capabilities.http.hosts[3]\": must be a string, not integer",
        ),
        (
            with("reason = \"reads the status page\"", ""),
            "manifest key \"capabilities.http.reason\": is missing",
        ),
        (
            with("names = [\"status-token\"]", "names = [\"a b\"]"),
            "manifest key \"capabilities.secrets.names[0]\": secret name \"a b\" contains ' '",
        ),
        (
            with("names = [\"status-token\"]", "names = []"),
            "manifest key \"capabilities.secrets.names\": is empty",
        ),
        (
            with("[capabilities.kv]", "[capabilities.filesystem]"),
            "manifest key \"capabilities.filesystem\": unknown key; allowed here: http, secrets, kv, catalog",
        ),
        (
            with(
                "[capabilities.kv]\nreason = \"caches results\"",
                "[capabilities.kv]\nreason = \"r\"\nttl = 1",
            ),
            "manifest key \"capabilities.kv.ttl\": unknown key",
        ),
        (
            with("license = \"Apache-2.0\"", "licence = \"Apache-2.0\""),
            "manifest key \"licence\": unknown key",
        ),
        (
            with("\"required\": [\"url\"],", "\"required\": [\"url\"]"),
            "manifest key \"config.schema\": is not valid JSON",
        ),
        (
            with("{\"type\": \"string\"}", "{\"type\": \"strin\"}"),
            "manifest key \"config.schema\": is not a valid JSON Schema",
        ),
        (
            with("\"required\": [\"url\"],", "\"required\": \"url\","),
            "manifest key \"config.schema\": is not a valid JSON Schema",
        ),
        (
            with("schema = '''", "schema = 1\nx = '''"),
            "manifest key \"config.schema\": must be a string",
        ),
        (
            with("[config]", "[config]\nfile = \"x\""),
            "manifest key \"config.file\": unknown key",
        ),
        (
            with("[capabilities.http]", "capabilities = 1\n[other]"),
            "not valid TOML",
        ),
    ];
    for (text, expect) in cases {
        let errs = errors(&text);
        assert!(
            errs.iter().any(|e| e.contains(expect)),
            "expected {expect:?} in {errs:#?}"
        );
    }
}

#[test]
fn all_problems_are_reported_at_once() {
    let text = "id = \"A\"\nversion = \"x\"\nwit = \"0.1.0\"\nworlds = [\"nope\"]\n";
    let err = Manifest::parse(text).unwrap_err();
    let ManifestError::Invalid(list) = &err else {
        panic!("{err}")
    };
    let keys: Vec<&str> = list.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["id", "version", "name", "worlds[0]"]);
    assert!(
        err.to_string()
            .starts_with("the plugin manifest has 4 problems:"),
        "{err}"
    );
}

#[test]
fn syntax_and_encoding_errors() {
    assert!(matches!(
        Manifest::parse("id = "),
        Err(ManifestError::Syntax(_))
    ));
    assert!(matches!(
        Manifest::from_bytes(&[0xff, 0xfe]),
        Err(ManifestError::NotUtf8)
    ));
    let huge = "#".repeat(MAX_MANIFEST_BYTES + 1);
    assert!(matches!(
        Manifest::parse(&huge),
        Err(ManifestError::TooLarge(_))
    ));
}

#[test]
fn remote_refs_in_the_schema_are_not_fetched() {
    let text = with(
        "{\"type\": \"string\"}",
        "{\"$ref\": \"https://example.com/schema.json\"}",
    );
    let errs = errors(&text);
    assert!(errs[0].contains("config.schema"), "{errs:?}");
}

#[test]
fn config_errors_name_the_config_key() {
    let m = Manifest::parse(EXAMPLE).unwrap();
    assert!(m.validate_config(&json!({"url": "https://x"})).is_ok());
    let errs = m
        .validate_config(
            &json!({"url": 1, "servers": [{"port": 1}, {"port": 70000}], "extra": true}),
        )
        .unwrap_err();
    assert_eq!(errs.len(), 3, "{errs:#?}");
    assert!(
        errs.iter()
            .any(|e| e.starts_with("config key \"url\": 1 is not of type \"string\"")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("config key \"servers[1].port\": 70000")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("config: ") && e.contains("extra")),
        "{errs:#?}"
    );
    let errs = m.validate_config(&json!({})).unwrap_err();
    assert!(
        errs[0].contains("\"url\" is a required property"),
        "{errs:?}"
    );
}

#[test]
fn standard_meta_schemas_are_known_without_network() {
    for draft in [
        "https://json-schema.org/draft/2020-12/schema",
        "http://json-schema.org/draft-07/schema#",
    ] {
        let text = with(
            "\"type\": \"object\",\n  \"properties\"",
            &format!("\"$schema\": \"{draft}\", \"type\": \"object\",\n  \"properties\""),
        );
        let m = Manifest::parse(&text).unwrap_or_else(|e| panic!("{draft}: {e}"));
        assert!(m.validate_config(&json!({"url": "x"})).is_ok());
    }
}

#[test]
fn docs_files_is_a_capability_without_parameters() {
    let text = "id = \"docs\"\nversion = \"0.1.0\"\nname = \"Docs\"\nwit = \"0.1.0\"\nworlds = [\"docs-renderer\"]\n\n[capabilities.docs-files]\nreason = \"reads the docs folder\"\n";
    let m = Manifest::parse(text).unwrap();
    assert_eq!(m.capabilities[0].capability, Capability::DocsFiles);
    assert!(m.request(CapabilityKind::DocsFiles).is_some());
    let err = Manifest::parse(&text.replace("reason =", "path = \"/etc\"\nreason ="))
        .unwrap_err()
        .to_string();
    assert!(err.contains("capabilities.docs-files.path"), "{err}");
}
