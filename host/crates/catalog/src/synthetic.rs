//! Realistic synthetic catalogs for tests and benchmarks: Domains, Systems, Components, APIs,
//! Resources, Groups and Users with owners and relations, deterministic by seed and size.
//!
//! Every generated entity validates against the built-in kinds, and every reference points to
//! an entity of the same catalog, so relations resolve both ways.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};

const WORDS: &[&str] = &[
    "alpha", "billing", "cart", "delta", "edge", "feed", "gateway", "hub", "identity", "jobs",
    "kiosk", "ledger", "media", "notify", "orders", "payments", "quotes", "search", "tickets",
    "users", "vault", "wallet", "xray", "yield", "zone", "audio", "playlist", "artist", "podcast",
    "catalog",
];
const TAGS: &[&str] = &[
    "java",
    "go",
    "rust",
    "python",
    "typescript",
    "kafka",
    "grpc",
    "postgres",
    "redis",
    "react",
];
const LIFECYCLES: &[&str] = &["production", "experimental", "deprecated"];
const COMPONENT_TYPES: &[&str] = &["service", "website", "library"];
const API_TYPES: &[&str] = &["openapi", "grpc", "asyncapi", "graphql"];
const RESOURCE_TYPES: &[&str] = &["database", "s3-bucket", "queue"];

/// SplitMix64: tiny, fast, deterministic.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn words(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

/// How many entities of each kind a catalog of `size` has (summing to `size`).
pub fn kind_counts(size: usize) -> [(&'static str, usize); 7] {
    let part = |pct: usize| (size * pct / 100).max(usize::from(size > 0));
    let groups = part(3);
    let users = part(10);
    let domains = part(1);
    let systems = part(4);
    let apis = part(22);
    let resources = part(10);
    let used = groups + users + domains + systems + apis + resources;
    let components = size.saturating_sub(used);
    [
        ("Group", groups),
        ("User", users),
        ("Domain", domains),
        ("System", systems),
        ("API", apis),
        ("Resource", resources),
        ("Component", components),
    ]
}

/// A catalog of about `size` entities (exactly `size` for `size >= 100`).
pub fn generate(seed: u64, size: usize) -> Vec<Value> {
    let mut rng = Rng(seed ^ 0x5EED);
    let counts = kind_counts(size);
    let n = |kind: &str| counts.iter().find(|(k, _)| *k == kind).map_or(0, |c| c.1);
    let (groups, users, domains, systems, apis, resources, components) = (
        n("Group"),
        n("User"),
        n("Domain"),
        n("System"),
        n("API"),
        n("Resource"),
        n("Component"),
    );
    let mut out = Vec::with_capacity(size);
    let group = |i: usize| format!("team-{i}");
    for i in 0..groups {
        let mut spec =
            json!({"type": if i == 0 { "organization" } else { "team" }, "children": []});
        if i > 0 {
            spec["parent"] = json!(group((i - 1) / 4));
        }
        spec["profile"] = json!({"displayName": format!("Team {}", words(&mut rng, 1))});
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Group",
            "metadata": {"name": group(i), "description": format!("The {} team", words(&mut rng, 2))},
            "spec": spec,
        }));
    }
    for i in 0..users {
        let g = group(rng.below(groups));
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "User",
            "metadata": {"name": format!("user-{i}")},
            "spec": {
                "profile": {"displayName": format!("User {i}"), "email": format!("user-{i}@example.com")},
                "memberOf": [g],
            },
        }));
    }
    let owner = |rng: &mut Rng| group(rng.below(groups));
    for i in 0..domains {
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Domain",
            "metadata": {"name": format!("domain-{i}"), "title": format!("Domain {}", words(&mut rng, 1))},
            "spec": {"owner": owner(&mut rng)},
        }));
    }
    for i in 0..systems {
        let domain = format!("domain-{}", rng.below(domains));
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "System",
            "metadata": {"name": format!("system-{i}"), "description": words(&mut rng, 4)},
            "spec": {"owner": owner(&mut rng), "domain": domain},
        }));
    }
    for i in 0..apis {
        let system = format!("system-{}", rng.below(systems));
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "API",
            "metadata": {
                "name": format!("api-{i}"),
                "description": format!("The {} API", words(&mut rng, 2)),
                "tags": [rng.pick(TAGS)],
            },
            "spec": {
                "type": rng.pick(API_TYPES),
                "lifecycle": rng.pick(LIFECYCLES),
                "owner": owner(&mut rng),
                "system": system,
                "definition": format!("openapi: 3.0.0\ninfo:\n  title: api-{i}\n"),
            },
        }));
    }
    for i in 0..resources {
        let system = format!("system-{}", rng.below(systems));
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Resource",
            "metadata": {"name": format!("resource-{i}"), "description": words(&mut rng, 3)},
            "spec": {"type": rng.pick(RESOURCE_TYPES), "owner": owner(&mut rng), "system": system},
        }));
    }
    for i in 0..components {
        let system = format!("system-{}", rng.below(systems));
        let mut tags = vec![rng.pick(TAGS)];
        let second = rng.pick(TAGS);
        if second != tags[0] {
            tags.push(second);
        }
        let mut spec = json!({
            "type": rng.pick(COMPONENT_TYPES),
            "lifecycle": rng.pick(LIFECYCLES),
            "owner": owner(&mut rng),
            "system": system,
        });
        if apis > 0 {
            spec["providesApis"] = json!([format!("api-{}", rng.below(apis))]);
            spec["consumesApis"] = json!([format!("api-{}", rng.below(apis))]);
        }
        if resources > 0 {
            spec["dependsOn"] = json!([format!("resource:resource-{}", rng.below(resources))]);
        }
        out.push(json!({
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {
                "name": format!("component-{i}"),
                "title": format!("Component {}", words(&mut rng, 2)),
                "description": format!("Handles {} for the {} platform", words(&mut rng, 2), words(&mut rng, 1)),
                "tags": tags,
                "annotations": {"github.com/project-slug": format!("example/component-{i}")},
                "links": [{"url": format!("https://example.com/component-{i}"), "title": "Dashboard"}],
            },
            "spec": spec,
        }));
    }
    out
}

/// Writes `entities` as multi-document YAML files of `per_file` entities under `dir`, plus a
/// root `catalog-info.yaml` Location listing them; returns the root's path.
pub fn write_files(dir: &Path, entities: &[Value], per_file: usize) -> std::io::Result<PathBuf> {
    let mut targets = Vec::new();
    for (i, chunk) in entities.chunks(per_file.max(1)).enumerate() {
        let name = format!("part-{i:04}.yaml");
        let mut text = String::new();
        for entity in chunk {
            text.push_str("---\n");
            text.push_str(&serde_yaml::to_string(entity).map_err(std::io::Error::other)?);
        }
        std::fs::write(dir.join(&name), text)?;
        targets.push(format!("./{name}"));
    }
    let root = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Location",
        "metadata": {"name": "synthetic"},
        "spec": {"targets": targets},
    });
    let path = dir.join("catalog-info.yaml");
    std::fs::write(
        &path,
        serde_yaml::to_string(&root).map_err(std::io::Error::other)?,
    )?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_valid() {
        let a = generate(7, 300);
        assert_eq!(a, generate(7, 300));
        assert_ne!(a, generate(8, 300));
        assert_eq!(a.len(), 300);
        let registry = crate::KindRegistry::builtin();
        for e in &a {
            registry
                .validate(e)
                .unwrap_or_else(|errs| panic!("{e}: {errs:?}"));
        }
    }
}
