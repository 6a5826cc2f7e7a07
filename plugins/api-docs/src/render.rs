//! From an entity descriptor to a view: finds `spec.definition`, picks the renderer from
//! `spec.type` (and the document itself), and keeps the result within the size budget.

use std::fmt;

use portico_sdk::prelude::*;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::common::{Ctx, enforce_budget, merge_fields};
use crate::value::{self, Value};
use crate::{asyncapi, fallback, graphql, openapi};

/// The plugin's configuration (validated by the host against `[config] schema`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    /// Operations, channels or types per overview page.
    pub max_operations_per_page: usize,
    /// Approximate size above which a view is cut short.
    pub max_view_bytes: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            max_operations_per_page: 100,
            max_view_bytes: 1024 * 1024,
        }
    }
}

/// Whether the descriptor has a non-blank `spec.definition` (a string, or a placeholder or
/// inline object). Skims the JSON without copying the definition: `views-for` runs on every
/// page view.
pub fn has_definition(descriptor: &str) -> bool {
    #[derive(Deserialize)]
    struct Probe {
        #[serde(default)]
        spec: Option<SpecProbe>,
    }
    #[derive(Deserialize)]
    struct SpecProbe {
        #[serde(default)]
        definition: Presence,
    }
    serde_json::from_str::<Probe>(descriptor)
        .ok()
        .and_then(|p| p.spec)
        .is_some_and(|s| s.definition.0)
}

#[derive(Default)]
struct Presence(bool);

