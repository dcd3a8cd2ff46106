"""A faithful, self-contained model of the Autotask PSA REST API for tests and demos.

It shares no code with the msp.autotask collection, so tests against it are not circular.
"""

from .server import Sandbox, SandboxServer
from .state import SeedError

__all__ = ["Sandbox", "SandboxServer", "SeedError", "load_seed"]


def load_seed(path):
    """Read a seed file (YAML or JSON)."""
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if path.endswith(".json"):
        import json

        return json.loads(text)
    import yaml

    return yaml.safe_load(text) or {}
