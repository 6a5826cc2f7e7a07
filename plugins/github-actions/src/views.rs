//! The "GitHub Actions" tab: recent workflow runs (filter by branch, paging), and a run's
//! jobs and steps (`run=<id>`) with a button to re-run it. Errors become notices.

use portico_sdk::http::encode_component;
use portico_sdk::prelude::*;

use crate::GithubActions;
use crate::config::{Config, Repo, SLUG_ANNOTATION};
use crate::github::{About, ApiError, Client, Fetched, Links};
use crate::model::{Job, JobList, Run, RunList};
use crate::time;

pub const VIEW_ID: &str = "workflow-runs";
/// `plugin-id:action-id` of the re-run action, for action buttons.
pub const RERUN_ACTION: &str = "github-actions:github:actions:rerun";
const TITLE: &str = "GitHub Actions";

/// What the view was asked for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Params {
    pub branch: Option<String>,
    pub page: u32,
    pub run: Option<u64>,
    pub refresh: bool,
}

impl Params {
    pub fn parse(params: &[(String, String)]) -> Params {
        let mut p = Params {
            page: 1,
            ..Params::default()
        };
        for (k, v) in params {
            match k.as_str() {
                "branch" if !v.trim().is_empty() => p.branch = Some(v.trim().to_string()),
                "page" => p.page = v.parse().unwrap_or(1).max(1),
                "run" => p.run = v.parse().ok(),
                "refresh" => p.refresh = v == "1",
                _ => {}
            }
        }
        p
    }

    /// View-link parameters for the runs list with this branch filter and page.
    fn list_link(branch: Option<&str>, page: u32) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(b) = branch {
            out.push(("branch".to_string(), b.to_string()));
        }
        if page > 1 {
            out.push(("page".to_string(), page.to_string()));
        }
        out
    }
}

impl Views for GithubActions {
    fn views_for(entity: Entity) -> Vec<ViewInfo> {
        let has_slug = entity
            .parse()
            .is_ok_and(|d| d.annotation(SLUG_ANNOTATION).is_some());
        if has_slug {
            vec![ViewInfo::tab(VIEW_ID, TITLE)]
        } else {
            vec![]
        }
    }

    fn render(view_id: String, entity: Entity, params: Vec<(String, String)>) -> Result<View> {
        if view_id != VIEW_ID {
            return Err(PluginError::not_found(format!("no view `{view_id}`")));
        }
        let params = Params::parse(&params);
        let outcome = (|| -> Result<View, (Option<Repo>, ApiError)> {
            let repo = Repo::of(&entity).map_err(|e| (None, e.into()))?;
            let config = Config::load().map_err(|e| (Some(repo.clone()), e.into()))?;
            let client = Client::new(config).map_err(|e| (Some(repo.clone()), e))?;
            match params.run {
                Some(run) => run_details(&client, &repo, run, &params),
                None => runs_list(&client, &repo, &params),
            }
            .map_err(|e| (Some(repo.clone()), e))
        })();
        Ok(outcome.unwrap_or_else(|(repo, e)| error_view(repo.as_ref(), &e)))
    }
}

/// A notice for `e`, with the retry time as a timestamp field when known.
pub fn error_view(repo: Option<&Repo>, e: &ApiError) -> View {
    let title = match repo {
        Some(r) => format!("{TITLE} — {r}"),
        None => TITLE.to_string(),
    };
    let mut section = Section::untitled().error(&e.error);
    if let Some(at) = e.retry_at {
        section = section.field("Retry after", timestamp(time::format_secs(at)));
    }
    if repo.is_some() {
        section = section.links([Link::view("Try again", [("refresh", "1")])]);
    }
    View::new(title).section(section)
}

fn runs_list(client: &Client, repo: &Repo, p: &Params) -> Result<View, ApiError> {
    let mut query = format!(
        "{}/actions/runs?per_page={}&page={}",
        repo.api_path(),
        client.config.per_page,
        p.page
    );
    if let Some(b) = &p.branch {
        query.push_str(&format!("&branch={}", encode_component(b)));
    }
    let about = About {
        what: format!("the workflow runs of {repo}"),
        missing: format!("repository {repo}"),
        permission: "Actions: read",
    };
    let fetched: Fetched<RunList> = client.get(&query, &about, p.refresh)?;
    Ok(render_runs(repo, p, &fetched, time::now_secs()))
}

