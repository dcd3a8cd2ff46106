"""Functional tests: the collection's client against a real sandbox process over HTTP."""

import os

import pytest
import yaml

from autotask_sandbox.process import SandboxProcess

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory):
    """One sandbox process for the session, started exactly as users start it."""
    seed = tmp_path_factory.mktemp("seed") / "empty.yml"
    seed.write_text(yaml.safe_dump({"tenants": []}))
    with SandboxProcess(seed) as running:
        yield running


@pytest.fixture
def sandbox(sandbox_process):
    sandbox_process.control("PUT", "/faults", {})
    return sandbox_process
