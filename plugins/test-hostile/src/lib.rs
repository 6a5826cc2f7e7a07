//! Test fixture `test-hostile`: `render(view-id, entity, params)` misbehaves on purpose,
//! selected by `view-id` (see README.md for the table). Used by the host's tests to prove
//! that limits and capability checks hold and that one bad plugin harms nobody else.

use std::hint::black_box;

use portico_sdk::bindings::wasi::http::outgoing_handler;
use portico_sdk::bindings::wasi::http::types::{Fields, Method, OutgoingRequest, Scheme};
use portico_sdk::prelude::*;

portico_sdk::manifest!("plugin.toml");

struct Hostile;

impl Views for Hostile {
    /// The `ok` tab, plus one tab per view id listed in the entity's annotation
    /// `test.portico.dev/views` (comma-separated), so portal tests can put any view on a page.
    fn views_for(entity: Entity) -> Vec<ViewInfo> {
        let mut views = vec![ViewInfo::tab("ok", "Hostile")];
        if let Ok(descriptor) = entity.parse()
            && let Some(list) = descriptor.annotation(VIEWS_ANNOTATION)
        {
            for id in list.split(',').map(str::trim).filter(|id| !id.is_empty()) {
                views.push(ViewInfo::tab(id, format!("Hostile {id}")));
            }
        }
        views
    }

    fn render(view_id: String, entity: Entity, params: Vec<(String, String)>) -> Result<View> {
        let param = |name: &str| {
            params
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        let text = match view_id.as_str() {
            "ok" => format!("hello {}", entity.ref_.name),
            "payloads" => return Ok(payloads()),
            "loop" => endless_loop(),
            "grow-memory" => grow_memory(),
            "recursion" => format!("{}", recurse(black_box(0))),
            "panic" => panic!("test-hostile: panic on purpose"),
            "oversized" => {
                let bytes: usize = param("bytes")
                    .parse()
                    .map_err(|_| PluginError::invalid_input("`bytes` must be a number of bytes"))?;
                "x".repeat(bytes)
            }
            "http" => match http_get(param("url")) {
                Ok(status) => format!("ok {status}"),
                Err(error) => format!("error {error}"),
            },
            "secret" => reply(secrets::get(param("name")).map(|s| s.len().to_string())),
            "kv-get" => reply(kv::get(param("key")).map(|v| match v {
                Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
                None => "none".to_string(),
            })),
            "kv-set" => reply(
                kv::set(param("key"), param("value").as_bytes(), None)
                    .map(|()| param("value").to_string()),
            ),
            // The sandbox gives no environment, arguments or filesystem.
            "env" => format!(
                "env {} args {}",
                std::env::vars_os().count(),
                std::env::args_os().count()
            ),
            // A POST with a body through the SDK's HTTP helper.
            "sdk-post" => reply(
                portico_sdk::http::post(param("url"))
                    .json("probe")
                    .and_then(|request| request.send())
                    .map(|response| response.status.to_string()),
            ),
            "fs-read" => match std::fs::read(param("path")) {
                Ok(bytes) => format!("ok {}", bytes.len()),
                Err(error) => format!("error {error}"),
            },
            "fs-write" => match std::fs::write(param("path"), b"pwned") {
                Ok(()) => "ok".to_string(),
                Err(error) => format!("error {error}"),
            },
            other => return Err(PluginError::not_found(format!("no view `{other}`"))),
        };
        Ok(View::untitled().text(text))
    }
}

const VIEWS_ANNOTATION: &str = "test.portico.dev/views";

/// Script payloads in every node type and every string field of the view tree: the portal
/// must show them as text and run none of them.
fn payloads() -> View {
    const SCRIPT: &str = "<script>alert('xss-script')</script>";
    const IMG: &str = "\"><img src=x onerror=alert('xss-img')>";
    const JS_URL: &str = "javascript:alert('xss-url')";
    let link = |label: &str, url: &str| Link::url(label, url);
    let cells = || {
        vec![
            text(SCRIPT),
            Link::url(IMG, JS_URL).into(),
            Badge::new(SCRIPT, Tone::Danger).into(),
            Status::new(State::Error, IMG).into(),
            code(SCRIPT),
            timestamp(IMG),
            duration_ms(1500),
            Cell::Empty,
        ]
    };
    View::new(format!("payload view {SCRIPT}"))
        .section(
            Section::new(format!("section {IMG}"))
                .text(format!("text {SCRIPT} {IMG}"))
                .markdown(format!(
                    "markdown {SCRIPT}\n\n<img src=x onerror=alert('xss-md')>\n\n[md link](javascript:alert('xss-md-link')) [data](data:text/html,<script>alert(1)</script>)"
                ))
                .fields(
                    cells()
                        .into_iter()
                        .enumerate()
                        .map(|(i, cell)| Field::new(format!("field {i} {SCRIPT}"), cell)),
                )
                .table(
                    Table::new([SCRIPT, IMG, "badge", "status", "code", "time", "duration", "empty"])
                        .row(cells())
                        .empty_text(SCRIPT),
                )
                .links([
                    link(SCRIPT, JS_URL),
                    link("vbscript", "vbscript:msgbox(1)"),
                    link("data", "data:text/html,<script>alert('xss-data')</script>"),
                    link("protocol-relative", "//evil.example.com/x"),
                    link("tab", "java\tscript:alert('xss-tab')"),
                    Link::view(format!("view {IMG}"), [("q", SCRIPT)]),
                ])
                .badges([Badge::new(IMG, Tone::Warning)])
                .status(State::Warning, SCRIPT)
                .code("yaml", format!("key: {SCRIPT}\n# {IMG}"))
                .code(IMG, SCRIPT)
                .notice(Tone::Danger, SCRIPT, IMG)
                .action(SCRIPT, format!("x:{IMG}"), format!("{{\"a\": \"{SCRIPT}\"}}")),
        )
        .section(Section::untitled().table(Table::new([SCRIPT]).empty_text(IMG)))
}

/// `ok <value>` or `error <kind>: <message>`.
fn reply(result: Result<String>) -> String {
    match result {
        Ok(value) => format!("ok {value}"),
        Err(e) => format!("error {}: {}", e.kind.as_str(), e.message),
    }
}

fn endless_loop() -> ! {
    let mut n = 0u64;
    loop {
        n = black_box(n.wrapping_add(1));
    }
}

fn grow_memory() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        black_box(&hoard);
    }
}

