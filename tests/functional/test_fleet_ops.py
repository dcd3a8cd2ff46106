"""Fleet operations over a real sandbox (issue #16): what changed since the last run, the CSV export,
merged slices and a new tenant in one step."""

import csv
import json
import os
import shutil
import subprocess

import jsonschema
import pytest
import yaml
from test_fleet import fleet, play, tenant  # noqa: F401 (fleet is a fixture)

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
    ansible_runner = pytest.importorskip("ansible_runner")  # make compat's venvs have no ansible-runner

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


VAULT_PASSWORDS = {"t1": "first-tenant-vault", "t2": "second-tenant-vault"}


@pytest.fixture
def small_fleet(sandbox, tmp_path):
    """An inventory directory like inventories/example with one tenant; a second tenant in Autotask only."""
    sandbox.seed(
        {
            "integration_vendors": [{"name": "Propel Your MSP", "code": "VENDOR-PROPEL"}],
            "tenants": [tenant(1), tenant(2)],
        }
    )
    inventory = tmp_path / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    (inventory / "host_vars" / "tenant1").mkdir(parents=True)
    shutil.copy(
        os.path.join(ROOT, "inventories", "example", "group_vars", "autotask_tenants.yml"), inventory / "group_vars"
    )
    (inventory / "hosts.yml").write_text(
        "---\n# Our fleet.\nautotask_tenants:\n  children:\n    vendor_propel:\n      hosts:\n        tenant1:\n"
        "    vendor_email2at:\n      hosts:\n"
    )
    main = {
        "autotask_tenant_id": 60001,
        "autotask_username": "admin@t1.example",
        "msp_autotask_tenant_domain": "t1.example",
    }
    (inventory / "host_vars" / "tenant1" / "main.yml").write_text(yaml.safe_dump(main))
    for label, password in VAULT_PASSWORDS.items():
        (tmp_path / (label + ".txt")).write_text(password + "\n")
    vault = inventory / "host_vars" / "tenant1" / "vault.yml"
    vault.write_text(
        yaml.safe_dump({"vault_autotask_secret": "secret-1", "vault_autotask_integration_code": "INTERNAL-ONE"})
    )
    subprocess.run(
        [
            "ansible-vault",
            "encrypt",
            "--vault-id",
            "t1@%s" % (tmp_path / "t1.txt"),
            "--encrypt-vault-id",
            "t1",
            str(vault),
        ],
        check=True,
        capture_output=True,
    )
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=COLLECTIONS,
        ANSIBLE_NOCOLOR="1",
        AUTOTASK_TRUSTED_HOSTS="127.0.0.1",
        AUTOTASK_ZONE_DISCOVERY_URL=sandbox.url + "/atservicesrest",
        AUTOTASK_ZONE_CACHE_PATH=str(tmp_path / "zones.json"),
    )
    return sandbox, inventory, tmp_path, env


def add_tenant(inventory, tmp, env, name, username, secret, code, vendors=("propel",)):
    extra = {
        "msp_autotask_new_tenant": name,
        "msp_autotask_new_tenant_domain": "t2.example",
        "msp_autotask_new_tenant_vendors": list(vendors),
        "msp_autotask_vault_id": "t2@%s" % (tmp / "t2.txt"),
        "msp_autotask_report_dir": str(tmp / "added"),
    }
    # The credential as the AWX credential type (or an operator's shell) gives it: the environment.
    env = dict(env, AUTOTASK_USERNAME=username, AUTOTASK_SECRET=secret, AUTOTASK_INTEGRATION_CODE=code)
    return subprocess.run(
        [
            "ansible-playbook",
            os.path.join(ROOT, "playbooks", "add_tenant.yml"),
            "-i",
            str(inventory),
            "-e",
            json.dumps(extra),
        ],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )


def test_a_new_tenant_in_one_step_joins_the_next_fleet_audit(small_fleet):
    sandbox, inventory, tmp, env = small_fleet
    proc = add_tenant(inventory, tmp, env, "tenant2", "admin@t2.example", "secret-2", "INTERNAL-TWO")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    main = yaml.safe_load((inventory / "host_vars" / "tenant2" / "main.yml").read_text())
    assert main["autotask_tenant_id"] == 60002  # what Autotask answered for the credential
    assert main["autotask_username"] == "admin@t2.example" and main["msp_autotask_tenant_domain"] == "t2.example"
    vault = (inventory / "host_vars" / "tenant2" / "vault.yml").read_text()
    assert vault.startswith("$ANSIBLE_VAULT;1.2;AES256;t2\n") and "secret-2" not in vault
    plain = subprocess.run(
        [
            "ansible-vault",
            "view",
            "--vault-id",
            "t2@%s" % (tmp / "t2.txt"),
            str(inventory / "host_vars" / "tenant2" / "vault.yml"),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert yaml.safe_load(plain) == {
        "vault_autotask_secret": "secret-2",
        "vault_autotask_integration_code": "INTERNAL-TWO",
    }
    hosts = (inventory / "hosts.yml").read_text()
    assert hosts.startswith("---\n# Our fleet.\n")  # the rest of the file is kept
    assert yaml.safe_load(hosts)["autotask_tenants"]["children"]["vendor_propel"]["hosts"] == {
        "tenant1": None,
        "tenant2": None,
    }
    # The one-tenant audit ran and wrote its own report.
    assert [t["host"] for t in load(tmp / "added")["tenants"]] == ["tenant2"]
    assert "secret-2" not in proc.stdout and "INTERNAL-TWO" not in proc.stdout
    assert sandbox.control("GET", "/tenants/60002/requests?writes=1")["count"] == 0

    vault_ids = ["--vault-id", "t1@%s" % (tmp / "t1.txt"), "--vault-id", "t2@%s" % (tmp / "t2.txt")]
    fleet_env = dict(env, ANSIBLE_VAULT_ID_MATCH="1")
    audit = subprocess.run(
        [
            "ansible-playbook",
            os.path.join(ROOT, "playbooks", "audit.yml"),
            "-i",
            str(inventory),
            *vault_ids,
            "-e",
            "msp_autotask_report_dir=%s" % (tmp / "fleet"),
        ],
        capture_output=True,
        text=True,
        env=fleet_env,
        timeout=300,
    )
    assert "fleet-report.json" in audit.stdout, audit.stdout[-3000:] + audit.stderr[-3000:]
    doc = load(tmp / "fleet")
    assert sorted(t["host"] for t in doc["tenants"]) == ["tenant1", "tenant2"]
    assert not any(t["failure"] for t in doc["tenants"])


def test_an_existing_tenant_is_never_overwritten(small_fleet):
    _sandbox, inventory, tmp, env = small_fleet
    before = (inventory / "hosts.yml").read_text()
    by_name = add_tenant(inventory, tmp, env, "tenant1", "admin@t2.example", "secret-2", "INTERNAL-TWO")
    assert by_name.returncode != 0 and "refusing" in by_name.stdout
    # Another name for a database the inventory has: the id Autotask answers gives it away.
    by_id = add_tenant(inventory, tmp, env, "tenant-one", "admin@t1.example", "secret-1", "INTERNAL-ONE")
    assert by_id.returncode != 0 and "database 60001 is already a tenant" in by_id.stdout
    unknown_group = add_tenant(
        inventory, tmp, env, "tenant2", "admin@t2.example", "secret-2", "INTERNAL-TWO", ["mindmatrix"]
    )
    assert unknown_group.returncode != 0 and "no group vendor_mindmatrix" in unknown_group.stdout
    assert (inventory / "hosts.yml").read_text() == before
    assert sorted(os.listdir(inventory / "host_vars")) == ["tenant1"]
