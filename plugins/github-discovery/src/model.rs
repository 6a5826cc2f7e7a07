//! The parts of GitHub's REST API responses the plugin reads. Shapes: "List organization
//! repositories", "Get repository content", "List teams", "List team members" and "List
//! organization members" in GitHub's REST API documentation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Repo {
    pub name: String,
    pub full_name: String,
    pub owner: Owner,
    pub html_url: String,
    pub default_branch: Option<String>,
    pub archived: bool,
    pub disabled: bool,
    pub fork: bool,
    /// Changes with every push to any branch: unchanged means the file is unchanged.
    pub pushed_at: Option<String>,
    /// KiB; 0 for an empty repository (which has no branch to read).
    pub size: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Owner {
    pub login: String,
}

/// `GET /repos/{owner}/{repo}/contents/{path}` for a file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Content {
    #[serde(rename = "type")]
    pub type_: String,
    pub encoding: Option<String>,
    pub size: u64,
    pub sha: String,
    pub content: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Team {
    pub slug: String,
    pub name: String,
    pub description: Option<String>,
    pub html_url: Option<String>,
    pub parent: Option<TeamRef>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TeamRef {
    pub slug: String,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Member {
    pub login: String,
    pub avatar_url: Option<String>,
    pub html_url: Option<String>,
}
