//! `Grants`: what an admin approved for one plugin, stored beside it; parsed from CLI grant
//! strings and always checked to be within what the plugin's manifest requests.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{Capability, CapabilityRequest, HostPattern, check_secret_name, join};

const GRANT_FORMS: &str = "http:HOST-PATTERN, http:* (every requested host), secrets:NAME, \
                           secrets:* (every requested secret), kv, catalog, docs-files, all (everything requested)";

/// Why a grant was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrantError {
    /// The grant string could not be read.
    #[error("grant {grant:?}: {problem}; write one of: {GRANT_FORMS}")]
    Syntax {
        /// The grant as written.
        grant: String,
        /// What is wrong.
        problem: String,
    },
    /// The grant asks for more than the manifest requests.
    #[error(
        "grant {grant:?} is more than the plugin requests ({requested}); an admin can only grant \
         what the plugin's manifest asks for — grant less, or ask the author to request it"
    )]
    NotRequested {
        /// The grant, in canonical form (`http:example.com`).
        grant: String,
        /// What the manifest requests for that capability.
        requested: String,
    },
}

/// What the admin approved for a plugin. Serialized with the installed plugin; deny by
/// default (`Grants::default()` allows nothing).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grants {
    /// Allowed outgoing HTTP destinations.
    pub http: Vec<HostPattern>,
    /// Secret names the plugin may read.
    pub secrets: Vec<String>,
    /// Access to its private key/value store.
    pub kv: bool,
    /// Read-only catalog access.
    pub catalog: bool,
    /// The entity's docs folder, mounted read-only for `docs-renderer` calls.
    pub docs_files: bool,
}

/// One parsed CLI grant string.
enum Spec {
    All,
    EveryHost,
    Host(HostPattern),
    EverySecret,
    Secret(String),
    Kv,
    Catalog,
    DocsFiles,
}

fn parse_spec(grant: &str) -> Result<Spec, GrantError> {
    let syntax = |problem: String| GrantError::Syntax {
        grant: grant.to_string(),
        problem,
    };
    let (kind, value) = match grant.split_once(':') {
        Some((k, v)) => (k, Some(v)),
        None => (grant, None),
    };
    match (kind, value) {
        ("all", None) => Ok(Spec::All),
        ("kv", None) => Ok(Spec::Kv),
        ("catalog", None) => Ok(Spec::Catalog),
        ("docs-files", None) => Ok(Spec::DocsFiles),
        ("http", Some("*")) => Ok(Spec::EveryHost),
        ("http", Some(p)) => HostPattern::parse(p)
            .map(Spec::Host)
            .map_err(|e| syntax(e.to_string())),
        ("secrets", Some("*")) => Ok(Spec::EverySecret),
        ("secrets", Some(n)) => check_secret_name(n)
            .map(|()| Spec::Secret(n.to_string()))
            .map_err(syntax),
        ("http" | "secrets", None) => Err(syntax(format!("`{kind}` needs a value after `:`"))),
        ("all" | "kv" | "catalog" | "docs-files", Some(_)) => {
            Err(syntax(format!("`{kind}` takes no value")))
        }
        _ => Err(syntax(format!("unknown capability {kind:?}"))),
    }
}

impl Grants {
    /// Everything the manifest requests (what `--grant all` or `--yes` approves).
    pub fn all_requested(requests: &[CapabilityRequest]) -> Grants {
        let mut grants = Grants::default();
        for request in requests {
            match &request.capability {
                Capability::Http { hosts } => grants.http.extend(hosts.iter().cloned()),
                Capability::Secrets { names } => grants.secrets.extend(names.iter().cloned()),
                Capability::Kv => grants.kv = true,
                Capability::Catalog => grants.catalog = true,
                Capability::DocsFiles => grants.docs_files = true,
            }
        }
        grants.dedup();
        grants
    }

    /// Parses CLI grant strings (`http:api.github.com`, `http:*`, `secrets:token`,
    /// `secrets:*`, `kv`, `catalog`, `all`) and checks them against what is requested.
    pub fn from_cli<S: AsRef<str>>(
        grants: &[S],
        requests: &[CapabilityRequest],
    ) -> Result<Grants, GrantError> {
        let requested = Grants::all_requested(requests);
        let mut out = Grants::default();
        for grant in grants {
            match parse_spec(grant.as_ref().trim())? {
                Spec::All => out.merge(&requested),
                Spec::EveryHost if requested.http.is_empty() => {
                    return Err(not_requested("http:*".into(), "no http".into()));
                }
                Spec::EveryHost => out.http.extend(requested.http.iter().cloned()),
                Spec::Host(p) => out.http.push(p),
                Spec::EverySecret if requested.secrets.is_empty() => {
                    return Err(not_requested("secrets:*".into(), "no secrets".into()));
                }
                Spec::EverySecret => out.secrets.extend(requested.secrets.iter().cloned()),
                Spec::Secret(name) => out.secrets.push(name),
                Spec::Kv => out.kv = true,
                Spec::Catalog => out.catalog = true,
                Spec::DocsFiles => out.docs_files = true,
            }
        }
        out.dedup();
        out.check_within(requests)?;
        Ok(out)
    }

