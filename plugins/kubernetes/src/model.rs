//! The parts of Kubernetes objects the plugin reads (everything else is dropped when decoding).
//! Shapes from the Kubernetes API reference: `apps/v1` Deployment and ReplicaSet, `v1` Pod and
//! Service, `networking.k8s.io/v1` Ingress, `autoscaling/v2` HorizontalPodAutoscaler, and the
//! `v1` Status returned with errors.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

/// A `…List` response: `items` and `metadata.continue` for the next page.
#[derive(Debug, Deserialize)]
#[serde(bound = "T: Deserialize<'de>")]
pub struct ObjectList<T> {
    #[serde(default)]
    pub metadata: ListMeta,
    /// `null` in some API servers' answers for an empty list.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub items: Vec<T>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ListMeta {
    #[serde(rename = "continue")]
    pub continue_token: Option<String>,
    pub remaining_item_count: Option<i64>,
}

/// `metav1.Status`, the body of every API error.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Status {
    pub kind: String,
    pub status: String,
    pub message: String,
    pub reason: String,
    pub code: Option<u16>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: String,
    pub namespace: Option<String>,
    pub creation_timestamp: Option<String>,
    /// Set while the object is being deleted (a pod shows as `Terminating`).
    pub deletion_timestamp: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub owner_references: Vec<OwnerReference>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

