"""The sandbox as a separate process, the way users start it, with a client for its control plane.

Shared by the demo, the benchmark and the functional tests. (The collection's modules never
use the control plane: the real Autotask has none.)
"""

import os
import subprocess
import sys

import requests

PACKAGE_PARENT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class SandboxProcess:
    """`python -m autotask_sandbox --port 0 --seed SEED` on loopback; `url` is its base URL."""

    def __init__(self, seed, port=0):
        env = dict(os.environ, PYTHONPATH=PACKAGE_PARENT)
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "autotask_sandbox", "--host", "127.0.0.1", "--port", str(port), "--seed", str(seed)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.url = self.proc.stdout.readline().strip()
        if not self.url.startswith("http://"):
            self.stop()
            raise RuntimeError("the sandbox did not start")

    def control(self, method, path, body=None):
        """Call the control plane (/_sandbox/...) and return its JSON answer."""
        response = requests.request(method, self.url + "/_sandbox" + path, json=body, timeout=120)
        response.raise_for_status()
        return response.json()

    def seed(self, doc):
        return self.control("POST", "/seed", doc)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
