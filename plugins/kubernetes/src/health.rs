//! Health of pods, deployments and a whole cluster: readiness, restarts, and the reason a pod
//! fails (`CrashLoopBackOff`, `ImagePullBackOff`, `OOMKilled`, `Unschedulable`, `Evicted`...).

use std::collections::BTreeMap;

use portico_sdk::prelude::*;

use crate::model::{ContainerStatus, Deployment, Pod};

/// Waiting reasons that mean the container cannot start (not just "still starting").
const FAILING_WAITING: &[&str] = &[
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "ErrImageNeverPull",
    "InvalidImageName",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "PreCreateHookError",
    "PostStartHookError",
];

/// What the plugin makes of one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodHealth {
    /// Ready containers and all containers (not counting init containers).
    pub ready: usize,
    pub total: usize,
    pub restarts: i64,
    pub state: State,
    /// `Running`, `CrashLoopBackOff`, `Completed`, `Pending`...
    pub label: String,
    /// Why the pod fails, when it does: the reason to group by (`CrashLoopBackOff`).
    pub problem: Option<String>,
    /// More about the problem: the container, its last exit, the message.
    pub detail: Option<String>,
}

pub fn pod_health(pod: &Pod) -> PodHealth {
    let statuses = &pod.status.container_statuses;
    let total = statuses.len().max(pod.spec.containers.len());
    let ready = statuses.iter().filter(|c| c.ready).count();
    let restarts = statuses
        .iter()
        .chain(&pod.status.init_container_statuses)
        .map(|c| c.restart_count)
        .sum();
    let phase = pod.status.phase.as_deref().unwrap_or("Unknown");
    let health = |state, label: &str, problem: Option<&str>, detail: Option<String>| PodHealth {
        ready,
        total,
        restarts,
        state,
        label: label.to_string(),
        problem: problem.map(str::to_string),
        detail,
    };

    if pod.metadata.deletion_timestamp.is_some() {
        return health(State::Pending, "Terminating", None, None);
    }
    if phase == "Succeeded" {
        return health(State::Ok, "Completed", None, None);
    }
    if phase == "Failed" {
        let reason = pod.status.reason.as_deref().unwrap_or("Failed");
        return health(
            State::Error,
            reason,
            Some(reason),
            pod.status.message.clone(),
        );
    }
    // Init containers first: a pod stuck initializing never reaches its main containers.
    for (init, c) in pod
        .status
        .init_container_statuses
        .iter()
        .map(|c| (true, c))
        .chain(statuses.iter().map(|c| (false, c)))
    {
        if let Some(reason) = c.state.waiting.as_ref().and_then(|w| w.reason.as_deref())
            && FAILING_WAITING.contains(&reason)
        {
            return health(State::Error, reason, Some(reason), Some(describe(c, init)));
        }
        if let Some(t) = &c.state.terminated
            && !init
            && t.exit_code.unwrap_or(0) != 0
        {
            let reason = t.reason.as_deref().unwrap_or("Error");
            return health(State::Error, reason, Some(reason), Some(describe(c, init)));
        }
    }
    if phase == "Pending" {
        if let Some(c) = pod
            .status
            .conditions
            .iter()
            .find(|c| c.type_ == "PodScheduled" && c.status == "False")
        {
            let reason = c.reason.as_deref().unwrap_or("Unschedulable");
            return health(State::Error, reason, Some(reason), c.message.clone());
        }
        let waiting = statuses
            .iter()
            .chain(&pod.status.init_container_statuses)
            .find_map(|c| c.state.waiting.as_ref()?.reason.as_deref())
            .unwrap_or("Pending");
        return health(State::Pending, waiting, None, None);
    }
    if phase == "Running" {
        // A container killed for memory and restarted: running again, but worth knowing.
        if let Some(c) = statuses.iter().find(|c| last_exit(c) == Some("OOMKilled")) {
            let state = if ready == total {
                State::Warning
            } else {
                State::Error
            };
            return health(
                state,
                "OOMKilled",
                Some("OOMKilled"),
                Some(describe(c, false)),
            );
        }
        if ready < total {
            let not_ready: Vec<&str> = statuses
                .iter()
                .filter(|c| !c.ready)
                .map(|c| c.name.as_str())
                .collect();
            return health(
                State::Warning,
                "Running, not ready",
                Some("NotReady"),
                Some(format!("not ready: {}", not_ready.join(", "))),
            );
        }
        return health(State::Ok, "Running", None, None);
    }
    health(State::Unknown, phase, None, None)
}

