//! The "Kubernetes" tab: a summary per cluster (healthy / degraded / error, with why pods
//! fail), then each cluster's deployments, replica sets, pods, services, ingresses and
//! autoscalers. Every problem is a notice in the tab, never a broken page.

use portico_sdk::prelude::*;

use crate::Kubernetes;
use crate::config::{Config, Target};
use crate::fetch::{ClusterObjects, ClusterReport, fetch_all};
use crate::health::{Health, deployment_problem, pod_health, summarize};
use crate::model::{Deployment, Hpa, Ingress, Pod, ReplicaSet, Service};

pub const VIEW_ID: &str = "kubernetes";
const TITLE: &str = "Kubernetes";

impl Views for Kubernetes {
    fn views_for(entity: Entity) -> Vec<ViewInfo> {
        match entity.parse() {
            Ok(d) if Target::applies(&d) => vec![ViewInfo::tab(VIEW_ID, TITLE)],
            _ => vec![],
        }
    }

    fn render(view_id: String, entity: Entity, _params: Vec<(String, String)>) -> Result<View> {
        if view_id != VIEW_ID {
            return Err(PluginError::not_found(format!("no view `{view_id}`")));
        }
        let target = match entity.parse().and_then(|d| Target::of(&d)) {
            Ok(t) => t,
            Err(e) => return Ok(View::new(TITLE).section(Section::untitled().error(&e))),
        };
        let config = match Config::load() {
            Ok(c) => c,
            Err(e) => return Ok(View::new(TITLE).section(Section::untitled().error(&e))),
        };
        if config.clusters.is_empty() {
            return Ok(View::new(TITLE).section(Section::untitled().notice(
                Tone::Info,
                "No clusters configured",
                "This portal's Kubernetes plugin has no clusters yet: an admin adds them under \
                 `plugins.settings.kubernetes.config.clusters` (name, url, token_secret).",
            )));
        }
        let reports = fetch_all(&config, &target);
        Ok(render(&target, &reports))
    }
}

/// The whole tab for what was fetched (pure: tested natively).
pub fn render(target: &Target, reports: &[ClusterReport]) -> View {
    let mut view = View::new(format!("{TITLE} — {}", target.selector))
        .section(summary_section(target, reports));
    for report in reports {
        view = view.section(cluster_section(report));
        if let Ok(objects) = &report.outcome {
            for section in object_sections(report, objects) {
                view = view.section(section);
            }
        }
    }
    view
}

fn summary_section(target: &Target, reports: &[ClusterReport]) -> Section {
    let rows = reports.iter().map(|r| {
        let name: Cell = match &r.cluster.dashboard_url {
            Some(url) => Link::url(&r.cluster.name, url).into(),
            None => text(&r.cluster.name),
        };
        match &r.outcome {
            Err(e) => vec![
                name,
                Status::new(State::Error, error_label(e)).into(),
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                text(&e.message),
            ],
            Ok(objects) => {
                let (status, deployments, pods, restarts, problems) = cluster_summary(objects);
                vec![
                    name,
                    status.into(),
                    deployments,
                    pods,
                    restarts,
                    text(problems),
                ]
            }
        }
    });
    let namespace = match (&target.namespace, reports.first()) {
        (Some(ns), _) => ns.clone(),
        (None, Some(r)) if reports.iter().all(|o| o.namespace == r.namespace) => r
            .namespace
            .clone()
            .unwrap_or_else(|| "all namespaces".into()),
        _ => "per cluster".into(),
    };
    Section::new("Clusters")
        .field("Label selector", code(&target.selector))
        .field("Namespace", namespace)
        .table(
            Table::new([
                "Cluster",
                "Status",
                "Deployments available",
                "Pods ready",
                "Restarts",
                "Problems",
            ])
            .rows(rows),
        )
}

fn error_label(e: &PluginError) -> &'static str {
    match e.kind {
        ErrorKind::Denied => "access denied",
        ErrorKind::Timeout => "timed out",
        ErrorKind::RateLimited => "throttled",
        ErrorKind::Unavailable => "unreachable",
        _ => "error",
    }
}

