//! Reads an entity's objects from every configured cluster, all clusters at once, within
//! the view's time budget. A cluster that cannot be reached (or refuses the token)
//! becomes an error for that cluster only; the others are still read.

use std::time::{Duration, Instant};

use portico_sdk::http::{self, Response};
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

/// The kinds listed from every cluster, in the order they are shown.
const KINDS: [Resource; 6] = [DEPLOYMENTS, REPLICA_SETS, PODS, SERVICES, INGRESSES, HPAS];

/// Reads every cluster of `config` for `target`: the first page of every kind from every
/// cluster is requested at once, so the tab takes about as long as the slowest answer.
pub fn fetch_all(config: &Config, target: &Target) -> Vec<ClusterReport> {
    let deadline = Instant::now() + Duration::from_millis(config.budget_ms.into());
    let clients: Vec<Result<Client, KubeError>> = config
        .clusters
        .iter()
        .map(|cluster| Client::new(cluster, config, deadline))
        .collect();
    let requests = clients
        .iter()
        .flatten()
        .flat_map(|client| KINDS.iter().map(|kind| client.first_page(kind, target)))
        .collect();
    let mut answers = http::send_all(requests).into_iter();
    clients
        .iter()
        .zip(&config.clusters)
        .map(|(client, cluster)| match client {
            Ok(client) => {
                let first: Vec<Result<Response>> = answers.by_ref().take(KINDS.len()).collect();
                read_cluster(client, target, first)
            }
            Err(e) => ClusterReport {
                cluster: cluster.clone(),
                namespace: target
                    .namespace
                    .clone()
                    .or(cluster.namespace.clone())
                    .or(config.namespace.clone()),
                outcome: Err(e
                    .error
                    .clone()
                    .context(format_args!("cluster `{}`", cluster.name))),
            },
        })
        .collect()
}

/// One cluster's lists from the answers to their first pages (in [`KINDS`] order).
fn read_cluster(client: &Client, target: &Target, first: Vec<Result<Response>>) -> ClusterReport {
    let mut reader = Reader {
        client,
        target,
        first: first.into_iter(),
        fatal: None,
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
    let namespace = client.namespace(target).map(str::to_string);
    let outcome = match (reader.answered, reader.fatal) {
        // Not one answer, and a failure that concerns the whole cluster: the cluster itself
        // is the problem (unreachable, timed out, bad token, throttled, not granted).
        (false, Some(e)) => Err(e),
        _ => Ok(objects),
    };
    ClusterReport {
        cluster: client.cluster.clone(),
        namespace,
        outcome,
    }
}

/// Finishes the lists of one cluster and remembers whether the cluster answered at all.
struct Reader<'a> {
    client: &'a Client<'a>,
    target: &'a Target,
    /// The answers to the first pages, in [`KINDS`] order.
    first: std::vec::IntoIter<Result<Response>>,
    /// The first failure that concerns the whole cluster.
    fatal: Option<PluginError>,
    /// Whether the cluster answered anything (even an error status about one kind).
    answered: bool,
}

impl Reader<'_> {
    fn list<T: DeserializeOwned>(&mut self, resource: &Resource) -> Fetched<T> {
        let first = self
            .first
            .next()
            .unwrap_or_else(|| Err(PluginError::internal("no answer for a list")));
        match self.client.complete_list(resource, self.target, first) {
            Ok(listed) => {
                self.answered = true;
                Ok(listed)
            }
            Err(KubeError { error, fatal }) => {
                if fatal {
                    self.fatal.get_or_insert_with(|| error.clone());
                } else {
                    self.answered = true;
                }
                Err(error)
            }
        }
    }
}
