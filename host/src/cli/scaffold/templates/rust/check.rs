//! {{name}}: scorecard checks.

use portico_sdk::prelude::*;

portico_sdk::manifest!("plugin.toml");

/// One line about the entity. Pure, so it is unit-tested natively (`./test.sh`).
pub fn describe(d: &Descriptor) -> String {
    match d.owner() {
        Some(owner) => format!("{} is owned by {owner}", d.name()),
        None => format!("{} has no owner yet", d.name()),
    }
}

struct Plugin;

impl Checks for Plugin {
    fn list_checks() -> Vec<CheckInfo> {
        vec![CheckInfo::new("has-owner", "Has an owner", "spec.owner names the owning team")]
    }

    fn evaluate(entity: Entity) -> Result<Vec<CheckResult>> {
        let d = entity.parse()?;
        Ok(vec![match d.owner() {
            Some(_) => CheckResult::pass("has-owner", describe(&d)),
            None => CheckResult::fail("has-owner", describe(&d)),
        }])
    }
}

portico_sdk::export_check!(Plugin);
{{rust_tests}}
