"""What Ansible itself costs per host and task on this machine: the figures bench/README.md cites.

Times a fleet of HOSTS local hosts running only `set_fact` tasks, then only `ping` module runs
(with and without pipelining), and prints controller CPU per task. No API, no sandbox: it
measures the floor under any playbook, the collection's and the uri baseline's alike.

Then the same for msp.autotask.autotask_vendor_users with an argument it refuses (so no
request is sent): the fixed cost of one call, run as a module (msp_autotask_in_process=false)
and in the controller's worker by its action plugin. Last, what collecting the benchmark
tenant's three vendors (Propel Your MSP, Email2AT, SolarWinds RMM) costs per host: through each
vendor role's desired entry point (an include_role each, as playbooks/onboard.yml did before
issue #17's "fewer tasks"), and in one msp.autotask.autotask_vendor_desired task, as it does
now. It needs the collection on ANSIBLE_COLLECTIONS_PATH.
"""

import os
import resource
import subprocess
import sys
import tempfile

import yaml

HOSTS = int(os.environ.get("OVERHEAD_HOSTS", "100"))
FORKS = os.environ.get("BENCH_FORKS", "8")


# Refused before any request: the task costs what every call of the module costs, and no more.
REFUSED = {"msp.autotask.autotask_vendor_users": {"vendors": [], "request_timeout": "soon"}, "ignore_errors": True}
# The benchmark tenant's vendors, collected the two ways.
VENDORS = ["propel", "email2at", "solarwinds_rmm"]
TENANT = {"msp_autotask_tenant_domain": "t1.example", "email2at_queues": ["Client Portal"]}
BY_ROLES = [
    {"ansible.builtin.include_role": {"name": "msp.autotask." + vendor, "tasks_from": "desired"}} for vendor in VENDORS
]
IN_ONE_TASK = [{"msp.autotask.autotask_vendor_desired": {"vendors": VENDORS}}]


def play(tasks, **variables):
    variables["ansible_python_interpreter"] = "{{ ansible_playbook_python }}"
    return [{"hosts": "all", "connection": "local", "gather_facts": False, "vars": variables, "tasks": tasks}]


def cpu_of(path, inventory):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(["ansible-playbook", path, "-i", inventory, "-f", FORKS], check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main():
    with tempfile.TemporaryDirectory() as work:
        inventory = os.path.join(work, "hosts.yml")
        with open(inventory, "w", encoding="utf-8") as handle:
            yaml.safe_dump({"all": {"hosts": {"h%d" % n: {} for n in range(HOSTS)}}}, handle)
        cases = {
            "set_fact": (10, play([{"ansible.builtin.set_fact": {"x%d" % n: 1}} for n in range(10)])),
            "module run": (3, play([{"ansible.builtin.ping": {}} for _ in range(3)])),
            "module run, pipelined": (
                3,
                play([{"ansible.builtin.ping": {}} for _ in range(3)], ansible_pipelining=True),
            ),
            "autotask_vendor_users as a module": (3, play([REFUSED] * 3, msp_autotask_in_process=False)),
            "autotask_vendor_users in process": (3, play([REFUSED] * 3)),
            "three vendors collected by the roles' desired entry points, per host": (1, play(BY_ROLES, **TENANT)),
            "three vendors collected by autotask_vendor_desired, per host": (1, play(IN_ONE_TASK, **TENANT)),
        }
        print("%d hosts, %s forks, %d cores: controller CPU per host and task" % (HOSTS, FORKS, os.cpu_count()))
        for name, (count, body) in cases.items():
            path = os.path.join(work, "play.yml")
            with open(path, "w", encoding="utf-8") as handle:
                yaml.safe_dump(body, handle)
            print("- %s: %.0f ms" % (name, 1000 * cpu_of(path, inventory) / (HOSTS * count)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
