//! The bundled `kubernetes` plugin against loopback servers that answer like Kubernetes API
//! servers (list shapes, `metadata.continue` paging and `Status` error bodies from the
//! Kubernetes API reference): a healthy cluster, a degraded one (CrashLoopBackOff,
//! ImagePullBackOff, OOMKilled, a stuck rollout, RBAC refusing one kind) and an unreachable
//! one side by side; empty lists; 401, 403, 404, 429, 500; slow, malformed and huge answers;
//! capabilities withheld; the configuration checked against the plugin's schema; and an HTTPS
//! API server with a certificate from a private CA, trusted only where configured.

use axum::body::Body;
use axum::http::{HeaderMap, Uri};
use axum::response::Response;
use portico::config::PluginSettings;
use portico::plugins::manager::GrantChoice;
use portico::plugins::{InstallOptions, PluginManager, PluginPolicy};
use portico::runtime::bindings::latest::view_types::{Block, Cell, View};
use portico::runtime::bindings::latest::{Entity, EntityRef};
use portico::runtime::{CallContext, EngineSettings, HostServices, Limits, NoCatalog, Runtime};
use portico::secrets::SecretStore;
use portico_storage::{OrgId, SledStorage, Storage};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const PLUGIN: &str = "kubernetes";
const VIEW: &str = "kubernetes";
const TOKEN_1: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InByb2QifQ.prod-token-value";
const TOKEN_2: &str = "eyJhbGciOiJSUzI1NiIsImtpZCI6InN0YWdpbmcifQ.staging-token-value";
const SELECTOR: &str = "backstage.io/kubernetes-id=payments";

// ---------------------------------------------------------------------------------------
// A loopback Kubernetes API server.
// ---------------------------------------------------------------------------------------

/// How a fake cluster behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Everything available and ready; pods come in pages of two.
    Healthy,
    /// A stuck rollout with failing pods, and RBAC refusing autoscalers.
    Degraded,
    /// Nothing matches the selector.
    Empty,
    /// Every request: 401 Unauthorized.
    Unauthorized,
    /// Every request: 429 with Retry-After.
    Throttled,
    /// Pods: 500 (etcd timeout); the rest answers.
    EtcdDown,
    /// autoscaling/v2 is not served (an older cluster): 404 page not found.
    Old,
    /// Answers after 3 s.
    Slow,
    /// Deployments: a truncated JSON body.
    Garbled,
    /// Pods: a 9 MiB list.
    Huge,
}

#[derive(Clone, Debug)]
struct Seen {
    path: String,
    query: BTreeMap<String, String>,
    authorization: Option<String>,
}

#[derive(Clone)]
struct FakeCluster {
    mode: Mode,
    token: &'static str,
    seen: Arc<Mutex<Vec<Seen>>>,
}

fn decode(s: &str) -> String {
    let mut out = Vec::new();
    let bytes = s.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn parse_query(q: &str) -> BTreeMap<String, String> {
    q.split('&')
        .filter(|kv| !kv.is_empty())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_string(), decode(v)))
        .collect()
}

fn meta(name: &str, namespace: &str, extra: Value) -> Value {
    let mut m = json!({
        "name": name,
        "namespace": namespace,
        "uid": format!("4c3e1a2b-{:0>4}-4d5e-9f00-0123456789ab", name.len()),
        "resourceVersion": "4815162342",
        "generation": 2,
        "creationTimestamp": "2026-11-20T08:15:00Z",
        "labels": { "app": "payments", "backstage.io/kubernetes-id": "payments" },
    });
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
    }
    m
}

fn deployment(available: i64, desired: i64, progressing: (&str, &str)) -> Value {
    json!({
        "metadata": meta("payments", "shop", json!({
            "annotations": { "deployment.kubernetes.io/revision": "2" }
        })),
        "spec": {
            "replicas": desired,
            "selector": { "matchLabels": { "app": "payments" } },
            "template": {
                "metadata": { "labels": { "app": "payments" } },
                "spec": { "containers": [{ "name": "payments", "image": "registry.example.com/payments:1.4.2",
                    "ports": [{ "containerPort": 8080, "protocol": "TCP" }],
                    "resources": { "limits": { "memory": "256Mi" } } }] }
            },
            "strategy": { "type": "RollingUpdate", "rollingUpdate": { "maxUnavailable": "25%", "maxSurge": "25%" } },
            "revisionHistoryLimit": 10,
            "progressDeadlineSeconds": 600
        },
        "status": {
            "observedGeneration": 2,
            "replicas": desired,
            "updatedReplicas": desired,
            "readyReplicas": available,
            "availableReplicas": available,
            "unavailableReplicas": desired - available,
            "conditions": [
                { "type": "Available", "status": if available == desired { "True" } else { "False" },
                  "lastUpdateTime": "2026-11-29T10:00:00Z", "lastTransitionTime": "2026-11-29T10:00:00Z",
                  "reason": if available == desired { "MinimumReplicasAvailable" } else { "MinimumReplicasUnavailable" },
                  "message": "Deployment has minimum availability." },
                { "type": "Progressing", "status": progressing.0,
                  "lastUpdateTime": "2026-11-29T10:00:00Z", "lastTransitionTime": "2026-11-29T10:00:00Z",
                  "reason": progressing.1,
                  "message": "ReplicaSet \"payments-7d9f8b6c5d\" has successfully progressed." }
            ]
        }
    })
}

