"""The plugin's logic, free of host imports so that it runs in plain Python tests."""


def describe(descriptor: dict) -> str:
    """One line about an entity descriptor."""
    name = (descriptor.get("metadata") or {}).get("name", "?")
    owner = (descriptor.get("spec") or {}).get("owner")
    return f"{name} is owned by {owner}" if owner else f"{name} has no owner yet"
