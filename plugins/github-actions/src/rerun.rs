//! The `github:actions:rerun` action: re-runs a workflow run, all jobs
//! (`POST .../runs/{id}/rerun`) or only the failed ones (`.../rerun-failed-jobs`).

use portico_sdk::action::task_log;
use portico_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::GithubActions;
use crate::config::{Config, Repo};
use crate::github::{About, Client};

pub const ACTION_ID: &str = "github:actions:rerun";

const INPUT_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "additionalProperties": false,
  "required": ["repo", "run_id"],
  "properties": {
    "repo": { "type": "string", "pattern": "^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", "description": "The repository, owner/repo" },
    "run_id": { "type": "integer", "minimum": 1, "description": "The workflow run's id (not its run number)" },
    "failed_only": { "type": "boolean", "default": false, "description": "Re-run only the failed jobs and what depends on them" },
    "enable_debug_logging": { "type": "boolean", "default": false, "description": "Turn on runner debug logging for the re-run" }
  }
}"#;

const OUTPUT_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["repo", "run_id", "failed_only", "dry_run", "requested", "run_url"],
  "properties": {
    "repo": { "type": "string" },
    "run_id": { "type": "integer" },
    "failed_only": { "type": "boolean" },
    "dry_run": { "type": "boolean", "description": "True when nothing was sent" },
    "requested": { "type": "boolean", "description": "True when GitHub accepted the re-run" },
    "run_url": { "type": "string", "description": "The run's page on GitHub" }
  }
}"#;

/// The action's input.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Input {
    pub repo: String,
    pub run_id: u64,
    #[serde(default)]
    pub failed_only: bool,
    #[serde(default)]
    pub enable_debug_logging: bool,
}

/// The action's output.
#[derive(Debug, Serialize)]
pub struct Output {
    pub repo: String,
    pub run_id: u64,
    pub failed_only: bool,
    pub dry_run: bool,
    pub requested: bool,
    pub run_url: String,
}

impl Actions for GithubActions {
    fn list_actions() -> Vec<ActionInfo> {
        vec![ActionInfo {
            id: ACTION_ID.into(),
            description:
                "Re-run a GitHub Actions workflow run: all of its jobs, or only the failed ones."
                    .into(),
            input_schema: INPUT_SCHEMA.into(),
            output_schema: OUTPUT_SCHEMA.into(),
        }]
    }

    fn run(action_id: String, input: String, context: RunContext) -> Result<String> {
        if action_id != ACTION_ID {
            return Err(PluginError::not_found(format!(
                "no action `{action_id}`; this plugin offers `{ACTION_ID}`"
            )));
        }
        let result = rerun(&input, context.dry_run);
        if let Err(e) = &result {
            task_log(format!("failed ({}): {}", e.kind.as_str(), e.message));
        }
        let output = result?;
        serde_json::to_string(&output)
            .map_err(|e| PluginError::internal(format!("cannot encode the output: {e}")))
    }
}

/// Parses the input and asks GitHub for the re-run (or only says what it would do).
pub fn rerun(input: &str, dry_run: bool) -> Result<Output> {
    let input: Input = serde_json::from_str(input).map_err(|e| {
        PluginError::invalid_input(format!(
            "input of `{ACTION_ID}`: {e}; expected {{\"repo\": \"owner/repo\", \"run_id\": 123, \"failed_only\": false}}"
        ))
    })?;
    let repo = Repo::parse(&input.repo).map_err(|e| e.context("input `repo`"))?;
    if input.run_id == 0 {
        return Err(PluginError::invalid_input(
            "input `run_id` must be a workflow run id (> 0)",
        ));
    }
    let config = Config::load()?;
    let (endpoint, what) = match input.failed_only {
        true => ("rerun-failed-jobs", "the failed jobs of"),
        false => ("rerun", "all jobs of"),
    };
    let path = format!(
        "{}/actions/runs/{}/{endpoint}",
        repo.api_path(),
        input.run_id
    );
    let run_url = format!("{}/{repo}/actions/runs/{}", config.web_base(), input.run_id);
    let mut output = Output {
        repo: repo.to_string(),
        run_id: input.run_id,
        failed_only: input.failed_only,
        dry_run,
        requested: false,
        run_url,
    };
    if dry_run {
        task_log(format!(
            "dry run: would re-run {what} run {} in {repo} (POST {}{path}); nothing was sent",
            input.run_id, config.base_url
        ));
        return Ok(output);
    }
    task_log(format!("re-running {what} run {} in {repo}…", input.run_id));
    let client = Client::new(config).map_err(|e| e.error)?;
    let about = About {
        what: format!("the re-run of run {} in {repo}", input.run_id),
        missing: format!("run {} in repository {repo}", input.run_id),
        permission: "Actions: write",
    };
    // No body unless needed: GitHub's default is no debug logging, and (portico-sdk 0.1) a
    // body written to a request the host refused hides the refusal behind "stream closed".
    let body = input
        .enable_debug_logging
        .then(|| serde_json::json!({ "enable_debug_logging": true }));
    let response = client
        .post(&path, body.as_ref(), &about)
        .map_err(|e| e.error)?;
    task_log(format!(
        "GitHub accepted the re-run ({}); follow it at {}",
        response.status, output.run_url
    ));
    output.requested = true;
    Ok(output)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_are_json() {
        for s in [INPUT_SCHEMA, OUTPUT_SCHEMA] {
            let v: serde_json::Value = serde_json::from_str(s).unwrap();
            assert_eq!(v["type"], "object");
        }
    }

    #[test]
    fn bad_input_is_explained() {
        let e = rerun(r#"{"repo":"nope","run_id":1}"#, true).unwrap_err();
        assert_eq!(e.kind, ErrorKind::InvalidInput);
        assert!(e.message.contains("owner/repo"), "{}", e.message);
        let e = rerun(r#"{"repo":"o/r"}"#, true).unwrap_err();
        assert!(e.message.contains("run_id"), "{}", e.message);
    }
}