fn replica_set(name: &str, revision: &str, replicas: i64) -> Value {
    json!({
        "metadata": meta(name, "shop", json!({
            "annotations": { "deployment.kubernetes.io/revision": revision,
                             "deployment.kubernetes.io/desired-replicas": "3" },
            "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "Deployment", "name": "payments",
                "uid": "5d1f", "controller": true, "blockOwnerDeletion": true }]
        })),
        "spec": { "replicas": replicas,
            "template": { "spec": { "containers": [{ "name": "payments", "image": format!("registry.example.com/payments:1.4.{revision}") }] } } },
        "status": { "replicas": replicas, "fullyLabeledReplicas": replicas, "readyReplicas": replicas,
            "availableReplicas": replicas, "observedGeneration": 1 }
    })
}

fn container_status(ready: bool, restarts: i64, state: Value, last_state: Value) -> Value {
    json!({
        "name": "payments",
        "state": state,
        "lastState": last_state,
        "ready": ready,
        "restartCount": restarts,
        "image": "registry.example.com/payments:1.4.2",
        "imageID": "registry.example.com/payments@sha256:1e7f0b7c0d",
        "containerID": "containerd://9a8b7c6d5e4f",
        "started": ready
    })
}

fn pod(name: &str, phase: &str, statuses: Value) -> Value {
    json!({
        "metadata": meta(name, "shop", json!({
            "generateName": "payments-7d9f8b6c5d-",
            "ownerReferences": [{ "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "payments-7d9f8b6c5d",
                "uid": "77aa", "controller": true, "blockOwnerDeletion": true }]
        })),
        "spec": {
            "containers": [{ "name": "payments", "image": "registry.example.com/payments:1.4.2" }],
            "nodeName": "ip-10-0-3-17.eu-west-1.compute.internal",
            "restartPolicy": "Always", "serviceAccountName": "payments"
        },
        "status": {
            "phase": phase,
            "conditions": [
                { "type": "Initialized", "status": "True", "lastTransitionTime": "2026-11-29T10:00:00Z" },
                { "type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-11-29T10:00:00Z" }
            ],
            "hostIP": "10.0.3.17", "podIP": "10.244.1.23",
            "startTime": "2026-11-29T10:00:00Z",
            "qosClass": "Burstable",
            "containerStatuses": statuses
        }
    })
}

fn running_pod(name: &str) -> Value {
    pod(
        name,
        "Running",
        json!([container_status(
            true,
            0,
            json!({ "running": { "startedAt": "2026-11-29T10:00:05Z" } }),
            json!({})
        )]),
    )
}

fn healthy_pods() -> Vec<Value> {
    vec![
        running_pod("payments-7d9f8b6c5d-4xk2p"),
        running_pod("payments-7d9f8b6c5d-9qw7n"),
        running_pod("payments-7d9f8b6c5d-z8r5t"),
    ]
}

fn degraded_pods() -> Vec<Value> {
    vec![
        pod(
            "payments-7d9f8b6c5d-crash",
            "Running",
            json!([container_status(
                false,
                17,
                json!({ "waiting": { "reason": "CrashLoopBackOff",
                    "message": "back-off 5m0s restarting failed container=payments pod=payments-7d9f8b6c5d-crash_shop" } }),
                json!({ "terminated": { "exitCode": 137, "reason": "OOMKilled",
                    "startedAt": "2026-11-29T10:20:00Z", "finishedAt": "2026-11-29T10:21:00Z",
                    "containerID": "containerd://aa" } })
            )]),
        ),
        pod(
            "payments-7d9f8b6c5d-pull",
            "Pending",
            json!([container_status(
                false,
                0,
                json!({ "waiting": { "reason": "ImagePullBackOff",
                    "message": "Back-off pulling image \"registry.example.com/payments:1.4.3\"" } }),
                json!({})
            )]),
        ),
        running_pod("payments-7d9f8b6c5d-ok"),
    ]
}

