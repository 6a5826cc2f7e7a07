"""{{name}}: a self-service action."""

import json

from logic import describe
from portico_sdk import PluginError, handler
from wit_world import exports
from wit_world.exports.actions import ActionInfo
from wit_world.imports import task_log

ACTION = "{{id}}:describe"


class Actions(exports.Actions):
    def list_actions(self) -> list[ActionInfo]:
        return [
            ActionInfo(
                id=ACTION,
                description="Describes an entity descriptor",
                input_schema='{"type":"object","required":["entity"],"properties":{"entity":{"type":"object"}}}',
                output_schema='{"type":"object","properties":{"summary":{"type":"string"}}}',
            )
        ]

    @handler
    def run(self, action_id: str, input: str, context) -> str:
        if action_id != ACTION:
            raise PluginError.not_found(f"no action {action_id}")
        try:
            data = json.loads(input)
        except ValueError as err:
            raise PluginError.invalid_input(f"input is not JSON: {err}") from None
        summary = describe(data.get("entity") or {})
        task_log.write(f"{summary} (dry run: {context.dry_run})")
        return json.dumps({"summary": summary})