/// Status, deployments, pods, restarts and problem text of a cluster that answered.
fn cluster_summary(objects: &ClusterObjects) -> (Status, Cell, Cell, Cell, String) {
    let deployments = objects.deployments.as_ref().map(|l| l.items.as_slice());
    let pods = objects.pods.as_ref().map(|l| l.items.as_slice());
    let s = summarize(deployments.unwrap_or(&[]), pods.unwrap_or(&[]));
    let failed: Vec<&str> = failures(objects).iter().map(|(title, _)| *title).collect();
    let mut problems = s.problem_lines();
    if !failed.is_empty() {
        problems.push(format!("could not list: {}", failed.join(", ")));
    }
    let status = match (s.health, failed.is_empty()) {
        (Health::Degraded, _) => Status::new(State::Warning, "degraded"),
        (_, false) if deployments.is_err() && pods.is_err() => Status::new(State::Error, "error"),
        (_, false) => Status::new(State::Warning, "partial: some lists failed"),
        (Health::Healthy, true) => Status::new(State::Ok, "healthy"),
        (Health::Empty, true) => Status::new(State::Unknown, "no matching objects"),
    };
    let count = |ok: bool, n: usize, of: usize| {
        if ok {
            text(format!("{n} / {of}"))
        } else {
            Cell::Empty
        }
    };
    (
        status,
        count(deployments.is_ok(), s.deployments_available, s.deployments),
        count(pods.is_ok(), s.pods_ready, s.pods),
        if pods.is_ok() {
            text(s.restarts.to_string())
        } else {
            Cell::Empty
        },
        problems.join("; "),
    )
}

/// `(kind, error)` of every list that failed.
fn failures(objects: &ClusterObjects) -> Vec<(&'static str, &PluginError)> {
    [
        ("Deployments", objects.deployments.as_ref().err()),
        ("ReplicaSets", objects.replica_sets.as_ref().err()),
        ("Pods", objects.pods.as_ref().err()),
        ("Services", objects.services.as_ref().err()),
        ("Ingresses", objects.ingresses.as_ref().err()),
        ("HorizontalPodAutoscalers", objects.hpas.as_ref().err()),
    ]
    .into_iter()
    .filter_map(|(title, e)| e.map(|e| (title, e)))
    .collect()
}

fn cluster_section(report: &ClusterReport) -> Section {
    let name = &report.cluster.name;
    let mut section = Section::new(format!("Cluster {name}"));
    match &report.outcome {
        Err(e) => {
            section = section
                .status(State::Error, error_label(e))
                .error(e)
                .field("API server", code(&report.cluster.url));
        }
        Ok(objects) => {
            let (status, ..) = cluster_summary(objects);
            section = section.block(Block::Status(status));
            let pods = objects.pods.as_ref().map(|l| l.items.as_slice());
            let deployments = objects.deployments.as_ref().map(|l| l.items.as_slice());
            let s = summarize(deployments.unwrap_or(&[]), pods.unwrap_or(&[]));
            for line in s.problem_lines() {
                section = section.notice(Tone::Warning, "Problem", line);
            }
            for (title, e) in failures(objects) {
                let mut notice = Notice::from_error(e);
                notice.title = format!("{title}: {}", notice.title);
                section = section.block(Block::Notice(notice));
            }
            section = section
                .field("API server", code(&report.cluster.url))
                .field(
                    "Namespace",
                    report
                        .namespace
                        .clone()
                        .unwrap_or_else(|| "all namespaces".into()),
                );
        }
    }
    if let Some(url) = &report.cluster.dashboard_url {
        section = section.link("Open dashboard", url);
    }
    section
}

/// One section per kind that listed fine (failures are notices in the cluster section).
fn object_sections(report: &ClusterReport, objects: &ClusterObjects) -> Vec<Section> {
    let name = &report.cluster.name;
    let mut out = Vec::new();
    let mut add = |title: &str, table: Option<Table>, truncated: bool| {
        if let Some(table) = table {
            let mut s = Section::new(format!("{title} — {name}")).table(table);
            if truncated {
                s = s.text("The list is cut short at `max_items`; narrow the selector or namespace to see the rest.");
            }
            out.push(s);
        }
    };
    if let Ok(l) = &objects.deployments {
        add(
            "Deployments",
            Some(deployments_table(&l.items)),
            l.truncated,
        );
    }
    if let Ok(l) = &objects.replica_sets {
        add(
            "ReplicaSets",
            Some(replica_sets_table(&l.items)),
            l.truncated,
        );
    }
    if let Ok(l) = &objects.pods {
        add("Pods", Some(pods_table(&l.items)), l.truncated);
    }
    if let Ok(l) = &objects.services {
        add("Services", Some(services_table(&l.items)), l.truncated);
    }
    if let Ok(l) = &objects.ingresses {
        add("Ingresses", Some(ingresses_table(&l.items)), l.truncated);
    }
    if let Ok(l) = &objects.hpas {
        add(
            "HorizontalPodAutoscalers",
            Some(hpas_table(&l.items)),
            l.truncated,
        );
    }
    out
}