fn last_exit(c: &ContainerStatus) -> Option<&str> {
    c.last_state.terminated.as_ref()?.reason.as_deref()
}

/// `container api: back-off restarting failed container (last exit: OOMKilled, code 137)`.
fn describe(c: &ContainerStatus, init: bool) -> String {
    let mut out = format!("{}container {}", if init { "init " } else { "" }, c.name);
    let message = c
        .state
        .waiting
        .as_ref()
        .and_then(|w| w.message.as_deref())
        .or_else(|| c.state.terminated.as_ref()?.message.as_deref());
    if let Some(m) = message {
        let m: String = m.chars().take(200).collect();
        out.push_str(&format!(": {m}"));
    }
    if let Some(t) = &c.last_state.terminated {
        let reason = t.reason.as_deref().unwrap_or("exited");
        match t.exit_code {
            Some(code) => out.push_str(&format!(" (last exit: {reason}, code {code})")),
            None => out.push_str(&format!(" (last exit: {reason})")),
        }
    }
    out
}

/// A deployment's problem, if it has one.
pub fn deployment_problem(d: &Deployment) -> Option<String> {
    if let Some(c) = d.condition("Progressing")
        && c.status == "False"
    {
        return Some(c.reason.clone().unwrap_or_else(|| "NotProgressing".into()));
    }
    if d.status.available_replicas < d.desired() {
        return Some(format!(
            "{} of {} replicas available",
            d.status.available_replicas,
            d.desired()
        ));
    }
    if let Some(c) = d.condition("ReplicaFailure")
        && c.status == "True"
    {
        return Some(c.reason.clone().unwrap_or_else(|| "ReplicaFailure".into()));
    }
    None
}

/// The health of one cluster's objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    Healthy,
    Degraded,
    /// Nothing matches the selector there.
    Empty,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub health: Health,
    pub pods_ready: usize,
    pub pods: usize,
    pub restarts: i64,
    pub deployments_available: usize,
    pub deployments: usize,
    /// Failing pods grouped by reason: `CrashLoopBackOff` → pod names.
    pub pod_problems: BTreeMap<String, Vec<String>>,
    /// `deployment api: 1 of 3 replicas available`.
    pub deployment_problems: Vec<String>,
}

pub fn summarize(deployments: &[Deployment], pods: &[Pod]) -> Summary {
    let mut pod_problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut pods_ready = 0;
    let mut restarts = 0;
    for pod in pods {
        let h = pod_health(pod);
        restarts += h.restarts;
        if h.state == State::Ok || (h.total > 0 && h.ready == h.total) {
            pods_ready += 1;
        }
        if let Some(problem) = h.problem {
            pod_problems
                .entry(problem)
                .or_default()
                .push(pod.metadata.name.clone());
        }
    }
    let deployment_problems: Vec<String> = deployments
        .iter()
        .filter_map(|d| {
            deployment_problem(d).map(|p| format!("deployment {}: {p}", d.metadata.name))
        })
        .collect();
    let health = if deployments.is_empty() && pods.is_empty() {
        Health::Empty
    } else if pod_problems.is_empty() && deployment_problems.is_empty() {
        Health::Healthy
    } else {
        Health::Degraded
    };
    Summary {
        health,
        pods_ready,
        pods: pods.len(),
        restarts,
        deployments_available: deployments
            .iter()
            .filter(|d| deployment_problem(d).is_none())
            .count(),
        deployments: deployments.len(),
        pod_problems,
        deployment_problems,
    }
}

