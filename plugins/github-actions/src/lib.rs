//! `github-actions`: GitHub Actions on entity pages, one component with two extension points:
//!
//! - `entity-view` ([`views`]): a tab for entities annotated `github.com/project-slug` with the
//!   repository's recent workflow runs (branch filter, paging) and a run's jobs and steps;
//! - `action` ([`rerun`]): `github:actions:rerun` re-runs a workflow run (all or failed jobs).
//!
//! Both talk to GitHub's REST API through [`github::Client`] (token from a granted secret,
//! kv cache with ETags, errors that say what to fix). Not here: webhooks, logs, artifacts.

pub mod config;
pub mod github;
pub mod model;
pub mod rerun;
pub mod time;
pub mod views;

portico_sdk::manifest!("plugin.toml");

/// The plugin; implements `Views` in `views.rs` and `Actions` in `rerun.rs`.
pub struct GithubActions;

portico_sdk::export! {
    entity_view: GithubActions,
    action: GithubActions,
}