fn ns(meta: &crate::model::ObjectMeta) -> Cell {
    meta.namespace.clone().into()
}

fn age(meta: &crate::model::ObjectMeta) -> Cell {
    meta.creation_timestamp
        .clone()
        .map_or(Cell::Empty, Cell::Timestamp)
}

pub fn deployments_table(items: &[Deployment]) -> Table {
    Table::new([
        "Name",
        "Namespace",
        "Status",
        "Ready",
        "Up to date",
        "Available",
        "Images",
        "Created",
    ])
    .rows(items.iter().map(|d| {
        let status = match deployment_problem(d) {
            Some(p) => Status::new(State::Warning, p),
            None if d.spec.paused => Status::new(State::Unknown, "paused"),
            None => Status::new(State::Ok, "available"),
        };
        vec![
            text(&d.metadata.name),
            ns(&d.metadata),
            status.into(),
            text(format!("{} / {}", d.status.ready_replicas, d.desired())),
            text(d.status.updated_replicas.to_string()),
            text(d.status.available_replicas.to_string()),
            code(d.spec.template.spec.images().join(", ")),
            age(&d.metadata),
        ]
    }))
    .empty_text("No deployments match.")
}

pub fn replica_sets_table(items: &[ReplicaSet]) -> Table {
    // Old revisions scaled to zero are history, not state.
    let shown: Vec<&ReplicaSet> = items
        .iter()
        .filter(|r| r.desired() > 0 || r.status.replicas > 0)
        .collect();
    let hidden = items.len() - shown.len();
    let empty = match hidden {
        0 => "No replica sets match.".to_string(),
        n => format!("Only old replica sets scaled to zero ({n})."),
    };
    Table::new([
        "Name",
        "Namespace",
        "Deployment",
        "Revision",
        "Ready",
        "Images",
        "Created",
    ])
    .rows(shown.iter().map(|r| {
        let state = if r.status.ready_replicas >= r.desired() {
            State::Ok
        } else {
            State::Warning
        };
        vec![
            text(&r.metadata.name),
            ns(&r.metadata),
            r.metadata.owner("Deployment").map(str::to_string).into(),
            r.revision().map_or(Cell::Empty, code),
            Status::new(
                state,
                format!("{} / {}", r.status.ready_replicas, r.desired()),
            )
            .into(),
            code(r.spec.template.spec.images().join(", ")),
            age(&r.metadata),
        ]
    }))
    .empty_text(empty)
}

pub fn pods_table(items: &[Pod]) -> Table {
    Table::new([
        "Name",
        "Namespace",
        "Owner",
        "Status",
        "Ready",
        "Restarts",
        "Node",
        "Details",
        "Created",
    ])
    .rows(items.iter().map(|p| {
        let h = pod_health(p);
        let owner = p
            .metadata
            .owner_references
            .iter()
            .find(|o| o.controller != Some(false))
            .map(|o| format!("{} {}", o.kind, o.name));
        vec![
            text(&p.metadata.name),
            ns(&p.metadata),
            owner.into(),
            Status::new(h.state, &h.label).into(),
            text(format!("{} / {}", h.ready, h.total)),
            text(h.restarts.to_string()),
            p.spec.node_name.clone().into(),
            h.detail.into(),
            age(&p.metadata),
        ]
    }))
    .empty_text("No pods match.")
}

