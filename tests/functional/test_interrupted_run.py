"""A report always comes out (issue #16 item 2): hosts that lack variables and a run interrupted while a
tenant is still working all end in a report that names every host with its reason."""

import json
import os
import signal
import subprocess
import time

import yaml
from test_fleet import fleet  # noqa: F401 (a fixture)

from playbook import COLLECTIONS, ROOT


def report(folder):
    try:
        with open(os.path.join(folder, "fleet-report.json"), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def test_an_interrupted_run_leaves_a_report_naming_every_host_with_its_reason(fleet):  # noqa: F811
    sandbox, inventory, tmp = fleet
    with open(inventory, encoding="utf-8") as handle:
        doc = yaml.safe_load(handle)
    hosts = doc["autotask_tenants"]["hosts"]
    del hosts["tenant3"]["msp_autotask_vendors"]  # lacks its vendor list
    del hosts["tenant4"]["propel_permissions"]  # a good tenant, but slow: still working at the interrupt
    del hosts["tenant5"]["propel_permissions"]
    del hosts["tenant5"]["msp_autotask_tenant_domain"]  # lacks what the vendor's email is made of
    with open(inventory, "w", encoding="utf-8") as handle:
        yaml.safe_dump(doc, handle)
    sandbox.control("PUT", "/faults", {"tenant": 60004, "latency_ms": 3000})
    folder = os.path.join(tmp, "report")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1", ANSIBLE_STRATEGY="free")
    proc = subprocess.Popen(
        ["ansible-playbook", os.path.join(ROOT, "playbooks", "audit.yml"), "-i", inventory, "--forks", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            partial = (report(folder) or {}).get("partial")
            if partial and partial["finished"] == 4:
                break
            assert proc.poll() is None, "the run ended before the interrupt"
            time.sleep(0.2)
        else:
            raise AssertionError("no partial report with four finished tenants")
        proc.send_signal(signal.SIGINT)  # as Ctrl-C, or AWX cancelling the job
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode != 0, output
    doc = report(folder)
    assert doc["partial"] == {"finished": 4, "targeted": 5}
    tenants = {t["host"]: t for t in doc["tenants"]}
    assert sorted(tenants) == ["tenant1", "tenant2", "tenant3", "tenant4", "tenant5"]
    assert tenants["tenant1"]["status"] != "failed"
    reasons = {host: (t["failure"] or {}).get("msg", "") for host, t in tenants.items()}
    assert "authentication failed" in reasons["tenant2"], (reasons, output[-4000:])
    assert "msp_autotask_vendors" in reasons["tenant3"]
    assert "msp_autotask_tenant_domain" in reasons["tenant5"]
    assert "had not finished" in reasons["tenant4"]
    with open(os.path.join(folder, "fleet-report.md"), encoding="utf-8") as handle:
        assert "Partial report: 4 of 5 tenants had finished" in handle.read()

    # The next run is whole again, and clears the interrupted run's outcomes.
    sandbox.control("PUT", "/faults", {})
    rerun = subprocess.run(
        ["ansible-playbook", os.path.join(ROOT, "playbooks", "audit.yml"), "-i", inventory],
        capture_output=True,
        text=True,
        env=dict(env, ANSIBLE_STRATEGY="linear"),
        timeout=300,
    )
    doc = report(folder)
    assert "partial" not in doc, rerun.stdout[-3000:]
    assert {t["host"]: t["status"] for t in doc["tenants"]}["tenant4"] != "failed"
    assert not os.path.exists(os.path.join(folder, ".msp-autotask-runs"))
