//! Scorecard checks on catalog metadata: owner, description, lifecycle, tags.

use portico_sdk::prelude::*;

use crate::ServiceStatus;

const DOCS: &str = "https://backstage.io/docs/features/software-catalog/descriptor-format";
/// Lifecycles Backstage documents; anything else is a warning.
const LIFECYCLES: [&str; 3] = ["experimental", "production", "deprecated"];
/// Descriptions shorter than this are a warning.
const MIN_DESCRIPTION: usize = 20;

impl Checks for ServiceStatus {
    fn list_checks() -> Vec<CheckInfo> {
        vec![
            CheckInfo::new(
                "has-owner",
                "Has an owner",
                "`spec.owner` names the team responsible.",
            ),
            CheckInfo::new(
                "has-description",
                "Has a description",
                "`metadata.description` says what the entity is, in at least 20 characters.",
            ),
            CheckInfo::new(
                "has-lifecycle",
                "Has a lifecycle",
                "Components and APIs set `spec.lifecycle` to experimental, production or deprecated.",
            ),
            CheckInfo::new(
                "has-tags",
                "Has tags",
                "`metadata.tags` has at least one tag, for search.",
            ),
        ]
    }

    fn evaluate(entity: Entity) -> Result<Vec<CheckResult>> {
        Ok(evaluate(&entity.parse()?))
    }
}

/// The results of every check for one entity.
pub fn evaluate(d: &Descriptor) -> Vec<CheckResult> {
    let kind = d.kind.to_ascii_lowercase();
    let owned = !matches!(kind.as_str(), "user" | "group" | "location");
    let has_lifecycle = matches!(kind.as_str(), "component" | "api");

    let owner = match d.owner() {
        _ if !owned => {
            CheckResult::not_applicable("has-owner", format!("a {} has no owner", d.kind))
        }
        Some(owner) => CheckResult::pass("has-owner", format!("owned by {owner}")),
        None => CheckResult::fail(
            "has-owner",
            "spec.owner is not set: name the team responsible",
        )
        .with_url(format!("{DOCS}#specowner-required")),
    };
    let description = match d.description() {
        Some(text) if text.trim().chars().count() >= MIN_DESCRIPTION => {
            CheckResult::pass("has-description", "described")
        }
        Some(_) => CheckResult::warn(
            "has-description",
            format!("the description is shorter than {MIN_DESCRIPTION} characters"),
        ),
        None => CheckResult::fail("has-description", "metadata.description is not set"),
    };
    let description = description.with_url(format!("{DOCS}#description-optional"));
    let lifecycle = match d.lifecycle() {
        _ if !has_lifecycle => {
            CheckResult::not_applicable("has-lifecycle", format!("a {} has no lifecycle", d.kind))
        }
        Some(l) if LIFECYCLES.contains(&l) => {
            CheckResult::pass("has-lifecycle", format!("lifecycle {l}"))
        }
        Some(l) => CheckResult::warn(
            "has-lifecycle",
            format!("unusual lifecycle `{l}`; use experimental, production or deprecated"),
        ),
        None => CheckResult::fail("has-lifecycle", "spec.lifecycle is not set")
            .with_url(format!("{DOCS}#speclifecycle-required")),
    };
    let tags = match d.metadata.tags.len() {
        0 => CheckResult::warn("has-tags", "no tags: add a few so people can find it")
            .with_url(format!("{DOCS}#tags-optional")),
        n => CheckResult::pass("has-tags", format!("{n} tag(s)")),
    };
    vec![owner, description, lifecycle, tags]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(json: &str) -> Vec<(String, Outcome)> {
        evaluate(&Descriptor::parse(json).unwrap())
            .into_iter()
            .map(|r| (r.check_id, r.outcome))
            .collect()
    }

    #[test]
    fn a_complete_component_passes_everything() {
        let got = outcomes(
            r#"{"kind":"Component","metadata":{"name":"pay","description":"Takes payments from customers",
                "tags":["java"]},"spec":{"owner":"team-a","lifecycle":"production"}}"#,
        );
        assert!(got.iter().all(|(_, o)| *o == Outcome::Pass), "{got:?}");
        assert_eq!(got.len(), ServiceStatus::list_checks().len());
    }

    #[test]
    fn gaps_fail_or_warn() {
        let got = outcomes(
            r#"{"kind":"Component","metadata":{"name":"pay","description":"short"},"spec":{"lifecycle":"beta"}}"#,
        );
        assert_eq!(
            got.into_iter().map(|(_, o)| o).collect::<Vec<_>>(),
            [Outcome::Fail, Outcome::Warn, Outcome::Warn, Outcome::Warn]
        );
        let got = outcomes(r#"{"kind":"Group","metadata":{"name":"team-a"}}"#);
        assert_eq!(got[0].1, Outcome::NotApplicable);
        assert_eq!(got[1].1, Outcome::Fail);
        assert_eq!(got[2].1, Outcome::NotApplicable);
    }
}
