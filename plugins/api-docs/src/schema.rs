//! Schema summaries for OpenAPI, Swagger and AsyncAPI: local `$ref`s resolved (with a hop
//! limit and cycle detection), a one-line type label per schema, and the properties as a
//! table (inline objects expanded a few levels deep, named schemas linked).

use portico_sdk::prelude::*;

use crate::common::{MAX_EXAMPLE, MAX_ROWS, cap, one_line};
use crate::value::Value;

/// `$ref` hops followed before giving up.
const MAX_REF_HOPS: usize = 32;
/// Levels of inline objects expanded into dotted property names.
const MAX_EXPAND_DEPTH: usize = 4;
/// Nesting followed when writing a type label.
const MAX_LABEL_DEPTH: usize = 6;

/// Resolves local `$ref`s against the whole document.
#[derive(Clone, Copy)]
pub struct Resolver<'a> {
    pub root: &'a Value,
}

/// Why a `$ref` could not be followed.
#[derive(Debug, Clone, PartialEq)]
pub enum RefError {
    Cycle(Vec<String>),
    TooDeep(String),
    Missing(String),
    External(String),
}

impl std::fmt::Display for RefError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RefError::Cycle(chain) => write!(f, "circular $ref: {}", chain.join(" → ")),
            RefError::TooDeep(r) => {
                write!(
                    f,
                    "more than {MAX_REF_HOPS} chained $refs (at {r}); not followed"
                )
            }
            RefError::Missing(r) => write!(f, "$ref {r} points at nothing in this document"),
            RefError::External(r) => {
                write!(f, "$ref {r} points outside this document; not resolved")
            }
        }
    }
}

impl<'a> Resolver<'a> {
    pub fn new(root: &'a Value) -> Self {
        Resolver { root }
    }

    /// Follows `$ref`s from `node` until a node without one; returns it and the last
    /// reference followed.
    pub fn deref(&self, node: &'a Value) -> Result<(&'a Value, Option<&'a str>), RefError> {
        let mut chain: Vec<&'a str> = Vec::new();
        let mut current = node;
        loop {
            let Some(reference) = current.get("$ref").as_str() else {
                return Ok((current, chain.last().copied()));
            };
            if chain.contains(&reference) {
                let mut names: Vec<String> = chain.iter().map(|s| s.to_string()).collect();
                names.push(reference.to_string());
                return Err(RefError::Cycle(names));
            }
            if chain.len() >= MAX_REF_HOPS {
                return Err(RefError::TooDeep(reference.to_string()));
            }
            chain.push(reference);
            let Some(pointer) = reference.strip_prefix('#') else {
                return Err(RefError::External(reference.to_string()));
            };
            current = self
                .root
                .pointer(pointer)
                .ok_or_else(|| RefError::Missing(reference.to_string()))?;
        }
    }

