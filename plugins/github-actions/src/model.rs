//! The parts of GitHub's REST API responses the plugin reads (everything else is dropped when
//! decoding, which also keeps the kv cache small). Shapes: "List workflow runs for a
//! repository", "Get a workflow run" and "List jobs for a workflow run" in GitHub's REST API
//! documentation.

use serde::{Deserialize, Serialize};

/// `GET /repos/{owner}/{repo}/actions/runs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunList {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub workflow_runs: Vec<Run>,
}

/// One workflow run.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Run {
    pub id: u64,
    /// The workflow's name.
    pub name: Option<String>,
    /// The run's title (commit message or PR title).
    pub display_title: Option<String>,
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub event: String,
    /// `queued`, `in_progress`, `completed`, `waiting`, `requested`, `pending`.
    pub status: Option<String>,
    /// Once completed: `success`, `failure`, `cancelled`, `skipped`, `timed_out`, ...
    pub conclusion: Option<String>,
    pub run_number: u64,
    pub run_attempt: Option<u32>,
    pub html_url: String,
    pub created_at: Option<String>,
    pub run_started_at: Option<String>,
    pub updated_at: Option<String>,
    pub actor: Option<Actor>,
    pub repository: Option<Repository>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Actor {
    pub login: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Repository {
    pub html_url: String,
}

/// `GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct JobList {
    #[serde(default)]
    pub total_count: u64,
    #[serde(default)]
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Job {
    pub id: u64,
    pub name: String,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub html_url: Option<String>,
    pub runner_name: Option<String>,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Step {
    pub name: String,
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub number: u32,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
}

impl Run {
    /// The repository's web page (`https://github.com/owner/repo`).
    pub fn repo_web_url(&self) -> Option<String> {
        if let Some(r) = &self.repository
            && !r.html_url.is_empty()
        {
            return Some(r.html_url.clone());
        }
        self.html_url
            .split_once("/actions/runs/")
            .map(|(repo, _)| repo.to_string())
    }

    /// Whether a re-run makes sense: completed without success.
    pub fn can_rerun_failed(&self) -> bool {
        self.status.as_deref() == Some("completed")
            && matches!(
                self.conclusion.as_deref(),
                Some("failure" | "timed_out" | "cancelled" | "startup_failure")
            )
    }
}
