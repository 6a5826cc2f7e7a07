"""{{name}}: a catalog source."""

import json

from logic import describe
from portico_sdk import PluginError, handler, log
from wit_world import exports
from wit_world.exports.provider import DiscoveredEntity, Discovery


class Provider(exports.Provider):
    def location_types(self) -> list[str]:
        return []

    @handler
    def read_location(self, location_type: str, target: str) -> Discovery:
        raise PluginError.invalid_input(f"{{id}} reads no `{location_type}` locations")

    @handler
    def discover(self) -> Discovery:
        descriptor = {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": "Component",
            "metadata": {"name": "{{id}}-example", "description": "Discovered by {{name}}"},
            "spec": {"type": "service", "owner": "team-a", "lifecycle": "experimental"},
        }
        log.info(describe(descriptor))
        found = DiscoveredEntity(descriptor=json.dumps(descriptor), location="{{id}}:example")
        return Discovery(entities=[found], errors=[])