    /// `node` with its `$ref`s followed; `Null` when they cannot be.
    pub fn get(&self, node: &'a Value) -> &'a Value {
        static NULL: Value = Value::Null;
        self.deref(node).map_or(&NULL, |(v, _)| v)
    }
}

/// The name a reference gives its target: the last segment of the pointer or path.
pub fn ref_name(reference: &str) -> String {
    let last = reference.rsplit(['/', '#']).next().unwrap_or(reference);
    let name = last.replace("~1", "/").replace("~0", "~");
    if name.is_empty() {
        reference.to_string()
    } else {
        name
    }
}

/// The named schema a `$ref` points at (`#/components/schemas/X`, `#/definitions/X`), for
/// links to the schema page.
pub fn schema_ref_name(reference: &str) -> Option<String> {
    let name = reference
        .strip_prefix("#/components/schemas/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    (!name.contains('/')).then(|| name.replace("~1", "/").replace("~0", "~"))
}

/// The named schemas of a document: OpenAPI/AsyncAPI `components.schemas`, Swagger
/// `definitions`.
pub fn named_schemas(root: &Value) -> &[(String, Value)] {
    let components = root.get("components").get("schemas").entries();
    if components.is_empty() {
        root.get("definitions").entries()
    } else {
        components
    }
}

/// A one-line type: `Pet`, `array<Pet>`, `string (date-time)`, `map<string, integer>`,
/// `oneOf<Cat | Dog>`.
pub fn type_label(schema: &Value) -> String {
    label(schema, 0)
}

fn label(schema: &Value, depth: usize) -> String {
    if depth > MAX_LABEL_DEPTH {
        return "…".into();
    }
    if let Some(reference) = schema.get("$ref").as_str() {
        return ref_name(reference);
    }
    if !schema.is_object() {
        return match schema {
            Value::Bool(true) => "any".into(),
            Value::Bool(false) => "never".into(),
            _ => "any".into(),
        };
    }
    for (key, joiner) in [("oneOf", " | "), ("anyOf", " | "), ("allOf", " & ")] {
        let parts = schema.get(key).items();
        if !parts.is_empty() {
            let names: Vec<String> = parts.iter().take(8).map(|p| label(p, depth + 1)).collect();
            let more = if parts.len() > 8 { " | …" } else { "" };
            let inner = format!("{}{more}", names.join(joiner));
            return if key == "allOf" && parts.len() == 1 {
                inner
            } else {
                format!("{key}<{inner}>")
            };
        }
    }
    let types: Vec<&str> = match schema.get("type") {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let main = types.iter().copied().find(|t| *t != "null");
    let mut text = match main {
        Some("array") => format!("array<{}>", label(schema.get("items"), depth + 1)),
        Some("object") | None if is_map(schema) => format!(
            "map<string, {}>",
            label(schema.get("additionalProperties"), depth + 1)
        ),
        Some(t) => t.to_string(),
        None if !schema.get("properties").is_null() => "object".into(),
        None if !schema.get("items").is_null() => {
            format!("array<{}>", label(schema.get("items"), depth + 1))
        }
        None if !schema.get("const").is_null() => {
            format!("const {}", schema.get("const").to_json(false, 60))
        }
        None if !schema.get("enum").is_null() => "enum".into(),
        None => "any".into(),
    };
    if let Some(format) = schema.str("format") {
        text.push_str(&format!(" ({format})"));
    }
    if types.contains(&"null") || schema.get("nullable").as_bool() {
        text.push_str(" | null");
    }
    text
}

fn is_map(schema: &Value) -> bool {
    schema.get("properties").is_null()
        && matches!(schema.get("additionalProperties"), Value::Object(_))
}

/// A table cell for a schema's type: a link to the schema page when it names a schema
/// (directly or as the items of an array), text otherwise.
pub fn type_cell(schema: &Value) -> Cell {
    let label = type_label(schema);
    let target = schema
        .get("$ref")
        .as_str()
        .or_else(|| schema.get("items").get("$ref").as_str())
        .and_then(schema_ref_name);
    match target {
        Some(name) => Link::view(label, [("schema", name)]).into(),
        None => text(label),
    }
}

/// Extra facts about a schema for a description column: enum values, default, bounds,
/// read/write-only, deprecated.
pub fn facts(schema: &Value) -> Vec<String> {
    let mut facts = Vec::new();
    let values = schema.get("enum").items();
    if !values.is_empty() {
        let shown: Vec<String> = values
            .iter()
            .take(20)
            .map(|v| v.scalar_text().unwrap_or_else(|| v.to_json(false, 40)))
            .collect();
        let more = if values.len() > 20 { ", …" } else { "" };
        facts.push(format!("one of: {}{more}", shown.join(", ")));
    }
    if let Some(default) = schema.get("default").scalar_text() {
        facts.push(format!("default: {}", cap(&default, 80)));
    }
    for (key, what) in [
        ("minimum", "min"),
        ("maximum", "max"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("pattern", "pattern"),
    ] {
        if let Some(v) = schema.get(key).scalar_text() {
            facts.push(format!("{what}: {}", cap(&v, 80)));
        }
    }
    if schema.get("readOnly").as_bool() {
        facts.push("read-only".into());
    }
    if schema.get("writeOnly").as_bool() {
        facts.push("write-only".into());
    }
    if schema.get("deprecated").as_bool() {
        facts.push("deprecated".into());
    }
    if let Some(example) = schema.get("example").scalar_text() {
        facts.push(format!("example: {}", cap(&example, 80)));
    }
    facts
}

/// A description cell: the description's first line plus the schema's facts.
pub fn describe(description: Option<&str>, schema: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(d) = description.filter(|d| !d.trim().is_empty()) {
        parts.push(one_line(d));
    }
    let facts = facts(schema);
    if !facts.is_empty() {
        parts.push(format!("({})", facts.join("; ")));
    }
    parts.join(" ")
}

/// What a schema summary found besides rows: problems to explain.
#[derive(Default)]
struct Walk {
    rows: Vec<Vec<Cell>>,
    notes: Vec<String>,
    truncated: bool,
}

impl Walk {
    fn note(&mut self, note: String) {
        if !self.notes.contains(&note) && self.notes.len() < 10 {
            self.notes.push(note);
        }
    }
}

/// The blocks that summarize `schema`: its type, its properties as a table (name, type,
/// required, description), notices for what could not be followed, and with `with_example`
/// its example (the schema's own, else one generated from the schema for objects and arrays).
pub fn schema_blocks(resolver: Resolver<'_>, schema: &Value, with_example: bool) -> Vec<Block> {
    let mut blocks = Vec::new();
    blocks.push(Block::Fields(vec![Field::new("Schema", type_cell(schema))]));
    let mut walk = Walk::default();
    let mut visiting: Vec<String> = Vec::new();
    // An array's items are what readers want to see.
    let (target, note) = match resolver.deref(schema) {
        Ok((resolved, _)) => (Some(resolved), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if let Some(note) = note {
        walk.note(note);
    }
    let mut example = None;
    if let Some(resolved) = target {
        let body = if resolved.str("type") == Some("array") || !resolved.get("items").is_null() {
            match resolver.deref(resolved.get("items")) {
                Ok((items, _)) => items,
                Err(e) => {
                    walk.note(e.to_string());
                    &Value::Null
                }
            }
        } else {
            resolved
        };
        if let Some(reference) = schema.get("$ref").as_str() {
            visiting.push(reference.to_string());
        }
        collect(resolver, body, "", 0, &mut walk, &mut visiting);
        example = [
            resolved.get("example"),
            resolved
                .get("examples")
                .items()
                .first()
                .unwrap_or(&Value::Null),
        ]
        .into_iter()
        .find(|e| !e.is_null())
        .cloned();
    }
    if !walk.rows.is_empty() {
        let mut table = Table::new(["Name", "Type", "Required", "Description"]);
        table.rows = std::mem::take(&mut walk.rows);
        blocks.push(Block::Table(table));
    }
    if walk.truncated {
        walk.note(format!("only the first {MAX_ROWS} properties are shown"));
    }
    if !walk.notes.is_empty() {
        blocks.push(Block::Notice(Notice {
            tone: Tone::Warning,
            title: "Schema not fully shown".into(),
            message: walk.notes.join("; "),
        }));
    }
    if with_example {
        if let Some(example) = example {
            blocks.push(Block::Text("Example".into()));
            blocks.push(example_block(&example));
        } else if let Some(resolved) = target.filter(|r| {
            !r.get("properties").is_null() || !r.get("items").is_null() || !r.get("allOf").is_null()
        }) {
            let mut budget = SAMPLE_NODES;
            let generated = sample(resolver, resolved, 0, &mut budget, &mut Vec::new());
            blocks.push(Block::Text("Example (generated from the schema)".into()));
            blocks.push(example_block(&generated));
        }
    }
    blocks
}

/// Nodes a generated example may have.
const SAMPLE_NODES: usize = 400;

/// An example value built from a schema: its `example`, `default`, first `enum` or `const`
/// value, else a placeholder of its type; objects with their properties, arrays with one
/// item. Cycles, depth and size are bounded.
pub fn sample(
    resolver: Resolver<'_>,
    schema: &Value,
    depth: usize,
    budget: &mut usize,
    visiting: &mut Vec<String>,
) -> Value {
    if *budget == 0 || depth > MAX_LABEL_DEPTH {
        return Value::Null;
    }
    *budget -= 1;
    let reference = schema.get("$ref").as_str();
    if let Some(r) = reference
        && visiting.iter().any(|v| v == r)
    {
        return Value::Null;
    }
    let Ok((schema, _)) = resolver.deref(schema) else {
        return Value::Null;
    };
    if let Some(r) = reference {
        visiting.push(r.to_string());
    }
    let value = sample_resolved(resolver, schema, depth, budget, visiting);
    if reference.is_some() {
        visiting.pop();
    }
    value
}

fn sample_resolved(
    resolver: Resolver<'_>,
    schema: &Value,
    depth: usize,
    budget: &mut usize,
    visiting: &mut Vec<String>,
) -> Value {
    for key in ["example", "default", "const"] {
        if !schema.get(key).is_null() {
            return schema.get(key).clone();
        }
    }
    if let Some(first) = schema.get("enum").items().first() {
        return first.clone();
    }
    if let Some(first) = schema.get("examples").items().first() {
        return first.clone();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = schema.get(key).items().first() {
            return sample(resolver, first, depth + 1, budget, visiting);
        }
    }
    let mut members: Vec<(String, Value)> = Vec::new();
    for part in schema.get("allOf").items() {
        if let Value::Object(m) = sample(resolver, part, depth + 1, budget, visiting) {
            members.extend(m);
        }
    }
    let kind = match schema.get("type") {
        Value::String(t) => t.as_str(),
        Value::Array(ts) => ts
            .iter()
            .filter_map(Value::as_str)
            .find(|t| *t != "null")
            .unwrap_or(""),
        _ => "",
    };
    let properties = schema.get("properties").entries();
    if kind == "object" || !properties.is_empty() || !members.is_empty() {
        for (name, property) in properties.iter().take(50) {
            members.push((
                name.clone(),
                sample(resolver, property, depth + 1, budget, visiting),
            ));
        }
        return Value::Object(members);
    }
    if kind == "array" || !schema.get("items").is_null() {
        let item = sample(resolver, schema.get("items"), depth + 1, budget, visiting);
        return Value::Array(if item.is_null() {
            Vec::new()
        } else {
            vec![item]
        });
    }
    match kind {
        "string" => Value::String(
            match schema.str("format").unwrap_or("") {
                "date-time" => "2026-01-01T00:00:00Z",
                "date" => "2026-01-01",
                "email" => "user@example.com",
                "uuid" => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
                "uri" | "url" => "https://example.com",
                _ => "string",
            }
            .into(),
        ),
        "integer" => Value::Number("0".into()),
        "number" => Value::Number("0.0".into()),
        "boolean" => Value::Bool(true),
        _ => Value::Null,
    }
}

/// A code block for an example value (JSON, or the text itself for string examples).
pub fn example_block(example: &Value) -> Block {
    let (language, content) = match example {
        Value::String(s) => {
            let t = s.trim_start();
            let language = if t.starts_with('<') {
                "xml"
            } else if t.starts_with('{') || t.starts_with('[') {
                "json"
            } else {
                ""
            };
            (language, cap(s, MAX_EXAMPLE))
        }
        other => ("json", other.to_json(true, MAX_EXAMPLE)),
    };
    Block::Code(CodeBlock {
        language: language.into(),
        content,
    })
}

fn collect(
    resolver: Resolver<'_>,
    schema: &Value,
    prefix: &str,
    depth: usize,
    walk: &mut Walk,
    visiting: &mut Vec<String>,
) {
    if walk.truncated {
        return;
    }
    // allOf: the properties of every part, at this level.
    for part in schema.get("allOf").items() {
        match resolver.deref(part) {
            Ok((resolved, reference)) => {
                if let Some(reference) = reference {
                    if visiting.iter().any(|v| v == reference) {
                        let mut chain = visiting.clone();
                        chain.push(reference.to_string());
                        walk.note(RefError::Cycle(chain).to_string());
                        continue;
                    }
                    visiting.push(reference.to_string());
                    collect(resolver, resolved, prefix, depth, walk, visiting);
                    visiting.pop();
                } else {
                    collect(resolver, resolved, prefix, depth, walk, visiting);
                }
            }
            Err(e) => walk.note(e.to_string()),
        }
    }
    let required: Vec<&str> = schema
        .get("required")
        .items()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for (name, property) in schema.get("properties").entries() {
        if walk.rows.len() >= MAX_ROWS {
            walk.truncated = true;
            return;
        }
        let full = format!("{prefix}{name}");
        let is_required = required.contains(&name.as_str());
        // Descriptions may sit next to a $ref (OpenAPI 3.1) or in the target.
        let (shown, resolved_note) = match resolver.deref(property) {
            Ok((resolved, _)) => (resolved, None),
            Err(e) => (&Value::Null, Some(e.to_string())),
        };
        if let Some(note) = resolved_note {
            walk.note(note);
        }
        let description = property.str("description").or_else(|| {
            property
                .get("$ref")
                .is_null()
                .then(|| shown.str("description"))
                .flatten()
        });
        walk.rows.push(vec![
            code(full.clone()),
            type_cell(property),
            text(if is_required { "yes" } else { "no" }),
            text(describe(
                description,
                if property.get("$ref").is_null() {
                    property
                } else {
                    &Value::Null
                },
            )),
        ]);
        // Expand inline objects (and arrays of inline objects); named schemas are links.
        if property.get("$ref").is_null() {
            let (inner, inner_prefix) =
                if !property.get("properties").is_null() || !property.get("allOf").is_null() {
                    (Some(property), format!("{full}."))
                } else if let Some(items) = Some(property.get("items")).filter(|i| {
                    i.get("$ref").is_null()
                        && (!i.get("properties").is_null() || !i.get("allOf").is_null())
                }) {
                    (Some(items), format!("{full}[]."))
                } else {
                    (None, String::new())
                };
            if let Some(inner) = inner {
                if depth + 1 >= MAX_EXPAND_DEPTH {
                    walk.note(format!(
                        "objects nested deeper than {MAX_EXPAND_DEPTH} levels are not expanded (at `{full}`)"
                    ));
                } else {
                    collect(resolver, inner, &inner_prefix, depth + 1, walk, visiting);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::parse;

    fn table_names(blocks: &[Block]) -> Vec<String> {
        blocks
            .iter()
            .find_map(|b| match b {
                Block::Table(t) => Some(
                    t.rows
                        .iter()
                        .map(|r| match &r[0] {
                            Cell::Code(c) => c.clone(),
                            other => panic!("{other:?}"),
                        })
                        .collect(),
                ),
                _ => None,
            })
            .unwrap_or_default()
    }

    fn notice(blocks: &[Block]) -> Option<String> {
        blocks.iter().find_map(|b| match b {
            Block::Notice(n) => Some(n.message.clone()),
            _ => None,
        })
    }

    #[test]
    fn labels() {
        let doc = parse(
            r##"
a: {type: array, items: {$ref: '#/components/schemas/Pet'}}
b: {type: string, format: date-time}
c: {type: object, additionalProperties: {type: integer}}
d: {oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: '#/components/schemas/Dog'}]}
e: {type: [string, "null"]}
f: {properties: {x: {}}}
"##,
        )
        .unwrap();
        let l = |k| type_label(doc.get(k));
        assert_eq!(l("a"), "array<Pet>");
        assert_eq!(l("b"), "string (date-time)");
        assert_eq!(l("c"), "map<string, integer>");
        assert_eq!(l("d"), "oneOf<Cat | Dog>");
        assert_eq!(l("e"), "string | null");
        assert_eq!(l("f"), "object");
        assert!(matches!(type_cell(doc.get("a")), Cell::Link(l) if l.label == "array<Pet>"));
    }

    #[test]
    fn properties_with_allof_nested_and_required() {
        let doc = parse(
            r##"
components:
  schemas:
    Base: {properties: {id: {type: integer}}, required: [id]}
    Pet:
      allOf:
        - $ref: '#/components/schemas/Base'
        - properties:
            name: {type: string, description: The name}
            status: {type: string, enum: [available, sold]}
            owner: {type: object, properties: {email: {type: string}}}
            tags: {type: array, items: {properties: {label: {type: string}}}}
          required: [name]
"##,
        )
        .unwrap();
        let r = Resolver::new(&doc);
        let blocks = schema_blocks(
            r,
            &parse("$ref: '#/components/schemas/Pet'").unwrap(),
            false,
        );
        assert_eq!(
            table_names(&blocks),
            [
                "id",
                "name",
                "status",
                "owner",
                "owner.email",
                "tags",
                "tags[].label"
            ]
        );
        let Block::Table(t) = &blocks[1] else {
            panic!()
        };
        assert!(matches!(&t.rows[0][2], Cell::Text(s) if s == "yes"));
        assert!(matches!(&t.rows[2][3], Cell::Text(s) if s.contains("available, sold")));
        assert!(notice(&blocks).is_none());
    }

    #[test]
    fn cycles_and_long_chains_become_notes() {
        let doc = parse(
            r##"
components:
  schemas:
    A: {$ref: '#/components/schemas/B'}
    B: {$ref: '#/components/schemas/A'}
    C: {allOf: [{$ref: '#/components/schemas/D'}]}
    D: {allOf: [{$ref: '#/components/schemas/C'}], properties: {d: {type: string}}}
    Node: {properties: {children: {type: array, items: {$ref: '#/components/schemas/Node'}}}}
"##,
        )
        .unwrap();
        let r = Resolver::new(&doc);
        let a = schema_blocks(r, &parse("$ref: '#/components/schemas/A'").unwrap(), false);
        assert!(notice(&a).unwrap().contains("circular $ref"), "{a:?}");
        let c = schema_blocks(r, &parse("$ref: '#/components/schemas/C'").unwrap(), false);
        assert!(notice(&c).unwrap().contains("circular $ref"), "{c:?}");
        assert_eq!(table_names(&c), ["d"]);
        let node = schema_blocks(
            r,
            &parse("$ref: '#/components/schemas/Node'").unwrap(),
            false,
        );
        assert_eq!(table_names(&node), ["children"]);
        assert!(notice(&node).is_none());
        let ext = schema_blocks(r, &parse("$ref: 'other.yaml#/X'").unwrap(), false);
        assert!(notice(&ext).unwrap().contains("outside this document"));
        let missing = schema_blocks(r, &parse("$ref: '#/nope'").unwrap(), false);
        assert!(notice(&missing).unwrap().contains("points at nothing"));

        let mut chain = String::from("components:\n  schemas:\n");
        for i in 0..100 {
            chain.push_str(&format!(
                "    S{i}: {{$ref: '#/components/schemas/S{}'}}\n",
                i + 1
            ));
        }
        chain.push_str("    S100: {type: string}\n");
        let doc = parse(&chain).unwrap();
        let blocks = schema_blocks(
            Resolver::new(&doc),
            &parse("$ref: '#/components/schemas/S0'").unwrap(),
            false,
        );
        assert!(
            notice(&blocks).unwrap().contains("chained $refs"),
            "{blocks:?}"
        );
    }

    #[test]
    fn generated_examples_follow_the_schema_and_stop_at_cycles() {
        let doc = parse(
            r##"
components:
  schemas:
    Pet:
      properties:
        id: {type: integer, example: 10}
        name: {type: string}
        status: {type: string, enum: [available, sold]}
        born: {type: string, format: date}
        tags: {type: array, items: {$ref: '#/components/schemas/Tag'}}
        parent: {$ref: '#/components/schemas/Pet'}
    Tag: {properties: {label: {type: string}}}
"##,
        )
        .unwrap();
        let r = Resolver::new(&doc);
        let pet = parse("$ref: '#/components/schemas/Pet'").unwrap();
        let mut budget = SAMPLE_NODES;
        let v = sample(r, &pet, 0, &mut budget, &mut Vec::new());
        assert_eq!(
            v.to_json(false, 1000),
            r#"{"id":10,"name":"string","status":"available","born":"2026-01-01","tags":[{"label":"string"}],"parent":null}"#
        );
        let blocks = schema_blocks(r, &pet, true);
        assert!(
            blocks
                .iter()
                .any(|b| matches!(b, Block::Code(c) if c.content.contains("\"id\": 10")))
        );
    }

    #[test]
    fn deep_inline_nesting_stops_with_a_note() {
        let mut yaml = String::from("x:\n");
        for i in 0..30 {
            yaml.push_str(&"  ".repeat(2 * i + 1));
            yaml.push_str("properties:\n");
            yaml.push_str(&"  ".repeat(2 * i + 2));
            yaml.push_str("p:\n");
        }
        yaml.push_str(&"  ".repeat(61));
        yaml.push_str("type: string\n");
        let doc = parse(&yaml).unwrap();
        let blocks = schema_blocks(Resolver::new(&doc), doc.get("x"), false);
        assert_eq!(table_names(&blocks).len(), MAX_EXPAND_DEPTH);
        assert!(notice(&blocks).unwrap().contains("nested deeper"));
    }
}