/// The runs list for a fetched page (pure: tested natively).
pub fn render_runs(repo: &Repo, p: &Params, fetched: &Fetched<RunList>, now: i64) -> View {
    let list = &fetched.data;
    let branch = p.branch.as_deref();

    let mut filters = vec![Link::view("All branches", Vec::<(String, String)>::new())];
    let mut seen: Vec<&str> = Vec::new();
    for b in list
        .workflow_runs
        .iter()
        .filter_map(|r| r.head_branch.as_deref())
    {
        if !seen.contains(&b) && seen.len() < 10 {
            seen.push(b);
        }
    }
    if let Some(b) = branch
        && !seen.contains(&b)
    {
        seen.insert(0, b);
    }
    filters.extend(seen.iter().map(|b| Link::view(*b, [("branch", *b)])));
    let filter_text = match branch {
        Some(b) => format!("Runs on branch `{b}`; {} in total.", list.total_count),
        None => format!("Runs on all branches; {} in total.", list.total_count),
    };

    let rows = list.workflow_runs.iter().map(|run| run_row(run, now));
    let empty = match branch {
        Some(b) => format!("No workflow runs on branch `{b}`."),
        None => format!("No workflow runs in {repo} yet."),
    };
    let table = Table::new([
        "Workflow", "Branch", "Commit", "Event", "Status", "Duration", "Started", "GitHub",
    ])
    .rows(rows)
    .empty_text(empty);

    let mut runs = Section::new("Workflow runs").table(table);
    let paging = paging_links(branch, p.page, &fetched.links);
    if !paging.is_empty() {
        runs = runs.links(paging);
    }
    View::new(format!("{TITLE} — {repo}"))
        .section(Section::new("Branch").markdown(filter_text).links(filters))
        .section(runs)
        .section(source_section(
            fetched.cached,
            Params::list_link(branch, p.page),
        ))
}

fn run_row(run: &Run, now: i64) -> Vec<Cell> {
    let workflow = run.name.clone().unwrap_or_else(|| "workflow".into());
    let label = format!("{workflow} #{}", run.run_number);
    let branch = match run.head_branch.as_deref() {
        Some(b) => Link::view(b, [("branch", b)]).into(),
        None => Cell::Empty,
    };
    vec![
        Link::view(label, [("run", run.id.to_string())]).into(),
        branch,
        commit_cell(run),
        text(&run.event),
        state_cell(run.status.as_deref(), run.conclusion.as_deref()),
        run_duration(run, now).map_or(Cell::Empty, duration_ms),
        run.run_started_at
            .clone()
            .or_else(|| run.created_at.clone())
            .map_or(Cell::Empty, Cell::Timestamp),
        Link::url("Open", &run.html_url).into(),
    ]
}

fn commit_cell(run: &Run) -> Cell {
    let short: String = run.head_sha.chars().take(7).collect();
    match run.repo_web_url() {
        Some(web) if !short.is_empty() => {
            Link::url(short, format!("{web}/commit/{}", run.head_sha)).into()
        }
        _ => code(short),
    }
}

/// From `run_started_at` to `updated_at` once completed, or to now while it runs.
pub fn run_duration(run: &Run, now: i64) -> Option<u64> {
    let start = run.run_started_at.as_deref().or(run.created_at.as_deref());
    if run.status.as_deref() == Some("completed") {
        time::between_ms(start, run.updated_at.as_deref())
    } else {
        let start = time::parse_ms(start?)?;
        u64::try_from(now * 1000 - start).ok()
    }
}

/// A status cell for GitHub's `status` and `conclusion`.
pub fn state_cell(status: Option<&str>, conclusion: Option<&str>) -> Cell {
    Status::new(state_of(status, conclusion), label_of(status, conclusion)).into()
}

pub fn state_of(status: Option<&str>, conclusion: Option<&str>) -> State {
    match (status, conclusion) {
        (_, Some("success")) => State::Ok,
        (_, Some("failure" | "timed_out" | "startup_failure")) => State::Error,
        (_, Some("cancelled" | "action_required")) => State::Warning,
        (_, Some(_)) => State::Unknown,
        (Some("in_progress"), None) => State::Running,
        (Some("queued" | "waiting" | "requested" | "pending"), None) => State::Pending,
        _ => State::Unknown,
    }
}

fn label_of(status: Option<&str>, conclusion: Option<&str>) -> String {
    conclusion.or(status).unwrap_or("unknown").replace('_', " ")
}

