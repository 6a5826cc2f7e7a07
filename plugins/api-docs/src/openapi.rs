//! OpenAPI 3.0/3.1 and Swagger 2.0: the overview (info, servers, security schemes, operations
//! grouped by tag, paged), one page per operation (`op=<operationId>` or `op=<METHOD path>`)
//! and one per named schema (`schema=<name>`).

use std::collections::HashMap;

use portico_sdk::prelude::*;

use crate::common::{
    Ctx, MAX_MARKDOWN, back_link, cap, deprecated_badge, info_section, method_badge, one_line,
    pager, security_schemes_section,
};
use crate::schema::{Resolver, describe, example_block, named_schemas, schema_blocks, type_cell};
use crate::value::Value;

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];
/// The group of operations without tags (Swagger UI's name for it).
const UNTAGGED: &str = "default";
const WEBHOOKS: &str = "Webhooks";

/// One operation of the document.
struct Operation<'a> {
    method: &'a str,
    /// The path, or the webhook's name.
    path: &'a str,
    op: &'a Value,
    item: &'a Value,
    webhook: bool,
    /// What `op=` names it by: its operationId when unique, else `METHOD path`.
    key: String,
}

impl Operation<'_> {
    fn deprecated(&self) -> bool {
        self.op.get("deprecated").as_bool()
    }
    fn tags(&self) -> Vec<&str> {
        if self.webhook {
            return vec![WEBHOOKS];
        }
        let tags: Vec<&str> = self
            .op
            .get("tags")
            .items()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        if tags.is_empty() {
            vec![UNTAGGED]
        } else {
            tags
        }
    }
}

fn is_swagger(doc: &Value) -> bool {
    doc.get("swagger")
        .scalar_text()
        .is_some_and(|v| v.starts_with('2'))
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    let resolver = Resolver::new(doc);
    let mut ops = Vec::new();
    for (source, webhook) in [("paths", false), ("webhooks", true)] {
        for (path, item) in doc.get(source).entries() {
            let item = resolver.get(item);
            for (method, op) in item.entries() {
                if METHODS.contains(&method.as_str()) && op.is_object() {
                    ops.push(Operation {
                        method,
                        path,
                        op,
                        item,
                        webhook,
                        key: String::new(),
                    });
                }
            }
        }
    }
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for op in &ops {
        if let Some(id) = op.op.str("operationId") {
            *counts.entry(id).or_default() += 1;
        }
    }
    for op in &mut ops {
        op.key = match op.op.str("operationId") {
            Some(id) if counts.get(id) == Some(&1) => id.to_string(),
            _ => format!("{} {}", op.method.to_ascii_uppercase(), op.path),
        };
    }
    ops
}

/// Renders an OpenAPI or Swagger document.
pub fn render(doc: &Value, ctx: &Ctx<'_>) -> View {
    if let Some(key) = ctx.param("op") {
        return operation_page(doc, ctx, key);
    }
    if let Some(name) = ctx.param("schema") {
        return schema_page(doc, name);
    }
    overview(doc, ctx)
}

fn spec_label(doc: &Value) -> String {
    match doc.get("openapi").scalar_text() {
        Some(v) => format!("OpenAPI {v}"),
        None => format!(
            "Swagger {}",
            doc.get("swagger").scalar_text().unwrap_or_default()
        ),
    }
}

fn title(doc: &Value, ctx: &Ctx<'_>) -> String {
    doc.get("info")
        .str("title")
        .unwrap_or(ctx.entity_title)
        .to_string()
}

