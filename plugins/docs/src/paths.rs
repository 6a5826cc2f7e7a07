//! Paths inside a docs site: always relative, `/`-separated, normalized, and never above the
//! site's root. Every path that comes from outside (a page requested by the host, a link or a
//! `nav` entry in Markdown) goes through [`normalize`] before it is used.

/// `path` joined onto the directory `base` and normalized; `None` when it climbs above the
/// root, is absolute, or holds a backslash or a NUL (never valid in a docs path).
pub fn join(base_dir: &str, path: &str) -> Option<String> {
    if path.starts_with('/') {
        return None;
    }
    let joined = match base_dir.is_empty() {
        true => path.to_string(),
        false => format!("{base_dir}/{path}"),
    };
    normalize(&joined)
}

/// Resolves `.` and `..` and drops empty segments; `None` for a path that escapes the root,
/// is absolute, or contains `\` or NUL.
pub fn normalize(path: &str) -> Option<String> {
    if path.starts_with('/') || path.contains('\\') || path.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            other => parts.push(other),
        }
    }
    Some(parts.join("/"))
}

/// The directory part of a file path (`a/b.md` → `a`, `b.md` → ``).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(dir, _)| dir).unwrap_or("")
}

/// The last segment of a path.
pub fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map(|(_, name)| name).unwrap_or(path)
}

/// Whether a file name is a Markdown page.
pub fn is_markdown(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".md") || lower.ends_with(".markdown")
}

/// Whether a file name is a directory's index page (`index.md`, `README.md`).
pub fn is_index(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "index.md" | "readme.md" | "index.markdown" | "readme.markdown"
    )
}

/// The page path of a Markdown file, as MkDocs' directory URLs have it: `guides/setup.md` →
/// `guides/setup`, `guides/index.md` → `guides`, `index.md` → `` (the site's index).
pub fn page_path(file: &str) -> String {
    let name = file_name(file);
    if is_index(name) {
        return parent(file).to_string();
    }
    let stem = name
        .rsplit_once('.')
        .filter(|_| is_markdown(name))
        .map(|(stem, _)| stem)
        .unwrap_or(name);
    match parent(file) {
        "" => stem.to_string(),
        dir => format!("{dir}/{stem}"),
    }
}

/// The files that may hold page `path`, in the order they are tried.
pub fn candidate_files(path: &str) -> Vec<String> {
    let prefix = match path.is_empty() {
        true => String::new(),
        false => format!("{path}/"),
    };
    let mut out = Vec::new();
    if is_markdown(path) {
        out.push(path.to_string());
    }
    if !path.is_empty() {
        out.push(format!("{path}.md"));
    }
    out.push(format!("{prefix}index.md"));
    out.push(format!("{prefix}README.md"));
    out
}

/// A title from a file or directory name: `getting-started.md` → `Getting started`.
pub fn title_from_name(name: &str) -> String {
    let stem = match is_markdown(name) {
        true => name.rsplit_once('.').map(|(s, _)| s).unwrap_or(name),
        false => name,
    };
    let words = stem.replace(['-', '_'], " ");
    let mut chars = words.trim().chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizing_refuses_escapes() {
        assert_eq!(normalize("a/./b//c").as_deref(), Some("a/b/c"));
        assert_eq!(normalize("a/../b").as_deref(), Some("b"));
        assert_eq!(normalize("").as_deref(), Some(""));
        assert_eq!(normalize(".."), None);
        assert_eq!(normalize("a/../../etc/passwd"), None);
        assert_eq!(normalize("/etc/passwd"), None);
        assert_eq!(normalize("a\\..\\b"), None);
        assert_eq!(normalize("a\0b"), None);
        assert_eq!(join("guides", "../index.md").as_deref(), Some("index.md"));
        assert_eq!(join("guides", "../../x.md"), None);
        assert_eq!(join("", "x/y.md").as_deref(), Some("x/y.md"));
    }

    #[test]
    fn page_paths_follow_directory_urls() {
        assert_eq!(page_path("index.md"), "");
        assert_eq!(page_path("README.md"), "");
        assert_eq!(page_path("guides/index.md"), "guides");
        assert_eq!(page_path("guides/setup.md"), "guides/setup");
        assert_eq!(page_path("a.markdown"), "a");
        assert_eq!(candidate_files(""), ["index.md", "README.md"]);
        assert_eq!(
            candidate_files("guides/setup"),
            [
                "guides/setup.md",
                "guides/setup/index.md",
                "guides/setup/README.md"
            ]
        );
        assert_eq!(candidate_files("x.md")[0], "x.md");
    }

    #[test]
    fn titles_from_names() {
        assert_eq!(title_from_name("getting-started.md"), "Getting started");
        assert_eq!(title_from_name("api_reference"), "Api reference");
    }
}