fn paging_links(branch: Option<&str>, page: u32, links: &Links) -> Vec<Link> {
    let mut out = Vec::new();
    let prev = links.prev.or((page > 1).then(|| page - 1));
    if let Some(prev) = prev {
        out.push(Link::view("← Newer", Params::list_link(branch, prev)));
    }
    if let Some(next) = links.next {
        let label = match links.last {
            Some(last) => format!("Older → (page {next} of {last})"),
            None => format!("Older → (page {next})"),
        };
        out.push(Link::view(label, Params::list_link(branch, next)));
    }
    out
}

fn source_section(cached: Option<bool>, mut refresh: Vec<(String, String)>) -> Section {
    let source = match cached {
        Some(true) => Badge::new("cached", Tone::Neutral),
        Some(false) => Badge::new("revalidated (304)", Tone::Neutral),
        None => Badge::new("live", Tone::Info),
    };
    refresh.push(("refresh".into(), "1".into()));
    Section::untitled()
        .field("Source", source)
        .links([Link::view("Refresh", refresh)])
}

fn run_details(client: &Client, repo: &Repo, run_id: u64, p: &Params) -> Result<View, ApiError> {
    let about = |what: &str| About {
        what: format!("{what} of run {run_id} in {repo}"),
        missing: format!("run {run_id} in repository {repo}"),
        permission: "Actions: read",
    };
    let run: Fetched<Run> = client.get(
        &format!("{}/actions/runs/{run_id}", repo.api_path()),
        &about("the details"),
        p.refresh,
    )?;
    let jobs: Fetched<JobList> = client.get(
        &format!(
            "{}/actions/runs/{run_id}/jobs?per_page=100",
            repo.api_path()
        ),
        &about("the jobs"),
        p.refresh,
    )?;
    Ok(render_run(
        repo,
        &run.data,
        &jobs.data,
        run.cached,
        time::now_secs(),
    ))
}

/// A run's summary, its jobs and their steps (pure: tested natively).
pub fn render_run(repo: &Repo, run: &Run, jobs: &JobList, cached: Option<bool>, now: i64) -> View {
    let workflow = run.name.clone().unwrap_or_else(|| "workflow".into());
    let mut summary = Section::untitled()
        .block(Block::Status(Status::new(
            state_of(run.status.as_deref(), run.conclusion.as_deref()),
            label_of(run.status.as_deref(), run.conclusion.as_deref()),
        )))
        .field("Workflow", workflow.as_str())
        .field("Title", run.display_title.clone())
        .field(
            "Branch",
            match run.head_branch.as_deref() {
                Some(b) => Link::view(b, [("branch", b)]).into(),
                None => Cell::Empty,
            },
        )
        .field("Commit", commit_cell(run))
        .field("Event", run.event.as_str())
        .field("Actor", run.actor.as_ref().map(|a| a.login.clone()))
        .field("Attempt", run.run_attempt.map(|a| a.to_string()))
        .field(
            "Started",
            run.run_started_at
                .clone()
                .map_or(Cell::Empty, Cell::Timestamp),
        )
        .field(
            "Duration",
            run_duration(run, now).map_or(Cell::Empty, duration_ms),
        )
        .links([
            Link::view("← All runs", Vec::<(String, String)>::new()),
            Link::url("Open on GitHub", &run.html_url),
        ]);
    if run.status.as_deref() == Some("completed") {
        let input = |failed_only: bool| {
            serde_json::json!({ "repo": repo.to_string(), "run_id": run.id, "failed_only": failed_only })
                .to_string()
        };
        if run.can_rerun_failed() {
            summary = summary.action("Re-run failed jobs", RERUN_ACTION, input(true));
        }
        summary = summary.action("Re-run all jobs", RERUN_ACTION, input(false));
    }

    let mut view = View::new(format!("{workflow} #{} — {repo}", run.run_number)).section(summary);
    let jobs_table = Table::new(["Job", "Status", "Duration", "Started", "Runner", "GitHub"])
        .rows(jobs.jobs.iter().map(|j| job_row(j, now)))
        .empty_text("No jobs (yet) for this run.");
    let mut jobs_section = Section::new(format!("Jobs ({})", jobs.total_count)).table(jobs_table);
    if jobs.total_count > jobs.jobs.len() as u64 {
        jobs_section = jobs_section.text(format!(
            "Showing the first {} of {} jobs; the others are on GitHub.",
            jobs.jobs.len(),
            jobs.total_count
        ));
    }
    view = view.section(jobs_section);
    for job in &jobs.jobs {
        let steps = Table::new(["#", "Step", "Status", "Duration"])
            .rows(job.steps.iter().map(|s| {
                [
                    text(s.number.to_string()),
                    text(&s.name),
                    state_cell(s.status.as_deref(), s.conclusion.as_deref()),
                    step_duration(s.started_at.as_deref(), s.completed_at.as_deref(), now)
                        .map_or(Cell::Empty, duration_ms),
                ]
            }))
            .empty_text("No steps reported.");
        view = view.section(Section::new(format!("Steps of {}", job.name)).table(steps));
    }
    view.section(source_section(
        cached,
        vec![("run".into(), run.id.to_string())],
    ))
}

