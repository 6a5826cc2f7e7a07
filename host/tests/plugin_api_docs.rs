//! The bundled `api-docs` plugin (plugins/api-docs) loaded by the host: the corpus's API
//! entities (Backstage's examples) rendered as view trees, drill-down through view params,
//! broken definitions explained instead of trapping, and a large OpenAPI document paged
//! within the default view deadline and result-size limit.
//!
//! Expectations are read from the corpus files themselves (paths, operation ids, parameter
//! names, channel names, GraphQL type names), not from the plugin's output.

mod common;

use common::{TestHost, test_limits};
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginPolicy};
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::{CallContext, Limits};
use portico_storage::OrgId;
use serde_json::{Value, json};

const APIS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../corpus/backstage/examples/apis/"
);
const VIEW: &str = "definition";

fn host_with(limits: Limits) -> TestHost {
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: limits,
        ..PluginPolicy::default()
    });
    let plugin = portico_bundled_plugins::bundled("api-docs").expect("api-docs is bundled");
    host.manager
        .install(
            plugin.bytes,
            &InstallOptions {
                expected_sha256: None,
                // It requests no capability: nothing to grant.
                grants: GrantChoice::Specs(vec![]),
            },
        )
        .unwrap();
    host
}

fn host() -> TestHost {
    host_with(test_limits())
}

fn read(file: &str) -> String {
    std::fs::read_to_string(format!("{APIS}{file}")).unwrap()
}

/// A corpus entity file as JSON, with a local `$text: ./file` placeholder substituted the
/// way the catalog does it (remote ones are left as they are).
fn descriptor(file: &str) -> Value {
    let mut v: Value = serde_yaml::from_str(&read(file)).unwrap();
    let def = &mut v["spec"]["definition"];
    if let Some(path) = def
        .get("$text")
        .and_then(Value::as_str)
        .and_then(|p| p.strip_prefix("./"))
    {
        *def = Value::String(read(path));
    }
    v
}

fn entity_of(descriptor: &Value) -> Entity {
    Entity {
        ref_: EntityRef {
            kind: descriptor["kind"].as_str().unwrap_or("API").into(),
            namespace: "default".into(),
            name: descriptor["metadata"]["name"].as_str().unwrap().into(),
        },
        descriptor: descriptor.to_string(),
    }
}

/// The definition of a corpus entity, parsed (YAML or JSON text).
fn definition(file: &str) -> Value {
    let d = descriptor(file);
    serde_yaml::from_str(d["spec"]["definition"].as_str().unwrap()).unwrap()
}

fn api(name: &str, api_type: &str, definition: &str) -> Entity {
    entity_of(&json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "API",
        "metadata": { "name": name },
        "spec": { "type": api_type, "owner": "team-a", "lifecycle": "production", "definition": definition }
    }))
}

async fn render(host: &TestHost, entity: &Entity, params: &[(&str, &str)]) -> String {
    let ctx = CallContext::org(OrgId::default_org());
    let params = params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let view = host
        .runtime
        .render_view("api-docs", &ctx, VIEW.into(), entity.clone(), params)
        .await
        .unwrap_or_else(|e| panic!("render {:?} failed: {e}", entity.ref_.name));
    serde_json::to_string(&view).unwrap()
}

async fn views(host: &TestHost, entity: &Entity) -> Vec<(String, String)> {
    let ctx = CallContext::org(OrgId::default_org());
    host.runtime
        .views_for("api-docs", &ctx, entity.clone())
        .await
        .unwrap()
        .into_iter()
        .map(|v| (v.id, v.title))
        .collect()
}

/// `s` as it appears inside a JSON string.
fn j(s: &str) -> String {
    let quoted = serde_json::to_string(s).unwrap();
    quoted[1..quoted.len() - 1].to_string()
}

fn assert_has(view: &str, expected: &str) {
    assert!(
        view.contains(&j(expected)),
        "`{expected}` missing from the view: {}",
        &view[..view.len().min(4000)]
    );
}

