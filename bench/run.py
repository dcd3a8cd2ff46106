"""`make bench`: fleet runs of msp.autotask beside a hand-written ansible.builtin.uri baseline.

For each size N (BENCH_SIZES, default "10 100 500") the sandbox holds N tenants with three
vendors each (Propel Your MSP, Email2AT, SolarWinds RMM), one in five drifted and one in three
verifying Propel's custom level through a probe user (verify_as), and answers every request
after BENCH_LATENCY_MS (default 50) plus jitter. For each tool (the collection and the uri
baseline, each under the default strategy and, where Mitogen for Ansible is installed and runs,
under mitogen_linear), audit then onboard, each a first run and a re-run, it measures wall
time, controller CPU, peak memory of the whole process tree, API calls per tenant by kind (from
the sandbox's request log), writes and 429s. It writes bench/results/<BENCH_OUTPUT>.{json,md,png}
(default "latest"). It is a benchmark, not a test: it asserts nothing.
"""

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import threading
import time

import yaml

from autotask_sandbox.process import SandboxProcess

HERE = os.path.dirname(os.path.abspath(__file__))
OURS, BASELINE = "msp.autotask", "ansible.builtin.uri"
MITOGEN = " (mitogen_linear)"
ROOT = os.path.dirname(HERE)
RESULTS = os.path.join(HERE, "results")
VENDORS = [
    {"name": "Propel Your MSP", "code": "BENCH-VENDOR-PROPEL"},
    {"name": "MSPintegrations – Email2AT", "code": "BENCH-VENDOR-EMAIL2AT"},
    {"name": "Solarwinds MSP - Solarwinds RMM", "code": "BENCH-VENDOR-SWRMM"},
]
PROPEL_TABLE = [
    {
        "section": "SERVICE DESK",
        "subsection": "Object Permissions",
        "name": "Tickets",
        "permission": "View: All, Add: Yes",
    }
]


def tenant(n):
    drifted = n % 5 == 0
    domain = "t%d.example" % n
    return {
        "id": 90000 + n,
        "name": "Bench tenant %d" % n,
        "zone": "webservices%d" % (n % 20 + 1),
        "internal_integration_codes": ["BENCH-INTERNAL-%d" % n],
        "departments": [{"id": 1, "name": "Service Desk"}],
        "roles": [{"id": 2, "name": "API Integration"}],
        "queues": [{"id": 3, "label": "Client Portal"}],
        "udfs": [{"name": "Asset Tag", "entity": "ConfigurationItems"}],
        "security_levels": [{"name": "API User (Propel Your MSP)", "permissions": PROPEL_TABLE}],
        "resources": [
            {
                "id": 9,
                "firstName": "MSP",
                "lastName": "Admin",
                "email": "admin@" + domain,
                "userName": "admin@" + domain,
                "api_user": {"secret": "bench-secret-%d" % n, "internal": True},
            },
            {
                "id": 10,
                "firstName": "Propel Your MSP",
                "lastName": "Api" if drifted else "API",
                "email": "propel@" + domain,
                "userName": "propel@" + domain,
                "api_user": {
                    "secret": "p",
                    "integration_vendor": "Propel Your MSP",
                    "security_level": "API User (Propel Your MSP)",
                },
            },
            {
                "id": 11,
                "firstName": "MSPintegrations",
                "lastName": "API",
                "email": "mspintegrations@" + domain,
                "userName": "email2at@" + domain,
                "isActive": not drifted,
                "api_user": {"secret": "e", "integration_vendor": "MSPintegrations – Email2AT"},
                "departments": [{"department_id": 1, "role_id": 2, "default": True}],
                "queues": [] if drifted else [3],
            },
            {
                "id": 12,
                "firstName": "SolarWinds RMM",
                "lastName": "API",
                "email": "solarwinds-rmm@" + domain,
                "userName": "swrmm@" + domain,
                "protected_data": {"edit_unprotected": True},
                "api_user": {"secret": "s", "integration_vendor": "Solarwinds MSP - Solarwinds RMM"},
            },
            {
                # A probe holding Propel's level under the MSP's internal code (verify_as).
                "id": 13,
                "firstName": "Probe",
                "lastName": "Propel",
                "email": "probe@" + domain,
                "userName": "probe@" + domain,
                "api_user": {
                    "secret": "bench-probe-%d" % n,
                    "internal": True,
                    "security_level": "API User (Propel Your MSP)",
                },
            },
        ],
    }


