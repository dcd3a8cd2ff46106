"""`make demo`: the fleet story against the Autotask sandbox, three runs of playbooks/onboard.yml.

1. Start the sandbox seeded with the example fleet (sandbox/seeds/demo.yml, matching
   inventories/example): fresh, half-done, drifted, compliant and wrong-credential tenants.
2. Run 1: the report lists every tenant's manual steps; API-side fixes are applied.
3. The sandbox plays the technician: it does each manual step of run 1's JSON report through
   its control plane (the UI), reading only the checklist's text (autotask_sandbox.technician),
   and records the attestation lines the checklist prints in the inventory copy.
4. Run 2: what the API can converge on the newly created users is converged.
5. Run 3: every tenant that can be reached is compliant, with zero changes and zero writes.

Everything is written under demo-output/ (the inventory copy, each run's log and report).
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap

import yaml

from autotask_sandbox.process import SandboxProcess
from autotask_sandbox.technician import Technician

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INVENTORY = os.path.join(ROOT, "inventories", "example")
VAULT_PASSWORD = os.path.join(ROOT, "inventories", "demo-vault-password.txt")


# How many of the technician's actions the demo prints; the rest go to a file beside the reports.
SHOWN_ACTIONS = 3


def shown(folder, name):
    """A path as the reader typed it: relative under the working directory, else absolute."""
    path = os.path.join(folder, name)
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def run_playbook(n, out, env):
    """One onboard.yml run; returns {host: recap counters} and the report document."""
    report_dir = os.path.join(out, "run%d" % n)
    if n > 1:
        # The last run's report in the folder is what the fleet report compares itself with.
        os.makedirs(report_dir)
        shutil.copy(os.path.join(out, "run%d" % (n - 1), "fleet-report.json"), report_dir)
    cmd = [
        "ansible-playbook",
        os.path.join(ROOT, "playbooks", "onboard.yml"),
        "-i",
        os.path.join(out, "inventory"),
        "--vault-password-file",
        VAULT_PASSWORD,
        "-e",
        "msp_autotask_report_dir=%s" % report_dir,
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=out, timeout=900)
    with open(os.path.join(out, "run%d.log" % n), "w", encoding="utf-8") as handle:
        handle.write(proc.stdout + proc.stderr)
    recap = {}
    for host, counters in re.findall(r"^(\S+)\s+:\s+(ok=.*)$", proc.stdout, re.M):
        recap[host] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", counters)}
    path = os.path.join(report_dir, "fleet-report.json")
    if not os.path.exists(path):
        sys.exit("run %d wrote no report; see %s" % (n, os.path.join(out, "run%d.log" % n)))
    with open(path, encoding="utf-8") as handle:
        return recap, json.load(handle), report_dir


def print_run(n, what, recap, report):
    totals = report["totals"]["by_status"]
    print("\nRun %d (%s): %s" % (n, what, ", ".join("%d %s" % (v, k) for k, v in totals.items())))
    for tenant in sorted(report["tenants"], key=lambda t: t["host"]):
        counters = recap.get(tenant["host"], {})
        cells = ", ".join(
            "%s %s" % (e["role"], e["status"] + ("+changed" if e["changed"] else "")) for e in tenant["vendors"]
        )
        line = "  %-10s changed=%d failed=%d  %s" % (
            tenant["host"],
            counters.get("changed", 0),
            counters.get("failed", 0),
            cells,
        )
        steps = sum(len(e["manual_steps"]) for e in tenant["vendors"])
        if steps:
            line += "  (%d manual steps)" % steps
        if tenant["failure"]:
            # Whole, wrapped: a reason cut mid-path hides where it failed.
            line += "\n" + textwrap.fill(
                tenant["failure"]["msg"], width=100, initial_indent=" " * 13 + "reason: ", subsequent_indent=" " * 21
            )
        print(line)
    changes = report.get("changes")
    if changes:
        print(
            "  since run %d: %d worse, %d better, %d other changes (top of run%d/fleet-report.md)"
            % (
                n - 1,
                changes["worse"],
                changes["better"],
                len(changes["items"]) - changes["worse"] - changes["better"],
                n,
            )
        )


def play_technician(sandbox, report, inventory):
    """The sandbox's technician does run 1's checklist, from its text alone, and records the attestations."""
    done = []
    for tenant in report["tenants"]:
        if tenant["failure"] or tenant["tenant_id"] is None:
            continue
        attestations = {}
        for entry in tenant["vendors"]:
            if entry["status"] == "compliant":
                continue
            technician = Technician(sandbox.control, tenant["tenant_id"])
            actions = technician.do(entry["manual_steps"])
            done += ["%s, %s: %s" % (tenant["host"], entry["role"], action) for action in actions]
            for line in technician.attestation_lines:
                for var, parts in line.items():
                    attestations.setdefault(var, {}).update(parts)
        if attestations:
            path = os.path.join(inventory, "host_vars", tenant["host"], "attestations.yml")
            existing = {}
            if os.path.exists(path):
                with open(path, encoding="utf-8") as handle:
                    existing = yaml.safe_load(handle) or {}
            for var, parts_done in attestations.items():
                existing.setdefault(var, {}).update(parts_done)
            with open(path, "w", encoding="utf-8") as handle:
                handle.write("---\n# Recorded after the manual steps of run 1.\n")
                yaml.safe_dump(existing, handle, sort_keys=True, allow_unicode=True)
            done.append("%s: recorded %s" % (tenant["host"], ", ".join(sorted(attestations))))
    return done


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", default=os.path.join(ROOT, "sandbox", "seeds", "demo.yml"))
    parser.add_argument("--out", default=os.path.join(ROOT, "demo-output"))
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    shutil.rmtree(out, ignore_errors=True)
    inventory = os.path.join(out, "inventory")
    shutil.copytree(INVENTORY, inventory)

    sandbox = SandboxProcess(args.seed)
    tenants = sandbox.control("GET", "/tenants")["tenants"]
    print("Autotask sandbox listening on %s (%d tenants)" % (sandbox.url, len(tenants)))
    env = dict(
        os.environ,
        # The modules' own environment fallbacks: discovery at the sandbox, a private zone cache.
        AUTOTASK_ZONE_DISCOVERY_URL=sandbox.url + "/atservicesrest",
        AUTOTASK_ZONE_CACHE_PATH=os.path.join(out, "zones.json"),
        AUTOTASK_TRUSTED_HOSTS="127.0.0.1",  # the sandbox is outside Autotask's API domain
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    ok = True
    try:
        recap, report, _ = run_playbook(1, out, env)
        print_run(1, "the fleet as found", recap, report)

        done = play_technician(sandbox, report, inventory)
        with open(os.path.join(out, "technician.txt"), "w", encoding="utf-8") as handle:
            handle.write("".join(line + "\n" for line in done))
        print("\nThe technician works through run 1's checklist in the Autotask UI (%d actions):" % len(done))
        for line in done[:SHOWN_ACTIONS]:
            print("  - " + line)
        if len(done) > SHOWN_ACTIONS:
            print("  ... and %d more (%s)" % (len(done) - SHOWN_ACTIONS, shown(out, "technician.txt")))

        recap, report, _ = run_playbook(2, out, env)
        print_run(2, "after the manual steps", recap, report)

        sandbox.control("DELETE", "/requests")
        recap, report, report_dir = run_playbook(3, out, env)
        print_run(3, "nothing left to do", recap, report)
        writes = sum(sandbox.control("GET", "/tenants/%s/requests?writes=1" % t["id"])["count"] for t in tenants)
        calls = sum(sandbox.control("GET", "/requests")["by_tenant"].values())
        changed = sum(c.get("changed", 0) for c in recap.values())
        failed = sorted(h for h, c in recap.items() if c.get("failed"))
        print(
            "\nRun 3: changed=%d across %d tenants, %d API writes, %d API requests in all; failed: %s"
            % (changed, len(recap), writes, calls, ", ".join(failed) or "none")
        )
        # The story holds only if every tenant it can reach ends compliant, unchanged, unwritten.
        unfinished = sorted(t["host"] for t in report["tenants"] if t["status"] not in ("compliant", "failed"))
        if unfinished:
            print("Not compliant after run 3: %s" % ", ".join(unfinished))
        ok = changed == 0 and writes == 0 and not unfinished
        print("Reports: %s (runs 1 and 2 beside it)" % shown(report_dir, "fleet-report.{json,md,html,csv}"))
    finally:
        sandbox.stop()
    print("Sandbox stopped.")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