fn service() -> Value {
    json!({
        "metadata": meta("payments", "shop", json!({})),
        "spec": {
            "type": "LoadBalancer",
            "clusterIP": "10.96.44.12", "clusterIPs": ["10.96.44.12"],
            "ports": [{ "name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080, "nodePort": 31380 }],
            "selector": { "app": "payments" },
            "sessionAffinity": "None", "externalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"]
        },
        "status": { "loadBalancer": { "ingress": [{ "hostname": "a1b2c3-1234.eu-west-1.elb.amazonaws.com" }] } }
    })
}

fn ingress() -> Value {
    json!({
        "metadata": meta("payments", "shop", json!({})),
        "spec": {
            "ingressClassName": "nginx",
            "tls": [{ "hosts": ["payments.example.com"], "secretName": "payments-tls" }],
            "rules": [{ "host": "payments.example.com", "http": { "paths": [
                { "path": "/api", "pathType": "Prefix",
                  "backend": { "service": { "name": "payments", "port": { "number": 80 } } } }
            ] } }]
        },
        "status": { "loadBalancer": { "ingress": [{ "ip": "203.0.113.10" }] } }
    })
}

fn hpa() -> Value {
    json!({
        "metadata": meta("payments", "shop", json!({})),
        "spec": {
            "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "payments" },
            "minReplicas": 3, "maxReplicas": 10,
            "metrics": [{ "type": "Resource", "resource": { "name": "cpu",
                "target": { "type": "Utilization", "averageUtilization": 70 } } }]
        },
        "status": {
            "currentReplicas": 3, "desiredReplicas": 3,
            "currentMetrics": [{ "type": "Resource", "resource": { "name": "cpu",
                "current": { "averageUtilization": 41, "averageValue": "205m" } } }],
            "conditions": [
                { "type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale", "lastTransitionTime": "2026-11-29T10:00:00Z" },
                { "type": "ScalingActive", "status": "True", "reason": "ValidMetricFound", "lastTransitionTime": "2026-11-29T10:00:00Z" },
                { "type": "ScalingLimited", "status": "False", "reason": "DesiredWithinRange", "lastTransitionTime": "2026-11-29T10:00:00Z" }
            ]
        }
    })
}

fn status_body(code: u16, reason: &str, message: &str) -> Value {
    json!({ "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code })
}

fn reply(status: u16, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("audit-id", "1f0c4b7e-5d2a-4c9b-8e3f-6a7b8c9d0e1f")
        .header("x-kubernetes-pf-flowschema-uid", "0b3e")
        .body(Body::from(body.to_string()))
        .unwrap()
}

/// A `…List` answer, paged by `limit` with an opaque `continue` token (the offset).
fn list(
    kind: &str,
    api_version: &str,
    items: Vec<Value>,
    query: &BTreeMap<String, String>,
) -> Response {
    let start: usize = query
        .get("continue")
        .and_then(|c| c.strip_prefix("eyJvZmZzZXQiOi"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let limit: usize = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(usize::MAX);
    let total = items.len();
    let page: Vec<Value> = items.into_iter().skip(start).take(limit).collect();
    let end = start + page.len();
    let mut metadata = json!({ "resourceVersion": "4815162342" });
    if end < total {
        metadata["continue"] = json!(format!("eyJvZmZzZXQiOi{end}"));
        metadata["remainingItemCount"] = json!(total - end);
    }
    reply(
        200,
        &json!({ "kind": kind, "apiVersion": api_version, "metadata": metadata, "items": page }),
    )
}

async fn kube(
    axum::extract::State(fake): axum::extract::State<FakeCluster>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path().to_string();
    let query = parse_query(uri.query().unwrap_or_default());
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    fake.seen.lock().unwrap().push(Seen {
        path: path.clone(),
        query: query.clone(),
        authorization: authorization.clone(),
    });
    if fake.mode == Mode::Unauthorized || authorization != Some(format!("Bearer {}", fake.token)) {
        return reply(401, &status_body(401, "Unauthorized", "Unauthorized"));
    }
    if fake.mode == Mode::Throttled {
        let mut r = reply(
            429,
            &status_body(
                429,
                "TooManyRequests",
                "Too many requests, please try again later.",
            ),
        );
        r.headers_mut().insert("retry-after", "7".parse().unwrap());
        return r;
    }
    if fake.mode == Mode::Slow {
        tokio::time::sleep(Duration::from_secs(3)).await;
    }
    // Only the entity's selector matches anything.
    let matches = query.get("labelSelector").map(String::as_str) == Some(SELECTOR)
        || query.get("labelSelector").map(String::as_str) == Some("app=payments,tier in (web,api)");
    let empty = fake.mode == Mode::Empty || !matches;
    let items = |v: Vec<Value>| if empty { vec![] } else { v };
    let degraded = fake.mode == Mode::Degraded;
    let plural = path.rsplit('/').next().unwrap_or_default();
    match plural {
        "deployments" if fake.mode == Mode::Garbled => Response::builder()
            .status(200)
            .header("content-type", "application/json")
            .body(Body::from(
                r#"{"kind":"DeploymentList","apiVersion":"apps/v1","items":[{"metadata":"#,
            ))
            .unwrap(),
        "deployments" => list(
            "DeploymentList",
            "apps/v1",
            items(vec![if degraded {
                deployment(1, 3, ("False", "ProgressDeadlineExceeded"))
            } else {
                deployment(3, 3, ("True", "NewReplicaSetAvailable"))
            }]),
            &query,
        ),
        "replicasets" => list(
            "ReplicaSetList",
            "apps/v1",
            items(vec![
                replica_set("payments-7d9f8b6c5d", "2", 3),
                replica_set("payments-5c4b3a2f1e", "1", 0),
            ]),
            &query,
        ),
        "pods" if fake.mode == Mode::EtcdDown => reply(
            500,
            &status_body(
                500,
                "InternalError",
                "Internal error occurred: etcdserver: request timed out",
            ),
        ),
        "pods" if fake.mode == Mode::Huge => {
            // Nine MiB of pods: more than the plugin accepts in one page (8 MiB).
            let one = running_pod("payments-7d9f8b6c5d-4xk2p").to_string();
            let mut body =
                String::from(r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":["#);
            while body.len() < 9 * 1024 * 1024 {
                body.push_str(&one);
                body.push(',');
            }
            body.push_str(&one);
            body.push_str("]}");
            Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(Body::from(body))
                .unwrap()
        }
        "pods" => list(
            "PodList",
            "v1",
            items(if degraded {
                degraded_pods()
            } else {
                healthy_pods()
            }),
            &query,
        ),
        "services" => list("ServiceList", "v1", items(vec![service()]), &query),
        "ingresses" => list(
            "IngressList",
            "networking.k8s.io/v1",
            items(vec![ingress()]),
            &query,
        ),
        "horizontalpodautoscalers" if degraded => reply(
            403,
            &status_body(
                403,
                "Forbidden",
                "horizontalpodautoscalers.autoscaling is forbidden: User \"system:serviceaccount:portico:portico-reader\" cannot list resource \"horizontalpodautoscalers\" in API group \"autoscaling\" in the namespace \"shop\"",
            ),
        ),
        "horizontalpodautoscalers" if fake.mode == Mode::Old => Response::builder()
            .status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::from("404 page not found\n"))
            .unwrap(),
        "horizontalpodautoscalers" => list(
            "HorizontalPodAutoscalerList",
            "autoscaling/v2",
            items(vec![hpa()]),
            &query,
        ),
        _ => Response::builder()
            .status(404)
            .header("content-type", "text/plain; charset=utf-8")
            .body(Body::from("404 page not found\n"))
            .unwrap(),
    }
}

async fn fake_cluster(mode: Mode, token: &'static str) -> (SocketAddr, FakeCluster) {
    let fake = FakeCluster {
        mode,
        token,
        seen: Arc::default(),
    };
    let app = axum::Router::new().fallback(kube).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (addr, fake)
}

/// An address where nothing listens (bound, then closed).
async fn unreachable_addr() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

// ---------------------------------------------------------------------------------------
// A host with the plugin installed.
// ---------------------------------------------------------------------------------------

struct Host {
    _dir: tempfile::TempDir,
    runtime: Arc<Runtime>,
}

fn policy(config: Value) -> PluginPolicy {
    let mut settings = BTreeMap::new();
    let mut plugin_settings = PluginSettings {
        config: Some(config),
        ..PluginSettings::default()
    };
    plugin_settings.limits.view_deadline = Some(Duration::from_secs(10));
    settings.insert(PLUGIN.to_string(), plugin_settings);
    PluginPolicy {
        default_limits: Limits::default(),
        settings,
        ..PluginPolicy::default()
    }
}

fn runtime(dir: &tempfile::TempDir, storage: Arc<dyn Storage>) -> Arc<Runtime> {
    let services = Arc::new(HostServices::new(
        storage,
        Arc::new(SecretStore::from_values([
            ("kubernetes-token-1".to_string(), TOKEN_1.to_string()),
            ("kubernetes-token-2".to_string(), TOKEN_2.to_string()),
            ("other-secret".to_string(), "must-not-leak".to_string()),
        ])),
        Arc::new(NoCatalog),
    ));
    Arc::new(
        Runtime::new(
            &EngineSettings::default(),
            &dir.path().join("compiled"),
            services,
        )
        .unwrap(),
    )
}

fn install(config: Value, grants: &[&str]) -> Host {
    try_install(config, grants).unwrap()
}

fn try_install(config: Value, grants: &[&str]) -> anyhow::Result<Host> {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let runtime = runtime(&dir, storage.clone());
    let manager = PluginManager::new(
        storage,
        OrgId::default_org(),
        runtime.clone(),
        policy(config),
    );
    let plugin = portico_bundled_plugins::bundled(PLUGIN).expect("kubernetes is bundled");
    manager.install(
        plugin.bytes,
        &InstallOptions {
            expected_sha256: None,
            grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
        },
    )?;
    Ok(Host { _dir: dir, runtime })
}

const ALL_GRANTS: &[&str] = &[
    "http:127.0.0.1:*",
    "secrets:kubernetes-token-1",
    "secrets:kubernetes-token-2",
];

fn cluster(name: &str, addr: SocketAddr, secret: &str) -> Value {
    json!({ "name": name, "url": format!("http://{addr}"), "token_secret": secret })
}

fn entity(annotations: Value) -> Entity {
    let descriptor = json!({
        "apiVersion": "backstage.io/v1alpha1",
        "kind": "Component",
        "metadata": { "name": "payments", "namespace": "default", "annotations": annotations },
        "spec": { "type": "service", "owner": "team-a", "lifecycle": "production" }
    });
    Entity {
        ref_: EntityRef {
            kind: "Component".into(),
            namespace: "default".into(),
            name: "payments".into(),
        },
        descriptor: descriptor.to_string(),
    }
}

fn payments() -> Entity {
    entity(json!({ "backstage.io/kubernetes-id": "payments" }))
}

impl Host {
    async fn render(&self, entity: Entity) -> View {
        self.runtime
            .render_view(
                PLUGIN,
                &CallContext::org(OrgId::default_org()),
                VIEW.into(),
                entity,
                vec![],
            )
            .await
            .unwrap()
    }
}

fn text_of(view: &View) -> String {
    serde_json::to_string(view).unwrap()
}

/// `(title, message)` of every notice.
fn notices(view: &View) -> Vec<(String, String)> {
    view.sections
        .iter()
        .flat_map(|s| &s.blocks)
        .filter_map(|b| match b {
            Block::Notice(n) => Some((n.title.clone(), n.message.clone())),
            _ => None,
        })
        .collect()
}

/// The summary row of cluster `name`: its cells as text.
fn summary_row(view: &View, name: &str) -> Vec<String> {
    let table = view.sections[0]
        .blocks
        .iter()
        .find_map(|b| match b {
            Block::Table(t) => Some(t),
            _ => None,
        })
        .expect("the summary table");
    let cell = |c: &Cell| match c {
        Cell::Text(t) | Cell::Code(t) => t.clone(),
        Cell::Status(s) => format!("{:?}: {}", s.state, s.label).replace("State::", ""),
        Cell::Link(l) => l.label.clone(),
        Cell::Empty => String::new(),
        other => format!("{other:?}"),
    };
    table
        .rows
        .iter()
        .map(|r| r.iter().map(cell).collect::<Vec<_>>())
        .find(|r| r[0] == name)
        .unwrap_or_else(|| panic!("no row for {name}: {table:?}"))
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tab_shows_for_either_annotation_only() {
    let host = install(json!({}), ALL_GRANTS);
    let ctx = CallContext::org(OrgId::default_org());
    for annotations in [
        json!({ "backstage.io/kubernetes-id": "payments" }),
        json!({ "backstage.io/kubernetes-label-selector": "app=payments" }),
    ] {
        let views = host
            .runtime
            .views_for(PLUGIN, &ctx, entity(annotations))
            .await
            .unwrap();
        assert_eq!(views.len(), 1);
        assert_eq!(views[0].id, VIEW);
    }
    let none = host
        .runtime
        .views_for(
            PLUGIN,
            &ctx,
            entity(json!({ "github.com/project-slug": "a/b" })),
        )
        .await
        .unwrap();
    assert!(none.is_empty());
    // Without clusters the tab says how to add them.
    let (title, message) = notices(&host.render(payments()).await).remove(0);
    assert_eq!(title, "No clusters configured");
    assert!(
        message.contains("plugins.settings.kubernetes.config.clusters"),
        "{message}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthy_degraded_and_unreachable_clusters_side_by_side() {
    let (prod, prod_fake) = fake_cluster(Mode::Healthy, TOKEN_1).await;
    let (staging, staging_fake) = fake_cluster(Mode::Degraded, TOKEN_2).await;
    let dr = unreachable_addr().await;
    let host = install(
        json!({
            "clusters": [
                cluster("prod", prod, "kubernetes-token-1"),
                cluster("staging", staging, "kubernetes-token-2"),
                { "name": "dr", "url": format!("http://{dr}"), "token_secret": "kubernetes-token-1" },
            ],
            "page_size": 2
        }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let text = text_of(&view);

    // The summary: one row per cluster.
    let prod_row = summary_row(&view, "prod");
    assert_eq!(prod_row[1], "Ok: healthy", "{prod_row:?}");
    assert_eq!(prod_row[2], "1 / 1");
    assert_eq!(prod_row[3], "3 / 3");
    let staging_row = summary_row(&view, "staging");
    assert_eq!(staging_row[1], "Warning: degraded", "{staging_row:?}");
    assert_eq!(staging_row[2], "0 / 1");
    assert_eq!(staging_row[3], "1 / 3");
    assert_eq!(staging_row[4], "17");
    for reason in [
        "CrashLoopBackOff: 1 pod (payments-7d9f8b6c5d-crash)",
        "ImagePullBackOff: 1 pod (payments-7d9f8b6c5d-pull)",
        "deployment payments: ProgressDeadlineExceeded",
        "could not list: HorizontalPodAutoscalers",
    ] {
        assert!(
            staging_row[5].contains(reason),
            "missing {reason:?}: {staging_row:?}"
        );
    }
    let dr_row = summary_row(&view, "dr");
    assert_eq!(dr_row[1], "Error: unreachable", "{dr_row:?}");
    assert!(
        dr_row[5].contains("cluster `dr` is unreachable"),
        "{dr_row:?}"
    );

    // The details of the healthy cluster.
    for expected in [
        "Deployments — prod",
        "registry.example.com/payments:1.4.2",
        "payments-7d9f8b6c5d-4xk2p",
        "payments-7d9f8b6c5d-z8r5t",
        "ip-10-0-3-17.eu-west-1.compute.internal",
        "ReplicaSet payments-7d9f8b6c5d",
        "a1b2c3-1234.eu-west-1.elb.amazonaws.com",
        "http 80→8080/TCP (node 31380)",
        "payments.example.com/api → payments:80",
        "https://payments.example.com",
        "203.0.113.10",
        "Deployment payments",
        "3–10",
        "cpu 41% / 70%",
        "2026-11-20T08:15:00Z",
    ] {
        assert!(text.contains(expected), "missing {expected:?}: {text}");
    }
    // The old replica set scaled to zero is not listed.
    assert!(!text.contains("payments-5c4b3a2f1e"), "{text}");
    // The degraded cluster's pods explain themselves.
    assert!(text.contains("last exit: OOMKilled, code 137"), "{text}");
    assert!(text.contains("Back-off pulling image"), "{text}");
    let ns = notices(&view);
    let forbidden = ns
        .iter()
        .find(|(t, _)| t.starts_with("HorizontalPodAutoscalers"))
        .expect("a notice for the refused list");
    assert!(forbidden.0.contains("Access denied"), "{forbidden:?}");
    assert!(forbidden.1.contains("403"), "{forbidden:?}");
    assert!(
        forbidden.1.contains("cannot list resource"),
        "{forbidden:?}"
    );
    assert!(
        forbidden
            .1
            .contains("`list` on `horizontalpodautoscalers` (API group \"autoscaling\")"),
        "{forbidden:?}"
    );

    // Requests: the selector, paging by `continue`, each cluster's own token.
    let seen = prod_fake.seen.lock().unwrap().clone();
    let mut paths: Vec<&str> = seen.iter().map(|s| s.path.as_str()).collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/api/v1/pods",
            "/api/v1/pods",
            "/api/v1/services",
            "/apis/apps/v1/deployments",
            "/apis/apps/v1/replicasets",
            "/apis/autoscaling/v2/horizontalpodautoscalers",
            "/apis/networking.k8s.io/v1/ingresses",
        ]
    );
    assert!(seen.iter().all(|s| s.query["labelSelector"] == SELECTOR));
    assert!(seen.iter().all(|s| s.query["limit"] == "2"));
    // The second page of pods continues where the first (two pods) ended.
    let pages: Vec<Option<&String>> = seen
        .iter()
        .filter(|s| s.path == "/api/v1/pods")
        .map(|s| s.query.get("continue"))
        .collect();
    assert_eq!(pages, [None, Some(&"eyJvZmZzZXQiOi2".to_string())]);
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN_1}")))
    );
    let staging_seen = staging_fake.seen.lock().unwrap().clone();
    assert!(
        staging_seen
            .iter()
            .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN_2}")))
    );
    // No token ever reaches the page.
    assert!(!text.contains(TOKEN_1) && !text.contains(TOKEN_2) && !text.contains("must-not-leak"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_label_selector_and_namespace_annotations_shape_the_requests() {
    let (addr, fake) = fake_cluster(Mode::Healthy, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")], "namespace": "ignored" }),
        ALL_GRANTS,
    );
    let view = host
        .render(entity(json!({
            "backstage.io/kubernetes-id": "other",
            "backstage.io/kubernetes-label-selector": "app=payments,tier in (web,api)",
            "backstage.io/kubernetes-namespace": "shop"
        })))
        .await;
    assert_eq!(summary_row(&view, "prod")[1], "Ok: healthy");
    let seen = fake.seen.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|s| s.path == "/apis/apps/v1/namespaces/shop/deployments"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .all(|s| s.query["labelSelector"] == "app=payments,tier in (web,api)")
    );
    assert!(seen.iter().all(|s| s.path.contains("/namespaces/shop/")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entity_without_objects_says_so() {
    let (addr, _fake) = fake_cluster(Mode::Empty, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Unknown: no matching objects", "{row:?}");
    assert_eq!(row[3], "0 / 0");
    let text = text_of(&view);
    assert!(text.contains("No pods match."), "{text}");
    assert!(notices(&view).is_empty(), "{view:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_token_names_the_secret() {
    let (addr, fake) = fake_cluster(Mode::Unauthorized, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Error: access denied", "{row:?}");
    let (title, message) = notices(&view).remove(0);
    assert_eq!(title, "Access denied");
    assert!(message.contains("401 Unauthorized"), "{message}");
    assert!(message.contains("`kubernetes-token-1`"), "{message}");
    assert!(!message.contains(TOKEN_1));
    // The six kinds were asked at once; after a refusal no page follows.
    assert_eq!(fake.seen.lock().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_says_when_to_retry() {
    let (addr, _fake) = fake_cluster(Mode::Throttled, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    assert_eq!(summary_row(&view, "prod")[1], "Error: throttled");
    let (title, message) = notices(&view).remove(0);
    assert_eq!(title, "Rate limited");
    assert!(message.contains("429"), "{message}");
    assert!(message.contains("retry after 7 seconds"), "{message}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_on_one_kind_keeps_the_others() {
    let (addr, _fake) = fake_cluster(Mode::EtcdDown, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Warning: partial: some lists failed", "{row:?}");
    assert!(row[5].contains("could not list: Pods"), "{row:?}");
    let pods = notices(&view)
        .into_iter()
        .find(|(t, _)| t.starts_with("Pods"))
        .unwrap();
    assert_eq!(pods.0, "Pods: Service unavailable");
    assert!(pods.1.contains("answered 500"), "{pods:?}");
    assert!(pods.1.contains("etcdserver: request timed out"), "{pods:?}");
    let text = text_of(&view);
    assert!(
        text.contains("Services — prod") && text.contains("Deployments — prod"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_cluster_without_autoscaling_v2_is_explained() {
    let (addr, _fake) = fake_cluster(Mode::Old, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let hpas = notices(&view)
        .into_iter()
        .find(|(t, _)| t.starts_with("HorizontalPodAutoscalers"))
        .unwrap();
    assert_eq!(hpas.0, "HorizontalPodAutoscalers: Not found");
    assert!(
        hpas.1
            .contains("does not serve autoscaling/v2/horizontalpodautoscalers (404)"),
        "{hpas:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_cluster_times_out_and_the_others_still_show() {
    let (slow, _) = fake_cluster(Mode::Slow, TOKEN_1).await;
    let (prod, _) = fake_cluster(Mode::Healthy, TOKEN_2).await;
    let host = install(
        json!({
            "clusters": [cluster("slow", slow, "kubernetes-token-1"), cluster("prod", prod, "kubernetes-token-2")],
            "timeout_ms": 300
        }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "slow");
    assert_eq!(row[1], "Error: timed out", "{row:?}");
    assert!(
        row[5].contains("did not answer in time (`timeout_ms`: 300 ms"),
        "{row:?}"
    );
    assert_eq!(summary_row(&view, "prod")[1], "Ok: healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_time_budget_bounds_every_request() {
    let (slow, _) = fake_cluster(Mode::Slow, TOKEN_1).await;
    let (prod, _) = fake_cluster(Mode::Healthy, TOKEN_2).await;
    let host = install(
        json!({
            "clusters": [cluster("slow", slow, "kubernetes-token-1"), cluster("prod", prod, "kubernetes-token-2")],
            "timeout_ms": 20_000,
            "budget_ms": 400
        }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "slow");
    assert_eq!(row[1], "Error: timed out", "{row:?}");
    assert!(row[5].contains("`budget_ms`: 400 ms"), "{row:?}");
    // Both clusters were asked at once: the slow one does not hold the other back.
    assert_eq!(summary_row(&view, "prod")[1], "Ok: healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_explained() {
    let (addr, _fake) = fake_cluster(Mode::Garbled, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let deployments = notices(&view)
        .into_iter()
        .find(|(t, _)| t.starts_with("Deployments"))
        .unwrap();
    assert!(deployments.1.contains("malformed JSON"), "{deployments:?}");
    // Everything else still listed.
    assert!(text_of(&view).contains("Pods — prod"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_list_is_refused() {
    let (addr, _fake) = fake_cluster(Mode::Huge, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")], "timeout_ms": 20_000, "budget_ms": 30_000 }),
        ALL_GRANTS,
    );
    let view = host.render(payments()).await;
    let pods = notices(&view)
        .into_iter()
        .find(|(t, _)| t.starts_with("Pods"))
        .unwrap();
    assert!(pods.1.contains("larger than 8388608 bytes"), "{pods:?}");
    assert!(pods.1.contains("page_size"), "{pods:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_http_grant_each_cluster_is_denied_cleanly() {
    let (addr, fake) = fake_cluster(Mode::Healthy, TOKEN_1).await;
    let host = install(
        json!({ "clusters": [cluster("prod", addr, "kubernetes-token-1")] }),
        &["secrets:kubernetes-token-1"],
    );
    let view = host.render(payments()).await;
    assert_eq!(summary_row(&view, "prod")[1], "Error: access denied");
    let (title, message) = notices(&view).remove(0);
    assert_eq!(title, "Access denied");
    assert!(
        message.contains(&format!("grant `http:{addr}`")),
        "{message}"
    );
    assert!(fake.seen.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_secret_grant_the_cluster_says_which_to_grant() {
    let (prod, fake) = fake_cluster(Mode::Healthy, TOKEN_1).await;
    let (staging, _) = fake_cluster(Mode::Healthy, TOKEN_2).await;
    let host = install(
        json!({ "clusters": [cluster("prod", prod, "kubernetes-token-1"), cluster("staging", staging, "kubernetes-token-2")] }),
        &["http:127.0.0.1:*", "secrets:kubernetes-token-2"],
    );
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Error: access denied", "{row:?}");
    assert!(
        row[5].contains("grant `secrets:kubernetes-token-1`"),
        "{row:?}"
    );
    assert!(fake.seen.lock().unwrap().is_empty());
    assert_eq!(summary_row(&view, "staging")[1], "Ok: healthy");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_configuration_is_checked_against_the_schema_at_install_and_at_startup() {
    // At install: the error names the plugin, the key and the problem.
    let err = try_install(
        json!({ "clusters": [{ "name": "prod", "url": "k8s.example.com", "token_secret": "root-password" }] }),
        ALL_GRANTS,
    )
    .err()
    .expect("an invalid configuration is refused");
    let message = format!("{err:#}");
    assert!(message.contains("plugin kubernetes"), "{message}");
    assert!(
        message.contains("plugins.settings.kubernetes.config"),
        "{message}"
    );
    assert!(message.contains("clusters[0].url"), "{message}");
    assert!(message.contains("clusters[0].token_secret"), "{message}");
    assert!(message.contains("root-password"), "{message}");

    // At startup: a configuration edited after install fails that plugin's load, by name.
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let rt = runtime(&dir, storage.clone());
    let good = PluginManager::new(
        storage.clone(),
        OrgId::default_org(),
        rt.clone(),
        policy(json!({})),
    );
    good.install(
        portico_bundled_plugins::bundled(PLUGIN).unwrap().bytes,
        &InstallOptions {
            expected_sha256: None,
            grants: GrantChoice::Specs(vec![]),
        },
    )
    .unwrap();
    let edited = PluginManager::new(
        storage,
        OrgId::default_org(),
        rt,
        policy(json!({ "timeout_ms": "fast" })),
    );
    let failures = edited.load_all().unwrap();
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert_eq!(failures[0].0, PLUGIN);
    assert!(
        failures[0].1.contains("config key \"timeout_ms\""),
        "{failures:?}"
    );
    assert!(
        failures[0]
            .1
            .contains("\"fast\" is not of type \"integer\""),
        "{failures:?}"
    );
}

// ---------------------------------------------------------------------------------------
// A cluster whose API server certificate comes from the cluster's own CA.
// ---------------------------------------------------------------------------------------

/// Writes a private CA's certificate to `dir/ca.crt` and starts a loopback HTTPS fake
/// cluster whose certificate (for 127.0.0.1) that CA signed, as `kubeadm` sets one up.
async fn private_ca_cluster(dir: &Path) -> (SocketAddr, FakeCluster, PathBuf) {
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kubernetes");
    ca_params.key_usages = vec![
        rcgen::KeyUsagePurpose::KeyCertSign,
        rcgen::KeyUsagePurpose::CrlSign,
        rcgen::KeyUsagePurpose::DigitalSignature,
    ];
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap())
        .unwrap();
    let ca_file = dir.join("ca.crt");
    std::fs::write(&ca_file, ca.pem()).unwrap();

    let server_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kube-apiserver");
    let server_cert = params.signed_by(&server_key, &ca).unwrap();
    let tls = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![server_cert.der().clone(), ca.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(server_key.serialize_der().into()),
    )
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

    let fake = FakeCluster {
        mode: Mode::Healthy,
        token: TOKEN_1,
        seen: Arc::default(),
    };
    let app = axum::Router::new().fallback(kube).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                continue;
            };
            let (acceptor, app) = (acceptor.clone(), app.clone());
            tokio::spawn(async move {
                // A client that does not trust the CA aborts the handshake: nothing to serve.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(
                        hyper_util::rt::TokioIo::new(tls),
                        hyper_util::service::TowerToHyperService::new(app),
                    )
                    .await;
            });
        }
    });
    (addr, fake, ca_file)
}

/// The kubernetes plugin (settings `k8s`) and service-status (no settings of its own but its
/// status URL) installed side by side, both granted the loopback cluster.
fn install_with_service_status(k8s: PluginSettings, status_url: &str) -> Host {
    let dir = tempfile::tempdir().unwrap();
    let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
    let runtime = runtime(&dir, storage.clone());
    let mut settings = BTreeMap::new();
    settings.insert(PLUGIN.to_string(), k8s);
    settings.insert(
        "service-status".to_string(),
        PluginSettings {
            config: Some(json!({ "status_url": status_url, "cache_ttl_seconds": 0 })),
            ..PluginSettings::default()
        },
    );
    let manager = PluginManager::new(
        storage,
        OrgId::default_org(),
        runtime.clone(),
        PluginPolicy {
            settings,
            ..PluginPolicy::default()
        },
    );
    for (id, grants) in [
        (PLUGIN, ALL_GRANTS),
        ("service-status", &["http:127.0.0.1:*", "kv"][..]),
    ] {
        manager
            .install(
                portico_bundled_plugins::bundled(id).unwrap().bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(grants.iter().map(|s| s.to_string()).collect()),
                },
            )
            .unwrap();
    }
    Host { _dir: dir, runtime }
}

fn k8s_settings(addr: SocketAddr, ca_certificates: Vec<PathBuf>) -> PluginSettings {
    let mut settings = PluginSettings {
        config: Some(json!({ "clusters": [{
            "name": "prod",
            "url": format!("https://{addr}"),
            "token_secret": "kubernetes-token-1"
        }] })),
        ..PluginSettings::default()
    };
    settings.limits.view_deadline = Some(Duration::from_secs(10));
    settings.http.ca_certificates = ca_certificates;
    settings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_ca_is_trusted_by_the_plugin_it_is_configured_for_only() {
    let dir = tempfile::tempdir().unwrap();
    let (addr, fake, ca_file) = private_ca_cluster(dir.path()).await;
    let status_url = format!("https://{addr}/status/{{name}}");

    // With the CA: the cluster answers over TLS. Service-status, beside it in the same host,
    // has no CA of its own and is refused by the same server's certificate.
    let host = install_with_service_status(k8s_settings(addr, vec![ca_file]), &status_url);
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Ok: healthy", "{row:?}");
    assert_eq!(row[3], "3 / 3", "{row:?}");
    let seen = fake.seen.lock().unwrap().clone();
    assert!(!seen.is_empty());
    assert!(
        seen.iter()
            .all(|s| s.authorization.as_deref() == Some(&format!("Bearer {TOKEN_1}"))),
        "{seen:?}"
    );
    let status = host
        .runtime
        .render_view(
            "service-status",
            &CallContext::org(OrgId::default_org()),
            "service-status".into(),
            payments(),
            vec![],
        )
        .await
        .expect("a TLS failure is shown in the view, not a failed call");
    let status = text_of(&status);
    assert!(status.contains("TlsCertificateError"), "{status}");

    // Without the CA, the same plugin gets a TLS error for the cluster, and nothing is sent.
    let asked = fake.seen.lock().unwrap().len();
    let host = install_with_service_status(k8s_settings(addr, vec![]), &status_url);
    let view = host.render(payments()).await;
    let row = summary_row(&view, "prod");
    assert_eq!(row[1], "Error: unreachable", "{row:?}");
    let text = text_of(&view);
    assert!(text.contains("TlsCertificateError"), "{text}");
    assert!(!text.contains(TOKEN_1));
    assert_eq!(fake.seen.lock().unwrap().len(), asked);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_ca_file_is_an_error_naming_the_plugin_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("not-a-cert.pem");
    std::fs::write(&not_pem, "hello\n").unwrap();
    let key_only = dir.path().join("key.pem");
    std::fs::write(
        &key_only,
        rcgen::KeyPair::generate().unwrap().serialize_pem(),
    )
    .unwrap();
    let missing = dir.path().join("missing.crt");
    let addr = unreachable_addr().await;

    for (file, why) in [
        (&not_pem, "holds no certificate"),
        (&key_only, "holds no certificate"),
        (&missing, "cannot read"),
    ] {
        // At install and at every load.
        let storage: Arc<dyn Storage> = Arc::new(SledStorage::temporary().unwrap());
        let manager = PluginManager::new(
            storage.clone(),
            OrgId::default_org(),
            runtime(&dir, storage),
            PluginPolicy {
                settings: BTreeMap::from([(
                    PLUGIN.to_string(),
                    k8s_settings(addr, vec![file.clone()]),
                )]),
                ..PluginPolicy::default()
            },
        );
        let err = manager
            .install(
                portico_bundled_plugins::bundled(PLUGIN).unwrap().bytes,
                &InstallOptions {
                    expected_sha256: None,
                    grants: GrantChoice::Specs(vec![]),
                },
            )
            .expect_err("a bad CA file is refused");
        let message = format!("{err:#}");
        for part in [
            "plugin kubernetes",
            "plugins.settings.kubernetes.http.ca_certificates",
            &file.display().to_string(),
            why,
        ] {
            assert!(message.contains(part), "{part:?} not in {message}");
        }

        // At startup, before any plugin loads, relative to the config file.
        let config_file = dir.path().join("portico.yaml");
        std::fs::write(
            &config_file,
            format!(
                "storage: {{ path: data }}\nplugins:\n  settings:\n    kubernetes:\n      http:\n        ca_certificates: [{}]\n",
                file.file_name().unwrap().to_string_lossy()
            ),
        )
        .unwrap();
        let config = portico::config::Config::load(&config_file).unwrap();
        let err =
            portico::app::App::with_storage(config, Arc::new(SledStorage::temporary().unwrap()))
                .err()
                .expect("the server does not start");
        let message = format!("{err:#}");
        assert!(
            message.contains("plugins.settings.kubernetes.http.ca_certificates"),
            "{message}"
        );
        assert!(message.contains(&file.display().to_string()), "{message}");
    }

    // A misspelt key is refused, not ignored.
    let err = portico::config::Config::parse(
        "plugins:\n  settings:\n    kubernetes:\n      http:\n        ca_certificate: [ca.crt]\n",
        "portico.yaml",
    )
    .unwrap_err();
    assert!(
        format!("{err:#}").contains("plugins.settings.kubernetes.http"),
        "{err:#}"
    );
}