    /// Checks that every grant is within what the manifest requests (a granted host pattern
    /// must be covered by a requested one: `api.example.org` is within `*.example.org`).
    /// Used at install and again on upgrade, when the new version may request less.
    pub fn check_within(&self, requests: &[CapabilityRequest]) -> Result<(), GrantError> {
        let requested = Grants::all_requested(requests);
        for host in &self.http {
            if !requested.http.iter().any(|r| host.is_within(r)) {
                let what = match requested.http.is_empty() {
                    true => "no http".to_string(),
                    false => format!("http: {}", join(&requested.http)),
                };
                return Err(not_requested(format!("http:{host}"), what));
            }
        }
        for name in &self.secrets {
            if !requested.secrets.contains(name) {
                let what = match requested.secrets.is_empty() {
                    true => "no secrets".to_string(),
                    false => format!("secrets: {}", requested.secrets.join(", ")),
                };
                return Err(not_requested(format!("secrets:{name}"), what));
            }
        }
        if self.kv && !requested.kv {
            return Err(not_requested("kv".into(), "no kv".into()));
        }
        if self.catalog && !requested.catalog {
            return Err(not_requested("catalog".into(), "no catalog".into()));
        }
        if self.docs_files && !requested.docs_files {
            return Err(not_requested("docs-files".into(), "no docs-files".into()));
        }
        Ok(())
    }

    /// Whether a request to `scheme://host[:port]` matches a granted pattern. The runtime
    /// must also refuse special IPs after DNS unless [`Grants::names_ip`] says otherwise.
    pub fn allows_http(&self, scheme: &str, host: &str, port: Option<u16>) -> bool {
        self.http.iter().any(|p| p.matches(scheme, host, port))
    }

    /// Whether a granted pattern names `ip` explicitly (literally, or `localhost` for loopback).
    pub fn names_ip(&self, ip: IpAddr) -> bool {
        self.http.iter().any(|p| p.explicitly_names(ip))
    }

    /// Whether the secret `name` was granted.
    pub fn allows_secret(&self, name: &str) -> bool {
        self.secrets.iter().any(|s| s == name)
    }

    /// Whether nothing at all is granted.
    pub fn is_empty(&self) -> bool {
        self.http.is_empty()
            && self.secrets.is_empty()
            && !self.kv
            && !self.catalog
            && !self.docs_files
    }

    /// The grants as capabilities, for display.
    pub fn capabilities(&self) -> Vec<Capability> {
        let mut out = Vec::new();
        if !self.http.is_empty() {
            out.push(Capability::Http {
                hosts: self.http.clone(),
            });
        }
        if !self.secrets.is_empty() {
            out.push(Capability::Secrets {
                names: self.secrets.clone(),
            });
        }
        if self.kv {
            out.push(Capability::Kv);
        }
        if self.catalog {
            out.push(Capability::Catalog);
        }
        if self.docs_files {
            out.push(Capability::DocsFiles);
        }
        out
    }

    fn merge(&mut self, other: &Grants) {
        self.http.extend(other.http.iter().cloned());
        self.secrets.extend(other.secrets.iter().cloned());
        self.kv |= other.kv;
        self.catalog |= other.catalog;
        self.docs_files |= other.docs_files;
    }

    fn dedup(&mut self) {
        let mut seen = Vec::new();
        self.http.retain(|p| {
            let new = !seen.contains(p);
            seen.push(p.clone());
            new
        });
        let mut seen = Vec::new();
        self.secrets.retain(|s| {
            let new = !seen.contains(s);
            seen.push(s.clone());
            new
        });
    }
}