def inventory(n_tenants, url, work):
    hosts = {}
    for n in range(1, n_tenants + 1):
        hosts["t%d" % n] = {
            "autotask_tenant_id": 90000 + n,
            "autotask_username": "admin@t%d.example" % n,
            "autotask_secret": "bench-secret-%d" % n,
            "autotask_integration_code": "BENCH-INTERNAL-%d" % n,
            "autotask_zone_discovery_url": url + "/atservicesrest",
            "autotask_zone_cache_path": os.path.join(work, "zones.json"),
            "msp_autotask_tenant_domain": "t%d.example" % n,
            "msp_autotask_vendors": ["propel", "email2at", "solarwinds_rmm"],
            "email2at_departments": [{"department": "Service Desk", "role": "API Integration", "default": True}],
            "email2at_queues": ["Client Portal"],
            "msp_autotask_report_dir": os.path.join(work, "report"),
        }
        if n % 3 == 0:  # a third of the fleet verifies Propel's custom level through a probe user
            hosts["t%d" % n]["propel_verify_as"] = {
                "username": "probe@t%d.example" % n,
                "secret": "bench-probe-%d" % n,
                "integration_code": "BENCH-INTERNAL-%d" % n,
            }
    path = os.path.join(work, "hosts.yml")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"autotask_tenants": {"hosts": hosts}}, handle)
    return path


def tree_memory_kb(pid):
    """(RSS, PSS) of a process and all its descendants, from /proc.

    RSS counts the pages forked workers share with the controller once per process; PSS
    shares them out, so its sum is the memory the tree really holds.
    """
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % entry, encoding="utf-8") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    rss, pss, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            with open("/proc/%d/smaps_rollup" % current, encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1])
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return rss, pss


def kind_of(entry):
    path = entry["path"].lower()
    if "zoneinformation" in path:
        return "zone"
    if "entityinformation" in path:
        return "%s entityInformation" % entry["method"]
    if "/query" in path:
        return "query"
    return "%s write" % entry["method"] if entry["method"] in ("POST", "PATCH", "PUT", "DELETE") else "GET item"


def mitogen_env():
    """The environment that runs a playbook under Mitogen's mitogen_linear strategy, or None.

    None when the ansible_mitogen package is missing or refuses this ansible-core (Mitogen
    supports a range of versions): the benchmark then runs the default strategy alone.
    """
    try:
        import ansible_mitogen
    except ImportError:
        return None
    strategies = os.path.join(os.path.dirname(ansible_mitogen.__file__), "plugins", "strategy")
    env = dict(os.environ, ANSIBLE_STRATEGY_PLUGINS=strategies, ANSIBLE_STRATEGY="mitogen_linear")
    probe = [{"hosts": "localhost", "gather_facts": False, "tasks": [{"ansible.builtin.ping": {}}]}]
    os.makedirs(os.path.join(RESULTS, "work"), exist_ok=True)
    path = os.path.join(RESULTS, "work", "mitogen-probe.yml")  # git-ignored, like every run's work
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(probe, handle)
    works = subprocess.run(["ansible-playbook", path], env=env, capture_output=True, check=False).returncode == 0
    return env if works else None


def measure(cmd, sandbox, n_tenants, env=None):
    sandbox.control("DELETE", "/requests")
    # The sandbox is outside Autotask's API domain: the collection needs it named (trusted_hosts).
    env = dict(env or os.environ, ANSIBLE_NOCOLOR="1", AUTOTASK_TRUSTED_HOSTS="127.0.0.1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT)
    peak = [0, 0]

    def sample():
        while proc.poll() is None:
            rss, pss = tree_memory_kb(proc.pid)
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = proc.communicate()[0]
    wall = time.monotonic() - started
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    by_kind, writes, throttled = {}, 0, 0
    for tid in range(90001, 90001 + n_tenants):
        for entry in sandbox.control("GET", "/tenants/%d/requests" % tid)["requests"]:
            kind = kind_of(entry)
            by_kind[kind] = by_kind.get(kind, 0) + 1
            writes += kind.endswith("write")
            throttled += entry["status"] == 429
    unrouted = sandbox.control("GET", "/requests")["unrouted"]
    by_kind["zone"] = by_kind.get("zone", 0) + sum(1 for e in unrouted if "zoneinformation" in e["path"].lower())
    calls = sum(by_kind.values())
    failed = sum(1 for line in output.splitlines() if " failed=" in line and " failed=0" not in line)
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round((after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), 2),
        "peak_rss_mb": round(peak[0] / 1024, 1),
        "peak_pss_mb": round(peak[1] / 1024, 1),
        "calls_per_tenant": round(calls / n_tenants, 2),
        "calls_by_kind_per_tenant": {k: round(v / n_tenants, 2) for k, v in sorted(by_kind.items())},
        "writes": writes,
        "http_429": throttled,
        "failed_hosts": failed,
        "rc": proc.returncode,
    }


