"""Catalog entities as plugins receive them: the parsed reference plus the descriptor
(Backstage's shape) as JSON text. `Descriptor` gives typed access to the common fields."""

import json
from typing import Any, Optional


class Descriptor:
    """An entity descriptor (`apiVersion`, `kind`, `metadata`, `spec`, `relations`)."""

    def __init__(self, raw: dict):
        self.raw = raw

    @classmethod
    def parse(cls, entity) -> "Descriptor":
        """Parses the `descriptor` of a WIT `entity` (or a JSON string)."""
        from .errors import PluginError

        text = entity if isinstance(entity, str) else entity.descriptor
        try:
            raw = json.loads(text)
        except ValueError as err:
            raise PluginError.invalid_input(f"the entity descriptor is not JSON: {err}") from None
        if not isinstance(raw, dict):
            raise PluginError.invalid_input("the entity descriptor is not a JSON object")
        return cls(raw)

    @property
    def kind(self) -> str:
        return self.raw.get("kind", "")

    @property
    def metadata(self) -> dict:
        return self.raw.get("metadata") or {}

    @property
    def spec(self) -> dict:
        return self.raw.get("spec") or {}

    @property
    def name(self) -> str:
        return self.metadata.get("name", "")

    @property
    def namespace(self) -> str:
        return self.metadata.get("namespace") or "default"

    @property
    def title(self) -> Optional[str]:
        return self.metadata.get("title")

    @property
    def description(self) -> Optional[str]:
        return self.metadata.get("description")

    @property
    def annotations(self) -> dict:
        return self.metadata.get("annotations") or {}

    @property
    def labels(self) -> dict:
        return self.metadata.get("labels") or {}

    @property
    def tags(self) -> list:
        return self.metadata.get("tags") or []

    @property
    def links(self) -> list:
        return self.metadata.get("links") or []

    @property
    def owner(self) -> Optional[str]:
        return self.spec.get("owner")

    @property
    def lifecycle(self) -> Optional[str]:
        return self.spec.get("lifecycle")

    @property
    def system(self) -> Optional[str]:
        return self.spec.get("system")

    @property
    def type(self) -> Optional[str]:
        return self.spec.get("type")

    @property
    def relations(self) -> list:
        return self.raw.get("relations") or []

    def annotation(self, key: str) -> Optional[str]:
        return self.annotations.get(key)

    def ref(self) -> str:
        """`kind:namespace/name`, lower-cased as Backstage compares refs."""
        return f"{self.kind}:{self.namespace}/{self.name}".lower()

    def get(self, path: str, default: Any = None) -> Any:
        """A value by dotted path, e.g. `spec.owner` or `metadata.annotations.x`."""
        value: Any = self.raw
        for part in path.split("."):
            if not isinstance(value, dict) or part not in value:
                return default
            value = value[part]
        return value


def parse(entity) -> Descriptor:
    """Shorthand for `Descriptor.parse(entity)`."""
    return Descriptor.parse(entity)
