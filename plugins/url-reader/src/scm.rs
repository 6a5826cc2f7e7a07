//! URLs as Backstage's SCM integrations treat them: GitHub and GitLab blob URLs are read from
//! their raw endpoints, and relative targets resolve against the URL they were found in (a
//! leading `/` meaning the repository root for blob URLs).

use url::Url;

/// Which kind of source host a URL is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scm {
    GitHub,
    GitLab,
}

/// Known source hosts: github.com and gitlab.com plus the configured self-hosted ones.
#[derive(Debug, Clone, Default)]
pub struct Hosts {
    pub github: Vec<String>,
    pub gitlab: Vec<String>,
}

impl Hosts {
    /// The SCM `url` is on, by host (and port) name.
    pub fn scm(&self, url: &Url) -> Option<Scm> {
        let host = authority(url)?;
        let is = |list: &[String], public: &str| {
            host == public || list.iter().any(|h| h.eq_ignore_ascii_case(&host))
        };
        if is(&self.github, "github.com") {
            Some(Scm::GitHub)
        } else if is(&self.gitlab, "gitlab.com") {
            Some(Scm::GitLab)
        } else {
            None
        }
    }

    /// The URL to fetch for `target`: blob URLs become raw URLs, anything else is unchanged.
    ///
    /// - `github.com/O/R/blob/REF/PATH` → `raw.githubusercontent.com/O/R/REF/PATH`
    /// - GitHub Enterprise `HOST/O/R/blob/REF/PATH` → `HOST/raw/O/R/REF/PATH`
    /// - GitLab `HOST/G/…/R/-/blob/REF/PATH` → `HOST/G/…/R/-/raw/REF/PATH`
    pub fn raw_url(&self, target: &str) -> Result<String, String> {
        let mut url = Url::parse(target).map_err(|e| format!("invalid URL {target}: {e}"))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "unsupported URL scheme `{}` in {target} (only http and https)",
                url.scheme()
            ));
        }
        url.set_fragment(None);
        let segments: Vec<String> = url
            .path_segments()
            .map(|s| s.map(str::to_owned).collect())
            .unwrap_or_default();
        match self.scm(&url) {
            Some(Scm::GitHub) if segments.len() >= 5 && segments[2] == "blob" => {
                let rest = [&segments[..2], &segments[3..]].concat().join("/");
                if url.host_str() == Some("github.com") {
                    url.set_host(Some("raw.githubusercontent.com"))
                        .map_err(|e| e.to_string())?;
                    url.set_path(&rest);
                } else {
                    url.set_path(&format!("raw/{rest}"));
                }
            }
            Some(Scm::GitLab) => {
                if let Some(i) = segments
                    .windows(2)
                    .position(|w| w[0] == "-" && w[1] == "blob")
                {
                    let mut segments = segments;
                    segments[i + 1] = "raw".into();
                    url.set_path(&segments.join("/"));
                }
            }
            _ => {}
        }
        Ok(url.to_string())
    }
}

/// `host[:port]` of a URL, lower case.
pub fn authority(url: &Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

/// Resolves `target` against the URL `base` as Backstage's `defaultScmResolveUrl` does:
/// absolute URLs are kept; `/x` is relative to the repository root for GitHub/GitLab blob and
/// tree URLs (the host root otherwise); anything else resolves like a browser link, keeping
/// the base's query string.
pub fn resolve(base: &str, target: &str) -> Result<String, String> {
    if let Ok(absolute) = Url::parse(target) {
        return Ok(absolute.to_string());
    }
    let base_url = Url::parse(base).map_err(|e| format!("invalid URL {base}: {e}"))?;
    let mut resolved = if let Some(rest) = target.strip_prefix('/') {
        let mut root = base_url.clone();
        root.set_query(None);
        root.set_path(&format!("{}/", repo_root_path(&base_url)));
        root.join(rest)
    } else {
        base_url.join(target)
    }
    .map_err(|e| format!("could not form a URL out of {base} and {target}: {e}"))?;
    resolved.set_query(base_url.query());
    Ok(resolved.to_string())
}

/// The path of the repository root (with its ref) in a blob/tree URL, empty otherwise.
fn repo_root_path(url: &Url) -> String {
    let segments: Vec<&str> = url.path_segments().map(|s| s.collect()).unwrap_or_default();
    for (i, s) in segments.iter().enumerate() {
        if (*s == "blob" || *s == "tree") && i >= 2 && i + 1 < segments.len() {
            return format!("/{}", segments[..=i + 1].join("/"));
        }
    }
    String::new()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hosts() -> Hosts {
        Hosts {
            github: vec!["ghe.example.com".into()],
            gitlab: vec!["git.example.com:8443".into()],
        }
    }

    #[test]
    fn github_blob_urls_read_from_raw_githubusercontent() {
        assert_eq!(
            hosts()
                .raw_url("https://github.com/backstage/backstage/blob/master/packages/catalog-model/examples/all.yaml")
                .unwrap(),
            "https://raw.githubusercontent.com/backstage/backstage/master/packages/catalog-model/examples/all.yaml"
        );
    }

    #[test]
    fn enterprise_and_gitlab_blob_urls_use_their_raw_paths() {
        assert_eq!(
            hosts()
                .raw_url("https://ghe.example.com/o/r/blob/v1/a/b.yaml#L3")
                .unwrap(),
            "https://ghe.example.com/raw/o/r/v1/a/b.yaml"
        );
        assert_eq!(
            hosts()
                .raw_url("https://gitlab.com/g/sub/repo/-/blob/main/catalog-info.yaml")
                .unwrap(),
            "https://gitlab.com/g/sub/repo/-/raw/main/catalog-info.yaml"
        );
        assert_eq!(
            hosts()
                .raw_url("https://git.example.com:8443/g/r/-/blob/main/x.yaml?ref_type=heads")
                .unwrap(),
            "https://git.example.com:8443/g/r/-/raw/main/x.yaml?ref_type=heads"
        );
    }

    #[test]
    fn other_urls_are_fetched_as_written() {
        for url in [
            "https://example.com/o/r/blob/main/x.yaml",
            "https://raw.githubusercontent.com/o/r/main/x.yaml",
            "https://github.com/o/r/tree/main/dir",
            "http://127.0.0.1:8080/catalog.yaml?x=1",
        ] {
            assert_eq!(hosts().raw_url(url).unwrap(), url);
        }
        assert!(
            hosts()
                .raw_url("file:///etc/passwd")
                .unwrap_err()
                .contains("scheme")
        );
        assert!(hosts().raw_url("not a url").is_err());
    }

    #[test]
    fn relative_targets_resolve_like_backstage() {
        let base = "https://github.com/o/r/blob/main/catalog/all.yaml";
        assert_eq!(
            resolve(base, "./apis/x.yaml").unwrap(),
            "https://github.com/o/r/blob/main/catalog/apis/x.yaml"
        );
        assert_eq!(
            resolve(base, "../y.yaml").unwrap(),
            "https://github.com/o/r/blob/main/y.yaml"
        );
        assert_eq!(
            resolve(base, "/docs/z.yaml").unwrap(),
            "https://github.com/o/r/blob/main/docs/z.yaml"
        );
        assert_eq!(
            resolve("https://h.example/a/b.yaml?token=1", "c.yaml").unwrap(),
            "https://h.example/a/c.yaml?token=1"
        );
        assert_eq!(
            resolve("https://h.example/a/b.yaml", "/root.yaml").unwrap(),
            "https://h.example/root.yaml"
        );
        assert_eq!(
            resolve(base, "https://other.example/x.yaml").unwrap(),
            "https://other.example/x.yaml"
        );
    }
}
