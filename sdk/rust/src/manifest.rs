//! The plugin manifest, shipped inside the component as the custom section `portico:manifest`.
//!
//! [`manifest!`](crate::manifest!) embeds the TOML text of a `plugin.toml` with
//! `#[unsafe(link_section = "portico:manifest")]`. `wasm-ld` keeps the section in the core
//! module and `wit-component` (run by `wasm-component-ld` for `wasm32-wasip2`) keeps it when it
//! wraps that module into a component, so the section ends up inside the component's main
//! (first) nested core module, not at the component's top level.

/// Name of the custom section that holds the manifest's TOML text.
pub const SECTION_NAME: &str = "portico:manifest";

/// Copies a string into a byte array at compile time (used by [`manifest!`](crate::manifest!)).
pub const fn to_bytes<const N: usize>(s: &str) -> [u8; N] {
    let bytes = s.as_bytes();
    assert!(bytes.len() == N, "manifest length mismatch");
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = bytes[i];
        i += 1;
    }
    out
}

/// The string value of a top-level `key = "value"` line of a manifest (before any `[table]`).
///
/// A deliberately small reader for a plugin that wants its own id or version at run time,
/// e.g. `manifest::top_level(MANIFEST, "version")`; it does not handle escapes or
/// multi-line strings.
pub fn top_level<'a>(manifest: &'a str, key: &str) -> Option<&'a str> {
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            return None;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.trim() != key {
            continue;
        }
        let v = v.trim();
        let quote = v.chars().next()?;
        if quote != '"' && quote != '\'' {
            return None;
        }
        let rest = &v[1..];
        return rest.find(quote).map(|end| &rest[..end]);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_bytes_copies() {
        const B: [u8; 3] = to_bytes("abc");
        assert_eq!(&B, b"abc");
    }

    #[test]
    fn top_level_reads_strings_before_tables() {
        let m = "id = \"echo\" # the id\nversion='0.2.0'\n[capabilities.http]\nname = \"no\"\n";
        assert_eq!(top_level(m, "id"), Some("echo"));
        assert_eq!(top_level(m, "version"), Some("0.2.0"));
        assert_eq!(top_level(m, "name"), None);
    }
}
