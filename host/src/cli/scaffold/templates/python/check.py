"""{{name}}: scorecard checks."""

from logic import describe
from portico_sdk import entity, handler
from wit_world import exports
from wit_world.exports.checks import CheckInfo, CheckResult, Outcome


class Checks(exports.Checks):
    def list_checks(self) -> list[CheckInfo]:
        return [CheckInfo(id="has-owner", title="Has an owner", description="spec.owner names the owning team")]

    @handler
    def evaluate(self, e) -> list[CheckResult]:
        d = entity.parse(e)
        outcome = Outcome.PASS if d.owner else Outcome.FAIL
        return [CheckResult(check_id="has-owner", outcome=outcome, message=describe(d.raw), url=None)]
