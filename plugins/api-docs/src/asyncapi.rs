//! AsyncAPI 2.x (channels with publish/subscribe) and 3.x (channels with messages, operations
//! with send/receive): the overview (info, servers, channels, operations) and one page per
//! channel (`channel=<name>`) with its parameters, operations and message payloads.

use portico_sdk::prelude::*;

use crate::common::{
    Ctx, MAX_MARKDOWN, back_link, cap, info_section, method_badge, one_line, pager,
    security_schemes_section,
};
use crate::schema::{Resolver, describe, example_block, ref_name, schema_blocks, type_cell};
use crate::value::Value;

fn v3(doc: &Value) -> bool {
    doc.get("asyncapi")
        .scalar_text()
        .is_some_and(|v| v.starts_with('3'))
}

/// An operation on a channel: `publish`/`subscribe` (2.x) or `send`/`receive` (3.x).
struct Op<'a> {
    id: Option<&'a str>,
    action: &'a str,
    channel: &'a str,
    op: &'a Value,
}

fn ops<'a>(doc: &'a Value, resolver: Resolver<'a>) -> Vec<Op<'a>> {
    let mut out = Vec::new();
    if v3(doc) {
        for (id, raw) in doc.get("operations").entries() {
            let op = resolver.get(raw);
            let channel = op
                .get("channel")
                .get("$ref")
                .as_str()
                .and_then(|r| r.strip_prefix("#/channels/"))
                .unwrap_or("?");
            out.push(Op {
                id: Some(id.as_str()),
                action: op.str("action").unwrap_or("?"),
                channel,
                op,
            });
        }
    } else {
        for (name, channel) in doc.get("channels").entries() {
            let channel = resolver.get(channel);
            for action in ["publish", "subscribe"] {
                let op = channel.get(action);
                if op.is_object() {
                    out.push(Op {
                        id: op.str("operationId"),
                        action,
                        channel: name,
                        op,
                    });
                }
            }
        }
    }
    out
}

/// The messages of an operation (2.x `message`, possibly `oneOf`; 3.x `messages` refs), each
/// resolved, with its name.
fn messages<'a>(resolver: Resolver<'a>, node: &'a Value) -> Vec<(String, &'a Value)> {
    let mut out = Vec::new();
    let mut push = |raw: &'a Value, fallback: String| {
        let name = raw.get("$ref").as_str().map(ref_name);
        let message = resolver.get(raw);
        let name = message
            .str("name")
            .map(str::to_string)
            .or(name)
            .unwrap_or(fallback);
        out.push((name, message));
    };
    match node {
        Value::Array(items) => {
            for (i, raw) in items.iter().enumerate() {
                push(raw, format!("message {}", i + 1));
            }
        }
        _ => {
            let resolved = resolver.get(node);
            let one_of = resolved.get("oneOf").items();
            if one_of.is_empty() {
                push(node, "message".into());
            } else {
                for (i, raw) in one_of.iter().enumerate() {
                    push(raw, format!("message {}", i + 1));
                }
            }
        }
    }
    out
}

/// The messages of a 3.x channel (a map of name to message).
fn channel_messages<'a>(resolver: Resolver<'a>, map: &'a Value) -> Vec<(String, &'a Value)> {
    map.entries()
        .iter()
        .map(|(key, raw)| {
            let message = resolver.get(raw);
            (message.str("name").unwrap_or(key).to_string(), message)
        })
        .collect()
}

fn op_messages<'a>(
    doc: &'a Value,
    resolver: Resolver<'a>,
    op: &Op<'a>,
) -> Vec<(String, &'a Value)> {
    if v3(doc) {
        let listed = op.op.get("messages");
        if listed.items().is_empty() {
            // No list: every message of the channel.
            let channel = resolver.get(doc.get("channels").get(op.channel));
            return channel_messages(resolver, channel.get("messages"));
        }
        messages(resolver, listed)
    } else if op.op.get("message").is_null() {
        Vec::new()
    } else {
        messages(resolver, op.op.get("message"))
    }
}

pub fn render(doc: &Value, ctx: &Ctx<'_>) -> View {
    if let Some(name) = ctx.param("channel") {
        return channel_page(doc, ctx, name);
    }
    if let Some(name) = ctx.param("schema") {
        return crate::openapi::schema_page(doc, name);
    }
    overview(doc, ctx)
}

