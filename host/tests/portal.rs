//! The portal's pages over HTTP: every route's status and key content, escaping of entity
//! and plugin content, security headers, the admin sign-in, CSRF and plugin install flow,
//! and the organization's template overrides and theme. (The same pages in a real browser:
//! `portal_browser.rs`.)

mod common;

use common::TestHost;
use portico_storage::OrgId;
use reqwest::redirect::Policy;
use serde_json::json;
use std::net::SocketAddr;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";

/// Serves `host` with the given portal and admin token.
async fn serve(
    host: &TestHost,
    portal: portico::web::Portal,
    admin_token: Option<&str>,
) -> SocketAddr {
    host.serve_portal(admin_token.map(str::to_string), portal)
        .await
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn get(addr: SocketAddr, path: &str) -> (u16, reqwest::header::HeaderMap, String) {
    let response = client()
        .get(format!("http://{addr}{path}"))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

const SCRIPT: &str = "<script>alert('entity')</script>";

/// An entity whose every displayed field holds a payload, through a provider run.
fn ingest_hostile_entity(host: &TestHost, views: &str) {
    let entity = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": {
            "name": "hostile-service",
            "title": format!("Title {SCRIPT}"),
            "description": format!("Description {SCRIPT} <img src=x onerror=alert('d')> [md](javascript:alert('md'))"),
            "annotations": {
                "backstage.io/source-location": "url:javascript:alert('annotation')",
                "backstage.io/view-url": "https://example.com/view?<script>",
                "example.com/note": SCRIPT,
                "test.portico.dev/views": views,
            },
            "labels": { "tier": "one" },
            "tags": ["safe-tag"],
            "links": [
                { "url": "javascript:alert('link')", "title": format!("Bad link {SCRIPT}") },
                { "url": "https://example.com/good", "title": "Good link" },
            ],
        },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" },
    });
    let report = host
        .catalog
        .apply_provider(&OrgId::default_org(), "portal-test", vec![entity])
        .unwrap();
    assert_eq!(report.created, 1, "{report:?}");
}

/// No tag in `html` was made from a payload: no script or img element, no event handler
/// attribute, no link to a refused scheme. (Payload *text* is expected: it is escaped.)
fn assert_inert(html: &str, context: &str) {
    for tag in html
        .split('<')
        .skip(1)
        .map(|t| t.split('>').next().unwrap_or_default())
    {
        let lower = tag.to_ascii_lowercase();
        let name = lower.split_whitespace().next().unwrap_or_default();
        assert!(
            name != "img" && name != "iframe" && name != "object",
            "{context}: <{tag}>"
        );
        assert!(
            name != "script" || lower.contains("src=\"/static/"),
            "{context}: <{tag}>"
        );
        for (attribute, value) in attributes(&lower) {
            assert!(!attribute.starts_with("on"), "{context}: <{tag}>");
            assert!(attribute != "style", "{context}: <{tag}>");
            if attribute == "href" || attribute == "src" {
                for scheme in ["javascript:", "data:", "vbscript:", "//"] {
                    assert!(!value.starts_with(scheme), "{context}: <{tag}>");
                }
            }
        }
    }
}

