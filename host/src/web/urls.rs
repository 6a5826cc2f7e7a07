//! URLs in pages: which link targets are allowed, and the portal's own paths.
//!
//! Every `href` the portal writes from data (entity links, plugin views, Markdown, config)
//! goes through [`safe_href`]: http(s), mailto and paths within the portal only, so no
//! `javascript:`, `data:` or protocol-relative URL can reach a page.

/// `url` if it is safe to put in an `href`, else `None`.
///
/// Allowed: `http:`/`https:`/`mailto:` URLs and relative references that stay on this origin
/// (`/catalog`, `?page=2`, `#top`, `docs/x`). Refused: any other scheme, `//host` (which
/// leaves the portal), backslashes (browsers read `/\host` as `//host`), and whitespace or
/// control characters (browsers strip them, so `java\tscript:` would run).
pub fn safe_href(url: &str) -> Option<&str> {
    if url.is_empty()
        || url.len() > 8192
        || url
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    {
        return None;
    }
    match scheme(url) {
        Some(scheme) => {
            let scheme = scheme.to_ascii_lowercase();
            let allowed = match scheme.as_str() {
                "http" | "https" => {
                    url[scheme.len() + 1..].starts_with("//") && url.len() > scheme.len() + 3
                }
                "mailto" => true,
                _ => false,
            };
            allowed.then_some(url)
        }
        None if url.starts_with("//") => None,
        None => Some(url),
    }
}

/// Whether `url` leaves the portal (absolute http(s) or mailto).
pub fn is_external(url: &str) -> bool {
    scheme(url).is_some()
}

/// The scheme of `url` (the part before the first `:`, when it comes before any `/?#`).
fn scheme(url: &str) -> Option<&str> {
    let end = url.find([':', '/', '?', '#'])?;
    if url.as_bytes()[end] != b':' {
        return None;
    }
    Some(&url[..end])
}

/// A path segment, percent-encoded.
pub fn segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A query string from pairs (`a=1&b=2`), each part percent-encoded.
pub fn query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", segment(k), segment(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The portal page of an entity: `/catalog/{namespace}/{kind}/{name}` (Backstage's shape).
pub fn entity_path(kind: &str, namespace: &str, name: &str) -> String {
    format!(
        "/catalog/{}/{}/{}",
        segment(&namespace.to_lowercase()),
        segment(&kind.to_lowercase()),
        segment(name)
    )
}

/// The page of an entity given its ref (`kind:namespace/name`, `kind:name`, or `name` with a
/// default kind). `None` when the ref is malformed.
pub fn entity_ref_path(entity_ref: &str, default_kind: Option<&str>) -> Option<String> {
    let context = portico_catalog::refs::RefContext::new(default_kind, Some("default"));
    let r = portico_catalog::EntityRef::parse(entity_ref, context).ok()?;
    Some(entity_path(&r.kind, &r.namespace, &r.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_hrefs_are_kept() {
        for url in [
            "https://example.com/x?y=1#z",
            "http://localhost:7007",
            "HTTPS://EXAMPLE.COM",
            "mailto:team@example.com",
            "/catalog/default/component/x",
            "?page=2",
            "#overview",
            "docs/index.html",
        ] {
            assert_eq!(safe_href(url), Some(url), "{url}");
        }
    }

    #[test]
    fn dangerous_hrefs_are_refused() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            " javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "//evil.example.com",
            "/\\evil.example.com",
            "https:evil.example.com",
            "http://",
            "file:///etc/passwd",
            "",
        ] {
            assert_eq!(safe_href(url), None, "{url:?}");
        }
    }

    #[test]
    fn entity_paths_are_encoded() {
        assert_eq!(
            entity_path("Component", "default", "a b/c"),
            "/catalog/default/component/a%20b%2Fc"
        );
        assert_eq!(
            entity_ref_path("group:team-a", None).as_deref(),
            Some("/catalog/default/group/team-a")
        );
        assert_eq!(
            entity_ref_path("team-a", Some("group")).as_deref(),
            Some("/catalog/default/group/team-a")
        );
    }
}