impl ObjectMeta {
    /// The name of the controlling owner of `kind`, if any.
    pub fn owner(&self, kind: &str) -> Option<&str> {
        self.owner_references
            .iter()
            .find(|o| o.kind == kind && o.controller != Some(false))
            .map(|o| o.name.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub type_: String,
    pub status: String,
    pub reason: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PodTemplate {
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodSpec {
    pub containers: Vec<Container>,
    pub node_name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Container {
    pub name: String,
    pub image: String,
}

impl PodSpec {
    pub fn images(&self) -> Vec<String> {
        self.containers.iter().map(|c| c.image.clone()).collect()
    }
}

// ---- apps/v1 -----------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Deployment {
    pub metadata: ObjectMeta,
    pub spec: DeploymentSpec,
    pub status: DeploymentStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DeploymentSpec {
    /// Desired replicas; the API server defaults it to 1.
    pub replicas: Option<i64>,
    pub paused: bool,
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct DeploymentStatus {
    pub replicas: i64,
    pub ready_replicas: i64,
    pub updated_replicas: i64,
    pub available_replicas: i64,
    pub unavailable_replicas: i64,
    pub conditions: Vec<Condition>,
}

impl Deployment {
    pub fn desired(&self) -> i64 {
        self.spec.replicas.unwrap_or(1)
    }
    pub fn condition(&self, type_: &str) -> Option<&Condition> {
        self.status.conditions.iter().find(|c| c.type_ == type_)
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplicaSet {
    pub metadata: ObjectMeta,
    pub spec: ReplicaSetSpec,
    pub status: ReplicaSetStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReplicaSetSpec {
    pub replicas: Option<i64>,
    pub template: PodTemplate,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ReplicaSetStatus {
    pub replicas: i64,
    pub ready_replicas: i64,
    pub available_replicas: i64,
}

impl ReplicaSet {
    pub fn desired(&self) -> i64 {
        self.spec.replicas.unwrap_or(1)
    }
    /// `deployment.kubernetes.io/revision`.
    pub fn revision(&self) -> Option<&str> {
        self.metadata
            .annotations
            .get("deployment.kubernetes.io/revision")
            .map(String::as_str)
    }
}

// ---- v1 ----------------------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    pub status: PodStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodStatus {
    pub phase: Option<String>,
    pub reason: Option<String>,
    pub message: Option<String>,
    pub conditions: Vec<Condition>,
    pub container_statuses: Vec<ContainerStatus>,
    pub init_container_statuses: Vec<ContainerStatus>,
    pub start_time: Option<String>,
    #[serde(rename = "podIP")]
    pub pod_ip: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ContainerStatus {
    pub name: String,
    pub ready: bool,
    pub restart_count: i64,
    pub image: String,
    pub state: ContainerState,
    pub last_state: ContainerState,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContainerState {
    pub waiting: Option<StateDetail>,
    pub running: Option<Value>,
    pub terminated: Option<StateDetail>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct StateDetail {
    pub reason: Option<String>,
    pub message: Option<String>,
    pub exit_code: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Service {
    pub metadata: ObjectMeta,
    pub spec: ServiceSpec,
    pub status: LoadBalancerHolder,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServiceSpec {
    #[serde(rename = "type")]
    pub type_: Option<String>,
    #[serde(rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    pub external_name: Option<String>,
    #[serde(rename = "externalIPs")]
    pub external_ips: Vec<String>,
    pub ports: Vec<ServicePort>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ServicePort {
    pub name: Option<String>,
    pub protocol: Option<String>,
    pub port: i64,
    /// A number or a named container port.
    pub target_port: Option<Value>,
    pub node_port: Option<i64>,
}

/// `status.loadBalancer` of a Service or an Ingress.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct LoadBalancerHolder {
    pub load_balancer: LoadBalancerStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerStatus {
    pub ingress: Vec<LoadBalancerIngress>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct LoadBalancerIngress {
    pub ip: Option<String>,
    pub hostname: Option<String>,
}

impl LoadBalancerStatus {
    pub fn addresses(&self) -> Vec<String> {
        self.ingress
            .iter()
            .filter_map(|i| i.hostname.clone().or_else(|| i.ip.clone()))
            .collect()
    }
}

// ---- networking.k8s.io/v1 ----------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Ingress {
    pub metadata: ObjectMeta,
    pub spec: IngressSpec,
    pub status: LoadBalancerHolder,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IngressSpec {
    pub ingress_class_name: Option<String>,
    pub default_backend: Option<IngressBackend>,
    pub rules: Vec<IngressRule>,
    pub tls: Vec<IngressTls>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IngressRule {
    pub host: Option<String>,
    pub http: Option<HttpIngressRule>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HttpIngressRule {
    pub paths: Vec<IngressPath>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct IngressPath {
    pub path: Option<String>,
    pub path_type: Option<String>,
    pub backend: IngressBackend,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IngressBackend {
    pub service: Option<IngressServiceBackend>,
    pub resource: Option<Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IngressServiceBackend {
    pub name: String,
    pub port: ServiceBackendPort,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ServiceBackendPort {
    pub number: Option<i64>,
    pub name: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct IngressTls {
    pub hosts: Vec<String>,
}

impl IngressBackend {
    pub fn describe(&self) -> String {
        match &self.service {
            Some(s) => match (&s.port.number, &s.port.name) {
                (Some(n), _) => format!("{}:{n}", s.name),
                (None, Some(p)) => format!("{}:{p}", s.name),
                _ => s.name.clone(),
            },
            None if self.resource.is_some() => "(resource backend)".into(),
            None => "(none)".into(),
        }
    }
}

// ---- autoscaling/v2 ----------------------------------------------------------------------

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Hpa {
    pub metadata: ObjectMeta,
    pub spec: HpaSpec,
    pub status: HpaStatus,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HpaSpec {
    pub scale_target_ref: CrossVersionObjectReference,
    pub min_replicas: Option<i64>,
    pub max_replicas: i64,
    pub metrics: Vec<MetricSpec>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CrossVersionObjectReference {
    pub kind: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct HpaStatus {
    pub current_replicas: i64,
    pub desired_replicas: i64,
    pub current_metrics: Vec<MetricStatus>,
    pub conditions: Vec<Condition>,
}

/// One `spec.metrics[]` entry: `type` and the source it names (`resource`, `pods`, ...).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MetricSpec {
    #[serde(rename = "type")]
    pub type_: String,
    pub resource: Option<ResourceMetric>,
    pub container_resource: Option<ResourceMetric>,
    pub pods: Option<NamedMetric>,
    pub object: Option<NamedMetric>,
    pub external: Option<NamedMetric>,
}

/// One `status.currentMetrics[]` entry (same sources, `current` instead of `target`).
pub type MetricStatus = MetricSpec;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ResourceMetric {
    pub name: String,
    pub target: Option<MetricValue>,
    pub current: Option<MetricValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NamedMetric {
    pub metric: MetricIdentifier,
    pub target: Option<MetricValue>,
    pub current: Option<MetricValue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MetricIdentifier {
    pub name: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct MetricValue {
    pub average_utilization: Option<i64>,
    /// A Kubernetes quantity, e.g. `500m` or `1Gi`.
    pub average_value: Option<String>,
    pub value: Option<String>,
}

impl MetricValue {
    pub fn describe(&self) -> Option<String> {
        self.average_utilization
            .map(|u| format!("{u}%"))
            .or_else(|| self.average_value.clone())
            .or_else(|| self.value.clone())
    }
}

impl MetricSpec {
    /// `(name, target or current value)` of the metric.
    pub fn name_and_values(&self) -> (String, Option<&MetricValue>, Option<&MetricValue>) {
        if let Some(r) = self.resource.as_ref().or(self.container_resource.as_ref()) {
            return (r.name.clone(), r.target.as_ref(), r.current.as_ref());
        }
        if let Some(m) = self
            .pods
            .as_ref()
            .or(self.object.as_ref())
            .or(self.external.as_ref())
        {
            return (m.metric.name.clone(), m.target.as_ref(), m.current.as_ref());
        }
        (self.type_.clone(), None, None)
    }
}