pub fn services_table(items: &[Service]) -> Table {
    Table::new([
        "Name",
        "Namespace",
        "Type",
        "Cluster IP",
        "External",
        "Ports",
    ])
    .rows(items.iter().map(|s| {
        let mut external = s.status.load_balancer.addresses();
        external.extend(s.spec.external_ips.iter().cloned());
        if let Some(name) = &s.spec.external_name {
            external.push(name.clone());
        }
        let ports: Vec<String> = s
            .spec
            .ports
            .iter()
            .map(|p| {
                let target = match &p.target_port {
                    Some(serde_json::Value::Number(n)) => format!("→{n}"),
                    Some(serde_json::Value::String(s)) => format!("→{s}"),
                    _ => String::new(),
                };
                let node = p
                    .node_port
                    .map(|n| format!(" (node {n})"))
                    .unwrap_or_default();
                let proto = p.protocol.as_deref().unwrap_or("TCP");
                match &p.name {
                    Some(name) => format!("{name} {}{target}/{proto}{node}", p.port),
                    None => format!("{}{target}/{proto}{node}", p.port),
                }
            })
            .collect();
        vec![
            text(&s.metadata.name),
            ns(&s.metadata),
            text(s.spec.type_.as_deref().unwrap_or("ClusterIP")),
            s.spec.cluster_ip.clone().map_or(Cell::Empty, code),
            if external.is_empty() {
                Cell::Empty
            } else {
                code(external.join(", "))
            },
            code(ports.join(", ")),
        ]
    }))
    .empty_text("No services match.")
}

pub fn ingresses_table(items: &[Ingress]) -> Table {
    Table::new(["Name", "Namespace", "Class", "Routes", "Address", "TLS"])
        .rows(items.iter().map(|i| {
            let mut routes = Vec::new();
            for rule in &i.spec.rules {
                let host = rule.host.as_deref().unwrap_or("*");
                for p in rule.http.iter().flat_map(|h| &h.paths) {
                    routes.push(format!(
                        "{host}{} → {}",
                        p.path.as_deref().unwrap_or("/"),
                        p.backend.describe()
                    ));
                }
            }
            if let Some(b) = &i.spec.default_backend {
                routes.push(format!("default → {}", b.describe()));
            }
            let tls: Vec<String> = i.spec.tls.iter().flat_map(|t| t.hosts.clone()).collect();
            let first_url = i.spec.rules.iter().find_map(|r| {
                let host = r.host.as_deref()?;
                let secure = tls.iter().any(|t| t == host);
                Some(format!(
                    "{}://{host}",
                    if secure { "https" } else { "http" }
                ))
            });
            vec![
                match first_url {
                    Some(url) => Link::url(&i.metadata.name, url).into(),
                    None => text(&i.metadata.name),
                },
                ns(&i.metadata),
                i.spec.ingress_class_name.clone().into(),
                text(routes.join("; ")),
                code(i.status.load_balancer.addresses().join(", ")),
                text(tls.join(", ")),
            ]
        }))
        .empty_text("No ingresses match.")
}

pub fn hpas_table(items: &[Hpa]) -> Table {
    Table::new([
        "Name",
        "Namespace",
        "Target",
        "Replicas (min–max)",
        "Current / desired",
        "Metrics (current / target)",
        "Status",
    ])
    .rows(items.iter().map(|h| {
        let metrics: Vec<String> = h
            .spec
            .metrics
            .iter()
            .map(|m| {
                let (name, target, _) = m.name_and_values();
                let current = h
                    .status
                    .current_metrics
                    .iter()
                    .find(|c| c.type_ == m.type_ && c.name_and_values().0 == name)
                    .and_then(|c| c.name_and_values().2.and_then(|v| v.describe()));
                format!(
                    "{name} {} / {}",
                    current.as_deref().unwrap_or("?"),
                    target.and_then(|t| t.describe()).as_deref().unwrap_or("?")
                )
            })
            .collect();
        let limited = h
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "ScalingLimited" && c.status == "True");
        let unable = h
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "AbleToScale" && c.status == "False")
            .or_else(|| {
                h.status
                    .conditions
                    .iter()
                    .find(|c| c.type_ == "ScalingActive" && c.status == "False")
            });
        let status = match (unable, limited) {
            (Some(c), _) => Status::new(State::Warning, c.reason.clone().unwrap_or_default()),
            (None, Some(c)) => Status::new(State::Warning, c.reason.clone().unwrap_or_default()),
            _ => Status::new(State::Ok, "scaling"),
        };
        vec![
            text(&h.metadata.name),
            ns(&h.metadata),
            text(format!(
                "{} {}",
                h.spec.scale_target_ref.kind, h.spec.scale_target_ref.name
            )),
            text(format!(
                "{}–{}",
                h.spec.min_replicas.unwrap_or(1),
                h.spec.max_replicas
            )),
            text(format!(
                "{} / {}",
                h.status.current_replicas, h.status.desired_replicas
            )),
            text(metrics.join(", ")),
            status.into(),
        ]
    }))
    .empty_text("No horizontal pod autoscalers match.")
}