fn overview(doc: &Value, ctx: &Ctx<'_>) -> View {
    let mut view = View::new(title(doc, ctx)).section(info_section(doc, spec_label(doc)));
    if let Some(servers) = servers_section(doc) {
        view = view.section(servers);
    }
    let schemes = if is_swagger(doc) {
        doc.get("securityDefinitions")
    } else {
        doc.get("components").get("securitySchemes")
    };
    if let Some(section) = security_schemes_section(schemes) {
        view = view.section(section);
    }

    let ops = operations(doc);
    // Groups in the order of the document's `tags`, then as first used; untagged and
    // webhooks last.
    let mut order: Vec<&str> = doc
        .get("tags")
        .items()
        .iter()
        .filter_map(|t| t.str("name"))
        .collect();
    for op in &ops {
        for tag in op.tags() {
            if !order.contains(&tag) && tag != UNTAGGED && tag != WEBHOOKS {
                order.push(tag);
            }
        }
    }
    order.push(UNTAGGED);
    order.push(WEBHOOKS);
    let filter = ctx.param("tag");
    let mut grouped: Vec<(&str, Vec<&Operation<'_>>)> = Vec::new();
    for tag in order {
        if filter.is_some_and(|f| f != tag) || grouped.iter().any(|(t, _)| *t == tag) {
            continue;
        }
        let members: Vec<&Operation<'_>> =
            ops.iter().filter(|op| op.tags().contains(&tag)).collect();
        if !members.is_empty() {
            grouped.push((tag, members));
        }
    }
    let used_tags: Vec<&str> = grouped.iter().map(|(t, _)| *t).collect();
    if filter.is_none() && used_tags.len() > 1 {
        let links = used_tags.iter().map(|t| Link::view(*t, [("tag", *t)]));
        view = view.section(Section::new("Tags").links(links));
    }
    if let Some(tag) = filter {
        view = view.section(
            Section::untitled()
                .text(format!("Operations tagged `{tag}`."))
                .links([back_link("All operations")]),
        );
    }

    let total: usize = grouped.iter().map(|(_, m)| m.len()).sum();
    let per_page = ctx.per_page.max(1);
    let pages = total.div_ceil(per_page).max(1);
    let page = ctx.page().min(pages);
    let (start, end) = ((page - 1) * per_page, (page * per_page).min(total));
    let mut index = 0;
    for (tag, members) in &grouped {
        let (from, to) = (index, index + members.len());
        index = to;
        if to <= start || from >= end {
            continue;
        }
        let shown = &members[start.saturating_sub(from)..(end - from).min(members.len())];
        let mut section = Section::new(*tag);
        if let Some(description) = doc
            .get("tags")
            .items()
            .iter()
            .find(|t| t.str("name") == Some(*tag))
            .and_then(|t| t.str("description"))
        {
            section = section.text(one_line(description));
        }
        let mut table = Table::new(["Method", "Path", "Summary", "Operation ID", ""]);
        for op in shown {
            table = table.row([
                method_badge(op.method).into(),
                Link::view(op.path, [("op", op.key.as_str())]).into(),
                text(op.op.str("summary").map(one_line).unwrap_or_default()),
                op.op.str("operationId").map_or(Cell::Empty, code),
                if op.deprecated() {
                    deprecated_badge().into()
                } else {
                    Cell::Empty
                },
            ]);
        }
        view = view.section(section.table(table));
    }
    if total == 0 {
        view = view
            .section(Section::new("Operations").text("This definition declares no operations."));
    }
    let extra: Vec<(&str, &str)> = filter.map(|t| vec![("tag", t)]).unwrap_or_default();
    if let Some(p) = pager(page, per_page, total, "operations", &extra) {
        view = view.section(p);
    }

    let schemas = named_schemas(doc);
    if !schemas.is_empty() && page == 1 && filter.is_none() {
        let links = schemas
            .iter()
            .take(300)
            .map(|(name, _)| Link::view(name.as_str(), [("schema", name.as_str())]));
        let mut section = Section::new("Schemas").links(links);
        if schemas.len() > 300 {
            section = section.text(format!("… and {} more.", schemas.len() - 300));
        }
        view = view.section(section);
    }
    view
}

fn servers_section(doc: &Value) -> Option<Section> {
    let mut table = Table::new(["URL", "Description"]);
    if is_swagger(doc) {
        let host = doc.str("host")?;
        let base = doc.str("basePath").unwrap_or("");
        let schemes: Vec<&str> = doc
            .get("schemes")
            .items()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for scheme in if schemes.is_empty() {
            vec!["https"]
        } else {
            schemes
        } {
            table = table.row([code(format!("{scheme}://{host}{base}")), Cell::Empty]);
        }
    } else {
        let servers = doc.get("servers").items();
        if servers.is_empty() {
            return None;
        }
        for server in servers.iter().take(50) {
            let mut description = server.str("description").map(one_line).unwrap_or_default();
            let variables: Vec<String> = server
                .get("variables")
                .entries()
                .iter()
                .map(|(name, var)| {
                    let default = var.get("default").scalar_text().unwrap_or_default();
                    let options: Vec<String> = var
                        .get("enum")
                        .items()
                        .iter()
                        .filter_map(Value::scalar_text)
                        .collect();
                    if options.is_empty() {
                        format!("{{{name}}} = {default}")
                    } else {
                        format!("{{{name}}} = {default} (one of {})", options.join(", "))
                    }
                })
                .collect();
            if !variables.is_empty() {
                if !description.is_empty() {
                    description.push_str("; ");
                }
                description.push_str(&variables.join(", "));
            }
            table = table.row([code(server.str("url").unwrap_or("/")), text(description)]);
        }
    }
    Some(Section::new("Servers").table(table))
}

fn not_found(doc: &Value, ctx: &Ctx<'_>, what: &str) -> View {
    View::new(title(doc, ctx)).section(
        Section::untitled()
            .notice(
                Tone::Info,
                "Not found",
                format!("This definition has no {what}."),
            )
            .links([back_link("← All operations")]),
    )
}

fn operation_page(doc: &Value, ctx: &Ctx<'_>, key: &str) -> View {
    let ops = operations(doc);
    let Some(op) = ops.iter().find(|o| o.key == key).or_else(|| {
        // Also accept `METHOD path` for operations that have an id.
        ops.iter().find(|o| {
            format!("{} {}", o.method.to_ascii_uppercase(), o.path).eq_ignore_ascii_case(key)
        })
    }) else {
        return not_found(doc, ctx, &format!("operation `{key}`"));
    };
    let resolver = Resolver::new(doc);
    let swagger = is_swagger(doc);
    let method = op.method.to_ascii_uppercase();
    let mut head = Section::untitled();
    let mut badges = vec![method_badge(op.method)];
    if op.webhook {
        badges.push(Badge::new("webhook", Tone::Neutral));
    }
    if op.deprecated() {
        badges.push(deprecated_badge());
    }
    head = head.badges(badges);
    if let Some(summary) = op.op.str("summary") {
        head = head.text(cap(summary, 2000));
    }
    let mut fields = vec![Field::new(
        if op.webhook { "Webhook" } else { "Path" },
        code(op.path),
    )];
    if let Some(id) = op.op.str("operationId") {
        fields.push(Field::new("Operation ID", code(id)));
    }
    let tags = op.tags();
    fields.push(Field::new("Tags", text(tags.join(", "))));
    head = head.fields(fields);
    if let Some(description) = op.op.str("description").or(op.item.str("description")) {
        head = head.markdown(cap(description, MAX_MARKDOWN));
    }
    let mut links = vec![back_link("← All operations")];
    if let Some(tag) = tags.first().filter(|t| **t != UNTAGGED && **t != WEBHOOKS) {
        links.push(Link::view(format!("More in {tag}"), [("tag", *tag)]));
    }
    let docs = op.op.get("externalDocs");
    if let Some(url) = docs.str("url").filter(|u| u.starts_with("http")) {
        links.push(Link::url(
            docs.str("description").unwrap_or("External documentation"),
            url,
        ));
    }
    let mut view = View::new(format!("{method} {}", op.path)).section(head.links(links));

    // Parameters: the path item's, overridden by the operation's (same name and location).
    let mut params: Vec<&Value> = Vec::new();
    let mut notes = Vec::new();
    for raw in op
        .item
        .get("parameters")
        .items()
        .iter()
        .chain(op.op.get("parameters").items())
    {
        match resolver.deref(raw) {
            Ok((p, _)) => {
                let same =
                    |q: &&Value| q.str("name") == p.str("name") && q.str("in") == p.str("in");
                if let Some(i) = params.iter().position(same) {
                    params[i] = p;
                } else {
                    params.push(p);
                }
            }
            Err(e) => notes.push(e.to_string()),
        }
    }
    let body_param = params.iter().copied().find(|p| p.str("in") == Some("body"));
    let mut table =
        Table::new(["Name", "In", "Required", "Type", "Description"]).empty_text("No parameters.");
    for p in params.iter().filter(|p| p.str("in") != Some("body")) {
        // OpenAPI 3: `schema` (or `content`); Swagger 2: `type`/`items` on the parameter.
        let schema = if !p.get("schema").is_null() {
            p.get("schema")
        } else if let Some((_, media)) = p.get("content").entries().first() {
            media.get("schema")
        } else {
            p
        };
        let resolved = resolver.get(schema);
        let mut description = describe(
            p.str("description"),
            if schema.get("$ref").is_null() {
                schema
            } else {
                resolved
            },
        );
        if p.get("deprecated").as_bool() {
            description = format!("Deprecated. {description}");
        }
        table = table.row([
            code(p.str("name").unwrap_or("?")),
            text(p.str("in").unwrap_or("?")),
            text(if p.get("required").as_bool() {
                "yes"
            } else {
                "no"
            }),
            type_cell(schema),
            text(description),
        ]);
    }
    view = view.section(Section::new("Parameters").table(table));

    // Request body.
    if swagger {
        if let Some(body) = body_param {
            let mut section = Section::new("Request body");
            if let Some(d) = body.str("description") {
                section = section.markdown(cap(d, MAX_MARKDOWN));
            }
            section = section.field(
                "Required",
                if body.get("required").as_bool() {
                    "yes"
                } else {
                    "no"
                },
            );
            let consumes = media_list(op.op.get("consumes"), doc.get("consumes"));
            if !consumes.is_empty() {
                section = section.field("Content types", consumes.join(", "));
            }
            section
                .blocks
                .extend(schema_blocks(resolver, body.get("schema"), true));
            view = view.section(section);
        }
    } else {
        match resolver.deref(op.op.get("requestBody")) {
            Ok((body, _)) if body.is_object() => {
                let mut section = Section::new("Request body");
                if let Some(d) = body.str("description") {
                    section = section.markdown(cap(d, MAX_MARKDOWN));
                }
                section = section.field(
                    "Required",
                    if body.get("required").as_bool() {
                        "yes"
                    } else {
                        "no"
                    },
                );
                section
                    .blocks
                    .extend(content_blocks(resolver, body.get("content")));
                view = view.section(section);
            }
            Ok(_) => {}
            Err(e) => notes.push(e.to_string()),
        }
    }

    // Responses, one section each.
    for (status, raw) in op.op.get("responses").entries().iter().take(50) {
        let response = match resolver.deref(raw) {
            Ok((r, _)) => r,
            Err(e) => {
                notes.push(e.to_string());
                continue;
            }
        };
        let mut section = Section::new(format!("Response {status}"));
        if let Some(d) = response.str("description") {
            section = section.markdown(cap(d, MAX_MARKDOWN));
        }
        if swagger {
            if !response.get("schema").is_null() {
                let produces = media_list(op.op.get("produces"), doc.get("produces"));
                if !produces.is_empty() {
                    section = section.field("Content types", produces.join(", "));
                }
                section.blocks.extend(schema_blocks(
                    resolver,
                    response.get("schema"),
                    response.get("examples").entries().is_empty(),
                ));
            }
            for (media, example) in response.get("examples").entries().iter().take(3) {
                section = section.text(format!("Example ({media})"));
                section.blocks.push(example_block(example));
            }
        } else {
            section
                .blocks
                .extend(content_blocks(resolver, response.get("content")));
        }
        let headers = response.get("headers").entries();
        if !headers.is_empty() {
            let mut table = Table::new(["Header", "Type", "Description"]);
            for (name, header) in headers.iter().take(50) {
                let header = resolver.get(header);
                let schema = if header.get("schema").is_null() {
                    header
                } else {
                    header.get("schema")
                };
                table = table.row([
                    code(name.clone()),
                    type_cell(schema),
                    text(describe(header.str("description"), schema)),
                ]);
            }
            section = section.table(table);
        }
        view = view.section(section);
    }

    // Security: the operation's own, else the document's.
    let security = if op.op.get("security").is_null() {
        doc.get("security")
    } else {
        op.op.get("security")
    };
    if !security.is_null() {
        let mut table = Table::new(["Scheme", "Scopes"]).empty_text("No authentication required.");
        for requirement in security.items().iter().take(20) {
            let names: Vec<String> = requirement
                .entries()
                .iter()
                .map(|(k, _)| k.clone())
                .collect();
            let scopes: Vec<String> = requirement
                .entries()
                .iter()
                .flat_map(|(_, s)| s.items().iter().filter_map(Value::scalar_text))
                .collect();
            if names.is_empty() {
                table = table.row([text("none (optional authentication)"), Cell::Empty]);
            } else {
                table = table.row([code(names.join(" + ")), text(scopes.join(", "))]);
            }
        }
        view = view.section(Section::new("Security").table(table));
    }
    let callbacks: Vec<&str> = op
        .op
        .get("callbacks")
        .entries()
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    if !callbacks.is_empty() {
        view = view.section(Section::new("Callbacks").text(callbacks.join(", ")));
    }
    if !notes.is_empty() {
        notes.dedup();
        view = view.section(Section::untitled().notice(
            Tone::Warning,
            "Parts of this operation are not shown",
            notes.join("; "),
        ));
    }
    view
}

fn media_list(own: &Value, global: &Value) -> Vec<String> {
    let list = if own.is_null() { global } else { own };
    list.items().iter().filter_map(Value::scalar_text).collect()
}

/// The blocks for an OpenAPI 3 `content` map: the content types, the schema of the first
/// JSON-like one (or the first), and the examples of each.
fn content_blocks(resolver: Resolver<'_>, content: &Value) -> Vec<Block> {
    let entries = content.entries();
    if entries.is_empty() {
        return Vec::new();
    }
    let mut blocks = vec![Block::Fields(vec![Field::new(
        "Content types",
        entries
            .iter()
            .map(|(k, _)| k.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )])];
    let main = entries
        .iter()
        .find(|(k, m)| k.contains("json") && !m.get("schema").is_null())
        .or_else(|| entries.iter().find(|(_, m)| !m.get("schema").is_null()));
    if let Some((_, media)) = main {
        let explicit = entries
            .iter()
            .any(|(_, m)| !m.get("example").is_null() || !m.get("examples").is_null());
        blocks.extend(schema_blocks(resolver, media.get("schema"), !explicit));
    }
    let mut shown = 0;
    for (media_type, media) in entries {
        if shown >= 3 {
            break;
        }
        if let Some(example) = Some(media.get("example")).filter(|e| !e.is_null()) {
            blocks.push(Block::Text(format!("Example ({media_type})")));
            blocks.push(example_block(example));
            shown += 1;
        }
        for (name, example) in media
            .get("examples")
            .entries()
            .iter()
            .take(3 - shown.min(3))
        {
            let example = resolver.get(example);
            let label = example.str("summary").unwrap_or(name);
            if let Some(url) = example.str("externalValue") {
                blocks.push(Block::Text(format!(
                    "Example “{label}” ({media_type}): {url}"
                )));
            } else {
                blocks.push(Block::Text(format!("Example “{label}” ({media_type})")));
                blocks.push(example_block(example.get("value")));
            }
            shown += 1;
        }
    }
    blocks
}

pub fn schema_page(doc: &Value, name: &str) -> View {
    let Some((_, schema)) = named_schemas(doc).iter().find(|(n, _)| n == name) else {
        return View::new(format!("Schema {name}")).section(
            Section::untitled()
                .notice(
                    Tone::Info,
                    "Not found",
                    format!("This definition has no schema `{name}`."),
                )
                .links([back_link("← Overview")]),
        );
    };
    let resolver = Resolver::new(doc);
    let mut section = Section::untitled().links([back_link("← Overview")]);
    if let Some(d) = resolver.get(schema).str("description") {
        section = section.markdown(cap(d, MAX_MARKDOWN));
    }
    section.blocks.extend(schema_blocks(resolver, schema, true));
    View::new(format!("Schema {name}")).section(section)
}