fn not_requested(grant: String, requested: String) -> GrantError {
    GrantError::NotRequested { grant, requested }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn requests() -> Vec<CapabilityRequest> {
        let hosts = [
            "status.example.com",
            "*.example.org:8443",
            "https://api.github.com",
        ];
        vec![
            CapabilityRequest {
                capability: Capability::Http {
                    hosts: hosts
                        .iter()
                        .map(|h| HostPattern::parse(h).unwrap())
                        .collect(),
                },
                reason: "poll status".into(),
            },
            CapabilityRequest {
                capability: Capability::Secrets {
                    names: vec!["status-token".into(), "other".into()],
                },
                reason: "auth".into(),
            },
            CapabilityRequest {
                capability: Capability::Kv,
                reason: "cache".into(),
            },
        ]
    }

    #[test]
    fn all_grants_everything_requested_and_nothing_else() {
        let g = Grants::from_cli(&["all"], &requests()).unwrap();
        assert_eq!(g.http.len(), 3);
        assert_eq!(g.secrets, ["status-token", "other"]);
        assert!(g.kv);
        assert!(!g.catalog);
        assert_eq!(g, Grants::all_requested(&requests()));
        assert!(Grants::from_cli(&["all"], &[]).unwrap().is_empty());
    }

    #[test]
    fn individual_grants() {
        let g = Grants::from_cli(
            &["http:api.eu.example.org:8443", "secrets:other", "kv", "kv"],
            &requests(),
        )
        .unwrap();
        assert_eq!(g.http.len(), 1);
        assert!(g.allows_http("https", "api.eu.example.org", Some(8443)));
        assert!(!g.allows_http("https", "status.example.com", None));
        assert!(g.allows_secret("other"));
        assert!(!g.allows_secret("status-token"));
        assert!(g.kv);
        let g = Grants::from_cli(&["http:*", "secrets:*"], &requests()).unwrap();
        assert_eq!(g.http.len(), 3);
        assert_eq!(g.secrets.len(), 2);
        assert!(
            Grants::from_cli::<&str>(&[], &requests())
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn granting_more_than_requested_is_refused() {
        let cases = [
            ("http:evil.com", "http: status.example.com"),
            ("http:example.org:8443", "*.example.org:8443"),
            ("http:a.example.org", "http:"),
            ("http:http://api.github.com", "https://api.github.com"),
            ("http:*.example.com", "http:"),
            ("secrets:root-password", "secrets: status-token, other"),
            ("catalog", "no catalog"),
            ("docs-files", "no docs-files"),
        ];
        for (grant, expect) in cases {
            let err = Grants::from_cli(&[grant], &requests()).unwrap_err();
            assert!(
                matches!(err, GrantError::NotRequested { .. }),
                "{grant}: {err}"
            );
            let msg = err.to_string();
            assert!(msg.contains("more than the plugin requests"), "{msg}");
            assert!(msg.contains(expect), "{grant}: {msg}");
        }
        let err = Grants::from_cli(&["http:*"], &[]).unwrap_err();
        assert!(err.to_string().contains("no http"), "{err}");
        let err = Grants::from_cli(&["kv"], &[]).unwrap_err();
        assert!(err.to_string().contains("\"kv\""), "{err}");
    }

    #[test]
    fn malformed_grants_explain_the_forms() {
        for (grant, expect) in [
            ("network", "unknown capability"),
            ("http", "needs a value"),
            ("secrets:", "cannot be empty"),
            ("kv:x", "takes no value"),
            ("docs-files:/etc", "takes no value"),
            ("http:*.*", "not a valid host pattern"),
            ("secrets:a b", "contains ' '"),
            ("", "unknown capability"),
            ("ALL", "unknown capability"),
        ] {
            let err = Grants::from_cli(&[grant], &requests()).unwrap_err();
            let msg = err.to_string();
            assert!(matches!(err, GrantError::Syntax { .. }), "{msg}");
            assert!(msg.contains(expect), "{grant}: {msg}");
            assert!(msg.contains("http:* (every requested host)"), "{msg}");
        }
    }

    #[test]
    fn stored_grants_are_rechecked_against_a_new_manifest() {
        let g = Grants::all_requested(&requests());
        assert!(g.check_within(&requests()).is_ok());
        let fewer = &requests()[2..];
        assert!(matches!(
            g.check_within(fewer),
            Err(GrantError::NotRequested { .. })
        ));
    }

    #[test]
    fn docs_files_is_granted_only_when_requested() {
        let mut requests = requests();
        requests.push(CapabilityRequest {
            capability: Capability::DocsFiles,
            reason: "read the docs folder".into(),
        });
        let g = Grants::from_cli(&["docs-files"], &requests).unwrap();
        assert!(g.docs_files && !g.kv && !g.is_empty());
        assert_eq!(g.capabilities(), [Capability::DocsFiles]);
        assert!(Grants::from_cli(&["all"], &requests).unwrap().docs_files);
        assert!(!Grants::all_requested(&self::requests()).docs_files);
        // Grants stored before the capability existed still load, without it.
        let old: Grants = serde_json::from_str(r#"{"kv":true}"#).unwrap();
        assert!(!old.docs_files);
    }

    #[test]
    fn grants_serialize_for_storage() {
        let g = Grants::from_cli(&["all"], &requests()).unwrap();
        let json = serde_json::to_string(&g).unwrap();
        assert!(json.contains("\"*.example.org:8443\""), "{json}");
        assert_eq!(serde_json::from_str::<Grants>(&json).unwrap(), g);
        assert_eq!(
            serde_json::from_str::<Grants>("{}").unwrap(),
            Grants::default()
        );
        assert!(serde_json::from_str::<Grants>(r#"{"fs":true}"#).is_err());
        assert!(serde_json::from_str::<Grants>(r#"{"http":["*.*"]}"#).is_err());
    }

    #[test]
    fn special_ips_need_explicit_names() {
        let req = vec![CapabilityRequest {
            capability: Capability::Http {
                hosts: vec![
                    HostPattern::parse("*").unwrap(),
                    HostPattern::parse("127.0.0.1:*").unwrap(),
                ],
            },
            reason: "r".into(),
        }];
        let g = Grants::from_cli(&["http:*"], &req).unwrap();
        assert!(g.names_ip("127.0.0.1".parse().unwrap()));
        assert!(!g.names_ip("169.254.169.254".parse().unwrap()));
        let g = Grants::from_cli(&["http:example.com"], &req).unwrap();
        assert!(!g.names_ip("127.0.0.1".parse().unwrap()));
    }
}