/// Every view-link parameter `key=value` in a rendered view.
fn view_params(view: &str, key: &str) -> Vec<String> {
    fn walk(v: &Value, key: &str, out: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Array(params)) = m.get("View") {
                    for p in params {
                        if p[0] == key {
                            out.push(p[1].as_str().unwrap().to_string());
                        }
                    }
                }
                m.values().for_each(|v| walk(v, key, out));
            }
            Value::Array(a) => a.iter().for_each(|v| walk(v, key, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(&serde_json::from_str(view).unwrap(), key, &mut out);
    out
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_is_offered_for_api_entities_with_a_definition() {
    let host = host();
    let tab = vec![(VIEW.to_string(), "API".to_string())];
    for file in [
        "petstore-api.yaml",
        "streetlights-api.yaml",
        "swapi-graphql.yaml",
        "hello-world-api.yaml",
        "hello-world-trpc-api.yaml",
        "spotify-api.yaml",
    ] {
        assert_eq!(
            views(&host, &entity_of(&descriptor(file))).await,
            tab,
            "{file}"
        );
    }
    // No definition (the MCP server lists remotes only), or not an API.
    let mcp = entity_of(&descriptor("backstage-mcp-server-api.yaml"));
    assert!(views(&host, &mcp).await.is_empty());
    assert!(views(&host, &common::entity("payments")).await.is_empty());
    let mut component = descriptor("petstore-api.yaml");
    component["kind"] = json!("Component");
    assert!(views(&host, &entity_of(&component)).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn petstore_openapi_overview_lists_every_operation_by_tag() {
    let host = host();
    let spec = definition("petstore-api.yaml");
    let entity = entity_of(&descriptor("petstore-api.yaml"));
    let view = render(&host, &entity, &[]).await;

    assert_has(&view, spec["info"]["title"].as_str().unwrap());
    assert_has(&view, spec["info"]["version"].as_str().unwrap());
    assert_has(&view, spec["servers"][0]["url"].as_str().unwrap());
    for tag in spec["tags"].as_array().unwrap() {
        assert_has(&view, tag["name"].as_str().unwrap());
    }
    for scheme in spec["components"]["securitySchemes"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert_has(&view, scheme);
    }
    let links = view_params(&view, "op");
    let mut count = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        assert_has(&view, path);
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            count += 1;
            let id = op["operationId"].as_str().unwrap();
            assert_has(&view, id);
            assert!(links.iter().any(|l| l == id), "no link to {id}: {links:?}");
        }
    }
    assert_eq!(links.len(), count, "one link per operation");
    assert!(view.contains(&format!("\"{}\"", "GET")) && view.contains("\"DELETE\""));
    // Named schemas are linked from the overview.
    let schemas = view_params(&view, "schema");
    for name in spec["components"]["schemas"].as_object().unwrap().keys() {
        assert!(schemas.contains(name), "{name} not linked: {schemas:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn petstore_operations_drill_down_through_view_params() {
    let host = host();
    let spec = definition("petstore-api.yaml");
    let entity = entity_of(&descriptor("petstore-api.yaml"));
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !METHODS.contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap();
            let view = render(&host, &entity, &[("op", id)]).await;
            assert_has(&view, &format!("{} {path}", method.to_uppercase()));
            for p in op["parameters"].as_array().into_iter().flatten() {
                assert_has(&view, p["name"].as_str().unwrap());
                assert_has(&view, p["in"].as_str().unwrap());
            }
            for code in op["responses"].as_object().unwrap().keys() {
                assert_has(&view, &format!("Response {code}"));
            }
            if let Some(summary) = op["summary"].as_str() {
                assert_has(&view, summary);
            }
            // Request bodies referencing a schema show its properties.
            if let Some(reference) =
                op["requestBody"]["content"]["application/json"]["schema"]["$ref"].as_str()
            {
                let name = reference.rsplit('/').next().unwrap();
                for property in spec["components"]["schemas"][name]["properties"]
                    .as_object()
                    .unwrap()
                    .keys()
                {
                    assert_has(&view, property);
                }
            }
        }
    }
    // Examples: generated from the schema when the document has none, with the
    // properties' own example values.
    let view = render(&host, &entity, &[("op", "addPet")]).await;
    assert_has(&view, "Example (generated from the schema)");
    let pet = &spec["components"]["schemas"]["Pet"]["properties"];
    assert_has(
        &view,
        &format!("\"name\": \"{}\"", pet["name"]["example"].as_str().unwrap()),
    );
    assert_has(&view, &format!("\"id\": {}", pet["id"]["example"]));
    // `METHOD path` also names an operation.
    let view = render(&host, &entity, &[("op", "GET /pet/{petId}")]).await;
    assert_has(&view, "getPetById");
    assert_has(&view, "petId");
    // The enum of findPetsByStatus's `status` parameter is described.
    let view = render(&host, &entity, &[("op", "findPetsByStatus")]).await;
    for value in spec["paths"]["/pet/findByStatus"]["get"]["parameters"][0]["schema"]["enum"]
        .as_array()
        .unwrap()
    {
        assert_has(&view, value.as_str().unwrap());
    }
    // Schema pages, and an unknown operation explained.
    let view = render(&host, &entity, &[("schema", "Order")]).await;
    for property in spec["components"]["schemas"]["Order"]["properties"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert_has(&view, property);
    }
    let view = render(&host, &entity, &[("op", "noSuchOperation")]).await;
    assert_has(&view, "Not found");
    assert_has(&view, "noSuchOperation");
    // A tag filter lists only that tag's operations.
    let view = render(&host, &entity, &[("tag", "user")]).await;
    assert_has(&view, "createUser");
    assert!(!view.contains("findPetsByStatus"), "{view}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_json_definition_renders_like_its_yaml() {
    let host = host();
    let spec = definition("petstore-api.yaml");
    let mut d = descriptor("petstore-api.yaml");
    d["spec"]["definition"] = Value::String(serde_json::to_string_pretty(&spec).unwrap());
    let entity = entity_of(&d);
    let view = render(&host, &entity, &[]).await;
    let links = view_params(&view, "op");
    for item in spec["paths"].as_object().unwrap().values() {
        for (method, op) in item.as_object().unwrap() {
            if METHODS.contains(&method.as_str()) {
                assert!(
                    links
                        .iter()
                        .any(|l| l == op["operationId"].as_str().unwrap())
                );
            }
        }
    }
    let view = render(&host, &entity, &[("op", "getOrderById")]).await;
    assert_has(&view, "orderId");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_31_webhooks_are_listed() {
    let host = host();
    let spec = definition("petstore-webhook-api.yaml");
    let entity = entity_of(&descriptor("petstore-webhook-api.yaml"));
    let view = render(&host, &entity, &[]).await;
    assert_has(&view, spec["info"]["title"].as_str().unwrap());
    for name in spec["webhooks"].as_object().unwrap().keys() {
        assert_has(&view, name);
    }
    let key = view_params(&view, "op")
        .pop()
        .expect("a link to the webhook");
    let view = render(&host, &entity, &[("op", &key)]).await;
    for property in spec["components"]["schemas"]["Pet"]["properties"]
        .as_object()
        .unwrap()
        .keys()
    {
        assert_has(&view, property);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streetlights_asyncapi_channels_operations_and_payloads() {
    let host = host();
    let spec = definition("streetlights-api.yaml");
    let entity = entity_of(&descriptor("streetlights-api.yaml"));
    let view = render(&host, &entity, &[]).await;
    assert_has(&view, spec["info"]["title"].as_str().unwrap());
    for (name, server) in spec["servers"].as_object().unwrap() {
        assert_has(&view, name);
        assert_has(&view, server["url"].as_str().unwrap());
        assert_has(&view, server["protocol"].as_str().unwrap());
    }
    let channels = spec["channels"].as_object().unwrap();
    let linked = view_params(&view, "channel");
    for name in channels.keys() {
        assert_has(&view, name);
        assert!(linked.contains(name), "{name} not linked: {linked:?}");
    }
    for (name, channel) in channels {
        let view = render(&host, &entity, &[("channel", name)]).await;
        for param in channel["parameters"].as_object().unwrap().keys() {
            assert_has(&view, param);
        }
        for action in ["publish", "subscribe"] {
            let Some(op) = channel.get(action) else {
                continue;
            };
            assert_has(&view, action);
            assert_has(&view, op["operationId"].as_str().unwrap());
            let message = op["message"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap();
            let message = &spec["components"]["messages"][message];
            assert_has(&view, message["name"].as_str().unwrap());
            let payload = message["payload"]["$ref"]
                .as_str()
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap();
            assert!(
                view_params(&view, "schema").contains(&payload.to_string()),
                "{payload} not linked"
            );
            for property in spec["components"]["schemas"][payload]["properties"]
                .as_object()
                .unwrap()
                .keys()
            {
                assert_has(&view, property);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn asyncapi_schema_links_open_the_schema() {
    let host = host();
    let spec = definition("streetlights-api.yaml");
    let entity = entity_of(&descriptor("streetlights-api.yaml"));
    let schema = &spec["components"]["schemas"]["lightMeasuredPayload"];
    let view = render(&host, &entity, &[("schema", "lightMeasuredPayload")]).await;
    assert_has(&view, "Schema lightMeasuredPayload");
    for (name, property) in schema["properties"].as_object().unwrap() {
        assert_has(&view, name);
        if let Some(d) = property["description"].as_str() {
            assert_has(&view, d);
        }
    }
}

/// Names defined by `keyword Name` at the start of a line of SDL.
fn sdl_names(sdl: &str, keyword: &str) -> Vec<String> {
    sdl.lines()
        .filter_map(|l| l.strip_prefix(&format!("{keyword} ")))
        .map(|rest| {
            rest.split(|c: char| !c.is_alphanumeric() && c != '_')
                .next()
                .unwrap()
                .to_string()
        })
        .collect()
}

/// Field names of `type Name { ... }` in SDL.
fn sdl_fields(sdl: &str, name: &str) -> Vec<String> {
    let start = sdl.find(&format!("type {name} ")).unwrap();
    let body = &sdl[start..];
    let body = &body[body.find('{').unwrap() + 1..body.find("\n}").unwrap()];
    let mut fields = Vec::new();
    let mut in_doc = false;
    for line in body.lines() {
        let t = line.trim();
        if t.starts_with("\"\"\"") {
            let one_line = t.len() > 3 && t.ends_with("\"\"\"");
            if !one_line {
                in_doc = !in_doc;
            }
            continue;
        }
        if in_doc || t.is_empty() || t.starts_with('#') || t.starts_with('"') {
            continue;
        }
        if line.starts_with("  ") && !line.starts_with("   ") {
            fields.push(t.split(['(', ':']).next().unwrap().to_string());
        }
    }
    fields
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapi_graphql_types_and_root_queries() {
    let host = host();
    let d = descriptor("swapi-graphql.yaml");
    let sdl = d["spec"]["definition"].as_str().unwrap().to_string();
    let entity = entity_of(&d);
    let view = render(&host, &entity, &[]).await;
    let root = sdl
        .split("query: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    let root_fields = sdl_fields(&sdl, root);
    assert!(
        root_fields.contains(&"allFilms".to_string()),
        "{root_fields:?}"
    );
    for field in &root_fields {
        assert_has(&view, field);
    }
    let types = sdl_names(&sdl, "type");
    assert!(types.len() > 10, "{types:?}");
    let linked = view_params(&view, "type");
    for name in types.iter().filter(|t| *t != root) {
        assert!(linked.contains(name), "{name} not linked");
    }
    for keyword in ["interface", "enum", "input", "scalar", "union"] {
        for name in sdl_names(&sdl, keyword) {
            assert_has(&view, &name);
        }
    }
    let view = render(&host, &entity, &[("type", "Film")]).await;
    for field in sdl_fields(&sdl, "Film") {
        assert_has(&view, &field);
    }
    assert_has(&view, "Node");
    let person = render(&host, &entity, &[("type", "Person")]).await;
    for field in sdl_fields(&sdl, "Person") {
        assert_has(&person, &field);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_types_fall_back_to_text_and_unresolved_placeholders_are_explained() {
    let host = host();
    // gRPC: the proto as a code block, plus its services.
    let d = descriptor("hello-world-api.yaml");
    let view = render(&host, &entity_of(&d), &[]).await;
    assert_has(&view, "protobuf");
    assert_has(&view, d["spec"]["definition"].as_str().unwrap());
    for s in ["Greeter", "SayHello", "HelloRequest", "HelloReply"] {
        assert_has(&view, s);
    }
    // tRPC: TypeScript text.
    let d = descriptor("hello-world-trpc-api.yaml");
    let view = render(&host, &entity_of(&d), &[]).await;
    assert_has(&view, "typescript");
    assert_has(&view, d["spec"]["definition"].as_str().unwrap());
    // MCP server: no definition, but its remotes.
    let d = descriptor("backstage-mcp-server-api.yaml");
    let view = render(&host, &entity_of(&d), &[]).await;
    assert_has(&view, "No definition");
    assert_has(&view, d["spec"]["remotes"][0]["url"].as_str().unwrap());
    // Remote `$text` the catalog did not load: a notice naming it, not a broken page.
    for file in [
        "spotify-api.yaml",
        "wayback-archive-api.yaml",
        "wayback-search-api.yaml",
    ] {
        let d = descriptor(file);
        let view = render(&host, &entity_of(&d), &[]).await;
        assert_has(&view, "Definition not loaded");
        assert_has(&view, d["spec"]["definition"]["$text"].as_str().unwrap());
    }
}

fn notice(view: &str) -> Value {
    fn find(v: &Value) -> Option<Value> {
        match v {
            Value::Object(m) => m
                .get("Notice")
                .cloned()
                .or_else(|| m.values().find_map(find)),
            Value::Array(a) => a.iter().find_map(find),
            _ => None,
        }
    }
    find(&serde_json::from_str(view).unwrap()).unwrap_or_else(|| panic!("no notice in {view}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broken_definitions_give_notices_not_traps() {
    let host = host();
    // Malformed YAML: the parser's message and line.
    let yaml =
        "openapi: 3.0.0\ninfo:\n  title: Broken\n  version: '1'\npaths:\n  /a: [\n    get: {}\n";
    let view = render(&host, &api("broken-yaml", "openapi", yaml), &[]).await;
    let n = notice(&view);
    assert_eq!(n["title"], "The definition could not be parsed", "{n}");
    let message = n["message"].as_str().unwrap();
    assert!(
        message.contains("YAML") && message.contains("line"),
        "{message}"
    );
    // Malformed JSON: line 3 holds the error.
    let json_text = "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": {,}\n}";
    let view = render(&host, &api("broken-json", "openapi", json_text), &[]).await;
    let message = notice(&view)["message"].as_str().unwrap().to_string();
    assert!(message.contains("JSON parse error at line 3"), "{message}");
    // Malformed AsyncAPI and GraphQL.
    let view = render(
        &host,
        &api(
            "broken-async",
            "asyncapi",
            "asyncapi: 2.0.0\nchannels: {a: [}\n",
        ),
        &[],
    )
    .await;
    assert!(notice(&view)["message"].as_str().unwrap().contains("line"));
    let view = render(
        &host,
        &api(
            "broken-gql",
            "graphql",
            "type Query {\n  a: Int\n  b(x: ): Int\n}\n",
        ),
        &[],
    )
    .await;
    let message = notice(&view)["message"].as_str().unwrap().to_string();
    assert!(
        message.contains("GraphQL syntax error at line 3"),
        "{message}"
    );
    // A YAML alias bomb (10^10 nodes once expanded) is refused by the parser.
    let mut bomb = String::from("openapi: 3.0.0\na0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let previous = format!("*a{}", i - 1);
        bomb.push_str(&format!(
            "a{i}: &a{i} [{}]\n",
            vec![previous; 10].join(", ")
        ));
    }
    let view = render(&host, &api("bomb", "openapi", &bomb), &[]).await;
    assert_eq!(notice(&view)["title"], "The definition could not be parsed");
    // Nesting beyond the parser's limit: a notice, not a stack overflow.
    let mut deep = String::from("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      x:\n");
    for i in 0..400 {
        deep.push_str(&" ".repeat(8 + 2 * i));
        deep.push_str("y:\n");
    }
    let view = render(&host, &api("deep", "openapi", &deep), &[]).await;
    assert_eq!(notice(&view)["title"], "The definition could not be parsed");
    let deep_json = format!(
        "{{\"openapi\":\"3.0.0\",\"x\":{}1{}}}",
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let view = render(&host, &api("deep-json", "openapi", &deep_json), &[]).await;
    assert_eq!(notice(&view)["title"], "The definition could not be parsed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cyclic_and_deeply_chained_refs_give_notices() {
    let host = host();
    let mut doc = String::from(
        r##"openapi: 3.0.3
info: {title: Cycles, version: '1'}
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/A'}
  /c:
    post:
      operationId: postC
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/C'}
      responses:
        '204': {description: none}
  /chain:
    get:
      operationId: getChain
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/S0'}
  /tree:
    get:
      operationId: getTree
      responses:
        '200':
          description: ok
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
    C: {allOf: [{$ref: '#/components/schemas/D'}], properties: {c: {type: string}}}
    D: {allOf: [{$ref: '#/components/schemas/C'}], properties: {d: {type: string}}}
    Node:
      properties:
        name: {type: string}
        children: {type: array, items: {$ref: '#/components/schemas/Node'}}
"##,
    );
    for i in 0..200 {
        doc.push_str(&format!(
            "    S{i}: {{$ref: '#/components/schemas/S{}'}}\n",
            i + 1
        ));
    }
    doc.push_str("    S200: {type: string}\n");
    let entity = api("cycles", "openapi", &doc);
    let view = render(&host, &entity, &[("op", "getA")]).await;
    assert!(
        notice(&view)["message"]
            .as_str()
            .unwrap()
            .contains("circular $ref"),
        "{view}"
    );
    let view = render(&host, &entity, &[("op", "postC")]).await;
    assert!(
        notice(&view)["message"]
            .as_str()
            .unwrap()
            .contains("circular $ref"),
        "{view}"
    );
    // Both sides of the cycle still show their own properties.
    assert!(
        view.contains(r#"{"Code":"c"}"#) && view.contains(r#"{"Code":"d"}"#),
        "{view}"
    );
    let view = render(&host, &entity, &[("op", "getChain")]).await;
    assert!(
        notice(&view)["message"]
            .as_str()
            .unwrap()
            .contains("chained $refs"),
        "{view}"
    );
    // A recursive but well-founded schema is shown without complaint.
    let view = render(&host, &entity, &[("op", "getTree")]).await;
    assert_has(&view, "children");
    assert!(!view.contains("Notice"), "{view}");
    let view = render(&host, &entity, &[("schema", "A")]).await;
    assert!(
        notice(&view)["message"]
            .as_str()
            .unwrap()
            .contains("circular $ref")
    );
}

/// A synthetic OpenAPI document of `ops` operations, as YAML.
fn big_openapi(ops: usize) -> String {
    let mut doc =
        String::from("openapi: 3.0.3\ninfo:\n  title: Big API\n  version: '2.0'\npaths:\n");
    for i in 0..ops {
        doc.push_str(&format!(
            r##"  /resources/{i}/items/{{itemId}}:
    get:
      operationId: getItem{i}
      tags: [group{g}]
      summary: Read item {i} of the resource collection
      description: Returns one item. This text is here to make the document larger, as real descriptions are.
      parameters:
        - {{name: itemId, in: path, required: true, schema: {{type: string}}, description: The item id}}
        - {{name: expand, in: query, schema: {{type: boolean}}}}
      responses:
        '200':
          description: The item
          content:
            application/json:
              schema: {{$ref: '#/components/schemas/Item'}}
        '404': {{description: Not found}}
"##,
            g = i % 10
        ));
    }
    doc.push_str(
        "components:\n  schemas:\n    Item:\n      type: object\n      properties:\n        id: {type: string}\n        name: {type: string}\n",
    );
    doc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_openapi_document_is_paged_within_the_default_limits() {
    // The host's default limits: a 500 ms view deadline and a 4 MiB result.
    let limits = Limits::default();
    assert_eq!(limits.deadlines.view, std::time::Duration::from_millis(500));
    let host = host_with(limits.clone());
    let doc = big_openapi(2000);
    assert!(doc.len() > 1024 * 1024, "{} bytes", doc.len());
    let entity = api("big", "openapi", &doc);

    let started = std::time::Instant::now();
    let first = render(&host, &entity, &[]).await;
    let elapsed = started.elapsed();
    assert!(
        (first.len() as u64) < limits.max_result_bytes,
        "{} bytes",
        first.len()
    );
    assert!(
        first.len() < 512 * 1024,
        "a page stays small: {} bytes",
        first.len()
    );
    assert_has(&first, "Big API");
    assert_has(&first, "getItem0");
    assert!(!first.contains("getItem1999"), "page 1 holds the first 100");
    assert_eq!(view_params(&first, "op").len(), 100);
    let pages = view_params(&first, "page");
    assert!(
        pages.contains(&"2".to_string()) && pages.contains(&"20".to_string()),
        "{pages:?}"
    );
    eprintln!(
        "first page of 2,000 operations ({} KiB): {elapsed:?}, {} bytes",
        doc.len() / 1024,
        first.len()
    );

    let last = render(&host, &entity, &[("page", "20")]).await;
    assert_has(&last, "getItem1999");
    assert!(!last.contains("\"getItem0\""));
    let op = render(&host, &entity, &[("op", "getItem1999")]).await;
    assert_has(&op, "GET /resources/1999/items/{itemId}");
    assert_has(&op, "expand");
    let tag = render(&host, &entity, &[("tag", "group3"), ("page", "2")]).await;
    assert_has(&tag, "getItem1003");
    assert!(!tag.contains("getItem1004"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_sets_the_page_size() {
    let mut settings = std::collections::BTreeMap::new();
    settings.insert(
        "api-docs".to_string(),
        portico::config::PluginSettings {
            config: Some(json!({ "max_operations_per_page": 5 })),
            ..Default::default()
        },
    );
    let host = TestHost::with_policy(PluginPolicy {
        default_limits: test_limits(),
        settings,
        ..PluginPolicy::default()
    });
    let plugin = portico_bundled_plugins::bundled("api-docs").unwrap();
    host.manager
        .install(
            plugin.bytes,
            &InstallOptions {
                expected_sha256: None,
                grants: GrantChoice::AllRequested,
            },
        )
        .unwrap();
    let entity = entity_of(&descriptor("petstore-api.yaml"));
    let view = render(&host, &entity, &[]).await;
    assert_eq!(view_params(&view, "op").len(), 5);
    assert_has(&view, "Page 1 of 4");
}
