//! Reads an entity's objects from every configured cluster, one cluster after the other
//! within the view's time budget. A cluster that cannot be reached (or refuses the token)
//! becomes an error for that cluster only; the others are still read.

use std::time::{Duration, Instant};

use portico_sdk::prelude::*;
use serde::de::DeserializeOwned;

use crate::config::{ClusterConfig, Config, Target};
use crate::kube::{
    Client, DEPLOYMENTS, HPAS, INGRESSES, KubeError, Listed, PODS, REPLICA_SETS, Resource, SERVICES,
};
use crate::model::{Deployment, Hpa, Ingress, Pod, ReplicaSet, Service};

/// One kind of object from one cluster: the list, or why it is missing.
pub type Fetched<T> = core::result::Result<Listed<T>, PluginError>;

#[derive(Debug, Clone)]
pub struct ClusterObjects {
    pub deployments: Fetched<Deployment>,
    pub replica_sets: Fetched<ReplicaSet>,
    pub pods: Fetched<Pod>,
    pub services: Fetched<Service>,
    pub ingresses: Fetched<Ingress>,
    pub hpas: Fetched<Hpa>,
}

#[derive(Debug, Clone)]
pub struct ClusterReport {
    pub cluster: ClusterConfig,
    /// The namespace looked in (`None`: all namespaces).
    pub namespace: Option<String>,
    /// `Err` when the cluster could not be asked at all (unreachable, bad token, not granted).
    pub outcome: core::result::Result<ClusterObjects, PluginError>,
}

/// Reads every cluster of `config` for `target`.
pub fn fetch_all(config: &Config, target: &Target) -> Vec<ClusterReport> {
    let deadline = Instant::now() + Duration::from_millis(config.budget_ms.into());
    config
        .clusters
        .iter()
        .map(|cluster| fetch_cluster(cluster, config, target, deadline))
        .collect()
}

fn fetch_cluster(
    cluster: &ClusterConfig,
    config: &Config,
    target: &Target,
    deadline: Instant,
) -> ClusterReport {
    let report = |namespace: Option<String>, outcome| ClusterReport {
        cluster: cluster.clone(),
        namespace,
        outcome,
    };
    let client = match Client::new(cluster, config, deadline) {
        Ok(client) => client,
        Err(e) => {
            let namespace = target
                .namespace
                .clone()
                .or(cluster.namespace.clone())
                .or(config.namespace.clone());
            return report(
                namespace,
                Err(e.error.context(format_args!("cluster `{}`", cluster.name))),
            );
        }
    };
    let namespace = client.namespace(target).map(str::to_string);
    let mut reader = Reader {
        client: &client,
        target,
        stopped: None,
        answered: false,
    };
    let objects = ClusterObjects {
        deployments: reader.list(&DEPLOYMENTS),
        replica_sets: reader.list(&REPLICA_SETS),
        pods: reader.list(&PODS),
        services: reader.list(&SERVICES),
        ingresses: reader.list(&INGRESSES),
        hpas: reader.list(&HPAS),
    };
    match (reader.answered, reader.stopped) {
        // Not one answer, and a reason to stop: the cluster itself is the problem.
        (false, Some(e)) => report(namespace, Err(e)),
        _ => report(namespace, Ok(objects)),
    }
}

/// Lists kinds one by one; after a fatal error the remaining kinds are not asked.
struct Reader<'a> {
    client: &'a Client<'a>,
    target: &'a Target,
    stopped: Option<PluginError>,
    /// Whether the cluster answered anything (even an error status).
    answered: bool,
}

impl Reader<'_> {
    fn list<T: DeserializeOwned>(&mut self, resource: &Resource) -> Fetched<T> {
        if let Some(e) = &self.stopped {
            return Err(PluginError::new(
                e.kind,
                format!("not asked after the earlier failure: {}", e.message),
            ));
        }
        match self.client.list(resource, self.target) {
            Ok(listed) => {
                self.answered = true;
                Ok(listed)
            }
            Err(KubeError { error, fatal }) => {
                if fatal {
                    self.stopped = Some(error.clone());
                } else {
                    self.answered = true;
                }
                Err(error)
            }
        }
    }
}