fn title(doc: &Value, ctx: &Ctx<'_>) -> String {
    doc.get("info")
        .str("title")
        .unwrap_or(ctx.entity_title)
        .to_string()
}

fn channel_address<'a>(name: &'a str, channel: &'a Value) -> &'a str {
    channel.str("address").unwrap_or(name)
}

fn overview(doc: &Value, ctx: &Ctx<'_>) -> View {
    let resolver = Resolver::new(doc);
    let label = format!(
        "AsyncAPI {}",
        doc.get("asyncapi").scalar_text().unwrap_or_default()
    );
    let mut view = View::new(title(doc, ctx)).section(info_section(doc, label));
    if let Some(content_type) = doc.str("defaultContentType") {
        view = view.block(Block::Fields(vec![Field::new(
            "Default content type",
            code(content_type),
        )]));
    }

    let servers = doc.get("servers").entries();
    if !servers.is_empty() {
        let mut table = Table::new(["Name", "URL", "Protocol", "Description"]);
        for (name, server) in servers.iter().take(50) {
            let server = resolver.get(server);
            // 2.x `url`; 3.x `host` + `pathname`.
            let url = match server.str("url") {
                Some(url) => url.to_string(),
                None => format!(
                    "{}{}",
                    server.str("host").unwrap_or("?"),
                    server.str("pathname").unwrap_or("")
                ),
            };
            let protocol = match (
                server.str("protocol"),
                server.get("protocolVersion").scalar_text(),
            ) {
                (Some(p), Some(v)) => format!("{p} {v}"),
                (Some(p), None) => p.to_string(),
                _ => String::new(),
            };
            table = table.row([
                code(name.clone()),
                code(url),
                text(protocol),
                text(server.str("description").map(one_line).unwrap_or_default()),
            ]);
        }
        view = view.section(Section::new("Servers").table(table));
    }

    let all_ops = ops(doc, resolver);
    let channels = doc.get("channels").entries();
    let per_page = ctx.per_page.max(1);
    let pages = channels.len().div_ceil(per_page).max(1);
    let page = ctx.page().min(pages);
    let mut table =
        Table::new(["Channel", "Operations", "Messages", "Description"]).empty_text("No channels.");
    for (name, raw) in channels.iter().skip((page - 1) * per_page).take(per_page) {
        let channel = resolver.get(raw);
        let mut actions: Vec<String> = Vec::new();
        let mut names: Vec<String> = Vec::new();
        for op in all_ops.iter().filter(|o| o.channel == name) {
            actions.push(op.action.to_string());
            for (m, _) in op_messages(doc, resolver, op) {
                if !names.contains(&m) {
                    names.push(m);
                }
            }
        }
        if v3(doc) {
            for (m, _) in channel_messages(resolver, channel.get("messages")) {
                if !names.contains(&m) {
                    names.push(m);
                }
            }
        }
        let badges = if actions.is_empty() {
            Cell::Empty
        } else {
            // One cell holds one value: the first action as a badge, the rest as text.
            actions.dedup();
            if actions.len() == 1 {
                method_badge(&actions[0]).into()
            } else {
                text(actions.join(", "))
            }
        };
        table = table.row([
            Link::view(channel_address(name, channel), [("channel", name.as_str())]).into(),
            badges,
            text(names.join(", ")),
            text(channel.str("description").map(one_line).unwrap_or_default()),
        ]);
    }
    view = view.section(Section::new("Channels").table(table));
    if let Some(p) = pager(page, per_page, channels.len(), "channels", &[]) {
        view = view.section(p);
    }

    if v3(doc) && !all_ops.is_empty() && page == 1 {
        let mut table = Table::new(["Operation", "Action", "Channel", "Summary"]);
        for op in all_ops.iter().take(per_page) {
            let channel = resolver.get(doc.get("channels").get(op.channel));
            table = table.row([
                code(op.id.unwrap_or("?")),
                method_badge(op.action).into(),
                Link::view(
                    channel_address(op.channel, channel),
                    [("channel", op.channel)],
                )
                .into(),
                text(
                    op.op
                        .str("summary")
                        .or(op.op.str("title"))
                        .map(one_line)
                        .unwrap_or_default(),
                ),
            ]);
        }
        view = view.section(Section::new("Operations").table(table));
    }
    if let Some(section) = security_schemes_section(doc.get("components").get("securitySchemes")) {
        view = view.section(section);
    }
    view
}

