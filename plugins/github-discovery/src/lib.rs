//! `github-discovery`: a catalog source (`entity-provider`) for a GitHub organization.
//!
//! Each run ([`discover::run`]) lists the organization's repositories (paginated by `Link`),
//! reads the catalog file (`catalog-info.yaml` by default) from each one's default branch and
//! emits its entities with `backstage.io/managed-by-location` set to the file's blob URL
//! ([`catalog_file`]), following the targets of its Location entities inside the repository
//! ([`targets`]). Runs are incremental: unchanged repositories cost no request, changed
//! ones are revalidated by ETag ([`github::Client`]). With `teams_and_members`, the
//! organization's teams and members become Group and User entities ([`org`]).

pub mod catalog_file;
pub mod config;
pub mod contents;
pub mod discover;
pub mod github;
pub mod model;
pub mod org;
pub mod targets;

use portico_sdk::prelude::*;

portico_sdk::manifest!("plugin.toml");

/// The plugin; discovery runs on the host's provider schedule.
pub struct GithubDiscovery;

impl Provider for GithubDiscovery {
    fn location_types() -> Vec<String> {
        Vec::new()
    }

    fn read_location(location_type: String, _target: String) -> Result<Discovery> {
        Err(PluginError::invalid_input(format!(
            "github-discovery reads no `{location_type}` locations; it discovers on its own schedule"
        )))
    }

    fn discover() -> Result<Discovery> {
        discover::run()
    }
}

portico_sdk::export!(entity_provider: GithubDiscovery);