fn job_row(job: &Job, now: i64) -> Vec<Cell> {
    vec![
        text(&job.name),
        state_cell(job.status.as_deref(), job.conclusion.as_deref()),
        step_duration(job.started_at.as_deref(), job.completed_at.as_deref(), now)
            .map_or(Cell::Empty, duration_ms),
        job.started_at.clone().map_or(Cell::Empty, Cell::Timestamp),
        job.runner_name.clone().into(),
        job.html_url
            .as_ref()
            .map_or(Cell::Empty, |u| Link::url("Open", u).into()),
    ]
}

/// From `started_at` to `completed_at`, or to now while it runs.
fn step_duration(started: Option<&str>, completed: Option<&str>, now: i64) -> Option<u64> {
    match completed {
        Some(_) => time::between_ms(started, completed),
        None => u64::try_from(now * 1000 - time::parse_ms(started?)?).ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(json: serde_json::Value) -> Run {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn params_are_read_leniently() {
        let p = Params::parse(&[
            ("branch".into(), "main".into()),
            ("page".into(), "x".into()),
            ("run".into(), "42".into()),
        ]);
        assert_eq!(
            p,
            Params {
                branch: Some("main".into()),
                page: 1,
                run: Some(42),
                refresh: false
            }
        );
    }

    #[test]
    fn states_follow_status_and_conclusion() {
        assert_eq!(state_of(Some("completed"), Some("success")), State::Ok);
        assert_eq!(state_of(Some("completed"), Some("failure")), State::Error);
        assert_eq!(
            state_of(Some("completed"), Some("cancelled")),
            State::Warning
        );
        assert_eq!(state_of(Some("completed"), Some("skipped")), State::Unknown);
        assert_eq!(state_of(Some("in_progress"), None), State::Running);
        assert_eq!(state_of(Some("queued"), None), State::Pending);
        assert_eq!(label_of(Some("completed"), Some("timed_out")), "timed out");
    }

    #[test]
    fn runs_table_links_commit_branch_and_details() {
        let r = run(serde_json::json!({
            "id": 30433642, "name": "Build", "head_branch": "main", "head_sha": "acb5820ced9479c074f688cc328bf03f341a511d",
            "event": "push", "status": "completed", "conclusion": "success", "run_number": 562,
            "html_url": "https://github.com/octo-org/octo-repo/actions/runs/30433642",
            "run_started_at": "2020-01-22T19:33:08Z", "updated_at": "2020-01-22T19:34:20Z",
            "repository": { "html_url": "https://github.com/octo-org/octo-repo" }
        }));
        let row = run_row(&r, 0);
        assert!(matches!(&row[0], Cell::Link(l) if l.label == "Build #562"
            && matches!(&l.target, LinkTarget::View(p) if p == &[("run".to_string(), "30433642".to_string())])));
        assert!(matches!(&row[2], Cell::Link(l) if l.label == "acb5820"
            && matches!(&l.target, LinkTarget::Url(u) if u.ends_with("/octo-repo/commit/acb5820ced9479c074f688cc328bf03f341a511d"))));
        assert!(matches!(&row[4], Cell::Status(s) if s.state == State::Ok));
        assert!(matches!(&row[5], Cell::DurationMs(72_000)));
    }

    #[test]
    fn paging_keeps_the_branch() {
        let links = paging_links(
            Some("dev"),
            2,
            &Links {
                next: Some(3),
                prev: Some(1),
                last: Some(4),
            },
        );
        assert_eq!(links.len(), 2);
        assert!(
            matches!(&links[0].target, LinkTarget::View(p) if p == &[("branch".to_string(), "dev".to_string())])
        );
        assert!(matches!(&links[1].target, LinkTarget::View(p) if p.len() == 2 && p[1].1 == "3"));
    }
}