impl<'de> Deserialize<'de> for Presence {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Presence;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a definition")
            }
            fn visit_str<E>(self, s: &str) -> Result<Presence, E> {
                Ok(Presence(!s.trim().is_empty()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Presence, A::Error> {
                let mut any = false;
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {
                    any = true;
                }
                Ok(Presence(any))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Presence, A::Error> {
                let mut any = false;
                while seq.next_element::<IgnoredAny>()?.is_some() {
                    any = true;
                }
                Ok(Presence(any))
            }
            fn visit_unit<E>(self) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Presence, E> {
                Ok(Presence(false))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Presence, E> {
                Ok(Presence(false))
            }
        }
        d.deserialize_any(V)
    }
}

/// Renders the API view of an entity descriptor (JSON text) for the reader's `params`.
pub fn render_descriptor(
    descriptor: &str,
    params: &[(String, String)],
    config: &Config,
) -> Result<View> {
    let entity: Value = serde_json::from_str(descriptor)
        .map_err(|e| PluginError::invalid_input(format!("malformed entity descriptor: {e}")))?;
    let metadata = entity.get("metadata");
    let title = metadata
        .str("title")
        .or(metadata.str("name"))
        .unwrap_or("API")
        .to_string();
    let spec = entity.get("spec");
    let api_type = spec.str("type").unwrap_or("").trim().to_string();
    let ctx = Ctx {
        params,
        per_page: config.max_operations_per_page.clamp(1, 1000),
        entity_title: &title,
    };
    let mut view = match spec.get("definition") {
        Value::String(text) if !text.trim().is_empty() => render_text(&api_type, text, &ctx),
        Value::Object(members) if members.len() == 1 && members[0].0.starts_with('$') => {
            let (placeholder, target) = &members[0];
            let target = target
                .scalar_text()
                .unwrap_or_else(|| target.to_json(false, 200));
            fallback::unresolved(&title, &api_type, placeholder, &target)
        }
        // A definition written as YAML inside the entity rather than as text.
        inline @ Value::Object(_) => render_document(
            &api_type,
            inline,
            &inline.to_json(true, fallback::MAX_TEXT),
            &ctx,
        ),
        _ => fallback::missing(&title, &api_type, spec),
    };
    merge_fields(&mut view);
    enforce_budget(&mut view, config.max_view_bytes.max(16 * 1024));
    Ok(view)
}

/// Whether text of an unknown type looks like an OpenAPI, Swagger or AsyncAPI document.
fn looks_structured(text: &str) -> bool {
    let head = &text[..text.len().min(4096)];
    let head = &head[..(0..=head.len())
        .rev()
        .find(|i| head.is_char_boundary(*i))
        .unwrap_or(0)];
    head.lines().any(|l| {
        let l = l.trim_start_matches(['{', ' ', '\t', '"', '\'']);
        ["openapi", "swagger", "asyncapi"].iter().any(|k| {
            l.strip_prefix(k).is_some_and(|r| {
                r.trim_start_matches(['"', '\''])
                    .trim_start()
                    .starts_with(':')
            })
        })
    })
}

fn render_text(api_type: &str, text: &str, ctx: &Ctx<'_>) -> View {
    let kind = api_type.to_ascii_lowercase();
    match kind.as_str() {
        "graphql" => graphql::render(text, ctx),
        "openapi" | "swagger" | "asyncapi" => parse_and_render(api_type, text, ctx),
        _ if looks_structured(text) => parse_and_render(api_type, text, ctx),
        _ => fallback::plain(ctx.entity_title, api_type, text),
    }
}

fn parse_and_render(api_type: &str, text: &str, ctx: &Ctx<'_>) -> View {
    match value::parse(text) {
        Ok(doc) => render_document(api_type, &doc, text, ctx),
        Err(e) => fallback::parse_failure(ctx.entity_title, api_type, text, &e.to_string()),
    }
}

fn render_document(api_type: &str, doc: &Value, text: &str, ctx: &Ctx<'_>) -> View {
    if !doc.get("asyncapi").is_null() {
        asyncapi::render(doc, ctx)
    } else if !doc.get("openapi").is_null() || !doc.get("swagger").is_null() {
        openapi::render(doc, ctx)
    } else {
        let expected = if api_type.eq_ignore_ascii_case("asyncapi") {
            "`asyncapi`"
        } else {
            "`openapi` or `swagger`"
        };
        let mut view = fallback::plain(ctx.entity_title, api_type, text);
        view.sections[0].blocks.push(Block::Notice(Notice {
            tone: Tone::Warning,
            title: "Not a recognized definition".into(),
            message: format!(
                "The definition has no {expected} field at its top level, so it is shown as text."
            ),
        }));
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const APIS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../corpus/backstage/examples/apis/"
    );

    /// The corpus entity as descriptor JSON, with a local `$text` substituted.
    fn entity(file: &str) -> String {
        let text = std::fs::read_to_string(format!("{APIS}{file}")).unwrap();
        let mut v: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let def = &mut v["spec"]["definition"];
        if let Some(path) = def
            .get("$text")
            .and_then(|p| p.as_str())
            .and_then(|p| p.strip_prefix("./"))
        {
            *def = serde_json::Value::String(
                std::fs::read_to_string(format!("{APIS}{path}")).unwrap(),
            );
        }
        v.to_string()
    }

    /// Every string in the view, one per line.
    pub(crate) fn dump(view: &View) -> String {
        format!("{view:?}")
    }

    fn show(file: &str, params: &[(&str, &str)]) -> String {
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let view = render_descriptor(&entity(file), &params, &Config::default()).unwrap();
        dump(&view)
    }

    #[test]
    fn petstore_overview_and_operation() {
        let d = show("petstore-api.yaml", &[]);
        for s in [
            "Swagger Petstore - OpenAPI 3.1",
            "/pet/findByStatus",
            "findPetsByStatus",
            "petstore_auth",
            "https://petstore3.swagger.io/api/v3",
            "label: \"pet\"",
            "label: \"store\"",
        ] {
            assert!(d.contains(s), "{s} missing in {d}");
        }
        let d = show("petstore-api.yaml", &[("op", "findPetsByStatus")]);
        for s in [
            "GET /pet/findByStatus",
            "\"status\"",
            "available",
            "Response 200",
            "\"Pet\"",
            "\"write:pets, read:pets\"",
        ] {
            assert!(d.contains(s), "{s} missing in {d}");
        }
        let d = show("petstore-api.yaml", &[("schema", "Pet")]);
        for s in ["Schema Pet", "\"photoUrls\"", "\"category\"", "\"tags\""] {
            assert!(d.contains(s), "{s} missing in {d}");
        }
    }

    #[test]
    fn webhooks_asyncapi_graphql_grpc() {
        let d = show("petstore-webhook-api.yaml", &[]);
        assert!(d.contains("newPet") && d.contains("Webhooks"), "{d}");
        let d = show("streetlights-api.yaml", &[]);
        assert!(
            d.contains("smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured"),
            "{d}"
        );
        assert!(d.contains("lightMeasured"), "{d}");
        let d = show(
            "streetlights-api.yaml",
            &[(
                "channel",
                "smartylighting/streetlights/1/0/event/{streetlightId}/lighting/measured",
            )],
        );
        assert!(
            d.contains("\"lumens\"")
                && d.contains("receiveLightMeasurement")
                && d.contains("streetlightId"),
            "{d}"
        );
        let d = show("swapi-graphql.yaml", &[]);
        assert!(
            d.contains("allFilms") && d.contains("\"Film\"") && d.contains("Queries (Root)"),
            "{d}"
        );
        let d = show("swapi-graphql.yaml", &[("type", "Film")]);
        assert!(d.contains("episodeID") && d.contains("openingCrawl"), "{d}");
        let d = show("hello-world-api.yaml", &[]);
        assert!(
            d.contains("SayHello") && d.contains("protobuf") && d.contains("Greeter"),
            "{d}"
        );
        let d = show("spotify-api.yaml", &[]);
        assert!(
            d.contains("Definition not loaded") && d.contains("openapi.yaml"),
            "{d}"
        );
        let d = show("backstage-mcp-server-api.yaml", &[]);
        assert!(
            d.contains("No definition") && d.contains("streamable-http"),
            "{d}"
        );
        let d = show("hello-world-trpc-api.yaml", &[]);
        assert!(
            d.contains("typescript") && d.contains("publicProcedure"),
            "{d}"
        );
    }

    #[test]
    fn presence_probe() {
        assert!(has_definition(r#"{"spec":{"definition":"x"}}"#));
        assert!(has_definition(r#"{"spec":{"definition":{"$text":"u"}}}"#));
        assert!(!has_definition(r#"{"spec":{"definition":"  "}}"#));
        assert!(!has_definition(r#"{"spec":{"type":"openapi"}}"#));
        assert!(!has_definition(r#"{"kind":"API"}"#));
        assert!(!has_definition("not json"));
    }

    #[test]
    fn broken_documents_give_notices() {
        let entity = |t: &str, d: &str| {
            serde_json::json!({"metadata":{"name":"x"},"spec":{"type":t,"definition":d}})
                .to_string()
        };
        let v = render_descriptor(
            &entity("openapi", "openapi: 3.0.0\npaths: [\n  a: b"),
            &[],
            &Config::default(),
        )
        .unwrap();
        let d = dump(&v);
        assert!(
            d.contains("could not be parsed") && d.contains("line"),
            "{d}"
        );
        let v = render_descriptor(
            &entity("openapi", "{\"openapi\": \"3.0.0\",\n\"paths\": }"),
            &[],
            &Config::default(),
        )
        .unwrap();
        assert!(dump(&v).contains("JSON parse error at line 2"), "{v:?}");
        let v = render_descriptor(
            &entity("graphql", "type A {\n  b: \n}"),
            &[],
            &Config::default(),
        )
        .unwrap();
        assert!(dump(&v).contains("GraphQL syntax error at line 3"), "{v:?}");
        let v =
            render_descriptor(&entity("openapi", "just: yaml"), &[], &Config::default()).unwrap();
        assert!(dump(&v).contains("Not a recognized definition"), "{v:?}");
    }

    #[test]
    fn large_document_is_paged() {
        let mut doc = String::from("openapi: 3.0.3\ninfo: {title: Big, version: '1'}\npaths:\n");
        for i in 0..2000 {
            doc.push_str(&format!("  /items/{i}:\n    get:\n      operationId: get{i}\n      tags: [t{}]\n      summary: Get item {i}\n      parameters:\n        - {{name: id, in: query, schema: {{type: string}}}}\n      responses:\n        '200': {{description: ok}}\n", i % 7));
        }
        let entity = serde_json::json!({"metadata":{"name":"big"},"spec":{"type":"openapi","definition":doc}}).to_string();
        let start = std::time::Instant::now();
        let v = render_descriptor(&entity, &[], &Config::default()).unwrap();
        let elapsed = start.elapsed();
        let size = crate::common::estimate(&v);
        assert!(size < 256 * 1024, "{size}");
        let d = dump(&v);
        assert!(d.contains("Page 1 of 20"), "{d}");
        eprintln!(
            "2000 ops ({} KiB): {elapsed:?}, {size} bytes",
            doc.len() / 1024
        );
        let v = render_descriptor(&entity, &[("page".into(), "20".into())], &Config::default())
            .unwrap();
        assert!(dump(&v).contains("operations 1901–2000 of 2000"));
        let v = render_descriptor(
            &entity,
            &[("op".into(), "get1999".into())],
            &Config::default(),
        )
        .unwrap();
        assert!(dump(&v).contains("GET /items/1999"));
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    fn show(api_type: &str, definition: &str, params: &[(&str, &str)]) -> String {
        let entity = serde_json::json!({"kind": "API", "metadata": {"name": "x"}, "spec": {"type": api_type, "definition": definition}});
        let params: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let view = render_descriptor(&entity.to_string(), &params, &Config::default()).unwrap();
        format!("{view:?}")
    }

    const SWAGGER: &str = r##"{
  "swagger": "2.0",
  "info": {"title": "Legacy", "version": "0.9"},
  "host": "api.example.com", "basePath": "/v1", "schemes": ["https"],
  "consumes": ["application/json"], "produces": ["application/json"],
  "securityDefinitions": {"key": {"type": "apiKey", "name": "X-Key", "in": "header"},
                          "oauth": {"type": "oauth2", "flow": "implicit", "authorizationUrl": "https://auth.example.com", "scopes": {"read": "r"}}},
  "paths": {
    "/users/{id}": {
      "parameters": [{"name": "id", "in": "path", "required": true, "type": "integer", "format": "int64"}],
      "put": {
        "operationId": "updateUser", "tags": ["users"], "deprecated": true,
        "parameters": [{"name": "body", "in": "body", "required": true, "schema": {"$ref": "#/definitions/User"}},
                       {"name": "tags", "in": "query", "type": "array", "items": {"type": "string"}}],
        "responses": {"200": {"description": "Updated", "schema": {"$ref": "#/definitions/User"},
                              "examples": {"application/json": {"id": 7, "email": "a@b.c"}}},
                      "default": {"description": "Error"}}
      }
    }
  },
  "definitions": {"User": {"type": "object", "required": ["email"], "properties": {"id": {"type": "integer"}, "email": {"type": "string", "format": "email"}}}}
}"##;

    #[test]
    fn swagger_2_is_rendered() {
        let d = show("openapi", SWAGGER, &[]);
        for s in [
            "Swagger 2.0",
            "https://api.example.com/v1",
            "X-Key in header",
            "authorizationUrl https://auth.example.com",
            "updateUser",
            "deprecated",
            "title: Some(\"users\")",
        ] {
            assert!(d.contains(s), "{s} missing: {d}");
        }
        let d = show("openapi", SWAGGER, &[("op", "updateUser")]);
        for s in [
            "PUT /users/{id}",
            "Code(\"id\")",
            "Text(\"path\")",
            "integer (int64)",
            "array<string>",
            "Request body",
            "Code(\"email\")",
            "string (email)",
            "Response 200",
            "Example (application/json)",
            "a@b.c",
            "Response default",
        ] {
            assert!(d.contains(s), "{s} missing: {d}");
        }
        assert!(
            !d.contains("Code(\"body\")"),
            "the body parameter is the request body: {d}"
        );
    }

    const ASYNC3: &str = r##"
asyncapi: 3.0.0
info: {title: Accounts, version: 1.0.0}
servers:
  prod: {host: broker.example.com:5672, protocol: amqp, pathname: /vhost}
channels:
  userSignedUp:
    address: user/signedup/{userId}
    parameters:
      userId: {description: Id of the user}
    messages:
      UserSignedUp: {$ref: '#/components/messages/UserSignedUp'}
operations:
  onUserSignUp:
    action: receive
    channel: {$ref: '#/channels/userSignedUp'}
    summary: A user signed up
    messages: [{$ref: '#/channels/userSignedUp/messages/UserSignedUp'}]
  sendWelcome:
    action: send
    channel: {$ref: '#/channels/userSignedUp'}
components:
  messages:
    UserSignedUp:
      contentType: application/json
      payload:
        type: object
        properties:
          displayName: {type: string, description: Name of the user}
          email: {type: string, format: email}
"##;

    #[test]
    fn asyncapi_3_is_rendered() {
        let d = show("asyncapi", ASYNC3, &[]);
        for s in [
            "AsyncAPI 3.0.0",
            "broker.example.com:5672/vhost",
            "amqp",
            "user/signedup/{userId}",
            "onUserSignUp",
            "sendWelcome",
            "RECEIVE",
            "SEND",
            "A user signed up",
            "UserSignedUp",
        ] {
            assert!(d.contains(s), "{s} missing: {d}");
        }
        let d = show("asyncapi", ASYNC3, &[("channel", "userSignedUp")]);
        for s in [
            "receive · onUserSignUp",
            "send · sendWelcome",
            "Message UserSignedUp",
            "displayName",
            "Name of the user",
            "userId",
            "Example (generated from the schema)",
            "user@example.com",
        ] {
            assert!(d.contains(s), "{s} missing: {d}");
        }
    }

    #[test]
    fn unknown_types_that_look_like_openapi_are_rendered_as_such() {
        let d = show(
            "rest",
            "openapi: 3.0.0\ninfo: {title: Sniffed, version: '1'}\npaths:\n  /ping: {get: {operationId: ping, responses: {'200': {description: pong}}}}\n",
            &[],
        );
        assert!(d.contains("Sniffed") && d.contains("/ping"), "{d}");
        let d = show("rest", "just some text", &[]);
        assert!(
            d.contains("just some text") && d.contains("Definition"),
            "{d}"
        );
    }
}
