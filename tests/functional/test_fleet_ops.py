"""Fleet operations over a real sandbox (issue #16): what changed since the last run, the CSV export,
merged slices and a new tenant in one step."""

import csv
import json
import os
import subprocess

import jsonschema
import yaml
from test_fleet import fleet, play  # noqa: F401 (fleet is a fixture)

from playbook import COLLECTIONS, ROOT


def load(folder):
    """A report folder's JSON, checked against the published schema."""
    with open(os.path.join(ROOT, "docs", "fleet-report.schema.json"), encoding="utf-8") as handle:
        schema = json.load(handle)
    with open(os.path.join(folder, "fleet-report.json"), encoding="utf-8") as handle:
        doc = json.load(handle)
    jsonschema.validate(doc, schema)
    return doc


def test_a_rerun_into_the_same_folder_says_what_changed_since(fleet):  # noqa: F811
    sandbox, inventory, tmp = fleet
    folder = os.path.join(tmp, "report")
    play("audit.yml", inventory)
    assert load(folder)["changes"] is None  # nothing to compare with yet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})
    play("audit.yml", inventory)
    changes = load(folder)["changes"]
    (item,) = changes["items"]
    # tenant1 already drifted (its security level); what is new is the deactivated user.
    assert (item["host"], item["role"], item["from"], item["to"]) == ("tenant1", "propel", "drift", "drift")
    assert item["new_drift"] == ["field isActive"] and len(item["new_manual_steps"]) == 1
    with open(os.path.join(folder, "fleet-report.md"), encoding="utf-8") as handle:
        markdown = handle.read()
    assert markdown.index("Since the previous report (audit,") < markdown.index("| vendor |")
    assert "- tenant1, Propel Your MSP: still drift; new drift: field isActive; new manual steps: 1" in markdown
    with open(os.path.join(folder, "fleet-report.csv"), encoding="utf-8", newline="") as handle:
        rows = {(r["host"], r["role"]): r for r in csv.DictReader(handle)}
    assert rows[("tenant1", "propel")]["change"] == "same" and rows[("tenant1", "propel")]["status"] == "drift"
    assert "authentication failed" in rows[("tenant2", "propel")]["failure"]


def runner_job(private, inventory, report_dir, limit=None):
    """An audit job as AWX starts one through ansible-runner (a slice is a job with its hosts limited)."""
    import ansible_runner

    os.makedirs(private)
    return ansible_runner.run_async(
        private_data_dir=private,
        playbook=os.path.join(ROOT, "playbooks", "audit.yml"),
        inventory=inventory,
        limit=limit,
        envvars={
            "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
            "AUTOTASK_TRUSTED_HOSTS": "127.0.0.1",
            "ANSIBLE_NOCOLOR": "1",
        },
        # A zone cache per job, as each AWX job starts in a fresh execution environment.
        extravars={"msp_autotask_report_dir": report_dir, "autotask_zone_cache_path": report_dir + ".zones.json"},
        quiet=True,
    )


def merge(reports, dest, **more):
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=COLLECTIONS, ANSIBLE_NOCOLOR="1")
    extra = json.dumps(dict(more, msp_autotask_merge_reports=reports, msp_autotask_report_dir=dest))
    return subprocess.run(
        ["ansible-playbook", os.path.join(ROOT, "playbooks", "merge_reports.yml"), "-e", extra],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def test_three_slices_in_parallel_merge_to_the_unsliced_report(fleet):  # noqa: F811
    sandbox, inventory, tmp = fleet
    sandbox.control("PATCH", "/tenants/60001/entities/Resources/10", {"isActive": False})  # a drift to carry
    with open(inventory, encoding="utf-8") as handle:
        hosts = list(yaml.safe_load(handle)["autotask_tenants"]["hosts"])
    # AWX job slicing: host i of the inventory goes to slice i mod 3, and the slices run at once.
    jobs = [
        runner_job(
            os.path.join(tmp, "runner%d" % k), inventory, os.path.join(tmp, "slice%d" % k), ",".join(hosts[k::3])
        )
        for k in range(3)
    ]
    for thread, _runner in jobs:
        thread.join(timeout=300)
    assert [runner.status for _thread, runner in jobs] == ["failed"] * 3  # each slice has a failing tenant
    thread, _runner = runner_job(os.path.join(tmp, "runner-all"), inventory, os.path.join(tmp, "whole"))
    thread.join(timeout=300)

    archive = os.path.join(tmp, "archive")
    proc = merge(
        [os.path.join(tmp, "slice*", "fleet-report.json")],
        os.path.join(tmp, "merged"),
        msp_autotask_merge_archive=archive,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "Merged 3 reports (5 tenants)" in proc.stdout
    assert sorted(os.listdir(archive)) == ["slice0", "slice1", "slice2"]  # out of the next run's way
    merged, whole = load(os.path.join(tmp, "merged")), load(os.path.join(tmp, "whole"))
    assert [t["host"] for t in merged["tenants"]] == [t["host"] for t in whole["tenants"]]
    assert statuses(merged) == statuses(whole)
    for key in ("totals", "alignment", "vendors", "mode"):
        assert merged[key] == whole[key], key
    assert [len(s["tenants"]) for s in (load(os.path.join(archive, "slice%d" % k)) for k in range(3))] == [2, 2, 1]


def statuses(doc):
    return {
        t["host"]: (t["status"], [(v["role"], v["status"], len(v["manual_steps"])) for v in t["vendors"]])
        for t in doc["tenants"]
    }


def test_an_audit_and_an_onboard_are_not_merged(fleet):  # noqa: F811
    _sandbox, inventory, tmp = fleet
    play("audit.yml", inventory)
    os.rename(os.path.join(tmp, "report"), os.path.join(tmp, "audit"))
    play("onboard.yml", inventory)
    proc = merge(
        [os.path.join(tmp, "audit", "fleet-report.json"), os.path.join(tmp, "report", "fleet-report.json")],
        os.path.join(tmp, "merged"),
    )
    assert proc.returncode != 0
    assert "reports of different modes cannot be merged" in proc.stdout and "is audit" in proc.stdout
    assert not os.path.exists(os.path.join(tmp, "merged"))
