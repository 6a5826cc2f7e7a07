//! `kubernetes`: an entity's Kubernetes workloads on its page (`entity-view`).
//!
//! For entities annotated `backstage.io/kubernetes-id` (objects labelled
//! `backstage.io/kubernetes-id=<id>`) or `backstage.io/kubernetes-label-selector`, the tab
//! lists deployments, replica sets, pods (readiness, restarts, why they fail), services,
//! ingresses and horizontal pod autoscalers from every configured cluster ([`fetch`] through
//! [`kube::Client`]), with a health summary per cluster ([`health`]). One unreachable cluster
//! is shown as such; the others are still shown. Read-only: it never changes a cluster.

pub mod config;
pub mod fetch;
pub mod health;
pub mod kube;
pub mod model;
pub mod views;

portico_sdk::manifest!("plugin.toml");

/// The plugin; implements `Views` in `views.rs`.
pub struct Kubernetes;

portico_sdk::export!(entity_view: Kubernetes);
