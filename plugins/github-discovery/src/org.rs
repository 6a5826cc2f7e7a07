//! Groups and users from the organization's teams and members (when `teams_and_members` is
//! on): a Group per team (`spec.parent` and `spec.children` from GitHub's team hierarchy) and
//! a User per member (`spec.memberOf` the teams they are in). The last good result is kept in
//! kv, so a run that cannot read them keeps emitting what it had.

use std::collections::BTreeMap;
use std::time::Duration;

use portico_sdk::http::encode_component;
use portico_sdk::prelude::*;
use serde_json::json;

use crate::github::Client;
use crate::model::{Member, Team};

const KEY_PREFIX: &str = "ghd1:org:";
const KEEP: Duration = Duration::from_secs(90 * 24 * 3600);
/// Teams and members read per run at most (pages of 100).
const MAX_ITEMS: usize = 20_000;

/// Adds the organization's Group and User entities (or the last good ones) to `out`.
pub fn discover(
    client: &Client,
    org: &str,
    location: &str,
    stopped: Option<&PluginError>,
    out: &mut Discovery,
) {
    let key = format!("{KEY_PREFIX}{}", org.to_ascii_lowercase());
    let fresh = match stopped {
        Some(e) => Err(PluginError::new(e.kind, "not read: the run stopped early")),
        None => read(client, org),
    };
    let entities = match fresh {
        Ok((teams, members, team_members)) => {
            let entities = entities(org, &teams, &members, &team_members);
            if let Err(e) = kv::set_json(&key, &entities, Some(KEEP)) {
                log::debug(format!("teams not remembered: {}", e.message));
            }
            entities
        }
        Err(e) => {
            out.errors.push(DiscoveryError {
                location: location.to_string(),
                message: format!("teams and members of `{org}`: {}", e.message),
            });
            kv::get_json::<Vec<String>>(&key)
                .ok()
                .flatten()
                .unwrap_or_default()
        }
    };
    out.entities
        .extend(entities.into_iter().map(|descriptor| DiscoveredEntity {
            descriptor,
            location: location.to_string(),
        }));
}

type OrgData = (Vec<Team>, Vec<Member>, BTreeMap<String, Vec<String>>);

fn read(client: &Client, org: &str) -> Result<OrgData> {
    let org_path = format!("/orgs/{}", encode_component(org));
    let teams: Vec<Team> = client
        .get_all(
            &client.url(&format!("{org_path}/teams?per_page=100")),
            &format!("the teams of {org}"),
            MAX_ITEMS,
        )
        .map_err(|e| e.error)?;
    let members: Vec<Member> = client
        .get_all(
            &client.url(&format!("{org_path}/members?per_page=100")),
            &format!("the members of {org}"),
            MAX_ITEMS,
        )
        .map_err(|e| e.error)?;
    let mut team_members: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for team in &teams {
        let logins: Vec<Member> = client
            .get_all(
                &client.url(&format!(
                    "{org_path}/teams/{}/members?per_page=100",
                    encode_component(&team.slug)
                )),
                &format!("the members of team {}", team.slug),
                MAX_ITEMS,
            )
            .map_err(|e| e.error)?;
        for m in logins {
            team_members
                .entry(m.login)
                .or_default()
                .push(team.slug.clone());
        }
    }
    Ok((teams, members, team_members))
}

/// The Group and User descriptors (pure: tested natively).
pub fn entities(
    org: &str,
    teams: &[Team],
    members: &[Member],
    team_members: &BTreeMap<String, Vec<String>>,
) -> Vec<String> {
    let mut children: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for team in teams {
        if let Some(parent) = &team.parent {
            children
                .entry(parent.slug.as_str())
                .or_default()
                .push(team.slug.clone());
        }
    }
    let mut out = Vec::new();
    for team in teams {
        let mut spec = json!({
            "type": "team",
            "profile": { "displayName": team.name },
            "children": children.get(team.slug.as_str()).cloned().unwrap_or_default(),
        });
        if let Some(parent) = &team.parent {
            spec["parent"] = json!(parent.slug);
        }
        let mut metadata = json!({
            "name": team.slug,
            "annotations": { "github.com/team-slug": format!("{org}/{}", team.slug) },
        });
        if let Some(d) = team.description.as_deref().filter(|d| !d.trim().is_empty()) {
            metadata["description"] = json!(d);
        }
        if let Some(url) = &team.html_url {
            metadata["links"] = json!([{ "url": url, "title": "GitHub team" }]);
        }
        out.push(
            json!({ "apiVersion": "backstage.io/v1alpha1", "kind": "Group", "metadata": metadata, "spec": spec })
                .to_string(),
        );
    }
    for member in members {
        let mut profile = json!({ "displayName": member.login });
        if let Some(picture) = &member.avatar_url {
            profile["picture"] = json!(picture);
        }
        let mut metadata = json!({
            "name": member.login,
            "annotations": { "github.com/user-login": member.login },
        });
        if let Some(url) = &member.html_url {
            metadata["links"] = json!([{ "url": url, "title": "GitHub profile" }]);
        }
        let member_of: Vec<String> = team_members.get(&member.login).cloned().unwrap_or_default();
        out.push(
            json!({
                "apiVersion": "backstage.io/v1alpha1",
                "kind": "User",
                "metadata": metadata,
                "spec": { "profile": profile, "memberOf": member_of },
            })
            .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TeamRef;
    use serde_json::Value;

    #[test]
    fn teams_become_groups_with_parents_and_children() {
        let teams = vec![
            Team {
                slug: "platform".into(),
                name: "Platform".into(),
                ..Team::default()
            },
            Team {
                slug: "payments".into(),
                name: "Payments".into(),
                parent: Some(TeamRef {
                    slug: "platform".into(),
                }),
                ..Team::default()
            },
        ];
        let members = vec![Member {
            login: "octocat".into(),
            ..Member::default()
        }];
        let mut team_members = BTreeMap::new();
        team_members.insert("octocat".to_string(), vec!["payments".to_string()]);
        let out: Vec<Value> = entities("acme", &teams, &members, &team_members)
            .iter()
            .map(|s| serde_json::from_str(s).unwrap())
            .collect();
        assert_eq!(out[0]["spec"]["children"], json!(["payments"]));
        assert_eq!(out[1]["spec"]["parent"], "platform");
        assert_eq!(
            out[1]["metadata"]["annotations"]["github.com/team-slug"],
            "acme/payments"
        );
        assert_eq!(out[2]["kind"], "User");
        assert_eq!(out[2]["spec"]["memberOf"], json!(["payments"]));
    }
}