/// Recursion that never ends in practice and cannot be turned into a loop: the result of
/// the inner call is used (no tail call), combined with a rotation (no accumulator rewrite),
/// and no local has its address taken, so each frame lives on the engine's native wasm stack
/// rather than Rust's shadow stack in linear memory. The engine therefore reports a stack
/// overflow ("call stack exhausted") rather than an out-of-bounds access.
#[inline(never)]
fn recurse(depth: u64) -> u64 {
    if depth == u64::MAX {
        return 0;
    }
    let inner = recurse(depth + 1);
    inner.rotate_left((inner & 63) as u32) ^ depth
}

/// GET `url` straight through `wasi:http` (not the SDK helper), so the test sees the exact
/// `error-code` the host returned: `Ok(status)` or `Err(debug string of the error)`.
fn http_get(url: &str) -> Result<u16, String> {
    let (scheme, rest) = url.split_once("://").ok_or("no scheme in url")?;
    let scheme = if scheme == "https" {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    let request = OutgoingRequest::new(Fields::new());
    request
        .set_method(&Method::Get)
        .map_err(|()| "bad method")?;
    request
        .set_scheme(Some(&scheme))
        .map_err(|()| "bad scheme")?;
    request
        .set_authority(Some(authority))
        .map_err(|()| "bad authority")?;
    request
        .set_path_with_query(Some(path))
        .map_err(|()| "bad path")?;
    let future = outgoing_handler::handle(request, None).map_err(|code| format!("{code:?}"))?;
    future.subscribe().block();
    match future.get() {
        Some(Ok(Ok(response))) => Ok(response.status()),
        Some(Ok(Err(code))) => Err(format!("{code:?}")),
        Some(Err(())) | None => Err("response already taken".to_string()),
    }
}

portico_sdk::export_entity_view!(Hostile);