def commands(tool, playbook, hosts, forks):
    if tool.startswith(OURS):
        return ["ansible-playbook", os.path.join(ROOT, "playbooks", playbook + ".yml"), "-i", hosts, "-f", str(forks)]
    audit = ["-e", "bench_audit=true"] if playbook == "audit" else []
    return ["ansible-playbook", os.path.join(HERE, "baseline", "uri_fleet.yml"), "-i", hosts, "-f", str(forks), *audit]


def run_size(sandbox, n_tenants, args):
    seed = {
        "settings": {"latency_ms": args.latency_ms, "latency_jitter_ms": args.jitter_ms, "random_seed": 3},
        "integration_vendors": VENDORS,
        "tenants": [tenant(n) for n in range(1, n_tenants + 1)],
    }
    rows = []
    tools = [OURS]
    if n_tenants <= args.baseline_max:
        tools.append(BASELINE)
    if args.mitogen_env:
        tools += [tool + MITOGEN for tool in tools]
    for tool in tools:
        env = args.mitogen_env if tool.endswith(MITOGEN) else None
        work = os.path.join(RESULTS, "work", "%s-%d" % (tool.split(".")[-1].replace(" ", ""), n_tenants))
        # The first run discovers zones and reads names: no cache from an earlier benchmark.
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        hosts = inventory(n_tenants, sandbox.url, work)
        for playbook in ("audit", "onboard"):
            sandbox.control("POST", "/seed", seed)  # each pair starts from the seeded fleet
            for run in ("first", "rerun"):
                row = {"tool": tool, "tenants": n_tenants, "playbook": playbook, "run": run}
                row.update(measure(commands(tool, playbook, hosts, args.forks), sandbox, n_tenants, env))
                rows.append(row)
                print(json.dumps(row), flush=True)
    return rows


def ratios(rows):
    """The collection (under each strategy) against the faster uri baseline of the same size and run."""
    out = []
    for n in sorted({r["tenants"] for r in rows}):
        for playbook in ("audit", "onboard"):
            for run in ("first", "rerun"):
                pick = [r for r in rows if (r["tenants"], r["playbook"], r["run"]) == (n, playbook, run)]
                bases = [r for r in pick if r["tool"].startswith(BASELINE)]
                if not bases:
                    continue
                base = min(bases, key=lambda r: r["wall_s"])
                for ours in (r for r in pick if r["tool"].startswith(OURS)):
                    out.append(
                        {
                            "tenants": n,
                            "playbook": playbook,
                            "run": run,
                            "tool": ours["tool"],
                            "faster_baseline": base["tool"],
                            "fewer_calls": round(base["calls_per_tenant"] / max(ours["calls_per_tenant"], 0.01), 2),
                            "less_wall": round(base["wall_s"] / max(ours["wall_s"], 0.01), 2),
                        }
                    )
    return out