impl Summary {
    /// `CrashLoopBackOff: 2 pods (api-1, api-2)`, one line per reason, then deployments.
    pub fn problem_lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .pod_problems
            .iter()
            .map(|(reason, pods)| {
                let shown: Vec<&str> = pods.iter().take(5).map(String::as_str).collect();
                let more = if pods.len() > 5 {
                    format!(", and {} more", pods.len() - 5)
                } else {
                    String::new()
                };
                let noun = if pods.len() == 1 { "pod" } else { "pods" };
                format!(
                    "{reason}: {} {noun} ({}{more})",
                    pods.len(),
                    shown.join(", ")
                )
            })
            .collect();
        out.extend(self.deployment_problems.iter().cloned());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(json: serde_json::Value) -> Pod {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn crash_looping_pods_name_the_reason_and_last_exit() {
        let p = pod(serde_json::json!({
            "metadata": {"name": "api-1"},
            "spec": {"containers": [{"name": "api", "image": "api:1"}]},
            "status": {"phase": "Running", "containerStatuses": [{
                "name": "api", "ready": false, "restartCount": 12,
                "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m0s restarting failed container=api"}},
                "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137}}
            }]}
        }));
        let h = pod_health(&p);
        assert_eq!(h.state, State::Error);
        assert_eq!(h.problem.as_deref(), Some("CrashLoopBackOff"));
        assert_eq!((h.ready, h.total, h.restarts), (0, 1, 12));
        let detail = h.detail.unwrap();
        assert!(
            detail.contains("last exit: OOMKilled, code 137"),
            "{detail}"
        );
    }

    #[test]
    fn pending_unschedulable_succeeded_and_ready_pods() {
        let unschedulable = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Pending", "conditions": [{"type": "PodScheduled", "status": "False",
                "reason": "Unschedulable", "message": "0/3 nodes are available: 3 Insufficient cpu."}]}
        }));
        assert_eq!(
            pod_health(&unschedulable).problem.as_deref(),
            Some("Unschedulable")
        );
        let creating = pod(serde_json::json!({
            "metadata": {"name": "p"},
            "status": {"phase": "Pending", "containerStatuses": [{"name": "a", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": "ContainerCreating"}}}]}
        }));
        let h = pod_health(&creating);
        assert_eq!(
            (h.state, h.label.as_str(), h.problem),
            (State::Pending, "ContainerCreating", None)
        );
        let done =
            pod(serde_json::json!({"metadata": {"name": "p"}, "status": {"phase": "Succeeded"}}));
        assert_eq!(pod_health(&done).state, State::Ok);
        let evicted = pod(serde_json::json!({"metadata": {"name": "p"},
            "status": {"phase": "Failed", "reason": "Evicted", "message": "The node was low on resource: memory."}}));
        assert_eq!(pod_health(&evicted).problem.as_deref(), Some("Evicted"));
        let ok = pod(
            serde_json::json!({"metadata": {"name": "p"}, "status": {"phase": "Running",
            "containerStatuses": [{"name": "a", "ready": true, "restartCount": 1, "state": {"running": {}}}]}}),
        );
        let h = pod_health(&ok);
        assert_eq!(
            (h.state, h.ready, h.total, h.restarts),
            (State::Ok, 1, 1, 1)
        );
    }

    #[test]
    fn summaries_group_problems() {
        let bad = |name: &str, reason: &str| {
            pod(
                serde_json::json!({"metadata": {"name": name}, "status": {"phase": "Pending",
                "containerStatuses": [{"name": "a", "ready": false, "restartCount": 0,
                "state": {"waiting": {"reason": reason}}}]}}),
            )
        };
        let s = summarize(
            &[],
            &[
                bad("a", "ImagePullBackOff"),
                bad("b", "ImagePullBackOff"),
                bad("c", "CrashLoopBackOff"),
            ],
        );
        assert_eq!(s.health, Health::Degraded);
        assert_eq!(
            s.problem_lines(),
            [
                "CrashLoopBackOff: 1 pod (c)",
                "ImagePullBackOff: 2 pods (a, b)"
            ]
        );
        assert_eq!(summarize(&[], &[]).health, Health::Empty);
    }
}
