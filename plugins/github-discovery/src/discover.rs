//! One discovery run: list the organization's repositories, read each one's catalog file from
//! its default branch — skipping repositories not pushed to since the last run and
//! revalidating changed ones with the file's ETag — and emit the entities with their location.
//!
//! The host replaces everything this provider emitted before with the result, so a run that
//! cannot finish (rate limit, time budget) still emits what it knew about the repositories it
//! did not get to (from kv), with a discovery error saying why; a run that cannot even list
//! the repositories fails and the catalog keeps the last good entities.

use std::collections::BTreeSet;
use std::time::Duration;

use portico_sdk::http::{self, Response, encode_component};
use portico_sdk::prelude::*;
use serde::{Deserialize, Serialize};

use crate::catalog_file::{self, FileLocation};
use crate::config::Config;
use crate::contents;
use crate::github::{ApiError, Client, Fetch};
use crate::model::{Content, Repo};
use crate::org;
use crate::targets::{self, Emitted};

/// kv keys: `ghd2:repo:<org>/<repo>` (lower case). (`ghd1` states had no Location
/// targets; they are read again once and then deleted.)
const REPO_PREFIX: &str = "ghd2:repo:";
const OLD_REPO_PREFIX: &str = "ghd1:repo:";
/// Kept this long without being refreshed (a run refreshes every key it uses).
const KEEP: Duration = Duration::from_secs(90 * 24 * 3600);

/// What the last run learned about one repository's catalog file.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RepoState {
    pub pushed_at: Option<String>,
    pub branch: String,
    pub path: String,
    pub etag: Option<String>,
    pub sha: Option<String>,
    /// The entities of the last file that parsed.
    pub entities: Vec<String>,
    /// The current file's problem, repeated while it is unchanged.
    pub error: Option<String>,
    /// Entities of the files the file's Location entities point at.
    #[serde(default)]
    pub targets: Vec<Emitted>,
    /// Problems with those targets: `(location, message)`.
    #[serde(default)]
    pub target_errors: Vec<(String, String)>,
}

/// Counts for the log line at the end of a run.
#[derive(Debug, Default)]
struct Tally {
    listed: usize,
    skipped: usize,
    unchanged: usize,
    revalidated: usize,
    read: usize,
    without_file: usize,
    stale: usize,
}

pub fn run() -> Result<Discovery> {
    let config = Config::load()?;
    let org = config.org()?.to_string();
    let client = Client::new(config)?;
    let web = client.config.web_base();
    let repos: Vec<Repo> = client
        .get_all(
            &client.url(&format!(
                "/orgs/{}/repos?type=all&per_page=100",
                encode_component(&org)
            )),
            &format!("the repositories of {org}"),
            client.config.max_repositories as usize,
        )
        .map_err(|e| {
            e.error
                .context(format_args!("listing the repositories of `{org}`"))
        })?;

    let mut out = Discovery {
        entities: Vec::new(),
        errors: Vec::new(),
    };
    let mut tally = Tally {
        listed: repos.len(),
        ..Tally::default()
    };
    let mut stopped: Option<PluginError> = None;
    let mut used_keys = BTreeSet::new();
    // First what each repository needs: nothing (filtered out), what the last run found
    // (not pushed to since), or a read of its file.
    let mut to_read: Vec<ToRead> = Vec::new();
    for repo in &repos {
        let config = &client.config;
        let Some(branch) = config
            .branch
            .clone()
            .or_else(|| repo.default_branch.clone())
        else {
            tally.skipped += 1;
            continue;
        };
        if (repo.archived && !config.include_archived)
            || (repo.fork && !config.include_forks)
            || repo.disabled
            || !config.wants_repository(&repo.name)
        {
            tally.skipped += 1;
            continue;
        }
        let at = FileLocation {
            web: web.clone(),
            slug: repo.full_name.clone(),
            branch: branch.clone(),
            path: config.catalog_path.clone(),
        };
        let key = format!("{REPO_PREFIX}{}", repo.full_name.to_ascii_lowercase());
        used_keys.insert(key.clone());
        // A state for another branch or path says nothing about this file.
        let state: Option<RepoState> = kv::get_json::<RepoState>(&key)
            .ok()
            .flatten()
            .filter(|s| s.branch == branch && s.path == at.path);
        match state {
            Some(state) if state.pushed_at.is_some() && state.pushed_at == repo.pushed_at => {
                tally.unchanged += 1;
                emit(&mut out, &at, &state);
            }
            state => to_read.push(ToRead {
                repo,
                at,
                key,
                state,
            }),
        }
    }

    // Then the files, a few at once.
    for batch in to_read.chunks(client.config.concurrency.max(1) as usize) {
        if stopped.is_none() && client.out_of_time() {
            stopped = Some(client.budget_spent().error);
        }
        if stopped.is_some() {
            // Not re-read this run: what the last run found stays.
            for item in batch {
                if let Some(state) = &item.state {
                    tally.stale += 1;
                    emit(&mut out, &item.at, state);
                }
            }
            continue;
        }
        let requests = batch
            .iter()
            .map(|item| {
                let etag = item.state.as_ref().and_then(|s| s.etag.as_deref());
                client.request(&contents::url(&client, &item.at), etag)
            })
            .collect();
        for (item, answer) in batch.iter().zip(http::send_all(requests)) {
            match read(&client, item, answer) {
                Ok((next, how)) => {
                    match how {
                        How::NotModified => tally.revalidated += 1,
                        How::Read => tally.read += 1,
                        How::Missing => tally.without_file += 1,
                    }
                    store(&item.key, &next);
                    emit(&mut out, &item.at, &next);
                }
                Err(ApiError { error, stop }) => {
                    // Keep what the last good read found, and say what went wrong.
                    out.errors.push(DiscoveryError {
                        location: item.at.location(),
                        message: error.message.clone(),
                    });
                    if let Some(state) = &item.state {
                        emit_entities(&mut out, &item.at, state);
                    }
                    if stop && stopped.is_none() {
                        stopped = Some(error);
                    }
                }
            }
        }
    }

    let org_url = format!("url:{web}/{org}");
    if let Some(e) = &stopped {
        out.errors.push(DiscoveryError {
            location: org_url.clone(),
            message: format!(
                "the run stopped early ({}: {}); {} repositories keep the entities of their last \
                 read, and the next run continues",
                e.kind.as_str(),
                e.message,
                tally.stale
            ),
        });
    } else {
        forget_other_repositories(&org, &used_keys);
    }
    if client.config.teams_and_members {
        org::discover(&client, &org, &org_url, stopped.as_ref(), &mut out);
    }
    log::info(format!(
        "github-discovery {org}: {} repositories listed, {} skipped by configuration, {} unchanged, \
         {} revalidated, {} read, {} without a catalog file, {} not re-read; {} entities, {} errors",
        tally.listed,
        tally.skipped,
        tally.unchanged,
        tally.revalidated,
        tally.read,
        tally.without_file,
        tally.stale,
        out.entities.len(),
        out.errors.len()
    ));
    Ok(out)
}