def markdown(doc):
    lines = [doc["note"], ""] if doc.get("note") else []
    lines += [
        "Measured %s on %d cores (%s, Python %s, %s), %d ms latency ± %d ms, %d forks."
        % (
            doc["date"],
            doc["cores"],
            doc["machine"],
            doc["python"],
            doc["ansible"],
            doc["latency_ms"],
            doc["jitter_ms"],
            doc["forks"],
        ),
        "",
        "The `ansible.builtin.uri` baseline runs at sizes up to %d tenants (about 2.5 s per tenant). "
        "Peak PSS is the memory the playbook's whole process tree holds; the RSS sum counts the pages "
        "forked workers share with the controller once per process. One tenant in three verifies "
        "Propel's custom level through a probe user (the baseline cannot, and does not try). %s"
        % (
            doc.get("baseline_max", 100),
            "Each tool also runs under Mitogen's `mitogen_linear` strategy."
            if doc.get("mitogen")
            else "Mitogen was not installed or refused this ansible-core: default strategy only.",
        ),
        "",
        "| tool | tenants | playbook | run | wall (s) | CPU (s) | peak PSS (MB) | peak RSS sum (MB) "
        "| API calls / tenant | writes | 429s | failed hosts |",
        "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in doc["rows"]:
        lines.append(
            "| %s | %d | %s | %s | %.1f | %.1f | %.0f | %.0f | %.2f | %d | %d | %d |"
            % (
                r["tool"],
                r["tenants"],
                r["playbook"],
                r["run"],
                r["wall_s"],
                r["cpu_s"],
                r["peak_pss_mb"],
                r["peak_rss_mb"],
                r["calls_per_tenant"],
                r["writes"],
                r["http_429"],
                r["failed_hosts"],
            )
        )
    lines += [
        "",
        "Ratios against the faster baseline of the same size and run:",
        "",
        "| tenants | playbook | run | tool | faster baseline | × fewer API calls | × less wall time |",
        "| ---: | --- | --- | --- | --- | ---: | ---: |",
    ]
    lines += [
        "| %d | %s | %s | %s | %s | %.2f | %.2f |"
        % (x["tenants"], x["playbook"], x["run"], x["tool"], x["faster_baseline"], x["fewer_calls"], x["less_wall"])
        for x in doc["ratios"]
    ]
    lines += ["", "API calls per tenant by kind (msp.autotask, re-runs):", ""]
    for r in doc["rows"]:
        if r["tool"] == OURS and r["run"] == "rerun":
            lines.append(
                "- %d tenants, %s: %s"
                % (
                    r["tenants"],
                    r["playbook"],
                    ", ".join("%s %s" % (v, k) for k, v in r["calls_by_kind_per_tenant"].items()),
                )
            )
    return "\n".join(lines) + "\n"


def plot(doc, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {OURS: "o-", BASELINE: "s--", OURS + MITOGEN: "o:", BASELINE + MITOGEN: "s:"}
    for tool, style in styles.items():
        for playbook in ("audit", "onboard"):
            rows = sorted(
                (r for r in doc["rows"] if r["tool"] == tool and r["playbook"] == playbook and r["run"] == "rerun"),
                key=lambda r: r["tenants"],
            )
            if not rows:
                continue
            label = "%s %s (re-run)" % (tool, playbook)
            axes[0].plot([r["tenants"] for r in rows], [r["wall_s"] for r in rows], style, label=label)
            axes[1].plot([r["tenants"] for r in rows], [r["calls_per_tenant"] for r in rows], style, label=label)
    axes[0].set(xlabel="tenants", ylabel="wall time (s)", title="Fleet wall time")
    axes[1].set(xlabel="tenants", ylabel="API calls per tenant", title="API calls per tenant", ylim=(0, None))
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("%d ms latency, %d cores, %d forks" % (doc["latency_ms"], doc["cores"], doc["forks"]))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=os.environ.get("BENCH_SIZES", "10 100 500"))
    parser.add_argument("--latency-ms", type=int, default=int(os.environ.get("BENCH_LATENCY_MS", "50")))
    parser.add_argument("--jitter-ms", type=int, default=10)
    parser.add_argument("--forks", type=int, default=int(os.environ.get("BENCH_FORKS", "8")))
    # The baseline costs ~2.5 s per tenant: 20 minutes a run at 500. The ratios are taken at 100.
    parser.add_argument("--baseline-max", type=int, default=int(os.environ.get("BENCH_BASELINE_MAX", "100")))
    # A run that is not for publication (small sizes, a busy machine) goes to its own files, with a note.
    parser.add_argument("--output", default=os.environ.get("BENCH_OUTPUT", "latest"))
    parser.add_argument("--note", default=os.environ.get("BENCH_NOTE", ""))
    parser.add_argument("--no-mitogen", action="store_true", default=os.environ.get("BENCH_MITOGEN") == "0")
    args = parser.parse_args()
    os.makedirs(RESULTS, exist_ok=True)
    args.mitogen_env = None if args.no_mitogen else mitogen_env()
    ansible = subprocess.run(["ansible", "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[
        0
    ]
    seed = os.path.join(RESULTS, "empty-seed.yml")
    with open(seed, "w", encoding="utf-8") as handle:
        yaml.safe_dump({"tenants": []}, handle)
    sandbox = SandboxProcess(seed)
    rows = []
    try:
        for size in (int(s) for s in args.sizes.split()):
            rows += run_size(sandbox, size, args)
    finally:
        sandbox.stop()
    doc = {
        "date": datetime.date.today().isoformat(),
        "cores": os.cpu_count(),
        "machine": platform.machine(),
        "python": platform.python_version(),
        "ansible": ansible,
        "latency_ms": args.latency_ms,
        "jitter_ms": args.jitter_ms,
        "forks": args.forks,
        "baseline_max": args.baseline_max,
        "mitogen": bool(args.mitogen_env),
        "note": args.note,
        "rows": rows,
        "ratios": ratios(rows),
    }
    out = os.path.join(RESULTS, args.output)
    with open(out + ".json", "w", encoding="utf-8") as handle:
        json.dump(doc, handle, indent=2)
    with open(out + ".md", "w", encoding="utf-8") as handle:
        handle.write(markdown(doc))
    plot(doc, out + ".png")
    print(markdown(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main())