/// The attributes of a start tag's text (after `<`), as (name, value) outside quotes.
fn attributes(tag: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = tag
        .split_once(char::is_whitespace)
        .map(|(_, r)| r)
        .unwrap_or("");
    loop {
        rest = rest.trim_start();
        let end = rest
            .find(|c: char| c == '=' || c.is_whitespace())
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        let name = rest[..end].trim_end_matches('/').to_string();
        rest = &rest[end..];
        let mut value = String::new();
        if let Some(after) = rest.trim_start().strip_prefix('=') {
            let after = after.trim_start();
            let (v, r) = match after.chars().next() {
                Some(q @ ('"' | '\'')) => {
                    let close = after[1..].find(q).map(|i| i + 1).unwrap_or(after.len());
                    (&after[1..close], after.get(close + 1..).unwrap_or(""))
                }
                _ => {
                    let e = after.find(char::is_whitespace).unwrap_or(after.len());
                    (&after[..e], &after[e..])
                }
            };
            value = v.to_string();
            rest = r;
        }
        out.push((name, value));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_renders_with_security_headers() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    for (path, expect) in [
        ("/", "Recently changed"),
        ("/catalog", "entities"),
        ("/catalog/default/component/artist-lookup", "Artist Lookup"),
        ("/catalog/default/component/artist-lookup/yaml", "tok-key"),
        (
            "/catalog/default/component/artist-lookup/history",
            "Revision 1",
        ),
        ("/catalog/default/api/petstore/definition", "API definition"),
        ("/admin/plugins", "Install a plugin"),
    ] {
        let (status, headers, body) = get(addr, path).await;
        assert_eq!(status, 200, "{path}: {body}");
        assert!(body.contains(expect), "{path} lacks {expect:?}:\n{body}");
        assert_eq!(headers["content-security-policy"], CSP, "{path}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["x-frame-options"], "DENY", "{path}");
        assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        assert!(
            !body.contains("style=\""),
            "{path}: inline style would break the CSP"
        );
        assert!(
            !body.contains("<script>"),
            "{path}: inline script would break the CSP"
        );
    }
    let (status, headers, body) = get(addr, "/static/app.css").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/css; charset=utf-8");
    assert!(body.contains("--accent"));
    let (status, headers, _) = get(addr, "/static/app.js").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "text/javascript; charset=utf-8");
    assert_eq!(get(addr, "/static/../Cargo.toml").await.0, 404);
    assert_eq!(get(addr, "/static/nope.css").await.0, 404);
    assert_eq!(get(addr, "/theme.css").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_entity_page_shows_header_relations_and_errors() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let (status, _, body) = get(addr, "/catalog/default/component/artist-lookup").await;
    assert_eq!(status, 200);
    // Header: kind, owner link, lifecycle, tags, links.
    assert!(
        body.contains("href=\"/catalog/default/group/team-a\""),
        "{body}"
    );
    assert!(body.contains("lifecycle-experimental"), "{body}");
    assert!(body.contains("href=\"/catalog?tag=java\""), "{body}");
    assert!(
        body.contains("href=\"https://example.com/dashboard\""),
        "{body}"
    );
    // The relations graph is server-made SVG linking to the related entities.
    assert!(body.contains("<svg class=\"graph\""), "{body}");
    assert!(body.contains(">ownedBy</text>"), "{body}");
    // Tabs.
    for tab in [
        "/catalog/default/component/artist-lookup/yaml",
        "/catalog/default/component/artist-lookup/history",
    ] {
        assert!(body.contains(&format!("href=\"{tab}\"")), "{tab}");
    }
    let (status, _, _) = get(addr, "/catalog/default/component/artist-lookup/nope").await;
    assert_eq!(status, 404);
    // The example catalog's invalid component carries processing errors only while pending;
    // an entity with status.items shows them.
    let entity = json!({
        "apiVersion": "backstage.io/v1alpha1", "kind": "Component",
        "metadata": { "name": "with-errors" },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" },
        "status": { "items": [{ "type": "backstage.io/catalog-processing", "level": "error",
            "message": "InputError: bad <b>thing</b>", "error": { "name": "InputError", "message": "bad <b>thing</b>" } }] },
    });
    host.catalog
        .apply_provider(&OrgId::default_org(), "errors-test", vec![entity])
        .unwrap();
    let (_, _, body) = get(addr, "/catalog/default/component/with-errors").await;
    if body.contains("processing errors") {
        assert!(body.contains("bad &lt;b&gt;thing&lt;/b&gt;"), "{body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalog_filters_searches_sorts_and_pages_from_the_url() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let rows = |body: &str| body.matches("class=\"entity-link\"").count();

    let (status, _, all) = get(addr, "/catalog?size=100").await;
    assert_eq!(status, 200);
    assert!(all.contains("data-facet=\"kind\""), "{all}");
    assert!(all.contains("data-facet=\"owner\""));

    let (_, _, components) = get(addr, "/catalog?kind=component&size=100").await;
    let component_rows = rows(&components);
    assert!(component_rows >= 10, "{component_rows} components");
    assert!(
        !components.contains("class=\"kind-pill\">API<"),
        "only components: {components}"
    );
    assert!(
        components.contains("aria-current=\"true\""),
        "the selected facet is marked"
    );
    // Two values of one facet widen the result.
    let (_, _, both) = get(addr, "/catalog?kind=component&kind=api&size=100").await;
    assert!(rows(&both) > component_rows);

    let (_, _, search) = get(addr, "/catalog?q=artist").await;
    assert!(search.contains("artist-lookup"), "{search}");
    assert!(!search.contains(">petstore<"), "{search}");
    assert!(
        search.contains("value=\"artist\""),
        "the term stays in the box"
    );
    let (_, _, both) = get(addr, "/catalog?q=artist&kind=component").await;
    assert!(
        both.contains("href=\"/catalog?kind&#x3D;component\" title=\"Remove the search term\""),
        "the search chip removes only the term: {both}"
    );

    // Sorting by owner keeps the entities without an owner (after the others).
    let (_, _, by_owner) = get(addr, "/catalog?sort=owner&size=100").await;
    let (_, _, by_name) = get(addr, "/catalog?size=100").await;
    assert_eq!(rows(&by_owner), rows(&by_name));
    let (_, _, desc) = get(addr, "/catalog?sort=name&dir=desc").await;
    assert!(desc.contains("aria-sort=\"descending\""));

    let (_, _, page1) = get(addr, "/catalog?size=25").await;
    let (_, _, page2) = get(addr, "/catalog?size=25&page=2").await;
    assert_eq!(rows(&page1), 25);
    assert!(page2.contains("rel=\"prev\""));
    // handlebars escapes `=` in attributes; the browser reads `&#x3D;` as `=`.
    assert!(page1.contains("href=\"/catalog?page&#x3D;2\""), "{page1}");
    let first_of_page2 = page2
        .split("class=\"entity-link\"")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert!(!page1.contains(first_of_page2), "pages do not overlap");

    assert!(
        page1.contains("href=\"/catalog?size&#x3D;50\""),
        "page sizes: {page1}"
    );
    let (_, _, fifty) = get(addr, "/catalog?size=50").await;
    assert_eq!(rows(&fifty), 50);

    let (status, _, _) = get(addr, "/catalog?page=notanumber").await;
    assert_eq!(status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_are_useful_404s() {
    let host = TestHost::new();
    host.ingest_corpus();
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let (status, headers, body) = get(addr, "/catalog/default/component/artist-lookp").await;
    assert_eq!(status, 404);
    assert_eq!(headers["content-security-policy"], CSP);
    assert!(body.contains("Did you mean"), "{body}");
    assert!(
        body.contains("href=\"/catalog/default/component/artist-lookup\""),
        "{body}"
    );

    let (status, _, body) = get(addr, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(body.contains("There is no page at /no/such/page"), "{body}");
    let (status, headers, body) = get(addr, "/api/nothing-here").await;
    assert_eq!(status, 404);
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert!(body.contains("NotFoundError"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entity_and_plugin_content_is_escaped() {
    let host = TestHost::new();
    host.install(portico_bundled_plugins::fixtures::TEST_HOSTILE, &[]);
    ingest_hostile_entity(&host, "payloads,loop");
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let base = "/catalog/default/component/hostile-service";

    let (status, _, body) = get(addr, base).await;
    assert_eq!(status, 200);
    assert_inert(&body, "entity page");
    assert!(body.contains("Title &lt;script&gt;"), "{body}");
    assert!(body.contains("Description &lt;script&gt;"), "{body}");
    assert!(body.contains("href=\"https://example.com/good\""));
    assert!(
        body.contains("Bad link &lt;script&gt;"),
        "the refused link keeps its title"
    );
    // Plugin tabs are listed and their content is left to the fragment.
    assert!(
        body.contains(&format!("href=\"{base}/views/test-hostile/payloads\"")),
        "{body}"
    );
    assert!(
        body.contains(&format!("href=\"{base}/views/test-hostile/loop\"")),
        "{body}"
    );
    for path in ["yaml", "history"] {
        let (status, _, body) = get(addr, &format!("{base}/{path}")).await;
        assert_eq!(status, 200);
        assert_inert(&body, path);
    }

    let (status, _, tab) = get(addr, &format!("{base}/views/test-hostile/payloads")).await;
    assert_eq!(status, 200);
    assert!(
        tab.contains(&format!(
            "data-fragment=\"/fragments{base}/views/test-hostile/payloads\""
        )),
        "{tab}"
    );

    let fragment = client()
        .get(format!(
            "http://{addr}/fragments{base}/views/test-hostile/payloads"
        ))
        .header("x-portico-fragment", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(fragment.status(), 200);
    assert_eq!(fragment.headers()["content-security-policy"], CSP);
    let html = fragment.text().await.unwrap();
    assert!(!html.contains("<html"), "a bare fragment");
    assert_inert(&html, "payload view");
    assert!(html.contains("payload view &lt;script&gt;"), "{html}");
    assert!(html.contains("<table"), "{html}");
    assert!(html.contains("class=\"link-refused\""), "{html}");
    assert!(
        html.contains(&format!(
            "href=\"{base}/views/test-hostile/payloads?q&#x3D;%3Cscript%3E"
        )),
        "view links stay on the view: {html}"
    );

    // Without the script's header the same URL is a page of its own (the no-JS fallback).
    let (status, _, page) = get(
        addr,
        &format!("/fragments{base}/views/test-hostile/payloads"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(page.contains("<html"));
    assert_inert(&page, "payload page");

    // A plugin that never answers gets an error card after its deadline.
    let response = client()
        .get(format!(
            "http://{addr}/fragments{base}/views/test-hostile/loop"
        ))
        .header("x-portico-fragment", "1")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(html.contains("data-plugin-error=\"deadline\""), "{html}");
    assert!(html.contains("The plugin took too long"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_entities_show_their_definition_and_the_api_docs_tab() {
    let host = TestHost::new();
    host.ingest_corpus();
    let api_docs = portico_bundled_plugins::bundled("api-docs").unwrap();
    let path = host.dir.path().join("api-docs.wasm");
    std::fs::write(&path, api_docs.bytes).unwrap();
    host.install(path.to_str().unwrap(), &[]);
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let (_, _, page) = get(addr, "/catalog/default/api/petstore").await;
    assert!(
        page.contains("href=\"/catalog/default/api/petstore/definition\""),
        "{page}"
    );
    assert!(
        page.contains("href=\"/catalog/default/api/petstore/views/api-docs/"),
        "{page}"
    );
    let (_, _, definition) = get(addr, "/catalog/default/api/petstore/definition").await;
    assert!(
        definition.contains("<span class=\"tok-key\">openapi</span>"),
        "{definition}"
    );
    let view = page
        .split("href=\"/catalog/default/api/petstore/views/api-docs/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let response = client()
        .get(format!(
            "http://{addr}/fragments/catalog/default/api/petstore/views/api-docs/{view}"
        ))
        .header("x-portico-fragment", "1")
        .send()
        .await
        .unwrap();
    let html = response.text().await.unwrap();
    assert!(!html.contains("data-plugin-error"), "{html}");
    assert!(html.contains("/pets"), "the operations are listed: {html}");
}

/// The `portico_admin` cookie and the CSRF token of an admin page.
async fn admin_session(
    addr: SocketAddr,
    cookie: Option<&str>,
    path: &str,
) -> (String, String, String) {
    let mut request = client().get(format!("http://{addr}{path}"));
    if let Some(cookie) = cookie {
        request = request.header("cookie", cookie);
    }
    let response = request.send().await.unwrap();
    let set = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
    let cookie = set
        .or(cookie.map(str::to_string))
        .expect("a session cookie");
    let body = response.text().await.unwrap();
    let csrf = body
        .split("name=\"_csrf\" value=\"")
        .nth(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .unwrap_or_default();
    (cookie, csrf, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_need_the_token_and_a_csrf_token() {
    let host = TestHost::new();
    host.install(portico_bundled_plugins::fixtures::TEST_ECHO_V1, &[]);
    let addr = serve(
        &host,
        portico::web::Portal::default(),
        Some("s3cret-admin-token"),
    )
    .await;

    let response = client()
        .get(format!("http://{addr}/admin/plugins"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/admin/sign-in?next=%2Fadmin%2Fplugins"
    );
    let set_cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"),
        "{set_cookie}"
    );

    let (cookie, csrf, body) = admin_session(addr, None, "/admin/sign-in").await;
    assert!(body.contains("Admin token"), "{body}");
    let sign_in = |token: &str, csrf: &str| {
        client()
            .post(format!("http://{addr}/admin/sign-in"))
            .header("cookie", &cookie)
            .form(&[
                ("_csrf", csrf),
                ("token", token),
                ("next", "/admin/plugins"),
            ])
            .send()
    };
    assert_eq!(sign_in("wrong", &csrf).await.unwrap().status(), 401);
    assert_eq!(
        sign_in("s3cret-admin-token", "bad-csrf")
            .await
            .unwrap()
            .status(),
        403
    );
    let ok = sign_in("s3cret-admin-token", &csrf).await.unwrap();
    assert_eq!(ok.status(), 303);
    let signed_in = ok.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(signed_in, cookie, "the session id changes at sign-in");

    let (cookie, csrf, body) = admin_session(addr, Some(&signed_in), "/admin/plugins").await;
    assert!(body.contains("data-plugin-id=\"test-echo\""), "{body}");
    let disable = |csrf: String, origin: Option<&'static str>| {
        let mut request = client()
            .post(format!("http://{addr}/admin/plugins/test-echo/disable"))
            .header("cookie", &cookie)
            .form(&[("_csrf", csrf)]);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        request.send()
    };
    assert_eq!(disable("forged".into(), None).await.unwrap().status(), 403);
    assert_eq!(
        disable(csrf.clone(), Some("https://evil.example"))
            .await
            .unwrap()
            .status(),
        403
    );
    assert!(host.manager.get("test-echo").unwrap().unwrap().enabled);
    let done = disable(csrf.clone(), None).await.unwrap();
    assert_eq!(done.status(), 303);
    assert!(!host.manager.get("test-echo").unwrap().unwrap().enabled);
    // Sign-out ends the session.
    let out = client()
        .post(format!("http://{addr}/admin/sign-out"))
        .header("cookie", &cookie)
        .form(&[("_csrf", csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), 303);
    let again = client()
        .get(format!("http://{addr}/admin/plugins"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 303);
}

fn multipart(csrf: &str, file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----porticotestboundary7d9";
    let mut body = Vec::new();
    body.extend(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n")
            .as_bytes(),
    );
    body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/wasm\r\n\r\n").as_bytes());
    body.extend(bytes);
    body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_installs_an_uploaded_plugin_after_approval() {
    let host = TestHost::new();
    host.install(portico_bundled_plugins::fixtures::TEST_ECHO_V1, &[]);
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let (cookie, csrf, _) = admin_session(addr, None, "/admin/plugins").await;

    let upload = |bytes: Vec<u8>, csrf: String| {
        let (content_type, body) = multipart(&csrf, "plugin.wasm", &bytes);
        client()
            .post(format!("http://{addr}/admin/plugins/upload"))
            .header("cookie", &cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let not_wasm = upload(b"not a component".to_vec(), csrf.clone())
        .await
        .unwrap();
    assert_eq!(not_wasm.status(), 400);
    assert!(
        not_wasm
            .text()
            .await
            .unwrap()
            .contains("is not a Portico plugin")
    );
    let bytes = std::fs::read(portico_bundled_plugins::fixtures::TEST_HOSTILE).unwrap();
    assert_eq!(
        upload(bytes.clone(), "forged".into())
            .await
            .unwrap()
            .status(),
        403
    );
    let uploaded = upload(bytes, csrf.clone()).await.unwrap();
    assert_eq!(uploaded.status(), 303);
    let approve_path = uploaded.headers()["location"].to_str().unwrap().to_string();
    assert!(approve_path.starts_with("/admin/plugins/install/"));
    assert!(
        host.manager.get("test-hostile").unwrap().is_none(),
        "nothing installed before approval"
    );

    let (_, _, page) = admin_session(addr, Some(&cookie), &approve_path).await;
    assert!(page.contains("Install Test hostile"), "{page}");
    assert!(
        page.contains("value=\"http:example.com\" checked"),
        "{page}"
    );
    assert!(
        page.contains("value=\"secrets:allowed-secret\" checked"),
        "{page}"
    );
    assert!(page.contains("value=\"kv\" checked"), "{page}");
    // Any-host patterns are offered but never pre-selected.
    assert!(page.contains("any host"), "{page}");
    assert!(!page.contains("value=\"http:*:*\" checked"), "{page}");

    // Another session cannot approve it.
    let (other_cookie, other_csrf, _) = admin_session(addr, None, "/admin/plugins").await;
    let stolen = client()
        .post(format!("http://{addr}{approve_path}"))
        .header("cookie", &other_cookie)
        .form(&[("_csrf", other_csrf.as_str()), ("grant", "kv")])
        .send()
        .await
        .unwrap();
    assert_eq!(stolen.status(), 404);

    let approved = client()
        .post(format!("http://{addr}{approve_path}"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", csrf.as_str()),
            ("grant", "kv"),
            ("grant", "http:example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(approved.status(), 303);
    let record = host
        .manager
        .get("test-hostile")
        .unwrap()
        .expect("installed");
    assert!(record.current.grants.kv);
    assert_eq!(record.current.grants.http.len(), 1);
    assert!(
        record.current.grants.secrets.is_empty(),
        "only what was approved"
    );
    let (_, _, list) = admin_session(
        addr,
        Some(&cookie),
        "/admin/plugins?notice=installed&plugin=test-hostile",
    )
    .await;
    assert!(list.contains("Installed test-hostile."), "{list}");
    assert!(list.contains("data-plugin-id=\"test-hostile\""));
    assert!(list.contains("entity-view"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn organization_overrides_and_theme_take_effect_and_broken_ones_fall_back() {
    let host = TestHost::new();
    host.ingest_corpus();
    let dir = tempfile::tempdir().unwrap();
    let templates = dir.path().join("templates/partials");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::create_dir_all(dir.path().join("static")).unwrap();
    std::fs::write(
        templates.join("footer.hbs"),
        "<footer class=\"footer\">Acme internal portal · {{site.name}}</footer>",
    )
    .unwrap();
    // Does not parse: skipped, the built-in catalog page is used.
    std::fs::write(dir.path().join("templates/catalog.hbs"), "{{#if}}broken").unwrap();
    // Parses but fails at render time (a partial that does not exist).
    std::fs::write(
        dir.path().join("templates/home.hbs"),
        "{{> partials/does-not-exist}}",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("static/acme.svg"),
        "<svg xmlns=\"http://www.w3.org/2000/svg\"/>",
    )
    .unwrap();
    let config = portico::config::Config::parse(
        &format!(
            "portal:\n  name: Acme Portal\n  logo: /static/acme.svg\n  colors:\n    accent: \"#dc2626\"\n  dark_colors:\n    accent: \"#f87171\"\n  links:\n    - {{ title: Runbooks, url: https://runbooks.acme.example }}\n  overrides: {}\n",
            dir.path().display()
        ),
        "portico.yaml",
    )
    .unwrap();
    let addr = serve(&host, portico::web::Portal::new(&config.portal), None).await;

    let (status, _, home) = get(addr, "/").await;
    assert_eq!(status, 200, "the broken home override falls back: {home}");
    assert!(home.contains("Find anything in Acme Portal"), "{home}");
    assert!(
        home.contains("Acme internal portal · Acme Portal"),
        "the valid footer override stays in effect: {home}"
    );
    assert!(home.contains("href=\"https://runbooks.acme.example\""));
    assert!(home.contains("src=\"/static/acme.svg\""));
    let (status, _, catalog) = get(addr, "/catalog").await;
    assert_eq!(status, 200);
    assert!(catalog.contains("Acme internal portal"), "{catalog}");
    let (_, _, css) = get(addr, "/theme.css").await;
    assert!(css.contains("--accent: #dc2626;"), "{css}");
    assert!(css.contains("--accent: #f87171;"), "{css}");
    let (status, headers, _) = get(addr, "/static/acme.svg").await;
    assert_eq!(status, 200);
    assert_eq!(headers["content-type"], "image/svg+xml");

    let (_, _, admin) = get(addr, "/admin/plugins").await;
    assert!(admin.contains("data-template-problems"), "{admin}");
    assert!(admin.contains("catalog"), "{admin}");
    assert!(
        admin.contains("partials/does-not-exist") || admin.contains("home"),
        "{admin}"
    );

    // Bad theme values are refused when the config is read.
    let err = portico::config::Config::parse(
        "portal:\n  colors:\n    accent: \"red; } body { x: y\"\n",
        "portico.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("portal.colors.accent"), "{err}");
    let err = portico::config::Config::parse(
        "portal:\n  links:\n    - { title: x, url: \"javascript:alert(1)\" }\n",
        "portico.yaml",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("portal.links[0].url"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_catalog_keeps_pages_small_and_sorting_complete() {
    let host = TestHost::new();
    let entities = portico_catalog::synthetic::generate(7, 4_000);
    let count = entities.len();
    host.catalog
        .apply_provider(&OrgId::default_org(), "synthetic", entities)
        .unwrap();
    let addr = serve(&host, portico::web::Portal::default(), None).await;
    let (status, _, page) = get(addr, "/catalog").await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("of {count} entities")), "{page}");
    // Over a hundred owners: 8 shown, 40 more listed, the rest summarised.
    let owner_values = host
        .catalog
        .entity_facets(
            &OrgId::default_org(),
            &portico_catalog::api::FacetsRequest {
                facet: vec!["spec.owner".into()],
                ..Default::default()
            },
        )
        .unwrap()
        .facets["spec.owner"]
        .len();
    assert!(owner_values > 48, "{owner_values} owners");
    let owners = page
        .split("data-facet=\"owner\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    assert_eq!(
        owners.matches("class=\"facet-value").count(),
        48,
        "{owners}"
    );
    assert!(
        owners.contains(&format!(
            "{} less common values are not listed",
            owner_values - 48
        )),
        "{owners}"
    );
    // Sorting by owner pages through every entity, the ones without an owner last.
    let rows = |body: &str| body.matches("class=\"entity-link\"").count();
    let pages = count.div_ceil(100);
    let mut seen = 0;
    for page in 1..=pages {
        let (_, _, body) = get(addr, &format!("/catalog?sort=owner&size=100&page={page}")).await;
        seen += rows(&body);
    }
    assert_eq!(seen, count);
    let (_, _, last) = get(addr, &format!("/catalog?sort=owner&size=100&page={pages}")).await;
    assert!(
        last.contains("class=\"kind-pill\">User<") || last.contains("class=\"kind-pill\">Group<"),
        "entities without an owner come last"
    );
}