fn channel_page(doc: &Value, ctx: &Ctx<'_>, name: &str) -> View {
    let resolver = Resolver::new(doc);
    let Some((_, raw)) = doc
        .get("channels")
        .entries()
        .iter()
        .find(|(n, _)| n == name)
    else {
        return View::new(title(doc, ctx)).section(
            Section::untitled()
                .notice(
                    Tone::Info,
                    "Not found",
                    format!("This definition has no channel `{name}`."),
                )
                .links([back_link("← All channels")]),
        );
    };
    let channel = resolver.get(raw);
    let mut head = Section::untitled().links([back_link("← All channels")]);
    head = head.field("Channel", code(channel_address(name, channel)));
    if let Some(d) = channel.str("description") {
        head = head.markdown(cap(d, MAX_MARKDOWN));
    }
    let mut view = View::new(channel_address(name, channel).to_string()).section(head);

    let parameters = channel.get("parameters").entries();
    if !parameters.is_empty() {
        let mut table = Table::new(["Name", "Type", "Description"]);
        for (pname, raw) in parameters.iter().take(50) {
            let p = resolver.get(raw);
            let schema = if p.get("schema").is_null() {
                p
            } else {
                p.get("schema")
            };
            table = table.row([
                code(pname.clone()),
                type_cell(schema),
                text(describe(p.str("description"), resolver.get(schema))),
            ]);
        }
        view = view.section(Section::new("Parameters").table(table));
    }

    let all_ops = ops(doc, resolver);
    let mut shown_messages: Vec<String> = Vec::new();
    for op in all_ops.iter().filter(|o| o.channel == name) {
        let heading = match op.id {
            Some(id) => format!("{} · {id}", op.action),
            None => op.action.to_string(),
        };
        let mut section = Section::new(heading).badges([method_badge(op.action)]);
        if let Some(s) = op.op.str("summary") {
            section = section.text(cap(s, 2000));
        }
        if let Some(d) = op.op.str("description") {
            section = section.markdown(cap(d, MAX_MARKDOWN));
        }
        let msgs = op_messages(doc, resolver, op);
        if !msgs.is_empty() {
            section = section.field(
                "Messages",
                msgs.iter()
                    .map(|(n, _)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            );
        }
        view = view.section(section);
        for (mname, message) in msgs {
            if !shown_messages.contains(&mname) {
                view = view.section(message_section(resolver, &mname, message));
                shown_messages.push(mname);
            }
        }
    }
    if v3(doc) {
        for (mname, message) in channel_messages(resolver, channel.get("messages")) {
            if !shown_messages.contains(&mname) {
                view = view.section(message_section(resolver, &mname, message));
                shown_messages.push(mname);
            }
        }
    }
    view
}

fn message_section(resolver: Resolver<'_>, name: &str, message: &Value) -> Section {
    let mut section = Section::new(format!("Message {name}"));
    let mut fields = Vec::new();
    if let Some(t) = message.str("title") {
        fields.push(Field::new("Title", t));
    }
    if let Some(c) = message.str("contentType") {
        fields.push(Field::new("Content type", code(c)));
    }
    if !fields.is_empty() {
        section = section.fields(fields);
    }
    if let Some(s) = message.str("summary") {
        section = section.text(cap(s, 2000));
    }
    if let Some(d) = message.str("description") {
        section = section.markdown(cap(d, MAX_MARKDOWN));
    }
    // 3.x may wrap the payload in a multi-format schema object.
    let payload = message.get("payload");
    let payload = if payload.get("schemaFormat").is_null() {
        payload
    } else {
        payload.get("schema")
    };
    if !payload.is_null() {
        section = section.text("Payload");
        section.blocks.extend(schema_blocks(
            resolver,
            payload,
            message.get("examples").items().is_empty(),
        ));
    }
    // Headers, from the message or its traits.
    let mut headers = message.get("headers");
    if headers.is_null() {
        for t in message.get("traits").items() {
            let t = resolver.get(t);
            if !t.get("headers").is_null() {
                headers = t.get("headers");
                break;
            }
        }
    }
    if !headers.is_null() {
        section = section.text("Headers");
        section
            .blocks
            .extend(schema_blocks(resolver, headers, false));
    }
    for example in message.get("examples").items().iter().take(3) {
        let label = example
            .str("name")
            .or(example.str("summary"))
            .unwrap_or("Example");
        if !example.get("payload").is_null() {
            section = section.text(format!("Example “{label}”"));
            section.blocks.push(example_block(example.get("payload")));
        }
    }
    section
}