enum How {
    NotModified,
    Read,
    Missing,
}

/// A repository whose catalog file is read in this run.
struct ToRead<'a> {
    repo: &'a Repo,
    at: FileLocation,
    key: String,
    state: Option<RepoState>,
}

/// The new state of a repository from the answer to its (conditional) contents request.
fn read(
    client: &Client,
    item: &ToRead,
    answer: Result<Response>,
) -> Result<(RepoState, How), ApiError> {
    let (repo, at, state) = (item.repo, &item.at, &item.state);
    let mut next = state.clone().unwrap_or_else(|| RepoState {
        branch: at.branch.clone(),
        path: at.path.clone(),
        ..RepoState::default()
    });
    next.pushed_at = repo.pushed_at.clone();
    let what = format!("{} of {}", at.path, repo.full_name);
    let (fetch, _) = client.answer::<Content>(answer, &what)?;
    let how = match fetch {
        Fetch::NotModified => How::NotModified,
        Fetch::NotFound => {
            next.etag = None;
            next.sha = None;
            next.entities.clear();
            next.error = None;
            next.targets.clear();
            next.target_errors.clear();
            return Ok((next, How::Missing));
        }
        Fetch::Fresh { data, etag } => {
            next.etag = etag;
            if next.sha.as_deref() == Some(data.sha.as_str()) && next.error.is_none() {
                How::NotModified
            } else {
                next.sha = Some(data.sha.clone());
                match contents::text(&data, &what).and_then(|text| catalog_file::parse(&text, at)) {
                    Ok(entities) => {
                        next.entities = entities;
                        next.error = None;
                    }
                    // The entities of the last good version stay.
                    Err(problem) => next.error = Some(problem),
                }
                How::Read
            }
        }
    };
    // The repository changed, so the files its Location entities name may have too.
    let followed = targets::follow(client, at, &next.entities)?;
    next.targets = followed.entities;
    next.target_errors = followed.errors;
    Ok((next, how))
}

/// The entities of a repository's state, and its problems.
fn emit(out: &mut Discovery, at: &FileLocation, state: &RepoState) {
    emit_entities(out, at, state);
    if let Some(problem) = &state.error {
        out.errors.push(DiscoveryError {
            location: at.location(),
            message: problem.clone(),
        });
    }
    out.errors.extend(
        state
            .target_errors
            .iter()
            .map(|(location, message)| DiscoveryError {
                location: location.clone(),
                message: message.clone(),
            }),
    );
}

/// The entities of the file and of its targets, each with the location of its own file.
fn emit_entities(out: &mut Discovery, at: &FileLocation, state: &RepoState) {
    out.entities
        .extend(state.entities.iter().map(|descriptor| DiscoveredEntity {
            descriptor: descriptor.clone(),
            location: at.location(),
        }));
    out.entities
        .extend(state.targets.iter().map(|e| DiscoveredEntity {
            descriptor: e.descriptor.clone(),
            location: e.location.clone(),
        }));
}

fn store(key: &str, state: &RepoState) {
    if let Err(e) = kv::set_json(key, state, Some(KEEP)) {
        log::debug(format!(
            "not remembered ({}): {}; the next run reads this repository again",
            e.kind.as_str(),
            e.message
        ));
    }
}

/// Drops the state of repositories the organization no longer lists (deleted, renamed,
/// filtered out), so kv does not grow forever.
fn forget_other_repositories(org: &str, used: &BTreeSet<String>) {
    for prefix in [REPO_PREFIX, OLD_REPO_PREFIX] {
        let prefix = format!("{prefix}{}/", org.to_ascii_lowercase());
        let Ok(keys) = kv::list_keys(&prefix, 100_000) else {
            continue;
        };
        for key in keys.iter().filter(|k| !used.contains(*k)) {
            let _ = kv::delete(key);
        }
    }
}
