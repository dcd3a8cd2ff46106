"""Functional tests: the collection's client against a real sandbox process over HTTP."""

import os
import subprocess
import sys

import pytest
import requests
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class RunningSandbox:
    def __init__(self, proc, url):
        self.proc = proc
        self.url = url

    def control(self, method, path, body=None):
        r = requests.request(method, self.url + "/_sandbox" + path, json=body, timeout=10)
        r.raise_for_status()
        return r.json()

    def seed(self, doc):
        return self.control("POST", "/seed", doc)


@pytest.fixture(scope="session")
def sandbox_process(tmp_path_factory):
    """One sandbox process for the session, started exactly as users start it."""
    seed = tmp_path_factory.mktemp("seed") / "empty.yml"
    seed.write_text(yaml.safe_dump({"tenants": []}))
    env = dict(os.environ, PYTHONPATH=os.path.join(ROOT, "sandbox"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "autotask_sandbox", "--port", "0", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    url = proc.stdout.readline().strip()
    yield RunningSandbox(proc, url)
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def sandbox(sandbox_process):
    sandbox_process.control("PUT", "/faults", {})
    return sandbox_process
